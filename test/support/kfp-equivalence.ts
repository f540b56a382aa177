/**
 * Equivalence with kfp's own compiler: each mlgen pipeline test/fixtures/pipelines/kfp-eq-*.ts
 * has a twin written in kfp's Python DSL under test/kfp/equivalents/. Both are compiled (mlgen's
 * Kubeflow target; the pinned kfp in .venv-kfp), parsed, put through the same normalizer and
 * compared as data. test/kfp/equivalents/README.md documents the pairs and every rule below.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type KubeflowSettings, kubeflowTarget } from "@mlgen/compiler";
import { pipelineModules } from "@mlgen/core";
import { KFP_PYTHON } from "./kfp.js";
import { lowerFile, ROOT } from "./pipelines.js";

export const EQUIVALENTS_DIR = join(ROOT, "test/kfp/equivalents");
const FIXTURES = join(ROOT, "test/fixtures");

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

// ---- Normalization and comparison ----

/** Stands in for a lightweight Python component's launcher command after normalization. */
export const PYTHON_LAUNCHER = "<kfp lightweight-python launcher and embedded source>";
/** Stands in for the function name in a lightweight Python component's args. */
export const PYTHON_FUNCTION = "<function>";

/**
 * A kfp lightweight-Python executor, as both compilers write it: `sh -c <install> sh -ec
 * <launcher> <source> …` (or `sh -ec <launcher> <source> …` when nothing is installed) whose
 * launcher runs `kfp.dsl.executor_main`, with args exactly
 * `--executor_input {{$}} --function_to_execute <name>`. Anything else (container components,
 * bash tasks) is not one, and keeps its command and args.
 */
export function isLightweightPython(container: Obj): boolean {
  const { command, args } = container;
  const launcher = launcherAt(command);
  return (
    Array.isArray(args) &&
    args.length === 4 &&
    args[0] === "--executor_input" &&
    args[1] === "{{$}}" &&
    args[2] === "--function_to_execute" &&
    typeof args[3] === "string" &&
    launcher !== null &&
    Array.isArray(command) &&
    command.length >= launcher + 2
  );
}

/**
 * Where the launcher script is in a lightweight-Python command: after the install step
 * (`sh -c <install> sh -ec <launcher>`), or first when nothing is installed (`sh -ec
 * <launcher>`: install_kfp_package=False and no packages). Null in any other command.
 */
function launcherAt(command: unknown): number | null {
  if (!Array.isArray(command)) return null;
  const at = command[0] === "sh" && command[1] === "-c" ? 3 : 0;
  const launcher = command[at + 2];
  return command[at] === "sh" &&
    command[at + 1] === "-ec" &&
    typeof launcher === "string" &&
    launcher.includes("python3 -m kfp.dsl.executor_main") &&
    launcher.includes("--component_module_path")
    ? at + 2
    : null;
}

/**
 * The normalization both parsed PipelineSpec documents go through before they are compared.
 * Each rule is one that KFP itself does not care about, or one where the two compilers differ
 * by design; nothing else is touched. (Also by design, and not a rule of this function: the
 * documents are compared after YAML parsing, so the `#` header comments, key order, YAML
 * folding and quoting are gone, and numbers compare as numbers: kfp writes the integer
 * constant 2 as `2.0` (google.protobuf.Value is a double), mlgen writes `2`; both parse to the
 * number 2. Strings stay strings: `'1'` never equals 1.)
 */
