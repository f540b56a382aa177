/**
 * The prose of each rule's page, docs/rules/<id>.md, kept beside the rules: what a rule looks
 * at, why it matters in production, and a bad and a good example. The pages are rendered by
 * `ruleDocPages` (./render-docs.ts) and written by scripts/gen-rule-docs.mjs; a test lints
 * every Python example (the bad one must raise exactly its rule, the good one nothing).
 */

/** A code example on a rule's page. */
export interface RuleExample {
  /** `python`: a complete Airflow DAG file; `typescript`: an mlgen DSL pipeline module. */
  readonly language: "python" | "typescript";
  readonly code: string;
  /** One or two sentences under the example (Markdown). */
  readonly note?: string;
}

export interface RuleDoc {
  /** What the check looks at and what it holds back on, beyond the one-line description. */
  readonly catches: string;
  /** Where findings point, so users know where a suppression comment goes. */
  readonly reportedAt: string;
  /** What goes wrong in production when the finding is ignored. */
  readonly why: string;
  /** What the rule checks in DSL pipelines, for rules that check them too. */
  readonly dsl?: string;
  readonly bad: RuleExample;
  readonly good: RuleExample;
  /**
   * A rule that reports only when linting for one Airflow version (`airflow: { version: 2 }`):
   * its page says so, and its examples are linted for that version.
   */
  readonly airflowVersion?: 2;
}

/** The settings every example DAG shares, so that each example shows one problem only. */
const DEFAULT_ARGS = `default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="{{ dag.dag_id }} failed"),
}`;

const IMPORTS = `from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier`;

/**
 * How the rules that read a DAG's default_args read those imported from a module of the project
 * (src/modules.ts; test/engines/lint-imported-defaults.test.ts).
 */
const IMPORTED_DEFAULTS = `\`default_args\` imported from a module of the project (\`from common.defaults import DEFAULT_ARGS\`, \`import common.defaults as d\` then \`d.DEFAULT_ARGS\`, \`{**DEFAULT_ARGS, "owner": "etl"}\`, \`DEFAULT_ARGS | {...}\`) are read where Airflow's \`sys.path\` finds the module — the DAG folder, and the plugins and config folders beside it — as it writes them: a dict literal or \`dict(...)\` bound at its top level, merged from its other dicts (or another module's), or re-exported by a package's \`__init__.py\`; real Airflow 3 and 2 give the tasks the same settings (\`test/engines/lint-imported-defaults.test.ts\`). One lint cannot read (no such module, a name bound to a call, a relative import, which Airflow refuses in a DAG file) is said on stderr, with why, and assumed to set anything.`;

const py = (code: string, note?: string): RuleExample => ({
  language: "python",
  code: code.replace(/^\n/, ""),
  ...(note ? { note } : {}),
});

/** deadline-alert-template's examples: a nightly DAG's deadline alert saying `text` on Slack. */
const deadlineTextExample = (text: string) => `
${IMPORTS}
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

${DEFAULT_ARGS}

with DAG(
    "churn_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(hours=5),
        callback=SyncCallback(
            SlackWebhookNotifier,
            kwargs={"slack_webhook_conn_id": "slack_alerts", "text": ${JSON.stringify(text)}},
        ),
    ),
):
    BashOperator(task_id="score", bash_command="churn score --day {{ ds }}")
`;

/** deadline-never-set's examples: a DAG without a schedule, its deadline counted from `ref`. */
const deadlineExample = (ref: string) => `
${IMPORTS}
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

${DEFAULT_ARGS}

with DAG(
    "churn_rescore",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.${ref},
        interval=timedelta(hours=2),
        callback=SyncCallback(
            SlackWebhookNotifier,
            kwargs={"slack_webhook_conn_id": "slack_alerts", "text": "{{ dag_run.dag_run_id }} is late"},
        ),
    ),
):
    BashOperator(task_id="score", bash_command="churn score --all")
`;

/** missing-dag's examples: a folder's DAGs, and one naming two of them by the ids given. */
const missingDagExample = (ingest: string, deploy: string) => `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "ingest_churn",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load", bash_command="ingest churn --day {{ ds }}")

with DAG(
    "deploy_churn_model",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
):
    BashOperator(task_id="push", bash_command="deploy churn --latest")

with DAG(
    "retrain_churn",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(
        task_id="wait_for_ingest",
        external_dag_id="${ingest}",
        external_task_id="load",
        mode="reschedule",
        timeout=timedelta(hours=6),
    )
    check = BashOperator(task_id="validate_data", bash_command="validate churn --day {{ ds }}")
    train = BashOperator(task_id="train", bash_command="train churn --day {{ ds }}")
    deploy = TriggerDagRunOperator(task_id="start_deploy", trigger_dag_id="${deploy}")
    wait >> check >> train >> deploy
`;

export const RULE_DOCS: Readonly<Record<string, RuleDoc>> = {
  "missing-xcom-key": {
    catches: `A task pulls an XCom — \`ti.xcom_pull(task_ids=..., key=...)\` in its Python code, or \`{{ ti.xcom_pull(...) }}\` in a templated argument such as \`bash_command\` or \`sql\`, or an XCom passed as an object (\`op.output\`, \`op.output["key"]\`, \`XComArg(op)\`, a TaskFlow result handed to another task: \`load(extract())\`, which gets None when \`extract\` pushes nothing) — and the source task never pushes that key: it is not a key given to \`xcom_push\`, not \`return_value\` of a task that returns something, and not a key of a dict returned with \`multiple_outputs=True\` (or by a \`@task\` annotated \`-> dict[...]\`). It also reports a pull from a task id the DAG does not have (a TaskGroup prefixes its tasks' ids: \`group.task\`), a pull from a task that is neither upstream nor downstream of the reader, which may not have run yet (a race), and a pull from a task downstream of the reader, which runs after it: its value is never there when the reader reads it (the pull returns \`None\`; in a run cleared and run again, the reader gets what that task pushed the time before, as an XCom is cleared only when the task that pushed it starts again); the fix is to pull from a task upstream of the reader, or to make the source run first, turning around the dependency that puts it after the reader. A template file a task argument names is read as that argument's template, as Airflow loads it: a \`.sql\` file (\`sql="sql/merge.sql"\`, or each of a list of them) of any operator but a Python one, a \`.hql\` file of a Hive operator, and a \`.sh\` or \`.bash\` script given as a \`BashOperator\`'s \`bash_command\` or an \`SSHOperator\`'s \`command\`, looked up beside the DAG file and then in the DAG's \`template_searchpath\` (absolute paths, module constants holding them, and folders beside the DAG file written from \`__file__\`: \`os.path.join(os.path.dirname(__file__), "sql")\`, \`Path(__file__).parent / "sql"\`); findings in it are reported at its own lines, and its comments (\`-- mlgen: disable=...\`, \`# ...\`, \`{# ... #}\`) silence them.

In Python code, a key or task id passed by a module-level name that is assigned one string once (\`MODEL_KEY = "model_uri"\`, then \`key=MODEL_KEY\`) is read as that string; a name the function binds itself is not, nor a name in a template (Jinja has no access to the module). The check holds back where it cannot be sure: pulls from another DAG (\`dag_id=\`), computed task ids or keys, task ids built in loops, and operators whose pushes it does not model (SQL, Kubernetes and most provider operators) are not judged. An operator class the file defines on \`BaseOperator\` pushes what its \`execute()\` pushes and returns; not when another of its methods pushes, when it sets \`do_xcom_push\`, or when it subclasses another operator. A task that hands its context or task instance to code it cannot read (\`publish(ti=ti)\`), or that calls a function imported from the project's own modules (\`from mycompany.utils import publish\`: it may push through \`get_current_context()\`), may push anything; calls into the standard library, Airflow and common data libraries (pandas, numpy, requests, boto3, ...) are not counted. Races are not reported in a file where some dependency names tasks it cannot resolve (a list built in a loop, \`chain(*steps)\`, a helper's return value), nor for deliberate reads of earlier runs (\`include_prior_dates=True\`, \`run_id=\`).`,
    reportedAt: "the `xcom_pull` call, in code or inside the template string.",
    why: `A missing XCom is not an error in Airflow: \`xcom_pull\` returns \`None\` and a template renders the text \`None\`. The reader carries on — a command runs with \`--input None\`, a quality gate compares against \`None\`, a COPY reads \`s3://bucket/None\` — and fails later and somewhere else, or succeeds on the wrong data. A race is worse: it passes every run in which the producer happened to finish first. A pull from a task that runs after the reader never gets this run's value: \`None\`, or, once the run is cleared and run again, the stale value of the earlier try (\`test/engines/lint-xcom-order.test.ts\` runs both on Airflow 3.3 and 2.11).`,
    dsl: "Pipelines pass outputs as typed references (`task.out.key`), which the compiler checks; the rule reads the Jinja `xcom_pull` calls written by hand in commands, arguments and templates.",
    bad: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def count_orders(ds):
    return 1200  # pushed as one XCom, under the key return_value


with DAG(
    "orders_report",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    count = PythonOperator(task_id="count_orders", python_callable=count_orders)
    report = BashOperator(
        task_id="report",
        bash_command="echo {{ ti.xcom_pull(task_ids='count_orders', key='row_count') }} orders",
    )
    count >> report
`,
      "`count_orders` returns its count, so Airflow stores it as `return_value`; `row_count` does not exist and the command prints `None orders`.",
    ),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def count_orders(ds):
    return 1200


with DAG(
    "orders_report",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    count = PythonOperator(task_id="count_orders", python_callable=count_orders)
    report = BashOperator(
        task_id="report",
        bash_command="echo {{ ti.xcom_pull(task_ids='count_orders') }} orders",
    )
    count >> report
`,
      'Pull `return_value` (the default key), or push the key explicitly with `ti.xcom_push(key="row_count", value=...)`.',
    ),
  },

  "hardcoded-path": {
    catches: `An absolute path that exists on one machine only — under \`/Users\`, \`/home\`, \`/root\`, \`/tmp\`, \`/data\`, \`/mnt\`, \`/media\`, \`/scratch\`, \`/Volumes\` or a Windows drive — in an operator argument (including \`env\` dicts and templated commands), in a module-level string (or \`Path(...)\`, \`os.path.join(...)\` of one) that an argument uses by name, or in the body of a task's Python function (and the module-level strings, dicts, lists and tuples it reads by name: \`open(f"{OUT_DIR}/x.csv")\`, \`PATHS["raw"]\`), or in the default of a DAG param that a task reads (\`params={"raw_dir": Param("/data/raw")}\` with \`{{ params.raw_dir }}\`, \`params["raw_dir"]\` or \`params.get("raw_dir")\`: every run triggered without it in its conf, every scheduled run among them, gets the default; a param no task reads is not reported). Paths that images provide by convention (\`/opt/airflow\`, \`/usr\`, the official image's home folder \`/home/airflow\` itself, Cloud Composer's \`/home/airflow/gcs\` mount), a \`mktemp\` template (\`/tmp/job.XXXXXX\`, a fresh folder on the worker) and URLs (\`s3://\`, \`gs://\`, \`https://\`) are fine (a \`file://\` URL's path is a local path: \`file:///tmp/mlruns\` is reported), and docstrings are not read. Nor are \`doc_md\` and the other \`doc\` arguments, an HTTP operator's \`endpoint\`, or the arguments and code of tasks that run in a container of their own (\`KubernetesPodOperator\`, \`DockerOperator\`, \`@task.docker\`, \`@task.kubernetes\`, ...): their paths are inside the image or the pod's mounts; nor the paths of operators and sensors that act on another host (SFTP, SSH, FTP, HDFS) or in a service the task submits work to (Databricks workspace and DBFS paths, EMR steps, Dataproc jobs, AWS Batch, Azure Batch, SageMaker). A fallback given to a setting read at run time (\`Variable.get("data_dir", default_var="/data/raw")\`, \`os.environ.get("OUT", "/tmp/out")\`, \`os.getenv\`; a Variable read through the task context, \`context["var"]["value"].get("data_dir", "/data/raw")\`, or in a template, \`{{ var.value.get('data_dir', '/data/raw') }}\`, as mlgen's DAG files read a \`variable(name, default)\`) is not reported either, as a DSL \`variable(name, default)\` is not. Nor are patterns over paths (\`LIKE '%/tmp/%'\`, \`'/home/[^/]+/'\`, \`find -path '*/tmp/*'\`, \`sed 's#/home/old#/opt/new#'\`), or another machine's paths in a command line, up to the end of that command (\`;\`, \`&\`, \`|\`, a redirect, a newline): the operands of \`hdfs dfs\`/\`hadoop fs\` listing and editing commands (not \`-put\`, \`-get\` and the others that read or write the worker's files), the remote command of \`ssh [options] host ...\` (an identity file is the worker's), and what \`kubectl exec ... --\` runs in the pod. The \`.sql\` and shell template files that task arguments name (\`sql="sql/load.sql"\`, \`bash_command="scripts/report.sh"\`; see missing-xcom-key) are read as those arguments' values, except their comments (SQL's \`--\` and \`/* */\`, the shell's \`#\`, Jinja's \`{# #}\`).`,
    reportedAt: "the path inside the string (for a module-level constant, its assignment).",
    why: `Tasks run on workers, not on the machine where the DAG was written, and two tasks of one run may land on two different workers. A path from a laptop fails with \`FileNotFoundError\` on the first run. A path under \`/tmp\` or on a local disk is worse: it works while one worker happens to run both the writer and the reader, then breaks when the scheduler places them apart or a worker pod restarts with an empty disk. Every worker has \`/tmp\`, so for a path under it (a scratch file a task writes and removes itself, \`export TMPDIR=/tmp/work && mkdir -p $TMPDIR\`) the message names that risk instead of a missing folder: two runs of the DAG (or two tasks on one worker) write the same file at once, and a task on another worker does not find what an earlier task left there. Its fix is a fresh folder that the task making it also removes (\`tempfile.mkdtemp()\` in Python, \`$(mktemp -d)\` in a shell command), and for data another task reads, a location every worker reaches, read when the task runs.`,
    dsl: "The same paths in task inputs, env values, commands, sensor paths and the MLflow tracking URI; not in a container task's command, arguments and env, which run in its pod (as a KubernetesPodOperator's are not).",
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def build_features(ds):
    import pandas as pd

    orders = pd.read_parquet(f"/home/ana/exports/orders_{ds}.parquet")
    orders.groupby("customer_id").sum().to_parquet(f"s3://acme-ml/features/{ds}.parquet")


with DAG(
    "customer_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(task_id="build_features", python_callable=build_features)
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def build_features(ds, exports):
    import pandas as pd

    # exports: s3://acme-lake/exports in production, rendered from the Variable at run time
    orders = pd.read_parquet(f"{exports}/orders_{ds}.parquet")
    orders.groupby("customer_id").sum().to_parquet(f"s3://acme-ml/features/{ds}.parquet")


with DAG(
    "customer_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(
        task_id="build_features",
        python_callable=build_features,
        op_kwargs={"exports": "{{ var.value.orders_exports_uri }}"},
    )
`,
      "Read the location when the task runs — `{{ var.value.name }}` in a templated field such as `op_kwargs`, or an environment variable inside the callable — and keep data in shared storage.",
    ),
  },

  "missing-timeout": {
    catches: `A task whose \`execution_timeout\` is set nowhere Airflow looks — its own arguments, the \`default_args\` of its task groups, the DAG's \`default_args\` — and a sensor with no \`timeout\`. An \`EmptyOperator\` or \`LatestOnlyOperator\` runs nothing of yours and is left alone; \`default_args\` merged from dicts the file shows in full (\`{**BASE, "retries": 3}\`, \`dict(BASE, retries=3)\`, \`BASE | OTHER\`) are read as Python merges them; a \`default_args\` the linter cannot read (a dict built by a function, a function's parameter, a dict changed by \`.update()\` or \`|=\`) is assumed to set it. ${IMPORTED_DEFAULTS} An \`@asset\` takes task arguments only from a \`@task(...)\` beneath it; \`execution_timeout=\` written on \`@asset(...)\` itself, which Airflow refuses, is invalid-argument's. The tasks of a \`@dag\` function the file never calls are left alone: Airflow builds no DAG from it, so they never run, and dag-never-called is the finding.`,
    reportedAt: "the operator call (for a TaskFlow task, the call of the task function).",
    why: `Airflow does not time tasks out by default. A query waiting on a lock, an HTTP call without a socket timeout or a training job stuck on a dead GPU keeps its worker slot, and with \`max_active_runs\` it also blocks the next runs, until someone notices and kills it — often days later. With a timeout the try fails, is retried, and if it keeps hanging the failure alert fires. A sensor without a timeout waits for its condition up to Airflow's default of seven days before it fails; in reschedule mode its execution timeout ends one poke, not the wait.`,
    dsl: "The same layering: the task, its groups' defaults, the pipeline's defaults; a sensor needs `timeout`.",
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "warehouse_vacuum",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="vacuum failed"),
    },
):
    BashOperator(task_id="vacuum", bash_command="psql $WAREHOUSE_URL -c 'VACUUM ANALYZE'")
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "warehouse_vacuum",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=45),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="vacuum failed"),
    },
):
    BashOperator(task_id="vacuum", bash_command="psql $WAREHOUSE_URL -c 'VACUUM ANALYZE'")
