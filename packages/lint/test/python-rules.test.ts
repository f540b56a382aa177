import { describe, expect, it } from "vitest";
import { type LintOptions, lintPythonSource } from "../src/lint.js";
import { analyzeDagFile } from "../src/python/analyze.js";
import { loadPythonSyntaxCheck } from "../src/python/syntax.js";
import { RULE_IDS, RULES } from "../src/rules/index.js";
import { unknownSuppressions } from "../src/suppress.js";
import { hasErrorNode, lezerTree } from "./tree-dump.js";

// As `mlgen lint` does when a file is left to it (syntax-error cases below).
await loadPythonSyntaxCheck();

const HEAD = `import pendulum
from datetime import timedelta
from airflow.sdk import DAG, task, TaskGroup, chain
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor

default_args = {"retries": 2, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}
`;

/** What hardcoded-path says of a fixed path under /tmp (not that the workers lack it). */
const TMP_RISK =
  "a fixed temp path: two runs (or two tasks on one worker) write the same file at once, and a task on another worker does not find what an earlier task left there";

/**
 * `rule@line:col` of every finding of one rule in a DAG file built from HEAD + body, linted as a
 * DAG folder of its own (the DAGs its tasks name are judged against its own: missing-dag).
 */
function found(rule: string, body: string, head = HEAD, airflowVersion: 2 | 3 = 3): string[] {
  const source = head + body;
  const offset = head.split("\n").length - 1;
  const only = Object.fromEntries(RULE_IDS.map((id) => [id, id === rule ? "warning" : "off"]));
  const options = { rules: only as never, airflowVersion, dagFolder: true };
  return lintPythonSource("dag.py", source, options).map((f) => `${f.line - offset}:${f.column}`);
}

const dag = (body: string) =>
  `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):\n${body}`;

interface Case {
  readonly rule: string;
  readonly body: string;
  /** `line:column` of each finding, lines counted from the body's first line (1). */
  readonly want: readonly string[];
  readonly head?: string;
  /** Lint for this Airflow version (3 when not given). */
  readonly airflowVersion?: 2;
}

const cases: [string, Case][] = [
  // missing-xcom-key
  [
    "a Jinja pull of a key the upstream task never pushes",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a', key='path') }}")
    a >> b
`),
      want: ["3:57"],
    },
  ],
  [
    "Jinja statements are read, comments are not",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="{# {{ ti.xcom_pull(task_ids='gone') }} #}echo")
    c = BashOperator(task_id="c", bash_command="{% set v = ti.xcom_pull(task_ids='a', key='nope') %}{{ v }}")
    a >> [b, c]
`),
      want: ["4:60"],
    },
  ],
  [
    "a pull written in a task's docs is never rendered, so it reads nothing",
    {
      rule: "missing-xcom-key",
      body: dag(`    BashOperator(task_id="a", bash_command="echo", doc_md="Reads {{ ti.xcom_pull(task_ids='gone') }}")
`),
      want: [],
    },
  ],
  [
    "a TaskFlow result indexed by a key reads that XCom: only multiple_outputs pushes it",
    {
      rule: "missing-xcom-key",
      body: dag(`    @task(multiple_outputs=True)
    def split():
        return {"train": "s3://t", "test": "s3://v"}
    @task
    def get_cfg():
        return {"lr": 0.1}
    @task
    def fit(data, lr, other):
        pass
    s = split()
    fit(s["train"], get_cfg()["lr"], s["valid"])
`),
      want: ["12:21", "12:38"],
    },
  ],
  [
    "an XComArg in an f-string is a pull without a dependency (a race unless ordered)",
    {
      rule: "missing-xcom-key",
      body: dag(`    @task
    def make_path():
        return "s3://b/x"
    path = make_path()
    BashOperator(task_id="load", bash_command=f"load.sh {path}")
    ok = make_path.override(task_id="mk2")()
    done = BashOperator(task_id="load2", bash_command=f"load.sh {ok}")
    ok >> done
`),
      want: ["6:58"],
    },
  ],
  [
    "chain() pairs lists of the same length; chain_linear links all to all",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo 1")
    c = BashOperator(task_id="c", bash_command="{{ ti.xcom_pull(task_ids='a') }}")
    d = BashOperator(task_id="d", bash_command="{{ ti.xcom_pull(task_ids='a') }}")
    chain([a, b], [c, d])
    e = BashOperator(task_id="e", bash_command="echo 1")
    f = BashOperator(task_id="f", bash_command="echo 1")
    g = BashOperator(task_id="g", bash_command="{{ ti.xcom_pull(task_ids='e') }}")
    h = BashOperator(task_id="h", bash_command="{{ ti.xcom_pull(task_ids='e') }}")
    chain_linear([e, f], [g, h])
`),
      // d follows b only: its pull of a is a race. g and h both follow e.
      want: ["5:52"],
    },
  ],
  [
    "setup and teardown tasks: @setup/@teardown, as_teardown(setups=...) and its with block",
    {
      rule: "missing-xcom-key",
      head: `${HEAD}from airflow.sdk import setup, teardown\n`,
      body: `with DAG("st", schedule=None, default_args=default_args):
    @setup
    def make():
        return "c"

    @task
    def work(**ctx):
        return ctx["ti"].xcom_pull(task_ids="make")

    make() >> work()

    @task
    def create_cluster():
        return "id"

    @task
    def delete_cluster():
        pass

    @task
    def run_query(**ctx):
        return ctx["ti"].xcom_pull(task_ids="create_cluster")

    with delete_cluster().as_teardown(setups=create_cluster()):
        run_query()

    create = BashOperator(task_id="create", bash_command="echo")
    delete = BashOperator(task_id="delete", bash_command="{{ ti.xcom_pull(task_ids='create') }}").as_teardown(setups=create)
    stray = BashOperator(task_id="stray", bash_command="{{ ti.xcom_pull(task_ids='create') }}")
`,
      // Only stray, which nothing orders after create, races.
      want: ["29:60"],
    },
  ],
  [
    "hardcoded-path: escapes, concatenations, remote hosts and Composer's bucket mount",
    {
      rule: "hardcoded-path",
      head: `${HEAD}from airflow.providers.sftp.sensors.sftp import SFTPSensor\n`,
      body: dag(`    def grade(n):
        print(f"Grade B:\\n{n}", "Summary D:\\tok")
        open(r"C:\\new\\data.csv")
        open("C:\\\\data\\\\x.csv")
        return "s3://" + BUCKET + "/data/raw/" + n, "/data/raw/" + n
    PythonOperator(task_id="g", python_callable=grade)
    SFTPSensor(task_id="s", path="/home/partner/outbox/x.csv")
    BashOperator(task_id="b", bash_command="bash /home/airflow/gcs/dags/scripts/x.sh")
    DatabricksSubmitRunOperator(task_id="db", notebook_task={"notebook_path": "/Users/ml-team@example.com/features/build", "base_parameters": {"out": "/mnt/curated/features"}})
    EmrAddStepsOperator(task_id="emr", steps=[{"HadoopJarStep": {"Args": ["spark-submit", "/home/hadoop/jobs/train.py"]}}])
    DataprocSubmitJobOperator(task_id="dp", job={"pyspark_job": {"main_python_file_uri": "/tmp/job.py"}})
    GlueJobOperator(task_id="glue", job_name="etl", script_location="/home/etl/jobs/etl.py")
`),
      // The raw string's drive, the escaped backslashes' drive, the "/data/raw/" that starts
      // its own concatenation, and Glue's script_location (uploaded from the worker).
      want: ["4:16", "5:15", "6:54", "13:70"],
    },
  ],
  [
    "hardcoded-path: the official image's home folder and a mktemp template are every worker's",
    {
      rule: "hardcoded-path",
      body: dag(`    BashOperator(task_id="d", bash_command="dir=$(mktemp -d /tmp/job.XXXXXX) && cd $dir")
    BashOperator(task_id="h", bash_command="make", env={"HOME": "/home/airflow"})
    BashOperator(task_id="x", bash_command="cat /home/airflow/data/x.csv /tmp/job.XX")
`),
      // Still one host's: a file in that home folder, and a name with too few X for mktemp.
      want: ["4:49", "4:74"],
    },
  ],
  [
    "a pull from a task that is not upstream (a race)",
    {
      rule: "missing-xcom-key",
      body: `def produce(ti):
    ti.xcom_push(key="path", value="s3://b/x")

def consume(ti):
    return ti.xcom_pull(task_ids="produce", key="path")

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    c = PythonOperator(task_id="consume", python_callable=consume)
`)}`,
      want: ["5:12"],
    },
  ],
  [
    "the same pull with the edge set through chain() is clean",
    {
      rule: "missing-xcom-key",
      body: `def produce(ti):
    ti.xcom_push(key="path", value="s3://b/x")

def consume(ti):
    return ti.xcom_pull(task_ids="produce", key="path")

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    c = PythonOperator(task_id="consume", python_callable=consume)
    chain(p, c)
`)}`,
      want: [],
    },
  ],
  [
    "keys and task ids passed by module-level constants are read as their strings",
    {
      rule: "missing-xcom-key",
      body: `MODEL_KEY = "model_uri"
METRICS_KEY = "metrics"
TRAIN = "train"

def train(ti):
    ti.xcom_push(key=MODEL_KEY, value="s3://m/1")

def deploy(ti):
    uri = ti.xcom_pull(task_ids=TRAIN, key=MODEL_KEY)
    scores = ti.xcom_pull(task_ids=TRAIN, key=METRICS_KEY)
    return uri, scores

${dag(`    t = PythonOperator(task_id="train", python_callable=train)
    d = PythonOperator(task_id="deploy", python_callable=deploy)
    t >> d
`)}`,
      want: ["10:14"],
    },
  ],
  [
    "a name the function binds, a name the module assigns twice, and a template's name are not read as constants",
    {
      rule: "missing-xcom-key",
      body: `KEY = "metrics"
OTHER = "a"
OTHER = "b"

def train(ti):
    ti.xcom_push(key="model_uri", value="s3://m/1")

def train2(ti, KEY="model_uri"):
    ti.xcom_push(key=KEY, value="s3://m/2")

def deploy(ti):
    one = ti.xcom_pull(task_ids="train", key=OTHER)
    two = ti.xcom_pull(task_ids="train", key=KEY)
    three = ti.xcom_pull(task_ids="train2", key="model_uri")
    KEY = "model_uri"
    return one, two, three

${dag(`    t = PythonOperator(task_id="train", python_callable=train)
    t2 = PythonOperator(task_id="train2", python_callable=train2)
    d = PythonOperator(task_id="deploy", python_callable=deploy)
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='train', key=KEY) }}")
    [t, t2] >> d
    t >> b
`)}`,
      want: [],
    },
  ],
  [
    "a module constant bound again anywhere (with, import, except, tuple, +=, global, a loop, a fallback import) is not read",
    {
      rule: "missing-xcom-key",
      body: `try:
    from cfg import A
except ImportError:
    A = "a"
B = "b"
B += "_uri"
C = "c"
for D in ["d"]:
    pass
D = "d"
E = "e"
F = "f"
G = "g"
H = "h"

def train(ti):
    ti.xcom_push(key="model_uri", value="s3://m/1")

def rebind():
    global E
    E = "e2"

def deploy(ti):
    with open("x") as C:
        pass
    import F
    G, n = "g2", 1
    try:
        pass
    except ValueError as H:
        pass
    return [ti.xcom_pull(task_ids="train", key=k) for k in (A, B, C, D, E, F, G, H)], [
        ti.xcom_pull(task_ids="train", key=A),
        ti.xcom_pull(task_ids="train", key=B),
        ti.xcom_pull(task_ids="train", key=C),
        ti.xcom_pull(task_ids="train", key=D),
        ti.xcom_pull(task_ids="train", key=E),
        ti.xcom_pull(task_ids="train", key=F),
        ti.xcom_pull(task_ids="train", key=G),
        ti.xcom_pull(task_ids="train", key=H),
    ]

${dag(`    t = PythonOperator(task_id="train", python_callable=train)
    d = PythonOperator(task_id="deploy", python_callable=deploy)
    t >> d
`)}`,
      want: [],
    },
  ],
  [
    "TaskFlow return values, set_upstream, task groups and a list on the left of >>",
    {
      rule: "missing-xcom-key",
      body: `@task
def load():
    return {"rows": 3}

@task
def report(ti=None):
    ti.xcom_pull(task_ids="prep.clean")
    ti.xcom_pull(task_ids="load")
    ti.xcom_pull(task_ids="load", key="rows")

${dag(`    with TaskGroup("prep"):
        clean = BashOperator(task_id="clean", bash_command="echo")
    l = load()
    r = report()
    r.set_upstream(l)
    [clean] >> r
`)}`,
      want: ["9:5"],
    },
  ],
  [
    "a pull naming a task the DAG does not have",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo {{ ti.xcom_pull(task_ids='clean') }}")
`),
      want: ["2:57"],
    },
  ],
  [
    "ids built in a loop hold the check back; other DAGs and computed keys are not judged",
    {
      rule: "missing-xcom-key",
      body: dag(`    for i in range(3):
        BashOperator(task_id=f"t_{i}", bash_command="echo")
    BashOperator(task_id="x", bash_command="{{ ti.xcom_pull(task_ids='t_9') }} {{ ti.xcom_pull(task_ids='a', dag_id='other') }}")
`),
      want: [],
    },
  ],
  [
    "an operator mlgen does not model may push anything",
    {
      rule: "missing-xcom-key",
      body: dag(`    q = SQLExecuteQueryOperator(task_id="q", sql="select 1")
    b = BashOperator(task_id="b", bash_command="{{ ti.xcom_pull(task_ids='q', key='rows') }}")
    q >> b
`),
      want: [],
    },
  ],
  [
    'pushes and pulls through context["ti"] and kwargs["ti"] are seen',
    {
      rule: "missing-xcom-key",
      body: `def produce(**kwargs):
    kwargs["ti"].xcom_push(key="path", value="s3://b/x")

def consume(**context):
    context["ti"].xcom_pull(task_ids="produce", key="path")
    context["ti"].xcom_pull(task_ids="produce", key="paths")

${dag(`    PythonOperator(task_id="produce", python_callable=produce) >> PythonOperator(task_id="consume", python_callable=consume)
`)}`,
      want: ["6:5"],
    },
  ],
  [
    "a @task annotated -> dict[...] pushes its keys (as multiple_outputs=True); dict | None does not",
    {
      rule: "missing-xcom-key",
      body: `@task
def stats() -> dict[str, float]:
    return {"auc": 0.9}

@task
def maybe() -> dict | None:
    return {"auc": 0.9}

@task
def plain():
    return {"auc": 0.9}

@task
def typed() -> Metrics:
    return {"auc": 0.9}

@task
def report(ti=None):
    ti.xcom_pull(task_ids="stats", key="auc")
    ti.xcom_pull(task_ids="maybe", key="auc")
    ti.xcom_pull(task_ids="plain", key="auc")
    ti.xcom_pull(task_ids="typed", key="auc")

${dag(`    [stats(), maybe(), plain(), typed()] >> report()
`)}`,
      want: ["20:5", "21:5"],
    },
  ],
  [
    "a template bound to a module-level name is read where the name is used",
    {
      rule: "missing-xcom-key",
      body: `CMD = (
    "publish {{ ti.xcom_pull(task_ids='a', key='pth') }}"
)
${dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command=CMD)
    a >> b
`)}`,
      want: ["2:17"],
    },
  ],
  [
    "tasks in a group with a computed id have computed ids: a pull naming one is not judged",
    {
      rule: "missing-xcom-key",
      body: dag(`    for t in ["a", "b"]:
        with TaskGroup(f"load_{t}"):
            BashOperator(task_id="copy", bash_command="echo")
    BashOperator(task_id="x", bash_command="{{ ti.xcom_pull(task_ids='load_a.copy') }}")
`),
      want: [],
    },
  ],
  [
    "an edge Label between tasks, and task outputs passed to a @task_group call, are edges",
    {
      rule: "missing-xcom-key",
      body: `@task
def build(ti=None):
    ti.xcom_push(key="rows", value=1)

@task_group
def publish(uris):
    @task
    def announce(ti=None):
        ti.xcom_pull(task_ids="build", key="rows")
        ti.xcom_pull(task_ids="start")

    announce()

${dag(`    start = BashOperator(task_id="start", bash_command="echo")
    built = build()
    start >> Label("weekly refresh") >> built
    publish(built)
`)}`,
      want: [],
    },
  ],
  [
    "an edge Label imported under another name is an edge label too (a race after it is found)",
    {
      rule: "missing-xcom-key",
      body: `from airflow.sdk import Label as L
import airflow.utils.edgemodifier as em

${dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a') }}")
    c = BashOperator(task_id="c", bash_command="echo {{ ti.xcom_pull(task_ids='b') }}")
    d = BashOperator(task_id="d", bash_command="echo {{ ti.xcom_pull(task_ids='c') }}")
    a >> L("first") >> b
    b >> em.Label("then") >> c
    a >> L("not after c") >> d
`)}`,
      want: ["8:57"],
    },
  ],
  // hardcoded-path
  [
    "local paths in operator arguments, env dicts and task code",
    {
      rule: "hardcoded-path",
      body: `@task
def train():
    open("/Users/me/data.csv")

${dag(`    BashOperator(task_id="a", bash_command="python /home/ana/job.py", env={"OUT": "/tmp/out"})
    FileSensor(task_id="w", filepath="s3://bucket/data/x.csv")
    FileSensor(task_id="v", filepath="/opt/airflow/data/x.csv")
    train()
`)}`,
      want: ["3:11", "6:52", "6:84"],
    },
  ],
  [
    "the defaults of DAG params that tasks read (Jinja, params[...], .get, Param), not of params no task reads",
    {
      rule: "hardcoded-path",
      head: `${HEAD}from airflow.sdk import Param, dag\n`,
      body: `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args,
         params={"src": "/data/raw/in.csv", "out": Param("/home/ana/out", type="string", description="e.g. /tmp/x"),
                 "unused": "/tmp/never", "cfg": {"dir": "/data/models"}, "fine": "s3://b/k", "code": Param(default="/tmp/code")}):
    BashOperator(task_id="a", bash_command="cp {{ params.src }} {{ params['out'] }}")

    @task
    def b(**context):
        return context["params"]["cfg"], context["params"].get("code")
    b()

@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params={"p": "/home/bo/x"})
def other():
    @task
    def c(params=None):
        return params["p"]
    c()
other()
`,
      // "unused" is read by no task, and a Param's description is no default.
      want: ["2:26", "2:59", "3:58", "3:117", "11:104"],
    },
  ],
  [
    "patterns over paths and other machines' paths are not the worker's; a local path beside them is",
    {
      rule: "hardcoded-path",
      body: dag(`    SQLExecuteQueryOperator(task_id="q", sql="SELECT * FROM f WHERE p LIKE '%/tmp/%' AND regexp_replace(p, '/home/[^/]+/', '') = ''")
    BashOperator(task_id="s", bash_command="sed 's#/home/old#/opt/new#g' in.txt && find . -path '*/tmp/*'")
    BashOperator(task_id="h", bash_command="hdfs dfs -ls /data/raw && ssh etl@host 'ls /data/exports' | sort > /data/local.txt")
    BashOperator(task_id="k", bash_command="kubectl exec trainer -- ls /data/checkpoints; cp /home/ana/x /mnt/y")
    BashOperator(task_id="p", bash_command="hdfs dfs -put /data/local.csv /warehouse/x && ssh -i /home/ana/.ssh/key etl@host 'ls /data/x' > /tmp/listing.txt")
    BashOperator(task_id="g", bash_command="ssh-keygen -f /home/ana/.ssh/id_rsa; docker run -v /home/ana/data:/in img; hdfs dfs -ls /x\\ncp /home/ana/z /data/z")
    BashOperator(task_id="r", bash_command="grep -E '/data/[0-9]+\\.csv' x; ls /home/[a-z]*")
`),
      // The redirect after the pipe is the worker's; so are cp's paths after the ';', put's
      // source, ssh's identity file and what follows a redirect, the paths of ssh-keygen and of
      // docker run's mount, and a command after an escaped newline; `[a-z]*` reads as regex.
      want: ["4:112", "5:94", "5:106", "6:59", "6:98", "6:141", "7:59", "7:96", "7:140", "7:152"],
    },
  ],
  [
    "module constants made with pathlib or os.path from a local path, read by a task",
    {
      rule: "hardcoded-path",
      body: `DATA_DIR = Path("/home/ana/projects/churn/data")
OUT_DIR = os.path.join("/home/ana/projects", "out")
FROM_ENV = pathlib.Path(os.environ.get("DATA", "/srv/data"))
UNUSED = Path("/home/ana/unused")

@task
def load():
    return str(DATA_DIR / "x.csv"), FROM_ENV

${dag(`    BashOperator(task_id="ls", bash_command=f"ls {OUT_DIR}")
    load()
`)}`,
      want: ["1:18", "2:25"],
    },
  ],
  [
    "paths in parameter defaults, joined under /tmp, made with pathlib's / and mapped by .expand()",
    {
      rule: "hardcoded-path",
      body: `BASE = "/home/ana"
OUT = os.path.join(BASE, "out")
RAW = Path("/data") / "raw" / "x.csv"
TMP = tempfile.mkdtemp(dir="/tmp")

@task
def load(path: str = os.path.join("/tmp", "x.csv"), out=OUT, raw=RAW, scratch=TMP):
    return path, out, raw, os.path.join("/tmp"), str(Path("/tmp"))

${dag(`    load()
    BashOperator.partial(task_id="b").expand(bash_command=["cat /home/ana/a.csv", "ls"])
`)}`,
      want: ["1:9", "3:13", "7:36", "12:65"],
    },
  ],
  [
    "the fallback of a setting read at run time is no hardcoded path; the setting's value is",
    {
      rule: "hardcoded-path",
      body: `@task
def train():
    base = Variable.get("data_dir", default_var="/data/raw")
    out = os.environ.get("OUT_DIR", "/tmp/out")
    cache = os.getenv(
        "CACHE",  # where to keep it
        "/var/cache/ml",
    )
    open(os.environ.get("/home/ana/key.txt"))
    open("/home/ana/data.csv")

${dag(`    train()
`)}`,
      want: ["9:26", "10:11"],
    },
  ],
  [
    "a Variable's fallback through the task context or a template (as mlgen's DAG files write variable(name, default)) is no hardcoded path",
    {
      rule: "hardcoded-path",
      body: `def run_extract(**context):
    var = context["var"]
    out_dir = var["value"].get("churn_dir", "/tmp/churn")
    cache = context["var"]["value"].get("cache_dir", "/data/cache")
    other = var["value"].get("/home/ana/key")
    open("/home/ana/data.csv")

${dag(`    PythonOperator(task_id="extract", python_callable=run_extract)
    FileSensor(task_id="wait", filepath="{{ var.value.get('inbox_dir', '/tmp/inbox') }}/{{ ds }}.csv", timeout=60)
    BashOperator(task_id="ls", bash_command="ls {{ var.value.get('x', '/srv/x') }} /home/ana/out")
`)}`,
      want: ["5:31", "6:11", "11:84"],
    },
  ],
  [
    "a docstring that mentions a path is not a path in use",
    {
      rule: "hardcoded-path",
      body: `def load(ds):
    """Reads the day's file from the lake, never from /tmp or /data on the worker."""
    open(f"/data/raw/{ds}.csv")

${dag(`    PythonOperator(task_id="load", python_callable=load)
`)}`,
      want: ["3:12"],
    },
  ],
  // missing-xcom-key: what a review of hand-written DAGs found wrongly reported
  [
    "no race when a dependency names tasks the analysis cannot resolve (a comprehension, chain(*steps))",
    {
      rule: "missing-xcom-key",
      body: dag(`    extract = BashOperator(task_id="extract", bash_command="echo s3://x")
    loads = [BashOperator(task_id=f"load_{t}", bash_command="{{ ti.xcom_pull(task_ids='extract') }}") for t in "ab"]
    extract >> loads
    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a') }}")
    steps = [a, b]
    chain(*steps)
`),
      want: [],
    },
  ],
  [
    "a @task_group function called twice: its second tasks are 'etl__1.*'",
    {
      rule: "missing-xcom-key",
      body: `@task
def extract():
    return 1

@task_group
def etl():
    return extract()

@task
def report(ti=None):
    print(ti.xcom_pull(task_ids=["etl.extract", "etl__1.extract"]))

${dag(`    [etl(), etl()] >> report()
`)}`,
      want: [],
    },
  ],
  [
    "a group without prefix inside a prefixing one: bare ids; task_group=tg and with tg: prefix",
    {
      rule: "missing-xcom-key",
      body: dag(`    with TaskGroup("ingest"):
        with TaskGroup("raw", prefix_group_id=False):
            f = BashOperator(task_id="fetch_raw", bash_command="echo 1")
    tg = TaskGroup("load")
    a = BashOperator(task_id="a", bash_command="echo 1", task_group=tg)
    with tg:
        c = BashOperator(task_id="c", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="{{ ti.xcom_pull(task_ids='fetch_raw') }}")
    d = BashOperator(task_id="d", bash_command="{{ ti.xcom_pull(task_ids='load.a') }}")
    e = BashOperator(task_id="e", bash_command="{{ ti.xcom_pull(task_ids='load.c') }}")
    x = BashOperator(task_id="x", bash_command="{{ ti.xcom_pull(task_ids='ingest.fetch_raw') }}")
    f >> b
    a >> d
    c >> e
    f >> x
`),
      want: ["12:52"],
    },
  ],
  [
    "templates filled in by Python (f-string, %): their placeholders are not task ids",
    {
      rule: "missing-xcom-key",
      body: `SRC = "extract"
${dag(`    e = BashOperator(task_id="extract", bash_command="echo 1")
    f = BashOperator(task_id="f", bash_command=f"{{{{ ti.xcom_pull(task_ids='{SRC}') }}}}")
    g = BashOperator(task_id="g", bash_command="{{ ti.xcom_pull(task_ids='%s') }}" % SRC)
    e >> [f, g]
`)}`,
      want: [],
    },
  ],
  [
    "a read of an earlier run (include_prior_dates, run_id) is no race",
    {
      rule: "missing-xcom-key",
      body: `def read(ti):
    ti.xcom_pull(task_ids="publish", include_prior_dates=True)
    ti.xcom_pull("publish", None, "return_value", True)
    ti.xcom_pull(task_ids="publish", run_id="manual__1")

${dag(`    r = PythonOperator(task_id="read", python_callable=read)
    p = BashOperator(task_id="publish", bash_command="echo 1")
    r >> p
`)}`,
      want: [],
    },
  ],
  [
    "the task instance handed to a helper by name, or as context['ti']: pushes unknown",
    {
      rule: "missing-xcom-key",
      body: `def compute(ti):
    publish_metrics(ti=ti, metrics={"auc": 1})

def compute2(**ctx):
    publish_metrics(ctx["ti"], metrics={"auc": 1})

${dag(`    c = PythonOperator(task_id="compute", python_callable=compute)
    c2 = PythonOperator(task_id="compute2", python_callable=compute2)
    r = BashOperator(task_id="r", bash_command="{{ ti.xcom_pull(task_ids='compute', key='auc') }}")
    s = BashOperator(task_id="s", bash_command="{{ ti.xcom_pull(task_ids='compute2', key='auc') }}")
    [c, c2] >> r
    c2 >> s
`)}`,
      want: [],
    },
  ],
  [
    "another context entry (context['ds']) given to a log line or a format pushes nothing: the typo is still seen",
    {
      rule: "missing-xcom-key",
      body: `import logging

def extract(**context):
    logging.info("ds=%s", context["ds"])
    name = "s3://b/{}".format(context["ds"])
    context["ti"].xcom_push(key="rows", value=3)

def load(ti):
    ti.xcom_pull(task_ids="extract", key="row_count")

${dag(`    PythonOperator(task_id="extract", python_callable=extract) >> PythonOperator(task_id="load", python_callable=load)
`)}`,
      want: ["9:5"],
    },
  ],
  [
    'a Jinja pull whose quotes Python escapes (task_ids=\\"typo\\") is read as Jinja reads it',
    {
      rule: "missing-xcom-key",
      body: dag(`    f = BashOperator(task_id="f", bash_command="echo 1")
    h = BashOperator(task_id="h", bash_command="echo {{ ti.xcom_pull(task_ids=\\"typo_f\\") }}")
    g = BashOperator(task_id="g", bash_command="echo \\"{{ ti.xcom_pull(task_ids='f', key=\\"k\\") }}\\" don't")
    i = BashOperator(task_id="i", bash_command='echo {{ ti.xcom_pull(task_ids=\\'f\\') }}')
    f >> [h, g, i]
`),
      want: ["3:57", "4:59"],
    },
  ],
  [
    "hardcoded-path: not in docs, HTTP endpoints, or what runs in a container",
    {
      rule: "hardcoded-path",
      body: dag(`    a = BashOperator(task_id="a", bash_command="ls /data/raw", doc_md="Used to read /data/old")
    h = HttpOperator(task_id="h", endpoint="/data/refresh", http_conn_id="api")
    k = KubernetesPodOperator(
        task_id="pod",
        image="acme/train:1",
        arguments=["--out", "/tmp/model.pkl"],
        volume_mounts=[k8s.V1VolumeMount(name="data", mount_path="/data")],
    )
    @task.docker(image="python:3.11")
    def in_image():
        open("/app/config.yaml").read()
    a >> h >> k >> in_image()
`),
      want: ["2:52"],
    },
  ],
  [
    "XComs read as objects, op.output['key'] and XComArg(op, key=...), are checked like pulls",
    {
      rule: "missing-xcom-key",
      body: `def produce(ti):
    ti.xcom_push(key="row_count", value=10)

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    BashOperator(task_id="c1", bash_command="echo", env={"N": XComArg(p, key="row_count")})
    BashOperator(task_id="c2", bash_command="echo", env={"P": p.output["s3_path"]})
`)}`,
      want: ["7:63"],
    },
  ],
  [
    "op.output alone reads op's return value: reported when op pushes none (do_xcom_push=False, EmptyOperator)",
    {
      rule: "missing-xcom-key",
      body: `def produce():
    return 1

