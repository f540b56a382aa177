import { defineRule } from "../rule.js";

/**
 * A dependency (`>>`, `chain`, `set_downstream`, ...) between tasks of two DAGs of the file:
 * Airflow refuses it as it parses the file ("Tried to set relationships between tasks in more
 * than one Dag"), so the file fails to import.
 */
export const crossDagDependency = defineRule({
  id: "cross-dag-dependency",
  code: "MLG2019",
  defaultSeverity: "error",
  description: "a dependency between tasks of two DAGs of the file: Airflow refuses the file",
  checkPython(file, report) {
    const seen = new Set<string>();
    for (const d of file.crossDagDependencies) {
      const key = `${d.at.line}:${d.at.column}`;
      if (seen.has(key)) continue;
      seen.add(key);
      report({ up: d.up, upDag: d.upDag, down: d.down, downDag: d.downDag }, d.at, {
        refused: true,
        alsoAirflow2: true,
      });
    }
  },
});
