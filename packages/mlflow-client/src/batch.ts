import { MlflowValidationError } from "./errors.js";

/** The server's limits for one `runs/log-batch` request (mlflow/utils/validation.py). */
export const BATCH_LIMITS = {
  metrics: 1000,
  params: 100,
  tags: 100,
  entities: 1000,
  /** The server measures the JSON body; this leaves room for the run id and punctuation. */
  bytes: 1_000_000,
} as const;

export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

export interface MetricInput {
  readonly key: string;
  readonly value: number;
  /** Milliseconds since the epoch; default: when logBatch was called. */
  readonly timestamp?: number;
  /** Default 0. */
  readonly step?: number;
}

export type KeyValues =
  | readonly { readonly key: string; readonly value: string | number | boolean }[]
  | Readonly<Record<string, string | number | boolean>>;

export interface BatchInput {
  readonly metrics?: readonly MetricInput[];
  readonly params?: KeyValues;
  readonly tags?: KeyValues;
}

/** What one request carries, in the wire format (doubles as protobuf's JSON names them). */
export interface BatchPart {
  metrics: {
    key: string;
    value: WireDouble;
    timestamp: number;
    step: number;
  }[];
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
}

/** Requests grouped in lanes: lanes run concurrently, the requests of one lane in order. */
export type BatchPlan = BatchPart[][];

// Keys may hold letters, digits, underscores, dashes, periods, spaces, colons and slashes
// (validate_param_and_metric_name: Python's \w, which takes letters and numbers but not
// combining marks), and must be their own normalized path (path_not_unique): no empty, `.` or
// `..` segment, no leading or trailing slash.
const KEY_PATTERN = /^[/\p{L}\p{N}_.\- :]*$/u;

/** Characters as Python's len() counts them (code points), not UTF-16 units. */
const length = (text: string) => (text.length < 2 ? text.length : [...text].length);
const isNormalPath = (key: string) =>
  // posixpath.normpath(key) == key, and it must not start with `..` at all ("..loss" neither).
  !key.startsWith("..") && key.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");

function checkKey(key: unknown, field: string): string {
  if (typeof key !== "string" || key.length === 0) {
    throw new MlflowValidationError(field, "a key must be a non-empty string");
  }
  if (key.length > MAX_KEY_LENGTH && length(key) > MAX_KEY_LENGTH) {
    throw new MlflowValidationError(
      field,
      `key is ${length(key)} characters; the server accepts at most ${MAX_KEY_LENGTH}`,
    );
  }
  if (!KEY_PATTERN.test(key) || !isNormalPath(key)) {
    throw new MlflowValidationError(
      field,
      `key ${JSON.stringify(key)} may only hold letters, digits, _ - . space : and /, as a normalized path (no leading, trailing or double /, no . or .. part)`,
    );
  }
  return key;
}

/**
 * A param or tag value as Python's MlflowClient logs it, `str(value)`: True and False, and a
 * fractional number in Python's notation (1e-05, not 0.00001), so runs logged from TypeScript
 * and from Python compare equal in filters (`params.flag = 'True'`). A whole number is an int
 * (JavaScript cannot tell 1.0 from 1): all its digits.
 */
