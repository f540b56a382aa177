import type { DiagnosticCode, Severity } from "@mlgen/core";
import type { DagFile } from "./python/model.js";

/** A place in a file: 1-based lines and columns; the end column is exclusive (as in SARIF). */
export interface Span {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/**
 * What a finding is about, when it is about a DAG or a task of one: the DAG's id (a DSL
 * pipeline's id, which is its DAG's) and the task's full id (its task groups' prefix included),
 * as Airflow knows them. Left out when the linter cannot be sure: a computed id, a task of a DAG
 * whose id is computed, a task id that two DAGs of the file share where the finding does not
 * say which.
 */
export interface Subject {
  readonly dag?: string;
  readonly task?: string;
}

/**
 * A span in the file being linted, or in a file it reads (`file`: a template file of a task,
 * named as findings name files), with what the finding there is about when the rule says.
 */
export interface Located extends Span, Subject {
  readonly file?: string;
}

/**
 * One lint result. The field set is the stable `--format json` contract: `dag` and `task` are
 * set when the finding is about a DAG or a task (Subject), and absent otherwise.
 */
export interface Finding extends Span, Subject {
  readonly ruleId: string;
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** As given to the linter (the CLI passes paths relative to the working folder). */
  readonly file: string;
  readonly message: string;
  readonly fix: string;
}

/** The `dag` and `task` of `at` that are strings, as a finding's fields (none when unset). */
export function subjectOf(at: { readonly dag?: unknown; readonly task?: unknown }): Subject {
  const dag = typeof at.dag === "string" && at.dag !== "" ? at.dag : undefined;
  const task = typeof at.task === "string" && at.task !== "" ? at.task : undefined;
  return { ...(dag !== undefined ? { dag } : {}), ...(task !== undefined ? { task } : {}) };
}

/**
 * Codes whose `{id}` names a task or a DAG; any other code's `{task}` names the task and
 * `{dag}` the DAG (bare, or written `task 'x'` / `DAG 'x'`).
 */
const ID_NAMES: Readonly<Record<string, "task" | "dag">> = {
  MLG2005: "dag",
  MLG2015: "task",
  MLG2020: "task",
  MLG2027: "dag",
};

const within = (inner: Span, outer: Span) =>
  (inner.line > outer.line || (inner.line === outer.line && inner.column >= outer.column)) &&
  (inner.endLine < outer.endLine ||
    (inner.endLine === outer.endLine && inner.endColumn <= outer.endColumn));

const size = (s: Span) => (s.endLine - s.line) * 100_000 + s.endColumn - s.column;

const byIdMemo = new WeakMap<DagFile, Map<string, DagFile["tasks"][number][]>>();

/** The file's tasks by id, those with a computed id left out (their id is a pattern). */
function tasksById(file: DagFile): Map<string, DagFile["tasks"][number][]> {
  let map = byIdMemo.get(file);
  if (!map) {
    map = new Map();
    for (const t of file.tasks) {
      if (t.dynamic) continue;
      const list = map.get(t.id);
      if (list) list.push(t);
      else map.set(t.id, [t]);
    }
    byIdMemo.set(file, map);
  }
  return map;
}

/**
 * `at` with what a finding of `code` in a DAG file is about: what the rule set on `at`, else
 * the task and the DAG its arguments name, when the file has a task or DAG by that id; else the
 * task whose call holds the finding, and the DAG whose `DAG(...)` or `@dag(...)` does.
 */
export function pythonSubject(file: DagFile, code: string, args: unknown, at: Located): Located {
  const given = subjectOf(at);
  if (given.task !== undefined && given.dag !== undefined) return at;
  const a = (args ?? {}) as Record<string, unknown>;
  const named = (key: string, word: string) => {
    const v = a[key];
    if (typeof v !== "string") return undefined;
    return new RegExp(`^${word} '(.+)'$`).exec(v)?.[1] ?? v;
  };
  const idIs = ID_NAMES[code];
  const taskName = given.task ?? named(idIs === "task" ? "id" : "task", "task");
  const dagName = given.dag ?? named(idIs === "dag" ? "id" : "dag", "DAG");
  const here = at.file === undefined;
  const byId = tasksById(file);
  let candidates = taskName === undefined ? [] : (byId.get(taskName) ?? []);
  if (candidates.length === 0 && taskName === undefined && here) {
    // The innermost task call the finding is in (an argument of it, a value it is given).
    const holding = file.tasks.filter((t) => !t.dynamic && within(at, t.span));
    const inner = holding.sort((x, y) => size(x.span) - size(y.span))[0];
    if (inner) candidates = [inner];
  }
  if (candidates.length > 1 && here) {
    const holding = candidates.filter((t) => within(at, t.span));
    if (holding.length > 0) candidates = holding;
  }
  const task = given.task ?? candidates[0]?.id;
  let dag = dagName !== undefined && file.dags.some((d) => d.id === dagName) ? dagName : undefined;
  if (dag === undefined && given.dag === undefined) {
    const ids = new Set(candidates.map((t) => t.dagDecl?.id ?? null));
    const only = ids.size === 1 ? [...ids][0] : null;
    if (only) dag = only;
    else if (candidates.length === 0 && here) {
      const holding = file.dags.filter((d) => within(at, d.span));
      const inner = holding.sort((x, y) => size(x.span) - size(y.span))[0];
      if (inner?.id) dag = inner.id;
    }
  }
  return { ...at, ...subjectOf({ dag: given.dag ?? dag, task }) };
}

/** A point span: DSL locations come from stack frames, which have no end. */
export function pointSpan(line = 1, column = 1): Span {
  return { line, column, endLine: line, endColumn: column };
}

/** Sorted by file, line, column, then rule, so output is stable. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