export function normalizeSpec(doc: unknown): unknown {
  const spec = structuredClone(doc);
  if (!isObj(spec)) return spec;
  // 1. sdkVersion names the compiler (`kfp-2.17.3` vs `mlgen-0.1.0`); the backend ignores it.
  delete spec.sdkVersion;
  // 2. Lightweight Python executors: after kfp's install step (`sh -c <pip install kfp==…>`,
  //    which stays compared, pins included) the command holds the launcher script and the
  //    embedded module, and the last arg names the function to run. mlgen embeds a generated
  //    wrapper module (run_<task>) that imports the user's function (its project modules follow
  //    as more arguments, written beside it by mlgen's launcher) and runs under kfp's own
  //    executor (kfp.dsl.executor_main); kfp embeds the decorated function's source. Those
  //    texts differ by design and are masked. Still compared: the install step, the image, env,
  //    resources and every other container field, the args' shape, and the component's
  //    interface (inputDefinitions and outputDefinitions), which is what kfp's executor reads
  //    and writes at run time.
  const executors = (spec.deploymentSpec as Obj | undefined)?.executors;
  if (isObj(executors)) {
    for (const executor of Object.values(executors)) {
      const container = isObj(executor) ? executor.container : undefined;
      if (isObj(container) && isLightweightPython(container)) {
        const at = launcherAt(container.command) as number;
        container.command = [...(container.command as unknown[]).slice(0, at), PYTHON_LAUNCHER];
        container.args = ["--executor_input", "{{$}}", "--function_to_execute", PYTHON_FUNCTION];
      }
    }
  }
  return spec;
}

/** Normalizes every document of a parsed file (doc 1 PipelineSpec, doc 2 PlatformSpec). */
export function normalizeDocs(docs: readonly unknown[]): unknown[] {
  return docs.map((d, i) => (i === 0 ? normalizeSpec(d) : structuredClone(d)));
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

const keyPath = (path: string, key: string) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${key}]`;

/**
 * Where two parsed values differ, one line per place: `<path>: mlgen <value> | kfp <value>`,
 * `<path>: only in mlgen …` or `<path>: only in kfp …`. Empty when they are equal.
 */
export function diffValues(mlgen: unknown, kfp: unknown, path = "$"): string[] {
  if (isObj(mlgen) && isObj(kfp)) {
    const out: string[] = [];
    for (const key of [...new Set([...Object.keys(mlgen), ...Object.keys(kfp)])].sort()) {
      const p = keyPath(path, key);
      if (!(key in kfp)) out.push(`${p}: only in mlgen ${show(mlgen[key])}`);
      else if (!(key in mlgen)) out.push(`${p}: only in kfp ${show(kfp[key])}`);
      else out.push(...diffValues(mlgen[key], kfp[key], p));
    }
    return out;
  }
  if (Array.isArray(mlgen) && Array.isArray(kfp)) {
    if (mlgen.length !== kfp.length) return [`${path}: mlgen ${show(mlgen)} | kfp ${show(kfp)}`];
    return mlgen.flatMap((m, i) => diffValues(m, kfp[i], `${path}[${i}]`));
  }
  return Object.is(mlgen, kfp) ? [] : [`${path}: mlgen ${show(mlgen)} | kfp ${show(kfp)}`];
}

/**
 * Normalizes both files' documents, applies the pair's exceptions to mlgen's PipelineSpec, and
 * lists the differences (`$` is document 1, the PipelineSpec; `$doc2` the PlatformSpec).
 */
export function compareDocs(
  mlgen: readonly unknown[],
  kfp: readonly unknown[],
  exceptions: readonly Exception[] = [],
): string[] {
  const a = normalizeDocs(mlgen);
  const b = normalizeDocs(kfp);
  for (const e of exceptions) e.apply(a);
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const root = i === 0 ? "$" : `$doc${i + 1}`;
    if (i >= a.length) out.push(`${root}: only in kfp ${show(b[i])}`);
    else if (i >= b.length) out.push(`${root}: only in mlgen ${show(a[i])}`);
    else out.push(...diffValues(a[i], b[i], root));
  }
  return out;
}

// ---- Documented exceptions (README: "Exceptions") ----

/**
 * A known difference between mlgen's and kfp's output that is harmless by KFP semantics. It
 * rewrites mlgen's normalized documents (0: PipelineSpec, 1: PlatformSpec) toward kfp's at the
 * places it names, and nowhere else; the test checks that each one still changes something, so
 * a fixed target makes it fail until the exception is removed. The README lists them.
 */
export interface Exception {
  readonly id: string;
  readonly why: string;
  readonly apply: (docs: unknown[]) => void;
}

/** Renames keys and string values equal to a key of `renames` (exact matches), at any depth. */
function renamer(renames: Readonly<Record<string, string>>): (v: unknown) => unknown {
  const rename = (s: string) => (Object.hasOwn(renames, s) ? (renames[s] as string) : s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return rename(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isObj(v))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [rename(k), walk(x)]));
    return v;
  };
  return walk;
}

/** The object at `path` inside a parsed document; throws when the document has no such place. */
function objectAt(root: unknown, path: readonly string[]): Obj {
  let cur: unknown = root;
  for (const key of path) {
    cur = isObj(cur) ? cur[key] : undefined;
    if (cur === undefined) throw new Error(`exception: no ${path.join(".")} in mlgen's document`);
  }
  if (!isObj(cur)) throw new Error(`exception: ${path.join(".")} is not an object`);
  return cur;
}