export function pythonStr(value: string | number | boolean): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value)) return BigInt(value).toString();
  // repr(float): the shortest digits that read back, fixed from 1e-4 up, else scientific with
  // at least two exponent digits (a fraction is below 2^53, so never 1e16 or more).
  const [digits = "", exp = "0"] = value.toExponential().split("e");
  const e = Number(exp);
  if (e >= -4 && e < 16) return String(value);
  const sign = e < 0 ? "-" : "+";
  return `${digits}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
}

/**
 * The first `max` characters of a value as Python counts them (code points: an emoji is one and
 * is never cut in half), as MLflow's client and server truncate long param and tag values.
 */
function truncated(value: string, max: number): string {
  return [...value].slice(0, max).join("");
}

function pairs(
  input: KeyValues | undefined,
  kind: "params" | "tags",
  max: number,
  truncate: boolean,
) {
  const list = !input
    ? []
    : Array.isArray(input)
      ? (input as readonly { key: string; value: string | number | boolean }[])
      : Object.entries(input).map(([key, value]) => ({ key, value }));
  const out = new Map<string, string>();
  list.forEach((p, i) => {
    const field = `${kind}[${i}]`;
    const key = checkKey(p.key, `${field}.key`);
    let value = pythonStr(p.value);
    if (value.length > max && length(value) > max) {
      if (!truncate) {
        throw new MlflowValidationError(
          `${field}.value`,
          `value of ${JSON.stringify(key)} is ${length(value)} characters; the server accepts at most ${max} (MLFLOW_TRUNCATE_LONG_VALUES is false)`,
        );
      }
      value = truncated(value, max);
    }
    const before = out.get(key);
    if (kind === "params" && before !== undefined && before !== value) {
      throw new MlflowValidationError(
        `${field}.value`,
        `param ${JSON.stringify(key)} is given twice with different values; MLflow params cannot change`,
      );
    }
    // Tags: the last value wins, as it would if they were set one by one.
    out.delete(key);
    out.set(key, value);
  });
  return [...out].map(([key, value]) => ({ key, value }));
}

/** A double as MLflow's JSON carries it: a number, or protobuf's name for NaN and ±Infinity. */
export type WireDouble = number | "NaN" | "Infinity" | "-Infinity";

function wireValue(v: number): WireDouble {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

/**
 * A metric value as MLflow answers it (`run.data.metrics[i].value`, a metric history's points),
 * as a number: protobuf's JSON writes NaN and ±Infinity as "NaN", "Infinity" and "-Infinity".
 * Check `Number.isFinite` before comparing or storing it where a NaN would not do.
 */
export function metricValue(v: WireDouble): number {
  return typeof v === "number" ? v : Number(v);
}

const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x), "utf8") + 1;
const EMPTY_REQUEST_BYTES = bytes({ run_id: "x".repeat(64), metrics: [], params: [], tags: [] });

/**
 * Checks everything and splits it into requests within BATCH_LIMITS, spread over at most
 * `lanes` lanes. All points of one metric key stay in one lane, in the order given, so they
 * reach the server in order; throws MlflowValidationError before anything is sent.
 */
export function planBatch(
  input: BatchInput,
  lanes: number,
  now = Date.now(),
  truncate = true,
): BatchPlan {
  const params = pairs(input.params, "params", MAX_PARAM_VALUE_LENGTH, truncate);
  const tags = pairs(input.tags, "tags", MAX_TAG_VALUE_LENGTH, truncate);
  const byKey = new Map<string, BatchPart["metrics"]>();
  (input.metrics ?? []).forEach((m, i) => {
    const key = checkKey(m.key, `metrics[${i}].key`);
    if (typeof m.value !== "number") {
      throw new MlflowValidationError(`metrics[${i}].value`, "a metric value must be a number");
    }
    const step = m.step ?? 0;
    if (!Number.isSafeInteger(step)) {
      throw new MlflowValidationError(`metrics[${i}].step`, "a step must be an integer");
    }
    const timestamp = m.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new MlflowValidationError(
        `metrics[${i}].timestamp`,
        "a timestamp must be integer milliseconds since the epoch, not negative",
      );
    }
    const points = byKey.get(key) ?? [];
    byKey.set(key, points);
    points.push({ key, value: wireValue(m.value), timestamp, step });
  });

  // Keys to lanes, biggest first onto the least loaded lane.
  const n = Math.max(1, Math.min(Math.floor(lanes), byKey.size || 1));
  const laneMetrics: BatchPart["metrics"][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  for (const points of [...byKey.values()].sort((a, b) => b.length - a.length)) {
    const lane = load.indexOf(Math.min(...load));
    for (const p of points) laneMetrics[lane]?.push(p);
    load[lane] = (load[lane] ?? 0) + points.length;
  }

  const plan: BatchPlan = laneMetrics.map((metrics) =>
    fill(
      [],
      metrics.map((e) => ({ kind: "metrics" as const, e })),
    ),
  );
  // Params and tags have no order between keys: they top up the first lane's requests.
  plan[0] = fill(plan[0] ?? [], [
    ...params.map((e) => ({ kind: "params" as const, e })),
    ...tags.map((e) => ({ kind: "tags" as const, e })),
  ]);
  return plan.filter((lane) => lane.length > 0);
}

type Entity =
  | { kind: "metrics"; e: BatchPart["metrics"][number] }
  | { kind: "params" | "tags"; e: { key: string; value: string } };

/** Tops up the last request of `parts` with `entities`, opening new requests as needed. */
function fill(parts: BatchPart[], entities: Entity[]): BatchPart[] {
  let current = parts.at(-1);
  let size = current ? partBytes(current) : 0;
  for (const x of entities) {
    const b = bytes(x.e);
    if (EMPTY_REQUEST_BYTES + b > BATCH_LIMITS.bytes) {
      throw new MlflowValidationError(`${x.kind}.${x.e.key}`, "one entry is larger than 1 MB");
    }
    if (!current || !fits(current, x.kind, size + b)) {
      current = { metrics: [], params: [], tags: [] };
      parts.push(current);
      size = EMPTY_REQUEST_BYTES;
    }
    (current[x.kind] as unknown[]).push(x.e);
    size += b;
  }
  return parts;
}

function fits(p: BatchPart, kind: Entity["kind"], size: number): boolean {
  const count = p.metrics.length + p.params.length + p.tags.length;
  return (
    size <= BATCH_LIMITS.bytes &&
    count < BATCH_LIMITS.entities &&
    p[kind].length < BATCH_LIMITS[kind]
  );
}

function partBytes(p: BatchPart): number {
  return (
    EMPTY_REQUEST_BYTES +
    [...p.metrics, ...p.params, ...p.tags].reduce((sum, e) => sum + bytes(e), 0)
  );
}
