/**
 * p.operator(): an Airflow operator mlgen has no construct for, by its import path. Its path
 * and arguments are checked when the pipeline lowers (passes/check-operators.ts); the Airflow
 * target imports the class and passes the arguments; Kubeflow cannot run it (MLG3001). The
 * engine tests run it on real Airflow 3 and 2 (airflow-constructs: "import paths").
 */
import { describe, expect, it } from "vitest";
import { env, pipeline, template, variable } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const STEPS = "def rows() -> dict:\n    return {'n': 1, 'mode': 'x'}\n";
const lower = (ir: unknown) =>
  lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/steps.py", STEPS]]) });

function input(ir: unknown, airflowVersion: 2 | 3 = 3) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return {
    ...r,
    sourceFile: "pipelines/p.pipeline.ts",
    sourceMap: {},
    pythonFiles: [],
    settings: { airflowVersion },
  };
}

const SQL = "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator";

const load = () =>
  pipeline("load", { params: { table: "events" } }, (p) => {
    const rows = p.python("rows", {
      fn: "tasks/steps.py:rows",
      outputs: { n: "int", mode: "string" },
    });
    p.operator("insert", {
      operator: SQL,
      args: {
        conn_id: "warehouse",
        sql: "INSERT INTO {{ params.table }} SELECT * FROM staging WHERE ds = '{{ ds }}'",
        parameters: { limit: 10, tags: ["a", "b"] },
        autocommit: true,
        handler: null,
        // Computed: templates, which the operator must render there.
        split_statements: rows.out.mode,
        database: variable("warehouse_db"),
        hook_params: template("{{ params.table }}"),
      },
      retries: 3,
    });
  });

describe("p.operator() on Airflow", () => {
  it("lowers to an operator task whose computed arguments put it after their producers", () => {
    const { ir, problems } = load();
    expect(problems).toEqual([]);
    const r = lower(ir);
    expect(r.ok).toBe(true);
    const task = r.ok ? r.ir.tasks.find((t) => t.id === "insert") : undefined;
    expect(task).toMatchObject({ kind: "operator", operator: SQL, upstream: ["rows"] });
  });

  it("imports the class by its path and passes each argument: literals as written, computed ones as templates checked by _rendered", () => {
    for (const version of [3, 2] as const) {
      const [file] = airflowTarget.emit(input(load().ir, version));
      const text = file?.content ?? "";
      expect(text).toContain(
        "from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator\n",
      );
      const block = text.slice(
        text.indexOf("    insert = "),
        text.indexOf("    )\n", text.indexOf("    insert = ")),
      );
      expect(block.split("\n")).toEqual([
        "    insert = SQLExecuteQueryOperator(",
        '        task_id="insert",',
        "        autocommit=True,",
        '        conn_id="warehouse",',
        `        database=_rendered(SQLExecuteQueryOperator, "database", "{{ var.value['warehouse_db'] }}"),`,
        "        handler=None,",
        '        hook_params="{{ params.table }}",',
        '        parameters={"limit": 10, "tags": ["a", "b"]},',
        `        split_statements=_rendered(SQLExecuteQueryOperator, "split_statements", "{{ ti.xcom_pull(task_ids='rows', key='mode') }}"),`,
        `        sql="INSERT INTO {{ params.table }} SELECT * FROM staging WHERE ds = '{{ ds }}'",`,
        "        retries=3,",
        "",
      ]);
      expect(text).toContain("def _rendered(operator, argument, template):");
    }
  });

  it("writes no _rendered helper when every argument is a literal or a template", () => {
    const { ir } = pipeline("plain", {}, (p) => {
      p.operator("q", { operator: SQL, args: { conn_id: "w", sql: template("SELECT 1") } });
    });
    const [file] = airflowTarget.emit(input(ir));
    expect(file?.content).not.toContain("_rendered");
  });

  it("imports a class whose name is taken (a task's, another provider's) under an alias", () => {
    const { ir } = pipeline("clash", {}, (p) => {
      p.operator("SQLExecuteQueryOperator", { operator: SQL, args: { sql: "SELECT 1" } });
      p.operator("other", {
        operator: "my_company.operators.sql.SQLExecuteQueryOperator",
        args: { sql: "SELECT 2" },
      });
    });
    const [file] = airflowTarget.emit(input(ir));
    const text = file?.content ?? "";
    expect(text).toContain(
      "from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator\n",
    );
    // (89 characters on one line: in parentheses, as ruff's import sorting writes it.)
    expect(text).toContain(
      "from my_company.operators.sql import (\n    SQLExecuteQueryOperator as SQLExecuteQueryOperator_2,\n)\n",
    );
    // The task named as the class is reached through the task dict.
    expect(text).toContain('tasks["SQLExecuteQueryOperator"] = SQLExecuteQueryOperator(');
    expect(text).toContain("other = SQLExecuteQueryOperator_2(");
  });

  it("is MLG3001 on Kubeflow, naming the task and what to do", () => {
    const said = kubeflowTarget
      .validate(input(load().ir))
      .filter((d) => d.code === "MLG3001")
      .map((d) => `${d.task}: ${d.message} | ${d.fix}`);
    expect(said).toEqual([
      "insert: operator task 'insert' (SQLExecuteQueryOperator) cannot be expressed for Kubeflow Pipelines: it runs an Airflow operator, which only an Airflow worker can run | compile the pipeline for Airflow only, or do the step in a p.python() task (the provider's hook, or the service's client) or a p.container() task",
    ]);
  });
});

