import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipelineModules } from "@mlgen/core";
import { isPipelineDefinition } from "@mlgen/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  asset,
  callback,
  env,
  minutes,
  pipeline,
  seconds,
  slack,
  variable,
} from "../../dsl/src/index.js";
import { celString, isWellFormed, yamlComment, yamlDocuments } from "../src/escape/yaml.js";
import { kubeflowTarget, lowerPipeline, renderPipelineSpec } from "../src/index.js";
import { imageProblem } from "../src/passes/check-images.js";
import { shippedModules } from "../src/targets/kubeflow/modules.js";
import { k8sName, Namer } from "../src/targets/kubeflow/names.js";
import { celCondition, pyJsonDumps } from "../src/targets/kubeflow/spec.js";

const REPO = resolve(import.meta.dirname, "../../..");
/** A python task of the kfp_local fixture that reads no upstream value. */
const SCORES = { fn: "tasks/kfp_local.py:scores", inputs: { out_dir: "/tmp/o", fail: false } };
const FIXTURES = join(REPO, "test/fixtures");
const GOLDEN = join(FIXTURES, "golden");

async function input(name: string) {
  const file = join(FIXTURES, `pipelines/${name}.pipeline.ts`);
  const def = ((await import(file)) as { default: unknown }).default;
  if (!isPipelineDefinition(def)) throw new Error("no pipeline");
  return lowered(def.ir, `pipelines/${name}.pipeline.ts`);
}

function lowered(ir: unknown, sourceFile = "pipelines/p.pipeline.ts") {
  const modules = new Map<string, string | null>();
  for (const module of pipelineModules(ir as never)) {
    modules.set(module, readFileSync(join(FIXTURES, module), "utf8"));
  }
  const r = lowerPipeline({ ir, sourceMap: {}, modules });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  const pythonFiles = [...modules.keys()].map((path) => ({
    path,
    content: readFileSync(join(FIXTURES, path), "utf8"),
  }));
  return { ir: r.ir, hash: r.hash, sourceFile, sourceMap: {}, pythonFiles };
}

/** lowerPipeline's result for a pipeline of the kfp_local fixture's tasks, failed or not. */
function lowerWithKfpLocal(ir: unknown) {
  const source = readFileSync(join(FIXTURES, "tasks/kfp_local.py"), "utf8");
  return lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/kfp_local.py", source]]) });
}

/** A pipeline lowered with these project modules, as the Kubeflow target takes it. */
function loweredWith(ir: unknown, files: { path: string; content: string }[]) {
  const r = lowerPipeline({
    ir,
    sourceMap: {},
    modules: new Map(files.map((f) => [f.path, f.content])),
  });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { ...r, sourceFile: "pipelines/p.pipeline.ts", sourceMap: {}, pythonFiles: files };
}

function expectGolden(name: string, content: string) {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, content);
  expect(content).toBe(readFileSync(file, "utf8"));
}

const parse = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

/** `severity task: what` of each diagnostic the Kubeflow target gives a pipeline of one module. */
function saidAbout(ir: unknown, module: string, source: string): string[] {
  const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map([[module, source]]) });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return kubeflowTarget
    .validate({
      ...r,
      sourceFile: "pipelines/p.pipeline.ts",
      sourceMap: {},
      pythonFiles: [{ path: module, content: source }],
    })
    .map((d) => `${d.severity} ${d.task ?? "-"}: ${d.message.split(":")[0]}`);
}

// biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
type Doc = any;

