import type { Dependency } from "../python/model.js";
import { defineRule } from "../rule.js";
import { inNeverBuilt, neverBuilt } from "./dag-never-called.js";

/**
 * Dependencies that lead from a task back to itself (`a >> b >> a`, `a >> a`): Airflow checks
 * every DAG for a cycle when it parses the file and refuses the file with
 * AirflowDagCycleException. Only dependencies the analysis is sure of count (file.dependencies),
 * none between tasks whose ids are computed (a pattern stands for several tasks), none of a
 * task whose id tasks of another DAG of the file have too, and none of a @dag function the file
 * never calls (its body never runs: the file loads; dag-never-called is the finding).
 */
export const dependencyCycle = defineRule({
  id: "dependency-cycle",
  code: "MLG2016",
  defaultSeverity: "error",
  description: "dependencies that lead from a task back to itself: Airflow refuses the file",
  checkPython(file, report) {
    const next = new Map<string, Dependency[]>();
    // The ids of the tasks of @dag functions never called, and of no other DAG's task.
    const unbuilt = new Set(file.tasks.filter((t) => neverBuilt(file, t.dagDecl)).map((t) => t.id));
    for (const t of file.tasks) if (!neverBuilt(file, t.dagDecl)) unbuilt.delete(t.id);
    for (const d of file.dependencies) {
      if (d.up.includes("*") || d.down.includes("*")) continue;
      // An id tasks of two DAGs share: which one a name stands for is the last made's, a guess.
      if (d.up.includes("\0") || d.down.includes("\0")) continue;
      if (unbuilt.has(d.up) || unbuilt.has(d.down) || (d.at && inNeverBuilt(file, d.at))) {
        continue;
      }
      const list = next.get(d.up);
      if (list) list.push(d);
      else next.set(d.up, [d]);
    }
    if (next.size === 0) return;
    // Depth first, iteratively; a dependency to a task still on the path closes a cycle.
    const state = new Map<string, 1 | 2>(); // 1: on the path, 2: done
    const reported = new Set<string>();
    for (const start of next.keys()) {
      if (state.has(start)) continue;
      const path: { node: string; via: Dependency | null; i: number }[] = [
        { node: start, via: null, i: 0 },
      ];
      state.set(start, 1);
      while (path.length > 0) {
        const top = path[path.length - 1] as (typeof path)[number];
        const out = next.get(top.node) ?? [];
        const d = out[top.i++];
        if (!d) {
          state.set(top.node, 2);
          path.pop();
          continue;
        }
        const seen = state.get(d.down);
        if (seen === undefined) {
          state.set(d.down, 1);
          path.push({ node: d.down, via: d, i: 0 });
        } else if (seen === 1) {
          const from = path.findIndex((p) => p.node === d.down);
          const loop = [...path.slice(from + 1).map((p) => p.via as Dependency), d];
          // Shown at the dependency written last: the one most likely added by mistake; once
          // per dependency (a group stands for several tasks, and so for several cycles).
          const closing = loop.reduce((a, b) =>
            (b.at?.line ?? 0) * 1e6 + (b.at?.column ?? 0) >
            (a.at?.line ?? 0) * 1e6 + (a.at?.column ?? 0)
              ? b
              : a,
          );
          const key = closing.at ? `${closing.at.line}:${closing.at.column}` : d.down;
          if (reported.has(key)) continue;
          reported.add(key);
          const [id, index] = d.down.split("\0");
          const dag =
            (index === undefined
              ? file.tasks.find((t) => t.id === id)?.dag
              : file.dags[Number(index)]?.id) ?? "?";
          report(
            {
              dag,
              cycle: [loop[0]?.up ?? d.down, ...loop.map((e) => e.down)]
                .map((n) => `'${shown(n)}'`)
                .join(" >> "),
            },
            closing.at ?? file.tasks[0]?.span ?? { line: 1, column: 1, endLine: 1, endColumn: 1 },
            { refused: true, alsoAirflow2: true },
          );
        }
      }
    }
  },
});

/** A graph node is a task id, qualified by its DAG's index when two DAGs share it (graphNode). */
const shown = (node: string) => node.split("\0")[0] ?? node;
