/**
 * Equivalence with kfp's own compiler: each mlgen fixture test/fixtures/pipelines/kfp-eq-*.ts
 * and its twin in kfp's Python DSL (test/kfp/equivalents/*.py, compiled by the pinned kfp in
 * .venv-kfp) compile to the same PipelineSpec, compared as parsed data after the documented
 * normalizations (test/support/kfp-equivalence.ts, test/kfp/equivalents/README.md). Also checks
 * that the normalizer and the exceptions cannot hide real differences.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileKfpSamples, ensureKfp } from "../support/kfp.js";
import {
  compareDocs,
  compileMlgen,
  EQUIVALENTS,
  EQUIVALENTS_DIR,
  type Equivalent,
  isLightweightPython,
  normalizeSpec,
  PYTHON_LAUNCHER,
  readYamlFiles,
  writeText,
} from "../support/kfp-equivalence.js";
import { tempDir } from "./harness.js";

type Obj = Record<string, unknown>;

interface Pair {
  readonly mlgen: unknown[];
  readonly kfp: unknown[];
  readonly mlgenText: string;
  readonly kfpText: string;
  readonly diagnostics: string[];
}

let dir = "";
const pairs = new Map<string, Pair>();
const pair = (name: string): Pair => {
  const p = pairs.get(name);
  if (!p) throw new Error(`${name} was not compiled`);
  return p;
};

beforeAll(async () => {
  // Builds .venv-kfp when it is missing or stale; throws when there is still no kfp python.
  ensureKfp();
  dir = tempDir("kfp-equivalence");
  const files = (e: Equivalent) => ({
    mlgen: join(dir, `${e.name}.mlgen.yaml`),
    kfp: join(dir, `${e.name}.kfp.yaml`),
  });
  await compileKfpSamples(
    EQUIVALENTS.map((e) => ({
      py: join(EQUIVALENTS_DIR, e.py),
      out: files(e).kfp,
      functionName: e.functionName,
    })),
  );
  const diagnostics = new Map<string, string[]>();
  for (const e of EQUIVALENTS) {
    const m = await compileMlgen(e.name, e.settings);
    writeText(files(e).mlgen, m.yaml);
    diagnostics.set(e.name, m.diagnostics);
  }
  const parsed = await readYamlFiles(EQUIVALENTS.flatMap((e) => [files(e).mlgen, files(e).kfp]));
  EQUIVALENTS.forEach((e, i) => {
    pairs.set(e.name, {
      mlgen: parsed[2 * i] ?? [],
      kfp: parsed[2 * i + 1] ?? [],
      mlgenText: readFileSync(files(e).mlgen, "utf8"),
      kfpText: readFileSync(files(e).kfp, "utf8"),
      diagnostics: diagnostics.get(e.name) ?? [],
    });
  });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("mlgen's Kubeflow YAML equals kfp's for the same pipeline", () => {
  it("covers at least 8 pipelines", () => {
    expect(EQUIVALENTS.length).toBeGreaterThanOrEqual(8);
  });

  for (const e of EQUIVALENTS) {
    it(`${e.name} (${e.covers})`, () => {
      const p = pair(e.name);
      expect(p.diagnostics, `${e.name}: the kubeflow target reported problems`).toEqual([]);
      const diffs = compareDocs(p.mlgen, p.kfp, e.exceptions);
      // One line per difference: `<YAML path>: mlgen <value> | kfp <value>` or `only in …`.
      expect(diffs, `${e.name} differs from kfp's compiler`).toEqual([]);
    });
  }
});

describe("documented exceptions", () => {
  const withExceptions = EQUIVALENTS.flatMap((e) =>
    (e.exceptions ?? []).map((x, i) => ({ e, x, i })),
  );
  for (const { e, x, i } of withExceptions) {
    it(`${x.id} is still needed for ${e.name} (remove it once the target matches kfp)`, () => {
      const p = pair(e.name);
      const others = (e.exceptions ?? []).filter((_, j) => j !== i);
      expect(compareDocs(p.mlgen, p.kfp, others)).not.toEqual([]);
    });
  }
});

describe("the normalizer", () => {
  it("drops sdkVersion and masks only lightweight-Python launchers", () => {
    const p = pair("kfp-eq-bash");
    const spec = p.mlgen[0] as Obj;
    expect(spec.sdkVersion).toMatch(/^mlgen-/);
    expect((p.kfp[0] as Obj).sdkVersion).toBe("kfp-2.17.3");
    const executors = at(spec, "deploymentSpec", "executors");
    // One python task and one bash task: only the first is a kfp launcher.
    expect(isLightweightPython(at(executors, "exec-make-message", "container"))).toBe(true);
    expect(isLightweightPython(at(executors, "exec-announce", "container"))).toBe(false);
    const kfpExecutors = at(p.kfp[0], "deploymentSpec", "executors");
    expect(isLightweightPython(at(kfpExecutors, "exec-make-message", "container"))).toBe(true);
    expect(isLightweightPython(at(kfpExecutors, "exec-announce", "container"))).toBe(false);
    const normalized = normalizeSpec(spec);
    expect(normalized).not.toHaveProperty("sdkVersion");
    const out = at(normalized, "deploymentSpec", "executors");
    expect(out["exec-announce"]).toEqual(executors["exec-announce"]);
    const before = at(executors, "exec-make-message", "container");
    expect(at(out, "exec-make-message", "container")).toEqual({
      args: ["--executor_input", "{{$}}", "--function_to_execute", "<function>"],
      // The install step stays: sh -c <pip install kfp==2.17.3 …> sh -ec.
      command: [...(before.command as string[]).slice(0, 5), PYTHON_LAUNCHER],
      image: "python:3.11-slim",
    });
    expect((before.command as string[])[2]).toContain("'kfp==2.17.3'");
  });

  it("compares numbers as numbers: kfp's 3.0 and mlgen's 3 are the same value", () => {
    const p = pair("kfp-eq-python");
    expect(p.kfpText).toMatch(/constant: 3\.0\b/);
    expect(p.mlgenText).toMatch(/constant: 3\b(?!\.)/);
  });
});

/** A deep copy of a pair's mlgen documents, changed by `fn` at a place that must exist. */
function mutated(name: string, fn: (spec: Obj, docs: unknown[]) => void): unknown[] {
  const docs = structuredClone(pair(name).mlgen);
  fn(docs[0] as Obj, docs);
  return docs;
}

