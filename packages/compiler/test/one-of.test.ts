/**
 * oneOf(...): the output of whichever side of a branch ran. Its edges and join rule, what is
 * refused (MLG1032, after kfp's dsl.OneOf), and what each target writes for it.
 */
import type { Pipeline, Task } from "@mlgen/core";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { oneOf, pipeline } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const MODULE = [
  "def score() -> dict:",
  '    return {"value": 0.9, "label": "x"}',
  "",
  "",
  "def make(who: str) -> dict:",
  '    return {"msg": who, "n": 1, "items": [], "ratio": 0.5}',
  "",
  "",
  "def show(message, ratio=None) -> None:",
  "    print(message, ratio)",
  "",
].join("\n");

const FN = (name: string) => `tasks/m.py:${name}`;

type Builder = Parameters<Parameters<typeof pipeline>[2]>[0];

function make(p: Builder, id: string) {
  return p.python(id, {
    fn: FN("make"),
    inputs: { who: id },
    outputs: { msg: "string", n: "int", items: "list", ratio: "float" },
  });
}

const scoreTask = (p: Builder) =>
  p.python("score", { fn: FN("score"), outputs: { value: "float", label: "string" } });

type Sides = {
  deploy: ReturnType<typeof make>;
  retrain: ReturnType<typeof make>;
  score: ReturnType<typeof scoreTask>;
};

/** A branch `route` on score.value: deploy on its ifTrue side, retrain on its ifFalse side. */
function sides(body: (p: Builder, t: Sides) => void) {
  return pipeline("p", {}, (p) => {
    const score = scoreTask(p);
    const deploy = make(p, "deploy");
    const retrain = make(p, "retrain");
    p.branch("route", { when: [score.out.value, ">=", 0.8], ifTrue: deploy, ifFalse: retrain });
    body(p, { deploy, retrain, score });
  }).ir;
}

function lower(ir: unknown) {
  return lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/m.py", MODULE]]) });
}

function ok(ir: unknown) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return {
    ...r,
    sourceFile: "pipelines/p.pipeline.ts",
    sourceMap: {},
    pythonFiles: [{ path: "tasks/m.py", content: MODULE }],
  };
}

const said = (ir: unknown) =>
  lower(ir).diagnostics.map((d) => `${d.code} ${d.severity} ${d.task}: ${d.message}`);

const task = (ir: Pipeline, id: string) => ir.tasks.find((t) => t.id === id) as Task;

describe("oneOf in the IR", () => {
  it("is one value holding the refs in order; the reader depends on every producer and is a join", () => {
    const ir = sides((p, t) => {
      p.python("summary", {
        fn: FN("show"),
        inputs: { message: oneOf(t.deploy.out.msg, t.retrain.out.msg) },
      });
    });
    const summary = ir.tasks.find((x) => x.id === "summary");
    expect(summary?.kind === "python" && summary.inputs.message).toEqual({
      kind: "oneOf",
      refs: [
        { kind: "ref", task: "deploy", output: "msg" },
        { kind: "ref", task: "retrain", output: "msg" },
      ],
    });
    const lowered = ok(ir).ir;
    expect(task(lowered, "summary").upstream).toEqual(["deploy", "retrain"]);
    // The join rule, as for any task after both sides of a branch.
    expect(task(lowered, "summary").options.triggerRule).toBe("none_failed_min_one_success");
  });

  it("refuses, in the DSL, anything but task outputs", () => {
    expect(() =>
      pipeline("p", { params: { x: "a" } }, (p) => {
        const a = make(p, "a");
        p.python("s", { fn: FN("show"), inputs: { message: oneOf(a.out.msg, p.params.x) } });
      }),
    ).toThrow(
      "oneOf(): argument 2 is the param 'x', not a task output; oneOf takes the outputs of the tasks on each side of a branch (deploy.out.msg)",
    );
  });
});

