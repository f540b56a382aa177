import type { Alert } from "@mlgen/core";

/** An alert, or a list of them, as task options and pipeline defaults accept. */
export type AlertInput = Alert | readonly Alert[];

export interface SlackAlertOptions {
  /** An Airflow connection of type `slackwebhook` holding the webhook URL. Default `slack_default`. */
  readonly connId?: string;
  /**
   * @deprecated Refused when compiled (MLG1011): an incoming webhook posts to the channel it was
   * made for, and Airflow's webhook notifier takes no channel. Use that webhook's connection.
   */
  readonly channel?: string;
  /**
   * A Jinja template rendered with the task context. Default: the DAG, task, run id, logical
   * date (`None` for a run without one), try, exception and log URL. On Airflow 3, `ds`, `ts` and
   * `logical_date` are missing from the context of a run without a logical date: use
   * `dag_run.logical_date` or `run_id` in a text that must render for every run. Nor is
   * `exception` always there: Airflow 3 runs the callbacks of a task that was killed or lost its
   * worker without one, so write `{{ exception | default('') }}` (the default text does).
   */
  readonly text?: string;
}

/**
 * A Slack message through an incoming webhook (the slack provider's notifier). The webhook URL
 * stays in the Airflow connection: it never appears in the pipeline or the generated files.
 */
export function slack(options: SlackAlertOptions = {}): Alert {
  return {
    kind: "slack",
    connId: options.connId ?? "slack_default",
    channel: options.channel ?? null,
    text: options.text ?? null,
  };
}

export interface EmailAlertOptions {
  readonly to: string | readonly string[];
  /** An Airflow connection of type `smtp`. Default `smtp_default`. */
  readonly connId?: string;
  readonly subject?: string;
  /**
   * The sender, e.g. `"airflow-alerts@example.com"`. Default: the connection's `from_email`
   * extra; the smtp provider needs one of the two, or the alert is lost ("You should provide
   * `from_email` or define it in the connection"), said only in the task's log.
   */
  readonly from?: string;
}

/** An email through the smtp provider's notifier. */
export function email(options: EmailAlertOptions): Alert {
  return {
    kind: "email",
    to: typeof options.to === "string" ? [options.to] : [...options.to],
    connId: options.connId ?? null,
    subject: options.subject ?? null,
    from: options.from ?? null,
  };
}

/**
 * A function of the project, `path/to/module.py:function`, called with the task context. Read
 * the exception with `context.get("exception")`: on Airflow 3 a task that was killed or lost its
 * worker has its callbacks run without one.
 */
export function callback(fn: string): Alert {
  if (typeof fn !== "string") {
    throw new TypeError(
      `callback() takes the function to call as 'path/to/module.py:function_name', not ${fn === null || fn === undefined ? String(fn) : `a ${typeof fn}`}`,
    );
  }
  const sep = fn.lastIndexOf(":");
  return {
    kind: "callable",
    module: sep > 0 ? fn.slice(0, sep) : fn,
    function: sep > 0 ? fn.slice(sep + 1) : "",
  };
}

export function alertList(input: AlertInput | undefined): Alert[] | null {
  if (input === undefined) return null;
  return Array.isArray(input) ? [...(input as readonly Alert[])] : [input as Alert];
}

/** A data asset (an Airflow Asset, a Dataset in Airflow 2), named by its URI. */
export interface Asset {
  readonly kind: "asset";
  readonly uri: string;
}

export function asset(uri: string): Asset {
  return { kind: "asset", uri };
}
