/**
 * What a DAG call says about its schedule and start date, as Airflow reads them when it builds
 * the DAG: the rules that judge a DAG's arguments (invalid-argument, implicit-catchup,
 * schedule-never-runs) share it.
 */
import { PRESET_CRON } from "@mlgen/core";
import type { Span } from "../finding.js";
import type { DagDecl, DagFile } from "./model.js";
import type { PyNode } from "./node.js";
import { callParts, stringValue, textOf } from "./text.js";

/** An id or value as a finding quotes it: up to 60 characters. */
export const shown = (id: string) => (id.length > 60 ? `${id.slice(0, 57)}...` : id);

/**
 * The DAG id an argument names (`trigger_dag_id`, `external_dag_id`): a string, or a
 * module-level constant holding one (`DAG_ID = "etl"`); null for anything else or a template.
 */
export function dagIdArgument(file: DagFile, node: PyNode | undefined): string | null {
  const id = !node
    ? null
    : node.name === "VariableName"
      ? file.constantString(textOf(file.source, node))
      : stringValue(file.source, node);
  return id === null || id.includes("{{") || id.includes("{%") ? null : id;
}

/** Brackets, commas and comments: what is left of a list or call is its items. */
export const PUNCTUATION = new Set(["[", "]", "(", ")", ",", "Comment"]);
/** A dict literal's entries: key (a literal string, or its source), value, and the key's node. */
export function dictEntries(source: string, dict: PyNode): [string, PyNode, PyNode][] {
  const out: [string, PyNode, PyNode][] = [];
  for (let c = dict.firstChild; c; c = c.nextSibling) {
    if (c.name !== ":" || !c.prevSibling || !c.nextSibling) continue;
    const key = c.prevSibling;
    out.push([stringValue(source, key) ?? textOf(source, key), c.nextSibling, key]);
  }
  return out;
}

export const items = (node: PyNode) => {
  let n = 0;
  for (let c = node.firstChild; c; c = c.nextSibling) if (!PUNCTUATION.has(c.name)) n++;
  return n;
};

/**
 * Whether a DAG's schedule argument is a schedule to Airflow (a value Python takes as true, as
 * its check does): a preset or cron string, a non-empty list of assets, a timetable or a
 * timedelta; false for None and empty ones; null when the file does not show it (a name).
 */
export function scheduled(source: string, node: PyNode): boolean | null {
  switch (node.name) {
    case "None":
      return false;
    case "String": {
      const value = stringValue(source, node);
      return value === null ? null : value !== "";
    }
    case "ArrayExpression":
    case "TupleExpression":
      return items(node) > 0;
    case "CallExpression": {
      // `timedelta()` and `timedelta(0)` are false, like any timedelta of no length.
      if (!/(?:^|\.)timedelta$/.test(textOf(source, node.firstChild ?? node).trim())) return true;
      const args = node.lastChild;
      return args && /[1-9]/.test(textOf(source, args)) ? true : null;
    }
    default:
      return null;
  }
}

/** The DAG call shows every argument: no `**kwargs`, nothing positional after the id. */
export const argsShown = (dag: DagDecl) => !dag.kwargsOpen && dag.positional <= 1;

/** A name bound at module level, followed to the value it holds (`START = pendulum.datetime(...)`). */
export function resolved(file: DagFile, node: PyNode, seen = new Set<string>()): PyNode {
  if (node.name !== "VariableName") return node;
  const name = textOf(file.source, node);
  const bound = file.constants.get(name);
  if (!bound || seen.has(name)) return node;
  seen.add(name);
  return resolved(file, bound, seen);
}

/**
 * Visits a node and what is under it, comments and strings aside, following each module-level
 * name it reads to the value bound to it, once (a keyword's name is none: `reference=` binds
 * nothing read): `deadline=[LATE]` with `LATE = DeadlineAlert(...)` visits the DeadlineAlert.
 */
