import { defineRule } from "../rule.js";

/**
 * A DAG made by a plain `DAG(...)` call in a module-level loop (`for region in REGIONS: dag =
 * DAG(f"sync_{region}", ...)`), never entered by a `with` block: Airflow registers a DAG used as
 * a context manager, and finds any other only among the module's names once the file has run,
 * where the loop's name holds the last pass's DAG. The others are dropped, with their tasks,
 * and nothing says so. The same for a factory function returning such a DAG, whose module-level
 * call drops the result (`make_dag("eu")`) or binds it to a name a loop binds again. Not
 * reported when the loop stores what it makes among the module's names (`globals()[dag_id] =
 * dag`), or a `with` enters the DAG.
 */
export const dagNotRegistered = defineRule({
  id: "dag-not-registered",
  code: "MLG2030",
  defaultSeverity: "error",
  description:
    "a DAG made in a loop by a plain DAG(...) call and never used in a with block: Airflow finds only the one the module's name holds after the loop, and drops the others without a word",
  checkPython(file, report) {
    for (const { dag, span, name, factory, inLoop } of file.unregisteredDags) {
      // One id every pass (a literal): the name holds the DAG by that id, whichever pass made it.
      if (name && dag.id !== null) continue;
      const made =
        factory === null
          ? "this DAG(...) call makes a DAG on each pass of a loop, and none of them is used in a with block"
          : `${factory}() returns a DAG made by a plain DAG(...) call that no with block enters, and this call ${name ? "binds it to a name on each pass of a loop" : inLoop ? "drops it, on each pass of a loop" : "drops it"}`;
      const holds = name
        ? `'${name}' holds only the DAG of the loop's last pass, and Airflow drops the others, with their tasks`
        : factory !== null && !inLoop
          ? "no module-level name holds it, and Airflow drops it with its tasks"
          : "no module-level name holds them, and Airflow drops them all, with their tasks";
      const fix =
        factory === null
          ? `make each in a with block (with DAG(...) as ${name ?? "dag"}: ...), which registers it, or keep each among the module's names (globals()[${name ?? "dag"}.dag_id] = ${name ?? "dag"})`
          : `make the DAG in a with block in ${factory}() (with DAG(...) as dag: ... return dag), which registers it wherever it is called, or keep what the call returns among the module's names (dag = ${factory}(...) at module level, once per DAG, or globals()[dag.dag_id] = dag)`;
      report({ made, them: factory !== null && !inLoop ? "it" : "them", holds, fix }, span);
    }
  },
});
