import {
  type Alert,
  commandTexts,
  type DiagnosticPlace,
  diagnostic,
  type Pipeline,
  secretName,
  type Task,
  type TaskOptions,
  taskValues,
  urlCredential,
  type Value,
  visitValue,
} from "@mlgen/core";
import { groupPlace, type PassContext, pipelinePlace, taskPlace } from "./context.js";

/**
 * Secrets pasted where a name belongs: a webhook URL given as a Slack connection id, a password
 * inside a tracking URI. Either would be written into the DAG file or the pipeline spec (and
 * into the repository). The diagnostics never repeat the value. Also the alert settings
 * Airflow's notifiers refuse (a Slack channel with a webhook).
 */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
export function checkSecrets(ir: Pipeline, ctx: PassContext): void {
  const alerts = (
    options: Pick<TaskOptions, "onFailure" | "onRetry" | "onSuccess"> | { alert: Alert[] },
    of: string,
    place: DiagnosticPlace,
  ) => {
    for (const option of ["onFailure", "onRetry", "onSuccess", "alert"]) {
      const list = (options as Partial<Record<string, Alert[] | null>>)[option];
      for (const alert of list ?? []) {
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
  alerts(ir.defaults, `the defaults of pipeline '${ir.id}'`, pipelinePlace(ctx, ir.id));
  if (ir.alerts) {
    const own = { ...ir.alerts, onRetry: null };
    alerts(own, `pipeline '${ir.id}' (its own alerts)`, pipelinePlace(ctx, ir.id));
  }
  const deadlines = ir.deadlines ?? [];
  for (const [i, d] of deadlines.entries()) {
    const of = `${deadlines.length > 1 ? `deadline ${i + 1}` : "the deadline"} of pipeline '${ir.id}'`;
    alerts({ alert: d.alerts }, of, pipelinePlace(ctx, ir.id));
  }
  for (const [id, group] of Object.entries(ir.groups)) {
    alerts(group.options, `group '${id}'`, groupPlace(ctx, ir.id, id));
  }
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    alerts(task.options, `task '${task.id}'`, place);
    const uri = task.kind === "python" ? task.mlflow?.trackingUri : null;
    if (uri && literalText(uri) !== null && urlCredential(literalText(uri) ?? "")) {
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `mlflow trackingUri of task '${task.id}'`,
            reason:
              "it holds a credential (a password, a token as the user name or in the query), which would be written into the generated files",
            hint: "give the URI without credentials, and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) on the workers, or pass env('MLFLOW_TRACKING_URI')",
          },
          place,
        ),
      );
    }
    for (const [where, text] of writtenTexts(task)) {
      if (!urlCredential(text)) continue;
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `${where} of task '${task.id}'`,
            reason:
              "a URL in it holds a credential (user:password@, a token as the user name or in the query), which would be written into the generated files",
            hint: "keep the secret in an Airflow connection or a secret backend and read it when the task runs: variable('name') or env('NAME') in place of the literal, or $NAME in a bash command",
          },
          place,
        ),
      );
    }
  }
  for (const [where, text] of pipelineTexts(ir)) {
    if (!urlCredential(text)) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `${where} of pipeline '${ir.id}'`,
          reason:
            "a URL in it holds a credential (user:password@, a token as the user name or in the query), which would be written into the generated files",
          hint: "write the URL without credentials: the workers authenticate with an Airflow connection or their own credentials (an asset URI names the data, it does not open it)",
        },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
  checkSecretDefaults(ir, ctx);
  checkSecretLiterals(ir, ctx);
  for (const [name, param] of Object.entries(ir.params)) {
    if (typeof param.default !== "string" || !urlCredential(param.default)) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `default of param '${name}'`,
          reason:
            "a URL in it holds a credential (user:password@, a token as the user name or in the query), which would be written into the generated files",
          hint: "give a default without credentials and read the secret when the task runs, from an Airflow connection, variable('name') or env('NAME')",
        },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
}

/** The literal texts of a task that the generated files carry verbatim, with where each is. */
function writtenTexts(task: Task): [string, string][] {
  const out: [string, string][] = [];
  for (const [path, value] of taskValues(task)) {
    visitValue(value, (v) => {
      if (v.kind === "literal" && typeof v.value === "string") out.push([path, v.value]);
      else if (v.kind === "template") out.push([path, v.text]);
      else if (v.kind === "join") for (const part of v.parts) out.push([path, part]);
    });
  }
  for (const [path, value] of [...taskValues(task), ...trackingUri(task)]) {
    for (const d of defaults(value)) out.push([`${d.what} in ${path}`, d.text]);
  }
  for (const [where, text] of commandTexts(task)) out.push([where, text]);
  return out;
}

/** An MLflow tracking URI given as env()/variable() with a default (a literal one is checked apart). */
function trackingUri(task: Task): [string, Value][] {
  const uri = task.kind === "python" ? task.mlflow?.trackingUri : null;
  return uri && uri.kind !== "literal" ? [["mlflow trackingUri", uri]] : [];
}

/** The defaults of env() and variable() values: written into the files as the fallback. */
function defaults(value: Value): { what: string; name: string; text: string }[] {
  const out: { what: string; name: string; text: string }[] = [];
  visitValue(value, (v) => {
    if ((v.kind === "env" || v.kind === "variable") && v.default !== null && v.default !== "")
      out.push({ what: `default of ${v.kind}('${v.name}')`, name: v.name, text: v.default });
  });
  return out;
}