describe("oneOf is checked (MLG1032)", () => {
  const cases: [string, (p: Builder, t: Sides) => void, string][] = [
    [
      "two outputs on the same side",
      (p, t) => {
        const other = p.python("other", {
          fn: FN("make"),
          inputs: { who: "o" },
          outputs: { msg: "string" },
        });
        other.after(t.deploy);
        p.python("summary", {
          fn: FN("show"),
          inputs: { message: oneOf(t.deploy.out.msg, other.out.msg) },
        });
      },
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, other.out.msg), but all of them are on the ifTrue side of branch 'route', so they run together, not instead of each other",
    ],
    [
      "an output of a task on no side",
      (p, t) => {
        p.python("summary", {
          fn: FN("show"),
          inputs: { message: oneOf(t.deploy.out.msg, t.score.out.label) },
        });
      },
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, score.out.label), but 'score' is on no side of a branch: it runs whichever way a branch goes, so oneOf would not pick the side that ran",
    ],
    [
      "outputs of different types",
      (p, t) => {
        p.python("summary", {
          fn: FN("show"),
          // A cast: the types refuse it (types.test-d.ts); JavaScript does not.
          inputs: { message: oneOf(t.deploy.out.msg, t.retrain.out.n as never) },
        });
      },
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, retrain.out.n), whose outputs have different types (deploy.msg: string, retrain.n: int), so 'summary' could not know what it gets (kfp refuses them too)",
    ],
    [
      "the same output twice",
      (p, t) => {
        p.python("summary", {
          fn: FN("show"),
          inputs: {
            message: oneOf(t.deploy.out.msg, t.retrain.out.msg, t.retrain.out.msg),
          },
        });
      },
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, retrain.out.msg, retrain.out.msg), which reads task 'retrain' twice",
    ],
    [
      "inside a list",
      (p, t) => {
        p.python("summary", {
          fn: FN("show"),
          inputs: { message: [oneOf(t.deploy.out.msg, t.retrain.out.msg)] },
        });
      },
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, retrain.out.msg), which is not a python task's input of its own (here: inputs.message of a python task, inside a list, object or path)",
    ],
    [
      "in a bash task's env",
      (p, t) => {
        p.bash("summary", {
          command: "echo $M",
          env: { M: oneOf(t.deploy.out.msg, t.retrain.out.msg) },
        });
      },
      "MLG1032 error summary: input 'env.M' of task 'summary' is oneOf(deploy.out.msg, retrain.out.msg), which is not a python task's input of its own (here: env.M of a bash task)",
    ],
  ];
  it.each(cases)("%s", (_name, body, want) => {
    const diagnostics = said(sides(body));
    expect(diagnostics).toContain(want);
    expect(lower(sides(body)).ok).toBe(false);
  });

  it("in a condition: the fix reads it in a python task whose output the condition compares", () => {
    const ir = sides((p, t) => {
      p.shortCircuit("gate", {
        when: [t.score.out.label, "==", oneOf(t.deploy.out.msg, t.retrain.out.msg)],
      });
    });
    const d = lower(ir).diagnostics.find((x) => x.code === "MLG1032");
    expect(`${d?.message} | ${d?.fix}`).toBe(
      "input 'when[2]' of task 'gate' is oneOf(deploy.out.msg, retrain.out.msg), which is not a python task's input of its own (here: when[2] of a short-circuit task) | read it in a python task (inputs: { value: oneOf(...) }) that returns it, and compare that task's output in the condition",
    );
  });

  it("a mapped task's output (kfp refuses dsl.Collected in dsl.OneOf)", () => {
    const ir = pipeline("p", {}, (p) => {
      const score = p.python("score", { fn: FN("score"), outputs: { value: "float" } });
      const many = p.map("many", {
        fn: FN("make"),
        over: ["a", "b"],
        as: "who",
        outputs: { items: "list" },
      });
      const one = make(p, "one");
      p.branch("route", { when: [score.out.value, ">=", 0.8], ifTrue: many, ifFalse: one });
      p.python("summary", {
        fn: FN("show"),
        inputs: { message: oneOf(many.out.items as never, one.out.items) },
      });
    }).ir;
    expect(said(ir)).toContain(
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(many.out.items, one.out.items), and 'many' is a mapped task, whose output is the list of every instance's (kfp refuses dsl.Collected inside dsl.OneOf)",
    );
  });

  /** route: deploy | (inner: stage | retrain), inside route's ifFalse side. */
  const nested = (read: "outer" | "all-three" | "inner-outside" | "inner-inside") =>
    pipeline("p", {}, (p) => {
      const score = p.python("score", { fn: FN("score"), outputs: { value: "float" } });
      const deploy = make(p, "deploy");
      const check = p.python("check", { fn: FN("score"), outputs: { value: "float" } });
      p.branch("route", { when: [score.out.value, ">=", 0.8], ifTrue: deploy, ifFalse: check });
      const stage = make(p, "stage");
      const retrain = make(p, "retrain");
      p.branch("inner", { when: [check.out.value, ">=", 0.5], ifTrue: stage, ifFalse: retrain });
      if (read === "outer") {
        p.python("summary", {
          fn: FN("show"),
          inputs: { message: oneOf(deploy.out.msg, stage.out.msg) },
        });
      } else if (read === "all-three") {
        p.python("summary", {
          fn: FN("show"),
          inputs: { message: oneOf(deploy.out.msg, stage.out.msg, retrain.out.msg) },
        });
      } else {
        const s = p.python("summary", {
          fn: FN("show"),
          inputs: { message: oneOf(stage.out.msg, retrain.out.msg) },
        });
        if (read === "inner-outside") s.after(deploy);
      }
    }).ir;

  it("an output behind a branch inside a side, with no output of its other side", () => {
    expect(said(nested("outer"))).toContain(
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, stage.out.msg), but 'stage' is on a side of branch 'inner', inside the ifFalse side of 'route', so it may not run even when that side does",
    );
  });

  it("the sides of both branches, nested: exactly one of them runs, which Airflow reads; Kubeflow cannot select it after a task on that side (MLG3001)", () => {
    const ir = nested("all-three");
    expect(said(ir)).toEqual([]);
    expect(
      kubeflowTarget
        .validate(ok(ir))
        .map((d) => `${d.code} ${d.task}: ${d.message.split(": ")[1]}`),
    ).toEqual([
      "MLG3001 summary: two of its outputs sit on one side of an If/Else on Kubeflow, inside a branch nested there, and dsl.OneOf selects one output per side of one condition-branches group",
    ]);
  });

  it("an If/Elif/Else chain (a branch all the ifFalse side of another runs): one output of each of its sides; one side missing is said", () => {
    const chain = (withLast: boolean) =>
      pipeline("p", {}, (p) => {
        const score = p.python("score", { fn: FN("score"), outputs: { value: "float" } });
        const deploy = make(p, "deploy");
        const stage = make(p, "stage");
        const retrain = make(p, "retrain");
        const inner = p.branch("inner", {
          when: [score.out.value, ">=", 0.5],
          ifTrue: stage,
          ifFalse: retrain,
        });
        p.branch("route", { when: [score.out.value, ">=", 0.8], ifTrue: deploy, ifFalse: inner });
        p.python("summary", {
          fn: FN("show"),
          inputs: {
            message: withLast
              ? oneOf(deploy.out.msg, stage.out.msg, retrain.out.msg)
              : oneOf(deploy.out.msg, stage.out.msg),
          },
        });
      }).ir;
    expect(said(chain(true))).toEqual([]);
    expect(kubeflowTarget.validate(ok(chain(true)))).toEqual([]);
    expect(said(chain(false))).toEqual([
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(deploy.out.msg, stage.out.msg), but 'stage' is on a side of branch 'inner', inside the ifFalse side of 'route', so it may not run even when that side does",
    ]);
  });

  it("the sides of a branch nested in a side: read on that side, not after both of the outer one", () => {
    expect(said(nested("inner-outside"))).toContain(
      "MLG1032 error summary: input 'message' of task 'summary' is oneOf(stage.out.msg, retrain.out.msg), but all of them are on the ifFalse side of branch 'route', and 'summary' also runs when the other side does, when none of them ran",
    );
    expect(lower(nested("inner-inside")).ok).toBe(true);
  });
});

