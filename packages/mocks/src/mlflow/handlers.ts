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

/** Python's urllib.parse.unquote: valid %XX sequences decoded (as UTF-8), the rest kept. */
function unquote(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    UTF8.decode(Uint8Array.from(run.slice(1).split("%"), (h) => Number.parseInt(h, 16))),
  );
}
const UTF8 = new TextDecoder();

/**
 * MLflow's validate_path_is_safe on a POSIX server: a path is refused ("Invalid path") when,
 * decoded until it stops changing (a file: URI read as its path), it holds `#` or a `..`
 * segment, or is absolute (for POSIX or for Windows).
 */
export function unsafeArtifactPath(path: string): boolean {
  let p = path;
  for (let i = 0; i < 10; i++) {
    const next = unquote(p);
    if (next === p) break;
    p = next;
  }
  if (p.includes("#")) return true;
  // local_file_uri_to_path: the URI's path part (`file://host/x` is /x).
  if (/^file:/i.test(p)) p = p.slice("file:".length).replace(/^\/\/[^/]*/, "");
  // Absolute for POSIX (/x) or for Windows (C:/x, C:\\x, \\\\server\\share).
  return (
    p.split("/").includes("..") || p.startsWith("/") || /^[A-Za-z]:[\\/]|^\\\\[^\\]+\\[^\\]/.test(p)
  );
}

/**
 * The extensions MLflow serves as text/plain (mime_type_utils.get_text_extensions), and the
 * names MLmodel and mlproject (MLflow's spelling: a file named MLproject is not one of them).
 */
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(
  "txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst ipynb MLmodel mlproject".split(
    " ",
  ),
);

/**
 * Python 3.11's built-in mimetypes table (mimetypes.MimeTypes(filenames=()).types_map[True]);
 * the server's machine may add more from /etc/mime.types, which the fake does not read.
 */
const MIME_TYPES: ReadonlyMap<string, string> = new Map(
  (
    "3g2=audio/3gpp2 3gp=audio/3gpp 3gpp=audio/3gpp 3gpp2=audio/3gpp2 a=application/octet-stream " +
    "aac=audio/aac adts=audio/aac ai=application/postscript aif=audio/x-aiff aifc=audio/x-aiff " +
    "aiff=audio/x-aiff ass=audio/aac au=audio/basic avi=video/x-msvideo avif=image/avif " +
    "bat=text/plain bcpio=application/x-bcpio bin=application/octet-stream bmp=image/bmp " +
    "c=text/plain cdf=application/x-netcdf cpio=application/x-cpio csh=application/x-csh " +
    "css=text/css csv=text/csv dll=application/octet-stream doc=application/msword " +
    "dot=application/msword dvi=application/x-dvi eml=message/rfc822 eps=application/postscript " +
    "etx=text/x-setext exe=application/octet-stream gif=image/gif gtar=application/x-gtar " +
    "h=text/plain h5=application/x-hdf5 hdf=application/x-hdf heic=image/heic heif=image/heif " +
    "htm=text/html html=text/html ico=image/vnd.microsoft.icon ief=image/ief jpe=image/jpeg " +
    "jpeg=image/jpeg jpg=image/jpeg js=application/javascript json=application/json " +
    "ksh=text/plain latex=application/x-latex loas=audio/aac m1v=video/mpeg " +
    "m3u=application/vnd.apple.mpegurl m3u8=application/vnd.apple.mpegurl " +
    "man=application/x-troff-man me=application/x-troff-me mht=message/rfc822 " +
    "mhtml=message/rfc822 mif=application/x-mif mjs=application/javascript mov=video/quicktime " +
    "movie=video/x-sgi-movie mp2=audio/mpeg mp3=audio/mpeg mp4=video/mp4 mpa=video/mpeg " +
    "mpe=video/mpeg mpeg=video/mpeg mpg=video/mpeg ms=application/x-troff-ms n3=text/n3 " +
    "nc=application/x-netcdf nq=application/n-quads nt=application/n-triples nws=message/rfc822 " +
    "o=application/octet-stream obj=application/octet-stream oda=application/oda opus=audio/opus " +
    "p12=application/x-pkcs12 p7c=application/pkcs7-mime pbm=image/x-portable-bitmap " +
    "pdf=application/pdf pfx=application/x-pkcs12 pgm=image/x-portable-graymap pl=text/plain " +
    "png=image/png pnm=image/x-portable-anymap pot=application/vnd.ms-powerpoint " +
    "ppa=application/vnd.ms-powerpoint ppm=image/x-portable-pixmap " +
    "pps=application/vnd.ms-powerpoint ppt=application/vnd.ms-powerpoint ps=application/postscript " +
    "pwz=application/vnd.ms-powerpoint py=text/x-python pyc=application/x-python-code " +
    "pyo=application/x-python-code qt=video/quicktime ra=audio/x-pn-realaudio " +
    "ram=application/x-pn-realaudio ras=image/x-cmu-raster rdf=application/xml rgb=image/x-rgb " +
    "roff=application/x-troff rtx=text/richtext sgm=text/x-sgml sgml=text/x-sgml " +
    "sh=application/x-sh shar=application/x-shar snd=audio/basic so=application/octet-stream " +
    "src=application/x-wais-source srt=text/plain sv4cpio=application/x-sv4cpio " +
    "sv4crc=application/x-sv4crc svg=image/svg+xml swf=application/x-shockwave-flash " +
    "t=application/x-troff tar=application/x-tar tcl=application/x-tcl tex=application/x-tex " +
    "texi=application/x-texinfo texinfo=application/x-texinfo tif=image/tiff tiff=image/tiff " +
    "tr=application/x-troff trig=application/trig tsv=text/tab-separated-values txt=text/plain " +
    "ustar=application/x-ustar vcf=text/x-vcard vtt=text/vtt wasm=application/wasm " +
    "wav=audio/x-wav webm=video/webm webmanifest=application/manifest+json wiz=application/msword " +
    "wsdl=application/xml xbm=image/x-xbitmap xlb=application/vnd.ms-excel " +
    "xls=application/vnd.ms-excel xml=text/xml xpdl=application/xml xpm=image/x-xpixmap " +
    "xsl=application/xml xwd=image/x-xwindowdump zip=application/zip"
  )
    .split(" ")
    .map((pair) => {
      const [ext = "", type = ""] = pair.split("=");
      return [`.${ext}`, type] as const;
    }),
);
/** mimetypes' suffix_map (case-insensitive) and encodings_map (case-sensitive). */
const SUFFIXES: Readonly<Record<string, string>> = {
  ".svgz": ".svg.gz",
  ".tgz": ".tar.gz",
  ".taz": ".tar.gz",
  ".tz": ".tar.gz",
  ".tbz2": ".tar.bz2",
  ".txz": ".tar.xz",
};
const ENCODINGS: ReadonlySet<string> = new Set([".gz", ".Z", ".bz2", ".xz", ".br"]);

