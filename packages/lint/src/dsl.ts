import type { Pipeline, Task, Value } from "@mlgen/core/light";
import { commandTexts, visitValue } from "@mlgen/core/light";
import { Reachability } from "./reach.js";

/** Upstream queries over a lowered pipeline's `upstream` lists. */
export function pipelineReachability(ir: Pipeline): Reachability {
  return new Reachability(new Map(ir.tasks.map((t) => [t.id, t.upstream])));
}

/**
 * A task that only decides whether what follows runs (a branch, a short-circuit, a latest-only
 * gate): it runs none of the user's code, so it cannot hang.
 */
export const decidesOnly = (task: Task): boolean =>
  task.kind === "branch" || task.kind === "short_circuit" || task.kind === "latest_only";

/** Text a task hands to Airflow as written (commands, args, templates, literal strings). */
export function taskTexts(task: Task, values: [string, Value][]): [where: string, text: string][] {
  const out: [string, string][] = [];
  if (task.kind === "bash") out.push(["command", task.command]);
  if (task.kind === "trigger") out.push(...commandTexts(task));
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