`,
      "Set it once in `default_args` and override it on the tasks that legitimately run longer.",
    ),
  },

  "missing-retries": {
    catches: `A task whose \`retries\` is set nowhere Airflow looks: its own arguments, the \`default_args\` of its task groups, the DAG's \`default_args\`. \`retries=0\` counts as set (a task that must not run twice), an \`EmptyOperator\` or \`LatestOnlyOperator\` is left alone, and a \`default_args\` the linter cannot read is assumed to set it. ${IMPORTED_DEFAULTS} An \`@asset\` takes task arguments only from a \`@task(...)\` beneath it; \`retries=\` written on \`@asset(...)\` itself, which Airflow refuses, is invalid-argument's. The tasks of a \`@dag\` function the file never calls are left alone: Airflow builds no DAG from it, so they never run, and dag-never-called is the finding.`,
    reportedAt: "the operator call (for a TaskFlow task, the call of the task function).",
    why: `Most task failures in production are transient: a worker pod evicted, a database failover, a 503 from an API, a lost network connection. Without retries each of them fails the run, wakes someone up, or leaves a gap in the data until the next run. Retries with a delay absorb them; an idempotent task loses nothing by being retried.`,
    dsl: "The same layering: the task, its groups' defaults, the pipeline's defaults.",
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "fx_rates",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="fx_rates failed"),
    },
):
    BashOperator(task_id="download_rates", bash_command="curl -fsS https://fx.example.com/{{ ds }} -o rates.json")
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "fx_rates",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="fx_rates failed"),
    },
):
    BashOperator(task_id="download_rates", bash_command="curl -fsS https://fx.example.com/{{ ds }} -o rates.json")
`,
      "Pass `retries=0` on a task that must not be retried, so the choice is visible.",
    ),
  },

  "no-failure-alert": {
    catches: `A DAG in which no task alerts anyone when it fails: no \`on_failure_callback\` on the tasks, in their groups' or in the DAG's \`default_args\`, no \`email\` with \`email_on_failure\` left on, and no \`on_failure_callback\` on the DAG itself. A \`default_args\` the linter cannot read is assumed to set one. ${IMPORTED_DEFAULTS} The DAG of a \`@dag\` function the file never calls is left alone: Airflow builds no DAG from it, and dag-never-called is the finding.`,
    reportedAt: "the DAG: the `DAG(...)` call or the `@dag` decorator.",
    why: `A failed run that nobody hears about is found by the people who use its output: a dashboard that stopped updating, a model retrained on last week's features, a partner who never got the file. The red square in the UI is seen only by those who look at it.`,
    dsl: "Once per pipeline when no task has `onFailure` from itself, its groups or the defaults.",
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "partner_export",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "execution_timeout": timedelta(minutes=30)},
):
    BashOperator(task_id="export", bash_command="partner-export --date {{ ds }}")
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "partner_export",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="partner_export failed"),
    },
):
    BashOperator(task_id="export", bash_command="partner-export --date {{ ds }}")
