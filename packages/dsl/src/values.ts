import { outputHandle, type Scalar, type Value } from "@mlgen/core";

/** Where a handle keeps its IR value. A registered symbol, so two copies of the DSL agree. */
export const VALUE = Symbol.for("mlgen.value");

/**
 * A value resolved when the task runs. `T` is the type the task receives; it exists only
 * for the type checker (a phantom), never at run time.
 */
export interface ValueHandle<T> {
  readonly [VALUE]: Value;
  /** @internal phantom type carrier */
  readonly __type?: T;
}

/**
 * A text value read when the task runs (a string param or output, `env()`, `variable()`,
 * `template()`), that paths can be joined onto: `variable("data_dir").join("raw.csv")`. Its
 * name is what a type error shows for a string where another type is wanted.
 */
export interface TextValue extends ValueHandle<string> {
  join(...parts: string[]): TextValue;
}

/** @deprecated The same as {@link TextValue}, its former name. */
export type PathValue = TextValue;

/** What a value is, in words, for messages: `variable('data_dir')`, `the output 'x' of task 't'`. */
function describe(value: Value): string {
  switch (value.kind) {
    case "variable":
      return `variable('${value.name}')`;
    case "env":
      return `env('${value.name}')`;
    case "param":
      return `the param '${value.name}'`;
    case "ref":
      return `the output '${value.output}' of task '${value.task}'`;
    case "template":
      return `template('${value.text}')`;
    case "join":
      return `${describe(value.base)}.join(...)`;
    case "oneOf":
      return `oneOf(${value.refs.map((r) => outputHandle(r.task, r.output)).join(", ")})`;
    default:
      return "a value read when the task runs";
  }
}

/**
 * A handle put into a string (`${variable("dir")}/raw.csv`, `"x" + out`) would become
 * "[object Object]" in the DAG: refuse it, saying what to write instead.
 */
function toPrimitive(value: Value, path: boolean): () => never {
  const what = describe(value);
  const base = what.replace(/\.join\(\.\.\.\)$/, "");
  const instead = path
    ? `for a path write ${base}.join("raw.csv"); for other text, pass the value as an input or env entry of its own and build the text in the task`
    : "pass it as an input or env entry of its own and build the text in the task";
  return () => {
    throw new TypeError(
      `${what} is read when the task runs, so it cannot be put into a string while the pipeline is defined (it would become "[object Object]"): ${instead}`,
    );
  };
}

function textValue(value: Value): TextValue {
  const handle = {
    [VALUE]: value,
    [Symbol.toPrimitive]: toPrimitive(value, true),
    join(...parts: string[]): TextValue {
      if (value.kind === "join") return textValue({ ...value, parts: [...value.parts, ...parts] });
      return textValue({ kind: "join", base: value, parts });
    },
  };
  return handle;
}

/** An environment variable of the worker, read when the task runs. */
export function env(name: string, defaultValue?: string): TextValue {
  return textValue({ kind: "env", name, default: defaultValue ?? null });
}

/** An Airflow Variable (or, on Kubeflow, a pipeline parameter), read when the task runs. */
export function variable(name: string, defaultValue?: string): TextValue {
  return textValue({ kind: "variable", name, default: defaultValue ?? null });
}

/**
 * An Airflow template rendered when the task runs, e.g. `template("{{ ds }}")` for the logical
 * date or `template("/data/{{ ds_nodash }}.csv")`. Python tasks receive the rendered string.
 */
export function template(text: string): TextValue {
  return textValue({ kind: "template", text });
}

/** A pipeline() call, which the task outputs and params it hands out belong to. */
export interface PipelineToken {
  readonly id: string;
}

/** The pipeline each output and param value was made by (the IR value stays plain data). */
const owners = new WeakMap<Value, PipelineToken>();
/** The pipeline whose body is running: values of any other one are refused in it. */
let building: PipelineToken | null = null;

/** Runs a pipeline's body; toValue then refuses outputs and params of other pipelines. */
export function buildingPipeline<T>(token: PipelineToken, fn: () => T): T {
  const outer = building;
  building = token;
  try {
    return fn();
  } finally {
    building = outer;
  }
}

export function refValue(
  task: string,
  output: string,
  isString: boolean,
  owner: PipelineToken,
): ValueHandle<unknown> {
  const value: Value = { kind: "ref", task, output };
  owners.set(value, owner);
  return isString ? textValue(value) : plainValue(value);
}

export function paramValue(
  name: string,
  isString: boolean,
  owner: PipelineToken,
): ValueHandle<unknown> {
  const value: Value = { kind: "param", name };
  owners.set(value, owner);
  return isString ? textValue(value) : plainValue(value);
}

