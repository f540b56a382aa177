import { defineRule } from "../rule.js";

/**
 * A DAG made by a plain `DAG(...)` call in a module-level loop (`for region in REGIONS: dag =
 * DAG(f"sync_{region}", ...)`), never entered by a `with` block: Airflow registers a DAG used as
 * a context manager, and finds any other only among the module's names once the file has run,
 * where the loop's name holds the last pass's DAG. The others are dropped, with their tasks,
 * and nothing says so. Not reported when the loop stores what it makes among the module's names
 * (`globals()[dag_id] = dag`), or a `with` enters the DAG.
 */
export const dagNotRegistered = defineRule({
  id: "dag-not-registered",
  code: "MLG2030",
  defaultSeverity: "error",
  description:
    "a DAG made in a loop by a plain DAG(...) call and never used in a with block: Airflow finds only the one the module's name holds after the loop, and drops the others without a word",
  checkPython(file, report) {
    for (const { dag, span, name } of file.unregisteredDags) {
      // One id every pass (a literal): the name holds the DAG by that id, whichever pass made it.
      if (name && dag.id !== null) continue;
      report(
        {
          holds: name
            ? `'${name}' holds only the DAG of the loop's last pass, and Airflow drops the others`
            : "no module-level name holds them, and Airflow drops them all",
          fix: `make each in a with block (with DAG(...) as ${name ?? "dag"}: ...), which registers it, or keep each among the module's names (globals()[${name ?? "dag"}.dag_id] = ${name ?? "dag"})`,
        },
        span,
      );
    }
  },
});
