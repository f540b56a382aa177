/**
 * The items of a literal list a task maps over, against the mapped parameter's annotation, as
 * a literal input is checked (MLG1026): `over: [1, 2]` into `x: str` calls the function with an
 * int on Airflow (kfp.local hands it 1.0), and kfp's own compiler refuses the loop.
 */

import { diagnostic, type OutputType, type Pipeline, type Value } from "@mlgen/core";
import { ANNOTATION_KINDS, annotationBase, KINDS, parameters } from "./check-modules.js";
import { type PassContext, taskPlace } from "./context.js";

type Kind = OutputType;

/** A literal item's kind; null for a null (its own check) or a run-time value (MLG1011's). */
function kindOf(item: Value): Kind | null {
  if (item.kind === "list") return "list";
  if (item.kind === "object") return "dict";
  if (item.kind !== "literal") return null;
  const v = item.value;
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return null;
}

export function checkMapItems(
  ir: Pipeline,
  modules: ReadonlyMap<string, string | null>,
  ctx: PassContext,
): void {
  for (const task of ir.tasks) {
    if (task.kind !== "python" || task.map === null || task.map.over.kind !== "list") continue;
    const source = modules.get(task.module);
    // A missing module or function is MLG1007/MLG1008 (checkModules).
    if (source === undefined || source === null) continue;
    const name = task.map.input;
    const annotation =
      parameters(source, task.function)?.named.find((p) => p.name === name)?.annotation ?? null;
    const base = annotation === null ? null : annotationBase(annotation);
    const takes = base === null ? undefined : ANNOTATION_KINDS[base];
    if (annotation === null || base === null || takes === undefined) continue;
    const items = task.map.over.items.map(kindOf);
    const index = items.findIndex((k) => k !== null && !takes.includes(k));
    if (index < 0) continue;
    const kind = items[index] as Kind;
    const item = task.map.over.items[index] as Value;
    const text = item.kind === "literal" ? JSON.stringify(item.value) : `literal ${KINDS[kind].py}`;
    const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
    const kinds = new Set(items.filter((k): k is Kind => k !== null));
    // The narrowest annotation that takes every item, when one plain type does (bool before
    // int, which takes bools too; int before float).
    const fits = (["string", "bool", "int", "float", "list", "dict"] as const).find((k) =>
      [...kinds].every((each) => (ANNOTATION_KINDS[KINDS[k].py] ?? []).includes(each)),
    );
    const wanted = takes[0] as Kind;
    ctx.report(
      diagnostic(
        "MLG1026",
        {
          what: `item ${index} of the list that task '${task.id}' maps over (${item.kind === "literal" ? "the literal " : "a "}${shown})`,
          kind: KINDS[kind].said,
          parameter: name,
          annotation,
          function: task.function,
          hint: `make every item ${KINDS[wanted].said}${fits ? `, or annotate '${name}' as ${KINDS[fits].py}` : ""}`,
        },
        taskPlace(ctx, ir.id, task.id),
      ),
    );
  }
}
