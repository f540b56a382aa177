import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pipelineModules } from "@mlgen/core";
import { isPipelineDefinition } from "@mlgen/dsl";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import {
  asset,
  email,
  env,
  hours,
  type Input,
  minutes,
  oneOf,
  pipeline,
  slack,
  template,
  variable,
} from "../../dsl/src/index.js";
import {
  airflowTarget,
  kubeflowTarget,
  lowerPipeline,
  renderDag,
  TEMPLATE_HELPERS,
} from "../src/index.js";
import { jinjaNames } from "../src/targets/airflow/validate.js";
import { startDate, timedelta } from "../src/targets/airflow/view.js";

/** The Handlebars sources (templates.generated.ts holds them precompiled). */
const TEMPLATES_DIR = new URL("../../../templates/", import.meta.url);

const REPO = resolve(import.meta.dirname, "../../..");
const GOLDEN = join(REPO, "test/fixtures/golden");

async function lowered(file: string, root: string) {
  const def = ((await import(file)) as { default: unknown }).default;
  if (!isPipelineDefinition(def)) throw new Error("no pipeline");
  const modules = new Map<string, string | null>();
  for (const module of pipelineModules(def.ir)) {
    modules.set(module, readFileSync(join(root, module), "utf8"));
  }
  const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r;
}

/** Golden files: compare, or rewrite them with UPDATE_GOLDEN=1 and review the diff. */
function expectGolden(name: string, content: string) {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, content);
  expect(content).toBe(readFileSync(file, "utf8"));
}

/** A pipeline whose tasks call `tasks/m.py:f`, lowered (it throws on a diagnostic). */
function loweredWithF(ir: unknown) {
  const modules = new Map([["tasks/m.py", "def f():\n    return 1\n"]]);
  const r = lowerPipeline({ ir, sourceMap: {}, modules });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r;
}

describe("airflow target", () => {
  it("kitchen sink matches its golden file", async () => {
    const r = await lowered(
      join(REPO, "test/fixtures/pipelines/kitchen-sink.pipeline.ts"),
      join(REPO, "test/fixtures"),
    );
    const content = renderDag({
      ir: r.ir,
      hash: r.hash,
      sourceFile: "pipelines/kitchen-sink.pipeline.ts",
      sourceMap: {},
      pythonFiles: [],
    });
    expectGolden("kitchen_sink.py", content);
  });

  it.each([
    ["constructs", 3, "constructs.py"],
    ["constructs", 2, "constructs_airflow2.py"],
    ["runtime", 3, "runtime_constructs.py"],
    ["group-order", 3, "group_order.py"],
    ["run-timeout", 3, "run_timeout.py"],
  ] as const)("%s for Airflow %i matches its golden file", async (name, version, golden) => {
    const r = await lowered(
      join(REPO, `test/fixtures/pipelines/${name}.pipeline.ts`),
      join(REPO, "test/fixtures"),
    );
    const input = {
      ir: r.ir,
      hash: r.hash,
      sourceFile: `pipelines/${name}.pipeline.ts`,
      sourceMap: {},
      pythonFiles: [],
      settings: { airflowVersion: version },
    };
    // constructs waits on another DAG in an asset-scheduled pipeline: an asset-triggered run
    // has no logical date to match; on Airflow 2 the sensor also names the logical date it
    // looks for (the other DAG's, on a cron string, is the start of its data interval). On
    // Airflow 3 nothing ends its trigger's wait (no dagrunTimeout).
    expect(airflowTarget.validate(input).map((d) => `${d.code} ${d.task}`)).toEqual(
      name !== "constructs"
        ? []
        : version === 2
          ? ["MLG3002 wait_for_ingest", "MLG3002 wait_for_ingest"]
          : ["MLG3002 start_report", "MLG3002 wait_for_ingest"],
    );
    expectGolden(golden, renderDag(input));
  });

  it("the two dialects differ only where Airflow 2 and 3 do", async () => {
    const r = await lowered(
      join(REPO, "test/fixtures/pipelines/constructs.pipeline.ts"),
      join(REPO, "test/fixtures"),
    );
    const render = (airflowVersion: 2 | 3) =>
      renderDag({
        ...r,
        sourceFile: "x.ts",
        sourceMap: {},
        pythonFiles: [],
        settings: { airflowVersion },
      });
    const v3 = render(3);
    const v2 = render(2);
    expect(v3).toContain("from airflow.sdk import DAG, Asset, Param, TaskGroup, literal");
    expect(v3).toContain('"RUN_SH": literal("run.sh")');
    expect(v2).toContain("from airflow.datasets import Dataset");
    expect(v2).toContain("from airflow.utils.task_group import TaskGroup");
    expect(v2).toContain("# ruff: noqa: AIR311, AIR321");
    // Without airflow.sdk.literal, a Jinja string literal keeps "run.sh" from being a template path.
    expect(v2).toContain(`"RUN_SH": "{{ 'run.sh' }}"`);
    expect(v2).not.toContain("airflow.sdk");
  });

  it("the examples' committed DAGs are what the target renders", async () => {
    for (const [dir, file, out] of [
      ["iris-quickstart", "pipelines/iris.pipeline.ts", "iris_quickstart.py"],
      ["training-pipeline", "pipelines/training.pipeline.ts", "ml_training_pipeline.py"],
      ["production-pipeline", "pipelines/production.pipeline.ts", "production_pipeline.py"],
    ] as const) {
      const root = join(REPO, "examples", dir);
      const r = await lowered(join(root, file), root);
      const content = renderDag({
        ir: r.ir,
        hash: r.hash,
        sourceFile: file,
        sourceMap: {},
        pythonFiles: [],
      });
      expect(content).toBe(readFileSync(join(root, "dags", out), "utf8"));
    }
  });

  it("puts the source file and the IR hash in the header, and no timestamp", async () => {
    const r = await lowered(
      join(REPO, "test/fixtures/pipelines/kitchen-sink.pipeline.ts"),
      join(REPO, "test/fixtures"),
    );
    const [file] = airflowTarget.emit({
      ir: r.ir,
      hash: r.hash,
      sourceFile: "pipelines/x.ts",
      sourceMap: {},
      pythonFiles: [],
    });
    const lines = file?.content.split("\n") ?? [];
    expect(lines[0]).toBe(
      "# Generated by mlgen from pipelines/x.ts. Do not edit: change the pipeline and run `mlgen compile`.",
    );
    expect(lines[1]).toBe(`# IR sha256: ${r.hash}`);
    expect(file?.content).not.toContain(new Date().toISOString().slice(0, 10));
  });

  it("ships the task modules beside the DAG at their own paths", async () => {
    const r = await lowered(
      join(REPO, "test/fixtures/pipelines/kitchen-sink.pipeline.ts"),
      join(REPO, "test/fixtures"),
    );
    const files = airflowTarget.emit({
      ir: r.ir,
      hash: r.hash,
      sourceFile: "x",
      sourceMap: {},
      pythonFiles: [{ path: "tasks/sink.py", content: "x" }],
    });
    expect(files.map((f) => f.path)).toEqual(["kitchen_sink.py", "tasks/sink.py"]);
  });

  it.each([
    [0, "datetime.timedelta(seconds=0)"],
    [45, "datetime.timedelta(seconds=45)"],
    [90, "datetime.timedelta(seconds=90)"],
    [300, "datetime.timedelta(minutes=5)"],
    [7200, "datetime.timedelta(hours=2)"],
    [172800, "datetime.timedelta(days=2)"],
  ])("timedelta(%i) is %s", (s, want) => {
    expect(timedelta(s).text).toBe(want);
  });

  it.each([
    ["2025-01-01", 'pendulum.datetime(2025, 1, 1, tz="UTC")'],
    ["2025-03-04T05:06:07+02:00", 'pendulum.parse("2025-03-04T05:06:07+02:00")'],
  ])("start date %s is %s", (given, want) => {
    expect(startDate(given).text).toBe(want);
  });

  it.each([
    ["2025-03-27", 'pendulum.datetime(2025, 3, 27, tz="Europe/Berlin")'],
    ["2025-03-27T06:30:00", 'pendulum.parse("2025-03-27T06:30:00", tz="Europe/Berlin")'],
    // An instant with an offset stays that instant, in the pipeline's zone.
    ["2025-03-27T05:30Z", 'pendulum.parse("2025-03-27T05:30Z").in_timezone("Europe/Berlin")'],
    [
      "2025-03-27T06:30:00+01:00",
      'pendulum.parse("2025-03-27T06:30:00+01:00").in_timezone("Europe/Berlin")',
    ],
  ])("start date %s in Europe/Berlin is %s", (given, want) => {
    expect(startDate(given, "Europe/Berlin").text).toBe(want);
  });
});

