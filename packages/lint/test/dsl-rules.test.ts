import { lowerPipeline } from "@mlgen/compiler";
import {
  env,
  hours,
  minutes,
  oneOf,
  type PipelineDefinition,
  pipeline,
  slack,
  template,
  variable,
} from "@mlgen/dsl";
import { describe, expect, it } from "vitest";
import { type Finding, lintPipeline, RULE_IDS } from "../src/index.js";

const SAFE = {
  retries: 2,
  executionTimeout: hours(1),
  onFailure: slack({ connId: "slack_alerts" }),
} as const;

/** Task modules that define every function the pipeline names, as checkModules wants. */
function modulesFor(def: PipelineDefinition): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of def.ir.tasks) {
    const fn =
      t.kind === "python" ? t : t.kind === "sensor" && t.sensor.type === "python" ? t.sensor : null;
    if (fn === null) continue;
    out.set(fn.module, `${out.get(fn.module) ?? ""}def ${fn.function}(**kwargs):\n    pass\n`);
  }
  return out;
}

function lint(def: PipelineDefinition, rule: string): Finding[] {
  const lowered = lowerPipeline({ ir: def.ir, sourceMap: def.sourceMap, modules: modulesFor(def) });
  if (!lowered.ok) throw new Error(lowered.diagnostics.map((d) => d.message).join("\n"));
  const only = Object.fromEntries(RULE_IDS.map((id) => [id, id === rule ? "warning" : "off"]));
  return lintPipeline(
    { ir: lowered.ir, sourceMap: def.sourceMap, file: "p.ts" },
    { rules: only as never },
  );
}

interface Case {
  readonly rule: string;
  readonly def: () => PipelineDefinition;
  /** A text each finding's message contains, in order. */
  readonly want: readonly string[];
}

