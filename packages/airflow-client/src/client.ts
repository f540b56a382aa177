import { abortableSleep, type CallOptions, notJsonSuccess, strictJson } from "@mlgen/http";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import {
  AirflowApiError,
  AirflowDagRunExistsError,
  AirflowMappedTaskError,
  AirflowRequestError,
  AirflowWaitError,
  AirflowWaitTimeoutError,
  retryAfterOf,
} from "./errors.js";
import type { components, paths } from "./generated/airflow-v2.js";
import { type TaskLog, taskLog } from "./logs.js";
import { checkHttpNumbers, checkNumber, DEADLINE, INTERVAL, MAP_INDEX, SIZE } from "./numbers.js";
import {
  askedPath,
  createTransport,
  IDEMPOTENT_HEADER,
  resolveServer,
  type TransportOptions,
} from "./transport.js";

export type Schemas = components["schemas"];
export type { CallOptions };

/** The request init's `signal`, when there is one (openapi-fetch passes it to the Request). */
const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

/**
 * Marks a request the transport may repeat: a PATCH that sets absolute values (pause, a
 * variable, a connection, a pool) leaves the same state however often it lands, and a trigger
 * with its own run id is refused as a duplicate rather than run twice.
 */
const REPEATABLE = { [IDEMPOTENT_HEADER]: "1" };
export type DagRun = Schemas["DAGRunResponse"];
export type TaskInstance = Schemas["TaskInstanceResponse"];
/**
 * What `getTaskLog` needs of a task instance: its task and, of a mapped task, its map index;
 * a `TaskInstance` from `waitForDagRun` or `listTaskInstances` is one.
 */
export interface TaskInstanceRef {
  readonly task_id: string;
  /** -1 (or absent) when the task is not mapped. */
  readonly map_index?: number | null | undefined;
}
export type ImportError = Schemas["ImportErrorResponse"];
export type DagRunState = Schemas["DagRunState"];

export interface AirflowClientOptions extends TransportOptions {}

const TERMINAL: ReadonlySet<string> = new Set(["success", "failed"]);

/** Whether an existing run is the one `opts` asked for: same conf, same logical date if given. */
function sameTrigger(run: DagRun, opts: TriggerOptions): boolean {
  const conf = (c: unknown) => JSON.stringify(sortKeys(c ?? {}));
  if (conf(run.conf) !== conf(opts.conf)) return false;
  if (opts.logicalDate == null) return true;
  return run.logical_date != null && Date.parse(run.logical_date) === Date.parse(opts.logicalDate);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

/**
 * A success whose body is not JSON (a login page or a proxy's answer when the URL is not the API
 * server itself, or a garbled answer labelled JSON) becomes an AirflowApiError naming what came
 * back, not a bare SyntaxError.
 */
const jsonAnswers: Middleware = {
  async onResponse({ request, response, options }) {
    if ((options.parseAs ?? "json") !== "json") return undefined;
    const invalid = (problem: string) =>
      new AirflowApiError({
        status: response.status,
        method: request.method,
        path: askedPath(request.url, options.baseUrl),
        detail: problem,
      });
    const problem = await notJsonSuccess(response);
    if (problem === null) return strictJson(response, invalid);
    throw invalid(problem);
  },
};

/**
 * A route with its path parameters filled in, as every error names the path asked
 * (`/api/v2/dags/my_dag/dagRuns`, not `/api/v2/dags/{dag_id}/dagRuns`); one not given stays.
 */
function filledPath(route: string, values: unknown): string {
  const given = (values ?? {}) as Record<string, unknown>;
  return route.replace(/\{([^}]+)\}/g, (whole, name: string) =>
    given[name] === undefined || given[name] === null ? whole : String(given[name]),
  );
}

/** A success that is not what the API sends (`{}` from a proxy, or a redirect to another app). */
function notTheApi(method: string, path: string, what: string): AirflowApiError {
  return new AirflowApiError({
    status: 200,
    method,
    path,
    detail: `the answer is not ${what}: is the URL the Airflow API server itself, not a proxy or another app?`,
  });
}

/** Checks that a success is what was asked for: it has `field`, a string (`{}` has none). */
function having<T>(field: string, what: string, method: string, path: string) {
  return (answer: T): T => {
    if (typeof (answer as Record<string, unknown> | null)?.[field] === "string") return answer;
    throw notTheApi(method, path, `${what} (it has no ${field})`);
  };
}

/** Checks that a success is a DAG run, not something with an undefined run id. */
const aRun = (method: string, path: string) =>
  having<DagRun>("dag_run_id", "a DAG run", method, path);

/** openapi-fetch's `{ data, error, response }` → data, or a typed AirflowApiError. */
async function unwrap<T>(
  result: Promise<{ data?: T; error?: unknown; response: Response }>,
  method: string,
  path: string,
): Promise<T> {
  const { data, error, response } = await result;
  if (response.ok) return data as T;
  const retryAfterMs = retryAfterOf(response);
  const detail =
    error && typeof error === "object" && "detail" in error
      ? ((error as { detail: unknown }).detail as string | Record<string, unknown> | unknown[])
      : typeof error === "string"
        ? error
        : error === undefined
          ? null
          : (error as Record<string, unknown>);
  throw new AirflowApiError({ status: response.status, method, path, detail, retryAfterMs });
}

/** How long waitForDagRun's poll at its deadline may take to answer. */
const FINAL_READ_MS = 5_000;

/** setTimeout's longest delay (about 24.8 days): a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The reason a poll of waitForDagRun is cut at the deadline or the end of maxOutageMs. */
const POLL_CUT = new Error("the poll ran past the wait's deadline or its maxOutageMs");

