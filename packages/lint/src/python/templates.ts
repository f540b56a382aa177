// Template files named by task arguments (`sql="sql/merge.sql"`, `bash_command="run.sh"`):
// Airflow loads each from the DAG's template search path and renders it as the argument's
// value, so what the rules check in an inline template they check there too, at the file's own
// lines. Reading files is the caller's (`mlgen lint` reads them from disk): this module only
// says which to look for and where, and folds what they hold into the analysis.
import { importedMacroCalls, templateImports, templatePulls, templatePushes } from "./jinja.js";
import type { DagFile, DagTask, Pull, TemplateText } from "./model.js";
import type { PyNode } from "./node.js";
import { LineIndex, stringValue, textOf } from "./text.js";

/** Finds a template file the way Airflow's Jinja loader does. */
export interface TemplateFiles {
  /**
   * The file `name` in the DAG file's own folder, else in the first of `searchpath` (the DAG's
   * `template_searchpath`) that has it; null when none does. `file` is the name findings give
   * it (beside the DAG file's name, or the search path entry's path).
   */
  find(name: string, searchpath: readonly SearchpathEntry[]): { file: string; text: string } | null;
}

/**
 * Statements that make a template read other files through macros or inheritance, whose pulls
 * the analysis may not all see (`{% include %}` of a literal name it follows: INCLUDE; the
 * files `{% import %}` and `{% from %}` name it reads for their names: templateImports).
 */
const READS_OTHERS = /\{%[-+]?\s*(?:import|from|extends)\b/;
/**
 * `{% include 'name' %}` (or "name"), optionally `ignore missing` and `with`/`without context`;
 * group 3 is anything else included (a variable, a list of names): not followed.
 */
const INCLUDE =
  /\{%[-+]?\s*include\s+(?:"([^"\\{}]*)"|'([^'\\{}]*)'|([^%]*?))\s*(ignore\s+missing\s*)?(?:(?:with|without)\s+context\s*)?[-+]?%\}/g;
/** Includes inside includes followed at most this deep (Jinja has no limit; a loop fails). */
const INCLUDE_DEPTH = 8;

/** A search path entry: an absolute folder, or a folder beside the DAG file (`__file__`'s). */
export type SearchpathEntry = string | { readonly besideDag: string };

/** The DAG file's folder as Python code writes it, whitespace removed. */
const DAG_DIR =
  /^(?:os\.path\.dirname\((?:os\.path\.(?:abspath|realpath)\()?__file__\)?\)|(?:pathlib\.)?Path\(__file__\)(?:\.(?:resolve|absolute)\(\))?\.parent)/;
const PART = /^"([^"\\{}]*)"|^'([^'\\{}]*)'/;

/**
 * A folder beside the DAG file written from `__file__`: `os.path.dirname(__file__)`,
 * `os.path.join(os.path.dirname(os.path.abspath(__file__)), "sql")`, `... + "/sql"`,
 * `f"{os.path.dirname(__file__)}/sql"`, `Path(__file__).parent / "sql"` (in `str(...)`), and
 * `os.path.join(os.path.dirname(__file__), "..", "include", "sql")` above it; the folder's path
 * from the DAG's (`..` segments first), or null for anything else. A part that starts with `/`
 * in os.path.join or after pathlib's `/` starts over at that absolute path, as in Python: null.
 */
