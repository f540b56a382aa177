import {
  assertNever,
  type BashTask,
  EMPTY_TASK_OPTIONS,
  effectiveOptions,
  type MlflowTracking,
  type Pipeline,
  type PythonTask,
  resolveOptions,
  type Task,
  type TaskOptions,
  type Value,
} from "@mlgen/core";
import { jinjaString } from "../../escape/jinja.js";
import type { JsonValue } from "../../escape/python.js";
import {
  isPyIdentifier,
  joinCode,
  PY_BUILTINS,
  PyCode,
  py,
  pyComment,
  pyDocstring,
  pyIdent,
  pyString,
} from "../../escape/python.js";
import { moduleName } from "../../passes/check-modules.js";

/** Names the generated module defines or reads; task variables must not shadow them. */
const RESERVED = new Set([
  ...PY_BUILTINS,
  "literal",
  "annotations",
  "contextlib",
  "datetime",
  "os",
  "posixpath",
  "pendulum",
  "DAG",
  "Param",
  "TaskGroup",
  "Variable",
  "PythonOperator",
  "BashOperator",
  "dag",
  "tasks",
  "default_args",
]);

export interface Kwarg {
  readonly key: PyCode;
  readonly value: PyCode;
}

export interface CallableView {
  readonly name: PyCode;
  /** `ti, params, **_`: the context entries the callable reads. */
  readonly signature: PyCode;
  readonly doc: PyCode;
  readonly importLine: PyCode;
  readonly inputs: readonly Kwarg[];
  readonly call: PyCode;
  readonly mlflow: PyCode | null;
  readonly push: PyCode | null;
}

export interface TaskView {
  /** `train_model` or `tasks["train-model"]`. */
  readonly ref: PyCode;
  readonly operator: PyCode;
  readonly kwargs: readonly Kwarg[];
  readonly callable: CallableView | null;
}

export interface GroupView {
  /** `"features", tooltip="...", default_args={...}` */
  readonly args: PyCode;
  readonly body: NodeView[];
}

export interface NodeView {
  readonly task: TaskView | null;
  readonly group: GroupView | null;
}

export interface DagView {
  readonly headerSource: PyCode;
  readonly headerHash: PyCode;
  readonly docstring: PyCode;
  readonly imports: readonly PyCode[];
  readonly helpers: {
    readonly pull: boolean;
    readonly push: boolean;
    readonly env: boolean;
    readonly mlflow: boolean;
  };
  readonly defaultArgs: readonly Kwarg[];
  readonly dagKwargs: readonly Kwarg[];
  readonly usesTaskDict: boolean;
  readonly tasks: readonly TaskView[];
  /** The tasks again, nested into TaskGroup blocks, in topological order. */
  readonly body: readonly NodeView[];
  readonly edges: readonly PyCode[];
}

const kw = (key: string, value: PyCode): Kwarg => ({ key: pyIdent(key), value });

