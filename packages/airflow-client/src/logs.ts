import type { components } from "./generated/airflow-v2.js";

/** One message of a task's log as Airflow 3 sends it: `event` is the text, the rest is context. */
export type LogMessage = components["schemas"]["StructuredLogMessage"];

/** A task instance's log, one try. */
export interface TaskLog {
  /** The try the log is of (1 for the first); 0 when the task never ran, which has no log. */
  readonly tryNumber: number;
  /**
   * The messages as Airflow sent them: structured (timestamp, level, logger, `error_detail`
   * with a raised exception's frames) from Airflow 3's task SDK, or plain lines from older
   * log files, each made `{ event: line }`.
   */
  readonly messages: readonly LogMessage[];
  /**
   * The log as text, one line per message as Airflow 2 wrote its log files (`[timestamp]
   * {file.py:line} LEVEL - event key=value`; the logger when there is no file, `{task.stdout}`
   * for what the task printed), without the context every line repeats (dag, run, task, try);
   * a raised exception as Python prints its traceback; without the block that says where
   * Airflow read the log from (`::group::Log message source details`, folded away in its UI).
   */
  readonly text: string;
  /**
   * False while the task is still running (or deferred): more may come, and reading again later
   * gives the whole log so far.
   */
  readonly complete: boolean;
}

/**
 * What a line shows in its head, or leaves out: the same on every line of one task instance's
 * log (which the caller named), or the logger, shown when the message has no file and line.
 */
const NOT_EXTRA = new Set([
  "timestamp",
  "event",
  "level",
  "logger",
  "chan",
  "error_detail",
  "filename",
  "lineno",
  "dag_id",
  "run_id",
  "task_id",
  "map_index",
  "try_number",
  "ti_id",
]);

interface Frame {
  readonly filename?: string;
  readonly lineno?: number;
  readonly name?: string;
}
interface ExceptionDetail {
  readonly exc_type?: string;
  readonly exc_value?: string;
  readonly frames?: readonly Frame[];
  readonly is_cause?: boolean;
  readonly exceptions?: readonly ExceptionDetail[];
}

/**
 * `error_detail` (structlog's dict of a raised exception, outermost first, as the task SDK
 * writes it) as Python prints the traceback: frames first, the exception last; a chained one
 * ("raise ... from ...") before the one it caused.
 */
function traceback(detail: unknown): string[] {
  if (!Array.isArray(detail)) return [];
  const out: string[] = [];
  // Python prints the cause first: structlog lists the raised exception first.
  const chain = [...(detail as ExceptionDetail[])].reverse();
  chain.forEach((exc, i) => {
    if (i > 0) {
      out.push(
        "",
        chain[i - 1]?.is_cause
          ? "The above exception was the direct cause of the following exception:"
          : "During handling of the above exception, another exception occurred:",
        "",
      );
    }
    out.push("Traceback (most recent call last):");
    for (const f of exc.frames ?? []) {
      out.push(`  File "${f.filename ?? "?"}", line ${f.lineno ?? "?"}, in ${f.name ?? "?"}`);
    }
    out.push(
      exc.exc_value ? `${exc.exc_type ?? "Exception"}: ${exc.exc_value}` : `${exc.exc_type}`,
    );
    for (const sub of exc.exceptions ?? []) out.push(...traceback([sub]).map((l) => `  ${l}`));
  });
  return out;
}

function valueText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One message as a line (or lines, with a traceback). */
function messageText(m: LogMessage): string {
  const rec = m as Record<string, unknown>;
  // Where it was logged, as Airflow 2's log lines say it: {python.py:233}; else the logger.
  const where =
    typeof rec.filename === "string"
      ? `{${rec.filename}${rec.lineno !== undefined ? `:${rec.lineno}` : ""}}`
      : typeof rec.logger === "string"
        ? `{${rec.logger}}`
        : "";
  const head = [
    typeof rec.timestamp === "string" ? `[${rec.timestamp}]` : "",
    where,
    typeof rec.level === "string" ? rec.level.toUpperCase() : "",
  ].filter((s) => s !== "");
  const extra = Object.keys(rec)
    .filter((k) => !NOT_EXTRA.has(k) && rec[k] !== undefined && rec[k] !== null)
    .map((k) => `${k}=${valueText(rec[k])}`);
  const line = [...head, head.length > 0 ? "-" : "", m.event, ...extra]
    .filter((s) => s !== "")
    .join(" ");
  return [line, ...traceback(rec.error_detail)].join("\n");
}

/** The messages of Airflow's answer, and the text a person reads. */
export function taskLog(
  content: readonly (LogMessage | string)[],
  tryNumber: number,
  complete: boolean,
): TaskLog {
  const messages = content.map((c) => (typeof c === "string" ? { event: c } : c));
  const lines: string[] = [];
  let inSources = false;
  for (const m of messages) {
    // Where the log was read from, not what the task wrote (the UI folds it away).
    if (m.event === "::group::Log message source details") inSources = true;
    else if (inSources && m.event === "::endgroup::") inSources = false;
    else if (!inSources) lines.push(messageText(m));
  }
  return { tryNumber, messages, text: lines.join("\n"), complete };
}
