/**
 * A task of an Airflow operator mlgen has no construct for (p.operator): its import path and
 * its arguments, checked where Airflow would fail on them only when the DAG file is parsed (an
 * import path no module has, a keyword argument Python refuses) or would quietly take another
 * setting than the task's options say.
 */
import { type DiagnosticPlace, diagnostic, literalOnly, type OperatorTask } from "@mlgen/core";
import { HARD_KEYWORDS } from "../escape/python.js";
import type { PassContext } from "./context.js";

/** Operators mlgen has a construct for: the construct, by the class's name. */
const CONSTRUCTS: Readonly<Record<string, string>> = {
  PythonOperator: "p.python()",
  BranchPythonOperator: "p.branch()",
  ShortCircuitOperator: "p.shortCircuit()",
  BashOperator: "p.bash()",
  KubernetesPodOperator: "p.container()",
  TriggerDagRunOperator: "p.trigger()",
  FileSensor: "p.fileSensor()",
  ExternalTaskSensor: "p.externalTaskSensor()",
  TimeDeltaSensor: "p.timeDeltaSensor()",
  PythonSensor: "p.pythonSensor()",
  EmptyOperator: "p.bash() with command 'true', or .after() on the tasks it would join",
};

/** Where well-known provider operators are imported from, for a class given by its name alone. */
const KNOWN_PATHS: Readonly<Record<string, string>> = {
  SQLExecuteQueryOperator: "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator",
  SQLCheckOperator: "airflow.providers.common.sql.operators.sql.SQLCheckOperator",
  SlackWebhookOperator: "airflow.providers.slack.operators.slack_webhook.SlackWebhookOperator",
  EmailOperator: "airflow.providers.smtp.operators.smtp.EmailOperator",
  HttpOperator: "airflow.providers.http.operators.http.HttpOperator",
  BigQueryInsertJobOperator:
    "airflow.providers.google.cloud.operators.bigquery.BigQueryInsertJobOperator",
  S3CopyObjectOperator: "airflow.providers.amazon.aws.operators.s3.S3CopyObjectOperator",
  SparkSubmitOperator: "airflow.providers.apache.spark.operators.spark_submit.SparkSubmitOperator",
  DatabricksRunNowOperator:
    "airflow.providers.databricks.operators.databricks.DatabricksRunNowOperator",
  DatabricksSubmitRunOperator:
    "airflow.providers.databricks.operators.databricks.DatabricksSubmitRunOperator",
  SageMakerTrainingOperator:
    "airflow.providers.amazon.aws.operators.sagemaker.SageMakerTrainingOperator",
};

/** Arguments every operator takes that a task's own settings give, by the option that sets them. */
const OPTION_ARGUMENTS: Readonly<Record<string, string>> = {
  retries: "retries",
  retry_delay: "retryDelay",
  retry_exponential_backoff: "retryExponentialBackoff",
  max_retry_delay: "maxRetryDelay",
  execution_timeout: "executionTimeout",
  trigger_rule: "triggerRule",
  pool: "pool",
  pool_slots: "poolSlots",
  queue: "queue",
  priority_weight: "priorityWeight",
  depends_on_past: "dependsOnPast",
  max_active_tis_per_dag: "maxActiveTisPerDag",
  max_active_tis_per_dagrun: "maxActiveTisPerDagrun",
  on_failure_callback: "onFailure",
  on_retry_callback: "onRetry",
  on_success_callback: "onSuccess",
  outlets: "outlets",
};

/** Arguments mlgen writes itself. */
const OWN_ARGUMENTS: Readonly<Record<string, string>> = {
  task_id: "the task's id (the first argument of p.operator())",
  dag: "the pipeline",
  task_group: "the p.group() it is in",
  owner: "the pipeline's owner",
  default_args: "the pipeline's defaults",
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkOperator(task: OperatorTask, ctx: PassContext, place: DiagnosticPlace): void {
  const problem = (what: string, reason: string, hint: string) =>
    ctx.report(diagnostic("MLG1011", { what, reason, hint }, place));
  const path = task.operator;
  const what = `operator '${path}' of task '${task.id}'`;
  const parts = path.split(".");
  const name = parts.at(-1) ?? "";
  const badPart = parts.find((p) => !IDENTIFIER.test(p) || HARD_KEYWORDS.has(p));
  if (parts.length < 2 || badPart !== undefined) {
    const known = KNOWN_PATHS[name];
    problem(
      what,
      parts.length < 2
        ? "it names a class without its module, and the DAG file imports it by its path"
        : `'${badPart}' is no name Python can import`,
      known
        ? `give its import path: operator: "${known}"`
        : 'give its import path, module and class, as its provider\'s docs list it: "airflow.providers.<provider>.operators.<module>.<Class>"',
    );
  } else if (CONSTRUCTS[name] !== undefined) {
    problem(
      what,
      `mlgen writes ${name} itself, with what the targets need around it`,
      `use ${CONSTRUCTS[name]}`,
    );
  }
  for (const [arg, value] of Object.entries(task.args)) {
    const where = `argument '${arg}' of task '${task.id}'`;
    if (!IDENTIFIER.test(arg) || HARD_KEYWORDS.has(arg)) {
      problem(
        where,
        "it is no keyword argument Python takes",
        "write the argument as the operator's signature names it",
      );
    } else if (OPTION_ARGUMENTS[arg] !== undefined) {
      problem(
        where,
        `it is the task option ${OPTION_ARGUMENTS[arg]}, which mlgen writes (from the task, its group's and the pipeline's defaults)`,
        `set ${OPTION_ARGUMENTS[arg]} on the task instead`,
      );
    } else if (OWN_ARGUMENTS[arg] !== undefined) {
      problem(where, `mlgen writes it: ${OWN_ARGUMENTS[arg]}`, "leave it out");
    }
    if ((value.kind === "list" || value.kind === "object") && !literalOnly(value)) {
      problem(
        where,
        "a list or dict is passed to the operator as written, and this one holds a computed value (a param, an output, a variable), which only a template in a templated argument carries",
        "pass the computed value as an argument of its own (rendered where the operator templates it), or build the whole value in a python task",
      );
    }
  }
}