/** Python's os.path.splitext: leading dots belong to the name. */
function splitext(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || !/[^.]/.test(name.slice(0, dot))) return [name, ""];
  return [name.slice(0, dot), name.slice(dot)];
}

/** werkzeug's token characters: a header parameter made of them alone is sent unquoted. */
const HEADER_TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z|~]+$/;

/** werkzeug.http.quote_header_value(value, allow_token=True). */
function quoteHeaderValue(value: string): string {
  if (value === "") return '""';
  if (HEADER_TOKEN.test(value)) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Bytes Python's urllib.parse.quote(s, safe="!#$&+-.^_`|~") keeps: RFC 5987's attr-char. */
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

/** urllib.parse.quote of the name's UTF-8 bytes with RFC 5987's attr-char kept. */
function rfc5987(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    out += ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The Content-Disposition MLflow sends a downloaded artifact with
 * (server/handlers.py _content_disposition_attachment): the file's name, quoted as werkzeug
 * quotes a header value; a name that is not ASCII gets an ASCII fallback (NFKD, the rest
 * dropped, "download" when nothing is left) and RFC 5987's `filename*=UTF-8''…`. Header values
 * must be ASCII (fetch's Response refuses others).
 */
export function artifactContentDisposition(name: string): string {
  if (!/[\u0080-\uffff]/.test(name)) return `attachment; filename=${quoteHeaderValue(name)}`;
  const fallback = name.normalize("NFKD").replace(/[\u0080-\uffff]/g, "") || "download";
  return `attachment; filename=${quoteHeaderValue(fallback)}; filename*=UTF-8''${rfc5987(name)}`;
}

/** The Content-Type MLflow sends a downloaded artifact with (mime_type_utils._guess_mime_type). */
export function artifactMimeType(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  let [base, ext] = splitext(name);
  // MLmodel and mlproject have no extension: their name counts as one.
  if (TEXT_EXTENSIONS.has(ext === "" ? name : ext.slice(1))) return "text/plain";
  // mimetypes.guess_type.
  for (let suffix = SUFFIXES[ext.toLowerCase()]; suffix; suffix = SUFFIXES[ext.toLowerCase()]) {
    [base, ext] = splitext(base + suffix);
  }
  if (ENCODINGS.has(ext)) [base, ext] = splitext(base);
  return MIME_TYPES.get(ext.toLowerCase()) ?? "application/octet-stream";
}

const invalidPath = () => new MlflowFakeError(400, "INVALID_PARAMETER_VALUE", "Invalid path");

/** A listing's `path` query parameter, checked as the server checks it, without outer slashes. */
function listedPath(given: string | null): string {
  if (unsafeArtifactPath(given ?? "")) throw invalidPath();
  return (given ?? "").replace(/^\/+|\/+$/g, "");
}

/** An experiment search's answer, fields left out when empty as the server leaves them out. */
function experimentsFound(r: ReturnType<MlflowState["searchExperiments"]>) {
  return {
    ...(r.experiments.length ? { experiments: r.experiments } : {}),
    ...(r.next ? { next_page_token: r.next } : {}),
  };
}

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
          "content-disposition": artifactContentDisposition(name),
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
        return response(200).json(
          experimentsFound(state.searchExperiments(await jsonBody(request))),
        );
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
          return Response.json(experimentsFound(r));
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
          run: state.runOut(
            state.run(query.has("run_id") ? query.get("run_id") : query.get("run_uuid")),
          ),
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
        // The path is checked before the run is looked up, as the server does.
        const sub = listedPath(query.get("path"));
        const run = state.run(query.get("run_id"));
        const root = run.artifactUri;
        const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(root);
        const base = (m?.[1] ?? "").replace(/\/+$/, "");
        const files = state.listArtifacts(sub ? `${base}/${sub}` : base, base);
        return response(200).json({ root_uri: root, ...(files.length ? { files } : {}) });
      }),
    ),
    http.get(ARTIFACTS, ({ request, query, response }) =>
      guard(request, "mlflow-artifacts/artifacts", response.untyped, () => {
        const dir = listedPath(query.get("path"));
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

    // Logged models (MLflow 3) ----------------------------------------------------------------
    http.post("/api/2.0/mlflow/runs/outputs", ({ request, response }) =>
      guard(request, "runs/outputs", response.untyped, async () => {
        state.logOutputs(await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/logged-models", ({ request, response }) =>
      guard(request, "logged-models", response.untyped, async () => {
        const m = state.createLoggedModel(await jsonBody(request));
        return response(200).json({ model: state.loggedModelOut(m) });
      }),
    ),
    http.post("/api/2.0/mlflow/logged-models/search", ({ request, response }) =>
      guard(request, "logged-models/search", response.untyped, async () => {
        const r = state.searchLoggedModels(await jsonBody(request));
        return response(200).json({
          ...(r.models.length ? { models: r.models } : {}),
          ...(r.next ? { next_page_token: r.next } : {}),
        });
      }),
    ),
    http.get("/api/2.0/mlflow/logged-models/{model_id}", ({ request, params, response }) =>
      guard(request, "logged-models/{model_id}", response.untyped, () => {
        // Not in the spec's parameters, read as the server reads it.
        const flag = new URL(request.url).searchParams.get("allow_deleted") ?? "false";
        const allowDeleted = flag.toLowerCase() === "true";
        const m = state.loggedModel(params.model_id, allowDeleted);
        return response(200).json({ model: state.loggedModelOut(m) });
      }),
    ),
    http.patch("/api/2.0/mlflow/logged-models/{model_id}", ({ request, params, response }) =>
      guard(request, "logged-models/{model_id}", response.untyped, async () => {
        const m = state.finalizeLoggedModel(params.model_id, await jsonBody(request));
        return response(200).json({ model: state.loggedModelOut(m) });
      }),
    ),
    http.delete("/api/2.0/mlflow/logged-models/{model_id}", ({ request, params, response }) =>
      guard(request, "logged-models/{model_id}", response.untyped, () => {
        state.deleteLoggedModel(params.model_id);
        return response(200).json({});
      }),
    ),
    http.post("/api/2.0/mlflow/logged-models/{model_id}/params", ({ request, params, response }) =>
      guard(request, "logged-models/{model_id}/params", response.untyped, async () => {
        state.logLoggedModelParams(params.model_id, await jsonBody(request));
        return response(200).json({});
      }),
    ),
    http.patch("/api/2.0/mlflow/logged-models/{model_id}/tags", ({ request, params, response }) =>
      guard(request, "logged-models/{model_id}/tags", response.untyped, async () => {
        state.setLoggedModelTags(params.model_id, (await jsonBody(request)).tags);
        return response(200).json({});
      }),
    ),
    http.get(
      "/api/2.0/mlflow/logged-models/{model_id}/artifacts/directories",
      ({ request, params, query, response }) =>
        guard(request, "logged-models/{model_id}/artifacts/directories", response.untyped, () => {
          const given = query.get("artifact_directory_path");
          if (given !== null && unsafeArtifactPath(given)) throw invalidPath();
          const m = state.loggedModel(params.model_id);
          const base = state.loggedModelRoot(m);
          const sub = (given ?? "").replace(/^\/+|\/+$/g, "");
          const files = state.listArtifacts(sub ? `${base}/${sub}` : base, base);
          return response(200).json({
            root_uri: m.artifactUri,
            ...(files.length ? { files } : {}),
          });
        }),
    ),

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
          query.getAll("order_by"),
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
        if (!v.storage) throw missing("source");
        return response(200).json({ artifact_uri: v.storage });
      }),
    ),
  ];
}
