import type { DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

const MOVING =
  /\b(datetime\.(now|utcnow|today)|date\.today|pendulum\.(now|today|yesterday|tomorrow)|timezone\.utcnow|days_ago)\s*\(/;

/**
 * The call that makes a value move, looking through names bound at module level
 * (`START = datetime.today() - timedelta(1)`, then `start_date=START`).
 */
function movingCall(file: DagFile, node: PyNode, seen = new Set<string>()): string | null {
  const text = textOf(file.source, node);
  const m = MOVING.exec(text);
  if (m) return `${m[1]}()`;
  for (const name of namesIn(file.source, node)) {
    const bound = file.constants.get(name);
    if (!bound || seen.has(name)) continue;
    seen.add(name);
    const call = movingCall(file, bound, seen);
    if (call) return `${call} through ${name}`;
  }
  return null;
}

/** The variable names an expression reads (not attribute names: `cfg.start` reads `cfg`). */
function namesIn(src: string, node: PyNode): string[] {
  const out: string[] = [];
  const visit = (n: PyNode) => {
    // A keyword argument's name (`tz=` in `datetime(..., tz=UTC)`) is not a read.
    if (n.name === "VariableName" && n.nextSibling?.name !== "AssignOp") out.push(textOf(src, n));
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(node);
  return out;
}

export const dynamicStartDate = defineRule({
  id: "dynamic-start-date",
  code: "MLG2011",
  defaultSeverity: "warning",
  description: "a DAG start_date computed when the file is parsed (datetime.now(), days_ago())",
  checkPython(file, report) {
    for (const dag of file.dags) {
      const nodes: PyNode[] = [];
      const own = dag.kwargs.get("start_date");
      if (own) nodes.push(own);
      const fromDefaults = dag.defaultArgs?.entries.get("start_date");
      if (fromDefaults) nodes.push(fromDefaults);
      for (const node of nodes) {
        const call = movingCall(file, node);
        if (!call) continue;
        report({ dag: dag.id ?? "?", call }, file.lines.span(node.from, node.to));
      }
    }
  },
});
