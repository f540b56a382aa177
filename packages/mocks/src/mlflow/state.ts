/**
 * The MLflow fake's in-memory state and its rules: what the tracking server and model registry
 * of MLflow 3 (SQLite store, artifact proxy on) keep, check and answer. Everything is a Map keyed
 * by id or name; searches filter and sort in one pass.
 */
import type { components } from "@mlgen/mlflow-client";
import { base64, fromBase64, uuid } from "../base64.js";
import type { Clock } from "../clock.js";
import {
  type Clause,
  type FilterDialect,
  FilterError,
  matches,
  type OrderBy,
  parseFilter,
  parseOrderBy,
  RUN_DIALECT,
  splitOrderClause,
} from "./filter.js";

type S = components["schemas"];
export type WireExperiment = S["Experiment"];
export type WireRun = S["Run"];
export type WireRunInfo = S["RunInfo"];
export type WireMetric = S["Metric"];
export type WireRegisteredModel = S["RegisteredModel"];
export type WireModelVersion = S["ModelVersion"];
export type WireLoggedModel = S["LoggedModel"];
export type RunStatus = S["RunStatus"];
export type ViewType = S["ViewType"];

/** An MLflow error: the status the server sends with it, its error_code, its message. */
export class MlflowFakeError extends Error {
  override readonly name = "MlflowFakeError";
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new MlflowFakeError(400, "INVALID_PARAMETER_VALUE", message);
const notFound = (message: string) => new MlflowFakeError(404, "RESOURCE_DOES_NOT_EXIST", message);
const exists = (message: string) => new MlflowFakeError(400, "RESOURCE_ALREADY_EXISTS", message);
export const missing = (field: string) =>
  invalid(
    `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
  );

/** The log-batch limits of mlflow/utils/validation.py. */
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_PER_BATCH = 100;
export const MAX_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_RUNS_SEARCH_RESULTS = 50_000;
const RUN_NAME_TAG = "mlflow.runName";

interface Experiment {
  id: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: "active" | "deleted";
  creationTime: number;
  lastUpdateTime: number;
  tags: Map<string, string>;
}

interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface Run {
  id: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | undefined;
  artifactUri: string;
  lifecycleStage: "active" | "deleted";
  latest: Map<string, MetricPoint>;
  history: Map<string, MetricPoint[]>;
  /** Every point logged, as the store's primary key (key, timestamp, step, value): a point
   * logged again is dropped, as the store drops it. */
  points: Set<string>;
  params: Map<string, string>;
  tags: Map<string, string>;
  datasetInputs: S["DatasetInput"][];
  /** runs/outputs: the logged models the run output, each at a step, in the order logged. */
  modelOutputs: { modelId: string; step: number }[];
}

/** The statuses a logged model can have, by their proto numbers. */
const LOGGED_MODEL_STATUSES = [
  "LOGGED_MODEL_STATUS_UNSPECIFIED",
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
] as const;
type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

/** A logged model (MLflow 3): its files lie under `<experiment location>/models/<id>/artifacts`. */
interface LoggedModel {
  id: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: LoggedModelStatus;
  modelType: string;
  sourceRunId: string;
  tags: Map<string, string>;
  params: Map<string, string>;
  deleted: boolean;
}

interface ModelVersion {
  name: string;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string;
  source: string;
  runId: string;
  runLink: string;
  tags: Map<string, string>;
  /** When it turns READY (PENDING_REGISTRATION before). */
  readyAt: number;
  /** Where the files are (get-download-uri): the source, or a `models:/<id>` source's location. */
  storage: string;
}

interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | undefined;
  tags: Map<string, string>;
  aliases: Map<string, number>;
  versions: Map<number, ModelVersion>;
  nextVersion: number;
}

export interface StateOptions {
  readonly clock: Clock;
  /** How long a new model version stays PENDING_REGISTRATION; 0 (default) = READY at once. */
  readonly registrationDelayMs?: number;
}

/** `{"offset": N}` in base64, as MLflow writes its page tokens. */
export function pageToken(offset: number): string {
  return base64(JSON.stringify({ offset }).replace(":", ": "));
}

function parsePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) {
    throw invalid("Invalid page token, could not base64-decode");
  }
  const decoded = fromBase64(token);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalid(`Invalid page token, decoded value=b'${decoded}'`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token, parsed value=${decoded}`);
  }
  return offset;
}

/** A page of `items` from the token's offset, and a token when more come after it. */
export function paginate<T>(items: readonly T[], token: string | undefined | null, max: number) {
  const offset = parsePageToken(token);
  const end = offset + max;
  return {
    items: items.slice(offset, end),
    next: end < items.length ? pageToken(end) : undefined,
  };
}

const ADJECTIVES = ["abundant", "bold", "bright", "calm", "clever", "debonair", "gentle", "merry"];
const NOUNS = ["ant", "bass", "crab", "doe", "finch", "fly", "gull", "hare", "lark", "moth"];

/** A number as MLflow's JSON sends it: NaN as "NaN"; ±Infinity was stored by SQLite as ±max. */
export function wireDouble(v: number): number | "NaN" {
  return Number.isNaN(v) ? "NaN" : v;
}

function readDouble(v: unknown, field: string): number {
  if (v === undefined || v === null) throw missing(field);
  if (typeof v === "number") return clampInfinity(v);
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.MAX_VALUE;
  if (v === "-Infinity") return -Number.MAX_VALUE;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw wrongType(v, field);
}

const clampInfinity = (v: number) =>
  v === Number.POSITIVE_INFINITY
    ? Number.MAX_VALUE
    : v === Number.NEGATIVE_INFINITY
      ? -Number.MAX_VALUE
      : v;

/** An int64 field: a JSON number or a numeric string (protobuf's JSON reads both). */
export function readInt(v: unknown, field: string, required = false): number | undefined {
  if (v === undefined || v === null) {
    if (required) throw missing(field);
    return undefined;
  }
  const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw wrongType(v, field);
  }
  return n;
}

export function readString(v: unknown, field: string, required = false): string | undefined {
  if (v === undefined || v === null || (required && v === "")) {
    if (required) throw missing(field);
    return undefined;
  }
  if (typeof v !== "string") {
    throw wrongType(v, field);
  }
  return v;
}

/** Python's json.dumps of a string (ASCII only), as MLflow's invalid_value() quotes it. */
const pyJson = (v: string) =>
  JSON.stringify(v).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

/** Python's json.dumps(v, sort_keys=True, separators=(",", ":")) of a JSON value. */
function pyDumps(v: unknown): string {
  if (typeof v === "string") return pyJson(v);
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(",")}]`;
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${pyJson(k)}:${pyDumps((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The Python type a JSON value parses to (JSON cannot tell 5 from 5.0: an integer is an int). */
function pyTypeName(v: unknown): string {
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (Array.isArray(v)) return "list";
  return v === null ? "NoneType" : "dict";
}

/** A field of the wrong type, as the handlers' schema check words it (invalid_value()). */
function wrongType(v: unknown, field: string): MlflowFakeError {
  return invalid(
    `Invalid value ${pyDumps(v)} for parameter '${field}' supplied:  Hint: Value was of type '${pyTypeName(v)}'. See the API docs for more information about request parameters.`,
  );
}

/** posixpath.normpath. */
function normpath(p: string): string {
  if (p === "") return ".";
  const lead = p.startsWith("//") && !p.startsWith("///") ? 2 : p.startsWith("/") ? 1 : 0;
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== ".." || (lead === 0 && out.length === 0) || out.at(-1) === "..") out.push(part);
    else if (out.length) out.pop();
  }
  return "/".repeat(lead) + out.join("/") || ".";
}

// Python's \w: letters and numbers, not combining marks (validate_param_and_metric_name).
const NAME_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

/**
 * The first `max` characters of a value, counted as Python counts them (code points, so an
 * emoji is one and is never cut in half): the server truncates long param and tag values.
 */
function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const chars = [...value];
  return chars.length <= max ? value : chars.slice(0, max).join("");
}

/**
 * An experiment, registered model or model version tag, checked as _validate_experiment_tag
 * and _validate_registered_model_tag are: a valid name, and lengths in characters.
 */
function checkTag(key: string, value: string, maxValue: number): void {
  checkName(key, "key", "key");
  if (value.length > maxValue && [...value].length > maxValue) {
    throw invalid(`'value' exceeds the maximum length of ${maxValue} characters`);
  }
}
const MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20_000;
const MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000;

/** Tags given when an experiment, model or version is created, each checked. */
function createdTags(
  tags: readonly { key?: string; value?: string }[] | undefined,
  maxValue: number,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tags ?? []) {
    const key = readString(t.key, "key", true) as string;
    const value = t.value ?? "";
    checkTag(key, value, maxValue);
    out.set(key, value);
  }
  return out;
}

/** A float as Python's repr writes it in messages: 1.0, 0.5, nan, inf. */
function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
}

/** validate_param_and_metric_name + path_not_unique + the 250-character key limit. */
function checkName(name: string, path: string, lengthEntity: string): void {
  if (!NAME_CHARS.test(name)) {
    throw invalid(
      `Invalid value ${pyJson(name)} for parameter '${path}' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  const norm = normpath(name);
  if (norm !== name || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw invalid(
      `Invalid value ${pyJson(name)} for parameter '${path}' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
  if (name.length > MAX_ENTITY_KEY_LENGTH && [...name].length > MAX_ENTITY_KEY_LENGTH) {
    throw invalid(
      `'${lengthEntity}' exceeds the maximum length of ${MAX_ENTITY_KEY_LENGTH} characters`,
    );
  }
}

/** MLflow's _validate_model_name, run before every registry lookup: names become paths. */
function modelName(v: unknown, field = "name"): string {
  const name = readString(v, field, true) as string;
  // The store's own check, without the request parser's "See the API docs" tail.
  if (name.trim() === "") throw invalid(`Missing value for required parameter '${field}'.`);
  if (name.includes("/") || name.includes(":")) {
    throw invalid(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  }
  if (name === "." || name.startsWith("..")) {
    throw invalid(
      `Invalid value ${pyJson(name)} for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normpath(name)}'`,
    );
  }
  return name;
}

