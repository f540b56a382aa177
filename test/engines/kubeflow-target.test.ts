/**
 * The Kubeflow target against the real kfp SDK (2.17.3 in .venv-kfp): every example and
 * fixture passes the offline gate (strict proto parsing of the spec, its deployment config and
 * the Kubernetes platform spec, the reference checker, CEL parsing, the SDK's loader); the
 * generated Python components pass ruff; and the Python-only pipelines run end to end with
 * kfp.local: the iris example (tracked in a real MLflow store) and a fixture with a fan-out,
 * a fan-in, a branch into a group with a join, a short-circuit and the exit handler's alert.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { kubeflowTarget, lowerPipeline } from "../../packages/compiler/src/index.js";
import { callback, type Input, pipeline, variable } from "../../packages/dsl/src/index.js";
import { checkKfp, ensureKfp, KFP_PYTHON, runKfpLocal } from "../support/kfp.js";
import { EXAMPLES, lowerFile, ROOT } from "../support/pipelines.js";
import { bin, ensureEngines, mlgenHere, tempDir } from "./harness.js";

const FIXTURES = join(ROOT, "test/fixtures");
const FIXTURE_PIPELINES = [
  "kitchen-sink",
  "constructs",
  "runtime",
  "kfp-local",
  "kfp-eq-images",
  "kfp-eq-pods",
  "one-of",
  "sensor-outputs",
  "branch-params",
  "kfp-eq-loop-body",
  "kfp-eq-elif",
  "gate-rules",
  "latest-only",
];

let out = "";
const files: string[] = [];

async function compileFixture(name: string): Promise<string> {
  const r = await lowerFile(join(FIXTURES, `pipelines/${name}.pipeline.ts`), FIXTURES);
  const modules = readdirSync(join(FIXTURES, "tasks"))
    .filter((f) => f.endsWith(".py"))
    .sort()
    .map((f) => ({
      path: `tasks/${f}`,
      content: readFileSync(join(FIXTURES, "tasks", f), "utf8"),
    }));
  const input = {
    ir: r.ir,
    hash: r.hash,
    sourceFile: `pipelines/${name}.pipeline.ts`,
    sourceMap: {},
    pythonFiles: modules,
    settings: { kubeflow: { timeouts: true } },
  };
  expect(
    kubeflowTarget.validate(input).filter((d) => d.severity === "error"),
    name,
  ).toEqual([]);
  const [file] = kubeflowTarget.emit(input);
  if (!file) throw new Error(`${name}: nothing emitted`);
  const path = join(out, file.path);
  writeFileSync(path, file.content);
  return path;
}

beforeAll(async () => {
  ensureKfp();
  ensureEngines();
  out = tempDir("mlgen-kfp-");
  for (const name of FIXTURE_PIPELINES) files.push(await compileFixture(name));
  for (const e of EXAMPLES) {
    const dir = join(ROOT, "examples", e.name, "kubeflow");
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) files.push(join(dir, f));
  }
}, 600_000);

describe("the real kfp SDK", () => {
  it("accepts every generated pipeline: proto parsing, references, CEL, the loader", async () => {
    expect(files).toHaveLength(FIXTURE_PIPELINES.length + EXAMPLES.length);
    const results = await checkKfp(files);
    const failed = results.filter((r) => !r.ok);
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(results).toHaveLength(files.length);
    console.log(`kfp gate: ${results.length} pipeline files accepted by kfp 2.17.3`);
  });

  it("the examples install what their tasks import, at the versions the tests run them with", () => {
    const lock = readFileSync(join(ROOT, "test/python/requirements.lock"), "utf8");
    for (const e of EXAMPLES) {
      const dir = join(ROOT, "examples", e.name, "kubeflow");
      for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
        const text = readFileSync(join(dir, f), "utf8");
        const pins = [...text.matchAll(/'(scikit-learn|pandas|mlflow)==([^']+)'/g)];
        // Every Python task of these examples imports sklearn, pandas or mlflow.
        expect(new Set(pins.map((m) => m[1])), `${e.name}/${f}`).toEqual(
          new Set(["scikit-learn", "pandas", "mlflow"]),
        );
        for (const [, name, version] of pins) {
          expect(lock, `${e.name}/${f}: ${name}==${version}`).toContain(`\n${name}==${version}\n`);
        }
      }
    }
  });

  it("the examples' Kubernetes platform spec carries their timeouts", () => {
    const text = readFileSync(
      join(ROOT, "examples/iris-quickstart/kubeflow/iris_quickstart.yaml"),
      "utf8",
    );
    const [, platform] = parseAllDocuments(text).map((d) => d.toJS());
    expect(platform.platforms.kubernetes.deploymentSpec.executors).toEqual({
      "exec-prepare-data": { activeDeadlineSeconds: "3600" },
      "exec-train-model": { activeDeadlineSeconds: "3600" },
    });
  });

  it("kfp's compiler lists the same pipeline inputs in its header (variables too, by name, its type names), and refuses a null inside a param's default, as mlgen does", () => {
    const source = "def work(out_dir: str, n: int) -> None:\n    pass\n";
    const ir = pipeline(
      "inputs",
      { params: { zeta: 1, alpha: "x", ratio: 0.5, sizes: [1], cfg: { k: "v" }, flag: true } },
      (p) => {
        p.python("work", {
          fn: "tasks/m.py:work",
          inputs: { out_dir: variable("out_dir"), n: p.params.zeta },
        });
        p.bash("echo", {
          command: "echo $A $B $C $D $E $F",
          env: {
            A: variable("data_dir", "/data"),
            B: p.params.alpha,
            C: p.params.ratio,
            D: p.params.sizes,
            E: p.params.cfg,
            F: p.params.flag,
          },
        });
      },
    ).ir;
    const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/m.py", source]]) });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const mlgen = emitted(r.ir, [{ path: "tasks/m.py", content: source }]);
    // The twin in kfp's DSL: the variables are pipeline parameters of type str.
    const dir = tempDir("mlgen-kfp-header-");
    const twin = [
      "import sys",
      "from kfp import compiler, dsl",
      "@dsl.component(base_image='python:3.11-slim')",
      "def work(out_dir: str, n: int):",
      "    pass",
      "@dsl.pipeline(name='inputs')",
      "def inputs(out_dir: str, zeta: int = 1, alpha: str = 'x', ratio: float = 0.5,",
      "           sizes: list = [1], cfg: dict = {'k': 'v'}, flag: bool = True,",
      "           data_dir: str = '/data'):",
      "    work(out_dir=out_dir, n=zeta)",
      "compiler.Compiler().compile(inputs, sys.argv[1])",
      // kfp refuses the default when the pipeline is defined (the decorator builds its spec).
      "try:",
      "    @dsl.pipeline(name='nulls')",
      "    def nulls(nested: dict = {'a': [1, 2, {'b': None}]}):",
      "        work(out_dir='x', n=1)",
      "    compiler.Compiler().compile(nulls, sys.argv[1] + '.nulls')",
      "except ValueError as e:",
      "    print('refused:', e)",
    ].join("\n");
    writeFileSync(join(dir, "twin.py"), twin);
    const said = execFileSync(KFP_PYTHON, [join(dir, "twin.py"), join(dir, "kfp.yaml")], {
      encoding: "utf8",
    });
    expect(said).toMatch(/^refused: Value must be one of the following types: .* Got: "None"/);
    // Each input's name and type, and whether it has a default (kfp writes defaults as Python's
    // str() of a protobuf value, 1.0 for 1, where mlgen writes JSON).
    const inputs = (text: string) =>
      (/^# Inputs:\n((?:# {4}.*\n)*)/m.exec(text)?.[1] ?? "")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.replace(/ \[Default: .*\]$/, " [Default]"));
    const kfp = readFileSync(join(dir, "kfp.yaml"), "utf8");
    expect(inputs(kfp)).toHaveLength(8);
    expect(inputs(mlgen)).toEqual(inputs(kfp));
    // And mlgen refuses the null default, at the param.
    const nulls = pipeline("nulls", { params: { nested: { a: [1, 2, { b: null }] } } }, (p) => {
      p.bash("b", { command: "true" });
    }).ir;
    const lowered = lowerPipeline({ ir: nulls, sourceMap: {}, modules: new Map() });
    if (!lowered.ok) throw new Error("lowering failed");
    expect(
      kubeflowTarget
        .validate({ ...lowered, sourceFile: "p.ts", sourceMap: {}, pythonFiles: [] })
        .filter((d) => d.code === "MLG3001")
        .map((d) => d.message.split(":")[0]),
    ).toEqual(["the default of param 'nested' cannot be expressed for Kubeflow Pipelines"]);
  });
});

describe("generated Python components", () => {
  it("pass ruff (F, E9, and the import order kfp's executor needs nothing more of)", () => {
    const dir = join(out, "components");
    mkdirSync(dir, { recursive: true });
    let n = 0;
    for (const file of files) {
      const [spec] = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS());
      for (const [label, ex] of Object.entries(spec.deploymentSpec.executors) as [
        string,
        { container: { command?: string[] } },
      ][]) {
        const command = ex.container.command ?? [];
        const at = command.findIndex((c) => c.includes("kfp.dsl.executor_main"));
        if (at < 0) continue;
        const source = command[at + 1] as string;
        writeFileSync(join(dir, `${n++}_${label.replace(/-/g, "_")}.py`), source);
      }
    }
    expect(n).toBeGreaterThan(20);
    const result = execFileSync(
      bin("ruff"),
      ["check", "--no-cache", "--isolated", "--select", "F,E9,I", "--line-length", "120", dir],
      { encoding: "utf8" },
    );
    expect(result).toContain("All checks passed");
    // And every one compiles under the image's Python.
    execFileSync(KFP_PYTHON, ["-m", "compileall", "-q", dir], { encoding: "utf8" });
  });
});

/** The pipeline file the Kubeflow target writes for `ir`, given the project's modules. */
function emitted(
  ir: Parameters<typeof kubeflowTarget.emit>[0]["ir"],
  pythonFiles: { path: string; content: string }[],
): string {
  const [file] = kubeflowTarget.emit({
    ir,
    hash: "0",
    sourceFile: "pipelines/p.pipeline.ts",
    sourceMap: {},
    pythonFiles,
    settings: {},
  });
  return file?.content ?? "";
}

