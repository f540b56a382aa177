import { assetsOnly, dagName, resolved, scheduleOf } from "../python/dag-args.js";
import type { PyNode } from "../python/node.js";
import { callParts, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/**
 * Each read of `DAGRUN_LOGICAL_DATE` (`DeadlineReference.DAGRUN_LOGICAL_DATE`, an alias's) in a
 * node, comments and strings aside, and through the module-level names it reads (a keyword's
 * name is none: `reference=` binds nothing read).
 */
function logicalDateRefs(
  file: Parameters<typeof resolved>[0],
  node: PyNode,
): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  // Each name followed once: a node is then visited once, and said once.
  const seen = new Set<string>();
  const visit = (n: PyNode) => {
    if (n.name === "Comment" || n.name === "String" || n.name === "FormatString") return;
    if (n.name === "PropertyName" || n.name === "VariableName") {
      const name = textOf(file.source, n);
      const keyword = n.name === "VariableName" && n.nextSibling?.name === "AssignOp";
      if (name === "DAGRUN_LOGICAL_DATE") out.push({ from: n.from, to: n.to });
      else if (n.name === "VariableName" && !keyword && !seen.has(name)) {
        // `deadline=[LATE]` with `LATE = DeadlineAlert(...)` at module level: said where it is.
        const bound = file.constants.get(name);
        if (bound) {
          seen.add(name);
          visit(resolved(file, bound));
        }
      }
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(node);
  return out;
}

/**
 * A deadline alert counted from the logical date (`DeadlineReference.DAGRUN_LOGICAL_DATE`) in a
 * DAG whose runs have none: Airflow 3 sets no deadline for such a run (the reference evaluates
 * to None), so however late it is, nobody is alerted. DSL pipelines: the compiler's MLG1051.
 */
export const deadlineNeverSet = defineRule({
  id: "deadline-never-set",
  code: "MLG2043",
  defaultSeverity: "warning",
  description:
    "A deadline alert counted from the logical date, in a DAG whose runs have none: no deadline is set for them, and a late run alerts no one.",
  checkPython(file, report) {
    for (const dag of file.dags) {
      if (neverBuilt(file, dag)) continue;
      const deadline = dag.kwargs.get("deadline");
      if (!deadline) continue;
      const schedule = scheduleOf(file.source, dag);
      // DeadlineAlert came with Airflow 3.1, which schedules a DAG without a schedule never.
      // The runs assets trigger have no logical date, also beside a time schedule.
      const written = dag.kwargs.get("schedule");
      const callee = written && callParts(file.source, resolved(file, written))?.callee;
      const assets =
        assetsOnly(file, dag) ||
        /(?:^|\.)(?:(?:Asset|Dataset)OrTimeSchedule|(?:Partitioned)?AssetTriggeredTimetable)$/.test(
          callee ?? "",
        );
      const unscheduled = schedule === "default" || (schedule !== null && schedule.on === false);
      if (!assets && !unscheduled) continue;
      const runs = assets
        ? "the runs its assets trigger have none"
        : "the DAG has no time schedule: a run triggered without one (logical_date: null through the REST API) has none";
      const hint = assets
        ? "count from when the run was queued, DeadlineReference.DAGRUN_QUEUED_AT, which every run has"
        : "count from when the run was queued, DeadlineReference.DAGRUN_QUEUED_AT, or give the DAG a time schedule";
      for (const ref of logicalDateRefs(file, deadline)) {
        report(
          {
            dag: dagName(dag),
            runs,
            hint,
          },
          file.lines.span(ref.from, ref.to),
        );
      }
    }
  },
});