// Python's \w and dashes (_REGISTERED_MODEL_ALIAS_REGEX), at most 255 characters.
const ALIAS_CHARS = /^[\p{L}\p{N}_-]*$/u;
const MAX_ALIAS_LENGTH = 255;

/** _validate_model_alias_name; `reserved` adds the check made when an alias is set. */
function aliasName(v: unknown, reserved = false): string {
  const alias = readString(v, "alias", true) as string;
  if (!ALIAS_CHARS.test(alias)) {
    throw invalid(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if ([...alias].length > MAX_ALIAS_LENGTH) {
    throw invalid(
      `'Registered model alias name' exceeds the maximum length of ${MAX_ALIAS_LENGTH} characters`,
    );
  }
  if (reserved && alias.toLowerCase() === "latest") {
    throw invalid("'latest' alias name (case insensitive) is reserved.");
  }
  if (reserved && /^[vV]\d+$/.test(alias)) {
    throw invalid(`Version alias name '${alias}' is reserved.`);
  }
  return alias;
}

const tagsOut = (tags: Map<string, string>) =>
  tags.size ? { tags: [...tags].map(([key, value]) => ({ key, value })) } : {};

function compareValues(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export class MlflowState {
  readonly experiments = new Map<string, Experiment>();
  readonly experimentsByName = new Map<string, string>();
  readonly runs = new Map<string, Run>();
  readonly models = new Map<string, RegisteredModel>();
  /** Artifact bytes by proxy path, e.g. `1/<run>/artifacts/model/model.pkl`. */
  readonly artifacts = new Map<string, Uint8Array>();
  /** Logged models by id (`m-<32 hex>`). */
  readonly loggedModels = new Map<string, LoggedModel>();
  /** Requests answered, by route (`POST /api/2.0/mlflow/runs/log-batch`). */
  readonly requests = new Map<string, number>();
  #nextExperimentId = 1;
  #nameCounter = 0;

  constructor(readonly options: StateOptions) {
    this.reset();
  }

  get now(): number {
    return this.options.clock.now();
  }

  reset(): void {
    this.experiments.clear();
    this.experimentsByName.clear();
    this.runs.clear();
    this.models.clear();
    this.artifacts.clear();
    this.loggedModels.clear();
    this.requests.clear();
    this.#nextExperimentId = 1;
    this.#nameCounter = 0;
    const t = this.now;
    this.#addExperiment("0", "Default", undefined, t, new Map());
  }

  // Experiments ------------------------------------------------------------------------------

  #addExperiment(
    id: string,
    name: string,
    artifactLocation: string | undefined,
    time: number,
    tags: Map<string, string>,
  ): Experiment {
    const e: Experiment = {
      id,
      name,
      artifactLocation: artifactLocation || `mlflow-artifacts:/${id}`,
      lifecycleStage: "active",
      creationTime: time,
      lastUpdateTime: time,
      tags,
    };
    this.experiments.set(id, e);
    this.experimentsByName.set(name, id);
    return e;
  }

  createExperiment(body: {
    name?: unknown;
    artifact_location?: unknown;
    tags?: readonly { key?: string; value?: string }[];
  }): string {
    const name = experimentName(readString(body.name, "name", true) as string);
    const location = readString(body.artifact_location, "artifact_location");
    if (location?.startsWith("runs:")) {
      throw invalid(`Artifact location cannot be a runs:/ URI. Given: '${location}'`);
    }
    if (this.experimentsByName.has(name)) {
      throw exists(`Experiment(name=${name}) already exists.`);
    }
    const tags = createdTags(body.tags, MAX_EXPERIMENT_TAG_VALUE_LENGTH); // before an id is taken
    const id = String(this.#nextExperimentId++);
    this.#addExperiment(id, name, location, this.now, tags);
    return id;
  }

  experiment(id: unknown): Experiment {
    const s = readString(id, "experiment_id", true) as string;
    if (!/^\d+$/.test(s)) {
      throw invalid(`Invalid experiment ID '${s}'. Experiment ID must be a valid integer.`);
    }
    const e = this.experiments.get(String(Number(s)));
    if (!e) throw notFound(`No Experiment with id=${s} exists`);
    return e;
  }

  experimentByName(name: unknown): Experiment {
    const n = readString(name, "experiment_name", true) as string;
    const id = this.experimentsByName.get(n);
    const e = id === undefined ? undefined : this.experiments.get(id);
    if (!e) throw notFound(`Could not find experiment with name '${n}'`);
    return e;
  }

  experimentOut(e: Experiment): WireExperiment {
    return {
      experiment_id: e.id,
      name: e.name,
      artifact_location: e.artifactLocation,
      lifecycle_stage: e.lifecycleStage,
      last_update_time: e.lastUpdateTime,
      creation_time: e.creationTime,
      ...tagsOut(e.tags),
      workspace: "default",
    };
  }

  #activeExperiment(id: unknown): Experiment {
    const e = this.experiment(id);
    if (e.lifecycleStage !== "active") {
      throw invalid(
        `The experiment ${e.id} must be in the 'active' state. Current state is ${e.lifecycleStage}.`,
      );
    }
    return e;
  }

  updateExperiment(id: unknown, newName: unknown): void {
    const name = experimentName(readString(newName, "new_name", true) as string);
    const e = this.#activeExperiment(id);
    const other = this.experimentsByName.get(name);
    if (other !== undefined && other !== e.id) {
      throw new MlflowFakeError(
        400,
        "BAD_REQUEST",
        `UNIQUE constraint failed: experiments.workspace, experiments.name (${name})`,
      );
    }
    this.experimentsByName.delete(e.name);
    e.name = name;
    e.lastUpdateTime = this.now;
    this.experimentsByName.set(name, e.id);
  }

  deleteExperiment(id: unknown): void {
    const e = this.experiment(id);
    if (e.lifecycleStage === "deleted") throw notFound(`No Experiment with id=${e.id} exists`);
    e.lifecycleStage = "deleted";
    e.lastUpdateTime = this.now;
    for (const r of this.runs.values()) if (r.experimentId === e.id) r.lifecycleStage = "deleted";
  }

  restoreExperiment(id: unknown): void {
    const e = this.experiment(id);
    if (e.lifecycleStage === "active") throw notFound(`No Experiment with id=${e.id} exists`);
    e.lifecycleStage = "active";
    e.lastUpdateTime = this.now;
    for (const r of this.runs.values()) if (r.experimentId === e.id) r.lifecycleStage = "active";
  }

  setExperimentTag(id: unknown, key: unknown, value: unknown): void {
    const k = readString(key, "key", true) as string;
    const v = readString(value, "value") ?? "";
    checkTag(k, v, MAX_EXPERIMENT_TAG_VALUE_LENGTH);
    const e = this.#activeExperiment(id);
    e.tags.set(k, v);
  }

  deleteExperimentTag(id: unknown, key: unknown): void {
    const k = readString(key, "key", true) as string;
    const e = this.#activeExperiment(id);
    if (!e.tags.has(k)) throw notFound(`No tag with name: ${k} in experiment with id ${e.id}`);
    e.tags.delete(k);
  }

  searchExperiments(body: {
    max_results?: unknown;
    page_token?: unknown;
    filter?: unknown;
    order_by?: unknown;
    view_type?: unknown;
  }) {
    const max = readInt(body.max_results, "max_results") ?? 0;
    if (max <= 0) {
      throw invalid(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer`,
      );
    }
    if (max > 50_000) {
      throw invalid(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be at most 50000`,
      );
    }
    const view = (body.view_type as ViewType | undefined) ?? "ACTIVE_ONLY";
    const clauses = parseSimpleFilter(readString(body.filter, "filter"), EXPERIMENT_DIALECT);
    const orders = ((body.order_by as string[] | undefined) ?? []).map((o) =>
      orderClause(o, EXPERIMENT_DIALECT),
    );
    const list = [...this.experiments.values()].filter(
      (e) =>
        inView(e.lifecycleStage, view) &&
        clauses.every((c) =>
          // The id is an integer column compared with the quoted value: '0' finds experiment 0.
          matches(
            c.type !== "tag" && c.key === "experiment_id" ? e.id : experimentValue(e, c),
            c.comparator,
            c.value,
          ),
        ),
    );
    const sortKeys: OrderBy[] = orders.length
      ? orders
      : [
          { type: "attribute", key: "creation_time", ascending: false },
          { type: "attribute", key: "experiment_id", ascending: true },
        ];
    list.sort((a, b) => {
      for (const o of sortKeys) {
        const c = compareValues(experimentValue(a, o), experimentValue(b, o));
        if (c !== 0) return o.ascending ? c : -c;
      }
      return Number(b.id) - Number(a.id);
    });
    const page = paginate(list, readString(body.page_token, "page_token"), max);
    return { experiments: page.items.map((e) => this.experimentOut(e)), next: page.next };
  }

  // Runs -------------------------------------------------------------------------------------

  #randomName(): string {
    const n = this.#nameCounter++;
    const adj = ADJECTIVES[n % ADJECTIVES.length];
    const noun = NOUNS[Math.floor(n / ADJECTIVES.length) % NOUNS.length];
    return `${adj}-${noun}-${100 + ((n * 37) % 900)}`;
  }

  createRun(body: {
    experiment_id?: unknown;
    user_id?: unknown;
    run_name?: unknown;
    start_time?: unknown;
    tags?: readonly { key?: string; value?: string }[];
  }): Run {
    if (
      body.experiment_id === undefined ||
      body.experiment_id === null ||
      body.experiment_id === ""
    ) {
      // The server's database refuses the run (a foreign-key error): no default experiment.
      throw new MlflowFakeError(
        400,
        "BAD_REQUEST",
        "Missing value for required parameter 'experiment_id': a run belongs to an experiment",
      );
    }
    const e = this.#activeExperiment(body.experiment_id);
    // The store takes the tags of a new run as given (SqlAlchemyStore.create_run checks none).
    const tags = new Map((body.tags ?? []).map((t) => [t.key ?? "", t.value ?? ""]));
    const name =
      readString(body.run_name, "run_name") || tags.get(RUN_NAME_TAG) || this.#randomName();
    if (tags.has(RUN_NAME_TAG) && tags.get(RUN_NAME_TAG) !== name) {
      throw invalid(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${name}', mlflow.runName='${tags.get(RUN_NAME_TAG)}').`,
      );
    }
    tags.set(RUN_NAME_TAG, name);
    const id = uuid().replace(/-/g, "");
    const run: Run = {
      id,
      experimentId: e.id,
      runName: name,
      userId: readString(body.user_id, "user_id") ?? "",
      status: "RUNNING",
      startTime: readInt(body.start_time, "start_time") ?? 0,
      endTime: undefined,
      artifactUri: `${e.artifactLocation.replace(/\/+$/, "")}/${id}/artifacts`,
      lifecycleStage: "active",
      latest: new Map(),
      history: new Map(),
      points: new Set(),
      params: new Map(),
      tags,
      datasetInputs: [],
      modelOutputs: [],
    };
    this.runs.set(id, run);
    return run;
  }

  run(runId: unknown): Run {
    const id = readString(runId, "run_id", true) as string;
    const r = this.runs.get(id);
    if (!r) throw notFound(`Run with id=${id} not found`);
    return r;
  }

  activeRun(runId: unknown): Run {
    const r = this.run(runId);
    if (r.lifecycleStage !== "active") {
      throw invalid(
        `The run ${r.id} must be in the 'active' state. Current state is ${r.lifecycleStage}.`,
      );
    }
    return r;
  }

  runInfoOut(r: Run): WireRunInfo {
    return {
      run_uuid: r.id,
      experiment_id: r.experimentId,
      run_name: r.runName,
      user_id: r.userId,
      status: r.status,
      start_time: r.startTime,
      ...(r.endTime !== undefined ? { end_time: r.endTime } : {}),
      artifact_uri: r.artifactUri,
      lifecycle_stage: r.lifecycleStage,
      run_id: r.id,
    };
  }

  runOut(r: Run, withOutputs = true): WireRun {
    const data: S["RunData"] = {};
    if (r.latest.size) {
      data.metrics = [...r.latest.values()].map((m) => ({
        key: m.key,
        value: wireDouble(m.value),
        timestamp: m.timestamp,
        step: m.step,
      }));
    }
    if (r.params.size) data.params = [...r.params].map(([key, value]) => ({ key, value }));
    if (r.tags.size) data.tags = [...r.tags].map(([key, value]) => ({ key, value }));
    return {
      info: this.runInfoOut(r),
      data,
      inputs: r.datasetInputs.length ? { dataset_inputs: r.datasetInputs } : {},
      ...(withOutputs
        ? {
            outputs: r.modelOutputs.length
              ? {
                  model_outputs: r.modelOutputs.map((o) => ({ model_id: o.modelId, step: o.step })),
                }
              : {},
          }
        : {}),
    };
  }

  updateRun(body: { run_id?: unknown; status?: unknown; end_time?: unknown; run_name?: unknown }) {
    const r = this.activeRun(body.run_id);
    const status = body.status as RunStatus | undefined;
    if (status !== undefined) {
      if (typeof status !== "string") {
        throw invalid(
          `Invalid value ${JSON.stringify(status)} for parameter 'status' supplied. See the API docs for more information about request parameters.`,
        );
      }
      // The server parses the enum by name and drops a name it does not know: a 200 that
      // leaves the status as it was (seen with MLflow 3.17 and "DONE").
      if (["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"].includes(status)) {
        r.status = status;
      }
    }
    const end = readInt(body.end_time, "end_time");
    if (end !== undefined) r.endTime = end;
    const name = readString(body.run_name, "run_name");
    if (name) {
      r.runName = name;
      r.tags.set(RUN_NAME_TAG, name);
    }
    return this.runInfoOut(r);
  }

  deleteRun(runId: unknown): void {
    const r = this.run(runId);
    r.lifecycleStage = "deleted";
  }

  restoreRun(runId: unknown): void {
    const r = this.run(runId);
    r.lifecycleStage = "active";
  }

  #paramConflict(r: Run, key: string, value: string): string | undefined {
    const before = r.params.get(key);
    return before !== undefined && before !== value ? before : undefined;
  }

  logParam(body: { run_id?: unknown; run_uuid?: unknown; key?: unknown; value?: unknown }) {
    const key = readString(body.key, "key", true) as string;
    const value = truncate(readString(body.value, "value") ?? "", MAX_PARAM_VALUE_LENGTH);
    checkName(key, "key", "Param key");
    const r = this.activeRun(body.run_id ?? body.run_uuid);
    const old = this.#paramConflict(r, key, value);
    if (old !== undefined) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${r.id}'. Attempted logging new value '${value}'.`,
      );
    }
    r.params.set(key, value);
  }

  #addMetric(r: Run, m: MetricPoint): void {
    // NaN is stored as 0 with is_nan set; -0 and 0 are one value in the database.
    const id = `${m.key}\0${m.timestamp}\0${m.step}\0${Number.isNaN(m.value) ? "nan" : m.value === 0 ? 0 : m.value}`;
    if (r.points.has(id)) return;
    r.points.add(id);
    let h = r.history.get(m.key);
    if (!h) {
      h = [];
      r.history.set(m.key, h);
    }
    h.push(m);
    const cur = r.latest.get(m.key);
    // The server compares the stored values, and stores NaN as 0: at one step and timestamp,
    // NaN loses to 7 and wins over -3.
    const stored = (v: number) => (Number.isNaN(v) ? 0 : v);
    if (
      !cur ||
      m.step > cur.step ||
      (m.step === cur.step && m.timestamp > cur.timestamp) ||
      (m.step === cur.step && m.timestamp === cur.timestamp && stored(m.value) > stored(cur.value))
    ) {
      r.latest.set(m.key, m);
    }
  }

  #readMetric(m: Record<string, unknown>, prefix: string): MetricPoint {
    const key = readString(m.key, `${prefix}key`, true) as string;
    const value = readDouble(m.value, `${prefix}value`);
    const timestamp = readInt(m.timestamp, `${prefix}timestamp`, true) as number;
    const step = readInt(m.step, `${prefix}step`) ?? 0;
    checkName(key, `${prefix}name`, "Metric name");
    if (timestamp < 0) {
      throw invalid(
        `Invalid value ${timestamp} for parameter '${prefix}timestamp' supplied: metric '${key}' (value=${pyFloat(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
      );
    }
    return { key, value, timestamp, step };
  }

  logMetric(body: Record<string, unknown>): void {
    const m = this.#readMetric(body, "");
    const r = this.activeRun(body.run_id ?? body.run_uuid);
    this.#addMetric(r, m);
  }

  setTag(body: { run_id?: unknown; run_uuid?: unknown; key?: unknown; value?: unknown }): void {
    const key = readString(body.key, "key", true) as string;
    const value = truncate(readString(body.value, "value") ?? "", MAX_TAG_VALUE_LENGTH);
    checkName(key, "key", "key");
    const r = this.activeRun(body.run_id ?? body.run_uuid);
    r.tags.set(key, value);
    if (key === RUN_NAME_TAG) r.runName = value;
  }

  deleteTag(body: { run_id?: unknown; key?: unknown }): void {
    const key = readString(body.key, "key", true) as string;
    const r = this.activeRun(body.run_id);
    if (!r.tags.has(key)) throw notFound(`No tag with name: ${key} in run with id ${r.id}`);
    r.tags.delete(key);
  }

  logBatch(body: {
    run_id?: unknown;
    metrics?: Record<string, unknown>[];
    params?: { key?: unknown; value?: unknown }[];
    tags?: { key?: unknown; value?: unknown }[];
  }): void {
    const runId = readString(body.run_id, "run_id", true);
    const metrics = (body.metrics ?? []).map((m, i) => this.#readMetric(m, `metrics[${i}].`));
    const params = (body.params ?? []).map((p, i) => ({
      key: readString(p.key, `params[${i}].key`, true) as string,
      value: truncate(readString(p.value, `params[${i}].value`) ?? "", MAX_PARAM_VALUE_LENGTH),
    }));
    const tags = (body.tags ?? []).map((t, i) => ({
      key: readString(t.key, `tags[${i}].key`, true) as string,
      value: truncate(readString(t.value, `tags[${i}].value`) ?? "", MAX_TAG_VALUE_LENGTH),
    }));
    const limit = (n: number, max: number, what: string) => {
      if (n > max) {
        throw invalid(
          `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
        );
      }
    };
    limit(metrics.length, MAX_METRICS_PER_BATCH, "metrics");
    limit(params.length, MAX_PARAMS_PER_BATCH, "params");
    limit(tags.length, MAX_TAGS_PER_BATCH, "tags");
    limit(
      metrics.length + params.length + tags.length,
      MAX_ENTITIES_PER_BATCH,
      "metrics, params, and tags",
    );
    params.forEach((p, i) => {
      checkName(p.key, `params[${i}].key`, "Param key");
    });
    tags.forEach((t, i) => {
      checkName(t.key, `tags[${i}].key`, `tags[${i}].key`);
    });
    const r = this.activeRun(runId);
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const p of params) {
      if (seen.has(p.key)) dups.add(p.key);
      seen.add(p.key);
    }
    if (dups.size) {
      throw invalid(
        `Duplicate parameter keys have been submitted: [${[...dups].map((k) => `'${k}'`).join(", ")}]. Please ensure the request contains only one param value per param key.`,
      );
    }
    const conflicts = params.flatMap((p) => {
      const old = this.#paramConflict(r, p.key, p.value);
      return old === undefined ? [] : [{ key: p.key, old, value: p.value }];
    });
    if (conflicts.length) {
      const list = conflicts
        .map((c) => `{'key': '${c.key}', 'old_value': '${c.old}', 'new_value': '${c.value}'}`)
        .join(", ");
      throw invalid(
        `Changing param values is not allowed. Params were already logged='[${list}]' for run ID='${r.id}'.`,
      );
    }
    for (const p of params) r.params.set(p.key, p.value);
    for (const m of metrics) this.#addMetric(r, m);
    for (const t of tags) {
      r.tags.set(t.key, t.value);
      if (t.key === RUN_NAME_TAG) r.runName = t.value;
    }
  }

  logInputs(body: { run_id?: unknown; datasets?: S["DatasetInput"][] }): void {
    const r = this.activeRun(body.run_id);
    for (const d of body.datasets ?? []) {
      const same = r.datasetInputs.some(
        (x) => x.dataset?.name === d.dataset?.name && x.dataset?.digest === d.dataset?.digest,
      );
      if (!same) r.datasetInputs.push(d);
    }
  }

  metricHistory(
    runId: string | null,
    key: string | null,
    maxResults: string | null,
    token: string | null,
  ) {
    if (!runId) throw missing("run_id");
    if (!key) throw missing("metric_key");
    const max = maxResults === null ? undefined : readInt(maxResults, "max_results");
    if (max !== undefined && max <= 0) {
      throw invalid(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer.`,
      );
    }
    const points = [...(this.runs.get(runId)?.history.get(key) ?? [])].sort(
      (a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value,
    );
    const wire = (m: MetricPoint): WireMetric => ({
      key: m.key,
      value: wireDouble(m.value),
      timestamp: m.timestamp,
      step: m.step,
    });
    if (max === undefined) return { metrics: points.map(wire), next: undefined };
    const page = paginate(points, token, max);
    return { metrics: page.items.map(wire), next: page.next };
  }

  searchRuns(body: {
    experiment_ids?: unknown;
    filter?: unknown;
    run_view_type?: unknown;
    max_results?: unknown;
    order_by?: unknown;
    page_token?: unknown;
  }) {
    const max = readInt(body.max_results, "max_results") ?? 1000;
    if (max > MAX_RUNS_SEARCH_RESULTS) {
      throw invalid(
        `Invalid value ${max} for parameter 'max_results' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.`,
      );
    }
    if (max <= 0) {
      throw invalid(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer`,
      );
    }
    const clauses = parseRunFilter(readString(body.filter, "filter"));
    const orders = ((body.order_by as string[] | undefined) ?? []).map((o) => toOrder(o));
    const view = (body.run_view_type as ViewType | undefined) ?? "ACTIVE_ONLY";
    const ids = new Set((body.experiment_ids as string[] | undefined) ?? []);
    for (const id of ids) {
      if (!/^\d+$/.test(String(id))) {
        throw invalid(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
      }
    }
    const list: Run[] = [];
    for (const r of this.runs.values()) {
      if (!ids.has(r.experimentId) || !inView(r.lifecycleStage, view)) continue;
      if (clauses.every((c) => runMatches(r, c))) list.push(r);
    }
    const keys = orders.map((o) => ({ o, values: new Map(list.map((r) => [r, sortValue(r, o)])) }));
    const byStart = orders.some((o) => o.type === "attribute" && o.key === "start_time");
    list.sort((a, b) => {
      for (const { o, values } of keys) {
        const x = values.get(a);
        const y = values.get(b);
        // Absent (and NaN) values last whatever the direction, as the server's CASE does.
        const rank = (v: number | string | undefined) =>
          v === undefined ? 2 : typeof v === "number" && Number.isNaN(v) ? 1 : 0;
        const d = rank(x) - rank(y);
        if (d !== 0) return d;
        if (rank(x) !== 0) continue;
        const c = compareValues(x, y);
        if (c !== 0) return o.ascending ? c : -c;
      }
      if (!byStart && a.startTime !== b.startTime) return b.startTime - a.startTime;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    const page = paginate(list, readString(body.page_token, "page_token"), max);
    return { runs: page.items.map((r) => this.runOut(r)), next: page.next };
  }

  // Artifacts --------------------------------------------------------------------------------

  putArtifact(path: string, bytes: Uint8Array): void {
    this.artifacts.set(path, bytes);
  }

  getArtifact(path: string): Uint8Array {
    const b = this.artifacts.get(path);
    if (!b) throw notFound(`No such artifact: '${path}'`);
    return b;
  }

  /** Whether artifacts lie under `path` (a folder), with no file of that name. */
  isArtifactFolder(path: string): boolean {
    if (this.artifacts.has(path)) return false;
    const prefix = `${path.replace(/\/+$/, "")}/`;
    for (const k of this.artifacts.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  deleteArtifact(path: string): void {
    const prefix = `${path.replace(/\/+$/, "")}/`;
    this.artifacts.delete(path);
    for (const k of [...this.artifacts.keys()]) if (k.startsWith(prefix)) this.artifacts.delete(k);
  }

  /** Direct children of `dir` (a proxy path): names relative to `relativeTo`. */
  listArtifacts(dir: string, relativeTo: string): S["FileInfo"][] {
    const base = dir.replace(/\/+$/, "");
    const prefix = base ? `${base}/` : "";
    const rel = relativeTo.replace(/\/+$/, "");
    const relPrefix = rel ? `${rel}/` : "";
    const out = new Map<string, S["FileInfo"]>();
    for (const [k, v] of this.artifacts) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      const full = prefix + (slash < 0 ? rest : rest.slice(0, slash));
      const path = full.startsWith(relPrefix) ? full.slice(relPrefix.length) : full;
      // As proto3 JSON: a size of 0 is left out.
      if (slash < 0) {
        out.set(path, {
          path,
          is_dir: false,
          ...(v.byteLength ? { file_size: v.byteLength } : {}),
        });
      } else if (!out.has(path)) out.set(path, { path, is_dir: true });
    }
    return [...out.values()].sort((a, b) => compareValues(a.path, b.path));
  }

  // Logged models ----------------------------------------------------------------------------

  /** runs/outputs: the run output these logged models, each at a step (nothing is checked). */
  logOutputs(body: { run_id?: unknown; models?: unknown }): void {
    const runId = readString(body.run_id, "run_id", true);
    if (body.models === undefined || body.models === null) throw missing("models");
    if (!Array.isArray(body.models)) throw wrongType(body.models, "models");
    const r = this.activeRun(runId);
    for (const m of body.models as { model_id?: unknown; step?: unknown }[]) {
      r.modelOutputs.push({
        modelId: readString(m.model_id, "model_id") ?? "",
        step: readInt(m.step, "step") ?? 0,
      });
    }
  }

  createLoggedModel(body: {
    experiment_id?: unknown;
    name?: unknown;
    model_type?: unknown;
    source_run_id?: unknown;
    params?: readonly { key?: string; value?: string }[];
    tags?: readonly { key?: string; value?: string }[];
  }): LoggedModel {
    const experimentId = readString(body.experiment_id, "experiment_id", true) as string;
    const given = readString(body.name, "name") || undefined;
    if (given !== undefined && /[/:.%"']/.test(given)) {
      throw invalid(
        `Invalid model name (${pyRepr(given)}) provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
      );
    }
    const e = this.#activeExperiment(experimentId);
    const id = `m-${uuid().replace(/-/g, "")}`;
    const t = this.now;
    const m: LoggedModel = {
      id,
      experimentId: e.id,
      name: given ?? this.#randomName(),
      artifactUri: `${e.artifactLocation.replace(/\/+$/, "")}/models/${id}/artifacts`,
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      status: "LOGGED_MODEL_PENDING",
      modelType: readString(body.model_type, "model_type") ?? "",
      sourceRunId: readString(body.source_run_id, "source_run_id") ?? "",
      tags: new Map((body.tags ?? []).map((x) => [x.key ?? "", x.value ?? ""])),
      params: new Map((body.params ?? []).map((x) => [x.key ?? "", x.value ?? ""])),
      deleted: false,
    };
    this.loggedModels.set(id, m);
    return m;
  }

  loggedModel(modelId: unknown, allowDeleted = false): LoggedModel {
    const id = readString(modelId, "model_id", true) as string;
    const m = this.loggedModels.get(id);
    if (!m || (m.deleted && !allowDeleted)) {
      throw notFound(`Logged model with ID '${id}' not found.`);
    }
    return m;
  }

  loggedModelOut(m: LoggedModel): WireLoggedModel {
    // The store reads tags and params by their (model_id, key) primary key: sorted by key.
    const sorted = (map: Map<string, string>) =>
      [...map].sort(([a], [b]) => compareValues(a, b)).map(([key, value]) => ({ key, value }));
    return {
      info: {
        model_id: m.id,
        experiment_id: m.experimentId,
        name: m.name,
        creation_timestamp_ms: m.creationTimestamp,
        last_updated_timestamp_ms: m.lastUpdatedTimestamp,
        artifact_uri: m.artifactUri,
        status: m.status,
        model_type: m.modelType,
        source_run_id: m.sourceRunId,
        ...(m.tags.size ? { tags: sorted(m.tags) } : {}),
      },
      data: m.params.size ? { params: sorted(m.params) } : {},
    };
  }

  /** PATCH logged-models/{id}: sets the status (finalize_logged_model). */
  finalizeLoggedModel(modelId: unknown, body: { model_id?: unknown; status?: unknown }) {
    readString(body.model_id, "model_id", true);
    if (body.status === undefined || body.status === null) throw missing("status");
    const status =
      typeof body.status === "number"
        ? LOGGED_MODEL_STATUSES[body.status]
        : LOGGED_MODEL_STATUSES.find((x) => x === body.status);
    if (!status) throw wrongType(body.status, "status");
    const m = this.loggedModel(modelId, true);
    m.status = status;
    m.lastUpdatedTimestamp = this.now;
    return m;
  }

  setLoggedModelTags(modelId: unknown, tags: unknown): void {
    if (tags !== undefined && tags !== null && !Array.isArray(tags)) throw wrongType(tags, "tags");
    const m = this.loggedModel(modelId, true);
    for (const t of (tags ?? []) as { key?: string; value?: string }[]) {
      m.tags.set(t.key ?? "", t.value ?? "");
    }
  }

  logLoggedModelParams(modelId: unknown, body: { model_id?: unknown; params?: unknown }): void {
    readString(body.model_id, "model_id", true);
    const m = this.loggedModel(modelId, true);
    for (const p of (body.params ?? []) as { key?: string; value?: string }[]) {
      m.params.set(p.key ?? "", p.value ?? "");
    }
  }

  deleteLoggedModel(modelId: unknown): void {
    const m = this.loggedModel(modelId, true);
    m.deleted = true;
    m.lastUpdatedTimestamp = this.now;
  }

  /** The proxy path of a logged model's artifacts (`1/models/m-…/artifacts`). */
  loggedModelRoot(m: LoggedModel): string {
    return (
      /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(m.artifactUri)?.[1] ?? m.artifactUri
    ).replace(/\/+$/, "");
  }

  /**
   * logged-models/search: `experiment_ids` required; the filter is AND-joined comparisons of
   * attributes (name, model_id, source_run_id, model_type, experiment_id and the two
   * timestamps), `tags.` and `params.` (a `metrics.` one matches nothing: the fake keeps no
   * model metrics); ordered by the `order_by` fields, then newest first, then by id; pages of
   * `max_results` (default 100) with the server's page token.
   */
  searchLoggedModels(body: {
    experiment_ids?: unknown;
    filter?: unknown;
    max_results?: unknown;
    order_by?: unknown;
    page_token?: unknown;
  }) {
    if (body.experiment_ids === undefined || body.experiment_ids === null) {
      throw missing("experiment_ids");
    }
    if (!Array.isArray(body.experiment_ids)) {
      throw wrongType(body.experiment_ids, "experiment_ids");
    }
    const ids = (body.experiment_ids as unknown[]).map(String);
    for (const id of ids) {
      if (!/^\d+$/.test(id)) {
        throw invalid(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
      }
    }
    const filter = readString(body.filter, "filter") || null;
    const orderBy = ((body.order_by as { field_name?: string; ascending?: boolean }[]) ?? []).map(
      (o) => ({
        field_name: o.field_name ?? "",
        ascending: o.ascending ?? true,
        dataset_name: null,
        dataset_digest: null,
      }),
    );
    const tokenOrder = orderBy.length ? orderBy : null;
    let offset = 0;
    const token = readString(body.page_token, "page_token");
    if (token) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(fromBase64(token)) as Record<string, unknown>;
      } catch (e) {
        throw invalid(`Invalid page token: ${token}. ${(e as Error).message}`);
      }
      const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b);
      if (!same(parsed.experiment_ids, ids)) {
        throw invalid(
          `Experiment IDs in the page token do not match the requested experiment IDs. Expected: ${pyList(ids)}. Found: ${pyList((parsed.experiment_ids as string[]) ?? [])}`,
        );
      }
      if (!same(parsed.filter_string || null, filter)) {
        throw invalid(
          `Filter string in the page token does not match the requested filter string. Expected: ${filter}. Found: ${parsed.filter_string ?? null}`,
        );
      }
      if (!same(parsed.order_by || null, tokenOrder)) {
        throw invalid("Order by in the page token does not match the requested order by.");
      }
      offset = Number(parsed.offset) || 0;
    }
    const max = readInt(body.max_results, "max_results") || 100;
    const clauses = parseSimpleFilter(filter ?? undefined, LOGGED_MODEL_DIALECT);
    const keys = orderBy.map((o) => {
      const name = o.field_name;
      if (name.includes(".")) {
        if (name.split(".", 1)[0] !== "metrics") {
          throw invalid(`Invalid order by field name: ${name}. Only metrics are supported.`);
        }
        return { key: undefined, ascending: o.ascending };
      }
      const key = LOGGED_MODEL_ALIASES[name] ?? name;
      if (!LOGGED_MODEL_COLUMNS.has(key)) throw invalid(`Invalid order by field name: ${name}`);
      return { key, ascending: o.ascending };
    });
    if (!keys.some((k) => k.key === "creation_timestamp_ms")) {
      keys.push({ key: "creation_timestamp_ms", ascending: false });
    }
    if (!keys.some((k) => k.key === "model_id")) keys.push({ key: "model_id", ascending: true });
    const wanted = new Set(ids.map((id) => String(Number(id))));
    const list = [...this.loggedModels.values()].filter(
      (m) =>
        !m.deleted &&
        wanted.has(m.experimentId) &&
        clauses.every((c) => matches(loggedModelValue(m, c.type, c.key), c.comparator, c.value)),
    );
    list.sort((a, b) => {
      for (const k of keys) {
        if (k.key === undefined) continue; // a metric: every model's is null
        const x = loggedModelValue(a, "attribute", k.key);
        const y = loggedModelValue(b, "attribute", k.key);
        // Nulls last whatever the direction.
        if ((x === undefined) !== (y === undefined)) return x === undefined ? 1 : -1;
        const c = compareValues(x, y);
        if (c !== 0) return k.ascending ? c : -c;
      }
      return 0;
    });
    const page = list.slice(offset, offset + max);
    const next =
      list.length > offset + max
        ? base64(
            pyJsonDumps({
              experiment_ids: ids,
              filter_string: filter,
              order_by: tokenOrder,
              offset: offset + max,
            }),
          )
        : undefined;
    return { models: page.map((m) => this.loggedModelOut(m)), next };
  }

  // Model registry ---------------------------------------------------------------------------

  model(name: unknown): RegisteredModel {
    const n = modelName(name);
    const m = this.models.get(n);
    if (!m) throw notFound(`Registered Model with name=${n} not found`);
    return m;
  }

  createModel(body: {
    name?: unknown;
    description?: unknown;
    tags?: readonly { key?: string; value?: string }[];
  }): RegisteredModel {
    const name = modelName(body.name);
    if (this.models.has(name)) throw exists(`Registered Model (name=${name}) already exists.`);
    const t = this.now;
    const m: RegisteredModel = {
      name,
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      description: readString(body.description, "description"),
      tags: createdTags(body.tags, MAX_REGISTRY_TAG_VALUE_LENGTH),
      aliases: new Map(),
      versions: new Map(),
      nextVersion: 1,
    };
    this.models.set(name, m);
    return m;
  }

  versionOut(v: ModelVersion, withAliases: boolean): WireModelVersion {
    const m = this.models.get(v.name);
    const aliases = withAliases
      ? [...(m?.aliases ?? [])]
          .filter(([, n]) => n === v.version)
          .map(([a]) => a)
          .sort(compareValues)
      : [];
    return {
      name: v.name,
      version: String(v.version),
      creation_timestamp: v.creationTimestamp,
      last_updated_timestamp: v.lastUpdatedTimestamp,
      current_stage: "None",
      description: v.description,
      source: v.source,
      run_id: v.runId,
      status: this.now >= v.readyAt ? "READY" : "PENDING_REGISTRATION",
      ...tagsOut(v.tags),
      run_link: v.runLink,
      ...(aliases.length ? { aliases } : {}),
    };
  }

  /**
   * registered-models/get-latest-versions: the latest version in each of `stages` (every stage
   * when none is given). Versions here never leave stage "None".
   */
  latestVersions(name: unknown, stages: unknown): WireModelVersion[] {
    const m = this.model(readString(name, "name", true));
    // The handler's schema check: stages is a list.
    if (stages !== undefined && stages !== null && !Array.isArray(stages)) {
      throw wrongType(stages, "stages");
    }
    const wanted = new Set(
      (Array.isArray(stages) && stages.length > 0 ? stages : STAGES).map((stage) => {
        const canonical = STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
        if (!canonical) {
          throw invalid(
            `Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(", ")}.`,
          );
        }
        return canonical;
      }),
    );
    let latest: ModelVersion | undefined;
    for (const v of m.versions.values()) if (!latest || v.version > latest.version) latest = v;
    return latest && wanted.has("None") ? [this.versionOut(latest, true)] : [];
  }

  modelOut(m: RegisteredModel, withLatest = true): WireRegisteredModel {
    let latest: ModelVersion | undefined;
    for (const v of m.versions.values()) if (!latest || v.version > latest.version) latest = v;
    return {
      name: m.name,
      creation_timestamp: m.creationTimestamp,
      last_updated_timestamp: m.lastUpdatedTimestamp,
      ...(m.description !== undefined ? { description: m.description } : {}),
      ...(withLatest && latest ? { latest_versions: [this.versionOut(latest, false)] } : {}),
      ...tagsOut(m.tags),
      ...(m.aliases.size
        ? {
            // The store reads them by its (name, alias) key: sorted.
            aliases: [...m.aliases]
              .sort(([a], [b]) => compareValues(a, b))
              .map(([alias, v]) => ({ alias, version: String(v) })),
          }
        : {}),
    };
  }

  updateModel(name: unknown, description: unknown): RegisteredModel {
    const m = this.model(name);
    const d = readString(description, "description");
    if (d !== undefined) m.description = d;
    m.lastUpdatedTimestamp = this.now;
    return m;
  }

  renameModel(name: unknown, newName: unknown): RegisteredModel {
    const m = this.model(name);
    const to = modelName(newName, "new_name");
    if (this.models.has(to)) throw exists(`Registered Model (name=${to}) already exists.`);
    this.models.delete(m.name);
    m.name = to;
    for (const v of m.versions.values()) v.name = to;
    m.lastUpdatedTimestamp = this.now;
    this.models.set(to, m);
    return m;
  }

  deleteModel(name: unknown): void {
    const m = this.model(name);
    this.models.delete(m.name);
  }

  setModelTag(name: unknown, key: unknown, value: unknown): void {
    const k = readString(key, "key", true) as string;
    const v = readString(value, "value") ?? "";
    const m = this.model(name);
    checkTag(k, v, MAX_REGISTRY_TAG_VALUE_LENGTH);
    m.tags.set(k, v);
  }

  deleteModelTag(name: unknown, key: unknown): void {
    const k = readString(key, "key", true) as string;
    this.model(name).tags.delete(k);
  }

  createVersion(body: {
    name?: unknown;
    source?: unknown;
    run_id?: unknown;
    run_link?: unknown;
    description?: unknown;
    model_id?: unknown;
    tags?: readonly { key?: string; value?: string }[];
  }): ModelVersion {
    const name = readString(body.name, "name", true) as string;
    const source = readString(body.source, "source", true) as string;
    let runId = readString(body.run_id, "run_id") ?? "";
    const modelId = readString(body.model_id, "model_id") ?? "";
    // `models:/<model_id>` (one segment, no `@`): a logged model; other models:/ sources are
    // versions of registered models, which the fake does not resolve.
    const sourceModel = /^models:\/([^/@?#]+)$/i.exec(source)?.[1];
    let storage = source;
    const byModel = modelId !== "" || sourceModel !== undefined;
    if (/^models:\/\/[^/]/i.test(source)) {
      throw invalid(
        `Invalid model version source: '${source}'. Registered model sources must use the active model registry.`,
      );
    }
    if (byModel) {
      // _validate_source_model / _validate_source_run for a logged model's source, then the
      // store: a models:/<id> source is stored as given, its files found at the model's
      // location, and the run is the model's source run unless run_id is given.
      const refused = (field: string) =>
        invalid(
          `Invalid model version source: '${source}'. The ${field} request parameter must identify the resource that contains the source.`,
        );
      if (sourceModel !== undefined && sourceModel !== modelId) throw refused("model_id");
      const m = this.loggedModels.get(modelId);
      if (sourceModel === undefined) {
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1]?.toLowerCase() ?? "";
        if (
          scheme !== "mlflow-artifacts" ||
          !m ||
          !`${source}/`.startsWith(`${m.artifactUri.replace(/\/+$/, "")}/`)
        ) {
          throw refused("model_id");
        }
      } else if (!m) {
        throw refused("model_id");
      } else {
        storage = m.artifactUri;
      }
      runId ||= m?.sourceRunId ?? "";
    }
    // As the server's _validate_source_run: a local path must lie in the artifact folder of the
    // run given as run_id (a local one); no source may climb out with `..`; a `runs:/<id>/…`
    // source must name the run given as run_id (which is not looked up), and an
    // `mlflow-artifacts:` one must lie in that run's artifacts.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1]?.toLowerCase() ?? "";
    const root = (runId: string) => this.runs.get(runId)?.artifactUri;
    const local = (uri: string) => uri.replace(/^file:(\/\/[^/]*)?/, "");
    if (!byModel && (scheme === "" || scheme === "file")) {
      const base = runId ? root(runId) : undefined;
      const baseLocal = base !== undefined && /^(?:file:|\/)/.test(base) ? local(base) : null;
      if (
        baseLocal === null ||
        !`${local(source)}/`.startsWith(`${baseLocal.replace(/\/$/, "")}/`)
      ) {
        throw invalid(
          `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
        );
      }
    }
    if (decodeURIComponentSafe(source).split("/").includes("..")) {
      throw invalid(
        `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
      );
    }
    const runsSource = scheme === "runs" ? /^runs:\/([^/]*)/.exec(source)?.[1] : undefined;
    const artifactRoot = root(runId);
    if (
      (!byModel && scheme === "runs" && (runsSource === undefined || runsSource !== runId)) ||
      (!byModel &&
        scheme === "mlflow-artifacts" &&
        (!artifactRoot || !`${source}/`.startsWith(`${artifactRoot}/`)))
    ) {
      throw invalid(
        `Invalid model version source: '${source}'. The run_id request parameter must identify the resource that contains the source.`,
      );
    }
    modelName(name);
    const m = this.models.get(name);
    if (!m) throw notFound(`Registered Model with name=${name} not found`);
    const tags = createdTags(body.tags, MAX_REGISTRY_TAG_VALUE_LENGTH);
    const t = this.now;
    const v: ModelVersion = {
      name,
      version: m.nextVersion++,
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      description: readString(body.description, "description") ?? "",
      source,
      runId,
      runLink: readString(body.run_link, "run_link") ?? "",
      tags,
      readyAt: t + (this.options.registrationDelayMs ?? 0),
      storage,
    };
    m.versions.set(v.version, v);
    m.lastUpdatedTimestamp = t;
    // The server notes the version on its logged model (set_model_versions_tags).
    const logged = modelId ? this.loggedModels.get(modelId) : undefined;
    if (logged) {
      const key = "mlflow.modelVersions";
      let list: unknown[] = [];
      try {
        const parsed: unknown = JSON.parse(logged.tags.get(key) ?? "[]");
        if (Array.isArray(parsed)) list = parsed;
      } catch {}
      const entry = { name, version: v.version };
      if (!list.some((x) => JSON.stringify(x) === JSON.stringify(entry))) list.push(entry);
      logged.tags.set(key, pyJsonDumps(list));
    }
    return v;
  }

  version(name: unknown, version: unknown): ModelVersion {
    const n = modelName(name);
    const s = readString(version, "version", true) as string;
    if (!/^-?\d+$/.test(s)) throw invalid(`Parameter 'version' must be an integer, got '${s}'.`);
    const v = this.models.get(n)?.versions.get(Number(s));
    if (!v) throw notFound(`Model Version (name=${n}, version=${s}) not found`);
    return v;
  }

  updateVersion(name: unknown, version: unknown, description: unknown): ModelVersion {
    const v = this.version(name, version);
    const d = readString(description, "description");
    if (d !== undefined) v.description = d;
    v.lastUpdatedTimestamp = this.now;
    return v;
  }

  deleteVersion(name: unknown, version: unknown): void {
    const v = this.version(name, version);
    const m = this.models.get(v.name);
    if (!m) return;
    m.versions.delete(v.version);
    for (const [a, n] of [...m.aliases]) if (n === v.version) m.aliases.delete(a);
    m.lastUpdatedTimestamp = this.now;
  }

  setVersionTag(name: unknown, version: unknown, key: unknown, value: unknown): void {
    const k = readString(key, "key", true) as string;
    const v = readString(value, "value") ?? "";
    const mv = this.version(name, version);
    checkTag(k, v, MAX_REGISTRY_TAG_VALUE_LENGTH);
    mv.tags.set(k, v);
  }

  deleteVersionTag(name: unknown, version: unknown, key: unknown): void {
    const k = readString(key, "key", true) as string;
    this.version(name, version).tags.delete(k);
  }

  setAlias(name: unknown, alias: unknown, version: unknown): void {
    modelName(name);
    const a = aliasName(alias, true);
    const v = this.version(name, version);
    const m = this.models.get(v.name);
    m?.aliases.set(a, v.version);
  }

  deleteAlias(name: unknown, alias: unknown): void {
    modelName(name);
    const a = aliasName(alias);
    this.model(name).aliases.delete(a);
  }

  versionByAlias(name: unknown, alias: unknown): ModelVersion {
    modelName(name);
    const a = aliasName(alias);
    const m = this.model(name);
    // `latest` (any case) is the model's newest version, set or not (get_model_version_by_alias).
    if (a.toLowerCase() === "latest") {
      let latest: ModelVersion | undefined;
      for (const v of m.versions.values()) if (!latest || v.version > latest.version) latest = v;
      if (!latest) throw notFound(`Latest version not found for model ${m.name}.`);
      return latest;
    }
    const n = m.aliases.get(a);
    const v = n === undefined ? undefined : m.versions.get(n);
    if (!v) throw invalid(`Registered model alias ${a} not found.`);
    return v;
  }

  searchModels(
    filter: string | null,
    maxResults: string | null,
    token: string | null,
    orderBy: string[],
  ) {
    const max = maxResults === null ? 100 : (readInt(maxResults, "max_results") as number);
    if (max > 1000) {
      // The handler's schema check (at most 1000) answers, on the query string's text.
      throw wrongType(maxResults, "max_results");
    }
    const clauses = parseSimpleFilter(filter ?? undefined, MODEL_DIALECT);
    const list = [...this.models.values()].filter((m) =>
      clauses.every((c) =>
        matches(c.type === "tag" ? m.tags.get(c.key) : m.name, c.comparator, c.value),
      ),
    );
    const orders = modelOrder(orderBy);
    // Both timestamp keys order by the last update (the store's last_updated_time column).
    const value = (m: RegisteredModel, key: string) =>
      key === "name" ? m.name : m.lastUpdatedTimestamp;
    list.sort((a, b) => {
      for (const o of orders) {
        const c = compareValues(value(a, o.key), value(b, o.key));
        if (c !== 0) return o.ascending ? c : -c;
      }
      return compareValues(a.name, b.name);
    });
    const page = paginate(list, token, max);
    return { models: page.items.map((m) => this.modelOut(m)), next: page.next };
  }

  searchVersions(
    filter: string | null,
    maxResults: string | null,
    token: string | null,
    orderBy: readonly string[] = [],
  ) {
    const max = maxResults === null ? 10_000 : (readInt(maxResults, "max_results") as number);
    if (max < 1) {
      throw invalid(`Invalid value for max_results. It must be a positive integer, but got ${max}`);
    }
    if (max > 200_000) {
      // The handler's schema check answers first (the value came as a query string).
      throw wrongType(maxResults, "max_results");
    }
    const clauses = parseSimpleFilter(filter ?? undefined, VERSION_DIALECT);
    const list: ModelVersion[] = [];
    for (const m of this.models.values()) {
      for (const v of m.versions.values()) {
        const ok = clauses.every((c) => {
          const lhs =
            c.type === "tag"
              ? v.tags.get(c.key)
              : c.key === "name"
                ? v.name
                : c.key === "run_id"
                  ? v.runId
                  : c.key === "source_path"
                    ? v.source
                    : c.key === "version_number"
                      ? v.version
                      : undefined;
          return matches(lhs, c.comparator, c.value);
        });
        if (ok) list.push(v);
      }
    }
    const orders = versionOrder(orderBy);
    const value = (v: ModelVersion, key: string) =>
      key === "name"
        ? v.name
        : key === "version_number"
          ? v.version
          : key === "creation_timestamp"
            ? v.creationTimestamp
            : v.lastUpdatedTimestamp;
    list.sort((a, b) => {
      for (const o of orders) {
        const c = compareValues(value(a, o.key), value(b, o.key));
        if (c !== 0) return o.ascending ? c : -c;
      }
      return 0;
    });
    const page = paginate(list, token, max);
    return { versions: page.items.map((v) => this.versionOut(v, false)), next: page.next };
  }
}

function inView(stage: string, view: ViewType): boolean {
  if (view === "ALL") return true;
  return view === "DELETED_ONLY" ? stage === "deleted" : stage === "active";
}

const EXPERIMENT_DIALECT: FilterDialect = {
  stringAttributes: new Set(["name", "experiment_id"]),
  numericAttributes: new Set(["creation_time", "last_update_time"]),
  listAttributes: new Set(["experiment_id"]),
  // SearchExperimentsUtils._get_identifier: these entity names only.
  entities: ["attribute", "tag", "tags"],
  quotesInvalidClauses: false,
};
const MODEL_DIALECT: FilterDialect = {
  stringAttributes: new Set(["name"]),
  numericAttributes: new Set(),
  listAttributes: new Set(),
  quotesInvalidClauses: false,
};
/** Model version stages (model_version_stages.ALL_STAGES). */
const STAGES = ["None", "Staging", "Production", "Archived"] as const;

/**
 * The order of a registered-model search (SearchUtils.parse_order_by_for_search_registered_models
 * and the store's order clauses): bare keys only, each column once, then by name.
 */
function modelOrder(orderBy: readonly string[]): { key: string; ascending: boolean }[] {
  const columns = new Set<string>();
  const out: { key: string; ascending: boolean }[] = [];
  for (const clause of orderBy) {
    const split = splitOrderBy(clause);
    // shlex.split after backticks become double quotes: `name`, "name" and 'name' are name.
    const key = split.key.replace(/^([`"'])(.*)\1$/s, "$2");
    const { ascending } = split;
    if (key !== "name" && key !== "timestamp" && key !== "last_updated_timestamp") {
      // The server prints a Python set, whose order changes from process to process.
      throw invalid(
        `Invalid order by key '${key}' specified. Valid keys are '{'name', 'timestamp'}'`,
      );
    }
    const column = key === "name" ? "name" : "last_updated_time";
    if (columns.has(column)) {
      // Raised without an error code: the server's 500 INTERNAL_ERROR.
      throw new MlflowFakeError(
        500,
        "INTERNAL_ERROR",
        `\`order_by\` contains duplicate fields: [${orderBy.map((o) => `'${o}'`).join(", ")}]`,
      );
    }
    columns.add(column);
    out.push({ key, ascending });
  }
  if (!columns.has("name")) out.push({ key: "name", ascending: true });
  return out;
}
/**
 * The order of a model-version search (the store's _parse_search_model_versions_order_by):
 * last update first by default; each column once; then name ascending and version descending.
 */
function versionOrder(orderBy: readonly string[]): { key: string; ascending: boolean }[] {
  const clauses = orderBy.length
    ? orderBy
    : ["last_updated_timestamp DESC", "name ASC", "version_number DESC"];
  const seen = new Set<string>();
  const out: { key: string; ascending: boolean }[] = [];
  // The server prints Python sets, whose order changes from process to process.
  const valid = "{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}";
  for (const clause of clauses) {
    // sqlparse reads `a ASC, b DESC` as a list of identifiers, which is no clause.
    if (/,(?=(?:[^`'"]|`[^`]*`|'[^']*'|"[^"]*")*$)/.test(clause)) {
      throw invalid(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    }
    const split = splitOrderBy(clause);
    const dot = split.key.indexOf(".");
    const entity = dot < 0 ? "attribute" : split.key.slice(0, dot);
    const key = (dot < 0 ? split.key : split.key.slice(dot + 1)).replace(/^([`"'])(.*)\1$/s, "$2");
    if (!["attribute", "tag", "tags"].includes(entity)) {
      throw invalid(
        `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags')`,
      );
    }
    const known = ["name", "version_number", "creation_timestamp", "last_updated_timestamp"];
    if (entity === "attribute" && !known.includes(key)) {
      throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${valid}'`);
    }
    if (!known.includes(key) || entity !== "attribute") {
      // A tag: past the parser, the store takes attribute columns only.
      throw invalid(`Invalid order by key '${key}' specified. Valid keys are ${valid}`);
    }
    if (seen.has(key)) {
      // Raised without an error code: the server's 500 INTERNAL_ERROR.
      throw new MlflowFakeError(
        500,
        "INTERNAL_ERROR",
        `\`order_by\` contains duplicate fields: [${orderBy.map((o) => `'${o}'`).join(", ")}]`,
      );
    }
    seen.add(key);
    out.push({ key, ascending: split.ascending });
  }
  if (!seen.has("name")) out.push({ key: "name", ascending: true });
  if (!seen.has("version_number")) out.push({ key: "version_number", ascending: false });
  return out;
}

const VERSION_DIALECT: FilterDialect = {
  stringAttributes: new Set(["name", "run_id", "source_path"]),
  numericAttributes: new Set(["version_number"]),
  listAttributes: new Set(["name", "run_id"]),
  quotesInvalidClauses: false,
};

/** Filters of experiment/model/version searches: the same grammar, other attributes. */
function parseSimpleFilter(filter: string | undefined, dialect: FilterDialect): Clause[] {
  try {
    return parseFilter(filter, dialect);
  } catch (e) {
    if (e instanceof FilterError) throw invalid(e.message);
    throw e;
  }
}

function parseRunFilter(filter: string | undefined): Clause[] {
  return parseSimpleFilter(filter, RUN_DIALECT);
}

function toOrder(clause: string): OrderBy {
  return orderClause(clause);
}

/** An order_by clause, or the server's 400 for one it cannot read (never a thrown FilterError). */
function orderClause(
  clause: string,
  dialect?: Parameters<typeof parseOrderBy>[1],
): ReturnType<typeof parseOrderBy> {
  try {
    return parseOrderBy(clause, dialect);
  } catch (e) {
    if (e instanceof FilterError) throw invalid(e.message);
    throw e;
  }
}

/** An order_by clause's key and direction, or the server's 400 for one it cannot read. */
function splitOrderBy(clause: string): ReturnType<typeof splitOrderClause> {
  try {
    return splitOrderClause(clause);
  } catch (e) {
    if (e instanceof FilterError) throw invalid(e.message);
    throw e;
  }
}

/** The server's experiment name check (validation.py _validate_experiment_name): 500 characters. */
function experimentName(name: string): string {
  if ([...name].length > 500) throw invalid("'name' exceeds the maximum length of 500 characters");
  return name;
}

const ALIASES: Record<string, string> = {
  created: "start_time",
  Created: "start_time",
  "run name": "run_name",
  "Run name": "run_name",
  "Run Name": "run_name",
};

function attributeOf(r: Run, key: string): string | number | undefined {
  switch (ALIASES[key] ?? key) {
    case "run_id":
      return r.id;
    case "run_name":
      return r.tags.get(RUN_NAME_TAG);
    case "status":
      return r.status;
    case "user_id":
      return r.userId;
    case "artifact_uri":
      return r.artifactUri;
    case "start_time":
      return r.startTime;
    case "end_time":
      return r.endTime;
    default:
      return undefined;
  }
}

function runValue(r: Run, type: Clause["type"], key: string): string | number | undefined {
  switch (type) {
    case "metric":
      return r.latest.get(key)?.value;
    case "parameter":
      return r.params.get(key);
    case "tag":
      return r.tags.get(key);
    default:
      return attributeOf(r, key);
  }
}

function runMatches(r: Run, c: Clause): boolean {
  if (c.type === "dataset") {
    // One of the run's dataset inputs matches: its name, digest, or context tag.
    return r.datasetInputs.some((d) =>
      matches(
        c.key === "context"
          ? d.tags?.find((t) => t.key === "mlflow.data.context")?.value
          : d.dataset?.[c.key as "name" | "digest"],
        c.comparator,
        c.value,
      ),
    );
  }
  return matches(runValue(r, c.type, c.key), c.comparator, c.value);
}

function sortValue(r: Run, o: OrderBy): string | number | undefined {
  return runValue(r, o.type, o.key);
}

function experimentValue(e: Experiment, c: { type: string; key: string }) {
  if (c.type === "tag") return e.tags.get(c.key);
  switch (c.key) {
    case "name":
      return e.name;
    case "experiment_id":
      return Number(e.id);
    case "creation_time":
      return e.creationTime;
    case "last_update_time":
      return e.lastUpdateTime;
    default:
      return undefined;
  }
}

/** `decodeURIComponent`, or the text as it is when it holds a `%` that starts no escape. */
function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** Python's repr() of a string: single quotes, or double quotes when it holds only single ones. */
function pyRepr(v: string): string {
  const body = v.replace(/\\/g, "\\\\");
  if (v.includes("'") && !v.includes('"')) return `"${body}"`;
  return `'${body.replace(/'/g, "\\'")}'`;
}

/** A Python list of strings as str() prints it. */
const pyList = (items: readonly string[]) => `[${items.map(pyRepr).join(", ")}]`;

/** Python's json.dumps(v) with its default separators (", " and ": ") and ensure_ascii. */
export function pyJsonDumps(v: unknown): string {
  if (typeof v === "string") return pyJson(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(", ")}]`;
  if (v && typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyJson(k)}: ${pyJsonDumps(x)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The columns a logged model can be ordered by, and the names the store takes for them. */
const LOGGED_MODEL_COLUMNS = new Set([
  "model_id",
  "experiment_id",
  "name",
  "artifact_location",
  "creation_timestamp_ms",
  "last_updated_timestamp_ms",
  "status",
  "lifecycle_stage",
  "model_type",
  "source_run_id",
  "status_message",
]);
const LOGGED_MODEL_ALIASES: Readonly<Record<string, string>> = {
  creation_time: "creation_timestamp_ms",
  creation_timestamp: "creation_timestamp_ms",
  last_updated_timestamp: "last_updated_timestamp_ms",
};
const LOGGED_MODEL_STRING_ATTRIBUTES = new Set([
  "name",
  "model_id",
  "source_run_id",
  "model_type",
  "experiment_id",
  "artifact_location",
]);
const LOGGED_MODEL_DIALECT: FilterDialect = {
  stringAttributes: LOGGED_MODEL_STRING_ATTRIBUTES,
  numericAttributes: new Set([
    "creation_timestamp_ms",
    "last_updated_timestamp_ms",
    ...Object.keys(LOGGED_MODEL_ALIASES),
  ]),
  listAttributes: LOGGED_MODEL_STRING_ATTRIBUTES,
};

function loggedModelValue(
  m: LoggedModel,
  type: Clause["type"],
  key: string,
): string | number | undefined {
  if (type === "tag") return m.tags.get(key);
  if (type === "parameter") return m.params.get(key);
  if (type !== "attribute") return undefined;
  switch (LOGGED_MODEL_ALIASES[key] ?? key) {
    case "model_id":
      return m.id;
    case "experiment_id":
      return m.experimentId;
    case "name":
      return m.name;
    case "artifact_location":
      return m.artifactUri;
    case "creation_timestamp_ms":
      return m.creationTimestamp;
    case "last_updated_timestamp_ms":
      return m.lastUpdatedTimestamp;
    case "status":
      return LOGGED_MODEL_STATUSES.indexOf(m.status);
    case "lifecycle_stage":
      return m.deleted ? "deleted" : "active";
    case "model_type":
      return m.modelType;
    case "source_run_id":
      return m.sourceRunId || undefined;
    default:
      return undefined;
  }
}
