import type { SyntaxNode } from "@lezer/common";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

const MOVING =
  /\b(datetime\.(now|utcnow|today)|date\.today|pendulum\.(now|today|yesterday|tomorrow)|timezone\.utcnow|days_ago)\s*\(/;

export const dynamicStartDate = defineRule({
  id: "dynamic-start-date",
  code: "MLG2011",
  defaultSeverity: "warning",
  description: "a DAG start_date computed when the file is parsed (datetime.now(), days_ago())",
  checkPython(file, report) {
    for (const dag of file.dags) {
      const nodes: SyntaxNode[] = [];
      const own = dag.kwargs.get("start_date");
      if (own) nodes.push(own);
      const fromDefaults = dag.defaultArgs?.entries.get("start_date");
      if (fromDefaults) nodes.push(fromDefaults);
      for (const node of nodes) {
        const m = MOVING.exec(textOf(file.source, node));
        if (!m) continue;
        report({ dag: dag.id ?? "?", call: `${m[1]}()` }, file.lines.span(node.from, node.to));
      }
    }
  },
});