/** `datetime.timedelta(minutes=5)`: the largest unit that divides the span. */
export function timedelta(totalSeconds: number): PyCode {
  for (const [unit, size] of [
    ["days", 86400],
    ["hours", 3600],
    ["minutes", 60],
  ] as const) {
    if (totalSeconds > 0 && totalSeconds % size === 0) {
      return new PyCode(`datetime.timedelta(${unit}=${totalSeconds / size})`);
    }
  }
  return new PyCode(`datetime.timedelta(seconds=${totalSeconds})`);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function startDate(text: string): PyCode {
  const m = DATE_ONLY.exec(text);
  if (m)
    return new PyCode(
      `pendulum.datetime(${Number(m[1])}, ${Number(m[2])}, ${Number(m[3])}, tz="UTC")`,
    );
  return py`pendulum.parse(${text})`;
}

function optionKwargs(options: TaskOptions): Kwarg[] {
  const out: Kwarg[] = [];
  const o = options;
  if (o.retries !== null) out.push(kw("retries", py`${o.retries}`));
  if (o.retryDelay !== null) out.push(kw("retry_delay", timedelta(o.retryDelay)));
  if (o.retryExponentialBackoff !== null) {
    // Airflow 3 reads this as the multiplier (0 = constant delay), not as a flag.
    const m = o.retryExponentialBackoff;
    out.push(
      kw("retry_exponential_backoff", new PyCode(Number.isInteger(m) ? `${m}.0` : String(m))),
    );
  }
  if (o.maxRetryDelay !== null) out.push(kw("max_retry_delay", timedelta(o.maxRetryDelay)));
  if (o.executionTimeout !== null) out.push(kw("execution_timeout", timedelta(o.executionTimeout)));
  if (o.triggerRule !== null) out.push(kw("trigger_rule", py`${o.triggerRule}`));
  if (o.pool !== null) out.push(kw("pool", py`${o.pool}`));
  if (o.poolSlots !== null) out.push(kw("pool_slots", py`${o.poolSlots}`));
  if (o.queue !== null) out.push(kw("queue", py`${o.queue}`));
  if (o.priorityWeight !== null) out.push(kw("priority_weight", py`${o.priorityWeight}`));
  if (o.dependsOnPast !== null) out.push(kw("depends_on_past", py`${o.dependsOnPast}`));
  if (o.maxActiveTisPerDag !== null)
    out.push(kw("max_active_tis_per_dag", py`${o.maxActiveTisPerDag}`));
  return out;
}

/**
 * A dict display: on one line when it fits, else one entry per line, indented for a value
 * that starts at `indent` spaces.
 */
export function dictCode(entries: readonly string[], indent: number): PyCode {
  const oneLine = `{${entries.join(", ")}}`;
  if (entries.length <= 1 || indent + oneLine.length <= 72) return new PyCode(oneLine);
  const pad = " ".repeat(indent + 4);
  return new PyCode(`{\n${entries.map((e) => `${pad}${e},\n`).join("")}${" ".repeat(indent)}}`);
}

/** Allocates Python names: task ids where they are usable identifiers, unique otherwise. */
class Namer {
  private readonly used = new Set(RESERVED);
  claim(wanted: string): string | null {
    if (!isPyIdentifier(wanted) || this.used.has(wanted) || wanted.startsWith("_")) return null;
    this.used.add(wanted);
    return wanted;
  }
  fresh(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_]/g, "_");
    if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
    let candidate = name;
    for (let i = 2; this.used.has(candidate) || !isPyIdentifier(candidate); i++) {
      candidate = `${name}_${i}`;
    }
    this.used.add(candidate);
    return candidate;
  }
}

interface Uses {
  params: boolean;
  pull: boolean;
  env: boolean;
  variable: boolean;
  posixpath: boolean;
}

/** A Python expression evaluated inside the task callable, at run time. */
function pyValue(value: Value, uses: Uses): PyCode {
  switch (value.kind) {
    case "literal":
      return py`${value.value}`;
    case "list":
      return new PyCode(
        `[${
          joinCode(
            value.items.map((v) => pyValue(v, uses)),
            ", ",
          ).text
        }]`,
      );
    case "object": {
      const parts = Object.entries(value.entries).map(
        ([k, v]) => new PyCode(`${pyString(k)}: ${pyValue(v, uses).text}`),
      );
      return new PyCode(`{${joinCode(parts, ", ").text}}`);
    }
    case "ref":
      uses.pull = true;
      return py`_pull(ti, ${value.task}, ${value.output})`;
    case "env":
      uses.env = true;
      return value.default === null
        ? py`_env(${value.name})`
        : py`_env(${value.name}, ${value.default})`;
    case "variable":
      // The task context's accessor: read at run time, and Airflow 2 and 3 spell it alike.
      uses.variable = true;
      return value.default === null
        ? py`var["value"].get(${value.name})`
        : py`var["value"].get(${value.name}, ${value.default})`;
    case "param":
      uses.params = true;
      return py`params[${value.name}]`;
    case "join": {
      uses.posixpath = true;
      const parts = value.parts.map((p) => py`${p}`);
      return new PyCode(
        `posixpath.join(${joinCode([pyValue(value.base, uses), ...parts], ", ").text})`,
      );
    }
    default:
      return assertNever(value);
  }
}

