/**
 * The MLflow fake's msw handlers, typed against specs/mlflow/openapi.yaml with openapi-msw's
 * types (see fakeHttp): each path and response body is checked against the spec at compile time.
 */
import type { paths } from "@mlgen/mlflow-client";
import type { HttpHandler } from "msw";
import { fakeHttp } from "../http.js";
import { mlflowError } from "../response.js";
import { MlflowFakeError, type MlflowState, missing } from "./state.js";

/** MLflow's error body, with the `sqlstate`/`error_class` fields MLflow 3 adds. */
export function errorResponse(e: MlflowFakeError): Response {
  return mlflowError(e.status, e.errorCode, e.message);
}

type Json = Record<string, unknown>;

async function jsonBody(request: Request): Promise<Json> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" ? (parsed as Json) : {};
  } catch {
    throw new MlflowFakeError(
      400,
      "MALFORMED_REQUEST",
      `Malformed JSON body: ${text.slice(0, 100)}`,
    );
  }
}

const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

/**
 * MLflow's validate_path_is_safe: a path is refused ("Invalid path") when, decoded until it
 * stops changing, it holds `#`, a backslash, a `..` segment, or is absolute.
 */
export function unsafeArtifactPath(path: string): boolean {
  let p = path;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(p);
    } catch {
      break;
    }
    if (next === p) break;
    p = next;
  }
  if (p.startsWith("file://")) p = p.slice("file://".length);
  return (
    p.includes("#") ||
    p.includes("\\") ||
    p.split("/").includes("..") ||
    p.startsWith("/") ||
    /^[A-Za-z]:[\\/]/.test(p)
  );
}

/** The extensions MLflow serves as text/plain (mime_type_utils.get_text_extensions), MLmodel too. */
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(
  "txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst ipynb MLmodel MLproject".split(
    " ",
  ),
);

/**
 * Python's built-in mimetypes table, for the files runs log (plots, reports, archives); the
 * server's machine may add more from /etc/mime.types, which the fake does not read.
 */
const MIME_TYPES: Readonly<Record<string, string>> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".ico": "image/vnd.microsoft.icon",
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".csv": "text/csv",
  ".txt": "text/plain",
  ".json": "application/json",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".tar": "application/x-tar",
  ".h5": "application/x-hdf5",
  ".wav": "audio/x-wav",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".xls": "application/vnd.ms-excel",
  ".doc": "application/msword",
};
/** Compressions mimetypes reads as an encoding of the type before them (`x.tar.gz`). */
const ENCODINGS: ReadonlySet<string> = new Set([".gz", ".Z", ".bz2", ".xz", ".br"]);

/** Python's os.path.splitext: leading dots belong to the name. */
function splitext(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || !/[^.]/.test(name.slice(0, dot))) return [name, ""];
  return [name.slice(0, dot), name.slice(dot)];
}

/** The Content-Type MLflow sends a downloaded artifact with (mime_type_utils._guess_mime_type). */
export function artifactMimeType(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  let [base, ext] = splitext(name);
  // MLmodel and MLproject have no extension: their name counts as one.
  if (TEXT_EXTENSIONS.has(ext === "" ? name : ext.slice(1))) return "text/plain";
  if (ext === ".tgz") [base, ext] = splitext(`${base}.tar.gz`);
  if (ENCODINGS.has(ext)) [base, ext] = splitext(base);
  return MIME_TYPES[ext] ?? MIME_TYPES[ext.toLowerCase()] ?? "application/octet-stream";
}

const invalidPath = () => new MlflowFakeError(400, "INVALID_PARAMETER_VALUE", "Invalid path");