${dag(`    b = BashOperator(task_id="b", bash_command="echo 1", do_xcom_push=False)
    e = EmptyOperator(task_id="e")
    p = PythonOperator(task_id="p", python_callable=produce)
    b2 = BashOperator(task_id="b2", bash_command="echo 1")
    PythonOperator(task_id="u1", python_callable=print, op_args=[b.output])
    PythonOperator(task_id="u2", python_callable=print, op_kwargs={"x": e.output})
    PythonOperator(task_id="u3", python_callable=print, op_args=[p.output, b2.output])
    PythonOperator.partial(task_id="u4", python_callable=print).expand(op_args=p.output.map(lambda x: [x]))
`)}`,
      want: ["9:66", "10:73"],
    },
  ],
  [
    "...and they count as reads for unused-output",
    {
      rule: "unused-output",
      body: `def produce(ti):
    ti.xcom_push(key="row_count", value=10)
    ti.xcom_push(key="s3_path", value="s3://x")

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    BashOperator(task_id="c1", bash_command="echo", env={"N": XComArg(p, key="row_count")})
    BashOperator(task_id="c2", bash_command="echo", env={"P": p.output["s3_path"]})
`)}`,
      want: [],
    },
  ],
  // missing-timeout
  [
    "tasks without execution_timeout anywhere, and a sensor without timeout",
    {
      rule: "missing-timeout",
      body: `with DAG("d", schedule=None, default_args={"retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
    BashOperator(task_id="b", bash_command="echo", execution_timeout=timedelta(minutes=5))
    FileSensor(task_id="w", filepath="x", mode="reschedule", execution_timeout=timedelta(minutes=5))
    with TaskGroup("g", default_args={"execution_timeout": timedelta(minutes=1)}):
        BashOperator(task_id="c", bash_command="echo")
    FileSensor(task_id="p", filepath="x", execution_timeout=timedelta(minutes=5))
    FileSensor(task_id="q", filepath="x")
`,
      // w: reschedule mode, where execution_timeout bounds one poke only. p: poke mode (the
      // default), where it ends the wait as a timeout would. q: neither.
      want: ["2:5", "4:5", "8:5"],
    },
  ],
  [
    "execution_timeout as a number of seconds: Airflow refuses the DAG file; reported once per value",
    {
      rule: "missing-timeout",
      body: `with DAG("d", schedule=None, default_args={"retries": 1, "execution_timeout": 3600}):
    BashOperator(task_id="a", bash_command="echo")
    BashOperator(task_id="b", bash_command="echo")
    BashOperator(task_id="c", bash_command="echo", execution_timeout=90.5)
    BashOperator(task_id="d", bash_command="echo", execution_timeout=timedelta(seconds=60))
    FileSensor(task_id="w", filepath="x", mode="reschedule", timeout=600)
    FileSensor(task_id="v", filepath="x", timeout=600, execution_timeout=60)
`,
      // The sensor's timeout is in seconds, as Airflow wants it; its execution_timeout is not.
      want: ["1:79", "4:70", "7:74"],
    },
  ],
  [
    "default_args built from another dict may hold it: no finding",
    {
      rule: "missing-timeout",
      body: `with DAG("d", schedule=None, default_args={**BASE, "retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
`,
      want: [],
    },
  ],
  [
    ".override() arguments count, and .override().partial().expand() is one task",
    {
      rule: "missing-timeout",
      body: `@task
def train(config, data):
    return config

with DAG("d", schedule=None, default_args={"retries": 1}):
    train.override(task_id="baseline", execution_timeout=timedelta(hours=1))(config={}, data=1)
    train.override(execution_timeout=timedelta(hours=2)).partial(data=1).expand(config=[{}, {}])
    train(config={}, data=2)
`,
      want: ["8:5"],
    },
  ],
  [
    "an EmptyOperator or LatestOnlyOperator runs nothing of the user's, so it needs no timeout",
    {
      rule: "missing-timeout",
      body: `with DAG("d", schedule=None, default_args={"retries": 1}):
    start = EmptyOperator(task_id="start")
    latest = LatestOnlyOperator(task_id="latest")
    start >> latest >> BashOperator(task_id="a", bash_command="echo")
`,
      want: ["4:24"],
    },
  ],
  // missing-retries
  [
    "retries from the task or default_args; explicit 0 is a choice",
    {
      rule: "missing-retries",
      body: `with DAG("d", schedule=None, default_args={"owner": "x"}):
    BashOperator(task_id="a", bash_command="echo")
    BashOperator(task_id="b", bash_command="echo", retries=0)
`,
      want: ["2:5"],
    },
  ],
  [
    "a classic Operator.partial().expand() is a task; an EmptyOperator needs no retries",
    {
      rule: "missing-retries",
      body: `with DAG("d", schedule=None, default_args={"execution_timeout": timedelta(hours=1)}):
    EmptyOperator(task_id="start")
    BashOperator.partial(task_id="each").expand(bash_command=["echo 1", "echo 2"])
    BashOperator.partial(task_id="each_safe", retries=2).expand(bash_command=["echo 1"])
`,
      want: ["3:5"],
    },
  ],
  // sensor-poke-mode
  [
    "poke mode (the default) with a long or missing timeout",
    {
      rule: "sensor-poke-mode",
      body: dag(`    FileSensor(task_id="a", filepath="x", timeout=6 * 60 * 60)
    FileSensor(task_id="b", filepath="x", timeout=600)
    FileSensor(task_id="c", filepath="x", timeout=timedelta(hours=6), mode="reschedule")
    FileSensor(task_id="d", filepath="x", deferrable=True)
    FileSensor(task_id="e", filepath="x")
`),
      // e: no timeout; default_args' 1-hour execution_timeout ends each poke-mode try, and each
      // of its 2 retries waits again: 3 hours.
      want: ["2:5", "6:5"],
    },
  ],
  [
    "poke mode with no timeout and no execution_timeout waits up to 7 days",
    {
      rule: "sensor-poke-mode",
      body: `with DAG("d", schedule=None, default_args={"retries": 1}):
    FileSensor(task_id="e", filepath="x")
    FileSensor(task_id="f", filepath="x", execution_timeout=timedelta(hours=3))
    FileSensor(task_id="g", filepath="x", execution_timeout=timedelta(minutes=30))
`,
      want: ["2:5", "3:5"],
    },
  ],
  // no-failure-alert
  [
    "a DAG with no failure callback anywhere",
    {
      rule: "no-failure-alert",
      body: `with DAG("quiet", schedule=None, default_args={"retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
with DAG("mailed", schedule=None, default_args={"email": ["ml@x.io"]}):
    BashOperator(task_id="a", bash_command="echo")
`,
      want: ["1:6"],
    },
  ],
  [
    "a callback set on the DAG object after it is made counts",
    {
      rule: "no-failure-alert",
      body: `with DAG("d1", schedule=None, default_args={"retries": 1}) as d1:
    BashOperator(task_id="a", bash_command="echo")
d1.on_failure_callback = alert
with DAG("d2", schedule=None, default_args={"retries": 1}) as d2:
    BashOperator(task_id="a", bash_command="echo")
`,
      want: ["4:6"],
    },
  ],
  [
    "on_failure_callback=None on the DAG alerts no one",
    {
      rule: "no-failure-alert",
      body: `with DAG("d", schedule=None, on_failure_callback=None, default_args={"retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
`,
      want: ["1:6"],
    },
  ],
  // unused-output
  [
    "an explicitly pushed key nobody pulls",
    {
      rule: "unused-output",
      body: `def produce(ti):
    ti.xcom_push(key="path", value=1)
    ti.xcom_push(key="rows", value=1)

def consume(ti):
    ti.xcom_pull(task_ids="produce", key="path")

${dag(`    PythonOperator(task_id="produce", python_callable=produce) >> PythonOperator(task_id="consume", python_callable=consume)
`)}`,
      want: ["3:5"],
    },
  ],
  [
    'pulls through context["ti"] and in a module-level template are reads',
    {
      rule: "unused-output",
      body: `TEMPLATE = "{{ ti.xcom_pull(task_ids='produce', key='rows') }}"

def produce(**context):
    context["ti"].xcom_push(key="path", value=1)
    context["ti"].xcom_push(key="rows", value=1)
    context["ti"].xcom_push(key="debug", value=1)

def consume(**kwargs):
    kwargs["ti"].xcom_pull(task_ids="produce", key="path")

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    p >> PythonOperator(task_id="consume", python_callable=consume)
    p >> BashOperator(task_id="report", bash_command=TEMPLATE)
`)}`,
      want: ["6:5"],
    },
  ],
  [
    'a template file (sql="merge.sql") may pull any key, so the check holds back',
    {
      rule: "unused-output",
      body: `def produce(ti):
    ti.xcom_push(key="batch_id", value=1)

${dag(`    PythonOperator(task_id="produce", python_callable=produce) >> SQLExecuteQueryOperator(task_id="merge", sql="merge.sql")
`)}`,
      want: [],
    },
  ],
  // train-without-validation
  [
    "a training task with no validation upstream",
    {
      rule: "train-without-validation",
      body: dag(`    BashOperator(task_id="train_model", bash_command="echo")
    v = BashOperator(task_id="validate_data", bash_command="echo")
    v >> BashOperator(task_id="retrain", bash_command="echo")
    BashOperator(task_id="constraint_check", bash_command="echo")
`),
      want: ["2:5"],
    },
  ],
  [
    "training words also name data and preprocessing; operators tell training and checks apart",
    {
      rule: "train-without-validation",
      body: dag(`    BashOperator(task_id="build_training_set", bash_command="echo")
    BashOperator(task_id="train_test_split", bash_command="echo")
    BashOperator(task_id="fit_scaler", bash_command="echo")
    TriggerDagRunOperator(task_id="trigger_retraining", trigger_dag_id="train")
    ExternalTaskSensor(task_id="wait_for_training", external_dag_id="train")
    SageMakerTrainingOperator(task_id="deepar", config={})
    BashOperator(task_id="finetune_bert", bash_command="echo")
    c = SQLColumnCheckOperator(task_id="orders_columns", table="t", column_mapping={})
    c >> BashOperator(task_id="fit_model", bash_command="echo")
    ckpt = BashOperator(task_id="load_checkpoint", bash_command="echo")
    ckpt >> BashOperator(task_id="resume_training", bash_command="echo")
    ShortCircuitOperator(task_id="retrain_enabled", python_callable=lambda: True)
    BranchPythonOperator(task_id="should_retrain", python_callable=lambda: "x")
    LatestOnlyOperator(task_id="latest_retrain")
`),
      want: ["7:5", "8:5", "12:13"],
    },
  ],
  [
    "tasks that handle files and folders named train train nothing; training a model still counts",
    {
      rule: "train-without-validation",
      body: dag(`    BashOperator(task_id="empty_train", bash_command="echo")
    BashOperator(task_id="list_files_train", bash_command="echo")
    BashOperator(task_id="upload_train_prefix", bash_command="echo")
    BashOperator(task_id="delete_train_dir", bash_command="echo")
    BashOperator(task_id="train_classifier", bash_command="echo")
`),
      want: ["6:5"],
    },
  ],
  [
    "a Great Expectations checkpoint and dbt's data tests validate; an ETL of train data trains nothing",
    {
      rule: "train-without-validation",
      body: dag(`    ge = BashOperator(task_id="run_ge_checkpoint", bash_command="echo")
    ge >> BashOperator(task_id="train_model", bash_command="echo")
    dbt = BashOperator(task_id="dbt_test_features", bash_command="dbt test")
    dbt >> BashOperator(task_id="train_ranker", bash_command="echo")
    BashOperator(task_id="train_station_etl", bash_command="echo")
    ckpt = BashOperator(task_id="save_checkpoint", bash_command="echo")
    t = BashOperator(task_id="test_connection", bash_command="echo")
    [ckpt, t] >> BashOperator(task_id="fit_model", bash_command="echo")
`),
      // A model checkpoint and a connection test check no data.
      want: ["9:18"],
    },
  ],
  [
    "settings from **options, from default_args changed after it was made, of DAGs with computed ids",
    {
      rule: "missing-retries",
      head: HEAD.replace(/^default_args = .*\n/m, ""),
      body: `COMMON = {"retries": 2}
ARGS = {"owner": "data"}
ARGS["retries"] = 2
OTHER = {"owner": "data"}
OTHER.update({"retries": 1})
with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="a", bash_command="echo a", **COMMON)
    BashOperator(task_id="b", bash_command="echo b")
with DAG("e", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=ARGS):
    BashOperator(task_id="c", bash_command="echo c")
with DAG("f", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=OTHER):
    BashOperator(task_id="d", bash_command="echo d")
with DAG(DAILY_ID, schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="rollup", bash_command="x", retries=1)
with DAG(HOURLY_ID, schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"retries": 3}):
    BashOperator(task_id="refresh", bash_command="x")
`,
      want: ["8:5"],
    },
  ],
  [
    "airflow3-removed: what 3.3 no longer imports or takes, not the shims that still import",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.datasets import Dataset
from airflow.hooks.base_hook import BaseHook
from airflow.utils.helpers import chain
from airflow.sensors.sql import SqlSensor
from airflow.sensors.filesystem import FileSensor
from airflow.sensors.bash import BashSensor
from airflow.utils.helpers import merge_dicts
with DAG("d", default_view="graph", fail_stop=True, schedule=None):
    pass
def load(execution_date, table):
    pass
PythonOperator(task_id="a", python_callable=load, op_kwargs={"execution_date": "{{ logical_date }}"})
`,
      want: ["1:1", "2:1", "3:1", "4:1", "8:15", "8:37"],
    },
  ],
  [
    "airflow3-removed: xcom_pull without task_ids reads the task's own XCom on Airflow 3",
    {
      rule: "airflow3-removed",
      body: dag(`    def use(ti):
        ti.xcom_pull(key="manifest")
        ti.xcom_pull(task_ids=None, key="manifest")
        ti.xcom_pull(task_ids="make", key="manifest")
    PythonOperator(task_id="use", python_callable=use)
    BashOperator(task_id="b", bash_command="{{ ti.xcom_pull(key='manifest') }}")
`),
      want: ["3:9", "4:9", "7:48"],
    },
  ],
  [
    "airflow3-removed: more paths that raise on import in 3.3 (each tried in the engine venv)",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.kubernetes.secret import Secret
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator
from airflow.timetables.datasets import DatasetOrTimeSchedule
from airflow.utils.context import get_current_context
from airflow.operators.python import task
from airflow.utils.decorators import apply_defaults
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.operators.python import PythonOperator
from airflow.utils.context import Context
`,
      want: ["1:1", "2:1", "3:1", "4:1", "5:1", "6:1"],
    },
  ],
  [
    "airflow3-removed: airflow.api.client and its local_client still import in 3.3; json_client does not",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.api.client.local_client import Client
from airflow.api.client import get_current_api_client
from airflow.api.client.json_client import Client as JsonClient
import airflow.api.client.api_client
from airflow.www.app import create_app
`,
      want: ["3:1", "4:1", "5:1"],
    },
  ],
  // top-level-code
  [
    'the body of `if __name__ == "__main__":` never runs when Airflow imports the file; its else does',
    {
      rule: "top-level-code",
      body: `if __name__ == "__main__":
    import pandas as pd
    print(Variable.get("env"))
    requests.get("https://example.com")
else:
    ENV = Variable.get("env")
`,
      want: ["6:11"],
    },
  ],
  [
    "reading a local absolute path at parse time (the file fails to import where it is missing); a file beside the DAG file is fine",
    {
      rule: "top-level-code",
      body: `CFG_PATH = "/home/alice/cfg.json"
CONFIG = json.load(open(CFG_PATH))
TABLES = open("/home/alice/tables.txt").read().split()
LOCAL = json.loads((Path(__file__).parent / "cfg.json").read_text())
HERE = open(os.path.join(os.path.dirname(__file__), "cfg.json"))
DF = pd.read_csv("/data/x.csv")
TXT = Path("/tmp/x.txt").read_text()
ANY = open(f"{BASE}/x.txt")

@task
def t():
    return open("/home/alice/in.txt").read()
`,
      want: ["2:20", "3:10", "6:6", "7:7"],
    },
  ],
  [
    "a data-frame reader of a remote URL at parse time downloads the file at every parse; in a task it is fine",
    {
      rule: "top-level-code",
      body: `DF = pd.read_csv("s3://bucket/raw/x.csv")
PQ = pl.read_parquet('gs://bucket/x.parquet')
WEB = pd.read_json("https://example.com/x.json")
PATTERN = "s3://bucket/raw/{ds}.csv"
FH = open("s3-notes.txt")

@task
def t():
    return pd.read_csv("s3://bucket/raw/x.csv")
`,
      want: ["1:6", "2:6", "3:7"],
    },
  ],
  [
    "hook calls at parse time: listing a bucket or calling an API to make tasks; inside a task they are fine",
    {
      rule: "top-level-code",
      body: `KEYS = S3Hook(aws_conn_id="aws").list_keys(bucket_name="b", prefix="raw/")
BLOBS = GCSHook().list("bucket")
TABLES = HttpHook(method="GET", http_conn_id="api").run("/tables").json()
hook = S3Hook()
READY = hook.check_for_key("raw/_SUCCESS", bucket_name="b")

@task
def fine():
    return S3Hook().list_keys(bucket_name="b")
`,
      want: ["1:8", "2:9", "3:10", "5:9"],
    },
  ],
  [
    "default arguments, decorator arguments and class bodies run when the file is parsed",
    {
      rule: "top-level-code",
      body: `def load(path=Variable.get("path")):
    return Variable.get("inside")

@task(pool=Variable.get("pool"))
def train(lr=requests.get("https://cfg").json()["lr"]):
    return lr

@dataclass
class Settings:
    bucket: str = Variable.get("bucket")

    def url(self, token=Variable.get("token")):
        return Variable.get("x")

handler = lambda ctx, hook=Variable.get("hook"): Variable.get("y")

def outer():
    def inner(x=Variable.get("later")):
        return x
    return inner
`,
      want: ["1:15", "4:12", "5:14", "10:19", "12:25", "15:28"],
    },
  ],
  [
    "Variable.get, HTTP and heavy imports at module level; inside functions is fine",
    {
      rule: "top-level-code",
      body: `import pandas as pd
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import numpy
import requests
CONFIG = requests.get("https://cfg")

def run():
    import torch
    return Variable.get("x")

${dag(`    BashOperator(task_id="a", bash_command=Variable.get("cmd"))
`)}`,
      want: ["1:1", "6:10", "13:44"],
    },
  ],
  [
    "the body of a @dag function runs at parse time; a query on a hook built inline is a query",
    {
      rule: "top-level-code",
      body: `@dag(schedule=None, default_args=default_args)
def pipeline():
    bucket = Variable.get("bucket")
    import pandas

    @task
    def load():
        import numpy
        return Variable.get("x")

    load()

pipeline()
TABLES = PostgresHook(postgres_conn_id="cfg").get_records("select 1")
`,
      want: ["3:14", "4:5", "14:10"],
    },
  ],
  [
    "a call at parse time of the file's own function that reads a Variable, directly or deeper",
    {
      rule: "top-level-code",
      body: `def _raw():
    return Variable.get("cfg")

@functools.cache
def load_config():
    return _raw()

def defaults():
    return {"owner": "ml"}

class Settings:
    def run(self):
        return Variable.get("x")

def run():
    return 1

def on_failure(context):
    requests.post("https://hooks.example.com")

CONFIG = load_config()
ARGS = defaults()
run()
Settings().run()

@dag(schedule=None, on_failure_callback=on_failure)
def pipeline():
    cfg = load_config()

    @task
    def train():
        return load_config()

    train()

pipeline()
`,
      want: ["21:10", "28:11"],
    },
  ],
  [
    "no parse-time call through a decorated task, a method, another DAG's function or a replaced one",
    {
      rule: "top-level-code",
      body: `@setup
def create_cluster():
    requests.post("http://x")

@af_task
def fetch():
    return Variable.get("x")

class Cfg:
    @staticmethod
    def get_config():
        return Variable.get("x")
    if True:
        def settings():
            return Variable.get("y")

def get_config():
    return {"a": 1}

def settings():
    return {}

def loader():
    return Variable.get("old")

def loader():
    return {}

CONFIG = get_config()
SETTINGS = settings()
LOADED = loader()

def load():
    return Variable.get("x")

def pull():
    return Variable.get("x")

pull = task(lambda: 1)
PULLED = pull()

@dag(schedule=None)
def first():
    def params():
        return Variable.get("p")
    create_cluster()
    fetch()

    @task
    def load():
        return 1

    load()

@dag(schedule=None)
def second():
    def params():
        return {}
    params()

first()
second()
`,
      want: [],
    },
  ],
  // airflow3-removed
  [
    "schedule_interval, sla, removed imports and template variables",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.operators.dummy_operator import DummyOperator
from airflow.utils.dates import days_ago
with DAG("d", schedule_interval="@daily"):
    BashOperator(task_id="a", bash_command="echo {{ execution_date }} {{ ds }}", sla=timedelta(hours=1))
`,
      want: ["1:1", "2:1", "3:15", "4:53", "4:82"],
    },
  ],
  [
    "a removed module imported by name from its package",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.operators import dummy
from airflow import datasets, DAG
from airflow.operators import bash, python
from airflow.utils import dates as d
`,
      want: ["1:1", "2:1", "4:1"],
    },
  ],
  [
    "airflow.utils.dates still imports on Airflow 3: only the helpers it lost are reported",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.utils.dates import datetime_to_nano
from airflow.utils.dates import days_ago, datetime_to_nano as nano
import airflow.utils.dates
from airflow.utils.dates import date_range
`,
      want: ["2:1", "3:1", "4:1"],
    },
  ],
  [
    "Airflow 2 modules that Airflow 3.3 no longer has: parsing context, secrets masker, dataset model",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.utils.dag_parsing_context import get_parsing_context
from airflow.utils.log.secrets_masker import mask_secret
from airflow.models.dataset import DatasetModel
from airflow.sdk import get_parsing_context as ok
`,
      want: ["1:1", "2:1", "3:1"],
    },
  ],
  [
    "removed context variables read by task code: parameters, context[...] and kwargs.get(...)",
    {
      rule: "airflow3-removed",
      body: `def a(execution_date, ds, **kwargs):
    kwargs["prev_ds"]
    kwargs.get("next_ds")
    row = {"execution_date": 1}
    row["execution_date"]

@task
def b(yesterday_ds=None):
    get_current_context()["tomorrow_ds"]

${dag(`    PythonOperator(task_id="a", python_callable=a)
    b()
`)}`,
      want: ["1:7", "2:12", "3:16", "8:7", "9:27"],
    },
  ],
  [
    "template-error: a logical-date variable in a DAG scheduled on assets only (Airflow 3: its runs have no logical date); guarded, the run's own date, time and AssetOrTimeSchedule are fine",
    {
      rule: "template-error",
      head: `${HEAD}from airflow.sdk import Asset, AssetAll
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
`,
      body: `RAW = Asset("s3://raw/events/")
ON_RAW = [RAW]


with DAG("listed", schedule=[RAW], start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="a", bash_command="clean --day {{ ds }} --at {{ ts_nodash }}")
    BashOperator(task_id="b", bash_command="echo {{ (dag_run.logical_date or dag_run.run_after) | ds }} {{ ds | default('') }}")
with DAG("named", schedule=ON_RAW, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="c", bash_command="echo {{ data_interval_start }}")
with DAG("both", schedule=(RAW & Asset("s3://raw/users/")), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    PythonOperator(task_id="d", python_callable=print, op_kwargs={"day": "{{ logical_date }}"})
with DAG("all", schedule=AssetAll(RAW), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="e", bash_command="echo {{ macros.ds_add(ds, 1) }}")
with DAG("timed", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="f", bash_command="echo {{ ds }}")
with DAG("or_time", schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 1 * * *", timezone="UTC"), assets=[RAW]), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="g", bash_command="echo {{ ds }}")
with DAG("manual", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="h", bash_command="echo {{ ds }}")
`,
      want: ["6:60", "6:74", "9:53", "11:78", "13:67"],
    },
  ],
  [
    "template-error on Airflow 2: a run its datasets trigger has a logical date",
    {
      rule: "template-error",
      head: `${HEAD}from airflow.datasets import Dataset
`,
      body: `with DAG("listed", schedule=[Dataset("s3://raw/events/")], start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="a", bash_command="clean --day {{ ds }}")
`,
      want: [],
      airflowVersion: 2,
    },
  ],
  // dynamic-start-date
  [
    "a template with a context name misspelled, and one Jinja cannot compile",
    {
      rule: "template-error",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo {{ ds_nodsh }}")
    b = BashOperator(task_id="b", bash_command="{% if ds %}echo b")
    c = BashOperator(task_id="c", bash_command="echo {{ ds_nodash }}")
`),
      want: ["2:57", "3:49"],
    },
  ],
  [
    "names a template sets with a {% set %} block (filters too) are its own; a misspelt one is still reported",
    {
      rule: "template-error",
      body: dag(`    a = BashOperator(task_id="a", bash_command="{% set base %}{{ var.value.root }}{% endset %}ls {{ base }}/{{ ds }}")
    b = BashOperator(task_id="b", bash_command="echo", env={"D": "{%- set dir | trim -%} {{ ds }} {%- endset %}{{ dir }}"})
    c = BashOperator(task_id="c", bash_command="echo {{ bse }}{% set base %}x{% endset %}")
`),
      want: ["4:57"],
    },
  ],
  [
    "with over a DAG or group factory the file cannot follow: its tasks are in a DAG, ids in other blocks are not duplicates; a duplicate in one block still is",
    {
      rule: "duplicate-task-id",
      body: `def make_dag(dag_id):
    return DAG(dag_id, schedule=None, start_date=pendulum.datetime(2025, 1, 1))

def region(name):
    return TaskGroup(name)

for r in ["eu", "us"]:
    with make_dag(f"score_{r}"):
        BashOperator(task_id="extract", bash_command="echo")
with make_dag("apac") as apac:
    BashOperator(task_id="extract", bash_command="echo")
    BashOperator(task_id="extract", bash_command="echo")
with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    with region("eu"):
        BashOperator(task_id="copy", bash_command="echo")
    with region("us"):
        BashOperator(task_id="copy", bash_command="echo")
    with open("ids.txt"):
        BashOperator(task_id="load", bash_command="echo")
        BashOperator(task_id="load", bash_command="echo")
`,
      want: ["12:5", "20:9"],
    },
  ],
  [
    "tasks in a with over a factory's DAG (called there, or bound to a name first) are in a DAG",
    {
      rule: "task-outside-dag",
      body: `def make_dag(dag_id):
    return DAG(dag_id, schedule=None, start_date=pendulum.datetime(2025, 1, 1))

with make_dag("one"):
    BashOperator(task_id="a", bash_command="echo")
two = make_dag("two")
with two:
    BashOperator(task_id="b", bash_command="echo")
with open("x.txt"):
    BashOperator(task_id="outside", bash_command="echo")
`,
      want: ["10:5"],
    },
  ],
  [
    "tuple assignments bind each name to its own task, all read before any is bound (a swap)",
    {
      rule: "dependency-cycle",
      body: dag(`    load, report = BashOperator(task_id="load", bash_command="echo"), BashOperator(task_id="report", bash_command="echo")
    load >> report
    a, b = BashOperator(task_id="a", bash_command="echo"), BashOperator(task_id="b", bash_command="echo")
    a >> b
    a, b = b, a
    a >> b
`),
      want: ["7:5"],
    },
  ],
  [
    "a task id given twice in one DAG",
    {
      rule: "duplicate-task-id",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="a", bash_command="echo b")
    c = BashOperator(task_id="c", bash_command="echo c")
`),
      want: ["3:9"],
    },
  ],
  [
    "dependencies that lead back to the first task",
    {
      rule: "dependency-cycle",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b")
    a >> b
    b >> a
`),
      want: ["5:5"],
    },
  ],
  [
    "a task id with a space, and a misspelt trigger rule",
    {
      rule: "invalid-argument",
      body: dag(`    a = BashOperator(task_id="load orders", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b", trigger_rule="all_sucess")
    c = BashOperator(task_id="c", bash_command="echo c", trigger_rule="all_done")
`),
      want: ["2:30", "3:71"],
    },
  ],
  [
    "a @dag function the file never calls",
    {
      rule: "dag-never-called",
      head: `${HEAD}from airflow.sdk import dag\n`,
      body: `@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args)
def forgotten():
    BashOperator(task_id="a", bash_command="echo a")


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args)
def built():
    BashOperator(task_id="b", bash_command="echo b")


built()
`,
      want: ["2:5"],
    },
  ],
  [
    "a dependency between tasks of two DAGs",
    {
      rule: "cross-dag-dependency",
      body: `${dag(`    a = BashOperator(task_id="a", bash_command="echo a")
`)}with DAG("other", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    b = BashOperator(task_id="b", bash_command="echo b")
a >> b
`,
      want: ["5:1"],
    },
  ],
  [
    "a schedule croniter refuses, and a start date written as text",
    {
      rule: "invalid-argument",
      body: `with DAG("d", schedule="0 25 * * *", start_date="2025-01-01", default_args=default_args):
    a = BashOperator(task_id="a", bash_command="echo a")
`,
      want: ["1:24", "1:49"],
    },
  ],
  [
    "a task made outside any DAG that nothing ties to one",
    {
      rule: "task-outside-dag",
      body: `d = DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args)
a = BashOperator(task_id="a", bash_command="echo a", dag=d)
b = BashOperator(task_id="b", bash_command="echo b")
c = BashOperator(task_id="c", bash_command="echo c")
a >> c
with d:
    e = BashOperator(task_id="e", bash_command="echo e")
`,
      want: ["3:5"],
    },
  ],
  [
    "a misspelt default_args key, and one an operator takes",
    {
      rule: "unknown-default-arg",
      body: `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"retires": 2, "bash_command": "true", "my_custom": 1}):
    a = BashOperator(task_id="a", bash_command="echo a")
`,
      want: ["1:86"],
    },
  ],
  [
    "Airflow 2: a scheduled DAG without catchup, and one that sets it",
    {
      rule: "implicit-catchup",
      airflowVersion: 2,
      body: `with DAG("d", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):
    a = BashOperator(task_id="a", bash_command="echo a")
with DAG("e", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), catchup=False):
    b = BashOperator(task_id="b", bash_command="echo b")
`,
      want: ["1:6"],
    },
  ],
  [
    "a password given to a connection, and one read from a template",
    {
      rule: "hardcoded-secret",
      body: `conn = Connection(conn_id="pg", conn_type="postgres", login="etl", password="pa55word!")
