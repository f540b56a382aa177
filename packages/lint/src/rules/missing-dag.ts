import { typoOf } from "@mlgen/core/light";
import type { Span } from "../finding.js";
import { dagIdArgument, shown } from "../python/dag-args.js";
import type { DagFile } from "../python/model.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { callsOnlyTaskless, sensorGivesUp, TASKLESS_MODULES } from "./external-task-missing.js";

/**
 * A TriggerDagRunOperator or ExternalTaskSensor naming a DAG id that no file of the run
 * defines, where one of them defines a DAG whose id is one or two letters off it: a typo
 * (`deploy_modle`), a DAG renamed on one side only. The trigger fails on every run,
 * the sensor pokes until its timeout (its own, else Airflow's default: sensorGivesUp) and fails.
 *
 * Judged across the files of one run (findingsAcrossFiles, lint.ts) when they are a whole DAG
 * folder (LintOptions.dagFolder: `mlgen lint dags/`, not the pre-commit hook's changed files),
 * and only when every one of them shows the ids of the DAGs it defines (dagIdsOf): a DAG id
 * computed in a loop or by a factory may be the one named. A DAG defined where the run did not
 * look (another DAG bundle or folder) is why this is a warning, and why an id far from every
 * DAG's is not said.
 */

/** What a task names in another DAG, with where its finding would point. */
export interface DagRef extends Span {
  readonly task: string;
  readonly operator: string;
  readonly target: string;
  /** The module-level name the id was read from (`TARGET = "..."`), and its line. */
  readonly constant?: { readonly name: string; readonly line: number };
  /**
   * For a sensor: how long it pokes before Airflow fails it (sensorGivesUp), `until its timeout
   * (6 hours)`.
   */
  readonly waits?: string;
}

/**
 * The operators that name another DAG, and the argument that does. Not ExternalTaskMarker: it
 * does nothing when it runs, and Airflow 3 no longer clears the DAG it names.
 */
const NAMING: ReadonlyMap<string, string> = new Map([
  ["TriggerDagRunOperator", "trigger_dag_id"],
  ["ExternalTaskSensor", "external_dag_id"],
]);

/** The file's tasks naming another DAG by a literal id (not a template), where they name it. */
export function dagRefs(file: DagFile): DagRef[] {
  const out: DagRef[] = [];
  for (const task of file.tasks) {
    const arg = NAMING.get(task.operator);
    const node = arg ? task.kwargs.get(arg) : undefined;
    const target = dagIdArgument(file, node);
    if (!node || target === null) continue;
    const value =
      node.name === "VariableName" ? file.constants.get(textOf(file.source, node)) : null;
    out.push({
      task: task.id,
      operator: task.operator,
      target,
      ...(task.operator === "ExternalTaskSensor" ? { waits: sensorGivesUp(file, task) } : {}),
      ...file.lines.span(node.from, node.to),
      ...(value
        ? {
            constant: {
              name: textOf(file.source, node),
              line: file.lines.span(value.from, value.to).line,
            },
          }
        : {}),
    });
  }
  return out;
}

/**
 * The ids of the DAGs the file defines, or null when it may define DAGs whose ids it does not
 * show. An id computed from text with literal parts (`f"ingest_{source}"`, `"ingest_" + src`)
 * is given as its pattern, `ingest_*` (an Airflow DAG id never holds a `*`); one computed
 * otherwise (a loop's variable, a factory's parameter) is not shown, nor is any in a file that does not
 * parse, a call when the file is parsed (at module level, or in a function called there) of a
 * function imported from outside Airflow and the standard library (a project's
 * `create_dag("etl")`, which may build a DAG; its operators' own classes aside), or a file with
 * no DAG and no function of its own that imports from outside them (`from ml.dags import
 * deploy`: a DAG made by a module it imports is Airflow's too). Files Airflow never parses (no
 * "airflow", no "dag") are not linted, and define none.
 */
export function dagIdsOf(file: DagFile): string[] | null {
  if (file.syntaxError !== null || file.syntaxUnchecked) return null;
  const ids: string[] = [];
  for (const dag of file.dags) {
    const id = dag.id ?? dag.idPattern;
    if (id === undefined) return null;
    ids.push(id);
  }
  const operators = new Set(file.tasks.map((t) => t.operator));
  if (!callsOnlyTaskless(file, operators)) return null;
  const reexports =
    ids.length === 0 &&
    !/^\s*(?:async\s+def|def|class)\s/m.test(file.source) &&
    file.imports.some((i) => !TASKLESS_MODULES.has(i.module.split(".")[0] ?? ""));
  return reexports ? null : ids;
}

/**
 * What happens to a task naming a DAG Airflow does not have (measured on 3.3 and 2.11); a
 * sensor's wait is its own (DagRef.waits).
 */
const OUTCOME: Readonly<Record<string, (waits: string) => string>> = {
  TriggerDagRunOperator: () =>
    "Airflow fails the trigger, and each retry of it, on every run (Airflow 3: \"Dag with dag_id: '...' not found\"; Airflow 2: DagNotFound)",
  ExternalTaskSensor: (waits) =>
    `Airflow finds no run of it, so the sensor pokes ${waits} and fails, on every run (Airflow 2 fails it at its first poke with check_existence=True; Airflow 3 ignores that argument)`,
};

const DOES: Readonly<Record<string, string>> = {
  TriggerDagRunOperator: "triggers",
  ExternalTaskSensor: "waits for",
};

/** Whether a computed id's pattern (dagIdsOf: `ingest_*`) takes the id. */
function patternTakes(pattern: string, id: string): boolean {
  const parts = pattern.split("*");
  const first = parts[0] as string;
  const last = parts.at(-1) as string;
  if (id.length < first.length + last.length || !id.startsWith(first) || !id.endsWith(last)) {
    return false;
  }
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = id.indexOf(part, at);
    if (found < 0 || found + part.length > id.length - last.length) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * The finding's arguments when `ref` names a DAG none of `defined` is, but one close to it is;
 * else null. `defined`: the DAG ids of every file of the run, a computed one as its pattern
 * (`ingest_*`), which takes any id it matches and is never offered as the fix.
 */
export function judgeDagRef(
  ref: DagRef,
  defined: ReadonlySet<string>,
): { task: string; does: string; target: string; outcome: string; fix: string } | null {
  if (defined.has(ref.target)) return null;
  const patterns = [...defined].filter((id) => id.includes("*"));
  if (patterns.some((p) => patternTakes(p, ref.target))) return null;
  const near = typoOf(
    ref.target,
    [...defined].filter((id) => !id.includes("*")),
  );
  if (near === undefined) return null;
  return {
    task: ref.task,
    does: DOES[ref.operator] as string,
    target: shown(ref.target),
    outcome: (OUTCOME[ref.operator] as (waits: string) => string)(ref.waits ?? "until its timeout"),
    fix: `name '${shown(near)}'${ref.constant ? ` in ${ref.constant.name} (set at line ${ref.constant.line})` : ""}, the DAG id closest to it in the linted files; if '${shown(ref.target)}' is defined where this run did not look (another DAG folder or bundle), lint that folder too or silence the finding there`,
  };
}

export const missingDag = defineRule({
  id: "missing-dag",
  code: "MLG2036",
  defaultSeverity: "warning",
  description:
    "A trigger or sensor naming a DAG id that no linted file defines, one or two letters off one that does (a typo, a DAG renamed on one side): the trigger fails, the sensor waits until its timeout.",
  checkPython() {
    // Judged across the files of a run, whatever their number: findingsAcrossFiles (lint.ts).
  },
});