export function visitThroughNames(
  file: DagFile,
  node: PyNode,
  visit: (n: PyNode) => void,
  follow: (name: string) => boolean = () => true,
): void {
  const seen = new Set<string>();
  const walk = (n: PyNode) => {
    if (n.name === "Comment" || n.name === "String" || n.name === "FormatString") return;
    visit(n);
    if (n.name === "VariableName" && n.nextSibling?.name !== "AssignOp") {
      const name = textOf(file.source, n);
      if (!follow(name)) return;
      const bound = file.constants.get(name);
      if (bound && !seen.has(name)) {
        seen.add(name);
        walk(resolved(file, bound));
      }
    }
    for (let c = n.firstChild; c; c = c.nextSibling) walk(c);
  };
  walk(node);
}

/** How a finding names a DAG. */
export const dagName = (dag: DagDecl) => (dag.id === null ? "the DAG" : `DAG '${shown(dag.id)}'`);

/**
 * A DAG's schedule argument (`schedule`, Airflow 2's `schedule_interval` or `timetable`) and
 * whether it schedules the DAG (see `scheduled`); `"default"` when none is given and the call
 * shows every argument (Airflow 2 then schedules it daily, Airflow 3 not at all), else null.
 */
export function scheduleOf(
  source: string,
  dag: DagDecl,
): { readonly arg: string; readonly node: PyNode; readonly on: boolean | null } | "default" | null {
  for (const arg of ["schedule", "schedule_interval", "timetable"]) {
    const node = dag.kwargs.get(arg);
    if (node) return { arg, node, on: scheduled(source, node) };
  }
  return argsShown(dag) ? "default" : null;
}

/** An asset, a condition over assets or an alias as Airflow 3 and 2 name them (`Asset.ref(...)` too). */
const ASSET_CALL = /^(?:[\w.]*\.)?(?:(?:Asset|Dataset)(?:All|Any|Alias)?|Asset\.ref)$/;

/**
 * Whether every run Airflow starts for a DAG is asset-triggered: its schedule is a non-empty list
 * (Airflow takes any list as assets: `[Asset(...)]`, `[RAW_EVENTS]`), an asset (`Asset(...)`,
 * `Dataset(...)`, an @asset function of the file), or a condition over them (`a & b`, `a | b`,
 * AssetAll, AssetAny), through module-level names. Not AssetOrTimeSchedule, whose runs in time
 * have a logical date, nor a schedule the file does not show.
 */
export function assetsOnly(file: DagFile, dag: DagDecl): boolean {
  const node = dag.kwargs.get("schedule");
  return node !== undefined && assetValue(file, node);
}

function assetValue(file: DagFile, written: PyNode): boolean {
  const node = resolved(file, written);
  switch (node.name) {
    case "ArrayExpression":
    case "TupleExpression":
      return items(node) > 0;
    case "ParenthesizedExpression": {
      const inner = node.firstChild?.nextSibling;
      return inner !== null && inner !== undefined && assetValue(file, inner);
    }
    case "BinaryExpression": {
      // `a & b`, `a | b`: a condition Airflow builds from two assets (AssetAll, AssetAny).
      const op = node.firstChild?.nextSibling;
      return op?.name === "BitOp" && /^[&|]$/.test(textOf(file.source, op).trim());
    }
    case "CallExpression":
      return ASSET_CALL.test(callParts(file.source, node)?.callee ?? "");
    case "VariableName": {
      const name = textOf(file.source, node);
      return file.tasks.some((t) => t.dagDecl?.asset === "asset" && t.callable?.name === name);
    }
    default:
      return false;
  }
}

/**
 * Whether a DAG has a start date, as Airflow asks when it builds it (`start_date` given and not
 * None, or a `start_date` key in default_args); null when the file does not show all of its
 * arguments (`**common`, more positional arguments, default_args it cannot read in full).
 */
