import { PYTHON_OPERATORS, RETURNING_DECORATORS } from "../python/analyze.js";
import { shown } from "../python/dag-args.js";
import { childNamed, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/** Python's name for the class of a value written as each kind (Airflow's message names it). */
const CLASSES: Readonly<Record<string, string>> = {
  "a tuple": "tuple",
  "a list": "list",
  "a set": "set",
  "a string": "str",
  "a bool": "bool",
  "an int": "int",
  "a float": "float",
};

/**
 * A task that pushes one XCom per key of its function's return value (`multiple_outputs=True`,
 * or a TaskFlow function annotated to return a dict, from which Airflow infers it) whose
 * function returns something else: a tuple (`return model_uri, score`, the usual mistake: the
 * flag does not unpack a tuple), a list, a string, a number, or a dict with a key that is no
 * string. Airflow checks the value when it pushes it, after the function ran, and fails the
 * task on every run ("Returned output was type <class 'tuple'> expected dictionary for
 * multiple_outputs").
 */
export const multipleOutputs = defineRule({
  id: "multiple-outputs",
  code: "MLG2034",
  defaultSeverity: "error",
  description:
    "a task with multiple_outputs (given, or inferred by @task from a dict return annotation) whose function returns a tuple, a list, a string or a number, or a dict with a key that is no string: Airflow fails the task on every run when it pushes the value",
  checkPython(file, report) {
    const seen = new Set<string>();
    for (const task of file.tasks) {
      const fn = task.callable;
      if (!fn || fn.notMappings.length === 0 || task.kwargsOpen) continue;
      const decorated = RETURNING_DECORATORS.has(task.operator);
      if (!decorated && !PYTHON_OPERATORS.has(task.operator)) continue;
      const flag = (name: string) => {
        const node = task.kwargs.get(name);
        return node === undefined ? null : textOf(file.source, node).trim();
      };
      if (flag("do_xcom_push") === "False") continue;
      // `.override(multiple_outputs=...)` on the call may set it otherwise.
      if (/\.override\s*\(/.test(textOf(file.source, task.node))) continue;
      const given = flag("multiple_outputs");
      let why: string;
      if (given === "True") why = "multiple_outputs=True";
      else if (given === null && decorated && fn.returnsMapping === true) {
        const node = childNamed(fn.node, "TypeDef")?.lastChild;
        const annotation = node ? textOf(file.source, node) : "a dict";
        // Airflow resolves the annotation in the module's globals when it builds the task: a
        // name imported only under `if TYPE_CHECKING:` (with postponed annotations) does not
        // resolve, and it infers nothing.
        const root = /^["']?([A-Za-z_]\w*)/.exec(annotation)?.[1];
        const imported = file.imports.filter(
          (i) => (i.as ?? i.name ?? i.module.split(".")[0]) === root,
        );
        if (imported.length > 0 && imported.every((i) => !i.topLevel)) continue;
        why = `${fn.name}() is annotated to return ${annotation}, from which @task infers multiple_outputs=True`;
      } else continue;
      for (const r of fn.notMappings) {
        const key = `${r.span.line}:${r.span.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const keyed = r.what.startsWith("a dict");
        const cls = CLASSES[r.what] ?? "object";
        report(
          {
            task: shown(task.id),
            fn: fn.name,
            why,
            what: r.what,
            error: keyed
              ? "'Returned dictionary keys must be strings when using multiple_outputs'"
              : `'Returned output was type <class '${cls}'> expected dictionary for multiple_outputs'`,
            fix: keyed
              ? "give the dict string keys (each is an XCom key), or drop multiple_outputs and read the whole dict from return_value"
              : r.what === "a tuple"
                ? `return a dict that names each value (return ${r.names ? `{${r.names.map((n) => `"${n}": ${n}`).join(", ")}}` : '{"model_uri": uri, "score": score}'}: each key becomes an XCom of its own), or drop multiple_outputs and read the tuple from return_value`
                : given === "True"
                  ? "return a dict, or drop multiple_outputs=True and read the value from return_value"
                  : `annotate ${fn.name}() with what it returns, or return a dict`,
          },
          r.span,
        );
      }
    }
  },
});
