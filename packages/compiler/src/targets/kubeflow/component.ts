/**
 * Python tasks (and validate and sensor tasks) as kfp lightweight components: a generated
 * module holding the project's task modules and one typed function, run by kfp's own
 * executor exactly as `@dsl.component` functions are, so kfp.local and the KFP backend run
 * them alike. The function reads its inputs, calls the user's function and returns the
 * declared outputs as a NamedTuple, which kfp's executor writes as output parameters.
 */
import type {
  Alert,
  LatestOnlyTask,
  OutputType,
  PythonTask,
  SensorTask,
  Task,
  TriggerTask,
  ValidateTask,
  Value,
} from "@mlgen/core";
import {
  effectiveOptions,
  mayHoldJinja,
  optionalParamNames,
  SENSOR_DEFAULT_TIMEOUT,
  taskKubeflow,
} from "@mlgen/core";
import {
  isPyIdentifier,
  joinCode,
  PyCode,
  py,
  pyComment,
  pyDocstring,
  pyLiteral,
  pyString,
} from "../../escape/python.js";
import { annotationBase, PYTHON_TYPES, parameters } from "../../passes/check-modules.js";
import type { TargetInput } from "../../target.js";
import { template } from "../../templates.js";
import {
  containerResources,
  type KubeflowSettings,
  levelPackages,
  pythonCommand,
} from "./executors.js";

export { SLACK_VARIABLE } from "./executors.js";

import { shippedModules } from "./modules.js";
import type { InputSpec, ParameterType } from "./spec.js";
import { constantOf } from "./values.js";

/** How a component asks the pipeline for its inputs (spec.ts wires them to their sources). */
export interface ValueCode {
  /** A value read at run time from a task output, a param or a variable: a component input. */
  input(name: string, value: Value): ParameterType;
  /**
   * A literal passed as a constant input (fixed in the task's spec: a run overrides only the
   * pipeline's params), typed `declared` when the function's parameter is annotated so (a whole
   * number into `x: float` is a NUMBER_DOUBLE, as kfp types it).
   */
  constant(name: string, value: unknown, declared: ParameterType | null): ParameterType;
  /**
   * The loop item of a mapped task, as the type the function's parameter is annotated with
   * (`declared`), or null when it has no annotation KFP can carry.
   */
  item(name: string, declared: ParameterType | null): ParameterType;
  /** A template value that KFP cannot render (reported once per text). */
  template(text: string): void;
  /** An env() read without a default: said unless kubeflow.secretEnv gives the pod the variable. */
  envWithoutDefault(name: string): void;
}

export interface ComponentBuild {
  readonly container: Record<string, unknown>;
  readonly outputs: Record<string, ParameterType>;
  readonly extraInputs?: Record<string, { type: ParameterType; spec: InputSpec }>;
  readonly optionalInputs: ReadonlySet<string>;
}

/** Reports what KFP carries only approximately (MLG3002); `plural`: "are approximated". */
export type Approximated = (
  task: Task,
  what: string,
  reason: string,
  hint: string,
  plural?: boolean,
) => void;

const ANNOTATIONS: Readonly<Record<ParameterType, string>> = {
  STRING: "str",
  NUMBER_INTEGER: "int",
  NUMBER_DOUBLE: "float",
  BOOLEAN: "bool",
  LIST: "list",
  STRUCT: "dict",
  TASK_FINAL_STATUS: "dict",
};

const OUTPUT_TYPES = {
  string: "STRING",
  int: "NUMBER_INTEGER",
  float: "NUMBER_DOUBLE",
  bool: "BOOLEAN",
  list: "LIST",
  dict: "STRUCT",
} as const satisfies Record<string, ParameterType>;

interface Uses {
  env: boolean;
  posixpath: boolean;
}

/** Builds the Python expression for a value; channel leaves become parameters named `base_N`. */
class Params {
  /** `optional`: an optional param's input, left out of a run that does not set it. */
  readonly list: { name: string; type: ParameterType; optional?: true }[] = [];
  readonly uses: Uses = { env: false, posixpath: false };
  readonly #taken = new Set<string>();

  constructor(
    private readonly code: ValueCode,
    reserved: readonly string[],
    /** The params whose default is null (`{ default: null, type }`). */
    private readonly optionalParams: ReadonlySet<string> = new Set(),
  ) {
    for (const r of reserved) this.#taken.add(r);
  }

