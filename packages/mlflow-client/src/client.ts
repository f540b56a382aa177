import { Readable } from "node:stream";
import {
  abortableSleep,
  type CallOptions,
  createHttpTransport,
  IDEMPOTENT_HEADER,
  notJsonSuccess,
  type SendOptions,
  scrubbedError,
  strictJson,
  withIdleTimeout,
} from "@mlgen/http";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import {
  BATCH_LIMITS,
  type BatchInput,
  type BatchPart,
  planBatch,
  pythonStr,
  type WireDouble,
} from "./batch.js";
import {
  httpSettings,
  type MlflowClientOptions,
  resolveConfig,
  truncateLongValuesFromEnv,
} from "./config.js";
import {
  MlflowApiError,
  MlflowConfigError,
  MlflowDeletedExperimentError,
  MlflowModelSourceError,
  MlflowRegistrationError,
  MlflowRequestError,
  MlflowValidationError,
} from "./errors.js";
import { quoteValue } from "./filter.js";
import type { components, paths } from "./generated/mlflow.js";
import {
  checkHttpNumbers,
  checkNumber,
  DEADLINE,
  DELAY,
  INTERVAL,
  LIMIT,
  type NumberRule,
  SIZE,
} from "./numbers.js";

export type Schemas = components["schemas"];
export type Experiment = Schemas["Experiment"];
export type Run = Schemas["Run"];
export type RunInfo = Schemas["RunInfo"];
export type RunStatus = Schemas["RunStatus"];
export type Metric = Schemas["Metric"];
export type RegisteredModel = Schemas["RegisteredModel"];
export type ModelVersion = Schemas["ModelVersion"];
/** What `registerModel` resolves with: it waits until the version is READY. */
export type ReadyModelVersion = ModelVersion & { status: "READY" };
export type LoggedModel = Schemas["LoggedModel"];
export type FileInfo = Schemas["FileInfo"];
export type ViewType = Schemas["ViewType"];
export type { CallOptions };

type Result<T> = Promise<{ data?: T; error?: unknown; response: Response }>;

/** openapi-fetch's `{ data, error, response }` → data, or a typed MlflowApiError. */
async function unwrap<T>(result: Result<T>, method: string, path: string): Promise<T> {
  const { data, error, response } = await result;
  if (response.ok) return (data ?? {}) as T;
  throw MlflowApiError.fromBody(response.status, error, method, path);
}

const idempotent = { [IDEMPOTENT_HEADER]: "1" };

/**
 * The writes that may be sent again after a 5xx, also through `api`: the server drops a metric
 * point it already has, and tags, params, aliases and updates are upserts. Creates are not here
 * (a repeat would make a second run, experiment or version); a 429 is retried for every write.
 */
const IDEMPOTENT_WRITES = new Set(
  [
    "runs/log-batch",
    "runs/log-metric",
    "runs/log-parameter",
    "runs/set-tag",
    "runs/delete-tag",
    "runs/update",
    "experiments/update",
    "experiments/set-experiment-tag",
    "experiments/delete-experiment-tag",
    "registered-models/alias",
    "registered-models/set-tag",
    "registered-models/delete-tag",
    "registered-models/update",
    "model-versions/set-tag",
    "model-versions/delete-tag",
    "model-versions/update",
  ].map((p) => `/api/2.0/mlflow/${p}`),
);

/** The request init's `signal`, when there is one (openapi-fetch passes it to the Request). */
const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

/**
 * A field the answer must hold. A 200 without it (`{}`, an empty body: a proxy's, or another
 * service's) is an MlflowApiError saying so here, not an `undefined` that fails later.
 */
function present<T>(value: T | undefined, field: string, method: string, path: string): T {
  if (value !== undefined && value !== null) return value;
  throw new MlflowApiError({
    status: 200,
    errorCode: null,
    serverMessage: `the answer holds no '${field}': is the tracking URI an MLflow server?`,
    method,
    path,
  });
}

/**
 * A success whose body is not JSON (a login page in front of the server, or a garbled answer
 * labelled JSON) becomes an MlflowApiError naming what came back, instead of JSON.parse's bare
 * SyntaxError.
 */
const jsonAnswers = (secrets: readonly string[]): Middleware => ({
  async onResponse({ request, response, options, schemaPath }) {
    if ((options.parseAs ?? "json") !== "json") return undefined;
    const invalid = (problem: string) =>
      new MlflowApiError({
        status: response.status,
        errorCode: null,
        serverMessage: problem,
        method: request.method,
        path: schemaPath,
      });
    const problem = await notJsonSuccess(response, secrets);
    if (problem === null) return strictJson(response, invalid, secrets);
    throw invalid(problem);
  },
});

/** The paging fields every search takes (body or query alike). */
function pageFields(
  opts: {
    readonly filter?: string | undefined;
    readonly orderBy?: readonly string[] | undefined;
  },
  token: string | undefined,
  size: number,
) {
  return {
    max_results: size,
    ...(opts.filter ? { filter: opts.filter } : {}),
    ...(opts.orderBy ? { order_by: [...opts.orderBy] } : {}),
    ...(token ? { page_token: token } : {}),
  };
}

export interface SearchRunsOptions extends CallOptions {
  readonly experimentIds: readonly string[];
  /** An MLflow filter string; build one with `runFilter()`. */
  readonly filter?: string | undefined;
  /** e.g. `["metrics.accuracy DESC", "attributes.start_time"]`. */
  readonly orderBy?: readonly string[] | undefined;
  readonly viewType?: ViewType | undefined;
  /** Page size; default 1000, at most 50,000 (the server refuses more). */
  readonly pageSize?: number | undefined;
  /** Stop after this many runs (0: none, and no request). */
  readonly limit?: number | undefined;
}

export interface PageOptions extends CallOptions {
  readonly filter?: string | undefined;
  readonly orderBy?: readonly string[] | undefined;
  readonly pageSize?: number | undefined;
  readonly limit?: number | undefined;
}

export interface WithRunOptions extends CallOptions {
  readonly experimentId?: string | undefined;
  /** Created if missing (getOrCreateExperiment). */
  readonly experimentName?: string | undefined;
  readonly runName?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Default SIGINT and SIGTERM. */
  readonly signals?: readonly NodeJS.Signals[] | undefined;
  /**
   * How long marking the run KILLED after a signal may take before the signal goes on anyway
   * (the run then stays RUNNING). Default 10 s: within Kubernetes' 30 s grace period, where the
   * transport's retries against an unreachable server would take minutes.
   */
  readonly killTimeoutMs?: number | undefined;
  /**
   * Cancels the run (from `CallOptions`): `fn`'s `signal` aborts with the same reason, the run
   * is ended KILLED, as Ctrl-C ends it (Python's `start_run` marks a KeyboardInterrupt KILLED:
   * the run was stopped, it did not fail), and withRun rejects with `signal.reason` once the
   * KILLED update is done (or after `killTimeoutMs`) — without waiting for an `fn` that
   * ignores its signal. Aborted before the run is created: nothing is sent.
   */
  readonly signal?: AbortSignal | undefined;
}