ok = Connection(conn_id="pg2", conn_type="postgres", login="etl", password="{{ var.value.pg_password }}")
`,
      want: ["1:77"],
    },
  ],
  [
    "passwords in clients' short options (mysql -p, sshpass -p, curl -u user:pass); a port, a variable and a prompt are none",
    {
      rule: "hardcoded-secret",
      body: `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="a", bash_command="mysqldump -u etl -pS3cretPw9 warehouse > dump.sql")
    BashOperator(task_id="b", bash_command="sshpass -p 'S3cretPw9' scp x etl@h:/in/")
    BashOperator(task_id="c", bash_command="curl -fsS -u etl:S3cretPw9 https://api.example.com/x")
    BashOperator(task_id="d", bash_command="psql -p 5432 -U etl && mysql -u etl -p$MYSQL_PWD db && curl -u etl https://x")
    BashOperator(task_id="e", bash_command="curl --user etl:\${API_PASSWORD} https://x && mysql -p warehouse")
`,
      want: ["2:44", "3:44", "4:44"],
    },
  ],
  [
    "a TaskFlow task that returns its fitted estimator, and one that returns metrics",
    {
      rule: "unserializable-return",
      body: `from sklearn.ensemble import RandomForestClassifier


@task
def train(x, y):
    model = RandomForestClassifier(n_estimators=10)
    model.fit(x, y)
    return model


@task
def evaluate(x, y):
    model = RandomForestClassifier().fit(x, y)
    return {"score": model.score(x, y)}


with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    train([[1]], [0])
    evaluate([[1]], [0])
`,
      want: ["8:12"],
    },
  ],
  [
    "a dataclass of the DAG file returned and read by another task (an argument, a pull); not one nobody reads, one imported, or a dict",
    {
      rule: "unserializable-return",
      body: `import dataclasses
from metrics.report import Imported


@dataclasses.dataclass
class Report:
    auc: float


@task
def evaluate():
    return Report(auc=0.9)


@task
def evaluate_named():
    report = Report(auc=0.9)
    return report


@task
def unread():
    return Report(auc=0.9)


@task
def imported():
    return Imported(auc=0.9)


@task
def as_dict():
    return dataclasses.asdict(Report(auc=0.9))


@task
def use(value):
    return value


@task
def pull(ti=None):
    return ti.xcom_pull(task_ids="evaluate_named")


with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    use(evaluate())
    evaluate_named() >> pull()
    unread()
    use.override(task_id="use_imported")(imported())
    use.override(task_id="use_dict")(as_dict())
`,
      want: ["12:12", "18:12"],
    },
  ],
  [
    "a TaskFlow parameter named for a context key with a default other than None (Airflow 3: execution_date is none)",
    {
      rule: "invalid-argument",
      body: `@task
def train(path, ds="2025-01-01", ti=None, execution_date="x", params: dict = {}):
    return 1


with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    train("p")
`,
      want: ["2:20", "2:78"],
    },
  ],
  [
    "a TaskFlow parameter named for a context key only Airflow 2 has, linted for Airflow 2",
    {
      rule: "invalid-argument",
      airflowVersion: 2,
      body: `@task
def report(execution_date="today", partition_key="all"):
    return 1


with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    report()
`,
      want: ["2:27"],
    },
  ],
  [
    "cron schedules whose day never comes, and near misses that come (Feb 29, L, a weekday too)",
    {
      rule: "schedule-never-runs",
      body: `with DAG("a", schedule="0 0 30 2 *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("b", schedule=CronTriggerTimetable("0 6 31 4,6 *", timezone="UTC"), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("c", schedule="0 0 29 2 *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("d", schedule="0 0 L 2 *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("e", schedule="0 0 30 2 MON", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("f", schedule="0 0 32 2 *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
`,
      want: ["1:24", "3:24"],
    },
  ],
  [
    "cron steps that do not divide their span (*/90, */45 minutes, */5 hours), and steps that do",
    {
      rule: "schedule-uneven-step",
      body: `with DAG("a", schedule="*/90 * * * *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("b", schedule=CronTriggerTimetable("*/45 * * * *", timezone="UTC"), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("c", schedule="0 */5 * * *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("d", schedule="*/15 * * * *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("e", schedule="*/45 9 * * *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("f", schedule="*/90 * * *", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
`,
      want: ["1:24", "3:24", "5:24"],
    },
  ],
  [
    "a last task that runs after a failure (all_done, one_failed), and near misses",
    {
      rule: "leaf-masks-failure",
      body: `with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true", trigger_rule="all_done")
    w >> c
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    n = BashOperator(task_id="n", bash_command="true", trigger_rule=TriggerRule.ONE_FAILED)
    w >> n
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true", trigger_rule="all_done")
    p = BashOperator(task_id="p", bash_command="true")
    w >> [c, p]
with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true", trigger_rule="none_failed")
    w >> c
with DAG("e", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    c = BashOperator(task_id="c", bash_command="true", trigger_rule="all_done")
`,
      want: ["3:9", "7:9"],
    },
  ],
  [
    "teardowns (.as_teardown()) are left out of the run's state; one with on_failure_fail_dagrun=True is a last task that runs after the failure",
    {
      rule: "leaf-masks-failure",
      body: `with DAG("f", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true")
    w >> c.as_teardown()
with DAG("g", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true")
    w >> c.as_teardown(on_failure_fail_dagrun=True)
with DAG("h", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    t = BashOperator(task_id="t", bash_command="true", trigger_rule="all_done")
    c = BashOperator(task_id="c", bash_command="true")
    w >> t >> c.as_teardown()
with DAG("i", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true")
    w >> c.as_teardown(on_failure_fail_dagrun=True)
    c.as_teardown(on_failure_fail_dagrun=False)
`,
      want: ["7:9", "11:9"],
    },
  ],
  [
    "a file with a teardown it cannot follow (@teardown, a flag that is no literal) is not judged",
    {
      rule: "leaf-masks-failure",
      body: `FLAG = True
with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    w = BashOperator(task_id="w", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true", trigger_rule="all_done")
    d = BashOperator(task_id="d", bash_command="true")
    w >> c
    w >> d.as_teardown(on_failure_fail_dagrun=FLAG)
`,
      want: [],
    },
  ],
  [
    "a dagrun_timeout with the alerts on the tasks only, and DAGs that alert on a timeout or on nothing",
    {
      rule: "run-timeout-unalerted",
      body: `with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args=default_args):
    BashOperator(task_id="t", bash_command="true")
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args=default_args, on_failure_callback=alert):
    BashOperator(task_id="t", bash_command="true")
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=None, default_args=default_args):
    BashOperator(task_id="t", bash_command="true")
with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args={"retries": 1}):
    BashOperator(task_id="t", bash_command="true")
with DAG("e", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args={"email": ["oncall@example.com"]}):
    BashOperator(task_id="t", bash_command="true")
with DAG("f", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="t", bash_command="true")
with DAG("g", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args=default_args, on_failure_callback=None):
    BashOperator(task_id="t", bash_command="true", on_failure_callback=alert)
with DAG("h", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args=default_args, deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=alert)):
    BashOperator(task_id="t", bash_command="true")
NO_TIMEOUT = None
with DAG("i", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=NO_TIMEOUT, default_args=default_args):
    BashOperator(task_id="t", bash_command="true")
`,
      want: ["1:87", "9:87", "13:87"],
    },
  ],
  [
    "a template printing a param whose default is None (Param(None), Param(default=None), None; through a default filter), and texts that test it, print another value, or whose params the file does not show",
    {
      rule: "none-param-printed",
      head: `${HEAD}from airflow.sdk import Param
`,
      body: `P = {"since": Param(None, type=["null", "string"]), "n": Param(default=None), "plain": None, "region": "eu"}
with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params=P):
    BashOperator(task_id="a", bash_command="x {{ params.since }} {{ params.since }} {{ params['n'] | default(3) }} {{ params.region }}")
    BashOperator(task_id="b", bash_command="x", env={"P": "{{- params.plain -}}"})
    BashOperator(task_id="c", bash_command="x {% if params.since %}{{ params.since }}{% endif %} {{ params.n or 1 }} {{ params.plain | tojson }} {{ params.since is none }}")
    BashOperator(task_id="d", bash_command="x {{ params.since }}", params={"since": "2025-01-01"})
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params={**P}):
    BashOperator(task_id="e", bash_command="x {{ params.since }}")
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params=load_params()):
    BashOperator(task_id="f", bash_command="x {{ params.since }}")
`,
      want: ["3:50", "3:88", "4:64", "8:50"],
    },
  ],
  [
    "a template computing with a param whose default is None (arithmetic, an ordering, in an env), and texts that test it against None, use a stand-in, compare it for equality, or whose params the file does not show",
    {
      rule: "none-param-computed",
      head: `${HEAD}from airflow.sdk import Param
`,
      body: `P = {"n": Param(None, type=["null", "integer"]), "r": Param(default=None), "plain": None, "k": 3}
with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params=P):
    BashOperator(task_id="a", bash_command="x {{ params.n + 1 }} {{ params.n * 2 }} {{ 2 - params['r'] }} {{ params.k + 1 }}")
    BashOperator(task_id="b", bash_command="x", env={"P": "{% if params.plain > 0.2 %}y{% endif %}"})
    BashOperator(task_id="c", bash_command="x {% if params.n is not none %}{{ params.n + 1 }}{% endif %} {{ (params.r or 0) * 2 }} {{- params.plain -}} {{ params.n == 1 }}")
    BashOperator(task_id="d", bash_command="x {{ params.n + 1 }}", params={"n": 2})
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params=load_params()):
    BashOperator(task_id="f", bash_command="x {{ params.n + 1 }}")
`,
      want: ["3:50", "3:92", "4:66"],
    },
  ],
  [
    "a deadline counted from the logical date in a DAG without a time schedule (none given, None, assets), through a list and a module-level name; not from when it was queued, nor in a scheduled DAG, nor one whose schedule the file does not show",
    {
      rule: "deadline-never-set",
      head: `${HEAD}from airflow.sdk import Asset, DeadlineAlert, DeadlineReference, SyncCallback
`,
      body: `LATE = DeadlineAlert(reference=DeadlineReference.DAGRUN_LOGICAL_DATE, interval=timedelta(hours=1), callback=SyncCallback(notify))
QUEUED = DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(notify))
with DAG("a", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="a", bash_command="x")
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=[QUEUED, DeadlineAlert(reference=DeadlineReference.DAGRUN_LOGICAL_DATE, interval=timedelta(hours=2), callback=SyncCallback(notify))]):
    BashOperator(task_id="b", bash_command="x")
with DAG("c", schedule=[Asset("s3://raw")], start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="c", bash_command="x")
with DAG("d", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="d", bash_command="x")
with DAG("e", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=QUEUED):
    BashOperator(task_id="e", bash_command="x")
with DAG("f", schedule=SCHEDULE, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="f", bash_command="x")
with DAG("g", schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("@daily", timezone="UTC"), assets=[Asset("s3://raw")]), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="g", bash_command="x")
reference = DeadlineReference.DAGRUN_LOGICAL_DATE
NOTE = "not DAGRUN_LOGICAL_DATE"
with DAG("h", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=DeadlineAlert(
    reference=DeadlineReference.DAGRUN_QUEUED_AT,  # not DAGRUN_LOGICAL_DATE
    interval=timedelta(hours=1),
    callback=SyncCallback(notify, kwargs={"text": "was DAGRUN_LOGICAL_DATE", "note": NOTE}),
)):
    BashOperator(task_id="h", bash_command="x")
with DAG("i", schedule=AssetTriggeredTimetable(assets=[Asset("s3://raw")]), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="i", bash_command="x")
DAGRUN_LOGICAL_DATE = DeadlineReference.DAGRUN_LOGICAL_DATE
with DAG("j", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=DeadlineAlert(reference=DAGRUN_LOGICAL_DATE, interval=timedelta(hours=1), callback=SyncCallback(notify))):
    BashOperator(task_id="j", bash_command="x")
`,
      want: ["1:50", "1:50", "1:50", "1:50", "5:159", "28:132"],
    },
  ],
  [
    "a deadline from the average run needing more finished runs than it reads (literal ints, Airflow's defaults, through a module-level name), whatever the schedule; not when it reads enough, nor when the file does not show the numbers, nor max_runs given twice (Python's TypeError)",
    {
      rule: "deadline-never-set",
      head: `${HEAD}import os
from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback
`,
      body: `AVG = DeadlineReference.AVERAGE_RUNTIME(max_runs=3, min_runs=5)
def alert(ref):
    return DeadlineAlert(reference=ref, interval=timedelta(hours=1), callback=SyncCallback(notify))
with DAG("a", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=DeadlineAlert(reference=AVG, interval=timedelta(hours=1), callback=SyncCallback(notify))):
    BashOperator(task_id="a", bash_command="x")
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=[DeadlineAlert(reference=DeadlineReference.AVERAGE_RUNTIME(5, 6), interval=timedelta(hours=1), callback=SyncCallback(notify))]):
    BashOperator(task_id="b", bash_command="x")
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=DeadlineAlert(reference=DeadlineReference.AVERAGE_RUNTIME(min_runs=11), interval=timedelta(hours=1), callback=SyncCallback(notify))):
    BashOperator(task_id="c", bash_command="x")
with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=[
    alert(DeadlineReference.AVERAGE_RUNTIME(max_runs=0, min_runs=10)),
    alert(DeadlineReference.AVERAGE_RUNTIME()),
    alert(DeadlineReference.AVERAGE_RUNTIME(max_runs=5, min_runs=None)),
    alert(DeadlineReference.AVERAGE_RUNTIME(max_runs=int(os.environ.get("RUNS", "9")), min_runs=5)),
    alert(DeadlineReference.AVERAGE_RUNTIME(3, 2)),
    alert(DeadlineReference.AVERAGE_RUNTIME(max_runs=2, min_runs=3)),
    alert(DeadlineReference.AVERAGE_RUNTIME(20, min_runs=5, max_runs=3)),
]):
    BashOperator(task_id="d", bash_command="x")
`,
      want: ["1:7", "6:133", "8:132", "16:11"],
    },
  ],
  [
    "a deadline alert's notifier text reading the task context, a field the run lacks there or a date filter on the run's dates, through a module-level name, a list and an import path; not dag_run's fields, deadline, the notifier's own fields, a guarded or tested name, a comment, a function callback's kwargs (one named like a notifier too), nor a failure callback's text",
    {
      rule: "deadline-alert-template",
      head: `${HEAD}from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback
`,
      body: `TEXT = {"slack_webhook_conn_id": "slack", "text": "{{ ti.task_id }} is late"}
LATE = DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(SlackWebhookNotifier, kwargs=TEXT))
with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=LATE):
    BashOperator(task_id="a", bash_command="x")
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=[
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(SmtpNotifier, kwargs={"to": "a@b.c", "subject": "{{ dag_run.logical_date | ds }} late", "html_content": "{{ dag_run.dag_run_id }} {{ deadline.deadline_time | ds }} {{ ds | default('') }} {{ subject }}"})),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(notify, kwargs={"text": "{{ ti.task_id }}"})),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(SlackWebhookNotifier, kwargs={"slack_webhook_conn_id": "slack", "text": "{{ run_id "})),
]):
    BashOperator(task_id="b", bash_command="x", on_failure_callback=SlackWebhookNotifier(slack_webhook_conn_id="slack", text="{{ ti.task_id }} failed"))
def send_team_notification(text, context=None):
    print(text)
class PagerNotifier:
    def __init__(self, text):
        self.text = text
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, deadline=[
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(send_team_notification, kwargs={"text": "{{ ti.task_id }}"})),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(PagerNotifier, kwargs={"text": "{{ ti.task_id }}"})),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback("airflow.providers.slack.notifications.slack_webhook.SlackWebhookNotifier", kwargs={"slack_webhook_conn_id": "s", "text": "{{ dag_run.run_id }} {{ dag_run.dag_run_id }}"})),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1), callback=SyncCallback(SlackWebhookNotifier, kwargs={"slack_webhook_conn_id": "s", "text": "{% if ti %}{{ ti.task_id }}{% endif %} {{ ds or 'n/a' }} {# {{ dag_run.logical_date | ds }} #}"})),
]):
    BashOperator(task_id="c", bash_command="x")
`,
      want: ["1:51", "6:164", "8:188", "19:238"],
    },
  ],
  [
    "a dagrun_timeout beside teardowns (as_teardown, @teardown), and DAGs without one or the other (ids shared between DAGs, a @dag never called)",
    {
      rule: "timeout-skips-teardown",
      head: `${HEAD}from airflow.sdk import dag, teardown
`,
      body: `with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args=default_args):
    s = BashOperator(task_id="s", bash_command="true")
    w = BashOperator(task_id="w", bash_command="true")
    t = BashOperator(task_id="t", bash_command="true")
    s >> w >> t.as_teardown(setups=s)
with DAG("b", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=2), default_args=default_args):
    s = BashOperator(task_id="s", bash_command="true")
    t = BashOperator(task_id="t", bash_command="true")
    s >> t
with DAG("c", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=None, default_args=default_args):
    s = BashOperator(task_id="s", bash_command="true")
    t = BashOperator(task_id="t", bash_command="true")
    s >> t.as_teardown(setups=s)
@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=1), default_args=default_args)
def d():
    @teardown
    def clean():
        pass
    clean()
@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=timedelta(hours=1), default_args=default_args)
def never_called():
    @teardown
    def clean():
        pass
    clean()
d()
`,
      want: ["1:87", "14:78"],
    },
  ],
  [
    "external task sensors whose DAG's logical dates the DAG they wait for never has, and near misses",
    {
      rule: "external-schedule-mismatch",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.timetables.trigger import CronTriggerTimetable
`,
      body: `with DAG("features", schedule="0 2 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    pass
with DAG("daily", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG("paris", schedule="0 2 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Paris"), default_args=default_args):
    pass
with DAG("train", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="no_delta", external_dag_id="features")
    ExternalTaskSensor(task_id="wrong_delta", external_dag_id="features", execution_delta=timedelta(hours=2))
    ExternalTaskSensor(task_id="delta", external_dag_id="features", execution_delta=timedelta(hours=22))
    ExternalTaskSensor(task_id="same", external_dag_id="daily")
    ExternalTaskSensor(task_id="fn", external_dag_id="features", execution_date_fn=lambda d: d)
    ExternalTaskSensor(task_id="zone", external_dag_id="paris")
    ExternalTaskSensor(task_id="elsewhere", external_dag_id="not_in_this_file")
    ExternalTaskSensor(task_id="templated", external_dag_id="{{ params.upstream }}")
with DAG("hourly", schedule=CronTriggerTimetable("0 * * * *", timezone="UTC"), start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="one_in_24", external_dag_id="daily")
with DAG("manual", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="any_time", external_dag_id="features")
`,
      // zone: midnight UTC is 02:00 in Paris in summer only.
      want: ["8:5", "9:5", "13:5", "17:5"],
    },
  ],
  [
    "external task sensors naming what the DAG waited for lacks (a grouped task without its prefix, a group, a typo, a task as a group), and near misses",
    {
      rule: "external-task-missing",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
`,
      body: `with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    with TaskGroup("warehouse"):
        BashOperator(task_id="load", bash_command="load")
    BashOperator(task_id="extract", bash_command="extract")
with DAG("train", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="bare", external_dag_id="etl", external_task_id="load")
    ExternalTaskSensor(task_id="group", external_dag_id="etl", external_task_id="warehouse")
    ExternalTaskSensor(task_id="ids", external_dag_id="etl", external_task_ids=["extract", "extrct"])
    ExternalTaskSensor(task_id="task_as_group", external_dag_id="etl", external_task_group_id="extract")
    ExternalTaskSensor(task_id="ok", external_dag_id="etl", external_task_id="warehouse.load")
    ExternalTaskSensor(task_id="ok_group", external_dag_id="etl", external_task_group_id="warehouse")
    ExternalTaskSensor(task_id="ok_dag", external_dag_id="etl")
    ExternalTaskSensor(task_id="templated", external_dag_id="etl", external_task_id="{{ params.task }}")
    ExternalTaskSensor(task_id="elsewhere", external_dag_id="other", external_task_id="load")
`,
      want: ["6:80", "7:81", "8:80", "9:95"],
    },
  ],
  [
    "an operator made and run inside a @task's body is no task of the DAG (its settings are the @task's)",
    {
      rule: "missing-retries",
      head: `${HEAD}from airflow.sdk import dag
`,
      body: `@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1))
def t05():
    @task(retries=2)
    def run_query(**context):
        BashOperator(task_id="inner", bash_command="echo").execute(context)

        def nested():
            return BashOperator(task_id="nested", bash_command="echo").execute(context)

        return nested()

    run_query()
    BashOperator(task_id="outer", bash_command="echo")


t05()
`,
      want: ["13:5"],
    },
  ],
  [
    "DAGs made by a plain call in a loop and never entered by a with (bound to a name, appended to a list); not a with, globals(), a literal id, or outside a loop",
    {
      rule: "dag-not-registered",
      body: `for region in ["eu", "us"]:
    d = DAG(f"sync_{region}", schedule=None, default_args=default_args)
    BashOperator(task_id="a", bash_command="echo", dag=d)
DAGS = []
for region in ["eu", "us"]:
    DAGS.append(DAG(f"listed_{region}", schedule=None, default_args=default_args))
for region in ["eu", "us"]:
    k = DAG(f"kept_{region}", schedule=None, default_args=default_args)
    globals()[k.dag_id] = k
for region in ["eu", "us"]:
    w = DAG(f"with_{region}", schedule=None, default_args=default_args)
    with w:
        BashOperator(task_id="a", bash_command="echo")
for region in ["eu", "us"]:
    with DAG(f"ctx_{region}", schedule=None, default_args=default_args):
        BashOperator(task_id="a", bash_command="echo")
for region in ["eu", "us"]:
    same = DAG("same", schedule=None, default_args=default_args)
single = DAG("single", schedule=None, default_args=default_args)


def make(region):
    return DAG(f"made_{region}", schedule=None, default_args=default_args)
`,
      want: ["2:9", "6:17"],
    },
  ],
  [
    "dag-not-registered: a factory's DAG, dropped by its call or bound to a name a loop binds again; near misses",
    {
      rule: "dag-not-registered",
      body: `def make(region):
    d = DAG(f"sync_{region}", schedule=None, default_args=default_args)
    BashOperator(task_id="a", bash_command="echo", dag=d)
    return d
def make_direct(region):
    return DAG(f"direct_{region}", schedule=None, default_args=default_args)
def make_with(region):
    with DAG(f"with_{region}", schedule=None, default_args=default_args) as d:
        BashOperator(task_id="a", bash_command="echo")
    return d
def build(region):
    d = DAG(f"built_{region}", schedule=None, default_args=default_args)
    return [d]
for region in ["eu", "us"]:
    dag = make(region)
    make_direct(region)
    make_with(region)
    build(region)
make("apac")
kept = make("latam")
if True:
    also_kept = make_direct("mena")
`,
      want: ["15:11", "16:5", "19:1"],
    },
  ],
  [
    "external-task-missing on Airflow 2: a task group id naming a task is that task there",
    {
      rule: "external-task-missing",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
`,
      body: `with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="extract", bash_command="extract")
with DAG("train", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="task_as_group", external_dag_id="etl", external_task_group_id="extract")
    ExternalTaskSensor(task_id="missing", external_dag_id="etl", external_task_id="load")
`,
      want: ["5:83"],
      airflowVersion: 2,
    },
  ],
  [
    "external-task-missing holds back when the DAG waited for may have tasks the file does not show",
    {
      rule: "external-task-missing",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from common.tasks import make_exports
`,
      body: `with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="extract", bash_command="extract")
    make_exports()
with DAG("train", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="export", external_dag_id="etl", external_task_id="export_users")
`,
      want: [],
    },
  ],
  [
    "invalid-argument: a task's arguments on @asset or @asset.multi (Airflow 3 refuses the file), a misspelt one; the DAG's and the asset's are taken",
    {
      rule: "invalid-argument",
      head: `${HEAD}from airflow.sdk import Asset, asset
`,
      body: `@asset(
    schedule=[Asset("s3://clean/events/")],
    uri="s3://ml/scores/",
    execution_timeout=timedelta(minutes=45),
    retries=2,
    on_failure_callback=alert,
    tags=["ml"],
)
def scores(self, context):
    return 1


@asset.multi(schedule=None, outlets=[Asset("s3://a"), Asset("s3://b")], retries=1, shedule="@daily")
def many():
    return 1


@asset(schedule="@daily", dag_id="fine", name="fine_asset", group="ml", extra={"k": 1}, params={}, description="d")
@task(retries=2)
def fine(**context):
    return 1
`,
      want: ["4:5", "5:5", "13:73", "13:84"],
    },
  ],
  [
    "external-task-missing judges a DAG whose task callables and callbacks call outside modules: they run in a task, not when the file is parsed",
    {
      rule: "external-task-missing",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
import requests
`,
      body: `def extract(**_):
    import boto3

    boto3.client("s3").upload_file("orders.parquet", "acme-raw", "orders.parquet")


def notify(context):
    requests.post("https://hooks.example.com/etl", json={"failed": True})


with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, on_failure_callback=notify):
    e = PythonOperator(task_id="extract", python_callable=extract)
    with TaskGroup("load"):
        r = BashOperator(task_id="refresh_daily_agg", bash_command="echo hi")
    e >> r
with DAG("report", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="wait", external_dag_id="etl", external_task_id="refresh_daily_agg")
`,
      want: ["17:80"],
    },
  ],
  [
    "external-task-missing holds back when a function of the file, called when it is parsed, calls a project's factory",
    {
      rule: "external-task-missing",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from common.tasks import make_exports
`,
      body: `def build():
    make_exports()


with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="extract", bash_command="extract")
    build()
with DAG("train", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="export", external_dag_id="etl", external_task_id="export_users")
`,
      want: [],
    },
  ],
  [
    "external-task-missing holds back for computed task ids and tasks made in a function",
    {
      rule: "external-task-missing",
      head: `${HEAD}from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
`,
      body: `def exports(table):
    return BashOperator(task_id=f"export_{table}", bash_command="export")


with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="extract", bash_command="extract")
    for t in ["users", "orders"]:
        exports(t)
with DAG("train", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    ExternalTaskSensor(task_id="export", external_dag_id="etl", external_task_id="export_users")
`,
      want: [],
    },
  ],
  [
    "templates in arguments no operator renders (owner, email, queue), in a call and in default_args; pool as written is fine",
    {
      rule: "unrendered-template",
      body: `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"email": ["{{ var.value.oncall }}"]}):
    BashOperator(task_id="a", bash_command="echo {{ ds }}", queue="{{ var.value.queue }}", pool="default_pool")
    BashOperator(task_id="b", bash_command="echo", owner="{{ params.team }}")