/** A pipeline file's executor (exec-*) of a given name, as the YAML has it. */
function executor(yaml: string, name: string): { command: string[]; args: string[] } {
  const [spec] = parseAllDocuments(yaml).map((d) => d.toJS());
  return spec.deploymentSpec.executors[name].container;
}

/**
 * Runs a Python task's executor as its container would, through kfp's own executor
 * (kfp.dsl.executor_main) with the executor input the KFP backend sends: command `sh -c <pip
 * install> sh -ec <launcher> <component> <modules...>`, the install step skipped (kfp is
 * installed), the launcher run as the container runs it (`executorInput` as JSON text, or an
 * object to write as JSON). Returns its stdout.
 */
function runPythonExecutor(
  yaml: string,
  name: string,
  work: string,
  executorInput: unknown,
  env: Record<string, string> = {},
): string {
  const { command, args } = executor(yaml, name);
  const launcher = command.slice(command.indexOf("-ec") - 1);
  return execFileSync(
    launcher[0] as string,
    [
      ...launcher.slice(1),
      ...args.map((a) =>
        a !== "{{$}}"
          ? a
          : typeof executorInput === "string"
            ? executorInput
            : JSON.stringify(executorInput),
      ),
    ],
    {
      encoding: "utf8",
      // stderr is kept (for a failure's message), never printed.
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PATH: `${join(KFP_PYTHON, "..")}:${process.env.PATH}`,
        PYTHONWARNINGS: "ignore",
        // The launcher's `mktemp -d` (the component's module) goes there, not into /tmp.
        TMPDIR: work,
        ...env,
      },
    },
  );
}

