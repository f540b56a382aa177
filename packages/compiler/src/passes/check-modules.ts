import { diagnostic, functionRefs, type Pipeline } from "@mlgen/core";
import { HARD_KEYWORDS } from "../escape/python.js";
import { type PassContext, taskPlace } from "./context.js";

/** Module paths must be importable: relative, `.py`, every segment a Python identifier. */
const MODULE_PATH = /^(?:[A-Za-z_][A-Za-z0-9_]*\/)*[A-Za-z_][A-Za-z0-9_]*\.py$/;

export function moduleName(path: string): string {
  return path.slice(0, -".py".length).split("/").join(".");
}

/** `def name(` or `async def name(` at column 0, i.e. a top-level function. */
export function definesFunction(source: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^(?:async[ \\t]+)?def[ \\t]+${escaped}[ \\t]*\\(`, "m").test(source);
}

/**
 * Each Python task's module exists in `modules` (path → source, read by the caller) and
 * defines the function at top level.
 */
export function checkModules(
  ir: Pipeline,
  modules: ReadonlyMap<string, string | null>,
  ctx: PassContext,
): void {
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    for (const { ref, where } of functionRefs(ir, task)) {
      if (!ref.function) continue;
      const args = { module: ref.module, task: task.id, function: ref.function };
      const segments = ref.module.replace(/\.py$/, "").split("/");
      if (!MODULE_PATH.test(ref.module) || segments.some((s) => HARD_KEYWORDS.has(s))) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `module path '${ref.module}' of task '${task.id}' (${where})`,
              reason:
                "it must be a relative path to a .py file whose parts are Python identifiers (not keywords)",
              hint: "write fn as 'tasks/train.py:train_model', relative to the project root",
            },
            place,
          ),
        );
        continue;
      }
      const source = modules.get(ref.module);
      if (source === undefined || source === null) {
        ctx.report(diagnostic("MLG1007", args, place));
      } else if (!definesFunction(source, ref.function)) {
        ctx.report(diagnostic("MLG1008", args, place));
      }
    }
  }
}