`,
      want: ["1:96", "2:67", "3:58"],
    },
  ],
  [
    "a DAG id twice in a file (DAG and @dag); not in branches, a loop, or an uncalled @dag function",
    {
      rule: "duplicate-dag-id",
      body: `with DAG("a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
with DAG(dag_id="a", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    pass
if X:
    with DAG("b", schedule=None, default_args=default_args):
        pass
else:
    with DAG("b", schedule=None, default_args=default_args):
        pass
for i in range(2):
    with DAG("c", schedule=None, default_args=default_args):
        pass


@dag(dag_id="d", schedule=None, default_args=default_args)
def d1():
    pass


@dag(schedule=None, default_args=default_args)
def d():
    pass


@dag(dag_id="a", schedule=None, default_args=default_args)
def never():
    pass


d1()
d()
`,
      want: ["1:6", "3:17", "16:13", "21:1"],
    },
  ],
  [
    "a template in a task function's code and in a default the call leaves; the call's own argument is rendered",
    {
      rule: "unrendered-template",
      body: `@task
def extract(day, run_date="{{ ds }}"):
    return f"s3://events/{{{{ ds_nodash }}}}/{day}" + run_date


@task
def load(path, ds=None):
    return path


with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    load(extract("{{ ds }}"))
`,
      want: ["2:27", "3:12"],
    },
  ],
  [
    "a start_date computed at parse time",
    {
      rule: "dynamic-start-date",
      head: "",
      body: `with DAG("d", start_date=datetime.now() - timedelta(days=1)):
    pass
with DAG("e", start_date=pendulum.datetime(2025, 1, 1)):
    pass
`,
      want: ["1:26"],
    },
  ],
  [
    "a start_date bound to a moving value at module level is followed through the name",
    {
      rule: "dynamic-start-date",
      head: "",
      body: `START = datetime.combine(datetime.today() - timedelta(1), datetime.min.time())
FIXED = pendulum.datetime(2025, 1, 1, tz=UTC)
with DAG("d", start_date=START):
    pass
with DAG("e", start_date=FIXED):
    pass
`,
      want: ["3:26"],
    },
  ],
  // syntax-error: on the line where CPython 3.11 reports it, at its column for syntax errors and
  // at the first token for indentation errors; valid Python that the fast parser leaves to
  // lezer (which misreads some of it) gives nothing, nor does 3.12 syntax such as `type X = int`.
  [
    "an operator call never closed",
    {
      rule: "syntax-error",
      body: dag(`    t = BashOperator(task_id="t", bash_command="x"
    u = 1
`),
      want: ["2:21"],
    },
  ],
  [
    "a with line without its colon",
    { rule: "syntax-error", body: `with DAG("d") as dag\n    pass\n`, want: ["1:21"] },
  ],
  [
    "an unmatched closing bracket in a header: on its line, not at the end of the file",
    {
      rule: "syntax-error",
      body: `with DAG("x", schedule=None)) as dag\n    a = 1\n    b = 2\n    c = 3\n`,
      want: ["1:29"],
    },
  ],
  [
    "a header over several lines without its colon: at the end of the header, as Python says",
    {
      rule: "syntax-error",
      body: `with DAG(\n    "etl",  # the id\n    schedule=None,\n) as dag  # no colon\n    pass\n`,
      want: ["4:9"],
    },
  ],
  ["an unexpected indent", { rule: "syntax-error", body: `x = 1\n    y = 2\n`, want: ["2:5"] }],
  [
    "a def with a return annotation and no colon, a function after it: at the end of the header, as Python says",
    {
      rule: "syntax-error",
      body: `def f(x) -> dict\n    return 1\n\n\ndef g():\n    pass\n`,
      want: ["1:17"],
    },
  ],
  [
    "a one-line if and then an indented line: an unexpected indent, not a missing colon",
    { rule: "syntax-error", body: `if x: y = 1\n    z = 2\n`, want: ["2:5"] },
  ],
  [
    "a dedent to no enclosing level",
    { rule: "syntax-error", body: `def f():\n        a = 1\n    b = 2\n`, want: ["3:5"] },
  ],
  [
    "tabs and spaces mixed",
    { rule: "syntax-error", body: `if x:\n\ta = 1\n        b = 2\n`, want: ["3:9"] },
  ],
  [
    "tabs and spaces mixed: on an indent, and on a dedent",
    {
      rule: "syntax-error",
      body: `if x:\n        if y:\n\t\tb = 1\nif z:\n\tif w:\n\t\tc = 2\n        d = 3\n`,
      want: ["3:3"],
    },
  ],
  [
    "a block header with no block",
    { rule: "syntax-error", body: `def f():\nreturn 1\n`, want: ["2:1"] },
  ],
  [
    "a Python 2 print statement",
    { rule: "syntax-error", body: `def f():\n    print "done"\n`, want: ["2:5"] },
  ],
  ["an unterminated string", { rule: "syntax-error", body: `x = "abc\ny = 1\n`, want: ["1:5"] }],
  [
    "what lezer's grammar lets through and the fast parser checks: argument order, try, numbers",
    {
      rule: "syntax-error",
      body: dag(`    BashOperator(task_id="t", "echo hi")
`),
      want: ["2:31"],
    },
  ],
  [
    "the same checks on a file the fast parser leaves to tree-sitter (a bare yield in it)",
    {
      rule: "syntax-error",
      body: "def gen():\n    yield\nBashOperator(\n    task_id='t',\n    # the command\n    'echo',\n)\n",
      want: ["6:5"],
    },
  ],
  [
    "else with no except, a trailing comma after an unparenthesized generator, import a,",
    {
      rule: "syntax-error",
      body: "try:\n    a = 1\nelse:\n    b = 2\nfinally:\n    c = 3\nf(x for x in y,)\nimport a,\n",
      want: ["3:1"],
    },
  ],
  [
    "an error inside an f-string's field is passed over, not taken for a clean file: a later one is found",
    {
      rule: "syntax-error",
      body: 'x = f"{1 + }"\ny = 2\nprint("unterminated\n',
      want: ["3:6"],
    },
  ],
  [
    "a keyword argument given a generator, on its name: CPython's maybe-you-meant '=='",
    { rule: "syntax-error", body: "f(y, x=a for a in b)\n", want: ["1:6"] },
  ],
  [
    "a class whose bases are a generator expression, at its for",
    {
      rule: "syntax-error",
      body: "class C(x for x in g(a for a in b)):\n    pass\n",
      want: ["1:11"],
    },
  ],
  [
    "a keyword argument given twice, at the second (CPython's 'keyword argument repeated')",
    {
      rule: "syntax-error",
      body: dag(`    BashOperator(task_id="a", bash_command="echo", task_id="b")
`),
      want: ["2:52"],
    },
  ],
  [
    "a keyword argument given twice, in a file left to tree-sitter (a bare yield in it)",
    {
      rule: "syntax-error",
      body: "def gen():\n    yield\nf(a=1,\n  a=2)\n",
      want: ["4:3"],
    },
  ],
  ...(
    [
      ["return at module level", "x = 1\nreturn x\n", "2:1"],
      ["break in a loop's else", "for x in y:\n    pass\nelse:\n    break\n", "4:5"],
      ["continue in a function inside a loop", "while a:\n    def f():\n        continue\n", "3:9"],
      [
        "return in a class body inside a function",
        "def f():\n    class C:\n        return 1\n",
        "3:9",
      ],
      ["yield at module level", "x = yield 1\n", "1:5"],
      ["nonlocal at module level", "nonlocal a\n", "1:1"],
      ["nonlocal in a class body at module level", "class C:\n    nonlocal a\n", "2:5"],
    ] as const
  ).flatMap(([what, body, at]): [string, Case][] => {
    const [line, column] = at.split(":").map(Number) as [number, number];
    return [
      [`what CPython refuses after parsing: ${what}`, { rule: "syntax-error", body, want: [at] }],
      [
        `the same in a file left to tree-sitter (a bare yield in it): ${what}`,
        {
          rule: "syntax-error",
          body: `def gen():\n    yield\n${body}`,
          want: [`${line + 2}:${column}`],
        },
      ],
    ];
  }),
  ...(["", "def gen():\n    yield\n"] as const).map((lead): [string, Case] => [
    `return, yield, break, continue and nonlocal where they belong: no finding${lead ? " (tree-sitter)" : ""}`,
    {
      rule: "syntax-error",
      body: `${lead}def f():
    v = 1
    def g():
        nonlocal v
        return (yield v)
    for x in y:
        if x:
            continue
        break
    else:
        return 1
    class C:
        def m(self):
            for a in b:
                while a:
                    break
            return self
        nonlocal v
    return lambda: (yield)
while True:
    break
handler = lambda: (yield)
`,
      want: [],
    },
  ]),
  [
    "a try with neither except nor finally",
    { rule: "syntax-error", body: "try:\n    a = 1\nelse:\n    b = 2\n", want: ["3:1"] },
  ],
  [
    "a decimal integer with a leading zero, an underscore not between digits",
    { rule: "syntax-error", body: "x = 1_000\ny = 007\nz = 1__0\n", want: ["2:5"] },
  ],
  [
    "valid argument orders and numbers the fast parser reads: no finding",
    {
      rule: "syntax-error",
      body: "f(a=g(b=1), b=2)\nf(a, *b, c=1, **d)\nf(a=1, *b)\nf(c := 1, a=2)\nf(x for x in y)\nf(x := a for a in b)\nclass C((x for x in y)):\n    pass\nx = 00 + 0_0 + 012.5 + 0x_ff + 1e1_0 + 1_0.0_1j\nfrom a import (b,)\n",
      want: [],
    },
  ],
  [
    "a callable calling the project's own helper may push there (get_current_context()); a library call pushes nothing",
    {
      rule: "missing-xcom-key",
      body: `from mycompany.airflow_utils import publish_stats
from pandas import read_csv


def extract():
    publish_stats([1, 2, 3])


def load():
    read_csv("x.csv")


${dag(`    e = PythonOperator(task_id="extract", python_callable=extract)
    l = PythonOperator(task_id="load", python_callable=load)
    r = BashOperator(task_id="report", bash_command="{{ ti.xcom_pull(task_ids='extract', key='rows') }} {{ ti.xcom_pull(task_ids='load', key='rows') }}")
    [e, l] >> r
`)}`,
      want: ["16:108"],
    },
  ],
  [
    "`# mlgen: disable` inside a string (a shell comment in a bash script) silences nothing; in a comment it does",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo '# mlgen: disable'; echo {{ ti.xcom_pull(task_ids='nope') }}")
    b = BashOperator(task_id="b", bash_command="""
        # mlgen: disable=missing-xcom-key
        echo {{ ti.xcom_pull(task_ids='nope') }}
    """)
    c = BashOperator(task_id="c", bash_command="echo {{ ti.xcom_pull(task_ids='nope') }}")  # mlgen: disable
`),
      want: ["2:82", "5:17"],
    },
  ],
  [
    "trigger rules and execution_date attributes Airflow 3 removed",
    {
      rule: "airflow3-removed",
      head: `import pendulum
from airflow.utils.trigger_rule import TriggerRule
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
`,
      body: `def load(ti, dag_run, **context):
    print(ti.execution_date, dag_run.execution_date, context["ti"].execution_date, ti.logical_date)


with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"trigger_rule": TriggerRule.NONE_FAILED_OR_SKIPPED}):
    a = BashOperator(task_id="a", bash_command="echo {{ dag_run.execution_date }} {{ dag_run.logical_date }}")
    b = PythonOperator(task_id="b", python_callable=load, trigger_rule="dummy")
    c = BashOperator(task_id="c", bash_command="echo 1", trigger_rule="none_failed_min_one_success")
`,
      want: ["2:11", "2:30", "2:54", "5:102", "6:57", "7:72"],
    },
  ],
  [
    "dag.set_dependency('c', 'd') is an edge: d's pull from c is no race",
    {
      rule: "missing-xcom-key",
      body: `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args) as d:
    c = BashOperator(task_id="c", bash_command="echo 1")
    e = BashOperator(task_id="d", bash_command="echo {{ ti.xcom_pull(task_ids='c') }}")
    f = BashOperator(task_id="f", bash_command="echo {{ ti.xcom_pull(task_ids='c') }}")
    d.set_dependency("c", "d")
`,
      want: ["4:57"],
    },
  ],
  [
    "paths of FTP and HDFS operators are on another host",
    {
      rule: "hardcoded-path",
      body: dag(`    a = FTPSensor(task_id="a", path="/home/partner/outbox/orders.csv", ftp_conn_id="p")
    b = WebHdfsSensor(task_id="b", filepath="/data/warehouse/orders/_SUCCESS")
    c = FTPFileTransmitOperator(task_id="c", remote_filepath="/home/partner/in.csv", local_filepath="{{ var.value.stage }}/in.csv")
    d = BashOperator(task_id="d", bash_command="cat /data/warehouse/x.csv")
`),
      want: ["5:53"],
    },
  ],
  [
    "os.system() at module level runs at every parse",
    {
      rule: "top-level-code",
      body: 'import os\n\nos.system("ls")\nos.popen("ls")\n',
      want: ["3:1", "4:1"],
    },
  ],
  [
    "`with setup >> teardown:` makes both tasks, and runs the setup before the tasks inside",
    {
      rule: "missing-xcom-key",
      body: dag(`    @task
    def make_bucket(ti=None):
        ti.xcom_push(key="bucket", value="b")

    @task
    def drop_bucket():
        pass

    @task
    def use_bucket(ti=None):
        print(ti.xcom_pull(task_ids="make_bucket", key="bucket"), ti.xcom_pull(task_ids="make_bucket", key="nope"))

    with make_bucket().as_setup() >> drop_bucket().as_teardown():
        use_bucket()
`),
      want: ["12:67"],
    },
  ],
  [
    "a @task_group made under other ids with .override(group_id=...): pulls from them are not judged",
    {
      rule: "missing-xcom-key",
      head: `import pendulum
from airflow.sdk import DAG, task, task_group
from airflow.providers.standard.operators.bash import BashOperator
`,
      body: `@task_group
def region():
    @task
    def extract(ti=None):
        ti.xcom_push(key="rows", value=3)

    extract()


with DAG("tgover", schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC")):
    eu = region.override(group_id="eu")()
    us = region.override(group_id="us")()
    r = BashOperator(task_id="report", bash_command="echo {{ ti.xcom_pull(task_ids='eu.extract', key='rows') }} {{ ti.xcom_pull(task_ids='us.extract', key='rows') }}")
    [eu, us] >> r
`,
      want: [],
    },
  ],
  [
    "a clock read under another name, or through the file's own function, moves the start date too",
    {
      rule: "dynamic-start-date",
      head: `from datetime import datetime as DT, timedelta
import pendulum as pdl
from pendulum import now as pnow
from airflow.utils.timezone import utcnow
from airflow.sdk import DAG
`,
      body: `def yesterday():
    return pdl.now("UTC").subtract(days=1)


with DAG("a", schedule="@daily", start_date=DT.now()):
    pass
with DAG("b", schedule="@daily", start_date=pnow("UTC").subtract(days=1)):
    pass
with DAG("c", schedule="@daily", start_date=utcnow() - timedelta(days=1)):
    pass
with DAG("d", schedule="@daily", start_date=yesterday()):
    pass
with DAG("ok", schedule="@daily", start_date=DT.fromisoformat("2024-01-01"), end_date=pnow().add(days=30)):
    pass
`,
      want: ["5:45", "7:45", "9:45", "11:45"],
    },
  ],
  [
    "a function name defined in two DAG functions: each task reads the definition in its own",
    {
      rule: "missing-xcom-key",
      body: `@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1))
def orders():
    def extract(ti):
        ti.xcom_push(key="order_count", value=10)

    e = PythonOperator(task_id="extract", python_callable=extract)
    r = BashOperator(task_id="report", bash_command="echo {{ ti.xcom_pull(task_ids='extract', key='order_count') }}")
    e >> r


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1))
def customers():
    def extract(ti):
        ti.xcom_push(key="customer_count", value=5)

    e = PythonOperator(task_id="extract", python_callable=extract)
    r = BashOperator(task_id="report", bash_command="echo {{ ti.xcom_pull(task_ids='extract', key='order_count') }}")
    e >> r


orders()
customers()
`,
      want: ["17:62"],
    },
  ],
  [
    "lone carriage returns as the only line ends, a block among them (Python's universal newlines)",
    { rule: "syntax-error", body: "x = 1\rif x:\r    y = 2\rz = )\r", want: ["4:5"] },
  ],
  [
    "`print >>f, x` parses in Python 3 too (a tuple; it fails only when it runs): no finding",
    {
      rule: "syntax-error",
      body: "import sys\n\n\ndef log(msg):\n    print >>sys.stderr, msg\n    exec(msg)\n",
      want: [],
    },
  ],
  [
    "lone carriage returns as line ends (valid; the fast parser leaves them to lezer)",
    {
      rule: "syntax-error",
      body: "def helper(x):\r    # scale it\r    return x * 2\r",
      want: [],
    },
  ],
  [
    "valid Python that lezer misreads or the fast parser leaves to it: no finding",
    {
      rule: "syntax-error",
      body: `def gen():
    yield
x = 1.
match x:
    case {"a": 1}:
        pass
with (open("a") as f,
      open("b") as g):
    pass
for k, *_ in pairs:
    pass
y = f"{d["k"]}" if False else f'{z:{w}}'
\x0c
type Alias = int
s = f'{x:=}' + f'{x:=:010}'
\tif True:
\t\tpass
`.replace("\n\tif", "\nif"),
      want: [],
    },
  ],
  [
    "duplicate-task-id: a loop over a name bound to a written-out list makes the id on each pass; not when each pass's task goes to a DAG the file cannot name",
    {
      rule: "duplicate-task-id",
      body: `SOURCES = ["crm", "billing"]
DAGS = {}

with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    for source in SOURCES:
        BashOperator(task_id="extract", bash_command="echo")
for source in SOURCES:
    DAGS[source] = DAG(f"sync_{source}", schedule=None, start_date=pendulum.datetime(2025, 1, 1))
    BashOperator(task_id="sync", bash_command="echo", dag=DAGS[source])
`,
      want: ["6:9"],
    },
  ],
  [
    "branch-join-skipped: the sides made by a loop over a written-out list (one task per pass) and the join after them",
    {
      rule: "branch-join-skipped",
      body: `OPTIONS = ["a", "b", "c"]

${dag(`    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: f"opt_{OPTIONS[0]}")
    join = BashOperator(task_id="join", bash_command="echo")
    ok = BashOperator(task_id="ok", bash_command="echo", trigger_rule="none_failed_min_one_success")
    for option in OPTIONS:
        t = BashOperator(task_id=f"opt_{option}", bash_command="echo")
        after = BashOperator(task_id=f"after_{option}", bash_command="echo")
        pick >> t >> after >> [join, ok]
`)}`,
      want: ["5:12"],
      head: `${HEAD}from airflow.providers.standard.operators.python import BranchPythonOperator\n`,
    },
  ],
  [
    "invalid-argument: expand() over a value Airflow cannot map (a string, a number, None, a set); lists, tuples, dicts, outputs and names are fine",
    {
      rule: "invalid-argument",
      body: dag(`    @task
    def fit(x, y=None):
        return x

    fit.expand(x="abc")
    fit.partial(y=1).expand(x=None)
    BashOperator.partial(task_id="b").expand(bash_command="echo 1", env={"A", "B"})
    fit.expand(x=[1, 2], y=(1, 2))
    fit.expand(x={"a": 1}, y=fit(1))
    BashOperator.partial(task_id="c").expand(bash_command=TABLES)
`),
      want: ["6:16", "7:29", "8:46", "8:69"],
    },
  ],
  [
    "invalid-argument: a list shifted by a list (also after a shift), chain() over lists of two lengths, a timeout written in seconds; near misses",
    {
      rule: "invalid-argument",
      body: `with DAG("t", schedule=None, start_date=pendulum.datetime(2025, 1, 1), dagrun_timeout=600, default_args={"execution_timeout": 60, "retries": 1}):
    a = BashOperator(task_id="a", bash_command="a")
    b = BashOperator(task_id="b", bash_command="b", execution_timeout=1.5 * 60)
    c = BashOperator(task_id="c", bash_command="c", execution_timeout=timedelta(minutes=1))
    [a, b] >> [c]
    a >> [b] >> (c,)
    chain([a, b], [c, a, b])
    [a, b] >> c >> [a, b]
    chain([a, b], [b, c], *more)
    chain([a, *rest], [b, c, a])
with DAG("u", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"execution_timeout": 60}):
    BashOperator(task_id="own", bash_command="a", execution_timeout=timedelta(minutes=1))
`,
      want: ["1:87", "1:127", "3:71", "5:5", "6:5", "7:5"],
    },
  ],
  [
    "invalid-argument: resources= keys of a pod (Airflow's Resources takes cpus, ram, disk, gpus), once per dict, on a task and in default_args",
    {
      rule: "invalid-argument",
      body: `with DAG("t", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"retries": 1, "resources": {"memory": "1Gi"}}):
    BashOperator(task_id="a", bash_command="a", resources={"request_memory": "1Gi", "limit_cpu": "1"})
    BashOperator(task_id="b", bash_command="b", resources={"cpus": 2, "ram": 512})
`,
      want: ["1:114", "2:60"],
    },
  ],
  // callable-arguments
  [
    "callable-arguments: an op_kwargs key the function lacks, a required parameter nothing fills, too many op_args; near misses",
    {
      rule: "callable-arguments",
      body: `import functools

def fit(path, epochs=1, *, seed):
    pass

def ctx(path, ti=None, ds=None, params=None):
    pass

def wild(path, **kwargs):
    pass

@my_decorator
def wrapped(path):
    pass

ARGS = ["a", "b", "c"]

${dag(`    PythonOperator(task_id="a", python_callable=fit, op_kwargs={"path": "p", "epoch": 3, "seed": 1})
    PythonOperator(task_id="b", python_callable=fit, op_kwargs={"path": "p"})
    PythonOperator(task_id="c", python_callable=fit, op_args=["p", 2, 3], op_kwargs={"seed": 1})
    PythonOperator(task_id="d", python_callable=ctx, op_args=["p"])
    PythonOperator(task_id="e", python_callable=wild, op_kwargs={"path": "p", "anything": 1})
    PythonOperator(task_id="f", python_callable=wrapped, op_kwargs={"other": 1})
    PythonOperator(task_id="g", python_callable=fit, op_args=ARGS, op_kwargs={"seed": 1})
    PythonOperator(task_id="h", python_callable=functools.partial(fit, "p"), op_kwargs={"seed": 1})
    PythonOperator(task_id="i", python_callable=lambda: 1)
    PythonOperator.partial(task_id="j", python_callable=fit).expand(op_kwargs=[{"path": "p", "seed": 1}])
    PythonOperator(task_id="k", python_callable=fit, op_args=["p"], op_kwargs={"seed": 1, **more})
`)}`,
      want: ["19:78", "20:5", "21:62"],
    },
  ],
  [
    "callable-arguments: a required parameter named for a logical-date variable, in a DAG scheduled on assets only (Airflow 3); a default, op_kwargs, **context or a schedule in time fill it",
    {
      rule: "callable-arguments",
      head: `${HEAD}from airflow.sdk import Asset
`,
      body: `def clean(ds):
    print(ds)

def interval(data_interval_start, ti):
    print(data_interval_start)

def optional(ds=None):
    print(ds)

def anything(**context):
    print(context.get("ds"))


with DAG("events", schedule=[Asset("s3://raw/events/")], start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    PythonOperator(task_id="a", python_callable=clean)
    PythonOperator(task_id="b", python_callable=interval)
    PythonOperator(task_id="c", python_callable=optional)
    PythonOperator(task_id="d", python_callable=anything)
    PythonOperator(task_id="e", python_callable=clean, op_kwargs={"ds": "2025-01-01"})
with DAG("timed", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    PythonOperator(task_id="f", python_callable=clean)
`,
      want: ["15:5", "16:5"],
    },
  ],
  [
    "callable-arguments on Airflow 2: a run its datasets trigger has a ds",
    {
      rule: "callable-arguments",
      head: `${HEAD}from airflow.datasets import Dataset
`,
      body: `def clean(ds):
    print(ds)


with DAG("events", schedule=[Dataset("s3://raw/events/")], start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    PythonOperator(task_id="a", python_callable=clean)
`,
      want: [],
      airflowVersion: 2,
    },
  ],
  // multiple-outputs
  [
    "multiple-outputs: a tuple, a list, a number or a non-string key returned with multiple_outputs (given, or inferred from a dict annotation); near misses",
    {
      rule: "multiple-outputs",
      body: `@task(multiple_outputs=True)
def train():
    if 1:
        return None
    return uri, score

@task
def evaluate() -> dict[str, float]:
    return [0.9]

@task(multiple_outputs=True)
def keyed():
    return {1: "a", "b": 2}

@task(multiple_outputs=True)
def fine():
    return {"a": 1}

@task
def maybe() -> dict | None:
    return (1, 2)

@task(multiple_outputs=False)
def flat() -> dict:
    return 0.5

@task(multiple_outputs=True, do_xcom_push=False)
def unpushed():
    return 1, 2

@task(multiple_outputs=True)
def named():
    if result:
        return -1
    return result

def split():
    return 3

if TYPE_CHECKING:
    from typing import Dict

@task
def hinted() -> "Dict[str, float]":
    return 1.0, 2.0

${dag(`    train()
    train.override(task_id="again")()
    evaluate()
    keyed()
    fine()
    maybe()
    flat()
    unpushed()
    named()
    hinted()
    PythonOperator(task_id="split", python_callable=split, multiple_outputs=True)
    PythonOperator(task_id="split_flat", python_callable=split)
`)}`,
      want: ["5:12", "9:12", "13:12", "34:16", "38:12"],
    },
  ],
  // trigger-conf
  [
    "trigger-conf: a conf key a letter off a param with a default of the triggered DAG in the file (its own, a task's); near misses (a required param, a name only read, an open dict, a DAG elsewhere)",
    {
      rule: "trigger-conf",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import Param

with DAG("retrain", schedule=None, start_date=pendulum.datetime(2025, 1, 1), params={"learning_rate": Param(0.1), "window": Param(type="integer")}):
    BashOperator(task_id="fit", bash_command="fit {{ params.learning_rate }} {{ params.window }} {{ params.seed }}", params={"depth": 3})

with DAG("open", schedule=None, start_date=pendulum.datetime(2025, 1, 1), params=COMMON):
    BashOperator(task_id="fit", bash_command="fit")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="retrain", conf={"learning_rte": 0.5, "windw": 7, "dept": 4, "sed": 1, "far_away_key": 1})
    TriggerDagRunOperator(task_id="b", trigger_dag_id="retrain", conf={"learning_rate": 0.5, "depth": 2})
    TriggerDagRunOperator(task_id="c", trigger_dag_id="open", conf={"learning_rte": 0.5})
    TriggerDagRunOperator(task_id="d", trigger_dag_id="elsewhere", conf={"learning_rte": 0.5})
    TriggerDagRunOperator(task_id="e", trigger_dag_id="retrain", conf=CONF)
`)}`,
      want: ["11:72", "11:105"],
    },
  ],
  [
    "trigger-conf: a conf value a typed Param refuses (a template renders to text; a literal of another type, signed numbers too); not said for an untyped param, the right type, or a DAG rendering native objects",
    {
      rule: "trigger-conf",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import Param

with DAG("retrain", schedule=None, start_date=pendulum.datetime(2025, 1, 1), params={"lr": Param(0.1, type="number"), "epochs": Param(3, type="integer"), "full": Param(False, type="boolean"), "tag": Param("x", type="string"), "free": 1}):
    BashOperator(task_id="fit", bash_command="fit {{ params.lr }} {{ params.epochs }} {{ params.full }} {{ params.tag }} {{ params.free }}")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="retrain", conf={"lr": "{{ ti.xcom_pull(task_ids='tune') }}", "epochs": 2.5, "full": "true", "tag": 7})
    TriggerDagRunOperator(task_id="b", trigger_dag_id="retrain", conf={"lr": 0.5, "epochs": 5, "full": True, "tag": "{{ ds }}", "free": "{{ ds }}"})
`)}
with DAG("native", schedule=None, start_date=pendulum.datetime(2025, 1, 1), render_template_as_native_obj=True):
    TriggerDagRunOperator(task_id="c", trigger_dag_id="retrain", conf={"lr": "{{ ti.xcom_pull(task_ids='tune') }}"})

with DAG("native_args", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={"render_template_as_native_obj": True}):
    TriggerDagRunOperator(task_id="d", trigger_dag_id="retrain", conf={"lr": "{{ ti.xcom_pull(task_ids='tune') }}", "epochs": 2.0})
    TriggerDagRunOperator(task_id="e", trigger_dag_id="retrain", conf={"lr": "{{ x }}"}, render_template_as_native_obj=True)
    TriggerDagRunOperator(task_id="f", trigger_dag_id="retrain", conf={"epochs": 1_000, "lr": 1e3, "tag": 0x10})
    TriggerDagRunOperator(task_id="g", trigger_dag_id="retrain", conf={"epochs": -1, "lr": -0.5, "tag": -2, "free": not 1})
    TriggerDagRunOperator(task_id="h", trigger_dag_id="retrain", conf={"epochs": -2.5, "full": -1, "lr": +1})
`,
      want: ["8:72", "8:117", "8:132", "8:148", "17:100", "18:98", "19:72", "19:88"],
    },
  ],
  // missing-dag
  [
    "missing-dag: a trigger or sensor naming a DAG id a letter or two off one the folder defines (a swap, a wrong letter, another case); an id it defines, a far one, a prefix, a family's sibling, templates and a marker (inert on Airflow 3) are not said",
    {
      rule: "missing-dag",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor

with DAG("deploy_model", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="go", bash_command="echo 1")

with DAG("ingest_churn", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="load", bash_command="echo 1")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="deploy_modle")
    ExternalTaskSensor(task_id="b", external_dag_id="ingest_churm", external_task_id="load", mode="reschedule")
    ExternalTaskMarker(task_id="c", external_dag_id="ingest_churm", external_task_id="load")
    TriggerDagRunOperator(task_id="d", trigger_dag_id="deploy_model")
    TriggerDagRunOperator(task_id="j", trigger_dag_id="Deploy_Model")
    TriggerDagRunOperator(task_id="e", trigger_dag_id="score_customers")
    TriggerDagRunOperator(task_id="f", trigger_dag_id="deploy")
    TriggerDagRunOperator(task_id="g", trigger_dag_id="ingest_{{ params.region }}")
    TriggerDagRunOperator(task_id="h", trigger_dag_id="deploy_models_eu")
    ExternalTaskSensor(task_id="i", external_dag_id="d", external_task_id="go", mode="reschedule")
`)}`,
      want: ["11:55", "12:53", "15:55"],
    },
  ],
  [
    "missing-dag: ids held by module-level constants are read as the strings they hold (DAG_ID = ..., trigger_dag_id=TARGET); not a name bound twice",
    {
      rule: "missing-dag",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

DEPLOY_ID = "deploy_model"
TARGET = "deploy_modle"
OTHER = "deploy_modle"
OTHER = "deploy_model"

with DAG(DEPLOY_ID, schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="go", bash_command="echo 1")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id=TARGET)
    TriggerDagRunOperator(task_id="b", trigger_dag_id=DEPLOY_ID)
    TriggerDagRunOperator(task_id="c", trigger_dag_id=OTHER)
`)}`,
      want: ["12:55"],
    },
  ],
  [
    "missing-dag: not said when a DAG id of the folder is computed (a loop), even beside a DAG a letter off the one named",
    {
      rule: "missing-dag",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

for region in ["eu", "us"]:
    with DAG(f"deploy_{region}", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        BashOperator(task_id="go", bash_command="echo 1")

with DAG("deploy_ul", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="go", bash_command="echo 1")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="deploy_uk")
`)}`,
      want: [],
    },
  ],
  [
    "missing-dag: a DAG id built from text (an f-string, a +) is a pattern: ids it may take are not said, a typo of a written id still is (one near only a pattern is not: no fix to offer); an id held only by a variable hides the folder's ids",
    {
      rule: "missing-dag",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

for source in ["crm", "web"]:
    with DAG(f"ingest_{source}_daily", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        BashOperator(task_id="go", bash_command="echo 1")
    with DAG("export_" + source, schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        BashOperator(task_id="go", bash_command="echo 1")

with DAG("deploy_model", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="go", bash_command="echo 1")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="deploy_modle")
    TriggerDagRunOperator(task_id="b", trigger_dag_id="ingest_crm_daily")
    TriggerDagRunOperator(task_id="c", trigger_dag_id="export_web")
    TriggerDagRunOperator(task_id="d", trigger_dag_id="ingest_crm_daly")
`)}`,
      want: ["13:55"],
    },
  ],
  [
    "missing-dag: not said when a DAG's id is a variable's (the loop's own), even beside a DAG a letter off the one named",
    {
      rule: "missing-dag",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

for dag_id in ["deploy_uk", "deploy_us"]:
    with DAG(dag_id, schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        BashOperator(task_id="go", bash_command="echo 1")

with DAG("deploy_ul", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="go", bash_command="echo 1")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="deploy_uk")
`)}`,
      want: [],
    },
  ],
  [
    "missing-dag: not said by a file that calls a project's DAG factory when it is parsed, even beside a DAG a letter off the one named",
    {
      rule: "missing-dag",
      body: `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from company.dags import create_dag

create_dag("deploy_uk")

