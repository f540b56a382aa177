import { closestName, taskOutputs, taskValues } from "@mlgen/core/light";
import { pipelineReachability, taskTexts } from "../dsl.js";
import { templatePulls } from "../python/jinja.js";
import type { DagFile, DagTask } from "../python/model.js";
import { graphNode, reachability } from "../python/queries.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/** Airflow's KEY_REGEX for task ids (`^[\w.-]+$`, Unicode word characters). */
const TASK_ID = /^[\p{L}\p{M}\p{N}_.-]+$/u;

const listed = (keys: Iterable<string>) => [...keys].sort().join(", ") || "nothing";

/** `did you mean 'extract'? ` when a known name is close to the one written, else "". */
const didYouMean = (name: string, known: readonly string[]) => {
  const near = closestName(
    name,
    known.filter((k) => k !== name),
  );
  return near === undefined ? "" : `did you mean '${near}'? Otherwise `;
};

/**
 * The id, in the group as the analysis read it, of a task in a copy of a @task_group called
 * more than once (`etl__2.load` → `etl.load`), or null.
 */
function copyOf(file: DagFile, id: string): string | null {
  for (const [group, copies] of file.groupCopies) {
    for (let k = 1; k <= copies; k++) {
      const prefix = `${group}__${k}.`;
      if (id.startsWith(prefix)) return `${group}.${id.slice(prefix.length)}`;
    }
  }
  return null;
}

/**
 * The fix of a pull naming a task id the DAG lacks: the one id that is it inside a task group
 * (`load_orders` for `load.load_orders`: xcom_pull adds no group's prefix, even from a task of
 * that group), else the closest id, else the rule.
 */
function groupHint(source: string, ids: readonly string[]): string {
  const grouped = [...new Set(ids.filter((id) => id.endsWith(`.${source}`)))];
  if (grouped.length === 1) {
    const id = grouped[0] as string;
    return `pull task_ids='${id}': inside a task group, a task's id starts with the group's ('${id.slice(0, -source.length)}'), and xcom_pull adds no prefix, even from a task of that group`;
  }
  return `${didYouMean(source, ids)}fix the task_ids (a task in a TaskGroup has the id 'group.task')`;
}

/** A pull of a task neither before nor after the reader: the two may run in either order. */
const raceReason = (source: string) =>
  `but '${source}' is not upstream of it, so the value may not exist yet (a race)`;

/**
 * A pull of a task that runs after the reader: in a run, the value is never there yet. An XCom
 * is cleared only when the task that pushed it starts again, so in a run cleared and run again
 * the reader finds what the source pushed the time before (test/engines/lint-xcom-order.test.ts).
 */
const downstreamReason = (reader: string, source: string) =>
  `but '${source}' runs after it ('${source}' is downstream of '${reader}'), so the value is never there when it reads it: the pull returns None (and, in a run cleared and run again, the value '${source}' pushed the time before)`;