describe("kubeflow target", () => {
  it.each([
    ["kfp-local", "kfp_local.yaml"],
    ["runtime", "runtime_constructs.yaml"],
    ["constructs", "constructs.yaml"],
  ])("%s matches its golden file and is deterministic", async (name, golden) => {
    const a = renderPipelineSpec(await input(name));
    const b = renderPipelineSpec(await input(name));
    expect(a).toBe(b);
    expectGolden(golden, a);
  });

  it("a trigger is a task that logs its conf and starts nothing (MLG3002), after what its conf reads, never cached", () => {
    const def = pipeline("t", {}, (p) => {
      const a = p.python("a", {
        fn: "tasks/constructs.py:list_model_types",
        outputs: { model_types: "list" },
      });
      p.trigger("start_b", { pipeline: "b", conf: { types: a.out.model_types, n: 2 }, wait: true });
    });
    const ir = lowered(def.ir);
    expect(
      kubeflowTarget
        .validate(ir)
        .filter((d) => d.task === "start_b")
        .map((d) => `${d.severity} ${d.code} ${d.message} | ${d.fix}`),
    ).toEqual([
      "warning MLG3002 trigger 'start_b' is approximated for Kubeflow Pipelines: a Kubeflow task cannot start another pipeline's run; the task only logs the conf, and waits for nothing | run pipeline b as a part of this one (its tasks in a group), or start it from your client when this run ends (`--strict` makes this an error; `// mlgen-disable-next-line MLG3002` above the call accepts it)",
    ]);
    const doc = parse(renderPipelineSpec(ir))[0] as Doc;
    const task = doc.root.dag.tasks["start-b"];
    expect(task.cachingOptions).toEqual({});
    expect(task.dependentTasks).toEqual(["a"]);
    expect(task.inputs.parameters).toEqual({
      n: { runtimeValue: { constant: 2 } },
      types: { taskOutputParameter: { outputParameterKey: "model_types", producerTask: "a" } },
    });
    const source = doc.deploymentSpec.executors["exec-start-b"].container.command.at(-1);
    expect(source).toContain(
      'print("not starting pipeline b: a Kubeflow task cannot start another pipeline\'s run; its conf would be", inputs)',
    );
  });

  it("container resources that kfp's validators would refuse but Kubernetes takes get their values, never .nan", () => {
    const def = pipeline("res", {}, (p) => {
      p.container("c", {
        image: "x",
        resources: { cpu: "100n", cpuLimit: "1.5", memory: "512k", memoryLimit: "1.5Gi" },
      });
    });
    const text = renderPipelineSpec(lowered(def.ir));
    expect(text).not.toContain(".nan");
    const resources = (parse(text)[0] as Doc).deploymentSpec.executors["exec-c"].container
      .resources;
    expect(resources).toMatchObject({
      cpuRequest: 1e-7,
      cpuLimit: 1.5,
      memoryRequest: 0.000512,
      memoryLimit: (1.5 * 2 ** 30) / 1e9,
      resourceCpuRequest: "100n",
      resourceMemoryRequest: "512k",
    });
  });

  it("a pipeline id with nothing Kubernetes-safe in it (___) is MLG3001: kfp refuses an empty pipeline name", () => {
    const def = pipeline("___", {}, (p) => {
      p.bash("a", { command: "true" });
    });
    expect(
      kubeflowTarget.validate(lowered(def.ir)).map((d) => `${d.severity} ${d.code} ${d.message}`),
    ).toEqual([
      expect.stringMatching(/^error MLG3001 pipeline id '___' .*made Kubernetes-safe it is ''/),
    ]);
    const fine = pipeline("_x_", {}, (p) => {
      p.bash("a", { command: "true" });
    });
    expect(kubeflowTarget.validate(lowered(fine.ir))).toEqual([]);
  });

  it("a shell task's env arrives as on Airflow: lists and dicts as JSON, joined paths, and $ as written (Kubernetes would expand $(X) and $$); the command gets no arguments", () => {
    const def = pipeline("envs", { params: { root: "/srv/" } }, (p) => {
      p.bash("show", {
        command:
          'printf "%s|" "$LIT" "$REF" "$LST" "$DCT" "$CONST" "$ABS" "$VAR" "$PARAM" "$BARE" "$SLASH" "$#" "$1"',
        env: {
          LIT: "pa$$word",
          REF: "$(DCT)-x",
          LST: [1, 2],
          DCT: { a: "b" },
          CONST: variable("unused", "x").join("/abs", "f.csv"),
          ABS: p.params.root.join("/etc", "app.conf"),
          VAR: variable("data_dir", "/data").join("sub", "x.csv"),
          PARAM: p.params.root.join("y.csv"),
          BARE: variable("data_dir", "/data").join(),
          SLASH: variable("data_dir", "/data").join(""),
        },
      });
    });
    expect(kubeflowTarget.validate(lowered(def.ir)).map((d) => d.message)).toEqual([]);
    const spec = parse(renderPipelineSpec(lowered(def.ir)))[0] as Doc;
    const container = spec.deploymentSpec.executors["exec-show"].container;
    // Kubernetes' env expansion: $$ is $, and $(NAME) is the value of an earlier NAME in the list.
    const env: Record<string, string> = {};
    for (const e of container.env as { name: string; value: string }[]) {
      env[e.name] = e.value.replace(/\$(\$|\(([A-Za-z_][A-Za-z0-9_]*)\))?/g, (m, next, name) =>
        next === "$" ? "$" : name !== undefined && name in env ? (env[name] as string) : m,
      );
    }
    // The run-time inputs as the KFP driver fills them: the variable, then the param.
    const args = (container.args as string[]).map((a) =>
      a.includes("env_PARAM") ? "/srv/" : /env_(BARE|VAR|SLASH)/.test(a) ? "/data" : a,
    );
    const out = execFileSync(container.command[0], [...container.command.slice(1), ...args], {
      env: { PATH: process.env.PATH, ...env },
      encoding: "utf8",
    });
    expect(out.split("|").slice(0, -1)).toEqual([
      "pa$$word",
      "$(DCT)-x",
      "[1,2]",
      '{"a":"b"}',
      "/abs/f.csv",
      "/etc/app.conf",
      "/data/sub/x.csv",
      "/srv/y.csv",
      "/data",
      "/data/",
      // No arguments, as under BashOperator's `bash -c`: the inputs came in as $1, $2, ...
      "0",
      "",
    ]);
  });

  it("tasks that call one function the same way get byte-identical executors (the KFP backend stores each distinct one once)", () => {
    const def = pipeline("fan", { params: { seed: 1 } }, (p) => {
      for (const kind of ["rf", "gbm", "lr"]) {
        p.python(`train_${kind}`, {
          fn: "tasks/constructs.py:train",
          inputs: { model_type: kind, seed: p.params.seed },
          outputs: { score: "float" },
        });
      }
      p.python("train_other", {
        fn: "tasks/constructs.py:train",
        inputs: { model_type: "x", seed: 2 },
        outputs: { accuracy: "float" },
      });
    });
    const spec = parse(renderPipelineSpec(lowered(def.ir)))[0] as Doc;
    const executors = spec.deploymentSpec.executors;
    const text = (label: string) => JSON.stringify(executors[label]);
    expect(Object.keys(executors).sort()).toEqual([
      "exec-train-gbm",
      "exec-train-lr",
      "exec-train-other",
      "exec-train-rf",
    ]);
    expect(text("exec-train-gbm")).toBe(text("exec-train-rf"));
    expect(text("exec-train-lr")).toBe(text("exec-train-rf"));
    // What differs between the tasks is in their task specs: the constant each passes.
    const tasks = spec.root.dag.tasks;
    expect(tasks["train-rf"].inputs.parameters.model_type).toEqual({
      runtimeValue: { constant: "rf" },
    });
    expect(tasks["train-gbm"].inputs.parameters.model_type).toEqual({
      runtimeValue: { constant: "gbm" },
    });
    // Another output is another function wrapper.
    expect(text("exec-train-other")).not.toBe(text("exec-train-rf"));
    const module = (executors["exec-train-rf"].container.command as string[]).find((c) =>
      c.startsWith("# Generated"),
    ) as string;
    expect(module).toContain(
      "# Generated by mlgen from pipelines/p.pipeline.ts for pipeline 'fan'.",
    );
    expect(module).toContain("def run_train(model_type: str, seed: int) -> Outputs:");
    expect(module).toContain(
      'return Outputs(**_outputs("tasks/constructs.py:train", result, {"score": "float"}))',
    );
    expect(module).not.toMatch(/train_rf|train-rf/);
  });

  it("names follow kfp: k8s-safe keys, comp-/exec- prefixes, -2 for duplicates", async () => {
    expect(k8sName("Train_Model.v2!!")).toBe("train-model-v2");
    expect(k8sName("--a__b--")).toBe("a-b");
    const n = new Namer();
    expect([n.claim("add"), n.claim("add"), n.claim("ADD"), n.claim("a_d_d")]).toEqual([
      "add",
      "add-2",
      "add-3",
      "a-d-d",
    ]);
    const [spec] = parse(renderPipelineSpec(await input("kfp-local"))) as Doc[];
    for (const [key, c] of Object.entries(spec.components) as [string, Doc][]) {
      expect(key).toMatch(/^comp-[a-z0-9][-a-z0-9]*$/);
      if (c.executorLabel) expect(c.executorLabel).toBe(`exec-${key.slice("comp-".length)}`);
    }
    expect(spec.pipelineInfo).toEqual({
      name: "kfp-local",
      displayName: "kfp_local",
      description: "Fan-out, branch, group and exit handler, run by kfp.local in tests.",
    });
    expect(spec.schemaVersion).toBe("2.1.0");
  });

  it("wires a branch as If/Else, a map as ParallelFor with a collected output, alerts as an exit handler", async () => {
    const [spec] = parse(renderPipelineSpec(await input("kfp-local"))) as Doc[];
    const root = spec.root.dag.tasks;
    expect(Object.keys(root).sort()).toEqual(["alerts", "exit-handler-1"]);
    expect(root.alerts).toMatchObject({
      dependentTasks: ["exit-handler-1"],
      inputs: { parameters: { status: { taskFinalStatus: { producerTask: "exit-handler-1" } } } },
      triggerPolicy: { strategy: "ALL_UPSTREAM_TASKS_COMPLETED" },
    });
    const guarded = spec.components["comp-exit-handler-1"].dag.tasks;
    const loop = Object.entries(guarded).find(([k]) => k.startsWith("for-loop-")) as [string, Doc];
    expect(loop[1].parameterIterator.items).toEqual({ raw: "[0.25, 0.5, 0.75]" });
    expect(guarded.best.inputs.parameters.doubled).toEqual({
      taskOutputParameter: {
        producerTask: loop[0],
        outputParameterKey: "pipelinechannel--double-doubled",
      },
    });
    expect(spec.components[`comp-${loop[0]}`].outputDefinitions.parameters).toEqual({
      "pipelinechannel--double-doubled": { parameterType: "LIST" },
    });
    const branches = Object.keys(guarded).find((k) =>
      k.startsWith("condition-branches-"),
    ) as string;
    expect(guarded[branches].dependentTasks).toEqual(["best", "scores"]);
    const sides = spec.components[`comp-${branches}`].dag.tasks;
    const conditions = Object.values(sides).map((t) => (t as Doc).triggerPolicy.condition);
    expect(conditions.sort()).toEqual([
      "!(inputs.parameter_values['pipelinechannel--best-best'] > 1.0)",
      "inputs.parameter_values['pipelinechannel--best-best'] > 1.0",
    ]);
    // The join waits for the wrapper, which always ends, and needs no trigger rule.
    expect(guarded.summarize.dependentTasks).toEqual([branches]);
    expect(guarded.summarize.triggerPolicy).toBeUndefined();
    expect(guarded.scores.retryPolicy).toEqual({
      maxRetryCount: 1,
      backoffDuration: "1s",
      backoffFactor: 1,
      backoffMaxDuration: "315360000s",
    });
  });

  it("a map over a mapped task's output runs in that task's loop, reading it in the same iteration; a loop-mate's other output read whole, and a different limit, are said", () => {
    const source =
      "def make() -> dict:\n    return {'xs': [1]}\n\n\ndef sq(x: int) -> dict:\n    return {'y': x, 'z': x}\n\n\ndef two(x: int, zs: list) -> dict:\n    return {'y': x}\n";
    const build = (limit: number | undefined, readWhole: boolean) =>
      pipeline("chained", {}, (p) => {
        const m = p.python("make", { fn: "tasks/m.py:make", outputs: { xs: "list" } });
        const sq = p.map("square", {
          fn: "tasks/m.py:sq",
          over: m.out.xs,
          as: "x",
          outputs: { y: "int", z: "int" },
          maxActiveTisPerDag: 3,
        });
        const again = p.map("again", {
          fn: "tasks/m.py:two",
          over: sq.out.y,
          as: "x",
          inputs: { zs: readWhole ? sq.out.z : [1, 2] },
          outputs: { y: "int" },
          ...(limit === undefined ? {} : { maxActiveTisPerDag: limit }),
        });
        p.python("after", { fn: "tasks/m.py:two", inputs: { x: 1, zs: again.out.y } });
      }).ir;
    const files = [{ path: "tasks/m.py", content: source }];
    const [spec] = parse(renderPipelineSpec(loweredWith(build(undefined, false), files))) as Doc[];
    expect(Object.keys(spec.root.dag.tasks).sort()).toEqual(["after", "for-loop-1", "make"]);
    const loop = spec.components["comp-for-loop-1"];
    expect(Object.keys(loop.dag.tasks).sort()).toEqual(["again", "square"]);
    expect(loop.dag.tasks.again.inputs.parameters.x).toEqual({
      taskOutputParameter: { producerTask: "square", outputParameterKey: "y" },
    });
    expect(loop.dag.tasks.again.dependentTasks).toEqual(["square"]);
    expect(spec.root.dag.tasks["for-loop-1"].iteratorPolicy).toEqual({ parallelismLimit: 3 });
    expect(spec.components["comp-again"].inputDefinitions.parameters.x).toEqual({
      parameterType: "NUMBER_INTEGER",
    });
    expect(spec.root.dag.tasks.after.inputs.parameters.zs).toEqual({
      taskOutputParameter: {
        producerTask: "for-loop-1",
        outputParameterKey: "pipelinechannel--again-y",
      },
    });
    expect(saidAbout(build(undefined, false), "tasks/m.py", source)).toEqual([]);
    expect(saidAbout(build(3, false), "tasks/m.py", source)).toEqual([]);
    expect(saidAbout(build(1, true), "tasks/m.py", source)).toEqual([
      "warning again: the instance limit of task 'again' (1) is approximated for Kubeflow Pipelines",
      "error again: input 'zs' of 'again' cannot be expressed for Kubeflow Pipelines",
    ]);
    // A map that waits for a reader of the loop's collected outputs stays out of the loop (it
    // would wait for that reader, which waits for the loop): MLG3001, naming what it waits for.
    const reader = (byData: boolean) =>
      pipeline("reader", {}, (p) => {
        const m = p.python("make", { fn: "tasks/m.py:make", outputs: { xs: "list" } });
        const sq = p.map("square", {
          fn: "tasks/m.py:sq",
          over: m.out.xs,
          as: "x",
          outputs: { y: "int" },
        });
        const pick = p.python("pick", {
          fn: "tasks/m.py:two",
          inputs: { x: 1, zs: sq.out.y },
          outputs: { y: "int" },
        });
        const again = p.map("again", {
          fn: "tasks/m.py:two",
          over: sq.out.y,
          as: "x",
          inputs: { zs: byData ? [pick.out.y] : [1] },
        });
        if (!byData) again.after(pick);
      }).ir;
    for (const byData of [true, false]) {
      const said = kubeflowTarget.validate(loweredWith(reader(byData), files));
      expect(
        said.map((d) => `${d.code} ${d.task}: ${d.message.split(": ").slice(1).join(": ")}`),
      ).toEqual([
        "MLG3001 again: it is the collected output of 'square', and 'again' waits for 'pick', which runs after the loop of 'square', so the two cannot run in that loop item by item; and KFP does not iterate the outputs collected from another loop (kfp refuses dsl.ParallelFor over dsl.Collected)",
      ]);
    }
    // The loop moves whole: a chained map after a short-circuit takes the map before it along.
    const gated = pipeline("gated", { params: { go: true } }, (p) => {
      const m = p.python("make", { fn: "tasks/m.py:make", outputs: { xs: "list" } });
      const sq = p.map("square", {
        fn: "tasks/m.py:sq",
        over: m.out.xs,
        as: "x",
        outputs: { y: "int" },
      });
      const gate = p.shortCircuit("gate", { when: [p.params.go, "==", true] });
      p.map("again", {
        fn: "tasks/m.py:two",
        over: sq.out.y,
        as: "x",
        inputs: { zs: [1] },
      }).after(gate);
    }).ir;
    const said = kubeflowTarget.validate(loweredWith(gated, files));
    expect(said.map((d) => `${d.task}: ${d.message.split(": ").slice(1).join(": ")}`)).toEqual([
      "square: it runs in one ParallelFor with 'again' (which maps over the output of a task in that loop), and 'again' waits for 'gate', so Kubeflow would skip 'square' with that condition, where Airflow runs it whatever 'gate' decides",
    ]);
  });

  it("an elif chain renumbers the scopes after it as kfp does, and never onto a task's key (for_loop_6 is for-loop-6)", () => {
    const source = "def f(x=None) -> dict:\n    return {'v': 1.0}\n";
    const build = (clash: boolean) =>
      pipeline("renumbered", {}, (p) => {
        const s = p.python("score", { fn: "tasks/m.py:f", outputs: { v: "float" } });
        if (clash) p.python("for_loop_6", { fn: "tasks/m.py:f" });
        const a = p.python("a", { fn: "tasks/m.py:f" });
        const b = p.python("b", { fn: "tasks/m.py:f" });
        const c = p.python("c", { fn: "tasks/m.py:f" });
        const inner = p.branch("inner", {
          when: [s.out.v, ">", 0.5],
          ifTrue: b,
          ifFalse: c,
        });
        p.branch("outer", { when: [s.out.v, ">", 0.9], ifTrue: a, ifFalse: inner });
        // After the chain (a join of its sides), so that kfp opens its loop after the If/Elif.
        p.map("each", {
          fn: "tasks/m.py:f",
          over: [1, 2],
          as: "x",
          triggerRule: "none_failed_min_one_success",
        }).after(a, b, c);
      }).ir;
    const files = [{ path: "tasks/m.py", content: source }];
    const keys = (clash: boolean) => {
      const [spec] = parse(renderPipelineSpec(loweredWith(build(clash), files))) as Doc[];
      return Object.keys(spec.root.dag.tasks).sort();
    };
    // condition-branches-1 holds condition-2, -3 and -4; the loop's item is 5, the loop 6.
    expect(keys(false)).toEqual(["condition-branches-1", "for-loop-6", "score"]);
    // A task already named for-loop-6: the scopes keep their numbers (every task is there).
    expect(keys(true)).toEqual(["condition-branches-1", "for-loop-6", "for-loop-8", "score"]);
  });

  it("a condition against a param or another output reads both as the condition's inputs, compared as read", async () => {
    const [spec] = parse(renderPipelineSpec(await input("branch-params"))) as Doc[];
    const tasks = spec.root.dag.tasks;
    const conditions = Object.entries(tasks)
      .filter(([k]) => k.startsWith("condition-") && !k.startsWith("condition-branches-"))
      .map(([, t]) => [(t as Doc).triggerPolicy.condition, (t as Doc).inputs.parameters]);
    const channel = (name: string) => `inputs.parameter_values['pipelinechannel--${name}']`;
    const param = (name: string) => ({ componentInputParameter: name });
    const output = (key: string) => ({
      taskOutputParameter: { producerTask: "evaluate", outputParameterKey: key },
    });
    expect(conditions).toEqual(
      expect.arrayContaining([
        [
          `${channel("evaluate-accuracy")} > ${channel("floor")}`,
          {
            "pipelinechannel--evaluate-accuracy": output("accuracy"),
            "pipelinechannel--floor": param("floor"),
          },
        ],
        [
          `${channel("evaluate-accuracy")} > ${channel("evaluate-baseline")}`,
          {
            "pipelinechannel--evaluate-accuracy": output("accuracy"),
            "pipelinechannel--evaluate-baseline": output("baseline"),
          },
        ],
        [
          `${channel("evaluate-rows")} >= ${channel("min_rows")}`,
          {
            "pipelinechannel--evaluate-rows": output("rows"),
            "pipelinechannel--min_rows": param("min_rows"),
          },
        ],
        [
          `${channel("mode")} == ${channel("evaluate-mode")}`,
          {
            "pipelinechannel--mode": param("mode"),
            "pipelinechannel--evaluate-mode": output("mode"),
          },
        ],
      ]),
    );
    expect(conditions).toHaveLength(4);
    const branches = spec.components["comp-condition-branches-4"].dag.tasks;
    expect(
      Object.values(branches)
        .map((t) => (t as Doc).triggerPolicy.condition)
        .sort(),
    ).toEqual([
      `!(${channel("evaluate-accuracy")} >= ${channel("threshold")})`,
      `${channel("evaluate-accuracy")} >= ${channel("threshold")}`,
    ]);
    // A value Kubeflow has no parameter for, on the right as on the left, is said by name.
    const def = pipeline("p", {}, (p) => {
      const ev = p.python("ev", {
        fn: "tasks/branch_params.py:evaluate",
        inputs: { accuracy: 0.9 },
        outputs: { mode: "string" },
      });
      p.shortCircuit("gate", { when: [ev.out.mode, "==", env("MODE")] });
    });
    expect(
      kubeflowTarget
        .validate(lowered(def.ir))
        .map((d) => d.message.split(":").slice(0, 2).join(":")),
    ).toEqual([
      "the condition of 'gate' cannot be expressed for Kubeflow Pipelines: Kubeflow evaluates conditions on task outputs and pipeline parameters, not on env values",
    ]);
  });

  it("CEL conditions follow kfp's casts and promotions, with escaped strings", () => {
    const c = (
      type: Parameters<typeof celCondition>[1],
      op: "==" | ">",
      right: string | number | boolean,
    ) =>
      celCondition("pipelinechannel--t-x", type, {
        left: { kind: "literal", value: 0 },
        op,
        right,
      });
    expect(c("NUMBER_INTEGER", ">", 3)).toBe(
      "int(inputs.parameter_values['pipelinechannel--t-x']) > 3",
    );
    expect(c("NUMBER_INTEGER", ">", 0.5)).toBe(
      "double(int(inputs.parameter_values['pipelinechannel--t-x'])) > 0.5",
    );
    expect(c("NUMBER_DOUBLE", ">", 1)).toBe(
      "inputs.parameter_values['pipelinechannel--t-x'] > 1.0",
    );
    expect(c("BOOLEAN", "==", true)).toBe(
      "inputs.parameter_values['pipelinechannel--t-x'] == true",
    );
    expect(c("STRING", "==", "it's")).toBe(
      "inputs.parameter_values['pipelinechannel--t-x'] == 'it\\'s'",
    );
    expect(celString("a\\b\n\u0001")).toBe("'a\\\\b\\n\\u0001'");
  });

  it("whole numbers beyond 2^53 compare as CEL doubles: 1e21 is written 1e+21, never 1e+21.0", () => {
    const c = (type: Parameters<typeof celCondition>[1], right: number) =>
      celCondition("pipelinechannel--t-x", type, {
        left: { kind: "literal", value: 0 },
        op: ">",
        right,
      });
    expect(c("NUMBER_DOUBLE", 1e21)).toBe(
      "inputs.parameter_values['pipelinechannel--t-x'] > 1e+21",
    );
    expect(c("NUMBER_DOUBLE", -1e-7)).toBe(
      "inputs.parameter_values['pipelinechannel--t-x'] > -1e-7",
    );
    expect(c("NUMBER_INTEGER", 1e21)).toBe(
      "double(int(inputs.parameter_values['pipelinechannel--t-x'])) > 1e+21",
    );
  });

  it("what KFP cannot express is said: failure trigger rules (error), assets and maxActiveTasks (warnings), a map over the outputs of a task mapped in another group (error)", () => {
    const source =
      "def make() -> dict:\n    return {'xs': [1]}\n\n\ndef sq(x: int) -> dict:\n    return {'y': x}\n\n\ndef ok(tag: str) -> None:\n    pass\n";
    const ir = pipeline("odd", { schedule: [asset("s3://b/raw")], maxActiveTasks: 4 }, (p) => {
      const m = p.python("make", {
        fn: "tasks/m.py:make",
        outputs: { xs: "list" },
        outlets: [asset("s3://b/curated")],
      });
      const sq = p.map("square", {
        fn: "tasks/m.py:sq",
        over: m.out.xs,
        as: "x",
        outputs: { y: "int" },
      });
      p.group("later", {}, (g) => {
        g.map("again", { fn: "tasks/m.py:sq", over: sq.out.y, as: "x", outputs: { y: "int" } });
      });
      p.python("on_fail", {
        fn: "tasks/m.py:ok",
        inputs: { tag: "x" },
        triggerRule: "one_failed",
      }).after(m);
      p.python("all_bad", {
        fn: "tasks/m.py:ok",
        inputs: { tag: "x" },
        triggerRule: "all_failed",
      }).after(m);
      p.python("any", {
        fn: "tasks/m.py:ok",
        inputs: { tag: "x" },
        triggerRule: "one_success",
      }).after(m);
    }).ir;
    const said = saidAbout(ir, "tasks/m.py", source);
    expect(said).toEqual(
      expect.arrayContaining([
        "warning -: the asset schedule of pipeline 'odd' (s3",
        "warning make: the outlets of 'make' are approximated for Kubeflow Pipelines",
        "warning -: maxActiveTasks of pipeline 'odd' (4) is approximated for Kubeflow Pipelines",
        "error later.again: the list that 'later.again' maps over cannot be expressed for Kubeflow Pipelines",
        "error on_fail: trigger rule 'one_failed' of 'on_fail' cannot be expressed for Kubeflow Pipelines",
        "error all_bad: trigger rule 'all_failed' of 'all_bad' cannot be expressed for Kubeflow Pipelines",
        "warning any: trigger rule 'one_success' of 'any' is approximated for Kubeflow Pipelines",
      ]),
    );
  });

  it("literal loop lists are written as Python's json.dumps writes them", () => {
    expect(pyJsonDumps([1, "é", { a: [true, null] }, 0.5])).toBe(
      '[1, "\\u00e9", {"a": [true, null]}, 0.5]',
    );
  });

  it("YAML scalars read back exactly as YAML 1.1 (PyYAML, kfp) and 1.2 (fuzzed)", () => {
    const tricky = fc.constantFrom(
      "2025-01-01",
      "yes",
      "on",
      "No",
      "~",
      "=",
      "<<",
      "0o17",
      "1_000",
      "0x1F",
      "1:20",
      "+1",
      "-.inf",
      ".NaN",
      "null",
      "Y",
      "- a",
      "? x",
      "!x",
      "&a",
      "*a",
      "%x",
      "@x",
      "`x",
      "#c",
      "a #b",
      "a: b",
      "---",
      "...",
      " lead",
      "trail ",
      "",
      "'q",
      "tab\tx",
      "\u0085x",
      "\ufeffx",
      "multi\nline",
      "multi\nline\n",
      "a\n\n",
      "  \n",
      "\n  x",
      "x\n \ny",
      "\ud800",
      "\udc00x",
      "😀\n",
    );
    const text = fc.oneof(tricky, fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }));
    // Whether any string or key in v holds an unpaired surrogate (what the writer notes).
    const lone = (v: unknown): boolean =>
      typeof v === "string"
        ? !isWellFormed(v)
        : v !== null && typeof v === "object"
          ? Object.entries(v).some(([k, x]) => !isWellFormed(k) || lone(x))
          : false;
    const check = (v: unknown) => {
      const facts = { loneSurrogate: false };
      const out = yamlDocuments([v], [], facts);
      expect(facts.loneSurrogate).toBe(lone(v));
      for (const version of ["1.1", "1.2"] as const) {
        const [doc] = parseAllDocuments(out, { version }).map((d) => d.toJS());
        expect(doc, `${version}: ${out}`).toEqual(v);
      }
    };
    fc.assert(
      fc.property(text, text, fc.double({ noNaN: true }), fc.integer(), (s, t, x, n) => {
        check({ s, list: [s, t, x, n, true, null], [t || "k"]: { [s || "j"]: [t] } });
        expect(yamlComment(s)).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
      }),
      { numRuns: 400 },
    );
  });

  it("YAML of values met more than once (shared objects, long repeated texts) is the YAML of their copies", () => {
    const long = fc
      .tuple(fc.string({ unit: "grapheme", maxLength: 20 }), fc.integer({ min: 13, max: 40 }))
      .map(([line, n]) => Array.from({ length: n }, (_, i) => `${line}${i}`).join("\n"));
    const leaf = fc.oneof(long, fc.string(), fc.integer(), fc.constant(null));
    const shared = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(leaf, fc.array(leaf)), {
      minKeys: 0,
      maxKeys: 4,
    });
    fc.assert(
      fc.property(shared, long, fc.array(fc.nat(3), { maxLength: 6 }), (obj, text, depths) => {
        // The same object and text at several depths (indentations), as tasks share containers.
        const doc: Record<string, unknown> = { top: obj, again: obj, text, list: [obj, text] };
        for (const [i, d] of depths.entries()) {
          let v: unknown = { obj, text };
          for (let k = 0; k < d; k++) v = { [`l${k}`]: v, items: [v] };
          doc[`d${i}`] = v;
        }
        expect(yamlDocuments([doc], [])).toBe(yamlDocuments([JSON.parse(JSON.stringify(doc))], []));
        const [back] = parseAllDocuments(yamlDocuments([doc], [])).map((d) => d.toJS());
        expect(back).toEqual(JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: 200 },
    );
  });

  it("a task outside a group that waits for what a condition inside the group holds is MLG3001 (Kubeflow runs it once the group is done, Airflow skips it)", () => {
    const errors = (build: Parameters<typeof pipeline>[2]) =>
      kubeflowTarget
        .validate(lowered(pipeline("inner", {}, build).ir))
        .filter((d) => d.severity === "error")
        .map((d) => `${d.task}: ${d.message.split(": it waits")[1]}`);
    const produce = (g: Parameters<Parameters<typeof pipeline>[2]>[0]) =>
      g.python("produce", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
    // A short-circuit in a group: after the group, after a gated task, after the gate itself.
    expect(
      errors((p) => {
        let gated: ReturnType<typeof p.bash> | undefined;
        let gate: ReturnType<typeof p.shortCircuit> | undefined;
        const g = p.group("g", {}, (g) => {
          const s = produce(g);
          gate = g.shortCircuit("gate", { when: [s.out.count, ">", 5] });
          gated = g.bash("t", { command: "echo t" }).after(gate);
        });
        p.bash("after_group", { command: "echo u" }).after(g);
        p.bash("after_task", { command: "echo u", triggerRule: "all_done" }).after(gated as never);
        p.bash("after_gate", { command: "echo u" }).after(gate as never);
      }),
    ).toEqual([
      "after_gate:  for 'g.gate', a condition inside task group 'g', so Kubeflow runs 'after_gate' once 'g' is done whatever 'g.gate' decides, where Airflow skips it when the condition does not hold",
      "after_group:  for 'g.t', which sits in the condition of 'g.gate' inside task group 'g', so Kubeflow runs 'after_group' once 'g' is done whatever 'g.gate' decides, where Airflow skips it when the condition does not hold",
      "after_task:  for 'g.t', which sits in the condition of 'g.gate' inside task group 'g', so Kubeflow runs 'after_task' once 'g' is done whatever 'g.gate' decides, where Airflow skips it when the condition does not hold",
    ]);
    // A one-sided branch in a group: what waits for its side by all_success is skipped with it;
    // a join rule runs on both engines, and so does a two-sided branch's join.
    expect(
      errors((p) => {
        const g = p.group("g", {}, (g) => {
          const s = produce(g);
          const a = g.bash("a", { command: "echo a" });
          g.branch("route", { when: [s.out.count, ">", 5], ifTrue: a });
        });
        p.bash("u", { command: "echo u" }).after(g);
        p.bash("v", { command: "echo v", triggerRule: "none_failed" }).after(g);
        const h = p.group("h", {}, (h) => {
          const s = produce(h);
          const a = h.bash("a", { command: "echo a" });
          const b = h.bash("b", { command: "echo b" });
          h.branch("route", { when: [s.out.count, ">", 5], ifTrue: a, ifFalse: b });
        });
        p.bash("w", { command: "echo w" }).after(h);
      }),
    ).toEqual([
      "u:  for 'g.a', which sits in the condition of 'g.route' inside task group 'g', so Kubeflow runs 'u' once 'g' is done whatever 'g.route' decides, where Airflow skips it when the condition does not hold",
    ]);
  });

  it("a condition that would carry tasks that do not depend on it (a group's other tasks, another gate) is MLG3001", () => {
    const errors = (build: Parameters<typeof pipeline>[2]) =>
      kubeflowTarget
        .validate(lowered(pipeline("gates", {}, build).ir))
        .filter((d) => d.severity === "error")
        .map((d) => `${d.task}: ${d.message}`);
    const produce = (p: Parameters<Parameters<typeof pipeline>[2]>[0], id = "produce") =>
      p.python(id, {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
    // A branch target inside a group: the group's other task does not depend on the branch.
    expect(
      errors((p) => {
        const s = produce(p);
        let act: ReturnType<typeof p.bash> | undefined;
        p.group("g", {}, (g) => {
          act = g.bash("act", { command: "echo act" });
          g.bash("other", { command: "echo other" });
        });
        p.branch("gate", { when: [s.out.count, ">", 5], ifTrue: act as never });
      }),
    ).toEqual([
      "g.other: task 'g.other' cannot be expressed for Kubeflow Pipelines: it would sit inside the condition of 'gate' with the rest of task group 'g', so Kubeflow would skip it with that condition, where Airflow runs it whatever 'gate' decides",
    ]);
    // The same with a short-circuit whose downstream task shares a group.
    expect(
      errors((p) => {
        const s = produce(p);
        const ok = p.shortCircuit("enough", { when: [s.out.count, ">", 5] });
        p.group("reports", {}, (g) => {
          g.bash("cleanup", { command: "echo clean" }).after(ok);
          g.bash("summary", { command: "echo summary" });
        });
      }),
    ).toEqual([
      "reports.summary: task 'reports.summary' cannot be expressed for Kubeflow Pipelines: it would sit inside the condition of 'enough' with the rest of task group 'reports', so Kubeflow would skip it with that condition, where Airflow runs it whatever 'enough' decides",
    ]);
    // A gate behind another gate runs nothing on KFP: nested conditions are Airflow's AND.
    expect(
      errors((p) => {
        const s = produce(p);
        const a = p.shortCircuit("gate_a", { when: [s.out.count, ">", 1] });
        const b = p.shortCircuit("gate_b", { when: [s.out.count, "<", 10] });
        p.bash("train", { command: "echo train" }).after(a, b);
      }),
    ).toEqual([]);
    // A branch on a whole group, and a target at the top level, stay fine.
    expect(
      errors((p) => {
        const s = produce(p);
        const g = p.group("g", {}, (gg) => {
          gg.bash("act", { command: "echo act" });
          gg.bash("other", { command: "echo other" });
        });
        const solo = p.bash("solo", { command: "echo solo" });
        p.branch("gate", { when: [s.out.count, ">", 5], ifTrue: g, ifFalse: solo });
      }),
    ).toEqual([]);
  });

  it("'$$' in what reaches a container's command or args is said: Kubernetes turns it into '$'", () => {
    const source = 'PRICE = "cost: $$"\n\n\ndef go() -> None:\n    print(PRICE)\n';
    const ir = pipeline("dollars", {}, (p) => {
      p.bash("tmp", { command: "tmp=/tmp/work.$$ && echo $tmp" });
      p.container("serve", { image: "busybox", command: ["sh", "-c", "echo $$"] });
      p.python("go", { fn: "tasks/d.py:go" });
    }).ir;
    const said = saidAbout(ir, "tasks/d.py", source);
    expect(said.sort()).toEqual([
      "error -: task module tasks/d.py cannot be expressed for Kubeflow Pipelines",
      "warning serve: the command of 'serve' is approximated for Kubeflow Pipelines",
      "warning tmp: the command of 'tmp' is approximated for Kubeflow Pipelines",
    ]);
  });

  it("'$(NAME)' of a variable the pod has is said where it reaches a container's command: Kubernetes replaces it", () => {
    // The module is shared by a task whose pod has HF_HOME (its kubeflow.env) and one whose pod
    // has API_TOKEN (a secret); $(date) and $(OTHER) name no variable and stay as written.
    const source =
      'CACHE = "$(HF_HOME)/cache"\nAUTH = "Bearer $(API_TOKEN)"\nPOD = "$(KFP_POD_NAME)"\nDB = "$(MYSQL_PORT_3306_TCP_ADDR)"\nNOTE = "$(date) $(OTHER) $$(HF_HOME)"\n\n\ndef go() -> None:\n    print(CACHE, AUTH, POD, DB, NOTE)\n';
    const ir = pipeline("dollars", { params: { day: "today" } }, (p) => {
      p.python("a", { fn: "tasks/d.py:go", kubeflow: { env: { HF_HOME: "/data" } } });
      p.python("b", { fn: "tasks/d.py:go" });
      p.bash("sh", {
        command: "echo $(DATA) $(API_TOKEN) $(date) $(LATER) $DATA",
        env: { DATA: "/data", LATER: p.params.day },
      });
    }).ir;
    const said = kubeflowTarget
      .validate({
        ...loweredWith(ir, [{ path: "tasks/d.py", content: source }]),
        settings: { kubeflow: { secretEnv: { API_TOKEN: { secret: "api", key: "token" } } } },
      })
      .map((d) => `${d.severity} ${d.task ?? "-"}: ${d.message.replace(/^.*?: it holds /, "")}`)
      .sort();
    expect(said).toEqual([
      "error -: '$$', which Kubernetes turns into '$' in a container's command and args, where the modules travel: the module would run changed",
      "error a: '$(API_TOKEN)', and API_TOKEN is a variable of the pod of 'a': Kubernetes replaces '$(API_TOKEN)' by its value in a container's command, where the modules travel, so the module would run changed",
      "error a: '$(HF_HOME)', and HF_HOME is a variable of the pod of 'a': Kubernetes replaces '$(HF_HOME)' by its value in a container's command, where the modules travel, so the module would run changed",
      "error a: '$(KFP_POD_NAME)', and KFP_POD_NAME is a variable of the pod of 'a': Kubernetes replaces '$(KFP_POD_NAME)' by its value in a container's command, where the modules travel, so the module would run changed",
      "error a: '$(MYSQL_PORT_3306_TCP_ADDR)', and MYSQL_PORT_3306_TCP_ADDR is a variable of the pod of 'a': Kubernetes replaces '$(MYSQL_PORT_3306_TCP_ADDR)' by its value in a container's command, where the modules travel, so the module would run changed",
      "warning sh: '$(API_TOKEN)', and API_TOKEN is a variable of the task's pod: Kubernetes replaces '$(API_TOKEN)' by its value in a container's command, where Airflow's bash runs a command named API_TOKEN",
      "warning sh: '$(DATA)', and DATA is a variable of the task's pod: Kubernetes replaces '$(DATA)' by its value in a container's command, where Airflow's bash runs a command named DATA",
    ]);
  });

  it("a literal env value holding Jinja is said: Airflow renders it, Kubeflow passes it as written", () => {
    const ir = pipeline("envs", {}, (p) => {
      p.bash("show", {
        command: "echo $LIT $PCT $PLAIN",
        // SCRIPT ends in .sh: Airflow writes it as literal(...) and does not render it.
        env: {
          LIT: "literal {{ ds }}",
          PCT: "100% {# note",
          PLAIN: "plain",
          SCRIPT: "{{ ds }}/run.sh",
        },
      });
      p.container("serve", {
        image: "busybox",
        command: ["env"],
        env: { DAY: "{% if true %}x{% endif %}" },
      });
    }).ir;
    const lines = kubeflowTarget
      .validate(lowered(ir))
      .map((d) => `${d.severity} ${d.code} ${d.task ?? "-"}: ${d.message}`)
      .sort();
    expect(lines).toEqual([
      expect.stringMatching(
        /^warning MLG3002 serve: template '\{% if true %\}x\{% endif %\}' in 'serve'/,
      ),
      expect.stringMatching(/^warning MLG3002 show: template '100% \{# note' in 'show'/),
      expect.stringMatching(/^warning MLG3002 show: template 'literal \{\{ ds \}\}' in 'show'/),
    ]);
  });

  it("a literal or default holding '{{$' is said: KFP fills in its placeholders there", () => {
    const ir = pipeline("dollar", { params: { tag: "run {{$.pipeline_job_name}}" } }, (p) => {
      p.python("a", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/{{$}}", fail: false },
        outputs: { values: "list", count: "int" },
      });
      p.python("b", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: variable("note", "{{$}}"), fail: false },
        outputs: { values: "list", count: "int" },
      });
    }).ir;
    const lines = kubeflowTarget
      .validate(lowered(ir))
      .filter((d) => d.message.includes("{{$"))
      .map((d) => `${d.task ?? "-"}: ${d.message.split(" is approximated")[0]}`)
      .sort();
    expect(lines).toEqual([
      "-: the default of param 'tag'",
      "-: the default of variable('note')",
      "a: input 'out_dir' of 'a'",
    ]);
  });

  it("reports what KFP cannot express, naming the task and the way out", async () => {
    const ir = pipeline("limits", { defaults: { executionTimeout: seconds(60) } }, (p) => {
      const a = p.python("produce", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
      const g = p.group("inner", {}, (gg) => {
        gg.bash("deep", { command: "echo deep" });
      });
      p.bash("side", { command: "echo {{ ds }}" });
      p.branch("pick", { when: [a.out.count, ">", 1], ifTrue: g, ifFalse: [] });
      p.timeDeltaSensor("settle", { delta: seconds(30) });
    }).ir;
    const diagnostics = kubeflowTarget.validate(lowered(ir));
    const lines = diagnostics.map((d) => `${d.severity} ${d.code} ${d.task ?? "-"}: ${d.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning MLG3002 side: the command of 'side' .*Airflow template/),
        expect.stringMatching(/^warning MLG3002 settle: sensor 'settle' .*data interval/),
        expect.stringMatching(
          /^warning MLG3002 -: execution timeouts \(\d+ tasks: .*no task timeout/,
        ),
      ]),
    );
    for (const d of diagnostics) expect(d.fix.length).toBeGreaterThan(10);
  });

  it("a value produced on one side of a condition and read outside it is an error", () => {
    const ir = pipeline("leak", {}, (p) => {
      const a = p.python("a", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
      const b = p.python("b", {
        fn: "tasks/kfp_local.py:best",
        inputs: { doubled: a.out.values, expected: 1, out_dir: "/tmp/out" },
        outputs: { best: "float" },
      });
      const other = p.bash("other", { command: "true" });
      p.branch("gate", { when: [a.out.count, ">", 1], ifTrue: b, ifFalse: other });
      p.python("c", {
        fn: "tasks/kfp_local.py:hold",
        inputs: { best: b.out.best, out_dir: "/tmp/out" },
        triggerRule: "none_failed_min_one_success",
      }).after(other);
    }).ir;
    const errors = kubeflowTarget.validate(lowered(ir)).filter((d) => d.severity === "error");
    // Said at the task that reads it, with KFP's way to read whichever side ran.
    expect(errors.map((d) => [d.task, d.message, d.fix])).toEqual([
      [
        "c",
        "task 'c' reading output 'best' of task 'b' cannot be expressed for Kubeflow Pipelines: 'b' runs only on one side of branch 'gate', and 'c' runs outside it, where KFP has no such output when it did not run",
        "read it in a task on the same side of 'gate', or, for the value of whichever side ran, pass oneOf(b.out.best, <an output of the other side>) as a python task's input (KFP's dsl.OneOf)",
      ],
    ]);
  });

  it("one variable read with two defaults is a warning: a KFP parameter has one default", () => {
    const ir = pipeline("vars", {}, (p) => {
      p.bash("a", { command: "ls $D", env: { D: variable("data_dir", "data/a") } });
      p.bash("b", { command: "ls $D", env: { D: variable("data_dir", "/other") } });
      p.bash("c", { command: "ls $D", env: { D: variable("data_dir", "/third") } });
      p.bash("d", { command: "ls $D", env: { D: variable("data_dir") } });
      p.bash("e", { command: "ls $D", env: { D: variable("same", "x").join("y") } });
      p.bash("f", { command: "ls $D", env: { D: variable("same", "x") } });
    }).ir;
    const found = kubeflowTarget
      .validate(lowered(ir))
      .filter((d) => /variable/.test(d.message))
      .map((d) => `${d.severity} ${d.code}: ${d.message}`);
    expect(found).toEqual([
      "warning MLG3002: variable('data_dir') with two defaults ('data/a' and '/other') is approximated for Kubeflow Pipelines: Variables become pipeline parameters on Kubeflow, and a parameter has one default, so every task would read 'data/a' when the run does not set it; Airflow gives each use its own default",
    ]);
  });

  it("Airflow scheduling settings and templates in container args are warnings, not dropped silently", () => {
    const defaults = { pool: "etl", dependsOnPast: true, maxActiveTisPerDag: 3 };
    const ir = pipeline("sched", { defaults }, (p) => {
      p.bash("a", { command: "true", queue: "gpu", priorityWeight: 5, maxActiveTisPerDag: 2 });
      p.container("c", { image: "busybox:1.36", args: ["--day", "{{ ds }}"] });
      p.container("k", { image: "busybox:1.36", args: ['echo "{{$}}"'] });
      p.bash("b", { command: 'echo "{{$.inputs}}"' });
    }).ir;
    const found = kubeflowTarget
      .validate(lowered(ir))
      .map((d) => `${d.severity} ${d.code} ${d.task ?? "-"}: ${d.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning MLG3002 -: pool of the defaults of pipeline 'sched' /),
        expect.stringMatching(/^warning MLG3002 -: dependsOnPast of the defaults of pipeline /),
        expect.stringMatching(/^warning MLG3002 a: queue, priorityWeight of task 'a' /),
        expect.stringMatching(/^warning MLG3002 a: maxActiveTisPerDag of task 'a' /),
        // From the defaults: said once, for the tasks that are not mapped.
        expect.stringMatching(
          /^warning MLG3002 b: maxActiveTisPerDag from the defaults, for 'b', 'c', 'k' /,
        ),
        expect.stringMatching(
          /^warning MLG3002 c: the args of 'c' .*'\{\{ ds \}\}' holds an Airflow template/,
        ),
        // Kubeflow's own placeholders are replaced, not passed as is.
        expect.stringMatching(
          /^warning MLG3002 k: the args of 'k' .*holds '\{\{\$', which Kubeflow takes for its own placeholder/,
        ),
        expect.stringMatching(
          /^warning MLG3002 b: the command of 'b' .*holds '\{\{\$', which Kubeflow takes for its own placeholder/,
        ),
      ]),
    );
  });

  it("a container task without a command is said: KFP's launcher runs command and args in place of the image's ENTRYPOINT", () => {
    const ir = pipeline("entry", {}, (p) => {
      p.container("bare", { image: "ghcr.io/acme/scorer:1.4" });
      p.container("args_only", { image: "ghcr.io/acme/scorer:1.4", args: ["--date", "x"] });
      p.container("full", { image: "ghcr.io/acme/scorer:1.4", command: ["python", "-m", "s"] });
    }).ir;
    const found = kubeflowTarget
      .validate(lowered(ir))
      .map((d) => `${d.severity} ${d.code} ${d.task ?? "-"}: ${d.message}`);
    expect(found).toEqual([
      expect.stringMatching(
        /^warning MLG3002 args_only: the image's entrypoint in 'args_only' .*runs its args \('--date' as the program\)/,
      ),
      expect.stringMatching(
        /^warning MLG3002 bare: the image's entrypoint in 'bare' .*runs nothing/,
      ),
    ]);
  });

  it("a literal FileSensor path holding a template is said (Airflow renders filepath, KFP does not)", () => {
    const ir = pipeline("sense", {}, (p) => {
      p.fileSensor("wait", { path: "/data/{{ ds }}.csv", timeout: seconds(60) });
      p.fileSensor("plain", { path: "/data/in.csv", timeout: seconds(60) });
    }).ir;
    const found = kubeflowTarget
      .validate(lowered(ir))
      .filter((d) => /template/.test(d.message))
      .map((d) => `${d.severity} ${d.code} ${d.task}: ${d.message.split(":")[0]}`);
    expect(found).toEqual([
      "warning MLG3002 wait: template '/data/{{ ds }}.csv' in 'wait' is approximated for Kubeflow Pipelines",
    ]);
  });

  it("env() without a default is said once per variable, unless kubeflow.secretEnv gives it to the pod", () => {
    const source = "def fit(url: str, token: str, level: str) -> None:\n    pass\n";
    const ir = pipeline("envs", {}, (p) => {
      for (const id of ["a", "b"]) {
        p.python(id, {
          fn: "tasks/m.py:fit",
          inputs: { url: env("API_URL"), token: env("API_TOKEN"), level: env("LEVEL", "info") },
        });
      }
    }).ir;
    const found = kubeflowTarget
      .validate({
        ...loweredWith(ir, [{ path: "tasks/m.py", content: source }]),
        settings: { kubeflow: { secretEnv: { API_TOKEN: { secret: "api", key: "token" } } } },
      })
      .map((d) => `${d.severity} ${d.code} ${d.task}: ${d.message}`);
    expect(found).toEqual([
      expect.stringMatching(
        /^warning MLG3002 a: env\('API_URL'\) in 'a' and 'b' is approximated for Kubeflow Pipelines: it has no default, and nothing sets API_URL in a KFP pod/,
      ),
    ]);
  });

  it("places what a task group's settings lose at its p.group() call, not at pipeline()", () => {
    const ir = pipeline("grouped", { defaults: { queue: "gpu" } }, (p) => {
      p.group(
        "g",
        { defaults: { queue: "cpu", onFailure: [slack({ connId: "alerts" })] } },
        (g) => {
          g.bash("a", { command: "true" });
        },
      );
    }).ir;
    const at = (line: number) => ({ file: "pipelines/p.pipeline.ts", line, column: 5 });
    const found = kubeflowTarget
      .validate({ ...lowered(ir), sourceMap: { pipeline: at(1), "group:g": at(4) } })
      .map((d) => `${d.location?.line} ${d.message.split(/ (?:is|are) approximated/)[0]}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "1 queue of the defaults of pipeline 'grouped'",
        "4 queue of group 'g'",
        "4 the alerts of group 'g'",
      ]),
    );
  });

  it("a plural subject of MLG3002 takes 'are approximated', a singular one 'is'", () => {
    const ir = pipeline(
      "plural",
      {
        defaults: {
          pool: "etl",
          executionTimeout: minutes(5),
          onRetry: [slack({ connId: "alerts" })],
        },
      },
      (p) => {
        p.bash("a", { command: "true", queue: "gpu", priorityWeight: 5 });
        p.bash("b", { command: "true", onFailure: [slack({ connId: "alerts" })] });
        p.container("c", { image: "busybox:1.36", args: ["--day", "{{ ds }}"] });
        p.container("d", { image: "busybox:1.36", command: ["echo", "{{ ds }}"] });
        p.bash("e", { command: "true", outlets: [asset("s3://b/curated")] });
      },
    ).ir;
    const found = kubeflowTarget
      .validate(lowered(ir))
      .filter((d) => d.code === "MLG3002")
      .map((d) => d.message.split(" for Kubeflow Pipelines")[0] ?? "");
    expect(found).toEqual(
      expect.arrayContaining([
        "onRetry alerts are approximated",
        "pool of the defaults of pipeline 'plural' is approximated",
        "queue, priorityWeight of task 'a' are approximated",
        "the alerts of task 'b' are approximated",
        "the outlets of 'e' are approximated",
        "the args of 'c' are approximated",
        "the command of 'd' is approximated",
        "execution timeouts (5 tasks: 'a', 'b', 'c', …) are approximated",
      ]),
    );
    expect(found.filter((m) => / (?:is|are) approximated$/.test(m))).toHaveLength(found.length);
  });

  it("refuses a credential in kubeflow.packages or kfpPackage, which every python task's command carries", () => {
    const ir = pipeline("pkgs", {}, (p) => {
      p.python("fit", {
        ...SCORES,
      });
    }).ir;
    const found = (kubeflow: Record<string, unknown>) =>
      kubeflowTarget
        .validate({ ...lowered(ir), settings: { kubeflow } })
        .map((d) => `${d.severity} ${d.code} ${d.message}`);
    const bad = found({
      packages: [
        "pandas==2.2.3",
        "acme-features @ git+https://oauth2:glpat-s3cret@gitlab.example.com/acme/features.git",
      ],
      kfpPackage: "kfp @ https://u:s3cret@pypi.example.com/kfp-2.17.3.tar.gz",
    });
    expect(bad.map((m) => m.split(":")[0])).toEqual([
      "error MLG1011 invalid entry 2 of kubeflow.packages in mlgen.config.ts",
      "error MLG1011 invalid kubeflow.kfpPackage in mlgen.config.ts",
    ]);
    expect(bad.join("\n")).not.toContain("s3cret");
    // A package alone, or a URL without credentials, is fine.
    expect(
      found({ packages: ["acme-features==1.0", "x @ https://pypi.example.com/x-1.0.tar.gz"] }),
    ).toEqual([]);
  });

  it("refuses a credential in a pipeline's or a task's kubeflow.packages, placed where it was written", () => {
    const def = pipeline(
      "pkgs",
      { kubeflow: { packages: ["x @ https://u:s3cret@pypi.example.com/x-1.0.tar.gz"] } },
      (p) => {
        p.python("fit", {
          ...SCORES,
          kubeflow: {
            packages: ["torch==2.5.1", "y @ https://pypi.example.com/y.whl?token=s3cret"],
          },
        });
      },
    );
    const input = { ...lowered(def.ir), sourceMap: def.sourceMap };
    const bad = kubeflowTarget.validate(input);
    expect(bad.map((d) => `${d.code} ${d.task ?? "-"} ${d.message.split(":")[0]}`)).toEqual([
      "MLG1011 - invalid entry 1 of kubeflow.packages of pipeline 'pkgs'",
      "MLG1011 fit invalid entry 2 of kubeflow.packages of task 'fit'",
    ]);
    expect(bad.map((d) => d.location?.line)).toEqual([
      def.sourceMap.pipeline?.line,
      def.sourceMap["task:fit"]?.line,
    ]);
    expect(bad.map((d) => d.location?.line).every((l) => typeof l === "number")).toBe(true);
    expect(JSON.stringify(bad)).not.toContain("s3cret");
  });

  it("a python task runs in its own image, the pipeline's or the project's, with their packages added up and its own resources", () => {
    const ir = pipeline(
      "images",
      { kubeflow: { image: "python:3.12-slim", packages: ["pyarrow==17.0.0"] } },
      (p) => {
        const run = (id: string, kubeflow?: Parameters<typeof p.python>[1]["kubeflow"]) =>
          p.python(id, kubeflow ? { ...SCORES, kubeflow } : SCORES);
        run("plain");
        run("gpu", {
          image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
          packages: ["torch==2.5.1", "NumPy==1.26.4", "git+https://example.com/acme/feat.git"],
          resources: { cpuLimit: "4", memory: "8Gi", gpu: 2 },
        });
        run("kfp_pinned", { packages: ["kfp-kubernetes==2.15.2"] });
        p.validate("check", { data: "/data/x.csv" });
      },
    ).ir;
    const [spec] = parse(
      renderPipelineSpec({
        ...lowered(ir),
        settings: { kubeflow: { packages: ["pandas==2.2.3", "numpy==2.1.3"] } },
      }),
    ) as Doc[];
    const container = (label: string) =>
      (spec as { deploymentSpec: { executors: Record<string, { container: Doc }> } }).deploymentSpec
        .executors[label]?.container as {
        image: string;
        command: string[];
        resources?: Doc;
      };
    const installs = (label: string) =>
      [...(container(label).command[2] ?? "").matchAll(/'([^']+)'/g)]
        .map((m) => m[1])
        .filter((p) => !p?.startsWith("--") && !p?.startsWith("typing"));
    expect(container("exec-plain").image).toBe("python:3.12-slim");
    expect(installs("exec-plain")).toEqual([
      "pandas==2.2.3",
      "numpy==2.1.3",
      "pyarrow==17.0.0",
      "kfp==2.17.3",
    ]);
    expect(container("exec-plain").resources).toBeUndefined();
    // A task's own numpy (NumPy: names compare as pip compares them) replaces the project's
    // where it stood; a URL names no package and is added.
    expect(container("exec-gpu").image).toBe("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
    expect(installs("exec-gpu")).toEqual([
      "pandas==2.2.3",
      "NumPy==1.26.4",
      "pyarrow==17.0.0",
      "torch==2.5.1",
      "git+https://example.com/acme/feat.git",
      "kfp==2.17.3",
    ]);
    expect(container("exec-gpu").resources).toEqual({
      cpuLimit: 4,
      resourceCpuLimit: "4",
      memoryRequest: 8.589934592,
      resourceMemoryRequest: "8Gi",
      accelerator: {
        count: "2",
        resourceCount: "2",
        resourceType: "nvidia.com/gpu",
        type: "nvidia.com/gpu",
      },
    });
    // kfp installs no kfp of its own next to a package named kfp*, which brings it along.
    expect(installs("exec-kfp-pinned")).toEqual([
      "pandas==2.2.3",
      "numpy==2.1.3",
      "pyarrow==17.0.0",
      "kfp-kubernetes==2.15.2",
    ]);
    // The pipeline's image is every task's it runs in: a validation's too.
    expect(container("exec-check").image).toBe("python:3.12-slim");
  });

  it("KFP's cache and the installs follow the nearest level: the task's, the pipeline's, the project's", () => {
    const ir = pipeline(
      "levels",
      { kubeflow: { caching: false, packages: ["pyarrow==17.0.0"], inheritPackages: false } },
      (p) => {
        const run = (id: string, kubeflow?: Parameters<typeof p.python>[1]["kubeflow"]) =>
          p.python(id, kubeflow ? { ...SCORES, kubeflow } : SCORES);
        run("plain");
        run("cached", { caching: true, installKfp: false });
        p.bash("shell", { command: "true" });
      },
    ).ir;
    // The project turns the cache on; the pipeline turns it off; one task turns it back on.
    const [spec] = parse(
      renderPipelineSpec({
        ...lowered(ir),
        settings: { kubeflow: { caching: true, packages: ["pandas==2.2.3"] } },
      }),
    ) as Doc[];
    const s = spec as {
      root: { dag: { tasks: Record<string, { cachingOptions: Doc }> } };
      deploymentSpec: { executors: Record<string, { container: { command: string[] } }> };
    };
    const tasks = s.root.dag.tasks;
    expect([tasks.plain, tasks.cached, tasks.shell].map((t) => t?.cachingOptions)).toEqual([
      {},
      { enableCache: true },
      {},
    ]);
    const install = (label: string) => s.deploymentSpec.executors[label]?.container.command[2];
    // The pipeline's packages alone (inheritPackages: false), then kfp; the task installs no kfp.
    expect(install("exec-plain")).toContain(
      "pip install --quiet --no-warn-script-location 'pyarrow==17.0.0'  &&  python3 -m pip install --quiet --no-warn-script-location 'kfp==2.17.3'",
    );
    expect(install("exec-plain")).not.toContain("pandas");
    expect(install("exec-cached")).toContain('\'pyarrow==17.0.0\' && "$0" "$@"');
    expect(install("exec-cached")).not.toContain("kfp==");
  });

  it("an image Kubernetes cannot pull, a package named twice at one level and kfp 1 are errors where they were written", () => {
    for (const good of [
      "python:3.11-slim",
      "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
      "registry.example.com:5000/ml/Team-Images/x:1.0".replace("Team-Images", "team-images"),
      "localhost/x",
      "REGISTRY.example.com/ml/x",
      `ghcr.io/acme/x@sha256:${"a".repeat(64)}`,
    ]) {
      expect(imageProblem(good), good).toBeNull();
    }
    for (const [bad, says] of [
      ["  ", "space"],
      ["PyTorch/pytorch:latest", "'PyTorch' has capital letters"],
      ["pytorch/pytorch:2.5 cuda", "space"],
      ["python:", "'' is no tag"],
      ["x@sha256:zz", "is no digest"],
      ["acme//x", "'' is no repository name"],
    ] as const) {
      expect(imageProblem(bad), bad).toContain(says);
    }
    const def = pipeline("checked", { kubeflow: { image: "Acme/Trainer:1" } }, (p) => {
      p.python("fit", {
        ...SCORES,
        kubeflow: { packages: ["torch==2.5.1", "Torch==2.4.0"] },
      });
    });
    const found = kubeflowTarget
      .validate({
        ...lowered(def.ir),
        sourceMap: def.sourceMap,
        settings: { kubeflow: { kfpPackage: "kfp==1.8.22" } },
      })
      .map((d) => `${d.code} ${d.task ?? "-"} ${d.location?.line ?? "-"} ${d.message}`);
    expect(found).toEqual([
      `MLG1011 - ${def.sourceMap.pipeline?.line} invalid kubeflow.image of pipeline 'checked': 'Acme' has capital letters, and a repository name is lowercase, so the pod fails with InvalidImageName`,
      `MLG1011 fit ${def.sourceMap["task:fit"]?.line} invalid entry 2 of kubeflow.packages of task 'fit': entry 1 names torch too, and pip refuses two requirements of one package that disagree`,
      "MLG1011 - - invalid kubeflow.kfpPackage in mlgen.config.ts: kfp==1.8.22 is kfp 1, which has no kfp.dsl.executor_main: every python task would fail when it starts",
    ]);
  });

  it("memory in thousandths of a byte (500m) is an error: Mi was meant", () => {
    const ir = pipeline("mem", {}, (p) => {
      p.python("fit", {
        ...SCORES,
        kubeflow: { resources: { memory: "500m" } },
      });
      p.container("c", { image: "busybox", command: ["true"], resources: { memoryLimit: "2m" } });
    }).ir;
    const r = lowerWithKfpLocal(ir);
    expect(r.diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `invalid kubeflow.resources.memory of task 'fit': "500m" is 500 thousandths of a byte (m is a thousandth), which no container starts in | write "500Mi" (mebibytes) or "500M" (megabytes)`,
      `invalid resources.memoryLimit of task 'c': "2m" is 2 thousandths of a byte (m is a thousandth), which no container starts in | write "2Mi" (mebibytes) or "2M" (megabytes)`,
    ]);
  });

  it("a python task's node labels and tolerations go to its pod beside its timeout; a typo in a toleration is named", () => {
    const def = pipeline("placed", {}, (p) => {
      p.python("fit", {
        ...SCORES,
        executionTimeout: minutes(30),
        kubeflow: {
          nodeSelector: { pool: "gpu" },
          tolerations: [
            { operator: "Exists" },
            { key: "pool", value: "gpu", efect: "NoSchedule" } as never,
          ],
        },
      });
    });
    expect(def.problems.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      "there is no option 'efect' in toleration 2 of task 'fit', so it would be ignored | did you mean 'effect'?",
    ]);
    const docs = parse(
      renderPipelineSpec({ ...lowered(def.ir), settings: { kubeflow: { timeouts: true } } }),
    ) as Doc[];
    expect(docs[1].platforms.kubernetes.deploymentSpec.executors["exec-fit"]).toEqual({
      nodeSelector: { labels: { pool: "gpu" } },
      tolerations: [{ operator: "Exists" }, { key: "pool", value: "gpu" }],
      activeDeadlineSeconds: "1800",
    });
  });

  it("image pull secrets add up from the config, the pipeline and the task, on every pod (a container task's and the alerts' too)", () => {
    const def = pipeline(
      "pulled",
      {
        kubeflow: { imagePullSecrets: ["team-registry"] },
        defaults: { onFailure: [callback("tasks/kfp_local.py:scores")] },
      },
      (p) => {
        const fit = p.python("fit", {
          ...SCORES,
          kubeflow: { imagePullSecrets: ["gpu-images", "regcred"] },
        });
        p.python("plain", SCORES).after(fit);
        p.container("vendor", {
          image: "registry.example.com/vendor/tool:1",
          command: ["tool"],
          imagePullSecrets: ["vendor-registry"],
        }).after(fit);
        p.bash("shell", { command: "echo hi" }).after(fit);
      },
    );
    expect(def.problems).toEqual([]);
    const docs = parse(
      renderPipelineSpec({
        ...lowered(def.ir),
        settings: { kubeflow: { imagePullSecrets: ["regcred"] } },
      }),
    ) as Doc[];
    const pulled = Object.fromEntries(
      Object.entries(
        docs[1].platforms.kubernetes.deploymentSpec.executors as Record<string, Doc>,
      ).map(([label, e]) => [
        label,
        e.imagePullSecret.map((s: Doc) => {
          expect(s.secretNameParameter).toEqual({ runtimeValue: { constant: s.secretName } });
          return s.secretName;
        }),
      ]),
    );
    expect(pulled).toEqual({
      // The config's first, each once.
      "exec-fit": ["regcred", "team-registry", "gpu-images"],
      "exec-plain": ["regcred", "team-registry"],
      "exec-vendor": ["regcred", "team-registry", "vendor-registry"],
      "exec-shell": ["regcred", "team-registry"],
      "exec-alerts": ["regcred", "team-registry"],
    });
  });

  it("a python task's env, volumes, shared memory and accelerator type reach its pod; a pipeline that sets none keeps its IR", () => {
    const plain = pipeline("pod", {}, (p) => {
      p.python("fit", { ...SCORES, kubeflow: { caching: false, resources: { gpu: 1 } } });
    });
    const plainHash = lowered(plain.ir).hash;
    expect(JSON.stringify(plain.ir)).not.toMatch(
      /imagePullSecrets|emptyDirs|pvcs|shm|accelerator|"env"/,
    );
    const def = pipeline("pod", {}, (p) => {
      p.python("fit", {
        ...SCORES,
        kubeflow: {
          caching: false,
          env: { OMP_NUM_THREADS: "4", HF_HOME: "/data/hf" },
          pvcs: [{ name: "training-data", mountPath: "/data" }],
          emptyDirs: [{ name: "scratch", mountPath: "/scratch", sizeLimit: "20Gi" }],
          shm: "2Gi",
          resources: { gpu: 2, accelerator: "amd.com/gpu" },
        },
      });
      p.python("tpu", {
        ...SCORES,
        kubeflow: { shm: true, resources: { accelerator: "google.com/tpu" } },
      });
    });
    expect(def.problems).toEqual([]);
    const input = lowered(def.ir);
    expect(input.hash).not.toBe(plainHash);
    expect(kubeflowTarget.validate(input)).toEqual([]);
    const docs = parse(renderPipelineSpec(input)) as Doc[];
    const fit = docs[0].deploymentSpec.executors["exec-fit"].container;
    // In the order written: Kubernetes expands $(NAME) only for a variable listed before.
    expect(fit.env).toEqual([
      { name: "OMP_NUM_THREADS", value: "4" },
      { name: "HF_HOME", value: "/data/hf" },
    ]);
    expect(fit.resources.accelerator).toEqual({
      count: "2",
      resourceCount: "2",
      resourceType: "amd.com/gpu",
      type: "amd.com/gpu",
    });
    // A type alone is one of them, as kfp's set_accelerator_type makes it.
    expect(docs[0].deploymentSpec.executors["exec-tpu"].container.resources.accelerator).toEqual({
      count: "1",
      resourceCount: "1",
      resourceType: "google.com/tpu",
      type: "google.com/tpu",
    });
    const pods = docs[1].platforms.kubernetes.deploymentSpec.executors;
    expect(pods["exec-fit"]).toEqual({
      pvcMount: [
        {
          constant: "training-data",
          pvcNameParameter: { runtimeValue: { constant: "training-data" } },
          mountPath: "/data",
        },
      ],
      emptyDirMounts: [
        { volumeName: "shm", mountPath: "/dev/shm", medium: "Memory", sizeLimit: "2Gi" },
        { volumeName: "scratch", mountPath: "/scratch", sizeLimit: "20Gi" },
      ],
    });
    expect(pods["exec-tpu"]).toEqual({
      emptyDirMounts: [{ volumeName: "shm", mountPath: "/dev/shm", medium: "Memory" }],
    });
  });

  it("a python task's kubeflow.env sets what env() reads in its pod: no warning that nothing sets it", () => {
    const def = pipeline("envs", {}, (p) => {
      p.python("fit", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: env("OUT_DIR"), fail: false },
        kubeflow: { env: { OUT_DIR: "/data/out" } },
      });
      p.python("other", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: env("OUT_DIR"), fail: false },
      });
    });
    expect(
      kubeflowTarget.validate(lowered(def.ir)).map((d) => `${d.task}: ${d.message.split(":")[0]}`),
    ).toEqual(["other: env('OUT_DIR') in 'other' is approximated for Kubeflow Pipelines"]);
  });

  it("pod settings Kubernetes would refuse are MLG1011 at the task that set them, with the fix", () => {
    const def = pipeline("bad_pods", { kubeflow: { imagePullSecrets: ["Team_Registry"] } }, (p) => {
      p.python("fit", {
        ...SCORES,
        kubeflow: {
          imagePullSecrets: ["ok", "reg cred"],
          env: { "MY-VAR": "1", API_TOKEN: "x", GOOD: "y" },
          pvcs: [
            { name: "Data", mountPath: "/data" },
            { name: "cache", mountPath: "cache" },
            { name: "models", mountPath: "/scratch/" },
            { name: "shared", mountPath: "/kfp-launcher" },
            { name: "data.v2", mountPath: "/data2" },
          ],
          emptyDirs: [
            { name: "scratch", mountPath: "/scratch", sizeLimit: "500m" },
            { name: "shm", mountPath: "/tmp/x", sizeLimit: "lots" },
            { name: "a_b", mountPath: "/dev/shm" },
            { name: "models", mountPath: "/models" },
          ],
          shm: "2 Gi",
        },
      });
    });
    expect(def.problems).toEqual([]);
    const said = kubeflowTarget
      .validate({
        ...lowered(def.ir),
        settings: { kubeflow: { secretEnv: { API_TOKEN: { secret: "api", key: "token" } } } },
      })
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.task ?? "-"} ${d.message} | ${d.fix}`);
    expect(said).toEqual([
      "MLG1011 - invalid entry 1 of kubeflow.imagePullSecrets of pipeline 'bad_pods': 'Team_Registry' is no Kubernetes secret name: it has the capital letter 'T', so the pod is refused | give the name of the secret as kubectl get secrets lists it (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
      "MLG1011 fit invalid entry 2 of kubeflow.imagePullSecrets of task 'fit': 'reg cred' is no Kubernetes secret name: it has a space, so the pod is refused | give the name of the secret as kubectl get secrets lists it (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
      "MLG1011 fit invalid kubeflow.env of task 'fit': 'MY-VAR' is no environment variable name a Python task can read (letters, digits and '_', not starting with a digit) | rename the variable, e.g. MY_SETTING",
      "MLG1011 fit invalid kubeflow.env of task 'fit': API_TOKEN is also taken from a Kubernetes secret (kubeflow.secretEnv), and a pod with one variable set twice gets one of them unsaid | set API_TOKEN in one place: drop it from the task's kubeflow.env, or from kubeflow.secretEnv",
      'MLG1011 fit invalid kubeflow.shm of task \'fit\': "2 Gi" is not a Kubernetes quantity, so the pod is refused | give bytes with a unit: "512Mi", "2Gi", "1G"',
      "MLG1011 fit invalid kubeflow.pvcs entry 1 of task 'fit': 'Data' cannot name the pod's volume, which KFP names after the claim: it has the capital letter 'D' | give the claim's name as kubectl get pvc lists it; KFP mounts a claim named with at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      "MLG1011 fit invalid kubeflow.pvcs entry 2 of task 'fit': mountPath 'cache' is not absolute, and a pod mounts a volume at an absolute path | start it with '/', e.g. '/cache'",
      "MLG1011 fit invalid kubeflow.pvcs entry 4 of task 'fit': mountPath '/kfp-launcher' is where KFP mounts its launcher, which runs the task | mount the volume elsewhere, e.g. /data",
      "MLG1011 fit invalid kubeflow.pvcs entry 5 of task 'fit': 'data.v2' cannot name the pod's volume, which KFP names after the claim: it has '.' | give the claim's name as kubectl get pvc lists it; KFP mounts a claim named with at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      'MLG1011 fit invalid kubeflow.emptyDirs entry 1 of task \'fit\'\'s sizeLimit: "500m" is 500 thousandths of a byte (m is a thousandth) | write "500Mi" (mebibytes) or "500M" (megabytes)',
      "MLG1011 fit invalid kubeflow.emptyDirs entry 1 of task 'fit': kubeflow.pvcs entry 3 of task 'fit' is mounted at /scratch too, and Kubernetes refuses a pod with two volumes at one path | give each volume a path of its own",
      "MLG1011 fit invalid kubeflow.emptyDirs entry 2 of task 'fit': kubeflow.shm of task 'fit' is a volume named 'shm' too, and each volume of a pod has a name of its own (KFP names a claim's volume after the claim) | rename the emptyDir: `shm` is the name of the shared-memory volume",
      'MLG1011 fit invalid kubeflow.emptyDirs entry 2 of task \'fit\'\'s sizeLimit: "lots" is not a Kubernetes quantity, so the pod is refused | give bytes with a unit: "512Mi", "2Gi", "1G"',
      "MLG1011 fit invalid kubeflow.emptyDirs entry 3 of task 'fit': 'a_b' is no volume name: it has '_' | rename the volume (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)",
      "MLG1011 fit invalid kubeflow.emptyDirs entry 3 of task 'fit': kubeflow.shm of task 'fit' is mounted at /dev/shm too, and Kubernetes refuses a pod with two volumes at one path | give each volume a path of its own",
      "MLG1011 fit invalid kubeflow.emptyDirs entry 4 of task 'fit': kubeflow.pvcs entry 3 of task 'fit' is a volume named 'models' too, and each volume of a pod has a name of its own (KFP names a claim's volume after the claim) | rename one of them, or mount one claim once",
    ]);
  });

  it("a literal under a secret's name in a python task's or python sensor's kubeflow.env is MLG1011, as in a bash or container env", () => {
    const def = pipeline("pod_secrets", {}, (p) => {
      p.python("fit", {
        ...SCORES,
        kubeflow: {
          env: {
            HF_HOME: "/data/hf",
            DB_PASSWORD: "s3cretPW",
            // Expanded by Kubernetes from a variable set before it, or empty: no secret here.
            MLFLOW_TRACKING_TOKEN: "$(VAULT_TOKEN)",
            EMPTY_SECRET: "",
          },
        },
      });
      p.pythonSensor("wait", {
        fn: "tasks/kfp_local.py:ready",
        inputs: { out_dir: "/tmp/o" },
        kubeflow: { env: { API_TOKEN: "s3cretPW" } },
      });
    });
    expect(def.problems).toEqual([]);
    const said = kubeflowTarget
      .validate(lowered(def.ir))
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.task ?? "-"} ${d.message} | ${d.fix}`);
    expect(said).toEqual([
      'MLG1011 fit invalid kubeflow.env of task \'fit\': the name DB_PASSWORD says it holds a secret, and a literal value is written into the pipeline spec as it is | take it from a Kubernetes secret: kubeflow: { secretEnv: { DB_PASSWORD: { secret: "<secret name>", key: "<key>" } } } on the task (its pod alone) or in mlgen.config.ts',
      'MLG1011 wait invalid kubeflow.env of task \'wait\': the name API_TOKEN says it holds a secret, and a literal value is written into the pipeline spec as it is | take it from a Kubernetes secret: kubeflow: { secretEnv: { API_TOKEN: { secret: "<secret name>", key: "<key>" } } } on the task (its pod alone) or in mlgen.config.ts',
    ]);
  });

  it("an accelerator Kubernetes does not schedule, and a container task's bad pull secret, are MLG1011 on both targets", () => {
    const ir = pipeline("acc", {}, (p) => {
      p.python("fit", { ...SCORES, kubeflow: { resources: { gpu: 1, accelerator: "gpu" } } });
      p.container("c", {
        image: "busybox:1.36",
        command: ["true"],
        resources: { accelerator: "kubernetes.io/gpu" },
        imagePullSecrets: ["-bad"],
      });
    }).ir;
    const r = lowerWithKfpLocal(ir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual([
      "MLG1011 invalid kubeflow.resources.accelerator of task 'fit': 'gpu' is no accelerator Kubernetes schedules: it has no domain prefix (a device plugin's resource is domain/name) | name the resource its device plugin registers: nvidia.com/gpu (the default), amd.com/gpu, google.com/tpu, habana.ai/gaudi",
      "MLG1011 invalid resources.accelerator of task 'c': 'kubernetes.io/gpu' is no accelerator Kubernetes schedules: 'kubernetes.io' is Kubernetes' own prefix, which no extended resource may have | name the resource its device plugin registers: nvidia.com/gpu (the default), amd.com/gpu, google.com/tpu, habana.ai/gaudi",
      "MLG1011 invalid entry 1 of imagePullSecrets of task 'c': '-bad' is no Kubernetes secret name: it starts with '-', so the pod is refused | give the name of the secret as kubectl get secrets lists it (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
    ]);
  });

  it("a python task's kubeflow resources are checked as a container's: quantities, requests within limits", () => {
    const ir = pipeline("res", {}, (p) => {
      p.python("fit", {
        ...SCORES,
        kubeflow: { resources: { cpu: "8", cpuLimit: "4", memoryLimit: "16 GB" } },
      });
    }).ir;
    const r = lowerWithKfpLocal(ir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message.split(":")[0]}`).sort()).toEqual([
      "MLG1011 invalid kubeflow.resources.cpu of task 'fit'",
      "MLG1011 invalid kubeflow.resources.memoryLimit of task 'fit'",
    ]);
  });

  it("a task tracked in MLflow installs mlflow in its container, as a validation installs pandas", () => {
    const ir = pipeline("tracked", {}, (p) => {
      p.python("fit", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
        mlflow: { experiment: "e" },
      });
      p.python("plain", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
    }).ir;
    const [spec] = parse(renderPipelineSpec(lowered(ir))) as Doc[];
    const executors = (spec as { deploymentSpec: { executors: Record<string, Doc> } })
      .deploymentSpec.executors;
    const installs = (label: string) =>
      JSON.stringify(executors[label]).includes("'mlflow'") ? "mlflow" : "none";
    expect([installs("exec-fit"), installs("exec-plain")]).toEqual(["mlflow", "none"]);
  });

  it("env() and computed lists in Airflow templates (container env, sensor path) are errors", () => {
    const ir = pipeline("templated", { params: { n: 1 } }, (p) => {
      p.fileSensor("landing", { path: env("LANDING", "/landing").join("x.csv") });
      p.container("c", {
        image: "busybox:1.36",
        env: { TOKEN_PATH: env("TOKEN_PATH", "/t"), BOTH: [p.params.n, 1] as never },
      });
    }).ir;
    const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
    const found = r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(found).toEqual([
      expect.stringMatching(/^MLG1015 task 'landing' path uses env\('LANDING'\)/),
      expect.stringMatching(/^MLG1015 task 'c' env.TOKEN_PATH uses env\('TOKEN_PATH'\)/),
      expect.stringMatching(/^MLG1011 invalid task 'c' env.BOTH: .*may hold only literals/),
    ]);
  });

  it("a task on one side that also reads a value from before the branch stays on that side", () => {
    const ir = pipeline("oneside", {}, (p) => {
      const a = p.python("a", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
      const reg = p.python("reg", {
        fn: "tasks/kfp_local.py:best",
        inputs: { doubled: a.out.values, expected: 1, out_dir: "/tmp/out" },
        outputs: { best: "float" },
      });
      const rb = p.bash("rb", { command: "true" });
      p.branch("gate", { when: [a.out.count, ">", 1], ifTrue: reg, ifFalse: rb });
      // Reads the true side and a value from before the branch: skipped with the true side.
      p.python("announce", {
        fn: "tasks/kfp_local.py:hold",
        inputs: { best: reg.out.best, out_dir: "/tmp/out" },
      }).after(a);
      // Downstream of both sides: a join, run whichever side was taken.
      const join = p.bash("join", { command: "true" }).after(reg, rb);
      p.bash("after_join", { command: "true" }).after(join, a);
    }).ir;
    const low = lowered(ir);
    const rule = (id: string) => low.ir.tasks.find((t) => t.id === id)?.options.triggerRule;
    expect(rule("announce")).toBeNull();
    expect(rule("join")).toBe("none_failed_min_one_success");
    expect(rule("after_join")).toBeNull();
    expect(kubeflowTarget.validate(low).filter((d) => d.severity === "error")).toEqual([]);
    const [spec] = parse(renderPipelineSpec(low)) as Doc[];
    const components = (spec as { components: Record<string, { dag?: { tasks: object } }> })
      .components;
    const sides = Object.entries(components).filter(([k]) => k.startsWith("comp-condition-"));
    const holding = sides.filter(([, c]) => Object.keys(c.dag?.tasks ?? {}).includes("announce"));
    expect(holding.map(([, c]) => Object.keys(c.dag?.tasks ?? {}).sort())).toEqual([
      ["announce", "reg"],
    ]);
  });

  it("a join whose all_success comes from the defaults gets the join's rule; another default, or a rule set on it, stays", () => {
    const rule = (defaults: { triggerRule?: "all_success" | "all_done" }, own?: "all_success") => {
      const ir = pipeline("d", { defaults }, (p) => {
        const a = p.python("a", {
          fn: "tasks/kfp_local.py:scores",
          inputs: { out_dir: "/tmp/out", fail: false },
          outputs: { values: "list", count: "int" },
        });
        const yes = p.bash("yes", { command: "true" });
        const no = p.bash("no", { command: "true" });
        p.branch("gate", { when: [a.out.count, ">", 1], ifTrue: yes, ifFalse: no });
        p.bash("join", { command: "true", ...(own ? { triggerRule: own } : {}) }).after(yes, no);
      }).ir;
      return lowered(ir).ir.tasks.find((t) => t.id === "join")?.options.triggerRule;
    };
    expect(rule({})).toBe("none_failed_min_one_success");
    expect(rule({ triggerRule: "all_success" })).toBe("none_failed_min_one_success");
    // all_done from the defaults runs the join anyway: the defaults' rule is kept.
    expect(rule({ triggerRule: "all_done" })).toBeNull();
    expect(rule({}, "all_success")).toBe("all_success");
  });

  it("a join whose own rule is all_success is said (MLG1025): Airflow skips it on every run", () => {
    const ir = pipeline("d", { params: { go: true } }, (p) => {
      const yes = p.bash("yes", { command: "true" });
      const no = p.bash("no", { command: "true" });
      p.branch("gate", { when: [p.params.go, "==", true], ifTrue: yes, ifFalse: no });
      p.bash("join", { command: "true", triggerRule: "all_success" }).after(yes, no);
      p.bash("after_yes", { command: "true", triggerRule: "all_success" }).after(yes);
    });
    const r = lowerPipeline({ ir: ir.ir, sourceMap: {}, modules: new Map() });
    expect(r.diagnostics.map((d) => `${d.code} ${d.severity} ${d.task}: ${d.message}`)).toEqual([
      "MLG1025 warning join: task 'join' joins both sides of branch 'gate', and its trigger rule all_success, set on it, skips it on every run: one side is always skipped",
    ]);
  });

  it("a task on both sides of a branch is an error (Airflow runs it either way; KFP cannot)", () => {
    const ir = pipeline("both", {}, (p) => {
      const a = p.python("a", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
      const yes = p.bash("yes", { command: "true" });
      const no = p.bash("no", { command: "true" });
      const notify = p.bash("notify", { command: "true" });
      p.branch("gate", {
        when: [a.out.count, ">", 1],
        ifTrue: [yes, notify],
        ifFalse: [no, notify],
      });
    }).ir;
    // Valid for Airflow: lowering (every target-independent check) passes.
    const low = lowered(ir);
    const errors = kubeflowTarget.validate(low).filter((d) => d.severity === "error");
    expect(errors.map((d) => d.message)).toEqual([
      "branch 'gate' → 'notify' cannot be expressed for Kubeflow Pipelines: 'notify' is on both sides, and a task cannot sit in KFP's If and Else groups at once",
    ]);
  });

  it("a container's run-time env (a task output, a param, a Variable, a path joined onto one) is exported by sh before its command runs", () => {
    const ir = pipeline("ctr", { params: { epochs: 3 } }, (p) => {
      const prep = p.python("prep", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
      p.container("train", {
        image: "python:3.11-slim",
        command: [
          "sh",
          "-c",
          'echo "count=$COUNT epochs=$EPOCHS dir=$DIR nccl=$NCCL_DEBUG" "$@"',
          "prog",
        ],
        args: ["--flag", "it's"],
        env: {
          COUNT: prep.out.count,
          EPOCHS: p.params.epochs,
          DIR: variable("data_dir", "/data/").join("x.csv"),
          NCCL_DEBUG: "INFO",
        },
      });
    }).ir;
    const input = lowered(ir);
    expect(kubeflowTarget.validate(input).filter((d) => d.task === "train")).toEqual([]);
    const [spec] = parse(renderPipelineSpec(input));
    const container = spec.deploymentSpec.executors["exec-train"].container;
    expect(container.env).toEqual([{ name: "NCCL_DEBUG", value: "INFO" }]);
    // What the KFP launcher runs: the placeholders filled in, the args after the command.
    const values: Record<string, string> = { env_COUNT: "3", env_EPOCHS: "5", env_DIR: "/mnt/" };
    const argv = [...container.command, ...container.args].map((a: string) =>
      a.replace(/\{\{\$\.inputs\.parameters\['(\w+)'\]\}\}/g, (_m, n: string) => values[n] ?? ""),
    );
    const out = execFileSync(argv[0] as string, argv.slice(1), {
      encoding: "utf8",
      env: { PATH: process.env.PATH, NCCL_DEBUG: "INFO" },
    });
    expect(out).toBe("count=3 epochs=5 dir=/mnt/x.csv nccl=INFO --flag it's\n");
    expect(Object.keys(spec.components["comp-train"].inputDefinitions.parameters).sort()).toEqual([
      "env_COUNT",
      "env_DIR",
      "env_EPOCHS",
    ]);
  });

  it("a pipeline id whose Kubeflow name is over 128 characters is an error, not cut", () => {
    const make = (id: string) =>
      pipeline(id, {}, (p) => {
        p.bash("a", { command: "true" });
      }).ir;
    const said = (id: string) =>
      kubeflowTarget.validate(lowered(make(id))).map((d) => `${d.severity} ${d.message}`);
    expect(said(`p_${"a".repeat(126)}`)).toEqual([]);
    expect(said(`p_${"a".repeat(127)}`)).toEqual([
      expect.stringMatching(
        /^error pipeline id 'p_a+\.\.\.' cannot be expressed for Kubeflow Pipelines: its Kubeflow name is 129 characters long, and KFP takes pipeline names of at most 128/,
      ),
    ]);
  });

  it("an all_done task that reads an upstream output is an error, as kfp's compiler refuses it", () => {
    const ir = pipeline("cleanup", {}, (p) => {
      const a = p.python("a", {
        fn: "tasks/kfp_local.py:scores",
        inputs: { out_dir: "/tmp/out", fail: false },
        outputs: { values: "list", count: "int" },
      });
      p.python("b", {
        fn: "tasks/kfp_local.py:hold",
        inputs: { best: a.out.count, out_dir: "/tmp/out" },
        triggerRule: "all_done",
      });
      p.bash("c", { command: "echo done", triggerRule: "all_done" }).after(a);
    }).ir;
    const found = kubeflowTarget
      .validate(lowered(ir))
      .map((d) => `${d.severity} ${d.task}: ${d.message}`);
    expect(found).toEqual([
      "error b: trigger rule all_done of 'b' cannot be expressed for Kubeflow Pipelines: it reads outputs of 'a', which do not exist when that task failed, so on Kubeflow it fails instead of running (kfp's own compiler refuses ignore_upstream_failure() on a task that takes an upstream output into an input without a default, as each of these is)",
    ]);
  });

  it("a mapped item takes the type its parameter is annotated with; unannotated, a warning says it arrives as text", () => {
    const source = [
      "def listing() -> dict:",
      '    return {"items": [1, 2]}',
      "",
      "",
      "def configs() -> dict:",
      '    return {"configs": [{"lr": 0.1}]}',
      "",
      "",
      "def square(x: int) -> dict:",
      '    return {"y": x * x}',
      "",
      "",
      "def fit(cfg: dict[str, float]) -> None:",
      "    pass",
      "",
      "",
      "def show(v, w=None) -> None:",
      "    pass",
      "",
      "",
      "def maybe(x: Optional[float], y: 'int | None' = None) -> None:",
      "    pass",
      "",
    ].join("\n");
    const ir = pipeline("items", {}, (p) => {
      const l = p.python("listing", { fn: "tasks/m.py:listing", outputs: { items: "list" } });
      const c = p.python("configs", { fn: "tasks/m.py:configs", outputs: { configs: "list" } });
      p.map("square", {
        fn: "tasks/m.py:square",
        over: l.out.items,
        as: "x",
        outputs: { y: "int" },
      });
      p.map("fit", { fn: "tasks/m.py:fit", over: c.out.configs, as: "cfg" });
      p.map("show", { fn: "tasks/m.py:show", over: l.out.items, as: "v" });
      p.map("literal", { fn: "tasks/m.py:show", over: [1, 2], as: "v" });
      p.map("maybe", { fn: "tasks/m.py:maybe", over: l.out.items, as: "x" });
    }).ir;
    const modules = new Map<string, string | null>([["tasks/m.py", source]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const inputOf = {
      ir: r.ir,
      hash: r.hash,
      sourceFile: "pipelines/p.pipeline.ts",
      sourceMap: {},
      pythonFiles: [{ path: "tasks/m.py", content: source }],
    };
    const [spec] = parse(renderPipelineSpec(inputOf));
    const itemType = (component: string, name: string) =>
      spec.components[component].inputDefinitions.parameters[name].parameterType;
    expect(itemType("comp-square", "x")).toBe("NUMBER_INTEGER");
    expect(itemType("comp-fit", "cfg")).toBe("STRUCT");
    expect(itemType("comp-show", "v")).toBe("STRING");
    expect(itemType("comp-literal", "v")).toBe("NUMBER_INTEGER");
    // Optional[float] is a float to kfp too (it types the input NUMBER_DOUBLE).
    expect(itemType("comp-maybe", "x")).toBe("NUMBER_DOUBLE");
    expect(
      kubeflowTarget.validate(inputOf).map((d) => `${d.severity} ${d.task}: ${d.message}`),
    ).toEqual([
      "warning show: the items that 'show' maps over are approximated for Kubeflow Pipelines: on a KFP cluster each item reaches show() as text (1 as '1', a dict as its JSON) unless its parameter 'v' is annotated; Airflow and kfp.local pass the value itself",
    ]);
  });

  it("a literal list's items take one type that carries them all; mixed kinds are an error", () => {
    const source = "def show(v) -> None:\n    pass\n";
    const ir = pipeline("items", {}, (p) => {
      p.map("ints", { fn: "tasks/m.py:show", over: [1, 2], as: "v" });
      p.map("numbers", { fn: "tasks/m.py:show", over: [1, 0.5, 0.25], as: "v" });
      p.map("words", { fn: "tasks/m.py:show", over: ["a", "b"], as: "v" });
      p.map("mixed", { fn: "tasks/m.py:show", over: [1, "two"], as: "v" });
    }).ir;
    const modules = new Map<string, string | null>([["tasks/m.py", source]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const inputOf = {
      ...r,
      sourceFile: "pipelines/p.pipeline.ts",
      sourceMap: {},
      pythonFiles: [{ path: "tasks/m.py", content: source }],
    };
    expect(
      kubeflowTarget
        .validate(inputOf)
        .map((d) => `${d.severity} ${d.code} ${d.task}: ${d.message}`),
    ).toEqual([
      "error MLG3001 mixed: the literal list that 'mixed' maps over cannot be expressed for Kubeflow Pipelines: its items are of different types, and a ParallelFor hands every item to the task as one parameter type (a string item given to an integer parameter fails, a float is cut to an integer)",
    ]);
    const ok = pipeline("items", {}, (p) => {
      p.map("ints", { fn: "tasks/m.py:show", over: [1, 2], as: "v" });
      p.map("numbers", { fn: "tasks/m.py:show", over: [1, 0.5, 0.25], as: "v" });
      p.map("words", { fn: "tasks/m.py:show", over: ["a", "b"], as: "v" });
    }).ir;
    const lowerOk = lowerPipeline({ ir: ok, sourceMap: {}, modules });
    if (!lowerOk.ok) throw new Error("lowering failed");
    const [spec] = parse(renderPipelineSpec({ ...inputOf, ...lowerOk }));
    const itemType = (component: string) =>
      spec.components[component].inputDefinitions.parameters.v.parameterType;
    // kfp types the items by the first one: 1 would make 0.5 an integer, 0 on the cluster.
    expect([itemType("comp-ints"), itemType("comp-numbers"), itemType("comp-words")]).toEqual([
      "NUMBER_INTEGER",
      "NUMBER_DOUBLE",
      "STRING",
    ]);
  });

  it("a param whose name meets a task output's channel name (model-path, model's path) gets a channel of its own", () => {
    // kfp's channels: pipelinechannel--<param> and pipelinechannel--<task>-<output>. A param or
    // variable named with a '-' once shared the task output's channel, and one value replaced
    // the other inside the group.
    const source =
      "def model() -> dict:\n    return {}\n\n\ndef deploy(uri: str, target: str) -> None:\n    pass\n";
    const ir = pipeline("channels", {}, (p) => {
      const m = p.python("model", { fn: "tasks/m.py:model", outputs: { path: "string" } });
      p.group("release", {}, (g) => {
        g.python("deploy", {
          fn: "tasks/m.py:deploy",
          inputs: { uri: m.out.path, target: variable("model-path", "/srv/models") },
        });
      });
    }).ir;
    const [spec] = parse(
      renderPipelineSpec(loweredWith(ir, [{ path: "tasks/m.py", content: source }])),
    );
    const group = spec.components["comp-release"].dag.tasks["release-deploy"].inputs.parameters;
    const uri = group.uri.componentInputParameter;
    const target = group.target.componentInputParameter;
    expect(uri).not.toBe(target);
    const wired = spec.root.dag.tasks.release.inputs.parameters;
    expect(wired[uri]).toEqual({
      taskOutputParameter: { producerTask: "model", outputParameterKey: "path" },
    });
    expect(wired[target]).toEqual({ componentInputParameter: "model-path" });
  });

  it("an input named like the task's function, or like a name the wrapper uses, gets a parameter of its own", () => {
    const source =
      "def scale(values: list, scale: float, Outputs: int = 0) -> dict:\n    return {}\n";
    const ir = pipeline("shadow", {}, (p) => {
      p.python("scale_values", {
        fn: "tasks/m.py:scale",
        inputs: { values: [1, 2], scale: 3, Outputs: 1 },
        outputs: { out: "list" },
      });
    }).ir;
    const modules = new Map<string, string | null>([["tasks/m.py", source]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const text = renderPipelineSpec({
      ...r,
      sourceFile: "pipelines/p.pipeline.ts",
      sourceMap: {},
      pythonFiles: [{ path: "tasks/m.py", content: source }],
    });
    const [spec] = parse(text);
    const container = spec.deploymentSpec.executors["exec-scale-values"].container;
    const command = [...container.command, ...(container.args ?? [])].join("\n");
    expect(command).toContain(
      "def run_scale(Outputs_2: int, scale_2: float, values: list) -> Outputs:",
    );
    expect(command).toContain('scale = _load("tasks.m", "scale")');
    // The literal 3 into `scale: float` is a NUMBER_DOUBLE (as kfp types it), handed over as a
    // float: JSON, on the way, reads a whole float back as an int.
    expect(command).toContain('"scale": float(scale_2),');
    expect(spec.components["comp-scale-values"].inputDefinitions.parameters.scale_2).toEqual({
      parameterType: "NUMBER_DOUBLE",
    });
    expect(command).toContain('"Outputs": Outputs_2,');
    expect(
      Object.keys(spec.components["comp-scale-values"].inputDefinitions.parameters).sort(),
    ).toEqual(["Outputs_2", "scale_2", "values"]);
  });

  it("a function named like a name the component binds or reads (inputs, result, Outputs, _load, posixpath…) is called by a local of its own, and each runs", () => {
    // `scaled` takes an input named float (`float(...)` hands a float input over). A function
    // named float comes last: it is the annotation `float` of the defs after it.
    const names = [
      "inputs",
      "result",
      "Outputs",
      "posixpath",
      "_load",
      "_outputs",
      "_env",
      "os",
      "typing",
      "mlgen_task_name",
      "user_function",
      "scaled",
      "float",
    ];
    const source = names
      .map(
        (n) =>
          `def ${n}(x: int, y: float, path: str, e: str, inputs: str, result: int, float: float = 0.5) -> dict:\n    return {"v": f"${n}:{x}:{y!r}:{path}:{e}:{inputs}:{result}:{float!r}"}\n`,
      )
      .join("\n\n");
    const ir = pipeline("clash", { params: { root: "/data" } }, (p) => {
      names.forEach((n, i) => {
        p.python(`t${i}`, {
          fn: `tasks/m.py:${n}`,
          inputs: {
            x: 3,
            y: 2,
            path: p.params.root.join("x.csv"),
            e: env("MLGEN_TEST_UNSET_VARIABLE", "fallback"),
            inputs: "in",
            result: 7,
            ...(n === "scaled" ? { float: 1 } : {}),
          },
          outputs: { v: "string" },
        });
      });
      // Tracked in MLflow, the body reads the inputs mlgen_task_name and mlgen_job_name too.
      p.python("tracked", {
        fn: "tasks/m.py:mlgen_task_name",
        inputs: { x: 1, y: 1, path: "p", e: "e", inputs: "i", result: 1 },
        mlflow: { experiment: "e" },
      });
    }).ir;
    const files = [{ path: "tasks/m.py", content: source }];
    const [spec] = parse(renderPipelineSpec(loweredWith(ir, files))) as Doc[];
    const program = (task: string) => {
      const container = spec.deploymentSpec.executors[`exec-${task}`].container;
      const command = container.command as string[];
      const at = command.findIndex((c) => c.startsWith("# Generated"));
      const fnName = container.args[container.args.indexOf("--function_to_execute") + 1] as string;
      return { source: command[at] as string, module: command[at + 1] as string, fnName };
    };
    // The body binds each name once: the function's local, `inputs`, `result`, its parameters.
    const bindings = (task: string) => {
      const { source, fnName } = program(task);
      const body = source.slice(source.indexOf(`\ndef ${fnName}(`));
      const params = (/\(([^)]*)\)/.exec(body)?.[1] ?? "").split(", ").map((p) => p.split(":")[0]);
      const bound = [...body.matchAll(/^ {4}([A-Za-z_][A-Za-z0-9_]*) = /gm)].map((m) => m[1]);
      return [...params, ...bound] as string[];
    };
    const twice = (task: string) => bindings(task).filter((b, i, all) => all.indexOf(b) !== i);
    const dir = mkdtempSync(join(tmpdir(), "mlgen-kfp-names-"));
    try {
      const jobs = names.map((n, i) => {
        const { source, module, fnName } = program(`t${i}`);
        // Laid out as the launcher lays it out: the module beside mlgen_project/ and its files.
        const work = join(dir, `t${i}`);
        mkdirSync(join(work, "mlgen_project", "tasks"), { recursive: true });
        writeFileSync(join(work, "ephemeral_component.py"), source);
        writeFileSync(join(work, "mlgen_project", "tasks", "m.py"), module);
        // The inputs as the KFP driver gives them: constants, and the param's default.
        const wired = spec.root.dag.tasks[`t${i}`].inputs.parameters as Record<string, Doc>;
        const kwargs = Object.fromEntries(
          Object.entries(wired).map(([k, v]) => [
            k,
            v.runtimeValue
              ? v.runtimeValue.constant
              : spec.root.inputDefinitions.parameters[v.componentInputParameter].defaultValue,
          ]),
        );
        return { path: join(work, "ephemeral_component.py"), fnName, kwargs, name: n };
      });
      // Each component's function called as kfp's executor calls it, in one process.
      const out = execFileSync(
        "python3",
        [
          "-c",
          [
            "import importlib.util, json, sys",
            "for i, job in enumerate(json.loads(sys.argv[1])):",
            "    spec = importlib.util.spec_from_file_location(f'component_{i}', job['path'])",
            "    module = importlib.util.module_from_spec(spec)",
            "    spec.loader.exec_module(module)",
            "    try:",
            "        print(getattr(module, job['fnName'])(**job['kwargs']).v)",
            "    except Exception as e:",
            "        print(f\"{job['name']} failed: {type(e).__name__}: {e}\")",
          ].join("\n"),
          JSON.stringify(jobs),
        ],
        { encoding: "utf8" },
      );
      const got = out.trim().split("\n");
      expect(got).toEqual(
        names.map((n) => `${n}:3:2.0:/data/x.csv:fallback:in:7:${n === "scaled" ? "1.0" : "0.5"}`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(names.map((_, i) => twice(`t${i}`))).toEqual(names.map(() => []));
    expect(twice("tracked")).toEqual([]);
    expect(bindings("tracked")).toContain("mlgen_task_name");
  });

  it("a task module too big for one argument of the container's command is an error naming it", () => {
    const source = "def f() -> None:\n    pass\n";
    const ir = pipeline("big", {}, (p) => {
      p.python("small", { fn: "tasks/m.py:f" });
    }).ir;
    const modules = new Map<string, string | null>([["tasks/m.py", source]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const words = `WORDS = [\n${'    "abcdefghij",\n'.repeat(8000)}]\n`;
    const found = (files: { path: string; content: string }[]) =>
      kubeflowTarget
        .validate({
          ...r,
          sourceFile: "pipelines/p.pipeline.ts",
          sourceMap: {},
          pythonFiles: files,
        })
        .map((d) => `${d.code} ${d.message.split(" cannot")[0]}`);
    const m = (imports: string) => ({ path: "tasks/m.py", content: `${imports}\n${source}` });
    const vocab = { path: "tasks/vocab.py", content: words };
    expect(found([m("import tasks.vocab"), vocab])).toEqual([
      "MLG3001 task module tasks/vocab.py (141 KiB)",
    ]);
    // A module no task imports does not travel, whatever its size.
    expect(found([m(""), vocab])).toEqual([]);
    expect(
      found([m("import tasks.vocab"), { ...vocab, content: words.slice(0, 100_000) }]),
    ).toEqual([]);
    const many = Array.from({ length: 16 }, (_, i) => ({
      path: `tasks/v${i}.py`,
      content: words.slice(0, 120_000),
    }));
    const all = `from tasks import (\n${many.map((_, i) => `    v${i},\n`).join("")})`;
    expect(found([m(all), ...many])).toEqual([
      "MLG3001 the modules task 'small' carries (1875 KiB in 17 files)",
    ]);
    // A module that imports through importlib makes the task carry every file.
    expect(found([m("import importlib"), ...many])).toEqual([
      "MLG3001 the modules task 'small' carries (1875 KiB in 17 files)",
    ]);
    expect(found([m("from tasks import v1, v2"), ...many])).toEqual([]);
    // Kubeflow fills its placeholders in the command the modules travel in.
    const placeholder = {
      path: "tasks/t.py",
      content: 'def top():\n    return {"s": "x {{$}} y"}\n',
    };
    expect(found([m("from .t import top"), placeholder])).toEqual([
      "MLG3001 task module tasks/t.py",
    ]);
    expect(found([m(""), placeholder])).toEqual([]);
  });

  it("a python task's command carries its module and the project modules it imports, no others", () => {
    const files = (entries: Record<string, string>) =>
      Object.entries(entries).map(([path, content]) => ({ path, content }));
    const paths = (fs: readonly { path: string }[]) => fs.map((f) => f.path);
    const project = files({
      "tasks/__init__.py": "",
      "tasks/train.py": [
        "import os",
        "import numpy as np",
        "from . import features",
        "from .common.io import load  # a comment: import tasks.unused",
        "from tasks.models import (",
        "    forest,",
        "    linear as lin,",
        ")",
        "def train():",
        "    import tasks.late",
        '    return "import tasks.in_string"',
      ].join("\n"),
      "tasks/features.py": "from ..shared import util\n",
      "tasks/common/__init__.py": "",
      "tasks/common/io.py": "def load(): pass\n",
      "tasks/models/__init__.py": "",
      "tasks/models/forest.py": "",
      "tasks/models/linear.py": "",
      "tasks/models/boost.py": "",
      "tasks/late.py": "",
      "tasks/unused.py": "",
      "tasks/in_string.py": "",
      "tasks/score.py": "if True: from tasks.helpers import *\n",
      "tasks/helpers/__init__.py": "",
      "tasks/helpers/a.py": "",
      "tasks/other.py": "x = 1; import tasks.late\n",
      "tasks/dyn.py": 'import importlib\nm = importlib.import_module("tasks.late")\n',
      "tasks/hack.py": "import sys\nsys.path.insert(0, '.')\n",
      "tasks/evals.py": "def f(model):\n    model.eval()\n",
    });
    expect(paths(shippedModules(project, ["tasks/train.py"]))).toEqual([
      "tasks/__init__.py",
      "tasks/train.py",
      "tasks/features.py",
      "tasks/common/__init__.py",
      "tasks/common/io.py",
      "tasks/models/__init__.py",
      "tasks/models/forest.py",
      "tasks/models/linear.py",
      "tasks/late.py",
    ]);
    // `from pkg import *`: the whole package; `;`-separated statements are read too.
    expect(paths(shippedModules(project, ["tasks/score.py"]))).toEqual([
      "tasks/__init__.py",
      "tasks/score.py",
      "tasks/helpers/__init__.py",
      "tasks/helpers/a.py",
    ]);
    expect(paths(shippedModules(project, ["tasks/other.py"]))).toEqual([
      "tasks/__init__.py",
      "tasks/late.py",
      "tasks/other.py",
    ]);
    // Modules it cannot follow: every file travels.
    expect(shippedModules(project, ["tasks/dyn.py"])).toBe(project);
    expect(shippedModules(project, ["tasks/hack.py"])).toBe(project);
    expect(shippedModules(project, ["tasks/missing.py"])).toBe(project);
    // A method named eval is no dynamic import.
    expect(paths(shippedModules(project, ["tasks/evals.py"]))).toEqual([
      "tasks/__init__.py",
      "tasks/evals.py",
    ]);

    // In the YAML: each executor's command holds its own task's modules.
    const ir = pipeline("carry", {}, (p) => {
      p.python("fit", { fn: "tasks/a.py:f" });
      p.python("score", { fn: "tasks/b.py:g" });
    }).ir;
    const sources = files({
      "tasks/a.py": "from tasks.c import helper\ndef f():\n    return helper()\n",
      "tasks/b.py": "def g():\n    return 2\n",
      "tasks/c.py": "def helper():\n    return 1\n",
    });
    const [spec] = parse(renderPipelineSpec(loweredWith(ir, sources)));
    const written = (executor: string) =>
      [
        ...spec.deploymentSpec.executors[executor].container.command
          .join("\n")
          .matchAll(/mlgen_project\/(tasks\/\w+\.py)/g),
      ].map((m) => m[1]);
    expect(written("exec-fit")).toEqual(["tasks/a.py", "tasks/c.py"]);
    expect(written("exec-score")).toEqual(["tasks/b.py"]);
  });

  it("outputs kfp cannot return (keywords, names starting with _) are errors naming them", () => {
    const source = "def f() -> dict:\n    return {}\n";
    const ir = pipeline("outs", {}, (p) => {
      p.python("classify", {
        fn: "tasks/m.py:f",
        outputs: { class: "string", _raw: "int", count: "int" },
      });
    }).ir;
    const modules = new Map<string, string | null>([["tasks/m.py", source]]);
    const r = lowerPipeline({ ir, sourceMap: {}, modules });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const found = kubeflowTarget.validate({
      ...r,
      sourceFile: "pipelines/p.pipeline.ts",
      sourceMap: {},
      pythonFiles: [{ path: "tasks/m.py", content: source }],
    });
    expect(
      found.map((d) => `${d.severity} ${d.code} ${d.task}: ${d.message.split(":")[0]} | ${d.fix}`),
    ).toEqual([
      "error MLG3001 classify: output '_raw' of task 'classify' cannot be expressed for Kubeflow Pipelines | rename the output (e.g. 'raw'), here and where it is read",
      "error MLG3001 classify: output 'class' of task 'classify' cannot be expressed for Kubeflow Pipelines | rename the output (e.g. 'class_value'), here and where it is read",
    ]);
  });

  it("a file sensor waits as Airflow's FileSensor does: a folder counts once it holds a file", () => {
    const ir = pipeline("sense", {}, (p) => {
      p.fileSensor("wait", { path: "/data/in", timeout: seconds(10) });
    }).ir;
    const [spec] = parse(renderPipelineSpec(lowered(ir)));
    const container = spec.deploymentSpec.executors["exec-wait"].container;
    const program = [...container.command, ...(container.args ?? [])].find((a: string) =>
      a.includes("def _wait_for_path("),
    ) as string;
    const helper = /\ndef _wait_for_path\([\s\S]*?\n(?=\n\n|\S)/.exec(program)?.[0] as string;
    const dir = mkdtempSync(join(tmpdir(), "mlgen-sense-"));
    mkdirSync(join(dir, "empty"));
    mkdirSync(join(dir, "full", "part"), { recursive: true });
    writeFileSync(join(dir, "full", "part", "x.csv"), "1");
    writeFileSync(join(dir, "file.txt"), "1");
    const check = (path: string) =>
      execFileSync(
        "python3",
        [
          "-c",
          `import glob, os, sys, time\n${helper}\ntry:\n    _wait_for_path(sys.argv[1], 0.01, 0.05, False)\n    print("found")\nexcept TimeoutError:\n    print("waited")`,
          path,
        ],
        { encoding: "utf8" },
      )
        .trim()
        .split("\n")
        .at(-1);
    try {
      expect(
        ["empty", "full", "file.txt", "missing", "fu*"].map((p) => check(join(dir, p))),
      ).toEqual(["waited", "found", "found", "waited", "found"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a Slack alert needs its webhook URL from a secret: said until kubeflow.secretEnv gives it to the alerts' pod only, and a container task's pod none", () => {
    const ir = pipeline(
      "alerting",
      { defaults: { onFailure: slack({ connId: "ml_alerts" }) } },
      (p) => {
        p.bash("a", { command: "true" });
        p.bash("b", { command: "true" });
        p.container("image", { image: "busybox:1.36", command: ["true"] });
      },
    ).ir;
    const base = lowered(ir);
    expect(kubeflowTarget.validate(base).map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG3002 the Slack webhook of connection 'ml_alerts' is approximated for Kubeflow Pipelines: the alert reads its URL from the pod's environment variable MLGEN_SLACK_ML_ALERTS_URL, which nothing gives the pod, so it fails",
    ]);
    const secretEnv = {
      MLGEN_SLACK_ML_ALERTS_URL: { secret: "slack", key: "url" },
      TOKEN: { secret: "api", key: "token" },
    };
    const inp = { ...base, settings: { kubeflow: { secretEnv } } };
    expect(kubeflowTarget.validate(inp)).toEqual([]);
    const docs = parse(renderPipelineSpec(inp)) as Doc[];
    const executors = docs[1].platforms.kubernetes.deploymentSpec.executors;
    expect(Object.keys(executors).sort()).toEqual(["exec-a", "exec-alerts", "exec-b"]);
    // As kfp-kubernetes' use_secret_as_env writes it (kfp-eq-pods compares it with kfp's).
    const secretAsEnv = (secretName: string, secretKey: string, envVar: string) => ({
      secretName,
      secretNameParameter: { runtimeValue: { constant: secretName } },
      keyToEnv: [{ secretKey, envVar }],
      optional: false,
    });
    const token = secretAsEnv("api", "token", "TOKEN");
    // The webhook URL goes to the exit handler only, not to every task's pod.
    expect(executors["exec-alerts"].secretAsEnv).toEqual([
      secretAsEnv("slack", "url", "MLGEN_SLACK_ML_ALERTS_URL"),
      token,
    ]);
    expect(executors["exec-a"].secretAsEnv).toEqual([token]);
    expect(executors["exec-b"].secretAsEnv).toEqual([token]);
    // A container task's image gets none, as a KubernetesPodOperator's pod gets none of the
    // worker's environment on Airflow.
    expect(executors["exec-image"]).toBeUndefined();
  });

  it("secretEnv of a pipeline joins the config's for its pods; a python task's reaches its pod alone; names, secrets and keys Kubernetes refuses are MLG1011", () => {
    const def = pipeline(
      "scoped",
      { kubeflow: { secretEnv: { DB_USER: { secret: "warehouse", key: "user" } } } },
      (p) => {
        const a = p.python("extract", {
          ...SCORES,
          kubeflow: { secretEnv: { DB_PASSWORD: { secret: "warehouse", key: "password" } } },
        });
        p.bash("report", { command: "echo $DB_USER" }).after(a);
      },
    );
    expect(def.problems).toEqual([]);
    const inp = {
      ...lowered(def.ir),
      settings: { kubeflow: { secretEnv: { TOKEN: { secret: "api", key: "token" } } } },
    };
    expect(kubeflowTarget.validate(inp)).toEqual([]);
    const executors = (parse(renderPipelineSpec(inp)) as Doc[])[1].platforms.kubernetes
      .deploymentSpec.executors;
    const envOf = (label: string) =>
      (executors[label].secretAsEnv as { secretName: string; keyToEnv: { envVar: string }[] }[])
        .flatMap((s) => s.keyToEnv.map((k) => `${k.envVar}<-${s.secretName}`))
        .sort();
    expect(envOf("exec-extract")).toEqual([
      "DB_PASSWORD<-warehouse",
      "DB_USER<-warehouse",
      "TOKEN<-api",
    ]);
    // The password reaches the task that declared it only.
    expect(envOf("exec-report")).toEqual(["DB_USER<-warehouse", "TOKEN<-api"]);

    const bad = pipeline(
      "bad_secrets",
      { kubeflow: { secretEnv: { "DB-USER": { secret: "Warehouse", key: "user" } } } },
      (p) => {
        p.python("extract", {
          ...SCORES,
          kubeflow: {
            secretEnv: {
              MLGEN_SLACK_ML_ALERTS_URL: { secret: "slack", key: "url" },
              PASSWORD: { secret: "warehouse", key: "pass word" },
            },
          },
        });
      },
    );
    expect(
      kubeflowTarget
        .validate(lowered(bad.ir))
        .map((d) => `${d.code} ${d.task ?? "-"} ${d.message} | ${d.fix}`),
    ).toEqual([
      "MLG1011 - invalid kubeflow.secretEnv.DB-USER of pipeline 'bad_secrets': 'DB-USER' is no environment variable name a Python task can read (letters, digits and '_', not starting with a digit) | rename the variable, e.g. DB_PASSWORD",
      "MLG1011 - invalid kubeflow.secretEnv.DB-USER of pipeline 'bad_secrets': 'Warehouse' is no Kubernetes secret name: it has the capital letter 'W', so the pod is refused | give the name of the secret as kubectl get secrets lists it (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
      "MLG1011 extract invalid kubeflow.secretEnv.MLGEN_SLACK_ML_ALERTS_URL of task 'extract': MLGEN_SLACK_ML_ALERTS_URL is a Slack webhook URL, which the alerts read in the exit handler's pod, not in this task's | set it in the pipeline's kubeflow.secretEnv or in mlgen.config.ts",
      "MLG1011 extract invalid kubeflow.secretEnv.PASSWORD of task 'extract': 'pass word' is no key a Kubernetes secret can have (letters, digits, '-', '_' and '.') | give the key in the secret that holds the value, as kubectl describe secret lists it",
    ]);
    const typo = pipeline("typo", {}, (p) => {
      p.python("extract", {
        ...SCORES,
        kubeflow: { secretEnv: { DB: { secret: "w", kye: "k" } as never } },
      });
    });
    expect(typo.problems.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual([
      "MLG1022 there is no option 'kye' in kubeflow.secretEnv.DB of task 'extract', so it would be ignored | did you mean 'key'?",
    ]);
  });

  it("starts with kfp's own header, so kfp reads the name and the (multi-line) description", () => {
    const ir = pipeline("described", { description: "First line\nsecond line" }, (p) => {
      p.bash("a", { command: "true" });
    }).ir;
    const text = renderPipelineSpec(lowered(ir));
    expect(text.split("\n").slice(0, 5)).toEqual([
      "# PIPELINE DEFINITION",
      "# Name: described",
      "# Description: First line",
      "#              second line",
      "# Generated by mlgen from pipelines/p.pipeline.ts. Do not edit: change the pipeline and run `mlgen compile --target kubeflow`.",
    ]);
  });

  it("timeouts go to the Kubernetes platform spec when enabled", async () => {
    const base = await input("kfp-local");
    const ir = pipeline(
      "timed",
      { defaults: { executionTimeout: seconds(90) }, dagrunTimeout: seconds(3600) },
      (p) => {
        p.bash("only", { command: "true" });
      },
    ).ir;
    const inp = { ...lowered(ir), settings: { kubeflow: { timeouts: true } } };
    expect(kubeflowTarget.validate(inp)).toEqual([]);
    const docs = parse(renderPipelineSpec(inp)) as Doc[];
    expect(docs[1]).toEqual({
      platforms: {
        kubernetes: {
          deploymentSpec: { executors: { "exec-only": { activeDeadlineSeconds: "90" } } },
          pipelineConfig: { activeDeadlineSeconds: 3600 },
        },
      },
    });
    expect(parse(renderPipelineSpec(base))).toHaveLength(1);
  });

  it("the retry window covers Airflow's whole schedule when tries are bounded, and ten years otherwise", () => {
    const build = () =>
      pipeline("windows", { defaults: { retries: 3, retryDelay: seconds(60) } }, (p) => {
        p.bash("plain", { command: "true", executionTimeout: seconds(3600) });
        p.bash("growing", {
          command: "true",
          executionTimeout: seconds(600),
          retryExponentialBackoff: 2,
          maxRetryDelay: seconds(120),
        });
        p.bash("unbounded", { command: "true" });
      }).ir;
    const withTimeouts = { ...lowered(build()), settings: { kubeflow: { timeouts: true } } };
    const [spec] = parse(renderPipelineSpec(withTimeouts)) as Doc[];
    const windows = Object.fromEntries(
      Object.entries(spec.root.dag.tasks as Record<string, Doc>).map(([k, t]) => [
        k,
        t.retryPolicy.backoffMaxDuration,
      ]),
    );
    expect(windows).toEqual({
      // Waits of 60 s × 3, then 4 tries of an hour with 600 s each for the pod to start.
      plain: `${3 * 60 + 4 * (3600 + 600)}s`,
      // Waits of 60, 120 and 240 s (KFP does not cap them), 4 tries of 600 + 600 s.
      growing: `${60 + 120 + 240 + 4 * (600 + 600)}s`,
      // No execution timeout: a try may run for ever, as on Airflow: ten years stands for none
      // (left out, the backend's template would make it 0 and end retrying at once).
      unbounded: "315360000s",
    });
    expect(
      kubeflowTarget.validate(withTimeouts).map((d) => `${d.task}: ${d.message} | ${d.fix}`),
    ).toEqual([
      "growing: maxRetryDelay of 'growing' (120 s) is approximated for Kubeflow Pipelines: KFP cannot cap each wait between tries: with backoffFactor 2 the last of its 3 retries waits 240 s, where Airflow waits at most maxRetryDelay | lower retries, retryDelay or the backoff factor so the waits stay under maxRetryDelay (`--strict` makes this an error; `// mlgen-disable-next-line MLG3002` above the call accepts it)",
    ]);
    // Without kubeflow.timeouts nothing bounds a try on KFP: no limit either.
    const [plain] = parse(renderPipelineSpec(lowered(build()))) as Doc[];
    expect(plain.root.dag.tasks.plain.retryPolicy.backoffMaxDuration).toBe("315360000s");
  });

  it("a template in a joined path's parts is said, as in any other value: KFP does not render it", () => {
    const ir = pipeline("joined", {}, (p) => {
      p.fileSensor("w", { path: variable("dir").join("{{ ds }}", "x.csv"), timeout: seconds(60) });
    }).ir;
    expect(
      kubeflowTarget
        .validate(lowered(ir))
        .map((d) => d.message)
        .filter((m) => m.startsWith("template")),
    ).toEqual([
      "template '{{ ds }}' in 'w' is approximated for Kubeflow Pipelines: Airflow templates are not rendered on Kubeflow; the text is passed as is",
    ]);
  });

  it("caching is off by default for a scheduled pipeline, on for one run by hand, as the config says otherwise", () => {
    const build = (schedule?: string) =>
      pipeline("cache", schedule ? { schedule, startDate: "2025-01-01" } : {}, (p) => {
        p.bash("extract", { command: "true" });
      }).ir;
    const cachingOf = (ir: unknown, caching?: boolean) => {
      const input = {
        ...lowered(ir),
        ...(caching === undefined ? {} : { settings: { kubeflow: { caching } } }),
      };
      const [spec] = parse(renderPipelineSpec(input)) as Doc[];
      return spec.root.dag.tasks.extract.cachingOptions;
    };
    expect(cachingOf(build())).toEqual({ enableCache: true });
    expect(cachingOf(build("@daily"))).toEqual({});
    expect(cachingOf(build("0 3 * * *"))).toEqual({});
    expect(cachingOf(build("@once"))).toEqual({ enableCache: true });
    expect(cachingOf(build("@daily"), true)).toEqual({ enableCache: true });
    expect(cachingOf(build(), false)).toEqual({});
  });

  it("a condition comparing with null is MLG3001 (KFP conditions compare scalars, never null); one on a list output fails to compile for every target", () => {
    const ir = (list: boolean) =>
      pipeline("cond", {}, (p) => {
        const m = p.python("make", {
          fn: "tasks/kfp_local.py:scores",
          inputs: { out_dir: "/tmp/out", fail: false },
          outputs: { values: "list", count: "int" },
        });
        const after = p.bash("after", { command: "true" });
        // The DSL's types allow only scalar outputs here, and no null; plain JavaScript gets past.
        if (list) p.branch("br", { when: [m.out.values as never, "==", 3], ifTrue: after });
        const other = p.bash("other", { command: "true" });
        p.branch("nul", { when: [m.out.count, "==", null as never], ifTrue: other });
      }).ir;
    expect(
      kubeflowTarget
        .validate(lowered(ir(false)))
        .filter((d) => d.severity === "error")
        .map((d) => `${d.task}: ${d.message}`),
    ).toEqual([
      "nul: the condition of 'nul' cannot be expressed for Kubeflow Pipelines: it compares with null, and a KFP task output or param is never null, so the same side would run on every run",
    ]);
    expect(() => lowered(ir(true))).toThrow(
      "invalid condition of branch 'br': it compares make.values, a list, with 3 (==), which never matches",
    );
  });

  it("a file sensor's timeout is not retried, as on Airflow; its dropped retries and softFail are said", () => {
    const ir = pipeline("waits", { defaults: { retries: 2, retryDelay: seconds(60) } }, (p) => {
      p.fileSensor("wait", { path: "/data/in.csv", timeout: seconds(3600) });
      p.fileSensor("maybe", {
        path: "/data/x.csv",
        timeout: seconds(60),
        retries: 0,
        softFail: true,
      });
      p.timeDeltaSensor("settle", { delta: seconds(30) });
      p.bash("work", { command: "true" });
    }).ir;
    const [spec] = parse(renderPipelineSpec(lowered(ir))) as Doc[];
    const tasks = (spec as { root: { dag: { tasks: Record<string, { retryPolicy?: unknown }> } } })
      .root.dag.tasks;
    expect(Object.fromEntries(Object.entries(tasks).map(([k, t]) => [k, t.retryPolicy]))).toEqual({
      maybe: undefined,
      settle: {
        maxRetryCount: 2,
        backoffDuration: "60s",
        backoffFactor: 1,
        backoffMaxDuration: "315360000s",
      },
      wait: undefined,
      work: {
        maxRetryCount: 2,
        backoffDuration: "60s",
        backoffFactor: 1,
        backoffMaxDuration: "315360000s",
      },
    });
    const said = kubeflowTarget
      .validate(lowered(ir))
      .filter((d) => d.task === "wait" || d.task === "maybe")
      .map((d) => `${d.task}: ${d.message}`);
    expect(said).toEqual([
      "maybe: sensor 'maybe' is approximated for Kubeflow Pipelines: on Airflow it frees its worker slot between checks (mode 'reschedule'); Kubeflow has no sensors, so it becomes a task that polls inside its container and holds its pod while it waits",
      "maybe: softFail of sensor 'maybe' is approximated for Kubeflow Pipelines: KFP has no skipped state, so a wait that times out fails the task (and the run) instead of skipping what follows",
      "wait: sensor 'wait' is approximated for Kubeflow Pipelines: on Airflow it frees its worker slot between checks (mode 'reschedule'); Kubeflow has no sensors, so it becomes a task that polls inside its container and holds its pod while it waits",
      "wait: retries: 2 of sensor 'wait' is approximated for Kubeflow Pipelines: its 2 retries are dropped: KFP would retry a wait that timed out, each try waiting the whole timeout again, where Airflow fails a sensor timeout without retrying",
    ]);
  });

  it("a sensor in poke mode loses nothing on Kubeflow and is not warned about; reschedule, deferrable and dropped retries are", () => {
    const ir = pipeline("waits", {}, (p) => {
      p.fileSensor("poking", { path: "/data/in.csv", mode: "poke", timeout: seconds(600) });
      p.fileSensor("retried", {
        path: "/data/in.csv",
        mode: "poke",
        timeout: seconds(600),
        retries: 1,
      });
      p.fileSensor("deferred", { path: "/data/in.csv", deferrable: true, timeout: seconds(600) });
      p.bash("work", { command: "true" });
    }).ir;
    const said = kubeflowTarget
      .validate(lowered(ir))
      .filter((d) => d.code === "MLG3002")
      .map((d) => `${d.task}: ${d.message.split(" is approximated")[0]}`);
    expect(said).toEqual([
      "deferred: sensor 'deferred'",
      "retried: retries: 1 of sensor 'retried'",
    ]);
  });

  it("a sensor's pod may wait its whole timeout unless it pokes, and a sensor is never cached", () => {
    const ir = pipeline("waits", { defaults: { executionTimeout: seconds(3600) } }, (p) => {
      p.fileSensor("patient", { path: "/data/in.csv", timeout: seconds(6 * 3600) });
      p.fileSensor("poking", { path: "/data/in.csv", mode: "poke", timeout: seconds(6 * 3600) });
      p.fileSensor("quick", { path: "/data/in.csv", timeout: seconds(60) });
      p.bash("work", { command: "true" });
    }).ir;
    const inp = { ...lowered(ir), settings: { kubeflow: { timeouts: true } } };
    const [spec, platform] = parse(renderPipelineSpec(inp)) as Doc[];
    const deadlines = (
      platform as {
        platforms: { kubernetes: { deploymentSpec: { executors: Record<string, unknown> } } };
      }
    ).platforms.kubernetes.deploymentSpec.executors;
    expect(deadlines).toEqual({
      // Airflow: execution_timeout bounds each reschedule check, timeout the wait (+ pod start).
      "exec-patient": { activeDeadlineSeconds: String(6 * 3600 + 600) },
      // Airflow: a poking sensor's execution_timeout ends the try, as the pod deadline does.
      "exec-poking": { activeDeadlineSeconds: "3600" },
      "exec-quick": { activeDeadlineSeconds: "3600" },
      "exec-work": { activeDeadlineSeconds: "3600" },
    });
    const tasks = (
      spec as { root: { dag: { tasks: Record<string, { cachingOptions: unknown }> } } }
    ).root.dag.tasks;
    expect(
      Object.fromEntries(Object.entries(tasks).map(([k, t]) => [k, t.cachingOptions])),
    ).toEqual({
      patient: {},
      poking: {},
      quick: {},
      work: { enableCache: true },
    });
  });

  it("a backoff factor that is no whole number is MLG3001 at the task (Argo reads backoff.factor as an int); whole ones and true compile", () => {
    const ir = pipeline("factors", { defaults: { retries: 2 } }, (p) => {
      p.bash("frac", { command: "true", retryExponentialBackoff: 1.5 });
      p.bash("half", { command: "true", retryExponentialBackoff: 0.5 });
      p.bash("doubles", { command: "true", retryExponentialBackoff: true });
      p.bash("triples", { command: "true", retryExponentialBackoff: 3 });
      p.bash("constant", { command: "true", retryExponentialBackoff: false });
      // No retries: no retry policy, so the factor is never written.
      p.bash("once", { command: "true", retries: 0, retryExponentialBackoff: 2.5 });
    }).ir;
    const input = lowered(ir);
    expect(
      kubeflowTarget
        .validate(input)
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.severity} ${d.task}: ${d.message} | ${d.fix}`),
    ).toEqual([
      `error frac: retryExponentialBackoff 1.5 of 'frac' cannot be expressed for Kubeflow Pipelines: KFP hands retryPolicy.backoffFactor to Argo's retryStrategy.backoff.factor, a whole number: Argo cannot read 1.5 ("cannot be resolved to an int"), so the task errors the first time it fails instead of retrying | give a whole factor, rounded down or up: retryExponentialBackoff: 1 (a constant delay) or retryExponentialBackoff: 2 (or true)`,
      `error half: retryExponentialBackoff 0.5 of 'half' cannot be expressed for Kubeflow Pipelines: KFP hands retryPolicy.backoffFactor to Argo's retryStrategy.backoff.factor, a whole number: Argo cannot read 0.5 ("cannot be resolved to an int"), so the task errors the first time it fails instead of retrying | give a whole factor: retryExponentialBackoff: 1 (a constant delay)`,
    ]);
    // The whole factors are written as they are.
    const fixed = pipeline("factors", { defaults: { retries: 2 } }, (p) => {
      p.bash("doubles", { command: "true", retryExponentialBackoff: true });
      p.bash("triples", { command: "true", retryExponentialBackoff: 3 });
      p.bash("constant", { command: "true", retryExponentialBackoff: false });
    }).ir;
    const [spec] = parse(renderPipelineSpec(lowered(fixed))) as Doc[];
    expect(
      Object.fromEntries(
        Object.entries(spec.root.dag.tasks as Record<string, Doc>).map(([k, t]) => [
          k,
          t.retryPolicy.backoffFactor,
        ]),
      ),
    ).toEqual({ constant: 1, doubles: 2, triples: 3 });
  });

  it("a fractional backoff factor from the pipeline defaults is said once, at the first task, naming the others", () => {
    const ir = pipeline(
      "shared",
      { defaults: { retries: 1, retryExponentialBackoff: 2.5 } },
      (p) => {
        for (const id of ["a", "b", "c", "d", "e"]) p.bash(id, { command: "true" });
        p.bash("own", { command: "true", retryExponentialBackoff: 2 });
      },
    ).ir;
    expect(
      kubeflowTarget
        .validate(lowered(ir))
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.task}: ${d.message.split(" cannot")[0]} | ${d.fix}`),
    ).toEqual([
      "a: retryExponentialBackoff 2.5 of 'a', 'b', 'c' and 2 more | give a whole factor, rounded down or up: retryExponentialBackoff: 2 (or true) or retryExponentialBackoff: 3",
    ]);
  });

  it("null inside a param's default is MLG3001 at the param (kfp cannot carry it); Airflow takes it", () => {
    const ir = pipeline(
      "nulls",
      { params: { nested: { a: [1, 2, { b: null }] }, plain: { "odd key": [null] }, fine: [1] } },
      (p) => {
        p.bash("b", { command: "true" });
      },
    ).ir;
    const lowering = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
    // Nothing target-neutral refuses it: Airflow's params take None.
    expect(lowering.ok && lowering.diagnostics).toEqual([]);
    expect(
      kubeflowTarget
        .validate(lowered(ir))
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.severity} ${d.task ?? "-"}: ${d.message.split(", and")[0]} | ${d.fix}`),
    ).toEqual([
      `error -: the default of param 'nested' cannot be expressed for Kubeflow Pipelines: it holds null at nested.a[2].b | leave the key out of the default, or give it a value of its type ("", 0, [], {}) and test for that in the task`,
      `error -: the default of param 'plain' cannot be expressed for Kubeflow Pipelines: it holds null at plain["odd key"][0] | leave the key out of the default, or give it a value of its type ("", 0, [], {}) and test for that in the task`,
    ]);
  });

  it("the header lists every pipeline input, the variables' too, sorted by name with kfp's type names, as kfp's compiler writes it", () => {
    const ir = pipeline("inputs", { params: { zeta: 1, alpha: "x", ratio: 0.5 } }, (p) => {
      p.python("s", { ...SCORES, inputs: { out_dir: variable("out_dir"), fail: false } });
      p.bash("b", {
        command: "echo $DIR $N",
        env: { DIR: variable("data_dir", "/data"), N: p.params.zeta },
      });
    }).ir;
    const text = renderPipelineSpec(lowered(ir));
    expect(text.split("\n").slice(0, 9)).toEqual([
      "# PIPELINE DEFINITION",
      "# Name: inputs",
      "# Inputs:",
      '#    alpha: str [Default: "x"]',
      '#    data_dir: str [Default: "/data"]',
      // A variable without a default is an input without one, as kfp lists it.
      "#    out_dir: str",
      "#    ratio: float [Default: 0.5]",
      "#    zeta: int [Default: 1]",
      expect.stringMatching(/^# Generated by mlgen from /),
    ]);
    const [spec] = parse(text) as Doc[];
    expect(Object.keys(spec.root.inputDefinitions.parameters)).toEqual([
      "alpha",
      "data_dir",
      "out_dir",
      "ratio",
      "zeta",
    ]);
  });
});
