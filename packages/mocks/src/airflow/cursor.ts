/**
 * Keyset (cursor) pages of the DAG-run and task-instance lists, as Airflow 3.3.2 answers them
 * (api_fastapi/common/cursors.py and get_dag_runs / get_task_instances): `cursor=""` is the first
 * page, `next_cursor` the rows after a page's last, `previous_cursor` (`~` and a token) those
 * before its first. A token is URL-safe base64 (no `=`) of a MessagePack list of the row's
 * sort-key values, the order_by's and the primary key's tie-breaker (msgspec's there; the
 * MessagePack project's codec here), so the fake's tokens read like the server's and a bad one
 * gets the server's 400.
 */
import { decode, ExtData, encode } from "@msgpack/msgpack";
import { airflowError } from "../response.js";
import type { SortFields } from "./util.js";

/**
 * What Airflow's row holds for a sort key, which is how msgspec packs it: an int, a float, a
 * string, a date-time (the fake's milliseconds; a MessagePack timestamp), a UUID (its string),
 * a JSON column (the fake's JSON text; a map), or nothing Airflow can read from the row
 * (SortParam.row_value's NotImplementedError: the server's 500 once it writes a cursor).
 */
export type CursorKind = "int" | "float" | "str" | "time" | "uuid" | "json" | "unreadable";

/** How one list is sorted and what its cursors hold. */
export interface CursorSpec<T> {
  /** The list's sort fields, the same the offset pages sort by. */
  readonly fields: SortFields<T>;
  /** How each field goes into a cursor. */
  readonly kinds: Readonly<Record<string, CursorKind>>;
  /** The model's primary key: the tie-breaker, appended unless the order_by names it. */
  readonly pk: string;
  /** The route's order_by when none is given (its SortParam default). */
  readonly defaultOrder: string;
  /** to_replace lists: an order_by name that sorts by several columns, each in the cursor. */
  readonly expand?: Readonly<Record<string, readonly string[]>>;
}

/** `bounded_total_entries` counts at most this many rows (common/db/common.py EXACT_COUNT_LIMIT). */
export const TOTAL_ENTRIES_LIMIT = 50_000;

export type CursorPage<T> =
  | {
      ok: true;
      items: T[];
      /** The answer's fields beside the list. */
      fields: {
        total_entries: number;
        total_entries_limit: number;
        next_cursor: string | null;
        previous_cursor: string | null;
      };
    }
  | { ok: false; response: Response };

type Value = string | number | boolean | null;
type Key<T> = { get: (item: T) => Value; kind: CursorKind; desc: boolean };

/**
 * One cursor page of `items` (already filtered; the order_by already checked by sortBy). `cursor`
 * is the query's: "" for the first page, a `next_cursor`, or a `previous_cursor` (`~...`).
 */
export function cursorPage<T>(
  items: readonly T[],
  cursor: string,
  limit: number,
  orderBy: readonly string[],
  spec: CursorSpec<T>,
): CursorPage<T> {
  const keys = resolveKeys(orderBy, spec);
  const sorted = [...items].sort((a, b) =>
    compareRows(keys, rowValues(keys, a), rowValues(keys, b)),
  );
  let rows = sorted;
  let backward = false;
  if (cursor !== "") {
    // parse_cursor: a leading `~` marks a backward (previous-page) cursor.
    backward = cursor.startsWith("~");
    const at = cursorValues(backward ? cursor.slice(1) : cursor, keys);
    if (!Array.isArray(at)) return { ok: false, response: at };
    // apply_cursor_filter: the rows strictly after the cursor, or strictly before it read in
    // the reversed order (SQLite's NULLs sort lowest either way: the exact reverse).
    rows = backward
      ? sorted.filter((item) => compareRows(keys, rowValues(keys, item), at) < 0).reverse()
      : sorted.filter((item) => compareRows(keys, rowValues(keys, item), at) > 0);
  }
  // limit + 1 rows are read to know whether there is more.
  const fetched = rows.slice(0, limit + 1);
  const hasMore = fetched.length > limit;
  const page = fetched.slice(0, limit);
  if (backward) page.reverse();
  const hasPrevious = backward ? hasMore : cursor !== "";
  const hasNext = backward ? true : hasMore;
  const first = page[0];
  const last = page[page.length - 1];
  let next: string | null = null;
  let previous: string | null = null;
  try {
    if (hasNext && last !== undefined) next = encodeCursor(keys, last);
    if (hasPrevious && first !== undefined) previous = `~${encodeCursor(keys, first)}`;
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
    // An exception the API has no handler for: Starlette's bare 500.
    return {
      ok: false,
      response: new Response("Internal Server Error", {
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
      }),
    };
  }
  return {
    ok: true,
    items: page,
    fields: {
      total_entries: Math.min(items.length, TOTAL_ENTRIES_LIMIT),
      total_entries_limit: TOTAL_ENTRIES_LIMIT,
      next_cursor: next,
      previous_cursor: previous,
    },
  };
}

/**
 * SortParam._resolve: each order_by name (`-` descending; to_replace lists expanded), then the
 * primary key in the first one's direction unless named already.
 */
function resolveKeys<T>(orderBy: readonly string[], spec: CursorSpec<T>): Key<T>[] {
  const names = orderBy.length > 0 ? orderBy : [spec.defaultOrder];
  const keys: Key<T>[] = [];
  const used: string[] = [];
  const add = (name: string, desc: boolean) => {
    const get = spec.fields[name];
    if (!get) throw new Error(`the Airflow fake has no cursor field ${name}`);
    keys.push({ get, kind: spec.kinds[name] ?? "str", desc });
    used.push(name);
  };
  for (const raw of names) {
    const name = raw.replace(/^-+/, "");
    for (const column of spec.expand?.[name] ?? [name]) add(column, raw.startsWith("-"));
  }
  if (!used.includes(spec.pk)) add(spec.pk, names[0]?.startsWith("-") ?? false);
  return keys;
}

