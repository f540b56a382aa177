import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  callback,
  env,
  hours,
  minutes,
  pipeline,
  seconds,
  slack,
  type TaskHandle,
  variable,
} from "../src/index.js";
import { resolvedSiteCount } from "../src/pipeline.js";

describe("pipeline()", () => {
  it("builds IR with defaults Airflow users expect", () => {
    const def = pipeline("p", {}, (p) => {
      p.bash("t", { command: "true" });
    });
    expect(def.ir).toMatchObject({
      kind: "pipeline",
      id: "p",
      schedule: { kind: "none" },
      catchup: false,
      startDate: null,
      tasks: [{ id: "t", kind: "bash" }],
    });
    expect(def.problems).toEqual([]);
  });

  it("a pipeline without tasks is MLG1011 (its DAG file would not even be valid Python)", () => {
    const def = pipeline("p", {}, () => {});
    expect(def.problems.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1011 invalid pipeline 'p': it has no tasks, so its DAG file would have nothing to run",
    ]);
  });

  it("an async body is MLG1011: tasks added after an await would be lost", async () => {
    // @ts-expect-error: the types refuse an async body too (NotAsync); this is JavaScript's path.
    const def = pipeline("p", {}, async (p) => {
      p.bash("before", { command: "true" });
      await new Promise((r) => setTimeout(r, 0));
      p.bash("after", { command: "true" });
    });
    expect(def.problems.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1011 invalid body of pipeline 'p': it returned a promise (an async function?); the tasks it adds after an await are never seen",
    ]);
    expect(def.problems[0]?.location?.file).toBe(import.meta.filename);
  });

  it("an async group body is MLG1011: tasks added after an await would come after the pipeline was built", async () => {
    const def = pipeline("p", {}, (p) => {
      p.bash("first", { command: "true" });
      // @ts-expect-error: the types refuse an async body too (NotAsync); this is JavaScript's path.
      p.group("g", {}, async (g) => {
        g.bash("before", { command: "true" });
        await new Promise((r) => setTimeout(r, 0));
        g.bash("after", { command: "true" });
      });
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(def.problems.map((d) => [d.code, d.task, d.message])).toEqual([
      [
        "MLG1011",
        "g",
        "invalid body of group 'g': it returned a promise (an async function?): the tasks it adds after an await come after pipeline() returned, unchecked, and its out is that promise",
      ],
    ]);
    expect(def.problems[0]?.location?.file).toBe(import.meta.filename);
  });

  it("a task handle of another pipeline in .after() or a branch is MLG1011, never wired to a task of the same id here", () => {
    let leaked: TaskHandle | undefined;
    pipeline("first", {}, (p) => {
      leaked = p.bash("deploy", { command: "true" });
    });
    const foreign = leaked as TaskHandle;
    const def = pipeline("second", { params: { go: true } }, (p) => {
      const train = p.bash("train", { command: "true" });
      p.bash("deploy", { command: "true" }).after(train);
      p.branch("gate", {
        when: [p.params.go, "==", true],
        ifTrue: foreign,
        ifFalse: p.bash("later", { command: "true" }),
      }).after(train);
      p.bash("orphan", { command: "true" }).after(foreign);
      p.group("g", {}, (g) => {
        g.bash("inner", { command: "true" });
      }).after(foreign, train);
    });
    expect(def.problems.map((d) => `${d.code} ${d.task}: ${d.message}`)).toEqual([
      "MLG1011 gate: invalid ifTrue of 'gate': 'deploy' is not a task of pipeline 'second' (a handle from another pipeline)",
      "MLG1011 orphan: invalid .after() of 'orphan': 'deploy' is not a task of pipeline 'second' (a handle from another pipeline)",
      "MLG1011 g: invalid .after() of 'g': 'deploy' is not a task of pipeline 'second' (a handle from another pipeline)",
    ]);
    const byId = new Map(def.ir.tasks.map((t) => [t.id, t]));
    expect(byId.get("orphan")?.after).toEqual([]);
    expect(def.ir.groups.g?.after).toEqual(["train"]);
    // Each is placed at the user's call.
    for (const d of def.problems) expect(d.location?.file).toBe(import.meta.filename);
  });

  it("a group's out is what its body returned: an output read outside the group wires its task", () => {
    const def = pipeline("grouped", {}, (p) => {
      const evaluation = p.group("evaluation", {}, (g) => {
        const ev = g.python("evaluate", { fn: "t.py:ev", outputs: { accuracy: "float" } });
        return ev.out;
      });
      p.python("report", { fn: "t.py:report", inputs: { acc: evaluation.out.accuracy } });
    });
    expect(def.problems).toEqual([]);
    expect(def.ir.tasks.find((t) => t.id === "report")).toMatchObject({
      inputs: { acc: { kind: "ref", task: "evaluation.evaluate", output: "accuracy" } },
    });
  });

  it.each([
    ["@daily", { kind: "preset", preset: "@daily" }],
    ["0 3 * * *", { kind: "cron", expression: "0 3 * * *" }],
    [null, { kind: "none" }],
  ] as const)("schedule %s", (given, want) => {
    expect(pipeline("p", { schedule: given }, () => {}).ir.schedule).toEqual(want);
  });

  it("a task id given where a handle goes says so, with the handle to pass", () => {
    const def = pipeline("p", {}, (p) => {
      p.bash("load", { command: "true" });
      p.bash("x", { command: "true" }).after("load" as never, undefined as never);
    });
    expect(def.problems.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `invalid .after() of 'x': it is the string 'load', not a task handle | pass the handle that p.python()/p.bash()/p.group()... returned for 'load': const load = p.bash("load", ...); ... .after(load)`,
      "invalid .after() of 'x': it is undefined, not a task handle | pass the handle that this pipeline's p.python()/p.bash()/p.group()... returned",
    ]);
  });

  it("an empty group is MLG1011, naming the tasks its body added outside it (p instead of g)", () => {
    const def = pipeline("p", {}, (p) => {
      const load = p.bash("load", { command: "true" });
      const g = p.group("grp", {}, () => {
        p.bash("x", { command: "true" });
      });
      g.after(load);
      p.bash("y", { command: "true" }).after(g);
      p.group("empty", {}, () => {});
      p.group("ok", {}, (h) => {
        h.bash("z", { command: "true" });
      });
    });
    expect(def.problems.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual([
      "MLG1011 invalid group 'grp': it has no tasks: its body added 'x' through the pipeline's builder, outside the group, and an empty group orders nothing (.after() on it would be dropped) | add them with the builder the group's body is given: p.group(\"grp\", {}, (g) => { g.bash(...) })",
      "MLG1011 invalid group 'empty': it has no tasks, and an empty group orders nothing (.after() on it would be dropped) | add its tasks in its body, or remove the group",
    ]);
  });

  it("a list default makes an array param, a plain object an object param; { default } stays options", () => {
    const def = pipeline(
      "p",
      {
        params: {
          columns: ["age", "income"],
          model: { depth: 3, name: "rf" },
          grid: { default: [{ lr: 0.1 }], description: "candidates" },
          // An object with other keys than default/type/description is an object param's default.
          odd: { default: 1, other: 2 },
          typed: { default: { a: 1 }, type: "object" },
        },
      },
      (p) => {
        p.python("a", { fn: "tasks/a.py:f", inputs: { c: p.params.columns } });
      },
    );
    expect(def.problems).toEqual([]);
    expect(def.ir.params).toEqual({
      columns: {
        kind: "param",
        type: "array",
        default: ["age", "income"],
        description: null,
        position: 0,
      },
      model: {
        kind: "param",
        type: "object",
        default: { depth: 3, name: "rf" },
        description: null,
        position: 1,
      },
      grid: {
        kind: "param",
        type: "array",
        default: [{ lr: 0.1 }],
        description: "candidates",
        position: 2,
      },
      odd: {
        kind: "param",
        type: "object",
        default: { default: 1, other: 2 },
        description: null,
        position: 3,
      },
      typed: { kind: "param", type: "object", default: { a: 1 }, description: null, position: 4 },
    });
  });

  it("Airflow Param options mlgen does not carry (title, step, pattern) are MLG1022, not an object param's default; enum and bounds are carried", () => {
    // Both type-check as a param (a JSON object); as an object param, the task got the dict.
    const def = pipeline(
      "p",
      {
        params: {
          mode: { default: "full", enum: ["full", "incremental"] },
          k: { default: 5, minimum: 1, maximum: 9, title: "K" },
          // Beside a description, any other key is an option too.
          lr: { default: 0.1, description: "step", step: 0.01 },
          name: { default: "x", minLength: 1, maxLength: 8, pattern: "^[a-z]+$" },
        },
      },
      (p) => {
        p.python("a", { fn: "tasks/a.py:f", inputs: { m: p.params.mode, k: p.params.k } });
      },
    );
    expect(def.problems.map((d) => [d.code, d.message])).toEqual([
      ["MLG1022", "there is no option 'title' in param 'k', so it would be ignored"],
      ["MLG1022", "there is no option 'step' in param 'lr', so it would be ignored"],
      ["MLG1022", "there is no option 'pattern' in param 'name', so it would be ignored"],
    ]);
    expect(def.problems[0]?.fix).toContain("{ default: { default: ..., title: ... } }");
    expect(def.ir.params).toEqual({
      mode: {
        kind: "param",
        type: "string",
        default: "full",
        description: null,
        enum: ["full", "incremental"],
        position: 0,
      },
      k: {
        kind: "param",
        type: "integer",
        default: 5,
        description: null,
        minimum: 1,
        maximum: 9,
        position: 1,
      },
      lr: { kind: "param", type: "number", default: 0.1, description: "step", position: 2 },
      name: {
        kind: "param",
        type: "string",
        default: "x",
        description: null,
        minLength: 1,
        maxLength: 8,
        position: 3,
      },
    });
  });

  it("an optional param, { default: null, type }, is in the IR with its null default; without a type it is MLG1011", () => {
    const def = pipeline(
      "p",
      {
        params: {
          cutoff: { default: null, type: "string", description: "since when", maxLength: 10 },
          // Type-checks as an object param's default ({ default: null }): told apart here.
          limit: { default: null },
          // Airflow's pattern is not carried (MLG1022); the param keeps its type.
          code: { default: null, type: "string", pattern: "^[a-z]+$" },
        },
      },
      (p) => {
        p.python("a", { fn: "tasks/t.py:f", inputs: { cutoff: p.params.cutoff } });
        // No text: a path is not joined onto a value that may be None.
        expect("join" in (p.params.cutoff as object)).toBe(false);
      },
    );
    expect(def.ir.params).toEqual({
      cutoff: {
        kind: "param",
        type: "string",
        default: null,
        description: "since when",
        maxLength: 10,
        position: 0,
      },
      code: { kind: "param", type: "string", default: null, description: null, position: 1 },
    });
    expect(def.problems.map((d) => [d.code, d.message, d.fix])).toEqual([
      [
        "MLG1011",
        "invalid param 'limit': its default is null and it has no type, and an optional param's type is what Airflow's trigger form and a Kubeflow run check a given value against",
        'give its type: limit: { default: null, type: "string" } (or "integer", "number", "boolean", "array", "object")',
      ],
      [
        "MLG1022",
        "there is no option 'pattern' in param 'code', so it would be ignored",
        expect.any(String),
      ],
    ]);
  });

  it("a param written with a type and no default (kfp's required input, Airflow's Param(type=...)) is MLG1011, not an object param", () => {
    const def = pipeline(
      "p",
      {
        params: {
          run_date: { type: "string" },
          lr: { type: "float", description: "step" },
          // An object param holding a 'type' key, written as the hint says: taken.
          spec: { default: { type: "string" } },
        },
      },
      (p) => {
        p.bash("a", { command: "true" });
      },
    );
    expect(def.problems.map((d) => [d.code, d.message, d.fix])).toEqual([
      [
        "MLG1011",
        `invalid param 'run_date': it has a type and no default, so { type: "string" } would be read as an object param whose default is that object (kfp's required inputs have no mlgen form: a scheduled run, and a start given no conf, take the default)`,
        `give it a default, run_date: { default: "", type: "string" }, and check for it in the task if no run may go without one; for a param a run may leave unset, run_date: { default: null, type: "string" } (a Python task reads it as None); for an object param whose value holds a 'type' key, write { default: { type: "string" } }`,
      ],
      [
        "MLG1011",
        expect.stringContaining(
          `invalid param 'lr': it has a type and no default, so { type: "float" }`,
        ),
        expect.stringContaining(`give it a default, lr: { default: 0.5, type: "number" }`),
      ],
    ]);
    expect(Object.keys(def.ir.params)).toEqual(["spec"]);
  });

  it.each([
    [[1, undefined], "[1] is undefined"],
    [{ lr: Number.NaN }, ".lr is NaN, which JSON has no number for"],
    [{ when: new Date(0) }, ".when is a Date object"],
    [{ "a b": [() => 1] }, '["a b"][0] is a function'],
  ])("a param default that is not JSON (%o) is MLG1011 saying where", (bad, where) => {
    const def = pipeline("p", { params: { x: bad as never } }, (p) => {
      p.bash("a", { command: "true" });
    });
    expect(def.problems.map((d) => [d.code, d.message])).toEqual([
      [
        "MLG1011",
        expect.stringContaining(`the default of param 'x': ${where}, and a param's value is JSON`),
      ],
    ]);
    expect(def.ir.params).toEqual({});
  });

  it("lowers outputs, params, env, variables and joins to IR values", () => {
    const def = pipeline("p", { params: { n: 3 } }, (p) => {
      const a = p.python("a", { fn: "tasks/a.py:f", outputs: { dir: "string", n: "int" } });
      p.python("b", {
        fn: "tasks/a.py:g",
        inputs: {
          file: a.out.dir.join("x", "y.csv"),
          n: a.out.n,
          size: p.params.n,
          home: env("HOME", "/root"),
          data: variable("data_dir").join("raw"),
          mixed: [1, { k: a.out.n }],
        },
      });
    });
    const b = def.ir.tasks[1];
    expect(b?.kind === "python" && b.inputs).toEqual({
      file: {
        kind: "join",
        base: { kind: "ref", task: "a", output: "dir" },
        parts: ["x", "y.csv"],
      },
      n: { kind: "ref", task: "a", output: "n" },
      size: { kind: "param", name: "n" },
      home: { kind: "env", name: "HOME", default: "/root" },
      data: {
        kind: "join",
        base: { kind: "variable", name: "data_dir", default: null },
        parts: ["raw"],
      },
      mixed: {
        kind: "list",
        items: [
          { kind: "literal", value: 1 },
          { kind: "object", entries: { k: { kind: "ref", task: "a", output: "n" } } },
        ],
      },
    });
  });

  it("turns durations into seconds and backoff flags into Airflow 3 multipliers", () => {
    const def = pipeline(
      "p",
      {
        defaults: {
          retryDelay: minutes(5),
          executionTimeout: hours(2),
          retryExponentialBackoff: true,
        },
      },
      (p) => {
        p.bash("t", {
          command: "true",
          maxRetryDelay: seconds(90),
          retryExponentialBackoff: false,
        });
      },
    );
    expect(def.ir.defaults).toMatchObject({
      retryDelay: 300,
      executionTimeout: 7200,
      retryExponentialBackoff: 2,
    });
    expect(def.ir.tasks[0]?.options).toMatchObject({
      maxRetryDelay: 90,
      retryExponentialBackoff: 0,
    });
  });

  it("records where each task was written", () => {
    const def = pipeline("p", {}, (p) => {
      p.bash("t", { command: "true" });
    });
    expect(def.sourceMap["task:t"]?.file).toMatch(/pipeline\.test\.ts$/);
    expect(def.sourceMap["task:t"]?.line).toBeGreaterThan(0);
  });

  it("a task made by a helper installed in node_modules is placed at the user's call of the helper", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-dsl-"));
    try {
      const helper = join(dir, "node_modules/@acme/helpers/index.mjs");
      mkdirSync(dirname(helper), { recursive: true });
      writeFileSync(
        helper,
        'export function loadTask(p, id) {\n  return p.bash(id, { command: "true" });\n}\n',
      );
      const { loadTask } = (await import(pathToFileURL(helper).href)) as {
        loadTask: (p: unknown, id: string) => unknown;
      };
      const def = pipeline("p", {}, (p) => {
        loadTask(p, "load");
      });
      expect(def.sourceMap["task:load"]?.file).toMatch(/pipeline\.test\.ts$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("formats no stack when nothing is wrong: call sites resolve only when read", () => {
    const before = resolvedSiteCount();
    const def = pipeline("p", { defaults: { retries: 1 }, mlflow: { experiment: "e" } }, (p) => {
      const a = p.python("a", {
        fn: "tasks/a.py:f",
        outputs: { n: "int" },
        mlflow: { experiment: "e2" },
      });
      p.group("g", { defaults: { retries: 2 } }, (g) => {
        g.bash("b", { command: "true" }).after(a);
        g.container("c", { image: "busybox:1.36", resources: { cpuLimit: "1" } });
      });
    });
    expect(def.problems).toEqual([]);
    expect(resolvedSiteCount()).toBe(before);
    expect(def.sourceMap["task:g.b"]?.file).toMatch(/pipeline\.test\.ts$/);
    expect(resolvedSiteCount()).toBe(before + 1);
  });

  it("reports a callback() that names no module and function, where it is used", () => {
    const def = pipeline("p", { defaults: { onFailure: callback("tasks/alerts.py") } }, (p) => {
      p.bash("a", { command: "true", onRetry: [callback("notify_failure")] });
      p.bash("b", { command: "true", onSuccess: callback("tasks/alerts.py:done") });
    });
    expect(def.problems.map((d) => [d.code, d.task ?? null, d.message])).toEqual([
      [
        "MLG1011",
        null,
        "invalid callback 'tasks/alerts.py' in onFailure of the defaults of pipeline 'p': it names no function",
      ],
      [
        "MLG1011",
        "a",
        "invalid callback 'notify_failure' in onRetry of task 'a': it names no .py module and function",
      ],
    ]);
    expect(def.problems[1]?.location?.file).toMatch(/pipeline\.test\.ts$/);
  });

  it("compares a condition's left side with a param or another task's output, read when it runs", () => {
    const def = pipeline("p", { params: { threshold: 0.9 } }, (p) => {
      const e = p.python("evaluate", {
        fn: "tasks/m.py:f",
        outputs: { accuracy: "float", baseline: "float" },
      });
      const d = p.bash("deploy", { command: "true" });
      p.branch("gate", { when: [e.out.accuracy, ">=", p.params.threshold], ifTrue: d });
      p.shortCircuit("better", { when: [e.out.accuracy, ">", e.out.baseline] });
    });
    expect(def.problems).toEqual([]);
    const conditions = def.ir.tasks.flatMap((t) =>
      t.kind === "branch" || t.kind === "short_circuit" ? [t.condition] : [],
    );
    expect(conditions).toEqual([
      {
        left: { kind: "ref", task: "evaluate", output: "accuracy" },
        op: ">=",
        right: { kind: "param", name: "threshold" },
      },
      {
        left: { kind: "ref", task: "evaluate", output: "accuracy" },
        op: ">",
        right: { kind: "ref", task: "evaluate", output: "baseline" },
      },
    ]);
  });

  it("says what a condition's right side may be when it is a list, a function or not finite", () => {
    const def = pipeline("p", {}, (p) => {
      const e = p.python("evaluate", { fn: "tasks/m.py:f", outputs: { accuracy: "float" } });
      p.shortCircuit("list", { when: [e.out.accuracy, "==", [1, 2] as never] });
      p.shortCircuit("fn", { when: [e.out.accuracy, "==", (() => 1) as never] });
      p.shortCircuit("nan", { when: [e.out.accuracy, "==", Number.NaN] });
    });
    expect(def.problems.map((d) => [d.code, d.task ?? null, d.message, d.fix])).toEqual(
      ["list", "fn", "nan"].map((task) => [
        "MLG1011",
        task,
        expect.stringMatching(
          /^invalid condition of task '\w+': its right side \(when\[2\]\) is .+; it must be a literal string, number, boolean or null, a param or another task's output/,
        ),
        expect.stringContaining("compute the decision in a python task that returns a bool"),
      ]),
    );
    expect(def.problems.map((d) => d.message.match(/is (.+?); it must/)?.[1])).toEqual([
      "a list",
      "function",
      "NaN",
    ]);
    expect(def.problems[0]?.location?.file).toMatch(/pipeline\.test\.ts$/);
  });

  it("says another pipeline's param or output on a condition's right side as it says it for any input", () => {
    let foreign: unknown;
    pipeline("other", { params: { threshold: 0.9 } }, (p) => {
      foreign = p.params.threshold;
      p.bash("t", { command: "true" });
    });
    const def = pipeline("p", {}, (p) => {
      const e = p.python("evaluate", { fn: "tasks/m.py:f", outputs: { accuracy: "float" } });
      p.shortCircuit("gate", { when: [e.out.accuracy, ">=", foreign as never] });
      p.shortCircuit("gone", { when: [e.out.accuracy, ">=", undefined as never] });
    });
    expect(def.problems.map((d) => [d.code, d.task, d.message])).toEqual([
      [
        "MLG1011",
        "gate",
        expect.stringMatching(/^invalid value for task 'gate': when\[2\]: .*pipeline 'other'/),
      ],
      [
        "MLG1011",
        "gone",
        "invalid value for task 'gone': when[2] is undefined (an output that was never declared?)",
      ],
    ]);
  });

  it("refuses another pipeline's outputs and params, even when a task of this one has the id", () => {
    let shared: { out: { data_path: unknown } } | undefined;
    let seed: unknown;
    pipeline("pipe_a", { params: { seed: 1 } }, (p) => {
      shared = p.python("prepare_data", {
        fn: "tasks/a.py:prep",
        outputs: { data_path: "string" },
      }) as never;
      seed = p.params.seed;
    });
    if (!shared) throw new Error("pipe_a's body did not run");
    const dataPath = shared.out.data_path as { join(...p: string[]): never };
    const b = pipeline("pipe_b", { params: { seed: 2 } }, (p) => {
      p.python("prepare_data", { fn: "tasks/a.py:prep", outputs: { data_path: "string" } });
      p.python("evaluate", {
        fn: "tasks/a.py:evaluate",
        inputs: {
          path: dataPath.join("x.csv"),
          seed: seed as never,
          own: p.params.seed,
        },
      });
    });
    expect(b.problems.map((d) => d.message)).toEqual([
      "invalid value for task 'evaluate': inputs.path: the output 'data_path' of task 'prepare_data' belongs to pipeline 'pipe_a', not to 'pipe_b' (a pipeline can only read its own tasks' outputs and params)",
      "invalid value for task 'evaluate': inputs.seed: the param 'seed' belongs to pipeline 'pipe_a', not to 'pipe_b' (a pipeline can only read its own tasks' outputs and params)",
    ]);
  });

  it("says how to get another pipeline's output, and keeps the input so that no check calls it missing", () => {
    let shared: { out: { rows: unknown } } | undefined;
    pipeline("pipe_a", {}, (p) => {
      shared = p.python("count", { fn: "tasks/a.py:count", outputs: { rows: "int" } }) as never;
    });
    if (!shared) throw new Error("pipe_a's body did not run");
    const b = pipeline("pipe_b", {}, (p) => {
      p.python("report", { fn: "tasks/a.py:report", inputs: { rows: shared?.out.rows as never } });
      // A value that is no data keeps the JSON-data hint.
      p.python("other", { fn: "tasks/a.py:report", inputs: { rows: (() => 1) as never } });
    });
    expect(b.problems.map((d) => d.fix)).toEqual([
      "define the task that produces it in this pipeline (each pipeline() builds its own tasks), or hand the value over another way: a param, a variable(), or an asset the other pipeline updates",
      "pass strings, numbers, booleans, null, lists and plain objects, or env()/variable()/task outputs",
    ]);
    const inputs = (id: string) =>
      (b.ir.tasks.find((t) => t.id === id) as { inputs: Record<string, unknown> }).inputs;
    expect(inputs("report")).toEqual({ rows: { kind: "literal", value: null } });
    expect(inputs("other")).toEqual({ rows: { kind: "literal", value: null } });
  });

  it("reports a malformed fn and values that are not data, instead of throwing", () => {
    const def = pipeline("p", {}, (p) => {
      p.python("a", { fn: "tasks/a.py" });
      // @ts-expect-error: a Date is not JSON data
      p.python("b", { fn: "tasks/a.py:f", inputs: { when: new Date(0) } });
      p.python("c", { fn: "tasks/a.py:f", inputs: { x: Number.NaN } });
      p.python("d", { fn: "tasks/a.py:f", mlflow: true });
    });
    expect(def.problems.map((d) => [d.code, d.task])).toEqual([
      ["MLG1011", "a"],
      ["MLG1011", "b"],
      ["MLG1011", "c"],
      ["MLG1011", "d"],
    ]);
    expect(def.problems[1]?.message).toContain("inputs.when");
    expect(def.problems[3]?.message).toContain("needs `mlflow: { experiment }` on the pipeline");
  });

  it("refuses a run-time value in a container's command or args, pointing to env", () => {
    const def = pipeline("p", {}, (p) => {
      const list = p.python("list_it", { fn: "tasks/a.py:f", outputs: { items: "list" } });
      p.container("run_it", {
        image: "python:3.11",
        command: ["python", variable("script") as never],
        args: ["--items", list.out.items as never, 3 as never],
        env: { ITEMS: list.out.items },
      });
    });
    const envHint =
      'pass it as an env entry, env: { NAME: <value> }, and read it in the container: $NAME in a shell command, os.environ["NAME"] in Python';
    expect(def.problems.map((d) => [d.code, d.task, d.message, d.fix])).toEqual([
      [
        "MLG1011",
        "run_it",
        "invalid command[1] of task 'run_it': it is variable('script'), and a container's command and args are fixed strings",
        envHint,
      ],
      [
        "MLG1011",
        "run_it",
        "invalid args[1] of task 'run_it': it is the output 'items' of task 'list_it', and a container's command and args are fixed strings",
        envHint,
      ],
      [
        "MLG1011",
        "run_it",
        "invalid args[2] of task 'run_it': it is a number, and a container's command and args are fixed strings",
        'write it as the string "3"',
      ],
    ]);
  });

  it("reports options it does not take (misspelled, or spread in from a wider object), naming the one meant", () => {
    const typos = { retires: 2, catchUp: false } as object;
    const def = pipeline(
      "p",
      {
        schedule: "@daily",
        defaults: { ...typos } as never,
        mlflow: { experiment: "e", uri: "x" } as never,
      },
      (p) => {
        p.python("a", { fn: "tasks/a.py:f", ...({ executionTimout: 60 } as object) });
        p.group("g", { tooltip: "x", defaults: { retryDelay: 5, pol: "p" } as never }, (g) => {
          g.container("c", { image: "i", resources: { cpu: "1", gpus: 1 } as never });
          g.fileSensor("s", { path: "/x", ...({ pokeIntervall: 5, color: "red" } as object) });
        });
        p.bash("b", { command: "true", retries: 1, outlets: [] });
        // An Airflow setting mlgen has no option for: no near name (it means another thing).
        p.bash("d", { command: "true", ...({ waitForDownstream: true } as object) });
        // Not in the type of validate(), but carried (and emitted) for every task kind.
        p.validate("v", { data: "/d.csv", ...({ outlets: [] } as object) });
      },
    );
    expect(def.problems.map((d) => [d.code, d.task ?? null, d.message, d.fix])).toEqual([
      [
        "MLG1022",
        null,
        "there is no option 'retires' in the defaults of pipeline 'p', so it would be ignored",
        "did you mean 'retries'?",
      ],
      [
        "MLG1022",
        null,
        "there is no option 'catchUp' in the defaults of pipeline 'p', so it would be ignored",
        expect.stringMatching(/^remove it \(the options are retries, retryDelay, .*, onSuccess\)$/),
      ],
      [
        "MLG1022",
        null,
        "there is no option 'uri' in the mlflow options of pipeline 'p', so it would be ignored",
        "remove it (the options are experiment, trackingUri)",
      ],
      [
        "MLG1022",
        "a",
        "there is no option 'executionTimout' in task 'a', so it would be ignored",
        "did you mean 'executionTimeout'?",
      ],
      [
        "MLG1022",
        null,
        "there is no option 'pol' in the defaults of group 'g', so it would be ignored",
        "did you mean 'pool'?",
      ],
      [
        "MLG1022",
        "g.c",
        "there is no option 'gpus' in the resources of task 'g.c', so it would be ignored",
        "did you mean 'gpu'?",
      ],
      [
        "MLG1022",
        "g.s",
        "there is no option 'pokeIntervall' in task 'g.s', so it would be ignored",
        "did you mean 'pokeInterval'?",
      ],
      [
        "MLG1022",
        "g.s",
        "there is no option 'color' in task 'g.s', so it would be ignored",
        expect.stringMatching(
          /^remove it \(the options are retries, .*pokeInterval, timeout, mode, deferrable, softFail, path, connId, recursive\)$/,
        ),
      ],
      [
        "MLG1022",
        "d",
        "there is no option 'waitForDownstream' in task 'd', so it would be ignored",
        "mlgen does not carry Airflow's wait_for_downstream: remove it",
      ],
    ]);
    expect(def.problems.every((d) => d.location?.file.endsWith("pipeline.test.ts"))).toBe(true);
  });

  it("says what to do instead of an Airflow feature mlgen does not carry, not 'did you mean'", () => {
    const def = pipeline("p", {}, (p) => {
      p.fileSensor("t", { path: "/data/x", ...({ teardown: true } as object) });
      p.container("c", {
        image: "busybox:1.36",
        command: ["true"],
        ...({ outputs: { uri: "string" }, over: [1, 2], affinity: {} } as object),
      });
    });
    expect(def.problems.map((d) => [d.code, d.task, d.fix])).toEqual([
      [
        "MLG1022",
        "t",
        "mlgen does not carry Airflow's teardown tasks (as_teardown) on this kind of task: remove it (p.python(), p.bash(), p.container() and p.operator() take teardown: true)",
      ],
      [
        "MLG1022",
        "c",
        "only python tasks hand outputs on (mlgen does not carry KubernetesPodOperator's do_xcom_push): write the result where a task after it reads it (a path given to both), or run the step as p.python()",
      ],
      [
        "MLG1022",
        "c",
        "only a python function fans out (p.map(id, { fn, over, as })): mlgen does not map containers, bash tasks or groups (Airflow's expand on them); map a python task that does the step for each item",
      ],
      [
        "MLG1022",
        "c",
        "mlgen does not carry Airflow's affinity (KubernetesPodOperator): remove it (nodeSelector and tolerations place a container task's pod)",
      ],
    ]);
    expect(def.problems.every((d) => d.location?.file.endsWith("pipeline.test.ts"))).toBe(true);
  });

  it("names the option an Airflow user meant: a task option on a pipeline or group, Airflow's names, a python task's env", () => {
    const def = pipeline(
      "p",
      // onSuccess and onFailure are the pipeline's own (a run's end); onRetry is a task's.
      { onRetry: slack(), schedule_interval: "@daily", retries: 2 } as never,
      (p) => {
        p.python("a", {
          fn: "tasks/a.py:f",
          ...({ timeout: 60, env: { A: "1" }, on_failure_callback: slack() } as object),
        });
        p.bash("b", { command: "true", ...({ bash_command: "echo" } as object) });
        p.group("g", { onRetry: slack() } as never, (g) => {
          g.bash("c", { command: "true" });
        });
        // A sensor's timeout is its own option: no hint needed.
        p.fileSensor("s", { path: "/x", timeout: 60 as never });
      },
    );
    expect(def.problems.map((d) => [d.task ?? null, d.message.split("'")[1], d.fix])).toEqual([
      [
        null,
        "onRetry",
        "onRetry is a task option: set it in the pipeline's defaults (defaults: { onRetry: ... }), which every task of the pipeline takes",
      ],
      [null, "schedule_interval", "did you mean 'schedule'? (Airflow's schedule_interval)"],
      [
        null,
        "retries",
        "retries is a task option: set it in the pipeline's defaults (defaults: { retries: ... }), which every task of the pipeline takes",
      ],
      [
        "a",
        "timeout",
        "did you mean 'executionTimeout'? (only a sensor has a timeout, how long it waits)",
      ],
      ["a", "env", expect.stringContaining("read a variable with env('NAME') in inputs")],
      ["a", "on_failure_callback", "did you mean 'onFailure'? (Airflow's on_failure_callback)"],
      ["b", "bash_command", "did you mean 'command'? (Airflow's bash_command)"],
      [
        null,
        "onRetry",
        "onRetry is a task option: set it in the group's defaults (defaults: { onRetry: ... }), which every task of the group takes",
      ],
    ]);
  });

  it("names the option a kfp user meant: caching, resources, images and packages in kubeflow: { ... }, a loop's parallelism", () => {
    const def = pipeline("p", { caching: false } as never, (p) => {
      p.python("a", {
        fn: "tasks/a.py:f",
        ...({ caching: false, cpuLimit: "2", baseImage: "python:3.12", packages: ["x"] } as object),
        kubeflow: { base_image: "python:3.12", cpuLimit: "2", enable_caching: false } as never,
      });
      p.map("m", {
        fn: "tasks/a.py:f",
        over: [1, 2],
        as: "n",
        ...({ parallelism: 2, resources: { cpuLimit: "1" } } as object),
      });
    });
    expect(def.problems.map((d) => [d.task ?? null, d.message.split("'")[1], d.fix])).toEqual([
      [
        null,
        "caching",
        "set it in kubeflow: { caching: false } (kfp's set_caching_options; Airflow caches nothing)",
      ],
      [
        "a",
        "caching",
        "set it in kubeflow: { caching: false } (kfp's set_caching_options; Airflow caches nothing)",
      ],
      [
        "a",
        "cpuLimit",
        "set it in kubeflow: { resources: { cpuLimit: ... } } (kfp's cpuLimit; Airflow runs the task on its worker)",
      ],
      ["a", "baseImage", "set it in kubeflow: { image: ... } (kfp's baseImage)"],
      [
        "a",
        "packages",
        "set it in kubeflow: { packages: ... } (the Kubeflow component's; Airflow runs the task on its worker)",
      ],
      ["a", "base_image", "did you mean 'image'? (kfp's base_image)"],
      ["a", "cpuLimit", "set it in resources: { cpuLimit: ... } (kfp's cpuLimit)"],
      ["a", "enable_caching", "did you mean 'caching'? (kfp's enable_caching)"],
      [
        "m",
        "parallelism",
        "did you mean 'maxActiveTisPerDagrun'? (how many instances of one run at once: kfp's ParallelFor parallelism)",
      ],
      [
        "m",
        "resources",
        "set them in kubeflow: { resources: { cpuLimit, memoryLimit, ... } } (Airflow runs the task on its worker)",
      ],
    ]);
  });

  it("carries Kubeflow images, packages and resources of a pipeline and its python tasks, and names their typos", () => {
    const def = pipeline(
      "k",
      { kubeflow: { image: "python:3.12-slim", packages: ["pandas==2.2.3"], gpu: 1 } as never },
      (p) => {
        p.python("fit", {
          fn: "tasks/a.py:f",
          kubeflow: {
            image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
            resources: { gpu: 1 },
          },
        });
        p.map("each", {
          fn: "tasks/a.py:f",
          over: [1, 2],
          as: "n",
          kubeflow: { packages: ["torch==2.5.1"], resource: { gpu: 1 } } as never,
        });
        p.python("plain", { fn: "tasks/a.py:f" });
      },
    );
    expect(def.ir.kubeflow).toEqual({
      image: "python:3.12-slim",
      packages: ["pandas==2.2.3"],
      inheritPackages: null,
      installKfp: null,
      caching: null,
    });
    const byId = Object.fromEntries(def.ir.tasks.map((t) => [t.id, t]));
    expect(byId.fit).toMatchObject({
      kubeflow: {
        image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
        packages: [],
        resources: {
          cpuRequest: null,
          cpuLimit: null,
          memoryRequest: null,
          memoryLimit: null,
          gpuLimit: 1,
        },
      },
    });
    expect(byId.each).toMatchObject({
      kubeflow: { image: null, packages: ["torch==2.5.1"], resources: null },
    });
    // A task that sets nothing carries nothing: its IR (and the IR hash) is what it was.
    expect(byId.plain && "kubeflow" in byId.plain).toBe(false);
    expect(def.problems.map((d) => [d.code, d.task ?? null, d.message, d.fix])).toEqual([
      [
        "MLG1022",
        null,
        "there is no option 'gpu' in the kubeflow options of pipeline 'k', so it would be ignored",
        "remove it (the options are image, packages, inheritPackages, installKfp, caching, imagePullSecrets, secretEnv)",
      ],
      [
        "MLG1022",
        "each",
        "there is no option 'resource' in the kubeflow options of task 'each', so it would be ignored",
        "did you mean 'resources'?",
      ],
    ]);
  });

  it("carries a pod's pull secrets, env, volumes, shared memory and accelerator only when set, and names typos in a volume", () => {
    const def = pipeline("k", { kubeflow: { imagePullSecrets: ["team-registry"] } }, (p) => {
      p.python("fit", {
        fn: "tasks/a.py:f",
        kubeflow: {
          imagePullSecrets: ["gpu-images"],
          env: { HF_HOME: "/data/hf" },
          pvcs: [{ name: "training-data", mountPath: "/data", readOnly: true } as never],
          emptyDirs: [{ name: "scratch", mountPath: "/scratch", size: "1Gi" } as never],
          shm: "2Gi",
          resources: { gpu: 2, accelerator: "amd.com/gpu" },
        },
      });
      p.python("cached", { fn: "tasks/a.py:f", kubeflow: { caching: false } });
      p.container("vendor", {
        image: "registry.example.com/v/tool:1",
        imagePullSecrets: ["vendor-registry"],
      });
      p.container("public", { image: "busybox:1.36" });
    });
    expect(def.ir.kubeflow?.imagePullSecrets).toEqual(["team-registry"]);
    const byId = Object.fromEntries(def.ir.tasks.map((t) => [t.id, t]));
    expect(byId.fit).toMatchObject({
      kubeflow: {
        imagePullSecrets: ["gpu-images"],
        env: [{ name: "HF_HOME", value: "/data/hf" }],
        pvcs: [{ name: "training-data", mountPath: "/data" }],
        emptyDirs: [{ name: "scratch", mountPath: "/scratch", medium: null, sizeLimit: null }],
        shm: "2Gi",
        resources: { gpuLimit: 2, accelerator: "amd.com/gpu" },
      },
    });
    expect(byId.vendor).toMatchObject({ imagePullSecrets: ["vendor-registry"] });
    // Unset, they are absent, not empty: the IR (and its hash) of what sets none is unchanged.
    expect(Object.keys(byId.cached?.kind === "python" ? (byId.cached.kubeflow ?? {}) : {})).toEqual(
      [
        "image",
        "packages",
        "inheritPackages",
        "installKfp",
        "caching",
        "resources",
        "nodeSelector",
        "tolerations",
      ],
    );
    expect(byId.public && "imagePullSecrets" in byId.public).toBe(false);
    expect(byId.public?.kind === "container" && "accelerator" in byId.public.resources).toBe(false);
    expect(def.problems.map((d) => [d.code, d.task ?? null, d.message, d.fix])).toEqual([
      [
        "MLG1022",
        "fit",
        "there is no option 'readOnly' in kubeflow.pvcs entry 1 of task 'fit', so it would be ignored",
        "remove it (the options are name, mountPath)",
      ],
      [
        "MLG1022",
        "fit",
        "there is no option 'size' in kubeflow.emptyDirs entry 1 of task 'fit', so it would be ignored",
        "did you mean 'sizeLimit'?",
      ],
    ]);
  });

  it("refuses a handle put into a string, which would be written as [object Object]", () => {
    const build = (body: (p: Parameters<Parameters<typeof pipeline>[2]>[0]) => void) => () =>
      pipeline("s", { params: { n: 3, name: "x" } }, body);
    expect(build((p) => p.bash("a", { command: `ls ${variable("data_dir")}` }))).toThrow(
      /^variable\('data_dir'\) is read when the task runs, .*"\[object Object\]".*variable\('data_dir'\)\.join\("raw\.csv"\)/,
    );
    expect(build((p) => p.bash("a", { command: `ls ${env("HOME").join("x")}` }))).toThrow(
      /^env\('HOME'\)\.join\(\.\.\.\) is read when the task runs.*env\('HOME'\)\.join\("raw\.csv"\)/,
    );
    // biome-ignore lint/style/useTemplate: the + operator is what this case tests
    expect(build((p) => p.bash("a", { command: "echo " + p.params.n }))).toThrow(
      /^the param 'n' is read when the task runs.*pass it as an input or env entry of its own/,
    );
    expect(
      build((p) => {
        const t = p.python("t", { fn: "t.py:f", outputs: { path: "string", n: "int" } });
        p.bash("b", { command: `cat ${t.out.path}` });
      }),
    ).toThrow(/^the output 'path' of task 't' is read when the task runs/);
    expect(
      build((p) => {
        const t = p.python("t", { fn: "t.py:f", outputs: { n: "int" } });
        p.bash("b", { command: String(t.out.n) });
      }),
    ).toThrow(/^the output 'n' of task 't' is read when the task runs/);
    // Handles are still data: JSON and the IR see the value, not a string.
    expect(JSON.stringify({ v: variable("x") })).toBe('{"v":{}}');
  });

  it("rejects negative or fractional durations", () => {
    expect(() => minutes(-1)).toThrow(/not a whole, non-negative number of seconds/);
    expect(() => seconds(1.5)).toThrow(RangeError);
  });
});

describe("p.trigger()", () => {
  const deploy = pipeline(
    "deploy_model",
    {
      params: {
        model_uri: "none",
        threshold: { default: 0.5, type: "number" },
        rows: 0,
        features: [] as string[],
        dry_run: false,
      },
    },
    (p) => {
      p.bash("deploy", { command: "true" });
    },
  );

  it("lowers the started pipeline's id, the conf and the wait, with the conf's edges", () => {
    const def = pipeline("train", { params: { n: 3 } }, (p) => {
      const t = p.python("train", {
        fn: "tasks/t.py:train",
        outputs: { uri: "string", auc: "float", rows: "int", cols: "list" },
      });
      p.trigger("start_deploy", {
        pipeline: deploy,
        conf: {
          model_uri: t.out.uri,
          threshold: t.out.auc,
          rows: p.params.n,
          features: t.out.cols,
          dry_run: true,
        },
        runId: "deploy__{{ run_id }}",
        resetRun: true,
        logicalDate: "{{ logical_date }}",
        wait: { pokeInterval: minutes(2), failedStates: ["failed"] },
      });
      p.trigger("by_id", { pipeline: "other_dag", conf: { anything: t.out.auc }, wait: true });
    });
    expect(def.problems).toEqual([]);
    expect(def.ir.tasks.slice(1)).toMatchObject([
      {
        kind: "trigger",
        id: "start_deploy",
        dag: "deploy_model",
        conf: {
          model_uri: { kind: "ref", task: "train", output: "uri" },
          threshold: { kind: "ref", task: "train", output: "auc" },
          rows: { kind: "param", name: "n" },
          dry_run: { kind: "literal", value: true },
        },
        runId: "deploy__{{ run_id }}",
        resetRun: true,
        logicalDate: "{{ logical_date }}",
        wait: {
          pokeInterval: 120,
          allowedStates: null,
          failedStates: ["failed"],
          deferrable: false,
        },
      },
      {
        kind: "trigger",
        id: "by_id",
        dag: "other_dag",
        runId: null,
        resetRun: false,
        logicalDate: null,
        wait: { pokeInterval: null, allowedStates: null, failedStates: null, deferrable: false },
      },
    ]);
  });

  it("skipWhenExists that can never skip (no runId or logicalDate, or with resetRun) is MLG1039", () => {
    const def = pipeline("train", {}, (p) => {
      p.trigger("fresh", { pipeline: "deploy", skipWhenExists: true });
      p.trigger("reset", { pipeline: "deploy", runId: "d", resetRun: true, skipWhenExists: true });
      p.trigger("by_id", { pipeline: "deploy", runId: "d__{{ run_id }}", skipWhenExists: true });
      p.trigger("by_date", { pipeline: "deploy", logicalDate: "{{ ds }}", skipWhenExists: true });
    });
    expect(def.problems.map((d) => `${d.code} ${d.task}: ${d.message}`)).toEqual([
      "MLG1039 fresh: trigger 'fresh' sets skipWhenExists, but neither runId nor logicalDate: each start gets a run id and date of its own (manual__<time>), which no run has yet, so it never skips",
      "MLG1039 reset: trigger 'reset' sets skipWhenExists, and resetRun, which clears a run that is there and runs it again instead, so it never skips",
    ]);
  });

  it("a logicalDate for a pipeline with a schedule of its own is MLG1037 (its runs hold dates too); not for one without", () => {
    const scheduled = pipeline("nightly_deploy", { schedule: "@daily" }, (p) => {
      p.bash("go", { command: "true" });
    });
    const manual = pipeline("deploy", { schedule: null }, (p) => {
      p.bash("go", { command: "true" });
    });
    const def = pipeline("train", {}, (p) => {
      p.trigger("a", { pipeline: scheduled, logicalDate: "{{ logical_date }}" });
      p.trigger("b", { pipeline: manual, logicalDate: "{{ logical_date }}" });
      p.trigger("c", { pipeline: scheduled });
    });
    expect(def.problems.map((d) => `${d.code} ${d.task}`)).toEqual(["MLG1037 a"]);
    expect(def.problems[0]?.message).toContain(
      "trigger 'a' starts pipeline 'nightly_deploy' for a logicalDate, and 'nightly_deploy' has a schedule of its own",
    );
  });

  it("a conf key none of the started pipeline's params has, or a value its param's type refuses, is MLG1034", () => {
    const def = pipeline("train", { params: { label: "x", n: 3 } }, (p) => {
      const t = p.python("train", {
        fn: "tasks/t.py:train",
        outputs: { uri: "string", auc: "float", rows: "int" },
      });
      const mapped = p.map("fold", {
        fn: "tasks/t.py:fold",
        over: [1, 2],
        as: "k",
        outputs: { rows: "int" },
      });
      p.trigger("start_deploy", {
        pipeline: deploy,
        // Past TypeScript (JavaScript, a cast): what the run-time check is for.
        conf: {
          model_ur: t.out.uri,
          threshold: "high",
          rows: t.out.auc,
          features: p.params.label,
          dry_run: 1,
          owner: "x",
        } as never,
      });
      // A whole number and an int output are numbers too; a mapped output is a list.
      p.trigger("fine", {
        pipeline: deploy,
        conf: { threshold: 1, rows: p.params.n, features: mapped.out.rows },
      });
      p.trigger("also_fine", { pipeline: deploy, conf: { threshold: t.out.rows } });
    });
    expect(def.problems.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual([
      "MLG1034 task 'start_deploy' starts pipeline 'deploy_model' with conf key 'model_ur', which is none of its params (model_uri, threshold, rows, features, dry_run): Airflow keeps it in the run's conf, where only a read of dag_run.conf would find it, and none shows in the templates and commands of pipeline 'deploy_model' | did you mean 'model_uri'? Name the key as pipeline 'deploy_model' names its param (a task function that reads dag_run.conf itself: name the pipeline by its DAG id, pipeline: 'deploy_model', which is not checked)",
      "MLG1034 task 'start_deploy' starts pipeline 'deploy_model' with conf key 'threshold', whose value is a string, where param 'threshold' is of type number: Airflow's check of the param refuses it, and the run is not started | send a value of type number (a task output declared int or float), or change the param's type in pipeline 'deploy_model'",
      "MLG1034 task 'start_deploy' starts pipeline 'deploy_model' with conf key 'rows', whose value is output 'auc' of task 'train' (float), where param 'rows' is of type integer: Airflow's check of the param refuses it, and the run is not started | send a value of type integer (a task output declared int), or change the param's type in pipeline 'deploy_model'",
      "MLG1034 task 'start_deploy' starts pipeline 'deploy_model' with conf key 'features', whose value is param 'label' (string), where param 'features' is of type array: Airflow's check of the param refuses it, and the run is not started | send a value of type array (a task output declared list), or change the param's type in pipeline 'deploy_model'",
      "MLG1034 task 'start_deploy' starts pipeline 'deploy_model' with conf key 'dry_run', whose value is the number 1, where param 'dry_run' is of type boolean: Airflow's check of the param refuses it, and the run is not started | send a value of type boolean (a task output declared bool), or change the param's type in pipeline 'deploy_model'",
      "MLG1034 task 'start_deploy' starts pipeline 'deploy_model' with conf key 'owner', which is none of its params (model_uri, threshold, rows, features, dry_run): Airflow keeps it in the run's conf, where only a read of dag_run.conf would find it, and none shows in the templates and commands of pipeline 'deploy_model' | declare param 'owner' in pipeline 'deploy_model', or drop the key (a task function that reads dag_run.conf itself: name the pipeline by its DAG id, pipeline: 'deploy_model', which is not checked)",
    ]);
  });

  it("a conf value from an output of a type mlgen does not know is left to the compiler, not a crash", () => {
    const deploy = pipeline("deploy", { params: { uri: "x" } }, (p) => {
      p.bash("a", { command: "true" });
    });
    const def = pipeline("train", {}, (p) => {
      // From JavaScript, or through a cast: the types refuse "str".
      const t = p.python("fit", { fn: "tasks/t.py:fit", outputs: { uri: "str" as "string" } });
      p.trigger("go", { pipeline: deploy, conf: { uri: t.out.uri } });
    });
    expect(def.problems.filter((d) => d.code === "MLG1034")).toEqual([]);
  });

  it("wait states that keep the wait from ending as it should are MLG1011", () => {
    const said = (wait: object) =>
      pipeline("train", {}, (p) => {
        p.trigger("go", { pipeline: "other", wait });
      }).problems.map((d) => `${d.message} | ${d.fix}`);
    expect(said({ failedStates: [] })).toEqual([
      "invalid wait of trigger 'go': a run that ends 'failed' is in neither allowedStates nor failedStates, so the task would wait for it for ever | add 'failed' to failedStates",
    ]);
    expect(said({ allowedStates: ["success", "failed"] })).toEqual([
      "invalid wait of trigger 'go': 'failed' is in both allowedStates and failedStates, and Airflow reads it as failed | name each state in one list only (to wait for any end, failedStates: [] with allowedStates: [\"success\", \"failed\"])",
    ]);
    // Wait for the run to end, whichever way, failing on nothing; an empty allowedStates is
    // Airflow's default.
    expect(said({ allowedStates: ["success", "failed"], failedStates: [] })).toEqual([]);
    expect(said({ allowedStates: [] })).toEqual([]);
    expect(said({ failedStates: ["queued"] })).toEqual([
      "invalid wait of trigger 'go': a run that ends 'failed' is in neither allowedStates nor failedStates, so the task would wait for it for ever | add 'failed' to failedStates",
    ]);
    expect(said({ allowedStates: ["success", "failed"], failedStates: ["queued"] })).toEqual([]);
  });

  it("a conf key of no param is not said when the started pipeline reads dag_run.conf itself", () => {
    const reader = pipeline("reader", { params: { n: 1 } }, (p) => {
      p.bash("show", { command: "echo {{ dag_run.conf.get('extra') }}" });
    });
    const def = pipeline("train", {}, (p) => {
      p.trigger("go", { pipeline: reader, conf: { extra: 1 } as never });
    });
    expect(def.problems).toEqual([]);
  });

  it("a pipeline that is neither a definition nor an id, and an unknown wait option, are reported", () => {
    const def = pipeline("train", {}, (p) => {
      p.trigger("start", {
        pipeline: { id: "deploy_model" } as never,
        wait: { pokeIntervall: minutes(1) } as never,
      });
    });
    expect(def.problems.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1011 invalid pipeline of trigger 'start': it is neither a pipeline definition nor a DAG id",
      "MLG1022 there is no option 'pokeIntervall' in the wait of trigger 'start', so it would be ignored",
    ]);
  });
});
