/**
 * A stateful in-memory Airflow 3 (REST API v2) behind msw handlers: tokens, DAGs, DAG runs that
 * move task by task on the fake's clock, task instances, XComs, import errors, variables, pools,
 * connections.
 * Shapes, defaults and error bodies follow apache-airflow-core 3.3.2 and are checked against a
 * real server by test/engines/mocks-airflow-parity.test.ts.
 */
import type { components, paths } from "@mlgen/airflow-client";
import type { HttpHandler } from "msw";
import { base64url } from "../base64.js";
import { systemClock } from "../clock.js";
import { normalizeBaseUrl } from "../fake.js";
import { fakeHttp } from "../http.js";
import { airflowError } from "../response.js";
import { dispatcher, fetchVia, routed, unansweredByFake } from "../router.js";
import { type CursorSpec, cursorPage } from "./cursor.js";
import { paramsDump, paramsError } from "./params.js";
import { AIRFLOW_ROLES, airflowRoleMay, routeAccessLookup } from "./permissions.js";
import { AIRFLOW_LIST_QUERY, AIRFLOW_SPEC_ROUTES } from "./spec-routes.js";
import type {
  AirflowDagScript,
  AirflowDagSpec,
  AirflowFake,
  AirflowFakeOptions,
  AirflowFakeUser,
  AirflowImportErrorSpec,
  AirflowTaskSpec,
  AirflowTriggerRule,
  TaskOutcome,
} from "./types.js";
import {
  boolParam,
  checkKeys,
  extraForbidden,
  ilikeFilter,
  isoTime,
  isoTimeMicros,
  jsonInvalid,
  missing,
  pageParams,
  parseAware,
  pyJsonDumps,
  pyRepr,
  pyStr,
  pythonIso,
  readJsonObject,
  type SortFields,
  seconds,
  sensitiveName,
  sortBy,
  uniqueViolation,
  uuid7,
  type ValidationIssue,
  validationError,
  variableValueOut,
} from "./util.js";

type Schemas = components["schemas"];
type TiState = Schemas["TaskInstanceState"] | null;
type RunStateName = Schemas["DagRunState"];

const DEFAULT_OPERATOR = "_PythonDecoratedOperator";
/** Every task after a task, however far (get_flat_relative_ids(upstream=False)). */
function allDownstream(
  byId: ReadonlyMap<string, { readonly downstream: readonly string[] }>,
  taskId: string,
): Set<string> {
  return relatives(byId, taskId, "downstream");
}

/** Every task before a task, however far (get_flat_relative_ids(upstream=True)). */
function allUpstream(
  byId: ReadonlyMap<string, { readonly upstream: readonly string[] }>,
  taskId: string,
): Set<string> {
  return relatives(byId, taskId, "upstream");
}

/**
 * get_upstreams_only_setups: the setups before a task (however far) that it needs: those with
 * no teardown, or with a teardown after the task.
 */
function relevantSetups(byId: ReadonlyMap<string, TaskDef>, task: TaskDef): string[] {
  const after = allDownstream(byId, task.taskId);
  return [...allUpstream(byId, task.taskId)].filter((id) => {
    const setup = byId.get(id);
    if (setup?.role !== "setup") return false;
    const teardowns = setup.downstream.filter((d) => byId.get(d)?.role === "teardown");
    return teardowns.length === 0 || teardowns.some((d) => after.has(d));
  });
}

/** _evaluate_teardown_scope's tasks: those before a teardown, not right before it, after its setups. */
function teardownScope(byId: ReadonlyMap<string, TaskDef>, task: TaskDef): string[] {
  const indirect = allUpstream(byId, task.taskId);
  for (const u of task.upstream) indirect.delete(u);
  const scope = new Set<string>();
  for (const setup of task.upstream) {
    if (byId.get(setup)?.role !== "setup") continue;
    for (const id of allDownstream(byId, setup)) if (indirect.has(id)) scope.add(id);
  }
  return [...scope];
}

function relatives<K extends "upstream" | "downstream">(
  byId: ReadonlyMap<string, { readonly [key in K]: readonly string[] }>,
  taskId: string,
  dir: K,
): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byId.get(taskId)?.[dir] ?? [])];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    if (seen.has(d)) continue;
    seen.add(d);
    stack.push(...(byId.get(d)?.[dir] ?? []));
  }
  return seen;
}

const TERMINAL_TI: ReadonlySet<string> = new Set([
  "success",
  "failed",
  "upstream_failed",
  "skipped",
  "removed",
]);
const FAILED_TI: ReadonlySet<string> = new Set(["failed", "upstream_failed"]);
/** States of a task instance that has started and not ended (mark_tasks.py). */
const RUNNING_TI: ReadonlySet<string> = new Set([
  "running",
  "deferred",
  "up_for_reschedule",
  "awaiting_input",
]);

/** The ids Airflow generates (models/dagrun.py RUN_ID_REGEX). */
const GENERATED_RUN_ID =
  /^(?:manual|scheduled|asset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$/;
/** [scheduler] allowed_run_id_pattern's default. */
const ALLOWED_RUN_ID = /^[A-Za-z0-9_.~:+-]+$/;

/** The run types (DagRunType) other than manual, whose `<type>__` prefix a manual run may not use. */
const RESERVED_RUN_TYPES = [
  "backfill",
  "scheduled",
  "operator_triggered",
  "asset_triggered",
  "asset_materialization",
] as const;

/** DagRun.validate_run_id's refusal of a run id, or null. */
function runIdPatternProblem(runId: string): string | null {
  if (runId.includes("..")) {
    return `The run_id '${runId}' must not contain '..' to prevent path traversal`;
  }
  if (!GENERATED_RUN_ID.test(runId) && !ALLOWED_RUN_ID.test(runId)) {
    return `The run_id provided '${runId}' does not match regex pattern '${ALLOWED_RUN_ID.source}' or '${GENERATED_RUN_ID.source}'`;
  }
  return null;
}

/** DagRun.validate_run_id's and create_dagrun's refusal of a manual run's id, or null. */
function runIdProblem(runId: string): string | null {
  const pattern = runIdPatternProblem(runId);
  if (pattern !== null) return pattern;
  // SerializedDAG.create_dagrun: a manual run may not take an id DagRunType.from_run_id reads as
  // another type's (the allowed characters hold no quote, so Python's repr is '<id>').
  const reserved = RESERVED_RUN_TYPES.find((type) => runId.startsWith(`${type}__`));
  if (reserved !== undefined) {
    return `A manual DAG run cannot use ID '${runId}' since it is reserved for ${reserved} runs`;
  }
  return null;
}

interface TaskDef {
  readonly taskId: string;
  readonly upstream: readonly string[];
  readonly downstream: string[];
  readonly operator: string;
  readonly operatorName: string;
  /** What an instance (its map index, -1 unmapped) pushes when it succeeds. */
  readonly xcom: (mapIndex: number) => Readonly<Record<string, unknown>>;
  readonly xcomOnFailure: Readonly<Record<string, unknown>>;
  readonly durationMs: number | undefined;
  readonly log: readonly string[];
  readonly pool: string;
  readonly poolSlots: number;
  priorityWeight: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  /** Mapped: a literal list's length, or the upstream task whose return_value it maps over. */
  readonly expand: number | string | null;
  readonly triggerRule: AirflowTriggerRule;
  /** A task maps over what it returns: Airflow fails it unless that is a list or a dict. */
  mapsInto: boolean;
  /** A sensor in reschedule mode: pokes of each try that find nothing, and the wait after each. */
  readonly reschedules: number;
  /** A sensor in poke mode: pokes of each try that find nothing, the try sleeping after each. */
  readonly pokes: number;
  readonly pokeIntervalMs: number;
  /** A sensor's `timeout`, in ms: how long its pokes may find nothing. */
  readonly timeoutMs: number;
  /** `soft_fail`: a sensor that times out is skipped, not failed. */
  readonly softFail: boolean;
  readonly maxActiveTisPerDag: number | null;
  readonly maxActiveTisPerDagrun: number | null;
  /** A SkipMixin task: what it skips after it by what it returns. */
  readonly skips: "branch" | "short_circuit" | "short_circuit_direct" | null;
  readonly role: "setup" | "teardown" | null;
  /** The setups it needs, however far before it (get_upstreams_only_setups), set by addDag. */
  setups: readonly string[];
  /** A teardown: the tasks between its setups and it, which it waits for; set by addDag. */
  scope: readonly string[];
  /** A TriggerDagRunOperator: the run it starts. */
  readonly triggers: TriggerDef | null;
}

interface TriggerDef {
  readonly dagId: string;
  readonly runId: string | ((run: { readonly runId: string }) => string) | null;
  readonly conf: Readonly<Record<string, unknown>>;
  readonly skipWhenExists: boolean;
  /** wait_for_completion: how often it checks, and the states that end the wait. */
  readonly wait: {
    readonly pokeIntervalMs: number;
    readonly allowed: readonly RunStateName[];
    readonly failed: readonly RunStateName[];
  } | null;
}

interface Dag {
  readonly spec: AirflowDagSpec;
  readonly dagId: string;
  isPaused: boolean;
  readonly tasks: readonly TaskDef[];
  readonly byId: ReadonlyMap<string, TaskDef>;
  /** Topological order. */
  readonly order: readonly TaskDef[];
  script: AirflowDagScript;
  readonly versionId: string;
  readonly createdAt: number;
  readonly parsedAt: number;
  readonly runs: Map<string, Run>;
}

interface XcomEntry {
  readonly value: unknown;
  readonly timestamp: number;
}

interface Ti {
  id: string;
  readonly taskId: string;
  /** -1 unmapped (and a mapped task's one instance before it expands); 0, 1, … once mapped. */
  mapIndex: number;
  state: TiState;
  startDate: number | null;
  endDate: number | null;
  /** Seconds, as Airflow stores it: set when a try ends, kept (not reset) by a clear and a rerun. */
  duration: number | null;
  queuedWhen: number | null;
  scheduledWhen: number | null;
  tryNumber: number;
  maxTries: number;
  hostname: string;
  pid: number | null;
  /**
   * When its next step is due: `scheduled` → queued (given a pool slot), `queued` → running,
   * `running` → its end. Null in other states, and for a scheduled one waiting for a slot.
   */
  due: number | null;
  /** How the running try ends. */
  plannedState: "success" | "failed" | "skipped" | null;
  readonly xcom: Map<string, XcomEntry>;
  /** Pokes of the current try that found nothing (a sensor in reschedule mode). */
  pokes: number;
  /**
   * When the current try's first poke that found nothing ended: the first task_reschedule
   * row's start_date, which the sensor's timeout counts from.
   */
  firstRescheduleAt: number;
  /** A TriggerDagRunOperator's try: the id of the run it started, while it waits for it. */
  triggered: string | null;
  /** A scheduled one waiting (its due time null) for a concurrency limit, not a pool slot. */
  heldByLimit: boolean;
  /**
   * Tries (by number) that did what their script said but failed after it (pushing what a
   * mapped task maps over, a branch to a task the DAG does not have): the exception their log
   * ends with.
   */
  readonly pushFailures: Map<number, string>;
  /** Tries (by number) a sensor's timeout ended: whatever the script said never ran. */
  readonly timedOut: Set<number>;
  /**
   * Tries (by number) of a soft_fail sensor skipped for an exception its poke raised
   * (AirflowFailException and the timeouts): the log says no exception.
   */
  readonly softFailed: Set<number>;
  /**
   * The tries before this one, as Airflow's task_instance_history keeps them: recorded when a
   * try fails into a retry (as failed) or is cleared (in its state).
   */
  readonly history: TiTry[];
}

/** A try of a task instance, as task_instance_history holds it. */
interface TiTry {
  readonly state: TiState;
  /** Pokes that wrote to its log: one for most tasks, more for a sensor in reschedule mode. */
  readonly logged: number;
  /** It ended by itself (not stopped by a clear, which archives it as failed). */
  readonly ended: boolean;
  readonly startDate: number | null;
  readonly endDate: number | null;
  readonly duration: number | null;
  readonly queuedWhen: number | null;
  readonly scheduledWhen: number | null;
  readonly tryNumber: number;
  readonly maxTries: number;
  readonly hostname: string;
  readonly pid: number | null;
}

interface Run {
  readonly seq: number;
  readonly dagId: string;
  readonly runId: string;
  readonly logicalDate: number | null;
  readonly dataIntervalStart: number | null;
  readonly dataIntervalEnd: number | null;
  /** Microseconds past the millisecond of the given dates, which Airflow stores. */
  readonly micros?: Readonly<Record<string, number>>;
  readonly runAfter: number;
  queuedAt: number | null;
  startDate: number | null;
  endDate: number | null;
  lastSchedulingDecision: number | null;
  state: RunStateName;
  /**
   * A queued run: when the scheduler may start it (queued + schedulerDelayMs, its run_after, or
   * when a max_active_runs slot freed); null while it waits for such a slot. A running run:
   * when the scheduler next examines it after a clear (to schedule the cleared task instances).
   */
  due: number | null;
  readonly conf: Record<string, unknown> | null;
  note: string | null;
  /** By tiKey(task id, map index). */
  readonly tis: Map<string, Ti>;
  /** Who triggered it (`triggering_user_name`). */
  readonly triggeredBy: string;
  /** A run a TriggerDagRunOperator started: run_type operator_triggered, triggered_by operator. */
  readonly byOperator?: true;
}

interface Pool {
  readonly seq: number;
  readonly name: string;
  slots: number;
  description: string | null;
  includeDeferred: boolean;
}

interface Variable {
  readonly seq: number;
  readonly key: string;
  value: string;
  description: string | null;
}

/** A connection as the database holds it (models/connection.py): password and extra unredacted. */
interface Connection {
  readonly seq: number;
  readonly id: string;
  connType: string;
  description: string | null;
  host: string | null;
  login: string | null;
  schema: string | null;
  port: number | null;
  password: string | null;
  /** A JSON object's text, as sent or as a PATCH's merge re-dumped it. */
  extra: string | null;
}

interface ImportErr {
  readonly id: number;
  readonly timestamp: number;
  readonly filename: string;
  readonly bundleName: string;
  readonly stackTrace: string;
}

const fail = (status: number, detail: unknown): never => airflowError(status, detail) as never;
const invalid = (issues: readonly ValidationIssue[]): never => validationError(issues) as never;

/** The API's routes, as patterns over the path after the base URL. */
const SPEC_ROUTES = AIRFLOW_SPEC_ROUTES.map(([method, path]) => ({
  method,
  path: new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
}));

/**
 * A route of the API (method and path) the fake has no handler for: its 501, else null. `base`:
 * the path of the fake's base URL, without a final slash.
 */
function notMockedRoute(request: Request, base: string): Response | null {
  const url = new URL(request.url);
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
  if (!SPEC_ROUTES.some((r) => r.method === request.method && r.path.test(path))) return null;
  return Response.json(
    {
      error_code: "NOT_MOCKED",
      message: `the Airflow fake does not implement ${request.method} ${path}; add a handler in front of it (msw) or test against a real server`,
    },
    { status: 501 },
  );
}

/**
 * Whether FastAPI reads the request's body as JSON before the route's dependencies: a route with
 * a body (the fake's POST and PATCH routes) and a content type that is absent, `application/json`
 * or `application/*+json`.
 */
function parsesJsonBody(request: Request): boolean {
  if (request.method !== "POST" && request.method !== "PATCH" && request.method !== "PUT") {
    return false;
  }
  const type = request.headers.get("content-type");
  if (type === null) return true;
  const mime = (type.split(";")[0] as string).trim().toLowerCase();
  return mime === "application/json" || /^application\/.*\+json$/.test(mime);
}

/**
 * A query parameter of a list route that the server applies and the fake does not: its 501
 * NOT_MOCKED, so a test never gets the whole list where the server would filter it. Null when
 * every parameter is applied (or unknown to the server, which ignores those).
 */
function unappliedQuery(url: URL, route: string, applied: readonly string[]): Response | null {
  const known = AIRFLOW_LIST_QUERY[route] ?? [];
  const skipped = [...new Set(url.searchParams.keys())].filter(
    (k) => known.includes(k) && !applied.includes(k),
  );
  if (skipped.length === 0) return null;
  return Response.json(
    {
      error_code: "NOT_MOCKED",
      message: `the Airflow fake does not apply ${skipped.map((k) => `'${k}'`).join(", ")} of GET ${route}, which the server filters by; filter in the test, add a handler in front of it (msw), or test against a real server`,
    },
    { status: 501 },
  );
}

/** The DAG-run dates the fake filters on (`<field>_gte`, `_gt`, `_lte`, `_lt`), read from a run. */
const RUN_DATES = {
  logical_date: (r: Run) => r.logicalDate,
  run_after: (r: Run) => r.runAfter,
  start_date: (r: Run) => r.startDate,
  end_date: (r: Run) => r.endDate,
} as const;
const RUN_DATE_FILTERS = Object.keys(RUN_DATES) as (keyof typeof RUN_DATES)[];
const RANGE = ["gte", "gt", "lte", "lt"] as const;

/** The exceptions a soft_fail sensor's poke raises that skip it (BaseSensorOperator.execute). */
const SOFT_FAILED = /^(AirflowFailException|AirflowSensorTimeout|AirflowTaskTimeout)\b/;
/** The exceptions Airflow's task runner fails a try for without a retry. */
const NOT_RETRIED = /^(AirflowFailException|AirflowSensorTimeout|AirflowTaskTerminated)\b/;

/** Airflow's DagRunType values, which a run_type filter must name (or "none"). */
const RUN_TYPES = [
  "backfill",
  "scheduled",
  "manual",
  "operator_triggered",
  "asset_triggered",
  "asset_materialization",
];

/** The boolean fields of ClearTaskInstancesBody. */
const CLEAR_FLAGS = [
  "dry_run",
  "only_failed",
  "only_running",
  "reset_dag_runs",
  "include_upstream",
  "include_downstream",
  "include_future",
  "include_past",
  "run_on_latest_version",
  "prevent_running_task",
] as const;

/** Python's truth of a JSON value, as `data.get(...)` tests it. */
const pyTruthy = (v: unknown): boolean =>
  Array.isArray(v)
    ? v.length > 0
    : v !== null && typeof v === "object"
      ? Object.keys(v).length > 0
      : Boolean(v);

/** What ClearTaskInstancesBody.validate_model refuses, on the body's raw values; or null. */
function clearBodyProblem(body: Record<string, unknown>): string | null {
  if (pyTruthy(body.only_failed) && pyTruthy(body.only_running)) {
    return "only_failed and only_running both are set to True";
  }
  const start = pyTruthy(body.start_date);
  const end = pyTruthy(body.end_date);
  const run = pyTruthy(body.dag_run_id);
  if (start && end && String(body.start_date) > String(body.end_date)) {
    return "end_date is sooner than start_date";
  }
  if (start && end && run) {
    return "Exactly one of dag_run_id or (start_date and end_date) must be provided";
  }
  if (start && run) return "Exactly one of dag_run_id or start_date must be provided";
  if (end && run) return "Exactly one of dag_run_id or end_date must be provided";
  if (Array.isArray(body.task_ids) && body.task_ids.length < 1) {
    return "task_ids list should have at least 1 element.";
  }
  return null;
}

/** A JSON body's boolean as pydantic's lax mode reads it; null (and an issue) when it is none. */
function jsonBool(v: unknown, loc: (string | number)[], issues: ValidationIssue[]): boolean | null {
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  // Another whole number (2, -1) is one pydantic cannot read as a boolean; a fraction is no kind.
  if (typeof v === "string" || (typeof v === "number" && Number.isInteger(v))) {
    if (typeof v === "string" && /^(true|1|yes|on|t|y)$/i.test(v)) return true;
    if (typeof v === "string" && /^(false|0|no|off|f|n)$/i.test(v)) return false;
    issues.push({
      type: "bool_parsing",
      loc,
      msg: "Input should be a valid boolean, unable to interpret input",
      input: v,
    });
    return null;
  }
  if (v === null && loc[loc.length - 1] === "run_on_latest_version") return null;
  issues.push({ type: "bool_type", loc, msg: "Input should be a valid boolean", input: v });
  return null;
}

/** Airflow's DagRunState and TaskInstanceState values, in their enums' order. */
const RUN_STATES = ["queued", "running", "success", "failed"] as const;
const TI_STATES = [
  "removed",
  "scheduled",
  "queued",
  "running",
  "success",
  "restarting",
  "failed",
  "up_for_retry",
  "up_for_reschedule",
  "upstream_failed",
  "skipped",
  "deferred",
  "awaiting_input",
] as const;

/**
 * The `state` query values as the server reads them (_transform_dag_run_states,
 * _transform_ti_states): the names in `nulls` stand for no state (null); any other value not in
 * `valid` is a 422.
 */
function stateFilter(
  url: URL,
  valid: readonly string[],
  nulls: readonly string[],
): (string | null)[] | Response {
  const out: (string | null)[] = [];
  for (const s of url.searchParams.getAll("state")) {
    if (nulls.includes(s)) out.push(null);
    else if (valid.includes(s)) out.push(s);
    else return airflowError(422, `Invalid value for state. Valid values are ${valid.join(", ")}`);
  }
  return out;
}

function toMs(v: number | string | Date): number {
  return typeof v === "number" ? v : new Date(v).getTime();
}

/**
 * Path parameters arrive decoded once (by msw, and by the fakes' router), as Starlette decodes
 * them; decoding again would turn a variable key `a%41` into `aA`. Kept as a named step so each
 * handler says where a parameter enters.
 */
function decode(s: string): string {
  return s;
}

/**
 * The path parameters Airflow's API declares `{name:path}` (routes/public/xcom.py, variables.py,
 * pools.py): an XCom key, variable key or pool name may hold a `/`, sent as it is or as `%2F`.
 */
/**
 * How many task instances mapping over `value` makes: a list's items, a dict's keys
 * (is_mappable_value); null for anything else, which Airflow refuses to map over.
 */
function mapLength(value: unknown): number | null {
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === "object") return Object.keys(value).length;
  return null;
}