export interface RunContext {
  readonly run: Run;
  readonly runId: string;
  /** Aborted when the run is ended KILLED: by SIGINT/SIGTERM, or by withRun's own `signal`. */
  readonly signal: AbortSignal;
}

export interface LogBatchOptions extends CallOptions {
  /**
   * Requests in flight at once. Default 8: against MLflow's default four server workers, four
   * left about 40 % of a 2-CPU server idle (connections do not spread evenly over the workers).
   */
  readonly concurrency?: number | undefined;
  /**
   * Param values over 6000 characters and tag values over 8000 are cut to that length, as
   * MLflow's Python client and server cut them; false refuses them instead. Default: true
   * unless MLFLOW_TRUNCATE_LONG_VALUES is false, as in Python.
   */
  readonly truncateLongValues?: boolean | undefined;
}

export interface RegisterModelOptions extends CallOptions {
  /**
   * A `runs:/<run_id>/<path>`, `models:/<model_id>` or artifact URI. A `runs:/` source is
   * resolved as Python's `mlflow.register_model` resolves it: the run's artifacts at `<path>`
   * when they hold an `MLmodel` file (an MLflow 2 style model), else the run's logged model
   * named `<path>` (MLflow 3's `log_model(name=...)`), registered as `models:/<model_id>`.
   */
  readonly source: string;
  /** Default: the run of a `runs:/` source (a different one is refused before any request). */
  readonly runId?: string | undefined;
  readonly modelId?: string | undefined;
  readonly description?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Default 5 minutes. */
  readonly timeoutMs?: number | undefined;
  /** Default 500 ms. */
  readonly pollIntervalMs?: number | undefined;
}

export interface LogMetricOptions extends CallOptions {
  /** The training step; default 0. Any whole number (negative too, as the server takes). */
  readonly step?: number | undefined;
  /** Milliseconds since the epoch; default now (the `clock` option's, when given). */
  readonly timestamp?: number | undefined;
}

/** A param or tag value: logged as Python's str() writes it (True, 1e-05), as logBatch does. */
export type TagValue = string | number | boolean;

/** A metric point's step and timestamp, checked as logBatch checks them, before any request. */
const STEP: NumberRule = { min: Number.MIN_SAFE_INTEGER, whole: true };
const TIMESTAMP: NumberRule = { min: 0, whole: true, ms: true };

/** A metric value as logBatch sends it: a number, or protobuf's JSON name for NaN and ±Infinity. */
function wireDouble(value: unknown): WireDouble {
  if (typeof value !== "number") {
    throw new MlflowValidationError(
      "value",
      `a metric value must be a number (got ${typeof value})`,
    );
  }
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  return value;
}

/**
 * The new description of an update. Checked: a body without one would clear a registered
 * model's description (the server reads a missing field as ""), and Python's
 * update_model_version refuses None ("no new field values").
 */
function description(fields: { readonly description: string } | undefined): string {
  const d: unknown = fields?.description;
  if (typeof d === "string") return d;
  throw new MlflowValidationError(
    "description",
    `must be a string, the new description ("" clears it) (got ${d === null ? "null" : typeof d})`,
  );
}

export type ArtifactBody = ReadableStream<Uint8Array> | Readable | Uint8Array | string;

const isReady = (v: ModelVersion): v is ReadyModelVersion => v.status === "READY";

/** Thrown by withRun when a signal ended the run. */
export class RunKilledError extends Error {
  override readonly name = "RunKilledError";
  constructor(
    readonly runId: string,
    readonly signalName: NodeJS.Signals,
  ) {
    super(`run ${runId} was ended as KILLED by ${signalName}`);
  }
}

const tagList = (tags: Readonly<Record<string, string>> | undefined) =>
  Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));

/**
 * `runs:/<run_id>/<path>` (or `runs:///<run_id>/<path>`) → its run and artifact path, as
 * RunsArtifactRepository.parse_runs_uri reads it; null for any other source.
 */
export function parseRunsUri(source: string): { runId: string; artifactPath: string } | null {
  const m = /^runs:\/(?:\/\/)?([^/?#]+)(?:\/([^?#]*))?$/i.exec(source);
  if (!m) return null;
  return { runId: m[1] as string, artifactPath: m[2] ?? "" };
}

/** Characters a logged model's name cannot hold (validation.py _validate_logged_model_name). */
const NOT_IN_LOGGED_MODEL_NAME = /[/:.%"']/;

/**
 * The proxy refuses (400 "Invalid path") a path with `#`, a `..` segment, a backslash or a
 * leading `/`; and it URL-decodes the path once more after routing, so `%` followed by two hex
 * digits would name another file. Refused here, before any request.
 */
export function checkArtifactPath(path: string): string {
  if (
    path.includes("#") ||
    path.includes("\\") ||
    path.startsWith("/") ||
    // `.` and empty segments: the server reads `a/./b` and `a//b` as `a/b`, but an upload's URL
    // and a download's (its path escaped) would name different files.
    path.split("/").some((segment) => segment === ".." || segment === "." || segment === "") ||
    /%[0-9A-Fa-f]{2}/.test(path) ||
    path.length === 0
  ) {
    throw new MlflowValidationError(
      "artifact path",
      `${JSON.stringify(path)}: MLflow's artifact proxy refuses or rewrites paths that are empty, absolute, hold #, \\, %XX, or a segment that is .., . or empty (a//b, a/): write it as a/b`,
    );
  }
  return path;
}

/** `mlflow-artifacts:/1/<run>/artifacts` → `1/<run>/artifacts` (the proxy's path). */
export function proxyPath(artifactUri: string, path: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!m) {
    // The run's root is `<its experiment's artifact_location>/<run id>/artifacts`.
    const location = artifactUri.replace(/\/[^/]+\/artifacts\/?$/, "");
    throw new MlflowConfigError(
      `the run's artifact root ${artifactUri} is not served by the tracking server's artifact proxy: its experiment's artifact_location is ${location}, which the server does not proxy (only mlflow-artifacts:/ locations are). Log to an experiment created without artifactLocation (the server then gives an mlflow-artifacts:/ one, when started with --serve-artifacts, the default) or with an mlflow-artifacts:/ location`,
    );
  }
  const root = (m[1] ?? "").replace(/\/+$/, "");
  return `${root}/${checkArtifactPath(path)}`;
}

const encodePath = (p: string) => p.split("/").map(encodeURIComponent).join("/");

/** `update`, or a resolved promise once `ms` have passed without it settling. */
function atMost(update: Promise<unknown>, ms: number): Promise<unknown> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    update.then(done, done).finally(() => clearTimeout(timer));
  });
}

/**
 * The runs of the process waiting for each signal: one process listener per signal serves them
 * all, so a service with many runs under way at once gets no MaxListenersExceededWarning.
 */
const listening = new Map<NodeJS.Signals, Set<(signal: NodeJS.Signals) => void>>();