/** The executor input the KFP backend gives an exit handler's task: the run's final status. */
function finalStatus(state: string, work: string) {
  return {
    inputs: {
      parameterValues: {
        status: {
          state,
          pipelineJobResourceName: "exit-abc",
          pipelineTaskName: "exit-handler-1",
          error: state === "FAILED" ? { code: 2, message: "task work failed" } : {},
        },
      },
    },
    outputs: { outputFile: join(work, `${state}.json`) },
  };
}

describe("the exit handler under the KFP backend", () => {
  it("reads COMPLETE and CACHED as success and FAILED and CANCELED as failure, through kfp's own executor", () => {
    // kfp.local reports a succeeded run as SUCCEEDED, but the KFP backend's driver sends the
    // state COMPLETE (or CACHED): run the generated alerts component with kfp's executor
    // (kfp.dsl.executor_main) on the status struct the backend sends, for each state.
    const alerts = `import json
import os


def record(context):
    with open(os.path.join(os.environ["ALERTS_OUT"], "calls.jsonl"), "a") as f:
        f.write(json.dumps({"state": context["state"], "succeeded": context["succeeded"]}) + "\\n")


def on_failure(context):
    record({**context, "state": "failure:" + context["state"]})


def on_success(context):
    record({**context, "state": "success:" + context["state"]})
`;
    const ir = pipeline(
      "exit_states",
      {
        defaults: {
          onFailure: callback("tasks/alerts.py:on_failure"),
          onSuccess: callback("tasks/alerts.py:on_success"),
        },
      },
      (p) => {
        p.bash("work", { command: "true" });
      },
    ).ir;
    const yaml = emitted(ir, [{ path: "tasks/alerts.py", content: alerts }]);
    const work = tempDir("mlgen-kfp-exit-");
    for (const state of ["COMPLETE", "CACHED", "SUCCEEDED", "FAILED", "CANCELED"]) {
      runPythonExecutor(yaml, "exec-alerts", work, finalStatus(state, work), { ALERTS_OUT: work });
    }
    const calls: unknown[] = [];
    for (const line of readFileSync(join(work, "calls.jsonl"), "utf8").trim().split("\n")) {
      calls.push(JSON.parse(line));
    }
    expect(calls).toEqual([
      { state: "success:COMPLETE", succeeded: true },
      { state: "success:CACHED", succeeded: true },
      { state: "success:SUCCEEDED", succeeded: true },
      { state: "failure:FAILED", succeeded: false },
      { state: "failure:CANCELED", succeeded: false },
    ]);
  });
  it("runs every alert when one raises, as Airflow runs callbacks, and then fails naming how many did", () => {
    const alerts = `import json
import os


def boom(context):
    raise RuntimeError("pager down")


def record(context):
    with open(os.path.join(os.environ["ALERTS_OUT"], "calls.jsonl"), "a") as f:
        f.write(json.dumps({"state": context["state"]}) + "\\n")
`;
    const ir = pipeline(
      "exit_isolated",
      {
        defaults: {
          onFailure: [callback("tasks/alerts.py:boom"), callback("tasks/alerts.py:record")],
        },
      },
      (p) => {
        p.bash("work", { command: "true" });
      },
    ).ir;
    const yaml = emitted(ir, [{ path: "tasks/alerts.py", content: alerts }]);
    const work = tempDir("mlgen-kfp-alerts-");
    let error = "";
    try {
      runPythonExecutor(yaml, "exec-alerts", work, finalStatus("FAILED", work), {
        ALERTS_OUT: work,
      });
    } catch (e) {
      error = String((e as { stderr?: string }).stderr ?? e);
    }
    // The second alert ran although the first raised; the task failed, saying so.
    expect(readFileSync(join(work, "calls.jsonl"), "utf8")).toBe('{"state": "FAILED"}\n');
    expect(error).toContain("RuntimeError: pager down");
    expect(error).toContain("1 of 2 alerts failed");
  });
});

