import type { Span } from "../finding.js";
import type { DagDecl, DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { defineRule } from "../rule.js";

/**
 * Whether `dag` is built by a @dag function the file never calls: Airflow has no such DAG, so
 * it runs none of its tasks, and the function's body never runs when Airflow parses the file
 * (which loads, with the DAGs it does build: Airflow 3.3 and 2.11). Rules whose findings are
 * about how a task or a DAG runs (its retries, its timeout, its alerts) or say that Airflow
 * refuses the file (a cycle, a duplicate task id, an invalid argument) hold back there:
 * dag-never-called is the one finding, and theirs come once the function is called.
 */
export function neverBuilt(
  file: Pick<DagFile, "uncalledDagFunctions">,
  dag: DagDecl | null,
): boolean {
  const fn = dag?.function;
  return fn !== undefined && file.uncalledDagFunctions.some((u) => u.name === fn);
}

/** Each file's never-called @dag functions, decorators and body, as spans (neverBuiltSpans). */
const spansOf = new WeakMap<object, readonly Span[]>();

/**
 * Where the @dag functions the file never calls are written, each from its first decorator to
 * the end of its body: nothing there runs when Airflow parses the file (the decorator's
 * arguments only wait for a call), so nothing there fails the file or builds a DAG.
 */
function neverBuiltSpans(file: Pick<DagFile, "dags" | "uncalledDagFunctions" | "lines">) {
  const known = spansOf.get(file);
  if (known) return known;
  const out: Span[] = [];
  for (const dag of file.dags) {
    if (!neverBuilt(file, dag)) continue;
    // A @dag's dag_id is the function's name, or the decorator's dag_id=: in its statement.
    let node: PyNode | null = dag.kwargs.get("dag_id") ?? null;
    while (node && node.name !== "DecoratedStatement") node = node.parent;
    if (node) out.push(file.lines.span(node.from, node.to));
  }
  spansOf.set(file, out);
  return out;
}

/**
 * Whether `at` lies in a @dag function the file never calls (its decorators or its body): for
 * what is not a task's (a dependency, a task group), as neverBuilt is for a task or a DAG.
 */
export function inNeverBuilt(
  file: Pick<DagFile, "dags" | "uncalledDagFunctions" | "lines">,
  at: Span,
): boolean {
  if (file.uncalledDagFunctions.length === 0) return false;
  const before = (l: number, c: number, l2: number, c2: number) => l < l2 || (l === l2 && c <= c2);
  return neverBuiltSpans(file).some(
    (s) =>
      before(s.line, s.column, at.line, at.column) &&
      before(at.endLine, at.endColumn, s.endLine, s.endColumn),
  );
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
