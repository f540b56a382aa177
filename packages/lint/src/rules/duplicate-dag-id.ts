import { defineRule } from "../rule.js";

/**
 * A DAG id that two DAG files of the run define. Judged across files, after each is linted
 * (duplicateDagIdFindings in lint.ts, called by lintPythonFiles): a single file has nothing to
 * report, so the rule has no check of its own. Only literal ids count, of DAGs Airflow builds.
 */
export const duplicateDagId = defineRule({
  id: "duplicate-dag-id",
  code: "MLG2027",
  defaultSeverity: "error",
  description:
    "A DAG id that another DAG file of the folder defines too: Airflow refuses one of the files, or flips the DAG between them.",
});