const cases: [string, Case][] = [
  [
    "dynamic-start-date: a startDate with milliseconds was taken from the clock; one written by hand is fine",
    {
      rule: "dynamic-start-date",
      def: () =>
        pipeline(
          "p",
          { defaults: SAFE, startDate: new Date(1_764_584_412_138).toISOString() },
          (p) => {
            p.bash("a", { command: "true" });
          },
        ),
      want: [
        "start_date of DAG 'p' is computed when the file is parsed (startDate '2025-12-01T10:20:12.138Z' has milliseconds",
      ],
    },
  ],
  [
    "dynamic-start-date: dates written by hand, with or without a time, are fine",
    {
      rule: "dynamic-start-date",
      def: () =>
        pipeline("p", { defaults: SAFE, startDate: "2025-01-01T06:30:00.000+02:00" }, (p) => {
          p.bash("a", { command: "true" });
        }),
      want: [],
    },
  ],
  [
    "missing-xcom-key: a Jinja pull of an undeclared output, and one from a task not upstream",
    {
      rule: "missing-xcom-key",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const a = p.python("a", { fn: "t.py:a", outputs: { path: "string" } });
          p.bash("b", { command: "cat {{ ti.xcom_pull(task_ids='a', key='pth') }}" }).after(a);
          p.bash("c", { command: "cat {{ ti.xcom_pull(task_ids='a', key='path') }}" });
          p.bash("d", { command: "cat {{ ti.xcom_pull(task_ids='a', key='path') }}" }).after(a);
        }),
      want: ["task 'b' reads XCom 'pth' of task 'a', which 'a' never pushes", "(a race)"],
    },
  ],
  [
    "missing-xcom-key: a python task pushes return_value only when a task maps over its output",
    {
      rule: "missing-xcom-key",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const a = p.python("a", { fn: "t.py:a", outputs: { path: "string" } });
          const l = p.python("l", { fn: "t.py:a", outputs: { parts: "list" } });
          p.map("m", { fn: "t.py:a", over: l.out.parts, as: "part" });
          p.bash("b", { command: "cat {{ ti.xcom_pull(task_ids='a') }}" }).after(a);
          p.bash("c", { command: "cat {{ ti.xcom_pull(task_ids='l') }}" }).after(l);
        }),
      want: ["task 'b' reads XCom 'return_value' of task 'a', which 'a' never pushes"],
    },
  ],
  [
    "hardcoded-path: the default of a param a task reads is a literal too",
    {
      rule: "hardcoded-path",
      def: () =>
        pipeline(
          "p",
          {
            defaults: SAFE,
            params: {
              data_dir: "/home/alice/data",
              n: 3,
              inputs: { train: ["/data/train.csv"], name: "x" },
            },
          },
          (p) => {
            p.python("a", {
              fn: "t.py:a",
              inputs: { data: p.params.data_dir, n: p.params.n, inputs: p.params.inputs },
            });
          },
        ),
      want: [
        "the default of param 'data_dir' of task 'a' holds the local path '/home/alice/data'",
        "the default of param 'inputs' of task 'a' holds the local path '/data/train.csv'",
      ],
    },
  ],
  [
    "hardcoded-path: literal inputs, bash commands and sensor paths; env()/variable() and a container's own paths are fine",
    {
      rule: "hardcoded-path",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          p.python("a", {
            fn: "t.py:a",
            inputs: {
              data: "/Users/me/data.csv",
              out: variable("out_dir", "/opt/airflow/out"),
              home: env("HOME"),
            },
          });
          p.bash("b", { command: "python /home/ana/job.py" });
          p.fileSensor("w", { path: "/data/{{ ds }}.csv", timeout: minutes(30) });
          p.python("t", {
            fn: "t.py:a",
            inputs: { uri: "file:///tmp/mlruns", remote: "s3://bucket/tmp/x" },
          });
          p.container("c", {
            image: "ghcr.io/acme/scorer:1.4",
            args: ["--model-dir", "/mnt/models", "--out", "/data/out"],
            env: { TMPDIR: "/tmp/scratch" },
          });
        }),
      want: [
        "'/Users/me/data.csv', which need not exist on the Airflow workers",
        "'/home/ana/job.py'",
        "local path '/data",
        // Every worker has /tmp: the risk is runs and workers sharing it.
        "'/tmp/mlruns', a fixed temp path: two runs (or two tasks on one worker) write the same file",
      ],
    },
  ],
  [
    "missing-timeout: from the task, its group or the defaults; a sensor needs its own",
    {
      rule: "missing-timeout",
      def: () =>
        pipeline("p", { defaults: { retries: 1 }, params: { go: true } }, (p) => {
          p.bash("a", { command: "true" });
          p.bash("b", { command: "true", executionTimeout: minutes(5) });
          p.group("g", { defaults: { executionTimeout: minutes(5) } }, (g) => {
            g.bash("c", { command: "true" });
          });
          p.timeDeltaSensor("s", { delta: minutes(1), executionTimeout: minutes(5) });
          // A branch or short-circuit only compares values: nothing to time out.
          const after = p.bash("after", { command: "true", executionTimeout: minutes(5) });
          p.branch("br", { when: [p.params.go, "==", true], ifTrue: after });
          p.shortCircuit("sc", { when: [p.params.go, "==", true] });
          // A latest-only gate compares the run's dates, as LatestOnlyOperator does.
          p.latestOnly("latest");
        }),
      want: ["task 'a' has no executionTimeout", "task 's' has no timeout"],
    },
  ],
  [
    "missing-retries",
    {
      rule: "missing-retries",
      def: () =>
        pipeline("p", { params: { go: true } }, (p) => {
          p.bash("a", { command: "true" });
          p.bash("b", { command: "true", retries: 0 });
          // On Airflow a short-circuit is a task that reads XComs: a retry may recover it.
          p.shortCircuit("sc", { when: [p.params.go, "==", true] });
          // A latest-only gate runs nothing of the user's (LatestOnlyOperator is left alone in
          // a DAG file too).
          p.latestOnly("latest");
        }),
      want: ["task 'a' sets no retries", "task 'sc' sets no retries"],
    },
  ],
  [
    "no-failure-alert: reported once, on the pipeline",
    {
      rule: "no-failure-alert",
      def: () =>
        pipeline("quiet", { defaults: { retries: 1 } }, (p) => {
          p.bash("a", { command: "true" });
          p.bash("b", { command: "true" });
        }),
      want: ["pipeline 'quiet' alerts no one"],
    },
  ],
  [
    "leaf-masks-failure: a last cleanup with all_done after the work; not when a plain last task follows the work too",
    {
      rule: "leaf-masks-failure",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const work = p.bash("work", { command: "true" });
          p.bash("cleanup", { command: "true", triggerRule: "all_done" }).after(work);
          const other = p.bash("other", { command: "true" });
          p.bash("tidy", { command: "true", triggerRule: "all_done" }).after(other);
          p.bash("publish", { command: "true" }).after(other);
        }),
      want: [
        "pipeline 'p''s failed runs can end success: 'cleanup' (trigger rule all_done) still runs when 'work' fails",
      ],
    },
  ],
  [
    "leaf-masks-failure: teardowns are left out of the run's state as Airflow leaves them (a task before only teardowns is a last task)",
    {
      rule: "leaf-masks-failure",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const make = p.bash("make", { command: "true" });
          const work = p.bash("work", { command: "true" }).after(make);
          p.bash("remove", { command: "true", teardown: make }).after(work);
          // Its last task before the teardown runs after a failure: still masking.
          const other = p.bash("other", { command: "true" });
          const tidy = p.bash("tidy", { command: "true", triggerRule: "all_done" }).after(other);
          p.bash("note", { command: "true", teardown: true }).after(tidy);
        }),
      want: [
        "pipeline 'p''s failed runs can end success: 'tidy' (trigger rule all_done) still runs when 'other' fails",
      ],
    },
  ],
  [
    "run-timeout-unalerted: a dagrunTimeout with the alerts on tasks only; in the defaults they go out",
    {
      rule: "run-timeout-unalerted",
      def: () =>
        pipeline("p", { dagrunTimeout: hours(4), defaults: { retries: 1 } }, (p) => {
          p.bash("a", { command: "true", onFailure: slack({ connId: "slack_alerts" }) });
          p.bash("b", { command: "true" });
        }),
      want: ["pipeline 'p' has a dagrun_timeout, and a run that times out alerts no one"],
    },
  ],
  [
    "run-timeout-unalerted: not with the alerts in the defaults, nor without a dagrunTimeout",
    {
      rule: "run-timeout-unalerted",
      def: () =>
        pipeline("p", { dagrunTimeout: hours(4), defaults: SAFE }, (p) => {
          p.bash("a", { command: "true" });
        }),
      want: [],
    },
  ],
  [
    "sensor-poke-mode: poke with a long timeout; reschedule or deferrable are fine",
    {
      rule: "sensor-poke-mode",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          p.fileSensor("a", { path: "x", mode: "poke", timeout: hours(6) });
          p.fileSensor("b", { path: "x", mode: "poke", timeout: minutes(10) });
          p.fileSensor("c", { path: "x", timeout: hours(6) });
          p.fileSensor("d", { path: "x", mode: "poke", deferrable: true, timeout: hours(6) });
        }),
      // Each try ends at the 1-hour execution timeout and is retried (2 retries): 3 hours.
      want: ["sensor 'a' waits up to 3 hours"],
    },
  ],
  [
    "unused-output: outputs nobody reads (the last task's are the results)",
    {
      rule: "unused-output",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const a = p.python("a", { fn: "t.py:a", outputs: { path: "string", rows: "int" } });
          p.python("b", {
            fn: "t.py:b",
            inputs: { path: a.out.path },
            outputs: { score: "float" },
          });
        }),
      want: ["output 'rows' of task 'a'"],
    },
  ],
  [
    "unused-output: a python sensor's output nobody reads",
    {
      rule: "unused-output",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const w = p.pythonSensor("wait", {
            fn: "t.py:ready",
            outputs: { path: "string", rows: "int" },
            timeout: minutes(30),
          });
          p.python("b", { fn: "t.py:b", inputs: { path: w.out.path } });
        }),
      want: ["output 'rows' of task 'wait'"],
    },
  ],
  [
    "unused-output: an operator's return value nobody reads (returns given), and one read in a template",
    {
      rule: "unused-output",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const q = p.operator("q", { operator: "a.Query", returns: "list" });
          const r = p.operator("r", { operator: "a.Query", returns: "list" });
          p.bash("b", { command: "echo {{ ti.xcom_pull(task_ids='r') }}" }).after(q, r);
        }),
      want: ["output 'return_value' of task 'q'"],
    },
  ],
  [
    "missing-xcom-key: a Jinja pull of a key a python sensor with outputs never pushes",
    {
      rule: "missing-xcom-key",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const w = p.pythonSensor("wait", {
            fn: "t.py:ready",
            outputs: { path: "string" },
            timeout: minutes(30),
          });
          p.bash("b", { command: "cat {{ ti.xcom_pull(task_ids='wait', key='pth') }}" }).after(w);
          p.bash("c", { command: "cat {{ ti.xcom_pull(task_ids='wait', key='path') }}" }).after(w);
        }),
      want: ["task 'b' reads XCom 'pth' of task 'wait', which 'wait' never pushes"],
    },
  ],
  [
    "unused-output: an output read through oneOf(...) is read",
    {
      rule: "unused-output",
      def: () =>
        pipeline("p", { defaults: SAFE }, (p) => {
          const s = p.python("s", { fn: "t.py:s", outputs: { score: "float" } });
          const yes = p.python("yes", { fn: "t.py:y", outputs: { msg: "string", n: "int" } });
          const no = p.python("no", { fn: "t.py:n", outputs: { msg: "string" } });
          p.branch("route", { when: [s.out.score, ">", 0.5], ifTrue: yes, ifFalse: no });
          p.python("join", { fn: "t.py:j", inputs: { msg: oneOf(yes.out.msg, no.out.msg) } });
        }),
      want: ["output 'n' of task 'yes'"],
    },
  ],
  [
    "train-without-validation: a validate task (or a validation-named one) upstream is enough",
    {
      rule: "train-without-validation",
      def: () =>
        pipeline("p", { defaults: SAFE, params: { go: true } }, (p) => {
          p.python("train_model", { fn: "t.py:train" });
          const v = p.validate("validate_data", { data: template("{{ var.value.d }}/x.csv") });
          p.python("retrain", { fn: "t.py:fit_model" }).after(v);
          p.python("fit_it", { fn: "t.py:fit" }).after(
            p.python("check_rows", { fn: "t.py:check" }),
          );
          // A branch, a short-circuit or a sensor named for training only decides or waits; a
          // trigger starts a pipeline that has (or lacks) its own validation.
          const full = p.bash("full", { command: "true" }).after(v);
          p.branch("should_retrain", { when: [p.params.go, "==", true], ifTrue: full });
          p.shortCircuit("retrain_enabled", { when: [p.params.go, "==", true] }).after(full);
          p.timeDeltaSensor("wait_before_training", { delta: hours(1) });
          p.trigger("start_training", { pipeline: "training" });
          // A latest-only gate only decides whether what follows runs.
          p.latestOnly("latest_retrain");
        }),
      want: ["training task 'train_model'"],
    },
  ],
];