/**
 * An error a later poll may not meet: no answer (a network error or a timeout, unless retrying
 * cannot change it), 408, 429 or a 5xx. Others (401, 403, 404, 422, an answer that is not the
 * API's) are the same at every poll.
 */
function passing(e: unknown): boolean {
  if (e instanceof AirflowRequestError) return !e.permanent;
  if (!(e instanceof AirflowApiError)) return false;
  return e.status === 408 || e.status === 429 || (e.status >= 500 && e.status <= 599);
}

export interface TriggerOptions extends CallOptions {
  readonly conf?: Record<string, unknown> | undefined;
  /** ISO date-time with an offset; `null`/absent sends `logical_date: null` (Airflow 3 needs the key). */
  readonly logicalDate?: string | null | undefined;
  /**
   * With a run id the trigger is idempotent, so it may be retried: when the run already exists
   * (Airflow's 409) with the same conf (and logical date, when given), it is that run, e.g. the
   * one an attempt whose answer was lost created; with other settings the 409 is thrown.
   */
  readonly runId?: string | undefined;
  readonly note?: string | undefined;
}

interface ClearSettings {
  /** Not empty: Airflow refuses an empty list. */
  readonly taskIds?: readonly string[] | undefined;
  /** Default false: every task of the run (or only `taskIds`), as the Airflow UI clears. */
  readonly onlyFailed?: boolean | undefined;
  /** Default false: clear for real. */
  readonly dryRun?: boolean | undefined;
  /** Default true: the run goes back to queued, as the Airflow UI does. */
  readonly resetDagRuns?: boolean | undefined;
  readonly includeUpstream?: boolean | undefined;
  readonly includeDownstream?: boolean | undefined;
}

/**
 * Which runs to clear: one (`runId`), or every run of the DAG, said out loud (`allRuns: true`):
 * the endpoint without a run id clears across all runs.
 */
export type ClearOptions = ClearSettings &
  CallOptions &
  (
    | { readonly runId: string; readonly allRuns?: never }
    | { readonly allRuns: true; readonly runId?: never }
  );

export interface WaitOptions extends CallOptions {
  /** Default 10 minutes. */
  readonly timeoutMs?: number | undefined;
  /**
   * Default 2 s. After a failed poll whose 429 or 503 has a `Retry-After`, the next poll waits
   * that long when it is longer (see `maxOutageMs`).
   */
  readonly pollIntervalMs?: number | undefined;
  /**
   * How long the polls may keep failing with errors that pass — no answer (the API server
   * restarting, a network error, a timeout), 408, 429, 5xx, each after the transport's own
   * retries — before the wait gives up with an `AirflowWaitError`; it keeps polling at
   * `pollIntervalMs` meanwhile. When a failed poll's 429 or 503 has a `Retry-After` longer than
   * `pollIntervalMs`, the next poll waits that long instead, but not past the deadline or the
   * end of `maxOutageMs`: the wait still polls there, as without one. Default 5 minutes; 0
   * gives up at the first such failure; `Infinity` rides out any outage until `timeoutMs`.
   * Other errors (401, 403, 404, 422) are thrown at once, and the deadline and the signal hold
   * as ever.
   */
  readonly maxOutageMs?: number | undefined;
  /** Called with each poll's error that the wait rides out, and how many failed in a row. */
  readonly onPollError?: ((error: unknown, failedPolls: number) => void) | undefined;
  readonly onProgress?: ((run: DagRun, taskInstances: readonly TaskInstance[]) => void) | undefined;
}

export interface LogOptions extends CallOptions {
  /** The try to read (1 for the first); default the task instance's latest. */
  readonly tryNumber?: number | undefined;
  /**
   * Of a mapped task; default the `map_index` of the task instance given instead of a task id,
   * else -1 (not mapped). Without it, a mapped task's log is an `AirflowMappedTaskError`.
   */
  readonly mapIndex?: number | undefined;
}

/** `getXcom`'s options. */
export interface XcomOptions extends CallOptions {
  /** Of a mapped task: the map index whose entry to read. Default: a task that is not mapped. */
  readonly mapIndex?: number | undefined;
}

/** An XCom entry as `getXcom` answers it: `value` as the task pushed it. */
export type XcomEntry = Schemas["XComResponseNative"] | Schemas["XComResponseString"];

/** `paginate`'s third argument, when more than the page size. */
export interface PaginateOptions extends CallOptions {
  /** Items asked for a page; default and most 100 (the server caps it). */
  readonly pageSize?: number | undefined;
}

export interface WaitResult {
  /** How the run ended: waitForDagRun resolves only then. */
  readonly state: Extract<DagRunState, "success" | "failed">;
  readonly dagRun: DagRun;
  /** Every task instance of the run when it ended, in Airflow's order. */
  readonly taskInstances: readonly TaskInstance[];
  /** The task instances that ran and failed (`failed`): each has a log. */
  readonly failedTaskInstances: readonly TaskInstance[];
  /**
   * The task instances that never ran because a task upstream failed (`upstream_failed`):
   * they have no log.
   */
  readonly upstreamFailedTaskInstances: readonly TaskInstance[];
  /**
   * The run ended without a single task instance: Airflow created none, so a `success` ran
   * nothing (no task, no XCom). It does so for a logical date before the DAG's (its tasks')
   * `start_date` or after their `end_date`; trigger with a later logical date, or none.
   */
  readonly noTaskInstances: boolean;
}