/**
 * The `map_index` query parameter of the XCom routes (`Query(ge=-1)`): null when absent, an
 * issue added when it is not an integer ≥ -1.
 */
function mapIndexParam(url: URL, issues: ValidationIssue[]): number | null {
  const text = url.searchParams.get("map_index");
  if (text === null) return null;
  if (!/^-?\d+$/.test(text)) {
    issues.push({
      type: "int_parsing",
      loc: ["query", "map_index"],
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: text,
    });
    return null;
  }
  if (Number(text) < -1) {
    issues.push({
      type: "greater_than_equal",
      loc: ["query", "map_index"],
      msg: "Input should be greater than or equal to -1",
      input: text,
      ctx: { ge: -1 },
    });
    return null;
  }
  return Number(text);
}

/**
 * Why Airflow refuses to map over a task's return value (XComForMappingNotPushed,
 * UnmappableXComTypePushed, as their log line reads), or null when it is a list or a dict.
 */
function unmappable(value: unknown): string | null {
  if (mapLength(value) !== null) return null;
  if (value === undefined || value === null) {
    return "XComForMappingNotPushed: did not push XCom for task mapping";
  }
  const type =
    typeof value === "string"
      ? "str"
      : typeof value === "boolean"
        ? "bool"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "int"
            : "float"
          : typeof value;
  return `UnmappableXComTypePushed: unmappable return type '${type}'`;
}

/** Python's truth of a JSON value: None, False, 0, "", [] and {} are false. */
function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** Python's type name of a JSON value. */
function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  return Array.isArray(value) ? "list" : "dict";
}

/** A run's key for a task instance: the task id, then `[map index]` for a mapped one. */
const tiKey = (taskId: string, mapIndex: number): string =>
  mapIndex < 0 ? taskId : `${taskId}[${mapIndex}]`;

/** TaskInstance.rendered_map_index without a map_index_template: a mapped one's index as text. */
const renderedMapIndex = (ti: { readonly mapIndex: number }): string | null =>
  ti.mapIndex >= 0 ? String(ti.mapIndex) : null;

const TRIGGER_RULES: ReadonlySet<string> = new Set<AirflowTriggerRule>([
  "all_success",
  "all_failed",
  "all_done",
  "all_done_min_one_success",
  "all_skipped",
  "one_success",
  "one_failed",
  "one_done",
  "none_failed",
  "none_failed_min_one_success",
  "none_skipped",
  "always",
  "all_done_setup_success",
]);

/** A task spec's trigger rule, checked: a teardown's is all_done_setup_success (as_teardown). */
function triggerRuleOf(dagId: string, t: AirflowTaskSpec): AirflowTriggerRule {
  const rule = t.triggerRule ?? (t.teardown ? "all_done_setup_success" : "all_success");
  if (!TRIGGER_RULES.has(rule)) {
    throw new TypeError(
      `addDag(${dagId}): ${t.taskId} has trigger rule ${JSON.stringify(rule)}; the fake takes ${[...TRIGGER_RULES].join(", ")}`,
    );
  }
  if (t.teardown && rule !== "all_done_setup_success") {
    throw new TypeError(
      `addDag(${dagId}): ${t.taskId} is a teardown: its trigger rule is all_done_setup_success (as_teardown sets it), not ${rule}`,
    );
  }
  if (rule === "all_done_setup_success" && !t.teardown) {
    throw new TypeError(
      `addDag(${dagId}): ${t.taskId} has trigger rule all_done_setup_success, a teardown's: give it teardown: true`,
    );
  }
  if (t.setup && t.teardown) {
    throw new TypeError(`addDag(${dagId}): ${t.taskId} cannot be both a setup and a teardown`);
  }
  return rule;
}

/** The states of a task instance's upstream task instances, as TriggerRuleDep counts them. */
interface UpstreamCounts {
  /** Every upstream task instance (each instance of a mapped task; -1 until it expands). */
  readonly upstream: number;
  readonly success: number;
  readonly skipped: number;
  readonly failed: number;
  readonly upstreamFailed: number;
  readonly removed: number;
  /** Finished ones (any of the above). */
  readonly done: number;
  /** Of them, those of setup tasks: every one, and the successful and skipped ones. */
  readonly setups: number;
  readonly successSetups: number;
  readonly skippedSetups: number;
}

/**
 * TriggerRuleDep._evaluate_direct_relatives with flag_upstream_failed, as the scheduler runs
 * it: the state a task instance with no state takes at once (skipped, upstream_failed), else
 * whether it may run now.
 */
function triggerDecision(
  rule: AirflowTriggerRule,
  c: UpstreamCounts,
): "run" | "wait" | "skipped" | "upstream_failed" {
  if (c.upstream === 0 || rule === "always") return "run";
  const { success, skipped, failed, upstreamFailed, removed, done, upstream } = c;
  const allDone = done >= upstream;
  const anyFailed = failed > 0 || upstreamFailed > 0;
  const when = (met: boolean) => (met ? "run" : "wait");
  switch (rule) {
    case "all_success":
      if (anyFailed) return "upstream_failed";
      if (skipped > 0) return "skipped";
      return when(upstream - success - removed <= 0);
    case "all_failed":
      if (success > 0 || skipped > 0) return "skipped";
      return when(upstream - failed - upstreamFailed - removed <= 0);
    case "all_done":
      return when(allDone);
    case "one_success":
      if (allDone && done === skipped) return "skipped";
      if (allDone && success <= 0) return "upstream_failed";
      return when(success > 0);
    case "one_failed":
      if (allDone && !anyFailed) return "skipped";
      return when(anyFailed);
    case "one_done":
      if (allDone && failed + success === 0) return "skipped";
      return when(success + failed > 0);
    case "none_failed":
      if (anyFailed) return "upstream_failed";
      return when(upstream - success - skipped - removed <= 0);
    case "none_failed_min_one_success":
      if (anyFailed) return "upstream_failed";
      if (skipped === upstream) return "skipped";
      if (allDone && success === 0) return "upstream_failed";
      return when(upstream - success - skipped - removed <= 0 && success > 0);
    case "none_skipped":
      if (skipped > 0) return "skipped";
      return when(allDone);
    case "all_skipped":
      if (success > 0 || anyFailed) return "skipped";
      return when(upstream - skipped <= 0);
    case "all_done_setup_success":
      // A teardown: after everything, if a setup before it succeeded.
      if (allDone && c.setups > 0 && c.skippedSetups >= c.setups) return "skipped";
      if (allDone && c.setups > 0 && c.successSetups === 0) return "upstream_failed";
      return when(allDone);
    case "all_done_min_one_success": {
      if (skipped > 0) return "skipped";
      if (success + failed + upstreamFailed + removed >= upstream - skipped && success === 0) {
        return "upstream_failed";
      }
      return when(success + failed + upstreamFailed >= upstream - skipped - removed && success > 0);
    }
    default:
      return "wait";
  }
}

const PATH_PARAMS: ReadonlySet<string> = new Set(["xcom_key", "variable_key", "pool_name"]);