/**
 * CONDITION_OPERAND_IN_NESTED_GROUPS: kfp passes the channels a condition compares into every
 * group nested inside the condition that holds a task (kfp/compiler/compiler_utils.py
 * `get_inputs_for_all_groups` adds a task's condition channels to each group between the
 * condition and the task), e.g. a ParallelFor inside a dsl.If gets the If's operand as an input
 * it never reads; mlgen passes a group only what its tasks read. Harmless: the extra input is
 * unused (the condition is evaluated on the condition's own task). Adds kfp's input, with the
 * given type, to each named group task and its component, in mlgen's document.
 */
export function conditionOperandInNestedGroups(
  ...groups: readonly {
    readonly task: readonly string[];
    readonly component: string;
    readonly channel: string;
    readonly type: string;
  }[]
): Exception {
  return {
    id: "CONDITION_OPERAND_IN_NESTED_GROUPS",
    why: "kfp feeds a condition's operand to groups nested in the condition, which never read it",
    apply(docs) {
      for (const g of groups) {
        const inputs = objectAt(docs[0], [...g.task, "inputs", "parameters"]);
        inputs[g.channel] ??= { componentInputParameter: g.channel };
        const defs = objectAt(docs[0], [
          "components",
          g.component,
          "inputDefinitions",
          "parameters",
        ]);
        defs[g.channel] ??= { parameterType: g.type };
      }
    },
  };
}

/**
 * RETRY_WINDOW_UNBOUNDED: kfp writes `backoffMaxDuration` on every retry policy, 3600s unless
 * `set_retry` is given one; the backend makes it Argo's backoff.maxDuration, which stops retrying
 * that long after the first try started, so a task whose tries take more than an hour is never
 * retried. mlgen writes Airflow's whole schedule when each try is bounded (kubeflow.timeouts and
 * an execution timeout) and otherwise ten years, which stands for no limit, as on Airflow.
 * Replaces mlgen's ten years with kfp's default at the given tasks.
 */
export function retryWindowUnbounded(...tasks: readonly (readonly string[])[]): Exception {
  return {
    id: "RETRY_WINDOW_UNBOUNDED",
    why: "kfp's default retry window is an hour; mlgen's is ten years when no timeout bounds a try",
    apply(docs) {
      for (const task of tasks) {
        const policy = objectAt(docs[0], [...task, "retryPolicy"]);
        if (policy.backoffMaxDuration === "315360000s") policy.backoffMaxDuration = "3600s";
      }
    },
  };
}

/**
 * GROUP_INTERFACE_NAMES: a task group is a sub-pipeline in kfp, whose inputs and outputs are
 * named by its Python parameters and outputs (identifiers: `make_sq`); mlgen names a group's
 * ports after the channel they carry (`pipelinechannel--make-sq`), as kfp does for its own
 * condition and loop DAGs. Harmless: the names are local to the group's component, its task,
 * and the tasks that read its outputs, and are used consistently there. Renames exact keys and
 * string values inside the given subtrees of mlgen's document only.
 */
export function groupInterfaceNames(
  renames: Readonly<Record<string, string>>,
  ...scopes: readonly (readonly string[])[]
): Exception {
  const rename = renamer(renames);
  return {
    id: "GROUP_INTERFACE_NAMES",
    why: "kfp names a sub-pipeline's ports by its Python signature, mlgen by pipelinechannel--*",
    apply(docs) {
      for (const path of scopes) {
        const parent = objectAt(docs[0], path.slice(0, -1));
        const key = path.at(-1) as string;
        objectAt(docs[0], path);
        parent[key] = rename(parent[key]);
      }
    },
  };
}

