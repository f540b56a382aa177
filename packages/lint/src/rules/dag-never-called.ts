import { defineRule } from "../rule.js";

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
