import { diagnostic, functionRefs, type Pipeline } from "@mlgen/core";
import { HARD_KEYWORDS } from "../escape/python.js";
import { type PassContext, taskPlace } from "./context.js";

/** Module paths must be importable: relative, `.py`, every segment a Python identifier. */
const MODULE_PATH = /^(?:[A-Za-z_][A-Za-z0-9_]*\/)*[A-Za-z_][A-Za-z0-9_]*\.py$/;

export function moduleName(path: string): string {
  return path.slice(0, -".py".length).split("/").join(".");
}

/**
 * Whether the module binds `name` at top level to something callable: `def name(` or
 * `async def name(` at column 0, an assignment `name = ...`, or an import of it
 * (`from .steps import train as name`, also inside parentheses). Text inside triple-quoted
 * strings (docstrings) does not count.
 */
export function definesFunction(source: string, name: string): boolean {
  const code = source.replace(/("""|''')[\s\S]*?\1/g, "");
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (new RegExp(`^(?:async[ \\t]+)?def[ \\t]+${escaped}[ \\t]*\\(`, "m").test(code)) return true;
  if (new RegExp(`^${escaped}[ \\t]*(?::[^=\\n]*)?=(?!=)`, "m").test(code)) return true;
  for (const m of code.matchAll(/^from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)/gm)) {
    const names = (m[1] ?? "").replace(/[()\\]|#[^\n]*/g, " ").split(",");
    for (const item of names) {
      const parts = item.trim().split(/\s+/);
      const bound = parts.length === 3 && parts[1] === "as" ? parts[2] : parts[0];
      if (bound === name) return true;
    }
  }
  return false;
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
