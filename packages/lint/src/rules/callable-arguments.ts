import {
  AIRFLOW_CONTEXT_KEYS,
  closestName,
  LOGICAL_DATE_CONTEXT,
  RUN_DATE_EXPRESSION as RUN_DATE,
} from "@mlgen/core/light";
import { assetsOnly, dagName, dictEntries, items, shown } from "../python/dag-args.js";
import type { PyNode } from "../python/node.js";
import { bindProblem, parameters } from "../python/signature.js";
import { childNamed, stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/**
 * Operators that call `python_callable(*op_args, **kwargs)` in the worker's own Python, where
 * `kwargs` are the task's context and `op_kwargs` together, kept to the function's parameters
 * when it has no `**kwargs` (Airflow's KeywordParameters.determine).
 */
const CALLING_OPERATORS: ReadonlySet<string> = new Set([
  "PythonOperator",
  "BranchPythonOperator",
  "ShortCircuitOperator",
]);

/** How a function computes a logical-date context variable from the run (Airflow's formats). */
const RUN_DATE_CODE: Readonly<Record<string, string>> = {
  ds: `${RUN_DATE}.strftime("%Y-%m-%d")`,
  ds_nodash: `${RUN_DATE}.strftime("%Y%m%d")`,
  ts: `${RUN_DATE}.isoformat()`,
  ts_nodash: `${RUN_DATE}.strftime("%Y%m%dT%H%M%S")`,
};

/** The count of a written-out list's or tuple's items (none starred), or null. */
function listItems(node: PyNode | undefined): number | null {
  if (node?.name !== "ArrayExpression" && node?.name !== "TupleExpression") return null;
  return childNamed(node, "*") ? null : items(node);
}

/** The keys of a written-out dict with string keys, each with its node, or null. */
function dictKeys(node: PyNode | undefined, source: string): Map<string, PyNode> | null {
  if (node?.name !== "DictionaryExpression" || childNamed(node, "**")) return null;
  const entries = dictEntries(source, node);
  if (entries.some(([, , key]) => key.name !== "String" || stringValue(source, key) === null))
    return null;
  return new Map(entries.map(([name, , key]) => [name, key]));
}

/**
 * A PythonOperator whose callable cannot take what the task gives it: a required parameter
 * that neither op_args, op_kwargs nor the task's context fills, or more op_args than it has
 * positional parameters (TypeError on every run); and an op_kwargs key the function has no
 * parameter for, which Airflow drops without a word when the function has no **kwargs (the
 * function runs with its default).
 */
export const callableArguments = defineRule({
  id: "callable-arguments",
  code: "MLG2033",
  defaultSeverity: "error",
  description:
    "a PythonOperator's op_args and op_kwargs that its function cannot take: a required parameter left unfilled or too many op_args (TypeError on every run), or an op_kwargs key it has no parameter for, which Airflow drops without a word",
  checkPython(file, report) {
    for (const task of file.tasks) {
      const fn = task.callable;
      if (!CALLING_OPERATORS.has(task.operator) || fn === null || task.kwargsOpen) continue;
      if (
        fn.node.name !== "FunctionDefinition" ||
        /\.partial\s*\(/.test(textOf(file.source, task.node))
      )
        continue;
      // Decorated functions may take other arguments than their `def` shows.
      if (fn.node.parent?.name === "DecoratedStatement") continue;
      const params = parameters(file.source, fn.node);
      if (params === null) continue;
      const opArgs = task.kwargs.get("op_args");
      const positional = opArgs === undefined ? 0 : listItems(opArgs);
      const opKwargs = task.kwargs.get("op_kwargs");
      const keys =
        opKwargs === undefined ? new Map<string, PyNode>() : dictKeys(opKwargs, file.source);
      const wildcard = params.some((p) => p.kind === "var-keyword");
      const names = params
        .filter((p) => p.kind === "positional" || p.kind === "keyword")
        .map((p) => p.name);
      const who = `task '${shown(task.id)}'`;
      if (keys !== null && !wildcard) {
        for (const [key, node] of keys) {
          if (names.includes(key)) continue;
          const near = closestName(key, names);
          report(
            {
              task: who,
              fn: fn.name,
              problem: `with op_kwargs key '${shown(key)}', which it has no parameter for: Airflow drops the key without a word, and ${fn.name}() runs without the value${near && params.find((p) => p.name === near)?.hasDefault ? ` (with the default of '${near}')` : ""}`,
              fix: near
                ? `did you mean '${near}'? Name the parameter in op_kwargs as ${fn.name}() has it`
                : `add a parameter '${shown(key)}' to ${fn.name}(), or remove the key`,
            },
            file.lines.span(node.from, node.to),
          );
        }
      }
      if (positional === null || keys === null) continue;
      // Context variables fill the parameters named for them (ti, ds, params, ...).
      const filled = new Set([...keys.keys()].filter((k) => names.includes(k)));
      const problem = bindProblem(params, positional, filled, {
        partial: false,
        optional: (name) => AIRFLOW_CONTEXT_KEYS.has(name),
      });
      if (problem === null) {
        // A DAG scheduled on assets alone: Airflow 3 starts each run without a logical date, so
        // the context has no ds, ts, logical_date or data interval to fill a parameter with.
        const dag = task.dagDecl;
        if (!dag || !assetsOnly(file, dag)) continue;
        const undated = bindProblem(params, positional, filled, {
          partial: false,
          optional: (name) => AIRFLOW_CONTEXT_KEYS.has(name) && !LOGICAL_DATE_CONTEXT.has(name),
        });
        const missing = undated?.missing;
        if (!missing || !LOGICAL_DATE_CONTEXT.has(missing)) continue;
        report(
          {
            task: who,
            fn: fn.name,
            problem: `without its required argument '${missing}': ${dagName(dag)} is scheduled on assets only, and Airflow 3 starts an asset-triggered run without a logical date, so its context has no '${missing}' to fill it with and the task fails on every run (TypeError: ${undated.message})`,
            fix: `take dag_run in its place and compute the value from the run, which every run can give (an asset-triggered run's run_after is when the assets triggered it): def ${fn.name}(dag_run, ...): ${missing} = ${RUN_DATE_CODE[missing] ?? RUN_DATE}`,
          },
          file.lines.span(task.node.from, task.node.to),
          { onlyAirflow3: true },
        );
        continue;
      }
      if (problem.message.startsWith("got an unexpected")) continue;
      // A missing argument is the task's (said at its call); too many are the op_args'.
      const at = problem.missing ? task.node : (opArgs ?? task.node);
      report(
        {
          task: who,
          fn: fn.name,
          problem: problem.missing
            ? `without its required argument '${problem.missing}', which no op_args, op_kwargs or context variable gives it: the task fails on every run (TypeError: ${problem.message})`
            : `with ${positional} op_args${problem.message === "too many positional arguments" ? `, more than its ${params.filter((p) => p.kind === "positional").length} positional parameters` : ""}: the task fails on every run (TypeError: ${problem.message})`,
          fix: problem.missing
            ? `pass it: op_kwargs={"${problem.missing}": ...} (or op_args=[...]), or give the parameter a default`
            : `pass at most as many op_args as ${fn.name}() has positional parameters, or add a parameter for each`,
        },
        file.lines.span(at.from, at.to),
      );
    }
  },
});
