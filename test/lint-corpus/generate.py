"""Writes the labeled lint corpus: DAG files with seeded defects and clean twins, plus manifest.json.

Each seeded defect is marked on its line with a trailing `# expect: rule-id[, rule-id]` comment;
the manifest is read from those marks, so a reviewer sees the label beside the code. The marks
are plain comments: the linter does not read them (suppression comments start with `# mlgen:`).
Run: python3 test/lint-corpus/generate.py
"""

import json
import re
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "dags"

AF3 = """from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, TaskGroup, Variable, chain, dag, task
"""

SAFE_DEFAULTS = """default_args = {
    "owner": "ml-team",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": notify_failure,
}
"""

NOTIFY = """

def notify_failure(context):
    print("failed", context["task_instance"].task_id)

"""


def etl(v):
    """Classic operators, a callable that pushes, a Jinja pull in a bash task."""
    key = "row_count" if v != "wrong-key" else "rowcount"
    defaults = SAFE_DEFAULTS if v != "no-defaults" else 'default_args = {"owner": "ml-team"}\n'
    mark = "  # expect: missing-timeout, missing-retries" if v == "no-defaults" else ""
    path = '"/home/etl/raw/orders.csv"' if v == "path" else 'Variable.get("orders_path")'
    schedule = 'schedule_interval="@daily"' if v == "removed" else 'schedule="@daily"'
    edge = "extract >> report\n    extract >> load" if v != "race" else "extract >> load"
    src = AF3 + NOTIFY + defaults + f"""

def extract_orders(ti):
    import csv

    path = {path}{"  # expect: hardcoded-path" if v == "path" else ""}
    with open(path) as f:
        rows = list(csv.reader(f))
    ti.xcom_push(key="row_count", value=len(rows))
    return path


with DAG(
    "orders_etl_{v.replace('-', '_')}",
    {schedule},{"  # expect: airflow3-removed" if v == "removed" else ""}
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    extract = PythonOperator(task_id="extract", python_callable=extract_orders){mark}
    report = BashOperator(task_id="report", bash_command="echo rows={{{{ ti.xcom_pull(task_ids='extract', key='{key}') }}}}"){mark}{"  # expect: missing-xcom-key" if v in ("wrong-key", "race") else ""}
    load = BashOperator(task_id="load", bash_command="load --src {{{{ ti.xcom_pull(task_ids='extract') }}}}"){mark}
    {edge}
"""
    return src


def training(v):
    """TaskFlow with @dag: validate -> train -> evaluate; MLflow-style metrics in XCom."""
    top = ""
    if v == "top-level":
        top = 'THRESHOLD = Variable.get("min_accuracy")  # expect: top-level-code\n'
    heavy = "import pandas as pd  # expect: top-level-code\n" if v == "heavy-import" else ""
    start = (
        "start_date=pendulum.now().subtract(days=1),  # expect: dynamic-start-date"
        if v == "dynamic-start"
        else 'start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),'
    )
    metric = "accuracy" if v != "wrong-key" else "acc"
    data = '"/Users/ana/datasets/churn.parquet"' if v == "path" else 'Variable.get("churn_data")'
    return heavy + AF3 + NOTIFY + SAFE_DEFAULTS + top + f"""

@dag(
    dag_id="churn_training_{v.replace('-', '_')}",
    schedule="@weekly",
    {start}
    catchup=False,
    default_args=default_args,
)
def churn_training():
    @task
    def validate_data():
        path = {data}{"  # expect: hardcoded-path" if v == "path" else ""}
        return path

    @task(multiple_outputs=True)
    def train_model(path):
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression()
        return {{"model_uri": f"models:/churn/{{path}}", "accuracy": 0.91}}

    @task
    def evaluate(ti=None):
        accuracy = ti.xcom_pull(task_ids="train_model", key="{metric}"){"  # expect: missing-xcom-key" if v == "wrong-key" else ""}
        if accuracy < 0.8:
            raise ValueError("model too weak")

    data = validate_data()
    trained = train_model(data)
    trained >> evaluate()


churn_training()
"""


