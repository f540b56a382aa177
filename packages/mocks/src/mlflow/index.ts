/**
 * A stateful in-memory fake of the MLflow 3 tracking server, model registry and artifact proxy,
 * as msw handlers typed against specs/mlflow/openapi.yaml. Give `fake.fetch` (or
 * `fake.handlers` to msw) to `createMlflowClient({ trackingUri: fake.baseUrl, fetch: fake.fetch })`.
 */
import type { components } from "@mlgen/mlflow-client";
import type { RequestHandler } from "msw";
import { type Clock, systemClock } from "../clock.js";
import { type FakeApi, normalizeBaseUrl } from "../fake.js";
import { dispatcher, fetchVia, routed, unansweredByFake } from "../router.js";
import { createHandlers } from "./handlers.js";
import { MlflowState } from "./state.js";

/** What Flask (werkzeug) answers for a method a route does not take. */
const METHOD_NOT_ALLOWED_PAGE =
  "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";

type S = components["schemas"];

export interface MlflowFakeOptions {
  /** Where the fake answers; default `http://mlflow.mock`. */
  readonly baseUrl?: string;
  /** Timestamps of experiments, model versions… and when pending versions turn READY. */
  readonly clock?: Clock;
  /**
   * How long a new model version stays PENDING_REGISTRATION before READY, in clock ms. Default
   * 0: READY at once, as the real server answers for `runs:/` sources.
   */
  readonly registrationDelayMs?: number;
}