/** Paths whose GET takes `limit`/`offset` and answers a page holding one array. */
type ListPath = {
  [P in keyof paths]: paths[P] extends { get: { parameters: { query?: infer Q } } }
    ? // A path without query parameters has `query?: never`, which extends anything: it must
      // name `limit` itself to be a list.
      [NonNullable<Q>] extends [never]
      ? never
      : "limit" extends keyof NonNullable<Q>
        ? NonNullable<Q> extends { limit?: number; offset?: number }
          ? P
          : never
        : never
    : never;
}[keyof paths];

type ListResponse<P extends ListPath> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer R } } } };
}
  ? R
  : never;
type ListItem<P extends ListPath> = {
  [K in keyof ListResponse<P>]-?: NonNullable<ListResponse<P>[K]> extends (infer I)[] ? I : never;
}[keyof ListResponse<P>];
type ListParams<P extends ListPath> = paths[P] extends { get: { parameters: infer Q } } ? Q : never;

/** The server caps `limit` at 100 whatever is asked. */
export const MAX_PAGE_SIZE = 100;

export function createAirflowClient(options: AirflowClientOptions) {
  // Before the first request, and named as the caller wrote it (createTransport checks again).
  checkHttpNumbers(options, "createAirflowClient");
  const api: Client<paths> = createClient<paths>({
    baseUrl: resolveServer(options).baseUrl,
    fetch: createTransport(options),
  });
  api.use(jsonAnswers);

  async function* paginate<P extends ListPath>(
    path: P,
    params: Omit<ListParams<P>, "query"> & {
      query?: Omit<
        NonNullable<ListParams<P> extends { query?: infer Q } ? Q : never>,
        "limit" | "offset"
      >;
    },
    options: number | PaginateOptions = MAX_PAGE_SIZE,
    /** The same as `options.signal`, kept for callers that passed it fourth. */
    signalArg?: AbortSignal,
  ): AsyncGenerator<ListItem<P>> {
    // Anything but an options object is the page size: a "10" read from a variable is refused
    // as one, not read as options without a pageSize.
    const given = typeof options === "object" && options !== null ? options : null;
    const pageSize: unknown = given ? (given.pageSize ?? MAX_PAGE_SIZE) : options;
    const signal = given?.signal ?? signalArg;
    signal?.throwIfAborted();
    // Checked before any request: 0 would list nothing, and others come back as a 422.
    const limit = Math.min(checkNumber("paginate", "pageSize", pageSize, SIZE), MAX_PAGE_SIZE);
    // The generic path cannot be narrowed for openapi-fetch's overloads; the types above carry it.
    const get = api.GET as unknown as (
      p: string,
      i: unknown,
    ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
    const query = (params.query ?? {}) as Record<string, unknown>;
    // Errors name the path asked, with its ids, as every other helper's do.
    const shown = filledPath(path, (params as { path?: unknown }).path);
    if (typeof query.cursor === "string") {
      yield* byCursor(path, shown, params, query.cursor, limit, signal, get) as AsyncGenerator<
        ListItem<P>
      >;
      return;
    }
    for (let offset = 0; ; ) {
      const init = {
        params: { ...params, query: { ...query, limit, offset } },
        ...(signal ? { signal } : {}),
      };
      const page = (await unwrap(get(path, init), "GET", shown)) as Record<string, unknown>;
      const items = Object.values(page).find(Array.isArray) as ListItem<P>[] | undefined;
      if (!items || items.length === 0) return;
      yield* each(items, signal);
      offset += items.length;
      // The server may cap a page below what was asked ([api] maximum_page_limit): the total,
      // when given, says whether more is left.
      const total = page.total_entries;
      if (typeof total === "number" ? offset >= total : items.length < limit) return;
    }
  }

  /**
   * Keyset pages (the DAG-run and task-instance lists take `cursor`: "" for the first page, or a
   * `next_cursor` kept from an earlier page). Airflow ignores `offset` then and caps
   * `total_entries`, so the pages are followed by `next_cursor` until it is null.
   */
  async function* byCursor(
    path: string,
    shown: string,
    params: { query?: unknown },
    first: string,
    limit: number,
    signal: AbortSignal | undefined,
    get: (
      p: string,
      i: unknown,
    ) => Promise<{ data?: unknown; error?: unknown; response: Response }>,
  ): AsyncGenerator<unknown> {
    const seen = new Set<string>();
    for (let cursor = first; ; ) {
      const init = {
        params: { ...params, query: { ...(params.query as object), limit, cursor } },
        ...(signal ? { signal } : {}),
      };
      const page = (await unwrap(get(path, init), "GET", shown)) as Record<string, unknown>;
      const items = Object.values(page).find(Array.isArray) as unknown[] | undefined;
      if (!items || items.length === 0) return;
      yield* each(items, signal);
      const next = page.next_cursor;
      if (next === null) return;
      if (typeof next !== "string") {
        // A server without cursor pages ignores `cursor`: each "next" page would be the first.
        throw new AirflowApiError({
          status: 200,
          method: "GET",
          path: shown,
          detail: `paginate: the answer has no next_cursor, so this Airflow does not page ${path} by cursor; leave cursor out of the query to page by offset`,
        });
      }
      if (seen.has(next)) {
        throw new AirflowApiError({
          status: 200,
          method: "GET",
          path: shown,
          detail: `paginate: the server answered a next_cursor it had already given, so the pages would repeat for ever; leave cursor out of the query to page by offset`,
        });
      }
      seen.add(next);
      cursor = next;
    }
  }

  /** A page's items; a loop that aborts halfway through a page gets no more of them. */
  function* each<T>(items: readonly T[], signal: AbortSignal | undefined): Generator<T> {
    for (const item of items) {
      signal?.throwIfAborted();
      yield item;
    }
  }

  /** The id of the DAG's run with this logical date, or null. */
  async function runAt(
    dagId: string,
    logicalDate: string,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    const page = await unwrap(
      api.GET("/api/v2/dags/{dag_id}/dagRuns", {
        params: {
          path: { dag_id: dagId },
          query: { logical_date_gte: logicalDate, logical_date_lte: logicalDate, limit: 1 },
        },
        ...withSignal(signal),
      }),
      "GET",
      `/api/v2/dags/${dagId}/dagRuns`,
    );
    const runs = (page as { dag_runs?: unknown } | null)?.dag_runs;
    const id = Array.isArray(runs)
      ? (runs[0] as { dag_run_id?: unknown } | undefined)?.dag_run_id
      : null;
    return typeof id === "string" ? id : null;
  }

  /**
   * The error for a 404 on map index -1 of a task that may be mapped: an AirflowMappedTaskError
   * with how many task instances it expanded to and which failed (two requests of its mapped
   * task instances), or `e` itself when the task is not mapped after all (`knownMapped` false
   * and Airflow will not list it as mapped). What cannot be read is left unknown.
   */
  async function mappedTaskError(
    e: AirflowApiError,
    dagId: string,
    runId: string,
    taskId: string,
    knownMapped: boolean,
    signal: AbortSignal | undefined,
    /** getXcom's: one request (the count), and the fix names getXcom and the key. */
    xcomKey?: string,
  ): Promise<AirflowApiError> {
    const listMapped = (query: { limit: number; state?: string[] }) =>
      unwrap(
        api.GET("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped", {
          params: {
            path: { dag_id: dagId, dag_run_id: runId, task_id: taskId },
            query: { ...query, order_by: ["map_index"] },
          },
          ...withSignal(signal),
        }),
        "GET",
        `/api/v2/dags/${dagId}/dagRuns/${runId}/taskInstances/${taskId}/listMapped`,
      ).then(
        (page) => page as Partial<Schemas["TaskInstanceCollectionResponse"]> | undefined,
        (x: unknown) => {
          if (signal?.aborted) throw x;
          return undefined;
        },
      );
    const [all, failed] = await Promise.all([
      listMapped({ limit: 1 }),
      xcomKey === undefined ? listMapped({ limit: MAX_PAGE_SIZE, state: ["failed"] }) : undefined,
    ]);
    const count = typeof all?.total_entries === "number" ? all.total_entries : null;
    // Airflow lists a task that is not mapped as a 404 ("Task id … is not mapped"), and a run
    // it does not have (or one that has no instance of the task) as none: then the 404 stands.
    if (!knownMapped && !count) return e;
    const failedIndexes = Array.isArray(failed?.task_instances)
      ? failed.task_instances
          .map((t) => t.map_index)
          .filter((i): i is number => typeof i === "number")
      : null;
    return new AirflowMappedTaskError({
      status: e.status,
      method: e.method,
      path: e.path,
      detail: e.detail,
      dagId,
      runId,
      taskId,
      mapIndexCount: count,
      failedMapIndexes: failedIndexes,
      ...(xcomKey !== undefined ? { helper: "getXcom" as const, xcomKey } : {}),
    });
  }

  /**
   * An XCom entry, with `value` as the task pushed it; `mapIndex` (in the options) for one map
   * index of a mapped task. A mapped task's entry asked for without it is an
   * `AirflowMappedTaskError` saying how many map indexes there are.
   */
  function getXcom(
    dagId: string,
    runId: string,
    taskId: string,
    key: string,
    opts?: XcomOptions,
  ): Promise<XcomEntry>;
  /** The older form, the map index fifth and the call options sixth. */
  function getXcom(
    dagId: string,
    runId: string,
    taskId: string,
    key: string,
    mapIndex: number | undefined,
    opts?: CallOptions,
  ): Promise<XcomEntry>;
  async function getXcom(
    dagId: string,
    runId: string,
    taskId: string,
    key: string,
    fifth?: number | XcomOptions,
    sixth?: CallOptions,
  ): Promise<XcomEntry> {
    const inOptions = typeof fifth === "object" && fifth !== null;
    if (inOptions && sixth !== undefined) {
      // Which signal would count? Said rather than one dropped.
      throw new TypeError(
        "getXcom: options given twice; pass one object: getXcom(dagId, runId, taskId, key, { mapIndex, signal })",
      );
    }
    const opts: XcomOptions = inOptions ? fifth : { ...sixth, mapIndex: fifth ?? undefined };
    const mapIndex =
      opts.mapIndex === undefined
        ? undefined
        : checkNumber("getXcom", "mapIndex", opts.mapIndex, MAP_INDEX);
    const path = `/api/v2/dags/${dagId}/dagRuns/${runId}/taskInstances/${taskId}/xcomEntries/${key}`;
    return unwrap(
      api.GET(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}",
        {
          params: {
            path: { dag_id: dagId, dag_run_id: runId, task_id: taskId, xcom_key: key },
            // The value as the task pushed it. Not deserialize=true: Airflow 3 then runs
            // json.loads on a string value, so a pushed "0.9" came back as the number 0.9
            // and '{"x": 1}' as an object.
            query: mapIndex !== undefined ? { map_index: mapIndex } : {},
          },
          ...withSignal(opts.signal),
        },
      ),
      "GET",
      path,
    ).then(having("key", "an XCom entry", "GET", path), async (e: unknown) => {
      // Airflow answers a mapped task's XCom asked without a map index as any missing entry
      // (404 "XCom entry with key: … not found"): one request says whether the task is mapped.
      if (mapIndex !== undefined || !(e instanceof AirflowApiError) || e.status !== 404) throw e;
      throw await mappedTaskError(e, dagId, runId, taskId, false, opts.signal, key);
    });
  }

  async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  const client = {
    /** The raw typed client: every path, method, parameter and body from the spec. */
    api,
    paginate,

    async version(opts: CallOptions = {}) {
      return unwrap(api.GET("/api/v2/version", withSignal(opts.signal)), "GET", "/api/v2/version");
    },

    /**
     * Triggers a run. Airflow's 409 (a run with this logical date already exists, or this run
     * id with other settings) is an `AirflowDagRunExistsError` naming the DAG, the logical date
     * and the run in the way, and saying what to do.
     */
    async triggerDagRun(dagId: string, opts: TriggerOptions = {}): Promise<DagRun> {
      const path = "/api/v2/dags/{dag_id}/dagRuns";
      const shown = `/api/v2/dags/${dagId}/dagRuns`;
      const signal = opts.signal;
      const created = unwrap(
        api.POST(path, {
          params: { path: { dag_id: dagId } },
          body: {
            logical_date: opts.logicalDate ?? null,
            ...(opts.conf !== undefined ? { conf: opts.conf } : {}),
            ...(opts.runId !== undefined ? { dag_run_id: opts.runId } : {}),
            ...(opts.note !== undefined ? { note: opts.note } : {}),
          },
          ...(opts.runId !== undefined ? { headers: REPEATABLE } : {}),
          ...withSignal(signal),
        }),
        "POST",
        shown,
      ).then(aRun("POST", shown));
      return created.catch(async (e: unknown) => {
        if (!(e instanceof AirflowApiError) || e.status !== 409) throw e;
        const runId = opts.runId ?? null;
        // Only a run that is not there (404) leaves the clash to be told; any other failure of
        // the read (an outage, a cancel) is the caller's: the run may well be the one asked for,
        // and "trigger with another run id" would make a second.
        const run =
          runId === null
            ? null
            : await client.getDagRun(dagId, runId, { signal }).catch((x: unknown) => {
                if (signal?.aborted) throw signal.reason;
                if (x instanceof AirflowApiError && x.status === 404) return null;
                throw x;
              });
        if (run && sameTrigger(run, opts)) return run;
        const logicalDate = opts.logicalDate ?? null;
        // Runs without a logical date never clash on it (NULLs are distinct): then it is the
        // run id, even when the run could not be read back.
        const byRunId = run !== null || (logicalDate === null && runId !== null);
        // Airflow's 409 says only "Unique constraint violation": say which, and which run.
        const existingRunId = run
          ? runId
          : logicalDate === null
            ? null
            : await runAt(dagId, logicalDate, signal).catch((x: unknown) => {
                if (signal?.aborted) throw x;
                return null;
              });
        throw new AirflowDagRunExistsError({
          method: e.method,
          path: e.path,
          dagId,
          clash: byRunId ? "run id" : "logical date",
          logicalDate,
          runId,
          existingRunId,
        });
      });
    },

    async getDagRun(dagId: string, runId: string, opts: CallOptions = {}): Promise<DagRun> {
      return unwrap(
        api.GET("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", {
          params: { path: { dag_id: dagId, dag_run_id: runId } },
          ...withSignal(opts.signal),
        }),
        "GET",
        `/api/v2/dags/${dagId}/dagRuns/${runId}`,
      ).then(aRun("GET", `/api/v2/dags/${dagId}/dagRuns/${runId}`));
    },

    /** The DAG's newest run (by run_after), or null when it has none. */
    async latestDagRun(dagId: string, opts: CallOptions = {}): Promise<DagRun | null> {
      const page = await unwrap(
        api.GET("/api/v2/dags/{dag_id}/dagRuns", {
          params: { path: { dag_id: dagId }, query: { limit: 1, order_by: ["-run_after"] } },
          ...withSignal(opts.signal),
        }),
        "GET",
        `/api/v2/dags/${dagId}/dagRuns`,
      );
      const runs = (page as { dag_runs?: unknown } | null)?.dag_runs;
      if (!Array.isArray(runs)) {
        throw notTheApi("GET", `/api/v2/dags/${dagId}/dagRuns`, "a list of DAG runs");
      }
      return (runs[0] as DagRun | undefined) ?? null;
    },

    listTaskInstances(
      dagId: string,
      runId: string,
      opts: CallOptions = {},
    ): Promise<TaskInstance[]> {
      return collect(
        paginate(
          "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
          { path: { dag_id: dagId, dag_run_id: runId } },
          { signal: opts.signal },
        ),
      );
    },

    /**
     * Polls until the run is success or failed; resolves with its task instances, the failed
     * ones, those that never ran because one upstream failed, and `noTaskInstances` when it ended without any (a success that ran nothing).
     */
    async waitForDagRun(dagId: string, runId: string, opts: WaitOptions = {}): Promise<WaitResult> {
      // A timeout given as text would never come (now() + "10" is a string), and NaN as an
      // interval would poll without pause, for ever.
      const timeoutMs = checkNumber(
        "waitForDagRun",
        "timeoutMs",
        opts.timeoutMs ?? 600_000,
        DEADLINE,
      );
      const interval = checkNumber(
        "waitForDagRun",
        "pollIntervalMs",
        opts.pollIntervalMs ?? 2000,
        INTERVAL,
      );
      const maxOutageMs = checkNumber(
        "waitForDagRun",
        "maxOutageMs",
        opts.maxOutageMs ?? 300_000,
        DEADLINE,
      );
      // A test's clock (options.clock) paces the polls and the deadline, else real time does.
      const clock = options.clock;
      const now = clock ? () => clock.now() : Date.now;
      const deadline = now() + timeoutMs;
      // The polls failing in a row: since when, and how many.
      let failing = null as { since: number; polls: number } | null;
      let lastState: string | null = null;
      for (;;) {
        opts.signal?.throwIfAborted();
        const started = now();
        // A poll in flight (the transport's retries included: minutes against a server that
        // takes the connection and never answers) ends too, not only the wait between polls:
        // a poll made at the deadline (the run read once more) gets FINAL_READ_MS to answer, and
        // in an outage (the polls before failed) a poll ends at the end of maxOutageMs. On real
        // time only: a test's clock moves by its sleeps, and its polls answer at once.
        const limit = Math.min(
          Math.max(deadline - started, FINAL_READ_MS),
          failing ? failing.since + maxOutageMs - started : Number.POSITIVE_INFINITY,
        );
        const bound = clock || !(limit < MAX_TIMER_MS) ? null : new AbortController();
        const timer = bound ? setTimeout(() => bound.abort(POLL_CUT), Math.max(0, limit)) : null;
        const onAbort = () => bound?.abort(opts.signal?.reason);
        if (bound) opts.signal?.addEventListener("abort", onAbort, { once: true });
        // The signal also stops a request in flight, not only the wait between polls.
        const given = bound?.signal ?? opts.signal;
        const signal = given ? { signal: given } : {};
        let run: DagRun;
        let tis: TaskInstance[];
        try {
          run = await client.getDagRun(dagId, runId, signal);
          tis =
            opts.onProgress || TERMINAL.has(run.state)
              ? await client.listTaskInstances(dagId, runId, signal)
              : [];
        } catch (e) {
          const cut = bound?.signal.reason === POLL_CUT;
          if (opts.signal?.aborted || (!cut && !passing(e))) throw e;
          failing = {
            since: failing?.since ?? started,
            polls: (failing?.polls ?? 0) + 1,
          };
          opts.onPollError?.(e, failing.polls);
          const failingMs = now() - failing.since;
          const left = deadline - now();
          const outageLeft = maxOutageMs - failingMs;
          if (outageLeft <= 0 || left <= 0) {
            throw new AirflowWaitError({
              dagId,
              runId,
              failedPolls: failing.polls,
              failingMs,
              lastState,
              timedOut: outageLeft > 0,
              timeoutMs,
              maxOutageMs,
              cause: e,
            });
          }
          // The next poll at the interval, or later when the server asked so (a 429's or 503's
          // Retry-After), but at the latest at the deadline or the end of maxOutageMs: a longer
          // Retry-After still polls there, as ever. The timer's most is MAX_TIMER_MS.
          const asked = e instanceof AirflowApiError ? (e.retryAfterMs ?? 0) : 0;
          const wait = Math.min(Math.max(interval, asked), MAX_TIMER_MS, left, outageLeft);
          await abortableSleep(wait, opts.signal, clock);
          continue;
        } finally {
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener("abort", onAbort);
        }
        failing = null;
        lastState = run.state;
        opts.onProgress?.(run, tis);
        if (run.state === "success" || run.state === "failed") {
          return {
            state: run.state,
            dagRun: run,
            taskInstances: tis,
            failedTaskInstances: tis.filter((t) => t.state === "failed"),
            upstreamFailedTaskInstances: tis.filter((t) => t.state === "upstream_failed"),
            noTaskInstances: tis.length === 0,
          };
        }
        const left = deadline - now();
        if (left <= 0) {
          // A paused DAG's runs wait: a queued one never starts (new DAGs start paused,
          // dags_are_paused_at_creation), and a running one gets no further task scheduled.
          const paused = await client
            .getDag(dagId, signal)
            .then((d) => d.is_paused === true)
            .catch((x: unknown) => {
              if (opts.signal?.aborted) throw x;
              return false;
            });
          throw new AirflowWaitTimeoutError({
            dagId,
            runId,
            state: run.state,
            paused,
            ms: timeoutMs,
          });
        }
        // The last wait is cut to the deadline, so the run is read once more at the deadline;
        // an abort ends it at once (its timer cleared), on a test's clock too.
        await abortableSleep(Math.min(interval, left), opts.signal, clock);
      }
    },

    getXcom,

    listImportErrors(opts: CallOptions = {}): Promise<ImportError[]> {
      return collect(paginate("/api/v2/importErrors", {}, { signal: opts.signal }));
    },

    async setDagPaused(dagId: string, paused: boolean, opts: CallOptions = {}) {
      return unwrap(
        api.PATCH("/api/v2/dags/{dag_id}", {
          params: { path: { dag_id: dagId } },
          body: { is_paused: paused },
          headers: REPEATABLE,
          ...withSignal(opts.signal),
        }),
        "PATCH",
        `/api/v2/dags/${dagId}`,
      );
    },
    async getDag(dagId: string, opts: CallOptions = {}): Promise<Schemas["DAGResponse"]> {
      const path = `/api/v2/dags/${dagId}`;
      return unwrap(
        api.GET("/api/v2/dags/{dag_id}", {
          params: { path: { dag_id: dagId } },
          ...withSignal(opts.signal),
        }),
        "GET",
        path,
      ).then(having("dag_id", "a DAG", "GET", path));
    },
    pauseDag: (dagId: string, opts: CallOptions = {}) => client.setDagPaused(dagId, true, opts),
    unpauseDag: (dagId: string, opts: CallOptions = {}) => client.setDagPaused(dagId, false, opts),

    /**
     * Clears task instances so the scheduler runs them again. Unlike the raw endpoint (whose
     * `dry_run` defaults to true), this clears unless `dryRun: true`; the answer lists them.
     */
    async clearTaskInstances(dagId: string, opts: ClearOptions) {
      if (opts.runId === undefined && opts.allRuns !== true) {
        throw new TypeError("clearTaskInstances: give runId, or allRuns: true to clear every run");
      }
      if (opts.taskIds?.length === 0) {
        throw new TypeError(
          "clearTaskInstances: taskIds is empty; leave it out to clear every task",
        );
      }
      const body: Schemas["ClearTaskInstancesBody"] = {
        dry_run: opts.dryRun ?? false,
        only_failed: opts.onlyFailed ?? false,
        only_running: false,
        reset_dag_runs: opts.resetDagRuns ?? true,
        include_upstream: opts.includeUpstream ?? false,
        include_downstream: opts.includeDownstream ?? false,
        include_future: false,
        include_past: false,
        prevent_running_task: false,
        ...(opts.runId !== undefined ? { dag_run_id: opts.runId } : {}),
        ...(opts.taskIds !== undefined ? { task_ids: [...opts.taskIds] } : {}),
      };
      return unwrap(
        api.POST("/api/v2/dags/{dag_id}/clearTaskInstances", {
          params: { path: { dag_id: dagId } },
          body,
          ...withSignal(opts.signal),
        }),
        "POST",
        `/api/v2/dags/${dagId}/clearTaskInstances`,
      );
    },

    /**
     * A task instance's log: its latest try unless `tryNumber` says which; the whole log
     * (`full_content`), with the text a person reads and the raised exception as a Python
     * traceback. The task instance is its task id (and `mapIndex`, of a mapped task) or a task
     * instance itself, e.g. one of `waitForDagRun`'s `failedTaskInstances`, whose `map_index`
     * is used. A mapped task asked for without its map index is an `AirflowMappedTaskError`
     * saying which map indexes there are and which failed. A task that never ran
     * (upstream_failed, skipped before it started) has no log: try 0, no messages.
     */
    async getTaskLog(
      dagId: string,
      runId: string,
      task: string | TaskInstanceRef,
      opts: LogOptions = {},
    ): Promise<TaskLog> {
      const taskId = typeof task === "string" ? task : task.task_id;
      // Before any request: a "1" read from a flag would otherwise go out as map index -1's
      // request path, and a try number as text into the log's URL.
      if (opts.mapIndex !== undefined) {
        checkNumber("getTaskLog", "mapIndex", opts.mapIndex, MAP_INDEX);
      }
      if (opts.tryNumber !== undefined) {
        checkNumber("getTaskLog", "tryNumber", opts.tryNumber, SIZE);
      }
      const mapIndex =
        opts.mapIndex ?? (typeof task === "string" ? undefined : task.map_index) ?? -1;
      const base = `/api/v2/dags/${dagId}/dagRuns/${runId}/taskInstances/${taskId}`;
      /** A 404 for map index -1 of a task that is mapped says so, and which indexes there are. */
      const ifMapped =
        (knownMapped: (e: AirflowApiError) => boolean) =>
        async (e: unknown): Promise<never> => {
          if (mapIndex !== -1 || !(e instanceof AirflowApiError) || e.status !== 404) throw e;
          throw await mappedTaskError(e, dagId, runId, taskId, knownMapped(e), opts.signal);
        };
      let tryNumber = opts.tryNumber;
      if (tryNumber === undefined) {
        const ti =
          mapIndex === -1
            ? await unwrap(
                api.GET("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}", {
                  params: { path: { dag_id: dagId, dag_run_id: runId, task_id: taskId } },
                  ...withSignal(opts.signal),
                }),
                "GET",
                base,
              ).catch(
                // Airflow 3.3: "Task instance is mapped, add the map_index value to the URL".
                ifMapped(
                  (e) => typeof e.detail === "string" && /instance is mapped/i.test(e.detail),
                ),
              )
            : await unwrap(
                api.GET(
                  "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}",
                  {
                    params: {
                      path: {
                        dag_id: dagId,
                        dag_run_id: runId,
                        task_id: taskId,
                        map_index: mapIndex,
                      },
                    },
                    ...withSignal(opts.signal),
                  },
                ),
                "GET",
                `${base}/${mapIndex}`,
              );
        if (typeof ti?.try_number !== "number") {
          throw notTheApi("GET", base, "a task instance (it has no try_number)");
        }
        tryNumber = ti.try_number;
        if (tryNumber === 0) return taskLog([], 0, true);
        // A given try was checked above; this one is the server's.
        if (!Number.isInteger(tryNumber) || tryNumber < 1) {
          throw notTheApi("GET", base, `a task instance (its try_number is ${tryNumber})`);
        }
      }
      const path = `${base}/logs/${tryNumber}`;
      const answer = await unwrap(
        api.GET(
          "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}",
          {
            params: {
              path: { dag_id: dagId, dag_run_id: runId, task_id: taskId, try_number: tryNumber },
              query: { full_content: true, map_index: mapIndex },
            },
            // The JSON form; Airflow streams ndjson only when asked for it.
            headers: { accept: "application/json" },
            ...withSignal(opts.signal),
          },
        ),
        "GET",
        path,
      ).catch(
        // With a try given, a mapped task's 404 is "TaskInstance not found": mapped if its
        // mapped task instances can be listed.
        ifMapped(() => false),
      );
      const log = answer as Partial<Schemas["TaskInstancesLogResponse"]> | undefined;
      if (!Array.isArray(log?.content))
        throw notTheApi("GET", path, "a task log (it has no content)");
      return taskLog(log.content, tryNumber, log.continuation_token == null);
    },

    /** The DAG file's source as Airflow stored it (JSON form; the endpoint can also answer text). */
    async getDagSource(
      dagId: string,
      opts: CallOptions = {},
    ): Promise<Schemas["DAGSourceResponse"]> {
      return unwrap(
        api.GET("/api/v2/dagSources/{dag_id}", {
          params: { path: { dag_id: dagId } },
          headers: { accept: "application/json" },
          ...withSignal(opts.signal),
        }),
        "GET",
        `/api/v2/dagSources/${dagId}`,
      ) as Promise<Schemas["DAGSourceResponse"]>;
    },

    variables: {
      get: (key: string, opts: CallOptions = {}) =>
        unwrap(
          api.GET("/api/v2/variables/{variable_key}", {
            params: { path: { variable_key: key } },
            ...withSignal(opts.signal),
          }),
          "GET",
          `/api/v2/variables/${key}`,
        ),
      create: (body: Schemas["VariableBody"], opts: CallOptions = {}) =>
        unwrap(
          api.POST("/api/v2/variables", { body, ...withSignal(opts.signal) }),
          "POST",
          "/api/v2/variables",
        ),
      update: (key: string, body: Schemas["VariableBody"], opts: CallOptions = {}) =>
        unwrap(
          api.PATCH("/api/v2/variables/{variable_key}", {
            params: { path: { variable_key: key } },
            body,
            headers: REPEATABLE,
            ...withSignal(opts.signal),
          }),
          "PATCH",
          `/api/v2/variables/${key}`,
        ),
      delete: (key: string, opts: CallOptions = {}) =>
        unwrap(
          api.DELETE("/api/v2/variables/{variable_key}", {
            params: { path: { variable_key: key } },
            ...withSignal(opts.signal),
          }),
          "DELETE",
          `/api/v2/variables/${key}`,
        ),
    },
    connections: {
      get: (id: string, opts: CallOptions = {}) =>
        unwrap(
          api.GET("/api/v2/connections/{connection_id}", {
            params: { path: { connection_id: id } },
            ...withSignal(opts.signal),
          }),
          "GET",
          `/api/v2/connections/${id}`,
        ),
      create: (body: Schemas["ConnectionBody"], opts: CallOptions = {}) =>
        unwrap(
          api.POST("/api/v2/connections", { body, ...withSignal(opts.signal) }),
          "POST",
          "/api/v2/connections",
        ),
      update: (id: string, body: Schemas["ConnectionBody"], opts: CallOptions = {}) =>
        unwrap(
          api.PATCH("/api/v2/connections/{connection_id}", {
            params: { path: { connection_id: id } },
            body,
            headers: REPEATABLE,
            ...withSignal(opts.signal),
          }),
          "PATCH",
          `/api/v2/connections/${id}`,
        ),
      delete: (id: string, opts: CallOptions = {}) =>
        unwrap(
          api.DELETE("/api/v2/connections/{connection_id}", {
            params: { path: { connection_id: id } },
            ...withSignal(opts.signal),
          }),
          "DELETE",
          `/api/v2/connections/${id}`,
        ),
    },
    pools: {
      get: (name: string, opts: CallOptions = {}) =>
        unwrap(
          api.GET("/api/v2/pools/{pool_name}", {
            params: { path: { pool_name: name } },
            ...withSignal(opts.signal),
          }),
          "GET",
          `/api/v2/pools/${name}`,
        ),
      create: (body: Schemas["PoolBody"], opts: CallOptions = {}) =>
        unwrap(
          api.POST("/api/v2/pools", { body, ...withSignal(opts.signal) }),
          "POST",
          "/api/v2/pools",
        ),
      /**
       * Changes only the fields given. Airflow validates a pool's patch as a whole pool, so the
       * others are read first and sent unchanged; `update_mask` names the ones to write (the
       * only way to change `default_pool`, whose slots and include_deferred alone may change).
       */
      update: async (
        name: string,
        changes: Omit<Schemas["PoolPatchBody"], "pool">,
        opts: CallOptions = {},
      ) => {
        const fields = Object.keys(changes).filter(
          (k) => changes[k as keyof typeof changes] !== undefined,
        );
        const route = `/api/v2/pools/${name}`;
        const current =
          name === "default_pool"
            ? null
            : await unwrap(
                api.GET("/api/v2/pools/{pool_name}", {
                  params: { path: { pool_name: name } },
                  ...withSignal(opts.signal),
                }),
                "GET",
                route,
              );
        const body: Schemas["PoolPatchBody"] = current
          ? {
              pool: name,
              slots: current.slots,
              include_deferred: current.include_deferred,
              description: current.description ?? null,
              ...changes,
            }
          : { ...changes };
        return unwrap(
          api.PATCH("/api/v2/pools/{pool_name}", {
            params: { path: { pool_name: name }, query: { update_mask: fields } },
            body,
            headers: REPEATABLE,
            ...withSignal(opts.signal),
          }),
          "PATCH",
          route,
        );
      },
      delete: (name: string, opts: CallOptions = {}) =>
        unwrap(
          api.DELETE("/api/v2/pools/{pool_name}", {
            params: { path: { pool_name: name } },
            ...withSignal(opts.signal),
          }),
          "DELETE",
          `/api/v2/pools/${name}`,
        ),
    },
  };
  return client;
}

export type AirflowClient = ReturnType<typeof createAirflowClient>;