describe("p.operator() as written", () => {
  it("a path, an argument or a value Airflow would refuse or take otherwise is MLG1011 with the fix", () => {
    const { ir, problems } = pipeline("bad", {}, (p) => {
      const rows = p.python("rows", { fn: "tasks/steps.py:rows", outputs: { n: "int" } });
      p.operator("bare", { operator: "SQLExecuteQueryOperator" });
      p.operator("unknown", { operator: "MyOperator" });
      p.operator("keyword", { operator: "my.class.Op" });
      p.operator("ours", { operator: "airflow.providers.standard.operators.bash.BashOperator" });
      p.operator("args", {
        operator: "my_company.ops.Op",
        args: {
          retries: 2,
          task_id: "x",
          "not-a-name": 1,
          lambda: 1,
          rows: [rows.out.n],
        },
      });
    });
    expect(problems).toEqual([]);
    const r = lower(ir);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.task}: ${d.message} | ${d.fix}`)).toEqual([
      `bare: invalid operator 'SQLExecuteQueryOperator' of task 'bare': it names a class without its module, and the DAG file imports it by its path | give its import path: operator: "${SQL}"`,
      `unknown: invalid operator 'MyOperator' of task 'unknown': it names a class without its module, and the DAG file imports it by its path | give its import path, module and class, as its provider's docs list it: "airflow.providers.<provider>.operators.<module>.<Class>"`,
      `keyword: invalid operator 'my.class.Op' of task 'keyword': 'class' is no name Python can import | give its import path, module and class, as its provider's docs list it: "airflow.providers.<provider>.operators.<module>.<Class>"`,
      "ours: invalid operator 'airflow.providers.standard.operators.bash.BashOperator' of task 'ours': mlgen writes BashOperator itself, with what the targets need around it | use p.bash()",
      "args: invalid argument 'retries' of task 'args': it is the task option retries, which mlgen writes (from the task, its group's and the pipeline's defaults) | set retries on the task instead",
      "args: invalid argument 'task_id' of task 'args': mlgen writes it: the task's id (the first argument of p.operator()) | leave it out",
      "args: invalid argument 'not-a-name' of task 'args': it is no keyword argument Python takes | write the argument as the operator's signature names it",
      "args: invalid argument 'lambda' of task 'args': it is no keyword argument Python takes | write the argument as the operator's signature names it",
      "args: invalid argument 'rows' of task 'args': a list or dict is passed to the operator as written, and this one holds a computed value (a param, an output, a variable), which only a template in a templated argument carries | pass the computed value as an argument of its own (rendered where the operator templates it), or build the whole value in a python task",
    ]);
  });

  it("a computed value that is not text (an int or list param, an int output, a mapped output) is MLG1011: the operator would get the text of it", () => {
    const { ir } = pipeline("typed", { params: { n: 3, to: ["a@x.com"], name: "x" } }, (p) => {
      const rows = p.python("rows", { fn: "tasks/steps.py:rows", outputs: { n: "int" } });
      p.operator("q", {
        operator: SQL,
        args: {
          min_threshold: p.params.n,
          to: p.params.to,
          count: rows.out.n,
          table: p.params.name,
        },
      });
    });
    expect(lower(ir).diagnostics.map((d) => `${d.task}: ${d.message}`)).toEqual([
      "q: invalid argument 'min_threshold' of task 'q': the integer param 'n' reaches the operator as the text a template renders it to, not as that value (the DAG renders templates as text)",
      "q: invalid argument 'to' of task 'q': the array param 'to' reaches the operator as the text a template renders it to, not as that value (the DAG renders templates as text)",
      "q: invalid argument 'count' of task 'q': the int output 'rows.n' reaches the operator as the text a template renders it to, not as that value (the DAG renders templates as text)",
    ]);
  });

  it("takes a soft keyword as an argument name, template() inside a list, and refuses params= and __debug__", () => {
    const { ir } = pipeline("soft", {}, (p) => {
      p.operator("q", {
        operator: "my_company.ops.Op",
        args: { type: "x", match: 1, to: [template("{{ params.who }}"), "b@x.com"] },
      });
    });
    const [file] = airflowTarget.emit(input(ir));
    expect(file?.content).toContain(
      '        match=1,\n        to=["{{ params.who }}", "b@x.com"],\n        type="x",\n',
    );
    const bad = pipeline("bad_names", {}, (p) => {
      p.operator("q", { operator: "my_company.ops.Op", args: { params: { a: 1 }, __debug__: 1 } });
    });
    expect(lower(bad.ir).diagnostics.map((d) => d.message)).toEqual([
      "invalid argument 'params' of task 'q': mlgen writes it: the pipeline's params, which the operator's own would replace for this task (its templates would read other values)",
      "invalid argument '__debug__' of task 'q': it is no keyword argument Python takes",
    ]);
  });

  it("a literal under a secret's name, in an argument or a dict key inside one, is MLG1011", () => {
    const { ir } = pipeline("secrets", {}, (p) => {
      p.operator("q", {
        operator: "my_company.ops.Op",
        args: { api_key: "sk-live-123", extra: { password: "hunter2", user: "me" }, token: "" },
      });
    });
    expect(lower(ir).diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `invalid args.api_key of task 'q': the name says it holds a secret, and a literal value is written into the generated files as it is | keep it in an Airflow connection the operator reads (its conn_id argument), or pass a template that reads it when the task runs: template("{{ var.value.api_key }}")`,
      `invalid args.extra.password of task 'q': the name says it holds a secret, and a literal value is written into the generated files as it is | keep it in an Airflow connection the operator reads (its conn_id argument), or pass a template that reads it when the task runs: template("{{ var.value.password }}")`,
    ]);
  });

  it("a class named like a generated helper is imported under another name", () => {
    const { ir } = pipeline("helpers", { params: { who: "x" } }, (p) => {
      p.operator("q", { operator: "my_company.ops._rendered", args: { who: p.params.who } });
    });
    const [file] = airflowTarget.emit(input(ir));
    const text = file?.content ?? "";
    expect(text).toContain("from my_company.ops import _rendered as operator_rendered\n");
    expect(text).toContain(
      'q = operator_rendered(\n        task_id="q",\n        who=_rendered(operator_rendered, "who",',
    );
  });

  it("env() in an argument is MLG1015: a template cannot read the worker's environment", () => {
    const { ir } = pipeline("envs", {}, (p) => {
      p.operator("q", { operator: SQL, args: { sql: env("QUERY") } });
    });
    expect(lower(ir).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1015 task 'q' args.sql uses env('QUERY'), which an Airflow template (a bash or container env, a sensor's path, a trigger's conf, an operator's argument) cannot read at run time",
    ]);
  });

  it("a typo in its options is MLG1022", () => {
    const { problems } = pipeline("typo", {}, (p) => {
      p.operator("q", { operator: SQL, ...({ arg: { sql: "x" } } as object) } as never);
    });
    expect(problems.map((d) => `${d.code} ${d.fix}`)).toEqual(["MLG1022 did you mean 'args'?"]);
    const outputs = pipeline("outputs", {}, (p) => {
      p.operator("q", { operator: SQL, ...({ outputs: { rows: "list" } } as object) } as never);
    });
    expect(outputs.problems.map((d) => `${d.code} ${d.fix}`)).toEqual([
      'MLG1022 say what the operator returns with returns: "<type>" (string, int, float, bool, list or dict), and read it as task.output',
    ]);
  });
});