function at(root: unknown, ...path: string[]): Obj {
  let cur = root;
  for (const key of path) {
    cur = (cur as Obj | undefined)?.[key];
    if (cur === undefined) throw new Error(`no ${path.join(".")} (at ${key})`);
  }
  return cur as Obj;
}

const task = (spec: Obj, ...path: string[]) =>
  path.length === 1 ? at(spec, "root", "dag", "tasks", ...path) : at(spec, ...path);

interface Mutation {
  readonly pipeline: string;
  readonly what: string;
  readonly mutate: (spec: Obj, docs: unknown[]) => void;
  /** A path prefix the diff must name. */
  readonly where: string;
}

const MUTATIONS: readonly Mutation[] = [
  {
    pipeline: "kfp-eq-retry",
    what: "a wrong dependentTasks entry",
    mutate: (s) => {
      task(s, "upload").dependentTasks = ["once"];
    },
    where: "$.root.dag.tasks.upload.dependentTasks",
  },
  {
    pipeline: "kfp-eq-retry",
    what: "a missing retryPolicy",
    mutate: (s) => {
      delete task(s, "fetch").retryPolicy;
    },
    where: "$.root.dag.tasks.fetch.retryPolicy",
  },
  {
    pipeline: "kfp-eq-retry",
    what: "a different backoff factor",
    mutate: (s) => {
      at(task(s, "flaky"), "retryPolicy").backoffFactor = 3.5;
    },
    where: "$.root.dag.tasks.flaky.retryPolicy.backoffFactor",
  },
  {
    pipeline: "kfp-eq-retry",
    what: "a task that no longer waits for all upstream tasks to complete",
    mutate: (s) => {
      delete task(s, "always").triggerPolicy;
    },
    where: "$.root.dag.tasks.always.triggerPolicy",
  },
  {
    pipeline: "kfp-eq-branch",
    what: "a changed CEL condition",
    mutate: (s) => {
      const t = task(s, "components", "comp-condition-branches-2", "dag", "tasks", "condition-3");
      const policy = at(t, "triggerPolicy");
      policy.condition = String(policy.condition).replace(">=", ">");
    },
    where: "$.components[comp-condition-branches-2].dag.tasks[condition-3].triggerPolicy.condition",
  },
  {
    pipeline: "kfp-eq-branch",
    what: "a task moved out of its condition",
    mutate: (s) => {
      const dag = at(s, "components", "comp-condition-3", "dag", "tasks");
      const root = at(s, "root", "dag", "tasks");
      root.announce = dag.announce;
      delete dag.announce;
    },
    where: "$.components[comp-condition-3].dag.tasks.announce",
  },
  {
    pipeline: "kfp-eq-python",
    what: "an integer constant written as a string",
    mutate: (s) => {
      at(task(s, "train"), "inputs", "parameters", "epochs", "runtimeValue").constant = "3";
    },
    where: "$.root.dag.tasks.train.inputs.parameters.epochs.runtimeValue.constant",
  },
  {
    pipeline: "kfp-eq-python",
    what: "a changed component input type",
    mutate: (s) => {
      at(s, "components", "comp-train", "inputDefinitions", "parameters", "lr").parameterType =
        "NUMBER_INTEGER";
    },
    where: "$.components[comp-train].inputDefinitions.parameters.lr.parameterType",
  },
  {
    pipeline: "kfp-eq-python",
    what: "a missing component output",
    mutate: (s) => {
      delete at(s, "components", "comp-train", "outputDefinitions", "parameters").accepted;
    },
    where: "$.components[comp-train].outputDefinitions.parameters.accepted",
  },
  {
    pipeline: "kfp-eq-python",
    what: "a python task's image",
    mutate: (s) => {
      at(s, "deploymentSpec", "executors", "exec-train", "container").image = "python:3.12-slim";
    },
    where: "$.deploymentSpec.executors[exec-train].container.image",
  },
  {
    pipeline: "kfp-eq-python",
    what: "a python executor whose command is not kfp's launcher",
    mutate: (s) => {
      at(s, "deploymentSpec", "executors", "exec-train", "container").command = [
        "sh",
        "-c",
        "python3 train.py",
      ];
    },
    where: "$.deploymentSpec.executors[exec-train].container",
  },
  {
    pipeline: "kfp-eq-python",
    what: "a different kfp pin in a python task's install step",
    mutate: (s) => {
      const c = at(s, "deploymentSpec", "executors", "exec-train", "container");
      const command = c.command as string[];
      command[2] = String(command[2]).replace("kfp==2.17.3", "kfp==2.16.0");
    },
    where: "$.deploymentSpec.executors[exec-train].container.command[2]",
  },
  {
    pipeline: "kfp-eq-python",
    what: "a changed param default",
    mutate: (s) => {
      at(s, "root", "inputDefinitions", "parameters", "rows").defaultValue = 101;
    },
    where: "$.root.inputDefinitions.parameters.rows.defaultValue",
  },
  {
    pipeline: "kfp-eq-loops",
    what: "a missing parallelism limit",
    mutate: (s) => {
      delete task(s, "for-loop-1").iteratorPolicy;
    },
    where: "$.root.dag.tasks[for-loop-1].iteratorPolicy",
  },
  {
    pipeline: "kfp-eq-loops",
    what: "a reordered literal loop list",
    mutate: (s) => {
      // Found by its items, not its name (LITERAL_LOOP_NUMBERING renames it).
      const items = Object.values(at(s, "root", "dag", "tasks"))
        .map((t) => (t as { parameterIterator?: { items?: Obj } }).parameterIterator?.items)
        .find((i) => i?.raw === "[1, 2, 3]");
      if (!items) throw new Error("no loop over [1, 2, 3]");
      items.raw = "[3, 2, 1]";
    },
    where: "$.root.dag.tasks[for-loop-3].parameterIterator.items.raw",
  },
  {
    pipeline: "kfp-eq-containers",
    what: "changed container args",
    mutate: (s) => {
      at(s, "deploymentSpec", "executors", "exec-train-gpu", "container").args = ["--epochs", "4"];
    },
    where: "$.deploymentSpec.executors[exec-train-gpu].container.args",
  },
  {
    pipeline: "kfp-eq-containers",
    what: "a missing Kubernetes task timeout",
    mutate: (_s, docs) => {
      delete at(docs[1], "platforms", "kubernetes", "deploymentSpec", "executors")[
        "exec-train-gpu"
      ];
    },
    where: "$doc2.platforms.kubernetes.deploymentSpec.executors[exec-train-gpu]",
  },
  {
    pipeline: "kfp-eq-bash",
    what: "a changed bash script",
    mutate: (s) => {
      const c = at(s, "deploymentSpec", "executors", "exec-announce", "container");
      c.command = ["bash", "-c", 'echo "$MSG"', "bash"];
    },
    where: "$.deploymentSpec.executors[exec-announce].container.command",
  },
  {
    pipeline: "kfp-eq-bash",
    what: "caching turned on",
    mutate: (s) => {
      task(s, "announce").cachingOptions = { enableCache: true };
    },
    where: "$.root.dag.tasks.announce.cachingOptions",
  },
  {
    pipeline: "kfp-eq-exit",
    what: "an exit task that runs only on success",
    mutate: (s) => {
      delete task(s, "alerts").triggerPolicy;
    },
    where: "$.root.dag.tasks.alerts.triggerPolicy",
  },
  {
    pipeline: "kfp-eq-groups",
    what: "a task in the wrong nested group",
    mutate: (s) => {
      const inner = at(s, "components", "comp-training-evaluation", "dag", "tasks");
      const outer = at(s, "components", "comp-training", "dag", "tasks");
      outer["training-evaluation-compare"] = inner["training-evaluation-compare"];
      delete inner["training-evaluation-compare"];
    },
    where: "$.components[comp-training",
  },
  {
    pipeline: "kfp-eq-group-data",
    what: "a group output read from the wrong task",
    mutate: (s) => {
      const out = at(s, "components", "comp-stage-fit", "dag", "outputs", "parameters");
      at(Object.values(out)[0], "valueFromParameter").producerSubtask = "make";
    },
    where: "$.components[comp-stage-fit].dag.outputs",
  },
];

