import { Reachability } from "../reach.js";
import type { DagDecl, DagFile, DagTask } from "./model.js";
import type { PyNode } from "./node.js";
import { textOf } from "./text.js";

const reachMemo = new WeakMap<DagFile, Reachability>();

/** Upstream queries over the file's `>>`, `set_upstream`, `chain`, ... edges (built once). */
export function reachability(file: DagFile): Reachability {
  let reach = reachMemo.get(file);
  if (!reach) {
    const up = new Map<string, string[]>();
    for (const [a, b] of file.edges) {
      const list = up.get(b);
      if (list) list.push(a);
      else up.set(b, [a]);
    }
    reach = new Reachability(up);
    reachMemo.set(file, reach);
  }
  return reach;
}

/**
 * A task's node in the file's `edges`: its id, qualified by its DAG when tasks of another DAG of
 * the file have the same id (Airflow's dependencies never cross DAGs).
 */
export function graphNode(
  file: Pick<DagFile, "dags" | "sharedIds">,
  id: string,
  dag: DagDecl | null,
): string {
  return dag && file.sharedIds.has(id) ? `${id}\0${file.dags.indexOf(dag)}` : id;
}

/**
 * An operator argument as Airflow resolves it: the task's own, then each enclosing group's
 * default_args (innermost first), then the DAG's. `unknown`: a default_args we cannot read
 * (`**base`, a computed dict) may hold it.
 */
export function taskSetting(
  file: Pick<DagFile, "groups">,
  task: Pick<DagTask, "kwargs" | "kwargsOpen" | "groups" | "dagDecl">,
  name: string,
): PyNode | "unknown" | null {
  const own = task.kwargs.get(name);
  if (own) return own;
  if (task.kwargsOpen || task.kwargs.has("default_args")) return "unknown";
  let unknown = false;
  for (const g of [...task.groups].reverse()) {
    const d = file.groups.get(g)?.defaultArgs;
    const v = d?.entries.get(name);
    if (v) return v;
    if (d?.open) unknown = true;
  }
  const dag = task.dagDecl;
  if (!dag) return "unknown";
  if (dag.kwargs.has("default_args") && !dag.defaultArgs) return "unknown";
  // `DAG(**common)`: default_args may be in the dict.
  if (dag.kwargsOpen && !dag.kwargs.has("default_args")) return "unknown";
  const v = dag.defaultArgs?.entries.get(name);
  if (v) return v;
  if (dag.defaultArgs?.open) unknown = true;
  return unknown ? "unknown" : null;
}

const UNITS: Record<string, number> = {
  weeks: 604800,
  days: 86400,
  hours: 3600,
  minutes: 60,
  seconds: 1,
  milliseconds: 0.001,
};

/** Seconds of a duration written as a number, `timedelta(...)`, `duration(...)` or `a * b`. */
export function durationSeconds(src: string, node: PyNode): number | null {
  const text = textOf(src, node).replace(/\s+/g, "");
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const call = /^(?:[\w.]*\.)?(timedelta|duration)\((.*)\)$/.exec(text);
  if (call) {
    let total = 0;
    for (const part of (call[2] ?? "").split(",").filter(Boolean)) {
      const m = /^(\w+)=([\d.*]+)$/.exec(part);
      if (!m) return null;
      const unit = UNITS[m[1] ?? ""];
      const value = product(m[2] ?? "");
      if (unit === undefined || value === null) return null;
      total += unit * value;
    }
    return total;
  }
  return product(text);
}

function product(text: string): number | null {
  if (!/^[\d.]+(\*[\d.]+)*$/.test(text)) return null;
  return text.split("*").reduce((a, b) => a * Number(b), 1);
}

/**
 * Operators that run nothing of the user's, so retries and timeouts do not apply to them
 * (LatestOnlyOperator compares the run's dates and skips what follows).
 */
const NO_OP_OPERATORS: ReadonlySet<string> = new Set([
  "EmptyOperator",
  "DummyOperator",
  "LatestOnlyOperator",
]);

export const isNoOp = (task: DagTask) => NO_OP_OPERATORS.has(task.operator);

export const isNone = (src: string, node: PyNode | "unknown" | null) =>
  node !== null && node !== "unknown" && textOf(src, node) === "None";

/**
 * Every trigger rule the file sets, with where: in a DAG's or a task group's default_args
 * (` in default_args`), and on a task (``).
 */
export function triggerRuleSettings(
  file: Pick<DagFile, "dags" | "groups" | "tasks">,
): { readonly node: PyNode; readonly where: string }[] {
  const out: { node: PyNode; where: string }[] = [];
  for (const args of [...file.dags, ...file.groups.values()].map((d) => d.defaultArgs)) {
    const node = args?.entries.get("trigger_rule");
    if (node) out.push({ node, where: " in default_args" });
  }
  for (const task of file.tasks) {
    const node = task.kwargs.get("trigger_rule");
    if (node) out.push({ node, where: "" });
  }
  return out;
}