describe("the executors as their containers run them", () => {
  it("a Python task whose module imports ten or more project modules, one at the project root, gets each file's own text", () => {
    // "$10" in the shell is "$1" followed by 0: the tenth module and later once got the
    // first one's text; and a module at the project root had no folder to be written into.
    const modules = Array.from({ length: 11 }, (_, i) => ({
      path: `tasks/m${i + 1}.py`,
      content: `NAME = "m${i + 1}"\n`,
    }));
    const names = modules.map((_, i) => `m${i + 1}`).join(", ");
    const main = `import rootmod\nfrom tasks import ${names}\n\n\ndef run() -> dict:\n    return {"s": ",".join(m.NAME for m in (${names})) + "+" + rootmod.NAME}\n`;
    const ir = pipeline("many_modules", {}, (p) => {
      p.python("run", { fn: "tasks/main.py:run", outputs: { s: "string" } });
    }).ir;
    const yaml = emitted(ir, [
      ...modules,
      { path: "tasks/main.py", content: main },
      { path: "rootmod.py", content: 'NAME = "root"\n' },
    ]);
    const work = tempDir("mlgen-kfp-modules-");
    const output = join(work, "executor-output.json");
    runPythonExecutor(yaml, "exec-run", work, {
      inputs: {},
      outputs: { parameters: { s: { outputFile: join(work, "s.txt") } }, outputFile: output },
    });
    expect(JSON.parse(readFileSync(output, "utf8")).parameterValues).toEqual({
      s: `${modules.map((_, i) => `m${i + 1}`).join(",")}+root`,
    });
  });

  it("a bash task reads its tenth and later inputs, and runs its command as BashOperator does (bash -c)", () => {
    const params = Array.from({ length: 11 }, (_, i) => `p${String(i).padStart(2, "0")}`);
    const ir = pipeline(
      "many_env",
      { params: Object.fromEntries(params.map((n, i) => [n, `value${i}`])) },
      (p) => {
        p.bash("show", {
          // Without -e, as on Airflow: a failing line does not end the command.
          command: 'echo "P09=$P09 P10=$P10"\nfalse\necho "after $P00"',
          env: Object.fromEntries(params.map((n) => [n.toUpperCase(), p.params[n] as Input])),
        });
      },
    ).ir;
    const yaml = emitted(ir, []);
    const { command, args } = executor(yaml, "exec-show");
    // The backend fills each input's placeholder with the param's value.
    const filled = args.map((a) => {
      const m = /^\{\{\$\.inputs\.parameters\['env_P(\d+)'\]\}\}$/.exec(a);
      if (!m) throw new Error(`unexpected argument ${a}`);
      return `value${Number(m[1])}`;
    });
    expect(command.slice(0, 2)).toEqual(["bash", "-c"]);
    const out = execFileSync(command[0] as string, [...command.slice(1), ...filled], {
      encoding: "utf8",
    });
    expect(out).toBe("P09=value9 P10=value10\nafter value0\n");
  });
  /**
   * Runs task `total` (function `source`, one int output `n`) in its executor, given the list
   * `values` as the backend sends it: the output parameters it wrote.
   */
  function runTotal(source: string, values: string): Record<string, unknown> {
    const ir = pipeline("sums", {}, (p) => {
      p.python("total", {
        fn: "tasks/m.py:total",
        inputs: { values: [1, 2] },
        outputs: { n: "int" },
      });
    }).ir;
    const yaml = emitted(ir, [{ path: "tasks/m.py", content: source }]);
    const work = tempDir("mlgen-kfp-int-");
    const output = join(work, "executor-output.json");
    const outputs = {
      parameters: { n: { outputFile: join(work, "n.txt") } },
      outputFile: output,
    };
    runPythonExecutor(
      yaml,
      "exec-total",
      work,
      `{"inputs": {"parameterValues": {"values": ${values}}}, "outputs": ${JSON.stringify(outputs)}}`,
    );
    return JSON.parse(readFileSync(output, "utf8")).parameterValues;
  }

  it("an int output that is a whole float (KFP hands list numbers over as doubles) is the int; 2.5 is refused", () => {
    const source = "def total(values: list) -> dict:\n    return {'n': sum(values)}\n";
    // As the backend sends a list parameter: its numbers as JSON doubles (JSON.stringify
    // would write 11.0 as 11).
    expect(runTotal(source, "[11.0, 14.0, 19.0]")).toEqual({ n: 44 });
    expect(() => runTotal(source, "[1.5, 1.0]")).toThrow(
      /tasks\/m\.py:total returned float 2\.5 as output 'n', which is declared int/,
    );
  });

  it("optional params (default null): a run that leaves one unset calls the function with None, one that sets it with its value (a whole number param as a float)", () => {
    const ir = pipeline(
      "optional_params",
      {
        params: {
          cutoff: { default: null, type: "string" },
          limit: { default: null, type: "integer" },
          ratio: { default: null, type: "number" },
          name: "x",
        },
      },
      (p) => {
        p.python("pick", {
          fn: "tasks/m.py:pick",
          inputs: {
            cutoff: p.params.cutoff,
            limit: p.params.limit,
            ratio: p.params.ratio,
            name: p.params.name,
          },
          outputs: { seen: "string" },
        });
      },
    ).ir;
    const source =
      "import json\n\n\ndef pick(cutoff: str | None, limit: int | None, ratio: float | None, name: str) -> dict:\n" +
      "    return {'seen': json.dumps([cutoff, limit, ratio, type(ratio).__name__, name])}\n";
    const yaml = emitted(ir, [{ path: "tasks/m.py", content: source }]);
    const seen = (values: Record<string, unknown>) => {
      const work = tempDir("mlgen-kfp-optional-");
      const output = join(work, "executor-output.json");
      const outputs = {
        parameters: { seen: { outputFile: join(work, "seen.txt") } },
        outputFile: output,
      };
      // As the backend sends a run's inputs: an unset optional input is absent.
      runPythonExecutor(yaml, "exec-pick", work, {
        inputs: { parameterValues: values },
        outputs,
      });
      return JSON.parse(JSON.parse(readFileSync(output, "utf8")).parameterValues.seen);
    };
    expect(seen({ name: "x" })).toEqual([null, null, null, "NoneType", "x"]);
    expect(seen({ name: "y", cutoff: "2025-01-01", limit: 5, ratio: 2 })).toEqual([
      "2025-01-01",
      5,
      2,
      "float",
      "y",
    ]);
  });

  it("one output returned in a dict under another key is said as such (a typo), not as a type", () => {
    const source = "def total(values: list) -> dict:\n    return {'totl': sum(values)}\n";
    expect(() => runTotal(source, "[1, 2]")).toThrow(
      /tasks\/m\.py:total returned a dict without 'n' \(its keys: \['totl'\]\); return 'n' in it, or the value itself/,
    );
  });

  it("a string output returned as a pathlib.Path is the path it names", () => {
    const source =
      "import pathlib\n\n\ndef where(name: str) -> dict:\n    return {'path': pathlib.Path('/data') / name}\n";
    const ir = pipeline("paths", {}, (p) => {
      p.python("where", {
        fn: "tasks/m.py:where",
        inputs: { name: "x.csv" },
        outputs: { path: "string" },
      });
    }).ir;
    const yaml = emitted(ir, [{ path: "tasks/m.py", content: source }]);
    const work = tempDir("mlgen-kfp-path-");
    const output = join(work, "executor-output.json");
    const outputs = {
      parameters: { path: { outputFile: join(work, "path.txt") } },
      outputFile: output,
    };
    runPythonExecutor(
      yaml,
      "exec-where",
      work,
      `{"inputs": {"parameterValues": {"name": "x.csv"}}, "outputs": ${JSON.stringify(outputs)}}`,
    );
    expect(JSON.parse(readFileSync(output, "utf8")).parameterValues).toEqual({
      path: "/data/x.csv",
    });
  });
});

