import { HttpRequestError, retryAfterMs } from "@mlgen/http";

/** What Airflow put in `detail`: a string, an object, or a list of validation errors. */
export type AirflowErrorDetail = string | Record<string, unknown> | unknown[] | null;

/** Characters of a body that is not JSON kept in an error (a whole HTML page is no message). */
const MAX_TEXT = 500;

function describeDetail(detail: AirflowErrorDetail): string {
  if (detail === null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors: [{loc: [...], msg, type}]
    return detail
      .map((d) => {
        if (d && typeof d === "object" && "msg" in d) {
          const item = d as { loc?: unknown; msg: unknown };
          const loc = Array.isArray(item.loc) ? item.loc.join(".") : "";
          return loc ? `${loc}: ${String(item.msg)}` : String(item.msg);
        }
        return JSON.stringify(d);
      })
      .join("; ");
  }
  return JSON.stringify(detail);
}

/**
 * FastAPI's validation errors repeat what was sent in each item's `input` (the whole body for a
 * missing field: a connection's password too); kept out, so logging the error cannot print it.
 */
function withoutInputs(detail: AirflowErrorDetail): AirflowErrorDetail {
  if (!Array.isArray(detail)) return detail;
  return detail.map((d) => {
    if (!d || typeof d !== "object" || !("input" in d)) return d;
    const { input: _, ...rest } = d as Record<string, unknown>;
    return rest;
  });
}

/** A non-2xx answer from Airflow. Carries no headers, so no credentials can leak through it. */
export class AirflowApiError extends Error {
  override readonly name: string = "AirflowApiError";
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly detail: AirflowErrorDetail;
  /**
   * What the answer's `Retry-After` asked (a 429 or 503), in ms; null without one. The client
   * does not retry when it is longer than `retry.maxDelayMs`: wait this long, then try again.
   */
  readonly retryAfterMs: number | null;

  constructor(init: {
    status: number;
    method: string;
    path: string;
    detail: AirflowErrorDetail;
    retryAfterMs?: number | null | undefined;
  }) {
    // A page (a proxy's or the UI's 500) is said by its start, not printed whole.
    if (typeof init.detail === "string" && init.detail.length > MAX_TEXT) {
      init = { ...init, detail: `${init.detail.trim().slice(0, MAX_TEXT)}…` };
    }
    const text = describeDetail(init.detail);
    const retryAfter = init.retryAfterMs ?? null;
    const wait =
      retryAfter === null ? "" : ` (Retry-After: the server asks to wait ${retryAfter / 1000} s)`;
    super(`${init.method} ${init.path} → ${init.status}${text ? `: ${text}` : ""}${wait}`);
    this.retryAfterMs = retryAfter;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.detail = withoutInputs(init.detail);
  }

  /** Builds the error from a response, coping with bodies that are not JSON. */
  static async from(response: Response, method: string, path: string): Promise<AirflowApiError> {
    const text = await response.text().catch(() => "");
    let detail: AirflowErrorDetail = text.trim() || null;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === "object" && "detail" in parsed) {
        detail = (parsed as { detail: AirflowErrorDetail }).detail;
      } else if (parsed !== null && typeof parsed === "object") {
        detail = parsed as Record<string, unknown>;
      }
    } catch {
      // not JSON: keep the text
    }
    return new AirflowApiError({
      status: response.status,
      method,
      path,
      detail,
      retryAfterMs: retryAfterOf(response),
    });
  }
}

/** A 429's or 503's `Retry-After`, in ms; null for other answers or without one. */
export function retryAfterOf(response: Response): number | null {
  if (response.status !== 429 && response.status !== 503) return null;
  return retryAfterMs(response.headers.get("retry-after"));
}

/**
 * `triggerDagRun` got Airflow's 409: a run of the DAG with that logical date already exists
 * (`clash: "logical date"`), or a run with that run id but another conf or logical date
 * (`clash: "run id"`). Airflow's own body says only "Unique constraint violation"; this says
 * which, names the run that is in the way when it can, and what to do.
 */