function dispatch(signal: NodeJS.Signals): void {
  // A handler removes itself (and the process listener goes with the last): iterate a copy.
  for (const handler of [...(listening.get(signal) ?? [])]) handler(signal);
}

function onSignals(signals: readonly NodeJS.Signals[], handler: (s: NodeJS.Signals) => void) {
  for (const s of signals) {
    let handlers = listening.get(s);
    if (!handlers) {
      handlers = new Set();
      listening.set(s, handlers);
      process.on(s, dispatch);
    }
    handlers.add(handler);
  }
  return () => {
    for (const s of signals) {
      const handlers = listening.get(s);
      if (!handlers?.delete(handler) || handlers.size > 0) continue;
      listening.delete(s);
      process.off(s, dispatch);
    }
  };
}

/** The KILLED updates under way for each signal, across every withRun of the process. */
const killing = new Map<
  NodeJS.Signals,
  { readonly pending: Set<Promise<unknown>>; readonly all: Promise<void>; done: () => void }
>();

/**
 * Waits for `update` and the other runs' KILLED updates for the same signal (each withRun's
 * listener ran in the same emit), then, when no listener is left, does what the signal would
 * have done without us: only after the last run is marked, never while another is still retrying.
 * Resolves for every run only then: a withRun that rejected once its own run was marked would
 * end a program that does not catch it (an unhandled rejection, exit code 1) before the other
 * runs are marked, and instead of the signal.
 */