// ---- The pairs ----

export interface Equivalent {
  /** The fixture `test/fixtures/pipelines/<name>.pipeline.ts`. */
  readonly name: string;
  /** The twin `test/kfp/equivalents/<py>` and its @dsl.pipeline function. */
  readonly py: string;
  readonly functionName: string;
  /** The constructs the pair covers (the README's table). */
  readonly covers: string;
  /** Kubeflow settings the fixture is compiled with (as `kubeflow:` in mlgen.config.ts). */
  readonly settings?: Partial<Omit<KubeflowSettings, "mlgenVersion">>;
  /** Known, harmless differences, applied to mlgen's document only (see EXCEPTIONS). */
  readonly exceptions?: readonly Exception[];
}

export const EQUIVALENTS: readonly Equivalent[] = [
  {
    name: "kfp-eq-containers",
    py: "kfp_eq_containers.py",
    functionName: "kfp_eq_containers",
    covers: "container: image, command, args, env, CPU/memory requests and limits, GPU; .after()",
    settings: { timeouts: true },
  },
  {
    name: "kfp-eq-python",
    py: "kfp_eq_python.py",
    functionName: "kfp_eq_python",
    covers: "python functions, typed outputs (str/int/list/dict/float/bool), params with defaults",
  },
  {
    name: "kfp-eq-optional",
    py: "kfp_eq_optional.py",
    functionName: "kfp_eq_optional",
    covers: "optional params ({ default: null, type }) read by python tasks, beside a default",
  },
  {
    name: "kfp-eq-branch",
    py: "kfp_eq_branch.py",
    functionName: "kfp_eq_branch",
    covers:
      "If/Else on a task output (data into a side, a task downstream on one side), If on a param",
  },
  {
    name: "kfp-eq-oneof",
    py: "kfp_eq_oneof.py",
    functionName: "kfp_eq_oneof",
    covers: "oneOf(...) of an output of each side of If/Else read after both ↔ dsl.OneOf",
  },
  {
    name: "kfp-eq-elif",
    py: "kfp_eq_elif.py",
    functionName: "kfp_eq_elif",
    covers:
      "a branch on the ifFalse side of another ↔ dsl.Elif (If, two Elifs, Else), oneOf of the four sides ↔ dsl.OneOf, a loop numbered after them",
  },
  {
    name: "kfp-eq-loops",
    py: "kfp_eq_loops.py",
    functionName: "kfp_eq_loops",
    covers: "ParallelFor over a task output (parallelism) and a literal list, dsl.Collected fan-in",
  },
  {
    name: "kfp-eq-loop-body",
    py: "kfp_eq_loop_body.py",
    functionName: "kfp_eq_loop_body",
    covers:
      "a ParallelFor body of three tasks, each reading the one before (maps over mapped outputs), dsl.Collected of each",
  },
  {
    name: "kfp-eq-groups",
    py: "kfp_eq_groups.py",
    functionName: "kfp_eq_groups",
    covers: "a task group inside a task group (nested sub-pipelines), dependencies on groups",
  },
  {
    name: "kfp-eq-group-data",
    py: "kfp_eq_group_data.py",
    functionName: "kfp_eq_group_data",
    covers: "a task output into a group inside a group, an output of a task in there out of both",
    exceptions: [
      groupInterfaceNames(
        {
          "pipelinechannel--make-sq": "make_sq",
          "pipelinechannel--stage-fit-model-sq": "model_sq",
        },
        ["components", "comp-stage"],
        ["components", "comp-stage-fit"],
        ["root", "dag", "tasks", "stage", "inputs"],
        ["root", "dag", "tasks", "report", "inputs"],
      ),
    ],
  },
  {
    name: "kfp-eq-retry",
    py: "kfp_eq_retry.py",
    functionName: "kfp_eq_retry",
    covers:
      "retries, retryDelay, exponential backoff, maxRetryDelay; defaults, overrides, groups; the retry window",
    settings: { timeouts: true },
  },
  {
    name: "kfp-eq-exit",
    py: "kfp_eq_exit.py",
    functionName: "kfp_eq_exit",
    covers: "pipeline onFailure alert as dsl.ExitHandler + PipelineTaskFinalStatus exit task",
    exceptions: [
      retryWindowUnbounded(
        ["components", "comp-condition-2", "dag", "tasks", "deploy"],
        ["components", "comp-exit-handler-1", "dag", "tasks", "evaluate"],
      ),
    ],
  },
  {
    name: "kfp-eq-shortcircuit",
    py: "kfp_eq_shortcircuit.py",
    functionName: "kfp_eq_shortcircuit",
    covers: "short-circuit as dsl.If without Else on bool/int/float outputs, a loop inside one",
    exceptions: [
      conditionOperandInNestedGroups({
        task: ["components", "comp-condition-1", "dag", "tasks", "for-loop-2"],
        component: "comp-for-loop-2",
        channel: "pipelinechannel--check-ok",
        type: "BOOLEAN",
      }),
    ],
  },
  {
    name: "kfp-eq-bash",
    py: "kfp_eq_bash.py",
    functionName: "kfp_eq_bash",
    covers: "bash task as a `bash -ec` container component, env from a literal, an output, a param",
    settings: { caching: false },
  },
  {
    name: "kfp-eq-images",
    py: "kfp_eq_images.py",
    functionName: "kfp_eq_images",
    covers:
      "images and packages of the project, the pipeline and a task (base_image, packages_to_install); a python task's CPU, memory and GPU",
    settings: { packages: ["pandas==2.2.3", "numpy==2.1.3"] },
  },
  {
    name: "kfp-eq-pods",
    py: "kfp_eq_pods.py",
    functionName: "kfp_eq_pods",
    covers:
      "image pull secrets of the project, the pipeline and a task (a container task's too), a python task's env, PVC, emptyDirs, shared memory and accelerator types, secrets as env of a pipeline and a task",
    settings: { imagePullSecrets: ["regcred"] },
  },
];