  /** A parameter name that is a Python identifier, unique, and close to `wanted`. */
  name(wanted: string): string {
    let base = isPyIdentifier(wanted) && !wanted.startsWith("_") ? wanted : "value";
    if (base.startsWith("mlgen_")) base = `input_${base}`;
    let name = base;
    for (let n = 2; this.#taken.has(name); n++) name = `${base}_${n}`;
    this.#taken.add(name);
    return name;
  }

  /** The top-level keyword argument `kwarg`: constants and channels become their own inputs. */
  argument(kwarg: string, value: Value, declared: ParameterType | null = null): PyCode {
    // Literals (lists and dicts of them too) are constant inputs, as kfp passes them.
    const constant = constantOf(value);
    const code =
      constant !== undefined && constant !== null
        ? this.constantInput(kwarg, constant, declared)
        : this.expr(kwarg, value);
    // A float arrives as JSON, where a whole one (2.0) reads back as the int 2: the function
    // annotated float gets a float, as on Airflow.
    const input = this.list.find((p) => p.name === code.text);
    if (input?.type !== "NUMBER_DOUBLE") return code;
    return input.optional
      ? new PyCode(`(None if ${code.text} is None else float(${code.text}))`)
      : new PyCode(`float(${code.text})`);
  }

  private constantInput(kwarg: string, constant: unknown, declared: ParameterType | null): PyCode {
    const name = this.name(kwarg);
    this.list.push({ name, type: this.code.constant(name, constant, declared) });
    return new PyCode(name);
  }

  expr(base: string, value: Value): PyCode {
    switch (value.kind) {
      case "literal":
        return new PyCode(pyLiteral(value.value));
      case "list":
        return new PyCode(`[${value.items.map((v) => this.expr(base, v).text).join(", ")}]`);
      case "object":
        return new PyCode(
          `{${Object.entries(value.entries)
            .map(([k, v]) => `${pyString(k)}: ${this.expr(base, v).text}`)
            .join(", ")}}`,
        );
      case "ref":
      case "oneOf":
      case "param":
      case "variable": {
        const name = this.name(base);
        const type = this.code.input(name, value);
        const optional = value.kind === "param" && this.optionalParams.has(value.name);
        this.list.push({ name, type, ...(optional ? { optional: true as const } : {}) });
        return new PyCode(name);
      }
      case "env":
        this.uses.env = true;
        if (value.default === null) {
          this.code.envWithoutDefault(value.name);
          return py`_env(${value.name})`;
        }
        return py`_env(${value.name}, ${value.default})`;
      case "template":
        this.code.template(value.text);
        return new PyCode(pyString(value.text));
      case "join":
        this.uses.posixpath = true;
        // A part is rendered by Airflow (`.join("{{ ds }}", "x.csv")`), not by KFP.
        for (const part of value.parts) if (mayHoldJinja(part)) this.code.template(part);
        return new PyCode(
          `posixpath.join(${[this.expr(base, value.base).text, ...value.parts.map(pyString)].join(", ")})`,
        );
      default:
        throw new Error(`unknown value ${JSON.stringify(value)}`);
    }
  }

  item(name: string, declared: ParameterType | null): PyCode {
    const param = this.name(name);
    this.list.push({ name: param, type: this.code.item(param, declared) });
    return new PyCode(param);
  }
}

/** Python annotations kfp's executor converts a parameter to, by their KFP type. */
const ANNOTATED_TYPES: Readonly<Record<string, ParameterType>> = {
  str: "STRING",
  int: "NUMBER_INTEGER",
  float: "NUMBER_DOUBLE",
  bool: "BOOLEAN",
  dict: "STRUCT",
  Dict: "STRUCT",
  list: "LIST",
  List: "LIST",
};

/**
 * The KFP type of the annotation of parameter `param` of the task's function (`x: int`,
 * `cfg: dict[str, float]`), as kfp types a component's inputs; null without one it can carry.
 */
function annotatedType(
  input: TargetInput,
  fn: { readonly module: string; readonly function: string },
  param: string,
): ParameterType | null {
  const source = input.pythonFiles.find((f) => f.path === fn.module)?.content;
  const annotation = source
    ? parameters(source, fn.function)?.named.find((p) => p.name === param)?.annotation
    : null;
  // `Optional[float]` and `float | None` are floats to kfp too.
  const base = annotation ? annotationBase(annotation) : null;
  return base ? (ANNOTATED_TYPES[base] ?? null) : null;
}

function moduleName(path: string): string {
  return path.replace(/\.py$/, "").split("/").join(".");
}

/** The component of a python, validate, sensor or trigger task. */
export function pythonComponent(
  input: TargetInput,
  task: PythonTask | ValidateTask | SensorTask | TriggerTask | LatestOnlyTask,
  code: ValueCode,
  settings: KubeflowSettings,
  approximated: Approximated,
): ComponentBuild {
  // The local the user's function is called by: never a name the component binds or reads.
  const local = task.kind === "python" ? functionLocal(task.function) : "";
  // The names the wrapper's body reads: a parameter of the same name would shadow them (an
  // input named after the task's function got the function object; one named float, the
  // value `float(...)` was to convert).
  const params = new Params(
    code,
    [
      ...BODY_NAMES,
      ...(task.kind === "python" ? [local] : []),
      ...(task.kind === "sensor" && task.sensor.type === "python" ? ["check"] : []),
    ],
    optionalParamNames(input.ir.params),
  );
  const body: PyCode[] = [];
  const helpers = { ...NO_HELPERS };
  const imports = new Set<string>();
  const extraInputs: Record<string, { type: ParameterType; spec: InputSpec }> = {};
  let outputs: Record<string, ParameterType> = {};
  let outputTuple: PyCode | null = null;
  let returns = new PyCode("");
  let doc: string;
  // A python task's own image, packages and resources (Kubeflow only); the pipeline's and the
  // project's are in `settings` already.
  const own = taskKubeflow(task);
  // A latest-only stand-in only prints: none of the pipeline's packages to install.
  const packages = task.kind === "latest_only" ? [] : levelPackages(settings.packages, own);
  const image = own?.image ?? settings.image;
  const installKfp = own?.installKfp ?? settings.installKfp;
  const resources = own?.resources ? containerResources(own.resources) : null;
  // The pod's own variables, in the order written, as kfp writes set_env_variable's in call
  // order: Kubernetes expands $(NAME) in a value only for a variable listed before it.
  const env = own?.env ?? [];
  let modules: readonly { path: string; content: string }[] = [];

  if (task.kind === "python") {
    doc = `Runs ${task.module}:${task.function}.`;
    modules = shippedModules(input.pythonFiles, [task.module]);
    imports.add("import importlib").add("import os").add("import sys");
    body.push(py`${new PyCode(local)} = _load(${moduleName(task.module)}, ${task.function})`);
    const args: [string, PyCode][] = [];
    const itemType = task.map ? annotatedType(input, task, task.map.input) : null;
    for (const [kwarg, value] of Object.entries(task.inputs)) {
      if (task.map && kwarg === task.map.input) args.push([kwarg, params.item(kwarg, itemType)]);
      else args.push([kwarg, params.argument(kwarg, value, annotatedType(input, task, kwarg))]);
    }
    if (task.map && !(task.map.input in task.inputs)) {
      args.push([task.map.input, params.item(task.map.input, itemType)]);
    }
    const call = args.length ? new PyCode(`${local}(**inputs)`) : new PyCode(`${local}()`);
    if (args.length) body.push(...inputsDict(args));
    const names = Object.keys(task.outputs);
    const assign = names.length ? "result = " : "";
    if (task.mlflow) {
      helpers.mlflow = true;
      // The run is tracked from inside the container: mlflow must be installed there, as pandas
      // is for a validation.
      if (!packages.some((p) => /^mlflow(\b|-skinny)/.test(p))) packages.push("mlflow");
      imports.add("import contextlib");
      const uri = task.mlflow.trackingUri
        ? params.expr("tracking_uri", task.mlflow.trackingUri)
        : new PyCode("None");
      for (const [name, placeholder] of [
        ["mlgen_job_name", "{{$.pipeline_job_name}}"],
        ["mlgen_task_name", "{{$.pipeline_task_name}}"],
      ] as const) {
        extraInputs[name] = { type: "STRING", spec: { runtimeValue: { constant: placeholder } } };
        params.list.push({ name, type: "STRING" });
      }
      body.push(
        py`with _mlflow_run(${task.mlflow.experiment}, ${uri}, run_name=mlgen_task_name, job_name=mlgen_job_name):`,
      );
      body.push(new PyCode(`    ${assign}${call.text}`));
    } else {
      body.push(new PyCode(`${assign}${call.text}`));
    }
    if (names.length) {
      helpers.outputs = true;
      imports.add("import typing");
      ({ outputs, outputTuple, returns } = declaredOutputs(task, task.outputs, body));
    }
  } else if (task.kind === "validate") {
    doc = "Checks the data set: every violated check is reported in one error.";
    helpers.validate = true;
    if (!packages.some((p) => /^pandas\b/.test(p))) packages.push("pandas");
    const data = params.expr("data", task.data);
    const kwargs: PyCode[] = [data];
    if (task.requiredColumns.length) kwargs.push(py`required_columns=${task.requiredColumns}`);
    if (task.minRows !== null) kwargs.push(py`min_rows=${task.minRows}`);
    if (Object.keys(task.maxNullFraction).length)
      kwargs.push(new PyCode(`max_null_fraction=${pyLiteral(task.maxNullFraction)}`));
    if (task.target !== null) kwargs.push(py`target=${task.target}`);
    if (Object.keys(task.dtypes).length)
      kwargs.push(new PyCode(`dtypes=${pyLiteral(task.dtypes)}`));
    body.push(new PyCode(`_validate_table(${joinCode(kwargs, ", ").text})`));
  } else if (task.kind === "trigger") {
    // The conf's values are still its inputs: what feeds them runs first, and the log shows
    // what the run would have been given.
    doc = `Stands in for the start of pipeline ${task.dag}, which Kubeflow cannot express.`;
    const args = Object.entries(task.conf).map(([key, value]): [string, PyCode] => [
      key,
      params.argument(key, value, null),
    ]);
    body.push(...(args.length ? inputsDict(args) : [new PyCode("inputs = {}")]));
    body.push(
      py`print(${`not starting pipeline ${task.dag}: a Kubeflow task cannot start another pipeline's run; its conf would be`}, inputs)`,
    );
    approximated(
      task,
      `trigger '${task.id}'`,
      `a Kubeflow task cannot start another pipeline's run; the task only logs the conf${task.wait ? ", and waits for nothing" : ""}`,
      `run pipeline ${task.dag} as a part of this one (its tasks in a group), or start it from your client when this run ends`,
    );
  } else if (task.kind === "latest_only") {
    doc = "Stands in for Airflow's LatestOnlyOperator, which Kubeflow cannot express.";
    body.push(
      py`print(${"not a latest-only gate on Kubeflow: mlgen's Kubeflow output does not tell a catch-up run from the latest one, so what follows runs"})`,
    );
    approximated(
      task,
      `latest-only gate '${task.id}'`,
      "mlgen's Kubeflow output does not tell a recurring run's catch-up runs from its latest one, so the tasks after it run in every run",
      "to keep catch-up runs from running them, create the recurring run with no_catchup=True (kfp Client.create_recurring_run), which also leaves the missed intervals unrun",
    );
  } else {
    const s = task.sensor;
    if (s.type === "file") {
      doc = "Waits for the file, polling as Airflow's FileSensor does.";
      helpers.waitForPath = true;
      imports.add("import glob").add("import os").add("import time");
      const path = params.expr("path", s.path);
      // FileSensor's filepath is a templated field: Airflow renders a literal path, KFP does not.
      if (s.path.kind === "literal" && typeof s.path.value === "string") {
        if (mayHoldJinja(s.path.value)) code.template(s.path.value);
      }
      if (s.connId !== null) {
        approximated(
          task,
          `fs connection '${s.connId}' of sensor '${task.id}'`,
          "Airflow connections do not exist on Kubeflow; the path is polled as given, inside the task's container",
          "give the full path (a mounted volume)",
        );
      }
      body.push(
        py`_wait_for_path(${path}, poke_interval=${task.pokeInterval ?? 60}, timeout=${task.timeout ?? SENSOR_DEFAULT_TIMEOUT}, recursive=${s.recursive})`,
      );
      sensorNotes(input, task, approximated);
    } else if (s.type === "python") {
      doc = `Calls ${s.module}:${s.function} until it returns true, as Airflow's PythonSensor does.`;
      helpers.poke = true;
      const options = effectiveOptions(input.ir, task);
      modules = shippedModules(input.pythonFiles, [s.module]);
      imports
        .add("import importlib")
        .add("import os")
        .add("import sys")
        .add("import time")
        .add("import traceback");
      body.push(py`check = _load(${moduleName(s.module)}, ${s.function})`);
      const args = Object.entries(s.inputs).map(([kwarg, value]): [string, PyCode] => [
        kwarg,
        params.argument(kwarg, value, annotatedType(input, s, kwarg)),
      ]);
      body.push(...(args.length ? inputsDict(args) : [new PyCode("inputs = {}")]));
      const poke = py`_poke(check, inputs, ${`${s.module}:${s.function}`}, poke_interval=${task.pokeInterval ?? 60}, timeout=${task.timeout ?? SENSOR_DEFAULT_TIMEOUT}, retries=${options.retries ?? 0}, retry_delay=${options.retryDelay ?? 300})`;
      if (s.outputs && Object.keys(s.outputs).length) {
        // What the check found when it was done (a PokeReturnValue's xcom_value), checked and
        // written to the output parameters as a python task's outputs are.
        helpers.outputs = true;
        helpers.pokeOutputs = true;
        imports.add("import typing");
        body.push(new PyCode(`result = ${poke.text}`));
        ({ outputs, outputTuple, returns } = declaredOutputs(s, s.outputs, body));
      } else {
        body.push(poke);
      }
      sensorNotes(input, task, approximated);
    } else if (s.type === "time_delta") {
      doc = "Waits, as Airflow's TimeDeltaSensor does (measured from when this task starts).";
      imports.add("import time");
      body.push(py`time.sleep(${s.delta})`);
      approximated(
        task,
        `sensor '${task.id}'`,
        "KFP has no data interval; the wait starts when the task starts",
        "schedule the recurring run later instead",
      );
    } else {
      doc = `Stands in for the wait on ${s.dag}${s.task ? `.${s.task}` : ""}, which Kubeflow cannot express.`;
      body.push(
        py`print(${`not waiting for Airflow DAG ${s.dag}: Kubeflow pipelines cannot sense Airflow runs`})`,
      );
      approximated(
        task,
        `external task sensor '${task.id}'`,
        "Kubeflow cannot wait for another pipeline's run; the task passes at once",
        "run the two pipelines as one, or trigger this one when the other ends",
      );
    }
  }
  if (params.uses.env) {
    helpers.env = true;
    imports.add("import os");
  }
  if (params.uses.posixpath) imports.add("import posixpath");
  if (helpers.validate) {
    // the partial imports pandas inside the function
  }

  // Nothing in the module names the task: tasks that call the same function the same way get
  // the same executor, which the KFP backend stores once (argocompiler keys executors by a hash
  // of their container spec), where a module per task made a thousand-task fan-out a Workflow
  // object too large for etcd.
  const functionName = new PyCode(
    `run_${task.kind === "python" ? safeLocal(task.function) : task.kind}`,
  );
  // An optional param's input, absent from a run that leaves it unset, defaults to None: kfp's
  // executor then calls with the inputs it has. Python puts parameters with a default last.
  const optionalInputs = params.list.filter((p) => p.optional).map((p) => p.name);
  if (optionalInputs.length) imports.add("import typing");
  const signature = joinCode(
    [
      ...params.list
        .filter((p) => !p.optional)
        .map((p) => new PyCode(`${p.name}: ${ANNOTATIONS[p.type]}`)),
      ...params.list
        .filter((p) => p.optional)
        .map((p) => new PyCode(`${p.name}: typing.Optional[${ANNOTATIONS[p.type]}] = None`)),
    ],
    ", ",
  );
  // Tasks that call one function the same way have the same container: made once, shared.
  const key = [
    [...imports].sort().join(","),
    Object.values(helpers).join(","),
    outputTuple?.text ?? "",
    functionName.text,
    signature.text,
    returns.text,
    doc,
    packages.join("\n"),
    image,
    String(installKfp),
    resources ? JSON.stringify(resources) : "",
    JSON.stringify(env),
    modules.map((m) => m.path).join("\n"),
    ...body.map((b) => b.text),
  ].join("\u0000");
  const made = containersOf(input);
  let container = made.get(key);
  if (container === undefined) {
    const source = renderComponent({
      input,
      imports,
      project: modules.length > 0,
      helpers,
      outputTuple,
      functionName,
      signature,
      returns,
      doc,
      body,
    });
    container = {
      ...pythonCommand(
        { ...settings, image, installKfp },
        packages,
        source,
        functionName.text,
        modules,
      ),
      ...(env.length ? { env } : {}),
      ...(resources ? { resources } : {}),
    };
    made.set(key, container);
  }
  return { container, outputs, extraInputs, optionalInputs: new Set(optionalInputs) };
}

/** `inputs = {...}`: the keyword arguments the user's function is called with, one per line. */
function inputsDict(args: readonly [string, PyCode][]): PyCode[] {
  return [
    new PyCode("inputs = {"),
    ...args.map(([k, v]) => new PyCode(`    ${pyString(k)}: ${v.text},`)),
    new PyCode("}"),
  ];
}

/**
 * What a polling sensor (a file's, a python function's) loses on Kubeflow, said as MLG3002. A
 * sensor in poke mode holds its worker slot while it waits on Airflow as its pod does on
 * Kubeflow, and a python sensor's retries are taken in the pod as Airflow takes them: that
 * sensor loses nothing, and is not warned about (`--strict` would refuse every such pipeline).
 */
function sensorNotes(input: TargetInput, task: SensorTask, approximated: Approximated): void {
  if (task.mode === "reschedule" || task.deferrable) {
    approximated(
      task,
      `sensor '${task.id}'`,
      `on Airflow it frees its worker slot between checks (${task.deferrable ? "deferrable" : "mode 'reschedule'"}); Kubeflow has no sensors, so it becomes a task that polls inside its container and holds its pod while it waits`,
      "trigger the pipeline when the data lands, if the wait is long",
    );
  }
  const retries = effectiveOptions(input.ir, task).retries ?? 0;
  if (retries > 0 && task.sensor.type === "file") {
    approximated(
      task,
      `retries: ${retries} of sensor '${task.id}'`,
      `its ${retries} ${retries === 1 ? "retry is" : "retries are"} dropped: KFP would retry a wait that timed out, each try waiting the whole timeout again, where Airflow fails a sensor timeout without retrying`,
      "set retries: 0 on the sensor, or accept that an error while it polls fails the task",
    );
  }
  if (task.softFail) {
    approximated(
      task,
      `softFail of sensor '${task.id}'`,
      "KFP has no skipped state, so a wait that times out fails the task (and the run) instead of skipping what follows",
      `make what follows a branch on a task that checks ${task.sensor.type === "file" ? "for the file" : "the same condition"}, or accept the failure`,
    );
  }
}

const containers = new WeakMap<TargetInput, Map<string, Record<string, unknown>>>();

/** The Python containers made for one pipeline's compile, by what they are made of. */
function containersOf(input: TargetInput): Map<string, Record<string, unknown>> {
  let made = containers.get(input);
  if (made === undefined) {
    made = new Map();
    containers.set(input, made);
  }
  return made;
}

/**
 * A function's declared outputs as the component's NamedTuple return, checked by `_outputs`
 * (a python task's, a python sensor's): pushes the return line onto `body`.
 */
function declaredOutputs(
  fn: { module: string; function: string },
  declared: Readonly<Record<string, OutputType>>,
  body: PyCode[],
): { outputs: Record<string, ParameterType>; outputTuple: PyCode; returns: PyCode } {
  const names = Object.keys(declared);
  const type = (n: string) => declared[n] as OutputType;
  const fields = names.map((n) => `(${pyString(n)}, ${PYTHON_TYPES[type(n)]})`);
  const spec = `{${names.map((n) => `${pyString(n)}: ${pyString(type(n))}`).join(", ")}}`;
  body.push(
    new PyCode(
      `return Outputs(**_outputs(${pyString(`${fn.module}:${fn.function}`)}, result, ${spec}))`,
    ),
  );
  return {
    outputs: Object.fromEntries(names.map((n) => [n, OUTPUT_TYPES[type(n)]])),
    outputTuple: new PyCode(`Outputs = typing.NamedTuple("Outputs", [${fields.join(", ")}])`),
    returns: new PyCode(" -> Outputs"),
  };
}

const NO_HELPERS = {
  outputs: false,
  env: false,
  mlflow: false,
  validate: false,
  waitForPath: false,
  poke: false,
  pokeOutputs: false,
  slack: false,
};

const helperSources = new Map<string, PyCode | null>();

/**
 * The helper functions a component defines: the same few blocks of fixed text in every task, so
 * rendered once per combination (a thousand-task compile rendered them a thousand times).
 */
function helperDefs(project: boolean, helpers: typeof NO_HELPERS): PyCode | null {
  const key = `${project} ${Object.values(helpers).join(" ")}`;
  let code = helperSources.get(key);
  if (code === undefined) {
    const text = template("kubeflow/component-helpers.py.hbs")({ project, helpers });
    code = text === "" ? null : new PyCode(text.replace(/\n$/, ""));
    helperSources.set(key, code);
  }
  return code;
}

function renderComponent(v: {
  input: TargetInput;
  imports: ReadonlySet<string>;
  project: boolean;
  helpers: typeof NO_HELPERS;
  outputTuple: PyCode | null;
  functionName: PyCode;
  signature: PyCode;
  returns: PyCode;
  doc: string;
  body: readonly PyCode[];
}): string {
  return template("kubeflow/component.py.hbs")({
    headerSource: new PyCode(pyComment(v.input.sourceFile)),
    headerPipeline: new PyCode(pyComment(`'${v.input.ir.id}'`)),
    imports: importLines(v.imports),
    helperDefs: helperDefs(v.project, v.helpers),
    outputTuple: v.outputTuple,
    functionName: v.functionName,
    signature: v.signature,
    returns: v.returns,
    doc: new PyCode(pyDocstring(v.doc)),
    body: v.body,
  });
}

/**
 * The exit handler's task: runs the pipeline-level alerts once the guarded tasks have ended,
 * fed their final status (kfp's `PipelineTaskFinalStatus`), as `dsl.ExitHandler` does.
 */
export function alertsComponent(
  input: TargetInput,
  alerts: { readonly onFailure: readonly Alert[]; readonly onSuccess: readonly Alert[] },
  settings: KubeflowSettings,
  approximated: (what: string, reason: string, hint: string) => void,
): ComponentBuild {
  const helpers = { ...NO_HELPERS };
  const imports = new Set(["from kfp.dsl import PipelineTaskFinalStatus"]);
  const body: PyCode[] = [
    // kfp.local reports SUCCEEDED; the KFP backend reports COMPLETE (or CACHED) for a run whose
    // tasks all succeeded, FAILED or CANCELED otherwise.
    new PyCode('succeeded = status.state in ("SUCCEEDED", "COMPLETE", "CACHED")'),
    new PyCode("context = {"),
    new PyCode('    "engine": "kubeflow",'),
    new PyCode('    "pipeline_job_name": status.pipeline_job_resource_name,'),
    new PyCode('    "state": status.state,'),
    new PyCode('    "succeeded": succeeded,'),
    new PyCode('    "error_code": status.error_code,'),
    new PyCode('    "error_message": status.error_message,'),
    new PyCode("}"),
    new PyCode("print(f\"pipeline run {context['pipeline_job_name']} ended {context['state']}\")"),
  ];
  const project: string[] = [];
  const warnedSlack = new Set<string>();
  const calls = (list: readonly Alert[], when: string): PyCode[] =>
    list.flatMap((a): PyCode[] => {
      switch (a.kind) {
        case "callable":
          project.push(a.module);
          imports.add("import importlib").add("import os").add("import sys");
          return [py`_load(${moduleName(a.module)}, ${a.function})(context)`];
        case "slack": {
          helpers.slack = true;
          imports.add("import json").add("import os").add("import urllib.request");
          if (a.text !== null) {
            approximated(
              `the Slack text of an ${when} alert`,
              "it is an Airflow template; Kubeflow alerts send mlgen's own text (run, state, error)",
              "leave text unset for Kubeflow",
            );
          }
          const variable = slackVariable(a.connId);
          if (!(variable in settings.secretEnv) && !warnedSlack.has(variable)) {
            warnedSlack.add(variable);
            approximated(
              `the Slack webhook of connection '${a.connId}'`,
              `the alert reads its URL from the pod's environment variable ${variable}, which nothing gives the pod, so it fails`,
              `set kubeflow: { secretEnv: { ${variable}: { secret: "<secret name>", key: "<key>" } } } in mlgen.config.ts (a Kubernetes secret holding the webhook URL)`,
            );
          }
          return [py`_slack(${variable}, ${a.channel}, context)`];
        }
        case "email":
          approximated(
            `an email ${when} alert (to ${a.to.join(", ")})`,
            "Kubeflow has no SMTP connection; the email is not sent",
            "use slack() or callback() for Kubeflow",
          );
          return [];
        default:
          return [];
      }
    });
  const failure = calls(alerts.onFailure, "onFailure");
  const success = calls(alerts.onSuccess, "onSuccess");
  // Each alert on its own, as Airflow runs callbacks: one that raises does not stop the others;
  // the task fails at the end, naming how many did, so the failure shows in the run.
  const lambdas = (list: PyCode[]) => list.map((c) => new PyCode(`        lambda: ${c.text},`));
  body.push(new PyCode("alerts = []"));
  if (failure.length) {
    body.push(new PyCode("if not succeeded:"), new PyCode("    alerts += ["));
    body.push(...lambdas(failure), new PyCode("    ]"));
  }
  if (success.length) {
    body.push(new PyCode("if succeeded:"), new PyCode("    alerts += ["));
    body.push(...lambdas(success), new PyCode("    ]"));
  }
  imports.add("import traceback");
  body.push(
    new PyCode("failed = 0"),
    new PyCode("for alert in alerts:"),
    new PyCode("    try:"),
    new PyCode("        alert()"),
    new PyCode("    except Exception:"),
    new PyCode("        failed += 1"),
    new PyCode("        traceback.print_exc()"),
    new PyCode("if failed:"),
    new PyCode('    raise RuntimeError(f"{failed} of {len(alerts)} alerts failed (see above)")'),
  );
  const functionName = new PyCode("run_alerts");
  const source = renderComponent({
    input,
    imports,
    project: project.length > 0,
    helpers,
    outputTuple: null,
    functionName,
    signature: new PyCode("status: PipelineTaskFinalStatus"),
    returns: new PyCode(""),
    doc: "Runs the pipeline's alerts once its tasks have ended: on failure, or on success.",
    body,
  });
  const modules = shippedModules(input.pythonFiles, project);
  return {
    container: pythonCommand(settings, settings.packages, source, functionName.text, modules),
    outputs: {},
    optionalInputs: new Set(["status"]),
  };
}

/** The environment variable that holds a Slack connection's webhook URL on Kubeflow. */
export function slackVariable(connId: string): string {
  return `MLGEN_SLACK_${connId.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_URL`;
}

/** The standard library's `import x` lines, then kfp's `from` import after a blank line (isort). */
function importLines(imports: ReadonlySet<string>): PyCode[] {
  const plain = [...imports].filter((i) => i.startsWith("import ")).sort();
  const from = [...imports].filter((i) => i.startsWith("from ")).sort();
  return [...plain, ...(plain.length && from.length ? [""] : []), ...from].map(
    (i) => new PyCode(i),
  );
}

/**
 * The user's function's name made an identifier that starts with a letter (`_load` is
 * `fn__load`): the component function is `run_` and this, the function's local is this unless
 * the component uses the name (functionLocal).
 */
function safeLocal(name: string): string {
  const ident = name.replace(/[^A-Za-z0-9_]/g, "_");
  const base = /^[A-Za-z]/.test(ident) ? ident : `fn_${ident}`;
  return isPyIdentifier(base) ? base : `${base}_`;
}

/**
 * The names the body of a component's function binds or reads: its locals (`inputs`,
 * `result`, a python sensor's `check` apart: see pythonComponent), the inputs it reads besides
 * the user function's, the module's names it calls (the outputs' NamedTuple, the helpers of
 * kubeflow/component-helpers.py.hbs, the modules) and the builtins it calls. A parameter named
 * so would shadow the name in the body.
 */
const BODY_NAMES = [
  "inputs",
  "result",
  "mlgen_job_name",
  "mlgen_task_name",
  "Outputs",
  "_load",
  "_outputs",
  "_env",
  "_mlflow_run",
  "_validate_table",
  "_wait_for_path",
  "_poke",
  "posixpath",
  "time",
  "float",
  "print",
] as const;

/**
 * Every name the component binds: the body's, and the rest of the module's (its imports, its
 * other helpers). The user's function bound by one of them in the body (`inputs = _load(...)`,
 * then `inputs = {...}`, `inputs(**inputs)`) would stand for it in the whole function, as an
 * assignment makes a name local to all of it.
 */
const COMPONENT_NAMES: ReadonlySet<string> = new Set([
  ...BODY_NAMES,
  "_OUTPUT_TYPES",
  "_plain",
  "_text_holds",
  "_slack",
  "contextlib",
  "glob",
  "importlib",
  "json",
  "os",
  "sys",
  "traceback",
  "typing",
  "urllib",
  "PipelineTaskFinalStatus",
]);

/**
 * The local the component calls the user's function by: its own name, or `user_function` (as
 * the Airflow target imports it) when that is a name the component binds.
 */
function functionLocal(name: string): string {
  const local = safeLocal(name);
  return COMPONENT_NAMES.has(local) ? "user_function" : local;
}
