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
  const names = namesIn(file.source, node);
  const m = MOVING.exec(canonical(file, textOf(file.source, node), names));
  if (m) return `${m[1]}()`;
  for (const name of names) {
    // The file's own function (`start_date=yesterday()`), whose body calls the clock.
    const helper = file.helperCalls
      .get(`:${name}`)
      ?.find((c) => MOVING.test(`${canonical(file, c.callee, [c.callee.split(".")[0] ?? ""])}(`));
    if (helper && !seen.has(`${name}()`)) {
      seen.add(`${name}()`);
      return `${canonical(file, helper.callee, [helper.callee.split(".")[0] ?? ""])}() through ${name}()`;
    }
    const bound = file.constants.get(name);
    if (!bound || seen.has(name)) continue;
    seen.add(name);
    const call = movingCall(file, bound, seen);
    if (call) return `${call} through ${name}`;
  }
  return null;
}

/** Where modules and clock functions come from, by their canonical names. */
const CANONICAL: Readonly<Record<string, string>> = {
  datetime: "datetime",
  "datetime.datetime": "datetime",
  "datetime.date": "date",
  pendulum: "pendulum",
  "airflow.utils.timezone": "timezone",
  "airflow.utils.timezone.utcnow": "timezone.utcnow",
  "airflow.utils.dates.days_ago": "days_ago",
};

/**
 * `text` with the names imported under other names written as MOVING knows them:
 * `DT.now()` (`from datetime import datetime as DT`) as `datetime.now()`, `pnow()` (`from
 * pendulum import now as pnow`) as `pendulum.now()`, `utcnow()` as `timezone.utcnow()`.
 */
function canonical(file: DagFile, text: string, names: readonly string[]): string {
  let out = text;
  for (const imp of file.imports) {
    const local = imp.as ?? imp.name ?? imp.module;
    if (!names.includes(local)) continue;
    const full = imp.name ? `${imp.module}.${imp.name}` : imp.module;
    const known =
      CANONICAL[full] ?? (imp.module === "pendulum" && imp.name ? `pendulum.${imp.name}` : null);
    if (!known || known === local) continue;
    out = out.replace(new RegExp(`(?<![\\w.])${local}\\b`, "g"), known);
  }
  return out;
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
  checkPipeline({ ir }, report) {
    // A date taken from the clock when the module loads (`new Date().toISOString()`) has
    // milliseconds, which a date written by hand has not: it moves on every compile, so every
    // `mlgen compile --check` finds the DAG file stale.
    const start = ir.startDate;
    if (start === null || !/T\d{2}:\d{2}:\d{2}\.\d*[1-9]/.test(start)) return;
    report(
      {
        dag: ir.id,
        call: `startDate '${start}' has milliseconds, as a date from the clock (new Date()) has; mlgen compile writes it anew each time`,
      },
      "pipeline",
    );
  },
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