export function createAirflowFake(options: AirflowFakeOptions = {}): AirflowFake {
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? "http://airflow.mock");
  const clock = options.clock ?? systemClock;
  const users = fakeUsers(options);
  const ttlMs = (options.tokenTtlSeconds ?? 86_400) * 1000;
  const leewayMs = (options.tokenLeewaySeconds ?? 0) * 1000;
  const defaultDuration = options.taskDurationMs ?? 1000;
  // The scheduler never starts a run in the instant it was queued: at least 1 ms.
  const schedulerDelay = Math.max(1, options.schedulerDelayMs ?? 1);
  const taskQueueDelay = Math.max(0, options.taskQueueDelayMs ?? 1);
  const taskStartDelay = Math.max(0, options.taskStartDelayMs ?? 1);
  const version = options.version ?? "3.3.2";
  const hostname = options.hostname ?? "airflow.mock";
  const unixname = options.unixname ?? "airflow";

  // --- state -------------------------------------------------------------------------------
  let dags = new Map<string, Dag>();
  let active = new Set<Run>();
  /** Task instances whose try fails without a retry (the task runner set the state itself). */
  const noRetry = new WeakSet<Ti>();
  let tokens = new Map<string, { expiry: number; user: AirflowFakeUser }>();
  /** The user of each request past the auth check (a run's triggering_user_name). */
  const requestUser = new WeakMap<Request, AirflowFakeUser>();
  let tokenCount = 0;
  let variables = new Map<string, Variable>();
  let pools = new Map<string, Pool>();
  let connections = new Map<string, Connection>();
  let importErrors = new Map<number, ImportErr>();
  let importErrorSeq = 0;
  let seq = 0;
  let idCounter = 0;
  let pid = 1000;

  const nextId = () => uuid7(clock.now(), idCounter++);

  function reset(): void {
    idCounter = 0;
    dags = new Map();
    active = new Set();
    tokens = new Map();
    tokenCount = 0;
    variables = new Map();
    pools = new Map();
    connections = new Map();
    importErrors = new Map();
    importErrorSeq = 0;
    seq = 0;
    pools.set("default_pool", {
      seq: seq++,
      name: "default_pool",
      slots: 128,
      description: "Default pool",
      includeDeferred: false,
    });
    for (const d of options.dags ?? []) addDag(d);
    for (const e of options.importErrors ?? []) addImportError(e);
  }

  /** A task spec's `expand`, checked: a count, the task id it maps over, or null. */
  function expandOf(dagId: string, t: AirflowTaskSpec): number | string | null {
    const e = t.expand;
    if (e === undefined) return null;
    if (typeof e === "number") {
      if (!Number.isInteger(e) || e < 0) {
        throw new TypeError(`addDag(${dagId}): ${t.taskId} needs expand as a whole count ≥ 0`);
      }
      return e;
    }
    if (typeof e?.task !== "string" || e.task === t.taskId) {
      throw new TypeError(
        `addDag(${dagId}): ${t.taskId} needs expand as a count or { task } naming an upstream task`,
      );
    }
    return e.task;
  }

  /** A concurrency limit of a spec: a whole number ≥ 1, or null when not given. */
  function limitOf(
    dagId: string,
    who: string,
    name: string,
    value: number | undefined,
  ): number | null {
    if (value === undefined) return null;
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`addDag(${dagId}): ${who} needs a whole ${name} ≥ 1`);
    }
    return value;
  }

  /** A task's `triggers`, checked. */
  function triggerDefOf(dagId: string, t: AirflowTaskSpec): TriggerDef | null {
    const given = t.triggers;
    if (given === undefined) return null;
    const who = `addDag(${dagId}): ${t.taskId}'s triggers`;
    if (
      typeof given !== "object" ||
      given === null ||
      typeof given.dagId !== "string" ||
      !given.dagId
    )
      throw new TypeError(`${who} needs the dagId of the DAG it starts`);
    // A run id Airflow refuses fails the try when it runs (the API's 400), as on the server.
    if (given.runId !== undefined && !["string", "function"].includes(typeof given.runId))
      throw new TypeError(`${who}: runId must be a string or a function of the starting run`);
    if (
      given.conf !== undefined &&
      (typeof given.conf !== "object" || given.conf === null || Array.isArray(given.conf))
    )
      throw new TypeError(`${who}: conf must be an object`);
    const w = given.wait;
    let wait: TriggerDef["wait"] = null;
    if (w !== undefined && w !== false) {
      const o = w === true ? {} : w;
      const states = (
        name: string,
        list: readonly string[] | undefined,
        fallback: RunStateName,
      ) => {
        const out = list === undefined ? [fallback] : [...list];
        for (const s of out) {
          if (!["queued", "running", "success", "failed"].includes(s))
            throw new TypeError(`${who}: ${name} holds ${JSON.stringify(s)}, not a DAG run state`);
        }
        return out as RunStateName[];
      };
      const poke = o.pokeIntervalMs ?? 60_000;
      if (!Number.isFinite(poke) || poke < 0)
        throw new TypeError(`${who}: wait.pokeIntervalMs must be ≥ 0`);
      // The operator's `if allowed_states:` takes an empty list for its default too (not so
      // failed_states, defaulted only when None).
      const allowed = o.allowedStates?.length === 0 ? undefined : o.allowedStates;
      wait = {
        pokeIntervalMs: Math.max(1, poke),
        allowed: states("allowedStates", allowed, "success"),
        failed: states("failedStates", o.failedStates, "failed"),
      };
    }
    return {
      dagId: given.dagId,
      runId: given.runId ?? null,
      conf: { ...(given.conf ?? {}) },
      skipWhenExists: given.skipWhenExists === true,
      wait,
    };
  }

  function addDag(spec: AirflowDagSpec): void {
    if (!spec.dagId) throw new TypeError("addDag: dagId is required");
    limitOf(spec.dagId, spec.dagId, "maxActiveTasks", spec.maxActiveTasks);
    const byId = new Map<string, TaskDef>();
    const tasks: TaskDef[] = [];
    for (const t of spec.tasks) {
      if (byId.has(t.taskId)) throw new TypeError(`addDag(${spec.dagId}): task ${t.taskId} twice`);
      const operator = t.operator ?? DEFAULT_OPERATOR;
      const poolSlots = t.poolSlots ?? 1;
      if (!Number.isInteger(poolSlots) || poolSlots < 1) {
        // BaseOperator: "pool slots for <task> in dag <dag> cannot be less than 1".
        throw new TypeError(`addDag(${spec.dagId}): ${t.taskId} needs poolSlots ≥ 1`);
      }
      const retries = t.retries ?? 0;
      if (!Number.isInteger(retries) || retries < 0) {
        throw new TypeError(`addDag(${spec.dagId}): ${t.taskId} needs a whole retries ≥ 0`);
      }
      const delay = t.retryDelayMs ?? 300_000;
      if (!Number.isFinite(delay) || delay < 0) {
        throw new TypeError(`addDag(${spec.dagId}): ${t.taskId} needs retryDelayMs ≥ 0`);
      }
      // At least a millisecond, as every state lasts: up_for_retry can be seen.
      const retryDelayMs = Math.max(1, delay);
      const reschedules = t.reschedules ?? 0;
      if (
        (!Number.isInteger(reschedules) && reschedules !== Number.POSITIVE_INFINITY) ||
        reschedules < 0
      ) {
        throw new TypeError(
          `addDag(${spec.dagId}): ${t.taskId} needs a whole reschedules ≥ 0 (Infinity for a sensor that never finds it)`,
        );
      }
      const pokes = t.pokes ?? 0;
      if ((!Number.isInteger(pokes) && pokes !== Number.POSITIVE_INFINITY) || pokes < 0) {
        throw new TypeError(
          `addDag(${spec.dagId}): ${t.taskId} needs a whole pokes ≥ 0 (Infinity for a sensor that never finds it)`,
        );
      }
      if (pokes > 0 && reschedules > 0) {
        throw new TypeError(
          `addDag(${spec.dagId}): ${t.taskId} has pokes and reschedules: a sensor pokes in one mode, poke (pokes) or reschedule (reschedules)`,
        );
      }
      const pokeInterval = t.pokeIntervalMs ?? 60_000;
      if (!Number.isFinite(pokeInterval) || pokeInterval < 0) {
        throw new TypeError(`addDag(${spec.dagId}): ${t.taskId} needs pokeIntervalMs ≥ 0`);
      }
      // [sensors] default_timeout: 7 days.
      const timeoutMs = t.timeoutMs ?? 604_800_000;
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        throw new TypeError(`addDag(${spec.dagId}): ${t.taskId} needs timeoutMs ≥ 0`);
      }
      const expand = expandOf(spec.dagId, t);
      const skips = t.skips ?? null;
      if (skips !== null && !["branch", "short_circuit", "short_circuit_direct"].includes(skips)) {
        throw new TypeError(
          `addDag(${spec.dagId}): ${t.taskId} needs skips "branch", "short_circuit" or "short_circuit_direct"`,
        );
      }
      if (skips !== null && expand !== null) {
        // A mapped instance's skips reach no task instance: Airflow leaves them to
        // NotPreviouslySkippedDep, by map index, which the fake does not model.
        throw new TypeError(
          `addDag(${spec.dagId}): ${t.taskId}: a mapped task that skips is not modelled`,
        );
      }
      const upstream = [...(t.upstream ?? [])];
      // .expand(x=upstream()) makes the upstream task a dependency of the mapped one.
      if (typeof expand === "string" && !upstream.includes(expand)) upstream.push(expand);
      const xcom = t.xcom ?? {};
      const def: TaskDef = {
        taskId: t.taskId,
        upstream,
        downstream: [],
        operator,
        operatorName: t.operatorName ?? (operator === DEFAULT_OPERATOR ? "@task" : operator),
        xcom: typeof xcom === "function" ? (i) => xcom(i) ?? {} : () => xcom,
        xcomOnFailure: t.xcomOnFailure ?? {},
        durationMs: t.durationMs,
        log: t.log ?? [],
        pool: t.pool ?? "default_pool",
        poolSlots,
        priorityWeight: 1,
        retries,
        retryDelayMs,
        expand,
        triggerRule: triggerRuleOf(spec.dagId, t),
        mapsInto: false,
        reschedules,
        pokes,
        pokeIntervalMs: Math.max(1, pokeInterval),
        timeoutMs,
        softFail: t.softFail ?? false,
        maxActiveTisPerDag: limitOf(
          spec.dagId,
          t.taskId,
          "maxActiveTisPerDag",
          t.maxActiveTisPerDag,
        ),
        maxActiveTisPerDagrun: limitOf(
          spec.dagId,
          t.taskId,
          "maxActiveTisPerDagrun",
          t.maxActiveTisPerDagrun,
        ),
        skips,
        role: t.setup ? "setup" : t.teardown ? "teardown" : null,
        setups: [],
        scope: [],
        triggers: triggerDefOf(spec.dagId, t),
      };
      byId.set(t.taskId, def);
      tasks.push(def);
    }
    for (const t of tasks) {
      for (const u of t.upstream) {
        const up = byId.get(u);
        if (!up)
          throw new TypeError(`addDag(${spec.dagId}): ${t.taskId} waits for unknown task ${u}`);
        up.downstream.push(t.taskId);
        // DAG.validate_setup_teardown: Airflow refuses to import such a DAG.
        if (up.role === "setup" && t.role !== "teardown" && t.triggerRule !== "all_success") {
          throw new TypeError(
            `addDag(${spec.dagId}): ${t.taskId} comes right after setup ${u} with trigger rule ${t.triggerRule}; Airflow refuses the DAG ("Setup tasks must be followed with trigger rule ALL_SUCCESS.")`,
          );
        }
      }
      if (typeof t.expand === "string") {
        const over = byId.get(t.expand);
        if (!over)
          throw new TypeError(
            `addDag(${spec.dagId}): ${t.taskId} maps over unknown task ${t.expand}`,
          );
        over.mapsInto = true;
      }
    }
    // Topological order (Kahn), keeping definition order among ready tasks.
    const indegree = new Map(tasks.map((t) => [t.taskId, t.upstream.length]));
    const order: TaskDef[] = [];
    const ready = tasks.filter((t) => t.upstream.length === 0);
    while (ready.length > 0) {
      const t = ready.shift() as TaskDef;
      order.push(t);
      for (const d of t.downstream) {
        const n = (indegree.get(d) ?? 0) - 1;
        indegree.set(d, n);
        if (n === 0) ready.push(byId.get(d) as TaskDef);
      }
    }
    if (order.length !== tasks.length)
      throw new TypeError(`addDag(${spec.dagId}): the tasks form a cycle`);
    // priority_weight with weight_rule "downstream": 1 + every task downstream of it.
    for (const t of tasks) t.priorityWeight = 1 + allDownstream(byId, t.taskId).size;
    // What setups and teardowns depend on, once: the graph does not change after this.
    if (tasks.some((t) => t.role === "setup")) {
      for (const t of tasks) {
        t.setups = relevantSetups(byId, t);
        if (t.role === "teardown") t.scope = teardownScope(byId, t);
      }
    }
    const old = dags.get(spec.dagId);
    if (old) dropRuns(old);
    const now = clock.now();
    dags.set(spec.dagId, {
      spec,
      dagId: spec.dagId,
      isPaused: spec.isPaused ?? false,
      tasks,
      byId,
      order,
      script: spec.script ?? {},
      versionId: nextId(),
      createdAt: now,
      parsedAt: now,
      runs: new Map(),
    });
  }

  /** A DAG's runs go (removed or replaced): the pool slots their task instances held open. */
  function dropRuns(dag: Dag): void {
    let held = false;
    for (const r of dag.runs.values()) held = active.delete(r) || held;
    if (held) for (const name of pools.keys()) poolSlotsFreed(name, clock.now());
  }

  function addImportError(spec: AirflowImportErrorSpec): number {
    const id = ++importErrorSeq;
    importErrors.set(id, {
      id,
      timestamp: spec.timestamp === undefined ? clock.now() : toMs(spec.timestamp),
      filename: spec.filename,
      bundleName: spec.bundleName ?? "dags-folder",
      stackTrace: spec.stackTrace,
    });
    return id;
  }

  // --- the scheduler -----------------------------------------------------------------------
  function outcomeOf(
    dag: Dag,
    task: TaskDef,
    tryNumber: number,
    mapIndex: number,
  ): {
    state: "success" | "failed" | "skipped";
    durationMs: number;
    startDelayMs: number;
    log: readonly string[];
    error: string | undefined;
    /** What the try returned, when the script says (else the task's xcom's return_value). */
    returns: { readonly value: unknown } | null;
  } {
    // A mapped instance's own entry (`train[2]`) before its task's.
    const entry =
      (mapIndex >= 0 ? dag.script[tiKey(task.taskId, mapIndex)] : undefined) ??
      dag.script[task.taskId];
    const pick: TaskOutcome | undefined = Array.isArray(entry)
      ? (entry as readonly TaskOutcome[])[Math.min(tryNumber - 1, entry.length - 1)]
      : (entry as TaskOutcome | undefined);
    const duration = task.durationMs ?? dag.spec.taskDurationMs ?? defaultDuration;
    const base = {
      durationMs: duration,
      startDelayMs: taskStartDelay,
      log: task.log,
      error: undefined,
      returns: null,
    };
    if (pick === undefined) return { ...base, state: "success" };
    if (typeof pick === "string") return { ...base, state: pick };
    return {
      state: pick.state,
      durationMs: pick.durationMs ?? duration,
      startDelayMs: Math.max(0, pick.startDelayMs ?? taskStartDelay),
      log: pick.log ?? task.log,
      error: pick.error,
      returns: "returns" in pick ? { value: pick.returns } : null,
    };
  }

  /**
   * GET .../tries and .../tries/{task_try_number} (and their /{map_index}/ forms): the tries
   * task_instance_history keeps, then the task instance's row unless it is up_for_retry (that
   * try is in the history already); one try by its number, the row's first. A map index the
   * task has no instance of is the server's 404.
   */
  function triesRoutes() {
    /** An integer parameter, or the 422 issue of one that is none (null when not given). */
    const whole = (
      where: "path" | "query",
      name: string,
      text: string | null,
    ): number | ValidationIssue | null => {
      if (text === null) return null;
      return /^-?\d+$/.test(text)
        ? Number(text)
        : {
            type: "int_parsing",
            loc: [where, name],
            msg: "Input should be a valid integer, unable to parse string as an integer",
            input: text,
          };
    };
    type Args = {
      params: Record<string, string | readonly string[] | undefined>;
      request: Request;
    };
    const read = ({ params, request }: Args, mapInPath: boolean) => {
      const mapText = mapInPath
        ? decode(params.map_index as string)
        : new URL(request.url).searchParams.get("map_index");
      const map = whole(mapInPath ? "path" : "query", "map_index", mapText);
      const tryText =
        params.task_try_number === undefined ? null : decode(params.task_try_number as string);
      const tryNumber = whole("path", "task_try_number", tryText);
      // FastAPI says the path's errors first, in the signature's order (the try number before
      // a map index).
      const issues = [tryNumber, map].filter(
        (v): v is ValidationIssue => v !== null && typeof v === "object",
      );
      const dagId = decode(params.dag_id as string);
      const runId = decode(params.dag_run_id as string);
      const taskId = decode(params.task_id as string);
      const run = findRun(dagId, runId);
      const mapIndex = typeof map === "number" ? map : -1;
      return {
        issues,
        dagId,
        runId,
        taskId,
        mapIndex,
        run,
        tryNumber: typeof tryNumber === "number" ? tryNumber : null,
      };
    };
    /**
     * A task instance's tries: what the history keeps of it, then the row itself unless it is
     * up_for_retry (that try is in the history already). The history's rows follow the row's
     * map index (their foreign key cascades): the tries of the instance -1 of a mapped task are
     * map index 0's once it expanded.
     */
    const triesOf = (run: Run, taskId: string, mapIndex: number): Array<[Ti, TiTry]> => {
      const ti = findTi(run, taskId, mapIndex);
      if (!ti) return [];
      const past = ti.history.map((h): [Ti, TiTry] => [ti, h]);
      return ti.state === "up_for_retry" ? past : [...past, [ti, currentTry(ti)]];
    };
    /** The tries of a task instance, or the server's answer when there are none. */
    const list = (args: Args, mapInPath: boolean) => {
      const r = read(args, mapInPath);
      if (r.issues.length) return invalid(r.issues);
      const tries = r.run ? triesOf(r.run, r.taskId, r.mapIndex) : [];
      if (!r.run || tries.length === 0) {
        return fail(
          404,
          `The Task Instance with dag_id: \`${r.dagId}\`, run_id: \`${r.runId}\`, task_id: \`${r.taskId}\` and map_index: \`${r.mapIndex}\` was not found`,
        );
      }
      const { run } = r;
      return {
        task_instances: tries.map(([ti, entry]) => tryJson(run, ti, entry)),
        total_entries: tries.length,
      } as Schemas["TaskInstanceHistoryCollectionResponse"];
    };
    /** One try by its number (the row's own first), or the server's answer when there is none. */
    const one = (args: Args, mapInPath: boolean) => {
      const r = read(args, mapInPath);
      if (r.issues.length) return invalid(r.issues);
      // The row's own try first (up_for_retry too), then the history's.
      const row = findTi(r.run, r.taskId, r.mapIndex);
      const found: [Ti, TiTry] | undefined =
        row && row.tryNumber === r.tryNumber
          ? [row, currentTry(row)]
          : (r.run ? triesOf(r.run, r.taskId, r.mapIndex) : []).find(
              ([, h]) => h.tryNumber === r.tryNumber,
            );
      if (!r.run || !found) {
        return fail(
          404,
          `The Task Instance with dag_id: \`${r.dagId}\`, run_id: \`${r.runId}\`, task_id: \`${r.taskId}\`, try_number: \`${r.tryNumber}\` and map_index: \`${r.mapIndex}\` was not found`,
        );
      }
      return tryJson(r.run, found[0], found[1]);
    };
    const answer = <T extends object>(got: T | Response, respond: (body: T) => Response): never =>
      (got instanceof Response ? got : respond(got)) as never;
    return [
      http.get(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries",
        guarded((info) =>
          answer(list(info as unknown as Args, false), (b) => info.response(200).json(b)),
        ),
      ),
      http.get(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries",
        guarded((info) =>
          answer(list(info as unknown as Args, true), (b) => info.response(200).json(b)),
        ),
      ),
      http.get(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries/{task_try_number}",
        guarded((info) =>
          answer(one(info as unknown as Args, false), (b) => info.response(200).json(b)),
        ),
      ),
      http.get(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries/{task_try_number}",
        guarded((info) =>
          answer(one(info as unknown as Args, true), (b) => info.response(200).json(b)),
        ),
      ),
    ];
  }

  /**
   * GET .../{task_id}/listMapped (a mapped task's instances, as a list) and .../{task_id}/{map_index}
   * (one of them). Registered after the routes `{map_index}` would shadow (`.../dependencies`,
   * `.../xcomEntries`, `.../tries`): a segment one of those names is left to them.
   */
  function mappedRoutes() {
    const TI = "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}";
    const siblings = new Set(
      AIRFLOW_SPEC_ROUTES.map(([, p]) => p)
        .filter((p) => p.startsWith(`${TI}/`))
        .map((p) => p.slice(TI.length + 1))
        .filter((rest) => !rest.includes("/") && !rest.startsWith("{")),
    );
    return [
      http.get(
        `${TI}/listMapped`,
        guarded(({ params, request }) => {
          const dagId = decode(params.dag_id);
          const runId = decode(params.dag_run_id);
          const taskId = decode(params.task_id);
          const url = new URL(request.url);
          const query = tiQuery(url, `${TI}/listMapped`);
          if (query instanceof Response) return query as never;
          const run = findRun(dagId, runId);
          const tis = run ? instancesOf(run, taskId).filter((ti) => ti.mapIndex >= 0) : [];
          // None mapped (yet, or none to map over) is an empty list for a mapped task.
          if (tis.length === 0) {
            const dag = dags.get(dagId);
            if (!dag) return fail(404, `The Dag with ID: \`${dagId}\` was not found`);
            const task = dag.byId.get(taskId);
            if (!task) return fail(404, `Task id ${taskId} not found`);
            if (task.expand === null) return fail(404, `Task id ${taskId} is not mapped`);
          }
          return tiListAnswer(
            tis.map((ti): [Run, Ti] => [run as Run, ti]),
            url,
            query,
            true,
          ) as never;
        }),
      ),
      http.get(
        `${TI}/{map_index}`,
        guarded(({ params }) => {
          const mapText = decode(params.map_index);
          if (siblings.has(mapText)) return undefined as never;
          if (!/^-?\d+$/.test(mapText)) {
            return invalid([
              {
                type: "int_parsing",
                loc: ["path", "map_index"],
                msg: "Input should be a valid integer, unable to parse string as an integer",
                input: mapText,
              },
            ]);
          }
          const dagId = decode(params.dag_id);
          const runId = decode(params.dag_run_id);
          const taskId = decode(params.task_id);
          const run = findRun(dagId, runId);
          const ti = findTi(run, taskId, Number(mapText));
          if (!run || !ti) {
            return fail(
              404,
              `The Mapped Task Instance with dag_id: \`${dagId}\`, run_id: \`${runId}\`, task_id: \`${taskId}\`, and map_index: \`${Number(mapText)}\` was not found`,
            );
          }
          return Response.json(tiJson(run, ti)) as never;
        }),
      ),
    ];
  }

  /**
   * A try's log as Airflow 3 serves it: where it was read from (a folded group), what the task
   * printed (`task.stdout`), and for a failed try the exception (`error_detail`). Null when
   * the task instance has had no such try.
   */
  function tryLog(
    run: Run,
    dag: Dag,
    ti: Ti,
    tryNumber: number,
  ): { content: Record<string, unknown>[]; continuation_token: string | null } | null {
    const task = dag.byId.get(ti.taskId);
    if (!task || tryNumber < 1 || tryNumber > ti.tryNumber) return null;
    // A try counted (scheduled) but not started (scheduled, queued) has written no log yet: the
    // server answers the source block's group markers alone.
    const waiting = ti.state === "scheduled" || ti.state === "queued";
    if (tryNumber === ti.tryNumber && waiting && ti.pokes === 0) {
      return {
        content: [{ event: "::group::Log message source details" }, { event: "::endgroup::" }],
        continuation_token: null,
      };
    }
    const running = tryNumber === ti.tryNumber && ti.state === "running";
    // A sensor's try between pokes has not ended: its log so far, no exception.
    const between = tryNumber === ti.tryNumber && (ti.state === "up_for_reschedule" || waiting);
    // An earlier try's log is that try's own (task_instance_history's row): its times, and no
    // task output when it never started (cleared while scheduled or queued).
    // A try the history holds is over (retried, or cleared and not yet run again).
    const past = ti.history.find((h) => h.tryNumber === tryNumber);
    if (past && past.startDate === null) {
      return {
        content: [{ event: "::group::Log message source details" }, { event: "::endgroup::" }],
        continuation_token: null,
      };
    }
    const outcome = outcomeOf(dag, task, tryNumber, ti.mapIndex);
    const at = isoTime((past ? past.startDate : ti.startDate) ?? clock.now());
    // Pokes that wrote to it: those that found nothing, and the one running or that ended it.
    const pokesLogged = past ? past.logged : ti.pokes + (between ? 0 : 1);
    // Airflow's log_filename_template: a mapped instance's log in a folder of its map index.
    const mapped = ti.mapIndex >= 0 ? `map_index=${ti.mapIndex}/` : "";
    const file = `dag_id=${dag.dagId}/run_id=${run.runId}/task_id=${ti.taskId}/${mapped}attempt=${tryNumber}.log`;
    const content: Record<string, unknown>[] = [
      { event: "::group::Log message source details" },
      { event: `/opt/airflow/logs/${file}` },
      { event: "::endgroup::" },
      // Each poke of a sensor appends to the try's log: its lines once a poke.
      ...Array.from({ length: pokesLogged }, () => outcome.log)
        .flat()
        .map((event) => ({ timestamp: at, level: "info", logger: "task.stdout", event })),
    ];
    const pushFailure = ti.pushFailures.get(tryNumber);
    // A try a clear stopped raised nothing; nor did one a sensor's timeout skipped (soft_fail):
    // the poke the script fails was never reached; nor one soft_fail skipped for what its
    // poke raised (AirflowSkipException, which the log does not show as an exception).
    const stopped =
      (past !== undefined && !past.ended) ||
      ((ti.timedOut.has(tryNumber) || ti.softFailed.has(tryNumber)) && pushFailure === undefined);
    if (
      !running &&
      !between &&
      !stopped &&
      (outcome.state === "failed" || pushFailure !== undefined)
    ) {
      const error = pushFailure ?? outcome.error ?? "Exception";
      const colon = error.indexOf(": ");
      const ended = past ? past.endDate : tryNumber === ti.tryNumber ? ti.endDate : null;
      const end = ended !== null ? isoTime(ended) : at;
      content.push({
        timestamp: end,
        level: "error",
        logger: "task",
        event: "Task failed with exception",
        error_detail: [
          {
            exc_type: colon < 0 ? error : error.slice(0, colon),
            exc_value: colon < 0 ? "" : error.slice(colon + 2),
            exc_notes: [],
            syntax_error: null,
            is_cause: false,
            frames: [],
            is_group: false,
            exceptions: [],
          },
        ],
      });
    }
    // A running try's log goes on: Airflow hands back a token to read the rest with.
    return { content, continuation_token: running ? `fake-token-${ti.id}-${tryNumber}` : null };
  }

  /** A task instance not yet run (a run's, or one a mapped task expands into). */
  function newTi(task: TaskDef, mapIndex: number): Ti {
    return {
      id: nextId(),
      taskId: task.taskId,
      mapIndex,
      state: null,
      startDate: null,
      endDate: null,
      duration: null,
      queuedWhen: null,
      scheduledWhen: null,
      tryNumber: 0,
      // TaskInstance.__init__: max_tries is the task's retries.
      maxTries: task.retries,
      hostname: "",
      pid: null,
      due: null,
      plannedState: null,
      xcom: new Map(),
      pokes: 0,
      firstRescheduleAt: 0,
      triggered: null,
      heldByLimit: false,
      pushFailures: new Map(),
      timedOut: new Set(),
      softFailed: new Set(),
      history: [],
    };
  }

  /** What makes a new run: the rest is a queued run's. */
  type NewRun = Pick<
    Run,
    | "dagId"
    | "runId"
    | "logicalDate"
    | "dataIntervalStart"
    | "dataIntervalEnd"
    | "micros"
    | "runAfter"
    | "queuedAt"
    | "conf"
    | "note"
    | "triggeredBy"
    | "byOperator"
  >;

  /** A new run, queued: its task instances made, and the scheduler told. */
  function startRun(dag: Dag, fields: NewRun): Run {
    const run: Run = {
      ...fields,
      seq: seq++,
      startDate: null,
      endDate: null,
      lastSchedulingDecision: null,
      state: "queued",
      due: null,
      tis: new Map(),
    };
    // DagRun.verify_integrity creates no task instance for a task whose start_date (the
    // DAG's) is after the run's logical date: such a run succeeds at once, having run nothing.
    const beforeStart =
      run.logicalDate !== null &&
      dag.spec.startDate !== undefined &&
      toMs(dag.spec.startDate) > run.logicalDate;
    for (const task of beforeStart ? [] : dag.tasks) {
      // DagRun._create_tasks: a task mapped over a literal list has its instances from the
      // start (none when the list is empty: the instance -1, skipped when it would run).
      const count = typeof task.expand === "number" ? task.expand : 0;
      if (count === 0) run.tis.set(task.taskId, newTi(task, -1));
      for (let i = 0; i < count; i++) run.tis.set(tiKey(task.taskId, i), newTi(task, i));
    }
    run.due = readyAt(run);
    dag.runs.set(run.runId, run);
    active.add(run);
    return run;
  }

  /**
   * A TriggerDagRunOperator's try as it starts (the operator's execute, then Airflow 3.3's task
   * runner, `_handle_trigger_dag_run`): it pushes the run's link, then starts the run and pushes
   * its id; when it cannot, `ti.plannedState` says how the try ends. An error of the API (no such
   * DAG, a run id or a conf it refuses) reaches the task as AirflowRuntimeError, retried as any
   * failure; a run id already there is failed by the task runner itself (no retry), or skipped.
   */
  function startTriggered(trigger: TriggerDef, run: Run, ti: Ti, t: number): void {
    const target = dags.get(trigger.dagId);
    // The operator's default id holds its logical date, utcnow() with microseconds: in one
    // millisecond, another start gets the next microsecond.
    let us = 0;
    let runId: string;
    if (typeof trigger.runId === "function") runId = trigger.runId({ runId: run.runId });
    else if (trigger.runId !== null) runId = trigger.runId;
    else {
      while (us < 999 && target?.runs.has(`manual__${pythonIso(t, us)}`)) us++;
      runId = `manual__${pythonIso(t, us)}`;
    }
    // build_airflow_dagrun_url: [api] base_url, unset by default ("/"), joined with the path.
    ti.xcom.set("_link_TriggerDagRunLink", {
      value: `/dags/${trigger.dagId}/runs/${runId}`,
      timestamp: t,
    });
    const apiError = (status: number, message: string) => {
      ti.plannedState = "failed";
      ti.pushFailures.set(
        ti.tryNumber,
        `AirflowRuntimeError: API_SERVER_ERROR: {'status_code': ${status}, 'message': ${JSON.stringify(message)}}`,
      );
    };
    if (!target) {
      apiError(404, `Dag with dag_id: '${trigger.dagId}' not found`);
      return;
    }
    // trigger_dag looks for the run before it checks the id and the params.
    if (target.runs.has(runId)) {
      ti.plannedState = trigger.skipWhenExists ? "skipped" : "failed";
      if (!trigger.skipWhenExists) noRetry.add(ti);
      return;
    }
    const badId = runIdPatternProblem(runId);
    if (badId !== null) {
      apiError(400, badId);
      return;
    }
    const refused = paramsError(target.spec.params ?? {}, { ...trigger.conf });
    if (refused !== null) {
      apiError(400, refused);
      return;
    }
    startRun(target, {
      dagId: target.dagId,
      runId,
      logicalDate: t,
      dataIntervalStart: t,
      dataIntervalEnd: t,
      micros:
        us === 0
          ? {}
          : { logical_date: us, run_after: us, data_interval_start: us, data_interval_end: us },
      runAfter: t,
      queuedAt: t,
      conf: { ...trigger.conf },
      note: null,
      triggeredBy: run.triggeredBy,
      byOperator: true,
    });
    ti.xcom.set("trigger_run_id", { value: runId, timestamp: t });
    if (trigger.wait !== null) ti.triggered = runId;
  }

  /**
   * A sensor's poke that found nothing, past its timeout (BaseSensorOperator.execute): the time
   * since the try's first reschedule was recorded, or on its first poke since that poke began
   * (no row yet: execute counts from its own start), is over `timeout`. It raises
   * AirflowSensorTimeout, which fails the task without a retry, or AirflowSkipException with
   * soft_fail. True when it did: the try ends as set here.
   */
  function sensorTimedOut(task: TaskDef, ti: Ti, t: number): boolean {
    // In poke mode the try's own start (time.monotonic() as execute began).
    const since = ti.pokes === 0 || task.pokes > 0 ? (ti.startDate ?? t) : ti.firstRescheduleAt;
    const elapsed = t - since;
    // run_duration() > timeout: a poke lasts some microseconds at least, over a timeout of 0.
    if (elapsed <= task.timeoutMs && task.timeoutMs > 0) return false;
    ti.timedOut.add(ti.tryNumber);
    if (task.softFail) {
      ti.plannedState = "skipped";
      return true;
    }
    ti.plannedState = "failed";
    noRetry.add(ti);
    const float = (ms: number) => (ms % 1000 === 0 ? (ms / 1000).toFixed(1) : String(ms / 1000));
    ti.pushFailures.set(
      ti.tryNumber,
      `AirflowSensorTimeout: Sensor has timed out; run duration of ${float(elapsed)} seconds exceeds the specified timeout of ${float(task.timeoutMs)}.`,
    );
    return true;
  }

  /**
   * A TriggerDagRunOperator waiting for its run (wait_for_completion), at the try's end and at
   * each poke after: true while it waits. A run that is gone is the API's 404.
   */
  function stillWaiting(trigger: TriggerDef, ti: Ti, t: number): boolean {
    const wait = trigger.wait;
    if (wait === null || ti.triggered === null) return false;
    const state = dags.get(trigger.dagId)?.runs.get(ti.triggered)?.state;
    if (state === undefined || wait.failed.includes(state)) {
      ti.plannedState = "failed";
      ti.pushFailures.set(
        ti.tryNumber,
        state === undefined
          ? `AirflowRuntimeError: API_SERVER_ERROR: {'status_code': 404, 'message': "The DagRun with dag_id: '${trigger.dagId}' and run_id: '${ti.triggered}' was not found"}`
          : `AirflowException: ${trigger.dagId} failed with failed state ${state}`,
      );
      return false;
    }
    if (wait.allowed.includes(state)) return false;
    ti.due = t + wait.pokeIntervalMs;
    return true;
  }

  /** A task instance by its map index (-1: unmapped), if the run has it. */
  function findTi(run: Run | undefined, taskId: string, mapIndex: number): Ti | undefined {
    return mapIndex < -1 ? undefined : run?.tis.get(tiKey(taskId, mapIndex));
  }

  /** Every instance of a task in a run: its one, or its mapped ones. */
  function instancesOf(run: Run, taskId: string): Ti[] {
    const single = run.tis.get(taskId);
    if (single) return [single];
    const out: Ti[] = [];
    for (let i = 0; run.tis.has(tiKey(taskId, i)); i++)
      out.push(run.tis.get(tiKey(taskId, i)) as Ti);
    return out;
  }

  /**
   * MappedTaskUpstreamDep: a mapped task whose task it maps over ended unexpanded and did not
   * succeed is upstream_failed (or skipped, when that was skipped), whatever its trigger rule.
   */
  function mappedDependency(run: Run, task: TaskDef): "skipped" | "upstream_failed" | null {
    if (typeof task.expand !== "string") return null;
    const over = run.tis.get(tiKey(task.expand, -1))?.state ?? null;
    if (over === "failed" || over === "upstream_failed") return "upstream_failed";
    if (over === "skipped") return "skipped";
    return null;
  }

  /** The states of a task's upstream task instances in a run, counted. */
  function upstreamCounts(run: Run, task: TaskDef): UpstreamCounts {
    const n = {
      upstream: 0,
      success: 0,
      skipped: 0,
      failed: 0,
      upstreamFailed: 0,
      removed: 0,
      done: 0,
      setups: 0,
      successSetups: 0,
      skippedSetups: 0,
    };
    const dag = dags.get(run.dagId) as Dag;
    for (const u of task.upstream) {
      const setup = dag.byId.get(u)?.role === "setup";
      for (const up of instancesOf(run, u)) {
        n.upstream += 1;
        if (setup) {
          n.setups += 1;
          if (up.state === "success") n.successSetups += 1;
          if (up.state === "skipped") n.skippedSetups += 1;
        }
        if (up.state === "success") n.success += 1;
        else if (up.state === "skipped") n.skipped += 1;
        else if (up.state === "failed") n.failed += 1;
        else if (up.state === "upstream_failed") n.upstreamFailed += 1;
        else if (up.state === "removed") n.removed += 1;
        else continue;
        n.done += 1;
      }
    }
    return n;
  }

  /**
   * TriggerRuleDep._evaluate_setup_constraint, for a task that is not a teardown: the setups
   * it needs that are not right before it (a task after the work a setup sets up) must have
   * succeeded: one failed makes it upstream_failed, one skipped skipped; it waits for the rest.
   */
  function setupDependency(
    run: Run,
    dag: Dag,
    task: TaskDef,
  ): "wait" | "skipped" | "upstream_failed" | null {
    // TriggerRuleDep passes `always` before it looks at any setup.
    if (task.role === "teardown" || task.triggerRule === "always") return null;
    const indirect = task.setups.filter((id) => !task.upstream.includes(id));
    if (indirect.length === 0) return null;
    const states = indirect.flatMap((id) => instancesOf(run, id).map((ti) => ti.state));
    if (states.some((s) => s === "failed" || s === "upstream_failed")) return "upstream_failed";
    if (states.some((s) => s === "skipped")) return "skipped";
    return states.every((s) => s === "success") ? null : "wait";
  }

  /**
   * TriggerRuleDep._evaluate_teardown_scope: a teardown whose own upstream tasks are done still
   * waits for every task between its setups and it.
   */
  function teardownWaits(run: Run, task: TaskDef): boolean {
    return task.scope.some((id) =>
      instancesOf(run, id).some((ti) => ti.state === null || !TERMINAL_TI.has(ti.state)),
    );
  }

  /**
   * get_upstreams_only_setups_and_teardowns: the setups a task needs and their teardowns, which
   * a clear of the task clears too.
   */
  function setupsAndTeardowns(dag: Dag, task: TaskDef): string[] {
    return task.setups.flatMap((id) => [
      id,
      ...(dag.byId.get(id)?.downstream ?? []).filter(
        (d) => d !== task.taskId && dag.byId.get(d)?.role === "teardown",
      ),
    ]);
  }

  /**
   * get_task_map_length: the length of what an unmapped task returned (its TaskMap row, which
   * only a success records: null without one); for a mapped task, how many of its instances
   * pushed a return value (one that returned None pushed none, and one that failed none: the
   * items need not line up with its instances).
   */
  function mapCount(run: Run, upstream: string): number | null {
    const ups = instancesOf(run, upstream);
    if (ups[0] !== undefined && ups[0].mapIndex >= 0) {
      // Not while one of them has not finished (a rule such as one_success let this far).
      if (ups.some((ti) => ti.state === null || !TERMINAL_TI.has(ti.state))) return null;
      return ups.filter((ti) => ti.xcom.has("return_value")).length;
    }
    if (ups[0]?.state !== "success") return null;
    return mapLength(ups[0].xcom.get("return_value")?.value);
  }

  /**
   * TaskMap.expand_mapped_task: the task's instance -1 becomes map index 0 (the same row, its id
   * kept) and instances 1 … n-1 are added; with nothing to map over it is skipped instead (its
   * state set, no dates). Returns the instances to schedule.
   */
  function expand(run: Run, task: TaskDef, ti: Ti): Ti[] {
    const count =
      typeof task.expand === "number" ? task.expand : mapCount(run, task.expand as string);
    if (count === null || count < 1) {
      // upstream_failed when its upstream task recorded no length (it did not succeed, and a
      // trigger rule such as all_done let this task this far).
      ti.state = count === null ? "upstream_failed" : "skipped";
      return [];
    }
    run.tis.delete(tiKey(task.taskId, -1));
    ti.mapIndex = 0;
    run.tis.set(tiKey(task.taskId, 0), ti);
    const out = [ti];
    for (let i = 1; i < count; i++) {
      const more = newTi(task, i);
      run.tis.set(tiKey(task.taskId, i), more);
      out.push(more);
    }
    return out;
  }

  /**
   * TaskInstance.set_state for a state the scheduler or a PATCH sets at once (upstream_failed,
   * skipped, a running try marked success/failed): dates it already has are kept, as Airflow
   * keeps them (`start_date or now`, `end_date or now`), and the duration is theirs.
   */
  function setTiState(ti: Ti, state: NonNullable<TiState>, t: number): void {
    ti.state = state;
    ti.startDate ??= t;
    ti.endDate ??= t;
    ti.duration = (ti.endDate - ti.startDate) / 1000;
    ti.due = null;
    ti.plannedState = null;
  }

  /**
   * DagRun.update_state + schedule_tis: every task instance with no state whose upstream all
   * succeeded is scheduled (its try number counted, as Airflow counts it when it schedules);
   * one whose upstream failed is upstream_failed.
   */
  function schedule(run: Run, dag: Dag, t: number): void {
    run.lastSchedulingDecision = t;
    for (const task of dag.order) {
      for (const ti of instancesOf(run, task.taskId)) {
        if (ti.state !== null) continue;
        if (previouslySkipped(run, task)) {
          setTiState(ti, "skipped", t);
          continue;
        }
        const needs = setupDependency(run, dag, task);
        if (needs === "skipped" || needs === "upstream_failed") {
          setTiState(ti, needs, t);
          continue;
        }
        // Every instance of a mapped upstream task counts.
        let decision = triggerDecision(task.triggerRule, upstreamCounts(run, task));
        if (decision === "run" && (needs === "wait" || teardownWaits(run, task))) {
          decision = "wait";
        }
        if (decision === "run" || decision === "wait")
          decision = mappedDependency(run, task) ?? decision;
        if (decision === "skipped" || decision === "upstream_failed") {
          setTiState(ti, decision, t);
          continue;
        }
        if (decision === "wait") continue;
        if (task.operator === "EmptyOperator" && task.expand === null) {
          // DagRun.schedule_tis: an EmptyOperator (without callbacks or outlets, which the fake
          // has not) is set success without running: no worker, no pool slot, no XComs.
          ti.tryNumber += 1;
          ti.state = "success";
          ti.startDate = t;
          ti.endDate = t;
          ti.duration = 0;
          ti.due = null;
          continue;
        }
        const ready = task.expand !== null && ti.mapIndex < 0 ? expand(run, task, ti) : [ti];
        for (const each of ready) {
          // What the last try left (queued_when, start/end dates, duration, hostname, pid)
          // stays until this try replaces it, as on the server.
          each.state = "scheduled";
          each.tryNumber += 1;
          each.pokes = 0;
          each.scheduledWhen = t;
          each.due = t + taskQueueDelay;
        }
      }
    }
  }

  /**
   * DagRun.update_state: once every task instance has finished, the run failed when one of its
   * leaves' (the tasks nothing waits for) failed or was upstream_failed, else succeeded. A task
   * that failed is not a failed run when a leaf after it ran anyway (an all_done cleanup).
   */
  function finishRun(run: Run, t: number): void {
    const states = [...run.tis.values()].map((ti) => ti.state);
    if (!states.every((s) => s !== null && TERMINAL_TI.has(s))) return;
    const dag = dags.get(run.dagId) as Dag;
    // _tis_for_dagrun_state: the leaves, teardowns left out (a task followed by teardowns
    // alone is one); a DAG of teardowns alone is judged by its tasks nothing follows.
    const ignorable = (id: string) => dag.byId.get(id)?.role === "teardown";
    let leaves = dag.tasks.filter((d) => !ignorable(d.taskId) && d.downstream.every(ignorable));
    if (leaves.length === 0) leaves = dag.tasks.filter((d) => d.downstream.length === 0);
    const leafIds = new Set(leaves.map((d) => d.taskId));
    const leafFailed = [...run.tis.values()].some(
      (ti) => leafIds.has(ti.taskId) && ti.state !== null && FAILED_TI.has(ti.state),
    );
    run.state = leafFailed ? "failed" : "success";
    run.endDate = t;
    run.lastSchedulingDecision = t;
    run.due = null;
    active.delete(run);
    runSlotFreed(run.dagId, t);
  }

  /** When a queued run may start: the scheduler's delay after it was queued, and its run_after. */
  function readyAt(run: Run): number {
    return Math.max((run.queuedAt ?? 0) + schedulerDelay, run.runAfter);
  }

  /** A run of the DAG ended at `t`: its queued runs waiting for a max_active_runs slot may start. */
  function runSlotFreed(dagId: string, t: number): void {
    for (const r of active) {
      if (r.dagId === dagId && r.state === "queued" && r.due === null) {
        r.due = Math.max(t, readyAt(r));
      }
    }
  }

  /** Slots of a pool opened at `t` (a task left it, or its slots grew): its waiters may queue. */
  function poolSlotsFreed(pool: string, t: number): void {
    for (const run of active) {
      if (run.state !== "running") continue;
      const dag = dags.get(run.dagId);
      for (const ti of run.tis.values()) {
        if (ti.state !== "scheduled" || ti.due !== null) continue;
        // A concurrency limit's waiters may go too: whatever left its slot, left theirs.
        if (!ti.heldByLimit && dag?.byId.get(ti.taskId)?.pool !== pool) continue;
        // At the scheduler's next pass, with those it schedules now: the highest priority_weight
        // is queued first, not the one that waited longest.
        ti.due = Math.max(t, ti.scheduledWhen ?? t) + taskQueueDelay;
      }
    }
  }

  /** Task instances of live runs in a pool, by state, counted in slots (Pool.slots_stats). */
  function poolUse(name: string): { scheduled: number; queued: number; running: number } {
    const use = { scheduled: 0, queued: 0, running: 0 };
    for (const run of active) {
      const dag = dags.get(run.dagId);
      if (!dag || dag.runs.get(run.runId) !== run) continue;
      for (const ti of run.tis.values()) {
        const task = dag.byId.get(ti.taskId);
        if (task?.pool !== name) continue;
        if (ti.state === "scheduled" || ti.state === "queued" || ti.state === "running") {
          use[ti.state] += task.poolSlots;
        }
      }
    }
    return use;
  }

  /**
   * _executable_task_instances_to_queued's concurrency checks: task instances queued or running
   * (EXECUTION_STATES) of the run under the DAG's max_active_tasks, of the task across the DAG's
   * runs under max_active_tis_per_dag, and of the task in the run under max_active_tis_per_dagrun.
   */
  function belowLimits(run: Run, dag: Dag, task: TaskDef): boolean {
    const active = (ti: Ti) => ti.state === "queued" || ti.state === "running";
    let inRun = 0;
    let taskInRun = 0;
    for (const ti of run.tis.values()) {
      if (!active(ti)) continue;
      inRun += 1;
      if (ti.taskId === task.taskId) taskInRun += 1;
    }
    if (inRun >= (dag.spec.maxActiveTasks ?? 16)) return false;
    if (task.maxActiveTisPerDagrun !== null && taskInRun >= task.maxActiveTisPerDagrun)
      return false;
    if (task.maxActiveTisPerDag !== null) {
      let taskInDag = 0;
      for (const r of dag.runs.values()) {
        for (const ti of r.tis.values())
          if (ti.taskId === task.taskId && active(ti)) taskInDag += 1;
      }
      if (taskInDag >= task.maxActiveTisPerDag) return false;
    }
    return true;
  }

  /** Whether a pool has `slots` open now (a pool that does not exist has none; -1 is unlimited). */
  function poolHasRoom(name: string, slots: number): boolean {
    const pool = pools.get(name);
    if (!pool) return false;
    if (pool.slots === -1) return true;
    const use = poolUse(name);
    return pool.slots - use.queued - use.running >= slots;
  }

  /** The scheduler's next step, in the order the server takes them. */
  type Step =
    | { readonly kind: 0 | 1 | 2 | 4; readonly at: number; readonly run: Run; readonly ti: Ti }
    | { readonly kind: 3; readonly at: number; readonly run: Run };
  // 0: a running try ends (its slots free first), 1: a queued one starts, 2: a scheduled one is
  // queued, 3: a queued run starts (or a running one is examined again after a clear), 4: a
  // try up for retry (or a sensor up for reschedule) is scheduled again, its delay over.

  /** Which of two steps due at once comes first. */
  function before(a: Step, b: Step): boolean {
    if (a.at !== b.at) return a.at < b.at;
    if (a.kind !== b.kind) return a.kind < b.kind;
    if (a.kind === 3) {
      // Queued runs in the order they became ready to start, then triggered.
      const ra = readyAt(a.run);
      const rb = readyAt(b.run);
      if (ra !== rb) return ra < rb;
    } else if (a.kind === 2 && b.kind === 2) {
      // The scheduler queues by priority_weight (highest first), then the run's run_after.
      const pa = dags.get(a.run.dagId)?.byId.get(a.ti.taskId)?.priorityWeight ?? 1;
      const pb = dags.get(b.run.dagId)?.byId.get(b.ti.taskId)?.priorityWeight ?? 1;
      if (pa !== pb) return pa > pb;
      if (a.run.runAfter !== b.run.runAfter) return a.run.runAfter < b.run.runAfter;
      // ... then by map index (every task's instance 0 before any instance 1).
      if (a.ti.mapIndex !== b.ti.mapIndex) return a.ti.mapIndex < b.ti.mapIndex;
    }
    return a.run.seq < b.run.seq;
  }

  /** The first step due by `limit`, across every live run (so runs share pools and slots). */
  function nextStep(limit: number): Step | undefined {
    let best: Step | undefined;
    const consider = (step: Step) => {
      if (step.at <= limit && (best === undefined || before(step, best))) best = step;
    };
    for (const run of [...active]) {
      const dag = dags.get(run.dagId);
      if (!dag || dag.runs.get(run.runId) !== run) {
        active.delete(run);
        continue;
      }
      const running = run.state === "running";
      if (run.state === "queued") {
        if (!dag.isPaused && run.due !== null) consider({ kind: 3, at: run.due, run });
      } else if (!running) {
        active.delete(run);
        continue;
      } else if (run.due !== null) consider({ kind: 3, at: run.due, run });
      // Workers go on with queued and running task instances of a run set back to queued; the
      // scheduler queues task instances of running runs only.
      for (const ti of run.tis.values()) {
        if (ti.due === null) continue;
        if (ti.state === "running") consider({ kind: 0, at: ti.due, run, ti });
        else if (ti.state === "queued") consider({ kind: 1, at: ti.due, run, ti });
        else if (ti.state === "scheduled" && running) consider({ kind: 2, at: ti.due, run, ti });
        else if ((ti.state === "up_for_retry" || ti.state === "up_for_reschedule") && running) {
          consider({ kind: 4, at: ti.due, run, ti });
        }
      }
    }
    return best;
  }

  function takeStep(step: Step): void {
    const { run, at: t } = step;
    const dag = dags.get(run.dagId) as Dag;
    if (step.kind === 3 && run.state === "running") {
      run.due = null;
      schedule(run, dag, t);
      finishRun(run, t);
      return;
    }
    if (step.kind === 3) {
      // Not while max_active_runs of the DAG's runs are running: it waits for one to end.
      let running = 0;
      for (const r of dag.runs.values()) if (r.state === "running") running++;
      if (running >= (dag.spec.maxActiveRuns ?? 16)) {
        run.due = null;
        return;
      }
      run.state = "running";
      run.startDate = t;
      run.endDate = null;
      run.due = null;
      // Scheduled task instances of a run set back to queued wait for a slot again from now, and
      // a retry whose delay passed meanwhile is scheduled now, not before the run runs again.
      for (const ti of run.tis.values()) {
        if (ti.state === "scheduled" && ti.due === null) ti.due = t + taskQueueDelay;
        const waiting = ti.state === "up_for_retry" || ti.state === "up_for_reschedule";
        if (waiting && ti.due !== null && ti.due < t) ti.due = t;
      }
      schedule(run, dag, t);
      finishRun(run, t);
      return;
    }
    const { ti } = step;
    const task = dag.byId.get(ti.taskId) as TaskDef;
    if (step.kind === 4) {
      // schedule_tis: the retry is the next try, counted when it is scheduled, in a pass of the
      // scheduler over the run; a sensor up for reschedule pokes again in the same try.
      run.lastSchedulingDecision = t;
      if (ti.state === "up_for_retry") {
        ti.tryNumber += 1;
        ti.pokes = 0;
      }
      ti.state = "scheduled";
      ti.scheduledWhen = t;
      ti.due = t + taskQueueDelay;
      return;
    }
    if (step.kind === 2) {
      // _executable_task_instances_to_queued: only with room in the task's pool.
      // ... and below the DAG's max_active_tasks (per run) and the task's own limits.
      const pooled = poolHasRoom(task.pool, task.poolSlots);
      ti.heldByLimit = pooled && !belowLimits(run, dag, task);
      if (!pooled || ti.heldByLimit) {
        ti.due = null;
        return;
      }
      ti.state = "queued";
      ti.queuedWhen = t;
      ti.due = t + outcomeOf(dag, task, ti.tryNumber, ti.mapIndex).startDelayMs;
      return;
    }
    if (step.kind === 1) {
      // The worker's ti_run: running, with its host and process; the end date goes, the
      // duration of an earlier try stays until this one ends (as the server keeps it).
      const outcome = outcomeOf(dag, task, ti.tryNumber, ti.mapIndex);
      ti.state = "running";
      ti.startDate = t;
      ti.endDate = null;
      // The worker clears what an earlier try pushed (ti_run's xcom_keys_to_clear).
      ti.xcom.clear();
      ti.triggered = null;
      ti.hostname = hostname;
      ti.pid = pid++;
      ti.plannedState = outcome.state;
      ti.due = t + outcome.durationMs;
      // A try cleared before it ended left no verdict for this one.
      noRetry.delete(ti);
      // A TriggerDagRunOperator starts its run as its try starts.
      if (task.triggers !== null && outcome.state === "success") {
        startTriggered(task.triggers, run, ti, t);
      }
      return;
    }
    // How the script says this try (or its poke) ends.
    const scripted = outcomeOf(dag, task, ti.tryNumber, ti.mapIndex);
    const empty = ti.pokes < task.reschedules || ti.pokes < task.pokes;
    const timedOut = empty && sensorTimedOut(task, ti, t);
    if (ti.pokes < task.pokes && !timedOut) {
      // Poke mode: a poke that found nothing sleeps poke_interval and pokes again in the same
      // try, running, holding its pool slot.
      ti.pokes += 1;
      ti.due = t + task.pokeIntervalMs + scripted.durationMs;
      return;
    }
    if (ti.pokes < task.reschedules && !timedOut) {
      // A poke that found nothing (AirflowRescheduleException): up_for_reschedule, the poke's
      // end and duration on the row, its pool slot freed; the same try pokes again later.
      if (ti.pokes === 0) ti.firstRescheduleAt = t;
      ti.pokes += 1;
      ti.state = "up_for_reschedule";
      ti.endDate = t;
      ti.duration = seconds(ti.startDate, t);
      ti.due = t + task.pokeIntervalMs;
      ti.plannedState = null;
      poolSlotsFreed(task.pool, t);
      return;
    }
    // With wait_for_completion, a TriggerDagRunOperator runs on until its run ends.
    if (task.triggers !== null && (ti.plannedState ?? "success") === "success") {
      if (stillWaiting(task.triggers, ti, t)) return;
    }
    // A soft_fail sensor's poke that raises AirflowFailException, AirflowSensorTimeout or
    // AirflowTaskTimeout is skipped instead (BaseSensorOperator.execute raises
    // AirflowSkipException from it); any other exception fails it, retried as usual. Only the
    // script's own failure: not one the fake sets (a push failure, a trigger's).
    const softFailed =
      ti.plannedState === "failed" &&
      scripted.state === "failed" &&
      !ti.pushFailures.has(ti.tryNumber) &&
      task.softFail &&
      task.triggers === null &&
      !timedOut &&
      SOFT_FAILED.test(scripted.error ?? "");
    if (softFailed) {
      ti.plannedState = "skipped";
      ti.softFailed.add(ti.tryNumber);
    }
    ti.state = ti.plannedState ?? "success";
    ti.endDate = t;
    ti.duration = seconds(ti.startDate, t);
    ti.due = null;
    ti.plannedState = null;
    // A try that raised AirflowSkipException pushed nothing, nor one a sensor's timeout ended;
    // a soft-failed poke pushed what it pushed before it raised.
    let pushed: Readonly<Record<string, unknown>> =
      ti.state === "success"
        ? task.xcom(ti.mapIndex)
        : (ti.state === "failed" && !timedOut) || softFailed
          ? task.xcomOnFailure
          : {};
    if (ti.state === "success") {
      const returned = scripted.returns;
      if (returned !== null) pushed = { ...pushed, return_value: returned.value };
    }
    const skip = ti.state === "success" ? skipsAfter(dag, task, pushed.return_value) : null;
    // A task that skipped something raised DownstreamTasksSkipped inside execute: what it
    // returned is never pushed, nor checked.
    const skipped = skip !== null && typeof skip !== "string" && skip.skip.length > 0;
    // _push_xcom_if_needed: what a mapped task maps over must be a list or a dict, else the
    // task that returned it fails; so does a branch to a task the DAG does not have.
    const refused =
      typeof skip === "string"
        ? skip
        : ti.state === "success" && task.mapsInto && ti.mapIndex < 0 && !skipped
          ? unmappable(pushed.return_value)
          : null;
    if (refused !== null) {
      ti.state = "failed";
      ti.pushFailures.set(ti.tryNumber, refused);
      pushed = task.xcomOnFailure;
    } else if (skip !== null && typeof skip !== "string") {
      // DownstreamTasksSkipped is raised before the return value is pushed: it is pushed only
      // when nothing was skipped.
      const { return_value: _, ...rest } = pushed;
      pushed = { ...(skipped ? rest : pushed), skipmixin_key: skip.xcom };
      skipInstances(run, skip.skip, t);
    }
    for (const [key, value] of Object.entries(pushed)) {
      // A task that returned None pushed no return value (_push_xcom_if_needed).
      if (key === "return_value" && (value === null || value === undefined)) continue;
      ti.xcom.set(key, { value, timestamp: t });
    }
    // is_eligible_to_retry: the try is archived as failed, the row gets a new id, and the
    // next try is scheduled once the delay is over; what comes after it waits.
    // A failure the task runner sets itself (a trigger's run already there) is not retried.
    // So is a try whose script raised AirflowFailException, AirflowSensorTimeout or
    // AirflowTaskTerminated (the task runner fails it at once: run()'s
    // `except (AirflowFailException, AirflowSensorTimeout)`, and a terminated task).
    const raised =
      ti.state === "failed" &&
      !ti.pushFailures.has(ti.tryNumber) &&
      NOT_RETRIED.test(scripted.error ?? "");
    const final = noRetry.delete(ti) || raised;
    if (ti.state === "failed" && task.retries > 0 && ti.tryNumber <= ti.maxTries && !final) {
      recordTry(ti, t);
      ti.id = nextId();
      ti.state = "up_for_retry";
      ti.due = t + task.retryDelayMs;
    }
    poolSlotsFreed(task.pool, t);
    if (run.state !== "running") return;
    schedule(run, dag, t);
    finishRun(run, t);
  }

  /**
   * What a SkipMixin task that succeeded skips, by what it returned (BranchMixIn.do_branch and
   * SkipMixin.skip_all_except; ShortCircuitOperator.execute and SkipMixin.skip): the task ids,
   * and the `skipmixin_key` XCom it pushes. Null when it pushes none (not a SkipMixin task, a
   * short-circuit whose condition holds); the exception's line when Airflow fails the try.
   */
  function skipsAfter(
    dag: Dag,
    task: TaskDef,
    returned: unknown,
  ): { skip: string[]; xcom: Record<string, string[]> } | string | null {
    if (task.skips === null) return null;
    const after = task.downstream;
    if (task.skips !== "branch") {
      // With nothing after it, a short-circuit returns its condition.
      if (pythonTruthy(returned) || after.length === 0) return null;
      // ignore_downstream_trigger_rules: every task after it, or only those right after it.
      // Airflow lists them in a set's order, which varies by process; here, sorted.
      const skip = [
        ...(task.skips === "short_circuit" ? allDownstream(dag.byId, task.taskId) : after),
      ].sort();
      return { skip, xcom: { skipped: skip } };
    }
    // _expand_task_group_roots: a string is one id, None none; a TaskGroup's id, its roots.
    const given =
      returned === null || returned === undefined
        ? []
        : typeof returned === "string"
          ? [returned]
          : Array.isArray(returned)
            ? returned
            : typeof returned === "object"
              ? Object.keys(returned)
              : [returned];
    const ids: unknown[] = [];
    for (const id of given) {
      // `branch in dag.task_group_dict` hashes each one first.
      if (id !== null && typeof id === "object") {
        return `TypeError: unhashable type: '${pyTypeName(id)}'`;
      }
      const inGroup =
        typeof id === "string" && !dag.byId.has(id)
          ? dag.tasks.filter((d) => d.taskId.startsWith(`${id}.`))
          : [];
      const members = new Set(inGroup.map((d) => d.taskId));
      const roots = inGroup.filter((d) => !d.upstream.some((u) => members.has(u)));
      ids.push(...(roots.length > 0 ? roots.map((d) => d.taskId) : [id]));
    }
    const badTypes = [
      ...new Set(
        ids
          .filter((id) => typeof id !== "string")
          .map((id) => `(${pyRepr(id)}, '${pyTypeName(id)}')`),
      ),
    ];
    if (badTypes.length > 0) {
      return `AirflowException: Unable to branch to the specified tasks. The branching function returned invalid 'branch_task_ids': {${badTypes.sort().join(", ")}}. Please check that your function returns an Iterable of valid task IDs that exist in your DAG.`;
    }
    const unknown = [...new Set(ids as string[])].filter((id) => !dag.byId.has(id));
    if (unknown.length > 0) {
      return `AirflowException: 'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {${unknown.sort().map(pyRepr).join(", ")}}.`;
    }
    // skip_all_except pushes and skips nothing when nothing comes after the branch.
    if (after.length === 0) return null;
    // A task after a followed one is followed too (the join after an empty side).
    const followedAll = new Set(ids as string[]);
    for (const id of ids as string[]) {
      for (const d of allDownstream(dag.byId, id)) followedAll.add(d);
    }
    const direct = [...after].sort();
    return {
      skip: direct.filter((id) => !followedAll.has(id)),
      xcom: { followed: direct.filter((id) => followedAll.has(id)) },
    };
  }

  /**
   * ti_skip_downstream: the unmapped instances of those tasks that are not running or done are
   * skipped, their start and end dates now (a mapped task's instances are left to
   * NotPreviouslySkippedDep).
   */
  function skipInstances(run: Run, taskIds: readonly string[], t: number): void {
    for (const id of taskIds) {
      const ti = run.tis.get(tiKey(id, -1));
      if (!ti || ti.state === "running" || ti.state === "success" || ti.state === "failed") {
        continue;
      }
      // A queued one gives its pool slot back.
      const held = ti.state === "queued";
      ti.state = "skipped";
      ti.startDate = t;
      ti.endDate = t;
      ti.due = null;
      ti.plannedState = null;
      ti.heldByLimit = false;
      const task = dags.get(run.dagId)?.byId.get(id);
      if (held && task) poolSlotsFreed(task.pool, t);
    }
  }

  /**
   * NotPreviouslySkippedDep: a task instance right after a SkipMixin task that finished is
   * skipped when its `skipmixin_key` did not follow it, or skipped it (a task cleared after a
   * branch went the other way).
   */
  function previouslySkipped(run: Run, task: TaskDef): boolean {
    const dag = dags.get(run.dagId) as Dag;
    for (const u of task.upstream) {
      if (dag.byId.get(u)?.skips == null) continue;
      const parent = run.tis.get(tiKey(u, -1));
      if (!parent || parent.state === null || !TERMINAL_TI.has(parent.state)) continue;
      const said = parent.xcom.get("skipmixin_key")?.value as Record<string, unknown> | undefined;
      if (said === undefined || said === null || typeof said !== "object") continue;
      const followed = said.followed;
      if (Array.isArray(followed)) {
        if (!followed.includes(task.taskId)) return true;
      } else if (Array.isArray(said.skipped) && said.skipped.includes(task.taskId)) return true;
    }
    return false;
  }

  /**
   * Brings every run up to `limit`: each step (a run starts, a task instance is queued, starts,
   * ends) in time order across all runs, so runs share pools and max_active_runs slots as on
   * the server. A step that finds no room waits, its due time null, until a slot frees.
   */
  function tick(limit = clock.now()): void {
    for (;;) {
      const step = nextStep(limit);
      if (!step) return;
      takeStep(step);
    }
  }

  function settle(): void {
    tick(Number.POSITIVE_INFINITY);
  }

  /**
   * The query of a task instance list (the run's, or a mapped task's listMapped), checked
   * before anything is looked up, as FastAPI does: a parameter the fake does not apply is its
   * 501, a bad one the server's 422.
   */
  function tiQuery(url: URL, route: string) {
    const unapplied = unappliedQuery(url, route, [
      "cursor",
      "limit",
      "offset",
      "state",
      "task_id",
      "map_index",
      "order_by",
    ]);
    if (unapplied) return unapplied;
    const states = stateFilter(url, TI_STATES, ["no_status", "none"]);
    if (states instanceof Response) return states;
    const mapIndexes: number[] = [];
    const issues: ValidationIssue[] = [];
    url.searchParams.getAll("map_index").forEach((text, i) => {
      if (/^-?\d+$/.test(text)) mapIndexes.push(Number(text));
      else {
        issues.push({
          type: "int_parsing",
          loc: ["query", "map_index", i],
          msg: "Input should be a valid integer, unable to parse string as an integer",
          input: text,
        });
      }
    });
    if (issues.length > 0) return invalid(issues) as unknown as Response;
    const p = pageParams(url);
    if (!p.ok) return p.response;
    return { states, mapIndexes, limit: p.limit, offset: p.offset };
  }

  /**
   * A page of task instances, filtered and sorted as the query asks. `listMapped` takes no
   * `task_id` and no cursor: it ignores them, as the server does.
   */
  function tiListAnswer(
    all: Array<[Run, Ti]>,
    url: URL,
    query: Exclude<ReturnType<typeof tiQuery>, Response>,
    listMapped = false,
  ): Response {
    let pairs = all;
    const { states, mapIndexes } = query;
    if (states.length > 0) {
      pairs = pairs.filter(([, ti]) => states.includes(ti.state === null ? null : ti.state));
    }
    const taskIds = listMapped ? [] : url.searchParams.getAll("task_id");
    if (taskIds.length > 0) pairs = pairs.filter(([, ti]) => taskIds.includes(ti.taskId));
    if (mapIndexes.length > 0) pairs = pairs.filter(([, ti]) => mapIndexes.includes(ti.mapIndex));
    // By map_index unless asked otherwise, then by the row's id (SortParam appends the
    // primary key): a try retried or cleared has a new id, and comes after the others.
    const orderBy = orderByOf(url);
    const sorted = sortBy(pairs, orderBy.length > 0 ? orderBy : ["map_index"], tiFields, "id");
    if (!sorted.ok) return sorted.response;
    // With a cursor, keyset pages; offset is ignored (task_instances.py get_task_instances).
    const cursor = listMapped ? null : cursorOf(url);
    if (cursor !== null) {
      const paged = cursorPage(pairs, cursor, query.limit, orderBy, tiCursor);
      if (!paged.ok) return paged.response;
      return Response.json({
        task_instances: paged.items.map(([r, ti]) => tiJson(r, ti)),
        ...paged.fields,
      });
    }
    const items = sorted.items;
    return Response.json({
      task_instances: page(items, query.limit, query.offset).map(([r, ti]) => tiJson(r, ti)),
      total_entries: items.length,
      total_entries_limit: null,
      next_cursor: null,
      previous_cursor: null,
    } as Schemas["TaskInstanceCollectionResponse"]);
  }

  // --- JSON shapes ---------------------------------------------------------------------------
  const relative = (dag: Dag) => {
    const f = fileloc(dag);
    return f.slice(f.lastIndexOf("/") + 1);
  };
  const fileloc = (dag: Dag) => dag.spec.fileloc ?? `/opt/airflow/dags/${dag.dagId}.py`;

  function dagVersionJson(dag: Dag): Schemas["DagVersionResponse"] {
    return {
      id: dag.versionId,
      version_number: 1,
      dag_id: dag.dagId,
      bundle_name: "dags-folder",
      bundle_version: null,
      created_at: isoTime(dag.createdAt),
      dag_display_name: dag.dagId,
      bundle_url: null,
    };
  }

  function dagJson(dag: Dag): Schemas["DAGResponse"] {
    const schedule = dag.spec.schedule ?? null;
    const fileToken = base64url(
      JSON.stringify({ bundle_name: "dags-folder", relative_fileloc: relative(dag) }),
    );
    return {
      dag_id: dag.dagId,
      dag_display_name: dag.dagId,
      is_paused: dag.isPaused,
      is_stale: false,
      last_parsed_time: isoTime(dag.parsedAt),
      last_parse_duration: 0.1,
      last_expired: null,
      bundle_name: "dags-folder",
      bundle_version: null,
      relative_fileloc: relative(dag),
      fileloc: fileloc(dag),
      description: dag.spec.description ?? null,
      timetable_summary: schedule,
      timetable_description: schedule === null ? "Never, external triggers only" : schedule,
      timetable_partitioned: false,
      timetable_periodic: schedule !== null,
      tags: [...new Set(dag.spec.tags ?? [])]
        .sort()
        .map((name) => ({ name, dag_id: dag.dagId, dag_display_name: dag.dagId })),
      max_active_tasks: dag.spec.maxActiveTasks ?? 16,
      max_active_runs: dag.spec.maxActiveRuns ?? 16,
      max_consecutive_failed_dag_runs: 0,
      // A task with max_active_tis_per_dag or max_active_tis_per_dagrun.
      has_task_concurrency_limits: dag.tasks.some(
        (t) => t.maxActiveTisPerDag !== null || t.maxActiveTisPerDagrun !== null,
      ),
      has_import_errors: false,
      next_dagrun_logical_date: null,
      next_dagrun_data_interval_start: null,
      next_dagrun_data_interval_end: null,
      next_dagrun_run_after: null,
      allowed_run_types: null,
      owners: [...(dag.spec.owners ?? ["airflow"])],
      is_backfillable: schedule !== null,
      file_token: `${fileToken}.mock`,
    } as Schemas["DAGResponse"];
  }

  function dagDetailsJson(dag: Dag): Schemas["DAGDetailsResponse"] {
    let activeRuns = 0;
    for (const r of dag.runs.values())
      if (r.state === "running" || r.state === "queued") activeRuns++;
    return {
      ...dagJson(dag),
      catchup: false,
      dag_run_timeout: null,
      asset_expression: null,
      doc_md: null,
      start_date: dag.spec.startDate === undefined ? null : isoTime(toMs(dag.spec.startDate)),
      end_date: null,
      is_paused_upon_creation: null,
      params: paramsDump(dag.spec.params ?? {}),
      render_template_as_native_obj: false,
      template_search_path: null,
      timezone: "UTC",
      last_parsed: isoTime(dag.parsedAt),
      default_args: {},
      rerun_with_latest_version: null,
      owner_links: {},
      is_favorite: false,
      active_runs_count: activeRuns,
      // DAGDetailsResponse.concurrency: max_active_tasks under its old name.
      concurrency: dag.spec.maxActiveTasks ?? 16,
      latest_dag_version: dagVersionJson(dag),
    } as unknown as Schemas["DAGDetailsResponse"];
  }

  function runJson(run: Run): Schemas["DAGRunResponse"] {
    const dag = dags.get(run.dagId) as Dag;
    return {
      dag_run_id: run.runId,
      dag_id: run.dagId,
      logical_date: isoTimeMicros(run.logicalDate, run.micros?.logical_date),
      queued_at: isoTime(run.queuedAt),
      start_date: isoTime(run.startDate),
      end_date: isoTime(run.endDate),
      duration: seconds(run.startDate, run.endDate),
      data_interval_start: isoTimeMicros(run.dataIntervalStart, run.micros?.data_interval_start),
      data_interval_end: isoTimeMicros(run.dataIntervalEnd, run.micros?.data_interval_end),
      run_after: isoTimeMicros(run.runAfter, run.micros?.run_after),
      last_scheduling_decision: isoTime(run.lastSchedulingDecision),
      run_type: run.byOperator ? "operator_triggered" : "manual",
      state: run.state,
      triggered_by: run.byOperator ? "operator" : "rest_api",
      triggering_user_name: run.triggeredBy,
      conf: run.conf,
      note: run.note,
      // The versions of the run's task instances (DagRun.dag_versions): none without any.
      dag_versions: run.tis.size === 0 ? [] : [dagVersionJson(dag)],
      bundle_version: null,
      dag_display_name: run.dagId,
      partition_key: null,
      partition_date: null,
    } as Schemas["DAGRunResponse"];
  }

  function tiJson(run: Run, ti: Ti): Schemas["TaskInstanceResponse"] {
    const dag = dags.get(run.dagId) as Dag;
    const task = dag.byId.get(ti.taskId) as TaskDef;
    return {
      id: ti.id,
      task_id: ti.taskId,
      dag_id: run.dagId,
      dag_run_id: run.runId,
      map_index: ti.mapIndex,
      logical_date: isoTimeMicros(run.logicalDate, run.micros?.logical_date),
      run_after: isoTimeMicros(run.runAfter, run.micros?.run_after),
      start_date: isoTime(ti.startDate),
      end_date: isoTime(ti.endDate),
      duration: ti.duration,
      state: ti.state,
      try_number: ti.tryNumber,
      max_tries: ti.maxTries,
      task_display_name: ti.taskId,
      dag_display_name: run.dagId,
      hostname: ti.hostname,
      unixname,
      pool: task.pool,
      pool_slots: task.poolSlots,
      queue: "default",
      priority_weight: task.priorityWeight,
      operator: task.operator,
      operator_name: task.operatorName,
      queued_when: isoTime(ti.queuedWhen),
      scheduled_when: isoTime(ti.scheduledWhen),
      pid: ti.pid,
      executor: null,
      executor_config: "{}",
      note: null,
      // TaskInstance.rendered_map_index: no map_index_template, so the map index as text.
      rendered_map_index: renderedMapIndex(ti),
      rendered_fields: {},
      trigger: null,
      triggerer_job: null,
      dag_version: dagVersionJson(dag),
    } as Schemas["TaskInstanceResponse"];
  }

  /** A try of a task instance (TaskInstanceHistoryResponse): a past one, or the current row. */
  function tryJson(run: Run, ti: Ti, entry: TiTry): Schemas["TaskInstanceHistoryResponse"] {
    const dag = dags.get(run.dagId) as Dag;
    const task = dag.byId.get(ti.taskId) as TaskDef;
    return {
      task_id: ti.taskId,
      dag_id: run.dagId,
      dag_run_id: run.runId,
      map_index: ti.mapIndex,
      start_date: isoTime(entry.startDate),
      end_date: isoTime(entry.endDate),
      duration: entry.duration,
      state: entry.state,
      try_number: entry.tryNumber,
      max_tries: entry.maxTries,
      task_display_name: ti.taskId,
      dag_display_name: run.dagId,
      hostname: entry.hostname,
      unixname,
      pool: task.pool,
      pool_slots: task.poolSlots,
      queue: "default",
      priority_weight: task.priorityWeight,
      operator: task.operator,
      operator_name: task.operatorName,
      queued_when: isoTime(entry.queuedWhen),
      scheduled_when: isoTime(entry.scheduledWhen),
      pid: entry.pid,
      executor: null,
      executor_config: "{}",
      dag_version: dagVersionJson(dag),
    } as Schemas["TaskInstanceHistoryResponse"];
  }

  /** The task instance's row as a try (its current one). */
  const currentTry = (ti: Ti): TiTry => ({
    state: ti.state,
    logged:
      ti.pokes +
      (ti.state === "running" || (ti.state !== null && TERMINAL_TI.has(ti.state)) ? 1 : 0),
    ended: ti.state !== null && TERMINAL_TI.has(ti.state),
    startDate: ti.startDate,
    endDate: ti.endDate,
    duration: ti.duration,
    queuedWhen: ti.queuedWhen,
    scheduledWhen: ti.scheduledWhen,
    tryNumber: ti.tryNumber,
    maxTries: ti.maxTries,
    hostname: ti.hostname,
    pid: ti.pid,
  });

  function xcomJson(run: Run, ti: Ti, key: string, entry: XcomEntry): Schemas["XComResponse"] {
    return {
      key,
      timestamp: isoTime(entry.timestamp),
      logical_date: isoTimeMicros(run.logicalDate, run.micros?.logical_date),
      map_index: ti.mapIndex,
      task_id: ti.taskId,
      dag_id: run.dagId,
      run_id: run.runId,
      dag_display_name: run.dagId,
      task_display_name: ti.taskId,
      run_after: isoTimeMicros(run.runAfter, run.micros?.run_after),
    } as Schemas["XComResponse"];
  }

  const poolJson = (p: Pool): Schemas["PoolResponse"] => {
    // The fake defers no task: no deferred slots, whatever include_deferred says.
    const use = poolUse(p.name);
    const occupied = use.queued + use.running;
    return {
      name: p.name,
      slots: p.slots,
      description: p.description,
      include_deferred: p.includeDeferred,
      occupied_slots: occupied,
      running_slots: use.running,
      queued_slots: use.queued,
      scheduled_slots: use.scheduled,
      // Unlimited (-1 slots) is infinitely many open, which the API writes as -1.
      open_slots: p.slots === -1 ? -1 : p.slots - occupied,
      deferred_slots: 0,
      team_name: null,
    } as Schemas["PoolResponse"];
  };

  const variableJson = (v: Variable): Schemas["VariableResponse"] => ({
    key: v.key,
    value: variableValueOut(v.key, v.value),
    description: v.description,
    is_encrypted: true,
    team_name: null,
  });

  // ConnectionResponse: the password always `***`; extra redacted by key names and re-dumped
  // (redact_extra), as a variable's JSON value is ("extra" is no sensitive name).
  const connectionJson = (c: Connection): Schemas["ConnectionResponse"] => ({
    connection_id: c.id,
    conn_type: c.connType,
    description: c.description,
    host: c.host,
    login: c.login,
    schema: c.schema,
    port: c.port,
    password: c.password === null ? null : "***",
    extra: c.extra === null || c.extra === "" ? c.extra : variableValueOut("extra", c.extra),
    team_name: null,
  });

  const importErrorJson = (e: ImportErr): Schemas["ImportErrorResponse"] => ({
    import_error_id: e.id,
    timestamp: isoTime(e.timestamp),
    filename: e.filename,
    bundle_name: e.bundleName,
    stack_trace: e.stackTrace,
  });

  // --- request plumbing ----------------------------------------------------------------------
  const routeAccess = routeAccessLookup(PATH_PARAMS);

  /**
   * Airflow's auth dependencies: the token (get_user), then the permission the route needs for
   * the token's role (requires_access_*, permissions.ts). They run before validation, so a bad
   * token or a refused role wins over a bad body.
   */
  function authFailure(request: Request): Response | undefined {
    const header = request.headers.get("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m) return airflowError(401, "Not authenticated");
    const token = tokens.get(m[1] as string);
    if (token === undefined) return airflowError(403, "Invalid JWT token");
    if (clock.now() > token.expiry + leewayMs) return airflowError(401, "Token Expired");
    const url = new URL(request.url);
    const path = url.pathname.startsWith(basePath)
      ? url.pathname.slice(basePath.length)
      : url.pathname;
    const access = routeAccess(request.method, path);
    if (!access) throw new Error(`Airflow fake: no permission for ${request.method} ${path}`);
    if (!airflowRoleMay(token.user.role, access[2], access[3]))
      return airflowError(403, "Forbidden");
    requestUser.set(request, token.user);
    return undefined;
  }

  /**
   * Wraps a resolver: a JSON body Python cannot read first (FastAPI parses the body before it
   * runs any dependency), then auth, then the runs catch up with the clock.
   */
  function guarded<A extends { request: Request }, R>(resolver: (info: A) => R): (info: A) => R {
    const run = (info: A): R => {
      const denied = authFailure(info.request);
      if (denied) return denied as never;
      tick();
      return resolver(info);
    };
    return (info: A) => {
      if (!parsesJsonBody(info.request)) return run(info);
      return info.request
        .clone()
        .text()
        .then((text) => (text === "" ? null : jsonInvalid(text)) ?? run(info)) as never;
    };
  }

  // Each order_by value is one attribute (the server does not split on commas).
  const orderByOf = (url: URL) => url.searchParams.getAll("order_by").filter(Boolean);

  function page<T>(items: readonly T[], limit: number, offset: number): T[] {
    return items.slice(offset, offset + limit);
  }

  function findDag(dagId: string): Dag | undefined {
    return dags.get(dagId);
  }

  function findRun(dagId: string, runId: string): Run | undefined {
    return dags.get(dagId)?.runs.get(runId);
  }

  const runNotFound = (dagId: string, runId: string) =>
    fail(404, `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`);

  function queueRun(run: Run): void {
    const wasRunning = run.state === "running";
    run.state = "queued";
    run.queuedAt = clock.now();
    run.startDate = null;
    run.endDate = null;
    run.lastSchedulingDecision = null;
    run.due = readyAt(run);
    active.add(run);
    if (wasRunning) runSlotFreed(run.dagId, clock.now());
  }

  /**
   * clear_task_instances' effect on the run: a finished run is queued again (no start date, no
   * scheduling decision); a queued or running one keeps its state and start date, with a new
   * queued_at (`reset` false leaves the run alone). The scheduler's next pass over a running
   * run schedules the cleared task instances.
   */
  function afterClear(run: Run, reset: boolean): void {
    const now = clock.now();
    if (reset) {
      if (run.state === "success" || run.state === "failed") queueRun(run);
      else run.queuedAt = now;
    }
    if (run.state === "running") run.due = now + schedulerDelay;
  }

  /** Task instances left a pool's queued/running slots at `t` (a clear, a PATCH): its waiters may go. */
  function freedSlotsOf(run: Run, tis: readonly Ti[], t: number): void {
    const dag = dags.get(run.dagId);
    const freed = new Set<string>();
    for (const ti of tis) {
      const pool = dag?.byId.get(ti.taskId)?.pool;
      if (pool !== undefined) freed.add(pool);
    }
    for (const pool of freed) poolSlotsFreed(pool, t);
  }

  /**
   * TaskInstanceHistory.record_ti: the try as it stands, once per try number; one not finished
   * is recorded as failed, ended now if it has no end.
   */
  function recordTry(ti: Ti, t: number): void {
    if (ti.history.some((h) => h.tryNumber === ti.tryNumber)) return;
    const finished = ti.state !== null && TERMINAL_TI.has(ti.state);
    if (!finished && ti.endDate === null) {
      // Stamped on the task instance itself too, as record_ti does.
      ti.endDate = t;
      ti.duration = seconds(ti.startDate, t);
    }
    ti.history.push({ ...currentTry(ti), state: finished ? ti.state : "failed", ended: finished });
  }

  function clearTis(run: Run, tis: readonly Ti[]): void {
    const dag = dags.get(run.dagId);
    for (const ti of tis) {
      recordTry(ti, clock.now());
      // The dates, duration, host and pid of the try stay (the rerun replaces them), as on the
      // server.
      ti.state = null;
      ti.due = null;
      ti.plannedState = null;
      // clear_task_instances: as many retries again as the task has.
      ti.maxTries = ti.tryNumber + (dag?.byId.get(ti.taskId)?.retries ?? 0);
      // Its XComs stay (clear_task_instances deletes none) until the next try starts.
      // Airflow moves the old try to the task instance history: the row gets a new id.
      ti.id = nextId();
    }
    freedSlotsOf(run, tis, clock.now());
  }

  // What each list endpoint sorts by (`order_by`), made once: the handlers only look fields up.
  // The attributes each list's SortParam allows (routes/public/dags.py, dag_run.py,
  // task_instances.py), and its to_replace names; any other is the server's 400.
  const latestRun = (d: Dag): Run | undefined => {
    let latest: Run | undefined;
    for (const r of d.runs.values()) if (!latest || r.runAfter > latest.runAfter) latest = r;
    return latest;
  };
  const dagFields: SortFields<Dag> = {
    dag_id: (d) => d.dagId,
    dag_display_name: (d) => d.dagId,
    // The fake schedules no runs: no DAG has a next run.
    next_dagrun: () => null,
    state: (d) => latestRun(d)?.state ?? null,
    start_date: (d) => latestRun(d)?.startDate ?? null,
    last_run_state: (d) => latestRun(d)?.state ?? null,
    last_run_start_date: (d) => latestRun(d)?.startDate ?? null,
  };
  const runFields: SortFields<Run> = {
    id: (r) => r.seq,
    state: (r) => r.state,
    dag_id: (r) => r.dagId,
    run_id: (r) => r.runId,
    dag_run_id: (r) => r.runId,
    logical_date: (r) => r.logicalDate,
    run_after: (r) => r.runAfter,
    start_date: (r) => r.startDate,
    end_date: (r) => r.endDate,
    updated_at: (r) => r.lastSchedulingDecision ?? r.queuedAt,
    duration: (r) => seconds(r.startDate, r.endDate),
    partition_date: () => null,
    conf: (r) => (r.conf === null ? null : JSON.stringify(r.conf)),
  };
  const tiFields: SortFields<[Run, Ti]> = {
    id: ([, ti]) => ti.id,
    state: ([, ti]) => ti.state,
    duration: ([, ti]) => ti.duration,
    start_date: ([, ti]) => ti.startDate,
    end_date: ([, ti]) => ti.endDate,
    map_index: ([, ti]) => ti.mapIndex,
    try_number: ([, ti]) => ti.tryNumber,
    logical_date: ([r]) => r.logicalDate,
    run_after: ([r]) => r.runAfter,
    data_interval_start: ([r]) => r.dataIntervalStart,
    data_interval_end: ([r]) => r.dataIntervalEnd,
    // [_rendered_map_index, map_index]: with no map_index_template the first is always null,
    // so the map index (0, 1, 2, 10, as numbers) orders them.
    rendered_map_index: ([, ti]) => ti.mapIndex,
    operator: ([r, ti]) => dags.get(r.dagId)?.byId.get(ti.taskId)?.operator ?? null,
  };
  // The lists that also page by cursor: what Airflow's row holds of each sort key (DagRun.id an
  // int, TaskInstance.id a UUID, dates date-times, durations floats), which its cursors pack.
  const runCursor: CursorSpec<Run> = {
    fields: runFields,
    kinds: {
      id: "int",
      logical_date: "time",
      run_after: "time",
      start_date: "time",
      end_date: "time",
      updated_at: "time",
      partition_date: "time",
      duration: "float",
      conf: "json",
    },
    pk: "id",
    defaultOrder: "id",
  };
  const tiCursor: CursorSpec<[Run, Ti]> = {
    // No map_index_template: no rendered map index stored (the column the cursor packs).
    fields: { ...tiFields, _rendered_map_index: () => null },
    kinds: {
      id: "uuid",
      duration: "float",
      start_date: "time",
      end_date: "time",
      map_index: "int",
      try_number: "int",
      logical_date: "time",
      run_after: "time",
      // TaskInstance has no such attribute (SortParam.row_value raises NotImplementedError).
      data_interval_start: "unreadable",
      data_interval_end: "unreadable",
    },
    pk: "id",
    defaultOrder: "map_index",
    expand: { rendered_map_index: ["_rendered_map_index", "map_index"] },
  };
  // The query's cursor: Starlette keeps the last of a repeated parameter; null when absent.
  const cursorOf = (url: URL) => url.searchParams.getAll("cursor").at(-1) ?? null;
  const importErrorFields: SortFields<ImportErr> = {
    id: (e) => e.id,
    import_error_id: (e) => e.id,
    timestamp: (e) => e.timestamp,
    filename: (e) => e.filename,
    bundle_name: (e) => e.bundleName,
    stacktrace: (e) => e.stackTrace,
  };
  const variableFields: SortFields<Variable> = {
    id: (v) => v.seq,
    key: (v) => v.key,
    _val: (v) => v.value,
    description: (v) => v.description,
    is_encrypted: () => true,
  };
  const poolFields: SortFields<Pool> = {
    id: (x) => x.seq,
    pool: (x) => x.name,
    name: (x) => x.name,
  };
  // routes/public/connections.py get_connections: SortParam([...], Connection, {"connection_id": "conn_id"}).
  const connectionFields: SortFields<Connection> = {
    id: (c) => c.seq,
    conn_id: (c) => c.id,
    connection_id: (c) => c.id,
    conn_type: (c) => c.connType,
    description: (c) => c.description,
    host: (c) => c.host,
    port: (c) => c.port,
    team_name: () => null,
  };

  const http = fakeHttp<paths>(baseUrl);

  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");
  const notMocked = (request: Request) => notMockedRoute(request, basePath);
  const handlers: HttpHandler[] = [
    // POST /auth/token belongs to the auth manager, not the v2 spec: an untyped handler.
    http.untyped.post(`${baseUrl}/auth/token`, async ({ request }) => {
      const type = request.headers.get("content-type") ?? "";
      let body: Record<string, unknown> = {};
      const text = await request.text();
      if (type.includes("application/x-www-form-urlencoded")) {
        body = Object.fromEntries(new URLSearchParams(text));
      } else {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
        } catch {
          return airflowError(400, "Invalid request body");
        }
      }
      const absent = ["username", "password"].filter((k) => typeof body[k] !== "string");
      if (absent.length > 0) {
        const lines = absent.map(
          (k) =>
            `${k}\n  Field required [type=missing, input_value=${pyStrDict(body)}, input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.14/v/missing`,
        );
        return airflowError(
          422,
          `${absent.length} validation error${absent.length > 1 ? "s" : ""} for LoginBody\n${lines.join("\n")}`,
        );
      }
      if (!body.username || !body.password)
        return airflowError(400, "Username and password must be provided");
      const user = users.find((u) => u.username === body.username);
      if (!user || user.password !== body.password) {
        return airflowError(401, "Invalid credentials");
      }
      tokenCount++;
      // Like Airflow's JWT, the token names its user and role (`sub`, `role`).
      const claims = { sub: user.username, role: user.role, n: tokenCount };
      const token = `fake.${base64url(JSON.stringify(claims))}.${nextId().replace(/-/g, "")}`;
      tokens.set(token, { expiry: clock.now() + ttlMs, user });
      return Response.json({ access_token: token }, { status: 201 });
    }),

    http.get("/api/v2/version", ({ response }) =>
      response(200).json({ version, git_version: `.release:mlgen-mocks-${version}` }),
    ),

    http.get("/api/v2/monitor/health", ({ response }) => {
      const now = new Date(clock.now()).toISOString().replace("Z", "000+00:00");
      return response(200).json({
        metadatabase: { status: "healthy" },
        scheduler: { status: "healthy", latest_scheduler_heartbeat: now },
        triggerer: { status: null, latest_triggerer_heartbeat: null },
        dag_processor: { status: "healthy", latest_dag_processor_heartbeat: now },
      });
    }),

    // --- DAGs ---
    http.get(
      "/api/v2/dags",
      guarded(({ request, response }) => {
        const url = new URL(request.url);
        const unapplied = unappliedQuery(url, "/api/v2/dags", [
          "limit",
          "offset",
          "paused",
          "dag_id_pattern",
          "tags",
          "tags_match_mode",
          "order_by",
        ]);
        if (unapplied) return unapplied as never;
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        let list = [...dags.values()];
        const paused = url.searchParams.get("paused");
        if (paused !== null) {
          const want = /^(true|1|yes|on)$/i.test(paused);
          list = list.filter((d) => d.isPaused === want);
        }
        list = ilikeFilter(list, url, "dag_id_pattern", (d) => d.dagId);
        const tags = url.searchParams.getAll("tags");
        if (tags.length > 0) {
          const all = url.searchParams.get("tags_match_mode") === "all";
          list = list.filter((d) => {
            const own = new Set(d.spec.tags ?? []);
            return all ? tags.every((t) => own.has(t)) : tags.some((t) => own.has(t));
          });
        }
        const sorted = sortBy(list, orderByOf(url), dagFields, "dag_id");
        if (!sorted.ok) return sorted.response as never;
        return response(200).json({
          dags: page(sorted.items, p.limit, p.offset).map(dagJson),
          total_entries: sorted.items.length,
        });
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}",
      guarded(({ params, response }) => {
        const dag = findDag(decode(params.dag_id));
        if (!dag) return fail(404, `The Dag with ID: \`${decode(params.dag_id)}\` was not found`);
        return response(200).json(dagJson(dag));
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}/details",
      guarded(({ params, response }) => {
        const dag = findDag(decode(params.dag_id));
        if (!dag) return fail(404, `The Dag with ID: \`${decode(params.dag_id)}\` was not found`);
        return response(200).json(dagDetailsJson(dag));
      }),
    ),

    http.patch(
      "/api/v2/dags/{dag_id}",
      guarded(async ({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = checkKeys(body, ["is_paused"], ["is_paused"]);
        // Read as pydantic's lax mode reads it, as the server does: "yes", "off", 1, 0 are fine.
        const paused =
          "is_paused" in body ? jsonBool(body.is_paused, ["body", "is_paused"], issues) : null;
        const mask = new URL(request.url).searchParams.getAll("update_mask");
        const dag = findDag(dagId);
        if (issues.length > 0) return invalid(issues);
        if (!dag) return fail(404, `Dag with id: ${dagId} was not found`);
        if (mask.length > 0 && !(mask.length === 1 && mask[0] === "is_paused")) {
          return fail(400, "Only `is_paused` field can be updated through the REST API");
        }
        dag.isPaused = paused as boolean;
        // Unpaused: its queued runs start from now on (not from when they were ready).
        if (!dag.isPaused) {
          for (const r of dag.runs.values()) {
            if (r.state === "queued" && r.due !== null) r.due = Math.max(r.due, clock.now());
          }
        }
        return response(200).json(dagJson(dag));
      }),
    ),

    http.get(
      "/api/v2/dagSources/{dag_id}",
      guarded(({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const dag = findDag(dagId);
        if (!dag)
          return fail(
            404,
            `The source code of the Dag ${dagId}, version_number None was not found`,
          );
        const content = dag.spec.source ?? `# ${dag.dagId}: seeded in @mlgen/mocks\n`;
        if ((request.headers.get("accept") ?? "").startsWith("text/plain")) {
          return new Response(content, {
            headers: { "content-type": "text/plain; charset=utf-8" },
          }) as never;
        }
        return response(200).json({
          content,
          dag_id: dag.dagId,
          version_number: 1,
          dag_display_name: dag.dagId,
        });
      }),
    ),

    // --- DAG runs ---
    http.post(
      "/api/v2/dags/{dag_id}/dagRuns",
      guarded(async ({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const allowed = [
          "dag_run_id",
          "data_interval_start",
          "data_interval_end",
          "logical_date",
          "run_after",
          "conf",
          "note",
          "partition_key",
        ];
        const issues: ValidationIssue[] = [];
        if (
          "dag_run_id" in body &&
          body.dag_run_id !== null &&
          typeof body.dag_run_id !== "string"
        ) {
          issues.push({
            type: "string_type",
            loc: ["body", "dag_run_id"],
            msg: "Input should be a valid string",
            input: body.dag_run_id,
          });
        }
        const dates: Record<string, number | null> = {};
        const micros: Record<string, number> = {};
        // The trigger's answer writes the dates back as pydantic parsed them (their offset,
        // microseconds); later reads come from the database, in UTC.
        const echoes: Record<string, string> = {};
        for (const key of ["data_interval_start", "data_interval_end", "logical_date"]) {
          if (key === "logical_date" && !(key in body)) {
            issues.push(missing(["body", key], body));
            continue;
          }
          const parsed = parseAware(body[key], ["body", key]);
          if (parsed.ok) {
            dates[key] = parsed.ms;
            if (parsed.micros) micros[key] = parsed.micros;
            if (parsed.echo) echoes[key] = parsed.echo;
          } else issues.push(parsed.issue);
        }
        let runAfter: number | null = null;
        if (body.run_after !== undefined && body.run_after !== null) {
          const parsed = parseAware(body.run_after, ["body", "run_after"]);
          if (parsed.ok) {
            runAfter = parsed.ms;
            if (parsed.micros) micros.run_after = parsed.micros;
          } else if (parsed.issue.type === "timezone_aware")
            runAfter = Date.parse(`${String(body.run_after)}Z`);
          else issues.push(parsed.issue);
        }
        if (
          "conf" in body &&
          body.conf !== null &&
          (typeof body.conf !== "object" || Array.isArray(body.conf))
        ) {
          issues.push({
            type: "dict_type",
            loc: ["body", "conf"],
            msg: "Input should be a valid dictionary",
            input: body.conf,
          });
        }
        if ("note" in body && body.note !== null && typeof body.note !== "string") {
          issues.push({
            type: "string_type",
            loc: ["body", "note"],
            msg: "Input should be a valid string",
            input: body.note,
          });
        }
        for (const key of Object.keys(body))
          if (!allowed.includes(key)) issues.push(extraForbidden(["body", key], body[key]));
        if (
          issues.length === 0 &&
          (dates.data_interval_start == null) !== (dates.data_interval_end == null)
        ) {
          issues.push({
            type: "value_error",
            loc: ["body"],
            msg: "Value error, Either both data_interval_start and data_interval_end must be provided or both must be None",
            input: body,
            ctx: { error: {} },
          });
        }
        if (issues.length > 0) return invalid(issues);
        const dag = findDag(dagId);
        if (!dag) return fail(404, `Dag with dag_id: '${dagId}' not found`);
        const now = clock.now();
        const logical = dates.logical_date ?? null;
        const after = runAfter ?? now;
        // Airflow names a manual run after run_after (Timetable.generate_run_id), and checks a
        // given id against DagRun.validate_run_id.
        const given = (body.dag_run_id as string | null | undefined) || null;
        if (given !== null) {
          const bad = runIdProblem(given);
          if (bad !== null) return fail(400, bad);
        }
        // create_dagrun checks the DAG's Params against the conf (its defaults for the rest)
        // after the run id, before the database's unique keys.
        const refused = paramsError(
          dag.spec.params ?? {},
          (body.conf as Record<string, unknown> | null | undefined) ?? {},
        );
        if (refused !== null) return fail(400, refused);
        // Airflow's clock counts microseconds, so triggers in one millisecond get ids of their
        // own there: one that would take a taken id here is a microsecond later.
        if (given === null && runAfter === null) {
          let us = 0;
          while (us < 999 && dag.runs.has(`manual__${pythonIso(after, us)}`)) us++;
          if (us > 0) micros.run_after = us;
        }
        const runId = given ?? `manual__${pythonIso(after, micros.run_after)}`;
        if (dag.runs.has(runId)) return uniqueViolation() as never;
        // (dag_id, logical_date) is unique too (dag_run_dag_id_logical_date_key).
        const sameTime = (r: Run) =>
          r.logicalDate === logical && (r.micros?.logical_date ?? 0) === (micros.logical_date ?? 0);
        if (logical !== null && [...dag.runs.values()].some(sameTime)) {
          return uniqueViolation() as never;
        }
        const run = startRun(dag, {
          dagId,
          runId,
          logicalDate: logical,
          dataIntervalStart: logical === null ? null : (dates.data_interval_start ?? logical),
          dataIntervalEnd: logical === null ? null : (dates.data_interval_end ?? logical),
          micros: {
            ...(micros.logical_date ? { logical_date: micros.logical_date } : {}),
            ...(micros.run_after ? { run_after: micros.run_after } : {}),
            data_interval_start: micros.data_interval_start ?? micros.logical_date ?? 0,
            data_interval_end: micros.data_interval_end ?? micros.logical_date ?? 0,
          },
          runAfter: after,
          queuedAt: now,
          // conf: null is stored as {} (DagRun's conf defaults to an empty dict), as Airflow answers.
          conf: (body.conf as Record<string, unknown> | null | undefined) ?? {},
          note: (body.note as string | null | undefined) || null,
          triggeredBy: (requestUser.get(request) as AirflowFakeUser).username,
        });
        const echo = (key: string, fallback: string) =>
          logical === null ? null : (echoes[key] ?? echoes[fallback] ?? null);
        const answer = runJson(run);
        return response(200).json({
          ...answer,
          logical_date: echo("logical_date", "logical_date") ?? answer.logical_date,
          data_interval_start:
            echo("data_interval_start", "logical_date") ?? answer.data_interval_start,
          data_interval_end: echo("data_interval_end", "logical_date") ?? answer.data_interval_end,
        });
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}/dagRuns",
      guarded(({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const url = new URL(request.url);
        const unapplied = unappliedQuery(url, "/api/v2/dags/{dag_id}/dagRuns", [
          "cursor",
          "limit",
          "offset",
          "state",
          "order_by",
          "run_type",
          "run_id_pattern",
          ...RUN_DATE_FILTERS.flatMap((f) => RANGE.map((r) => `${f}_${r}`)),
        ]);
        if (unapplied) return unapplied as never;
        // Query parameters are checked before anything is looked up, as FastAPI does.
        const states = stateFilter(url, RUN_STATES, ["none"]);
        if (states instanceof Response) return states as never;
        const bounds: { field: (typeof RUN_DATE_FILTERS)[number]; op: string; at: number }[] = [];
        const badDates: ValidationIssue[] = [];
        for (const field of RUN_DATE_FILTERS) {
          for (const op of RANGE) {
            const name = `${field}_${op}`;
            const text = url.searchParams.get(name);
            if (text === null) continue;
            const at = Date.parse(text);
            if (Number.isNaN(at)) {
              badDates.push({
                type: "datetime_from_date_parsing",
                loc: ["query", name],
                msg: "Input should be a valid datetime or date, invalid character in year",
                input: text,
              });
            } else bounds.push({ field, op, at });
          }
        }
        if (badDates.length > 0) return invalid(badDates);
        if (
          url.searchParams.getAll("run_type").some((t) => t !== "none" && !RUN_TYPES.includes(t))
        ) {
          return fail(422, `Invalid value for run type. Valid values are ${RUN_TYPES.join(", ")}`);
        }
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        let runs: Run[];
        if (dagId === "~") {
          runs = [...dags.values()].flatMap((d) => [...d.runs.values()]);
        } else {
          const dag = findDag(dagId);
          if (!dag) return fail(404, `The Dag with ID: \`${dagId}\` was not found`);
          runs = [...dag.runs.values()];
        }
        if (states.length > 0) runs = runs.filter((r) => states.includes(r.state));
        // The fake's runs are triggered through the API (manual) or by a task (operator_triggered).
        const runTypes = url.searchParams.getAll("run_type");
        if (runTypes.length > 0) {
          runs = runs.filter((r) =>
            runTypes.includes(r.byOperator ? "operator_triggered" : "manual"),
          );
        }
        runs = ilikeFilter(runs, url, "run_id_pattern", (r) => r.runId);
        const now = clock.now();
        for (const { field, op, at } of bounds) {
          runs = runs.filter((r) => {
            const v = RUN_DATES[field](r);
            if (v === null) {
              // No logical date or run_after: no bound holds (SQL's comparison with NULL). No
              // start or end yet (NullableDatetimeRangeFilter): it will pass any lower bound, and
              // an upper bound that now has not passed.
              if (field === "logical_date" || field === "run_after") return false;
              return op === "gte" || op === "gt" || (op === "lte" ? now <= at : now < at);
            }
            return op === "gte" ? v >= at : op === "gt" ? v > at : op === "lte" ? v <= at : v < at;
          });
        }
        const sorted = sortBy(runs, orderByOf(url), runFields, "id");
        if (!sorted.ok) return sorted.response as never;
        // With a cursor, keyset pages; offset is ignored (dag_run.py get_dag_runs).
        const cursor = cursorOf(url);
        if (cursor !== null) {
          const paged = cursorPage(runs, cursor, p.limit, orderByOf(url), runCursor);
          if (!paged.ok) return paged.response as never;
          return response(200).json({
            dag_runs: paged.items.map(runJson),
            ...paged.fields,
          } as Schemas["DAGRunCollectionResponse"]);
        }
        return response(200).json({
          dag_runs: page(sorted.items, p.limit, p.offset).map(runJson),
          total_entries: sorted.items.length,
          total_entries_limit: null,
          next_cursor: null,
          previous_cursor: null,
        } as Schemas["DAGRunCollectionResponse"]);
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
      guarded(({ params, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const run = findRun(dagId, runId);
        if (!run) return runNotFound(dagId, runId);
        return response(200).json(runJson(run));
      }),
    ),

    http.patch(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
      guarded(async ({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = checkKeys(body, ["state", "note"], []);
        if (
          "state" in body &&
          body.state !== null &&
          !["queued", "success", "failed"].includes(body.state as string)
        ) {
          issues.push({
            type: "enum",
            loc: ["body", "state"],
            msg: "Input should be 'queued', 'success' or 'failed'",
            input: body.state,
            ctx: { expected: "'queued', 'success' or 'failed'" },
          });
        }
        if ("note" in body && typeof body.note === "string" && body.note.length > 1000) {
          issues.push({
            type: "string_too_long",
            loc: ["body", "note"],
            msg: "String should have at most 1000 characters",
            input: body.note,
            ctx: { max_length: 1000 },
          });
        }
        if (issues.length > 0) return invalid(issues);
        const run = findRun(dagId, runId);
        if (!run) return runNotFound(dagId, runId);
        const mask = new URL(request.url).searchParams.getAll("update_mask");
        const fields = Object.keys(body).filter((k) => mask.length === 0 || mask.includes(k));
        const now = clock.now();
        if (fields.includes("note")) run.note = (body.note as string | null) ?? null;
        if (fields.includes("state") && body.state) {
          const state = body.state as "queued" | "success" | "failed";
          if (state === "queued") {
            queueRun(run);
          } else {
            const left: Ti[] = [];
            const dag = dags.get(dagId) as Dag;
            // Teardowns are neither killed nor skipped: they still clean up (mark_tasks.py).
            const teardown = (ti: Ti) => dag.byId.get(ti.taskId)?.role === "teardown";
            const open = (ti: Ti) => ti.state === null || !TERMINAL_TI.has(ti.state);
            const cleaning = [...run.tis.values()].some((ti) => teardown(ti) && open(ti));
            // set_state(tasks=...) after: every instance of a task one of whose instances was
            // running takes the run's state, even one that had finished.
            const runningTasks = new Set(
              [...run.tis.values()]
                .filter((ti) => ti.state !== null && RUNNING_TI.has(ti.state) && !teardown(ti))
                .map((ti) => ti.taskId),
            );
            for (const ti of run.tis.values()) {
              if (!open(ti) || teardown(ti)) continue;
              if (ti.state === "queued" || ti.state === "running") left.push(ti);
              // Airflow (_set_dag_run_terminal_state): running tasks take the run's state, the
              // ones not started (none, scheduled, queued) are skipped; finished ones keep
              // theirs. TaskInstance.set_state keeps dates a task instance has.
              setTiState(
                ti,
                ti.state !== null && RUNNING_TI.has(ti.state) ? state : "skipped",
                now,
              );
            }
            for (const ti of run.tis.values()) {
              if (runningTasks.has(ti.taskId) && ti.state !== state) setTiState(ti, state, now);
            }
            if (cleaning) {
              // The run's state is left to the scheduler, once its teardowns are done: its
              // next pass over the run schedules them.
              freedSlotsOf(run, left, now);
              run.due = now + schedulerDelay;
              return response(200).json(runJson(run));
            }
            const wasRunning = run.state === "running";
            run.state = state;
            run.endDate = now;
            run.due = null;
            active.delete(run);
            freedSlotsOf(run, left, now);
            if (wasRunning) runSlotFreed(run.dagId, now);
          }
        }
        return response(200).json(runJson(run));
      }),
    ),

    http.delete(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
      guarded(({ params, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const run = findRun(dagId, runId);
        if (!run) return runNotFound(dagId, runId);
        if (run.state === "running") {
          return fail(
            409,
            `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` cannot be deleted in running state`,
          );
        }
        dags.get(dagId)?.runs.delete(runId);
        active.delete(run);
        freedSlotsOf(run, [...run.tis.values()], clock.now());
        return response(204).empty();
      }),
    ),

    http.post(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/clear",
      guarded(async ({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = checkKeys(
          body,
          ["dry_run", "only_failed", "only_new", "run_on_latest_version", "note"],
          [],
        );
        if (issues.length > 0) return invalid(issues);
        const run = findRun(dagId, runId);
        if (!run) return runNotFound(dagId, runId);
        const onlyFailed = body.only_failed === true;
        const selected = [...run.tis.values()].filter(
          (ti) => !onlyFailed || (ti.state !== null && FAILED_TI.has(ti.state)),
        );
        if (body.dry_run !== false) {
          return response(200).json({
            task_instances: selected.map((ti) => tiJson(run, ti)),
            total_entries: selected.length,
          } as Schemas["ClearTaskInstanceCollectionResponse"]);
        }
        // DAG.clear changes nothing when no task instance matches: the run stays as it is.
        if (selected.length > 0) {
          clearTis(run, selected);
          afterClear(run, true);
        }
        if (typeof body.note === "string") run.note = body.note;
        return response(200).json(runJson(run));
      }),
    ),

    // --- task instances ---
    http.get(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
      guarded(({ params, request }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const url = new URL(request.url);
        const query = tiQuery(url, "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances");
        if (query instanceof Response) return query as never;
        let pairs: Array<[Run, Ti]>;
        if (runId === "~") {
          const pool = dagId === "~" ? [...dags.values()] : [findDag(dagId)];
          if (pool[0] === undefined)
            return fail(404, `The Dag with ID: \`${dagId}\` was not found`);
          pairs = (pool as Dag[]).flatMap((d) =>
            [...d.runs.values()].flatMap((r) =>
              [...r.tis.values()].map((ti): [Run, Ti] => [r, ti]),
            ),
          );
        } else {
          if (dagId === "~") return fail(400, "dag_id is required when dag_run_id is specified");
          const run = findRun(dagId, runId);
          if (!run)
            return fail(
              404,
              `DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`,
            );
          pairs = [...run.tis.values()].map((ti): [Run, Ti] => [run, ti]);
        }
        return tiListAnswer(pairs, url, query);
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
      guarded(({ params, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const taskId = decode(params.task_id);
        const run = findRun(dagId, runId);
        const ti = run ? instancesOf(run, taskId)[0] : undefined;
        if (!run || !ti) {
          return fail(
            404,
            `The Task Instance with dag_id: \`${dagId}\`, run_id: \`${runId}\` and task_id: \`${taskId}\` was not found`,
          );
        }
        if (ti.mapIndex !== -1) {
          return fail(404, "Task instance is mapped, add the map_index value to the URL");
        }
        return response(200).json(tiJson(run, ti));
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}",
      guarded(({ params, request, response }) => {
        // The ndjson stream (what Airflow sends when asked for it alone) is not served.
        if ((request.headers.get("accept") ?? "").startsWith("application/x-ndjson")) {
          return notMocked(request) as never;
        }
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const taskId = decode(params.task_id);
        const tryText = decode(params.try_number);
        const url = new URL(request.url);
        const mapText = url.searchParams.get("map_index") ?? "-1";
        const issues: ValidationIssue[] = [];
        for (const [loc, text] of [
          [["path", "try_number"], tryText],
          [["query", "map_index"], mapText],
        ] as const) {
          if (!/^-?\d+$/.test(text)) {
            issues.push({
              type: "int_parsing",
              loc: [...loc],
              msg: "Input should be a valid integer, unable to parse string as an integer",
              input: text,
            });
          } else if (loc[1] === "try_number" && Number(text) < 0) {
            // NonNegativeInt.
            issues.push({
              type: "greater_than_equal",
              loc: [...loc],
              msg: "Input should be greater than or equal to 0",
              input: text,
              ctx: { ge: 0 },
            });
          }
        }
        if (issues.length > 0) return invalid(issues);
        const run = findRun(dagId, runId);
        const dag = dags.get(dagId);
        const ti = findTi(run, taskId, Number(mapText));
        const log = run && dag && ti ? tryLog(run, dag, ti, Number(tryText)) : null;
        if (log === null) return fail(404, "TaskInstance not found");
        return response(200).json(log as Schemas["TaskInstancesLogResponse"]);
      }),
    ),

    http.post(
      "/api/v2/dags/{dag_id}/clearTaskInstances",
      guarded(async ({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = checkKeys(
          body,
          [...CLEAR_FLAGS, "start_date", "end_date", "task_ids", "dag_run_id", "note"],
          [],
        );
        // ClearTaskInstancesBody.validate_model runs first (mode="before", on the raw values).
        const refused = clearBodyProblem(body);
        if (refused) {
          return invalid([
            {
              type: "value_error",
              loc: ["body"],
              msg: `Value error, ${refused}`,
              input: body,
              ctx: { error: {} },
            },
          ]);
        }
        const flags: Record<string, boolean> = {};
        for (const name of CLEAR_FLAGS) {
          if (!(name in body)) continue;
          const b = jsonBool(body[name], ["body", name], issues);
          if (b !== null) flags[name] = b;
        }
        if (issues.length > 0) return invalid(issues);
        const dag = findDag(dagId);
        if (!dag) return fail(404, `The Dag with ID: \`${dagId}\` was not found`);
        let runs = [...dag.runs.values()];
        if (typeof body.dag_run_id === "string") {
          const run = dag.runs.get(body.dag_run_id);
          if (!run) return fail(404, `Dag Run id ${body.dag_run_id} not found in dag ${dagId}`);
          if ((flags.include_past || flags.include_future) && run.logicalDate === null) {
            return fail(
              400,
              "Cannot use include_past or include_future with no logical_date(e.g. manually or asset-triggered).",
            );
          }
          runs = [run];
        }
        // Which tasks: the listed ones plus their upstream/downstream when asked; a
        // [task_id, map_index] pair names one instance of a mapped task.
        let taskIds: Set<string> | null = null;
        const oneInstance = new Set<string>();
        if (Array.isArray(body.task_ids)) {
          taskIds = new Set();
          for (const t of body.task_ids) {
            if (Array.isArray(t)) oneInstance.add(tiKey(String(t[0]), Number(t[1])));
            else taskIds.add(String(t));
          }
          const roots = [
            ...taskIds,
            ...body.task_ids.filter((t) => Array.isArray(t)).map((t) => String(t[0])),
          ];
          const walk = (dir: "upstream" | "downstream") => {
            const stack = [...roots];
            while (stack.length > 0) {
              const t = dag.byId.get(stack.pop() as string);
              for (const n of t?.[dir] ?? []) {
                if (!(taskIds as Set<string>).has(n)) {
                  (taskIds as Set<string>).add(n);
                  stack.push(n);
                }
              }
            }
          };
          if (flags.include_upstream === true) walk("upstream");
          if (flags.include_downstream === true) walk("downstream");
          // DAG.clear (partial_subset): a task comes with the setups it needs and their
          // teardowns, a setup with its teardowns.
          for (const id of [...taskIds, ...roots]) {
            const d = dag.byId.get(id);
            if (d?.role === null) for (const x of setupsAndTeardowns(dag, d)) taskIds.add(x);
            if (d?.role === "setup") {
              for (const x of d.downstream)
                if (dag.byId.get(x)?.role === "teardown") taskIds.add(x);
            }
          }
        }
        const onlyFailed = flags.only_failed !== false;
        const onlyRunning = flags.only_running === true;
        const dryRun = flags.dry_run !== false;
        const out: Array<[Run, Ti]> = [];
        for (const run of runs) {
          const selected = dag.tasks
            .flatMap((t) => instancesOf(run, t.taskId))
            .filter(
              (ti) =>
                taskIds === null ||
                taskIds.has(ti.taskId) ||
                oneInstance.has(tiKey(ti.taskId, ti.mapIndex)),
            )
            .filter((ti) => !onlyFailed || (ti.state !== null && FAILED_TI.has(ti.state)))
            .filter((ti) => !onlyRunning || ti.state === "running")
            // In the order the server's query returns them (its unique index on dag_id,
            // task_id, run_id, map_index, on SQLite), which is the order of their new ids.
            .sort((a, b) => cmp(a.taskId, b.taskId) || a.mapIndex - b.mapIndex);
          if (selected.length === 0) continue;
          if (!dryRun) {
            clearTis(run, selected);
            afterClear(run, flags.reset_dag_runs !== false);
          }
          for (const ti of selected) out.push([run, ti]);
        }
        return response(200).json({
          task_instances: out.map(([r, ti]) => tiJson(r, ti)),
          total_entries: out.length,
          total_entries_limit: null,
          next_cursor: null,
          previous_cursor: null,
        } as Schemas["TaskInstanceCollectionResponse"]);
      }),
    ),

    // --- XComs ---
    http.get(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}",
      guarded(({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const taskId = decode(params.task_id);
        const key = decode(params.xcom_key);
        const url = new URL(request.url);
        const issues: ValidationIssue[] = [];
        const stringify = boolParam(url, "stringify", issues);
        const deserialize = boolParam(url, "deserialize", issues);
        const mapIndex = mapIndexParam(url, issues);
        if (issues.length > 0) return invalid(issues);
        const run = findRun(dagId, runId);
        const ti = findTi(run, taskId, mapIndex ?? -1);
        const entry = ti?.xcom.get(key);
        if (!run || !ti || !entry) {
          return fail(404, `XCom entry with key: \`${key}\` not found`);
        }
        // deserialize=true: Airflow runs json.loads on the stored value once more, which
        // turns a string that reads as JSON ("0.9", '{"x": 1}') into what it reads as.
        const value = deserialize ? jsonLoadsAgain(entry.value) : entry.value;
        return response(200).json({
          ...xcomJson(run, ti, key, entry),
          // XComResponseString: str(value), but None stays null.
          value: stringify && value !== null ? pyStr(value) : (value as never),
        } as Schemas["XComResponseNative"]);
      }),
    ),

    http.get(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
      guarded(({ params, request, response }) => {
        const dagId = decode(params.dag_id);
        const runId = decode(params.dag_run_id);
        const taskId = decode(params.task_id);
        const url = new URL(request.url);
        const unapplied = unappliedQuery(
          url,
          "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
          ["xcom_key", "map_index", "limit", "offset"],
        );
        if (unapplied) return unapplied as never;
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        const keyFilter = url.searchParams.get("xcom_key");
        const issues: ValidationIssue[] = [];
        const mapIndex = mapIndexParam(url, issues);
        if (issues.length > 0) return invalid(issues);
        const runs = [...dags.values()]
          .filter((d) => dagId === "~" || d.dagId === dagId)
          .flatMap((d) => [...d.runs.values()])
          .filter((r) => runId === "~" || r.runId === runId);
        const entries: Array<{ run: Run; ti: Ti; key: string; entry: XcomEntry }> = [];
        for (const run of runs) {
          for (const ti of run.tis.values()) {
            if (taskId !== "~" && ti.taskId !== taskId) continue;
            if (mapIndex !== null && ti.mapIndex !== mapIndex) continue;
            for (const [key, entry] of ti.xcom) {
              if (keyFilter !== null && key !== keyFilter) continue;
              entries.push({ run, ti, key, entry });
            }
          }
        }
        entries.sort(
          (a, b) =>
            cmp(a.run.dagId, b.run.dagId) ||
            cmp(a.ti.taskId, b.ti.taskId) ||
            cmp(a.run.runId, b.run.runId) ||
            a.ti.mapIndex - b.ti.mapIndex ||
            cmp(a.key, b.key),
        );
        return response(200).json({
          xcom_entries: page(entries, p.limit, p.offset).map((e) =>
            xcomJson(e.run, e.ti, e.key, e.entry),
          ),
          total_entries: entries.length,
        });
      }),
    ),

    // --- import errors ---
    http.get(
      "/api/v2/importErrors",
      guarded(({ request, response }) => {
        const url = new URL(request.url);
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        const list = ilikeFilter(
          [...importErrors.values()],
          url,
          "filename_pattern",
          (e) => e.filename,
        );
        const sorted = sortBy(list, orderByOf(url), importErrorFields, "id");
        if (!sorted.ok) return sorted.response as never;
        return response(200).json({
          import_errors: page(sorted.items, p.limit, p.offset).map(importErrorJson),
          total_entries: sorted.items.length,
        });
      }),
    ),

    http.get(
      "/api/v2/importErrors/{import_error_id}",
      guarded(({ params, response }) => {
        const id = Number(decode(params.import_error_id));
        const e = importErrors.get(id);
        if (!e) return fail(404, `The ImportError with import_error_id: \`${id}\` was not found`);
        return response(200).json(importErrorJson(e));
      }),
    ),

    // --- variables ---
    http.get(
      "/api/v2/variables",
      guarded(({ request, response }) => {
        const url = new URL(request.url);
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        const list = ilikeFilter(
          [...variables.values()],
          url,
          "variable_key_pattern",
          (v) => v.key,
        );
        const sorted = sortBy(list, orderByOf(url), variableFields, "id");
        if (!sorted.ok) return sorted.response as never;
        return response(200).json({
          variables: page(sorted.items, p.limit, p.offset).map(variableJson),
          total_entries: sorted.items.length,
        });
      }),
    ),

    http.get(
      "/api/v2/variables/{variable_key}",
      guarded(({ params, response }) => {
        const key = decode(params.variable_key);
        const v = variables.get(key);
        if (!v) return fail(404, `The Variable with key: \`${key}\` was not found`);
        return response(200).json(variableJson(v));
      }),
    ),

    http.post(
      "/api/v2/variables",
      guarded(async ({ request, response }) => {
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = variableIssues(body);
        if (issues.length > 0) return invalid(issues);
        const key = body.key as string;
        if (variables.has(key))
          return fail(409, `The Variable with key: \`${key}\` already exists`);
        const v: Variable = {
          seq: seq++,
          key,
          value: storedVariableValue(body.value),
          description: (body.description as string | null | undefined) ?? null,
        };
        variables.set(key, v);
        return response(201).json(variableJson(v));
      }),
    ),

    http.patch(
      "/api/v2/variables/{variable_key}",
      guarded(async ({ params, request, response }) => {
        const key = decode(params.variable_key);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = variableIssues(body);
        if (issues.length > 0) return invalid(issues);
        if (body.key !== key)
          return fail(400, "Invalid body, key from request body doesn't match uri parameter");
        const v = variables.get(key);
        if (!v) return fail(404, `The Variable with key: \`${key}\` was not found`);
        const mask = new URL(request.url).searchParams.getAll("update_mask");
        const touched = (f: string) =>
          mask.length === 0 ? f in body : mask.includes(f) && f in body;
        if (touched("value")) v.value = storedVariableValue(body.value);
        if (touched("description")) v.description = (body.description as string | null) ?? null;
        return response(200).json(variableJson(v));
      }),
    ),

    http.delete(
      "/api/v2/variables/{variable_key}",
      guarded(({ params, response }) => {
        const key = decode(params.variable_key);
        if (!variables.delete(key))
          return fail(404, `The Variable with key: \`${key}\` was not found`);
        return response(204).empty();
      }),
    ),

    // --- pools ---
    http.get(
      "/api/v2/pools",
      guarded(({ request, response }) => {
        const url = new URL(request.url);
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        const list = ilikeFilter([...pools.values()], url, "pool_name_pattern", (x) => x.name);
        const sorted = sortBy(list, orderByOf(url), poolFields, "id");
        if (!sorted.ok) return sorted.response as never;
        return response(200).json({
          pools: page(sorted.items, p.limit, p.offset).map(poolJson),
          total_entries: sorted.items.length,
        });
      }),
    ),

    http.get(
      "/api/v2/pools/{pool_name}",
      guarded(({ params, response }) => {
        const name = decode(params.pool_name);
        const pool = pools.get(name);
        if (!pool) return fail(404, `The Pool with name: \`${name}\` was not found`);
        return response(200).json(poolJson(pool));
      }),
    ),

    http.post(
      "/api/v2/pools",
      guarded(async ({ request, response }) => {
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = checkKeys(
          body,
          ["name", "slots", "description", "include_deferred", "team_name"],
          ["name", "slots"],
        );
        issues.push(...slotIssues(body, ["body", "slots"]));
        if (typeof body.name === "string" && body.name.length > 256) {
          issues.push({
            type: "string_too_long",
            loc: ["body", "name"],
            msg: "String should have at most 256 characters",
            input: body.name,
            ctx: { max_length: 256 },
          });
        }
        if (issues.length > 0) return invalid(sortIssues(issues));
        const name = body.name as string;
        if (pools.has(name)) return uniqueViolation() as never;
        const pool: Pool = {
          seq: seq++,
          name,
          slots: body.slots as number,
          description: (body.description as string | null | undefined) ?? null,
          includeDeferred: body.include_deferred === true,
        };
        pools.set(name, pool);
        // Task instances waiting, scheduled, for a pool of this name may be queued now.
        poolSlotsFreed(name, clock.now());
        return response(201).json(poolJson(pool));
      }),
    ),

    http.patch(
      "/api/v2/pools/{pool_name}",
      guarded(async ({ params, request, response }) => {
        const name = decode(params.pool_name);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = checkKeys(
          body,
          ["name", "pool", "slots", "description", "include_deferred", "team_name"],
          [],
        );
        if (body.slots !== null && body.slots !== undefined)
          issues.push(...slotIssues(body, ["body", "slots"]));
        if (issues.length > 0) return invalid(issues);
        const newName = (body.name ?? body.pool) as string | undefined;
        if (newName && newName !== name) {
          return fail(400, "Invalid body, pool name from request body doesn't match uri parameter");
        }
        const pool = pools.get(name);
        if (!pool) return fail(404, `The Pool with name: \`${name}\` was not found`);
        const mask = new URL(request.url).searchParams.getAll("update_mask");
        if (name === "default_pool") {
          if (
            !(
              mask.length > 0 && mask.every((m) => ["slots", "include_deferred"].includes(m.trim()))
            )
          ) {
            return fail(400, "Only slots and included_deferred can be modified on Default Pool");
          }
        } else {
          // Airflow validates the fields sent against the whole pool model (name is `pool` there).
          const field = (k: string) => (k === "pool" ? (body.name ?? body.pool) : body[k]);
          const sent = ["pool", "slots", "description", "include_deferred"].filter(
            (k) => field(k) !== undefined,
          );
          const absent = ["pool", "slots", "include_deferred"].filter(
            (k) => field(k) === undefined || field(k) === null,
          );
          if (absent.length > 0) {
            const input = Object.fromEntries(sent.map((k) => [k, field(k)]));
            return invalid(
              absent.map((k) => ({
                ...missing([k], input),
                url: "https://errors.pydantic.dev/2.14/v/missing",
              })),
            );
          }
        }
        const touched = (f: string) =>
          mask.length === 0 ? f in body : mask.includes(f) && f in body;
        if (touched("slots")) pool.slots = body.slots as number;
        if (touched("description")) pool.description = (body.description as string | null) ?? null;
        if (touched("include_deferred")) pool.includeDeferred = body.include_deferred === true;
        // The answer says what the PATCH did; the scheduler queues into new slots after it.
        const answer = poolJson(pool);
        poolSlotsFreed(name, clock.now());
        return response(200).json(answer);
      }),
    ),

    http.delete(
      "/api/v2/pools/{pool_name}",
      guarded(({ params, response }) => {
        const name = decode(params.pool_name);
        if (name === "default_pool") return fail(400, "Default Pool can't be deleted");
        if (!pools.delete(name)) return fail(404, `The Pool with name: \`${name}\` was not found`);
        return response(204).empty();
      }),
    ),

    // --- connections ---
    http.get(
      "/api/v2/connections",
      guarded(({ request, response }) => {
        const url = new URL(request.url);
        const p = pageParams(url);
        if (!p.ok) return p.response as never;
        const byPattern = ilikeFilter(
          [...connections.values()],
          url,
          "connection_id_pattern",
          (c) => c.id,
        );
        const list = prefixFilter(byPattern, url, "connection_id_prefix_pattern", (c) => c.id);
        const sorted = sortBy(list, orderByOf(url), connectionFields, "id");
        if (!sorted.ok) return sorted.response as never;
        return response(200).json({
          connections: page(sorted.items, p.limit, p.offset).map(connectionJson),
          total_entries: sorted.items.length,
        });
      }),
    ),

    // GET /connections/enqueue-test is a route of its own (before /{connection_id} on the server).
    http.untyped.get(
      `${baseUrl}/api/v2/connections/enqueue-test`,
      ({ request }) => notMocked(request) as Response,
    ),

    http.get(
      "/api/v2/connections/{connection_id}",
      guarded(({ params, response }) => {
        const id = decode(params.connection_id);
        const c = connections.get(id);
        if (!c) return fail(404, `The Connection with connection_id: \`${id}\` was not found`);
        return response(200).json(connectionJson(c));
      }),
    ),

    http.post(
      "/api/v2/connections",
      guarded(async ({ request, response }) => {
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        const issues = connectionIssues(body);
        if (issues.length > 0) return invalid(issues);
        const id = body.connection_id as string;
        // The table's unique conn_id: the database error handler's 409, as for a pool.
        if (connections.has(id)) return uniqueViolation() as never;
        const c: Connection = {
          seq: seq++,
          id,
          connType: body.conn_type as string,
          description: nullableText(body.description),
          host: nullableText(body.host),
          login: nullableText(body.login),
          schema: nullableText(body.schema),
          port: connectionPort(body.port),
          password: nullableText(body.password),
          extra: connectionExtra(body.extra),
        };
        connections.set(id, c);
        return response(201).json(connectionJson(c));
      }),
    ),

    http.patch(
      "/api/v2/connections/{connection_id}",
      guarded(async ({ params, request, response }) => {
        const id = decode(params.connection_id);
        const read = await readJsonObject(request);
        if (!read.ok) return read.response as never;
        const body = read.body;
        // The whole ConnectionBody, update_mask or not (connection_id and conn_type required).
        const issues = connectionIssues(body);
        if (issues.length > 0) return invalid(issues);
        if (body.connection_id !== id) {
          return fail(
            400,
            "The connection_id in the request body does not match the URL parameter",
          );
        }
        const c = connections.get(id);
        if (!c) return fail(404, `The Connection with connection_id: \`${id}\` was not found`);
        // services/public/connections.py update_orm_from_pydantic: a field sent (and in the mask,
        // when there is one) is set; a sent null clears it.
        const mask = new URL(request.url).searchParams.getAll("update_mask");
        const touched = (f: string) =>
          mask.length === 0 ? f in body : mask.includes(f) && f in body;
        if (touched("conn_type")) c.connType = body.conn_type as string;
        if (touched("description")) c.description = nullableText(body.description);
        if (touched("host")) c.host = nullableText(body.host);
        if (touched("login")) c.login = nullableText(body.login);
        if (touched("schema")) c.schema = nullableText(body.schema);
        if (touched("port")) c.port = connectionPort(body.port);
        // Password and extra go by the mask alone. A `***` (as answered) keeps what is stored
        // (secrets_masker.merge). An extra named there and not sent (or empty) is cleared; a
        // password never is: set_password ignores an empty value (models/crypto.py).
        const named = (f: string) => (mask.length === 0 ? f in body : mask.includes(f));
        if (named("password")) {
          const password = nullableText(body.password);
          if (password) c.password = secretsMerge(password, c.password, "password") as string;
        }
        if (named("extra")) {
          const extra = connectionExtra(body.extra);
          c.extra =
            extra === null || c.extra === null
              ? extra
              : pyJsonDumps(secretsMerge(JSON.parse(extra), JSON.parse(c.extra), null));
        }
        return response(200).json(connectionJson(c));
      }),
    ),

    http.delete(
      "/api/v2/connections/{connection_id}",
      guarded(({ params, response }) => {
        const id = decode(params.connection_id);
        if (!connections.delete(id))
          return fail(404, `The Connection with connection_id: \`${id}\` was not found`);
        return response(204).empty();
      }),
    ),

    // After every other task instance route: `.../{task_id}/{map_index}/tries` would also match
    // `.../{task_id}/xcomEntries/tries`.
    ...triesRoutes(),
    ...mappedRoutes(),

    // Any other GET under the API: a route of the API the fake does not implement, or the
    // api-server's own 404 (its catch-all takes GET only, so another method there is a 405).
    http.untyped.get(
      `${baseUrl}/api/v2/*`,
      ({ request }) =>
        notMocked(request) ?? Response.json({ error: "API route not found" }, { status: 404 }),
    ),
  ];
  // A known route asked with another method: FastAPI's 405, unless the API has that route.
  const dispatch = dispatcher(
    handlers,
    (request, allowed) =>
      notMocked(request) ??
      Response.json(
        { detail: "Method Not Allowed" },
        { status: 405, headers: { allow: allowed.join(", ") } },
      ),
    PATH_PARAMS,
  );

  reset();

  const unanswered = (request: Request) => unansweredByFake("Airflow", baseUrl, request);

  return {
    baseUrl,
    handlers: [routed(baseUrl, dispatch, unanswered)],
    fetch: fetchVia(dispatch, true, unanswered),
    clock,
    reset,
    addDag,
    removeDag(dagId) {
      const dag = dags.get(dagId);
      if (!dag) return;
      dropRuns(dag);
      dags.delete(dagId);
    },
    setScript(dagId, script) {
      const dag = dags.get(dagId);
      if (!dag) throw new TypeError(`setScript: no DAG ${dagId}`);
      dag.script = script;
    },
    addImportError,
    setVariable(key, value, description = null) {
      const old = variables.get(key);
      variables.set(key, { seq: old?.seq ?? seq++, key, value, description });
    },
    expireTokens() {
      const past = clock.now() - leewayMs - 1;
      for (const token of tokens.values()) token.expiry = past;
    },
    tokenRequests: () => tokenCount,
    settle,
    tick: () => tick(),
  };
}

/** The users POST /auth/token accepts: `users`, else one admin (`username`/`password`, admin/admin). */
function fakeUsers(options: AirflowFakeOptions): readonly AirflowFakeUser[] {
  if (options.users === undefined) {
    return [
      {
        username: options.username ?? "admin",
        password: options.password ?? "admin",
        role: "admin",
      },
    ];
  }
  if (options.username !== undefined || options.password !== undefined) {
    throw new TypeError(
      "createAirflowFake: give either users or username/password (users replaces the default admin)",
    );
  }
  const seen = new Set<string>();
  for (const user of options.users) {
    if (!user.username || !user.password) {
      throw new TypeError("createAirflowFake: every user needs a username and a password");
    }
    if (seen.has(user.username)) {
      throw new TypeError(`createAirflowFake: user ${user.username} is listed twice`);
    }
    seen.add(user.username);
    if (!AIRFLOW_ROLES.includes(user.role)) {
      throw new TypeError(
        `createAirflowFake: user ${user.username} has role ${JSON.stringify(user.role)}; Airflow's roles are ${AIRFLOW_ROLES.join(", ")}`,
      );
    }
  }
  return options.users.map((u) => ({ username: u.username, password: u.password, role: u.role }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's repr of a small dict, as pydantic prints `input_value`. */
function pyStrDict(body: Record<string, unknown>): string {
  return pyStr(body);
}

/** Airflow stores a string as is and anything else as `json.dumps(value, indent=2)`. */
function storedVariableValue(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

function variableIssues(body: Record<string, unknown>): ValidationIssue[] {
  const issues = checkKeys(body, ["key", "value", "description", "team_name"], ["key", "value"]);
  if ("key" in body && typeof body.key !== "string") {
    issues.push({
      type: "string_type",
      loc: ["body", "key"],
      msg: "Input should be a valid string",
      input: body.key,
    });
  } else if (typeof body.key === "string" && body.key.length > 250) {
    issues.push({
      type: "string_too_long",
      loc: ["body", "key"],
      msg: "String should have at most 250 characters",
      input: body.key,
      ctx: { max_length: 250 },
    });
  }
  return sortIssues(issues);
}

function slotIssues(body: Record<string, unknown>, loc: (string | number)[]): ValidationIssue[] {
  if (!("slots" in body)) return [];
  const s = body.slots;
  if (typeof s !== "number" || !Number.isInteger(s)) {
    return [{ type: "int_type", loc, msg: "Input should be a valid integer", input: s }];
  }
  if (s < -1)
    return [
      {
        type: "greater_than_equal",
        loc,
        msg: "Input should be greater than or equal to -1",
        input: s,
        ctx: { ge: -1 },
      },
    ];
  return [];
}

/** A nullable text field of a body already validated. */
function nullableText(v: unknown): string | null {
  return (v as string | null | undefined) ?? null;
}

/** ConnectionBody.port, validated: pydantic's lax int (5432, 5432.0, "5432", true). */
function connectionPort(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return Number(typeof v === "string" ? v.trim() : v);
}

/** ConnectionBody.validate_extra: "" is kept as "{}" (backward compatibility). */
function connectionExtra(v: unknown): string | null {
  const extra = nullableText(v);
  return extra === "" ? "{}" : extra;
}

/** ConnectionBody's connection_id pattern: pydantic-core's (Rust) Unicode `\w`, `.` and `-`. */
const CONNECTION_ID = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}.-]+$/u;

/** ConnectionBody (datamodels/connections.py) as pydantic checks it, in model order, extras last. */
function connectionIssues(body: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const fields = [
    "connection_id",
    "conn_type",
    "description",
    "host",
    "login",
    "schema",
    "port",
    "password",
    "extra",
    "team_name",
  ];
  const maxLength: Record<string, number> = { connection_id: 200, team_name: 50 };
  for (const name of fields) {
    const loc = ["body", name];
    const required = name === "connection_id" || name === "conn_type";
    if (!(name in body)) {
      if (required) issues.push(missing(loc, body));
      continue;
    }
    const v = body[name];
    if (v === null && !required) continue;
    if (name === "port") {
      const issue = portIssue(v, loc);
      if (issue) issues.push(issue);
      continue;
    }
    if (typeof v !== "string") {
      issues.push({ type: "string_type", loc, msg: "Input should be a valid string", input: v });
      continue;
    }
    const max = maxLength[name];
    if (max !== undefined && v.length > max) {
      issues.push({
        type: "string_too_long",
        loc,
        msg: `String should have at most ${max} characters`,
        input: v,
        ctx: { max_length: max },
      });
    } else if (name === "connection_id" && !CONNECTION_ID.test(v)) {
      issues.push({
        type: "string_pattern_mismatch",
        loc,
        msg: "String should match pattern '^[\\w.-]+$'",
        input: v,
        ctx: { pattern: "^[\\w.-]+$" },
      });
    } else if (name === "extra" && v !== "") {
      const problem = extraProblem(v);
      if (problem) {
        issues.push({
          type: "value_error",
          loc,
          msg: `Value error, ${problem}`,
          input: v,
          ctx: { error: {} },
        });
      }
    }
  }
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) issues.push(extraForbidden(["body", key], body[key]));
  }
  // validate_team_name (mode="after"): only once every field is valid; multi_team is off.
  if (issues.length === 0 && body.team_name !== null && body.team_name !== undefined) {
    issues.push({
      type: "value_error",
      loc: ["body"],
      msg: "Value error, team_name cannot be set when multi_team mode is disabled. Please contact your administrator.",
      input: body,
      ctx: { error: {} },
    });
  }
  return issues;
}

/** validate_extra's refusal of a non-empty `extra`, or null when it is a JSON object. */
function extraProblem(extra: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(extra);
  } catch {
    return "The `extra` field must be a valid JSON object (e.g., {'key': 'value'}), but encountered non-JSON in `extra` field";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return "The `extra` field must be a valid JSON object (e.g., {'key': 'value'})";
  }
  return null;
}

/** pydantic's lax int (JSON input): whole numbers, whole-number strings and booleans. */
function portIssue(v: unknown, loc: (string | number)[]): ValidationIssue | null {
  if (typeof v === "boolean") return null;
  if (typeof v === "number") {
    if (Number.isInteger(v)) return null;
    return {
      type: "int_from_float",
      loc,
      msg: "Input should be a valid integer, got a number with a fractional part",
      input: v,
    };
  }
  if (typeof v === "string") {
    if (/^\s*[-+]?\d+\s*$/.test(v)) return null;
    return {
      type: "int_parsing",
      loc,
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: v,
    };
  }
  return { type: "int_type", loc, msg: "Input should be a valid integer", input: v };
}

/**
 * secrets_masker.merge: a value sent back as answered (`***` under a sensitive name, at any depth
 * of a dict or list) keeps the stored one; anything else sent replaces it. A dict keeps only the
 * keys sent.
 */
function secretsMerge(sent: unknown, stored: unknown, name: string | null, force = false): unknown {
  const sensitive = force || (name !== null && sensitiveName(name));
  const isDict = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isDict(sent) && isDict(stored)) {
    return Object.fromEntries(
      Object.entries(sent).map(([k, v]) => [
        k,
        k in stored ? secretsMerge(v, stored[k], sensitive ? null : k, sensitive) : v,
      ]),
    );
  }
  if (Array.isArray(sent) && Array.isArray(stored)) {
    return sent.map((v, i) =>
      i >= stored.length
        ? v
        : sensitive && v === "***"
          ? stored[i]
          : secretsMerge(v, stored[i], null, sensitive),
    );
  }
  return sensitive && sent === "***" ? stored : sent;
}

/**
 * Airflow's `*_prefix_pattern` filters (_PrefixSearchParam): each term (`a|b` for either, `~` for
 * all) has its trailing non-alphanumerics dropped and matches the range [term, term with its last
 * character bumped), as the server's range scan does; all items when the parameter is absent.
 */
function prefixFilter<T>(items: T[], url: URL, param: string, text: (item: T) => string): T[] {
  const raw = url.searchParams.get(param);
  if (raw === null) return items;
  const value = raw === "~" ? "" : raw;
  const terms = value.includes("|")
    ? value
        .split("|")
        .map((t) => t.trim())
        .filter((t) => t !== "")
    : [];
  const matchers = (terms.length > 0 ? terms : [value]).map((term) => {
    const lower = stripTrailing([...term]);
    if (lower.length === 0) return () => true;
    const low = lower.join("");
    const upper = prefixUpper(lower);
    return (s: string) => s >= low && (upper === null || s < upper);
  });
  return items.filter((item) => matchers.some((match) => match(text(item))));
}

const alnum = (c: string) => /^[\p{L}\p{N}]$/u.test(c);

function stripTrailing(chars: string[]): string[] {
  let end = chars.length;
  while (end > 0 && !alnum(chars[end - 1] as string)) end--;
  return chars.slice(0, end);
}

/** _PrefixPatternParam._prefix_range_upper over code points; null when there is none. */
function prefixUpper(term: string[]): string | null {
  const chars = stripTrailing(term);
  if (chars.length === 0) return null;
  const last = (chars.at(-1) as string).codePointAt(0) as number;
  const bumped = last >= 0x10ffff ? "" : String.fromCodePoint(last + 1);
  if (bumped === "" || !alnum(bumped)) return prefixUpper(chars.slice(0, -1));
  return [...chars.slice(0, -1), bumped].join("");
}

/** pydantic reports field errors in model order, missing and invalid together, extras last. */
function sortIssues(issues: ValidationIssue[]): ValidationIssue[] {
  return [...issues].sort(
    (a, b) => Number(a.type === "extra_forbidden") - Number(b.type === "extra_forbidden"),
  );
}

/** Python's json.loads of a stored XCom value: a string that reads as JSON, else the value. */
function jsonLoadsAgain(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
