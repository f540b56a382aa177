import { AIRFLOW_OPERATOR_PARAMS, closestName } from "@mlgen/core";
import type { ArgDict } from "../python/model.js";
import { defineRule } from "../rule.js";

const BASE = AIRFLOW_OPERATOR_PARAMS.BaseOperator ?? [];
/** Every parameter of the operators core knows: a key one of them takes is never reported. */
const KNOWN: ReadonlySet<string> = new Set(Object.values(AIRFLOW_OPERATOR_PARAMS).flat());

/**
 * A `default_args` key that is a misspelling of an argument every operator takes (`retires`,
 * `execution_timout`, `on_failure_callbak`): Airflow hands each operator only the default_args
 * its constructor names, so the key is dropped without a word and the tasks run without the
 * setting. A key close to no such argument may belong to an operator mlgen does not know, and
 * is left alone; so is any key an operator core knows takes.
 */
export const unknownDefaultArg = defineRule({
  id: "unknown-default-arg",
  code: "MLG2021",
  defaultSeverity: "warning",
  description:
    "a default_args key that is a misspelt operator argument (retires): Airflow ignores it, and the tasks run without it",
  checkPython(file, report) {
    const check = (args: ArgDict | null, where: string) => {
      for (const [key, value] of args?.entries ?? []) {
        if (KNOWN.has(key)) continue;
        const near = closestName(key, BASE);
        if (!near) continue;
        const node = value.prevSibling?.prevSibling ?? value;
        report(
          { key, where, hint: `did you mean '${near}'?` },
          file.lines.span(node.from, value.to),
        );
      }
    };
    for (const dag of file.dags) check(dag.defaultArgs, dag.id ? ` of DAG '${dag.id}'` : "");
    for (const group of file.groups.values())
      check(group.defaultArgs, ` of task group '${group.id}'`);
  },
});