/** The plain JSON of a value made only of literals (null for anything computed at run time). */
export function literalJson(value: Value): JsonValue {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "list":
      return value.items.map(literalJson);
    case "object":
      return Object.fromEntries(Object.entries(value.entries).map(([k, v]) => [k, literalJson(v)]));
    default:
      return null;
  }
}

/** A Jinja template string for BashOperator `env`, rendered by Airflow at run time. */
function jinjaValue(value: Value): string {
  switch (value.kind) {
    case "literal":
      return typeof value.value === "string" ? value.value : JSON.stringify(value.value);
    case "ref":
      return `{{ ti.xcom_pull(task_ids=${jinjaString(value.task)}, key=${jinjaString(value.output)}) }}`;
    case "variable":
      return value.default === null
        ? `{{ var.value[${jinjaString(value.name)}] }}`
        : `{{ var.value.get(${jinjaString(value.name)}, ${jinjaString(value.default)}) }}`;
    case "param":
      return `{{ params[${jinjaString(value.name)}] }}`;
    case "join":
      return [jinjaValue(value.base), ...value.parts].join("/");
    case "list":
    case "object":
      // resolveRefs reports lists and objects that hold anything but literals.
      return JSON.stringify(literalJson(value));
    case "env":
      // resolveRefs reports env() in bash tasks: the worker's environment is inherited.
      return "";
    default:
      return assertNever(value);
  }
}

function mlflowRun(m: MlflowTracking, uses: Uses): PyCode {
  const uri = m.trackingUri ? pyValue(m.trackingUri, uses) : new PyCode("None");
  return py`_mlflow_run(ti, experiment=${m.experiment}, tracking_uri=${uri})`;
}

/** Names a task callable reads; the imported user function is aliased when it would shadow one. */
const CALLABLE_NAMES = new Set([
  "ti",
  "params",
  "var",
  "inputs",
  "result",
  "posixpath",
  "_pull",
  "_push",
  "_env",
  "_mlflow_run",
]);

function pythonCallable(task: PythonTask, name: string, shared: Uses): CallableView {
  const uses: Uses = { pull: false, env: false, variable: false, posixpath: false, params: false };
  const fnName =
    isPyIdentifier(task.function) && !CALLABLE_NAMES.has(task.function)
      ? task.function
      : "user_function";
  const alias = fnName === task.function ? "" : ` as ${fnName}`;
  const importLine = new PyCode(`from ${moduleName(task.module)} import ${task.function}${alias}`);
  const inputs = Object.entries(task.inputs).map(([k, v]) => ({
    key: new PyCode(pyString(k)),
    value: pyValue(v, uses),
  }));
  const outputs = Object.entries(task.outputs);
  const outputSpec = dictCode(
    outputs.map(([k, t]) => `${pyString(k)}: ${pyString(t)}`),
    4,
  );
  const mlflow = task.mlflow ? mlflowRun(task.mlflow, uses) : null;
  for (const k of Object.keys(uses) as (keyof Uses)[]) shared[k] ||= uses[k];
  const args = ["ti", uses.params ? "params" : "", uses.variable ? "var" : "", "**_"].filter(
    Boolean,
  );
  return {
    name: pyIdent(name),
    signature: new PyCode(args.join(", ")),
    doc: new PyCode(
      pyDocstring(
        `Runs ${task.module}:${task.function}${task.mlflow ? " inside an MLflow run" : ""}.`,
      ),
    ),
    importLine,
    inputs,
    call: new PyCode(`${fnName}(${inputs.length ? "**inputs" : ""})`),
    mlflow,
    push: outputs.length ? py`_push(ti, ${task.id}, result, ${outputSpec})` : null,
  };
}

const TEMPLATE_EXT = /\.(sh|bash)$/;

function bashKwargs(task: BashTask, usesLiteral: { value: boolean }): Kwarg[] {
  // BashOperator treats a command ending in .sh/.bash as a template file path; a trailing
  // space is Airflow's documented way to run it as a command instead.
  const command = TEMPLATE_EXT.test(task.command) ? `${task.command} ` : task.command;
  const out = [kw("bash_command", py`${command}`)];
  const env = Object.entries(task.env);
  if (env.length) {
    const entries = env.map(([k, v]) => {
      const text = jinjaValue(v);
      // Airflow would read a templated string ending in .sh/.bash as a template file path.
      if (v.kind === "literal" && TEMPLATE_EXT.test(text)) {
        usesLiteral.value = true;
        return `${pyString(k)}: literal(${pyString(text)})`;
      }
      return `${pyString(k)}: ${pyString(text)}`;
    });
    // Relative to the task block: the template indents the whole block.
    out.push(kw("env", dictCode(entries, 4)));
    out.push(kw("append_env", new PyCode("True")));
  }
  return out;
}

