import { jinjaNoneTestedParams, jinjaParamReads } from "@mlgen/core";
import { templateSource } from "../python/jinja.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { noneParams } from "./none-param-printed.js";
import { TEMPLATED, wholeValue } from "./template-error.js";

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
    for (const s of file.strings) {
      if (!TEMPLATED.has(s.where) || !wholeValue(s.node)) continue;
      const owners = file.tasks.filter((t) => t.id === s.task);
      if (owners.length !== 1) continue;
      const nones = noneParams(file, owners[0] as (typeof owners)[number]);
      if (!nones || nones.size === 0) continue;
      const text = templateSource(textOf(file.source, s.node));
      const tested = jinjaNoneTestedParams(text);
      for (const read of jinjaParamReads(text)) {
        if (!read.operand || !nones.has(read.name) || tested.has(read.name)) continue;
        tested.add(read.name);
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
