import {
  type Alert,
  type DiagnosticPlace,
  diagnostic,
  type Pipeline,
  type TaskOptions,
  type Value,
} from "@mlgen/core";
import { type PassContext, taskPlace } from "./context.js";

/**
 * Secrets pasted where a name belongs: a webhook URL given as a Slack connection id, a password
 * inside a tracking URI. Either would be written into the DAG file or the pipeline spec (and
 * into the repository). The diagnostics never repeat the value. Also the alert settings
 * Airflow's notifiers refuse (a Slack channel with a webhook).
 */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `scheme://user:password@host` (a user name alone, as databases take it, is no secret). */
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s@:]*:[^/?#\s@]*@/i;

export function checkSecrets(ir: Pipeline, ctx: PassContext): void {
  const alerts = (options: TaskOptions, of: string, place: DiagnosticPlace) => {
    for (const option of ["onFailure", "onRetry", "onSuccess"] as const) {
      for (const alert of options[option] ?? []) {
        if (alert.kind === "slack" && alert.channel !== null) {
          ctx.report(
            diagnostic(
              "MLG1011",
              {
                what: `slack channel in ${option} of ${of}`,
                reason:
                  "Airflow's Slack webhook notifier takes no channel: an incoming webhook posts to the channel it was made for (Airflow 3 refuses the DAG file, Airflow 2 ignores the channel)",
                hint: "drop channel, and pass the connection of a webhook made for that channel: slack({ connId: 'slack_alerts' })",
              },
              place,
            ),
          );
        }
        const conn = connectionOf(alert);
        if (conn === null || !URL_LIKE.test(conn)) continue;
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `${alert.kind} connId in ${option} of ${of}`,
              reason:
                "it is a URL, not the id of an Airflow connection: the URL (a webhook is a secret) would be written into the generated files",
              hint: `store the URL in an Airflow connection (type ${alert.kind === "slack" ? "slackwebhook" : "smtp"}) and pass its id, e.g. ${alert.kind}({ connId: '${alert.kind}_default' })`,
            },
            place,
          ),
        );
      }
    }
  };
  alerts(ir.defaults, `the defaults of pipeline '${ir.id}'`, {
    pipeline: ir.id,
    location: ctx.sourceMap.pipeline,
  });
  for (const [id, group] of Object.entries(ir.groups)) {
    alerts(group.options, `group '${id}'`, {
      pipeline: ir.id,
      task: id,
      location: ctx.sourceMap[`group:${id}`],
    });
  }
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    alerts(task.options, `task '${task.id}'`, place);
    const uri = task.kind === "python" ? task.mlflow?.trackingUri : null;
    if (uri && literalText(uri) !== null && USERINFO.test(literalText(uri) ?? "")) {
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `mlflow trackingUri of task '${task.id}'`,
            reason: "it holds a password, which would be written into the generated files",
            hint: "give the URI without credentials, and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) on the workers, or pass env('MLFLOW_TRACKING_URI')",
          },
          place,
        ),
      );
    }
  }
}

function connectionOf(alert: Alert): string | null {
  return alert.kind === "slack" || alert.kind === "email" ? alert.connId : null;
}

function literalText(value: Value): string | null {
  return value.kind === "literal" && typeof value.value === "string" ? value.value : null;
}
