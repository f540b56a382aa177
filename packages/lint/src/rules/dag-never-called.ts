import type { DagDecl, DagFile } from "../python/model.js";
import { defineRule } from "../rule.js";

/**
 * Whether `dag` is built by a @dag function the file never calls: Airflow has no such DAG, so
 * it runs none of its tasks. Rules whose findings are about how a task runs (its retries, its
 * timeout) hold back there: dag-never-called is the one finding, and theirs come once the
 * function is called.
 */
export function neverBuilt(
  file: Pick<DagFile, "uncalledDagFunctions">,
  dag: DagDecl | null,
): boolean {
  const fn = dag?.function;
  return fn !== undefined && file.uncalledDagFunctions.some((u) => u.name === fn);
}

/**
 * A @dag function the file never calls when Airflow parses it (nor names anywhere but where it
 * defines it): the decorator only makes a function that builds the DAG, so Airflow finds none,
 * and no error says so.
 */
export const dagNeverCalled = defineRule({
  id: "dag-never-called",
  code: "MLG2018",
  defaultSeverity: "error",
  description:
    "a @dag function the file never calls: Airflow builds no DAG from it, and says nothing",
  checkPython(file, report) {
    for (const fn of file.uncalledDagFunctions) report({ name: fn.name }, fn.span);
  },
});
