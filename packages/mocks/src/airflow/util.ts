/** Small helpers the Airflow fake shares: Airflow's date format, Python-style text, ids, FastAPI errors. */
import { airflowError } from "../response.js";
import { pythonJsonError } from "./python-json.js";

/** Recent isoTime answers: every read of a run or task formats the same few times again. */
const isoTimes = new Map<number, string>();

/**
 * A time as Airflow's API writes it (pydantic, UTC): `2025-01-01T00:00:00Z`, with microseconds
 * when the time has a fraction (`2025-01-01T00:00:00.123000Z`).
 */
export function isoTime(ms: number): string;
export function isoTime(ms: number | null | undefined): string | null;
export function isoTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  let iso = isoTimes.get(ms);
  if (iso === undefined) {
    const s = new Date(ms).toISOString(); // 2025-01-01T00:00:00.000Z
    const frac = s.slice(20, 23);
    iso = frac === "000" ? `${s.slice(0, 19)}Z` : `${s.slice(0, 19)}.${frac}000Z`;
    if (isoTimes.size >= 1024) isoTimes.clear();
    isoTimes.set(ms, iso);
  }
  return iso;
}

/**
 * Python's `datetime.isoformat()` of an aware UTC time, as in generated run ids; `micros` are
 * the microseconds past the millisecond.
 */
export function pythonIso(ms: number, micros = 0): string {
  const s = new Date(ms).toISOString();
  const frac = `${s.slice(20, 23)}${String(micros).padStart(3, "0")}`;
  return frac === "000000" ? `${s.slice(0, 19)}+00:00` : `${s.slice(0, 19)}.${frac}+00:00`;
}

/** Seconds between two times, as the float Airflow reports (`duration`). */
export function seconds(start: number | null, end: number | null): number | null {
  if (start === null || end === null) return null;
  return (end - start) / 1000;
}

/** Python's `str()` of a JSON value (what `stringify=true` gives for XComs). */
export function pyStr(value: unknown): string {
  return typeof value === "string" ? value : pyRepr(value);
}

export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "string") return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

/**
 * Python's repr() of a JSON number. JSON has one number type: a whole one prints as an int (1.0
 * as 1); a fraction as Python's float repr, the same shortest digits as JavaScript's,
 * written with an exponent below 1e-4 and from 1e16 on (1e-05, 1.5e+16).
 */
function pyNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "nan" : n > 0 ? "inf" : "-inf";
  if (Number.isInteger(n)) return String(n);
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16)
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return String(n);
}

/**
 * Python's repr() of a str: single quotes unless it holds one and no double quote; a backslash,
 * the quote used, tabs, line ends and other control characters escaped.
 */
function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/** Python's `json.dumps(value)`: `", "` and `": "` separators, non-ASCII escaped. */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyJsonDumps(k)}: ${pyJsonDumps(x)}`)
      .join(", ")}}`;
  }
  if (typeof v === "string") {
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  return JSON.stringify(v);
}

/**
 * Names Airflow deems sensitive (secrets_masker's DEFAULT_SENSITIVE_FIELDS, Airflow 3.3.2): a
 * Variable key, or a key inside its JSON value, holding one has its value answered as `***`.
 */
const SENSITIVE_FIELDS = [
  "access_key",
  "access_token",
  "api_key",
  "apikey",
  "auth_header",
  "authorization",
  "bearer",
  "connection_string",
  "dsn",
  "passphrase",
  "passwd",
  "password",
  "private_key",
  "proxy",
  "proxy_password",
  "proxies",
  "secret",
  "service_account",
  "service_key",
  "token",
  "keyfile_dict",
  "webhook_url",
];

/** should_hide_value_for_key: lower-cased, runs of non-word characters as `_`, then a substring. */
export function sensitiveName(name: string): boolean {
  const normalized = name
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_]+/gu, "_");
  return SENSITIVE_FIELDS.some((s) => normalized.includes(s));
}

/** secrets_masker's _redact_all: every string inside `v` becomes `***`, numbers and bools stay. */
function redactAll(v: unknown): unknown {
  if (typeof v === "string") return "***";
  if (Array.isArray(v)) return v.map(redactAll);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactAll(x)]));
  }
  return v;
}

/** secrets_masker's _redact by key names: a sensitive name hides all below it. */
function redact(v: unknown, name: string | null): unknown {
  if (name !== null && sensitiveName(name)) return redactAll(v);
  if (Array.isArray(v)) return v.map((x) => redact(x, null));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
  }
  return v;
}

/**
 * A variable's value as the API answers it (VariableResponse): JSON text is redacted by key
 * names and re-dumped the Python way; other text is `***` under a sensitive key, else kept.
 */
export function variableValueOut(key: string, stored: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return sensitiveName(key) ? "***" : stored;
  }
  return pyJsonDumps(redact(parsed, key));
}

/**
 * A UUID v7 (time-ordered, like Airflow's ids), made from the fake's clock and a counter: the
 * counter's 26 bits fill rand_a and the 14 bits after the variant, so ids made in one millisecond
 * sort in the order they were made (the lists that sort by id, task instances among them, keep
 * creation order as the server's do).
 */
