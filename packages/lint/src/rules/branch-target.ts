import { closestName } from "@mlgen/core/light";
import type { DagFile, DagTask } from "../python/model.js";
import { graphNode, reachability, taskSetting } from "../python/queries.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/** Operators whose callable returns the task ids to follow (BaseBranchOperator's). */
const BRANCH_OPERATORS: ReadonlySet<string> = new Set([
  "BranchPythonOperator",
  "BranchPythonVirtualenvOperator",
  "BranchExternalPythonOperator",
  "@task.branch",
  "@task.branch_virtualenv",
  "@task.branch_external_python",
]);

const isBranch = (t: DagTask) => BRANCH_OPERATORS.has(t.operator) && t.callable !== null;

const add = (map: Map<string, string[]>, key: string, value: string) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** The tasks of one DAG by their node in the file's edges, and the edges out of each. */
function dagGraph(file: DagFile, task: DagTask) {
  const byNode = new Map<string, DagTask>();
  for (const t of file.tasks) {
    if (t.dagDecl === task.dagDecl) byNode.set(graphNode(file, t.id, t.dagDecl), t);
  }
  const down = new Map<string, string[]>();
  const up = new Map<string, string[]>();
  for (const [a, b] of file.edges) {
    if (!byNode.has(a) || !byNode.has(b)) continue;
    add(down, a, b);
    add(up, b, a);
  }
  return { byNode, down, up, node: (t: DagTask) => graphNode(file, t.id, t.dagDecl) };
}

/**
 * A branch callable's returned id that is no task or task group of its DAG: Airflow fails the
 * branch task ("'branch_task_ids' must contain only valid task_ids") on every run that returns
 * it; the classic case is a task in a TaskGroup named without its group (`train_full` for
 * `train.train_full`). An id of a task that is not directly after the branch follows nothing
 * there: Airflow skips every task directly after the branch, and so what comes after them.
 */
export const branchTarget = defineRule({
  id: "branch-target",
  code: "MLG2031",
  defaultSeverity: "error",
  description:
    "a branch callable returns a task id its DAG lacks (a TaskGroup's task without its group's prefix, a typo), which fails the branch task, or a task not directly after the branch, which skips every task after it",
  checkPython(file, report) {
    for (const branch of file.tasks) {
      if (!isBranch(branch) || branch.dagDecl === null || branch.callable === null) continue;
      const { byNode, down, node } = dagGraph(file, branch);
      const tasks = [...byNode.values()];
      const ids = new Set(tasks.map((t) => t.id));
      const after = new Set(down.get(node(branch)) ?? []);
      // Ids computed when the file is parsed may be any id; a copy of a @task_group called again
      // (`etl__1.load`) is read as the first.
      const idsKnown = !tasks.some((t) => t.dynamic) && file.groupCopies.size === 0;
      const returns = branch.callable.returnedIds.length > 1 ? "may return" : "returns";
      for (const { id, span } of branch.callable.returnedIds) {
        if (ids.has(id)) {
          const target = byNode.get(graphNode(file, id, branch.dagDecl));
          if (file.edgesIncomplete || target === undefined || after.has(node(target))) continue;
          if (target === branch) continue;
          const reach = reachability(file);
          const afterIds = [...after].map((n) => byNode.get(n)?.id ?? n);
          const listed =
            afterIds.length > 0 ? ` (${afterIds.map((a) => `'${a}'`).join(", ")})` : "";
          const via = [...after]
            .filter((n) => reach.isUpstream(n, node(target)))
            .map((n) => byNode.get(n)?.id ?? n);
          report(
            {
              task: branch.id,
              returns,
              target: id,
              problem: `which is not directly after it: Airflow skips every task directly after a branch that the branch does not return${listed}, and what comes after them${via.length > 0 ? `, '${id}' among them` : ""}`,
              fix:
                via.length > 0
                  ? `return '${via[0]}', the task directly after '${branch.id}' that '${id}' comes after: the branch follows it, and '${id}' runs after it`
                  : `return a task directly after '${branch.id}'${listed}, or make '${id}' one (${branch.id} >> ${id.split(".").pop()})`,
            },
            span,
          );
          continue;
        }
        if (file.groups.has(id) || !idsKnown) continue;
        const inGroup = tasks.filter((t) => t.id.endsWith(`.${id}`)).map((t) => t.id);
        const near = closestName(id, [...ids, ...file.groups.keys()]);
        report(
          {
            task: branch.id,
            returns,
            target: id,
            problem: `but ${branch.dag ? `DAG '${branch.dag}'` : "its DAG"} has no task or task group by that id, so Airflow fails '${branch.id}' ('branch_task_ids' must contain only valid task_ids) on every run that returns it`,
            fix:
              inGroup.length > 0
                ? `return '${inGroup[0]}': a task in a TaskGroup has the id 'group.task'`
                : near !== undefined
                  ? `did you mean '${near}'? Return the id of a task directly after '${branch.id}'`
                  : `return the id of a task directly after '${branch.id}'`,
          },
          span,
        );
      }
    }
  },
});