function plainValue(value: Value): ValueHandle<unknown> {
  const handle = { [VALUE]: value, [Symbol.toPrimitive]: toPrimitive(value, false) };
  return handle;
}

/**
 * A task output or param of another pipeline passed to a task: its message says whose it is,
 * and `hint` the way out (not the JSON-data hint of other values a task cannot take).
 */
export class ForeignValueError extends TypeError {
  readonly hint =
    "define the task that produces it in this pipeline (each pipeline() builds its own tasks), or hand the value over another way: a param, a variable(), or an asset the other pipeline updates";
}

/** Why a handle's value cannot be used in the pipeline being built, or null. */
function foreign(value: Value): string | null {
  if (building === null) return null;
  if (value.kind === "join") return foreign(value.base);
  if (value.kind !== "ref" && value.kind !== "param") return null;
  const owner = owners.get(value);
  if (!owner || owner === building) return null;
  return `${describe(value)} belongs to pipeline '${owner.id}', not to '${building.id}' (a pipeline can only read its own tasks' outputs and params)`;
}

/**
 * The output of whichever side of a branch ran, for a task after the branch (KFP's
 * `dsl.OneOf`): on Airflow the first of the outputs, in order, that the task that ran pushed; on
 * Kubeflow the condition's output that selects the side that ran. Give one output per side
 * (`oneOf(deploy.out.msg, retrain.out.msg)`), all of one type; the input gets that type.
 * Outputs of both sides make the reading task a join, run whichever side ran.
 */
export function oneOf<T>(
  first: ValueHandle<T>,
  second: ValueHandle<NoInfer<T>>,
  ...rest: ValueHandle<NoInfer<T>>[]
): ValueHandle<T> {
  const refs = [first, second, ...rest].map((handle, i) => {
    const value = isValueHandle(handle) ? handle[VALUE] : undefined;
    if (value?.kind !== "ref") {
      throw new TypeError(
        `oneOf(): argument ${i + 1} is ${value ? describe(value) : String(handle)}, not a task output; oneOf takes the outputs of the tasks on each side of a branch (deploy.out.msg)`,
      );
    }
    const problem = foreign(value);
    if (problem) throw new TypeError(`oneOf(): argument ${i + 1}: ${problem}`);
    return value;
  });
  const value: Value = { kind: "oneOf", refs };
  return plainValue(value) as ValueHandle<T>;
}

/** Anything a task input accepts: a handle, a JSON scalar, or lists and objects of those. */
export type Input =
  | ValueHandle<unknown>
  | Scalar
  | readonly Input[]
  | { readonly [key: string]: Input };

export function isValueHandle(x: unknown): x is ValueHandle<unknown> {
  return typeof x === "object" && x !== null && VALUE in x;
}

/** What a handle stands for, in words: `variable('data_dir')`, `the output 'x' of task 't'`. */
export function describeHandle(x: ValueHandle<unknown>): string {
  return describe(x[VALUE]);
}

/** `__proto__` cannot be an own key of a plain JS object once assigned: refuse it, never drop it. */
export function checkKey(key: string, path: string): void {
  if (key === "__proto__")
    throw new TypeError(`${path}: the key "__proto__" cannot be used; rename it`);
}

/** Lowers an input to its IR value; throws a TypeError naming the path for what JSON cannot hold. */
export function toValue(input: Input, path: string): Value {
  if (isValueHandle(input)) {
    const problem = foreign(input[VALUE]);
    if (problem) throw new ForeignValueError(`${path}: ${problem}`);
    return input[VALUE];
  }
  if (input === undefined) {
    throw new TypeError(`${path} is undefined (an output that was never declared?)`);
  }
  if (input === null || typeof input === "string" || typeof input === "boolean") {
    return { kind: "literal", value: input };
  }
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new TypeError(`${path}: ${input} is not a finite number`);
    return { kind: "literal", value: input };
  }
  if (Array.isArray(input)) {
    return { kind: "list", items: input.map((item, i) => toValue(item as Input, `${path}[${i}]`)) };
  }
  if (typeof input === "object") {
    const proto = Object.getPrototypeOf(input);
    if (proto === Object.prototype || proto === null) {
      const entries: Record<string, Value> = {};
      for (const [k, v] of Object.entries(input)) {
        checkKey(k, path);
        entries[k] = toValue(v as Input, `${path}.${k}`);
      }
      return { kind: "object", entries };
    }
  }
  throw new TypeError(`${path}: ${typeof input} values cannot be passed to a task; use JSON data`);
}