with DAG("deploy_ul", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    BashOperator(task_id="go", bash_command="echo 1")

${dag(`    TriggerDagRunOperator(task_id="a", trigger_dag_id="deploy_uk")
`)}`,
      want: [],
    },
  ],
  // branch-target
  [
    "branch-target: a returned id the DAG lacks, written out, as a constant, in a list or a choice; ids it has, a group's id and computed returns are not said",
    {
      rule: "branch-target",
      body: `MISSING = "scroe"

def pick(ti):
    if ti.xcom_pull(task_ids="a"):
        return MISSING
    if ti:
        return ["a", "gone"]
    return "a" if ti else "grp"

def computed(ti):
    target = "nowhere"
    return target

${dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    with TaskGroup("grp"):
        inner = BashOperator(task_id="inner", bash_command="echo 1")
    br = BranchPythonOperator(task_id="br", python_callable=pick)
    other = BranchPythonOperator(task_id="other", python_callable=computed)
    a >> br >> [a, inner]
    other >> a
`)}`,
      want: ["5:16", "7:22"],
      head: `${HEAD}from airflow.providers.standard.operators.python import BranchPythonOperator\n`,
    },
  ],
  [
    "branch-target: not said when a task id is computed (a loop over what the file does not show), or a @task_group is called twice",
    {
      rule: "branch-target",
      body: `def pick():
    return "load_eu"

${dag(`    br = BranchPythonOperator(task_id="br", python_callable=pick)
    for r in get_regions():
        br >> BashOperator(task_id=f"load_{r}", bash_command="echo 1")
`)}`,
      want: [],
      head: `${HEAD}from airflow.providers.standard.operators.python import BranchPythonOperator\n`,
    },
  ],
  // branch-join-skipped
  [
    "branch-join-skipped: a join after both sides keeping all_success (by default or written), after a chain on one side; said at the first join only",
    {
      rule: "branch-join-skipped",
      body: `@task.branch
def route():
    return "a"  # the usual side

@task.branch(trigger_rule="all_success")
def route2():
    return "c" if 1 else "d"

${dag(`    r = route()
    a = BashOperator(task_id="a", bash_command="echo 1")
    a2 = BashOperator(task_id="a2", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo 1")
    j = BashOperator(task_id="j", bash_command="echo 1")
    after = BashOperator(task_id="after", bash_command="echo 1")
    r >> [a, b]
    a >> a2
    [a2, b] >> j >> after
    r2 = route2()
    c = BashOperator(task_id="c", bash_command="echo 1")
    d = BashOperator(task_id="d", bash_command="echo 1")
    j2 = BashOperator(task_id="j2", bash_command="echo 1", trigger_rule="all_success")
    r2 >> [c, d] >> j2
`)}`,
      want: ["14:9", "22:10"],
    },
  ],
  [
    "branch-join-skipped: not said for a join rule that runs after one side, a branch that may follow both, a side that waits with another rule, or an empty side",
    {
      rule: "branch-join-skipped",
      body: `def one():
    return "a"

def many(ti):
    return ["a", "b"]

def unknown(ti):
    chosen = ti.xcom_pull(task_ids="x")
    return chosen

${dag(`    r1 = BranchPythonOperator(task_id="r1", python_callable=one)
    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo 1")
    j1 = BashOperator(task_id="j1", bash_command="echo 1", trigger_rule="none_failed_min_one_success")
    j1b = BashOperator(task_id="j1b", bash_command="echo 1", trigger_rule=TriggerRule.ONE_SUCCESS)
    r1 >> [a, b] >> j1
    [a, b] >> j1b
    r2 = BranchPythonOperator(task_id="r2", python_callable=many)
    c = BashOperator(task_id="c", bash_command="echo 1")
    d = BashOperator(task_id="d", bash_command="echo 1")
    r2 >> [c, d] >> BashOperator(task_id="j2", bash_command="echo 1")
    r3 = BranchPythonOperator(task_id="r3", python_callable=unknown)
    e = BashOperator(task_id="e", bash_command="echo 1")
    f = BashOperator(task_id="f", bash_command="echo 1")
    r3 >> [e, f] >> BashOperator(task_id="j3", bash_command="echo 1")
    r4 = BranchPythonOperator(task_id="r4", python_callable=one)
    g = BashOperator(task_id="g", bash_command="echo 1")
    h = BashOperator(task_id="h", bash_command="echo 1")
    m = BashOperator(task_id="m", bash_command="echo 1", trigger_rule="none_failed")
    j4 = BashOperator(task_id="j4", bash_command="echo 1")
    r4 >> [g, h]
    g >> m
    [m, h] >> j4
    r5 = BranchPythonOperator(task_id="r5", python_callable=one)
    k = BashOperator(task_id="k", bash_command="echo 1")
    j5 = BashOperator(task_id="j5", bash_command="echo 1")
    r5 >> [k, j5]
    k >> j5
`)}`,
      want: [],
      head: `${HEAD}from airflow.providers.standard.operators.python import BranchPythonOperator\nfrom airflow.task.trigger_rule import TriggerRule\n`,
    },
  ],
];

describe("Python DAG rules", () => {
  it.each(cases)("%s", (_, c) => {
    expect(found(c.rule, c.body, c.head, c.airflowVersion)).toEqual(c.want);
  });

  it.each([
    ["", 0],
    ["def gen():\n    yield\n", 2],
  ] as const)(
    "syntax errors in CPython's order: parse, then symbol table, then compiler (lead of %j)",
    (lead, shift) => {
      const first = (body: string) => {
        const [f] = lintPythonSource("dag.py", lead + body, {
          rules: Object.fromEntries(
            RULE_IDS.map((id) => [id, id === "syntax-error" ? "error" : "off"]),
          ) as never,
        });
        return f ? `${f.line - shift}:${f.column} ${f.message}` : "";
      };
      // A parse error later in the file wins over a return outside a function before it.
      expect(first("return 1\nf(a=1, 2)\n")).toMatch(
        /^2:8 .*positional argument follows keyword argument/,
      );
      // nonlocal (the symbol table) wins over an earlier break (the compiler).
      expect(first("break\nnonlocal a\n")).toMatch(
        /^2:1 .*nonlocal declaration not allowed at module level/,
      );
      expect(first("class C:\n    nonlocal a\n")).toMatch(
        /^2:5 .*no binding for nonlocal 'a' found/,
      );
      expect(first("for x in y:\n    pass\nelse:\n    continue\n")).toMatch(
        /^4:5 .*'continue' not properly in loop/,
      );
      // A repeated keyword is the compiler's too: in source order with a return outside a function.
      expect(first("return 1\nf(a=1, a=2)\n")).toMatch(/^1:1 .*'return' outside function/);
      expect(first("f(a=1, a=2)\nreturn 1\n")).toMatch(/^1:8 .*keyword argument repeated: a/);
    },
  );

  it("every rule that reads Python files has at least one case here", () => {
    const python = RULES.filter((r) => r.checkPython).map((r) => r.id);
    expect(python.length).toBeGreaterThanOrEqual(11);
    expect(new Set(cases.map(([, c]) => c.rule))).toEqual(new Set(python));
  });
});

describe("messages name the place and the fix", () => {
  const messages = (rule: string, body: string) =>
    lintPythonSource("d.py", HEAD + body)
      .filter((f) => f.ruleId === rule)
      .map((f) => `${f.message} | ${f.fix}`);

  it("a sensor whose DAG's dates the other DAG never has: the schedules, the share, the delta", () => {
    const body = `from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
with DAG("features", schedule="30 1 * * *", start_date=pendulum.datetime(2025, 1, 1)):
    pass
with DAG("daily", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):
    ExternalTaskSensor(task_id="wait_features", external_dag_id="features")
with DAG("hourly", schedule="0 * * * *", start_date=pendulum.datetime(2025, 1, 1)):
    ExternalTaskSensor(task_id="wait_daily", external_dag_id="daily", execution_delta=timedelta(days=1))
`;
    expect(messages("external-schedule-mismatch", body)).toEqual([
      "sensor 'wait_features' waits for the run of DAG 'features' at its own run's logical date (@daily), but 'features' runs at 30 1 * * *, so no run of it ever has that logical date: the sensor pokes until its timeout (Airflow's default, 7 days) and fails, on every run | pass execution_delta=timedelta(hours=22, minutes=30): each run then waits for the run of 'features' 22 hours and 30 minutes before its own logical date; or give both DAGs the same schedule",
      "sensor 'wait_daily' waits for the run of DAG 'daily' at its own run's logical date (0 * * * *) minus execution_delta=timedelta(days=1), but 'daily' runs at @daily, so only 1 in 24 of this DAG's runs find one: in the others the sensor pokes until its timeout (Airflow's default, 7 days) and fails | give both DAGs schedules whose times line up, or pass execution_date_fn returning the logical date of the run of 'daily' each run should wait for",
    ]);
  });

  it("a sensor across time zones, and a delta of days where the clocks change: why only some runs find one", () => {
    const body = `from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
with DAG("ingest", schedule="0 4 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Berlin")):
    pass
with DAG("report", schedule="0 3 * * *", start_date=pendulum.datetime(2025, 1, 1)):
    ExternalTaskSensor(task_id="wait_ingest", external_dag_id="ingest")
with DAG("paris", schedule="0 3 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Paris")):
    ExternalTaskSensor(task_id="wait_yesterday", external_dag_id="paris", execution_delta=timedelta(days=1))
with DAG("report_berlin", schedule="0 4 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Berlin")):
    ExternalTaskSensor(task_id="wait_same_zone", external_dag_id="ingest")
with DAG("hourly_utc", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1)):
    ExternalTaskSensor(task_id="wait_late", external_dag_id="ingest", execution_delta=timedelta(minutes=30))
`;
    expect(messages("external-schedule-mismatch", body)).toEqual([
      "sensor 'wait_ingest' waits for the run of DAG 'ingest' at its own run's logical date (0 3 * * *, UTC), but 'ingest' runs at 0 4 * * * in Europe/Berlin time, so only 41 % of this DAG's runs find one, as the offset between Europe/Berlin and UTC changes with daylight saving time: in the others the sensor pokes until its timeout (Airflow's default, 7 days) and fails | schedule this DAG in Europe/Berlin time too (timezone= of its CronTriggerTimetable, or its start_date's tz=), at the local time of the run of 'ingest' it waits for, so both move with daylight saving time; or pass execution_date_fn returning the logical date of the run of 'ingest' each run should wait for",
      `sensor 'wait_yesterday' waits for the run of DAG 'paris' at its own run's logical date (0 3 * * *, Europe/Paris) minus execution_delta=timedelta(days=1), but 'paris' runs at 0 3 * * * in Europe/Paris time, so all but about 2 a year of this DAG's runs find one, as a day in Europe/Paris is 23 or 25 hours long when daylight saving time starts or ends, and execution_delta subtracts hours: in the others the sensor pokes until its timeout (Airflow's default, 7 days) and fails | subtract the days on the calendar of Europe/Paris: execution_date_fn=lambda dt, **_: pendulum.instance(dt).in_timezone("Europe/Paris").subtract(days=1) in place of execution_delta`,
      "sensor 'wait_late' waits for the run of DAG 'ingest' at its own run's logical date (@hourly, UTC) minus execution_delta=timedelta(minutes=30), but 'ingest' runs at 0 4 * * * in Europe/Berlin time, so no run of it ever has that logical date: the sensor pokes until its timeout (Airflow's default, 7 days) and fails, on every run | schedule this DAG in Europe/Berlin time too (timezone= of its CronTriggerTimetable, or its start_date's tz=), at the local time of the run of 'ingest' it waits for, so both move with daylight saving time; or pass execution_date_fn returning the logical date of the run of 'ingest' each run should wait for",
    ]);
  });

  it("a key inside a dict returned without multiple_outputs", () => {
    const body = `@task
def train():
    return {"auc": 0.9, "model_uri": "s3://m"}

@task
def gate(ti=None):
    ti.xcom_pull(task_ids="train", key="auc")

${dag("    train() >> gate()\n")}`;
    expect(messages("missing-xcom-key", body)).toEqual([
      "task 'gate' reads XCom 'auc' of task 'train', which 'train' never pushes (it pushes: return_value) | 'train' returns 'auc' inside one dict XCom: give it multiple_outputs=True (a @task may instead annotate its return as dict[str, ...]), or pull return_value and take ['auc']",
    ]);
  });

  it("an Airflow 3 @asset is a DAG of one task: its function, with task arguments from a @task beneath it", () => {
    const body = `from airflow.sdk import asset

@asset(schedule="@daily")
def raw_orders():
    open("/home/ana/orders.csv")

@asset(schedule=raw_orders, on_failure_callback=alert)
@task(retries=2, execution_timeout=timedelta(hours=1))
def clean_orders():
    return 1
`;
    const found = lintPythonSource("d.py", HEAD + body).map((f) => `${f.ruleId} ${f.message}`);
    expect(found).toEqual([
      "missing-retries task 'raw_orders' sets no retries, so one transient failure (a network blip, a lost worker) fails the run",
      "missing-timeout task 'raw_orders' has no execution_timeout, so a hung try runs until someone stops it",
      "no-failure-alert DAG 'raw_orders' alerts no one when a task fails",
      "hardcoded-path function raw_orders of task 'raw_orders' holds the local path '/home/ana/orders.csv', which need not exist on the Airflow workers",
    ]);
    expect(messages("missing-timeout", body)[0]).toContain(
      "put @task(execution_timeout=timedelta(hours=1)) beneath @asset, its function taking **context",
    );
    expect(messages("no-failure-alert", body)[0]).toContain("pass on_failure_callback= to @asset");
    // A task_id given to the @task beneath names the task.
    const named = `from airflow.sdk import asset

@asset(schedule="@daily", on_failure_callback=alert)
@task(task_id="clean", execution_timeout=timedelta(hours=1))
def clean_orders():
    return 1
`;
    expect(messages("missing-retries", named)).toEqual([
      expect.stringMatching(/^task 'clean' sets no retries/),
    ]);
  });

  it("a task's arguments on @asset: an error naming each and the @task beneath it that takes them, and no warning that the retries or the timeout written there are missing", () => {
    const body = `from airflow.sdk import Asset, asset

@asset(
    schedule=[Asset("s3://acme-clean/events/")],
    uri="s3://acme-ml/scores/customers/",
    execution_timeout=timedelta(minutes=45),
    retries=2,
    on_failure_callback=alert,
)
def customer_scores(self, context):
    run = context["dag_run"]
    return {"day": (run.logical_date or run.run_after).strftime("%Y-%m-%d")}
`;
    const all = lintPythonSource("d.py", HEAD + body);
    expect(all.map((f) => `${f.ruleId} ${f.severity} ${f.line - 8}`)).toEqual([
      "invalid-argument error 6",
      "invalid-argument error 7",
    ]);
    expect(messages("invalid-argument", body)).toEqual([
      `argument 'execution_timeout' of @asset function customer_scores(): Airflow refuses it when it builds the DAG (TypeError: asset.__init__() got an unexpected keyword argument 'execution_timeout': @asset takes the DAG's arguments (schedule, params, tags, on_failure_callback, ...) and the asset's (name, uri, group, extra, watchers), not a task's), so the whole file fails to import and none of its DAGs load | move execution_timeout=timedelta(minutes=45), retries=2 to a @task beneath @asset: @asset(...), then @task(execution_timeout=timedelta(minutes=45), retries=2), then def customer_scores(**context). Airflow calls a @task beneath @asset with no arguments, so the function takes **context only (no self or context parameter: the asset is context["outlets"][0])`,
      expect.stringMatching(
        /^argument 'retries' of @asset function customer_scores\(\): .* \| move execution_timeout=timedelta\(minutes=45\), retries=2 to a @task beneath @asset/,
      ),
    ]);
    // With a @task beneath, the arguments go into it.
    const beneath = body.replace(
      "def customer_scores(self, context):",
      "@task(retries=1)\ndef customer_scores(**context):",
    );
    expect(messages("invalid-argument", beneath).map((m) => m.split(" | ")[1])).toEqual([
      "move execution_timeout=timedelta(minutes=45), retries=2 into the @task(...) beneath @asset",
      "move execution_timeout=timedelta(minutes=45), retries=2 into the @task(...) beneath @asset",
    ]);
  });

  it("a logical-date variable in a DAG scheduled on assets only: the template's and the callable's fixes read the run's own date", () => {
    const body = `from airflow.sdk import Asset

def clean(ds):
    print(ds)

with DAG("events_clean", schedule=[Asset("s3://acme-raw/events/")], start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    rebuild = BashOperator(task_id="rebuild", bash_command="spark-submit clean.py --day {{ ds }}")
    py = PythonOperator(task_id="clean_py", python_callable=clean)
`;
    expect(messages("template-error", body)).toEqual([
      "template variable 'ds' in bash_command of task 'rebuild': Airflow renders it with Jinja when the task runs, and its context has no 'ds' in the runs of DAG 'events_clean', which is scheduled on assets only: Airflow 3 starts an asset-triggered run without a logical date and leaves logical_date, ds, ts and the data interval out of its context (an undefined name renders as an error), so the task fails every run | write {{ (dag_run.logical_date or dag_run.run_after) | ds }}, which every run has (an asset-triggered run's run_after is when the assets triggered it), or {{ ds | default(...) }} for a value of your own",
    ]);
    expect(messages("callable-arguments", body)).toEqual([
      `task 'clean_py' calls clean() without its required argument 'ds': DAG 'events_clean' is scheduled on assets only, and Airflow 3 starts an asset-triggered run without a logical date, so its context has no 'ds' to fill it with and the task fails on every run (TypeError: missing a required argument: 'ds') | take dag_run in its place and compute the value from the run, which every run can give (an asset-triggered run's run_after is when the assets triggered it): def clean(dag_run, ...): ds = (dag_run.logical_date or dag_run.run_after).strftime("%Y-%m-%d")`,
    ]);
  });

  it("a call in the body of a @dag function, and a start_date through a name", () => {
    const body = `START = pendulum.now().subtract(days=1)

@dag(schedule=None, start_date=START, default_args=default_args)
def pipeline():
    Variable.get("bucket")
`;
    expect(messages("top-level-code", body)).toEqual([
      "Variable.get() in the body of pipeline() (a metadata-DB or secrets-backend query) runs at module level, every time the scheduler parses the file | move it into the task's callable, or use a template ({{ var.value.name }}, {{ conn.id.host }}) that Airflow renders when the task runs; the body of pipeline() runs at every parse, its tasks' bodies do not",
    ]);
    expect(messages("dynamic-start-date", body)).toEqual([
      "start_date of DAG 'pipeline' is computed when the file is parsed (pendulum.now() through START), so it moves on every parse | use a fixed date, e.g. pendulum.datetime(2025, 1, 1, tz=\"UTC\")",
    ]);
  });

  it("removed context variables name what replaces them", () => {
    const body = `def run(execution_date, **context):
    context["yesterday_ds"]

${dag('    PythonOperator(task_id="run", python_callable=run, env={"D": "{{ next_ds_nodash }}"})\n')}`;
    expect(messages("airflow3-removed", body)).toEqual([
      "context variable 'execution_date' (read by run) was removed in Airflow 3 | read logical_date instead (a parameter of that name, or context[\"logical_date\"])",
      "context variable 'yesterday_ds' (read by run) was removed in Airflow 3 | compute it from ds: macros.ds_add(ds, -1), with macros from the context",
      "template variable 'next_ds_nodash' was removed in Airflow 3 | use {{ data_interval_end | ds_nodash }}",
    ]);
  });

  it("prev_ds and prev_execution_date: the previous run's date, not data_interval_start (this run's)", () => {
    const body = `def run(prev_execution_date):
    pass

${dag('    PythonOperator(task_id="run", python_callable=run, env={"D": "{{ prev_ds }}"})\n')}`;
    expect(messages("airflow3-removed", body)).toEqual([
      "context variable 'prev_execution_date' (read by run) was removed in Airflow 3 | compute it from the schedule (for @daily, logical_date - timedelta(days=1)), or read prev_data_interval_start_success for the last successful run's; data_interval_start is this run's own date",
      "template variable 'prev_ds' was removed in Airflow 3 | the previous scheduled run's date is one schedule interval before this run's: for @daily, {{ macros.ds_add(ds, -1) }}; or the last successful run's, {{ prev_data_interval_start_success | ds }} (not data_interval_start: that is this run's own date)",
    ]);
  });

  it("conf and triggering_dataset_events are removed too; strings, attributes, keyword arguments, raw blocks and guarded reads are not reads", () => {
    const cmd = [
      "{{ conf.get('core', 'dags_folder') }}",
      "{{ dag_run.conf['next_ds'] }} {{ params.get('conf') }} {{ f(conf=1) }}",
      "{% raw %}{{ next_ds }}{% endraw %} {{ next_ds | default(ds) }}",
      "{% set yesterday_ds = macros.ds_add(ds, -1) %}{{ yesterday_ds }}",
      "{{ triggering_dataset_events }}",
    ].join(" ");
    const body = dag(`    BashOperator(task_id="run", bash_command="${cmd}")\n`);
    expect(messages("airflow3-removed", body)).toEqual([
      "template variable 'conf' was removed in Airflow 3 | pass the setting in as a param or a Variable ({{ var.value.name }}); templates cannot read Airflow's configuration on Airflow 3",
      "template variable 'triggering_dataset_events' was removed in Airflow 3 | use {{ triggering_asset_events }}",
    ]);
  });
});

describe("robustness", () => {
  it("strings and start dates bound to each other by name do not loop", () => {
    const source = `A = f"{B}"
B = f"x {A} {{ ti.xcom_pull(task_ids='q') }}"
START = START + timedelta(days=1)
with DAG("d", start_date=START, default_args=default_args):
    BashOperator(task_id="t", bash_command=B)
`;
    expect(lintPythonSource("d.py", HEAD + source).map((f) => f.ruleId)).toEqual([
      "missing-xcom-key",
    ]);
  });
});

describe("large DAG files", () => {
  it("a chain of 20,000 tasks, each pulling from the first and the one before: one race found", () => {
    // Before: every task's ancestors as a set, 200 million entries, and the heap ran out.
    const n = 20_000;
    const tasks = Array.from({ length: n }, (_, i) => {
      const pulls =
        i === 0
          ? ""
          : ` {{ ti.xcom_pull(task_ids='t0') }} {{ ti.xcom_pull(task_ids='t${i - 1}') }}`;
      return `    t${i} = BashOperator(task_id="t${i}", bash_command="echo${pulls}")\n`;
    }).join("");
    // The last task pulls from a task after it in no chain: a race, at the file's last task line.
    const race = `    late = BashOperator(task_id="late", bash_command="echo {{ ti.xcom_pull(task_ids='t${n - 1}') }}")\n`;
    const edges = Array.from({ length: n - 1 }, (_, i) => `    t${i} >> t${i + 1}\n`).join("");
    const source = `${HEAD}with DAG("d", schedule=None, default_args=default_args):\n${tasks}${race}${edges}`;
    const findings = lintPythonSource("big.py", source, {
      rules: Object.fromEntries(
        RULE_IDS.map((id) => [id, id === "missing-xcom-key" ? "error" : "off"]),
      ) as never,
    });
    expect(findings.map((f) => f.message)).toEqual([
      `task 'late' reads XCom 'return_value' of task 't${n - 1}', but 't${n - 1}' is not upstream of it, so the value may not exist yet (a race)`,
    ]);
  });
});

describe("long >> chains", () => {
  it("t0 >> t1 >> ... >> t4999 in one expression: every edge, no stack overflow", () => {
    // The expression nests to the left as deep as it is long; walking it recursively ran out
    // of stack from about 1,300 tasks (CPython compiles it) and stopped the whole lint run.
    const n = 5_000;
    const tasks = Array.from(
      { length: n },
      (_, i) => `    t${i} = BashOperator(task_id="t${i}", bash_command="echo")\n`,
    ).join("");
    const chain = `    ${Array.from({ length: n }, (_, i) => `t${i}`).join(" >> ")}\n`;
    const pulls = `    last = BashOperator(task_id="last", bash_command="echo {{ ti.xcom_pull(task_ids='t0') }} {{ ti.xcom_pull(task_ids='t${n - 1}') }}")\n    t${n - 1} >> last\n    early = BashOperator(task_id="early", bash_command="{{ ti.xcom_pull(task_ids='t3') }}")\n    t2 >> early\n`;
    const source = `${HEAD}with DAG("d", schedule=None, default_args=default_args):\n${tasks}${chain}${pulls}`;
    const findings = lintPythonSource("chain.py", source, {
      rules: Object.fromEntries(
        RULE_IDS.map((id) => [id, id === "missing-xcom-key" ? "error" : "off"]),
      ) as never,
    });
    // last is downstream of the whole chain; early only of t0..t2, so t3 is a race.
    expect(findings.map((f) => f.message)).toEqual([
      "task 'early' reads XCom 'return_value' of task 't3', but 't3' is not upstream of it, so the value may not exist yet (a race)",
    ]);
  });
});

describe("long files with many comment lines", () => {
  it("no false findings where @lezer/python alone loses statements", () => {
    // @lezer/python 1.1.19 misreads long files with many comment lines: in this one it puts
    // error nodes at about 25 KB and 48 KB and loses two assignments there, so chain() no
    // longer links t328 and t629 and the pulls after them looked like races (false findings).
    // The fast parser reads the file whole: every pull is of an upstream task's return value.
    const n = 700;
    const tasks = Array.from({ length: n }, (_, i) => {
      const pull = i === 0 ? "" : ` {{ ti.xcom_pull(task_ids='t${i - 1}') }}`;
      return `# step ${i}\nt${i} = BashOperator(task_id="t${i}", bash_command="echo${pull}", dag=dag)\n`;
    }).join("");
    const head = `${HEAD}dag = DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args)\n`;
    const source = `${head}${tasks}chain(${Array.from({ length: n }, (_, i) => `t${i}`).join(", ")})\n`;
    expect(hasErrorNode(lezerTree(source))).toBe(true);
    const findings = lintPythonSource("long.py", source, {
      rules: Object.fromEntries(
        RULE_IDS.map((id) => [id, id === "missing-xcom-key" ? "warning" : "off"]),
      ) as never,
    });
    expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });
});

describe("suppression comments", () => {
  const src = (comment: string, above: boolean) =>
    `${HEAD}with DAG("d", schedule=None):\n${above ? `    ${comment}\n` : ""}    BashOperator(task_id="a", bash_command="cat /tmp/x")${above ? "" : `  ${comment}`}\n`;
  const rules = (source: string) =>
    [...new Set(lintPythonSource("d.py", source).map((f) => f.ruleId))].sort();

  it("on the same line or alone on the line above; a list; no ids silences all", () => {
    expect(rules(src("", false))).toContain("hardcoded-path");
    expect(rules(src("# mlgen: disable=hardcoded-path", false))).not.toContain("hardcoded-path");
    expect(rules(src("# mlgen: disable=hardcoded-path", true))).not.toContain("hardcoded-path");
    expect(rules(src("# mlgen: disable=missing-retries, hardcoded-path", true))).toEqual(
      rules(src("", false)).filter((r) => r !== "hardcoded-path" && r !== "missing-retries"),
    );
    expect(rules(src("# mlgen: disable", false))).toEqual(["no-failure-alert"]);
    expect(rules(src("# mlgen: disable=missing-retries", false))).toContain("hardcoded-path");
  });

  it("text may follow the list: a reason, or another tool's comment", () => {
    for (const comment of [
      "# mlgen: disable=hardcoded-path  # noqa: E501",
      "# mlgen: disable=hardcoded-path (an NFS mount on every worker)",
      "# mlgen: disable=hardcoded-path -- NFS",
      "# mlgen: disable = hardcoded-path, missing-retries # why",
    ]) {
      expect(rules(src(comment, false)), comment).not.toContain("hardcoded-path");
      expect(rules(src(comment, true)), comment).not.toContain("hardcoded-path");
    }
    expect(rules(src("# mlgen: disabled=hardcoded-path", false))).toContain("hardcoded-path");
  });

  it("without `=` the words are still the list, and a plain-word reason after it names no rule", () => {
    const line = `BashOperator(task_id="a", bash_command="cat /data/x {{ ti.xcom_pull(task_ids='nope') }}")`;
    const source = (comment: string) =>
      `${HEAD}with DAG("d", schedule=None):\n    ${line}  ${comment}\n`;
    // Before, `disable hardcoded-path` read as `disable` alone: every rule, the error too.
    expect(rules(source("# mlgen: disable hardcoded-path"))).toEqual(
      rules(source("")).filter((r) => r !== "hardcoded-path"),
    );
    expect(rules(source("# mlgen: disable hardcoded-path"))).toContain("missing-xcom-key");
    const reason = "# mlgen: disable=hardcoded-path shared NFS mount on all workers";
    expect(rules(source(reason))).not.toContain("hardcoded-path");
    const known = new Set(RULE_IDS);
    expect(unknownSuppressions(new Map([["d.py", source(reason)]]), known)).toEqual([]);
    expect(
      unknownSuppressions(
        new Map([["d.py", source("# mlgen: disable=hardcoded-path, missing-xcom-keys")]]),
        known,
      ),
    ).toEqual([{ file: "d.py", line: 10, id: "missing-xcom-keys" }]);
    // A first word that is no rule id silences nothing, and is reported.
    expect(rules(source("# mlgen: disable Hardcoded-Path"))).toEqual(rules(source("")));
    expect(
      unknownSuppressions(new Map([["d.py", source("# mlgen: disable Hardcoded-Path")]]), known),
    ).toEqual([{ file: "d.py", line: 10, id: "Hardcoded-Path" }]);
    // The words inside a string are no comment: nothing to report about them.
    const inString = `${HEAD}with DAG("d", schedule=None):\n    BashOperator(task_id="a", bash_command="echo '# mlgen: disable'")  # note: 'x#y'\n`;
    expect(unknownSuppressions(new Map([["d.py", inString]]), known)).toEqual([]);
  });

  it("a finding inside a string that spans lines is silenced from the statement's lines", () => {
    const task = (before: string, first: string) => `${HEAD}with DAG("d", schedule=None):
    BashOperator(task_id="produce", bash_command="echo 1")
${before}    run = BashOperator(${first}
        task_id="run",
        bash_command="""
        cd /home/etl/app   # mlgen: disable=hardcoded-path
        ./run.sh {{ ti.xcom_pull(task_ids='produce', key='batch') }}
        """,
    )
`;
    const plain = rules(task("", ""));
    expect(plain).toContain("hardcoded-path");
    expect(plain).toContain("missing-xcom-key");
    // The shell comment inside the string is no Python comment: it silences nothing.
    expect(rules(task("    # mlgen: disable=hardcoded-path,missing-xcom-key\n", ""))).toEqual(
      plain.filter((r) => r !== "hardcoded-path" && r !== "missing-xcom-key"),
    );
    expect(rules(task("", "  # mlgen: disable=hardcoded-path"))).toEqual(
      plain.filter((r) => r !== "hardcoded-path"),
    );
    // A comment two lines above the statement is not about it.
    expect(rules(task("    # mlgen: disable=hardcoded-path\n    x = 1\n", ""))).toEqual(plain);
  });

  it("a comment after one multi-line string is about that string, not the next; a string's first line counts", () => {
    const two = `${HEAD}with DAG("d", schedule=None):
    BashOperator(
        task_id="run",
        env={"SETUP": """
            /home/etl/setup
        """},  # mlgen: disable=hardcoded-path (shared NFS)
        bash_command="""
        cd /Users/alice/project
        """,
    )
`;
    const paths = (source: string) =>
      lintPythonSource("d.py", source)
        .filter((f) => f.ruleId === "hardcoded-path")
        .map((f) => f.message.match(/'(\/[^']*)'/)?.[1]);
    expect(paths(two)).toEqual(["/Users/alice/project"]);
    const firstLine = `${HEAD}with DAG("d", schedule=None):
    run = BashOperator(  # mlgen: disable=hardcoded-path
        task_id="run",
        bash_command="""cd /home/etl/app
        cp /data/in.csv /Users/me/out.csv
""")
`;
    expect(paths(firstLine)).toEqual([]);
    expect(paths(firstLine.replace("  # mlgen: disable=hardcoded-path", ""))).toEqual([
      "/home/etl/app",
      "/data/in.csv",
      "/Users/me/out.csv",
    ]);
  });

  it("a rule id after the list without a comma is said: it is read as the reason", () => {
    const source = `${HEAD}with DAG("d", schedule=None):\n    BashOperator(task_id="a", bash_command="cd /home/etl/app")  # mlgen: disable=hardcoded-path missing-retries\n`;
    expect(unknownSuppressions(new Map([["d.py", source]]), new Set(RULE_IDS))).toEqual([
      { file: "d.py", line: 10, id: "missing-retries", inReason: true },
    ]);
  });
});

