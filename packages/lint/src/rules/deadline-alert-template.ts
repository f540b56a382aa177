import { DEADLINE_CONTEXT, deadlineProblemSubject, deadlineTemplateProblems } from "@mlgen/core";
import { dagName, dictEntries, resolved, visitThroughNames } from "../python/dag-args.js";
import type { DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { callArguments, callParts, childNamed, stringValue } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/** A notifier class (or a provider's `send_*_notification` alias of one), by its last name. */
const NOTIFIER = /(?:^|\.)(?:\w*Notifier|send_\w+_notification)$/;

/**
 * A name the file defines itself with `def`, or with a `class` whose bases name no notifier:
 * Airflow calls it with the kwargs as written, whatever its name.
 */
function ownCallable(source: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (new RegExp(`^\\s*(?:async\\s+)?def\\s+${escaped}\\s*\\(`, "m").test(source)) return true;
  const cls = new RegExp(`^\\s*class\\s+${escaped}\\b\\s*(?:\\(([^)]*)\\))?\\s*:`, "m").exec(
    source,
  );
  return cls !== null && !/Notifier/.test(cls[1] ?? "");
}

/** The last part of a dotted callee, `DeadlineAlert` of `airflow.sdk.DeadlineAlert`. */
const lastName = (callee: string) => callee.slice(callee.lastIndexOf(".") + 1);

/** Each string under a node (lists, dicts and tuples of them), with the text Python gives it. */
function strings(file: DagFile, node: PyNode, out: { node: PyNode; text: string }[] = []) {
  const value = stringValue(file.source, node);
  if (value !== null) {
    out.push({ node, text: value });
    return out;
  }
  for (let c = node.firstChild; c; c = c.nextSibling) strings(file, c, out);
  return out;
}

/**
 * The templates of a deadline alert's notifier that fail it on Airflow 3: Airflow renders a
 * notifier's fields (SlackWebhookNotifier's text, SmtpNotifier's subject and html_content) with
 * the run's context alone, `dag_run` (the REST API's run, as JSON) and `deadline`, in
 * Airflow's sandboxed environment without the DAG's, not the task context a failure callback
 * gets. DSL pipelines: the compiler's MLG3001.
 */
export const deadlineAlertTemplate = defineRule({
  id: "deadline-alert-template",
  code: "MLG2044",
  defaultSeverity: "warning",
  description:
    "A deadline alert's notifier text that reads the task context (ti, ds, run_id, ...) or a date filter on the run's dates: Airflow renders it with the run's context alone, so it prints nothing or the alert is not sent.",
  checkPython(file, report) {
    for (const dag of file.dags) {
      if (neverBuilt(file, dag)) continue;
      const deadline = dag.kwargs.get("deadline");
      if (!deadline) continue;
      const said = new Set<number>();
      visitThroughNames(file, deadline, (n) => {
        if (n.name !== "CallExpression") return;
        const callee = callParts(file.source, n)?.callee ?? "";
        if (!/^(?:Sync|Async)Callback$/.test(lastName(callee))) return;
        const args = callArguments(file.source, childNamed(n, "ArgList"));
        const target = args.kwargs.get("callback_callable") ?? args.positional[0];
        const kwargs = args.kwargs.get("kwargs") ?? args.positional[1];
        if (!target || !kwargs) return;
        // A function gets the kwargs as they are; a notifier renders them. The callable may be
        // written as its import path.
        const called = resolved(file, target);
        const name =
          stringValue(file.source, called) ??
          callParts(file.source, called)?.callee ??
          file.source.slice(called.from, called.to);
        if (!NOTIFIER.test(name) || ownCallable(file.source, lastName(name))) return;
        const dict = resolved(file, kwargs);
        if (dict.name !== "DictionaryExpression") return;
        // The notifier's fields join the context (BaseNotifier._update_context).
        const entries = dictEntries(file.source, dict);
        const known = new Set([...DEADLINE_CONTEXT, ...entries.map(([key]) => key)]);
        for (const [key, value] of entries) {
          for (const s of strings(file, resolved(file, value))) {
            if (said.has(s.node.from)) continue;
            said.add(s.node.from);
            const at = file.lines.span(s.node.from, s.node.to);
            for (const p of deadlineTemplateProblems(s.text, known)) {
              report(
                {
                  dag: dagName(dag),
                  what: deadlineProblemSubject(p, `its ${key}`),
                  reason: p.reason,
                  hint: p.hint,
                },
                at,
              );
            }
          }
        }
      });
    }
  },
});
