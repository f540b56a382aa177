import {
  assetsOnly,
  dagName,
  resolved,
  scheduleOf,
  visitThroughNames,
} from "../python/dag-args.js";
import type { PyNode } from "../python/node.js";
import { callArguments, callParts, childNamed, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/** An `AVERAGE_RUNTIME(...)` call whose runs it reads, literal ints only (null: not known). */
interface AverageRef {
  readonly from: number;
  readonly to: number;
  readonly maxRuns: number | null;
  readonly minRuns: number | null;
}

/** A literal whole number's value; null for anything else. */
function literalInt(file: Parameters<typeof resolved>[0], node: PyNode | undefined): number | null {
  if (!node) return null;
  const text = textOf(file.source, resolved(file, node));
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * What a node's deadline alerts count from, comments and strings aside, and through the
 * module-level names it reads (a keyword's name is none: `reference=` binds nothing read):
 * each read of `DAGRUN_LOGICAL_DATE` (`DeadlineReference.DAGRUN_LOGICAL_DATE`, an alias's), and
 * each `AVERAGE_RUNTIME(max_runs, min_runs)` call with the runs it reads (Airflow's defaults:
 * max_runs 0 is 10, min_runs None is max_runs).
 */
function deadlineRefs(
  file: Parameters<typeof resolved>[0],
  node: PyNode,
): { logical: { from: number; to: number }[]; average: AverageRef[] } {
  const logical: { from: number; to: number }[] = [];
  const average: AverageRef[] = [];
  visitThroughNames(
    file,
    node,
    (n) => {
      if (
        n.name === "CallExpression" &&
        /(?:^|\.)AVERAGE_RUNTIME$/.test(callParts(file.source, n)?.callee ?? "")
      ) {
        const args = callArguments(file.source, childNamed(n, "ArgList"));
        // Both a positional and a keyword max_runs (or min_runs) is Python's TypeError, not this.
        const twice =
          (args.positional.length > 0 && args.kwargs.has("max_runs")) ||
          (args.positional.length > 1 && args.kwargs.has("min_runs"));
        if (!args.splat && !twice) {
          const max = args.kwargs.get("max_runs") ?? args.positional[0];
          const min = args.kwargs.get("min_runs") ?? args.positional[1];
          const maxGiven = max === undefined ? 0 : literalInt(file, max);
          const maxRuns = maxGiven === 0 ? 10 : maxGiven;
          const none = min === undefined || textOf(file.source, resolved(file, min)) === "None";
          average.push({
            from: n.from,
            to: n.to,
            maxRuns,
            minRuns: none ? maxRuns : literalInt(file, min),
          });
        }
      }
      const named = n.name === "PropertyName" || n.name === "VariableName";
      if (named && textOf(file.source, n) === "DAGRUN_LOGICAL_DATE") {
        logical.push({ from: n.from, to: n.to });
      }
      // A name DAGRUN_LOGICAL_DATE is said where it is read, not again where it is bound.
    },
    (name) => name !== "DAGRUN_LOGICAL_DATE",
  );
  return { logical, average };
}

/**
 * A deadline alert that is never set: counted from the logical date
 * (`DeadlineReference.DAGRUN_LOGICAL_DATE`) in a DAG whose runs have none, for which Airflow 3
 * sets no deadline (the reference evaluates to None), or from the average run
 * (`AVERAGE_RUNTIME`) needing more successful runs (min_runs) than it reads (max_runs), which it
 * never finds. However late a run is, nobody is alerted. DSL pipelines: the compiler's MLG1051
 * and MLG1011.
 */
export const deadlineNeverSet = defineRule({
  id: "deadline-never-set",
  code: "MLG2043",
  defaultSeverity: "warning",
  description:
    "A deadline alert counted from the logical date in a DAG whose runs have none, or from the average run needing more runs than it reads: no deadline is set, and a late run alerts no one.",
  checkPython(file, report) {
    for (const dag of file.dags) {
      if (neverBuilt(file, dag)) continue;
      const deadline = dag.kwargs.get("deadline");
      if (!deadline) continue;
      const refs = deadlineRefs(file, deadline);
      for (const ref of refs.average) {
        const { maxRuns, minRuns } = ref;
        if (maxRuns === null || minRuns === null || minRuns <= maxRuns) continue;
        report(
          {
            dag: dagName(dag),
            reason: `needs ${minRuns} successful runs (min_runs) but averages at most ${maxRuns} (max_runs): Airflow never finds that many, so each run gets no deadline`,
            hint: `set min_runs to ${maxRuns} or less, or max_runs to ${minRuns} or more`,
          },
          file.lines.span(ref.from, ref.to),
        );
      }
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
      for (const ref of refs.logical) {
        report(
          {
            dag: dagName(dag),
            reason: `counts from the logical date, and ${runs} on Airflow 3: such a run gets no deadline`,
            hint,
          },
          file.lines.span(ref.from, ref.to),
        );
      }
    }
  },
});
