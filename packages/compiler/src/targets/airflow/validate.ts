import {
  type Diagnostic,
  diagnostic,
  effectiveOptions,
  resolveOptions,
  taskKey,
} from "@mlgen/core";
import type { TargetInput } from "../../target.js";
import type { Dialect } from "./dialect.js";

/** What the chosen Airflow version cannot express, reported before anything is written. */
export function validateDialect(input: TargetInput, dialect: Dialect): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { ir, sourceMap } = input;
  const report = (what: string, reason: string, hint: string, task?: string) =>
    out.push(
      diagnostic(
        "MLG3001",
        { what, target: dialect.label, reason, hint },
        {
          pipeline: ir.id,
          task,
          location: task ? sourceMap[taskKey(task)] : sourceMap.pipeline,
        },
      ),
    );
  if (dialect.version === 2 && ir.startDate === null && ir.schedule.kind !== "none") {
    report(
      "a schedule without a start date",
      "Airflow 2 refuses to load a scheduled DAG without start_date ('DAG is missing the start_date parameter')",
      "set startDate on the pipeline, e.g. startDate: '2025-01-01', or emit for Airflow 3",
    );
  }
  const layers = [
    { where: "the pipeline defaults", options: ir.defaults, task: undefined },
    ...Object.values(ir.groups).map((g) => ({
      where: `group '${g.id}'`,
      options: resolveOptions(ir, g.id, g.options),
      task: undefined,
    })),
    ...ir.tasks.map((t) => ({
      where: `task '${t.id}'`,
      options: effectiveOptions(ir, t),
      task: t.id,
    })),
  ];
  const unknownRules = new Set<string>();
  for (const { where, options, task } of layers) {
    const rule = options.triggerRule;
    if (rule === null || dialect.triggerRules.includes(rule) || unknownRules.has(rule)) continue;
    unknownRules.add(rule);
    report(
      `triggerRule '${rule}' (${where})`,
      `it is not a trigger rule of Airflow ${dialect.version}, which refuses to load the whole DAG file`,
      rule === "all_done_min_one_success"
        ? "use 'all_done' and check in the task that one upstream task succeeded, or emit for Airflow 3 (--airflow-version 3)"
        : "use another trigger rule, or emit for Airflow 3 (--airflow-version 3)",
      task,
    );
  }
  if (!dialect.backoffIsMultiplier) {
    // Airflow 2 reads retry_exponential_backoff as a flag: the delay always doubles.
    const seen = new Set<number>();
    for (const { where, options, task } of layers) {
      const m = options.retryExponentialBackoff;
      if (m === null || m === 0 || m === 2 || seen.has(m)) continue;
      seen.add(m);
      report(
        `retryExponentialBackoff: ${m} (${where})`,
        "Airflow 2 only doubles the delay between retries",
        "use retryExponentialBackoff: true (×2), or emit for Airflow 3 (--airflow-version 3)",
        task,
      );
    }
  }
  return out;
}