/** Changes the normalizer hides by design (each a documented normalization). */
const HIDDEN: readonly Mutation[] = [
  {
    pipeline: "kfp-eq-python",
    what: "the embedded source of a python component",
    mutate: (s) => {
      const c = at(s, "deploymentSpec", "executors", "exec-train", "container");
      c.command = (c.command as string[]).map((x) => x.replace("def run_train", "def run_other"));
      (c.args as string[])[3] = "run_other";
    },
    where: "",
  },
  {
    pipeline: "kfp-eq-python",
    what: "sdkVersion",
    mutate: (s) => {
      s.sdkVersion = "mlgen-9.9.9";
    },
    where: "",
  },
];

describe("the normalizer cannot hide real differences", () => {
  for (const m of MUTATIONS) {
    it(`${m.pipeline}: ${m.what}`, () => {
      const e = EQUIVALENTS.find((x) => x.name === m.pipeline);
      const p = pair(m.pipeline);
      const diffs = compareDocs(mutated(m.pipeline, m.mutate), p.kfp, e?.exceptions);
      expect(diffs.length, `${m.what} went unnoticed`).toBeGreaterThan(0);
      expect(
        diffs.some((d) => d.startsWith(m.where)),
        diffs.join("\n"),
      ).toBe(true);
    });
  }
  for (const m of HIDDEN) {
    it(`${m.pipeline}: ${m.what} is hidden, as documented`, () => {
      const e = EQUIVALENTS.find((x) => x.name === m.pipeline);
      const before = JSON.stringify(pair(m.pipeline).mlgen);
      const changed = mutated(m.pipeline, m.mutate);
      expect(JSON.stringify(changed)).not.toBe(before);
      expect(compareDocs(changed, pair(m.pipeline).kfp, e?.exceptions)).toEqual([]);
    });
  }
});