export function createHandlers(baseUrl: string, state: MlflowState): HttpHandler[] {
  const http = fakeHttp<paths>(baseUrl);
  const count = (request: Request, route: string) => {
    const key = `${request.method} ${route}`;
    state.requests.set(key, (state.requests.get(key) ?? 0) + 1);
  };
  /** Runs `fn`, turning an MlflowFakeError into MLflow's error answer. */
  const guard = async <R>(
    request: Request,
    route: string,
    untyped: (r: Response) => R,
    fn: () => Promise<R> | R,
  ): Promise<R> => {
    count(request, route);
    try {
      return await fn();
    } catch (e) {
      if (e instanceof MlflowFakeError) return untyped(errorResponse(e));
      throw e;
    }
  };

  /** The proxy path after `/artifacts/`, decoded once (its slashes may come as %2F). */
  const artifactPath = (request: Request) => {
    const { pathname } = new URL(request.url);
    const prefix = new URL(`${baseUrl}${ARTIFACTS}/`).pathname;
    return decodeURIComponent(pathname.slice(prefix.length));
  };
  const checkProxyPath = (p: string) => {
    if (p === "" || unsafeArtifactPath(p)) throw invalidPath();
    return p;
  };

  const download = (request: Request) => {
    count(request, "mlflow-artifacts/artifacts/*");
    try {
      const path = checkProxyPath(artifactPath(request));
      if (state.isArtifactFolder(path)) {
        // The artifact server's own (FastAPI) error body: `detail`, no error_code.
        return new Response(
          JSON.stringify({ detail: `Artifact path refers to a directory, not a file: '${path}'` }),
          { status: 400, headers: { "content-type": "application/json" } },
        );
      }
      const bytes = state.getArtifact(path);
      const name = path.split("/").pop() ?? "file";
      return new Response(bytes.slice(), {
        status: 200,
        headers: {
          "content-type": artifactMimeType(path),
          "content-disposition": `attachment; filename=${name}`,
          "x-content-type-options": "nosniff",
          "content-length": String(bytes.byteLength),
        },
      });
    } catch (e) {
      if (e instanceof MlflowFakeError) return errorResponse(e);
      throw e;
    }
  };
  const upload = async (request: Request) => {
    count(request, "mlflow-artifacts/artifacts/*");
    try {
      const path = checkProxyPath(artifactPath(request));
      state.putArtifact(path, new Uint8Array(await request.arrayBuffer()));
      return new Response(null, { status: 200 });
    } catch (e) {
      if (e instanceof MlflowFakeError) return errorResponse(e);
      throw e;
    }
  };
  const remove = (request: Request) => {
    count(request, "mlflow-artifacts/artifacts/*");
    try {
      state.deleteArtifact(checkProxyPath(artifactPath(request)));
      return Response.json({});
    } catch (e) {
      if (e instanceof MlflowFakeError) return errorResponse(e);
      throw e;
    }
  };

  const LATEST = `${baseUrl}/api/2.0/mlflow/registered-models/get-latest-versions`;
  /** get-latest-versions, its name and stages read from the request by `read`. */
  const latestVersions =
    (read: (request: Request) => Promise<[name: unknown, stages: unknown]>) =>
    ({ request }: { request: Request }) =>
      guard(
        request,
        "registered-models/get-latest-versions",
        (r) => r,
        async () => {
          const versions = state.latestVersions(...(await read(request)));
          return Response.json(versions.length ? { model_versions: versions } : {});
        },
      );

  return [
    // Experiments ----------------------------------------------------------------------------
    http.post("/api/2.0/mlflow/experiments/create", ({ request, response }) =>
      guard(request, "experiments/create", response.untyped, async () => {
        const id = state.createExperiment(await jsonBody(request));
        return response(200).json({ experiment_id: id });
      }),
    ),
    http.get("/api/2.0/mlflow/experiments/get", ({ request, query, response }) =>
      guard(request, "experiments/get", response.untyped, () =>
        response(200).json({
          experiment: state.experimentOut(state.experiment(query.get("experiment_id"))),
        }),
      ),
    ),
    http.get("/api/2.0/mlflow/experiments/get-by-name", ({ request, query, response }) =>
      guard(request, "experiments/get-by-name", response.untyped, () =>
        response(200).json({
          experiment: state.experimentOut(state.experimentByName(query.get("experiment_name"))),
        }),
      ),
    ),
    http.post("/api/2.0/mlflow/experiments/search", ({ request, response }) =>
      guard(request, "experiments/search", response.untyped, async () => {
        const r = state.searchExperiments(await jsonBody(request));
        return response(200).json({
          ...(r.experiments.length ? { experiments: r.experiments } : {}),
          ...(r.next ? { next_page_token: r.next } : {}),
        });
      }),
    ),
    // The server takes the search as a GET too, its fields as query parameters.
    http.untyped.get(`${baseUrl}/api/2.0/mlflow/experiments/search`, ({ request }) =>
      guard(
        request,
        "experiments/search",
        (r) => r,
        () => {
          const query = new URL(request.url).searchParams;
          const r = state.searchExperiments({
            max_results: query.get("max_results") ?? undefined,
            page_token: query.get("page_token") ?? undefined,
            filter: query.get("filter") ?? undefined,
            order_by: query.getAll("order_by"),
            view_type: query.get("view_type") ?? undefined,
          });
          return Response.json({
            ...(r.experiments.length ? { experiments: r.experiments } : {}),
            ...(r.next ? { next_page_token: r.next } : {}),
          });
        },
      ),
    ),
    http.post("/api/2.0/mlflow/experiments/update", ({ request, response }) =>
      guard(request, "experiments/update", response.untyped, async () => {
        const b = await jsonBody(request);
        state.updateExperiment(b.experiment_id, b.new_name);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/experiments/delete", ({ request, response }) =>
      guard(request, "experiments/delete", response.untyped, async () => {
        state.deleteExperiment((await jsonBody(request)).experiment_id);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/experiments/restore", ({ request, response }) =>
      guard(request, "experiments/restore", response.untyped, async () => {
        state.restoreExperiment((await jsonBody(request)).experiment_id);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/experiments/set-experiment-tag", ({ request, response }) =>
      guard(request, "experiments/set-experiment-tag", response.untyped, async () => {
        const b = await jsonBody(request);
        state.setExperimentTag(b.experiment_id, b.key, b.value);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/experiments/delete-experiment-tag", ({ request, response }) =>
      guard(request, "experiments/delete-experiment-tag", response.untyped, async () => {
        const b = await jsonBody(request);
        state.deleteExperimentTag(b.experiment_id, b.key);
        return response(200).json({});
      }),
    ),

    // Runs -----------------------------------------------------------------------------------
    http.post("/api/2.0/mlflow/runs/create", ({ request, response }) =>
      guard(request, "runs/create", response.untyped, async () => {
        const run = state.createRun(await jsonBody(request));
        return response(200).json({ run: state.runOut(run, false) });
      }),
    ),
    http.get("/api/2.0/mlflow/runs/get", ({ request, query, response }) =>
      guard(request, "runs/get", response.untyped, () =>
        // The server reads run_id, else the older run_uuid.
        response(200).json({
          run: state.runOut(state.run(query.get("run_id") || query.get("run_uuid"))),
        }),
      ),
    ),
    http.post("/api/2.0/mlflow/runs/update", ({ request, response }) =>
      guard(request, "runs/update", response.untyped, async () =>
        response(200).json({ run_info: state.updateRun(await jsonBody(request)) }),
      ),
    ),
    http.post("/api/2.0/mlflow/runs/delete", ({ request, response }) =>
      guard(request, "runs/delete", response.untyped, async () => {
        state.deleteRun((await jsonBody(request)).run_id);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/restore", ({ request, response }) =>
      guard(request, "runs/restore", response.untyped, async () => {
        state.restoreRun((await jsonBody(request)).run_id);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/log-parameter", ({ request, response }) =>
      guard(request, "runs/log-parameter", response.untyped, async () => {
        state.logParam(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/log-metric", ({ request, response }) =>
      guard(request, "runs/log-metric", response.untyped, async () => {
        state.logMetric(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/set-tag", ({ request, response }) =>
      guard(request, "runs/set-tag", response.untyped, async () => {
        state.setTag(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/delete-tag", ({ request, response }) =>
      guard(request, "runs/delete-tag", response.untyped, async () => {
        state.deleteTag(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/log-batch", ({ request, response }) =>
      guard(request, "runs/log-batch", response.untyped, async () => {
        state.logBatch(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/log-inputs", ({ request, response }) =>
      guard(request, "runs/log-inputs", response.untyped, async () => {
        state.logInputs(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/runs/search", ({ request, response }) =>
      guard(request, "runs/search", response.untyped, async () => {
        const r = state.searchRuns(await jsonBody(request));
        return response(200).json({
          ...(r.runs.length ? { runs: r.runs } : {}),
          ...(r.next ? { next_page_token: r.next } : {}),
        });
      }),
    ),
    http.get("/api/2.0/mlflow/metrics/get-history", ({ request, query, response }) =>
      guard(request, "metrics/get-history", response.untyped, () => {
        const r = state.metricHistory(
          query.get("run_id"),
          query.get("metric_key"),
          query.get("max_results") as string | null,
          query.get("page_token"),
        );
        return response(200).json({
          ...(r.metrics.length ? { metrics: r.metrics } : {}),
          ...(r.next ? { next_page_token: r.next } : {}),
        });
      }),
    ),

    // Artifacts ------------------------------------------------------------------------------
    http.get("/api/2.0/mlflow/artifacts/list", ({ request, query, response }) =>
      guard(request, "artifacts/list", response.untyped, () => {
        const run = state.run(query.get("run_id"));
        const root = run.artifactUri;
        const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(root);
        const base = (m?.[1] ?? "").replace(/\/+$/, "");
        const given = query.get("path") ?? "";
        if (unsafeArtifactPath(given)) throw invalidPath();
        const sub = given.replace(/^\/+|\/+$/g, "");
        const files = state.listArtifacts(sub ? `${base}/${sub}` : base, base);
        return response(200).json({ root_uri: root, ...(files.length ? { files } : {}) });
      }),
    ),
    http.get(ARTIFACTS, ({ request, query, response }) =>
      guard(request, "mlflow-artifacts/artifacts", response.untyped, () => {
        const given = query.get("path") ?? "";
        if (unsafeArtifactPath(given)) throw invalidPath();
        const dir = given.replace(/^\/+|\/+$/g, "");
        const files = state.listArtifacts(dir, dir);
        return response(200).json(files.length ? { files } : {});
      }),
    ),
    // The spec's `{artifact_path}` is one path segment for msw, which fits a path whose slashes
    // come as %2F (openapi-fetch's encoding)…
    http.get(`${ARTIFACTS}/{artifact_path}`, ({ request, response }) =>
      response.untyped(download(request)),
    ),
    http.put(`${ARTIFACTS}/{artifact_path}`, async ({ request, response }) =>
      response.untyped(await upload(request)),
    ),
    http.delete(`${ARTIFACTS}/{artifact_path}`, ({ request, response }) =>
      response.untyped(remove(request)),
    ),
    // …while paths sent with raw slashes span several segments, which only a wildcard matches:
    // the same routes, untyped because a wildcard is not a path of the spec.
    http.untyped.get(`${baseUrl}${ARTIFACTS}/*`, ({ request }) => download(request)),
    http.untyped.put(`${baseUrl}${ARTIFACTS}/*`, ({ request }) => upload(request)),
    http.untyped.delete(`${baseUrl}${ARTIFACTS}/*`, ({ request }) => remove(request)),

    // Model registry -------------------------------------------------------------------------
    http.post("/api/2.0/mlflow/registered-models/create", ({ request, response }) =>
      guard(request, "registered-models/create", response.untyped, async () => {
        const m = state.createModel(await jsonBody(request));
        return response(200).json({ registered_model: state.modelOut(m) });
      }),
    ),
    http.get("/api/2.0/mlflow/registered-models/get", ({ request, query, response }) =>
      guard(request, "registered-models/get", response.untyped, () =>
        response(200).json({
          registered_model: state.modelOut(state.model(query.get("name"))),
        }),
      ),
    ),
    http.patch("/api/2.0/mlflow/registered-models/update", ({ request, response }) =>
      guard(request, "registered-models/update", response.untyped, async () => {
        const b = await jsonBody(request);
        return response(200).json({
          registered_model: state.modelOut(state.updateModel(b.name, b.description)),
        });
      }),
    ),
    http.post("/api/2.0/mlflow/registered-models/rename", ({ request, response }) =>
      guard(request, "registered-models/rename", response.untyped, async () => {
        const b = await jsonBody(request);
        return response(200).json({
          registered_model: state.modelOut(state.renameModel(b.name, b.new_name)),
        });
      }),
    ),
    http.delete("/api/2.0/mlflow/registered-models/delete", ({ request, response }) =>
      guard(request, "registered-models/delete", response.untyped, async () => {
        state.deleteModel((await jsonBody(request)).name);
        return response(200).json({});
      }),
    ),
    http.get("/api/2.0/mlflow/registered-models/search", ({ request, query, response }) =>
      guard(request, "registered-models/search", response.untyped, () => {
        const r = state.searchModels(
          query.get("filter"),
          query.get("max_results") as string | null,
          query.get("page_token"),
          query.getAll("order_by"),
        );
        return response(200).json({
          ...(r.models.length ? { registered_models: r.models } : {}),
          ...(r.next ? { next_page_token: r.next } : {}),
        });
      }),
    ),
    // Deprecated with model stages, still served (MlflowClient.get_latest_versions): POST or GET.
    http.untyped.post(
      LATEST,
      latestVersions(async (request) => {
        const b = await jsonBody(request);
        return [b.name, b.stages];
      }),
    ),
    http.untyped.get(
      LATEST,
      latestVersions(async (request) => {
        const query = new URL(request.url).searchParams;
        return [query.get("name"), query.getAll("stages")];
      }),
    ),
    http.post("/api/2.0/mlflow/registered-models/set-tag", ({ request, response }) =>
      guard(request, "registered-models/set-tag", response.untyped, async () => {
        const b = await jsonBody(request);
        state.setModelTag(b.name, b.key, b.value);
        return response(200).json({});
      }),
    ),
    http.delete("/api/2.0/mlflow/registered-models/delete-tag", ({ request, response }) =>
      guard(request, "registered-models/delete-tag", response.untyped, async () => {
        const b = await jsonBody(request);
        state.deleteModelTag(b.name, b.key);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/registered-models/alias", ({ request, response }) =>
      guard(request, "registered-models/alias", response.untyped, async () => {
        const b = await jsonBody(request);
        state.setAlias(b.name, b.alias, b.version);
        return response(200).json({});
      }),
    ),
    http.delete("/api/2.0/mlflow/registered-models/alias", ({ request, response }) =>
      guard(request, "registered-models/alias", response.untyped, async () => {
        const b = await jsonBody(request);
        state.deleteAlias(b.name, b.alias);
        return response(200).json({});
      }),
    ),
    http.get("/api/2.0/mlflow/registered-models/alias", ({ request, query, response }) =>
      guard(request, "registered-models/alias", response.untyped, () =>
        response(200).json({
          model_version: state.versionOut(
            state.versionByAlias(query.get("name"), query.get("alias")),
            true,
          ),
        }),
      ),
    ),
    http.post("/api/2.0/mlflow/model-versions/create", ({ request, response }) =>
      guard(request, "model-versions/create", response.untyped, async () => {
        const v = state.createVersion(await jsonBody(request));
        return response(200).json({ model_version: state.versionOut(v, true) });
      }),
    ),
    http.get("/api/2.0/mlflow/model-versions/get", ({ request, query, response }) =>
      guard(request, "model-versions/get", response.untyped, () =>
        response(200).json({
          model_version: state.versionOut(
            state.version(query.get("name"), query.get("version")),
            true,
          ),
        }),
      ),
    ),
    http.patch("/api/2.0/mlflow/model-versions/update", ({ request, response }) =>
      guard(request, "model-versions/update", response.untyped, async () => {
        const b = await jsonBody(request);
        const v = state.updateVersion(b.name, b.version, b.description);
        return response(200).json({ model_version: state.versionOut(v, true) });
      }),
    ),
    http.delete("/api/2.0/mlflow/model-versions/delete", ({ request, response }) =>
      guard(request, "model-versions/delete", response.untyped, async () => {
        const b = await jsonBody(request);
        state.deleteVersion(b.name, b.version);
        return response(200).json({});
      }),
    ),
    http.get("/api/2.0/mlflow/model-versions/search", ({ request, query, response }) =>
      guard(request, "model-versions/search", response.untyped, () => {
        const r = state.searchVersions(
          query.get("filter"),
          query.get("max_results") as string | null,
          query.get("page_token"),
        );
        return response(200).json({
          ...(r.versions.length ? { model_versions: r.versions } : {}),
          ...(r.next ? { next_page_token: r.next } : {}),
        });
      }),
    ),
    http.post("/api/2.0/mlflow/model-versions/set-tag", ({ request, response }) =>
      guard(request, "model-versions/set-tag", response.untyped, async () => {
        const b = await jsonBody(request);
        state.setVersionTag(b.name, b.version, b.key, b.value);
        return response(200).json({});
      }),
    ),
    http.delete("/api/2.0/mlflow/model-versions/delete-tag", ({ request, response }) =>
      guard(request, "model-versions/delete-tag", response.untyped, async () => {
        const b = await jsonBody(request);
        state.deleteVersionTag(b.name, b.version, b.key);
        return response(200).json({});
      }),
    ),
    http.get("/api/2.0/mlflow/model-versions/get-download-uri", ({ request, query, response }) =>
      guard(request, "model-versions/get-download-uri", response.untyped, () => {
        const v = state.version(query.get("name"), query.get("version"));
        if (!v.source) throw missing("source");
        return response(200).json({ artifact_uri: v.source });
      }),
    ),
  ];
}