describe("oneOf on Airflow", () => {
  const ir = sides((p, t) => {
    p.python("summary", {
      fn: FN("show"),
      inputs: {
        message: oneOf(t.deploy.out.msg, t.retrain.out.msg),
        ratio: oneOf(t.deploy.out.ratio, t.retrain.out.ratio),
      },
    });
  });
  for (const [name, version, dagImport] of [
    ["Airflow 3", 3, "from airflow.sdk import DAG"],
    ["Airflow 2", 2, "from airflow.models.dag import DAG"],
  ] as const) {
    it(`${name}: the first output pushed, in order, with the join's trigger rule`, () => {
      const input = {
        ...ok(ir),
        settings: { airflowVersion: version },
      };
      const [file] = airflowTarget.emit(input);
      const text = file?.content ?? "";
      expect(text).toContain(
        '"message": _pull_one_of(ti, [("deploy", "msg"), ("retrain", "msg")]),',
      );
      // A float output is read back as one, as _pull does.
      expect(text).toContain(
        '"ratio": _pull_one_of(ti, [("deploy", "ratio"), ("retrain", "ratio")], as_float=True),',
      );
      expect(text).toContain("def _pull_one_of(ti, sources, as_float=False):");
      expect(text).toMatch(
        /summary = PythonOperator\(\s+task_id="summary",\s+python_callable=run_summary,\s+trigger_rule="none_failed_min_one_success",/,
      );
      expect(text).toContain("[deploy, retrain] >> summary");
      expect(text).toContain(dagImport);
      expect(airflowTarget.validate(input)).toEqual([]);
    });
  }

  it("writes no _pull_one_of helper for a pipeline without oneOf", () => {
    const plain = sides((p, t) => {
      p.python("summary", { fn: FN("show"), inputs: { message: t.deploy.out.msg } });
    });
    const [file] = airflowTarget.emit(ok(plain));
    expect(file?.content).not.toContain("_pull_one_of");
  });
});

describe("oneOf on Kubeflow (dsl.OneOf)", () => {
  it("the If/Else wrapper selects its sides' outputs; the reader reads the wrapper's output", () => {
    const ir = sides((p, t) => {
      p.python("summary", {
        fn: FN("show"),
        inputs: { message: oneOf(t.deploy.out.msg, t.retrain.out.msg) },
      });
    });
    const input = ok(ir);
    expect(kubeflowTarget.validate(input).filter((d) => d.severity === "error")).toEqual([]);
    const [file] = kubeflowTarget.emit(input);
    const spec = parseAllDocuments(file?.content ?? "")[0]?.toJS() as {
      components: Record<string, Record<string, unknown>>;
      root: { dag: { tasks: Record<string, Record<string, unknown>> } };
    };
    const wrapper = spec.components["comp-condition-branches-1"];
    expect(wrapper?.dag).toMatchObject({
      outputs: {
        parameters: {
          "pipelinechannel--condition-branches-1-oneof-1": {
            valueFromOneof: {
              parameterSelectors: [
                {
                  producerSubtask: "condition-2",
                  outputParameterKey: "pipelinechannel--deploy-msg",
                },
                {
                  producerSubtask: "condition-3",
                  outputParameterKey: "pipelinechannel--retrain-msg",
                },
              ],
            },
          },
        },
      },
    });
    expect(wrapper?.outputDefinitions).toEqual({
      parameters: { "pipelinechannel--condition-branches-1-oneof-1": { parameterType: "STRING" } },
    });
    expect(spec.components["comp-condition-2"]?.dag).toMatchObject({
      outputs: {
        parameters: {
          "pipelinechannel--deploy-msg": {
            valueFromParameter: { producerSubtask: "deploy", outputParameterKey: "msg" },
          },
        },
      },
    });
    const summary = spec.root.dag.tasks.summary;
    expect(summary?.inputs).toEqual({
      parameters: {
        message: {
          taskOutputParameter: {
            producerTask: "condition-branches-1",
            outputParameterKey: "pipelinechannel--condition-branches-1-oneof-1",
          },
        },
      },
    });
    expect(summary?.dependentTasks).toEqual(["condition-branches-1"]);
    expect(summary?.triggerPolicy).toBeUndefined();
  });

  it("a reader in a task group after the branch gets the output through its group's input", () => {
    const ir = sides((p, t) => {
      p.group("report", {}, (g) => {
        g.python("summary", {
          fn: FN("show"),
          inputs: { message: oneOf(t.deploy.out.msg, t.retrain.out.msg) },
        });
      });
    });
    const [file] = kubeflowTarget.emit(ok(ir));
    const spec = parseAllDocuments(file?.content ?? "")[0]?.toJS() as {
      components: Record<string, { dag?: { tasks: Record<string, Record<string, unknown>> } }>;
      root: { dag: { tasks: Record<string, Record<string, unknown>> } };
    };
    // Named as kfp names any task output passed into a sub-DAG: the wrapper is the producer.
    const input =
      "pipelinechannel--condition-branches-1-pipelinechannel--condition-branches-1-oneof-1";
    expect(spec.root.dag.tasks.report?.inputs).toEqual({
      parameters: {
        [input]: {
          taskOutputParameter: {
            producerTask: "condition-branches-1",
            outputParameterKey: "pipelinechannel--condition-branches-1-oneof-1",
          },
        },
      },
    });
    expect(spec.components["comp-report"]?.dag?.tasks["report-summary"]?.inputs).toEqual({
      parameters: {
        message: { componentInputParameter: input },
      },
    });
  });
});

describe("a join reading one side's output without oneOf is said (MLG1033)", () => {
  const OPTIONAL = `${MODULE}\n\ndef keep(message: str | None) -> None:\n    print(message)\n\n\ndef keep_default(message=None) -> None:\n    print(message)\n`;

  it("names the side the branch may follow instead and writes the oneOf", () => {
    const ir = sides((p, t) => {
      // A join (after both sides), reading the deploy side's output: None when retrain ran.
      p.python("summary", { fn: FN("show"), inputs: { message: t.deploy.out.msg } }).after(
        t.retrain,
      );
      // Runs after a skip by its own rule.
      p.python("audit", {
        fn: FN("show"),
        inputs: { message: t.retrain.out.msg },
        triggerRule: "all_done",
      });
      // Not said: a task on the deploy side (skipped with it), a oneOf, a reader before the
      // branch's sides, and a join whose own rule skips it (MLG1025 says that).
      p.python("on_side", { fn: FN("show"), inputs: { message: t.deploy.out.msg } });
      p.python("either", {
        fn: FN("show"),
        inputs: { message: oneOf(t.deploy.out.msg, t.retrain.out.msg) },
      });
      p.python("plain", { fn: FN("show"), inputs: { message: t.score.out.label } }).after(
        t.deploy,
        t.retrain,
      );
    });
    expect(said(ir)).toEqual([
      "MLG1033 warning summary: task 'summary' reads output 'msg' of 'deploy', which runs only on its side of branch 'route'; when the branch follows 'retrain', 'summary' still runs (none_failed_min_one_success) and show() gets None for 'message' on Airflow (Kubeflow refuses the read, MLG3001)",
      "MLG1033 warning audit: task 'audit' reads output 'msg' of 'retrain', which runs only on its side of branch 'route'; when the branch follows 'deploy', 'audit' still runs (all_done) and show() gets None for 'message' on Airflow (Kubeflow refuses the read, MLG3001)",
    ]);
    expect(lower(ir).diagnostics[0]?.fix).toBe(
      "read whichever side ran: inputs: { message: oneOf(deploy.out.msg, retrain.out.msg) }; or annotate the parameter as optional (message: str | None) and handle None",
    );
  });

  it("a condition after both sides that reads an output of one is said too (MLG1038); not against null", () => {
    const ir = sides((p, t) => {
      p.shortCircuit("better", { when: [t.deploy.out.ratio, ">", t.retrain.out.ratio] });
      p.shortCircuit("same", { when: [t.deploy.out.msg, "==", "deploy"] }).after(t.retrain);
      p.shortCircuit("ran", { when: [t.deploy.out.msg, "!=", null as never] }).after(t.retrain);
    });
    expect(said(ir)).toEqual([
      "MLG1038 warning better: the condition of 'better' reads output 'ratio' of 'deploy', which runs only on its side of branch 'route'; when the branch follows 'retrain', 'better' still runs (none_failed_min_one_success) and reads None there on Airflow, which Python does not order: the task fails (Kubeflow refuses the read, MLG3001)",
      "MLG1038 warning better: the condition of 'better' reads output 'ratio' of 'retrain', which runs only on its side of branch 'route'; when the branch follows 'deploy', 'better' still runs (none_failed_min_one_success) and reads None there on Airflow, which Python does not order: the task fails (Kubeflow refuses the read, MLG3001)",
      "MLG1038 warning same: the condition of 'same' reads output 'msg' of 'deploy', which runs only on its side of branch 'route'; when the branch follows 'retrain', 'same' still runs (none_failed_min_one_success) and reads None there on Airflow, which makes the comparison false on those runs (Kubeflow refuses the read, MLG3001)",
    ]);
    expect(lower(ir).diagnostics[0]?.fix).toBe(
      "compare whichever side ran: a python task that takes oneOf(deploy.out.ratio, retrain.out.ratio) and returns it, and a condition on that; or branch on the side's output from a task on its side",
    );
  });

  it("is not said when the parameter takes None, the join's own rule skips it, or the branch names the reader (it is skipped with its side)", () => {
    const ir = sides((p, t) => {
      p.python("summary", { fn: FN("keep"), inputs: { message: t.deploy.out.msg } }).after(
        t.retrain,
      );
      p.python("defaulted", {
        fn: FN("keep_default"),
        inputs: { message: t.deploy.out.msg },
      }).after(t.retrain);
      p.python("strict", {
        fn: FN("show"),
        inputs: { message: t.deploy.out.msg },
        triggerRule: "all_success",
      }).after(t.retrain);
    });
    const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/m.py", OPTIONAL]]) });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLG1025"]);
    const listed = pipeline("p", {}, (p) => {
      const score = scoreTask(p);
      const deploy = make(p, "deploy");
      const retrain = make(p, "retrain");
      const audit = p.python("audit", {
        fn: FN("show"),
        inputs: { message: deploy.out.msg },
        triggerRule: "all_done",
      });
      p.branch("route", {
        when: [score.out.value, ">=", 0.8],
        ifTrue: [deploy, audit],
        ifFalse: retrain,
      });
    }).ir;
    expect(said(listed)).toEqual([]);
  });
});