`,
      "In `default_args` the callback covers every task. An `email` list (with `email_on_failure` left on) also counts.",
    ),
  },

  "sensor-poke-mode": {
    catches: `A sensor in poke mode — Airflow's default when neither \`mode=\` nor \`deferrable=True\` is given — whose \`timeout\` is over an hour, or not set (seven days, or its \`execution_timeout\` times its tries: a try the execution timeout ends is retried and waits again). Classic sensors, sensor classes the file defines (subclasses of \`BaseSensorOperator\`) and \`@task.sensor\` functions alike; the mode and timeout may come from \`default_args\`. \`*SensorAsync\` classes always defer and are left alone, and so are the sensors of a \`@dag\` function the file never calls (Airflow builds no DAG from it: dag-never-called is the finding).`,
    reportedAt: "the sensor's call (for `@task.sensor`, the call of the function).",
    why: `A poking sensor holds a worker slot for the whole wait and sleeps between pokes. A few sensors waiting hours for late files can occupy every slot of a pool or a worker, so the tasks that could run stay queued — the deployment stalls behind its own waits. In \`reschedule\` mode the sensor gives its slot back between pokes; a deferrable sensor waits in the triggerer and holds no slot at all.`,
    dsl: 'The same for `p.fileSensor` and the other sensors with `mode: "poke"` (reschedule is the DSL\'s default).',
    bad: py(`
${IMPORTS}
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "partner_feed",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    FileSensor(task_id="wait_for_feed", filepath="feeds/{{ ds }}/_SUCCESS", timeout=timedelta(hours=8))
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "partner_feed",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    FileSensor(
        task_id="wait_for_feed",
        filepath="feeds/{{ ds }}/_SUCCESS",
        mode="reschedule",
        poke_interval=300,
        timeout=timedelta(hours=8),
    )
`,
      "Or `deferrable=True` for sensors that support it; short waits (an hour at most) may stay in poke mode.",
    ),
  },

  "unused-output": {
    catches: `A key a task pushes explicitly (\`ti.xcom_push(key=...)\`) that no task of the file pulls, in code or in a template. Return values are not reported. The check holds back when some pull cannot be read: computed task ids or keys, task ids built in loops, or an argument that names a template file mlgen does not read (one not found beside the DAG file or in the DAG's \`template_searchpath\`, an include it cannot follow (a name in a variable, a file found nowhere), macros (\`{% import %}\`), inheritance (\`{% extends %}\`), or a kind it does not read: see missing-xcom-key), which may pull keys the DAG file does not show. The pulls in the \`.sql\` and shell template files it reads count, and in the files they \`{% include %}\` by name. The keys pushed by tasks of a \`@dag\` function the file never calls are not reported: Airflow builds no DAG from it, and dag-never-called is the finding.`,
    reportedAt: "the `xcom_push` call.",
    why: `XComs are rows in the metadata database, serialized on every run and kept until someone cleans them up; pushing a large value nobody reads costs storage and time. More often an unused key is the other half of a bug: the reader asks for a slightly different key, gets \`None\`, and carries on.`,
    dsl: "A declared output that no task reads (outputs of the last tasks are the pipeline's results and are not reported).",
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def evaluate(ti):
    ti.xcom_push(key="auc", value=0.91)
    ti.xcom_push(key="confusion_matrix", value=[[90, 10], [8, 92]])


def gate(ti):
    if ti.xcom_pull(task_ids="evaluate", key="auc") < 0.85:
        raise ValueError("AUC under 0.85")


with DAG(
    "model_gate",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(task_id="evaluate", python_callable=evaluate) >> PythonOperator(task_id="gate", python_callable=gate)
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def evaluate(ti):
    ti.xcom_push(key="auc", value=0.91)


def gate(ti):
    if ti.xcom_pull(task_ids="evaluate", key="auc") < 0.85:
        raise ValueError("AUC under 0.85")


with DAG(
    "model_gate",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(task_id="evaluate", python_callable=evaluate) >> PythonOperator(task_id="gate", python_callable=gate)
`,
      "Log diagnostics to the experiment tracker (MLflow) or to storage instead of XCom, and push what other tasks need.",
    ),
  },

  "train-without-validation": {
    catches: `A task trains when its id or its function's name says train, retrain, fit or fine-tune, or when its operator trains (\`SageMakerTrainingOperator\`, Vertex AI and AutoML training operators); names about training data or preprocessing (\`build_training_set\`, \`train_test_split\`, \`fit_scaler\`), tasks that only trigger or wait for training, branch and short-circuit tasks that decide whether it runs (\`should_retrain\`, \`retrain_enabled\`), and the work around a training run (\`provision_training_cluster\`, \`log_training_metrics\`, \`evaluate_training_run\`) and the files and folders named train (\`empty_train\`, \`list_files_train\`, \`upload_train_prefix\`) do not count. A task validates when a word of its id or function is validate, check, verify, assert, expect(ation), dq, a leading profile or quality, or data quality (whole words: \`checkout\`, \`checkpoint\`, \`invalidate\`, \`user_profiles\` and \`air_quality\` do not count), or when its operator checks data (\`SQLColumnCheckOperator\`, \`SQLTableCheckOperator\`, \`GreatExpectationsOperator\`, Soda). The tasks of a \`@dag\` function the file never calls are left alone: Airflow builds no DAG from it, and dag-never-called is the finding.`,
    reportedAt: "the training task's call.",
    why: `A model trained on a broken extract — an empty partition, a column that changed unit, labels shifted by a day — trains without an error and often scores well on a test split drawn from the same broken data. It gets promoted, and the damage shows in production metrics weeks later. A validation task before training turns that into a failed run with a clear message, before anything is deployed.`,
    dsl: "A task whose id or function says train/fit with no `p.validate` (or validation-named) task upstream.",
    bad: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@weekly", start_date=pendulum.datetime(2025, 1, 6, tz="UTC"), catchup=False, default_args=default_args)
def churn_model():
    @task
    def extract(ds=None):
        return f"s3://acme-ml/churn/{ds}/"

    @task
    def train_model(path: str):
        import pandas as pd
        from sklearn.ensemble import GradientBoostingClassifier

        df = pd.read_parquet(path)
        GradientBoostingClassifier().fit(df.drop(columns="churned"), df["churned"])

    train_model(extract())


churn_model()
`),
    good: py(
      `
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@weekly", start_date=pendulum.datetime(2025, 1, 6, tz="UTC"), catchup=False, default_args=default_args)
def churn_model():
    @task
    def extract(ds=None):
        return f"s3://acme-ml/churn/{ds}/"

    @task
    def validate_data(path: str):
        import pandas as pd

        df = pd.read_parquet(path)
        missing = {"tenure_days", "plan", "churned"} - set(df.columns)
        if missing or len(df) < 10_000 or df["churned"].isna().any():
            raise ValueError(f"rejected {path}: missing={missing}, rows={len(df)}")
        return path

    @task
    def train_model(path: str):
        import pandas as pd
        from sklearn.ensemble import GradientBoostingClassifier

        df = pd.read_parquet(path)
        GradientBoostingClassifier().fit(df.drop(columns="churned"), df["churned"])

    train_model(validate_data(extract()))


churn_model()
`,
      "Any upstream task that checks the data counts: a schema and row-count check like this one, SQL check operators, or a Great Expectations suite.",
    ),
  },

  "top-level-code": {
    catches: `Code that runs every time the file is parsed — at module level, or in the body of a \`@dag\` or \`@task_group\` function, which the file calls to build the DAG — and reaches a service or loads something heavy: \`Variable.get\`, connection lookups, database queries and connections (\`hook.get_records\`, \`PostgresHook(...).get_first\`), hook calls that list storage or call a service (\`S3Hook(...).list_keys\`, \`GCSHook().list\`, \`HttpHook(...).run\`, \`hook.check_for_key\`), HTTP requests, data-frame readers of a remote URL (\`pd.read_csv("s3://bucket/x.csv")\`, which downloads the file), cloud clients and subprocesses, also when the file calls one of its own functions that makes them (\`CONFIG = load_config()\`, through any number of the file's functions); and imports of heavy libraries (pandas, numpy, scikit-learn, PyTorch, TensorFlow, MLflow, Spark, ...). The same code inside a task function or a callback runs only when the task runs, and is fine.`,
    reportedAt: "the call, or the import statement.",
    why: `Airflow re-parses every DAG file continuously — every 30 seconds by default — with a time limit per file (\`dagbag_import_timeout\`). A \`Variable.get\` at module level is a metadata-database or secrets-backend query on every parse of the file; an HTTP call makes parsing as slow and as flaky as that service; importing pandas or torch costs seconds each time. Parse times grow, DAGs vanish from the UI when a parse times out, and an outage of one service stops the scheduling of DAGs that do not even use it.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Variable

${DEFAULT_ARGS}

BUCKET = Variable.get("exports_bucket")

with DAG(
    "nightly_export",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="export", bash_command=f"export-all --to s3://{BUCKET}/{{{{ ds }}}}/")
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "nightly_export",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="export", bash_command="export-all --to s3://{{ var.value.exports_bucket }}/{{ ds }}/")
`,
      "`{{ var.value.name }}` is read when the task runs; in Python, call `Variable.get` and import heavy libraries inside the task function.",
    ),
  },

  "airflow3-removed": {
    catches: `What Airflow 3 no longer accepts: the trigger rules \`dummy\` and \`none_failed_or_skipped\` (as strings or \`TriggerRule.DUMMY\`/\`NONE_FAILED_OR_SKIPPED\`, on a task or in \`default_args\`: Airflow 3 refuses the file); \`execution_date\` read as an attribute of the task instance or DAG run, in code (\`ti.execution_date\`, \`context["dag_run"].execution_date\`) or in a template (\`{{ dag_run.execution_date }}\`); the DAG arguments \`schedule_interval\`, \`timetable\`, \`concurrency\`, \`sla_miss_callback\`, \`full_filepath\`, \`default_view\`, \`orientation\` and \`fail_stop\`; the task arguments \`sla\`, \`task_concurrency\` and \`provide_context\`; imports from \`airflow.contrib\`, the pre-2.0 module paths (\`airflow.operators.bash_operator\`, \`airflow.sensors.external_task_sensor\`, ...), \`airflow.datasets\` (Datasets are Assets), \`airflow.hooks.base_hook\`, \`airflow.hooks.dbapi\`, \`airflow.sensors.sql\`, \`airflow.operators.sql\`, \`chain\` from \`airflow.utils.helpers\`, \`airflow.utils.dates\` (\`days_ago\`), \`DummyOperator\` and \`SubDagOperator\`; and the removed context variables (\`execution_date\`, \`next_ds\`, \`prev_ds\`, \`yesterday_ds\`, \`tomorrow_ds\` and their variants, \`conf\`, \`test_mode\`, and \`expanded_ti_count\`, which Airflow 3 gives no task, mapped or not) in templates (also in the \`.sql\` and shell template files tasks name, whose rendering then fails the task: an undefined name, under the DAG's default StrictUndefined) and in task code — a callable's parameter, \`context["..."]\` or \`kwargs.get("...")\`; \`xcom_pull\` without \`task_ids\`, which Airflow 2 answered from any task of the run and Airflow 3 answers from the calling task's own XComs only; and \`default_var=\` given to the Task SDK's \`Variable.get\` (\`from airflow.sdk import Variable\`, \`... as V\`, \`sdk.Variable.get\` after \`import airflow.sdk as sdk\`, and the SDK's when a \`try\` imports it with \`airflow.models\`' as the \`except\` fallback), whose parameter is \`default\` (\`airflow.models\`' \`Variable.get\` still takes \`default_var\`, and is not reported). Each finding names what replaces it. What makes Airflow 3 refuse the whole file — a removed DAG or operator argument, a removed import, a removed trigger rule — is an error when the DAGs run on Airflow 3 (the default; \`airflow: { version: 2 }\` in mlgen.config.ts keeps these warnings while the DAGs still run on Airflow 2), unless the config sets the rule's severity; as is \`default_var=\` in a \`Variable.get\` that runs when the file is parsed (module level, a \`@dag\` body); the rest (\`sla\`, a removed task argument in a DAG's \`default_args\`, which Airflow 3 drops without a word as it passes each task only the keys its operator takes, context variables, \`xcom_pull\` without \`task_ids\`, \`default_var=\` in a task's code, which fails the task) are warnings. A DAG file \`mlgen compile\` wrote for Airflow 2 is not reported under \`airflow: { version: 2 }\`: it imports what Airflow 2 has, and compiling the pipeline for Airflow 3 is its migration. An import in a \`try\` whose \`except\` catches a failed import (\`ImportError\`, \`ModuleNotFoundError\`, \`Exception\`, a bare \`except\`), or in that handler, or in an \`if\` on the Airflow version (\`if AIRFLOW_V_3_0_PLUS:\`, \`if Version(airflow.__version__).major >= 3:\`, or a name bound to such a test), is not reported: the file imports whichever way the Airflow it runs on has (\`try: from airflow.sdk import Asset\` / \`except ImportError: from airflow.datasets import Dataset as Asset\` loads on both, \`test/engines/lint-refused-dags.test.ts\`).`,
    reportedAt:
      "the argument, the import statement, or the variable's name in the template or the code.",
    why: `On Airflow 3 such a file fails to import — an unknown module, or an unexpected keyword argument such as \`schedule_interval\` or \`provide_context\` — and every DAG in it disappears from the UI. The SLA arguments are still accepted but do nothing, so SLA alerts stop without a word. A removed context variable read in code fails when the task runs, with a \`KeyError\` or a missing argument. \`Variable.get("k", default_var="x")\` on the SDK's \`Variable\` is a \`TypeError\` (an unexpected keyword argument) where it runs. The replacements (\`schedule=\`, \`logical_date\`, \`data_interval_start\`, the standard provider's import paths) work on Airflow 2 too, so a file can be fixed before the upgrade and run on both. The import paths need apache-airflow-providers-standard, whose releases from 1.10.0 (the tests pin 1.21.0) need Airflow 2.11; on 2.10, install 1.9.1 or earlier.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "sales_rollup",
    schedule_interval="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="rollup", bash_command="rollup --day {{ execution_date.strftime('%Y-%m-%d') }}")
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "sales_rollup",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="rollup", bash_command="rollup --day {{ ds }}")
`,
      "`schedule=` replaces `schedule_interval=`; `{{ ds }}` (or `{{ logical_date }}`) replaces `execution_date`.",
    ),
  },

  "template-error": {
    catches: `A template Airflow renders when the task runs that fails to render every time: in \`bash_command\`, the values of \`env\`, \`sql\`, and the values of \`templates_dict\` and \`op_kwargs\` (arguments every operator that takes them renders), written as one string literal (or a module-level name bound to one), and in the template files task arguments name (\`sql="sql/merge.sql"\`, a \`.sh\` script; see missing-xcom-key). Reported: what Jinja refuses when it compiles the template — a \`{{\`, \`{%\` or \`{#\` never closed, a statement Jinja does not know (\`{% break %}\`: Airflow's environment has no loop controls), a block never ended or ended by the wrong statement, an empty \`{{ }}\` or \`{% if %}\`, a filter or test Airflow's environment lacks (\`{{ ds | nosuch }}\`) — and a name the task's context lacks (\`{{ dss }}\`, with the close name it may mean), since Airflow renders an undefined name as an error (StrictUndefined), and a param a scheduled DAG does not declare (\`{{ params.treshold }}\` beside \`params={"threshold": ...}\`: "did you mean params.threshold?"), which only a run's conf could give and the runs its schedule starts have none of — judged when the file shows every param the task has (not for a DAG without a schedule, params the file spreads or changes, params in \`default_args\` or on the task; a read with \`| default(...)\`, \`is defined\`, \`'x' in params\` or \`params.get\` passes), on Airflow 3, a logical-date variable (\`ds\`, \`ds_nodash\`, \`ts\`, \`ts_nodash\`, \`ts_nodash_with_tz\`, \`logical_date\`, \`data_interval_start\`/\`_end\`, \`prev_data_interval_start_success\`/\`_end_success\`) read in a DAG scheduled on assets only — a list (\`schedule=[Asset(...)]\`, \`[RAW_EVENTS]\`: Airflow takes any list as assets), an \`Asset(...)\` or \`Dataset(...)\`, \`AssetAll\`/\`AssetAny\`, a condition \`a & b\` or \`a | b\`, an \`@asset\` function, written or through a module-level name; not \`AssetOrTimeSchedule\`, whose runs in time have a date — since Airflow 3 starts an asset-triggered run without a logical date and leaves those names out of its context, with the fix \`{{ (dag_run.logical_date or dag_run.run_after) | ds }}\`, which every run has (Airflow 2 gives a dataset-triggered run a logical date, and nothing is said there); and a call of the variable or connection accessors with arguments they do not take (\`{{ var.value.get('bucket', default_var='x') }}\`: \`default_var=\` is what older releases' accessor took and \`airflow.models.Variable.get\` still takes; the accessor of Airflow 2.11 and 3 takes \`default=\`; \`conn.get(..., default=...)\`, whose fallback is \`default_conn=\`; more arguments than key and fallback), which Python refuses with a TypeError before any variable is read; and a template file an argument names that is nowhere Jinja's loader looks (\`bash_command="run_export.sh"\` with no such file beside the DAG file: TemplateNotFound), when every place it looks is on this machine (beside the DAG file, and search path folders written from \`__file__\`; a search path of the Airflow host's own folders may hold it, and nothing is said), with the fix for the classic case: a script meant to run on the workers takes a trailing space. The same for a file that a template file includes or imports (\`{% include 'filters.sql' %}\`, \`{% from 'macros.sql' import day %}\`) and that is nowhere the loader looks: reported at that statement, in the file holding it (an include with \`ignore missing\` includes nothing, and passes). Names are judged against the context of Airflow 3 and 2 together (the names only Airflow 2 has are airflow3-removed's), Jinja's globals (\`range\`, \`dict\`, …) and the names a template sets itself (\`{% set %}\`, \`{% for %}\`, a macro's parameters, \`loop\`); a guarded read (\`{{ x | default('') }}\`, \`{% if x is defined %}\`) passes. A template file's \`{% import 'common.sql' as c %}\` and \`{% from 'common.sql' import part %}\` are followed like its includes (the same loader), and the names they bind are defined: a file imported \`with context\` is judged against the task's context, and one imported without (Jinja's default) sees only Jinja's globals and the DAG's \`user_defined_macros\` (a dict literal; others leave it unjudged), so a context name it reads — \`{{ ds }}\` in a macro \`c.part(...)\` calls — fails with \`UndefinedError: 'ds' is undefined\` on Airflow 3 and 2 alike; it is reported in the imported file, with the fix: add \`with context\` to the import, or pass the value as a macro argument. Only what runs is judged in an imported file: its top level and the macros called (directly or by a macro that runs). Not judged: a string that is part of a concatenation or a \`.format()\` template (Python changes it before Airflow sees it), f-strings, other arguments (an operator's own template fields are not known), names in a DAG with \`user_defined_macros\` or \`jinja_environment_kwargs\` (but for a file imported without context), filters in one with \`user_defined_filters\`, and the files that inline strings import.`,
    reportedAt:
      "the place in the string or template file where Jinja fails: the opening delimiter or statement, or the undefined name.",
    why: `Airflow renders templated arguments only when the task runs, not when it parses the DAG file, so a DAG with a broken template loads, shows in the UI and is scheduled — and the task then fails on every try (a \`TemplateSyntaxError\` or \`UndefinedError: 'dss' is undefined\` in its log), retries included. One of Airflow 2.11's own example DAGs does this (\`example_inlet_event_extra.py\` reads \`Dataset(...)\` in a template, which the context does not have). A DAG scheduled on assets that reads \`{{ ds }}\` is the Airflow 3 migration's: it rendered on Airflow 2, and on Airflow 3.3 every asset-triggered run fails with \`'ds' is undefined\` (\`test/engines/lint-asset-runs.test.ts\` runs one).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("daily_export", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="export", bash_command="export --day {{ ds_nodsh }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("daily_export", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="export", bash_command="export --day {{ ds_nodash }}")
`),
  },
  "syntax-error": {
    catches: `Python that does not parse: a bracket never closed, a missing colon, an unexpected or unmatched indent, tabs and spaces mixed in one indentation, an unterminated string, a Python 2 \`print\` or \`exec\` statement, a positional argument after a keyword argument, a \`try\` without \`except\` or \`finally\`, \`012\`, \`return\` or \`yield\` outside a function, \`break\` outside a loop. mlgen's own fast parser reads nearly every DAG file and checks those it reads; a file it declines is judged by its layout rules and by tree-sitter-python, which read all 14,961 files of the test environment's site-packages without a false alarm. Also what CPython refuses once the file parses, checked on the tree whichever parser read it: an assignment, \`for\` or \`del\` target that is a literal, a call or an expression (\`f() = 1\`, \`del 1\`), two starred targets, augmented assignment to a tuple, a parameter without a default after one with, a parameter named twice, a bare \`*\` with no name after it, \`await\` or \`async for\`/\`with\` outside an async function, \`yield from\` in one, \`import *\` in a function, a string escape Python cannot decode (\`"C:\\Users\\etl"\`: \`\\U\` wants eight hex digits), a \`__future__\` import after other code, \`global\`/\`nonlocal\` after the name is used, assigned or a parameter, and \`nonlocal\` with no function around; none of these was reported on the 34,778 valid files of the three test environments' site-packages (32,977 read by the fast parser, 1,801 by lezer; a lezer tree with an error node in it is not judged). Other rules are not run on such a file: their findings would be read from a broken tree. Not caught: the rarer errors CPython's symbol table finds (a comprehension rebinding a walrus target, \`**\` in a dict comprehension, \`nonlocal\` of a name no enclosing function binds).`,
    reportedAt:
      "where Python would report it: the opening bracket that is never closed, the end of a line missing its colon, the first line of a bad indent.",
    why: `Airflow imports every DAG file to find its DAGs. A file that does not parse is an import error (a "Broken DAG" banner in the UI): none of its DAGs load, so they are not scheduled, and a DAG that was running disappears from the scheduler until the file is fixed. Nothing else fails loudly: the error is in the DAG processor's log and the UI's banner.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("nightly_export", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(
        task_id="export",
        bash_command="export-table --day {{ ds }}",
`),
    good: py(
      `
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("nightly_export", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(
        task_id="export",
        bash_command="export-table --day {{ ds }}",
    )
`,
      "`python -m py_compile dags/nightly_export.py` shows the same error with Python's own words.",
    ),
  },

  "duplicate-task-id": {
    catches: `Two classic operators of one DAG made with the same \`task_id\` (their full ids: a task group's prefix counts, and two groups with \`prefix_group_id=False\` share none), and an operator made with an id that does not change in the body of a \`for\` loop over a list, tuple or set of two or more items written in the statement (\`for table in ["orders", "users"]: EmptyOperator(task_id="load")\`). Not reported: TaskFlow tasks (Airflow names a function called again \`extract__1\`), tasks the file may not make every time (in the branches of an \`if\`, in a \`try\`, in a loop over a name such as \`for t in TABLES\`, in a helper function), ids computed from a loop variable or an f-string, the same id in two DAGs, and ids in a \`with\` over what a function the file cannot follow returns inside a DAG (\`with region("eu"):\`, a task group factory's: its prefix is not known); each \`with\` over a DAG factory's call outside any DAG (\`with make_dag(f"score_{region}"):\`) is a DAG of its own. Nor are the tasks of a \`@dag\` function the file never calls: its body never runs, so Airflow imports the file (dag-never-called is the finding).`,
    reportedAt: "the operator call that repeats the id (or the one in the loop).",
    why: `Airflow builds each DAG when it imports the file and raises DuplicateTaskIdFound at the second task with an id: the whole file fails to import (a "Broken DAG" banner), so none of its DAGs load, and a DAG that was running disappears from the scheduler until the file is fixed. It happens after a copy and paste, or when a loop is added around an operator whose id was a constant.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("nightly_exports", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    for table in ["orders", "customers"]:
        BashOperator(task_id="export", bash_command=f"export-table {table} --day {{{{ ds }}}}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("nightly_exports", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    for table in ["orders", "customers"]:
        BashOperator(task_id=f"export_{table}", bash_command=f"export-table {table} --day {{{{ ds }}}}")
`),
  },

  "dependency-cycle": {
    catches: `Dependencies that lead from a task back to itself: \`a >> b >> a\`, \`a >> a\`, through lists (\`[a, b] >> c\`), \`chain()\`, \`cross_downstream()\`, \`set_upstream()\`/\`set_downstream()\`, task groups (\`group >> task >> group\`) and the data a TaskFlow task passes to another. Only dependencies the file surely sets count: none between tasks whose ids are computed (a pattern stands for several tasks), none in a file that calls a \`@task_group\` function twice (its tasks are made again under other ids), and not the ones \`chain()\` may set between two lists held in names (it pairs lists of the same length item by item). Nor the dependencies of a \`@dag\` function the file never calls: its body never runs, so Airflow imports the file (dag-never-called is the finding).`,
    reportedAt:
      "the dependency written last among those that form the cycle; the message lists the cycle's tasks in order.",
    why: `A DAG is acyclic by definition: Airflow checks every DAG for a cycle when it imports the file and raises AirflowDagCycleException, so the whole file fails to import (a "Broken DAG" banner) and none of its DAGs load. A cycle usually comes from a dependency set twice, the second time the wrong way round, or from a "run it again" step wired back to an earlier task.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("daily_report", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    extract = BashOperator(task_id="extract", bash_command="extract --day {{ ds }}")
    transform = BashOperator(task_id="transform", bash_command="transform --day {{ ds }}")
    publish = BashOperator(task_id="publish", bash_command="publish --day {{ ds }}")
    extract >> transform >> publish
    publish >> extract
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("daily_report", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    extract = BashOperator(task_id="extract", bash_command="extract --day {{ ds }}")
    transform = BashOperator(task_id="transform", bash_command="transform --day {{ ds }}")
    publish = BashOperator(task_id="publish", bash_command="publish --day {{ ds }}")
    extract >> transform >> publish
`),
  },

  "invalid-argument": {
    catches: `What Airflow checks in each DAG, task group and task as it builds them: a DAG or task id with a character other than a letter, a digit, \`_\`, \`-\` or \`.\` (a space, a slash, a colon), or longer than 250 characters; a task group id with a dot or such a character (its tasks' ids are \`group.task\`); a trigger rule that is none of Airflow's (\`"all_sucess"\`, \`TriggerRule.ALL_SUCESS\`), on a task or in a DAG's or group's \`default_args\`, with the closest rule it may mean; a \`schedule\` (or Airflow 2's \`schedule_interval\`) that is no preset Airflow has (\`"@dialy"\`: did you mean \`@daily\`?), a word (\`"daily"\`) or a five-field cron expression croniter refuses (\`"0 25 * * *"\`: hour 25); a DAG's \`start_date\` written as text (\`"2025-01-01"\`); a DAG with a schedule (a preset or cron string, a timedelta, a timetable, a list of assets) and no start date, neither \`start_date\` nor a \`"start_date"\` in \`default_args\`: when the DAGs run on Airflow 2 (\`airflow: { version: 2 }\` in mlgen.config.ts), which refuses it ("DAG is missing the start_date parameter"), and on Airflow 3 too when the DAG asks for \`catchup=True\` ("start_date is required when catchup=True"; without catchup, Airflow 3 schedules it from now), judged only when the file shows all of the DAG's arguments (no \`**kwargs\`, \`default_args\` it can read in full); a scheduled DAG's param that Airflow cannot resolve when it validates the params of a DAG with a schedule ("not allowed to define a Schedule, as there are required params without default values, or the default values are not valid"): a \`Param\` with no default (\`Param(type="integer")\`: a DAG meant to be triggered with its params wants \`schedule=None\`), or a literal default that its literal \`type\`, \`enum\` or bounds do not take (\`Param(None, type="string")\`, \`Param("10", type="integer")\`, \`Param("xgb", enum=["lgbm", "rf"])\`, \`Param(0, minimum=1)\`, \`Param(0.0, exclusiveMinimum=0)\`, \`Param("resnet152_large", maxLength=8)\`: \`minimum\`, \`maximum\`, \`exclusiveMinimum\`, \`exclusiveMaximum\` and \`multipleOf\` of a number — with jsonschema's floating point: \`Param(0.3, multipleOf=0.1)\` is refused, 0.3 / 0.1 being 2.9999999999999996 —, \`minItems\`, \`maxItems\` and \`uniqueItems\` of a list (\`Param([1, 2, 1.0], uniqueItems=True)\` is refused: 1 and 1.0 are one value to jsonschema, True and 1 are two), \`const\` and an \`enum\` of numbers too, \`minLength\` and \`maxLength\` of a string, in code points, as jsonschema counts, and its \`pattern\`, searched anywhere in it as \`re.search\` does, judged for ASCII defaults and patterns that read alike in Python and JavaScript, and its \`format\`, for the formats jsonschema's FormatChecker checks without optional packages: \`date\` (YYYY-MM-DD, a day of the calendar: \`Param("01/02/2024", format="date")\` is refused), \`email\` (an @), \`ipv4\` (no leading zeros) and \`uuid\`; \`date-time\`, \`uri\` and the others depend on packages the deployment may lack, and are not judged), in the DAG's \`params\` dict or a module-level dict it names; Airflow 2 schedules a DAG daily when no schedule is given, so there it counts too; a TaskFlow call its function cannot take, which the \`@task\` decorator (and \`@task.bash\`, \`@task.branch\`, \`@setup\`, ...) finds when it binds the call to the function's signature as the DAG is built (\`TypeError: missing a required argument: 'data_path'\`, \`too many positional arguments\`, \`got an unexpected keyword argument 'epoch'\`: did you mean \`epochs\`?), through \`.override()\`, \`.partial()\` and \`.expand()\` (a mapped call is bound partially, so only arguments it cannot take count), with the parameters named for a context variable (\`ti\`, \`ds\`, \`params\`, ...: the pinned Airflows' KNOWN_CONTEXT_KEYS, \`test/engines/operator-params.test.ts\`) filled by Airflow; a call with \`*args\` or \`**kwargs\`, \`.expand_kwargs()\`, or a function with positional-only parameters is not judged; a parameter of such a function named for a context variable with a default other than \`None\` (\`def train(ds="2025-01-01")\`, \`params={}\`: "Context key parameter ds can't have a default other than None"), on the Airflow versions that have that variable (\`execution_date\` only on Airflow 2); \`python_callable=load()\`, the result of a function of the file that makes no callable (no \`def\`, \`lambda\` or \`partial\` in it, no name returned) instead of the function; a keyword argument one of Airflow's classic operators does not take (\`retires=3\`: did you mean \`retries\`?), judged for BashOperator, PythonOperator, BranchPythonOperator, ShortCircuitOperator, EmptyOperator, FileSensor, PythonSensor, TriggerDagRunOperator and ExternalTaskSensor imported from Airflow, and the providers' KubernetesPodOperator (\`namespce=\`: did you mean \`namespace\`?) and SQLExecuteQueryOperator, against the parameters the pinned Airflow 3 and 2 (and providers) give them (\`test/engines/operator-params.test.ts\`). Six- and seven-field cron expressions are left to croniter, and a day that never comes (\`0 0 31 2 *\`) is not refused (Airflow imports the file and never runs it: schedule-never-runs reports it). Ids are Python's \`\\w\`, so letters and digits of any script pass. Only literal values are judged; Airflow 2's \`dummy\` and \`none_failed_or_skipped\` are airflow3-removed's. A value written in \`.expand()\` that Airflow cannot map over (\`fit.expand(x="abc")\`, a number, \`None\`, a set: \`expand() got an unexpected type 'str'\`), where a list, a tuple, a dict or an upstream output belongs. A dependency Python or Airflow refuses when the file runs: a list shifted by a list (\`[a, b] >> [c, d]\`, also \`a >> [b, c] >> [d, e]\`, since a shift gives its right side: TypeError), \`chain()\` over two adjacent written-out lists of different lengths (ValueError). A timeout written as a number of seconds: \`execution_timeout=3600\` on a task or in \`default_args\` (when some task takes it from there), \`dagrun_timeout=3600\` on the DAG: Airflow takes only a \`timedelta\` there. A \`resources=\` dict with keys other than \`cpus\`, \`ram\`, \`disk\` and \`gpus\` (a pod's \`request_memory\`, \`limit_cpu\`: those go in a KubernetesPodOperator's \`container_resources\`), on a task or in a DAG's \`default_args\`. A keyword \`@asset(...)\` or \`@asset.multi(...)\` does not take (Airflow 3: \`TypeError: asset.__init__() got an unexpected keyword argument 'retries'\`): they take the DAG's arguments (\`schedule\`, \`params\`, \`tags\`, \`on_failure_callback\`, ...) and the asset's (\`name\`, \`uri\`, \`group\`, \`extra\`, \`watchers\`; \`outlets\` for \`@asset.multi\`), never a task's: \`retries=\`, \`execution_timeout=\` and the like go on a \`@task(...)\` beneath the decorator, whose function then takes \`**context\` only (Airflow calls it with no arguments, and \`@task\` refuses a \`self\` parameter; the asset is \`context["outlets"][0]\`), and the fix says so. Nothing of a \`@dag\` function the file never calls is judged — its decorator's arguments, its body, the tasks it makes (and so a \`@task\` function's defaults, when only it calls the function): Airflow checks them as it builds the DAG, and builds none from it, so the file imports (dag-never-called is the finding).`,
    reportedAt:
      "the id, trigger rule, schedule or argument as written (a DAG's positional id: the DAG call; a missing start date: the schedule, or `catchup=True`).",
    why: `Airflow raises a ValueError (an AirflowException on Airflow 2 for some) while it builds the DAG, so the whole file fails to import (a "Broken DAG" banner) and none of its DAGs load. A misspelt trigger rule is the common one: it reads fine in review, and nothing runs until the file is fixed.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("daily_cleanup", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    export = BashOperator(task_id="export", bash_command="export --day {{ ds }}")
    cleanup = BashOperator(task_id="cleanup", bash_command="rm -rf staging/{{ ds }}", trigger_rule="all_dnoe")
    export >> cleanup
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("daily_cleanup", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    export = BashOperator(task_id="export", bash_command="export --day {{ ds }}")
    cleanup = BashOperator(task_id="cleanup", bash_command="rm -rf staging/{{ ds }}", trigger_rule="all_done")
    # A teardown, so that a failed export still fails the run (leaf-masks-failure).
    export >> cleanup.as_teardown()
`),
  },

  "dag-not-registered": {
    catches: `A \`DAG(...)\` call in a loop at module level (\`for region in REGIONS: dag = DAG(f"sync_{region}", ...)\`) whose DAGs are never used in a \`with\` block: bound to a name each pass rebinds, or appended to a list or a dict. Not reported when a \`with\` enters the DAG (\`with dag:\` in the loop, or \`with DAG(...)\`), when the loop keeps each among the module's names (\`globals()[dag.dag_id] = dag\`), or when the id is the same every pass (one DAG either way). \`@dag\` functions called in a loop register their DAGs themselves. The same holds for a factory, a module-level function that makes a DAG by a plain \`DAG(...)\` call no \`with\` enters and returns it: a module-level call of it that drops the result (\`make_dag("eu")\`, in a loop or not) or binds it to a name a loop binds again is reported; one whose result a module-level name keeps is not, nor any in a file that stores into \`globals()\` or enters DAGs by hand.`,
    reportedAt: "the `DAG(...)` call, or the factory's call.",
    why: `Airflow registers a DAG when a \`with\` block exits it (its \`auto_register\`, on by default since Airflow 2.4), and finds any other only among the module's names once the file has run. A name a loop rebinds holds the last pass's DAG: Airflow loads that one and drops the others, with their tasks, without an import error or a warning — the classic dynamic-DAG mistake. A list or a dict of DAGs is no name Airflow looks at, so it loads none of them. Real Airflow 3.3 and 2.11 drop exactly the DAGs this rule reports (\`test/engines/lint-refused-dags.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

for region in ["eu", "us", "apac"]:
    dag = DAG(
        f"sync_orders_{region}",
        schedule="@daily",
        start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
        catchup=False,
        default_args=default_args,
    )
    BashOperator(task_id="sync", bash_command=f"orders sync --region {region}", dag=dag)
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

for region in ["eu", "us", "apac"]:
    with DAG(
        f"sync_orders_{region}",
        schedule="@daily",
        start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
        catchup=False,
        default_args=default_args,
    ):
        BashOperator(task_id="sync", bash_command=f"orders sync --region {region}")
`),
  },

  "dag-never-called": {
    catches: `A function decorated with \`@dag\` that the file never calls when Airflow parses it: not at module level (\`my_dag()\`, \`dag_object = my_dag()\`), not in a loop there, not in a function the module calls, and never named anywhere else in the file (a name in a list or passed on may be called out of sight, and is not judged). A call only under \`if __name__ == "__main__":\` does not count: Airflow imports the file under another name. Its DAG and tasks get no missing-retries, missing-timeout, no-failure-alert, sensor-poke-mode, train-without-validation or unused-output finding meanwhile: they never run. Nor does the function's body run when Airflow parses the file, so a cycle, a repeated task id or a bad argument in it (or in its decorator's arguments) does not fail the file either, until the function is called: dependency-cycle, duplicate-task-id and invalid-argument hold back there too (Airflow 3.3 and 2.11 load such a file, with only the DAGs it builds). missing-xcom-key and external-task-missing still report in it: those are bugs the DAG has as soon as it is built.`,
    reportedAt: "the function's name in its definition.",
    why: `\`@dag\` turns the function into one that builds the DAG when called; Airflow only sees DAGs that exist once the file has run. A file whose DAG function is never called imports without error, shows no "Broken DAG" banner and simply holds no DAG: the pipeline is missing from Airflow, and nothing says why. It happens when the call is dropped in a refactor, or when a second DAG is added to a file and only the first is called.`,
    bad: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args)
