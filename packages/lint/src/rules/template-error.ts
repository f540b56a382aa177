import {
  AIRFLOW_JINJA,
  AIRFLOW_TEMPLATE_CONTEXT,
  closestName,
  DATE_FILTERS,
  JINJA_COMPILE_FIX,
  jinjaCompileProblems,
  jinjaDelimiterProblem,
  jinjaParamReads,
  LOGICAL_DATE_CONTEXT,
  mayHoldJinja,
  RUN_DATE_EXPRESSION,
  templateCallProblems,
  templateNames,
  undefinedNameFix,
  undefinedTemplateNames,
} from "@mlgen/core";
import type { Located } from "../finding.js";
import { assetsOnly, dagName, scheduleOf } from "../python/dag-args.js";
import { importedNameUses, templateImports, templateSource } from "../python/jinja.js";
import type { DagFile, DagParam, DagTask } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/**
 * Task arguments every operator that takes them renders as a template: BashOperator's command
 * and env, the SQL operators' sql, PythonOperator's templates_dict and op_kwargs.
 */
export const TEMPLATED = new Set(["bash_command", "env", "sql", "templates_dict", "op_kwargs"]);

/**
 * What a template may read: the context of Airflow 3 or 2 (names only one of them has are the
 * airflow3-removed rule's).
 */
const NAMES = templateNames([3, 2]);
const SHOWN_NAMES = [...AIRFLOW_TEMPLATE_CONTEXT[3]];
/**
 * What a template imported without context may read: Jinja's globals in Airflow's environment
 * (the DAG's user_defined_macros join them), and the names Jinja gives a loop or macro body.
 */
const GLOBAL_NAMES: readonly string[] = [
  ...AIRFLOW_JINJA.globals,
  ...["loop", "caller", "varargs", "kwargs", "self", "super"],
];

/**
 * The names the DAG of `task` adds to Jinja's globals (user_defined_macros' keys), or null when
 * they cannot be read (not a dict literal of string keys, an environment of the DAG's own).
 */
function userMacros(file: DagFile, task: DagTask): ReadonlySet<string> | null {
  if (!/\buser_defined_macros\b|\bjinja_environment_kwargs\b/.test(file.source)) {
    return new Set();
  }
  const decl = task.dagDecl;
  if (!decl || decl.kwargsOpen || decl.kwargs.has("jinja_environment_kwargs")) return null;
  let dict = decl.kwargs.get("user_defined_macros");
  if (!dict) return null;
  if (dict.name === "VariableName") dict = file.constants.get(textOf(file.source, dict));
  if (dict?.name !== "DictionaryExpression") return null;
  const keys = new Set<string>();
  for (let c = dict.firstChild; c; c = c.nextSibling) {
    if (c.name === "**") return null;
    if (c.nextSibling?.name !== ":") continue;
    const key = stringValue(file.source, c);
    if (key === null) return null;
    keys.add(key);
  }
  return keys;
}

/**
 * `text` with its import statements blanked (offsets kept), and the names they bind: what core's
 * name check reads for a template that imports macros.
 */
