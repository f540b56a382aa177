/**
 * Parity between a fake and the real server: one scenario, written once against a `fetch`, is
 * run twice — through the fake's msw handlers and against the real server started by the test —
 * and every recorded answer is compared after normalizing what legitimately differs (generated
 * ids, timestamps, host names). A difference fails the test unless it is listed as a documented
 * exception, and an exception that no longer happens fails too, so the list cannot go stale.
 */

/** One recorded exchange: the request the scenario made and what came back. */
export interface Step {
  readonly name: string;
  readonly method: string;
  /** Path and query, without the origin. */
  readonly path: string;
  readonly status: number;
  /** Parsed JSON, or the text when the body is not JSON (null when empty). */
  readonly body: unknown;
  /** The answer's headers the call asked to record (CallInit.answerHeaders), null when absent. */
  readonly headers?: Readonly<Record<string, string | null>>;
}

/** A parsed answer: scenarios read ids out of it freely (a mismatch fails the comparison anyway). */
// biome-ignore lint/suspicious/noExplicitAny: scenario code navigates answers of either side
type Answer = any;

/** A scenario: makes its requests through `call`, which records each answer as a Step. */
export type Scenario = (call: Caller) => Promise<void>;

export interface Caller {
  /**
   * Sends one request (a JSON body when `body` is given) and returns the parsed answer, so the
   * scenario can use ids the server made. The step is recorded under `name`, which must be unique.
   */
  (
    name: string,
    method: string,
    path: string,
    init?: CallInit,
  ): Promise<{ status: number; body: Answer }>;
  /** The fetch behind `call`, for a typed client the scenario wants to drive directly. */
  readonly fetch: typeof fetch;
  readonly baseUrl: string;
  /** Which side is running: "fake" or "real" — only for waiting (real servers are asynchronous). */
  readonly side: "fake" | "real";
}

export interface CallInit {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Raw body instead of JSON (e.g. artifact bytes). */
  readonly raw?: RequestInit["body"];
  /** Headers of the answer to record and compare (lower case), e.g. `content-type`. */
  readonly answerHeaders?: readonly string[];
}

/** Runs a scenario against one side and returns what it recorded, in order. */
export async function record(
  side: "fake" | "real",
  baseUrl: string,
  fetchImpl: typeof fetch,
  scenario: Scenario,
): Promise<Step[]> {
  const steps: Step[] = [];
  const names = new Set<string>();
  const call = (async (name: string, method: string, path: string, init: CallInit = {}) => {
    if (names.has(name)) throw new Error(`parity scenario: step name ${name} used twice`);
    names.add(name);
    const headers: Record<string, string> = { ...init.headers };
    let body: RequestInit["body"] | undefined = init.raw;
    if (init.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(init.body);
    }
    const response = await fetchImpl(
      `${baseUrl}${path}`,
      body === undefined ? { method, headers } : { method, headers, body },
    );
    const text = await response.text();
    let parsed: unknown = text === "" ? null : text;
    try {
      if (text !== "") parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const step: Step = { name, method, path, status: response.status, body: parsed };
    steps.push(
      init.answerHeaders
        ? {
            ...step,
            headers: Object.fromEntries(
              init.answerHeaders.map((h) => [h, response.headers.get(h)] as const),
            ),
          }
        : step,
    );
    return { status: response.status, body: parsed as Answer };
  }) as Caller;
  Object.assign(call, { fetch: fetchImpl, baseUrl, side });
  await scenario(call);
  return steps;
}

export interface NormalizeOptions {
  /** Keys whose string or number values are generated ids; replaced by `<id:N>` in order of first appearance. */
  readonly idKeys?: readonly string[];
  /** Keys holding times (epoch ms, ISO strings); replaced by `<time>` (null stays null). */
  readonly timeKeys?: readonly string[];
  /** Literal strings to replace wherever they occur (e.g. each side's base URL or temp dir). */
  readonly replace?: ReadonlyArray<readonly [string, string]>;
}

/**
 * Makes two sides' steps comparable: ids become placeholders numbered by first appearance (so a
 * run id that is reused later must match the same placeholder), times become `<time>`, and
 * listed literals are replaced. Keys are sorted so the comparison ignores field order.
 */
export function normalize(steps: readonly Step[], options: NormalizeOptions): Step[] {
  const ids = new Map<string, string>();
  const idKeys = new Set(options.idKeys ?? []);
  const timeKeys = new Set(options.timeKeys ?? []);
  const replace = options.replace ?? [];
  const idOf = (v: string | number) => {
    const k = String(v);
    let id = ids.get(k);
    if (id === undefined) {
      id = `<id:${ids.size + 1}>`;
      ids.set(k, id);
    }
    return id;
  };
  const fixString = (s: string) => {
    let out = s;
    for (const [from, to] of replace) out = out.split(from).join(to);
    for (const [raw, id] of ids) if (raw.length >= 6) out = out.split(raw).join(id);
    return out;
  };
  const walk = (value: unknown, key?: string): unknown => {
    if (key !== undefined && timeKeys.has(key) && value !== null && value !== undefined)
      return "<time>";
    if (
      key !== undefined &&
      idKeys.has(key) &&
      (typeof value === "string" || typeof value === "number")
    ) {
      return idOf(value);
    }
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort())
        out[k] = walk((value as Record<string, unknown>)[k], k);
      return out;
    }
    return typeof value === "string" ? fixString(value) : value;
  };
  return steps.map((s) => ({ ...s, path: fixString(s.path), body: walk(s.body) }));
}

/** A documented, tested difference: the step, and why the fake answers differently. */
export interface Exception {
  readonly step: string;
  readonly why: string;
}

export interface ParityReport {
  /** Steps whose normalized answers differ and that no exception covers. */
  readonly differences: ReadonlyArray<{
    step: string;
    fake: Step | undefined;
    real: Step | undefined;
  }>;
  /** Exceptions whose step turned out identical (or missing): remove them. */
  readonly staleExceptions: readonly string[];
  readonly compared: number;
}

export function compare(
  fake: readonly Step[],
  real: readonly Step[],
  exceptions: readonly Exception[] = [],
): ParityReport {
  const excepted = new Set(exceptions.map((e) => e.step));
  const byName = (steps: readonly Step[]) => new Map(steps.map((s) => [s.name, s]));
  const f = byName(fake);
  const r = byName(real);
  const names = [...new Set([...f.keys(), ...r.keys()])];
  const differences: Array<{ step: string; fake: Step | undefined; real: Step | undefined }> = [];
  const differing = new Set<string>();
  for (const name of names) {
    const a = f.get(name);
    const b = r.get(name);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      differing.add(name);
      if (!excepted.has(name)) differences.push({ step: name, fake: a, real: b });
    }
  }
  const staleExceptions = [...excepted].filter((name) => !differing.has(name));
  return { differences, staleExceptions, compared: names.length };
}