def daily_scores():
    @task
    def score() -> float:
        return 0.9

    score()
`),
    good: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args)
def daily_scores():
    @task
    def score() -> float:
        return 0.9

    score()


daily_scores()
`),
  },

  "cross-dag-dependency": {
    catches: `A dependency set between tasks of two DAGs of the file: \`>>\`, \`<<\`, \`chain()\`, \`set_upstream()\`/\`set_downstream()\` between a task made in one \`with DAG\` block (or with \`dag=\`) and one made in another. Not judged: tasks whose id tasks of both DAGs have (which one a name means is not certain), and DAGs whose id is computed.`,
    reportedAt: "the dependency.",
    why: `Airflow refuses a dependency between tasks of two DAGs as it parses the file ("Tried to set relationships between tasks in more than one Dag"), so the whole file fails to import (a "Broken DAG" banner) and none of its DAGs load. One DAG waits for another through an asset the first updates and the second is scheduled on, an ExternalTaskSensor, or a TriggerDagRunOperator.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("orders_ingest", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    ingest = BashOperator(task_id="ingest", bash_command="ingest --day {{ ds }}")

with DAG("orders_publish", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    publish = BashOperator(task_id="publish", bash_command="publish --day {{ ds }}")

ingest >> publish
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Asset

${DEFAULT_ARGS}

ORDERS = Asset("s3://acme-lake/orders")

with DAG("orders_ingest", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="ingest", bash_command="ingest --day {{ ds }}", outlets=[ORDERS])

with DAG("orders_publish", schedule=[ORDERS], start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    # An asset-triggered run has no logical date on Airflow 3 (no ds): the time it was queued.
    BashOperator(task_id="publish", bash_command="publish --day {{ (dag_run.logical_date or dag_run.run_after) | ds }}")
`),
  },

  "task-outside-dag": {
    catches: `A classic operator made at module level outside any DAG — not in a \`with DAG\` block (\`with dag:\` of a DAG made earlier counts, and so does a \`with\` over what a function the file cannot follow returns, \`with make_dag("etl"):\`: a DAG factory's) or a \`@dag\` function, without \`dag=\`, or with \`task_group=\` of a group made outside any DAG (\`with TaskGroup("g", dag=dag) as g:\` at module level: a group's \`dag=\` gives its tasks none) — that no dependency ties to a task of a DAG. Not judged: TaskFlow tasks, tasks made in functions, calls with \`**kwargs\` (they may hold \`dag=\`), files that attach tasks otherwise (\`dag.add_task(...)\`, \`task.dag = dag\`, \`dag.__enter__()\`), and files without a DAG.`,
    reportedAt: "the operator call.",
    why: `Airflow puts a task in a DAG through the DAG context it is made in, its \`dag=\`, or a dependency on a task that has a DAG. A task with none of these belongs to no DAG: the file imports, the DAG loads without it, and it never runs — no error, no warning. In the classic style (\`dag = DAG(...)\` and \`dag=dag\` on each operator) one forgotten \`dag=dag\` does this.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

dag = DAG("nightly_sync", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args)

sync = BashOperator(task_id="sync", bash_command="sync --day {{ ds }}", dag=dag)
notify = BashOperator(task_id="notify", bash_command="notify --day {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

dag = DAG("nightly_sync", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args)

sync = BashOperator(task_id="sync", bash_command="sync --day {{ ds }}", dag=dag)
notify = BashOperator(task_id="notify", bash_command="notify --day {{ ds }}", dag=dag)
sync >> notify
`),
  },

  "implicit-catchup": {
    airflowVersion: 2,
    catches: `A DAG that Airflow runs in time — a preset (\`@daily\`, \`@hourly\`, ...), a cron expression, a \`timedelta\`, a cron or custom timetable, or no schedule at all, which Airflow 2 reads as daily — that has a start date and does not set \`catchup\`. The finding counts the runs the first unpause starts, as Airflow 2's timetables do (one per interval that has ended since the first time at or after the start date; a \`CronTriggerTimetable\` one per time that has come; none that starts after \`end_date\`), when the start date and the schedule are written out (\`datetime(2024, 1, 1)\`, \`pendulum.datetime(...)\`, \`pendulum.parse("2024-01-01")\`, directly or through a module-level name; five-field cron without croniter's \`L\`, \`W\` and \`#\`; times are read in UTC, so a start date in another time zone may be counted one run off). Not reported: \`@once\`, \`@continuous\`, asset (dataset) schedules, \`schedule=None\`, a DAG with no start date (Airflow 2 refuses it: invalid-argument), and a call that may pass catchup through \`**kwargs\`.`,
    reportedAt: "the DAG call (the `with DAG(...)` line, or the `@dag(...)` decorator).",
    why: `Airflow 2 gives a DAG that does not set \`catchup\` the \`[scheduler] catchup_by_default\` setting, True unless the deployment changed it. A training DAG written with \`start_date=datetime(2024, 1, 1)\` and \`schedule="@daily"\` then starts one run for every day since January 2024 the moment it is unpaused, sixteen at a time (\`max_active_runs\`), each training a model on an old day's data and registering it; and it does so again for every day it was paused. Airflow 3 changed the default to False, so the same file backfills on one version and not on the other: saying \`catchup=False\` (or \`catchup=True\` for a backfill that is wanted) keeps the two alike through an upgrade.`,
    bad: py(`
${IMPORTS}
from airflow import DAG
from airflow.operators.bash import BashOperator

${DEFAULT_ARGS}

with DAG("nightly_features", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="build_features", bash_command="python -m features --day {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow import DAG
from airflow.operators.bash import BashOperator

${DEFAULT_ARGS}

with DAG("nightly_features", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    BashOperator(task_id="build_features", bash_command="python -m features --day {{ ds }}")
`),
  },

  "hardcoded-secret": {
    catches: `A credential written into a DAG file, found four ways:

- **by the name of its slot**: a string given to a keyword argument, a dict key, a variable, an attribute or an environment variable whose last word names a credential (\`password=\`, \`"api_key":\`, \`API_TOKEN = ...\`, \`os.environ["MLFLOW_TRACKING_PASSWORD"] = ...\`, \`client_secret\`, \`aws_secret_access_key\`, \`private_key\`; the names the compiler refuses literals under, MLG1011), and an \`Authorization\` header with a Bearer, Basic or Token value;
- **in a URL**: a password in the user info (\`postgresql://etl:...@db/dw\`), a web URL's user (sent as basic auth), or a token in the query (\`?sig=\`, \`?access_token=\`);
- **by its shape**, anywhere in a string: AWS access key ids, GitHub, Slack, Hugging Face, Databricks, OpenAI and Stripe tokens, Google API keys, Slack webhook URLs, JSON web tokens and private key blocks;
- **in a command** (a \`bash_command\`, a container's \`arguments\`): a credential's environment variable set to a literal (\`PGPASSWORD=... psql\`, \`export AWS_SECRET_ACCESS_KEY=...\`), an option that names one given a literal (\`--api-key ...\`, \`["--db-password", "..."]\`), a password in a client's short option (\`mysql -p...\` attached, \`sshpass -p ...\`, \`curl -u user:...\`), an \`Authorization:\` header.

The \`.sql\` and shell template files that task arguments name (see missing-xcom-key) are searched the same ways, comments included: a password in a comment is as readable as one in code.

A value is a credential when it is made like one (a digit, a symbol, or 20 characters or more) and is none of what is read when the task runs or stands in for it: a Jinja template (\`{{ conn.pg.password }}\`, \`{{ var.value.token }}\`), \`\${TOKEN}\`, \`$TOKEN\`, \`%(password)s\`, a placeholder (\`<password>\`, \`***\`, \`your-token-here\`, \`my-password\`), an environment variable's name (\`"MLFLOW_TRACKING_TOKEN"\`), a path, a file name or a URL without credentials, a Python path, a label (\`"Passwords"\`), words (\`"airflow"\`, \`"the shared secret"\`), or a documentation example (\`AKIAIOSFODNN7EXAMPLE\`, \`scott:tiger\`). Tokens that mark a place in a listing (\`next_page_token\`) are no credential. The finding names the kind of credential and its slot, never its value. No finding on the example DAGs and code of the pinned apache-airflow 3 and 2 and mlflow packages (3,551 files).`,
    reportedAt: "the string that holds the credential, or the credential in a template file.",
    why: `Airflow shows every DAG file's source to anyone who can open the DAG in its UI (the Code tab), the DAG processor and workers log it on errors, and the repository keeps it in its history after it is removed, in every clone and fork. A credential in a DAG file is readable by far more people and systems than the connection it belongs to, and rotating it means finding every copy.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

WAREHOUSE = "postgresql://loader:L0ad3r-2025@warehouse.internal:5432/dw"


def load(uri: str) -> None:
    print(f"loading into {uri.split('@')[-1]}")


with DAG("load_orders", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    PythonOperator(task_id="load", python_callable=load, op_kwargs={"uri": WAREHOUSE})
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def load(conn_id: str) -> None:
    from airflow.hooks.base import BaseHook

    print(f"loading into {BaseHook.get_connection(conn_id).host}")


with DAG("load_orders", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    PythonOperator(task_id="load", python_callable=load, op_kwargs={"conn_id": "warehouse"})
`),
  },

  "unserializable-return": {
    catches: `A task whose function's return value Airflow pushes as an XCom — a \`@task\` function, or a \`PythonOperator\`'s \`python_callable\` defined in the file, unless \`do_xcom_push=False\` — and that returns a model object: the result of \`.fit(...)\` (scikit-learn, XGBoost and LightGBM estimators return themselves; Keras a History), an object of a class imported from scikit-learn, XGBoost, LightGBM, CatBoost, PyTorch, TensorFlow/Keras, Transformers, statsmodels or Prophet (\`RandomForestClassifier(...)\`, \`xgb.XGBClassifier(...)\`), a model loaded with \`joblib.load\`, \`pickle.load\`, \`torch.load\` or \`mlflow.<flavor>.load_model\`, or an instance of a class of the file that is neither a dataclass nor an attrs class and has no \`serialize()\` method — returned directly, through a name the function binds to one (and to nothing else), or inside a tuple, list or dict it returns. Also an instance of a dataclass, an attrs class or a class with \`serialize()\` defined in the DAG file itself, returned directly or through a name, when another task reads it (a TaskFlow argument, an \`xcom_pull\` of its return value): Airflow stores it, but the reading task fails.`,
    reportedAt: "the returned expression.",
    why: `Airflow stores what a task returns as an XCom, through its serializer, which knows built-in types, dates, pandas and numpy values, dataclasses, attrs and pydantic classes and classes with a \`serialize()\` method — not estimators, networks or boosters. Pushing one raises \`TypeError: Cannot serialize object of type ...\` after the function has finished: the task fails once its training is done, every retry trains again and fails the same way, and the model is lost. Real Airflow 3.3 and 2.11 fail exactly the tasks this rule reports (\`test/engines/airflow-constructs.test.ts\`). Save the model where the next task reads it (MLflow, object storage) and return its URI. A class of the DAG file itself is stored fine, but loading it again needs its module on \`[core] allowed_deserialization_classes\`, and Airflow imports a DAG file under a made-up module name (\`unusual_prefix_<hash>_<file>\`) that no allow list names: every task reading the value fails with \`ImportError: ... was not found in allow list for deserialization imports\`, while the task that returned it succeeded. Move the class to a module of the project, or return a dict.`,
    bad: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def churn_model():
    @task
    def check_features(ds=None):
        return f"s3://features/churn/{ds}.parquet"

    @task
    def fit_model(features_uri: str):
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        frame = pd.read_parquet(features_uri)
        return LogisticRegression().fit(frame.drop(columns="label"), frame["label"])

    fit_model(check_features())


churn_model()
`),
    good: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def churn_model():
    @task
    def check_features(ds=None):
        return f"s3://features/churn/{ds}.parquet"

    @task
    def fit_model(features_uri: str):
        import mlflow
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        frame = pd.read_parquet(features_uri)
        model = LogisticRegression().fit(frame.drop(columns="label"), frame["label"])
        info = mlflow.sklearn.log_model(model, name="churn")
        return info.model_uri

    fit_model(check_features())


churn_model()
`),
  },

  "unrendered-template": {
    catches: `A Jinja template that reads Airflow's task context (\`{{ ds }}\`, \`{{ params.day }}\`, \`{{ var.value.bucket }}\`, \`{{ ti.xcom_pull(...) }}\`) written where Airflow never renders it:
- a string in the code of a function a Python task runs (\`@task\`, \`PythonOperator\` and their kin), or a module-level string the function reads; a string the function returns gets its own hint, as an XCom value is not rendered either, not even in \`.expand()\` or another operator's argument;
- the default of a parameter of that function, when the task's call (or \`op_args\`/\`op_kwargs\`) does not pass it;
- a value in \`params\` (a task's, a DAG's, or in \`default_args\`);
- an argument \`functools.partial\` binds to a \`python_callable\`;
- an argument every operator takes from BaseOperator and none renders — \`owner\`, \`email\`, \`pool\`, \`queue\`, \`run_as_user\`, \`executor\` — in a task's call or in \`default_args\` (\`"email": "{{ var.value.oncall }}"\` sends the alert to that text), unless the file declares \`template_fields\` of its own (\`test/engines/operator-params.test.ts\` checks that no operator of the pinned Airflows and providers lists them).

Only names of Airflow's context count, read as Airflow templates read them (\`params\`, \`var\`, \`ti\` and the like through a member), so other template languages' text (dbt's \`{{ var("x") }}\`) is left alone, and so is a file that renders templates itself (\`render_template\`, \`jinja2\`). An f-string is read as the text Python makes of it.`,
    reportedAt: "the string that holds the template.",
    why: `Airflow renders an operator's templated arguments (\`bash_command\`, \`sql\`, \`op_args\`, \`op_kwargs\`, \`templates_dict\`, a TaskFlow call's arguments) just before the task runs, and nothing else. Anywhere else the template is plain text: the task reads \`s3://bucket/{{ ds }}/x.csv\`, queries \`WHERE day = '{{ ds }}'\`, or gets \`{{ ds }}\` back from \`{{ params.day }}\` — and often runs to the end, so the mistake shows up as wrong or missing data rather than a failure. Real Airflow 3.3 and 2.11 hand exactly the reported strings to the task unrendered, and render the near misses (\`test/engines/airflow-constructs.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def daily_features():
    @task
    def extract():
        import pandas as pd

        frame = pd.read_parquet("s3://events/{{ ds }}/events.parquet")
        return len(frame)

    extract()


daily_features()
`),
    good: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def daily_features():
    @task
    def extract(ds=None):
        import pandas as pd

        frame = pd.read_parquet(f"s3://events/{ds}/events.parquet")
        return len(frame)

    extract()