describe("severity settings", () => {
  it("off drops a rule, and a rule can be raised to error", () => {
    const source = `${HEAD}${dag('    BashOperator(task_id="a", bash_command="cat /tmp/x")\n')}`;
    const a = lintPythonSource("d.py", source, { rules: { "hardcoded-path": "error" } });
    expect(a.find((f) => f.ruleId === "hardcoded-path")?.severity).toBe("error");
    const b = lintPythonSource("d.py", source, { rules: { "hardcoded-path": "off" } });
    expect(b.some((f) => f.ruleId === "hardcoded-path")).toBe(false);
  });
});

/** The messages of one rule's findings in a DAG file built from `head` + `body`. */
const ruleMessages = (rule: string, body: string, head = HEAD) =>
  lintPythonSource("d.py", head + body)
    .filter((f) => f.ruleId === rule)
    .map((f) => f.message);

/** A DAG of bash tasks with these ids, chained in this order. */
const chainOf = (ids: string[]) =>
  dag(
    `${ids.map((n) => `    ${n} = BashOperator(task_id="${n}", bash_command="true")\n`).join("")}    chain(${ids.join(", ")})\n`,
  );

describe("found in a second review of realistic DAG files", () => {
  it("missing-xcom-key: a task made by a factory, or where its DAG is not known, may pull from tasks made elsewhere", () => {
    // A helper module with no DAG: its tasks join a DAG that another file makes.
    const helper = `from airflow.providers.standard.operators.python import PythonOperator


def _publish(ti, **_):
    ti.xcom_pull(task_ids="train_model", key="model_path")


def make_publish_task(dag=None):
    return PythonOperator(task_id="publish_model", python_callable=_publish, dag=dag)
`;
    expect(ruleMessages("missing-xcom-key", helper, "")).toEqual([]);
    // A DAG that takes a task from an imported factory: its id is not in this file.
    const body = (pulled: string) => `from common.task_factories import make_load_task

${dag(`    extract = BashOperator(task_id="extract", bash_command="echo s3://raw/users")
    load = make_load_task("users", dag=dag)
    audit = BashOperator(task_id="audit", bash_command="audit {{ ti.xcom_pull(task_ids='${pulled}') }}")
    extract >> load >> audit
`)}`;
    expect(ruleMessages("missing-xcom-key", body("load"))).toEqual([]);
    // Without the factory's task, the same pull is still an error.
    const plain = dag(`    extract = BashOperator(task_id="extract", bash_command="echo 1")
    audit = BashOperator(task_id="audit", bash_command="audit {{ ti.xcom_pull(task_ids='load') }}")
    extract >> audit
`);
    expect(ruleMessages("missing-xcom-key", plain)).toEqual([
      "task 'audit' reads XCom 'return_value' of task 'load', but DAG 'd' has no task 'load'",
    ]);
  });

  it("missing-dag's fix names the constant an id was read from, and where it is set", () => {
    const body = `from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

TARGET = "deploy_modle"

with DAG("deploy_model", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    TriggerDagRunOperator(task_id="a", trigger_dag_id=TARGET)
`;
    const fixes = lintPythonSource("d.py", HEAD + body, { dagFolder: true })
      .filter((f) => f.ruleId === "missing-dag")
      .map((f) => f.fix);
    const line = HEAD.split("\n").length + 2;
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatch(
      new RegExp(`^name 'deploy_model' in TARGET \\(set at line ${line}\\), the DAG id closest`),
    );
  });

  it("missing-xcom-key still reports a wrong id when the DAG's id is computed or a constant, or a task comes from a function of the file", () => {
    const typo = (dagLine: string, extra = "") => `import os

DAG_ID = "etl"
${extra}${dagLine}
    extract = BashOperator(task_id="extract", bash_command="echo 1")
    load = BashOperator(task_id="load", bash_command="echo {{ ti.xcom_pull(task_ids='extrct') }}")
    extract >> load
`;
    const want = [
      "task 'load' reads XCom 'return_value' of task 'extrct', but this file has no task 'extrct'",
    ];
    for (const dagLine of [
      'with DAG(dag_id=os.path.basename(__file__).replace(".py", ""), schedule=None) as dag:',
      'with DAG(f"etl_{1}", schedule=None) as dag:',
    ]) {
      expect(ruleMessages("missing-xcom-key", typo(dagLine)), dagLine).toEqual(want);
    }
    // An id held by a module-level constant is that id.
    expect(
      ruleMessages(
        "missing-xcom-key",
        typo("with DAG(DAG_ID, schedule=None, default_args=default_args) as dag:"),
      ),
    ).toEqual([
      "task 'load' reads XCom 'return_value' of task 'extrct', but DAG 'etl' has no task 'extrct'",
    ]);
    // A task made by a function of this file is read where the function is defined.
    const factory = dag(`    def make_extract():
        return BashOperator(task_id="extract", bash_command="echo 1")

    extract = make_extract()
    load = BashOperator(task_id="load", bash_command="echo {{ ti.xcom_pull(task_ids='extrct') }}")
    extract >> load
    n = len([1]) >> 1
`);
    expect(ruleMessages("missing-xcom-key", factory)).toEqual([
      "task 'load' reads XCom 'return_value' of task 'extrct', but DAG 'd' has no task 'extrct'",
    ]);
  });

  it("missing-xcom-key names the task id or key a typo most likely meant, and none when nothing is close", () => {
    const body = dag(`    def push_metrics(ti):
        ti.xcom_push(key="auc", value=0.9)

    def read(ti):
        ti.xcom_pull(task_ids="extrct")
        ti.xcom_pull(task_ids="push", key="acu")
        ti.xcom_pull(task_ids="push", key="accuracy")
        ti.xcom_pull(task_ids="somewhere_else")

    extract = BashOperator(task_id="extract", bash_command="echo 1")
    push = PythonOperator(task_id="push", python_callable=push_metrics)
    other = BashOperator(task_id="extract_b", bash_command="echo 1")
    reader = PythonOperator(task_id="reader", python_callable=read)
    [extract, push] >> reader
`);
    const fixes = lintPythonSource("d.py", HEAD + body)
      .filter((f) => f.ruleId === "missing-xcom-key")
      .map((f) => f.fix.split(" (")[0]);
    expect(fixes).toEqual([
      "did you mean 'extract'? Otherwise fix the task_ids",
      "did you mean 'auc'? Otherwise push 'acu' in 'push'",
      "push 'accuracy' in 'push'",
      "fix the task_ids",
    ]);
  });

  it("TaskFlow applied as a function (task(fn), task(fn, retries=0), task(**kw)(fn)) makes tasks named after the function", () => {
    const body = `from ml_lib.steps import build_features, validate_data, train_model, score_fn

${dag(`    feats = task(build_features)()
    model = task(train_model, retries=0)(task(validate_data)(feats))
    score = task(task_id="score")(score_fn)()
    register = BashOperator(task_id="register", bash_command="register {{ ti.xcom_pull(task_ids='train_model') }} {{ ti.xcom_pull(task_ids='score') }}")
    register.set_upstream([model, score])
    typo = BashOperator(task_id="typo", bash_command="{{ ti.xcom_pull(task_ids='train_modle') }}")
    model >> typo
`)}`;
    const file = analyzeDagFile(HEAD + body);
    expect(file.tasks.map((t) => t.id).sort()).toEqual([
      "build_features",
      "register",
      "score",
      "train_model",
      "typo",
      "validate_data",
    ]);
    expect(ruleMessages("missing-xcom-key", body)).toEqual([
      "task 'typo' reads XCom 'return_value' of task 'train_modle', but DAG 'd' has no task 'train_modle'",
    ]);
    // The decorator's arguments are the task's.
    expect(file.tasks.find((t) => t.id === "train_model")?.kwargs.has("retries")).toBe(true);
    expect(file.tasks.find((t) => t.id === "train_model")?.operator).toBe("@task");
    // A name bound to task(fn) makes a task each time it is called.
    const bound = `from ml_lib.steps import train_model

${dag(`    train = task.virtualenv(train_model, requirements=["scikit-learn"])
    first = train()
    second = train()
    r = BashOperator(task_id="r", bash_command="{{ ti.xcom_pull(task_ids='train_model__1') }}")
    [first, second] >> r
`)}`;
    expect(analyzeDagFile(HEAD + bound).tasks.map((t) => t.id)).toEqual([
      "train_model",
      "train_model__1",
      "r",
    ]);
    expect(ruleMessages("missing-xcom-key", bound)).toEqual([]);
  });

  it("missing-xcom-key and unused-output: a key still holding a Python formatting field is filled in before Airflow reads it", () => {
    const body = dag(`    MODEL_KEY = "model_path"
    t = PythonOperator(task_id="train_model", python_callable=push_model)
    d1 = BashOperator(task_id="d1", bash_command=f"deploy {{{{ ti.xcom_pull(task_ids='train_model', key='{MODEL_KEY}') }}}}")
    d2 = BashOperator(task_id="d2", bash_command="deploy {{{{ ti.xcom_pull(task_ids='train_model', key='{key}') }}}}".format(key=MODEL_KEY))
    d3 = BashOperator(task_id="d3", bash_command="deploy {{ ti.xcom_pull(task_ids='train_model', key='%s') }}" % MODEL_KEY)
    t >> [d1, d2, d3]
`);
    const head = `${HEAD}

def push_model(ti):
    ti.xcom_push(key="model_path", value="s3://m/1")

`;
    expect(ruleMessages("missing-xcom-key", body, head)).toEqual([]);
    expect(ruleMessages("unused-output", body, head)).toEqual([]);
    // A key the file writes out is still checked.
    expect(ruleMessages("missing-xcom-key", body.replace("key='%s'", "key='model'"), head)).toEqual(
      [
        "task 'd3' reads XCom 'model' of task 'train_model', which 'train_model' never pushes (it pushes: model_path)",
      ],
    );
  });

  it("DAG(**common) and @dag(**common): default_args may be in the dict, so the task settings are unknown", () => {
    const common = `COMMON = {"start_date": pendulum.datetime(2024, 1, 1), "default_args": {"retries": 2, "execution_timeout": timedelta(minutes=45), "on_failure_callback": print}}

`;
    const classic = `${common}with DAG("classic", schedule="@daily", **COMMON):
    BashOperator(task_id="refresh", bash_command="make refresh")
`;
    const flow = `${common}from airflow.sdk import dag


@dag(schedule="@daily", **COMMON)
def flow():
    @task
    def refresh():
        return 1

    refresh()


flow()
`;
    for (const body of [classic, flow]) {
      for (const rule of ["missing-timeout", "missing-retries", "no-failure-alert"]) {
        expect(ruleMessages(rule, body), `${rule} in ${body.slice(-40)}`).toEqual([]);
      }
    }
    // Without the splat the same DAG has none of them.
    const bare = classic.replace(", **COMMON", "");
    expect(ruleMessages("missing-timeout", bare).length).toBe(1);
    expect(ruleMessages("no-failure-alert", bare).length).toBe(1);
  });

  it("train-without-validation holds back when a dependency names tasks it cannot resolve", () => {
    const body = dag(`    validations = []
    for t in ["users", "orders"]:
        validations.append(BashOperator(task_id=f"validate_{t}", bash_command="great_expectations checkpoint run"))
    fit = BashOperator(task_id="fit_model", bash_command="python train.py")
    chain(*validations, fit)
`);
    expect(ruleMessages("train-without-validation", body)).toEqual([]);
    // With no validation anywhere and every edge known, it is still reported.
    const none = dag(`    prep = BashOperator(task_id="prep", bash_command="python prep.py")
    fit = BashOperator(task_id="fit_model", bash_command="python train.py")
    prep >> fit
`);
    expect(ruleMessages("train-without-validation", none).length).toBe(1);
  });

  it("messages and spans: a concatenated task id, an escaped quote after a path, {% raw %}, urljoin, a short TimeDeltaSensor", () => {
    const body = `from urllib.parse import urljoin
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor

API = "https://api.example.com"
${dag(`    for region in ["eu", "us"]:
        BashOperator(task_id="export_" + region, bash_command="echo 1", execution_timeout=None)
    BashOperator(task_id="q", bash_command="cat x > /home/x/\\"out\\"")
    BashOperator(task_id="raw", bash_command="{% raw %}{{ ti.xcom_pull(task_ids='nothing') }}{% endraw %} {{ ds }}")
    PythonOperator(task_id="u", python_callable=print, op_args=[urljoin(API, "/data/latest")])
    TimeDeltaSensor(task_id="short", delta=timedelta(seconds=2), mode="poke")
    TimeDeltaSensor(task_id="long", delta=timedelta(hours=3), mode="poke")
`)}`;
    const all = lintPythonSource("d.py", HEAD + body);
    const messages = (rule: string) => all.filter((f) => f.ruleId === rule).map((f) => f.message);
    expect(messages("missing-timeout")[0]).toContain("task 'export_*'");
    expect(messages("hardcoded-path")).toEqual([
      "bash_command of task 'q' holds the local path '/home/x/', which need not exist on the Airflow workers",
    ]);
    expect(messages("missing-xcom-key")).toEqual([]);
    expect(all.filter((f) => f.ruleId === "sensor-poke-mode").map((f) => f.message)).toEqual([
      expect.stringContaining("'long'"),
    ]);
  });

  it("hardcoded-path: a module-level path the task's function reads by name", () => {
    const body = `OUT_DIR = "/data/out"
BUCKET = "s3://b/x"


def write(**_):
    with open(f"{OUT_DIR}/x.csv", "w") as f:
        f.write(BUCKET)


def own(OUT_DIR="/opt/airflow/x"):
    return OUT_DIR


def local(**_):
    OUT_DIR = "s3://b/y"
    return OUT_DIR


${dag(`    PythonOperator(task_id="write", python_callable=write)
    PythonOperator(task_id="own", python_callable=own)
`)}`;
    expect(ruleMessages("hardcoded-path", body)).toEqual([
      "function write of task 'write' holds the local path '/data/out', which need not exist on the Airflow workers",
    ]);
  });

  it("hardcoded-path: paths in module-level dicts, lists and tuples the task's function reads, a loop's iterable too", () => {
    const body = `PATHS = {"raw": "/home/alice/raw.csv", "out": "s3://b/out"}
FILES = ["/data/a.csv"]
SHARDS = ("/mnt/x/0", "/mnt/x/1")
UNUSED = {"x": "/home/bob/never.csv"}


def extract(**_):
    print(PATHS["raw"])
    for f in FILES:
        print(f)


def shards(**_):
    for SHARDS in [("s3://b/0",)]:
        print(SHARDS)


${dag(`    PythonOperator(task_id="extract", python_callable=extract)
    PythonOperator(task_id="shards", python_callable=shards)
`)}`;
    expect(ruleMessages("hardcoded-path", body)).toEqual([
      "function extract of task 'extract' holds the local path '/home/alice/raw.csv', which need not exist on the Airflow workers",
      "function extract of task 'extract' holds the local path '/data/a.csv', which need not exist on the Airflow workers",
    ]);
  });

  it("missing-xcom-key: @task.kubernetes pushes its return value only with do_xcom_push=True", () => {
    const body = (flag: string) =>
      dag(`    @task.kubernetes(image="python:3.11-slim"${flag})
    def score():
        return 0.9

    s = score()
    r = BashOperator(task_id="r", bash_command="echo {{ ti.xcom_pull(task_ids='score') }}")
    s >> r
`);
    expect(ruleMessages("missing-xcom-key", body(""))).toEqual([
      "task 'r' reads XCom 'return_value' of task 'score', which 'score' never pushes (it pushes: pod_name, pod_namespace)",
    ]);
    expect(ruleMessages("missing-xcom-key", body(", do_xcom_push=True"))).toEqual([]);
  });
});

describe("found in a review of realistic DAG files", () => {
  it("airflow3-removed: a parameter the call fills (TaskFlow arguments, op_args) is no context read", () => {
    const body = `def load(conf, execution_date):
    print(conf, execution_date)


def first_only(conf, next_ds):
    print(conf, next_ds)


@task
def apply(conf: dict, yesterday_ds: str):
    print(conf, yesterday_ds)


@task
def keyed(conf: dict, prev_ds: str):
    print(conf, prev_ds)


${dag(`    apply({"a": 1})
    keyed(conf={"a": 1}, prev_ds="{{ ds }}")
    PythonOperator(task_id="load", python_callable=load, op_args=[{"a": 1}, "x"])
    PythonOperator(task_id="first", python_callable=first_only, op_args=[{"a": 1}])
`)}`;
    expect(ruleMessages("airflow3-removed", body)).toEqual([
      "context variable 'next_ds' (read by first_only) was removed in Airflow 3",
      "context variable 'yesterday_ds' (read by apply) was removed in Airflow 3",
    ]);
  });

  it("train-without-validation: data checks are whole words; the infrastructure around training is no training", () => {
    const run = (names: string[]) => ruleMessages("train-without-validation", chainOf(names));
    // "profiles", "checkout", "air_quality" and "invalidate" hold no data check.
    for (const before of [
      "extract_user_profiles",
      "checkout_repo",
      "ingest_air_quality",
      "invalidate_cache",
    ]) {
      expect(run([before, "train_model"]), before).toEqual([
        "training task 'train_model' has no data validation upstream, so it trains on whatever arrives",
      ]);
    }
    for (const before of [
      "validate_data",
      "data_quality",
      "quality_gate",
      "dq_checks",
      "run_expectations",
    ]) {
      expect(run([before, "train_model"]), before).toEqual([]);
    }
    expect(
      run([
        "provision_training_cluster",
        "evaluate_training_run",
        "log_training_metrics",
        "cleanup_training_cluster",
        "ingest_train_positions",
        "load_training_data",
        "export_training_set",
      ]),
    ).toEqual([]);
  });

  it("a sensor class of the file's own is a sensor; a *SensorAsync defers and holds no slot", () => {
    const body = `from airflow.sdk.bases.sensor import BaseSensorOperator
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensorAsync


class WaitForPartition(BaseSensorOperator):
    def poke(self, context):
        return False


class WaitForHivePartition(WaitForPartition):
    pass


${dag(`    WaitForPartition(task_id="wait", timeout=6 * 3600, poke_interval=60)
    WaitForHivePartition(task_id="hive", timeout=2 * 3600, mode="poke")
    TimeDeltaSensorAsync(task_id="later", delta=timedelta(hours=3), timeout=5 * 3600)
`)}`;
    // HEAD's default_args: each try ends at the 1-hour execution timeout, 2 retries: 3 hours.
    expect(ruleMessages("sensor-poke-mode", body)).toEqual([
      "sensor 'wait' waits up to 3 hours (3 tries of its execution_timeout of 1 hour, which ends each try before its timeout of 6 hours) in poke mode, holding a worker slot the whole time",
      "sensor 'hive' waits up to 3 hours (3 tries of its execution_timeout of 1 hour, which ends each try before its timeout of 2 hours) in poke mode, holding a worker slot the whole time",
    ]);
    expect(ruleMessages("missing-timeout", body)).toEqual([]);
  });

  it("sensor-poke-mode: each retry of a try the execution timeout ended waits it again", () => {
    const head = HEAD.replace('"retries": 2', '"retries": 5').replace("hours=1", "minutes=55");
    const body = dag(
      `    FileSensor(task_id="wait_file", filepath="incoming/ready.flag", poke_interval=30)\n`,
    );
    expect(ruleMessages("sensor-poke-mode", body, head)).toEqual([
      "sensor 'wait_file' waits up to 330 minutes (6 tries of its execution_timeout of 55 minutes, which ends each try before its default timeout of 7 days) in poke mode, holding a worker slot the whole time",
    ]);
    // Without retries, 55 minutes: under the hour.
    expect(
      ruleMessages("sensor-poke-mode", body, head.replace('"retries": 5', '"retries": 0')),
    ).toEqual([]);
  });

  it("missing-xcom-key: a KubernetesPodOperator pushes its return value only with do_xcom_push=True", () => {
    const body = `from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

${dag(`    k = KubernetesPodOperator(task_id="k", name="k", image="busybox")
    j = KubernetesPodOperator(task_id="j", name="j", image="busybox", do_xcom_push=True)
    r = BashOperator(task_id="r", bash_command="echo {{ ti.xcom_pull(task_ids='k') }} {{ ti.xcom_pull(task_ids='j') }} {{ ti.xcom_pull(task_ids='k', key='pod_name') }}")
    [k, j] >> r
`)}`;
    expect(ruleMessages("missing-xcom-key", body)).toEqual([
      "task 'r' reads XCom 'return_value' of task 'k', which 'k' never pushes (it pushes: pod_name, pod_namespace)",
    ]);
  });

  it("hardcoded-path: not venv_cache_path, the temp folder itself, nor a regex anchored at a path", () => {
    const body = `import tempfile


@task.virtualenv(requirements=["pandas==2.2.3"], venv_cache_path="/tmp/venvs")
def venv_task():
    pass


@task
def scratch():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        print(d)


${dag(`    venv_task()
    scratch()
    BashOperator(task_id="grep", bash_command="grep -E '^/data/[a-z]+' manifest.txt | wc -l")
    BashOperator(task_id="real", bash_command="cat /data/in.csv")
`)}`;
    expect(ruleMessages("hardcoded-path", body)).toEqual([
      "bash_command of task 'real' holds the local path '/data/in.csv', which need not exist on the Airflow workers",
    ]);
  });
});

describe("found in a review of the fixes above", () => {
  it("hardcoded-path: a path under /tmp built from a template or a name is still one host's", () => {
    const body = dag(`    BashOperator(task_id="a", bash_command="run --out /tmp/{{ ds }}/out.csv")
    BashOperator(task_id="b", bash_command=f"run --out /tmp/{RUN}.csv")
`);
    expect(ruleMessages("hardcoded-path", body)).toEqual([
      `bash_command of task 'a' holds the local path '/tmp/{{ ds }}/out.csv', ${TMP_RISK}`,
      `bash_command of task 'b' holds the local path '/tmp/{RUN}.csv', ${TMP_RISK}`,
    ]);
  });

  it("hardcoded-path: a path names itself whole, through templates and shell substitutions", () => {
    const body =
      dag(`    BashOperator(task_id="a", bash_command="curl -o /tmp/$(date +%s).json http://x && ls /tmp")
    BashOperator(task_id="b", bash_command="cp x /data/\${RUN_ID}/{{ ds }}/out.csv; echo done")
    BashOperator(task_id="c", bash_command="cp x /home/ana/{{ ds")
    BashOperator(task_id="d", bash_command="tar czf /mnt/out/$(hostname)-{{ ts_nodash }}.tgz . # x")
`);
    expect(ruleMessages("hardcoded-path", body)).toEqual([
      `bash_command of task 'a' holds the local path '/tmp/$(date +%s).json', ${TMP_RISK}`,
      "bash_command of task 'b' holds the local path '/data/${RUN_ID}/{{ ds }}/out.csv', which need not exist on the Airflow workers",
      // A template that never closes: the path ends where it opens.
      "bash_command of task 'c' holds the local path '/home/ana/', which need not exist on the Airflow workers",
      "bash_command of task 'd' holds the local path '/mnt/out/$(hostname)-{{ ts_nodash }}.tgz', which need not exist on the Airflow workers",
    ]);
    // The finding's span covers the whole path, as the code frame underlines it.
    const paths = lintPythonSource("dags/d.py", `${HEAD}${body}`).filter(
      (f) => f.ruleId === "hardcoded-path",
    );
    expect(paths.map((f) => [f.column, f.endColumn])).toEqual([
      [53, 74],
      [50, 82],
      [50, 60],
      [53, 93],
    ]);
  });

  it("train-without-validation: a name that starts by training trains; DQCheck, precheck and verifying check", () => {
    const run = (names: string[]) =>
      ruleMessages("train-without-validation", chainOf(names)).map((m) => m.split("'")[1]);
    for (const t of ["train_and_evaluate", "train_and_log_model", "image_classifier_training"]) {
      expect(run(["extract", t]), t).toEqual([t]);
    }
    for (const v of ["DQCheck", "precheck_inputs", "verifying_rows"]) {
      expect(run([v, "train_model"]), v).toEqual([]);
    }
  });

  it("missing-xcom-key: a KubernetesPodOperator's do_xcom_push may come from default_args or **kwargs", () => {
    const head = `${HEAD}from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n`;
    const pull = `    r = BashOperator(task_id="r", bash_command="echo {{ ti.xcom_pull(task_ids='k') }}")\n    k >> r\n`;
    const inDefaults = `with DAG("d", schedule=None, default_args={**default_args, "do_xcom_push": True}):
    k = KubernetesPodOperator(task_id="k", name="k", image="busybox")
${pull}`;
    const inKwargs = dag(
      `    k = KubernetesPodOperator(task_id="k", name="k", image="busybox", **COMMON)\n${pull}`,
    );
    expect(ruleMessages("missing-xcom-key", inDefaults, head)).toEqual([]);
    expect(ruleMessages("missing-xcom-key", inKwargs, head)).toEqual([]);
  });

  it("airflow3-removed: arguments it cannot count leave context[...] reads reported", () => {
    const body = `def load(x, **context):
    context["execution_date"]


${dag(`    PythonOperator(task_id="load", python_callable=load, op_args=ARGS)\n`)}`;
    expect(ruleMessages("airflow3-removed", body)).toEqual([
      "context variable 'execution_date' (read by load) was removed in Airflow 3",
    ]);
  });

  it("sensor-poke-mode: an execution timeout shorter than the timeout ends each try, retried", () => {
    const head = HEAD.replace('"retries": 2', '"retries": 3').replace("hours=1", "minutes=40");
    const body = dag(`    FileSensor(task_id="w", filepath="x", timeout=3000)\n`);
    expect(ruleMessages("sensor-poke-mode", body, head)).toEqual([
      "sensor 'w' waits up to 160 minutes (4 tries of its execution_timeout of 40 minutes, which ends each try before its timeout of 50 minutes) in poke mode, holding a worker slot the whole time",
    ]);
  });

  it("airflow3-removed: a read guarded by {% if x is defined %} is code for both versions; a default is read", () => {
    const cmd =
      "{% if next_ds is defined %}{{ next_ds }}{% endif %} {{ yesterday_ds | default(execution_date) }}";
    const body = dag(`    BashOperator(task_id="run", bash_command="${cmd}")\n`);
    expect(ruleMessages("airflow3-removed", body)).toEqual([
      "template variable 'execution_date' was removed in Airflow 3",
    ]);
  });
});

describe("top-level-code through import aliases", () => {
  it("a call through a name imported under another is read as that name", () => {
    const source = `${HEAD}from airflow.models import Variable as V2
import requests as rq

BUCKET = V2.get("bucket")
STATUS = rq.get("https://example.com/health")
`;
    const only = Object.fromEntries(
      RULE_IDS.map((id) => [id, id === "top-level-code" ? "warning" : "off"]),
    );
    expect(
      lintPythonSource("d.py", source, { rules: only as never }).map(
        (f) => f.message.split(" (")[0],
      ),
    ).toEqual(["Variable.get()", "requests.get()"]);
  });
});

describe("a @task_group called more than once", () => {
  it("its copies are etl__1, etl__2, ...: a wrong task id is still found, a copy's id is no error", () => {
    const body = `from airflow.sdk import task_group


@task_group
def etl(src):
    @task
    def extract(s):
        return s

    @task
    def load(ti=None):
        return ti.xcom_pull(task_ids="extract")

    extract(src) >> load()


${dag(`    first = etl("a")
    second = etl("b")
    r = BashOperator(task_id="r", bash_command="echo {{ ti.xcom_pull(task_ids='etl__1.extract') }} {{ ti.xcom_pull(task_ids='etl__2.extract') }}")
    [first, second] >> r
`)}`;
    expect(
      lintPythonSource("d.py", HEAD + body)
        .filter((f) => f.ruleId === "missing-xcom-key")
        .map((f) => f.message),
    ).toEqual([
      "task 'etl.load' reads XCom 'return_value' of task 'extract', but DAG 'd' has no task 'extract'",
      "task 'r' reads XCom 'return_value' of task 'etl__2.extract', but DAG 'd' has no task 'etl__2.extract'",
    ]);
  });
});

describe("a callable shared by the tasks of two DAGs in one file", () => {
  it("each finding names its DAG", () => {
    const body = `def noop():
    return 1

def pull_k(ti):
    ti.xcom_pull(task_ids="extract", key="k")

dag_a = DAG("dag_a", default_args=default_args, schedule=None, start_date=pendulum.datetime(2025, 1, 1))
dag_b = DAG("dag_b", default_args=default_args, schedule=None, start_date=pendulum.datetime(2025, 1, 1))
PythonOperator(task_id="extract", python_callable=noop, dag=dag_a) >> PythonOperator(task_id="reader", python_callable=pull_k, dag=dag_a)
PythonOperator(task_id="extract", python_callable=noop, dag=dag_b) >> PythonOperator(task_id="reader", python_callable=pull_k, dag=dag_b)
`;
    expect(ruleMessages("missing-xcom-key", body)).toEqual([
      "task 'reader' of DAG 'dag_a' reads XCom 'k' of task 'extract', which 'extract' never pushes (it pushes: return_value)",
      "task 'reader' of DAG 'dag_b' reads XCom 'k' of task 'extract', which 'extract' never pushes (it pushes: return_value)",
    ]);
    // One DAG in the file: the message stays short.
    const one = body
      .split("\n")
      .filter((l) => !l.includes("dag_b"))
      .join("\n");
    expect(ruleMessages("missing-xcom-key", one)).toEqual([
      "task 'reader' reads XCom 'k' of task 'extract', which 'extract' never pushes (it pushes: return_value)",
    ]);
  });
});

