// Template files named by task arguments (`sql="sql/merge.sql"`, `bash_command="run.sh"`):
// Airflow loads each from the DAG's template search path and renders it as the argument's
// value, so what the rules check in an inline template they check there too, at the file's own
// lines. Reading files is the caller's (`mlgen lint` reads them from disk): this module only
// says which to look for and where, and folds what they hold into the analysis.
import { templatePulls, templatePushes } from "./jinja.js";
import type { DagFile, DagTask, Pull, TemplateText } from "./model.js";
import type { PyNode } from "./node.js";
import { LineIndex, stringValue } from "./text.js";

/** Finds a template file the way Airflow's Jinja loader does. */
export interface TemplateFiles {
  /**
   * The file `name` in the DAG file's own folder, else in the first of `searchpath` (the DAG's
   * `template_searchpath`) that has it; null when none does. `file` is the name findings give
   * it (beside the DAG file's name, or the search path entry's path).
   */
  find(name: string, searchpath: readonly string[]): { file: string; text: string } | null;
}

/** Statements that make a template read other files, whose content this file does not show. */
const READS_OTHERS = /\{%-?\s*(?:include|import|from|extends)\b/;

/**
 * The DAG's `template_searchpath` as literal paths ([] when it has none), or null when it is
 * set to something the analysis cannot read (a name, a call).
 */
function searchpathOf(source: string, node: PyNode | undefined): string[] | null {
  if (!node) return [];
  const one = stringValue(source, node);
  if (one !== null) return [one];
  if (node.name !== "ArrayExpression" && node.name !== "TupleExpression") return null;
  const out: string[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === "[" || c.name === "]" || c.name === "(" || c.name === ")" || c.name === ",") {
      continue;
    }
    const v = stringValue(source, c);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/**
 * The analysis with the template files of its tasks read: their pulls join the tasks' pulls (at
 * the files' own lines), their texts are in `templates` for the rules that read templates, and
 * `readsTemplateFiles` stays set only when some file was not read.
 */
export function withTemplateFiles(dag: DagFile, files: TemplateFiles): DagFile {
  if (dag.templateRefs.length === 0) return dag;
  const templates: TemplateText[] = [];
  const extraPulls = new Map<number, Pull[]>();
  let unread = false;
  for (const ref of dag.templateRefs) {
    const task = dag.tasks[ref.task] as DagTask;
    // A name with a `..` segment is one Jinja's loader refuses (TemplateNotFound).
    const segments = ref.name.split("/");
    if (!ref.readable || segments.includes("..")) {
      unread = true;
      continue;
    }
    const searchpath = searchpathOf(dag.source, task.dagDecl?.kwargs.get("template_searchpath"));
    const found = files.find(segments.filter((s) => s !== "." && s !== "").join("/"), [
      ...(searchpath ?? []),
    ]);
    if (!found) {
      unread = true;
      continue;
    }
    // Pulls in files it includes, and keys it pushes, are not all seen: hold back what needs all.
    if (READS_OTHERS.test(found.text) || templatePushes(found.text).length > 0) unread = true;
    const lines = new LineIndex(found.text);
    templates.push({
      file: found.file,
      name: ref.name,
      text: found.text,
      lines,
      task: ref.task,
      arg: ref.arg,
    });
    const pulls = extraPulls.get(ref.task) ?? [];
    for (const p of templatePulls(found.text)) {
      pulls.push({
        taskIds: p.taskIds,
        key: p.key,
        otherDag: p.otherDag,
        otherRuns: p.otherRuns,
        span: { ...lines.span(p.from, p.to), file: found.file },
        inTemplate: true,
        ownTask: p.ownTask,
      });
    }
    extraPulls.set(ref.task, pulls);
  }
  const tasks =
    extraPulls.size === 0
      ? dag.tasks
      : dag.tasks.map((t, i) => {
          const more = extraPulls.get(i);
          return more && more.length > 0 ? { ...t, pulls: [...t.pulls, ...more] } : t;
        });
  return { ...dag, tasks, templates, readsTemplateFiles: unread };
}