export interface SeedExperiment {
  readonly name: string;
  readonly artifactLocation?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SeedRun {
  readonly experimentId?: string;
  readonly runName?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly status?: S["RunStatus"];
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  /** One point each at step 0 (a number) or several points. */
  readonly metrics?: Readonly<
    Record<string, number | readonly { value: number; step?: number; timestamp?: number }[]>
  >;
  readonly deleted?: boolean;
}

export interface SeedModelVersion {
  readonly source: string;
  readonly runId?: string;
  /** The logged model a `models:/<model_id>` source names. */
  readonly modelId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly aliases?: readonly string[];
}

/**
 * A model logged in a run as MLflow 3's `log_model(name=...)` logs it: a logged model of the
 * run's experiment with the run as its source, output by the run at `step`, its files under
 * `<experiment location>/models/<model_id>/artifacts` (not in the run's artifacts), READY.
 */
export interface SeedLoggedModel {
  /** The `name` given to log_model, and the path of `runs:/<run_id>/<name>`; default "model". */
  readonly name?: string;
  /** The step the run outputs it at (runs/outputs); default 0. */
  readonly step?: number;
  /** Its files by path; default an `MLmodel` file (of a pyfunc model). */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly params?: Readonly<Record<string, string>>;
  /** Default LOGGED_MODEL_READY (log_model finalizes it once its files are uploaded). */
  readonly status?: "LOGGED_MODEL_PENDING" | "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED";
}

/** The MLmodel file a seeded logged model gets when no files are given. */
const DEFAULT_MLMODEL = `artifact_path: null
flavors:
  python_function:
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
mlflow_version: 3.17.2
`;

export interface MlflowFake extends FakeApi {
  readonly handlers: readonly RequestHandler[];
  /** Adds objects directly (no request counted); returns their ids. */
  readonly seed: {
    experiment(e: SeedExperiment): string;
    run(r?: SeedRun): string;
    registeredModel(
      name: string,
      opts?: { description?: string; tags?: Readonly<Record<string, string>> },
    ): void;
    modelVersion(name: string, v: SeedModelVersion): string;
    artifact(runId: string, path: string, bytes: Uint8Array | string): void;
    /**
     * A model logged in the run as `mlflow.pyfunc.log_model(name=...)` logs it (the same state
     * its requests leave: logged-models create, runs/outputs, the files, finalize); returns its
     * `m-…` id. `registerModel(name, { source: "runs:/<run_id>/<name>" })` then registers it
     * as `models:/<model_id>`, as against a real MLflow 3 server.
     */
    loggedModel(runId: string, m?: SeedLoggedModel): string;
  };
  /** What the fake holds now, in the server's wire shapes. */
  experiment(id: string): S["Experiment"] | undefined;
  experimentByName(name: string): S["Experiment"] | undefined;
  run(runId: string): S["Run"] | undefined;
  runs(): S["Run"][];
  metricHistory(runId: string, key: string): S["Metric"][];
  registeredModel(name: string): S["RegisteredModel"] | undefined;
  modelVersion(name: string, version: string): S["ModelVersion"] | undefined;
  /** A logged model (a deleted one too), as logged-models/{model_id} answers it. */
  loggedModel(modelId: string): S["LoggedModel"] | undefined;
  /** The bytes of a run artifact (path under the run's artifact root), or undefined. */
  artifact(runId: string, path: string): Uint8Array | undefined;
  /** How many requests each route answered, e.g. `requests("POST", "runs/log-batch")`. */
  requests(method: string, route: string): number;
}

export function createMlflowFake(options: MlflowFakeOptions = {}): MlflowFake {
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? "http://mlflow.mock");
  const state = new MlflowState({
    clock: options.clock ?? systemClock,
    ...(options.registrationDelayMs !== undefined
      ? { registrationDelayMs: options.registrationDelayMs }
      : {}),
  });
  const handlers = createHandlers(baseUrl, state);
  // A known route asked with another method: Flask's 405 page, as the server answers.
  const dispatch = dispatcher(handlers, (_, allowed) => {
    const methods = new Set([...allowed, "OPTIONS", ...(allowed.includes("GET") ? ["HEAD"] : [])]);
    return new Response(METHOD_NOT_ALLOWED_PAGE, {
      status: 405,
      headers: {
        "content-type": "text/html; charset=utf-8",
        allow: [...methods].sort().join(", "),
      },
    });
  });
  const quietly = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch {
      return undefined;
    }
  };
  const list = (r?: Readonly<Record<string, string>>) =>
    Object.entries(r ?? {}).map(([key, value]) => ({ key, value }));
  const proxyRoot = (runId: string) => {
    const uri = state.run(runId).artifactUri;
    return (/^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri)?.[1] ?? uri).replace(/\/+$/, "");
  };

  const unanswered = (request: Request) => unansweredByFake("MLflow", baseUrl, request);

  return {
    baseUrl,
    handlers: [routed(baseUrl, dispatch, unanswered)],
    fetch: fetchVia(dispatch, true, unanswered),
    reset: () => state.reset(),
    seed: {
      experiment: (e) =>
        state.createExperiment({
          name: e.name,
          artifact_location: e.artifactLocation,
          tags: list(e.tags),
        }),
      run(r = {}) {
        const run = state.createRun({
          experiment_id: r.experimentId ?? "0",
          run_name: r.runName,
          start_time: r.startTime ?? state.now,
          tags: list(r.tags),
        });
        const now = state.now;
        state.logBatch({
          run_id: run.id,
          params: list(r.params),
          metrics: Object.entries(r.metrics ?? {}).flatMap(([key, v]) =>
            (typeof v === "number" ? [{ value: v }] : v).map((p) => ({
              key,
              value: p.value,
              step: "step" in p ? (p.step ?? 0) : 0,
              timestamp: "timestamp" in p ? (p.timestamp ?? now) : now,
            })),
          ),
        });
        if (r.status && r.status !== "RUNNING") run.status = r.status;
        if (r.endTime !== undefined) run.endTime = r.endTime;
        if (r.deleted) run.lifecycleStage = "deleted";
        return run.id;
      },
      registeredModel(name, opts = {}) {
        state.createModel({ name, description: opts.description, tags: list(opts.tags) });
      },
      modelVersion(name, v) {
        if (!state.models.has(name)) state.createModel({ name });
        const mv = state.createVersion({
          name,
          source: v.source,
          run_id: v.runId,
          model_id: v.modelId,
          tags: list(v.tags),
        });
        for (const a of v.aliases ?? []) state.setAlias(name, a, String(mv.version));
        return String(mv.version);
      },
      loggedModel(runId, m = {}) {
        const run = state.run(runId);
        const model = state.createLoggedModel({
          experiment_id: run.experimentId,
          name: m.name ?? "model",
          source_run_id: run.id,
          model_type: "",
          tags: list(m.tags),
          params: list(m.params),
        });
        state.logOutputs({ run_id: run.id, models: [{ model_id: model.id, step: m.step ?? 0 }] });
        const root = state.loggedModelRoot(model);
        for (const [path, bytes] of Object.entries(m.files ?? { MLmodel: DEFAULT_MLMODEL })) {
          state.putArtifact(
            `${root}/${path}`,
            typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes,
          );
        }
        state.finalizeLoggedModel(model.id, {
          model_id: model.id,
          status: m.status ?? "LOGGED_MODEL_READY",
        });
        return model.id;
      },
      artifact(runId, path, bytes) {
        state.putArtifact(
          `${proxyRoot(runId)}/${path}`,
          typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes,
        );
      },
    },
    experiment: (id) => quietly(() => state.experimentOut(state.experiment(id))),
    experimentByName: (name) => quietly(() => state.experimentOut(state.experimentByName(name))),
    run: (id) => quietly(() => state.runOut(state.run(id))),
    runs: () => [...state.runs.values()].map((r) => state.runOut(r)),
    metricHistory: (runId, key) => state.metricHistory(runId, key, null, null).metrics,
    registeredModel: (name) => quietly(() => state.modelOut(state.model(name))),
    modelVersion: (name, version) =>
      quietly(() => state.versionOut(state.version(name, version), true)),
    loggedModel: (modelId) => quietly(() => state.loggedModelOut(state.loggedModel(modelId, true))),
    artifact: (runId, path) => quietly(() => state.artifacts.get(`${proxyRoot(runId)}/${path}`)),
    requests: (method, route) => {
      const r = route.replace(/^\/?(api\/2\.0\/mlflow\/)?/, "");
      return state.requests.get(`${method.toUpperCase()} ${r}`) ?? 0;
    },
  };
}

export { type Clause, FilterError, likeToRegExp, parseFilter, parseOrderBy } from "./filter.js";
export { MlflowFakeError } from "./state.js";