def airflow2(v):
    """Airflow 2 style file: old import paths, days_ago, schedule_interval, provide_context."""
    if v == "clean":
        return AF3 + NOTIFY + SAFE_DEFAULTS + """

def score(**context):
    return 1


with DAG("scoring_v2_clean", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    prep = BashOperator(task_id="prep", bash_command="echo {{ ds }}")
    run = PythonOperator(task_id="score", python_callable=score)
    prep >> run
"""
    return """from datetime import timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator  # expect: airflow3-removed
from airflow.operators.dummy_operator import DummyOperator  # expect: airflow3-removed
from airflow.operators.python import PythonOperator
from airflow.utils.dates import days_ago  # expect: airflow3-removed


def notify_failure(context):
    print("failed")


default_args = {
    "retries": 1,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": notify_failure,
    "sla": timedelta(hours=2),  # expect: airflow3-removed
}


def score(**context):
    return 1


with DAG(
    "scoring_v2_legacy",
    schedule_interval="@hourly",  # expect: airflow3-removed
    start_date=days_ago(1),  # expect: dynamic-start-date
    default_args=default_args,
) as dag:
    start = DummyOperator(task_id="start")
    prep = BashOperator(task_id="prep", bash_command="echo {{ execution_date }}")  # expect: airflow3-removed
    run = PythonOperator(task_id="score", python_callable=score, provide_context=True)  # expect: airflow3-removed
    start >> prep >> run
"""


def loops(v):
    """Task ids built in a loop; pulls across them cannot be judged and are not reported."""
    path = ' --out /data/warehouse/{table}' if v == "path" else ""
    mark = "  # expect: hardcoded-path" if v == "path" else ""
    return AF3 + NOTIFY + SAFE_DEFAULTS + f"""
TABLES = ["users", "orders", "events"]

with DAG("warehouse_sync_{v.replace('-', '_')}", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    done = BashOperator(task_id="done", bash_command="echo {{{{ ti.xcom_pull(task_ids='sync_users') }}}}")
    for table in TABLES:
        sync = BashOperator(task_id=f"sync_{{table}}", bash_command=f"sync {{table}}{path}"){mark}
        sync >> done
"""


def groups(v):
    """TaskGroup prefixes: a pull must name the full 'group.task' id."""
    target = "features.scale" if v != "wrong-id" else "scale"
    sensor_args = 'mode="poke", timeout=timedelta(hours=8)' if v == "poke" else 'mode="reschedule", timeout=timedelta(hours=8)'
    return AF3 + NOTIFY + SAFE_DEFAULTS + f"""

def scale_features(ti):
    ti.xcom_push(key="scaler_path", value="s3://models/scaler.pkl")


def fit(ti):
    return ti.xcom_pull(task_ids="{target}", key="scaler_path"){"  # expect: missing-xcom-key" if v == "wrong-id" else ""}


with DAG("features_{v.replace('-', '_')}", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    wait = FileSensor(task_id="wait_for_raw", filepath="raw/{{{{ ds }}}}.csv", {sensor_args}){"  # expect: sensor-poke-mode" if v == "poke" else ""}
    with TaskGroup("features") as features:
        clean = BashOperator(task_id="clean", bash_command="clean {{{{ ds }}}}")
        scale = PythonOperator(task_id="scale", python_callable=scale_features)
        clean >> scale
    validate = BashOperator(task_id="validate_features", bash_command="check {{{{ ds }}}}")
    model = PythonOperator(task_id="train_model", python_callable=fit)
    wait >> features >> validate >> model
"""


def wiring(v):
    """set_upstream, chain, cross_downstream and list pulls in Jinja."""
    wire = {
        "clean": "a.set_downstream(b)\n    chain(b, [c, d])\n    cross_downstream([c, d], [e])",
        "race": "a.set_downstream(b)\n    chain(b, c)\n    d.set_upstream(a)",
    }[v]
    mark = "  # expect: missing-xcom-key" if v == "race" else ""
    return AF3 + NOTIFY + SAFE_DEFAULTS + f"""
with DAG("wiring_{v}", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b")
    c = BashOperator(task_id="c", bash_command="echo c")
    d = BashOperator(task_id="d", bash_command="echo d")
    e = BashOperator(task_id="e", bash_command="echo {{{{ ti.xcom_pull(task_ids=['c', 'd']) }}}}"){mark}
    {wire}
"""


FAMILIES = {
    "etl": (etl, ["clean", "wrong-key", "race", "path", "no-defaults", "removed"]),
    "training": (training, ["clean", "wrong-key", "top-level", "heavy-import", "dynamic-start", "path"]),
    "airflow2": (airflow2, ["clean", "legacy"]),
    "loops": (loops, ["clean", "path"]),
    "groups": (groups, ["clean", "wrong-id", "poke"]),
    "wiring": (wiring, ["clean", "race"]),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.py"):
        old.unlink()
    manifest = {}
    for family, (make, variants) in FAMILIES.items():
        for v in variants:
            name = f"{family}_{v.replace('-', '_')}.py"
            text = make(v)
            (OUT / name).write_text(text)
            expected = []
            for i, line in enumerate(text.splitlines(), start=1):
                m = re.search(r"# expect: ([\w\-, ]+)$", line)
                if m:
                    for rule in m.group(1).split(","):
                        expected.append({"rule": rule.strip(), "line": i})
            manifest[name] = expected
    (HERE / "manifest.json").write_text(json.dumps({"files": manifest}, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