function whenAllKilled(signal: NodeJS.Signals, update: Promise<unknown>): Promise<unknown> {
  let entry = killing.get(signal);
  if (!entry) {
    let done = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    entry = { pending: new Set<Promise<unknown>>(), all, done };
    killing.set(signal, entry);
  }
  const { pending } = entry;
  const mine = entry;
  pending.add(update);
  update
    .catch(() => {})
    .finally(() => {
      pending.delete(update);
      if (pending.size > 0) return;
      if (killing.get(signal) === mine) killing.delete(signal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      mine.done();
    });
  return mine.all;
}

export function createMlflowClient(options: MlflowClientOptions = {}) {
  checkHttpNumbers(options);
  const config = resolveConfig(options);
  const settings = httpSettings(options);
  // Refused when the client is made, as the other variables are: not first at a logBatch.
  truncateLongValuesFromEnv(options.env ?? process.env);
  // The times written (a run's start and end, a metric point's default timestamp): the `clock`
  // option's when given, as a test's manual clock drives the waits.
  const clock = options.clock;
  const now = clock ? () => clock.now() : Date.now;
  const http = createHttpTransport({
    ...options,
    ...settings,
    authorization: () => config.authorization,
    requestError: (f) => new MlflowRequestError(f),
    // As Python's client (request_utils.py): a 500 is mostly a passing database error (a locked
    // SQLite file, a deadlock) and a 408 a proxy that gave up; only for a request a repeat
    // cannot change.
    retryOn: (response) => response.status === 500 || response.status === 408,
  });
  // Every answer passes through here, so no error body can carry a credential further.
  const prefix = new URL(config.baseUrl).pathname.replace(/\/$/, "").length;
  const transport = async (input: Request, send?: SendOptions) => {
    if (IDEMPOTENT_WRITES.has(new URL(input.url).pathname.slice(prefix))) {
      input.headers.set(IDEMPOTENT_HEADER, "1");
    }
    return scrubbedError(await http(input, send), config.secrets);
  };
  const api: Client<paths> = createClient<paths>({ baseUrl: config.baseUrl, fetch: transport });
  api.use(jsonAnswers(config.secrets));
  const artifactRoots = new Map<string, string>();

  /** Pages over `next_page_token` until the server stops giving one or `limit` is reached. */
  async function* pages<T>(
    fetchPage: (
      token: string | undefined,
      size: number,
    ) => Promise<{
      items: T[] | undefined;
      next: string | undefined;
    }>,
    pageSize: number,
    limit = Number.POSITIVE_INFINITY,
    /** The largest page the server takes (it refuses more: INVALID_PARAMETER_VALUE). */
    most = Number.POSITIVE_INFINITY,
    /** Ends the iteration (rejecting `next()` with its reason), also within a page. */
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    checkNumber("limit", limit, LIMIT);
    checkNumber("pageSize", pageSize, SIZE);
    if (pageSize > most) {
      throw new MlflowValidationError(
        "pageSize",
        `must be at most ${most}, the largest page the server takes (got ${pageSize}); the pages are read one after another whatever their size`,
      );
    }
    signal?.throwIfAborted();
    if (limit === 0) return;
    let token: string | undefined;
    let seen = 0;
    const tokens = new Set<string>();
    do {
      const size = Math.min(pageSize, limit - seen);
      const page = await fetchPage(token, size);
      for (const item of page.items ?? []) {
        // A loop that aborts halfway through a page gets no more items of it.
        signal?.throwIfAborted();
        yield item;
        if (++seen >= limit) return;
      }
      token = page.next || undefined;
      // A server (or a proxy's cache) that hands out a page token again would page forever.
      if (token !== undefined) {
        if (tokens.has(token)) {
          throw new Error(
            `the MLflow server sent the page token '${token.slice(0, 40)}' a second time, after ${seen} items: stopped paging instead of looping`,
          );
        }
        tokens.add(token);
      }
    } while (token);
  }

  /**
   * A run's experiment when no id is given: the named one (created when missing), else as the
   * Python client's start_run: MLFLOW_EXPERIMENT_NAME (created when missing; an
   * MLFLOW_EXPERIMENT_ID beside it must be its id), else MLFLOW_EXPERIMENT_ID, else "0".
   */
  async function defaultExperiment(name: string | undefined, call: CallOptions): Promise<string> {
    if (name) return (await client.getOrCreateExperiment(name, call)).experiment_id;
    const env = options.env ?? process.env;
    const id = env.MLFLOW_EXPERIMENT_ID || undefined;
    if (env.MLFLOW_EXPERIMENT_NAME) {
      const found = (await client.getOrCreateExperiment(env.MLFLOW_EXPERIMENT_NAME, call))
        .experiment_id;
      if (id !== undefined && id !== found) {
        throw new MlflowConfigError(
          `MLFLOW_EXPERIMENT_ID is ${id}, but MLFLOW_EXPERIMENT_NAME names experiment ${found}: set one of them, or both to the same experiment`,
        );
      }
      return found;
    }
    return id ?? "0";
  }

  async function artifactRoot(runId: string, signal: AbortSignal | undefined): Promise<string> {
    signal?.throwIfAborted();
    let root = artifactRoots.get(runId);
    if (root === undefined) {
      const run = await client.getRun(runId, { signal });
      root = run.info.artifact_uri ?? "";
      artifactRoots.set(runId, root);
    }
    return root;
  }

  const client = {
    /** The raw typed client: every path, method, parameter and body of specs/mlflow/openapi.yaml. */
    api,
    /** The server root this client talks to (no credentials in it). */
    trackingUri: config.baseUrl,

    // Experiments ----------------------------------------------------------------------------

    async getExperiment(experimentId: string, opts: CallOptions = {}): Promise<Experiment> {
      const path = "/api/2.0/mlflow/experiments/get";
      const r = await unwrap(
        api.GET(path, {
          params: { query: { experiment_id: experimentId } },
          ...withSignal(opts.signal),
        }),
        "GET",
        path,
      );
      return present(r.experiment, "experiment", "GET", path);
    },

    /** The experiment of that name (also a deleted one), or null. */
    async getExperimentByName(name: string, opts: CallOptions = {}): Promise<Experiment | null> {
      const path = "/api/2.0/mlflow/experiments/get-by-name";
      try {
        const r = await unwrap(
          api.GET(path, {
            params: { query: { experiment_name: name } },
            ...withSignal(opts.signal),
          }),
          "GET",
          path,
        );
        return present(r.experiment, "experiment", "GET", path);
      } catch (e) {
        if (MlflowApiError.is(e, "RESOURCE_DOES_NOT_EXIST")) return null;
        throw e;
      }
    },

    async createExperiment(
      name: string,
      opts: CallOptions & {
        artifactLocation?: string | undefined;
        tags?: Readonly<Record<string, string>> | undefined;
      } = {},
    ): Promise<string> {
      const path = "/api/2.0/mlflow/experiments/create";
      const r = await unwrap(
        api.POST(path, {
          body: {
            name,
            ...(opts.artifactLocation ? { artifact_location: opts.artifactLocation } : {}),
            ...(opts.tags ? { tags: tagList(opts.tags) } : {}),
          },
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
      return present(r.experiment_id, "experiment_id", "POST", path);
    },

    /**
     * The experiment of that name, created when missing. Safe when several processes race:
     * whoever loses the create (RESOURCE_ALREADY_EXISTS) reads the winner's. A deleted
     * experiment of that name is an `MlflowDeletedExperimentError` (restore it or pick another
     * name).
     */
    async getOrCreateExperiment(
      name: string,
      opts: CallOptions & {
        artifactLocation?: string | undefined;
        tags?: Readonly<Record<string, string>> | undefined;
      } = {},
    ): Promise<Experiment> {
      const call = { signal: opts.signal };
      let found = await client.getExperimentByName(name, call);
      if (!found) {
        try {
          return await client.getExperiment(await client.createExperiment(name, opts), call);
        } catch (e) {
          if (!MlflowApiError.is(e, "RESOURCE_ALREADY_EXISTS")) throw e;
          found = await client.getExperimentByName(name, call);
          if (!found) throw e;
        }
      }
      if (found.lifecycle_stage === "deleted") {
        throw new MlflowDeletedExperimentError(name, found.experiment_id);
      }
      return found;
    },

    searchExperiments(
      opts: PageOptions & { viewType?: ViewType | undefined } = {},
    ): AsyncGenerator<Experiment> {
      const path = "/api/2.0/mlflow/experiments/search";
      return pages(
        async (token, size) => {
          const r = await unwrap(
            api.POST(path, {
              body: {
                ...pageFields(opts, token, size),
                ...(opts.viewType ? { view_type: opts.viewType } : {}),
              },
              headers: idempotent,
              ...withSignal(opts.signal),
            }),
            "POST",
            path,
          );
          return { items: r.experiments, next: r.next_page_token };
        },
        opts.pageSize ?? 1000,
        opts.limit,
        50_000,
        opts.signal,
      );
    },

    // Runs -------------------------------------------------------------------------------------

    async createRun(
      opts: CallOptions & {
        experimentId: string;
        runName?: string | undefined;
        startTime?: number | undefined;
        tags?: Readonly<Record<string, string>> | undefined;
      },
    ): Promise<Run> {
      const path = "/api/2.0/mlflow/runs/create";
      const r = await unwrap(
        api.POST(path, {
          body: {
            experiment_id: opts.experimentId,
            start_time: opts.startTime ?? now(),
            ...(opts.runName ? { run_name: opts.runName } : {}),
            ...(opts.tags ? { tags: tagList(opts.tags) } : {}),
          },
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
      return present(r.run, "run", "POST", path);
    },

    async getRun(runId: string, opts: CallOptions = {}): Promise<Run> {
      const path = "/api/2.0/mlflow/runs/get";
      const r = await unwrap(
        api.GET(path, { params: { query: { run_id: runId } }, ...withSignal(opts.signal) }),
        "GET",
        path,
      );
      return present(r.run, "run", "GET", path);
    },

    async endRun(
      runId: string,
      status: RunStatus = "FINISHED",
      endTime = now(),
      opts: CallOptions = {},
    ) {
      const path = "/api/2.0/mlflow/runs/update";
      const r = await unwrap(
        api.POST(path, {
          body: { run_id: runId, status, end_time: endTime },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
      return present(r.run_info, "run_info", "POST", path);
    },

    /**
     * Starts a run, calls `fn`, and ends the run FINISHED when it returns, FAILED when it
     * throws, KILLED on SIGINT/SIGTERM (then the signal's default action happens, unless the
     * program listens for it itself) or when `opts.signal` aborts (then withRun rejects with its
     * reason). The listeners are removed afterwards.
     */
    async withRun<T>(
      fn: (ctx: RunContext) => Promise<T> | T,
      opts: WithRunOptions = {},
    ): Promise<T> {
      const cancel = opts.signal;
      cancel?.throwIfAborted();
      // Before the run is created: a bad value would show only when a signal comes.
      const killTimeoutMs = checkNumber("killTimeoutMs", opts.killTimeoutMs ?? 10_000, DELAY);
      const call = { signal: cancel };
      const experimentId =
        opts.experimentId ?? (await defaultExperiment(opts.experimentName, call));
      const run = await client.createRun({
        experimentId,
        ...(opts.runName ? { runName: opts.runName } : {}),
        ...(opts.tags ? { tags: opts.tags } : {}),
        signal: cancel,
      });
      const runId = run.info.run_id;
      const controller = new AbortController();
      let killedBy: NodeJS.Signals | null = null;
      let cancelled = false;
      let killed: Promise<unknown> = Promise.resolve();
      const signals = opts.signals ?? ["SIGINT", "SIGTERM"];
      let remove = () => {};
      const onSignal = (signal: NodeJS.Signals) => {
        if (killedBy || cancelled) return;
        killedBy = signal;
        remove();
        controller.abort(new RunKilledError(runId, signal));
        killed = whenAllKilled(signal, atMost(client.endRun(runId, "KILLED"), killTimeoutMs));
      };
      remove = onSignals(signals, onSignal);
      // The caller's cancel ends the run KILLED too, and ends the wait for `fn` once it is
      // marked (an `fn` that ignores its signal keeps running, its outcome ignored).
      let stopWaiting: (reason: unknown) => void = () => {};
      const whenCancelled = new Promise<never>((_, reject) => {
        stopWaiting = reject;
      });
      whenCancelled.catch(() => {});
      const onCancel = () => {
        if (killedBy || cancelled || !cancel) return;
        cancelled = true;
        controller.abort(cancel.reason);
        // Not sent with the aborted signal: it would never leave.
        killed = atMost(client.endRun(runId, "KILLED"), killTimeoutMs);
        killed.then(() => stopWaiting(cancel.reason));
      };
      cancel?.addEventListener("abort", onCancel, { once: true });
      // Aborted while the run was being created, after its answer came.
      if (cancel?.aborted) onCancel();
      try {
        let result: T;
        try {
          if (cancelled) throw cancel?.reason;
          const work = (async () => fn({ run, runId, signal: controller.signal }))();
          work.catch(() => {});
          result = await Promise.race([work, whenCancelled]);
          if (killedBy) throw new RunKilledError(runId, killedBy);
          if (cancelled) throw cancel?.reason;
        } catch (e) {
          // fn has ended: a later abort cancels the FAILED update, it marks nothing KILLED.
          cancel?.removeEventListener("abort", onCancel);
          if (cancelled) throw cancel?.reason;
          // The caller's error is what they need; the run stays RUNNING if it cannot be ended.
          if (!killedBy) await client.endRun(runId, "FAILED", undefined, call).catch(() => {});
          throw e;
        }
        // `fn` succeeded: a failure to say so (after the transport's retries, or cancelled now)
        // is thrown as it is and leaves the run RUNNING, never FAILED, as Python's
        // `with start_run()` does.
        cancel?.removeEventListener("abort", onCancel);
        await client.endRun(runId, "FINISHED", undefined, call);
        return result;
      } finally {
        remove();
        cancel?.removeEventListener("abort", onCancel);
        await killed.catch(() => {});
      }
    },

    /** Runs of the experiments, page after page, as one stream. */
    searchRuns(opts: SearchRunsOptions): AsyncGenerator<Run> {
      const path = "/api/2.0/mlflow/runs/search";
      return pages(
        async (token, size) => {
          const r = await unwrap(
            api.POST(path, {
              body: {
                experiment_ids: [...opts.experimentIds],
                ...pageFields(opts, token, size),
                ...(opts.viewType ? { run_view_type: opts.viewType } : {}),
              },
              headers: idempotent,
              ...withSignal(opts.signal),
            }),
            "POST",
            path,
          );
          return { items: r.runs, next: r.next_page_token };
        },
        opts.pageSize ?? 1000,
        opts.limit,
        50_000,
        opts.signal,
      );
    },

    /**
     * Logs any number of metrics, params and tags in requests within the server's limits,
     * `concurrency` at a time. The points of one metric key go in order, one request after
     * another. Everything is checked (key ≤ 250 characters, key characters, and with
     * `truncateLongValues: false` param values ≤ 6000 and tag values ≤ 8000) before the first
     * request; a problem is an MlflowValidationError. Values are logged as Python's str() writes
     * them (True, 1e-05).
     */
    async logBatch(
      runId: string,
      input: BatchInput,
      opts: LogBatchOptions = {},
    ): Promise<{ requests: number }> {
      const signal = opts.signal;
      signal?.throwIfAborted();
      const concurrency = checkNumber("concurrency", opts.concurrency ?? 8, SIZE);
      const truncate =
        opts.truncateLongValues ?? truncateLongValuesFromEnv(options.env ?? process.env);
      // More lanes than requests in flight (but no more than the requests the points fill), so
      // a free slot always finds a lane whose previous request has ended: with lanes pinned to
      // slots, 20 keys over 8 lanes left half the slots idle once the 2-key lanes were done.
      // One at a time gains nothing from more lanes, only partly filled requests.
      const points = input.metrics?.length ?? 0;
      const lanes =
        concurrency === 1
          ? 1
          : Math.max(1, Math.min(2 * concurrency, Math.ceil(points / BATCH_LIMITS.metrics)));
      const plan = planBatch(input, lanes, now(), truncate).map((parts) => ({
        parts,
        next: 0,
        busy: false,
      }));
      const path = "/api/2.0/mlflow/runs/log-batch";
      let requests = 0;
      // The first failure stops every lane before its next request, and is what is thrown once
      // the requests in flight have ended: nothing is written after logBatch has failed.
      let failure: { error: unknown } | null = null;
      const send = async (part: BatchPart) => {
        await unwrap(
          api.POST(path, {
            body: {
              run_id: runId,
              ...(part.metrics.length ? { metrics: part.metrics } : {}),
              ...(part.params.length ? { params: part.params } : {}),
              ...(part.tags.length ? { tags: part.tags } : {}),
            },
            ...withSignal(signal),
          }),
          "POST",
          path,
        );
        requests++;
      };
      await new Promise<void>((done) => {
        let active = 0;
        // Fills the free slots, each with the next request of the idle lane that has the most
        // left (one lane's requests go one after another: a key's steps stay in order).
        const pump = () => {
          // Cancelled: no lane sends another request (those in flight are cancelled too).
          if (signal?.aborted) failure ??= { error: signal.reason };
          while (!failure && active < concurrency) {
            let lane: (typeof plan)[number] | undefined;
            for (const l of plan) {
              const left = l.parts.length - l.next;
              if (!l.busy && left > 0 && (!lane || left > lane.parts.length - lane.next)) lane = l;
            }
            if (!lane) break;
            const chosen = lane;
            const part = chosen.parts[chosen.next++] as BatchPart;
            chosen.busy = true;
            active++;
            send(part)
              .catch((error: unknown) => {
                failure ??= { error };
              })
              .finally(() => {
                chosen.busy = false;
                active--;
                pump();
              });
          }
          if (active === 0) done();
        };
        // An abort while requests are in flight rejects them at once (the transport), with its
        // reason, the first failure; no free slot takes another.
        pump();
      });
      if (failure) throw (failure as { error: unknown }).error;
      return { requests };
    },

    /**
     * Logs one metric point (runs/log-metric), as Python's `MlflowClient.log_metric`: step
     * default 0, timestamp default now. NaN and ±Infinity are sent as logBatch sends them (the
     * server keeps NaN; the SQL stores keep ±Infinity as ±1.7976931348623157e308).
     */
    async logMetric(
      runId: string,
      key: string,
      value: number,
      opts: LogMetricOptions = {},
    ): Promise<void> {
      const step = checkNumber("step", opts.step ?? 0, STEP);
      const timestamp = checkNumber("timestamp", opts.timestamp ?? now(), TIMESTAMP);
      const path = "/api/2.0/mlflow/runs/log-metric";
      await unwrap(
        api.POST(path, {
          body: { run_id: runId, key, value: wireDouble(value), timestamp, step },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    /**
     * Logs one param (runs/log-parameter), its value as Python's str() writes it. The server
     * cuts a value over 6000 characters (unless it runs with MLFLOW_TRUNCATE_LONG_VALUES=false)
     * and refuses a different value for a param the run has (INVALID_PARAMETER_VALUE).
     */
    async logParam(
      runId: string,
      key: string,
      value: TagValue,
      opts: CallOptions = {},
    ): Promise<void> {
      const path = "/api/2.0/mlflow/runs/log-parameter";
      await unwrap(
        api.POST(path, {
          body: { run_id: runId, key, value: pythonStr(value) },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    /** Sets (or replaces) one run tag (runs/set-tag), its value as Python's str() writes it. */
    async setTag(
      runId: string,
      key: string,
      value: TagValue,
      opts: CallOptions = {},
    ): Promise<void> {
      const path = "/api/2.0/mlflow/runs/set-tag";
      await unwrap(
        api.POST(path, {
          body: { run_id: runId, key, value: pythonStr(value) },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    /** Deletes a run tag (runs/delete-tag); one the run does not have is RESOURCE_DOES_NOT_EXIST. */
    async deleteTag(runId: string, key: string, opts: CallOptions = {}): Promise<void> {
      const path = "/api/2.0/mlflow/runs/delete-tag";
      await unwrap(
        api.POST(path, {
          body: { run_id: runId, key },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    /** Every point of one metric of a run, in the server's order. */
    getMetricHistory(
      runId: string,
      key: string,
      pageSize = 25_000,
      opts: CallOptions = {},
    ): AsyncGenerator<Metric> {
      const path = "/api/2.0/mlflow/metrics/get-history";
      return pages(
        async (token, size) => {
          const r = await unwrap(
            api.GET(path, {
              params: {
                query: {
                  run_id: runId,
                  metric_key: key,
                  max_results: size,
                  ...(token ? { page_token: token } : {}),
                },
              },
              ...withSignal(opts.signal),
            }),
            "GET",
            path,
          );
          return { items: r.metrics, next: r.next_page_token };
        },
        pageSize,
        undefined,
        undefined,
        opts.signal,
      );
    },

    // Artifacts --------------------------------------------------------------------------------

    /** Files directly under `path` of a run's artifacts (through the tracking API). */
    async listArtifacts(runId: string, path = "", opts: CallOptions = {}): Promise<FileInfo[]> {
      const route = "/api/2.0/mlflow/artifacts/list";
      const out: FileInfo[] = [];
      for await (const f of pages(
        async (token) => {
          const r = await unwrap(
            api.GET(route, {
              params: {
                query: {
                  run_id: runId,
                  ...(path ? { path } : {}),
                  ...(token ? { page_token: token } : {}),
                },
              },
              ...withSignal(opts.signal),
            }),
            "GET",
            route,
          );
          return { items: r.files, next: r.next_page_token };
        },
        1,
        undefined,
        undefined,
        opts.signal,
      ))
        out.push(f);
      return out;
    },

    /**
     * Streams `body` to the run's artifact `path` through the server's artifact proxy; never
     * holds the whole file in memory (a stream body is sent once, never retried).
     */
    async uploadArtifact(
      runId: string,
      path: string,
      body: ArtifactBody,
      opts: CallOptions = {},
    ): Promise<void> {
      checkArtifactPath(path); // before the run is read: a bad path sends nothing
      const target = proxyPath(await artifactRoot(runId, opts.signal), path);
      const route = `/api/2.0/mlflow-artifacts/artifacts/${encodePath(target)}`;
      const stream =
        body instanceof Readable ? (Readable.toWeb(body) as ReadableStream<Uint8Array>) : body;
      const response = await transport(
        new Request(`${config.baseUrl}${route}`, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream" },
          body: stream,
          ...(stream instanceof ReadableStream ? { duplex: "half" } : {}),
          ...withSignal(opts.signal),
        } as RequestInit),
        { streamed: stream instanceof ReadableStream },
      );
      if (!response.ok) throw await MlflowApiError.from(response, "PUT", route);
      await response.body?.cancel();
    },

    /** The bytes of one artifact as a web stream (`Readable.fromWeb` makes a Node stream). */
    async downloadArtifact(
      runId: string,
      path: string,
      opts: CallOptions = {},
    ): Promise<ReadableStream<Uint8Array>> {
      checkArtifactPath(path); // before the run is read: a bad path sends nothing
      const target = proxyPath(await artifactRoot(runId, opts.signal), path);
      const route = "/api/2.0/mlflow-artifacts/artifacts/{artifact_path}";
      const { data, error, response } = await api.GET(route, {
        params: { path: { artifact_path: target } },
        parseAs: "stream",
        ...withSignal(opts.signal),
      });
      // The error names the artifact's own path, not the route's template.
      const shown = `/api/2.0/mlflow-artifacts/artifacts/${encodePath(target)}`;
      if (!response.ok) throw MlflowApiError.fromBody(response.status, error, "GET", shown);
      // An empty artifact: openapi-fetch gives no stream for a body of 0 bytes.
      if (!data) return new Response("").body as ReadableStream<Uint8Array>;
      // A server that stops sending mid-file fails the stream instead of leaving it waiting;
      // an abort (the signal goes on while the stream is read) fails it with its reason.
      return withIdleTimeout(
        data,
        settings.timeoutMs ?? 30_000,
        () =>
          new MlflowRequestError({
            kind: "timeout",
            method: "GET",
            path: shown,
            attempts: 1,
            origin: new URL(config.baseUrl).origin,
            timeoutMs: settings.timeoutMs ?? 30_000,
            stalled: true,
          }),
        opts.signal,
      );
    },

    async deleteArtifact(runId: string, path: string, opts: CallOptions = {}): Promise<void> {
      checkArtifactPath(path); // before the run is read: a bad path sends nothing
      const target = proxyPath(await artifactRoot(runId, opts.signal), path);
      const route = "/api/2.0/mlflow-artifacts/artifacts/{artifact_path}";
      await unwrap(
        api.DELETE(route, {
          params: { path: { artifact_path: target } },
          ...withSignal(opts.signal),
        }),
        "DELETE",
        `/api/2.0/mlflow-artifacts/artifacts/${encodePath(target)}`,
      );
    },

    // Logged models ----------------------------------------------------------------------------

    searchLoggedModels(
      opts: PageOptions & { experimentIds: readonly string[] },
    ): AsyncGenerator<LoggedModel> {
      const path = "/api/2.0/mlflow/logged-models/search";
      return pages(
        async (token, size) => {
          const r = await unwrap(
            api.POST(path, {
              body: {
                experiment_ids: [...opts.experimentIds],
                ...pageFields({ ...opts, orderBy: undefined }, token, size),
                ...(opts.orderBy
                  ? {
                      order_by: opts.orderBy.map(loggedModelOrder),
                    }
                  : {}),
              },
              headers: idempotent,
              ...withSignal(opts.signal),
            }),
            "POST",
            path,
          );
          return { items: r.models, next: r.next_page_token };
        },
        opts.pageSize ?? 100,
        opts.limit,
        undefined,
        opts.signal,
      );
    },

    // Model registry ---------------------------------------------------------------------------

    searchRegisteredModels(opts: PageOptions = {}): AsyncGenerator<RegisteredModel> {
      const path = "/api/2.0/mlflow/registered-models/search";
      return pages(
        async (token, size) => {
          const r = await unwrap(
            api.GET(path, {
              params: { query: pageFields(opts, token, size) },
              ...withSignal(opts.signal),
            }),
            "GET",
            path,
          );
          return { items: r.registered_models, next: r.next_page_token };
        },
        opts.pageSize ?? 100,
        opts.limit,
        1000,
        opts.signal,
      );
    },

    /** Versions matching the filter, e.g. `name = 'iris'` (build it with quoteValue). */
    searchModelVersions(opts: PageOptions = {}): AsyncGenerator<ModelVersion> {
      const path = "/api/2.0/mlflow/model-versions/search";
      return pages(
        async (token, size) => {
          const r = await unwrap(
            api.GET(path, {
              params: { query: pageFields(opts, token, size) },
              ...withSignal(opts.signal),
            }),
            "GET",
            path,
          );
          return { items: r.model_versions, next: r.next_page_token };
        },
        opts.pageSize ?? 200,
        opts.limit,
        200_000,
        opts.signal,
      );
    },

    async getModelVersion(
      name: string,
      version: string,
      opts: CallOptions = {},
    ): Promise<ModelVersion> {
      const path = "/api/2.0/mlflow/model-versions/get";
      const r = await unwrap(
        api.GET(path, { params: { query: { name, version } }, ...withSignal(opts.signal) }),
        "GET",
        path,
      );
      return present(r.model_version, "model_version", "GET", path);
    },

    /**
     * What Python's `mlflow.register_model` registers for a `runs:/<run_id>/<path>` source
     * (tracking/_model_registry/fluent.py): the run's artifact URI + `/<path>` when the run's
     * artifacts hold `<path>/MLmodel` (a model logged as run artifacts, MLflow 2 style), else
     * `models:/<model_id>` of the run's logged model named `<path>` (MLflow 3's
     * `log_model(name=...)` keeps the files under `models/<model_id>/artifacts`, outside the run's
     * artifacts; several such models: the one the run logged at the largest step). None: an
     * MlflowModelSourceError. Any other source comes back as it is.
     */
    async resolveRunsSource(
      source: string,
      opts: CallOptions = {},
    ): Promise<{ source: string; runId?: string; modelId?: string }> {
      const parsed = parseRunsUri(source);
      if (!parsed) return { source };
      const { runId, artifactPath } = parsed;
      const dir = artifactPath.replace(/\/+$/, "");
      const files = await client.listArtifacts(runId, dir, opts);
      const mlmodel = dir ? `${dir}/MLmodel` : "MLmodel";
      if (files.some((f) => f.path === mlmodel && !f.is_dir)) {
        // RunsArtifactRepository.get_underlying_uri: the run's root and the path, appended.
        const root = (await artifactRoot(runId, opts.signal)).replace(/\/+$/, "");
        return { source: artifactPath ? `${root}/${artifactPath}` : root, runId };
      }
      const run = await client.getRun(runId, opts);
      const candidates: LoggedModel[] = [];
      // A name a logged model cannot have (`a/b`, `m.pkl`) names none: nothing to search.
      if (artifactPath !== "" && !NOT_IN_LOGGED_MODEL_NAME.test(artifactPath)) {
        const found = client.searchLoggedModels({
          experimentIds: [run.info.experiment_id as string],
          filter: `source_run_id = ${quoteValue(runId)} AND name = ${quoteValue(artifactPath)}`,
          signal: opts.signal,
        });
        for await (const m of found) {
          if (m.info?.source_run_id === runId && m.info.name === artifactPath) candidates.push(m);
        }
      }
      const where = `runs:/${runId}/${artifactPath}`;
      if (candidates.length === 0) {
        throw new MlflowModelSourceError({
          code: "NOT_FOUND",
          source,
          runId,
          artifactPath,
          message: `Unable to find a logged_model with artifact_path ${artifactPath} under run ${runId}: ${where} names no model. The run's artifacts hold no ${mlmodel}, and the run logged no model named '${artifactPath}' (MLflow 3's log_model(name="${artifactPath}") stores one under models/<model_id>/artifacts, outside the run's artifacts). Log the model in that run under that name, or register the models:/<model_id> that log_model returned`,
        });
      }
      let chosen = candidates[0] as LoggedModel;
      if (candidates.length > 1) {
        const steps = new Map(
          (run.outputs?.model_outputs ?? []).map((o) => [o.model_id, Number(o.step ?? 0)]),
        );
        const ids = candidates.map((m) => m.info?.model_id as string);
        if (!ids.every((id) => steps.has(id))) {
          throw new MlflowModelSourceError({
            code: "INVALID_PARAMETER_VALUE",
            source,
            runId,
            artifactPath,
            candidates: ids,
            message: `Multiple logged models found for run ${runId}. Cannot determine which model to register. Please use \`models:/<model_id>\` instead: ${where} names ${ids.length} logged models (${ids.join(", ")}) and the run's outputs do not say at which step each was logged`,
          });
        }
        // The one logged at the largest step; the first of the search's order on a tie, as
        // Python's max() keeps.
        for (const m of candidates) {
          if ((steps.get(m.info?.model_id) ?? 0) > (steps.get(chosen.info?.model_id) ?? 0)) {
            chosen = m;
          }
        }
      }
      const modelId = chosen.info?.model_id as string;
      return { source: `models:/${modelId}`, runId, modelId };
    },

    /**
     * Creates the registered model when missing, adds a version from `source`, and waits
     * until the server says it is READY (FAILED_REGISTRATION or the timeout throw).
     */
    async registerModel(name: string, opts: RegisterModelOptions): Promise<ReadyModelVersion> {
      const signal = opts.signal;
      signal?.throwIfAborted();
      // Before the model is created. A timeout given as text would never come: now() + "10"
      // is a string, and a number is never more than it.
      const timeoutMs = checkNumber("timeoutMs", opts.timeoutMs ?? 300_000, DEADLINE);
      const interval = checkNumber("pollIntervalMs", opts.pollIntervalMs ?? 500, INTERVAL);
      const runs = parseRunsUri(opts.source);
      if (runs && opts.runId && opts.runId !== runs.runId) {
        throw new MlflowValidationError(
          "runId",
          `${opts.runId} is not the run of the source ${opts.source} (${runs.runId}): leave runId out, or give that run's id`,
        );
      }
      // Resolved before the registered model is created: a source that names no model leaves
      // nothing behind (Python's register_model creates the model first).
      const resolved = runs ? await client.resolveRunsSource(opts.source, { signal }) : null;
      const source = resolved?.source ?? opts.source;
      const runId = opts.runId ?? runs?.runId;
      const modelId = opts.modelId ?? resolved?.modelId;
      const createPath = "/api/2.0/mlflow/registered-models/create";
      try {
        await unwrap(
          api.POST(createPath, { body: { name }, ...withSignal(signal) }),
          "POST",
          createPath,
        );
      } catch (e) {
        if (!MlflowApiError.is(e, "RESOURCE_ALREADY_EXISTS")) throw e;
      }
      const path = "/api/2.0/mlflow/model-versions/create";
      let version = (
        await unwrap(
          api.POST(path, {
            body: {
              name,
              source,
              ...(runId ? { run_id: runId } : {}),
              ...(modelId ? { model_id: modelId } : {}),
              ...(opts.description ? { description: opts.description } : {}),
              ...(opts.tags ? { tags: tagList(opts.tags) } : {}),
            },
            ...withSignal(signal),
          }),
          "POST",
          path,
        )
      ).model_version;
      version = present(version, "model_version", "POST", path);
      // A test's clock (options.clock) paces the polls and the deadline, else real time does.
      const deadline = now() + timeoutMs;
      while (!isReady(version)) {
        if (version.status === "FAILED_REGISTRATION") {
          throw new MlflowRegistrationError(
            "failed",
            version,
            `model ${name} version ${version.version} failed to register: ${version.status_message ?? "no message"}`,
          );
        }
        if (now() > deadline) {
          throw new MlflowRegistrationError(
            "timeout",
            version,
            `model ${name} version ${version.version} still ${version.status} after ${timeoutMs} ms`,
          );
        }
        // An abort ends the wait at once (its timer cleared), and the poll in flight.
        await abortableSleep(interval, signal, clock);
        version = await client.getModelVersion(name, version.version, { signal });
      }
      return version;
    },

    async setAlias(
      name: string,
      alias: string,
      version: string,
      opts: CallOptions = {},
    ): Promise<void> {
      const path = "/api/2.0/mlflow/registered-models/alias";
      await unwrap(
        api.POST(path, {
          body: { name, alias, version },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    async deleteAlias(name: string, alias: string, opts: CallOptions = {}): Promise<void> {
      const path = "/api/2.0/mlflow/registered-models/alias";
      await unwrap(
        api.DELETE(path, { body: { name, alias }, ...withSignal(opts.signal) }),
        "DELETE",
        path,
      );
    },

    async getModelVersionByAlias(
      name: string,
      alias: string,
      opts: CallOptions = {},
    ): Promise<ModelVersion> {
      const path = "/api/2.0/mlflow/registered-models/alias";
      const r = await unwrap(
        api.GET(path, { params: { query: { name, alias } }, ...withSignal(opts.signal) }),
        "GET",
        path,
      );
      return present(r.model_version, "model_version", "GET", path);
    },

    /**
     * The version an alias points at, or null when the alias is not set or the model does not
     * exist. MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE "Registered model
     * alias <alias> not found." (404 RESOURCE_DOES_NOT_EXIST only for a missing model, or for
     * `latest` on a model without versions); every other error — an invalid alias or model
     * name, a 5xx, a network error — is thrown.
     */
    async findModelVersionByAlias(
      name: string,
      alias: string,
      opts: CallOptions = {},
    ): Promise<ModelVersion | null> {
      try {
        return await client.getModelVersionByAlias(name, alias, opts);
      } catch (e) {
        if (MlflowApiError.is(e, "RESOURCE_DOES_NOT_EXIST") && e.status === 404) return null;
        if (
          MlflowApiError.is(e, "INVALID_PARAMETER_VALUE") &&
          e.status === 400 &&
          e.serverMessage === `Registered model alias ${alias} not found.`
        ) {
          return null;
        }
        throw e;
      }
    },

    /** Sets a version's description (model-versions/update); resolves with the version. */
    async updateModelVersion(
      name: string,
      version: string,
      fields: { readonly description: string },
      opts: CallOptions = {},
    ): Promise<ModelVersion> {
      const path = "/api/2.0/mlflow/model-versions/update";
      const r = await unwrap(
        api.PATCH(path, {
          body: { name, version, description: description(fields) },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "PATCH",
        path,
      );
      return present(r.model_version, "model_version", "PATCH", path);
    },

    /** Sets (or replaces) a version's tag, its value as Python's str() writes it. */
    async setModelVersionTag(
      name: string,
      version: string,
      key: string,
      value: TagValue,
      opts: CallOptions = {},
    ): Promise<void> {
      const path = "/api/2.0/mlflow/model-versions/set-tag";
      await unwrap(
        api.POST(path, {
          body: { name, version, key, value: pythonStr(value) },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    /** Deletes a version's tag (a tag it does not have: nothing happens, as on the server). */
    async deleteModelVersionTag(
      name: string,
      version: string,
      key: string,
      opts: CallOptions = {},
    ): Promise<void> {
      const path = "/api/2.0/mlflow/model-versions/delete-tag";
      await unwrap(
        api.DELETE(path, {
          body: { name, version, key },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "DELETE",
        path,
      );
    },

    /**
     * Deletes a model version (and the aliases pointing at it). Never sent again after a 5xx:
     * a repeat of one that was done would be RESOURCE_DOES_NOT_EXIST.
     */
    async deleteModelVersion(name: string, version: string, opts: CallOptions = {}): Promise<void> {
      const path = "/api/2.0/mlflow/model-versions/delete";
      await unwrap(
        api.DELETE(path, { body: { name, version }, ...withSignal(opts.signal) }),
        "DELETE",
        path,
      );
    },

    /** Sets (or replaces) a registered model's tag, its value as Python's str() writes it. */
    async setRegisteredModelTag(
      name: string,
      key: string,
      value: TagValue,
      opts: CallOptions = {},
    ): Promise<void> {
      const path = "/api/2.0/mlflow/registered-models/set-tag";
      await unwrap(
        api.POST(path, {
          body: { name, key, value: pythonStr(value) },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "POST",
        path,
      );
    },

    /** Sets a registered model's description; resolves with the model. */
    async updateRegisteredModel(
      name: string,
      fields: { readonly description: string },
      opts: CallOptions = {},
    ): Promise<RegisteredModel> {
      const path = "/api/2.0/mlflow/registered-models/update";
      const r = await unwrap(
        api.PATCH(path, {
          body: { name, description: description(fields) },
          headers: idempotent,
          ...withSignal(opts.signal),
        }),
        "PATCH",
        path,
      );
      return present(r.registered_model, "registered_model", "PATCH", path);
    },
  };
  return client;
}

export type MlflowClient = ReturnType<typeof createMlflowClient>;

/** Everything an async iterable yields, in order. */
export async function toArray<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * `"metrics.acc DESC"` as the logged-model search takes it: `{ field_name, ascending }`. Only a
 * last word ASC or DESC is the direction, so a metric key with spaces (`metrics.my acc`) is
 * the field name whole; the server takes no quoting here.
 */
export function loggedModelOrder(entry: string): { field_name: string; ascending: boolean } {
  const m = /^\s*(.*?)(?:\s+(asc|desc))?\s*$/i.exec(entry) as RegExpExecArray;
  return { field_name: m[1] as string, ascending: m[2]?.toLowerCase() !== "desc" };
}