describe("DSL pipeline rules", () => {
  it("leaf-masks-failure says to make an all_done cleanup a teardown", () => {
    const [found] = lint(
      pipeline("p", { defaults: SAFE }, (p) => {
        const work = p.bash("work", { command: "true" });
        p.bash("cleanup", { command: "true", triggerRule: "all_done" }).after(work);
      }),
      "leaf-masks-failure",
    );
    expect(found?.fix).toBe(
      "make 'cleanup' a teardown (teardown: true, or teardown: <its setup>) and leave its triggerRule out: Airflow runs it after a failure and leaves it out of the run's state, so the run fails",
    );
  });

  it.each(cases)("%s", (_, c) => {
    const findings = lint(c.def(), c.rule);
    expect(findings.map((f) => f.ruleId)).toEqual(c.want.map(() => c.rule));
    findings.forEach((f, i) => {
      expect(f.message).toContain(c.want[i]);
    });
  });

  it("missing-xcom-key names the output or task a typo most likely meant", () => {
    const def = pipeline("p", { defaults: SAFE }, (p) => {
      const a = p.python("a", { fn: "t.py:a", outputs: { path: "string" } });
      const train = p.python("train", { fn: "t.py:a", outputs: { path: "string" } });
      p.bash("b", { command: "cat {{ ti.xcom_pull(task_ids='a', key='pth') }}" }).after(a);
      p.bash("c", { command: "cat {{ ti.xcom_pull(task_ids='trian', key='path') }}" }).after(train);
      p.bash("d", { command: "cat {{ ti.xcom_pull(task_ids='a', key='model_uri') }}" }).after(a);
    });
    expect(lint(def, "missing-xcom-key").map((f) => f.fix)).toEqual([
      "did you mean 'path'? Otherwise declare 'pth' in the outputs of 'a', or read one it has",
      "did you mean 'train'? Otherwise pull from a task of this pipeline, or pass its output as an input (task.out.x)",
      "declare 'model_uri' in the outputs of 'a', or read one it has",
    ]);
  });

  it("missing-timeout on a sensor says the wait lasts 7 days, not one hung try, and what executionTimeout ends", () => {
    const def = pipeline("p", { defaults: { retries: 1, executionTimeout: minutes(5) } }, (p) => {
      p.fileSensor("s", { path: "/data/{{ ds }}.csv" });
      p.fileSensor("d", { path: "/data/{{ ds }}.csv", deferrable: true });
    });
    expect(lint(def, "missing-timeout").map((f) => f.message)).toEqual([
      "task 's' has no timeout, so it waits for its condition up to Airflow's default of 7 days before it fails (its executionTimeout ends one poke, not the wait)",
      "task 'd' has no timeout, so it waits for its condition up to Airflow's default of 7 days before it fails",
    ]);
    const bare = pipeline("p", { defaults: { retries: 1 } }, (p) => {
      p.bash("a", { command: "true" });
    });
    expect(lint(bare, "missing-timeout").map((f) => f.message)).toEqual([
      "task 'a' has no executionTimeout, so a hung try runs until someone stops it",
    ]);
  });

  it("findings point at the TypeScript call that defined the task", () => {
    const def = pipeline("p", {}, (p) => {
      p.bash("a", { command: "true" });
    });
    const [f] = lint(def, "missing-retries");
    expect(f?.file).toMatch(/dsl-rules\.test\.ts$/);
    expect(f?.line).toBeGreaterThan(1);
    expect(f?.column).toBeGreaterThan(1);
  });

  it("a clean pipeline has no findings from any rule", () => {
    const def = pipeline("clean", { defaults: SAFE }, (p) => {
      const v = p.validate("validate_data", { data: template("{{ var.value.d }}/x.csv") });
      const t = p.python("train", { fn: "t.py:train", outputs: { uri: "string" } }).after(v);
      p.python("deploy", { fn: "t.py:deploy", inputs: { uri: t.out.uri } });
    });
    const lowered = lowerPipeline({
      ir: def.ir,
      sourceMap: def.sourceMap,
      modules: modulesFor(def),
    });
    if (!lowered.ok) throw new Error("lowering failed");
    expect(lintPipeline({ ir: lowered.ir, sourceMap: def.sourceMap, file: "p.ts" })).toEqual([]);
  });
});

