import { jinjaNoneGuard, jinjaParamReads } from "@mlgen/core";
import { defineRule } from "../rule.js";
import { noneParamTexts } from "./none-param-printed.js";

const REASON =
  "a run that does not set it renders with None there, and Python raises a TypeError (None + 1, None > 0.2), so the task fails before its command or function runs";

/**
 * A templated argument that computes with a param whose default is None (`{{ params.n + 1 }}`,
 * `{% if params.x > 0.2 %}`, `-params.n`), where the text does not test it against None first:
 * a run that leaves it unset fails the task. DSL pipelines: the compiler's MLG1050.
 */
export const noneParamComputed = defineRule({
  id: "none-param-computed",
  code: "MLG2042",
  defaultSeverity: "error",
  description:
    "A template computes with a param whose default is None: a run that does not set it fails the task with a TypeError.",
  checkPython(file, report) {
    for (const { s, text, nones } of noneParamTexts(file)) {
      const guarded = jinjaNoneGuard(text);
      const said = new Set<string>();
      for (const read of jinjaParamReads(text)) {
        if (!read.operand || !nones.has(read.name) || said.has(read.name) || guarded(read))
          continue;
        said.add(read.name);
        report(
          {
            where: s.where,
            task: s.task,
            param: read.name,
            reason: REASON,
            hint: `test it first, {% if params.${read.name} is not none %}...{% endif %}, or compute with a stand-in, (params.${read.name} or 0); or give the param a default of its type`,
          },
          file.lines.span(s.node.from + read.from, s.node.from + read.to),
        );
      }
    }
  },
});
