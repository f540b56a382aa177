import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { lowerPipeline } from "@mlgen/compiler";
import { effectiveOptions, type Pipeline, type Schedule } from "@mlgen/core";
import { isPipelineDefinition } from "@mlgen/dsl";

export const ROOT = resolve(import.meta.dirname, "../..");

export const EXAMPLES = [
  { name: "iris-quickstart", pipeline: "pipelines/iris.pipeline.ts", dagId: "iris_quickstart" },
  {
    name: "training-pipeline",
    pipeline: "pipelines/training.pipeline.ts",
    dagId: "ml_training_pipeline",
  },
] as const;

/** Loads a pipeline module and lowers it the way `mlgen compile` does. */
export async function lowerFile(
  file: string,
  root: string,
): Promise<{ ir: Pipeline; hash: string }> {
  const mod = (await import(file)) as Record<string, unknown>;
  const def = mod.default;
  if (!isPipelineDefinition(def)) throw new Error(`${file} exports no pipeline`);
  const modules = new Map<string, string | null>();
  for (const t of def.ir.tasks) {
    if (t.kind === "python") {
      try {
        modules.set(t.module, readFileSync(join(root, t.module), "utf8"));
      } catch {
        modules.set(t.module, null);
      }
    }
  }
  const result = lowerPipeline({ ir: def.ir, sourceMap: {}, modules });
  if (!result.ok) {
    throw new Error(
      `${relative(ROOT, file)}: ${result.diagnostics.map((d) => d.message).join("; ")}`,
    );
  }
  return { ir: result.ir, hash: result.hash };
}

/** What Airflow's DAG.schedule should read back as for an IR schedule. */
export function expectedSchedule(s: Schedule): string | null {
  return s.kind === "none" ? null : s.kind === "preset" ? s.preset : s.expression;
}

/** The task attributes Airflow should report, derived from the IR alone. */
export function expectedTasks(ir: Pipeline) {
  return Object.fromEntries(
    ir.tasks.map((t) => {
      const o = effectiveOptions(ir, t);
      return [
        t.id,
        {
          upstream: [...t.upstream].sort(),
          retries: o.retries ?? 0,
          retry_delay: o.retryDelay ?? 300,
          retry_exponential_backoff: o.retryExponentialBackoff ?? 0,
          max_retry_delay: o.maxRetryDelay,
          execution_timeout: o.executionTimeout,
          operator: t.kind === "python" ? "PythonOperator" : "BashOperator",
          group: t.group,
          // Airflow's own defaults where the IR sets nothing.
          trigger_rule: o.triggerRule ?? "all_success",
          pool: o.pool ?? "default_pool",
          pool_slots: o.poolSlots ?? 1,
          queue: o.queue ?? "default",
          priority_weight: o.priorityWeight ?? 1,
          depends_on_past: o.dependsOnPast ?? false,
          max_active_tis_per_dag: o.maxActiveTisPerDag,
        },
      ];
    }),
  );
}