/** `all_success`, written out or Airflow's default; null when the file does not show it. */
function allSuccess(file: DagFile, task: DagTask): boolean | null {
  const rule = taskSetting(file, task, "trigger_rule");
  if (rule === "unknown") return null;
  if (rule === null) return true;
  const text = textOf(file.source, rule).replace(/\s/g, "");
  if (/^(['"])all_success\1$|^(?:\w+\.)?ALL_SUCCESS$/.test(text)) return true;
  return /^(['"])\w+\1$|^(?:\w+\.)?[A-Z_]+$/.test(text) ? false : null;
}

/**
 * A join after the sides of a branch that keeps Airflow's default trigger rule, all_success:
 * the branch follows one side and skips the others, a skipped upstream task skips an
 * all_success task, so the join (and all after it) is skipped on every run. Airflow's documented
 * fix is `trigger_rule="none_failed_min_one_success"` on the join.
 */
export const branchJoinSkipped = defineRule({
  id: "branch-join-skipped",
  code: "MLG2032",
  defaultSeverity: "error",
  description:
    "a task after two sides of a branch keeps the trigger rule all_success, so the side the branch does not follow skips it on every run",
  checkPython(file, report) {
    if (file.edgesIncomplete) return;
    for (const branch of file.tasks) {
      if (!isBranch(branch) || branch.dagDecl === null || !branch.callable?.returnsOneId) continue;
      const { byNode, down, up, node } = dagGraph(file, branch);
      // Airflow does not skip a task directly after the branch that comes after the side it
      // follows: only those after no other such task are sides of their own.
      const direct = new Set(down.get(node(branch)) ?? []);
      const reach = reachability(file);
      const sides = [...direct].filter(
        (d) => ![...direct].some((e) => e !== d && reach.isUpstream(e, d)),
      );
      // A task made on each pass of a loop over written-out items (`branch_*`) is a side per
      // pass: its id stands for two sides or more, and so does each such task after it.
      const loop = (n: string) => {
        const t = byNode.get(n);
        return t?.dynamic === true && t.creation === "repeated";
      };
      if (sides.length + sides.filter(loop).length < 2) continue;
      // The sides whose skip skips each task: its own, or, for an all_success task, those of
      // its upstream tasks (in topological order; a task on a cycle is never reached).
      const indegree = new Map<string, number>();
      for (const n of byNode.keys()) indegree.set(n, (up.get(n) ?? []).length);
      const ready = [...byNode.keys()].filter((n) => indegree.get(n) === 0);
      const skippedWith = new Map<string, ReadonlySet<string>>();
      /** Tasks where the sides have met, and the tasks after them: said at the first. */
      const met = new Set<string>();
      for (let i = 0; i < ready.length; i++) {
        const n = ready[i] as string;
        const task = byNode.get(n) as DagTask;
        const ups = up.get(n) ?? [];
        const withSides = new Set<string>();
        if (sides.includes(n)) {
          withSides.add(n);
          if (loop(n)) withSides.add(`${n}\0`);
        } else if (allSuccess(file, task) === true) {
          for (const u of ups) for (const s of skippedWith.get(u) ?? []) withSides.add(s);
        }
        skippedWith.set(n, withSides);
        for (const d of down.get(n) ?? []) {
          const left = (indegree.get(d) ?? 0) - 1;
          indegree.set(d, left);
          if (left === 0) ready.push(d);
        }
        // Said once, at the first task the sides meet in; not at a task of a loop, whose id
        // stands for a task per pass, each after its own pass's side.
        if (ups.some((u) => met.has(u))) {
          met.add(n);
          continue;
        }
        if (withSides.size < 2 || loop(n)) continue;
        met.add(n);
        const shown = [...withSides].filter((s) => !s.endsWith("\0"));
        const names = shown.map(
          (s) => `'${byNode.get(s)?.id}'${loop(s) ? ", a task per pass of a loop" : ""}`,
        );
        report(
          {
            task: task.id,
            sides:
              names.length === 2 && withSides.size === 2
                ? `both sides (${names.join(" and ")})`
                : withSides.size === names.length
                  ? `${names.length} sides (${names.join(", ")})`
                  : `the sides (${names.join("; ")})`,
            branch: branch.id,
            consequence: `the side it does not follow is skipped, and '${task.id}' with it, on every run${(down.get(n) ?? []).length > 0 ? " (and the tasks after it)" : ""}`,
            fix: `pass trigger_rule="none_failed_min_one_success" to '${task.id}' (TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS): it runs once the side the branch followed has succeeded`,
          },
          task.span,
        );
      }
    }
  },
});
