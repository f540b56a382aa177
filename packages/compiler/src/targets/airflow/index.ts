import { PARAM_CHECK_KEYS, type Pipeline, paramsInOrder } from "@mlgen/core";
import type { EmittedFile, Target, TargetInput } from "../../target.js";
import { template } from "../../templates.js";
import { dialectFor } from "./dialect.js";
import { validateDialect } from "./validate.js";
import { type AirflowTaskShape, dagView } from "./view.js";

export type { AirflowTaskShape } from "./view.js";

/** A DAG as Airflow holds it once it imports the file mlgen writes for a pipeline. */
export interface AirflowDagShape {
  readonly dagId: string;
  readonly description: string | null;
  readonly owner: string | null;
  readonly tags: readonly string[];
  /** A cron expression or a preset as written; null for none, or assets alone. */
  readonly schedule: string | null;
  /** As the pipeline gives it (`2025-01-01`); null for none. */
  readonly startDate: string | null;
  /** Null: Airflow's default (16). */
  readonly maxActiveRuns: number | null;
  readonly maxActiveTasks: number | null;
  /** In the order declared: each Param's default, JSON Schema and description. */
  readonly params: Readonly<
    Record<
      string,
      {
        readonly default: unknown;
        readonly schema: Readonly<Record<string, unknown>>;
        readonly description: string | null;
      }
    >
  >;
  readonly tasks: readonly AirflowTaskShape[];
}

/**
 * The DAG that real Airflow holds once it imports the file mlgen writes for `ir` (lowered, as
 * lowerPipeline returns it), built by the same code that writes the file: its tasks with the
 * ones the target adds, their operators, edges, trigger rules, retries, pools, mapping,
 * branches and sensors. The Airflow fake runs a pipeline's DAG from it.
 */
export function airflowDagShape(ir: Pipeline, airflowVersion: 2 | 3 = 3): AirflowDagShape {
  const view = dagView(ir, "", "", dialectFor(airflowVersion));
  const time = ir.schedule.kind === "assets" ? ir.schedule.time : ir.schedule;
  const continuous = ir.schedule.kind === "preset" && ir.schedule.preset === "@continuous";
  return {
    dagId: ir.id,
    description: ir.description,
    owner: ir.owner,
    tags: ir.tags,
    schedule:
      time === null || time.kind === "none"
        ? null
        : time.kind === "cron"
          ? time.expression
          : time.preset,
    startDate: ir.startDate,
    maxActiveRuns: ir.maxActiveRuns ?? (continuous ? 1 : null),
    maxActiveTasks: ir.maxActiveTasks,
    params: Object.fromEntries(
      paramsInOrder(ir.params).map(([name, p]) => [
        name,
        {
          default: p.default,
          schema: {
            type: p.default === null ? ["null", p.type] : p.type,
            ...Object.fromEntries(
              PARAM_CHECK_KEYS.filter((key) => p[key] !== undefined).map((key) => [key, p[key]]),
            ),
          },
          description: p.description,
        },
      ]),
    ),
    tasks: view.shape,
  };
}

export { TEMPLATE_HELPERS } from "../../templates.js";

/** The DAG file name for a pipeline id: ids are restricted to [A-Za-z0-9_.-]. */
export function dagFileName(id: string): string {
  return `${id.replace(/[.-]/g, "_")}.py`;
}

export function renderDag(input: TargetInput): string {
  const dialect = dialectFor(input.settings?.airflowVersion ?? 3);
  const view = dagView(input.ir, input.hash, input.sourceFile, dialect);
  return template("airflow/dag.py.hbs")(view).replace(
    /\n{3,}(?=\S)/g,
    (_m, offset: number, whole: string) => {
      const next = whole.slice(offset);
      // After the imports, as ruff's import sorting (isort) wants them: two blank lines before
      // a definition, one before any other statement.
      if (IMPORTS_END.test(whole.slice(0, offset))) {
        return /^\n+(def |@|class )/.test(next) ? "\n\n\n" : "\n\n";
      }
      // Keep PEP 8's two blank lines before top-level definitions, one elsewhere.
      return /^\n+(def |@|default_args|with DAG|_OUTPUT_TYPES)/.test(next) ? "\n\n\n" : "\n\n";
    },
  );
}

/** Text that ends with an import statement (one line, or names in parentheses one per line). */
const IMPORTS_END =
  /(?:^|\n)(?:(?:from|import) [^\n(]+|from [\w.]+ import \(\n(?: {4}[^\n]+,\n)+\))$/;

export const airflowTarget: Target = {
  name: "airflow",
  validate: (input) => validateDialect(input, dialectFor(input.settings?.airflowVersion ?? 3)),
  emit(input: TargetInput): EmittedFile[] {
    // The dags folder is deployable on its own: the task modules travel with the DAG file,
    // at the same relative paths, so `from tasks.train import ...` resolves from it.
    return [{ path: dagFileName(input.ir.id), content: renderDag(input) }, ...input.pythonFiles];
  },
};