daily_features()
`),
  },

  "schedule-never-runs": {
    catches: `A DAG whose cron schedule — a five-field string given as \`schedule\` (or Airflow 2's \`schedule_interval\`), or the expression of a \`CronTriggerTimetable\` or \`CronDataIntervalTimetable\` — names a day of the month that none of its months has: \`0 0 30 2 *\` (February 30), \`0 0 31 4,6,9,11 *\`, \`0 0 30-31 2 *\`. Only when the day of the week is \`*\`: with both restricted, croniter runs on either (\`0 0 30 2 1\` runs every Monday in February). February 29 comes (every four years), and so does the month's last day written \`L\`. An expression croniter refuses is invalid-argument's; DSL pipelines get the same check from the compiler.`,
    reportedAt: "the schedule argument.",
    why: `Airflow imports the file, lists the DAG and shows no error, but croniter finds no next time for the schedule, so the scheduler computes no next run (it logs "Failed to fetch run info" in the DAG processor's log) and the DAG never runs — not once, and nothing tells its owner. Real Airflow 3.3 and 2.11 have no next run for exactly the DAGs this rule reports (\`test/engines/lint-schedules.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "midyear_report",
    schedule="0 2 31 6 *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="publish_report", bash_command="report publish --half {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "midyear_report",
    schedule="0 2 L 6 *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="publish_report", bash_command="report publish --half {{ ds }}")
`),
  },
  "leaf-masks-failure": {
    catches: `A DAG whose last task (one nothing comes after) has a trigger rule under which it runs although a task before it failed — a cleanup with \`all_done\` (or \`always\`, \`one_done\`, \`none_skipped\`), an alert task with \`one_failed\` or \`all_failed\`, a task with \`one_success\` — when some task before it has no other last task that would fail with it. A teardown made by \`.as_teardown()\` is left out of the last tasks, as Airflow leaves it out of the run's state (a task whose only later tasks are teardowns is a last task); one with \`on_failure_fail_dagrun=True\` is a last task Airflow judges the run by, and it runs after the failure, so it hides it too. A file with \`@teardown\` tasks, or a flag that is no literal, is not judged. Tasks made in loops, computed ids and dependencies the linter cannot follow hold the rule back. DSL pipelines: the same on the tasks' trigger rules, a teardown (\`teardown: true\`) left out of the run's state as Airflow leaves it (a task before only teardowns is a last task), and the fix for a cleanup is to make it one.`,
    reportedAt: "the last task: its operator call or TaskFlow call.",
    why: `Airflow decides a run's state from its last tasks: failed when one of them failed (or was not run for a failure: upstream_failed), else success when they all succeeded or were skipped. A cleanup with \`all_done\` after the work runs and succeeds when the work fails, so the run is green, its failure visible only in the grid; the same with an alert task (\`one_failed\`) at the end, the very task meant to say it failed. Dashboards and dependants that watch run states (an ExternalTaskSensor, a TriggerDagRunOperator waiting, an asset event, SLAs on success) carry on as if nothing happened. Airflow's teardown tasks exist for this: they run after a failure and the run still fails. Real Airflow 3.3 and 2.11 end such runs success, and fail them with a teardown (\`test/engines/lint-leaf-masks.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "nightly_scoring",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    create = BashOperator(task_id="create_cluster", bash_command="cluster create")
    score = BashOperator(task_id="score", bash_command="cluster run score.py")
    delete = BashOperator(task_id="delete_cluster", bash_command="cluster delete", trigger_rule="all_done")
    create >> score >> delete
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "nightly_scoring",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    create = BashOperator(task_id="create_cluster", bash_command="cluster create")
    score = BashOperator(task_id="score", bash_command="cluster run score.py")
    delete = BashOperator(task_id="delete_cluster", bash_command="cluster delete")
    create >> score >> delete.as_teardown(setups=create)
`),
  },
  "run-timeout-unalerted": {
    catches: `A DAG with a \`dagrun_timeout\` and no \`on_failure_callback\` of its own, whose tasks alert when they fail (an \`on_failure_callback\` or \`email\` on them, in their groups' or the DAG's \`default_args\`). A DAG whose tasks alert no one either is no-failure-alert's finding, not this one; a \`DAG(**kwargs)\` that may hold the callback is left alone. DSL pipelines: one with a \`dagrunTimeout\` whose failure alerts are on tasks or groups, none in its \`defaults\` (mlgen sends the pipeline's \`defaults.onFailure\` alerts when a run times out).`,
    reportedAt: "the `dagrun_timeout` argument.",
    why: `When a run goes over its \`dagrun_timeout\`, Airflow's scheduler marks it failed, sets its unfinished tasks to skipped (the running ones are stopped) and calls the DAG's own \`on_failure_callback\` with \`reason\` \`timed_out\`, and nothing else: no task fails, so no task's callback or email goes out (Airflow 2 says so in its code; on Airflow 3 a bash task whose command is killed may still alert as failed). The run that hung, the one the timeout was set for, is the one nobody hears about. Real Airflow 3.3's scheduler and dag-processor, and Airflow 2.11's scheduler and processor code, call the DAG's callback alone (\`test/engines/dagrun-timeout.test.ts\`). The DAG's callback is also called, with \`reason\` \`task_failure\`, when a task fails: check the reason to alert once.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "score_customers",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=4),
    default_args=default_args,
):
    BashOperator(task_id="score", bash_command="score --day {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def alert_timeout(context):
    if context["reason"] == "timed_out":
        SlackNotifier(slack_conn_id="slack_alerts", text="{{ dag.dag_id }} timed out")(context)


with DAG(
    "score_customers",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=4),
    default_args=default_args,
    on_failure_callback=alert_timeout,
):
    BashOperator(task_id="score", bash_command="score --day {{ ds }}")
`),
  },
  "timeout-skips-teardown": {
    catches: `A DAG with a \`dagrun_timeout\` (not None) and teardown tasks: tasks made teardowns by \`.as_teardown(...)\` or written with \`@teardown\`. DSL pipelines get the same check from the compiler (MLG1046).`,
    reportedAt: "the `dagrun_timeout` argument.",
    why: `A teardown exists to run after the work, also when the work failed: a cluster, a scratch schema or a GPU node the setup made is removed. A run over its \`dagrun_timeout\` is not failed by its work: the scheduler marks it failed and sets every unfinished task instance to skipped (SchedulerJobRunner._schedule_dag_run), the running work and the teardown waiting for it alike, and a run that is over schedules nothing more. The teardown never runs, and what the setup made stays, paid for, until someone notices. Real Airflow 3.3's scheduler skips the teardown with the work, and Airflow 2.11's scheduler code leaves it without a state in the failed run (\`test/engines/dagrun-timeout.test.ts\`). An \`execution_timeout\` on the work tasks bounds the run as well: the task that goes over fails, and the teardowns after it run.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "score_on_cluster",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    on_failure_callback=SlackNotifier(slack_conn_id="slack_alerts", text="{{ dag.dag_id }} failed"),
):
    create = BashOperator(task_id="create_cluster", bash_command="clusters create score-{{ ds_nodash }}")
    score = BashOperator(task_id="score", bash_command="score --cluster score-{{ ds_nodash }}")
    delete = BashOperator(task_id="delete_cluster", bash_command="clusters delete score-{{ ds_nodash }}")
    create >> score >> delete.as_teardown(setups=create)
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "score_on_cluster",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    create = BashOperator(task_id="create_cluster", bash_command="clusters create score-{{ ds_nodash }}")
    score = BashOperator(
        task_id="score",
        bash_command="score --cluster score-{{ ds_nodash }}",
        execution_timeout=timedelta(hours=6),
    )
    delete = BashOperator(task_id="delete_cluster", bash_command="clusters delete score-{{ ds_nodash }}")
    create >> score >> delete.as_teardown(setups=create)
`),
  },
  "none-param-printed": {
    catches: `A templated argument (\`bash_command\`, \`env\`, \`sql\`, \`templates_dict\`, \`op_kwargs\`) that prints a param whose default is None — \`params={"since": Param(None, type=["null", "string"])}\` or a plain \`None\` — as all of an expression, \`{{ params.since }}\`, also through \`| default(...)\`, where the text does not test it first (\`{% if params.since %}\`). Reported once per text and param. DSL pipelines get the same check from the compiler (MLG1049).`,
    reportedAt: "the read of the param in the template.",
    why: `A param whose default is None is one a run may leave unset: the scheduled runs, and a trigger without conf, do. Jinja prints Python's None as the text \`None\`, so the command runs with \`--since None\`, a query compares a column with the string 'None', a function gets \`"None"\`; nothing fails where the cause is. \`| default('...')\` does not help: Jinja's default filter replaces an undefined value, not None (real Airflow 3.3.2 and 2.11.2 render \`[None] [None] []\` for \`{{ params.x }}\`, \`{{ params.x | default('x') }}\` and \`{{ params.x or '' }}\`: \`test/engines/optional-params.test.ts\`). Test the param, or print something in its place.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

${DEFAULT_ARGS}

with DAG(
    "orders_reload",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"since": Param(None, type=["null", "string"])},
):
    BashOperator(task_id="export", bash_command="orders export --since {{ params.since }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

${DEFAULT_ARGS}

with DAG(
    "orders_reload",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"since": Param(None, type=["null", "string"])},
):
    BashOperator(
        task_id="export",
        bash_command="orders export{% if params.since %} --since {{ params.since }}{% endif %}",
    )
`),
  },
  "none-param-computed": {
    catches: `A templated argument (\`bash_command\`, \`env\`, \`sql\`, \`templates_dict\`, \`op_kwargs\`; a string given whole, not an item of a list nor literals the parser joins) that computes with a param whose default is None — \`params={"extra_days": Param(None, type=["null", "integer"])}\` or a plain \`None\` — as an operand of arithmetic or an ordering (\`{{ 20 + params.extra_days }}\`, \`{% if params.threshold < 0.1 %}\`, \`{{ -params.shift }}\`, also through \`| default(...)\`, which replaces an undefined value and not None), its attribute, item or method (\`params.s.upper()\`), or a filter that fails on None (\`| round\`, \`| length\`), where nothing guards that read: an \`{% if %}\` around it that holds only with a value (\`params.x\`, \`is not none\`, \`!= none\`, a conjunct of an \`and\`), the \`{% else %}\` of one that holds only without, or its own expression testing it first (\`params.x and params.x > 3\`, \`params.x + 1 if params.x else 0\`, \`(params.x or 0) * 2\`). A test elsewhere in the text guards nothing. Filters that give a value for None (\`| int\`, \`| float\`, \`| default(v, true)\`), concatenation (\`~\`), \`'%s' %\`, equality and \`in\` take None and are not reported; a value computed through \`{% set %}\` is not followed. Reported once per text and param. DSL pipelines get the same check from the compiler (MLG1050).`,
    reportedAt: "the read of the param in the template.",
    why: `A param whose default is None is one a run may leave unset: the scheduled runs, and a trigger without conf, do. Jinja evaluates \`params.epochs + 5\` in Python, and None + 5 raises a TypeError while Airflow renders the task's templates, so the task fails before its command or function runs, on every run that leaves it unset (real Airflow 3.3.2 and 2.11.2 fail the task with \`TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'\` and run the same text tested against None first, and with a stand-in: \`test/engines/optional-params.test.ts\`). Test the param against None first, compute with a stand-in, or give it a default of its type.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

${DEFAULT_ARGS}

with DAG(
    "churn_scoring",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"extra_days": Param(None, type=["null", "integer"])},
):
    BashOperator(task_id="score", bash_command="churn score --window {{ 20 + params.extra_days }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

${DEFAULT_ARGS}

with DAG(
    "churn_scoring",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"extra_days": Param(None, type=["null", "integer"])},
):
    BashOperator(
        task_id="score",
        bash_command="churn score --window {{ 20 + (params.extra_days or 0) }}",
    )
`),
  },
  "deadline-alert-template": {
    catches: `A template in the fields of a deadline alert's notifier (\`DAG(deadline=DeadlineAlert(callback=SyncCallback(SlackWebhookNotifier, kwargs={"text": ...})))\`, or \`AsyncCallback\`; any \`...Notifier\` class or provider \`send_..._notification\` the file does not define itself, also written as its import path; Airflow 3.1 or later with an \`AsyncCallback\`, 3.2 with a \`SyncCallback\`) that reads a name the alert's context lacks: the task context a failure callback gets (\`ti\`, \`ds\`, \`run_id\`, \`dag\`, \`params\`, \`logical_date\`, ...), unguarded by \`| default\`, \`is defined\`, an \`{% if name %}\` or \`name or ...\`; a field the run lacks there (\`{{ dag_run.run_id }}\`: the REST API's run calls it \`dag_run_id\`; \`dag_run.execution_date\`); or that puts one of Airflow's date filters (\`ds\`, \`ts\`, ...) on a date of the run (\`{{ dag_run.logical_date | ds }}\`); or that Jinja cannot compile. The alert's \`dag_run\`, \`deadline\`, Jinja's globals and the notifier's own fields are the names it has. Read where the DAG's \`deadline\` holds the alert, in a list, or through module-level names (the kwargs dict too). A plain function as the callback gets its kwargs as written, unrendered, and is not checked. DSL pipelines get the same check from the compiler (MLG3001).`,
    reportedAt: "the string holding the template.",
    why: `A deadline alert is not a failure callback. When a run misses its deadline, Airflow 3 (models/deadline.py \`handle_miss\`) hands the notifier a context of two names: \`dag_run\`, the run as the REST API returns it (JSON: its dates are text), and \`deadline\` (its id and \`deadline_time\`). The notifier renders its fields with that context in Airflow's sandboxed Jinja environment without the DAG's (no user macros or filters, no \`do\` tag, undefined names not strict): a name it lacks renders as nothing (\`{{ ds }}\` prints an empty string, so the on-call reads "training for  is late"), a read from one (\`{{ ti.task_id }}\`) raises, and a date filter on \`dag_run.logical_date\` calls strftime on text and raises: the callback fails and the alert is not sent; only Airflow's log, the callback's failed state and a \`callback_failed\` metric say so. Teams moving a failure notifier, or an Airflow 2 SLA callback, into a deadline alert carry such texts along. Read the run's fields from \`dag_run\` (\`dag_run.dag_id\`, \`dag_run.dag_run_id\`, \`dag_run.state\`, \`dag_run.logical_date\`, \`dag_run.conf\`) and the deadline's time from \`deadline.deadline_time\`, a date the filters take. Real Airflow 3.3.2's notifier renders every text this rule reports as said here, and the texts it leaves alone as written (\`test/engines/lint-deadline-texts.test.ts\`).`,
    bad: py(deadlineTextExample("training for {{ ds }} is late: {{ ti.task_id }}")),
    good: py(
      deadlineTextExample(
        "training for {{ dag_run.logical_date }} is late ({{ dag_run.dag_run_id }}, {{ dag_run.state }})",
      ),
    ),
  },
  "deadline-never-set": {
    catches: `A deadline alert (\`DAG(deadline=DeadlineAlert(...))\`, Airflow 3.1 or later; with a \`SyncCallback\`, as in the examples, 3.2) counted from the logical date, \`DeadlineReference.DAGRUN_LOGICAL_DATE\`, in a DAG whose runs may have none: a DAG with no time schedule (\`schedule=None\`, or none given: its runs are triggered by the REST API, the CLI, the UI or another DAG) or one scheduled by assets, alone or beside a time schedule (\`AssetOrTimeSchedule\`, \`AssetTriggeredTimetable\`: the runs the assets trigger have no logical date). The reference is read where the DAG's \`deadline\` holds it, in a list of them, or through a module-level name bound to one (comments and strings aside). Also a deadline counted from the average run, \`DeadlineReference.AVERAGE_RUNTIME(max_runs, min_runs)\`, that needs more successful runs than it reads (\`min_runs\` over \`max_runs\`, with Airflow's defaults: \`max_runs\` 0 is 10, \`min_runs\` None is \`max_runs\`; numbers the file writes as literals), whatever the schedule. DSL pipelines get the same checks from the compiler (MLG1051, and MLG1011 for \`minRuns\` over \`averageOf\`).`,
    reportedAt: "the `DAGRUN_LOGICAL_DATE` reference, or the `AVERAGE_RUNTIME(...)` call.",
    why: `Airflow 3 works out a run's deadline when it makes the run, from the reference: the logical date plus the interval. A run triggered with \`logical_date: null\` (the REST API allows it; \`airflow dags trigger\` without \`-l\` sends none; the UI's form fills in the current time) or by assets has no logical date, so the reference is None and no deadline is set: however late that run is, nobody is alerted, and only a warning in Airflow's log says so (the scheduler's, or the api-server's for a run the REST API triggers) (real Airflow 3.3.2 alerts a late run by a deadline counted from when it was queued, \`DAGRUN_QUEUED_AT\`, and not by one counted from the logical date when the run has none: \`test/engines/dagrun-timeout.test.ts\`). Count from when the run was queued, which every run has, or give the DAG a time schedule, whose scheduled runs have a logical date (a run triggered by hand without one still gets none). \`AVERAGE_RUNTIME\` reads the durations of at most \`max_runs\` of the DAG's latest successful runs (failed ones never count) when it makes a run, and sets no deadline while it finds fewer than \`min_runs\` (\`Not enough completed runs to calculate average runtime for dag_id=... (found 3, need 5)\` in the log of the process that makes the run: the scheduler, or the api-server for a run the REST API triggers): with \`min_runs\` over \`max_runs\` it never finds enough, and no run of the DAG is ever alerted (real Airflow 3.3.2 sets none while too few runs have finished, then alerts a run slower than the average: \`test/engines/dagrun-timeout.test.ts\`).`,
    bad: py(deadlineExample("DAGRUN_LOGICAL_DATE")),
    good: py(deadlineExample("DAGRUN_QUEUED_AT")),
  },
  "schedule-uneven-step": {
    catches: `A DAG whose cron schedule (a five-field string, a preset aside, or the expression of a \`CronTriggerTimetable\` or \`CronDataIntervalTimetable\`) steps a field by a number that does not divide the field's span: \`*/90\` or \`*/45\` in the minutes (the span is an hour), \`*/5\` or \`*/7\` in the hours (a day), \`*/5\` in the months (a year), any step of the days of the week but \`*/7\`. Judged where the span repeats: the minutes when two consecutive hours run (\`*/45 9 * * *\`, one hour a day, is not reported), the hours when consecutive days run and the day of the month is \`*\`. Steps over a range (\`0 9-17/2 * * *\`) are not judged. DSL pipelines get the same check from the compiler (MLG1043).`,
    reportedAt: "the schedule argument.",
    why: `croniter, Airflow's cron parser, counts a step within the field's span and starts it again at the span's start: \`*/90 * * * *\` fires at minute 0 only, so it runs once an hour, and \`*/45 * * * *\` at minutes 0 and 45, so its runs are 45 and then 15 minutes apart. Airflow loads the DAG and schedules it without a word; runs come at times nobody planned, twice as often or a third as often as capacity was sized for. The finding lists the times it fires and the gaps, as croniter computes them (\`test/engines/cron-croniter.test.ts\` holds the check to the pinned croniter).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "refresh_features",
    schedule="*/45 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="refresh", bash_command="features refresh --at {{ ts }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "refresh_features",
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="refresh", bash_command="features refresh --at {{ ts }}")
`),
  },
  "external-schedule-mismatch": {
    catches: `An \`ExternalTaskSensor\` whose runs look for a logical date that the DAG it waits for (\`external_dag_id\`) never runs at: a sensor in a \`@daily\` DAG waiting for a DAG scheduled \`0 2 * * *\` with no \`execution_delta\`, or with one that does not bridge the gap. Airflow looks for the run of the other DAG whose logical date is the sensor's own run's minus \`execution_delta\`, and a DAG with a cron schedule has the expression's times as logical dates, on Airflow 3 (the trigger time) and 2 (the start of the data interval) alike. When only some runs find a date (an hourly DAG waiting for a daily one) the finding says what share; when an \`execution_delta\` lines every run up, the fix gives it. Judged when both schedules are presets or five-field cron expressions the files spell out (\`schedule=\`, \`CronTriggerTimetable\`), each read in its time zone (a timetable's \`timezone=\`, else the start date's; none, or UTC, is Airflow's default), and the DAG waited for is defined once with a literal id, in the same file or in another file linted in the same run (\`mlgen lint dags/\`, pre-commit's \`--all-files\`): a sensor waiting for a DAG no linted file defines is not reported. \`execution_date_fn\`, templated ids, schedules of \`None\`, assets and timedeltas are not judged. Time zones count: logical dates are instants and \`execution_delta\` is subtracted as one, so a UTC DAG at 03:00 waiting for a Europe/Berlin one at 04:00 finds it in winter only (the finding says so, and the fix is to schedule both in one zone), and \`execution_delta=timedelta(days=1)\` in a zone with daylight saving time misses the runs after the days the clocks change (the fix subtracts a calendar day there: \`execution_date_fn=lambda dt, **_: pendulum.instance(dt).in_timezone(...).subtract(days=1)\`). Times a zone skips or repeats when its clocks change are not judged.`,
    reportedAt: "the sensor's call.",
    why: `The sensor finds no run of the other DAG at the date it asks for, so it pokes (or reschedules) until its \`timeout\` — its own (from the task, or its groups' or DAG's \`default_args\`), else Airflow's \`[sensors] default_timeout\` of seven days, as the finding says; a worker slot held all along in poke mode — then fails its task, and everything downstream of it, on every run; nothing says why, because the other DAG succeeds every day. It is one of the most asked-about Airflow problems. Real Airflow 3.3 and 2.11 agree with every finding: their own timetables give each DAG's logical dates, and the sensor's own \`_get_dttm_filter\` the date it waits for (\`test/engines/lint-external-sensors.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "build_features",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="build", bash_command="features build --day {{ ds }}")

with DAG(
    "score_customers",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(
        task_id="wait_for_features",
        external_dag_id="build_features",
        external_task_id="build",
        mode="reschedule",
        timeout=timedelta(hours=6),
    )
    wait >> BashOperator(task_id="score", bash_command="score customers --day {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "build_features",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="build", bash_command="features build --day {{ ds }}")

with DAG(
    "score_customers",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(
        task_id="wait_for_features",
        external_dag_id="build_features",
        external_task_id="build",
        execution_delta=timedelta(hours=22),
        mode="reschedule",
        timeout=timedelta(hours=6),
    )
    wait >> BashOperator(task_id="score", bash_command="score customers --day {{ ds }}")
`),
  },

  "external-task-missing": {
    catches: `An \`ExternalTaskSensor\` whose \`external_task_id\`, \`external_task_ids\` or \`external_task_group_id\` names a task or task group that the DAG it waits for (\`external_dag_id\`) does not have. Most often the task sits in a task group and is named without the group's prefix (\`join_features\` for \`build.join_features\`), or was renamed since; also a group named as a task, or a task as a group. The fix gives the id to use: the prefixed one, the other argument, or the closest id the DAG has. Judged when the DAG waited for is defined once with a literal id, in the same file or in another file linted in the same run (\`mlgen lint dags/\`), and its file shows every task id it has: no id computed in a loop or an f-string, no task made in a function, no \`@task_group\` called twice, and nothing imported from outside Airflow and the standard library called when it is parsed, at module level or in a function of the file called there (a project's \`make_tasks(dag)\` may add tasks the file does not show); a call in a task's callable or a callback (\`boto3.client(...)\` in a PythonOperator's function) runs in the task, and adds none. Templated ids are not judged. On Airflow 2 a group id naming a task is that task (Airflow 2 falls back to it), so only Airflow 3 reports it.`,
    reportedAt: "the id argument's value.",
    why: `Airflow counts the other DAG's task instances by the id the sensor gives and finds none, ever: the sensor pokes (or reschedules) until its \`timeout\` and fails, with everything downstream, on every run, while the other DAG succeeds. The finding says how long: the sensor's own \`timeout\` (seconds or a \`timedelta\`, from the task or from its groups' or DAG's \`default_args\`), else Airflow's \`[sensors] default_timeout\`, seven days; in poke mode an \`execution_timeout\` shorter than the timeout ends each try first, and each retry waits it again. A timeout the file does not show, or a deferrable sensor, leaves the number out. A task group it lacks fails the sensor at its first poke on Airflow 3 (\`Task group ... not found in DAG\`). Real Airflow 3.3 and 2.11 fail exactly the sensors this rule reports, and succeed them with the ids its fixes give (\`test/engines/lint-external-tasks.test.ts\`, which runs both DAGs with \`dag.test()\`), after the wait the finding names (\`test/engines/lint-sensor-timeouts.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, TaskGroup

${DEFAULT_ARGS}

with DAG(
    "build_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    with TaskGroup("build"):
        BashOperator(task_id="join_features", bash_command="features join --day {{ ds }}")

with DAG(
    "score_customers",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(
        task_id="wait_for_features",
        external_dag_id="build_features",
        external_task_id="join_features",
        mode="reschedule",
        timeout=timedelta(hours=6),
    )
    wait >> BashOperator(task_id="score", bash_command="score customers --day {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, TaskGroup

${DEFAULT_ARGS}

with DAG(
    "build_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    with TaskGroup("build"):
        BashOperator(task_id="join_features", bash_command="features join --day {{ ds }}")

with DAG(
    "score_customers",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(
        task_id="wait_for_features",
        external_dag_id="build_features",
        external_task_id="build.join_features",
        mode="reschedule",
        timeout=timedelta(hours=6),
    )
    wait >> BashOperator(task_id="score", bash_command="score customers --day {{ ds }}")
`),
  },

  "duplicate-dag-id": {
    catches: `A DAG id defined twice, with a literal id (\`DAG("sales_daily", ...)\`, \`dag_id="sales_daily"\`, or a \`@dag\` function named \`sales_daily\` that the file calls), by DAGs Airflow builds once each (not in a loop or a branch, not of an uncalled \`@dag\` function):
- **in one file**, each definition is reported, naming the other's line;
- **in two DAG files linted together** (\`mlgen lint dags/\`), each file is reported, naming another. A file linted alone has nothing to compare, so this part needs the folder.`,
    reportedAt: "the DAG's id (the `dag_id` string), or the DAG call.",
    why: `Airflow keeps one DAG per id. In one file, it loads one of the DAGs that share an id — whichever it meets last in an unordered set, so not always the last one written — and drops the others without an error. Across files, a DagBag of the whole folder (\`airflow dags reserialize\`, tests that load the folder) refuses the later file with \`AirflowDagDuplicatedIdException\`, every DAG of it included; the DAG processor parses each file on its own, so both are stored under the same id in turn, and the DAG's tasks, schedule and code flip with each parse. It happens when a DAG is copied to start a new one, or an old version is left beside the new. Real Airflow 3.3 and 2.11 behave so for exactly what this rule reports (\`test/engines/lint-folder.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

START = pendulum.datetime(2025, 1, 1, tz="UTC")

with DAG("sales_daily", schedule="@daily", start_date=START, catchup=False, default_args=default_args):
    BashOperator(task_id="score", bash_command="score --model v1 --day {{ ds }}")

# The same DAG with the new model, to compare the two.
with DAG("sales_daily", schedule="@daily", start_date=START, catchup=False, default_args=default_args):
    BashOperator(task_id="score", bash_command="score --model v2 --day {{ ds }}")
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

START = pendulum.datetime(2025, 1, 1, tz="UTC")

with DAG("sales_daily", schedule="@daily", start_date=START, catchup=False, default_args=default_args):
    BashOperator(task_id="score", bash_command="score --model v1 --day {{ ds }}")

# The same DAG with the new model, to compare the two.
with DAG("sales_daily_v2", schedule="@daily", start_date=START, catchup=False, default_args=default_args):
    BashOperator(task_id="score", bash_command="score --model v2 --day {{ ds }}")
`),
  },

  "unknown-default-arg": {
    catches: `A key of a DAG's or task group's \`default_args\` that no operator takes and that is a misspelling of an argument every operator takes: \`"retires"\` for \`retries\`, \`"execution_timout"\`, \`"on_failure_callbak"\`, with the argument it may mean. A key close to none of them may be an argument of an operator mlgen does not know, and is left alone; so is any argument of the operators it knows (\`bash_command\`, \`python_callable\`, ...). ${IMPORTED_DEFAULTS}`,
    reportedAt:
      "the key and its value in default_args; for a dict imported from a module of the project, where the DAG file names it (`default_args=DEFAULT_ARGS`), the message giving the module's file and line.",
    why: `Airflow hands each operator only the default_args its constructor names; any other key is dropped without a word. A misspelt \`retries\` leaves every task of the DAG with no retry, a misspelt \`execution_timeout\` with no timeout, a misspelt callback with no alert — and the DAG looks configured.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "retires": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="{{ dag.dag_id }} failed"),
}

with DAG("nightly_export", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="export", bash_command="export --day {{ ds }}", retries=2)
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG("nightly_export", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="export", bash_command="export --day {{ ds }}")
`),
  },

  "dynamic-start-date": {
    catches: `A DAG's \`start_date\`, or the \`start_date\` in its \`default_args\`, that calls \`datetime.now()\`, \`datetime.today()\`, \`datetime.utcnow()\`, \`date.today()\`, \`pendulum.now()\` / \`today()\` / \`yesterday()\`, \`timezone.utcnow()\` or \`days_ago()\` — directly, under the name it was imported as (\`from datetime import datetime as DT\`, \`from pendulum import now as pnow\`, \`from airflow.utils.timezone import utcnow\`), through a name bound at module level (\`START = datetime.today() - timedelta(days=1)\`), or through a function of the file's own that calls one (\`start_date=yesterday()\`).`,
    reportedAt: "the `start_date` value.",
    dsl: "A pipeline's `startDate` with milliseconds, as a date taken from the clock (`new Date().toISOString()`) has and one written by hand has not: each `mlgen compile` writes a new start date, and `mlgen compile --check` always finds the DAG file stale.",
    why: `The file is parsed again and again, so a start date computed from the clock moves forward on every parse. Airflow runs an interval once it has ended after the start date; with a start date that keeps moving, the next interval can stay in the future, so the DAG runs late, irregularly or never, and catchup and backfill ranges change from one parse to the next.`,
    bad: py(`
from datetime import datetime, timedelta

from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "hourly_sessions",
    schedule="@hourly",
    start_date=datetime.now() - timedelta(days=1),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="sessionize", bash_command="sessionize --hour {{ data_interval_start }}")
`),
    good: py(
      `
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}

with DAG(
    "hourly_sessions",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="sessionize", bash_command="sessionize --hour {{ data_interval_start }}")
`,
      "A fixed, time-zone aware date; `catchup=False` keeps Airflow from running every interval since then.",
    ),
  },

  "kubeflow-timeout": {
    catches: `Only in DSL pipelines of a project that compiles for Kubeflow Pipelines (\`target: "kubeflow"\` or \`"all"\` in mlgen.config.ts): a task with an execution timeout — its own, its group's or the pipeline defaults' — while \`kubeflow.timeouts\` is off. The KFP pipeline spec has no task timeout; mlgen carries one only in the Kubernetes platform spec (kfp-kubernetes' \`activeDeadlineSeconds\`), which it writes when \`kubeflow.timeouts\` is on.`,
    reportedAt: "the TypeScript call that defines the task.",
    why: `On Airflow the task is killed when it runs too long; the same pipeline on Kubeflow would run until someone stops it — a hung download or a training job stuck on a dead GPU holds its node and blocks the run. The compiler also warns (MLG3002) when it writes the file; the linter says it where the task is written, before the pipeline is ever compiled.`,
    dsl: "The only rule that depends on the target: it is silent for Airflow-only projects.",
    bad: {
      language: "typescript",
      code: `// mlgen.config.ts: defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], target: "all" })
import { hours, pipeline } from "@mlgen/dsl";

export default pipeline("train", { defaults: { executionTimeout: hours(2) } }, (p) => {
  p.python("fit", { fn: "tasks/train.py:fit" });
});
`,
    },
    good: {
      language: "typescript",
      code: `// mlgen.config.ts: defineConfig({ pipelines: [...], target: "all", kubeflow: { timeouts: true } })
import { hours, pipeline } from "@mlgen/dsl";

export default pipeline("train", { defaults: { executionTimeout: hours(2) } }, (p) => {
  p.python("fit", { fn: "tasks/train.py:fit" });
});
`,
      note: 'With `kubeflow.timeouts` on, the two hours become `activeDeadlineSeconds: "7200"` for the task\'s executor.',
    },
  },
  "branch-target": {
    catches: `A branch callable (\`BranchPythonOperator\`, \`@task.branch\`, and their virtualenv and external-python variants) that returns a task id its DAG does not have: a string it returns, alone, in a list, a tuple or a set, as a side of \`x if c else y\`, or through a module-level name assigned one string (\`FULL = "train_full"\`). A task inside a TaskGroup has the id \`group.task\`, so returning \`train_full\` for the task \`train_full\` of group \`train\` is the classic case; the fix names the prefixed id when one exists, or the id a typo most likely meant. A task group's own id is a valid target (Airflow follows its first tasks). It also reports a returned task that exists but is not directly after the branch. Not judged: ids the callable computes (f-strings, values it reads), DAGs with task ids built when the file is parsed (a loop over values the file does not show), and a @task_group called more than once; the second check also holds back where some dependency names tasks the analysis cannot resolve.`,
    reportedAt: "the returned string, in the branch callable.",
    why: `Airflow checks what a branch returns only when it runs: a task id the DAG lacks fails the branch task (\`'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {'train_full'}\`), and with it every task after the branch, on every run that takes that path — often the rare path (a full retrain, a rollback), found the day it is needed. A task that is not directly after the branch follows nothing: Airflow skips every task directly after the branch that it was not told to follow, and the returned task comes after one of them, so it is skipped too. Real Airflow 3.3 and 2.11 fail and skip exactly what this rule reports (\`test/engines/lint-branches.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator
from airflow.sdk import DAG, TaskGroup

${DEFAULT_ARGS}


def choose(params):
    return "train_full" if params["full"] else "train_incremental"


with DAG(
    "churn_training",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"full": False},
):
    pick = BranchPythonOperator(task_id="pick", python_callable=choose)
    with TaskGroup("train"):
        full = EmptyOperator(task_id="train_full")
        incremental = EmptyOperator(task_id="train_incremental")
    pick >> [full, incremental]
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator
from airflow.sdk import DAG, TaskGroup

${DEFAULT_ARGS}


def choose(params):
    return "train.train_full" if params["full"] else "train.train_incremental"


with DAG(
    "churn_training",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"full": False},
):
    pick = BranchPythonOperator(task_id="pick", python_callable=choose)
    with TaskGroup("train"):
        full = EmptyOperator(task_id="train_full")
        incremental = EmptyOperator(task_id="train_incremental")
    pick >> [full, incremental]
`),
  },
  "branch-join-skipped": {
    catches: `A task after two or more sides of a branch (tasks directly after a \`BranchPythonOperator\` or \`@task.branch\`, or after them through tasks that keep the default trigger rule) whose own trigger rule is \`all_success\`, written out or Airflow's default (the task's, its groups' and its DAG's \`default_args\` are read), when the branch follows one side at most: every \`return\` of its callable gives one id (a string, an f-string, a constant, a choice of those) or None. Sides made by a loop over a written-out list (\`for option in OPTIONS:\` with \`OPTIONS = ["a", "b"]\`) count as a side per pass. Said once, at the first task the sides meet in. Not reported: a callable that may return a list of ids or a value it computes (it may follow several sides), a task with any other trigger rule, a side that waits with another rule on the way, and a task directly after the branch that also comes after a side (Airflow runs it when that side is followed). A file with dependencies the analysis cannot resolve is not judged.`,
    reportedAt: "the join task's operator call.",
    why: `The branch skips the sides it does not follow, a skipped upstream task skips an \`all_success\` task, and so the join and everything after it — the model's publication, the report, the alert that the run finished — is skipped on every run, with the run marked successful. Airflow's documentation gives the fix: \`trigger_rule="none_failed_min_one_success"\` on the join, which runs once the side taken has succeeded and still fails when it failed. mlgen's compiler sets it on the joins it writes. Real Airflow 3.3 and 2.11 skip exactly the joins this rule reports (\`test/engines/lint-branches.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

${DEFAULT_ARGS}


@task.branch
def route(params=None):
    return "rebuild_features" if params["drifted"] else "reuse_features"


with DAG(
    "churn_drift",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"drifted": False},
):
    rebuild = BashOperator(task_id="rebuild_features", bash_command="ml features rebuild churn")
    reuse = BashOperator(task_id="reuse_features", bash_command="echo reusing the features")
    report = BashOperator(task_id="report", bash_command="ml report churn")
    route() >> [rebuild, reuse] >> report
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

${DEFAULT_ARGS}


@task.branch
def route(params=None):
    return "rebuild_features" if params["drifted"] else "reuse_features"


with DAG(
    "churn_drift",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"drifted": False},
):
    rebuild = BashOperator(task_id="rebuild_features", bash_command="ml features rebuild churn")
    reuse = BashOperator(task_id="reuse_features", bash_command="echo reusing the features")
    report = BashOperator(
        task_id="report",
        bash_command="ml report churn",
        trigger_rule="none_failed_min_one_success",
    )
    route() >> [rebuild, reuse] >> report
`),
  },
  "callable-arguments": {
    catches: `A \`PythonOperator\`, \`BranchPythonOperator\` or \`ShortCircuitOperator\` whose function, defined in the file, cannot take what the task gives it. Airflow calls it with \`op_args\` first, then, by name, the \`op_kwargs\` and the context variables (\`ti\`, \`ds\`, \`params\`, ...) kept to the function's parameters when it has no \`**kwargs\`. So: an \`op_kwargs\` key the function has no parameter for is dropped without a word (the function runs with its default: \`"epoch": 3\` beside \`epochs=1\`, with "did you mean"); a required parameter that no \`op_args\`, \`op_kwargs\` key or context variable fills, and more \`op_args\` than it has positional parameters, fail the task with a TypeError on every run. On Airflow 3, in a DAG scheduled on assets only (as template-error judges it), a required parameter named for a logical-date variable (\`def clean(ds)\`, \`data_interval_start\`) is one no context variable fills: an asset-triggered run has no logical date, so its context has no \`ds\`, \`ts\`, \`logical_date\` or data interval (the fix takes \`dag_run\` and computes the date from \`dag_run.logical_date or dag_run.run_after\`). Not judged: a function with \`**kwargs\` (for the dropped keys), a decorated function, \`op_args\` or \`op_kwargs\` the file does not write out (a name, \`**more\`), \`functools.partial\` and lambdas, and mapped tasks (\`.partial(...).expand(...)\`); the virtualenv and external-Python operators, which pass arguments their own way.`,
    reportedAt:
      "the op_kwargs key that is dropped; the operator call for a missing argument; the op_args for too many.",
    why: `Airflow builds the DAG without calling the function, so nothing complains until the task runs. A missing argument fails every run after the task is scheduled, retried as many times as it has retries. A dropped key is worse: the task succeeds, with the default in place of the value written — a model trained with the default learning rate, a quality gate with no threshold — and nothing says so. Real Airflow 3.3 and 2.11 fail or drop exactly what this rule reports (\`test/engines/lint-callables.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def build_features(table, window_days=7):
    from features import build

    build(table, window_days=window_days)


with DAG(
    "clickstream_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(
        task_id="build_features",
        python_callable=build_features,
        op_kwargs={"table": "raw.clickstream", "window": 28},
    )
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

${DEFAULT_ARGS}


def build_features(table, window_days=7):
    from features import build

    build(table, window_days=window_days)


with DAG(
    "clickstream_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(
        task_id="build_features",
        python_callable=build_features,
        op_kwargs={"table": "raw.clickstream", "window_days": 28},
    )
`),
  },
  "multiple-outputs": {
    catches: `A task that pushes one XCom per key of what its function returns — \`multiple_outputs=True\` on a \`@task\` (or \`@task.virtualenv\`, \`@task.docker\`, ...) or on a \`PythonOperator\`, or a \`@task\` function annotated to return a dict (\`-> dict[str, float]\`, \`-> Dict[...]\`), from which Airflow infers \`multiple_outputs=True\` — whose function returns, as written, something else: a tuple (\`return model_uri, score\`: the flag does not unpack a tuple, it wants a dict), a list, a set, a string, a number or a bool; or a dict literal with a key that is no string (\`{1: ...}\`, \`{True: ...}\`, \`{None: ...}\`, a tuple key). \`return None\` and a bare \`return\` push nothing and pass. Not judged: a value held in a name or made by a call (\`return result\`), an annotation that is not a plain Mapping (\`-> dict | None\` makes Airflow infer nothing), a task with \`do_xcom_push=False\`, and a call through \`.override()\`, which may set the flag otherwise.`,
    reportedAt: "the returned value.",
    why: `Airflow checks the value only when it pushes it, after the function has done its work: the task fails on every run ("Returned output was type <class 'tuple'> expected dictionary for multiple_outputs", "Returned dictionary keys must be strings when using multiple_outputs"), retried as many times as it has retries, a training run's hours lost each time. Real Airflow 3.3 and 2.11 fail exactly the tasks this rule reports and run the near misses (\`test/engines/lint-multiple-outputs.test.ts\`).`,
    bad: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@task
def validate_features(table: str) -> str:
    from quality import check_table

    check_table(table)
    return table


@task(multiple_outputs=True)
def train(table: str):
    from trainer import fit

    model_uri, score = fit(table)
    return model_uri, score


@task
def publish(model_uri: str, score: float):
    print(model_uri, score)


@dag(schedule="@weekly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def churn_training():
    trained = train(validate_features("features.churn"))
    publish(trained["model_uri"], trained["score"])


churn_training()
`),
    good: py(`
${IMPORTS}
from airflow.sdk import dag, task

${DEFAULT_ARGS}


@task
def validate_features(table: str) -> str:
    from quality import check_table

    check_table(table)
    return table


@task(multiple_outputs=True)
def train(table: str):
    from trainer import fit

    model_uri, score = fit(table)
    return {"model_uri": model_uri, "score": score}


@task
def publish(model_uri: str, score: float):
    print(model_uri, score)


@dag(schedule="@weekly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def churn_training():
    trained = train(validate_features("features.churn"))
    publish(trained["model_uri"], trained["score"])


churn_training()
`),
  },
  "trigger-conf": {
    catches: `A \`TriggerDagRunOperator\` whose \`conf\` has a key that is none of the triggered DAG's params but close to one that has a default (a plain value, \`Param(default)\`, a task's own \`params\`): a typo (\`"learning_rte"\` for \`learning_rate\`), a name changed on one side only. Judged when the triggered DAG is defined once with a literal id, in the same file or in another file linted with it (\`mlgen lint dags/\`), and its file shows every param a run can read: the DAG's \`params\` written out (plain values or \`Param(...)\`) and its tasks' own \`params\`, plus the names the file reads as \`params.x\` or \`params["x"]\`. Not judged: a key close to a param without a default (Airflow then refuses the run for the missing value, which says itself) or to a name only read; a triggered DAG whose file reads a run's conf itself (\`dag_run.conf\`, \`context["dag_run"]\`), which may read the key as written; a key far from every param; a conf the file does not write out (a name, \`**more\`, a template). Also a value that a param declared with a type (\`Param(0.1, type="number")\`) refuses: a template such as \`"{{ ti.xcom_pull(task_ids='tune') }}"\`, which Airflow renders to text (judged only where the file shows it does: not when the DAG, its \`default_args\` or, on Airflow 3, the operator sets \`render_template_as_native_obj\`, or the file does not show them), or a literal of another type (\`2.5\` for an \`integer\`, \`"true"\` for a \`boolean\`); a param without a type takes anything.`,
    reportedAt: "the conf key.",
    why: `Airflow does not check a run's conf for keys the DAG has no param for: it keeps the key in the run's conf, where nothing reads it, and every task reads the param's default. The triggered run succeeds — a model retrained with the default learning rate, a backfill over the default window — and nothing says the value was dropped. Real Airflow 3.3 and 2.11 run the triggered DAG with the default for exactly the keys this rule reports (\`test/engines/lint-trigger-conf.test.ts\`). A value of the wrong type is the loud case: Airflow checks it against the param's type when it starts the run, and the trigger task fails on every run (\`Invalid input for param lr: '0.93' is not of type 'number'\`); a template renders to text (unless rendering to Python objects is set), so a tuned learning rate pulled from XCom never reaches a number param that way.`,
    bad: py(`
${IMPORTS}
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task

${DEFAULT_ARGS}

with DAG(
    "churn_retrain",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    params={"learning_rate": Param(0.05, type="number"), "window_days": Param(28, type="integer")},
):

    @task
    def validate_window(params=None):
        from quality import check_window

        check_window(params["window_days"])

    @task
    def train(params=None):
        from trainer import fit

        fit(lr=params["learning_rate"], window_days=params["window_days"])

    validate_window() >> train()

with DAG(
    "churn_drift_watch",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    TriggerDagRunOperator(
        task_id="retrain_on_drift",
        trigger_dag_id="churn_retrain",
        conf={"learning_rte": 0.01, "window_days": 7},
    )
`),
    good: py(`
${IMPORTS}
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task

${DEFAULT_ARGS}

with DAG(
    "churn_retrain",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    params={"learning_rate": Param(0.05, type="number"), "window_days": Param(28, type="integer")},
):

    @task
    def validate_window(params=None):
        from quality import check_window

        check_window(params["window_days"])

    @task
    def train(params=None):
        from trainer import fit

        fit(lr=params["learning_rate"], window_days=params["window_days"])

    validate_window() >> train()

with DAG(
    "churn_drift_watch",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    TriggerDagRunOperator(
        task_id="retrain_on_drift",
        trigger_dag_id="churn_retrain",
        conf={"learning_rate": 0.01, "window_days": 7},
    )
`),
  },

  "missing-dag": {
    catches: `A \`TriggerDagRunOperator\` (\`trigger_dag_id\`) or an \`ExternalTaskSensor\` (\`external_dag_id\`) naming a DAG id that no linted file defines, where one of them defines a DAG whose id is a letter or two off it: a typo (\`deploy_churn_modle\`), another case, a DAG renamed on one side only. The fix names that DAG. Judged only when \`mlgen lint\` is given folders, each a whole DAG folder (\`mlgen lint dags/\`):
- not files given alone (the pre-commit hook's changed files, beside which the DAG may well be);
- not a folder that looks like part of a larger DAG folder: one above it, up to the repository's root, is named \`dags\`, holds an \`.airflowignore\` or a DAG file, or (below the root) holds another folder of DAG files (\`dags/platform/\` beside \`dags/ml/\`);
- not a folder holding DAG files mlgen does not lint: a zip archive (packaged DAGs), a hidden or cache folder with Python files in it;
- not when some file of the folder may define DAGs whose ids it does not show: a DAG id held by a variable (a loop's, a factory's parameter; a module-level name assigned one string, \`DAG_ID = "etl"\`, is read as that string, for a DAG's id and for the id a task names alike; an id built from text with literal parts, \`f"ingest_{source}"\` or \`"ingest_" + source\`, is a pattern that takes any id it may build, \`ingest_crm\` among them, and hides nothing else), a file that does not parse, a call when the file is parsed of a function imported from outside Airflow and the standard library (a project's \`create_dag("etl")\`, at module level or in a function called there), or a file with no DAG and no function of its own that imports one (a DAG built by the module it imports is Airflow's too).

Not said: a templated id; an id far from every DAG's, or as near to two of them (\`etl_v3\` beside \`etl_v1\` and \`etl_v2\`), as the DAG may live in another folder or DAG bundle (so may a near one, which is why this is a warning); an \`ExternalTaskMarker\` (it does nothing when it runs, and Airflow 3 no longer follows it when clearing).`,
    reportedAt: "the DAG id argument's value.",
    why: `Airflow does not check, when it parses a DAG file, that the DAG a trigger or a sensor names exists. The trigger fails when it runs, and with it each retry, on every run: \`Dag with dag_id: 'deploy_churn_modle' not found\` on Airflow 3, \`DagNotFound\` on Airflow 2; the model is trained and never deployed. The sensor finds no run of the DAG, ever: it pokes (or reschedules) until its \`timeout\` — its own, else Airflow's default of seven days, as the finding says — and fails with everything after it (Airflow 2's \`check_existence=True\` fails it at its first poke; Airflow 3 ignores that argument). Real Airflow 3.3 and 2.11 do exactly this for what this rule reports, and run both tasks with the ids its fixes give (\`test/engines/lint-missing-dag.test.ts\`).`,
    bad: py(missingDagExample("ingest_chrun", "deploy_churn_modle")),
    good: py(missingDagExample("ingest_churn", "deploy_churn_model")),
  },
};