describe("airflow3-removed: what Airflow 3 refuses when it parses the file", () => {
  const source = `${HEAD}from airflow.operators.bash_operator import BashOperator as Old
with DAG("x", default_args=default_args, schedule_interval="@daily", start_date=pendulum.datetime(2025, 1, 1)):
    Old(task_id="t", bash_command="echo", task_concurrency=2, sla=timedelta(hours=1), trigger_rule="dummy")
`;
  const severities = (options: Parameters<typeof lintPythonSource>[2]) =>
    lintPythonSource("d.py", source, options)
      .filter((f) => f.ruleId === "airflow3-removed")
      .map((f) => `${f.severity} ${f.message.split(" was removed")[0]?.split(" (Airflow")[0]}`);
  it("a removed key in default_args is a warning: Airflow 3 drops it, and the file loads", () => {
    // One dict that two DAGs share: each key is one finding.
    const dropped = `${HEAD}shared = {"provide_context": True, "task_concurrency": 2}
with DAG("x", schedule=None, default_args=shared):
    BashOperator(task_id="t", bash_command="echo")
with DAG("y", schedule=None, default_args=shared):
    BashOperator(task_id="t", bash_command="echo")
`;
    expect(
      lintPythonSource("d.py", dropped, {})
        .filter((f) => f.ruleId === "airflow3-removed")
        .map((f) => `${f.severity} ${f.message} | ${f.fix}`),
    ).toEqual([
      "warning default_args key 'provide_context' was removed in Airflow 3 | remove it: the context is always passed to **kwargs (Airflow 3 drops the key without a word, so what it set no longer applies)",
      "warning default_args key 'task_concurrency' was removed in Airflow 3 | use max_active_tis_per_dag= (Airflow 3 drops the key without a word, so what it set no longer applies)",
    ]);
  });

  it("is an error on Airflow 3 (the default), a warning on 2 or at the severity the config sets", () => {
    expect(severities({})).toEqual([
      "error import BashOperator from airflow.operators.bash_operator",
      "error DAG argument 'schedule_interval'",
      "error operator argument 'task_concurrency'",
      // Airflow 3 warns about sla and ignores it.
      "warning operator argument 'sla'",
      "error trigger rule 'dummy'",
    ]);
    const warned = severities({ airflowVersion: 2 });
    expect(warned.every((s) => s.startsWith("warning "))).toBe(true);
    expect(warned).toHaveLength(5);
    const set = severities({ rules: { "airflow3-removed": "info" } });
    expect(set.every((s) => s.startsWith("info "))).toBe(true);
  });

  it("leaves a DAG file mlgen wrote for Airflow 2 alone on Airflow 2 (compiling for 3 migrates it)", async () => {
    const { readFileSync } = await import("node:fs");
    const golden = readFileSync(
      new URL("../../../test/fixtures/golden/constructs_airflow2.py", import.meta.url),
      "utf8",
    );
    const removed = (text: string, airflowVersion: 2 | 3) =>
      lintPythonSource("constructs.py", text, { airflowVersion }).filter(
        (f) => f.ruleId === "airflow3-removed",
      ).length;
    // It imports Dataset and DatasetOrTimeSchedule, which Airflow 3 removed.
    expect(removed(golden, 3)).toBeGreaterThan(0);
    expect(removed(golden, 2)).toBe(0);
    // The same code written by hand is still told what Airflow 3 removed.
    expect(removed(golden.split("\n").slice(1).join("\n"), 2)).toBeGreaterThan(0);
  });
});

describe("found in a review of Airflow 3 DAG patterns", () => {
  /** `rule line:col` of every finding, lines counted in the whole file. */
  const all = (source: string) =>
    lintPythonSource("d.py", source).map((f) => `${f.ruleId} ${f.line}:${f.column}`);

  it("two DAGs of one file with the same task ids: one DAG's dependencies are not the other's", () => {
    const variants = (hourly: string) => `${HEAD}
def push(ti):
    ti.xcom_push(key="batch_id", value=1)

def pull(ti):
    return ti.xcom_pull(task_ids="extract", key="batch_id")

with DAG("orders_daily", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    extract = PythonOperator(task_id="extract", python_callable=push)
    load = PythonOperator(task_id="load", python_callable=pull)
    validate_data = BashOperator(task_id="validate_data", bash_command="true")
    train_model = BashOperator(task_id="train_model", bash_command="true")
    extract >> load
    validate_data >> train_model

with DAG("orders_hourly", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    extract = PythonOperator(task_id="extract", python_callable=push)
    load = PythonOperator(task_id="load", python_callable=pull)
    validate_data = BashOperator(task_id="validate_data", bash_command="true")
    train_model = BashOperator(task_id="train_model", bash_command="true")
${hourly}`;
    // The hourly DAG forgot both dependencies the daily one has.
    expect(all(variants(""))).toEqual(["missing-xcom-key 14:12", "train-without-validation 28:19"]);
    expect(all(variants("    extract >> load\n    validate_data >> train_model\n"))).toEqual([]);
  });

  it("execution_timeout=3600 is an error: Airflow 2 and 3 refuse the DAG file (ValueError)", () => {
    const body = dag(
      '    BashOperator(task_id="a", bash_command="true", execution_timeout=3600)\n',
    );
    const severities = (options: LintOptions) =>
      lintPythonSource("d.py", HEAD + body, options)
        .filter((f) => f.ruleId === "missing-timeout")
        .map((f) => f.severity);
    expect(severities({})).toEqual(["error"]);
    expect(severities({ airflowVersion: 2 })).toEqual(["error"]);
    // A severity set for the rule is the user's word.
    expect(severities({ rules: { "missing-timeout": "warning" } })).toEqual(["warning"]);
  });

  it("TriggerDagRunOperator and ExternalTaskMarker: execution_date= is refused on Airflow 3 (logical_date=)", () => {
    const head = `${HEAD}from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskMarker
`;
    const body = (arg: string) =>
      dag(`    TriggerDagRunOperator(task_id="t", trigger_dag_id="o", ${arg}="{{ ds }}")
    ExternalTaskMarker(task_id="m", external_dag_id="o", external_task_id="x", ${arg}="{{ ds }}")
`);
    const removed = (arg: string) =>
      lintPythonSource("d.py", head + body(arg))
        .filter((f) => f.ruleId === "airflow3-removed")
        .map((f) => `${f.severity} ${f.line}:${f.column} ${f.message}`);
    const said = "operator argument 'execution_date' was removed in Airflow 3";
    expect(removed("execution_date")).toEqual([`error 12:60 ${said}`, `error 13:80 ${said}`]);
    expect(removed("logical_date")).toEqual([]);
  });

  it("default_var= of airflow.sdk's Variable.get is a TypeError on Airflow 3 (default=), in any spelling", () => {
    // Each tried on Airflow 3.3: module level fails the import (TypeError: Variable.get() got an
    // unexpected keyword argument 'default_var'), a task body fails the task; default= works.
    const source = (arg: string) => `import pendulum
import airflow.sdk as sdk
from airflow import sdk as asdk
from airflow.sdk import DAG, task, Variable
from airflow.sdk import Variable as V
from airflow.models import Variable as ModelVariable

LIMIT = Variable.get("limit", ${arg}="10")
OLD = ModelVariable.get("limit", default_var="10")

with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    @task
    def a():
        return V.get("k", ${arg}="x"), sdk.Variable.get("k", ${arg}=None), asdk.Variable.get("k", ${arg}=1)
    a()
`;
    const removed = (arg: string) =>
      lintPythonSource("d.py", source(arg))
        .filter((f) => f.ruleId === "airflow3-removed")
        .map((f) => `${f.severity} ${f.line}:${f.column} ${f.message}`);
    const said = (callee: string) =>
      `default_var= of ${callee}() (airflow.sdk's Variable.get takes default=; a TypeError) was removed in Airflow 3`;
    expect(removed("default_var")).toEqual([
      `error 8:31 ${said("Variable.get")}`,
      `warning 14:27 ${said("V.get")}`,
      `warning 14:67 ${said("sdk.Variable.get")}`,
      `warning 14:109 ${said("asdk.Variable.get")}`,
    ]);
    expect(removed("default")).toEqual([]);
    // The Airflow 2/3 fallback import: Airflow 3 imports the SDK's; the other way round, the
    // models' Variable (which takes default_var) is the one used.
    const fallback = (first: string, second: string) =>
      lintPythonSource(
        "d.py",
        `try:\n    from ${first} import Variable\nexcept ImportError:\n    from ${second} import Variable\n\ndef f():\n    return Variable.get("k", default_var="x")\n`,
      )
        .filter((f) => f.ruleId === "airflow3-removed")
        .map((f) => `${f.line}:${f.column}`);
    expect(fallback("airflow.sdk", "airflow.models")).toEqual(["7:30"]);
    expect(fallback("airflow.models", "airflow.sdk")).toEqual([]);
  });

  it("hardcoded-path: a /tmp path a task makes and removes itself is shared, not missing: mkdtemp / mktemp -d", () => {
    const body = dag(`    @task
    def build():
        path = "/tmp/scratch.json"
        with open(path, "w") as f:
            f.write("{}")
        os.remove(path)
    build()
    BashOperator(task_id="work", bash_command="export TMPDIR=/tmp/work && mkdir -p $TMPDIR")
    BashOperator(task_id="home", bash_command="ls /home/ana/in")
`);
    const said = lintPythonSource("d.py", HEAD + body)
      .filter((f) => f.ruleId === "hardcoded-path")
      .map((f) => [f.message, f.fix]);
    const tmpFix =
      "make a fresh folder in the task that uses it and remove it there: tempfile.mkdtemp() in Python, $(mktemp -d) in a shell command; data another task reads belongs in a location every worker reaches, read when the task runs (Variable.get('data_dir'), os.environ, {{ var.value.data_dir }})";
    expect(said).toEqual([
      [
        `function build of task 'build' holds the local path '/tmp/scratch.json', ${TMP_RISK}`,
        tmpFix,
      ],
      [`bash_command of task 'work' holds the local path '/tmp/work', ${TMP_RISK}`, tmpFix],
      // Other paths keep their wording: the workers need not have them.
      [
        "bash_command of task 'home' holds the local path '/home/ana/in', which need not exist on the Airflow workers",
        "read it when the task runs: Variable.get('data_dir') or os.environ inside the task, or {{ var.value.data_dir }} in a templated field",
      ],
    ]);
  });

  it("a lambda python_callable is read as a function: its pulls, return value and paths", () => {
    const body = `def choose(ti):
    ti.xcom_push(key="route", value="a")

${dag(`    c = PythonOperator(task_id="choose", python_callable=choose)
    f = PythonOperator(task_id="f", python_callable=lambda ti: ti.xcom_pull(task_ids="choose", key="nope"))
    h = PythonOperator(task_id="h", python_callable=lambda ti: ti.xcom_pull(task_ids="choose", key="route"))
    g = PythonOperator(task_id="g", python_callable=lambda: open("/home/ana/x.csv").read())
    c >> [f, h, g]
`)}`;
    expect(all(HEAD + body)).toEqual(["missing-xcom-key 14:64", "hardcoded-path 16:67"]);
    // The race in a lambda is found too.
    const race = body.replace("    c >> [f, h, g]\n", "    c >> [f, g]\n");
    expect(all(HEAD + race)).toContain("missing-xcom-key 15:64");
  });

  it("a pull of a task with do_xcom_push=False that returns a value names do_xcom_push as the cause", () => {
    const body = `@task(do_xcom_push=False)
def silent():
    return 42

@task
def read(ti=None):
    return ti.xcom_pull(task_ids="silent")

${dag("    silent() >> read()\n")}`;
    const fixes = lintPythonSource("d.py", HEAD + body)
      .filter((f) => f.ruleId === "missing-xcom-key")
      .map((f) => f.fix);
    expect(fixes).toEqual([
      "'silent' returns a value, but do_xcom_push=False keeps Airflow from pushing it: remove do_xcom_push=False, or read a key it pushes",
    ]);
  });

  it("TaskFlow through the SDK module: from airflow import sdk, or import airflow.sdk as sdk; @sdk.dag, @sdk.task", () => {
    const flow = (imp: string) => `import pendulum
${imp}

@sdk.dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1))
def ns_flow():
    @sdk.task(retries=1, execution_timeout=pendulum.duration(hours=1))
    def make():
        return 1

    @sdk.task(retries=1, execution_timeout=pendulum.duration(hours=1))
    def use(ti=None):
        return ti.xcom_pull(task_ids="make", key="bogus")

    make() >> use()

ns_flow()
`;
    for (const imp of ["from airflow import sdk", "import airflow.sdk as sdk"]) {
      expect(all(flow(imp))).toEqual(["no-failure-alert 4:1", "missing-xcom-key 12:16"]);
    }
  });

  it("params are never rendered: a pull written in them reads nothing, so it is no pull", () => {
    const body =
      dag(`    BashOperator(task_id="a", bash_command="echo {{ params.x }}", params={"x": "{{ ti.xcom_pull(task_ids='nope_either') }}"})
`);
    expect(found("missing-xcom-key", body)).toEqual([]);
    // The same pull in the command is one.
    const inCommand =
      dag(`    BashOperator(task_id="a", bash_command="echo {{ ti.xcom_pull(task_ids='nope_either') }}")
`);
    expect(found("missing-xcom-key", inCommand)).toHaveLength(1);
  });

  it("top-level-code: dag.test() at module level runs the DAG at every parse; under __main__ it does not", () => {
    const source = `${HEAD}
@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args)
def forgot_guard():
    BashOperator(task_id="a", bash_command="true")

d = forgot_guard()
d.test()

with DAG("classic", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args) as classic:
    BashOperator(task_id="b", bash_command="true")

classic.test()
forgot_guard().test()

if __name__ == "__main__":
    d.test()
`;
    expect(
      all(source.replace("from airflow.sdk import DAG,", "from airflow.sdk import dag, DAG,")),
    ).toEqual(["top-level-code 15:1", "top-level-code 20:1", "top-level-code 21:1"]);
  });

  it("a parenthesized with (black's and ruff's layout of a long header) opens its DAG and groups", () => {
    const grouped = `${HEAD}with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    with (
        TaskGroup("load", default_args={"execution_timeout": timedelta(minutes=30)}) as load
    ):
        c = BashOperator(task_id="c", bash_command="echo c")
        d = BashOperator(task_id="d", bash_command="echo {{ ti.xcom_pull(task_ids='load.c') }}")
        c >> d
`;
    expect(all(grouped)).toEqual([]);
    // Several managers, a comment and strings with brackets inside, a trailing comma: the DAG's
    // own settings are read (it has none), and the pull is checked against the group's task.
    const several = `${HEAD.replace(/^default_args = .*$/m, "")}with (
    DAG(
        "paren_dag",  # a comment with ) and ( in it
        schedule=None,
        start_date=pendulum.datetime(2025, 1, 1),
    ) as dag,
    TaskGroup("g", tooltip="a ) tricky ( tooltip") as g,
):
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='g.a', key='k') }}")
    a >> b
`;
    expect(all(several)).toEqual([
      "no-failure-alert 10:5",
      "missing-retries 17:9",
      "missing-timeout 17:9",
      "missing-retries 18:9",
      "missing-timeout 18:9",
      "missing-xcom-key 18:57",
    ]);
  });
});

describe("an operator class of the file's own", () => {
  const head = `${HEAD}from airflow.sdk import BaseOperator\n`;
  const op = (cls: string, uses: string) =>
    `${cls}\n\n${dag(`    e = Export(task_id="export")
    u = BashOperator(task_id="use", bash_command="echo {{ ti.xcom_pull(task_ids='export', key='${uses}') }}")
    e >> u
`)}`;
  const exporter = `class Export(BaseOperator):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def execute(self, context):
        context["ti"].xcom_push(key="export_path", value="s3://b/x")
        self.xcom_push(context, key="rows", value=3)
        return "done"`;

  it("missing-xcom-key: its tasks push what its execute() pushes and returns", () => {
    for (const key of ["export_path", "rows", "return_value"]) {
      expect(ruleMessages("missing-xcom-key", op(exporter, key), head), key).toEqual([]);
    }
    expect(ruleMessages("missing-xcom-key", op(exporter, "other"), head)).toEqual([
      "task 'use' reads XCom 'other' of task 'export', which 'export' never pushes (it pushes: export_path, return_value, rows)",
    ]);
    // execute() returning nothing pushes no return_value.
    const silent = exporter.replace('        return "done"', "        print(context)");
    expect(ruleMessages("missing-xcom-key", op(silent, "return_value"), head)).toHaveLength(1);
  });

  it("missing-xcom-key: what it pushes is unknown when another method pushes or do_xcom_push is set", () => {
    const helper = `class Export(BaseOperator):
    def execute(self, context):
        self._publish(context)

    def _publish(self, context):
        context["ti"].xcom_push(key="other", value=1)`;
    const setting = exporter.replace(
      "super().__init__(**kwargs)",
      "super().__init__(do_xcom_push=False, **kwargs)",
    );
    const derived = op(`${exporter}\n\n\nclass Export2(Export):\n    pass`, "other").replace(
      'e = Export(task_id="export")',
      'e = Export2(task_id="export")',
    );
    const decorated = exporter.replace("    def execute", "    @staticmethod\n    def execute");
    for (const [what, source] of [
      ["a helper method", op(helper, "other")],
      ["do_xcom_push", op(setting, "other")],
      ["a subclass", derived],
      ["a decorated execute", op(decorated, "other")],
    ] as const) {
      expect(source).toContain("class Export");
      expect(ruleMessages("missing-xcom-key", source, head), what).toEqual([]);
    }
  });
});

describe("a task taken from a list by its index", () => {
  const pushers = `def push_a(ti):
    ti.xcom_push(key="a", value=1)


def push_b(ti):
    ti.xcom_push(key="b", value=1)


def read_a(ti):
    return ti.xcom_pull(task_ids="extract_0", key="a")


`;
  const lists = `    extracts = [
        PythonOperator(task_id="extract_0", python_callable=push_a),
        PythonOperator(task_id="extract_1", python_callable=push_b),
    ]
    loads = [
        PythonOperator(task_id="load_0", python_callable=read_a),
        PythonOperator(task_id="load_1", python_callable=read_a),
    ]
`;

  it("missing-xcom-key: ops[i] >> other[i] links those two tasks only, so a race across them is found", () => {
    // Airflow 3.3 gives load_1 the one upstream extract_1: it may run before extract_0.
    const source = `${pushers}${dag(`${lists}    extracts[0] >> loads[0]\n    extracts[1] >> loads[1]\n`)}`;
    expect(ruleMessages("missing-xcom-key", source)).toEqual([
      "task 'load_1' reads XCom 'a' of task 'extract_0', but 'extract_0' is not upstream of it, so the value may not exist yet (a race)",
    ]);
    // ops[-1] is the last element; a tuple reads the same way.
    const last = source
      .replace("extracts[1] >> loads[1]", "extracts[-1] >> loads[-1]")
      .replace("    extracts = [", "    extracts = (")
      .replace("push_b),\n    ]", "push_b),\n    )");
    expect(ruleMessages("missing-xcom-key", last)).toHaveLength(1);
  });

  it("missing-xcom-key: ops[1].output['key'] reads from that element's task, not from every task of the list", () => {
    const source = `${pushers}${dag(`${lists}    show = PythonOperator(task_id="show", python_callable=print, op_args=[extracts[1].output["a"]])\n    extracts[0] >> loads\n`)}`;
    expect(ruleMessages("missing-xcom-key", source)).toEqual([
      "task 'show' reads XCom 'a' of task 'extract_1', which 'extract_1' never pushes (it pushes: b)",
    ]);
    // extract_1 pushes b: extract_0, which does not, is not read.
    expect(ruleMessages("missing-xcom-key", source.replace('output["a"]', 'output["b"]'))).toEqual(
      [],
    );
  });

  it("missing-xcom-key: after the list is changed (insert, +=, item assignment, del), ops[i] stands for all of it again", () => {
    for (const change of [
      "    extracts.insert(0, loads[0])\n",
      "    extracts += [loads[0]]\n",
      "    extracts[0] = loads[0]\n",
      "    del extracts[0]\n",
    ]) {
      const source = `${pushers}${dag(`${lists}${change}    extracts[0] >> loads[0]\n    extracts[1] >> loads[1]\n`)}`;
      expect(ruleMessages("missing-xcom-key", source), change).toEqual([]);
    }
  });
});

describe("default_args changed by an augmented assignment", () => {
  it("missing-timeout on a sensor says the wait lasts 7 days, not one hung try, and what execution_timeout ends", () => {
    const body = `with DAG("d", schedule=None, default_args={"retries": 1}):
    FileSensor(task_id="w", filepath="x", mode="reschedule", execution_timeout=timedelta(minutes=5))
    FileSensor(task_id="q", filepath="x")
    BashOperator(task_id="a", bash_command="echo")
`;
    expect(ruleMessages("missing-timeout", body)).toEqual([
      "task 'w' has no timeout, so it waits for its condition up to Airflow's default of 7 days before it fails (its execution_timeout ends one poke, not the wait)",
      "task 'q' has no timeout, so it waits for its condition up to Airflow's default of 7 days before it fails",
      "task 'a' has no execution_timeout, so a hung try runs until someone stops it",
    ]);
  });

  it("missing-timeout: `default_args |= {...}` may add the setting, as .update() may", () => {
    const head = HEAD.replace(
      'default_args = {"retries": 2, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}',
      'default_args = {"retries": 2, "on_failure_callback": alert}\ndefault_args |= {"execution_timeout": timedelta(hours=1)}',
    );
    expect(head).toContain("|=");
    const body = dag(`    BashOperator(task_id="a", bash_command="true")\n`);
    expect(ruleMessages("missing-timeout", body, head)).toEqual([]);
    // Without it, the same DAG is reported.
    expect(
      ruleMessages("missing-timeout", body, head.replace(/\ndefault_args \|=.*/, "")),
    ).toHaveLength(1);
  });
});

describe("default_args merged from dicts the file shows in full", () => {
  const head = HEAD.replace(
    'default_args = {"retries": 2, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}',
    'BASE = {"retries": 2, "on_failure_callback": alert}\nTIMEOUT = {"execution_timeout": timedelta(hours=1)}',
  );
  const body = (defaults: string) =>
    `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=${defaults}):\n    BashOperator(task_id="a", bash_command="true")\n`;

  it("missing-timeout: {**BASE, ...}, dict(BASE, ...) and BASE | OTHER are read; a setting none of them has is reported", () => {
    expect(head).toContain("BASE = ");
    for (const defaults of [
      "{**BASE}",
      "dict(BASE, retries=3)",
      "BASE | {'retries': 3}",
      "{**BASE, **{}}",
    ]) {
      expect(ruleMessages("missing-timeout", body(defaults), head), defaults).toEqual([
        "task 'a' has no execution_timeout, so a hung try runs until someone stops it",
      ]);
      expect(ruleMessages("missing-retries", body(defaults), head), defaults).toEqual([]);
    }
    for (const defaults of [
      "{**BASE, 'execution_timeout': timedelta(hours=1)}",
      "dict(BASE, execution_timeout=timedelta(hours=1))",
      "BASE | TIMEOUT",
      "{**BASE, **TIMEOUT}",
    ]) {
      expect(ruleMessages("missing-timeout", body(defaults), head), defaults).toEqual([]);
    }
    // A name bound to a merge is read too.
    const named = `MERGED = BASE | {"retries": 3}\n${body("MERGED")}`;
    expect(ruleMessages("missing-timeout", named, head)).toHaveLength(1);
  });

  it("missing-timeout: a part the file does not show in full still holds the check back", () => {
    for (const defaults of [
      "{**BASE, **get_defaults()}",
      "dict(get_defaults(), retries=1)",
      "BASE | get_defaults()",
    ]) {
      expect(ruleMessages("missing-timeout", body(defaults), head), defaults).toEqual([]);
    }
    const updated = `BASE.update(extra)\n${body("{**BASE}")}`;
    expect(ruleMessages("missing-timeout", updated, head)).toEqual([]);
  });

  it("missing-timeout: a function's parameter is what its caller passes, not the module's dict of that name", () => {
    // Airflow 3.3: the caller's dict has execution_timeout, so DAG 'x' has it.
    const factory = `def make(dag_id, BASE):
    with DAG(dag_id, schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args={**BASE, "retries": 3}) as d:
        BashOperator(task_id="a", bash_command="true")
    return d


def make2(dag_id, BASE):
    with DAG(dag_id, schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=BASE) as d:
        BashOperator(task_id="a", bash_command="true")
    return d


x = make("x", {**BASE, **TIMEOUT})
y = make2("y", {**BASE, **TIMEOUT})
`;
    expect(ruleMessages("missing-timeout", factory, head)).toEqual([]);
    // After the function, BASE is the module's dict again.
    expect(ruleMessages("missing-timeout", `${factory}${body("{**BASE}")}`, head)).toHaveLength(1);
  });
});

describe("a TaskFlow result handed to another task", () => {
  it("missing-xcom-key: the reader gets None when the producer pushes nothing (do_xcom_push=False, no return, a generator)", () => {
    // Airflow 3.3 (dags test): 'XCom ... not found for task', and consume is called with None.
    const body = dag(`    @task(do_xcom_push=False)
    def silent():
        return 1

    @task
    def nothing():
        print("hi")

    @task
    def gen():
        yield 1

    @task
    def fine():
        return 1

    @task
    def consume(x):
        print(x)

    s = silent()
    consume.override(task_id="c1")(s)
    consume.override(task_id="c2")(nothing())
    consume.override(task_id="c3")(gen())
    consume.override(task_id="c4")(fine())
    PythonOperator(task_id="c5", python_callable=print, op_args=[nothing()])
`);
    expect(ruleMessages("missing-xcom-key", body)).toEqual([
      "task 'c1' reads XCom 'return_value' of task 'silent', which 'silent' never pushes (it pushes: nothing)",
      "task 'c2' reads XCom 'return_value' of task 'nothing', which 'nothing' never pushes (it pushes: nothing)",
      "task 'c3' reads XCom 'return_value' of task 'gen', which 'gen' never pushes (it pushes: nothing)",
      "task 'c5' reads XCom 'return_value' of task 'nothing__1', which 'nothing__1' never pushes (it pushes: nothing)",
    ]);
  });
});

describe("template-error", () => {
  const messages = (body: string, head = HEAD) =>
    lintPythonSource("d.py", head + body)
      .filter((f) => f.ruleId === "template-error")
      .map(
        (f) => `${f.line}: ${f.message.split(": Airflow renders")[0]} | ${f.fix.split("? ")[0]}`,
      );
  const at = HEAD.split("\n").length;

  it("reports templates Jinja cannot compile and names the context lacks, in templated arguments and bound strings", () => {
    const body = dag(`    a = BashOperator(task_id="a", bash_command="echo {{ dss }}")
    b = BashOperator(task_id="b", bash_command=CMD)
    c = BashOperator(task_id="c", bash_command="{% if ds %}echo a", env={"X": "{{ ds | nosuch }}"})
    d = BashOperator(task_id="d", bash_command=(
        "{% for i in range(2) %}{% break %}{% endfor %}"  # a comment
    ))
    e = PythonOperator(task_id="e", python_callable=print, op_kwargs={"bad": "{{ logical_dat }}"}, templates_dict={"q": "{{ }}"})
`);
    expect(messages(`CMD = "echo {{ ds_nodsh }}"\n${body}`)).toEqual([
      `${at}: template variable 'ds_nodsh' in bash_command of task 'b' | did you mean 'ds_nodash'`,
      `${at + 2}: template variable 'dss' in bash_command of task 'a' | did you mean 'ds'`,
      `${at + 4}: the template in bash_command of task 'c' | write it as Jinja accepts it, or keep text Jinja should not read in {% raw %}...{% endraw %}`,
      `${at + 4}: the template in env of task 'c' | write it as Jinja accepts it, or keep text Jinja should not read in {% raw %}...{% endraw %}`,
      `${at + 6}: the template in bash_command of task 'd' | write it as Jinja accepts it, or keep text Jinja should not read in {% raw %}...{% endraw %}`,
      `${at + 8}: template variable 'logical_dat' in op_kwargs of task 'e' | did you mean 'logical_date'`,
      `${at + 8}: the template in templates_dict of task 'e' | write it as Jinja accepts it, or keep text Jinja should not read in {% raw %}...{% endraw %}`,
    ]);
  });

  it("a param a scheduled DAG does not declare (a scheduled run has no conf to give it); not when the DAG is triggered only, or the file does not show every param", () => {
    const tasks = `    a = BashOperator(task_id="a", bash_command="echo {{ params.regoin }} {{ params.region }}")
    b = BashOperator(task_id="b", bash_command="echo $X", env={"X": "{{ params['dayz'] }}"})
    c = BashOperator(task_id="c", bash_command="echo {{ params.size | default(1) }} {{ params.get('q') }}{% if 'o' in params %}{{ params.o }}{% endif %}")
    d = BashOperator(task_id="d", bash_command="echo {{ params.own }}", params={"own": 1})
`;
    const scheduled = (params: string, extra = "") =>
      `with DAG("d", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, params=${params}${extra}):\n${tasks}`;
    expect(messages(`P = {"region": "eu", "days": 3}\n${scheduled("P")}`)).toEqual([
      `${at + 2}: param 'regoin' in bash_command of task 'a' | did you mean params.region`,
      `${at + 3}: param 'dayz' in env of task 'b' | did you mean params.days`,
    ]);
    // Triggered only (its conf may give any param); params spread from what the file does not
    // show, or changed later; params in default_args.
    expect(messages(dag(tasks))).toEqual([]);
    expect(messages(`${scheduled("{**BASE}")}`)).toEqual([]);
    expect(messages(`P = {"region": "eu"}\nP["regoin"] = 1\n${scheduled("P")}`)).toEqual([]);
    expect(
      messages(
        `A = {"params": {"regoin": 1}}\n${scheduled('{"region": "eu"}').replace("default_args=default_args", "default_args=A")}`,
      ),
    ).toEqual([]);
  });

  it("reports var.value.get / var.json.get / conn.get calls that Airflow's accessors refuse (default_var= is what older releases took)", () => {
    const body =
      dag(`    a = BashOperator(task_id="a", bash_command="echo {{ var.value.get('bucket', default_var='b') }}")
    b = BashOperator(task_id="b", bash_command="echo {{ conn.get('db', default=None).host }} {{ var.value.get('x', 'y') }}")
    c = BashOperator(task_id="c", bash_command="echo {{ var.json.get('cfg', default={}) }} {{ conn.get('db', default_conn=None) }}")
`);
    const found = lintPythonSource("d.py", HEAD + body).filter(
      (f) => f.ruleId === "template-error",
    );
    expect(found.map((f) => `${f.line}:${f.column}-${f.endColumn}: ${f.message}`)).toEqual([
      `${at + 1}:81-96: the template in bash_command of task 'a': Airflow renders it with Jinja when the task runs, and var.value.get() got an unexpected keyword argument 'default_var' (a TypeError), so the task fails every run`,
      `${at + 2}:72-84: the template in bash_command of task 'b': Airflow renders it with Jinja when the task runs, and conn.get() got an unexpected keyword argument 'default' (a TypeError), so the task fails every run`,
    ]);
    expect(found[0]?.fix).toBe(
      "pass the fallback as default=... or as the second argument: {{ var.value.get('my_key', 'fallback') }}",
    );
  });

  it("passes what Airflow renders, and holds back where Python or the DAG changes the template", () => {
    const body =
      dag(`    a = BashOperator(task_id="a", bash_command="echo {{ ds | ds_nodash }} {{ params.x }} {{ var.value.get('k', 'd') }} {{ ti.xcom_pull(task_ids='b') }}")
    b = BashOperator(task_id="b", bash_command="{% for i in range(2) %}{{ loop.index }}{% endfor %}{% set n = 2 %}{{ n }}{{ maybe | default('') }}{% if y is defined %}{{ y }}{% endif %}")
    c = BashOperator(task_id="c", bash_command="{% if ds %}" + "echo {% endif %}")
    d = BashOperator(task_id="d", bash_command="echo {{{{ ds }}}} {}".format(1))
    e = BashOperator(task_id="e", bash_command=f"echo {{{{ nope }}}}")
    f = BashOperator(task_id="f", bash_command="echo {% raw %}{{ nope }}{% endraw %} {{ execution_date }}")
    g = PythonOperator(task_id="g", python_callable=print, op_args=["{{ nope }}"])
`);
    expect(messages(body)).toEqual([]);
    // A DAG with macros or filters of its own: names, or filters, are not judged.
    const own = `with DAG("m", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, user_defined_macros={"region": "eu"}, user_defined_filters={"upper2": str.upper}):
    a = BashOperator(task_id="a", bash_command="echo {{ region | upper2 }}")
`;
    expect(messages(own)).toEqual([]);
  });
});