export function hasStartDate(source: string, dag: DagDecl): boolean | null {
  const own = dag.kwargs.get("start_date");
  if (own && textOf(source, own).trim() !== "None") return true;
  if (dag.defaultArgs?.entries.has("start_date")) return true;
  if (!argsShown(dag)) return null;
  if (dag.kwargs.has("default_args") && (!dag.defaultArgs || dag.defaultArgs.open)) return null;
  return false;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

const DELTA_UNITS: Readonly<Record<string, number>> = {
  weeks: 7 * DAY_MS,
  days: DAY_MS,
  hours: HOUR_MS,
  minutes: 60_000,
  seconds: 1000,
};

/** `timedelta(hours=6)`, `timedelta(1)`: its length; null when it is not all literal numbers. */
function deltaMs(args: string): number | null {
  const inner = args.replace(/^\(|\)$/g, "").trim();
  if (/^\d+(?:\.\d+)?$/.test(inner)) return Number(inner) * DAY_MS;
  let total = 0;
  for (const part of inner.split(",")) {
    const m = /^\s*(\w+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    const unit = m?.[1] ? DELTA_UNITS[m[1]] : undefined;
    if (!m || unit === undefined) return null;
    total += Number(m[2]) * unit;
  }
  return total > 0 ? total : null;
}

/**
 * Each DAG of the file whose schedule is a cron expression the file spells out (a string, a
 * preset, a cron timetable's): the DAG, the expression, and the schedule argument as shown in a
 * finding (`schedule='*\/45 * * * *'`) with where it is.
 */
export function* cronSchedules(
  file: DagFile,
): Generator<{ dag: DagDecl; cron: string; shown: string; node: PyNode }> {
  for (const dag of file.dags) {
    const schedule = scheduleOf(file.source, dag);
    if (schedule === null || schedule === "default") continue;
    const how = cadence(file, schedule.node);
    if (how === null || how === "unknown" || !("cron" in how)) continue;
    const text = textOf(file.source, schedule.node).replace(/\s+/g, " ").slice(0, 60);
    yield { dag, cron: how.cron, shown: `${schedule.arg}=${text}`, node: schedule.node };
  }
}

/**
 * How a DAG's runs come: at the end of each interval between a cron expression's times (or of a
 * fixed length), or at each of its times (`trigger`: CronTriggerTimetable); `unknown` when it
 * has runs in time the file does not spell out.
 */
export type Cadence = { cron: string; trigger?: true } | { everyMs: number } | "unknown";

/**
 * The cadence of a schedule argument that makes Airflow run a DAG in time, so that catchup
 * applies; null for what it does not: @once, @continuous, assets, an empty or unknown value.
 */
export function cadence(file: DagFile, node: PyNode): Cadence | null {
  const value = stringValue(file.source, node);
  if (value !== null) {
    const text = value.trim();
    if (text.startsWith("@")) {
      const cron = PRESET_CRON[text];
      return cron ? { cron } : null;
    }
    if (text.split(/\s+/).length === 5) return { cron: text };
    return text === "" ? null : "unknown";
  }
  const c = callParts(file.source, node);
  if (!c) return null;
  if (/(?:^|\.)timedelta$/.test(c.callee)) {
    const ms = deltaMs(c.args);
    return ms === null ? "unknown" : { everyMs: ms };
  }
  if (/(?:^|\.)relativedelta$/.test(c.callee)) return "unknown";
  // `CronTriggerTimetable("0 3 * * *", timezone="UTC")`, and timetables of the project's own.
  if (/Timetable$/.test(c.callee)) {
    const cron = /^(?:\w+\.)*Cron(DataInterval|Trigger)Timetable$/.exec(c.callee);
    const m = cron && /^\(\s*(['"])([^'"]+)\1/.exec(c.args);
    if (m?.[2] && m[2].trim().split(/\s+/).length === 5) {
      return { cron: m[2].trim(), ...(cron?.[1] === "Trigger" ? { trigger: true as const } : {}) };
    }
    return "unknown";
  }
  return null;
}

/**
 * The DAGs of a file Airflow builds once, with a literal id: not in a loop, a branch or a
 * function, not of an uncalled @dag function.
 */
export function literalDagIds(file: DagFile): { id: string; span: Span }[] {
  const out: { id: string; span: Span }[] = [];
  for (const d of file.dags) {
    if (d.id === null || !d.once) continue;
    if (d.function && file.uncalledDagFunctions.some((fn) => fn.name === d.function)) continue;
    const node = d.kwargs.get("dag_id");
    out.push({
      id: d.id,
      span: node?.name === "String" ? file.lines.span(node.from, node.to) : d.span,
    });
  }
  return out;
}
