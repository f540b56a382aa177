import {
  closestName,
  diagnostic,
  literalOnly,
  type Pipeline,
  refsIn,
  taskOutputs,
  taskValues,
  visitValue,
} from "@mlgen/core";
import { type PassContext, suggest, taskPlace } from "./context.js";

/** Every ref names an existing task and a declared output; every param is declared. */
export function resolveRefs(ir: Pipeline, ctx: PassContext): void {
  const tasks = new Map(ir.tasks.map((t) => [t.id, t]));
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    // Values Airflow renders as Jinja templates in the operator's fields (bash and container
    // env, a file sensor's path, a trigger's conf): no access to the worker's environment.
    const rendered =
      task.kind === "bash" ||
      task.kind === "container" ||
      task.kind === "trigger" ||
      task.kind === "operator" ||
      (task.kind === "sensor" && task.sensor.type === "file");
    // ... and text only, but for a trigger's conf, rendered to JSON as a whole (an operator's
    // lists and dicts are checked with its arguments).
    const templated = rendered && task.kind !== "trigger" && task.kind !== "operator";
    for (const [path, value] of taskValues(task)) {
      const where = `task '${task.id}' ${path}`;
      for (const ref of refsIn(value)) {
        const producer = tasks.get(ref.task);
        if (!producer) {
          ctx.report(diagnostic("MLG1004", { where, task: ref.task, pipeline: ir.id }, place));
          continue;
        }
        const declared = Object.keys(taskOutputs(producer));
        if (!declared.includes(ref.output)) {
          ctx.report(
            diagnostic(
              "MLG1003",
              {
                where,
                output: ref.output,
                task: ref.task,
                declared: declared.length ? declared.join(", ") : "none",
                suggestion: suggest(closestName(ref.output, declared)),
              },
              place,
            ),
          );
        }
      }
      visitValue(value, (v) => {
        if (v.kind === "param" && !(v.name in ir.params)) {
          ctx.report(
            diagnostic(
              "MLG1013",
              {
                where,
                param: v.name,
                pipeline: ir.id,
                suggestion: suggest(closestName(v.name, Object.keys(ir.params))),
              },
              place,
            ),
          );
        }
        if (v.kind === "env" && rendered) {
          ctx.report(diagnostic("MLG1015", { where, name: v.name }, place));
        }
      });
      if (templated && (value.kind === "list" || value.kind === "object") && !literalOnly(value)) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: where,
              reason:
                "an environment variable is a string: a list or object here may hold only literals",
              hint: "pass each computed value as its own env entry, or build the JSON in the command",
            },
            place,
          ),
        );
      }
    }
  }
}
