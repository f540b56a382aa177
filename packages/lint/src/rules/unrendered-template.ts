import { AIRFLOW_CONTEXT_KEYS, jinjaNameUses, mayHoldJinja } from "@mlgen/core";
import { PYTHON_OPERATORS, RETURNING_DECORATORS } from "../python/analyze.js";
import { dagName, dictEntries, shown } from "../python/dag-args.js";
import type { DagTask, TaskString } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { parameterDefaults } from "../python/signature.js";
import { callParts, childNamed, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/** Context values a template reads by name alone: `{{ ds }}`, `{{ logical_date }}`. */
const VALUES = new Set(
  "ds ds_nodash ts ts_nodash ts_nodash_with_tz logical_date execution_date data_interval_start data_interval_end run_id prev_ds prev_ds_nodash next_ds next_ds_nodash yesterday_ds yesterday_ds_nodash tomorrow_ds tomorrow_ds_nodash prev_execution_date next_execution_date prev_execution_date_success prev_data_interval_start_success prev_data_interval_end_success prev_start_date_success prev_end_date_success task_instance_key_str partition_date partition_key".split(
    " ",
  ),
);
/**
 * Context objects a template reads a member of: `{{ params.day }}`, `{{ var.value.bucket }}`,
 * `{{ ti.xcom_pull(...) }}`. Bare, these names mean other things in other template languages
 * (dbt's `{{ var("x") }}`), so only a member read counts.
 */
const OBJECTS = new Set(
  "params var conn ti task_instance macros dag_run dag task triggering_asset_events triggering_dataset_events inlet_events outlet_events".split(
    " ",
  ),
);

/** Operators and decorators that run a Python function of the file as the task, unrendered. */
const RUNS_FUNCTION: ReadonlySet<string> = new Set([
  ...PYTHON_OPERATORS,
  ...RETURNING_DECORATORS,
  "PythonSensor",
  "@task.sensor",
]);

/**
 * Arguments every operator takes from BaseOperator and none renders (no operator of Airflow or
 * its providers lists them in template_fields): who owns the task, where alerts go, which pool,
 * queue, user and executor run it.
 */
export const UNRENDERED_ARGS: readonly string[] = [
  "owner",
  "email",
  "pool",
  "queue",
  "run_as_user",
  "executor",
];

/** A file that renders templates itself (`task.render_template(s, context)`, jinja2). */
const RENDERS =
  /\brender_template\w*\s*\(|\.render\s*\(|\bfrom_string\s*\(|\bjinja2\b|\bTemplate\s*\(/;
/** Where `{{` and `{%` are in a text, in order. */
function templateOpeners(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf("{"); i >= 0 && i < text.length - 1; i = text.indexOf("{", i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 123 /* { */ || next === 37 /* % */) out.push(i);
  }
  return out;
}

/** A string that is Python code (a DAG file written by a task), whose templates are its own. */
const CODE = /\b(?:DAG|\w+Operator|\w+Sensor)\s*\(|\bbash_command\s*=/;

/**
 * The first Jinja block of a string that reads Airflow's task context, as written (`{{ ds }}`,
 * `{{ params.day }}`), or null. An f-string is read as the text Python makes of it: `{{{{ ds
 * }}}}` is `{{ ds }}`, and `{{ ds }}` is `{ ds }`, no template at all.
 */
export function airflowTemplate(source: string, node: PyNode): string | null {
  let text = textOf(source, node);
  if (!mayHoldJinja(text)) return null;
  if (node.name === "FormatString") text = text.replace(/\{\{/g, "{").replace(/\}\}/g, "}");
  for (const use of jinjaNameUses(text)) {
    const member = /^\s*[.[]/.test(text.slice(use.to));
    if (!VALUES.has(use.name) && !(OBJECTS.has(use.name) && member)) continue;
    const open = Math.max(text.lastIndexOf("{{", use.from), text.lastIndexOf("{%", use.from));
    const closing = text[open + 1] === "{" ? "}}" : "%}";
    const close = text.indexOf(closing, use.to);
    if (open < 0 || close < 0) continue;
    const block = text.slice(open, close + 2).replace(/\s+/g, " ");
    return block.length > 60 ? `${block.slice(0, 56)} ...${closing}` : block;
  }
  return null;
}

/** The string literals inside a node (f-strings and their parts once). */
function stringsOf(node: PyNode): PyNode[] {
  const out: PyNode[] = [];
  const visit = (n: PyNode) => {
    if (n.name === "String" || n.name === "FormatString") {
      out.push(n);
      return;
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(node);
  return out;
}

/** Whether a string of a function is part of what a `return` of it returns. */
function returned(node: PyNode, def: PyNode): boolean {
  for (let n = node.parent; n && n !== def; n = n.parent) {
    if (n.name === "ReturnStatement") return true;
    if (n.name === "FunctionDefinition" || n.name === "LambdaExpression") return false;
  }
  return false;
}

/** The keywords a PythonOperator's op_kwargs pass, or null when the file does not spell them out. */
function opKwargs(source: string, task: DagTask): ReadonlySet<string> | null {
  const node = task.kwargs.get("op_kwargs");
  if (!node) return new Set();
  if (node.name !== "DictionaryExpression" || childNamed(node, "**")) return null;
  return new Set(dictEntries(source, node).map(([key]) => key));
}

/** How to read a context value in the function itself, for the hint. */
function contextRead(template: string): string {
  const name = /[A-Za-z_]\w*/.exec(template.replace(/^\{[{%]-?\s*/, ""))?.[0] ?? "ds";
  if (name === "var") return "Variable.get(...) in the function";
  if (name === "conn") return "BaseHook.get_connection(...) in the function";
  if (name === "ti" || name === "task_instance")
    return "a parameter named ti, and ti.xcom_pull(...) in the function";
  return `a parameter named ${name}, or get_current_context()["${name}"]`;
}

/**
 * A Jinja template where Airflow never renders it, so the task reads the template's text
 * instead of its value: in the code of the Python function a task runs (a string, or the
 * default of a parameter the call does not pass), in `params` (Airflow renders no param's
 * value), or in the arguments `functools.partial` binds to a python_callable.
 */
export const unrenderedTemplate = defineRule({
  id: "unrendered-template",
  code: "MLG2025",
  defaultSeverity: "error",
  description:
    "A Jinja template ({{ ds }}, {{ params.x }}) where Airflow never renders it: in a task function's code or parameter defaults, in params, in functools.partial arguments. The task gets the text itself.",
  checkPython(file, report) {
    const src = file.source;
    // Where a template may open: every finding is a string that holds one.
    const opens = templateOpeners(src);
    if (opens.length === 0) return;
    const holds = (n: PyNode) => {
      let lo = 0;
      let hi = opens.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((opens[mid] as number) < n.from) lo = mid + 1;
        else hi = mid;
      }
      return lo < opens.length && (opens[lo] as number) < n.to;
    };
    const at = (n: PyNode) => file.lines.span(n.from, n.to);
    let rendersItself: boolean | null = null;
    const seen = new Set<PyNode>();
    /** The strings of task functions that may hold a template, by task: read once, when asked. */
    let byTask: Map<string, TaskString[]> | null = null;
    const functionStrings = () => {
      if (byTask) return byTask;
      byTask = new Map();
      for (const entry of file.strings) {
        if (!entry.where.startsWith("function ") || !holds(entry.node)) continue;
        const list = byTask.get(entry.task) ?? [];
        list.push(entry);
        byTask.set(entry.task, list);
      }
      return byTask;
    };
    const taskName = (task: DagTask) => `task '${shown(task.id)}'`;
    // An operator class of the file may render more of its arguments.
    const ownFields = src.includes("template_fields");
    /** BaseOperator arguments given a template, in a task's call or in default_args. */
    const plainArgs = (args: ReadonlyMap<string, PyNode>, where: () => string, kind: string) => {
      if (ownFields) return;
      for (const arg of UNRENDERED_ARGS) {
        const value = args.get(arg);
        if (!value || !holds(value)) continue;
        for (const s of stringsOf(value)) {
          const jinja = airflowTemplate(src, s);
          if (!jinja) continue;
          report(
            {
              where: `${kind} '${arg}' of ${where()}`,
              jinja,
              reason: `no operator renders '${arg}': Airflow renders only the arguments an operator lists in template_fields`,
              hint: `write the value itself (${arg}=${arg === "email" ? '["ml-oncall@example.com"]' : '"..."'}), or read it when the file is parsed from the environment (os.environ["..."]); a Variable read at parse time costs a database call on every parse`,
            },
            at(s),
          );
        }
      }
    };
    for (const group of file.groups.values()) {
      if (group.defaultArgs)
        plainArgs(
          group.defaultArgs.entries,
          () => `task group '${shown(group.id)}'`,
          "default_args",
        );
    }
    for (const dag of file.dags) {
      if (dag.defaultArgs) plainArgs(dag.defaultArgs.entries, () => dagName(dag), "default_args");
    }
    for (const task of file.tasks) {
      plainArgs(task.kwargs, () => taskName(task), "argument");
      // params of the task (or of its @task decorator).
      const params = task.kwargs.get("params");
      if (params?.name === "DictionaryExpression" && holds(params)) {
        for (const [name, value] of dictEntries(src, params)) {
          for (const s of stringsOf(value)) {
            const jinja = airflowTemplate(src, s);
            if (jinja)
              report(paramsFinding(`params '${shown(name)}' of ${taskName(task)}`, jinja), at(s));
          }
        }
      }
      if (!RUNS_FUNCTION.has(task.operator)) continue;
      // python_callable=functools.partial(fn, ..., "{{ ds }}")
      const callable = task.kwargs.get("python_callable");
      if (callable?.name === "CallExpression" && holds(callable)) {
        const parts = callParts(src, callable);
        const args = childNamed(callable, "ArgList");
        if (parts && /(?:^|\.)partial$/.test(parts.callee) && args) {
          const fn = /^\(\s*([\w.]+)/.exec(parts.args)?.[1] ?? "the function";
          for (const s of stringsOf(args)) {
            const jinja = airflowTemplate(src, s);
            if (!jinja) continue;
            // `day="{{ ds }}"`: the keyword it is given as, for the hint.
            const keyword =
              s.prevSibling?.name === "AssignOp" &&
              s.prevSibling.prevSibling?.name === "VariableName"
                ? textOf(src, s.prevSibling.prevSibling)
                : "name";
            report(
              {
                where: `an argument ${parts.callee}() binds to ${fn} (python_callable of ${taskName(task)})`,
                jinja,
                reason:
                  "partial binds it when the file is parsed; Airflow renders op_args and op_kwargs, not what a callable holds",
                hint: `pass the function itself, python_callable=${fn}, and the argument as op_kwargs={"${keyword}": "${jinja}"} (or in op_args=[...]), which Airflow renders`,
              },
              at(s),
            );
          }
        }
      }
      const fn = task.callable;
      if (!fn || seen.has(fn.node)) continue;
      seen.add(fn.node);
      const list = childNamed(fn.node, "ParamList");
      const decorated = task.operator.startsWith("@");
      // Defaults of parameters the task's call does not pass.
      const passed =
        list && holds(list)
          ? decorated
            ? task.callArgs
            : opKwargsArgs(task, opKwargs(src, task))
          : null;
      if (passed && list) {
        for (const { name, value, position } of parameterDefaults(src, fn.node)) {
          if (position < passed.positional || passed.keywords.has(name)) continue;
          // A context key's default other than None: Airflow refuses it (invalid-argument).
          if (AIRFLOW_CONTEXT_KEYS.has(name)) continue;
          for (const s of stringsOf(value)) {
            const jinja = airflowTemplate(src, s);
            if (!jinja) continue;
            const call = decorated
              ? `${fn.name}(${name}="${jinja}")`
              : `op_kwargs={"${name}": "${jinja}"}`;
            report(
              {
                where: `the default of parameter '${name}' of ${fn.name}() (${taskName(task)})`,
                jinja,
                reason: `Airflow renders the arguments a task passes its function, not the function's defaults`,
                hint: `pass it as the task's argument, ${call}, which Airflow renders; or read the value in the function: ${contextRead(jinja)}`,
              },
              at(s),
            );
          }
        }
      }
      const candidates = functionStrings().get(task.id);
      if (!candidates) continue;
      rendersItself ??= RENDERS.test(src);
      if (rendersItself) continue;
      // Strings of the function's code, and module-level strings it reads.
      for (const entry of candidates) {
        const s = entry.node;
        if (entry.where !== `function ${fn.name}`) continue;
        if (list && s.from >= list.from && s.to <= list.to) continue;
        const jinja = airflowTemplate(src, s);
        if (!jinja || CODE.test(textOf(src, s))) continue;
        const inside = s.from >= fn.node.from && s.to <= fn.node.to;
        const where = `${inside ? "the code of" : "a module-level string read by"} function ${fn.name}() (${taskName(task)})`;
        report(
          returned(s, fn.node)
            ? {
                where,
                jinja,
                reason:
                  "the function returns it, and what a task returns reaches other tasks as an XCom value, which Airflow does not render (nor in .expand() or an operator's argument)",
                hint: `return only the values, and write the template in the argument that uses them, where Airflow renders it (BashOperator.partial(bash_command="... ${jinja} ...").expand(env=...)); or read the value in the function: ${contextRead(jinja)}`,
              }
            : {
                where,
                jinja,
                reason:
                  "Airflow renders an operator's templated arguments, never the code of the function a task runs",
                hint: `pass it in as an argument, which Airflow renders (${
                  decorated ? `${fn.name}(value="${jinja}")` : `op_kwargs={"value": "${jinja}"}`
                }), or read the value in the function: ${contextRead(jinja)}`,
              },
          at(s),
        );
      }
    }
    // A DAG's params, and params in its default_args.
    for (const dag of file.dags) {
      const name = dagName(dag);
      const fromDefaults = dag.defaultArgs?.entries.get("params");
      const dicts = [
        ...(dag.params ? [dag.params.dict.node] : []),
        ...(fromDefaults?.name === "DictionaryExpression" ? [fromDefaults] : []),
      ];
      for (const dict of dicts) {
        for (const [key, value] of dictEntries(src, dict)) {
          for (const s of stringsOf(value)) {
            const jinja = airflowTemplate(src, s);
            if (jinja) report(paramsFinding(`params '${shown(key)}' of ${name}`, jinja), at(s));
          }
        }
      }
    }
  },
});

/** What a PythonOperator passes its function: op_args (in callArgs) and op_kwargs' keys. */
function opKwargsArgs(
  task: DagTask,
  keywords: ReadonlySet<string> | null,
): { positional: number; keywords: ReadonlySet<string> } | null {
  if (!task.callArgs || !keywords || task.kwargsOpen) return null;
  return { positional: task.callArgs.positional, keywords };
}

function paramsFinding(where: string, jinja: string) {
  return {
    where,
    jinja,
    reason: "Airflow renders no param's value: a template that reads it gets this text as it is",
    hint: `params hold fixed values: write ${jinja} itself where it is used (in a templated argument such as bash_command or op_kwargs), or compute the value in the task`,
  };
}