describe("kfp.local runs the Python-only pipelines", () => {
  it("the iris example trains, returns typed outputs and tracks the run in MLflow", async () => {
    const work = tempDir("mlgen-kfp-iris-");
    const db = join(work, "mlflow.db");
    // The experiment keeps its artifacts in the temp dir (a SQLite store would use ./mlruns).
    execFileSync(
      KFP_PYTHON,
      [
        "-c",
        "import mlflow, sys; mlflow.set_tracking_uri(sys.argv[1]); mlflow.create_experiment('iris-quickstart', artifact_location=sys.argv[2])",
        `sqlite:///${db}`,
        `file://${join(work, "artifacts")}`,
      ],
      { encoding: "utf8", env: { ...process.env, PYTHONWARNINGS: "ignore" } },
    );
    process.env.MLFLOW_TRACKING_URI = `sqlite:///${db}`;
    try {
      const run = await runKfpLocal(
        join(ROOT, "examples/iris-quickstart/kubeflow/iris_quickstart.yaml"),
        { iris_data_dir: join(work, "data"), n_estimators: 20 },
        { pipelineRoot: join(work, "root") },
      );
      expect(run.error, run.log.slice(-3000)).toBeUndefined();
      expect(run.ok).toBe(true);
      const byTask = Object.fromEntries(run.tasks.map((t) => [t.task, t]));
      expect(byTask["prepare-data"]?.outputs).toEqual({
        data_path: join(work, "data", "iris.csv"),
        rows: 150,
      });
      const accuracy = byTask["train-model"]?.outputs.accuracy as number;
      expect(accuracy).toBeGreaterThan(0.8);
      expect(String(byTask["train-model"]?.outputs.model_uri)).toMatch(/^models:\//);
    } finally {
      delete process.env.MLFLOW_TRACKING_URI;
    }
    const tags = execFileSync(
      KFP_PYTHON,
      [
        "-c",
        "import json, mlflow, sys; mlflow.set_tracking_uri(sys.argv[1]); r = mlflow.search_runs(experiment_names=['iris-quickstart'], output_format='list')[0]; print(json.dumps({'name': r.info.run_name, 'status': r.info.status, 'tags': {k: v for k, v in r.data.tags.items() if k.startswith('kfp.')}, 'metrics': r.data.metrics}))",
        `sqlite:///${db}`,
      ],
      { encoding: "utf8", env: { ...process.env, PYTHONWARNINGS: "ignore" } },
    );
    const tracked = JSON.parse(tags.trim().split("\n").pop() as string);
    expect(tracked.name).toBe(tracked.tags["kfp.task_name"]);
    expect(tracked.status).toBe("FINISHED");
    expect(tracked.tags["kfp.task_name"]).toContain("train-model");
    expect(tracked.tags["kfp.pipeline_job_name"]).toContain("iris-quickstart");
    expect(tracked.metrics.accuracy).toBeGreaterThan(0.8);
  });

  it("a task reads the files beside its module that taskFiles names: they travel in its command", async () => {
    const out = tempDir("mlgen-kfp-task-files-");
    const config = join(ROOT, "test/fixtures/task-files/mlgen.config.ts");
    const argv = ["compile", "--config", config, "--target", "kubeflow", "--out", out];
    expect(await mlgenHere(...argv)).toBe(0);
    // Nothing installed (kubeflow.installKfp: false): the launcher alone is the command.
    expect(readFileSync(join(out, "task_files.yaml"), "utf8")).not.toContain("pip install");
    const run = await runKfpLocal(join(out, "task_files.yaml"));
    expect(run.error, run.log.slice(-3000)).toBeUndefined();
    expect(run.tasks.map((t) => t.outputs.text)).toEqual([
      "SELECT count(*) FROM events WHERE kind = 'café' | threshold=0.9",
    ]);
  });

  it("oneOf: the task after both sides of the branch gets the outputs of the side that ran (dsl.OneOf's valueFromOneof), each side once", async () => {
    const yaml = files.find((f) => f.endsWith("one_of_sides.yaml")) as string;
    for (const [pick, got] of [
      ["left", "left:1.0"],
      ["right", "right:2.5"],
    ] as const) {
      const run = await runKfpLocal(yaml, { pick }, { asIs: true });
      expect(run.error, run.log.slice(-3000)).toBeUndefined();
      expect(run.tasks.map((t) => t.task)).toEqual([pick, "took"]);
      expect(run.tasks.find((t) => t.task === "took")?.outputs).toEqual({ got });
    }
  });

  it("a trigger rule after a gate: the short-circuit's dsl.If holds its all_done task too (MLG1045); after a one-sided branch it runs, as on Airflow", async () => {
    const yaml = files.find((f) => f.endsWith("gate_rules.yaml")) as string;
    const run = await runKfpLocal(yaml, { go: false });
    expect(run.error, run.log.slice(-3000)).toBeUndefined();
    const ran = run.tasks.map((t) => t.task).filter((t) => !["gate", "branch"].includes(t));
    expect(ran.sort()).toEqual(["branched-cleanup"]);
  });

  it("a latest-only gate (MLG3002): a KFP run cannot tell the latest run from a catch-up one, so the gate says so and what follows runs", async () => {
    const yaml = files.find((f) => f.endsWith("latest_only.yaml")) as string;
    const run = await runKfpLocal(yaml, {});
    expect(run.error, run.log.slice(-3000)).toBeUndefined();
    expect(run.tasks.map((t) => t.task).sort()).toEqual([
      "announce",
      "cleanup",
      "deploy",
      "latest",
      "report",
      "train",
    ]);
    expect(run.log).toContain(
      "not a latest-only gate on Kubeflow: mlgen's Kubeflow output does not tell a catch-up run from the latest one, so what follows runs",
    );
  });

  it("a loop body of three tasks: each instance gets what the instance before it in its iteration returned, and the lists collected after the loop keep the items' order, as on Airflow", async () => {
    const yaml = files.find((f) => f.endsWith("kfp_eq_loop_body.yaml")) as string;
    const run = await runKfpLocal(yaml, { threshold: 0.25 });
    expect(run.error, run.log.slice(-3000)).toBeUndefined();
    const outputs = (task: string) =>
      run.tasks
        .filter((t) => t.task === task)
        .sort((a, b) => a.scope.localeCompare(b.scope))
        .map((t) => [t.scope, t.outputs]);
    // One iteration per set, the three tasks of an iteration in its scope.
    expect(outputs("evaluate-model")).toEqual([
      ["for-loop-1-iteration-0", { score: 0.25 }],
      ["for-loop-1-iteration-1", { score: 0.5 }],
      ["for-loop-1-iteration-2", { score: 0.75 }],
    ]);
    expect(outputs("tag-model").map(([, o]) => o)).toEqual([
      { tag: "fail" },
      { tag: "fail" },
      { tag: "pass" },
    ]);
    // The same line as the Airflow run of this pipeline prints (airflow-constructs.test.ts).
    expect(run.log).toContain(
      "loop body: models=['model-a', 'model-b', 'model-c'] scores=[0.25, 0.5, 0.75] tags=['fail', 'fail', 'pass'] best=model-c",
    );
  });

  it("If/Elif/Elif/Else: the one side whose condition holds, the ones before it false, runs; oneOf gets its message", async () => {
    const yaml = files.find((f) => f.endsWith("kfp_eq_elif.yaml")) as string;
    for (const [accuracy, side] of [
      [0.9, "ship"],
      [0.8, "stage"],
      [0.6, "retry"],
      [0.2, "alert"],
    ] as const) {
      const run = await runKfpLocal(yaml, { accuracy });
      expect(run.error, run.log.slice(-3000)).toBeUndefined();
      const ran = run.tasks
        .map((t) => t.task)
        .filter((t) => !["square", "score-model"].includes(t));
      expect(ran, `accuracy ${accuracy}`).toEqual([side, "report-verdict"]);
      expect(run.tasks.find((t) => t.task === "report-verdict")?.outputs).toEqual({
        said: `hello ${side}`,
      });
    }
  });

  it("conditions against a param or another output: each reads its right side when it runs (two channels, evaluated as CEL over the condition's inputs)", async () => {
    const yaml = files.find((f) => f.endsWith("branch_on_params.yaml")) as string;
    for (const [args, ran] of [
      [{}, ["compare-runs", "deploy", "evaluate", "keep", "report", "train-more"]],
      [{ accuracy: 0.85, floor: 1, min_rows: 500, mode: "fast" }, ["evaluate", "retrain"]],
    ] as const) {
      const run = await runKfpLocal(yaml, args);
      expect(run.error, run.log.slice(-3000)).toBeUndefined();
      expect(run.tasks.map((t) => t.task).sort()).toEqual(ran);
    }
  });

  it("a python sensor's outputs: the task after it reads what it found (its output parameters), a dict once ready and one output's value itself", async () => {
    const yaml = files.find((f) => f.endsWith("sensor_outputs.yaml")) as string;
    const run = await runKfpLocal(yaml);
    expect(run.error, run.log.slice(-3000)).toBeUndefined();
    expect(run.tasks.find((t) => t.task === "wait-partition")?.outputs).toEqual({
      path: "/data/events",
      rows: 42,
    });
    expect(run.tasks.find((t) => t.task === "wait-count")?.outputs).toEqual({ count: 7 });
    expect(run.tasks.find((t) => t.task === "use")?.outputs).toEqual({
      got: "/data/events/part-0.csv:42:7",
    });
  });

  it("functions named like the component's own names (inputs, result, Outputs, posixpath) and an input named float run and hand their outputs on", async () => {
    // A function named `inputs` once failed every run: its local was rebound to the dict of
    // its keyword arguments (`inputs = {"x": x}`, then `inputs(**inputs)`).
    const names = [
      'def inputs(x: int) -> dict:\n    return {"v": x}\n',
      'def result(inputs: int, result: float) -> dict:\n    return {"v": inputs * result}\n',
      "def Outputs(v: float) -> float:\n    return v + 1\n",
      'def posixpath(path: str, float: float) -> str:\n    return f"{path}:{float!r}"\n',
    ].join("\n\n");
    const ir = pipeline("kfp_names", { params: { root: "/data" } }, (p) => {
      const load = p.python("load", {
        fn: "tasks/names.py:inputs",
        inputs: { x: 3 },
        outputs: { v: "int" },
      });
      const times = p.python("times", {
        fn: "tasks/names.py:result",
        inputs: { inputs: load.out.v, result: 2 },
        outputs: { v: "float" },
      });
      const plus = p.python("plus", {
        fn: "tasks/names.py:Outputs",
        inputs: { v: times.out.v },
        outputs: { v: "float" },
      });
      p.python("where", {
        fn: "tasks/names.py:posixpath",
        inputs: { path: p.params.root.join("x.csv"), float: plus.out.v },
        outputs: { at: "string" },
      });
    }).ir;
    const files = [{ path: "tasks/names.py", content: names }];
    const lowered = lowerPipeline({
      ir,
      sourceMap: {},
      modules: new Map(files.map((f) => [f.path, f.content])),
    });
    if (!lowered.ok) throw new Error(lowered.diagnostics.map((d) => d.message).join("\n"));
    const yaml = join(tempDir("mlgen-kfp-names-"), "kfp_names.yaml");
    writeFileSync(yaml, emitted(lowered.ir, files));
    const run = await runKfpLocal(yaml);
    expect(run.error, run.log.slice(-3000)).toBeUndefined();
    expect(Object.fromEntries(run.tasks.map((t) => [t.task, t.outputs]))).toEqual({
      load: { v: 3 },
      times: { v: 6 },
      plus: { v: 7 },
      where: { at: "/data/x.csv:7.0" },
    });
    expect(readFileSync(yaml, "utf8")).toContain('user_function = _load("tasks.names", "inputs")');
  });

  it("a fan-out, fan-in, branch into a group, join, short-circuit and exit handler run as on Airflow", async () => {
    const yaml = files.find((f) => f.endsWith("kfp_local.yaml")) as string;
    const records = tempDir("mlgen-kfp-local-");
    const read = (name: string) => JSON.parse(readFileSync(join(records, `${name}.json`), "utf8"));
    process.env.KFP_LOCAL_OUT = records;
    try {
      const run = await runKfpLocal(yaml, { out_dir: records });
      expect(run.error, run.log.slice(-3000)).toBeUndefined();
      const doubles = run.tasks.filter((t) => t.task === "double");
      expect(doubles.map((t) => t.outputs.doubled).sort()).toEqual([0.5, 1, 1.5]);
      expect(read("best")).toEqual({ doubled: [0.5, 1, 1.5], best: 1.5 });
      // Over a list param: one instance per item of the pipeline's input.
      expect(read("scaled")).toEqual({ factors: [2, 3], values: [3, 4.5] });
      // List and object params (LIST and STRUCT parameters) reach the function as a list and a dict.
      expect(read("scores_inputs")).toEqual({
        weights: [0.5, 1, "it's"],
        config: { depth: 3, tags: ["a"], nested: { ok: true } },
        scale: "2.0",
      });
      expect(read("deploy")).toBe(1.5); // the true side, inside the `ship` group
      expect(existsSync(join(records, "hold.json"))).toBe(false);
      // The nested branch after `hold` and the join after both its sides: skipped with `hold`.
      for (const skipped of ["recheck_yes", "recheck_no", "rejoin"]) {
        expect(existsSync(join(records, `${skipped}.json`)), skipped).toBe(false);
      }
      // After the true side, reading values from before the branch: ran with its side.
      expect(read("announce")).toEqual({ best: 1.5, count: 3 });
      expect(read("audit")).toBe("short-circuit let this through");
      // The python sensor polled in its container: an error retried once, then False, a
      // PokeReturnValue not done (by its is_done), and an object that is true: four calls.
      expect(read("ready")).toBe(4);
      // The join ran after the side that ran (audit is independent of it and may come later).
      const summary = read("summary") as string[];
      const ordered = summary.filter(
        (n) => !["audit", "announce", "scores_inputs", "ready", "scaled"].includes(n),
      );
      expect(ordered).toEqual(["best", "deploy", "scores"]);
      expect(existsSync(join(records, "alert.json"))).toBe(false); // succeeded: no failure alert

      const failed = tempDir("mlgen-kfp-local-fail-");
      process.env.KFP_LOCAL_OUT = failed;
      const bad = await runKfpLocal(yaml, { out_dir: failed, fail: true, audit: false });
      expect(bad.ok).toBe(false);
      expect(bad.error).toContain("scores");
      // The exit handler ran the pipeline's onFailure callback with the final state.
      expect(JSON.parse(readFileSync(join(failed, "alert.json"), "utf8"))).toEqual({
        state: "FAILED",
      });
      expect(existsSync(join(failed, "audit.json"))).toBe(false);
    } finally {
      delete process.env.KFP_LOCAL_OUT;
    }
  });
});