const rowValues = <T>(keys: readonly Key<T>[], item: T): Value[] => keys.map((k) => k.get(item));

/** The rows' order: key by key, each ascending or descending. */
function compareRows<T>(keys: readonly Key<T>[], a: readonly Value[], b: readonly Value[]): number {
  for (const [i, key] of keys.entries()) {
    const c = compareValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return key.desc ? -c : c;
  }
  return 0;
}

/** SQLite's order of values: NULL, then numbers, then text (the same as the fake's sortBy). */
function compareValues(x: Value, y: Value): number {
  if (x === y) return 0;
  const rank = (v: Value) => (v === null ? 0 : typeof v === "string" ? 2 : 1);
  const [rx, ry] = [rank(x), rank(y)];
  if (rx !== ry) return rx < ry ? -1 : 1;
  const [a, b] = [typeof x === "boolean" ? Number(x) : x, typeof y === "boolean" ? Number(y) : y];
  if (a === b) return 0;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

class Unreadable extends Error {}

/** encode_cursor: the row's sort-key values, packed, in URL-safe base64 without padding. */
function encodeCursor<T>(keys: readonly Key<T>[], item: T): string {
  const raw = encode(keys.map((key) => packable(key.kind, key.get(item))));
  let binary = "";
  for (const byte of raw) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * A value as msgspec packs the row's: a date-time as a MessagePack timestamp, a JSON column as
 * the map or list it holds, others as they are (a whole float packs as an int here, where
 * msgspec packs a float: the token reads back the same number).
 */
function packable(kind: CursorKind, v: Value): unknown {
  if (kind === "unreadable") throw new Unreadable();
  if (v === null) return null;
  if (kind === "time" && typeof v === "number") return new Date(v);
  if (kind === "json" && typeof v === "string") return JSON.parse(v);
  return v;
}

/**
 * decode_cursor and apply_cursor_filter's checks: the token's values, or the server's 400.
 * The values come back as the fake compares them (date-times in milliseconds).
 */
function cursorValues<T>(token: string, keys: readonly Key<T>[]): Value[] | Response {
  const bad = (detail: string) => airflowError(400, detail);
  const raw = pyUrlsafeB64Decode(token);
  if (raw === null) return bad("Invalid cursor token");
  let data: unknown;
  try {
    // msgspec.msgpack.decode without a type: one whole value (trailing bytes are an error).
    data = decode(raw);
  } catch {
    return bad("Invalid cursor token");
  }
  if (!Array.isArray(data)) return bad("Invalid cursor token structure");
  if (data.length !== keys.length) return bad("Cursor token does not match current query shape");
  const values: Value[] = [];
  for (const [i, key] of keys.entries()) {
    const v = data[i] ?? null;
    if (key.kind === "uuid" && typeof v === "string") {
      // _coerce_value: a string for a UUID column must be one (uuid.UUID's spellings).
      const id = pyUuid(v);
      if (id === null) return bad("Invalid cursor token");
      values.push(id);
    } else values.push(comparable(v));
  }
  return values;
}

/** A value read from a token, as the fake compares it with its rows' values. */
function comparable(v: unknown): Value {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return v;
  }
  if (v instanceof Date) return v.getTime();
  // Bytes or another extension: SQLite sorts blobs after text.
  if (v instanceof Uint8Array || v instanceof ExtData) return "\uffff";
  // A JSON column's value (a map or a list): its text, as the fake's field gives it.
  return JSON.stringify(v, (_, x) => (x instanceof Uint8Array || x instanceof ExtData ? null : x));
}

/** Python's uuid.UUID(text) read as its canonical string, or null where it raises ValueError. */
function pyUuid(text: string): string | null {
  const hex = text
    .replaceAll("urn:", "")
    .replaceAll("uuid:", "")
    .replace(/^[{}]+|[{}]+$/g, "");
  const digits = hex.replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(digits)) return null;
  const h = digits.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * `_b64url_decode_padded`: `=` up to a multiple of 4, ASCII only, then Python's lenient
 * base64.urlsafe_b64decode (binascii.a2b_base64 without strict mode: characters outside the
 * alphabet are skipped, a complete pad ends the input). Null where Python raises.
 */
function pyUrlsafeB64Decode(token: string): Uint8Array | null {
  if ([...token].some((c) => c.charCodeAt(0) > 0x7f)) return null;
  const padding = 4 - (token.length % 4);
  const text = padding === 4 ? token : token + "=".repeat(padding);
  const out: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  for (const c of text) {
    if (c === "=") {
      if (quad >= 2 && quad + ++pads >= 4) return Uint8Array.from(out);
      continue;
    }
    const v = B64.indexOf(c === "-" ? "+" : c === "_" ? "/" : c);
    if (v < 0) continue;
    pads = 0;
    if (quad === 0) left = v;
    else if (quad === 1) {
      out.push(((left << 2) | (v >> 4)) & 0xff);
      left = v & 0x0f;
    } else if (quad === 2) {
      out.push(((left << 4) | (v >> 2)) & 0xff);
      left = v & 0x03;
    } else out.push(((left << 6) | v) & 0xff);
    quad = (quad + 1) % 4;
  }
  return quad === 0 ? Uint8Array.from(out) : null;
}
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