function withoutImports(text: string): { text: string; bound: string[] } {
  const imports = templateImports(text);
  let out = text;
  for (const i of imports) {
    out = out.slice(0, i.from) + " ".repeat(i.to - i.from) + out.slice(i.to);
  }
  const bound = imports.flatMap((i) => (i.module ? [i.module] : i.names.map((n) => n[1])));
  // A statement it does not read (an import list it cannot split): nothing is judged.
  return /\{%[-+]?\s*(?:import|from)\b/.test(out) ? { text: "", bound } : { text: out, bound };
}

/**
 * The params a task of the DAG has when a run's conf gives nothing: the DAG's, when the file
 * shows them all. Null when it cannot tell: params the file changes or spreads, params in
 * default_args (the DAG's or a group's) or on the task itself.
 */
export function shownParams(file: DagFile, task: DagTask): readonly DagParam[] | null {
  const dag = task.dagDecl;
  if (!dag || dag.kwargsOpen || task.kwargsOpen || task.kwargs.has("params")) return null;
  if (dag.kwargs.has("params") && (!dag.params || dag.params.dict.open)) return null;
  const args = [dag.kwargs.has("default_args") ? dag.defaultArgs : undefined];
  for (const g of task.groups) args.push(file.groups.get(g)?.defaultArgs ?? undefined);
  if (args.some((a) => a === null || a?.open || a?.entries.has("params"))) return null;
  return dag.params?.entries ?? [];
}

/**
 * The params a task of a scheduled DAG has in a run its conf gives nothing (every scheduled
 * run): shownParams, for a DAG with a schedule (a run's conf may give any param to another).
 */
function scheduledParams(file: DagFile, task: DagTask): ReadonlySet<string> | null {
  const dag = task.dagDecl;
  if (!dag) return null;
  const schedule = scheduleOf(file.source, dag);
  if (schedule === null || schedule === "default" || schedule.on !== true) return null;
  const shown = shownParams(file, task);
  return shown && new Set(shown.map((p) => p.name));
}

/** What a template may read in a run with no logical date: NAMES but LOGICAL_DATE_CONTEXT. */
const UNDATED_NAMES: ReadonlySet<string> = new Set(
  [...NAMES].filter((n) => !LOGICAL_DATE_CONTEXT.has(n)),
);
const RUN_DATE = RUN_DATE_EXPRESSION;

/**
 * The fix of a template reading a logical-date variable in an asset-triggered run: the run's
 * logical date, else the time the assets triggered it (run_after), which every run has on
 * Airflow 3 (as the compiler writes it for an asset-scheduled pipeline).
 */
function runDateFix(name: string): string {
  const write = DATE_FILTERS.has(name) ? `{{ ${RUN_DATE} | ${name} }}` : `{{ ${RUN_DATE} }}`;
  const interval = /data_interval/.test(name)
    ? "an asset-triggered run has no data interval: read the run's time instead, "
    : "";
  return `${interval}write ${write}, which every run has (an asset-triggered run's run_after is when the assets triggered it), or {{ ${name} | default(...) }} for a value of your own`;
}

/**
 * The DAG of `task` when every run Airflow 3 starts for it is asset-triggered (assetsOnly), which
 * has no logical date: its context lacks ds, ts, logical_date and the data interval.
 */
function assetRunsOf(file: DagFile, task: DagTask | undefined): string | null {
  const dag = task?.dagDecl;
  return dag && assetsOnly(file, dag) ? dagName(dag) : null;
}

/** Every filter name, for a DAG that adds filters of its own. */
const ANY: ReadonlySet<string> = { has: () => true } as unknown as ReadonlySet<string>;

/**
 * Whether a string literal is the whole value Airflow renders: an argument, a dict value or a
 * module-level binding by itself. A piece of a concatenation (`"{% if x %}" + CMD + "{% endif
 * %}"`), of implicitly joined literals, or a `.format()` template (`"{{{{ ds }}}}"`, which
 * Python turns into `{{ ds }}`) is not judged on its own.
 */
export function wholeValue(node: PyNode): boolean {
  if (node.name !== "String") return false;
  // `bash_command=("...")`: the parentheses around one string change nothing.
  let value = node;
  if (
    node.parent?.name === "ParenthesizedExpression" &&
    before(node)?.name === "(" &&
    after(node)?.name === ")"
  ) {
    value = node.parent;
  }
  const parent = value.parent?.name;
  if (parent !== "ArgList" && parent !== "DictionaryExpression" && parent !== "AssignStatement") {
    return false;
  }
  const strings = (n: PyNode | null) => n?.name === "String" || n?.name === "FormatString";
  return !strings(before(value)) && !strings(after(value));
}

/** The siblings of a node, comments passed over. */
function before(node: PyNode): PyNode | null {
  let n = node.prevSibling;
  while (n?.name === "Comment") n = n.prevSibling;
  return n;
}
function after(node: PyNode): PyNode | null {
  let n = node.nextSibling;
  while (n?.name === "Comment") n = n.nextSibling;
  return n;
}

/** An import statement with `with context` in place of `without context` or nothing. */
function withContext(statement: string): string {
  const s = statement.replace(/\s+/g, " ");
  if (/\bwithout context\b/.test(s)) return s.replace(/\bwithout context\b/, "with context");
  return s.replace(/\s*([-+]?%\})$/, " with context $1");
}

