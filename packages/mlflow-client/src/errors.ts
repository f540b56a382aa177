import { HttpRequestError, readErrorBody } from "@mlgen/http";

/** MLflow's error codes that callers branch on; the server may send others. */
export type MlflowErrorCode =
  | "RESOURCE_DOES_NOT_EXIST"
  | "RESOURCE_ALREADY_EXISTS"
  | "INVALID_PARAMETER_VALUE"
  | "INVALID_STATE"
  | "BAD_REQUEST"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "INTERNAL_ERROR"
  | (string & {});

const MAX_TEXT = 500;

/**
 * The error code MLflow's Python client gives an answer with no MLflow error body, by its status
 * (mlflow/exceptions.py, HTTP_STATUS_TO_ERROR_CODE; INTERNAL_ERROR for any other status).
 */
const STATUS_ERROR_CODES: Readonly<Record<number, MlflowErrorCode>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "ENDPOINT_NOT_FOUND",
  409: "ALREADY_EXISTS",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  503: "TEMPORARILY_UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const statusErrorCode = (status: number): MlflowErrorCode =>
  STATUS_ERROR_CODES[status] ?? "INTERNAL_ERROR";

/**
 * A non-2xx answer from MLflow: `errorCode` and `message` from its `{error_code, message}` body;
 * when the body holds none (the basic-auth app's plain-text 401/403, a proxy's page), the code
 * the status stands for, as MLflow's Python client derives it (401 UNAUTHENTICATED, 403
 * PERMISSION_DENIED, 404 ENDPOINT_NOT_FOUND, ...), and the start of the text. `null` only for
 * a 200 that is not what an MLflow server answers. Carries no headers, so no credential can
 * reach a message through it.
 */
export class MlflowApiError extends Error {
  override readonly name = "MlflowApiError";
  readonly status: number;
  readonly errorCode: MlflowErrorCode | null;
  /** The server's own message (or the body text), without the method and path. */
  readonly serverMessage: string;
  readonly method: string;
  readonly path: string;

  constructor(init: {
    status: number;
    errorCode: string | null;
    serverMessage: string;
    method: string;
    path: string;
  }) {
    const what = [init.errorCode, init.serverMessage].filter(Boolean).join(": ");
    super(`${init.method} ${init.path} → ${init.status}${what ? ` ${what}` : ""}`);
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.serverMessage = init.serverMessage;
    this.method = init.method;
    this.path = init.path;
  }

  /** MLflow's name for the field, for code that mirrors the REST payload. */
  get error_code(): MlflowErrorCode | null {
    return this.errorCode;
  }

  /** From an error body as openapi-fetch hands it over: parsed JSON, a string, or nothing. */
  static fromBody(status: number, body: unknown, method: string, path: string): MlflowApiError {
    let errorCode: string | null = null;
    let serverMessage = "";
    if (body && typeof body === "object") {
      const b = body as { error_code?: unknown; message?: unknown; detail?: unknown };
      if (typeof b.error_code === "string") errorCode = b.error_code;
      // The artifact proxy's FastAPI routes answer `{"detail": "..."}`.
      serverMessage =
        typeof b.message === "string"
          ? b.message
          : typeof b.detail === "string"
            ? b.detail
            : JSON.stringify(body);
    } else if (typeof body === "string") {
      serverMessage = body.trim();
    }
    if (serverMessage.length > MAX_TEXT) serverMessage = `${serverMessage.slice(0, MAX_TEXT)}…`;
    // No MLflow error body (the basic-auth app's plain-text 401 and 403, a proxy's page): the
    // code the status stands for, as MLflow's Python client derives it.
    errorCode ??= statusErrorCode(status);
    return new MlflowApiError({ status, errorCode, serverMessage, method, path });
  }

  static async from(response: Response, method: string, path: string): Promise<MlflowApiError> {
    const { text, json } = await readErrorBody(response);
    return MlflowApiError.fromBody(response.status, json ?? text, method, path);
  }

  /** Whether `e` is an MlflowApiError with this code. */
  static is(e: unknown, code: MlflowErrorCode): e is MlflowApiError {
    return e instanceof MlflowApiError && e.errorCode === code;
  }
}

/** The request never got an answer: a timeout or a network failure, after any retries. */
export class MlflowRequestError extends HttpRequestError {
  override readonly name = "MlflowRequestError";
}

/**
 * Refused before any request was sent: the server would reject it (or it cannot be expressed),
 * or an option is no number it can be. A RangeError, as JavaScript's own for a bad argument.
 */
export class MlflowValidationError extends RangeError {
  override readonly name = "MlflowValidationError";
  /** What was wrong, e.g. `metrics[3].key`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

/**
 * registerModel's version did not become READY: the server reported FAILED_REGISTRATION
 * (`kind: "failed"`, its status message in the text), or the wait ran out (`"timeout"`).
 */
export class MlflowRegistrationError extends Error {
  override readonly name = "MlflowRegistrationError";
  readonly kind: "failed" | "timeout";
  readonly model: string;
  readonly version: string;
  /** The version's last status, and the server's message about it. */
  readonly status: string | undefined;
  readonly statusMessage: string | undefined;

  constructor(
    kind: "failed" | "timeout",
    v: { name: string; version: string; status?: string; status_message?: string },
    message: string,
  ) {
    super(message);
    this.kind = kind;
    this.model = v.name;
    this.version = v.version;
    this.status = v.status;
    this.statusMessage = v.status_message;
  }
}

/**
 * registerModel could not find the model a `runs:/<run_id>/<path>` source names, as Python's
 * `mlflow.register_model` resolves it: no `MLmodel` under `<path>` in the run's artifacts (an
 * MLflow 2 style model) and no logged model of the run named `<path>` (MLflow 3's
 * `log_model(name=...)`, kept under `models/<model_id>/artifacts`, not in the run's artifacts):
 * `NOT_FOUND`. Several logged models of that name and no step telling which was logged last:
 * `INVALID_PARAMETER_VALUE` (`candidates` lists them). Thrown before anything is registered.
 */
export class MlflowModelSourceError extends Error {
  override readonly name = "MlflowModelSourceError";
  /** Python's error code for the same case. */
  readonly code: "NOT_FOUND" | "INVALID_PARAMETER_VALUE";
  readonly source: string;
  readonly runId: string;
  readonly artifactPath: string;
  /** The logged model ids that matched (several, for INVALID_PARAMETER_VALUE). */
  readonly candidates: readonly string[];

  constructor(init: {
    code: "NOT_FOUND" | "INVALID_PARAMETER_VALUE";
    source: string;
    runId: string;
    artifactPath: string;
    candidates?: readonly string[];
    message: string;
  }) {
    super(init.message);
    this.code = init.code;
    this.source = init.source;
    this.runId = init.runId;
    this.artifactPath = init.artifactPath;
    this.candidates = init.candidates ?? [];
  }
}

/**
 * getOrCreateExperiment / withRun found the experiment of that name deleted (in the trash, where
 * its name stays taken): restore it (`experiments/restore`) or use another name.
 */
export class MlflowDeletedExperimentError extends Error {
  override readonly name = "MlflowDeletedExperimentError";
  readonly experimentName: string;
  readonly experimentId: string;

  constructor(experimentName: string, experimentId: string) {
    super(
      `experiment ${JSON.stringify(experimentName)} (${experimentId}) is deleted: restore it or use another name`,
    );
    this.experimentName = experimentName;
    this.experimentId = experimentId;
  }
}

/** Bad client settings (no tracking URI, a non-HTTP URI, half a username/password pair). */
export class MlflowConfigError extends Error {
  override readonly name = "MlflowConfigError";
}