export class AirflowDagRunExistsError extends AirflowApiError {
  override readonly name: string = "AirflowDagRunExistsError";
  readonly dagId: string;
  readonly clash: "logical date" | "run id";
  /** The logical date asked for (null: none was given). */
  readonly logicalDate: string | null;
  /** The run id asked for, if any. */
  readonly runId: string | null;
  /** The run already there, when it could be found. */
  readonly existingRunId: string | null;

  constructor(init: {
    method: string;
    path: string;
    dagId: string;
    clash: "logical date" | "run id";
    logicalDate: string | null;
    runId: string | null;
    existingRunId: string | null;
  }) {
    const { dagId, logicalDate, existingRunId } = init;
    const existing = existingRunId !== null ? ` ('${existingRunId}')` : "";
    const detail =
      init.clash === "run id"
        ? `run '${init.runId}' of ${dagId} already exists${existingRunId !== null ? " with another conf or logical date" : ""}: trigger with another run id`
        : logicalDate === null
          ? `a run of ${dagId} with the run id Airflow made for this trigger already exists${existing}: trigger again, or give a run id or a logical date`
          : `a run of ${dagId} with logical date ${logicalDate} already exists${existing}: trigger with another logical date, or clear that run to run it again (clearTaskInstances with its run id, or Clear in the UI), or delete it first`;
    super({ status: 409, method: init.method, path: init.path, detail });
    this.dagId = dagId;
    this.clash = init.clash;
    this.logicalDate = logicalDate;
    this.runId = init.runId;
    this.existingRunId = existingRunId;
  }
}

/**
 * `getTaskLog` (or `getXcom`) was asked for a mapped task's log (or XCom) without a map index (Airflow's 404 "Task
 * instance is mapped, add the map_index value to the URL", or "TaskInstance not found" for a
 * given try): which task, how many task instances it expanded to and which of them failed,
 * when Airflow said, and that `mapIndex` (or the task instance itself) picks one.
 */
export class AirflowMappedTaskError extends AirflowApiError {
  override readonly name: string = "AirflowMappedTaskError";
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** How many task instances the task expanded to (map indexes 0 to n - 1); null if unknown. */
  readonly mapIndexCount: number | null;
  /** The map indexes that failed, the first 100 in order; null if unknown. */
  readonly failedMapIndexes: readonly number[] | null;

  constructor(init: {
    status: number;
    method: string;
    path: string;
    /** The server's own detail, kept as `detail`. */
    detail: AirflowErrorDetail;
    dagId: string;
    runId: string;
    taskId: string;
    mapIndexCount: number | null;
    failedMapIndexes: readonly number[] | null;
    /** Which helper was asked (default getTaskLog), and for getXcom the key: the fix names it. */
    helper?: "getTaskLog" | "getXcom" | undefined;
    xcomKey?: string | undefined;
  }) {
    super(init);
    const { taskId, mapIndexCount: count, failedMapIndexes: failed } = init;
    const indexes = (list: readonly number[]) =>
      list.length > 10 ? `${list.slice(0, 10).join(", ")}, …` : list.join(", ");
    const facts = [
      count === null
        ? ""
        : `${count} task instance${count === 1 ? "" : "s"}${count > 0 ? `, map index${count === 1 ? " 0" : `es 0 to ${count - 1}`}` : ""}`,
      failed === null
        ? ""
        : failed.length === 0
          ? "none failed"
          : `failed: ${failed.length === 1 ? "map index" : "map indexes"} ${indexes(failed)}`,
    ].filter((f) => f !== "");
    const example = failed?.[0] ?? 0;
    const xcom = init.helper === "getXcom";
    const fix = xcom
      ? `getXcom(dagId, runId, "${taskId}", ${JSON.stringify(init.xcomKey ?? "")}, { mapIndex: ${example} })`
      : `getTaskLog(dagId, runId, ti) with the task instance (from waitForDagRun or listTaskInstances) or getTaskLog(dagId, runId, "${taskId}", { mapIndex: ${example} })`;
    const hint =
      count === 0
        ? `${taskId} is a mapped task that expanded to no task instances, so it has no ${xcom ? "XCom" : "log"}`
        : `${taskId} is a mapped task${facts.length > 0 ? ` (${facts.join("; ")})` : ""}: pass its map index, as ${fix}`;
    this.message = `${init.method} ${init.path} → ${init.status}: ${hint}`;
    this.dagId = init.dagId;
    this.runId = init.runId;
    this.taskId = taskId;
    this.mapIndexCount = count;
    this.failedMapIndexes = failed;
  }
}