export function uuid7(ms: number, counter: number): string {
  const t = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0").slice(-12);
  const n = counter % 2 ** 26;
  const high = Math.floor(n / 2 ** 14)
    .toString(16)
    .padStart(3, "0");
  const low = (0x8000 + (n % 2 ** 14)).toString(16);
  const tail = Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(12, "0");
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${high}-${low}-${tail}`;
}

/** A short reference like the one Airflow's database error handler prints ("look for ID Vc2rQjcs"). */
export function errorRef(): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 8 }, () => chars[Math.floor(Math.random() * chars.length)]).join("");
}

/** Airflow's answer to a unique-constraint violation (duplicate run id, duplicate pool). */
export function uniqueViolation(): Response {
  return airflowError(409, {
    reason: "Unique constraint violation",
    statement: "hidden",
    orig_error: "hidden",
    message: `Serious error when handling your request. Check logs for more details - you will find it in api server when you look for ID ${errorRef()}`,
  });
}

/** One FastAPI/pydantic validation error. */
export interface ValidationIssue {
  readonly type: string;
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly input: unknown;
  readonly ctx?: Record<string, unknown>;
}

export const missing = (loc: (string | number)[], input: unknown): ValidationIssue => ({
  type: "missing",
  loc,
  msg: "Field required",
  input,
});

export const extraForbidden = (loc: (string | number)[], input: unknown): ValidationIssue => ({
  type: "extra_forbidden",
  loc,
  msg: "Extra inputs are not permitted",
  input,
});

/** 422 with FastAPI's `{detail: [...]}`. */
export function validationError(issues: readonly ValidationIssue[]): Response {
  return airflowError(422, issues);
}

/** Checks a JSON body against a strict model: required keys, allowed keys (pydantic `extra="forbid"`). */
export function checkKeys(
  body: Record<string, unknown>,
  allowed: readonly string[],
  required: readonly string[],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of required) if (!(key in body)) issues.push(missing(["body", key], body));
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) issues.push(extraForbidden(["body", key], body[key]));
  }
  return issues;
}

/**
 * FastAPI's 422 for a body Python's json.loads refuses (read before any dependency runs, so
 * before the auth checks), or null when Python reads it.
 */
export function jsonInvalid(text: string): Response | null {
  const error = pythonJsonError(text);
  if (!error) return null;
  return validationError([
    {
      type: "json_invalid",
      loc: ["body", error.pos],
      msg: "JSON decode error",
      input: {},
      ctx: { error: error.msg },
    },
  ]);
}

/** Reads a JSON object body; a body that is not an object gives FastAPI's 422. */
export async function readJsonObject(
  request: Request,
): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; response: Response }> {
  const text = await request.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      response:
        jsonInvalid(text) ??
        // Python reads it (NaN, Infinity) where JavaScript cannot: said as JavaScript's error.
        validationError([
          {
            type: "json_invalid",
            loc: ["body", 0],
            msg: "JSON decode error",
            input: {},
            ctx: { error: e instanceof Error ? e.message : String(e) },
          },
        ]),
    };
  }
  if (parsed === undefined)
    return { ok: false, response: validationError([missing(["body"], null)]) };
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return {
      ok: false,
      response: validationError([
        {
          type: "model_attributes_type",
          loc: ["body"],
          msg: "Input should be a valid dictionary or object to extract fields from",
          input: parsed,
        },
      ]),
    };
  }
  return { ok: true, body: parsed as Record<string, unknown> };
}

/** `limit`/`offset` as Airflow reads them: non-negative ints, limit defaults to 50 and is capped at 100. */
export function pageParams(
  url: URL,
  maxLimit = 100,
): { ok: true; limit: number; offset: number } | { ok: false; response: Response } {
  const issues: ValidationIssue[] = [];
  const limit = intParam(url, "limit", 50, issues);
  const offset = intParam(url, "offset", 0, issues);
  if (issues.length > 0) return { ok: false, response: validationError(issues) };
  return { ok: true, limit: Math.min(limit, maxLimit), offset };
}

/** One boolean query parameter as pydantic reads it (false when absent); problems go to `issues`. */
export function boolParam(url: URL, name: string, issues: ValidationIssue[]): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null) return false;
  if (/^(true|1|yes|on|t|y)$/i.test(raw)) return true;
  if (/^(false|0|no|off|f|n)$/i.test(raw)) return false;
  issues.push({
    type: "bool_parsing",
    loc: ["query", name],
    msg: "Input should be a valid boolean, unable to interpret input",
    input: raw,
  });
  return false;
}

/** One non-negative int query parameter (`fallback` when absent); problems go to `issues`. */
function intParam(url: URL, name: string, fallback: number, issues: ValidationIssue[]): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^[-+]?\d+$/.test(raw.trim())) {
    issues.push({
      type: "int_parsing",
      loc: ["query", name],
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: raw,
    });
    return fallback;
  }
  const n = Number(raw);
  if (n < 0) {
    issues.push({
      type: "greater_than_equal",
      loc: ["query", name],
      msg: "Input should be greater than or equal to 0",
      input: raw,
      ctx: { ge: 0 },
    });
  }
  return n;
}

/** An aware ISO date-time (pydantic `AwareDatetime`); null when absent, an issue when naive or bad. */
export function parseAware(
  value: unknown,
  loc: (string | number)[],
):
  | {
      ok: true;
      ms: number | null;
      /** Microseconds past the millisecond (0-999): Airflow keeps microseconds. */
      micros?: number;
      /** The time as pydantic writes the parsed value back: its own offset, `Z` for UTC. */
      echo?: string;
    }
  | { ok: false; issue: ValidationIssue } {
  if (value === null || value === undefined) return { ok: true, ms: null };
  if (typeof value !== "string") {
    return {
      ok: false,
      issue: { type: "datetime_type", loc, msg: "Input should be a valid datetime", input: value },
    };
  }
  const text = value.trim().replace(" ", "T");
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  const ms = m ? Date.parse(text) : Number.NaN;
  if (m && m[3] === undefined) {
    return {
      ok: false,
      issue: { type: "timezone_aware", loc, msg: "Input should have timezone info", input: value },
    };
  }
  if (!m || Number.isNaN(ms)) {
    return {
      ok: false,
      issue: {
        type: "datetime_from_date_parsing",
        loc,
        msg: "Input should be a valid datetime or date, invalid character in year",
        input: value,
        ctx: { error: "invalid character in year" },
      },
    };
  }
  const fraction = (m[2] ?? "").slice(1, 7).padEnd(6, "0");
  const local = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2})?/.exec(text) as RegExpExecArray;
  const offset = (m[3] as string).toUpperCase();
  const zone =
    offset === "Z" || /^[+-]00:?00$/.test(offset)
      ? "Z"
      : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  return {
    ok: true,
    ms,
    micros: Number(fraction.slice(3)),
    echo: `${local[1]}${local[2] ?? ":00"}${/^0+$/.test(fraction) ? "" : `.${fraction}`}${zone}`,
  };
}

/** isoTime of a time with microseconds past its millisecond (`micros`, 0-999). */
export function isoTimeMicros(ms: number | null, micros: number | undefined): string | null {
  const iso = isoTime(ms);
  if (iso === null || !micros) return iso;
  const millis = iso.length > 20 ? iso.slice(20, 23) : "000";
  return `${iso.slice(0, 19)}.${millis}${String(micros).padStart(3, "0")}Z`;
}

/**
 * Airflow's `*_pattern` query filters: the items whose `text` matches SQL `ILIKE '%pattern%'`
 * for the pattern in query parameter `param`; all items when it is absent or empty.
 */
export function ilikeFilter<T>(
  items: T[],
  url: URL,
  param: string,
  text: (item: T) => string,
): T[] {
  const pattern = url.searchParams.get(param);
  if (!pattern) return items;
  // `a|b` is either (Airflow's _SearchParam, pipe_as_or), unless it has no term at all.
  const terms = pattern.includes("|")
    ? pattern
        .split("|")
        .map((t) => t.trim())
        .filter((t) => t !== "")
    : [];
  const matchers = (terms.length > 0 ? terms : [pattern]).map(ilikeContains);
  return items.filter((item) => matchers.some((match) => match(text(item))));
}

/** SQL `ILIKE '%pattern%'`: `%` and `_` are wildcards, matching ignores case. */
function ilikeContains(pattern: string): (s: string) => boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "%" ? ".*" : c === "_" ? "." : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const re = new RegExp(source, "i");
  return (s) => re.test(s);
}

/** The fields a list can be sorted by, by their `order_by` names. */
export type SortFields<T> = Readonly<Record<string, (item: T) => string | number | boolean | null>>;

/** Sorts by Airflow's `order_by` list (`-` for descending); unknown fields give its 400. */
export function sortBy<T>(
  items: T[],
  orderBy: readonly string[],
  fields: SortFields<T>,
  primary: string,
): { ok: true; items: T[] } | { ok: false; response: Response } {
  const keys = orderBy.length > 0 ? [...orderBy] : [primary];
  const resolved: Array<[(item: T) => string | number | boolean | null, boolean]> = [];
  for (const raw of keys) {
    const name = raw.replace(/^-+/, "");
    const get = fields[name];
    if (!get) {
      return {
        ok: false,
        response: airflowError(
          400,
          `Ordering with '${name}' is disallowed or the attribute does not exist on the model`,
        ),
      };
    }
    resolved.push([get, raw.startsWith("-")]);
  }
  if (!keys.some((k) => k.replace(/^-+/, "") === primary)) {
    const get = fields[primary];
    if (get) resolved.push([get, keys[0]?.startsWith("-") ?? false]);
  }
  const sorted = [...items].sort((a, b) => {
    for (const [get, desc] of resolved) {
      const x = get(a);
      const y = get(b);
      if (x === y) continue;
      // SQL (SQLite) puts NULLs first when ascending.
      const cmp = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return desc ? -cmp : cmp;
    }
    return 0;
  });
  return { ok: true, items: sorted };
}
