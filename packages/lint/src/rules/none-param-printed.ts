import { jinjaParamReads, jinjaTestedParams } from "@mlgen/core";
import { templateSource } from "../python/jinja.js";
import type { DagFile, DagParam, DagTask } from "../python/model.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { shownParams, TEMPLATED, wholeValue } from "./template-error.js";

const REASON =
  "a run that does not set it renders the text 'None' there (Jinja prints Python's None; a default filter replaces an undefined value, not None), and the command, query or function gets that text";

/** Whether a param's default, as written, is None (`None`, `Param(None, ...)`, `Param(default=None)`). */
function defaultsToNone(source: string, p: DagParam): boolean {
  const value = p.param ? p.param.default : p.node;
  return value !== null && textOf(source, value).trim() === "None";
}

/**
 * The params of the DAG of `task` whose default is None, or null when the file does not show
 * them all (params built elsewhere, a task or default_args giving its own).
 */
function noneParams(file: DagFile, task: DagTask): ReadonlySet<string> | null {
  const shown = shownParams(file, task);
  return shown && new Set(shown.filter((p) => defaultsToNone(file.source, p)).map((p) => p.name));
}

/**
 * Each templated argument given whole whose task's DAG shows params defaulting to None: the
 * argument, its template text, and those params.
 */
export function* noneParamTexts(
  file: DagFile,
): Generator<{ s: DagFile["strings"][number]; text: string; nones: ReadonlySet<string> }> {
  for (const s of file.strings) {
    if (!TEMPLATED.has(s.where) || !wholeValue(s.node)) continue;
    const owners = file.tasks.filter((t) => t.id === s.task);
    if (owners.length !== 1) continue;
    const nones = noneParams(file, owners[0] as DagTask);
    if (!nones || nones.size === 0) continue;
    yield { s, text: templateSource(textOf(file.source, s.node)), nones };
  }
}

/**
 * A templated argument that prints a param whose default is None (`{{ params.since }}`, also
 * through `| default(...)`), where the text does not test it first: a run that leaves it unset
 * gets the text None. DSL pipelines: the compiler's MLG1049.
 */
export const noneParamPrinted = defineRule({
  id: "none-param-printed",
  code: "MLG2041",
  defaultSeverity: "warning",
  description:
    "A template prints a param whose default is None: a run that does not set it renders the text 'None'.",
  checkPython(file, report) {
    for (const { s, text, nones } of noneParamTexts(file)) {
      const tested = jinjaTestedParams(text);
      for (const read of jinjaParamReads(text)) {
        if (!read.printed || !nones.has(read.name) || tested.has(read.name)) continue;
        tested.add(read.name);
        report(
          {
            where: s.where,
            task: s.task,
            param: read.name,
            reason: REASON,
            hint: `test for it, {% if params.${read.name} %}...{% endif %}, or print something in its place, {{ params.${read.name} or '' }}; or give the param a default of its type`,
          },
          file.lines.span(s.node.from + read.from, s.node.from + read.to),
        );
      }
    }
  },
});
