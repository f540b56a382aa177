import { downstreamMap, effectiveOptions, SETUP_TEARDOWN_KINDS } from "@mlgen/core/light";
import type { DagFile, DagTask } from "../python/model.js";
import { graphNode, taskSetting } from "../python/queries.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/**
 * Trigger rules under which a task runs although a task before it failed: a cleanup
 * (all_done), an alert task (one_failed), a task that needs one side (one_success).
 */
const RUNS_AFTER_FAILURE: ReadonlySet<string> = new Set([
  "all_done",
  "always",
  "one_failed",
  "one_done",
  "all_failed",
  "none_skipped",
  "one_success",
  "all_done_min_one_success",
  "all_done_setup_success",
]);

/**
 * Airflow marks a run failed only when one of its last tasks (leaves, teardowns aside) failed
 * or did not run for a failure; otherwise, last tasks succeeded or skipped, success. A last
 * task that runs after a failure hides it: `work >> cleanup(all_done)` ends success when work
 * fails. Given each task's downstream tasks and whether its trigger rule runs after a failure:
 * for each such last task, an earlier task whose failure no other last task fails with.
 */
function masked(
  ids: readonly string[],
  down: ReadonlyMap<string, readonly string[]>,
  runsAfterFailure: (id: string) => boolean | null,
): { leaf: string; hidden: string }[] {
  const leaves = ids.filter((id) => (down.get(id) ?? []).length === 0);
  const descendants = (id: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(down.get(id) ?? [])];
    while (stack.length) {
      const next = stack.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(down.get(next) ?? []));
    }
    return seen;
  };
  const out: { leaf: string; hidden: string }[] = [];
  for (const leaf of leaves) {
    if (runsAfterFailure(leaf) !== true) continue;
    // The earliest task (in the order given) before it whose every last task runs anyway.
    const hidden = ids.find((id) => {
      if (id === leaf) return false;
      const after = descendants(id);
      if (!after.has(leaf)) return false;
      return [...after].every(
        (d) => (down.get(d) ?? []).length > 0 || runsAfterFailure(d) === true,
      );
    });
    if (hidden !== undefined) out.push({ leaf, hidden });
  }
  return out;
}

/** The rules of a cleanup, which runs whatever the tasks before it did: a teardown's job. */
const CLEANUP_RULES: ReadonlySet<string> = new Set([
  "all_done",
  "always",
  "one_done",
  "none_skipped",
]);