function besideDag(code: string): string | null {
  let c = code.replace(/\s+/g, "");
  for (
    let m = /^(?:str|os\.fspath|os\.path\.(?:abspath|realpath|normpath))\((.*)\)$/.exec(c);
    m;
  ) {
    c = m[1] as string;
    m = /^(?:str|os\.fspath|os\.path\.(?:abspath|realpath|normpath))\((.*)\)$/.exec(c);
  }
  const fstring = /^f(["'])\{(.*)\}(\/[^"'{}\\]*)\1$/.exec(c);
  if (fstring) c = `${fstring[2]}+"${fstring[3]}"`;
  const join = /^os\.path\.join\((.*)\)$/.exec(c);
  const parts: string[] = [];
  let rest: string;
  if (join) {
    const dir = DAG_DIR.exec(join[1] as string);
    if (!dir) return null;
    rest = (join[1] as string).slice(dir[0].length);
    while (rest.startsWith(",")) {
      const p = PART.exec(rest.slice(1));
      if (!p || ((p[1] ?? p[2]) as string).startsWith("/")) return null;
      parts.push((p[1] ?? p[2]) as string);
      rest = rest.slice(1 + p[0].length);
    }
  } else {
    const dir = DAG_DIR.exec(c);
    if (!dir) return null;
    rest = c.slice(dir[0].length);
    const pathlib = dir[0].endsWith(".parent");
    while (rest.startsWith(pathlib ? "/" : "+")) {
      const p = PART.exec(rest.slice(1));
      if (!p || (pathlib && ((p[1] ?? p[2]) as string).startsWith("/"))) return null;
      parts.push((p[1] ?? p[2]) as string);
      rest = rest.slice(1 + p[0].length);
    }
  }
  if (rest !== "") return null;
  const path: string[] = [];
  for (const segment of parts.join("/").split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === ".." && path.length > 0 && path[path.length - 1] !== "..") path.pop();
    else path.push(segment);
  }
  return path.join("/");
}

/** One search path value: a literal path, a module constant holding one, or a DAG-relative one. */
function entryOf(dag: DagFile, node: PyNode, depth = 0): SearchpathEntry | null {
  const literal = stringValue(dag.source, node);
  if (literal !== null) return literal;
  if (node.name === "VariableName" && depth < 4) {
    const bound = dag.constants.get(textOf(dag.source, node));
    return bound ? entryOf(dag, bound, depth + 1) : null;
  }
  const beside = besideDag(textOf(dag.source, node));
  return beside === null ? null : { besideDag: beside };
}

/**
 * The DAG's `template_searchpath` ([] when it has none), or null when it is set to something
 * the analysis cannot read (a call of the file's own, a value from a config).
 */
function searchpathOf(dag: DagFile, node: PyNode | undefined): SearchpathEntry[] | null {
  if (!node) return [];
  let list: PyNode = node;
  if (node.name === "VariableName") {
    const bound = dag.constants.get(textOf(dag.source, node));
    if (bound && (bound.name === "ArrayExpression" || bound.name === "TupleExpression")) {
      list = bound;
    }
  }
  if (list.name !== "ArrayExpression" && list.name !== "TupleExpression") {
    const one = entryOf(dag, list);
    return one === null ? null : [one];
  }
  const out: SearchpathEntry[] = [];
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.name === "[" || c.name === "]" || c.name === "(" || c.name === ")" || c.name === ",") {
      continue;
    }
    const v = entryOf(dag, c);
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
  const missing: DagFile["missingTemplates"][number][] = [];
  let unread = false;
  for (const ref of dag.templateRefs) {
    const task = dag.tasks[ref.task] as DagTask;
    // A name with a `..` segment is one Jinja's loader refuses (TemplateNotFound).
    const segments = ref.name.split("/");
    if (!ref.readable || segments.includes("..")) {
      unread = true;
      continue;
    }
    const searchpath = searchpathOf(dag, task.dagDecl?.kwargs.get("template_searchpath"));
    const found = files.find(segments.filter((s) => s !== "." && s !== "").join("/"), [
      ...(searchpath ?? []),
    ]);
    // Where Jinja's loader looks is all here (beside the DAG file, and search path folders
    // written from __file__; a path of the Airflow host, /opt/airflow/include, may not be on
    // this machine): a file found nowhere fails the task every run with TemplateNotFound.
    const dagDecl = task.dagDecl;
    const lookedEverywhere =
      searchpath?.every((entry) => typeof entry !== "string") === true &&
      dagDecl !== null &&
      !dagDecl.kwargsOpen &&
      !dag.source.includes("jinja_environment_kwargs");
    if (!found) {
      unread = true;
      if (lookedEverywhere) missing.push({ task: ref.task, arg: ref.arg, name: ref.name });
      continue;
    }
    /** An include or import of a file found nowhere: the render fails (TemplateNotFound). */
    const notFound = (
      file: { file: string; text: string },
      lines: LineIndex,
      name: string,
      from: number,
      to: number,
    ) => {
      unread = true;
      if (!lookedEverywhere) return;
      missing.push({
        task: ref.task,
        arg: ref.arg,
        name,
        statement: {
          text: file.text.slice(from, to),
          by: file.file,
          span: { ...lines.span(from, to), file: file.file },
        },
      });
    };
    const pulls = extraPulls.get(ref.task) ?? [];
    extraPulls.set(ref.task, pulls);
    // The file, and the files it includes or imports, which Jinja finds through the same
    // loader. `imported`: how a file imports this one; `context`: whether the task's context
    // reaches this file (an import without context gives it only Jinja's globals).
    const read = (
      file: { file: string; text: string },
      name: string,
      chain: string[],
      imported?: TemplateText["imported"],
    ) => {
      const context = imported?.context ?? true;
      // Pulls through macros or inheritance, and keys it pushes, are not all seen: hold back
      // what needs all.
      if (READS_OTHERS.test(file.text) || templatePushes(file.text).length > 0) unread = true;
      const lines = new LineIndex(file.text);
      templates.push({
        file: file.file,
        name,
        text: file.text,
        lines,
        task: ref.task,
        arg: ref.arg,
        ...(chain.length > 0 && !imported ? { included: true as const } : {}),
        ...(imported ? { imported } : {}),
      });
      // A pull where the context does not reach fails on `ti` (template-error's): no pull.
      for (const p of context ? templatePulls(file.text) : []) {
        pulls.push({
          taskIds: p.taskIds,
          key: p.key,
          otherDag: p.otherDag,
          otherRuns: p.otherRuns,
          span: { ...lines.span(p.from, p.to), file: file.file },
          inTemplate: true,
          ownTask: p.ownTask,
        });
      }
      const imports = file.text.includes("import") ? templateImports(file.text) : [];
      for (const i of imports) {
        const parts = i.name?.split("/");
        if (i.name === null || !parts || parts.includes("..")) continue;
        // A file imported twice the same way is read once, for the calls through either.
        const same = imports.filter((o) => o.name === i.name && o.context === i.context);
        if (same[0] !== i) continue;
        const inner = parts.filter((s) => s !== "." && s !== "").join("/");
        const target = files.find(inner, [...(searchpath ?? [])]);
        if (!target) {
          notFound(file, lines, i.name, i.from, i.to);
          continue;
        }
        // A file importing itself, or too deep.
        if (
          target.file === file.file ||
          chain.includes(target.file) ||
          chain.length >= INCLUDE_DEPTH
        ) {
          continue;
        }
        read(target, i.name, [...chain, file.file], {
          by: file.file,
          statement: file.text.slice(i.from, i.to),
          context: context && i.context,
          runs: importedMacroCalls(file.text, same),
        });
      }
      if (!file.text.includes("include")) return;
      // What a file the context does not reach includes: not followed.
      if (!context) {
        if (/\{%[-+]?\s*include\b/.test(file.text)) unread = true;
        return;
      }
      for (const m of file.text.matchAll(INCLUDE)) {
        const literal = m[1] ?? m[2];
        const parts = literal?.split("/");
        if (literal === undefined || !parts || parts.includes("..")) {
          unread = true;
          continue;
        }
        const inner = parts.filter((s) => s !== "." && s !== "").join("/");
        const included = files.find(inner, [...(searchpath ?? [])]);
        // Not found: with `ignore missing` Jinja includes nothing; without, the render fails.
        if (!included) {
          if (m[4] === undefined) {
            const from = m.index ?? 0;
            notFound(file, lines, literal, from, from + m[0].length);
          }
          continue;
        }
        // A file including itself, or too deep: Jinja recurses until it fails.
        if (
          included.file === file.file ||
          chain.includes(included.file) ||
          chain.length >= INCLUDE_DEPTH
        ) {
          unread = true;
          continue;
        }
        read(included, literal, [...chain, file.file]);
      }
    };
    read(found, ref.name, []);
  }
  const tasks =
    extraPulls.size === 0
      ? dag.tasks
      : dag.tasks.map((t, i) => {
          const more = extraPulls.get(i);
          return more && more.length > 0 ? { ...t, pulls: [...t.pulls, ...more] } : t;
        });
  return { ...dag, tasks, templates, readsTemplateFiles: unread, missingTemplates: missing };
}