describe("settings Airflow refuses at import", () => {
  const input = (ir: unknown, airflowVersion: 2 | 3 = 3) => {
    const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    return {
      ...r,
      sourceFile: "x.ts",
      sourceMap: {},
      pythonFiles: [],
      settings: { airflowVersion },
    };
  };

  it("a trigger's conf of literals is the dict as written (Jinja in its text kept), a computed one one template rendered to JSON; env() in it is MLG1015", () => {
    const make = (conf: (n: unknown) => Record<string, unknown>) =>
      pipeline("t", { params: { n: 2 } }, (p) => {
        p.trigger("go", { pipeline: "other", conf: conf(p.params.n) as never, wait: true });
      }).ir;
    const code = (ir: unknown, version: 2 | 3) => {
      const [file] = airflowTarget.emit(input(ir, version));
      return (file?.content ?? "").split("\n").filter((l) => l.includes("conf="));
    };
    const literal = make(() => ({ day: "{{ ds }}", tags: ["a", "b"], off: false, gone: null }));
    expect(code(literal, 3)).toEqual([
      '        conf={"day": literal("{{ ds }}"), "gone": None, "off": False, "tags": ["a", "b"]},',
    ]);
    expect(code(literal, 2)).toEqual([
      `        conf={"day": "{{ '\\\\x7b\\\\x7b ds \\\\x7d\\\\x7d' }}", "gone": None, "off": False, "tags": ["a", "b"]},`,
    ]);
    const computed = make((n) => ({ n, v: variable("model_dir"), x: 1.5 }));
    expect(code(computed, 3)).toEqual([
      `        conf="{{ { 'n': params['n'], 'v': var.value['model_dir'], 'x': 1.5 } | tojson }}",`,
    ]);
    // Read back by _json_conf before the operator runs, whatever the provider's version.
    const [file] = airflowTarget.emit(input(computed, 3));
    expect(file?.content).toContain("        pre_execute=_json_conf,\n");
    expect(file?.content).toContain("def _json_conf(context):");
    expect(file?.content).toContain("\nimport json\n");
    const [plain] = airflowTarget.emit(input(literal, 3));
    expect(plain?.content).not.toContain("_json_conf");
    // A float output, which Airflow 3 may hand back whole (1), is sent as a float (1.0).
    const floats = pipeline("t", {}, (p) => {
      const a = p.python("a", { fn: "tasks/m.py:f", outputs: { auc: "float" } });
      p.trigger("go", { pipeline: "other", conf: { auc: a.out.auc } });
    }).ir;
    const [floatFile] = airflowTarget.emit({
      ...loweredWithF(floats),
      sourceFile: "x.ts",
      sourceMap: {},
      pythonFiles: [],
    });
    expect(floatFile?.content).toContain(
      [
        "        conf=(",
        `            "{% set mlgen_value_1 = ti.xcom_pull(task_ids='a', key='auc') %}"`,
        `            "{{ {"`,
        `            " 'auc': (mlgen_value_1 | float if mlgen_value_1 is integer else mlgen_value_1)"`,
        `            " } | tojson }}"`,
        "        ),",
      ].join("\n"),
    );
    const withEnv = pipeline("t", {}, (p) => {
      p.trigger("go", { pipeline: "other", conf: { home: env("HOME") } });
    }).ir;
    const r = lowerPipeline({ ir: withEnv, sourceMap: {}, modules: new Map() });
    expect(r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1015 task 'go' conf.home uses env('HOME'), which an Airflow template (a bash or container env, a sensor's path, a trigger's conf, an operator's argument) cannot read at run time",
    ]);
  });

  it("a trigger after both sides of a branch sending an output of one side is MLG1035: it sends null when the other side ran", () => {
    const ir = pipeline("t", {}, (p) => {
      const score = p.python("score", { fn: "tasks/m.py:f", outputs: { n: "int" } });
      const full = p.python("full", { fn: "tasks/m.py:f", outputs: { uri: "string" } });
      const quick = p.python("quick", { fn: "tasks/m.py:f", outputs: { uri: "string" } });
      p.branch("route", { when: [score.out.n, ">", 3], ifTrue: full, ifFalse: quick });
      p.trigger("go", { pipeline: "deploy", conf: { uri: full.out.uri } }).after(quick);
      // On the side of 'full' only: it runs when 'full' ran.
      p.trigger("go_full", { pipeline: "deploy", conf: { uri: full.out.uri } });
    }).ir;
    const r = loweredWithF(ir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual([
      "MLG1035 task 'go' sends output 'uri' of 'full' as conf key 'uri', and 'full' runs only on its side of branch 'route'; when the branch follows 'quick', 'go' still runs (none_failed_min_one_success) and sends null, which Airflow's check of a typed param refuses: the task fails and no run is started | start pipeline 'deploy' from the side of 'full' (a trigger after it, and one on the other side with what that side gives), or send a value every run has",
    ]);
  });

  it("on Airflow 3 a trigger that waits in a pipeline without dagrunTimeout is MLG3002 (nothing ends the wait); its runId is checked as a template", () => {
    const make = (dagrunTimeout?: number) =>
      pipeline("t", dagrunTimeout ? { dagrunTimeout: minutes(dagrunTimeout) } : {}, (p) => {
        p.trigger("go", { pipeline: "other", wait: true, runId: "go__{{ execution_date }}" });
      }).ir;
    const said = (ir: unknown, version: 2 | 3) =>
      airflowTarget
        .validate(input(ir, version))
        .map((d) => `${d.severity} ${d.code} ${d.message.split(":")[0]}`);
    expect(said(make(), 3)).toEqual([
      "error MLG3001 template variable 'execution_date' in the runId of task 'go' cannot be expressed for Airflow 3",
      "warning MLG3002 the wait of trigger 'go' is approximated for Airflow 3",
    ]);
    expect(said(make(60), 3)).toEqual([
      "error MLG3001 template variable 'execution_date' in the runId of task 'go' cannot be expressed for Airflow 3",
    ]);
    expect(said(make(), 2)).toEqual([]);
  });

  it("a container task's pull secrets and accelerator type reach its KubernetesPodOperator; a python task's Kubeflow env and volumes are warned about, its image and placement are not", () => {
    const ir = pipeline("pods", {}, (p) => {
      p.container("vendor", {
        image: "registry.example.com/vendor/tool:1",
        imagePullSecrets: ["regcred", "vendor-registry"],
        resources: { gpu: 2, accelerator: "amd.com/gpu" },
      });
      p.container("tpu", { image: "x", resources: { accelerator: "google.com/tpu" } });
      p.python("fit", {
        fn: "tasks/m.py:f",
        kubeflow: {
          image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
          imagePullSecrets: ["gpu-images"],
          nodeSelector: { pool: "gpu" },
          resources: { gpu: 1, accelerator: "amd.com/gpu" },
          env: { HF_HOME: "/data/hf" },
          pvcs: [{ name: "training-data", mountPath: "/data" }],
          shm: "2Gi",
        },
      });
      p.python("placed", {
        fn: "tasks/m.py:f",
        kubeflow: { imagePullSecrets: ["gpu-images"], resources: { accelerator: "amd.com/gpu" } },
      });
    }).ir;
    const r = loweredWithF(ir);
    const inp = { ...r, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] };
    const dag = renderDag(inp);
    expect(dag).toContain(
      'image_pull_secrets=[k8s.V1LocalObjectReference(name="regcred"), k8s.V1LocalObjectReference(name="vendor-registry")]',
    );
    expect(dag).toContain('limits={"amd.com/gpu": "2"}');
    expect(dag).toContain('limits={"google.com/tpu": "1"}');
    expect(
      airflowTarget.validate(inp).map((d) => `${d.severity} ${d.code} ${d.task}: ${d.message}`),
    ).toEqual([
      "warning MLG3002 fit: kubeflow.env of task 'fit' (HF_HOME) is approximated for Airflow 3: a python task runs in an Airflow worker, whose environment mlgen does not set per task, so the function reads the worker's variables (or none)",
      "warning MLG3002 fit: the kubeflow volumes of task 'fit' at /dev/shm, /data are approximated for Airflow 3: a python task runs in an Airflow worker, which mounts no volumes per task, so the function finds there only what the worker has at those paths",
    ]);
  });

  it("a number param's whole default is written as a float (1.0), as Python and Airflow's UI read it", () => {
    const ir = pipeline(
      "params",
      { params: { lr: { default: 1, type: "number" }, ratio: 0.5, epochs: 3 } },
      (p) => {
        p.bash("a", { command: "true" });
      },
    ).ir;
    const dag = renderDag(input(ir));
    expect(dag).toContain('"lr": Param(1.0, type="number")');
    expect(dag).toContain('"ratio": Param(0.5, type="number")');
    expect(dag).toContain('"epochs": Param(3, type="integer")');
  });

  it("@continuous gets max_active_runs=1 (ContinuousTimetable refuses more); more is an error", () => {
    const ir = (maxActiveRuns?: number) =>
      pipeline(
        "c",
        {
          schedule: "@continuous",
          startDate: "2025-01-01",
          ...(maxActiveRuns === undefined ? {} : { maxActiveRuns }),
        },
        (p) => {
          p.bash("a", { command: "true" });
        },
      ).ir;
    expect(renderDag(input(ir()))).toContain("max_active_runs=1,");
    const r = lowerPipeline({ ir: ir(3), sourceMap: {}, modules: new Map() });
    expect(r.ok ? [] : r.diagnostics.map((d) => d.message)).toEqual([
      "invalid maxActiveRuns 3 with the @continuous schedule: Airflow's continuous timetable starts the next run when one ends, and refuses the DAG with more than 1 active run",
    ]);
  });

  it("what Airflow refuses when it parses the file, or never runs, is refused at compile time", () => {
    const problems = (ir: unknown) => {
      const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
      // (No task modules here: MLG1007 is left out.)
      return r.diagnostics
        .filter((d) => d.code !== "MLG1007")
        .map((d) => `${d.code} ${d.message.split(":")[0]}`);
    };
    const built = pipeline(
      "refused",
      {
        schedule: { cron: "@once", assets: [asset("s3://b/x")] },
        params: {
          ratio: { default: 0.5, type: "integer" },
          name: { default: 3 as unknown as string, type: "string" },
          epochs: 10,
          // Beyond 2^53, where a number literal may not keep the digits written.
          seed: { default: 2 ** 60, type: "integer" },
          // Shorthand: a number param (a float), as JavaScript cannot hold it as an integer.
          big: 1e21,
        },
        tags: ["x".repeat(101), "ok"],
      },
      (p) => {
        const a = p.python("a", { fn: "tasks/m.py:f", outputs: { n: "int" } });
        p.map("m", { fn: "tasks/m.py:f", over: [1, a.out.n, p.params.epochs], as: "x" });
        // A list computed when the pipeline is defined may come out empty.
        p.map("none", { fn: "tasks/m.py:f", over: [].filter(Boolean), as: "x" });
        p.externalTaskSensor("whole_run", {
          dag: "other",
          failedStates: ["failed", "upstream_failed"],
        });
        p.externalTaskSensor("one_task", {
          dag: "other",
          task: "t",
          allowedStates: ["success", "done"],
        });
      },
    ).ir;
    expect(problems(built)).toEqual([
      "MLG1005 invalid schedule '@once'",
      "MLG1011 invalid tag 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'",
      "MLG1011 invalid default of param 'ratio'",
      "MLG1011 invalid default of param 'name'",
      "MLG1011 invalid default of param 'seed'",
      "MLG1011 invalid map of task 'm'",
      "MLG1011 invalid map of task 'none'",
      "MLG1011 invalid failedStates of external task sensor on 'other'",
      "MLG1011 invalid allowedStates of external task sensor on 'other'",
    ]);
    // Resources: Kubernetes quantities only, and no request above its limit.
    const pods = pipeline("pods", {}, (p) => {
      p.container("words", { image: "x", resources: { cpu: "2 cores", memory: "4gb" } });
      p.container("over", {
        image: "x",
        resources: { cpu: "4", cpuLimit: "2", memory: "2Gi", memoryLimit: "2048Mi" },
      });
      p.container("fine", {
        image: "x",
        resources: { cpu: "500m", cpuLimit: "1.5", memory: "1.5Gi", memoryLimit: "2G", gpu: 1 },
      });
      // Valid for Kubernetes, though kfp's own validators would refuse them.
      p.container("k8s", {
        image: "x",
        resources: { cpu: "100n", cpuLimit: "+1", memory: "512k", memoryLimit: "1e9" },
      });
    }).ir;
    expect(problems(pods)).toEqual([
      "MLG1011 invalid resources.cpu of task 'words'",
      "MLG1011 invalid resources.memory of task 'words'",
      "MLG1011 invalid resources.cpu of task 'over'",
    ]);
    const catchup = pipeline("c", { schedule: "@daily", catchup: true }, (p) => {
      p.bash("a", { command: "true" });
    }).ir;
    // An Airflow fact, not the pipeline's: the Airflow target refuses it, Kubeflow has no catchup.
    expect(problems(catchup)).toEqual([]);
    const said = (found: { code: string; message: string }[]) =>
      found.map((d) => `${d.code} ${d.message.split(":")[0]}`);
    expect(said(airflowTarget.validate(input(catchup, 3)))).toEqual([
      "MLG1011 invalid catchup without a start date",
    ]);
    expect(said(airflowTarget.validate(input(catchup, 2)))).toContain(
      "MLG1011 invalid catchup without a start date",
    );
    expect(
      said(kubeflowTarget.validate(input(catchup))).filter((d) => d.startsWith("MLG1")),
    ).toEqual([]);
    // all_failed / all_skipped on a task that reads another's output: the read makes the
    // producer upstream, so the task could run only when the producer left nothing to read.
    const rollback = pipeline("r", {}, (p) => {
      const start = p.python("start", { fn: "tasks/m.py:f", outputs: { accuracy: "float" } });
      const boom = p.bash("boom", { command: "exit 1" }).after(start);
      p.python("rollback", {
        fn: "tasks/m.py:f",
        inputs: { accuracy: start.out.accuracy },
        triggerRule: "all_failed",
      }).after(boom);
      p.bash("cleanup", { command: "true", triggerRule: "all_failed" }).after(boom);
    }).ir;
    expect(problems(rollback)).toEqual([
      "MLG1027 task 'rollback' has trigger rule all_failed and reads output 'accuracy' of task 'start'",
    ]);
    // A template written as a plain string into a Python task's input: passed as written.
    const literal = pipeline("l", {}, (p) => {
      p.python("a", {
        fn: "tasks/m.py:f",
        inputs: { label: "{{ ds }}", rendered: template("{{ ds }}"), plain: "no template" },
      });
      p.bash("b", { command: "echo $L", env: { L: "{{ ds }}" } });
    }).ir;
    expect(problems(literal)).toEqual([
      "MLG1028 input 'label' of task 'a' holds an Airflow template ('{{ ds }}') as a plain string, which a Python task gets as written, never rendered",
    ]);
    // What passes: a whole-number param, states each kind of watch takes, a literal list.
    const fine = pipeline(
      "fine",
      {
        schedule: { cron: "@daily", assets: [asset("s3://b/x")] },
        startDate: "2025-01-01",
        catchup: true,
        params: { epochs: 10, ratio: { default: 1, type: "number" } },
      },
      (p) => {
        p.map("m", { fn: "tasks/m.py:f", over: [1, [2, 3], { a: 4 }], as: "x" });
        p.externalTaskSensor("whole_run", { dag: "other", failedStates: ["failed"] });
        p.externalTaskSensor("one_task", {
          dag: "other",
          task: "t",
          failedStates: ["upstream_failed", "skipped"],
        });
      },
    ).ir;
    expect(problems(fine)).toEqual([]);
  });

  it("a bool, list or dict output read in a bash env renders as JSON, as the same literal does", () => {
    const ir = pipeline("j", {}, (p) => {
      const a = p.python("a", {
        fn: "tasks/m.py:f",
        outputs: { flag: "bool", items: "list", meta: "dict", n: "int", s: "string" },
      });
      p.bash("b", {
        command: "echo $F $I $M $N $S $L",
        env: { F: a.out.flag, I: a.out.items, M: a.out.meta, N: a.out.n, S: a.out.s, L: true },
      });
    }).ir;
    const r = loweredWithF(ir);
    const dag = renderDag({ ...r, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] });
    expect(dag).toContain(`"F": "{{ ti.xcom_pull(task_ids='a', key='flag') | tojson }}"`);
    expect(dag).toContain(`"I": "{{ ti.xcom_pull(task_ids='a', key='items') | tojson }}"`);
    expect(dag).toContain(`"M": "{{ ti.xcom_pull(task_ids='a', key='meta') | tojson }}"`);
    expect(dag).toContain(`"N": "{{ ti.xcom_pull(task_ids='a', key='n') }}"`);
    expect(dag).toContain(`"S": "{{ ti.xcom_pull(task_ids='a', key='s') }}"`);
    expect(dag).toContain(`"L": "true"`);
  });

  it("a literal list a task maps over keeps its Jinja-looking strings verbatim (op_kwargs is rendered)", () => {
    const ir = pipeline("m", {}, (p) => {
      p.map("m", {
        fn: "tasks/m.py:f",
        over: ["{{ ds }}", "plain", ["{% x %}"], { k: "{# c #}" }],
        as: "x",
      });
    }).ir;
    const r = lowerPipeline({
      ir,
      sourceMap: {},
      modules: new Map([["tasks/m.py", "def f(x):\n    pass\n"]]),
    });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const dag = (v: 2 | 3) =>
      renderDag({
        ...r,
        sourceFile: "x.ts",
        sourceMap: {},
        pythonFiles: [],
        settings: { airflowVersion: v },
      });
    expect(dag(3)).toContain(
      `op_kwargs=[{"item": literal("{{ ds }}")}, {"item": "plain"}, {"item": [literal("{% x %}")]}, {"item": {"k": literal("{# c #}")}}]`,
    );
    // Airflow 2 has no literal(): a Jinja string expression that renders to the text.
    expect(dag(2)).toContain(
      `{"item": "{{ '\\\\x7b\\\\x7b ds \\\\x7d\\\\x7d' }}"}, {"item": "plain"}`,
    );
  });

  it("a branch with one side is a short-circuit over that side, negated for the false side", () => {
    const ir = pipeline("gates", { params: { go: true } }, (p) => {
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" });
      const c = p.bash("c", { command: "true" });
      p.branch("when_true", { when: [p.params.go, "==", true], ifTrue: a });
      p.branch("when_false", { when: [p.params.go, "==", true], ifTrue: [], ifFalse: b });
      p.branch("both", { when: [p.params.go, "==", true], ifTrue: c, ifFalse: [] });
    }).ir;
    const dag = renderDag(input(ir));
    expect(dag).toMatch(
      /when_true = ShortCircuitOperator\(\s*task_id="when_true",\s*python_callable=choose_when_true,\s*ignore_downstream_trigger_rules=False,/,
    );
    expect(dag).toContain("    return operator.eq(value, True)\n");
    expect(dag).toContain("    return not (operator.eq(value, True))\n");
    expect(dag).toContain("\nimport operator\n");
    expect(dag).toContain("Goes on to b when not param go == True");
    expect(dag).not.toContain("BranchPythonOperator");
  });

  it("a condition's docstring names both sides as read, text quoted as Python writes it", () => {
    const ir = pipeline("named", { params: { mode: "full" } }, (p) => {
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" });
      p.branch("by_template", { when: [p.params.mode, "==", template("{{ ds }}")], ifTrue: a });
      p.branch("by_join", {
        when: [p.params.mode, "!=", variable("root").join("x")],
        ifTrue: b,
        ifFalse: [],
      });
      p.shortCircuit("by_text", { when: [p.params.mode, "==", "it's"] });
    }).ir;
    const dag = renderDag(input(ir));
    expect(dag).toContain(`"""Goes on to a when param mode == the template '{{ ds }}'; `);
    expect(dag).toContain(`"""Goes on to b when param mode != Variable root / 'x'; `);
    // A quote in the text: a plain string, escaped, rather than a docstring that ends early.
    expect(dag).toContain(`"Goes on only when param mode == \\"it's\\"; `);
    expect(dag).not.toContain("the value");
  });

  it("a path joined with no parts is its base, as posixpath.join(base) is", () => {
    const ir = pipeline("nojoin", {}, (p) => {
      p.bash("b", { command: "echo $D", env: { D: variable("dir").join() } });
    }).ir;
    expect(renderDag(input(ir))).toContain(`"D": "{{ var.value['dir'] }}"`);
  });

  it("a boolean param reaches a bash env as JSON (true), as a bool output or literal does", () => {
    const ir = pipeline("flags", { params: { dry: false, name: "x", n: 2 } }, (p) => {
      p.bash("b", {
        command: "echo $DRY $NAME $N $LIT",
        env: { DRY: p.params.dry, NAME: p.params.name, N: p.params.n, LIT: true },
      });
    }).ir;
    const dag = renderDag(input(ir));
    expect(dag).toContain(`"DRY": "{{ params['dry'] | tojson }}"`);
    expect(dag).toContain(`"NAME": "{{ params['name'] }}"`);
    expect(dag).toContain(`"N": "{{ params['n'] }}"`);
    expect(dag).toContain(`"LIT": "true"`);
  });

  it("a computed env value ending in .sh stays a value (Airflow would look for a template file)", () => {
    const ir = pipeline("sh", {}, (p) => {
      p.bash("b", {
        command: "echo $S $T $L",
        env: {
          S: template("/opt/{{ ds }}/train.sh"),
          T: variable("dir").join("run.bash"),
          L: "x.sh",
        },
      });
    }).ir;
    const dag = renderDag(input(ir));
    expect(dag).toContain(`"S": "/opt/{{ ds }}/train.sh{{ '' }}"`);
    expect(dag).toContain(
      `"T": "{% set mlgen_base %}{{ var.value['dir'] }}{% endset %}{{ mlgen_base }}{{ '' if not mlgen_base or mlgen_base.endswith('/') else '/' }}run.bash{{ '' }}"`,
    );
    expect(dag).toContain(`"L": literal("x.sh")`);
  });

  it("a cron schedule is the same CronTriggerTimetable on both versions, in the start date's zone", () => {
    const dag = (startDate: string, version: 2 | 3) =>
      renderDag(
        input(
          pipeline("s", { schedule: "@daily", startDate }, (p) => {
            p.bash("a", { command: "true" });
          }).ir,
          version,
        ),
      );
    for (const version of [2, 3] as const) {
      expect(dag("2025-01-01", version)).toContain(
        'schedule=CronTriggerTimetable("@daily", timezone="UTC"),',
      );
      expect(dag("2025-01-01T06:00:00+00:00", version)).toContain('timezone="UTC"),');
      expect(dag("2025-01-01T06:00:00+02:00", version)).toContain(
        'schedule=CronTriggerTimetable("@daily", timezone=pendulum.parse("2025-01-01T06:00:00+02:00").tzinfo),',
      );
      expect(dag("2025-01-01", version)).toContain(
        "from airflow.timetables.trigger import CronTriggerTimetable",
      );
    }
  });

  it("a backoff multiplier of 1 is a constant delay: 1.0 on Airflow 3, False on Airflow 2 (no MLG3001)", () => {
    const ir = pipeline("s", { startDate: "2025-01-01" }, (p) => {
      p.bash("one", { command: "true", retries: 2, retryExponentialBackoff: 1 });
      p.bash("two", { command: "true", retries: 2, retryExponentialBackoff: 2 });
    }).ir;
    const v2 = renderDag(input(ir, 2));
    expect(v2).toMatch(/task_id="one",[^)]*retry_exponential_backoff=False/s);
    expect(v2).toMatch(/task_id="two",[^)]*retry_exponential_backoff=True/s);
    expect(renderDag(input(ir, 3))).toMatch(/task_id="one",[^)]*retry_exponential_backoff=1\.0/s);
    expect(airflowTarget.validate(input(ir, 2))).toEqual([]);
  });

  it("Airflow 2: a template reading the data interval or the neighbouring runs of a cron DAG is MLG3002", () => {
    const make = (schedule: string | null) =>
      pipeline("s", { schedule, startDate: "2025-01-01" }, (p) => {
        p.bash("load", {
          command:
            "load --from {{ data_interval_start }} --to {{ data_interval_end }} --prev {{ prev_ds }} --day {{ ds }}",
        });
      }).ir;
    const found = airflowTarget
      .validate(input(make("0 3 * * *"), 2))
      .map((d) => `${d.code} ${d.message.split(":")[0]}`);
    expect(found).toEqual([
      "MLG3002 template variable 'data_interval_start' in the command of task 'load' is approximated for Airflow 2 (2.10, 2.11)",
      "MLG3002 template variable 'data_interval_end' in the command of task 'load' is approximated for Airflow 2 (2.10, 2.11)",
      "MLG3002 template variable 'prev_ds' in the command of task 'load' is approximated for Airflow 2 (2.10, 2.11)",
    ]);
    // A preset is a cron too; a pipeline run by hand has no cron to differ from.
    expect(airflowTarget.validate(input(make("@daily"), 2))).toHaveLength(3);
    expect(airflowTarget.validate(input(make(null), 2))).toEqual([]);
  });

  it("dataIntervals: a cron schedule on CronDataIntervalTimetable, as a cron string on Airflow 2; nothing to say about its interval", () => {
    const ir = pipeline(
      "s",
      { schedule: "0 3 * * *", startDate: "2025-01-01", dataIntervals: true },
      (p) => {
        p.bash("load", { command: "load --from {{ data_interval_start }} --day {{ ds }}" });
        p.externalTaskSensor("wait", { dag: "other", timeout: hours(1) });
      },
    ).ir;
    expect(ir.dataIntervals).toBe(true);
    for (const version of [2, 3] as const) {
      const dag = renderDag(input(ir, version));
      expect(dag).toContain("from airflow.timetables.interval import CronDataIntervalTimetable");
      expect(dag).toContain('schedule=CronDataIntervalTimetable("0 3 * * *", timezone="UTC"),');
      expect(dag).not.toContain("CronTriggerTimetable");
      expect(airflowTarget.validate(input(ir, version))).toEqual([]);
    }
    // Without it, the IR holds no key: the hashes of pipelines that do not use it stay.
    expect(
      "dataIntervals" in
        pipeline("t", { schedule: "@daily" }, (p) => p.bash("a", { command: "true" })).ir,
    ).toBe(false);
    // Only a cron schedule has data intervals.
    for (const schedule of [null, "@once", [asset("s3://b/x")]] as const) {
      const def = pipeline("u", { schedule, dataIntervals: true }, (p) =>
        p.bash("a", { command: "true" }),
      );
      expect(def.problems.map((d) => `${d.code} ${d.message.split(":")[0]}`)).toEqual([
        "MLG1011 invalid dataIntervals of pipeline 'u'",
      ]);
    }
  });

  it("Airflow 2: a pool name Airflow 2 refuses as a key is MLG3001, once per pool", () => {
    const ir = pipeline("s", { startDate: "2025-01-01", defaults: { pool: "my pool" } }, (p) => {
      p.bash("a", { command: "true" });
      p.bash("b", { command: "true", pool: "gpu.pool-1_ü" });
      p.bash("c", { command: "true", pool: "x".repeat(251) });
    }).ir;
    expect(
      airflowTarget.validate(input(ir, 2)).map((d) => `${d.code} ${d.message.split(":")[0]}`),
    ).toEqual([
      "MLG3001 pool 'my pool' (the pipeline defaults) cannot be expressed for Airflow 2 (2.10, 2.11)",
      `MLG3001 pool '${"x".repeat(251)}' (task 'c') cannot be expressed for Airflow 2 (2.10, 2.11)`,
    ]);
    expect(airflowTarget.validate(input(ir, 3))).toEqual([]);
  });

  it("Airflow 2: a branch listing a map over a literal list is MLG3001 (Airflow 2 would run it whatever the branch says)", () => {
    const make = (over: "literal" | "output") =>
      pipeline("s", { startDate: "2025-01-01", params: { go: false } }, (p) => {
        const items = p.python("items", { fn: "tasks/a.py:items", outputs: { xs: "list" } });
        const m = p.map("score", {
          fn: "tasks/a.py:score",
          over: over === "literal" ? [1, 2, 3] : items.out.xs,
          as: "c",
          outputs: { s: "float" },
        });
        const n = p.python("nothing", { fn: "tasks/a.py:nothing", outputs: { x: "int" } });
        p.branch("br", { when: [p.params.go, "==", true], ifTrue: m, ifFalse: n });
      });
    const module =
      "def items() -> list:\n    return [1]\n\ndef score(c):\n    return 1.0\n\ndef nothing():\n    return 1\n";
    const found = (over: "literal" | "output", version: 2 | 3) => {
      const r = lowerPipeline({
        ir: make(over).ir,
        sourceMap: {},
        modules: new Map([["tasks/a.py", module]]),
      });
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
      return airflowTarget
        .validate({
          ...r,
          sourceFile: "x.ts",
          sourceMap: {},
          pythonFiles: [],
          settings: { airflowVersion: version },
        })
        .map((d) => `${d.code} ${d.message.split(":")[0]}`);
    };
    expect(found("literal", 2)).toEqual([
      "MLG3001 map 'score' over a literal list, in ifTrue of branch 'br' cannot be expressed for Airflow 2 (2.10, 2.11)",
    ]);
    expect(found("output", 2)).toEqual([]);
    expect(found("literal", 3)).toEqual([]);
  });

  it("Airflow 2 needs a start date for a scheduled DAG; Airflow 3 does not", () => {
    const ir = pipeline("s", { schedule: "0 3 * * *" }, (p) => {
      p.bash("a", { command: "true" });
    }).ir;
    expect(airflowTarget.validate(input(ir, 3))).toEqual([]);
    expect(airflowTarget.validate(input(ir, 2)).map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG3001 a schedule without a start date cannot be expressed for Airflow 2 (2.10, 2.11): Airflow 2 refuses to load a scheduled DAG without start_date ('DAG is missing the start_date parameter')",
    ]);
  });

  it("a template Jinja cannot parse (an unclosed {{, {%, {#, or raw) is MLG3001 on both versions; {% raw %} keeps braces as text", () => {
    /* biome-ignore-start lint/suspicious/noTemplateCurlyInString: bash's ${#ARR[@]} */
    const ir = pipeline("j", {}, (p) => {
      p.bash("count", { command: 'ARR=(a b c); echo "count=${#ARR[@]}"' });
      p.bash("open", { command: "echo {{ ds " });
      p.bash("raw", { command: "{% raw %}echo ${#ARR[@]}" });
      p.bash("fine", { command: 'echo {% raw %}${#ARR[@]}{% endraw %} {{ "{#" }} {{ ds }}' });
      // Braces inside a string of the tag's code are text: Jinja parses these.
      p.bash("quoted", { command: `echo {{ '}}{#' }} {{ "}}" ~ "{%" }} {% set x = '%}' %}` });
      p.bash("env", { command: "echo $X", env: { X: "{% if true " } });
      p.bash("alert", { command: "true", onFailure: [slack({ text: "failed {{ ti.task_id" })] });
    }).ir;
    /* biome-ignore-end lint/suspicious/noTemplateCurlyInString: bash's ${#ARR[@]} */
    for (const version of [2, 3] as const) {
      const found = airflowTarget
        .validate(input(ir, version))
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.code} ${d.task} ${d.message.split(": ").slice(-1)[0]}`);
      expect(found).toEqual([
        "MLG3001 alert an expression opened with '{{' is never closed with '}}', so the task fails every run",
        "MLG3001 count a comment opened with '{#' is never closed with '#}', so the task fails every run",
        "MLG3001 env a statement opened with '{%' is never closed with '%}', so the task fails every run",
        "MLG3001 open an expression opened with '{{' is never closed with '}}', so the task fails every run",
        "MLG3001 raw '{% raw %}' is never closed with '{% endraw %}', so the task fails every run",
      ]);
    }
  });

  it("a template Jinja cannot compile, or that reads a name the task's context lacks, is MLG3001 naming the place and a close name", () => {
    const ir = pipeline("j", { params: { day: "x" } }, (p) => {
      p.bash("typo", { command: "echo {{ dss }}" });
      p.bash("unknown", { command: "echo $N", env: { N: "note {{ not_a_template }}" } });
      p.bash("filter", { command: "echo {{ ds | nosuchfilter }}" });
      p.bash("test", { command: "echo {{ ds is nosuchtest }}" });
      p.bash("statement", { command: "{% for i in range(3) %}{% break %}{% endfor %}" });
      p.bash("unended", { command: "{% if ds %}echo a" });
      p.bash("crossed", { command: "{% if ds %}echo a{% endfor %}" });
      p.bash("empty", { command: "echo {{ }}" });
      p.container("args", { image: "x", args: ["--at", "{{ logical_dat }}"] });
      p.bash("alert", { command: "true", onFailure: [slack({ text: "{{ exeption }}" })] });
      // What Airflow renders: context names, Jinja's globals and loop names, guarded reads,
      // names the template sets, filters and tests of Airflow's environment, a failure's exception.
      p.bash("fine", {
        command: [
          "echo {{ ds | ds_nodash }} {{ params.day }} {{ var.value.get('x', 'y') }}",
          "{{ ti.xcom_pull(task_ids='typo') }} {{ macros.ds_add(ds, 1) }} {{ dag_run.conf.get('a') }}",
          "{% for i in range(2) %}{{ loop.index }}{% endfor %} {% set n = 2 %}{{ n * 2 }}",
          "{{ maybe | default('') }} {% if other is defined %}{{ other }}{% endif %}",
          "{% filter upper %}x{% endfilter %} {% do params.update({}) %} {{ '}}' }}",
        ].join(" "),
        onFailure: [slack({ text: "failed: {{ exception }} {{ ti.task_id }}" })],
      });
    }).ir;
    for (const version of [2, 3] as const) {
      const found = airflowTarget
        .validate(input(ir, version))
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.task} ${d.message.split(": ").slice(1).join(": ")} | ${d.fix}`);
      const short = found.map((f) => f.split(" | ")[0]);
      expect(short).toEqual(
        [
          "alert Airflow renders it with Jinja when the task runs, and the task's context has no 'exeption' (Airflow VERSION renders an undefined name as an error), so the task fails every run",
          "args Airflow renders it with Jinja when the task runs, and the task's context has no 'logical_dat' (Airflow VERSION renders an undefined name as an error), so the task fails every run",
          "crossed Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: '{% endfor %}' ends the '{% if %}' block, which needs '{% endif %}', so the task fails every run",
          "empty Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: '{{ }}' holds no expression, so the task fails every run",
          "filter Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: there is no filter named 'nosuchfilter', so the task fails every run",
          "statement Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: '{% break %}' is not a statement Jinja knows here, so the task fails every run",
          "test Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: there is no test named 'nosuchtest', so the task fails every run",
          "typo Airflow renders it with Jinja when the task runs, and the task's context has no 'dss' (Airflow VERSION renders an undefined name as an error), so the task fails every run",
          "unended Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: '{% if %}' is never ended with '{% endif %}', so the task fails every run",
          "unknown Airflow renders it with Jinja when the task runs, and the task's context has no 'not_a_template' (Airflow VERSION renders an undefined name as an error), so the task fails every run",
        ].map((f) => f.replace("VERSION", String(version))),
      );
      expect(found.find((f) => f.startsWith("typo"))).toContain("did you mean 'ds'?");
      expect(found.find((f) => f.startsWith("args"))).toContain("did you mean 'logical_date'?");
    }
  });

  it("a template reading a param the pipeline does not declare: MLG3001 when runs are scheduled, MLG3002 when every run is triggered (its conf may give it)", () => {
    const reads = (schedule: "@daily" | null) =>
      pipeline("pr", { schedule, params: { region: "eu", "top-k": 3 } }, (p) => {
        p.bash("typo", { command: "echo {{ params.regoin }}" });
        // Shown to the end of its tag, past 24 characters: no half a closing brace.
        p.bash("long", { command: "echo {{ params.learning_rat }} and more after it" });
        // And to the end of the first: not into the next tag.
        p.bash("two", { command: "echo {{ params.lr }}{{ params.region }} and more after it" });
        p.bash("keyed", { command: "true", env: { K: "{{ params['topk'] }}" } });
        p.bash("fine", {
          command: [
            "echo {{ params.region }} {{ params['top-k'] }} {{ params.size | default(1) }}",
            "{% if params.extra is defined %}{{ params.extra }}{% endif %}",
            "{{ params.get('x', 2) }} {{ params.items() | list }} {{ 'params.no' }}",
            "{% if 'opt' in params %}{{ params.opt }}{% endif %}",
          ].join(" "),
        });
      }).ir;
    for (const version of [2, 3] as const) {
      for (const [schedule, code] of [
        ["@daily", "MLG3001"],
        [null, "MLG3002"],
      ] as const) {
        const found = airflowTarget
          .validate(input(reads(schedule), version))
          .filter((d) => /param '/.test(d.message))
          .map((d) => `${d.code} ${d.task} ${d.message} | ${d.fix}`)
          .sort((a, b) => (a.split(" ")[1] === "typo" ? -1 : b.split(" ")[1] === "typo" ? 1 : 0));
        expect(found).toHaveLength(4);
        expect(found.find((f) => f.includes(" two "))).toContain("('{{ params.lr }}...')");
        expect(found[0]).toContain(
          `${code} typo param 'regoin' in the command of task 'typo' ('{{ params.regoin }}')`,
        );
        expect(found.find((f) => f.includes(" long "))).toContain(
          "('{{ params.learning_rat }}...')",
        );
        expect(found[0]).toContain(
          "the pipeline declares no param 'regoin' (it has 'region', 'top-k')",
        );
        expect(found[0]).toContain("did you mean params.region?");
        const keyed = found.find((f) => f.includes(" keyed "));
        expect(keyed).toContain(`${code} keyed param 'topk' in env.K of task 'keyed'`);
        expect(keyed).toContain("did you mean params.top-k?");
      }
    }
  });

  it("a template calling var.value.get / var.json.get / conn.get with arguments Airflow's accessors refuse is MLG3001 (a TypeError when rendered)", () => {
    const ir = pipeline("acc", {}, (p) => {
      p.bash("old_default", { command: "echo {{ var.value.get('bucket', default_var='b') }}" });
      p.bash("json_extra", { command: "true", env: { C: "{{ var.json.get('cfg', {}, 1) }}" } });
      p.container("conn_default", { image: "x", args: ["{{ conn.get('db', default=None) }}"] });
      p.bash("fine", {
        command:
          "echo {{ var.value.get('bucket', 'b') }} {{ var.json.get('cfg', default={}) }} {{ conn.get('db', default_conn=None) }} {{ var.value.get(key='k') }}",
      });
    }).ir;
    for (const version of [2, 3] as const) {
      const found = airflowTarget
        .validate(input(ir, version))
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.task} ${d.message.split("runs, and ")[1]} | ${d.fix}`);
      expect(found).toEqual([
        "conn_default conn.get() got an unexpected keyword argument 'default' (a TypeError), so the task fails every run | pass the fallback as default_conn=... or as the second argument: {{ conn.get('my_conn', default_conn=None) }}",
        "json_extra var.json.get() takes 2 arguments (key, default) but more were given (a TypeError), so the task fails every run | var.json.get() takes key and default only: {{ var.json.get('my_key', 'fallback') }}",
        "old_default var.value.get() got an unexpected keyword argument 'default_var' (a TypeError), so the task fails every run | pass the fallback as default=... or as the second argument: {{ var.value.get('my_key', 'fallback') }}",
      ]);
    }
  });

  it("Airflow 3: removed context variables, and logical-date ones in an asset-scheduled pipeline, are MLG3001", () => {
    const build = (schedule: "@daily" | ReturnType<typeof asset>[]) =>
      pipeline("t", { schedule, startDate: "2025-01-01" }, (p) => {
        p.bash("a", {
          command: "echo {{ next_ds }} {{ macros.ds_add(ds, 1) }} {{ 'ds' }}",
          env: { D: "{{ ts_nodash }}", E: template("{{ data_interval_end }}") },
          onFailure: [
            slack({ text: "{{ yesterday_ds }} {{ dag_run.logical_date }}" }),
            email({ to: "oncall@example.com", subject: "failed {{ execution_date }}" }),
          ],
        });
        p.fileSensor("w", { path: variable("dir").join("{{ ds }}", "x.csv") });
        p.validate("v", {
          data: template("{{ (dag_run.logical_date or dag_run.run_after) | ds }}.csv"),
        });
        p.container("c", { image: "x", args: ["--at", "{{ logical_date }}"] });
      }).ir;
    const found = (ir: unknown, version: 2 | 3) =>
      airflowTarget
        .validate(input(ir as never, version))
        .map((d) => `${d.task ?? "-"} ${d.message.split(" cannot")[0]}`);
    expect(found(build("@daily"), 3)).toEqual([
      "a template variable 'yesterday_ds' in the Slack text of task 'a'",
      "a template variable 'execution_date' in the email subject of task 'a'",
      "a template variable 'next_ds' in the command of task 'a'",
    ]);
    expect(found(build([asset("s3://b/x")]), 3)).toEqual([
      "a template variable 'yesterday_ds' in the Slack text of task 'a'",
      "a template variable 'execution_date' in the email subject of task 'a'",
      "a template variable 'ts_nodash' in env.D of task 'a' of an asset-scheduled pipeline",
      "a template variable 'data_interval_end' in env.E of task 'a' of an asset-scheduled pipeline",
      "a template variable 'next_ds' in the command of task 'a'",
      "a template variable 'ds' in the command of task 'a' of an asset-scheduled pipeline",
      "c template variable 'logical_date' in the args of task 'c' of an asset-scheduled pipeline",
      "w template variable 'ds' in path of task 'w' of an asset-scheduled pipeline",
    ]);
    expect(found(build([asset("s3://b/x")]), 2)).toEqual([]);
    // The fix gives the replacement of the variable the template reads.
    const fixes = new Map(
      airflowTarget
        .validate(input(build([asset("s3://b/x")]) as never, 3))
        .map((d) => [d.message.split(" in ")[0], d.fix ?? ""]),
    );
    expect(fixes.get("template variable 'ts_nodash'")).toContain(
      "{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash }} for ts_nodash",
    );
    expect(fixes.get("template variable 'logical_date'")).toContain(
      "{{ (dag_run.logical_date or dag_run.run_after) }} for logical_date",
    );
    expect(fixes.get("template variable 'data_interval_end'")).toContain(
      "{{ (dag_run.logical_date or dag_run.run_after) | ds }} for ds",
    );
    // No schedule: every run is a trigger, which may come without a logical date (a warning).
    const manual = pipeline("m", { schedule: null }, (p) => {
      p.bash("a", { command: "echo $D", env: { D: template("{{ ds }}") } });
    }).ir;
    const manualFound = airflowTarget.validate(input(manual as never, 3));
    expect(
      manualFound.map((d) => `${d.code} ${d.severity} ${d.message.split(" is approximated")[0]}`),
    ).toEqual([
      "MLG3002 warning template variable 'ds' in env.D of task 'a' of a pipeline without a schedule",
    ]);
    expect(manualFound[0]?.fix).toContain("(dag_run.logical_date or dag_run.run_after) | ds");
    expect(airflowTarget.validate(input(build("@daily"), 3)).map((d) => d.fix)).toEqual([
      "use {{ macros.ds_add(ds, -1) }}",
      expect.stringContaining("logical_date"),
      "mlgen's cron schedules run at the cron time with no data interval: compute the date from ds, e.g. {{ macros.ds_add(ds, 1) }} for the next day, or pass it as a param",
    ]);
  });

  it.each([
    ["{{ next_ds }} {{ macros.ds_add(ds, 1) }}", ["next_ds", "macros", "ds"]],
    ["{% set next_ds = macros.ds_add(ds, 1) %}{{ next_ds }}", ["macros", "ds"]],
    ["{% for prev_ds in days %}{{ prev_ds }}{% endfor %}", ["days"]],
    // The default is read when the name is missing: ds is needed (an asset run has none).
    ["{{ next_ds | default(ds) }} {{ next_ds if next_ds is defined else 'x' }}", ["ds"]],
    ["{% if next_ds is defined %}{{ next_ds }}{% else %}{{ ds }}{% endif %}", ["ds"]],
    ["{{ execution_date if ds is defined else '' }}", ["execution_date"]],
    ["{% with conf = dag_run.conf %}{{ conf.x }}{% endwith %}", ["dag_run"]],
    ["{% macro row(conf) %}{{ conf }}{% endmacro %}{{ row(1) }}", []],
    ["{{ f(ds=1) }} {{ is_ready }} {{ dag_run.logical_date | ds }}", ["f", "is_ready", "dag_run"]],
    ["{# {{ next_ds }} #}{% raw %}{{ next_ds }}{% endraw %} {{ 'next_ds' }}", []],
    ["{{ conf.get('core', 'x') }} {{ dag_run.conf['k'] }}", ["conf", "dag_run"]],
  ])("jinjaNames(%s)", (text, want) => {
    expect([...jinjaNames(text)]).toEqual(want);
  });

  it("Airflow 3: conf in a template is MLG3001, with advice instead of a replacement variable", () => {
    const ir = pipeline("t", {}, (p) => {
      p.bash("a", { command: "echo {{ conf.get('core', 'dags_folder') }} {{ dag_run.conf }}" });
    }).ir;
    expect(
      airflowTarget.validate(input(ir, 3)).map((d) => `${d.code} ${d.message} | ${d.fix}`),
    ).toEqual([
      "MLG3001 template variable 'conf' in the command of task 'a' cannot be expressed for Airflow 3: Airflow 3 removed it from the task context, so the template fails to render | pass the setting in as a param or a Variable ({{ var.value.name }}); templates cannot read Airflow's configuration on Airflow 3",
    ]);
    expect(airflowTarget.validate(input(ir, 2))).toEqual([]);
  });

  it("warns where Airflow 2 and 3 run the same settings differently", () => {
    const ir = pipeline(
      "t",
      {
        schedule: [asset("s3://b/x")],
        startDate: "2025-01-01",
        defaults: { executionTimeout: minutes(30), dependsOnPast: true },
      },
      (p) => {
        p.timeDeltaSensor("long", { delta: minutes(5), timeout: hours(2), deferrable: true });
        p.timeDeltaSensor("short", { delta: minutes(5), timeout: minutes(20), deferrable: true });
        p.timeDeltaSensor("poked", { delta: minutes(5), timeout: hours(2), mode: "poke" });
      },
    ).ir;
    const found = (version: 2 | 3) =>
      airflowTarget
        .validate(input(ir, version))
        .map((d) => `${d.severity} ${d.code} ${d.message.split(" is approximated")[0]}`);
    expect(found(3)).toEqual([
      "warning MLG3002 dependsOnPast (the pipeline defaults) in an asset-scheduled pipeline",
    ]);
    expect(found(2)).toEqual([
      "warning MLG3002 the timeout of deferrable sensor 'long' (7200 s, beyond its executionTimeout of 1800 s)",
    ]);
  });

  it("an external task sensor in an asset-scheduled pipeline is MLG3002: an asset-triggered run has no logical date to match", () => {
    // Seen on Airflow 3.3.2: the sensor poked 'daily_features on <run_after, to the
    // microsecond>' until its timeout (a user review); a cron run of the same DAG matched.
    const make = (schedule: NonNullable<Parameters<typeof pipeline>[1]["schedule"]>) =>
      pipeline("t", { schedule, startDate: "2025-01-01" }, (p) => {
        p.externalTaskSensor("wait_up", { dag: "daily_features", task: "publish" });
        p.timeDeltaSensor("pause", { delta: minutes(5) });
      }).ir;
    const found = (ir: unknown, version: 2 | 3) =>
      airflowTarget
        .validate(input(ir, version))
        .filter((d) => d.message.includes("sensor 'wait_up' in an asset-scheduled pipeline"))
        .map((d) => `${d.severity} ${d.code} ${d.task}: ${d.message.split(" is approximated")[0]}`);
    for (const schedule of [
      [asset("s3://f/x")],
      { cron: "30 2 * * *", assets: [asset("s3://f/x")] },
    ]) {
      for (const version of [2, 3] as const) {
        expect(found(make(schedule), version)).toEqual([
          "warning MLG3002 wait_up: external task sensor 'wait_up' in an asset-scheduled pipeline",
        ]);
      }
    }
    expect(found(make("30 2 * * *"), 3)).toEqual([]);
  });

  it("Airflow 2 has no trigger rule all_done_min_one_success: MLG3001, not a DAG file Airflow refuses", () => {
    const ir = pipeline("t", { defaults: { triggerRule: "all_done_min_one_success" } }, (p) => {
      const a = p.bash("a", { command: "true" });
      p.bash("b", { command: "true", triggerRule: "all_done_min_one_success" }).after(a);
      p.bash("c", { command: "true", triggerRule: "all_done" }).after(a);
    }).ir;
    expect(airflowTarget.validate(input(ir, 3))).toEqual([]);
    expect(airflowTarget.validate(input(ir, 2)).map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG3001 triggerRule 'all_done_min_one_success' (the pipeline defaults) cannot be expressed for Airflow 2 (2.10, 2.11): it is not a trigger rule of Airflow 2, which refuses to load the whole DAG file",
    ]);
  });

  it("an option a group's defaults set is said where the group is written", () => {
    const def = pipeline("t", {}, (p) => {
      p.bash("a", { command: "true" });
      p.group("g", { defaults: { triggerRule: "all_done_min_one_success" } }, (g) => {
        g.bash("b", { command: "true" });
      });
    });
    const found = airflowTarget.validate({ ...input(def.ir, 2), sourceMap: def.sourceMap });
    expect(found.map((d) => d.message)).toEqual([
      "triggerRule 'all_done_min_one_success' (group 'g') cannot be expressed for Airflow 2 (2.10, 2.11): it is not a trigger rule of Airflow 2, which refuses to load the whole DAG file",
    ]);
    expect(found[0]?.location).toEqual(def.sourceMap["group:g"]);
    expect(found[0]?.location?.line).not.toBe(def.sourceMap.pipeline?.line);
  });
});

describe("common mistakes get a message that says the fix", () => {
  const messages = (ir: unknown) => {
    const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
    return r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`);
  };

  it("a bare number as a duration", () => {
    const ir = pipeline("m", {}, (p) => {
      p.bash("a", { command: "true", executionTimeout: 3600 as never });
    }).ir;
    expect(messages(ir)).toEqual([
      "MLG1011 invalid executionTimeout of task 'a': it must be a duration (a bare number or a string is not one) | write it with seconds(), minutes(), hours() or days() from @mlgen/dsl, e.g. executionTimeout: minutes(10)",
    ]);
  });

  it("an empty pool or queue, which Airflow never schedules or sends anywhere, is refused", () => {
    const ir = pipeline("m", { defaults: { pool: "" } }, (p) => {
      p.bash("a", { command: "true", queue: "" });
    }).ir;
    expect(messages(ir)).toEqual([
      "MLG1011 invalid pipeline option defaults.pool: it is empty: leave it out for Airflow's default_pool | fix the value where the pipeline is written (the DSL's types say what each option takes)",
      "MLG1011 invalid queue of task 'a': it is empty: leave it out for the executor's default queue | fix the value where the pipeline is written (the DSL's types say what each option takes)",
    ]);
  });

  it("a string where a list belongs is refused, not split into characters", () => {
    const ir = pipeline("m", { tags: "ml" as never }, (p) => {
      p.container("c", { image: "x", command: "python run.py" as never, args: "--fast" as never });
      p.validate("v", { data: "/d.csv", requiredColumns: "label" as never });
      p.externalTaskSensor("w", { dag: "up", allowedStates: "success" as never });
      p.bash("b", { command: "true", outlets: "s3://x" as never });
    }).ir;
    const wrong = messages(ir).map((m) => m.slice(0, m.indexOf(":")));
    expect(wrong).toEqual([
      "MLG1011 invalid pipeline option tags",
      "MLG1011 invalid command of task 'c'",
      "MLG1011 invalid args of task 'c'",
      "MLG1011 invalid requiredColumns of task 'v'",
      "MLG1011 invalid allowedStates of task 'w'",
      "MLG1011 invalid outlets of task 'b'",
    ]);
    expect(messages(ir)[0]).toContain("expected array, received string");
  });

  it("an env() or variable() without a name; a schedule list that holds no asset", () => {
    const ir = pipeline("m", {}, (p) => {
      p.bash("a", { command: "true", env: { A: variable(""), B: env("").join("x") } });
    }).ir;
    expect(messages(ir)).toEqual([
      "MLG1011 invalid env.A.name of task 'a': a Variable needs a name | fix the value where the pipeline is written (the DSL's types say what each option takes)",
      "MLG1011 invalid env.B.base.name of task 'a': an environment variable needs a name | fix the value where the pipeline is written (the DSL's types say what each option takes)",
    ]);
    expect(() => pipeline("m", { schedule: ["@daily"] as never }, () => {})).toThrow(
      /^schedule: a list holds assets, and '@daily' is not one: .* schedule: "@daily"/,
    );
    expect(() => pipeline("m", { schedule: [variable("x")] as never }, () => {})).toThrow(
      /^schedule: a list holds assets, and an object is not one/,
    );
    // Past the types (plain JavaScript): said as a schedule, not as JavaScript's own error.
    expect(() => pipeline("m", { schedule: 5 as never }, () => {})).toThrow(
      /^schedule: 5 is not a schedule: write "@daily" or a cron string/,
    );
    // Airflow's schedule=timedelta(hours=4) written with the DSL's hours(): said as a duration,
    // not as an asset without a URI (schedule.uris.0: expected string).
    expect(() => pipeline("m", { schedule: hours(4) as never }, () => {})).toThrow(
      /^schedule: 14400 seconds \(a duration, hours\(\) or minutes\(\)\) is not a schedule: write a cron string \("0 \*\/4 \* \* \*"/,
    );
  });

  it("a condition on a mapped task's output (a list) or a list output, against a number, is MLG1011", () => {
    const ir = pipeline("m", {}, (p) => {
      const m = p.map("score", {
        fn: "tasks/t.py:score",
        over: [1, 2, 3],
        as: "c",
        outputs: { s: "float" },
      });
      const l = p.python("parts", { fn: "tasks/t.py:parts", outputs: { xs: "list" } });
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" });
      p.branch("br", { when: [m.out.s as never, ">", 0.5], ifTrue: a });
      const sc = p.shortCircuit("sc", { when: [l.out.xs as never, "==", 1] });
      b.after(sc);
    }).ir;
    expect(messages(ir).filter((m) => m.includes("condition"))).toEqual([
      "MLG1011 invalid condition of branch 'br': it compares score.s, the list of the float values of the instances of map 'score', with 0.5 (>), which fails when the branch runs: Python does not order these | reduce it to one value first: a python task that takes score.out.s and returns the number or flag to branch on (its max, its mean, whether all passed), and branch on that",
      expect.stringMatching(
        /^MLG1011 invalid condition of short-circuit 'sc': it compares parts.xs, a list, with 1 \(==\), which never matches/,
      ),
    ]);
  });

  it("a condition against a param or an output: of another kind, or a list, is MLG1011; numbers of either type compare", () => {
    const ir = pipeline("m", { params: { mode: "full", floor: 0, threshold: 0.9 } }, (p) => {
      const ev = p.python("ev", {
        fn: "tasks/t.py:ev",
        outputs: { acc: "float", rows: "int", label: "string", xs: "list" },
      });
      const a = p.bash("a", { command: "true" });
      p.branch("ok_float", { when: [ev.out.acc, ">=", p.params.threshold], ifTrue: a });
      p.shortCircuit("ok_int", { when: [ev.out.acc, ">", p.params.floor] });
      p.shortCircuit("ok_rows", { when: [ev.out.rows, "<", ev.out.acc] });
      p.shortCircuit("ok_text", { when: [ev.out.label, "==", p.params.mode] });
      // Past the DSL's types (a cast, plain JavaScript).
      p.shortCircuit("kinds", { when: [ev.out.acc, ">", p.params.mode as never] });
      p.shortCircuit("text", { when: [ev.out.label, "==", ev.out.rows as never] });
      p.shortCircuit("list", { when: [ev.out.acc, "==", ev.out.xs as never] });
      // A Variable's value is text.
      p.shortCircuit("var", { when: [ev.out.acc, ">", variable("limit") as never] });
      p.shortCircuit("lists", { when: [ev.out.xs as never, "==", ev.out.xs as never] });
      // An integer param against a literal fraction, and on the left.
      p.shortCircuit("int_left", { when: [p.params.floor, "<", 0.5] });
      p.shortCircuit("int_whole", { when: [p.params.floor, "<", 2] });
    }).ir;
    expect(messages(ir).filter((m) => m.includes("condition"))).toEqual([
      // A threshold that was meant to take fractions (floor: 0.0 is read as 0): a warning.
      `MLG1040 param 'floor' is an integer param (its default 0 is a whole number) and the condition of short-circuit 'ok_int' compares it with ev.acc, a float, so a run given a fraction (0.5) is refused by Airflow's param check and by Kubeflow's input type | declare it a number param, floor: { default: 0, type: "number" } (JavaScript reads 0.0 as 0)`,
      "MLG1011 invalid condition of short-circuit 'kinds': it compares ev.acc, a float, with param 'mode', a string (>), which fails when the short-circuit runs: Python does not order these | compare with a number param or output, or declare each with the type it has",
      "MLG1011 invalid condition of short-circuit 'text': it compares ev.label, a string, with ev.rows, an int (==), which never matches | compare with a string param or output, or declare each with the type it has",
      "MLG1011 invalid condition of short-circuit 'list': it compares ev.acc, a float, with ev.xs, a list (==), which never matches | reduce it to one value first: a python task that takes ev.out.xs and returns the number or flag to branch on (its max, its mean, whether all passed), and branch on that",
      "MLG1011 invalid condition of short-circuit 'var': it compares ev.acc, a float, with variable 'limit', a string (>), which fails when the short-circuit runs: Python does not order these | compare with a number param or output, or declare each with the type it has",
      expect.stringMatching(
        /^MLG1011 invalid condition of short-circuit 'lists': it compares ev.xs, a list, with ev.xs, a list \(==\), which compares them as a whole, and Kubeflow conditions take strings, numbers and booleans only/,
      ),
      expect.stringMatching(
        /^MLG1040 param 'floor' is an integer param \(its default 0 is a whole number\) and the condition of short-circuit 'int_left' compares it with 0.5, so a run given a fraction/,
      ),
    ]);
  });

  it("a map over a mapped output that runs after a failure is MLG1030: its items need not line up", () => {
    const make = (triggerRule?: "all_done") =>
      pipeline("m", {}, (p) => {
        const w = p.map("work", {
          fn: "tasks/t.py:work",
          over: [1, 2, 3],
          as: "i",
          outputs: { val: "float" },
        });
        p.map("second", {
          fn: "tasks/t.py:second",
          over: w.out.val,
          as: "v",
          outputs: { w: "float" },
          ...(triggerRule ? { triggerRule } : {}),
        });
      }).ir;
    expect(messages(make("all_done")).filter((m) => m.startsWith("MLG1030"))).toEqual([
      "MLG1030 task 'second' maps over the output of 'work', itself mapped, and runs after a failure (all_done): an instance of 'work' that fails leaves no item, so the items of 'second' need not line up with the instances of 'work' | pair values inside one task (have 'work' return what 'second' needs), or let 'second' run only when all of 'work' succeeded (the default trigger rule)",
    ]);
    expect(messages(make()).filter((m) => m.startsWith("MLG1030"))).toEqual([]);
  });

  it("list and object params: a condition on one, a map over an object, a default of another type", () => {
    const ir = pipeline(
      "m",
      {
        params: {
          cols: ["a", "b"],
          cfg: { depth: 3 },
          wrong: { default: "x", type: "array" },
        },
      },
      (p) => {
        const a = p.bash("a", { command: "true" });
        p.branch("br", { when: [p.params.cols as never, "==", "a"], ifTrue: a });
        p.map("each", { fn: "tasks/t.py:each", over: p.params.cols, as: "col" });
        p.map("each_key", { fn: "tasks/t.py:each", over: p.params.cfg as never, as: "col" });
      },
    ).ir;
    expect(messages(ir).filter((m) => !m.includes("tasks/t.py"))).toEqual([
      `MLG1011 invalid default of param 'wrong': "x" is not of its type 'array', and Airflow fails every run that keeps the default ('ParamValidationError') | give a default of type 'array', or change the type`,
      "MLG1011 invalid condition of branch 'br': it compares param 'cols', a list, with \"a\" (==), which never matches | reduce it to one value first: a python task that takes p.params.cols and returns the number or flag to branch on (its max, its mean, whether all passed), and branch on that",
      "MLG1018 mapped task 'each_key' maps over param 'cfg' (type object), which is not a list | map over an output declared \"list\" of an upstream task, a list param, or a literal array",
    ]);
  });

  it("a map over a list param: a task before it returns the run's list, and Airflow expands over that", () => {
    const ir = pipeline("fan", { params: { regions: ["eu", "us"], go: true } }, (p) => {
      const prep = p.bash("prep", { command: "true" });
      const train = p.map("train", {
        fn: "tasks/t.py:each",
        over: p.params.regions,
        as: "region",
        outputs: { score: "float" },
      });
      train.after(prep);
      p.python("pick", { fn: "tasks/t.py:pick", inputs: { scores: train.out.score } });
      p.group("per_model", {}, (g) => {
        // A user task named like the generated one: the generated one moves aside.
        g.bash("fit_items", { command: "true" });
        g.map("fit", {
          fn: "tasks/t.py:each",
          over: p.params.regions,
          as: "region",
          triggerRule: "all_done",
        });
      });
    }).ir;
    const modules = new Map([
      ["tasks/t.py", "def each(region):\n    return 1.0\n\ndef pick(scores):\n    pass\n"],
    ]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    expect(r.ok ? [] : r.diagnostics.map((d) => d.message)).toEqual([]);
    if (!r.ok) return;
    const dag = renderDag({ ...r, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] });
    expect(dag).toContain(`    train_items = PythonOperator(
        task_id="train_items",
        python_callable=_param_list,
        op_kwargs={"name": "regions"},
    )
    train = PythonOperator.partial(`);
    expect(dag).toContain(").expand(op_kwargs=train_items.output.map(_item))");
    expect(dag).toContain("    prep >> train_items\n    prep >> train\n");
    // The fan-in places each instance's score by the run's list.
    expect(dag).toContain(
      '_pull_mapped(ti, "train", "score", over=params["regions"], as_float=True)',
    );
    // In a group, by the mapped task's trigger rule, beside a task of the same name.
    expect(dag).toContain(`        fit_items_2 = PythonOperator(
            task_id="fit_items_2",
            python_callable=_param_list,
            op_kwargs={"name": "regions"},
            trigger_rule="all_done",
        )`);
    expect(dag).toContain("def _param_list(params, name, **_):");
    // A branch into a task mapped over a param follows its list task too (Airflow would skip it).
    const routed = pipeline("routed", { params: { regions: ["eu"], go: true } }, (p) => {
      const each = p.map("each", { fn: "tasks/t.py:each", over: p.params.regions, as: "region" });
      const other = p.bash("other", { command: "true" });
      p.branch("route", { when: [p.params.go, "==", true], ifTrue: each, ifFalse: other });
    }).ir;
    const b = lowerPipeline({ ir: routed, sourceMap: {}, modules });
    if (!b.ok) throw new Error(b.diagnostics.map((d) => d.message).join("\n"));
    const branchDag = renderDag({ ...b, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] });
    expect(branchDag).toContain('return ["each_items", "each"]');
    expect(branchDag).toContain("route >> each_items\n    route >> each\n");
  });

  it("a helper task's id fits Airflow's 250 characters and names no group", () => {
    const long = "t".repeat(245);
    const ir = pipeline("fan", { params: { regions: ["eu"] } }, (p) => {
      p.map(long, { fn: "tasks/t.py:each", over: p.params.regions, as: "region" });
      p.group("g", {}, (g) => {
        g.map("fit", { fn: "tasks/t.py:each", over: p.params.regions, as: "region" });
        g.group("fit_items", {}, (h) => h.bash("x", { command: "true" }));
      });
    }).ir;
    const modules = new Map([["tasks/t.py", "def each(region):\n    return 1.0\n"]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const dag = renderDag({ ...r, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] });
    const ids = [...dag.matchAll(/task_id="([^"]+)"/g)].map((m) => m[1] as string);
    expect(ids).toContain(`${"t".repeat(244)}_items`);
    expect(ids.every((id) => id.length <= 250)).toBe(true);
    expect(dag).toContain('task_id="fit_items_2"');
    expect(dag).toContain('with TaskGroup("fit_items"):');
  });

  it("a helper task in a group whose id leaves it no room under 250 characters is MLG3001 naming the task", () => {
    // A group's own id takes at most 200 characters: nested ones reach further.
    const long = `${"g".repeat(150)}.${"h".repeat(95)}`;
    const ir = pipeline("fan", { params: { regions: ["eu"] } }, (p) => {
      p.group("g".repeat(150), {}, (g) => {
        g.group("h".repeat(95), {}, (h) => {
          h.map("f", { fn: "tasks/t.py:each", over: p.params.regions, as: "region" });
        });
        g.group("i".repeat(93), {}, (h) => {
          h.map("f", { fn: "tasks/t.py:each", over: p.params.regions, as: "region" });
        });
      });
    }).ir;
    const modules = new Map([["tasks/t.py", "def each(region):\n    return 1.0\n"]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const found = airflowTarget.validate({
      ...r,
      sourceFile: "x.ts",
      sourceMap: {},
      pythonFiles: [],
      settings: { airflowVersion: 3 },
    });
    expect(found.map((d) => [d.code, d.task, d.message, d.fix])).toEqual([
      [
        "MLG3001",
        `${long}.f`,
        `the list task before this mapped task cannot be expressed for Airflow 3: it goes in group '${long}', whose id is 246 characters, and Airflow refuses a task id over 250 characters ('${long}.items' would be 252)`,
        "shorten the group id to at most 244 characters",
      ],
    ]);
  });

  it("a join that also waits for a task off the sides it joins waits for the sides through an empty task", () => {
    const ir = pipeline("j", { params: { pick: "a", fresh: true } }, (p) => {
      const before = p.bash("before", { command: "true" });
      const a = p.python("a", { fn: "tasks/t.py:side", outputs: { v: "string" } });
      const b = p.python("b", { fn: "tasks/t.py:side", outputs: { v: "string" } });
      p.branch("br", { when: [p.params.pick, "==", "a"], ifTrue: a, ifFalse: b }).after(before);
      const check = p.bash("check", { command: "true" });
      const c = p.python("c", { fn: "tasks/t.py:side", outputs: { v: "string" } });
      p.branch("br2", { when: [p.params.fresh, "==", true], ifTrue: c }).after(check);
      // Waits for c too (a side of another branch): an empty task joins a and b.
      p.python("use", { fn: "tasks/t.py:use", inputs: { v: oneOf(a.out.v, b.out.v), w: c.out.v } });
      // Waits for a task before the branch too: its skip skips both sides, no empty task.
      p.python("plain", { fn: "tasks/t.py:use", inputs: { v: oneOf(a.out.v, b.out.v) } }).after(
        before,
      );
      p.group("grp", { defaults: { triggerRule: "none_failed_min_one_success" } }, (g) => {
        g.python("inner", { fn: "tasks/t.py:use", inputs: { v: a.out.v } }).after(b, check);
      });
    }).ir;
    const modules = new Map([
      ["tasks/t.py", "def side():\n    return 'x'\n\ndef use(v, w=None):\n    pass\n"],
    ]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    expect(r.ir.tasks.find((t) => t.id === "use")?.joined).toEqual(["a", "b"]);
    expect(r.ir.tasks.find((t) => t.id === "plain")?.joined).toBeUndefined();
    // Its own rule (the group's) is kept, as written: no empty task.
    expect(r.ir.tasks.find((t) => t.id === "grp.inner")?.joined).toBeUndefined();
    const dag = renderDag({ ...r, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] });
    expect(dag).toContain(`    use_join = EmptyOperator(
        task_id="use_join",
        trigger_rule="none_failed_min_one_success",
    )
    use = PythonOperator(
        task_id="use",
        python_callable=run_use,
    )`);
    expect(dag).toContain("    [a, b] >> use_join\n    [c, use_join] >> use\n");
    expect(dag).toContain("from airflow.providers.standard.operators.empty import EmptyOperator");
    // The sides it reads may be missing (the skipped one is None); c ran.
    expect(dag).toContain('_pull_one_of(ti, [("a", "v"), ("b", "v")])');
    expect(dag).toMatch(/"w": _pull\(ti, "c", "v", required=False\)/);
    expect(dag).toContain("    [a, b, before] >> plain\n");
    expect(dag).toMatch(
      /plain = PythonOperator\(\n {8}task_id="plain",\n {8}python_callable=run_plain,\n {8}trigger_rule="none_failed_min_one_success",/,
    );
  });

  it("a branch into a join that waits for it through the join's empty task follows that task", () => {
    const ir = pipeline("nested", { params: { a: true, b: true } }, (p) => {
      const w = p.bash("w", { command: "echo w" });
      const z = p.bash("z", { command: "echo z" });
      const y = p.bash("y", { command: "echo y" });
      const x = p.bash("x", { command: "echo x" });
      const b1 = p.branch("b1", { when: [p.params.b, "==", true], ifTrue: x, ifFalse: y });
      p.branch("b0", { when: [p.params.a, "==", true], ifTrue: b1, ifFalse: z });
      x.after(z, w);
    }).ir;
    const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    expect(r.ir.tasks.find((t) => t.id === "x")?.joined).toEqual(["b1", "z"]);
    const dag = renderDag({ ...r, sourceFile: "x.ts", sourceMap: {}, pythonFiles: [] });
    expect(dag).toContain("    [b1, z] >> x_join\n    [w, x_join] >> x\n");
    // The branch's edge goes to x_join: naming x would skip x_join, and x after it (real
    // Airflow 3 and 2 run the fixture join-skips, which has this shape).
    expect(dag).toMatch(/def choose_b1\(.*\n(?:.*\n)*? {8}return \["x_join"\]\n {4}return \["y"\]/);
  });

  it("a branch side that runs after the other side is said once per task it waits on, a group's tasks together", () => {
    const ir = pipeline("m", { params: { go: true } }, (p) => {
      const deploy = p.bash("deploy", { command: "true" });
      const rollback = p.group("rollback", {}, (g) => {
        const undo = g.bash("undo", { command: "true" }).after(deploy);
        g.bash("notify", { command: "true" }).after(undo);
      });
      p.branch("br", { when: [p.params.go, "==", true], ifTrue: deploy, ifFalse: rollback });
    }).ir;
    expect(messages(ir).filter((m) => m.includes("runs after"))).toEqual([
      expect.stringMatching(
        /^MLG1011 invalid branch 'br': 'rollback.undo' \(ifFalse\) runs after 'deploy' \(ifTrue\), so it never runs/,
      ),
    ]);
  });

  it("a task id used twice is said alone, not as the outputs the other task lacks", () => {
    const ir = pipeline("m", {}, (p) => {
      const fit = p.python("fit", { fn: "tasks/t.py:fit", outputs: { score: "float" } });
      p.python("fit", {
        fn: "tasks/t.py:evaluate",
        inputs: { score: fit.out.score },
        outputs: { passed: "bool" },
      });
    }).ir;
    expect(messages(ir)).toEqual([
      "MLG1001 task id 'fit' is used more than once | give each task and group a unique id within the pipeline (a task in a group is <group>.<id>)",
    ]);
    // Nor as the cycle that ordering through the one id makes up.
    const looped = pipeline("m", {}, (p) => {
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" }).after(a);
      p.bash("a", { command: "true" }).after(b);
    }).ir;
    expect(messages(looped).map((m) => m.slice(0, 7))).toEqual(["MLG1001"]);
  });

  it("a misspelt output or param, an empty or mistyped branch", () => {
    const ir = pipeline("m", { params: { algo: "rf" } }, (p) => {
      const fit = p.python("fit", {
        fn: "tasks/t.py:fit",
        outputs: { model_uri: "string", score: "float" },
      });
      p.python("use", {
        fn: "tasks/t.py:use",
        inputs: {
          // Misspelt on purpose: a project without a type check compiles these.
          u: (fit.out as unknown as Record<string, Input>).model_url as Input,
          q: (p.params as unknown as Record<string, Input>).alog as Input,
        },
      });
      p.branch("br", { when: [fit.out.score, ">", "high" as never], ifTrue: [], ifFalse: [] });
    }).ir;
    expect(messages(ir)).toEqual(
      expect.arrayContaining([
        "MLG1003 task 'use' inputs.u reads output 'model_url' of task 'fit', which declares no such output | did you mean 'model_uri'? Or declare 'model_url' in the outputs of 'fit' (declared: model_uri, score)",
        "MLG1013 task 'use' inputs.q reads param 'alog', which pipeline 'm' does not declare | did you mean 'algo'? Or add 'alog' to the pipeline's params with a default",
        expect.stringMatching(/^MLG1011 invalid branch 'br': it lists no task on either side/),
        expect.stringMatching(
          /^MLG1011 invalid condition of branch 'br': it compares fit.score, a float, with "high" \(>\)/,
        ),
      ]),
    );
  });
});

describe("templates", () => {
  const dir = fileURLToPath(TEMPLATES_DIR);
  it("insert values only through the escaping helpers (no raw {{name}})", () => {
    const source = readFileSync(join(dir, "airflow/dag.py.hbs"), "utf8");
    const ast = Handlebars.parse(source);
    const problems: string[] = [];
    const visit = (node: unknown): void => {
      if (!node || typeof node !== "object") return;
      const n = node as {
        type?: string;
        path?: { original?: string };
        params?: unknown[];
        loc?: { start: { line: number } };
      };
      if (n.type === "MustacheStatement" || n.type === "SubExpression") {
        const name = n.path?.original ?? "";
        if (
          !(TEMPLATE_HELPERS as readonly string[]).includes(name) ||
          (n.params?.length ?? 0) !== 1
        ) {
          problems.push(`line ${n.loc?.start.line}: {{${name}}}`);
        }
      }
      for (const v of Object.values(node)) {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === "object") visit(v);
      }
    };
    visit(ast);
    expect(problems).toEqual([]);
  });
});