/** A trigger rule as written (`"all_done"`, `TriggerRule.ALL_DONE`); null when not shown. */
function ruleName(file: DagFile, task: DagTask): string | null {
  const rule = taskSetting(file, task, "trigger_rule");
  if (rule === "unknown") return null;
  if (rule === null) return "all_success";
  const text = textOf(file.source, rule).replace(/\s/g, "");
  const m = /^(['"])(\w+)\1$/.exec(text) ?? /^(?:\w+\.)?([A-Z_]+)$/.exec(text);
  if (!m) return null;
  return (m[2] ?? m[1] ?? "").toLowerCase();
}

const why = (leaf: string, rule: string, hidden: string) =>
  `'${leaf}' (trigger rule ${rule}) still runs when '${hidden}' fails, and Airflow judges a run by its last tasks: they all succeed, so the run is marked success and the failure shows only in the task's own state`;

export const leafMasksFailure = defineRule({
  id: "leaf-masks-failure",
  code: "MLG2039",
  defaultSeverity: "warning",
  description:
    "A DAG whose last task runs after a failure (a cleanup with all_done, an alert task with one_failed): a run whose earlier task fails ends success.",
  checkPipeline({ ir }, report) {
    // Airflow leaves teardowns out of the run's state: a task whose only later tasks are
    // teardowns is a last task, and a teardown is none.
    const teardowns = new Set(
      ir.tasks.filter((t) => t.setupTeardown === "teardown").map((t) => t.id),
    );
    const down = new Map(
      [...downstreamMap(ir)].map(([id, ds]) => [id, ds.filter((d) => !teardowns.has(d))]),
    );
    const rules = new Map(
      ir.tasks.map((t) => [t.id, effectiveOptions(ir, t).triggerRule ?? "all_success"]),
    );
    const kinds = new Map(ir.tasks.map((t) => [t.id, t.kind]));
    for (const { leaf, hidden } of masked(
      ir.tasks.filter((t) => !teardowns.has(t.id)).map((t) => t.id),
      down,
      (id) => RUNS_AFTER_FAILURE.has(rules.get(id) ?? ""),
    )) {
      const rule = rules.get(leaf) ?? "";
      // A cleanup (it runs whatever happened) is what a teardown is for; a task that needs one
      // success (one_success) is not: as a teardown it would run when every side failed.
      const canTearDown =
        SETUP_TEARDOWN_KINDS.has(kinds.get(leaf) ?? "") && CLEANUP_RULES.has(rule);
      report(
        {
          dag: `pipeline '${ir.id}'`,
          reason: why(leaf, rule, hidden),
          hint:
            rule === "one_failed" || rule === "all_failed"
              ? `alert with onFailure (slack(), email(), callback()) instead of a task, or add a last task with the default trigger rule after '${hidden}', which fails the run`
              : canTearDown
                ? `make '${leaf}' a teardown (teardown: true, or teardown: <its setup>) and leave its triggerRule out: Airflow runs it after a failure and leaves it out of the run's state, so the run fails`
                : `add a last task with the default trigger rule after '${hidden}' (it fails with the failure: the run is failed), or do '${leaf}''s work in '${hidden}' itself (try/finally)`,
        },
        `task:${leaf}`,
      );
    }
  },
  checkPython(file, report) {
    // Airflow leaves a teardown out of the run's state (a task whose only later tasks are
    // teardowns is a last task), unless on_failure_fail_dagrun: then the teardown is a last task
    // itself, and its rule (all_done_setup_success) runs it after a failure. `.as_teardown()`
    // calls are followed; a file with `@teardown` tasks, or a flag that is no literal, is not judged.
    if (/@(?:task\.)?teardown\b|\bis_teardown\b/.test(file.source)) return;
    if ([...file.teardowns.values()].includes(null)) return;
    if (/\bas_teardown\b/.test(file.source) && file.teardowns.size === 0) return;
    if (file.edgesIncomplete || file.dynamicIds) return;
    for (const dag of file.dags) {
      if (neverBuilt(file, dag)) continue;
      const tasks = file.tasks.filter((t) => t.dagDecl === dag);
      // Tasks made in loops or maybe not at all: the graph is not known.
      if (tasks.some((t) => t.creation !== "once" || t.dynamic)) continue;
      const byNode = new Map(tasks.map((t) => [graphNode(file, t.id, dag), t]));
      const ignored = (node: string) => file.teardowns.get(node) === false;
      const down = new Map<string, string[]>();
      for (const [a, b] of file.edges) {
        if (!byNode.has(a) || !byNode.has(b) || ignored(b)) continue;
        const list = down.get(a);
        if (list) list.push(b);
        else down.set(a, [b]);
      }
      const rules = new Map(
        [...byNode].map(([node, t]) => [
          node,
          file.teardowns.get(node) === true ? "all_done_setup_success" : ruleName(file, t),
        ]),
      );
      const judged = [...byNode.keys()].filter((node) => !ignored(node));
      for (const { leaf, hidden } of masked(judged, down, (node) => {
        const rule = rules.get(node);
        return rule === null || rule === undefined ? null : RUNS_AFTER_FAILURE.has(rule);
      })) {
        const task = byNode.get(leaf) as DagTask;
        const rule = rules.get(leaf) as string;
        const hiddenId = (byNode.get(hidden) as DagTask).id;
        report(
          {
            dag: `DAG '${dag.id ?? "?"}'`,
            reason: why(task.id, rule, hiddenId),
            hint:
              file.teardowns.get(leaf) === true
                ? `leave on_failure_fail_dagrun=True out of '${task.id}''s as_teardown(): with it Airflow judges the run by the teardown, which succeeds after the failure; without it the run fails with '${hiddenId}' (a failed teardown then alerts through its on_failure_callback)`
                : rule === "one_failed" || rule === "all_failed"
                  ? `alert with on_failure_callback (a notifier) instead of a task, or make '${task.id}' a teardown (.as_teardown()), which Airflow leaves out of the run's state`
                  : `make '${task.id}' a teardown (.as_teardown(), @teardown): Airflow runs it after a failure and leaves it out of the run's state, so the run fails`,
          },
          task.span,
        );
      }
    }
  },
});
