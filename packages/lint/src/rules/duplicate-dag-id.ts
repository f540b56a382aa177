import { literalDagIds } from "../python/dag-args.js";
import { defineRule } from "../rule.js";

/**
 * A DAG id defined twice: in one file (Airflow keeps one of the DAGs with it, which one left to
 * the order of a set, and drops the others without a word), or in two DAG files of the run.
 * The second is judged across files, after each is linted (findingsAcrossFiles in lint.ts,
 * called by lintPythonFiles). Only literal ids count, of DAGs Airflow builds once (not in a
 * loop, a branch or an uncalled @dag function).
 */
export const duplicateDagId = defineRule({
  id: "duplicate-dag-id",
  code: "MLG2027",
  defaultSeverity: "error",
  description:
    "A DAG id defined twice, in one file or in two DAG files of the folder: Airflow drops one of the DAGs, refuses one of the files, or flips the DAG between them.",
  checkPython(file, report) {
    if (file.dags.length < 2) return;
    const ids = literalDagIds(file);
    for (const at of ids) {
      const other = ids.find((o) => o !== at && o.id === at.id);
      if (!other) continue;
      report(
        {
          id: at.id,
          other: `on line ${other.span.line} of this file`,
          consequence:
            "Airflow loads one of the DAGs a file makes with an id, whichever it meets last in an unordered set (so it may change from one parse to the next), and drops the others without an error",
        },
        at.span,
      );
    }
  },
});