describe("what an operator returns (returns, task.output)", () => {
  const reads = () =>
    pipeline("reads", {}, (p) => {
      const query = p.operator("query", {
        operator: SQL,
        args: { conn_id: "warehouse", sql: "SELECT name, size FROM t" },
        returns: "list",
      });
      const job = p.operator("job", { operator: "my_company.ops.Submit", returns: "string" });
      p.map("each", { fn: "tasks/steps.py:each", over: query.output, as: "row" });
      p.python("whole", { fn: "tasks/steps.py:whole", inputs: { rows: query.output } });
      p.bash("say", { command: "echo $JOB", env: { JOB: job.output } });
      // An operator's text output in another operator's templated argument.
      const poll = p.operator("poll", {
        operator: "my_company.ops.Poll",
        args: { job_id: job.output },
        returns: "int",
      });
      p.branch("big", { when: [poll.output, ">", 10], ifTrue: p.bash("more", { command: "x" }) });
    });
  const STEPS_READS = `${STEPS}\ndef each(row: list) -> None:\n    pass\n\n\ndef whole(rows: list) -> None:\n    pass\n`;
  const lowerReads = (ir: unknown) =>
    lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/steps.py", STEPS_READS]]) });

  it("lowers to the task's returns and an output return_value that puts its readers after it", () => {
    const { ir, problems } = reads();
    expect(problems).toEqual([]);
    const r = lowerReads(ir);
    expect(r.diagnostics).toEqual([]);
    const tasks = r.ok ? r.ir.tasks : [];
    expect(tasks.find((t) => t.id === "query")).toMatchObject({ returns: "list" });
    expect(tasks.find((t) => t.id === "each")).toMatchObject({
      upstream: ["query"],
      map: { over: { kind: "ref", task: "query", output: "return_value" } },
    });
    expect(tasks.find((t) => t.id === "say")?.upstream).toEqual(["job"]);
    expect(tasks.find((t) => t.id === "poll")?.upstream).toEqual(["job"]);
    // Without returns the IR has no key: the pipeline's hash is what it was.
    expect("returns" in (load().ir.tasks.find((t) => t.id === "insert") ?? {})).toBe(false);
  });

  it("checks the value with a post_execute hook, and its readers pull return_value: a map over it, a python input, a template", () => {
    const r = lowerReads(reads().ir);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    for (const version of [3, 2] as const) {
      const [file] = airflowTarget.emit({
        ...r,
        sourceFile: "pipelines/p.pipeline.ts",
        sourceMap: {},
        pythonFiles: [],
        settings: { airflowVersion: version },
      });
      const text = file?.content ?? "";
      expect(text).toContain('        post_execute=_returns("list"),\n');
      expect(text).toContain('        post_execute=_returns("string"),\n');
      expect(text).toContain("def _returns(type_name):\n");
      expect(text).toContain("def _outputs(who, result, outputs):\n");
      // No python task pushes: _push is not written, _outputs is (for _returns).
      expect(text).not.toContain("def _push(");
      expect(text).toContain(".expand(op_kwargs=query.output.map(_item))");
      expect(text).toContain('"rows": _pull(ti, "query", "return_value"),');
      expect(text).toContain(
        `env={"JOB": "{{ ti.xcom_pull(task_ids='job', key='return_value') }}"},`,
      );
      expect(text).toContain(
        `job_id=_rendered(Poll, "job_id", "{{ ti.xcom_pull(task_ids='job', key='return_value') }}"),`,
      );
      expect(text).toContain('    value = _pull(ti, "poll", "return_value")\n');
    }
    // A pipeline without returns writes neither helper.
    const plain = pipeline("plain", {}, (p) => {
      p.operator("q", { operator: SQL, args: { conn_id: "warehouse", sql: "SELECT 1" } });
    });
    const [file] = airflowTarget.emit(input(plain.ir));
    expect(file?.content).not.toContain("_returns");
    expect(file?.content).not.toContain("def _outputs");
  });

  it("do_xcom_push=False or a post_execute of its own beside returns, a non-text output in an argument, and (in JavaScript) the output of an operator without returns are refused with the fix", () => {
    const { ir, problems } = pipeline("bad_returns", {}, (p) => {
      const q = p.operator("q", {
        operator: SQL,
        args: { do_xcom_push: false, post_execute: "hook" },
        returns: "int",
      });
      const plain = p.operator("plain", { operator: SQL });
      p.python("typo", {
        fn: "tasks/steps.py:rows",
        inputs: { n: (plain as unknown as { output: never }).output },
      });
      p.operator("uses", { operator: SQL, args: { sql: q.output } });
    });
    expect(problems.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1011 invalid value for task 'typo': inputs.n is undefined (an output that was never declared?)",
    ]);
    expect(
      lower(ir)
        .diagnostics.filter((d) => d.task !== "typo")
        .map((d) => `${d.code} ${d.message} | ${d.fix}`)
        .sort(),
    ).toEqual([
      "MLG1011 invalid argument 'do_xcom_push' of task 'q': it keeps Airflow from pushing what the operator returns, which the task's returns (\"int\") says later tasks read | leave do_xcom_push out, or leave returns out when no task reads the value",
      "MLG1011 invalid argument 'post_execute' of task 'q': mlgen writes it: the check of what the operator returns against returns (\"int\") | leave it out",
      "MLG1011 invalid argument 'sql' of task 'uses': the int output 'q.return_value' reaches the operator as the text a template renders it to, not as that value (the DAG renders templates as text) | pass a literal, or a string param or output (str), and have the operator take text there; a value of another type is the argument of a task that computes it: p.python()",
    ]);
  });

  it("messages name it as the DSL reads it (q.output) and its type by returns", () => {
    const { ir } = pipeline("named", {}, (p) => {
      const q = p.operator("q", { operator: SQL, returns: "string" });
      p.python("use", { fn: "tasks/steps.py:need_int", inputs: { n: q.output } });
    });
    const r = lowerPipeline({
      ir,
      sourceMap: {},
      modules: new Map([["tasks/steps.py", "def need_int(n: int) -> None:\n    pass\n"]]),
    });
    const said = r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("output 'return_value' of task 'q'");
    expect(said[0]).toContain(`give 'q' returns: "int"`);
  });

  it("is still MLG3001 on Kubeflow, the tasks reading it compiled no further", () => {
    const r = lowerReads(reads().ir);
    if (!r.ok) throw new Error("lowering failed");
    const said = kubeflowTarget
      .validate({
        ...r,
        sourceFile: "pipelines/p.pipeline.ts",
        sourceMap: {},
        pythonFiles: [],
        settings: { airflowVersion: 3 },
      })
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.task}`)
      .sort();
    expect(said).toEqual(["MLG3001 job", "MLG3001 poll", "MLG3001 query"]);
  });
});
