import type { Pipeline, Task, Value } from "@mlgen/core/light";
import { visitValue } from "@mlgen/core/light";

/** Task id → every task that runs before it (transitively), from the lowered `upstream`. */
export function upstreamClosure(ir: Pipeline): Map<string, Set<string>> {
  const byId = new Map(ir.tasks.map((t) => [t.id, t]));
  const out = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const seen = out.get(id);
    if (seen) return seen;
    const set = new Set<string>();
    out.set(id, set);
    for (const up of byId.get(id)?.upstream ?? []) {
      set.add(up);
      for (const x of visit(up)) set.add(x);
    }
    return set;
  };
  for (const t of ir.tasks) visit(t.id);
  return out;
}

/** Text a task hands to Airflow as written (commands, args, templates, literal strings). */
export function taskTexts(task: Task, values: [string, Value][]): [where: string, text: string][] {
  const out: [string, string][] = [];
  if (task.kind === "bash") out.push(["command", task.command]);
  if (task.kind === "container") {
    task.args.forEach((a, i) => {
      out.push([`args[${i}]`, a]);
    });
    for (const [i, c] of (task.command ?? []).entries()) out.push([`command[${i}]`, c]);
  }
  for (const [where, value] of values) {
    visitValue(value, (v) => {
      if (v.kind === "literal" && typeof v.value === "string") out.push([where, v.value]);
      else if (v.kind === "template") out.push([where, v.text]);
      else if (v.kind === "join") out.push([where, v.parts.join("/")]);
    });
  }
  return out;
}
