// The conf a trigger sends, checked against the params of the pipeline it starts, when the
// definition is given: Airflow keeps a key no param has in the run's conf, where no task reads
// it (the run takes the default), and refuses to start a run whose value does not have its
// param's type.
import {
  closestName,
  type OutputType,
  type Param,
  type ParamType,
  paramsInOrder,
  type Task,
  taskOutputs,
  type Value,
} from "@mlgen/core";

/** The param types an output of each type satisfies (a whole number is a number too). */
const OUTPUT_PARAM_TYPES: Readonly<Record<OutputType, readonly ParamType[]>> = {
  string: ["string"],
  int: ["integer", "number"],
  float: ["number"],
  bool: ["boolean"],
  list: ["array"],
  dict: ["object"],
};

/** What is known of the pipeline the trigger is in: its tasks so far, and its params. */
export interface TriggerScope {
  readonly tasks: readonly Task[];
  readonly params: Readonly<Record<string, Param>>;
}

/** A conf key that no param of the started pipeline takes, or a value its param refuses. */
export interface ConfProblem {
  readonly key: string;
  readonly problem: string;
  readonly hint: string;
}

/**
 * The param types `value` satisfies, and what it is in words; null when that is not known here
 * (an output of a task not defined, or a oneOf: other checks report those).
 */
function valueTypes(
  value: Value,
  scope: TriggerScope,
): { types: readonly ParamType[]; what: string } | null {
  switch (value.kind) {
    case "literal": {
      const v = value.value;
      if (v === null) return { types: [], what: "null" };
      if (typeof v === "string") return { types: ["string"], what: "a string" };
      if (typeof v === "boolean") return { types: ["boolean"], what: "a boolean" };
      return Number.isInteger(v)
        ? { types: ["integer", "number"], what: `the number ${v}` }
        : { types: ["number"], what: `the number ${v}` };
    }
    case "list":
      return { types: ["array"], what: "a list" };
    case "object":
      return { types: ["object"], what: "an object" };
    case "ref": {
      const producer = scope.tasks.find((t) => t.id === value.task);
      const type = producer ? taskOutputs(producer)[value.output] : undefined;
      if (!producer || type === undefined) return null;
      const what = `output '${value.output}' of task '${value.task}'`;
      // A mapped task's output, read downstream, is the list of every instance's.
      if (producer.kind === "python" && producer.map) {
        return { types: ["array"], what: `${what} (a list: '${value.task}' is mapped)` };
      }
      // An output type mlgen does not know (from JavaScript, a cast) is the compiler's to say.
      const types = OUTPUT_PARAM_TYPES[type] as readonly ParamType[] | undefined;
      return types === undefined ? null : { types, what: `${what} (${type})` };
    }
    case "param": {
      const own = scope.params[value.name];
      if (!own) return null;
      return {
        types: own.type === "integer" ? ["integer", "number"] : [own.type],
        what: `param '${value.name}' (${own.type})`,
      };
    }
    case "env":
    case "variable":
    case "template":
    case "join":
      return { types: ["string"], what: "a text rendered when the task runs" };
    case "oneOf":
      return null;
  }
}

/** What is wrong with each conf entry, against the params of the pipeline started. */
export function confProblems(
  conf: Readonly<Record<string, Value>>,
  target: {
    readonly id: string;
    readonly params: Readonly<Record<string, Param>>;
    readonly tasks: readonly Task[];
  },
  scope: TriggerScope,
): ConfProblem[] {
  const names = paramsInOrder(target.params).map(([name]) => name);
  // A template or command of the pipeline that reads the run's conf itself may read any key.
  const readsConf = JSON.stringify(target.tasks).includes("dag_run.conf");
  const out: ConfProblem[] = [];
  for (const [key, value] of Object.entries(conf)) {
    const param = target.params[key];
    if (!param) {
      if (readsConf) continue;
      const near = closestName(key, names);
      out.push({
        key,
        problem: `which is none of its params (${names.length ? names.join(", ") : "it has none"}): Airflow keeps it in the run's conf, where only a read of dag_run.conf would find it, and none shows in the templates and commands of pipeline '${target.id}'`,
        hint: `${
          near
            ? `did you mean '${near}'? Name the key as pipeline '${target.id}' names its param`
            : `declare param '${key}' in pipeline '${target.id}', or drop the key`
        } (a task function that reads dag_run.conf itself: name the pipeline by its DAG id, pipeline: '${target.id}', which is not checked)`,
      });
      continue;
    }
    const found = valueTypes(value, scope);
    if (!found || found.types.includes(param.type)) continue;
    // An optional param (default null) takes null: the run then leaves it unset.
    if (param.default === null && value.kind === "literal" && value.value === null) continue;
    out.push({
      key,
      problem: `whose value is ${found.what}, where param '${key}' is of type ${param.type}: Airflow's check of the param refuses it, and the run is not started`,
      hint: `send a value of type ${param.type} (a task output declared ${Object.entries(
        OUTPUT_PARAM_TYPES,
      )
        .filter(([, types]) => types.includes(param.type))
        .map(([type]) => type)
        .join(" or ")}), or change the param's type in pipeline '${target.id}'`,
    });
  }
  return out;
}

/**
 * What keeps a trigger's wait from ending as it should: Airflow judges a state in both lists a
 * failure, and waits for ever for a run that ends in a state neither list names. (It replaces
 * an empty allowedStates by its default, and keeps an empty failedStates: a failed run then
 * ends the wait as a success does only if allowedStates names it.)
 */
export function waitStateProblems(wait: {
  readonly allowedStates?: readonly string[] | undefined;
  readonly failedStates?: readonly string[] | undefined;
}): { reason: string; hint: string }[] {
  const out: { reason: string; hint: string }[] = [];
  const allowed = wait.allowedStates?.length ? wait.allowedStates : ["success"];
  const failed = wait.failedStates ?? ["failed"];
  const both = allowed.filter((state) => failed.includes(state));
  if (both.length) {
    out.push({
      reason: `${both.map((s) => `'${s}'`).join(", ")} is in both allowedStates and failedStates, and Airflow reads it as failed`,
      hint: `name each state in one list only (to wait for any end, failedStates: [] with allowedStates: ["success", "failed"])`,
    });
  }
  for (const end of ["success", "failed"]) {
    if (!allowed.includes(end) && !failed.includes(end)) {
      out.push({
        reason: `a run that ends '${end}' is in neither allowedStates nor failedStates, so the task would wait for it for ever`,
        hint: `add '${end}' to ${end === "success" ? "allowedStates" : "failedStates"}`,
      });
    }
  }
  return out;
}