/**
 * Secrets given as the default of a value whose name says it is one (`env('DB_PASSWORD', 'pw')`):
 * the default is written into the generated files, whatever it looks like.
 */
function checkSecretDefaults(ir: Pipeline, ctx: PassContext): void {
  for (const task of ir.tasks) {
    for (const [path, value] of [...taskValues(task), ...trackingUri(task)]) {
      for (const d of defaults(value)) {
        if (!secretName(d.name)) continue;
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `${d.what} in ${path} of task '${task.id}'`,
              reason:
                "the name says it holds a secret, and a default is written into the generated files as the value to use when it is not set",
              hint: `give no default (${d.what.slice("default of ".length)}) and set it where the task runs, or keep it in an Airflow connection or a secret backend`,
            },
            taskPlace(ctx, ir.id, task.id),
          ),
        );
      }
    }
  }
}

/** A value by its name, and every value under a dict key inside it, with where each is. */
function namedValues(path: string, value: Value): [where: string, name: string, value: Value][] {
  const out: [string, string, Value][] = [[path, path.slice(path.lastIndexOf(".") + 1), value]];
  if (value.kind === "object") {
    for (const [k, v] of Object.entries(value.entries)) out.push(...namedValues(`${path}.${k}`, v));
  } else if (value.kind === "list") {
    value.items.forEach((v, i) => {
      if (v.kind === "object" || v.kind === "list") {
        for (const entry of namedValues(`${path}[${i}]`, v).slice(1)) out.push(entry);
      }
    });
  }
  return out;
}

/**
 * A literal under a name that says it is a secret: `env: { API_TOKEN: "..." }` of a bash or
 * container task, a python task's `inputs: { password: "..." }`, a param `db_password: "..."`.
 * Each is written into the generated files (and the repository they are committed to) as it is.
 * Text that reads the value at run time (`$OTHER` in a shell's env, a `{{ ... }}` template) and
 * an empty string are no secret.
 */
function checkSecretLiterals(ir: Pipeline, ctx: PassContext): void {
  const literal = (value: Value, shell: boolean): boolean => {
    const text = literalText(value);
    return text !== null && text !== "" && !text.includes("{{") && !(shell && text.includes("$"));
  };
  for (const task of ir.tasks) {
    const shell = task.kind === "bash" || task.kind === "container";
    for (const [path, value] of taskValues(task)) {
      if (path.startsWith("args.")) {
        // An operator's argument, and the keys of a dict in it (`extra: { password }`).
        for (const [where, name, v] of namedValues(path, value)) {
          if (!secretName(name) || !literal(v, false)) continue;
          ctx.report(
            diagnostic(
              "MLG1011",
              {
                what: `${where} of task '${task.id}'`,
                reason:
                  "the name says it holds a secret, and a literal value is written into the generated files as it is",
                hint: `keep it in an Airflow connection the operator reads (its conn_id argument), or pass a template that reads it when the task runs: template("{{ var.value.${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")} }}")`,
              },
              taskPlace(ctx, ir.id, task.id),
            ),
          );
        }
        continue;
      }
      const name = path.startsWith("env.")
        ? path.slice(4)
        : path.startsWith("inputs.")
          ? path.slice(7)
          : null;
      if (name === null || !secretName(name) || !literal(value, shell)) continue;
      const read = path.startsWith("env.")
        ? `env('${name}') (set on the workers), variable('${name.toLowerCase()}') (an Airflow Variable or secret backend)${task.kind === "container" ? ", or a Kubernetes secret in kubeflow.secretEnv" : ""}`
        : `variable('${name}') or env('${name.toUpperCase()}'), or an Airflow connection the function reads`;
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `${path} of task '${task.id}'`,
            reason:
              "the name says it holds a secret, and a literal value is written into the generated files as it is",
            hint: `read it when the task runs: ${read}`,
          },
          taskPlace(ctx, ir.id, task.id),
        ),
      );
    }
  }
  for (const [name, param] of Object.entries(ir.params)) {
    if (!secretName(name) || typeof param.default !== "string" || param.default === "") continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `default of param '${name}'`,
          reason:
            "the name says it holds a secret, and a param's default is written into the generated files (and shown in the trigger form)",
          hint: `give no secret as a param: read it when the task runs, variable('${name}') or env('${name.toUpperCase()}'), or an Airflow connection`,
        },
        pipelinePlace(ctx, ir.id),
      ),
    );
  }
}

/** Pipeline texts written into the files as they are: descriptions and asset URIs. */
function pipelineTexts(ir: Pipeline): [string, string][] {
  const out: [string, string][] = [];
  if (ir.description !== null) out.push(["description", ir.description]);
  for (const [name, param] of Object.entries(ir.params)) {
    if (param.description !== null) out.push([`description of param '${name}'`, param.description]);
  }
  if (ir.schedule.kind === "assets") {
    for (const uri of ir.schedule.uris) out.push(["asset URI in the schedule", uri]);
  }
  for (const task of ir.tasks) {
    for (const uri of task.outlets) out.push([`outlet of task '${task.id}'`, uri]);
  }
  return out;
}

function connectionOf(alert: Alert): string | null {
  return alert.kind === "slack" || alert.kind === "email" ? alert.connId : null;
}

function literalText(value: Value): string | null {
  return value.kind === "literal" && typeof value.value === "string" ? value.value : null;
}
