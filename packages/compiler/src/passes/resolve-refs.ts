import {
  diagnostic,
  type Pipeline,
  refsIn,
  taskOutputs,
  taskValues,
  type Value,
} from "@mlgen/core";
import { type PassContext, taskPlace } from "./context.js";

function visit(value: Value, fn: (v: Value) => void): void {
  fn(value);
  if (value.kind === "list") for (const item of value.items) visit(item, fn);
  if (value.kind === "object") for (const v of Object.values(value.entries)) visit(v, fn);
  if (value.kind === "join") visit(value.base, fn);
}

/** Every ref names an existing task and a declared output; every param is declared. */
export function resolveRefs(ir: Pipeline, ctx: PassContext): void {
  const tasks = new Map(ir.tasks.map((t) => [t.id, t]));
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
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
              },
              place,
            ),
          );
        }
      }
      visit(value, (v) => {
        if (v.kind === "param" && !(v.name in ir.params)) {
          ctx.report(diagnostic("MLG1013", { where, param: v.name, pipeline: ir.id }, place));
        }
        if (v.kind === "env" && task.kind === "bash") {
          ctx.report(diagnostic("MLG1015", { where, name: v.name }, place));
        }
        if ((v.kind === "list" || v.kind === "object") && task.kind === "bash" && v === value) {
          const computed =
            refsIn(v).length > 0 || JSON.stringify(v).match(/"kind":"(env|variable|param|join)"/);
          if (computed) {
            ctx.report(
              diagnostic(
                "MLG1011",
                {
                  what: `${where}`,
                  reason:
                    "an environment variable is a string: a list or object here may hold only literals",
                  hint: "pass each computed value as its own env entry, or build the JSON in the command",
                },
                place,
              ),
            );
          }
        }
      });
    }
  }
}
