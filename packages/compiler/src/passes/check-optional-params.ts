/**
 * Optional params (`{ default: null, type }`): a run may leave one unset, and then its value is
 * null. A Python function's argument holds None as it is, on both targets (Airflow's
 * `params[...]`, kfp's optional input left out); no other place holds it the same way: a bash
 * or container env, an operator's argument or a trigger's conf would get the text "None" on
 * Airflow and no value on Kubeflow, a branch would compare None, a map would expand None, and
 * a KFP parameter carries no null inside a list or dict (MLG1047). A function whose parameter
 * does not take None is told which run calls it with None (MLG1048).
 */

import {
  diagnostic,
  optionalParamNames,
  type Pipeline,
  type Task,
  taskValues,
  type Value,
  visitValue,
} from "@mlgen/core";
import { parameters } from "./check-modules.js";
import { type PassContext, taskPlace } from "./context.js";

/** Why `where` (a path of taskValues) cannot hold null, for the task of that kind. */
function whyNot(task: Task, where: string): string {
  if (where === "map.over") {
    return "a task maps over a list, and a run without the param would expand None, which Airflow fails and Kubeflow's ParallelFor cannot iterate";
  }
  if (where.startsWith("condition")) {
    return "a branch compares the value when it runs, and None is no value of the param's type (Python refuses to order it against a number; CEL's cast of a missing input fails)";
  }
  if (where.startsWith("inputs.")) {
    return "the param sits inside a list or dict there, and a KFP parameter carries no null inside one (kfp's compiler refuses it); only a Python input given the param itself gets None";
  }
  if (where.startsWith("env.")) {
    return `an environment variable holds text: Airflow would give the ${task.kind} task the text 'None', and Kubeflow has no value to put there`;
  }
  return `${task.kind === "operator" ? "an operator's argument is rendered as text" : "the value is written as text"} there: Airflow would give the text 'None', and Kubeflow has no value to put there`;
}

export function checkOptionalParams(
  ir: Pipeline,
  modules: ReadonlyMap<string, string | null>,
  ctx: PassContext,
): void {
  const names = optionalParamNames(ir.params);
  if (names.size === 0) return;
  const optional = (v: Value) => v.kind === "param" && names.has(v.name);
  for (const task of ir.tasks) {
    const fn =
      task.kind === "python"
        ? { module: task.module, function: task.function }
        : task.kind === "sensor" && task.sensor.type === "python"
          ? { module: task.sensor.module, function: task.sensor.function }
          : null;
    for (const [where, value] of taskValues(task)) {
      // A Python function's input given the param itself: it gets None.
      if (fn && where.startsWith("inputs.") && value.kind === "param") {
        if (optional(value)) noneInto(task, fn, where.slice("inputs.".length), value.name);
        continue;
      }
      const reported = new Set<string>();
      visitValue(value, (v) => {
        if (v.kind !== "param" || !optional(v) || reported.has(v.name)) return;
        reported.add(v.name);
        const param = ir.params[v.name];
        const type = param?.type ?? "string";
        // A default within the param's bounds, which it keeps.
        const example =
          (type === "integer" || type === "number") && param?.minimum !== undefined
            ? String(param.minimum)
            : (type === "integer" || type === "number") &&
                param?.maximum !== undefined &&
                param.maximum < 0
              ? String(param.maximum)
              : type === "string" && (param?.minLength ?? 0) > 0
                ? '"..."'
                : EMPTY[type];
        ctx.report(
          diagnostic(
            "MLG1047",
            {
              where,
              task: task.id,
              param: v.name,
              reason: whyNot(task, where),
              hint: `pass it to a Python task's input, which gets None when the run leaves it unset, and hand on what that task makes of it; or give param '${v.name}' a default of its type (${v.name}: { default: ${example}, type: "${type}" }) and test for that`,
            },
            taskPlace(ctx, ir.id, task.id),
          ),
        );
      });
    }
  }

  function noneInto(
    task: Task,
    fn: { module: string; function: string },
    parameter: string,
    param: string,
  ): void {
    const source = modules.get(fn.module);
    // A missing module or function is MLG1007/MLG1008 (checkModules).
    if (source === undefined || source === null) return;
    const named = parameters(source, fn.function)?.named.find((p) => p.name === parameter);
    const annotation = named?.annotation ?? null;
    if (!named || named.noneDefault || annotation === null) return;
    if (/\b(?:None|Optional|Any|object)\b/.test(annotation)) return;
    ctx.report(
      diagnostic(
        "MLG1048",
        { task: task.id, param, parameter, function: fn.function, annotation },
        taskPlace(ctx, ir.id, task.id),
      ),
    );
  }
}

/** A default of each param type, for the hint. */
const EMPTY: Readonly<Record<string, string>> = {
  string: '""',
  integer: "0",
  number: "0.0",
  boolean: "false",
  array: "[]",
  object: "{}",
};