export interface MlgenCompile {
  readonly yaml: string;
  /** The target's diagnostics, `severity message`. */
  readonly diagnostics: string[];
}

/** Compiles a fixture with mlgen's Kubeflow target (lowerFile, then validate and emit). */
export async function compileMlgen(
  name: string,
  settings: Equivalent["settings"] = {},
): Promise<MlgenCompile> {
  const sourceFile = `pipelines/${name}.pipeline.ts`;
  const r = await lowerFile(join(FIXTURES, sourceFile), FIXTURES);
  const pythonFiles = pipelineModules(r.ir).map((path) => ({
    path,
    content: readFileSync(join(FIXTURES, path), "utf8"),
  }));
  const input = {
    ir: r.ir,
    hash: r.hash,
    sourceFile,
    sourceMap: {},
    pythonFiles,
    settings: { kubeflow: settings },
  };
  const diagnostics = kubeflowTarget.validate(input).map((d) => `${d.severity} ${d.message}`);
  const [file] = kubeflowTarget.emit(input);
  if (!file) throw new Error(`${name}: the kubeflow target emitted nothing`);
  return { yaml: file.content, diagnostics };
}

/** Parses YAML files with PyYAML (as kfp and check_kfp.py read them), in one python process. */
export function readYamlFiles(files: readonly string[]): Promise<unknown[][]> {
  const script =
    "import json, sys, yaml\n" +
    "print(json.dumps([list(yaml.safe_load_all(open(f))) for f in sys.argv[1:]]))";
  return new Promise((ok, fail) => {
    execFile(
      KFP_PYTHON,
      ["-c", script, ...files],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`cannot parse ${files.join(", ")}: ${error.message}\n${stderr}`));
        else ok(JSON.parse(stdout) as unknown[][]);
      },
    );
  });
}

export function writeText(file: string, text: string): void {
  writeFileSync(file, text);
}
