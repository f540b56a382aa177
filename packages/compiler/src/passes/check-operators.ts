/**
 * A task of an Airflow operator mlgen has no construct for (p.operator): its import path and
 * its arguments, checked where Airflow would fail on them only when the DAG file is parsed (an
 * import path no module has, a keyword argument Python refuses) or would quietly take another
 * setting than the task's options say.
 */
import {
  type DiagnosticPlace,
  diagnostic,
  type OperatorTask,
  type Pipeline,
  taskOutputs,
  type Value,
  visitValue,
} from "@mlgen/core";
import { HARD_KEYWORDS } from "../escape/python.js";
import type { PassContext } from "./context.js";

/** Operators mlgen has a construct for: the construct, by the class's name. */
const CONSTRUCTS: Readonly<Record<string, string>> = {
  PythonOperator: "p.python()",
  BranchPythonOperator: "p.branch()",
  ShortCircuitOperator: "p.shortCircuit()",
  LatestOnlyOperator: "p.latestOnly()",
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
  params:
    "the pipeline's params, which the operator's own would replace for this task (its templates would read other values)",
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What a computed value renders to when the operator gets it: its text. A param or output of
 * another type (a list, a number) reaches the operator as the text of it, not as that value
 * (the DAG renders templates as text); null for a value that is text.
 */
function renderedType(ir: Pipeline, v: Value, mapped: ReadonlySet<string>): string | null {
  switch (v.kind) {
    case "param": {
      const type = ir.params[v.name]?.type;
      return type === undefined || type === "string" ? null : `${type} param '${v.name}'`;
    }
    case "ref": {
      if (mapped.has(v.task)) return `output '${v.output}' of mapped task '${v.task}' (a list)`;
      const producer = ir.tasks.find((t) => t.id === v.task);
      const type = producer ? taskOutputs(producer)[v.output] : undefined;
      return type === undefined || type === "string"
        ? null
        : `${type} output '${v.task}.${v.output}'`;
    }
    default:
      return null;
  }
}

export function checkOperator(
  ir: Pipeline,
  task: OperatorTask,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const problem = (what: string, reason: string, hint: string) =>
    ctx.report(diagnostic("MLG1011", { what, reason, hint }, place));
  const mapped = new Set(
    ir.tasks.filter((t) => t.kind === "python" && t.map !== null).map((t) => t.id),
  );
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
    if (!IDENTIFIER.test(arg) || HARD_KEYWORDS.has(arg) || arg === "__debug__") {
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
    if (value.kind === "list" || value.kind === "object") {
      let computed = false;
      visitValue(value, (v) => {
        computed ||=
          v.kind !== "list" && v.kind !== "object" && v.kind !== "literal" && v.kind !== "template";
      });
      if (computed) {
        problem(
          where,
          "a list or dict is passed to the operator as written, and this one holds a computed value (a param, an output, a variable), which only a template in a templated argument carries",
          "pass the computed value as an argument of its own (rendered where the operator templates it), or build the whole value in a python task",
        );
      }
      continue;
    }
    const typed = renderedType(ir, value, mapped);
    if (typed !== null) {
      problem(
        where,
        `the ${typed} reaches the operator as the text a template renders it to, not as that value (the DAG renders templates as text)`,
        "pass a literal, or a string param or output (str), and have the operator take text there; a value of another type is the argument of a task that computes it: p.python()",
      );
    }
  }
  if (task.returns !== undefined) {
    const push = task.args.do_xcom_push;
    if (push?.kind === "literal" && push.value === false) {
      problem(
        `argument 'do_xcom_push' of task '${task.id}'`,
        `it keeps Airflow from pushing what the operator returns, which the task's returns ("${task.returns}") says later tasks read`,
        "leave do_xcom_push out, or leave returns out when no task reads the value",
      );
    }
    if (task.args.post_execute !== undefined) {
      problem(
        `argument 'post_execute' of task '${task.id}'`,
        `mlgen writes it: the check of what the operator returns against returns ("${task.returns}")`,
        "leave it out",
      );
    }
  }
}