export const templateError = defineRule({
  id: "template-error",
  code: "MLG2014",
  defaultSeverity: "error",
  description:
    "a templated task argument or template file that Jinja cannot compile, reads a name the task's context lacks or a param a scheduled DAG does not declare, or calls var.value.get/conn.get with arguments Airflow refuses",
  checkPython(file, report) {
    // A DAG can add macros and filters of its own, or change how undefined names render.
    const macros = /\buser_defined_macros\b|\bjinja_environment_kwargs\b/.test(file.source);
    const filters = /\buser_defined_filters\b|\bjinja_environment_kwargs\b/.test(file.source);
    const env = { filters: filters ? ANY : AIRFLOW_JINJA.filters, tests: AIRFLOW_JINJA.tests };
    const check = (
      text: string,
      task: string,
      where: string,
      at: (from: number, to: number) => Located,
      runs?: readonly string[] | null,
      params?: ReadonlySet<string> | null,
      assetRuns?: string | null,
    ) => {
      if (!mayHoldJinja(text)) return;
      const end = (from: number) => Math.min(text.length, from + 2);
      const delimiter = jinjaDelimiterProblem(text);
      const compile = delimiter ? [delimiter] : jinjaCompileProblems(text, env);
      const first = compile[0];
      if (first) {
        report(
          {
            what: "the template",
            where,
            task,
            reason: `Jinja cannot compile it: ${first.message}`,
            hint: JINJA_COMPILE_FIX,
          },
          at(first.at, end(first.at)),
        );
        return;
      }
      if (macros) return;
      // `{{ var.value.get('k', default_var='d') }}`: the accessor's TypeError, whatever it reads.
      for (const call of templateCallProblems(text)) {
        report(
          {
            what: "the template",
            where,
            task,
            reason: `${call.message} (a TypeError)`,
            hint: call.fix,
          },
          at(call.from, call.to),
        );
      }
      // Names its imports bind are defined; the rest is judged as in any template.
      const own = /\{%[-+]?\s*(?:import|from)\b/.test(text) ? withoutImports(text) : null;
      const known = own ? new Set([...NAMES, ...own.bound]) : NAMES;
      // A file imported with context: the names where it runs (its top level, the macros called).
      const seen = new Set<string>();
      const uses =
        runs === undefined
          ? undefinedTemplateNames(own ? own.text : text, known)
          : importedNameUses(text, runs).filter((u) => {
              if (known.has(u.name) || seen.has(u.name)) return false;
              seen.add(u.name);
              return true;
            });
      for (const use of uses) {
        const near = closestName(use.name, SHOWN_NAMES);
        report(
          {
            what: `template variable '${use.name}'`,
            where,
            task,
            reason: `the task's context has no '${use.name}' (Airflow renders an undefined name as an error)`,
            hint: undefinedNameFix(use.name, near),
          },
          at(use.from, use.to),
        );
      }
      // A DAG scheduled on assets alone: Airflow 3 starts each run without a logical date, and
      // leaves the names that depend on it out of the context (StrictUndefined: the task fails).
      if (assetRuns) {
        const undated = own ? new Set([...UNDATED_NAMES, ...own.bound]) : UNDATED_NAMES;
        const uses =
          runs === undefined
            ? undefinedTemplateNames(own ? own.text : text, undated)
            : importedNameUses(text, runs).filter((u) => !undated.has(u.name));
        const said = new Set<string>();
        for (const use of uses) {
          if (!LOGICAL_DATE_CONTEXT.has(use.name) || said.has(use.name)) continue;
          said.add(use.name);
          report(
            {
              what: `template variable '${use.name}'`,
              where,
              task,
              reason: `its context has no '${use.name}' in the runs of ${assetRuns}, which is scheduled on assets only: Airflow 3 starts an asset-triggered run without a logical date and leaves logical_date, ds, ts and the data interval out of its context (an undefined name renders as an error)`,
              hint: runDateFix(use.name),
            },
            at(use.from, use.to),
            { onlyAirflow3: true },
          );
        }
      }
      // A param the DAG does not declare: only a run's conf gives it, and a scheduled run has none.
      for (const read of params ? jinjaParamReads(text) : []) {
        if (read.guarded || params?.has(read.name)) continue;
        const near = closestName(read.name, [...(params ?? [])]);
        report(
          {
            what: `param '${read.name}'`,
            where,
            task,
            reason: `the DAG declares no param '${read.name}', which only a run's conf could give, and the runs its schedule starts have none (Airflow renders the undefined name as an error)`,
            hint: near
              ? `did you mean params.${near}? Otherwise add '${read.name}' to the DAG's params with a default`
              : `add '${read.name}' to the DAG's params with a default (params={"${read.name}": Param(...)}), or read it with a default: {{ params.${read.name} | default('...') }}`,
          },
          at(read.from, read.to),
        );
      }
    };
    for (const s of file.strings) {
      if (!TEMPLATED.has(s.where) || !wholeValue(s.node)) continue;
      const raw = textOf(file.source, s.node);
      const owners = file.tasks.filter((t) => t.id === s.task);
      const params = owners.length === 1 ? scheduledParams(file, owners[0] as DagTask) : null;
      check(
        templateSource(raw),
        s.task,
        s.where,
        (from, to) => file.lines.span(s.node.from + from, s.node.from + to),
        undefined,
        params,
        owners.length === 1 ? assetRunsOf(file, owners[0]) : null,
      );
    }
    for (const m of file.missingTemplates) {
      const task = file.tasks[m.task];
      const value = task?.kwargs.get(m.arg);
      if (!task || !value) continue;
      if (m.statement) {
        const include = /^\{%[-+]?\s*include\b/.test(m.statement.text);
        report(
          {
            what: m.statement.text,
            where: `${m.arg} (${m.statement.by})`,
            task: task.id,
            reason: `Jinja finds no '${m.name}' beside the DAG file or in its template_searchpath (TemplateNotFound)`,
            hint: include
              ? `put '${m.name}' beside the DAG file or in a template_searchpath folder, or write {% include '${m.name}' ignore missing %} if it may be absent`
              : `put '${m.name}' beside the DAG file or in a template_searchpath folder`,
          },
          m.statement.span,
        );
        continue;
      }
      const script = m.arg === "bash_command" && /\.(sh|bash)$/.test(m.name);
      report(
        {
          what: `the template file '${m.name}'`,
          where: m.arg,
          task: task.id,
          reason:
            "Jinja finds no such file beside the DAG file or in its template_searchpath (TemplateNotFound)",
          hint: script
            ? `put the script beside the DAG file (or its folder in template_searchpath); to run a script that is on the workers instead, end the command with a space, bash_command="${m.name} ", so Airflow does not read it as a template`
            : "put the file beside the DAG file, or add its folder to the DAG's template_searchpath",
        },
        file.lines.span(value.from, value.to),
      );
    }
    for (const t of file.templates) {
      const task = file.tasks[t.task];
      if (!task) continue;
      const at = (from: number, to: number) => ({ ...t.lines.span(from, to), file: t.file });
      if (!t.imported || t.imported.context) {
        check(
          t.text,
          task.id,
          t.arg,
          at,
          t.imported?.runs,
          scheduledParams(file, task),
          assetRunsOf(file, task),
        );
        continue;
      }
      // Imported without context: Jinja renders it with its globals only, never the task's
      // context, so a name read where it runs (its top level, the macros called) is undefined.
      const compiles = mayHoldJinja(t.text) && jinjaDelimiterProblem(t.text) === null;
      if (!compiles || jinjaCompileProblems(t.text, env).length > 0) {
        check(t.text, task.id, t.arg, at);
        continue;
      }
      const extra = userMacros(file, task);
      if (extra === null) continue;
      const known = new Set([...GLOBAL_NAMES, ...extra]);
      const seen = new Set<string>();
      const { by, statement } = t.imported;
      for (const use of importedNameUses(t.text, t.imported.runs)) {
        if (known.has(use.name) || seen.has(use.name)) continue;
        seen.add(use.name);
        const context = NAMES.has(use.name);
        report(
          {
            what: `template variable '${use.name}'`,
            where: t.arg,
            task: task.id,
            reason: `${by} imports ${t.name} without context (${statement.replace(/\s+/g, " ")}), and an imported template sees only Jinja's globals and the DAG's user_defined_macros, not the task's context: Jinja raises UndefinedError ('${use.name}' is undefined)`,
            hint: context
              ? `add 'with context' to the import (${withContext(statement)}), or pass ${use.name} to the macro as an argument`
              : `pass the value to the macro as an argument, or add 'with context' to the import (${withContext(statement)}) and read a context variable`,
          },
          at(use.from, use.to),
        );
      }
    }
  },
});