export function dagView(ir: Pipeline, hash: string, sourceFile: string): DagView {
  const uses: Uses = { pull: false, env: false, variable: false, posixpath: false, params: false };
  const namer = new Namer();
  const refs = new Map<string, PyCode>();
  let usesTaskDict = false;
  const localId = (task: Task) =>
    task.group === null ? task.id : task.id.slice(task.group.length + 1);
  for (const task of ir.tasks) {
    const name = namer.claim(localId(task));
    if (name) refs.set(task.id, new PyCode(name));
    else {
      usesTaskDict = true;
      refs.set(task.id, py`tasks[${task.id}]`);
    }
  }
  let usesPython = false;
  let usesBash = false;
  let usesMlflow = false;
  let usesPush = false;
  const usesLiteral = { value: false };
  const tasks = ir.tasks.map((task: Task): TaskView => {
    const ref = refs.get(task.id) ?? py`tasks[${task.id}]`;
    // Inside a TaskGroup, Airflow prefixes the group id itself.
    const kwargs: Kwarg[] = [kw("task_id", py`${localId(task)}`)];
    let callable: CallableView | null = null;
    let operator: PyCode;
    switch (task.kind) {
      case "python": {
        usesPython = true;
        callable = pythonCallable(task, namer.fresh(`run_${task.id}`), uses);
        usesMlflow ||= callable.mlflow !== null;
        usesPush ||= callable.push !== null;
        kwargs.push(kw("python_callable", callable.name));
        operator = new PyCode("PythonOperator");
        break;
      }
      case "bash":
        usesBash = true;
        kwargs.push(...bashKwargs(task, usesLiteral));
        operator = new PyCode("BashOperator");
        break;
      default:
        return assertNever(task);
    }
    // Only what differs from default_args is repeated on the task.
    const own = effectiveOptions(ir, task);
    const inherited = resolveOptions(ir, task.group, EMPTY_TASK_OPTIONS);
    const differing = { ...own } as Record<keyof TaskOptions, unknown>;
    for (const key of Object.keys(own) as (keyof TaskOptions)[]) {
      if (own[key] === inherited[key]) differing[key] = null;
    }
    kwargs.push(...optionKwargs(differing as TaskOptions));
    return { ref, operator, kwargs, callable };
  });

  // Tasks nest into their TaskGroup blocks; a group appears where its first task does.
  const body: NodeView[] = [];
  const groupViews = new Map<string, GroupView>();
  const groupView = (gid: string): NodeView[] => {
    const existing = groupViews.get(gid);
    if (existing) return existing.body;
    const g = ir.groups[gid];
    const parentBody = g?.parent ? groupView(g.parent) : body;
    const local = g?.parent ? gid.slice(g.parent.length + 1) : gid;
    const args: PyCode[] = [py`${local}`];
    if (g?.tooltip) args.push(py`tooltip=${g.tooltip}`);
    const own = optionKwargs(g?.options ?? EMPTY_TASK_OPTIONS);
    if (own.length) {
      args.push(
        new PyCode(
          `default_args=${
            dictCode(
              own.map((k) => `${pyString(k.key.text)}: ${k.value.text}`),
              0,
            ).text
          }`,
        ),
      );
    }
    const view: GroupView = { args: joinCode(args, ", "), body: [] };
    groupViews.set(gid, view);
    parentBody.push({ task: null, group: view });
    return view.body;
  };
  ir.tasks.forEach((task, i) => {
    const view = tasks[i] as TaskView;
    (task.group === null ? body : groupView(task.group)).push({ task: view, group: null });
  });

  const edges = ir.tasks
    .filter((t) => t.upstream.length > 0)
    .map((t) => {
      const ups = t.upstream.map((u) => refs.get(u) ?? py`tasks[${u}]`);
      const left = ups.length === 1 ? (ups[0] as PyCode).text : `[${joinCode(ups, ", ").text}]`;
      return new PyCode(`${left} >> ${(refs.get(t.id) as PyCode).text}`);
    });

  const defaultArgs: Kwarg[] = [];
  if (ir.owner !== null) defaultArgs.push(kw("owner", py`${ir.owner}`));
  defaultArgs.push(...optionKwargs(ir.defaults));

  const dagKwargs: Kwarg[] = [kw("dag_id", py`${ir.id}`)];
  if (ir.description !== null) dagKwargs.push(kw("description", py`${ir.description}`));
  const schedule = ir.schedule;
  dagKwargs.push(
    kw(
      "schedule",
      schedule.kind === "none"
        ? new PyCode("None")
        : schedule.kind === "preset"
          ? py`${schedule.preset}`
          : py`${schedule.expression}`,
    ),
  );
  if (ir.startDate !== null) dagKwargs.push(kw("start_date", startDate(ir.startDate)));
  dagKwargs.push(kw("catchup", py`${ir.catchup}`));
  if (ir.maxActiveRuns !== null) dagKwargs.push(kw("max_active_runs", py`${ir.maxActiveRuns}`));
  if (ir.maxActiveTasks !== null) dagKwargs.push(kw("max_active_tasks", py`${ir.maxActiveTasks}`));
  if (ir.dagrunTimeout !== null) dagKwargs.push(kw("dagrun_timeout", timedelta(ir.dagrunTimeout)));
  if (ir.tags.length) dagKwargs.push(kw("tags", py`${ir.tags}`));
  const params = Object.entries(ir.params);
  if (params.length) {
    const entries = params.map(([name, p]) => {
      const desc = p.description === null ? new PyCode("") : py`, description=${p.description}`;
      return `${pyString(name)}: ${py`Param(${p.default}, type=${p.type}${desc})`.text}`;
    });
    dagKwargs.push(
      kw("params", new PyCode(`{\n${entries.map((e) => `        ${e},\n`).join("")}    }`)),
    );
  }
  if (defaultArgs.length) dagKwargs.push(kw("default_args", new PyCode("default_args")));

  const imports: PyCode[] = [new PyCode("from __future__ import annotations"), new PyCode("")];
  const stdlib = [];
  if (usesMlflow) stdlib.push("import contextlib");
  const code = [
    ...[...defaultArgs, ...dagKwargs, ...tasks.flatMap((t) => t.kwargs)].map((a) => a.value.text),
    ...[...groupViews.values()].map((g) => g.args.text),
  ];
  if (code.some((text) => text.includes("datetime.timedelta("))) {
    stdlib.push("import datetime");
  }
  if (uses.env) stdlib.push("import os");
  if (uses.posixpath) stdlib.push("import posixpath");
  for (const line of stdlib) imports.push(new PyCode(line));
  if (stdlib.length) imports.push(new PyCode(""));
  if (ir.startDate !== null) imports.push(new PyCode("import pendulum"));
  if (usesBash)
    imports.push(new PyCode("from airflow.providers.standard.operators.bash import BashOperator"));
  if (usesPython) {
    imports.push(
      new PyCode("from airflow.providers.standard.operators.python import PythonOperator"),
    );
  }
  const sdk = ["DAG"];
  if (params.length) sdk.push("Param");
  if (Object.keys(ir.groups).length) sdk.push("TaskGroup");
  if (usesLiteral.value) sdk.push("literal");
  imports.push(new PyCode(`from airflow.sdk import ${sdk.join(", ")}`));

  return {
    headerSource: new PyCode(pyComment(sourceFile)),
    headerHash: new PyCode(hash),
    docstring: new PyCode(pyDocstring(ir.description ?? `The ${ir.id} pipeline.`)),
    imports,
    helpers: {
      pull: uses.pull,
      push: usesPush,
      env: uses.env,
      mlflow: usesMlflow,
    },
    defaultArgs,
    dagKwargs,
    usesTaskDict,
    tasks,
    body,
    edges,
  };
}