/** The request never got an answer: a timeout or a network failure, after any retries. */
export class AirflowRequestError extends HttpRequestError {
  override readonly name = "AirflowRequestError";
}

/** The client's options cannot work (a URL that is not http(s), ...). Never echoes the URL. */
export class AirflowConfigError extends Error {
  override readonly name = "AirflowConfigError";
}

/**
 * A wait for a DAG run ran out of time with the run still going: its state then, and whether
 * the DAG is paused (its runs wait for it to be unpaused, as every new DAG's do by default).
 */
export class AirflowWaitTimeoutError extends Error {
  override readonly name = "AirflowWaitTimeoutError";
  readonly dagId: string;
  readonly runId: string;
  readonly state: string;
  readonly paused: boolean;
  constructor(init: { dagId: string; runId: string; state: string; paused: boolean; ms: number }) {
    super(
      `dag run ${init.dagId}/${init.runId} still ${init.state} after ${init.ms / 1000} s${init.paused ? `: the DAG is paused, so its runs wait; unpause it (the UI's toggle, or \`airflow dags unpause ${init.dagId}\`)` : ""}`,
    );
    this.dagId = init.dagId;
    this.runId = init.runId;
    this.state = init.state;
    this.paused = init.paused;
  }
}

/**
 * `waitForDagRun` gave up because the API kept failing: its polls failed with errors that pass
 * (no answer, 408, 429, 5xx, after the transport's own retries) for longer than `maxOutageMs`,
 * or still were at the deadline (`timedOut`). `cause` is the last poll's error.
 */
export class AirflowWaitError extends Error {
  override readonly name = "AirflowWaitError";
  readonly dagId: string;
  readonly runId: string;
  /** Polls that failed in a row, up to the last. */
  readonly failedPolls: number;
  /** How long they failed: from the start of the first to the end of the last, in ms. */
  readonly failingMs: number;
  /** The run's state at the last poll that answered; null when none did. */
  readonly lastState: string | null;
  /** The deadline (`timeoutMs`) passed while the polls failed, before `maxOutageMs` did. */
  readonly timedOut: boolean;
  constructor(init: {
    dagId: string;
    runId: string;
    failedPolls: number;
    failingMs: number;
    lastState: string | null;
    timedOut: boolean;
    timeoutMs: number;
    maxOutageMs: number;
    cause: unknown;
  }) {
    const polls = `${init.failedPolls} poll${init.failedPolls === 1 ? "" : "s"}`;
    const why = init.timedOut
      ? `the deadline (timeoutMs, ${init.timeoutMs / 1000} s) passed while the API was failing`
      : `the API kept failing past maxOutageMs (${init.maxOutageMs / 1000} s)`;
    const state = init.lastState === null ? "its state never read" : `last seen ${init.lastState}`;
    const last = init.cause instanceof Error ? init.cause.message : String(init.cause);
    super(
      `waitForDagRun gave up on dag run ${init.dagId}/${init.runId} (${state}): ${why}: ${polls} in a row failed over ${init.failingMs / 1000} s; the last: ${last}`,
      { cause: init.cause },
    );
    this.dagId = init.dagId;
    this.runId = init.runId;
    this.failedPolls = init.failedPolls;
    this.failingMs = init.failingMs;
    this.lastState = init.lastState;
    this.timedOut = init.timedOut;
  }
}