export const missingXcomKey = defineRule({
  id: "missing-xcom-key",
  code: "MLG2001",
  defaultSeverity: "error",
  description:
    "a task reads an XCom key that no upstream task pushes, or that only a task not upstream of it pushes (a race, or a task that runs after it)",
  checkPipeline({ ir }, report) {
    const byId = new Map(ir.tasks.map((t) => [t.id, t]));
    const reach = pipelineReachability(ir);
    // A python task's callable pushes each output under its own key, and returns (so pushes
    // as return_value) only the output a downstream task maps over (compiler's pythonCallable).
    const returnsValue = new Set<string>();
    for (const t of ir.tasks) {
      if (t.kind === "python" && t.map?.over.kind === "ref") returnsValue.add(t.map.over.task);
    }
    for (const task of ir.tasks) {
      for (const [, text] of taskTexts(task, taskValues(task))) {
        for (const pull of templatePulls(text)) {
          if (pull.otherDag || pull.taskIds === null || pull.key === null) continue;
          for (const source of pull.taskIds) {
            const from = byId.get(source);
            const at = `task:${task.id}`;
            if (!from) {
              report(
                {
                  task: task.id,
                  key: pull.key,
                  source,
                  reason: `but pipeline '${ir.id}' has no task '${source}'`,
                  hint: `${didYouMean(source, [...byId.keys()])}pull from a task of this pipeline, or pass its output as an input (task.out.x)`,
                },
                at,
              );
              continue;
            }
            const keys =
              from.kind === "python"
                ? new Set([
                    ...Object.keys(taskOutputs(from)),
                    ...(returnsValue.has(from.id) ? ["return_value"] : []),
                  ])
                : from.kind === "bash"
                  ? new Set(["return_value"])
                  : // A python sensor with outputs pushes those alone (without, what it pushes
                    // is up to its function: a PokeReturnValue's xcom_value).
                    from.kind === "sensor" && from.sensor.type === "python" && from.sensor.outputs
                    ? new Set(Object.keys(from.sensor.outputs))
                    : null;
            if (keys && !keys.has(pull.key)) {
              report(
                {
                  task: task.id,
                  key: pull.key,
                  source,
                  reason: `which '${source}' never pushes (it pushes: ${listed(keys)})`,
                  hint: `${didYouMean(pull.key, [...keys])}declare '${pull.key}' in the outputs of '${source}', or read one it has`,
                },
                at,
              );
            } else if (source !== task.id && reach.isUpstream(task.id, source)) {
              report(
                {
                  task: task.id,
                  key: pull.key,
                  source,
                  reason: downstreamReason(task.id, source),
                  hint: `read it from a task upstream of '${task.id}'; or make '${source}' run before it (.after(${source}), or ${source}.out.${pull.key} as an input), once nothing puts '${source}' after '${task.id}' (both would be a cycle)`,
                },
                at,
              );
            } else if (source !== task.id && !reach.isUpstream(source, task.id)) {
              report(
                {
                  task: task.id,
                  key: pull.key,
                  source,
                  reason: raceReason(source),
                  hint: `pass ${source}.out.${pull.key} as an input, or add .after(${source})`,
                },
                at,
              );
            }
          }
        }
      }
    }
  },
  checkPython(file, report) {
    const byId = new Map<string, DagTask[]>();
    for (const t of file.tasks) {
      const list = byId.get(t.id);
      if (list) list.push(t);
      else byId.set(t.id, [t]);
    }
    // One callable may serve tasks of several DAGs in a file: the finding names the DAG.
    const severalDags = file.dags.length > 1;
    for (const task of file.tasks) {
      const who = severalDags && task.dag ? `${task.id}' of DAG '${task.dag}` : task.id;
      // What the finding is about: the task that pulls (its DAG named when known).
      const dagId = task.dagDecl?.id;
      const about = {
        ...(task.dynamic ? {} : { task: task.id }),
        ...(dagId ? { dag: dagId } : {}),
      };
      for (const pull of task.pulls) {
        if (pull.otherDag || pull.taskIds === null || pull.key === null) continue;
        for (const source of pull.taskIds) {
          // Not a task id Airflow accepts: text built by Python (`'{src}'` in an f-string or a
          // .format() template, `'%s'`), which the template shows before it is filled in.
          if (!TASK_ID.test(source)) continue;
          // A copy of a @task_group called again (`etl__1.extract`) has the first's tasks.
          const copied = byId.has(source) ? null : copyOf(file, source);
          const candidates = (byId.get(copied ?? source) ?? []).filter(
            (t) => t.dag === task.dag || t.dag === null || task.dag === null,
          );
          if (candidates.length === 0) {
            // Some ids are computed, or the pulling task is made where its DAG is not known (a
            // factory function, a helper module with no DAG): the task may exist elsewhere.
            if (file.dynamicIds || task.dagDecl === null) continue;
            report(
              {
                task: who,
                key: pull.key,
                source,
                reason: `but ${task.dag ? `DAG '${task.dag}'` : "this file"} has no task '${source}'`,
                hint: groupHint(
                  source,
                  file.tasks
                    .filter((t) => t.dag === task.dag || t.dag === null || task.dag === null)
                    .map((t) => t.id),
                ),
              },
              { ...pull.span, ...about },
            );
            continue;
          }
          const from = candidates[0];
          if (!from || candidates.some((c) => c.pushes === null)) continue;
          const keys = new Set(candidates.flatMap((c) => [...(c.pushes ?? [])]));
          if (!keys.has(pull.key)) {
            // A dict returned without multiple_outputs is one XCom, return_value.
            const key = pull.key;
            const inDict = candidates.some((c) => c.callable?.returnKeys?.includes(key));
            // `@task(do_xcom_push=False)` returning a value: the value is what is not pushed
            // (the analysis drops return_value for the task's own do_xcom_push=False).
            const unpushed =
              key === "return_value" &&
              candidates.some((c) => {
                const own = c.kwargs.get("do_xcom_push");
                return (
                  c.callable?.returnsValue === true &&
                  own !== undefined &&
                  textOf(file.source, own) === "False"
                );
              });
            report(
              {
                task: who,
                key: pull.key,
                source,
                reason: `which '${source}' never pushes (it pushes: ${listed(keys)})`,
                hint: unpushed
                  ? `'${source}' returns a value, but do_xcom_push=False keeps Airflow from pushing it: remove do_xcom_push=False, or read a key it pushes`
                  : inDict
                    ? `'${source}' returns '${pull.key}' inside one dict XCom: give it multiple_outputs=True (a @task may instead annotate its return as dict[str, ...]), or pull return_value and take ['${pull.key}']`
                    : `${didYouMean(pull.key, [...keys])}push '${pull.key}' in '${source}' (ti.xcom_push(key=...) or a return value), or read a key it pushes`,
              },
              { ...pull.span, ...about },
            );
          } else if (
            source !== task.id &&
            copied === null &&
            !pull.otherRuns &&
            !file.edgesIncomplete
          ) {
            const reader = graphNode(file, task.id, task.dagDecl);
            const writer = graphNode(file, source, task.dagDecl);
            const reach = reachability(file);
            if (reach.isUpstream(writer, reader)) continue;
            const after = reach.isUpstream(reader, writer);
            // Directly after it (`read >> produce`): the dependency to turn around.
            const direct = after && file.edges.some(([a, b]) => a === reader && b === writer);
            report(
              {
                task: who,
                key: pull.key,
                source,
                reason: after ? downstreamReason(task.id, source) : raceReason(source),
                hint: !after
                  ? `make '${source}' run first: ${source} >> ${task.id}`
                  : direct
                    ? `pull from a task upstream of '${task.id}'; or make '${source}' run first: ${source} >> ${task.id} in place of ${task.id} >> ${source}`
                    : `pull from a task upstream of '${task.id}'; or make '${source}' run first (${source} >> ${task.id}), once no dependency puts it after '${task.id}' (with both, the DAG has a cycle)`,
              },
              { ...pull.span, ...about },
            );
          }
        }
      }
    }
  },
});