describe("duplicate-task-id and dependency-cycle (what makes Airflow refuse the file)", () => {
  const found = (body: string, head = HEAD) =>
    lintPythonSource("d.py", head + body)
      .filter((f) => f.ruleId === "duplicate-task-id" || f.ruleId === "dependency-cycle")
      .map(
        (f) =>
          `${f.line - HEAD.split("\n").length + 1}:${f.column} ${f.code} ${f.message.split(":")[0]}`,
      );

  it("reports an id given twice in one DAG (groups' prefixes counted) and a constant id in a loop over written-out items", () => {
    const body = dag(`    a = BashOperator(task_id="extract", bash_command="a")
    b = BashOperator(task_id="extract", bash_command="b")
    for table in ["orders", "users"]:
        BashOperator(task_id="load", bash_command="c")
    with TaskGroup("eu", prefix_group_id=False):
        BashOperator(task_id="copy", bash_command="d")
    with TaskGroup("us", prefix_group_id=False):
        BashOperator(task_id="copy", bash_command="e")
    with TaskGroup("stage"):
        BashOperator(task_id="copy", bash_command="f")
`);
    expect(found(body)).toEqual([
      "3:9 MLG2015 task id 'extract' is given again (first on line 10) in DAG 'd'",
      "5:9 MLG2015 task id 'load' is the same on every pass of its loop in DAG 'd'",
      "9:9 MLG2015 task id 'copy' is given again (first on line 15) in DAG 'd'",
    ]);
  });

  it("invalid-argument: python_callable given a function's result, unless the function makes a callable", () => {
    const body = `def load():
    print("x")


def loader(table):
    def run():
        print(table)
    return run


def picked():
    return print


${dag(`    a = PythonOperator(task_id="a", python_callable=load())
    b = PythonOperator(task_id="b", python_callable=loader("t"))
    c = PythonOperator(task_id="c", python_callable=picked())
    d = PythonOperator(task_id="d", python_callable=load)
`)}`;
    const got = lintPythonSource("d.py", HEAD + body)
      .filter((f) => f.ruleId === "invalid-argument")
      .map((f) => `${f.message.split(":")[0]} | ${f.fix}`);
    expect(got).toEqual([
      "python_callable=load() | pass the function itself, python_callable=load, and its arguments as op_args=[...] or op_kwargs={...}",
    ]);
  });

  it("invalid-argument: a schedule and no start date, refused by Airflow 2 (and by Airflow 3 with catchup=True), where the file shows every argument", () => {
    const source = `import pendulum
from datetime import timedelta
from airflow import DAG
from airflow.decorators import dag

BASE = {"owner": "data"}
WITH_START = {"start_date": pendulum.datetime(2025, 1, 1)}

with DAG("plain", schedule="@daily"):
    pass
with DAG("catching_up", schedule=timedelta(hours=1), catchup=True):
    pass
with DAG("start_none", schedule="0 3 * * *", start_date=None, default_args=BASE):
    pass
with DAG("assets", schedule=[object()]):
    pass
with DAG("given", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1)):
    pass
with DAG("in_defaults", schedule="@daily", catchup=True, default_args=WITH_START):
    pass
with DAG("defaults_none", schedule="@daily", default_args={"start_date": None}):
    pass
with DAG("unscheduled", schedule=None, catchup=True):
    pass
with DAG("no_schedule"):
    pass
with DAG("empty", schedule=[]):
    pass
with DAG("no_length", schedule=timedelta(0)):
    pass
with DAG("named", schedule=SCHEDULE):
    pass
with DAG("unknown_defaults", schedule="@daily", default_args=load_defaults()):
    pass
with DAG("spread", schedule="@daily", **COMMON):
    pass
with DAG("positional", "a description", schedule="@daily"):
    pass


@dag(schedule="@hourly")
def decorated():
    pass


decorated()
LATER = {"owner": "data"}
LATER["start_date"] = pendulum.datetime(2025, 1, 1)
with DAG("later", schedule="@daily", default_args=LATER):
    pass
`;
    const found = (airflowVersion: 2 | 3) =>
      lintPythonSource("d.py", source, { airflowVersion })
        .filter((f) => f.ruleId === "invalid-argument")
        .map((f) => `${f.line} ${f.severity} ${f.message.split(": Airflow refuses")[0]}`);
    expect(found(2)).toEqual([
      "9 error schedule=\"@daily\" of DAG 'plain', which has no start_date",
      "11 error catchup=True of DAG 'catching_up', which has a schedule and no start_date",
      "13 error schedule=\"0 3 * * *\" of DAG 'start_none', which has no start_date",
      "15 error schedule=[object()] of DAG 'assets', which has no start_date",
      "41 error schedule=\"@hourly\" of DAG 'decorated', which has no start_date",
    ]);
    // Airflow 3 takes a DAG without a start date, unless it asks for catchup.
    expect(found(3)).toEqual([
      "11 error catchup=True of DAG 'catching_up', which has a schedule and no start_date",
    ]);
    const [plain] = lintPythonSource("d.py", source, { airflowVersion: 2 }).filter(
      (f) => f.ruleId === "invalid-argument",
    );
    expect(plain?.fix).toContain('start_date=pendulum.datetime(2025, 1, 1, tz="UTC")');
    expect(plain?.fix).toContain("schedule=None");
  });

  it("invalid-argument: a scheduled DAG's param with no default, or a literal default its type or enum refuses", () => {
    const source = `import pendulum
from airflow.sdk import DAG, Param

S = pendulum.datetime(2025, 1, 1)
TRAIN = {"epochs": Param(type="integer"), "lr": Param(0.1, type="number")}

with DAG("train", schedule="@daily", start_date=S, params=TRAIN):
    pass
with DAG("typed", schedule="@daily", start_date=S, params={
    "model": Param(None, type="string"),
    "maybe": Param(None, type=["null", "string"]),
    "n": Param("10", type="integer"),
    "flag": Param(True, type="integer"),
    "whole": Param(3.0, type="integer"),
    "kind": Param("xgb", enum=["lgbm", "rf"]),
    "ok_kind": Param("rf", enum=["lgbm", "rf"]),
    "spec": Param(**SPEC),
    "plain": "xgb",
    "computed": Param(default_for("n"), type="integer"),
    "big": Param(1e3, type="integer"),
}):
    pass
with DAG("triggered", schedule=None, start_date=S, params=TRAIN):
    pass
with DAG("default_schedule", start_date=S, params={"epochs": Param(type="integer")}):
    pass
MUTATED = {"epochs": Param(type="integer")}
MUTATED["epochs"] = Param(5, type="integer")
with DAG("mutated", schedule="@daily", start_date=S, params=MUTATED):
    pass
with DAG("bounded", schedule="@daily", start_date=S, params={
    "low": Param(0, type="integer", minimum=1),
    "high": Param(11, maximum=10),
    "lr": Param(0.0, type="number", exclusiveMinimum=0),
    "top": Param(1, exclusiveMaximum=1),
    "short": Param("ab", type="string", minLength=3),
    "long": Param("résumé-v2", maxLength=8),
    "edge": Param(10, minimum=10, maximum=10),
    "neg": Param(-1, minimum=-5),
    "exact": Param("naïve", maxLength=5),
    "flag": Param(True, minimum=5),
    "computed": Param(0, minimum=LOW),
    "step": Param(7, type="integer", multipleOf=5),
    "drop": Param(0.3, multipleOf=0.1),
    "quarter": Param(0.75, multipleOf=0.25),
    "ten": Param(20, multipleOf=10),
    "tag": Param("v1.2", pattern=r"^v\\d+$"),
    "found": Param("run-2025", pattern=r"\\d{4}"),
    "named": Param("x", pattern=r"(?P<v>\\d)"),
    "wide": Param("x", pattern=r"^x{,3}$"),
    "uni": Param("é", pattern=r"^\\w$"),
}):
    pass
with DAG("lists", schedule="@daily", start_date=S, params={
    "few": Param(["age"], type="array", minItems=2),
    "many": Param(["a", "b", "c"], maxItems=2),
    "twice": Param([1, 2, 1.0], uniqueItems=True),
    "mode": Param("full", const="quick"),
    "k": Param(4, enum=[1, 2, 3]),
    "ok_items": Param(["a", "b"], minItems=2, maxItems=2, uniqueItems=True),
    "ok_bools": Param([True, 1], uniqueItems=True),
    "ok_const": Param(2, const=2.0),
    "ok_enum": Param(2.0, enum=[1, 2]),
    "spread": Param([*BASE], minItems=5),
}):
    pass
`;
    const found = (airflowVersion: 2 | 3) =>
      lintPythonSource("d.py", source, { airflowVersion })
        .filter((f) => f.ruleId === "invalid-argument")
        .map((f) => `${f.line} ${f.message.split(": Airflow refuses")[0]}`);
    const both = [
      "5 param 'epochs' of DAG 'train', a Param with no default",
      "10 param 'model' of DAG 'typed', its default None is no string",
      "12 param 'n' of DAG 'typed', its default \"10\" is no integer",
      "13 param 'flag' of DAG 'typed', its default True is no integer",
      "15 param 'kind' of DAG 'typed', its default \"xgb\" is none of its enum",
      "32 param 'low' of DAG 'bounded', its default 0 is below its minimum 1",
      "33 param 'high' of DAG 'bounded', its default 11 is above its maximum 10",
      "34 param 'lr' of DAG 'bounded', its default 0.0 is not above its exclusiveMinimum 0",
      "35 param 'top' of DAG 'bounded', its default 1 is not below its exclusiveMaximum 1",
      "36 param 'short' of DAG 'bounded', its default \"ab\" is shorter than its minLength 3",
      "37 param 'long' of DAG 'bounded', its default \"résumé-v2\" is longer than its maxLength 8",
      "43 param 'step' of DAG 'bounded', its default 7 is not a multiple of its multipleOf 5",
      "44 param 'drop' of DAG 'bounded', its default 0.3 is not a multiple of its multipleOf 0.1 (in floating point, 0.3 / 0.1 is 2.9999999999999996)",
      "47 param 'tag' of DAG 'bounded', its default \"v1.2\" does not match its pattern '^v\\d+$'",
      "55 param 'few' of DAG 'lists', its default [\"age\"] has 1 item, fewer than its minItems 2",
      '56 param \'many\' of DAG \'lists\', its default ["a", "b", "c"] has 3 items, more than its maxItems 2',
      "57 param 'twice' of DAG 'lists', its default [1, 2, 1.0] repeats 1.0, and its uniqueItems is True",
      "58 param 'mode' of DAG 'lists', its default \"full\" is not its const \"quick\"",
      "59 param 'k' of DAG 'lists', its default 4 is none of its enum",
    ];
    expect(found(3)).toEqual(both);
    // Airflow 2 schedules a DAG daily when it is given no schedule.
    expect(found(2)).toEqual([
      ...both.slice(0, 5),
      "25 param 'epochs' of DAG 'default_schedule', a Param with no default",
      ...both.slice(5),
    ]);
  });

  it("hardcoded-secret: credentials by the name of their slot, in URLs and by their shape; never the value in the finding", () => {
    const secrets = {
      url: "S3cretPw9",
      name: "tk_9f8a7b6c5d4e3f2a1b",
      env: "hunter22",
      aws: "AKIAQWERTYUIOPASDFGH",
      slack: "https://hooks.slack.com/services/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",
      kwarg: "pa55word!",
      bearer: "Bearer 9c1e7d3a5b2f4e6d8a0c",
      header: "k-12345678",
      query: "sv=2024&sig=Zx9Lk2Qp8Rt5Wm3Nv7",
      attr: "x7Yq2Lm9Pk4w",
      github: "ghp_Q8wE2rT5yU7iO9pA1sD3fG6hJ4kL0zX2cV5b",
      jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtbC1ib3QifQ.Qm9vX2c2R3VhN2Zf",
      pg: "Pg-r3ad!only",
      option: "9XkLm2Pq7Rt4",
      listed: "Kp0d-s3cret!",
    };
    const source = `import os
from airflow.sdk import DAG, Connection
from airflow.providers.http.operators.http import HttpOperator

DB_URI = "postgresql://etl:${secrets.url}@db.internal:5432/warehouse"
API_TOKEN = "${secrets.name}"
os.environ["MLFLOW_TRACKING_PASSWORD"] = "${secrets.env}"
AWS = "${secrets.aws}"
SLACK = "${secrets.slack}"
conn = Connection(conn_id="pg", conn_type="postgres", login="etl", password="${secrets.kwarg}")
with DAG("d", schedule=None):
    HttpOperator(task_id="a", http_conn_id="api", headers={"Authorization": "${secrets.bearer}", "X-API-Key": "${secrets.header}"})
BLOB = "https://acct.blob.core.windows.net/c/f?${secrets.query}"
self_token = object()
self_token.token = "${secrets.attr}"
GH = f"https://{'x'}:${secrets.github}@github.com/acme/ml.git"
AUTH = {"jwt": "${secrets.jwt}"}
with DAG("cmds", schedule=None):
    BashOperator(task_id="p", bash_command="PGPASSWORD=${secrets.pg} psql -h db -c 'select 1'")
    BashOperator(task_id="q", bash_command="train --api-key ${secrets.option} --epochs 3")
    KubernetesPodOperator(task_id="t", arguments=["--db-password", "${secrets.listed}", "--epochs", "3"])
    BashOperator(task_id="u", bash_command="PGPASSWORD=$PGPASSWORD psql; export TOKEN_PATH=/var/run/t; run --token {{ var.value.t }} --password-file /run/pw")
# Near misses: templates, placeholders, names, paths, labels, words, listings, examples.
SAFE_URI = "postgresql://etl:{{ conn.pg.password }}@db:5432/x"
DOC_URI = "postgresql://scott:tiger@localhost/test"
ANON = "postgresql://etl@db:5432/x"
TOKEN_ENV = "MLFLOW_TRACKING_TOKEN"
os.environ["MLFLOW_TRACKING_URI"] = "http://mlflow:5000"
DOC_AWS = "AKIAIOSFODNN7EXAMPLE"
FAKE_KEY = "sk-1234567890abcdefghijklmnopqrstuvwxyz"
ok = Connection(conn_id="pg", password="{{ var.value.pg_password }}", extra={"token_path": "/var/run/token"})
placeholders = {"password": "***", "secret": "password", "client_secret": "\${CLIENT_SECRET}", "token": "$TOKEN", "api_key": "<api-key>", "access_token": "your-token-here"}
labels = {"RESOURCE_PASSWORD": "Passwords", "COOKIE_TOKEN": "_token", "secret": "airflow.models.Secret"}
words = {"password": "airflow", "api_key": "mlflow-gateway-auth", "secret": "the shared secret of the partner feed"}
places = {"credentials": "keys/service-account.json", "private_key": "/run/secrets/key", "next_page_token": "eyJpbmRleCI6IDExfQ=="}
headers = {"Authorization": "Bearer {{ var.value.api_token }}", "Content-Type": "application/json"}
`;
    const found = lintPythonSource("d.py", source).filter((f) => f.ruleId === "hardcoded-secret");
    expect(
      found.map((f) => `${f.line} ${f.severity} ${f.message.split(" is written")[0]}`),
    ).toEqual([
      "5 error a credential in a postgresql:// URL",
      "6 error a literal value for 'API_TOKEN'",
      "7 error a literal value for 'MLFLOW_TRACKING_PASSWORD'",
      "8 error an AWS access key id",
      "9 error a Slack webhook URL (its path is the credential)",
      "10 error a literal value for 'password'",
      "12 error a literal value for 'Authorization'",
      "12 error a literal value for 'X-API-Key'",
      "13 error a credential in a https:// URL",
      "15 error a literal value for 'token'",
      "16 error a GitHub token",
      "17 error a JSON web token",
      "19 error a literal value for 'PGPASSWORD'",
      "20 error a literal value for '--api-key'",
      "21 error a literal value for '--db-password'",
    ]);
    // The finding names the kind and the place, never the value (nor a part of it).
    for (const f of found) {
      for (const secret of Object.values(secrets)) {
        for (const part of secret.split(/[^A-Za-z0-9]+/).filter((p) => p.length >= 6)) {
          expect(`${f.message} ${f.fix}`).not.toContain(part);
        }
      }
    }
    expect(found[0]?.fix).toContain("{{ conn.");
  });

  it("unserializable-return: what makes a returned value a model object, and what does not", () => {
    const source = `import joblib
import torch
from dataclasses import dataclass
from enum import Enum
from airflow.sdk import dag, task


class Kind(Enum):
    A = 1


class Plain(object):
    pass


@dataclass
class Report:
    auc: float


class Portable:
    def serialize(self):
        return {}


@dag(schedule=None)
def d():
    @task
    def loaded():
        return joblib.load("model.pkl")

    @task
    def net():
        model = torch.nn.Linear(2, 1)
        return {"model": model, "lr": 0.1}

    @task
    def plain():
        return Plain()

    @task
    def reassigned(x):
        model = Plain()
        model = str(x)
        return model

    @task
    def fine():
        return Kind(1), Report(0.9), Portable(), torch.cuda.is_available()

    @task(do_xcom_push=False)
    def unpushed():
        return Plain()

    loaded()
    net()
    plain()
    reassigned(1)
    fine()
    unpushed()


d()
`;
    const found = lintPythonSource("d.py", source)
      .filter((f) => f.ruleId === "unserializable-return")
      .map((f) => `${f.line} ${f.message.split(", which Airflow")[0]}`);
    expect(found).toEqual([
      "30 loaded() of task 'loaded' returns a model loaded with joblib.load()",
      "35 net() of task 'net' returns an object of torch.nn.Linear (torch)",
      "39 plain() of task 'plain' returns an instance of Plain, a class of this file with no serialize() method",
    ]);
  });

  it("implicit-catchup: on Airflow 2, a DAG scheduled in time without catchup, with the runs it backfills", () => {
    const source = `import datetime as dt
import pendulum
from datetime import datetime, timedelta
from airflow import DAG
from airflow.decorators import dag
from airflow.timetables.trigger import CronTriggerTimetable

START = pendulum.datetime(2024, 1, 1, tz="UTC")
with DAG("daily", schedule="@daily", start_date=START):
    pass
with DAG("no_schedule", start_date=datetime(2024, 1, 1)):
    pass
with DAG("every_6h", schedule_interval=timedelta(hours=6), start_date=dt.datetime(2024, 1, 1)):
    pass
with DAG("weekdays", schedule="30 2 * * 1-5", default_args={"start_date": START}):
    pass
with DAG("ended", schedule="@hourly", start_date=pendulum.parse("2024-11-01"), end_date=datetime(2024, 11, 3)):
    pass
with DAG("future", schedule="@daily", start_date=datetime(2999, 1, 1)):
    pass
with DAG("timetable", timetable=CronTriggerTimetable("0 0 * * *", timezone="UTC"), start_date=START):
    pass
with DAG("computed", schedule="@daily", start_date=first_day()):
    pass
with DAG("months", schedule=relativedelta(months=1), start_date=START):
    pass


@dag(schedule="@weekly", start_date=START)
def decorated():
    pass


decorated()
with DAG("off", schedule="@daily", start_date=START, catchup=False):
    pass
with DAG("on", schedule="@daily", start_date=START, catchup=True):
    pass
with DAG("triggered", schedule=None, start_date=START):
    pass
with DAG("once", schedule="@once", start_date=START):
    pass
with DAG("assets", schedule=[Dataset("s3://b/k")], start_date=START):
    pass
with DAG("undated", schedule="@daily"):
    pass
with DAG("opaque", schedule="@daily", start_date=START, **COMMON):
    pass
`;
    const found = (airflowVersion: 2 | 3) =>
      lintPythonSource("d.py", source, { airflowVersion }).filter(
        (f) => f.ruleId === "implicit-catchup",
      );
    // Airflow 3 does not catch up unless told to.
    expect(found(3)).toEqual([]);
    const runs = (f: { message: string }) =>
      / \(([\d,]+) runs? as of \d{4}-\d{2}-\d{2}\)/.exec(f.message)?.[1] ?? "-";
    const at = found(2).map(
      (f) => `${f.line} ${f.severity} ${f.message.split(" does not")[0]} ${runs(f)}`,
    );
    // Counted to today: days (and 6-hour intervals, weekdays) since 2024-01-01 grow each day.
    const days = Math.floor((Date.now() - Date.UTC(2024, 0, 1)) / 86_400_000);
    expect(at).toEqual([
      `9 warning DAG 'daily' ${days.toLocaleString("en-US")}`,
      `11 warning DAG 'no_schedule' ${days.toLocaleString("en-US")}`,
      `13 warning DAG 'every_6h' ${Math.floor((Date.now() - Date.UTC(2024, 0, 1)) / 21_600_000).toLocaleString("en-US")}`,
      expect.stringMatching(/^15 warning DAG 'weekdays' [\d,]+$/),
      "17 warning DAG 'ended' 49",
      "19 warning DAG 'future' 0",
      `21 warning DAG 'timetable' ${(days + 1).toLocaleString("en-US")}`,
      "23 warning DAG 'computed' -",
      "25 warning DAG 'months' -",
      expect.stringMatching(/^29 warning DAG 'decorated' [\d,]+$/),
    ]);
    expect(found(2)[0]?.message).toContain('schedule="@daily"');
    expect(found(2)[1]?.message).toContain("Airflow 2's default schedule (daily)");
    expect(found(2)[0]?.fix).toContain("catchup=False");
  });

  it("invalid-argument: a TaskFlow call its function cannot take, through override, partial, expand and expand_kwargs", () => {
    const source = `import pendulum
from airflow.sdk import DAG, task


@task
def train(data_path, epochs=1):
    return 1


@task
def fit(x, lr):
    return x


with DAG("calls", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
    train.override(task_id="t1")()
    train(data_path="a", epoch=3)
    fit.partial(lr=0.1).expand(x=[1, 2])
    fit.expand(x=[1, 2])
    fit.expand_kwargs([{"x": 1, "lr": 0.1}])
    fit.partial(rate=0.1).expand(x=[1])
    train(*PATHS)
    train(**OPTIONS)
`;
    const got = lintPythonSource("d.py", source)
      .filter((f) => f.ruleId === "invalid-argument")
      .map(
        (f) => `${f.line} ${/TypeError: ([^,]+)/.exec(f.message)?.[1]} | ${f.fix.split(" (")[0]}`,
      );
    expect(got).toEqual([
      "16 missing a required argument: 'data_path' | pass data_path",
      "17 got an unexpected keyword argument 'epoch' | did you mean 'epochs' for 'epoch'?",
      "21 got an unexpected keyword argument 'rate' | remove 'rate', or add the parameter to fit",
    ]);
  });

  it("airflow3-removed: an import on either side of a try / except ImportError pair is the file's fallback, not a failure", () => {
    const source = `try:
    from airflow.sdk import Asset
except ImportError:
    from airflow.datasets import Dataset as Asset
try:
    from airflow.datasets import Dataset
except (ImportError, ModuleNotFoundError) as e:
    Dataset = None
try:
    import airflow.datasets
except:
    pass
try:
    from airflow.datasets import DatasetAlias
except ValueError:
    pass
try:
    pass
except ImportError:
    pass
else:
    from airflow.datasets import DatasetAll
`;
    const lines = lintPythonSource("d.py", source)
      .filter((f) => f.ruleId === "airflow3-removed")
      .map((f) => `${f.line} ${f.severity}`);
    // An except that does not catch a failed import, and the else branch, guard nothing.
    expect(lines).toEqual(["14 error", "22 error"]);
  });

  it("invalid-argument: a keyword Airflow's operator does not take, with the one it may mean; not on classes of the file's own", () => {
    const body = `class BashOperator2(BashOperator):
    def __init__(self, retires=0, **kwargs):
        super().__init__(**kwargs)


${dag(`    a = BashOperator(task_id="a", bash_command="echo a", retires=3)
    b = PythonOperator(task_id="b", python_callable=print, op_kwarg={"x": 1})
    c = BashOperator2(task_id="c", bash_command="echo c", retires=3)
    d = BashOperator(task_id="d", bash_command="echo d", retries=3, env={"A": "1"}, cwd="/opt/app")
`)}`;
    const got = lintPythonSource("d.py", HEAD + body)
      .filter((f) => f.ruleId === "invalid-argument")
      .map((f) => `${f.message.split(":")[0]} | ${f.fix}`);
    expect(got).toEqual([
      "argument 'retires' of BashOperator | did you mean 'retries'?",
      "argument 'op_kwarg' of PythonOperator | did you mean 'op_kwargs'?",
    ]);
  });

  it("leaves alone what Airflow takes: branches, try, loops over names or one item, computed ids, TaskFlow, two DAGs, a DAG per pass, helpers", () => {
    const body = `${dag(`    if TABLES:
        BashOperator(task_id="load", bash_command="a")
    else:
        BashOperator(task_id="load", bash_command="b")
    try:
        BashOperator(task_id="t", bash_command="a")
    except ValueError:
        BashOperator(task_id="t", bash_command="b")
    for table in TABLES:
        BashOperator(task_id="x", bash_command="a")
    for table in ["orders"]:
        BashOperator(task_id="y", bash_command="a")
    for table in ["orders", "users"]:
        BashOperator(task_id=f"load_{table}", bash_command="a")

    @task
    def extract():
        return 1

    extract() >> extract()
`)}
with DAG("other", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    BashOperator(task_id="load", bash_command="a")
for name in ["a", "b"]:
    with DAG(name, schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
        BashOperator(task_id="only", bash_command="a")
def make(d):
    return BashOperator(task_id="made", bash_command="a", dag=d)
`;
    expect(found(body)).toEqual([]);
  });

  it("reports a cycle once, at the dependency written last, through lists, chain, set_upstream and groups", () => {
    const body = dag(`    a = BashOperator(task_id="a", bash_command="a")
    b = BashOperator(task_id="b", bash_command="b")
    c = BashOperator(task_id="c", bash_command="c")
    a >> b >> c
    c.set_downstream(a)
    with TaskGroup("g") as g:
        x = BashOperator(task_id="x", bash_command="x")
        y = BashOperator(task_id="y", bash_command="y")
        x >> y
    z = BashOperator(task_id="z", bash_command="z")
    chain(g, z)
    [z] >> g
    s = BashOperator(task_id="s", bash_command="s")
    s >> s
`);
    expect(found(body)).toEqual([
      "6:5 MLG2016 the dependencies of DAG 'd' form a cycle, 'a' >> 'b' >> 'c' >> 'a'",
      "13:5 MLG2016 the dependencies of DAG 'd' form a cycle, 'g.x' >> 'g.y' >> 'z' >> 'g.x'",
      "15:5 MLG2016 the dependencies of DAG 'd' form a cycle, 's' >> 's'",
    ]);
  });

  it("no cycle from two DAGs sharing ids, computed ids, a @task_group called twice, or chain() of two named lists", () => {
    const twoDags = `${dag(`    a = BashOperator(task_id="a", bash_command="a")
    b = BashOperator(task_id="b", bash_command="b")
    a >> b
`)}
with DAG("hourly", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):
    a = BashOperator(task_id="a", bash_command="a")
    b = BashOperator(task_id="b", bash_command="b")
    b >> a
`;
    expect(found(twoDags)).toEqual([]);
    const computed =
      dag(`    steps = [BashOperator(task_id=f"step_{i}", bash_command="s") for i in range(3)]
    for i in range(2):
        steps[i] >> steps[i + 1]
`);
    expect(found(computed)).toEqual([]);
    const groupTwice = `from airflow.sdk import task_group
${dag(`    @task_group
    def region():
        first = BashOperator(task_id="first", bash_command="f")
        last = BashOperator(task_id="last", bash_command="l")
        first >> last

    one = region()
    two = region()
    one >> two
`)}`;
    expect(found(groupTwice)).toEqual([]);
    const namedLists = dag(`    a = BashOperator(task_id="a", bash_command="a")
    b = BashOperator(task_id="b", bash_command="b")
    c = BashOperator(task_id="c", bash_command="c")
    d = BashOperator(task_id="d", bash_command="d")
    ups = [a, b]
    downs = [c, d]
    chain(ups, downs)
    d >> a
`);
    expect(found(namedLists)).toEqual([]);
  });
});