describe("kubeflow-timeout (target-aware)", () => {
  const def = () =>
    pipeline("p", { defaults: { ...SAFE, executionTimeout: hours(2) } }, (p) => {
      p.python("fit", { fn: "t.py:fit" });
      p.bash("report", { command: "echo done", executionTimeout: minutes(90) });
      // A stand-in on Kubeflow that only prints: nothing of the user's to time out.
      p.latestOnly("latest");
    });
  const run = (kubeflow?: { timeouts: boolean }) => {
    const d = def();
    const lowered = lowerPipeline({ ir: d.ir, sourceMap: d.sourceMap, modules: modulesFor(d) });
    if (!lowered.ok) throw new Error("lowering failed");
    return lintPipeline(
      { ir: lowered.ir, sourceMap: d.sourceMap, file: "p.ts", ...(kubeflow ? { kubeflow } : {}) },
      {},
    ).filter((f) => f.ruleId === "kubeflow-timeout");
  };

  it("reports each timed task when the project compiles for Kubeflow without timeouts", () => {
    expect(run({ timeouts: false }).map((f) => f.message)).toEqual([
      "task 'fit' has an execution timeout (2h) that the Kubeflow target drops: kubeflow.timeouts is off",
      "task 'report' has an execution timeout (90m) that the Kubeflow target drops: kubeflow.timeouts is off",
    ]);
  });

  it("is silent for Airflow-only projects and when kubeflow.timeouts is on", () => {
    expect(run()).toEqual([]);
    expect(run({ timeouts: true })).toEqual([]);
  });
});
