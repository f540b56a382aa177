/**
 * Parity of the Airflow fake (@mlgen/mocks) with a real Airflow 3: one scenario, written once,
 * runs against the fake and against a real api-server + scheduler + dag-processor started here
 * (SQLite, simple auth manager), and every answer is compared after normalizing what legitimately
 * differs (generated ids, times, host names, the DAG folder's path). A second scenario has a
 * user of each SimpleAuthManager role (viewer, user, op, admin) make the same requests on both
 * sides, so the fake's permission table (packages/mocks/src/airflow/permissions.ts) is checked
 * against the server's. Airflow is stopped by PID in afterAll.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AirflowFake,
  type AirflowFakeUser,
  createAirflowFake,
} from "../../packages/mocks/src/index.js";
import {
  type Caller,
  compare,
  type Exception,
  normalize,
  record,
  type Step,
} from "../support/parity.js";
import { type AirflowServer, startAirflow } from "./airflow-server.js";
import { ensureEngines, tempDir } from "./harness.js";

const FAKE_DAGS = "/opt/airflow/dags";

const DAG_FILE = `import time

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import (
    BranchPythonOperator,
    PythonOperator,
    ShortCircuitOperator,
)
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

with DAG(
    dag_id="parity_ok",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["parity", "mlgen"],
):

    @task
    def extract():
        return {"rows": 3}

    @task
    def score(rows, ti=None):
        ti.xcom_push(key="accuracy", value=0.9)
        ti.xcom_push(key="threshold", value="0.9")
        ti.xcom_push(key="nothing", value=None)
        return 42

    report = BashOperator(task_id="report", bash_command="echo done")
    score(extract()) >> report

with DAG(
    dag_id="parity_fail",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def prepare():
        return 1

    @task
    def boom(x):
        raise ValueError("boom")

    @task
    def publish(y):
        return 2

    publish(boom(prepare()))

with DAG(
    dag_id="parity_params",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    params={
        "n_estimators": Param(100, type="integer", minimum=1),
        "model": Param("rf", type="string", enum=["rf", "xgb"]),
        "sizes": Param([1], type="array", items={"type": "integer"}),
        "plain": 5,
    },
):
    BashOperator(task_id="fit", bash_command="echo fit")

with DAG(
    dag_id="parity_retry",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task(retries=1, retry_delay=pendulum.duration(seconds=1))
    def flaky(ti=None):
        if ti.try_number == 1:
            raise RuntimeError("first try fails")
        return "ok"

    @task
    def after(x):
        return x

    after(flaky())

with DAG(
    dag_id="parity_mapped",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def shards():
        return ["a", "b", "c"]

    @task
    def work(shard):
        if shard == "b":
            raise ValueError("bad shard")
        return shard.upper()

    @task
    def collect(results):
        return len(list(results))

    collect(work.expand(shard=shards()))

    @task
    def nothing():
        return []

    @task
    def each(x):
        return x

    @task
    def after_each(y):
        return 1

    after_each(each.expand(x=nothing()))

    @task
    def literal(n):
        return n * 2

    literal.expand(n=[1, 2])

with DAG(
    dag_id="parity_mapped_chain",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def numbers():
        return [1, 2, 3]

    @task
    def square(n):
        # None pushes no XCom: what maps over square gets one item fewer.
        return None if n == 2 else n * n

    @task
    def plus_one(v):
        return v + 1

    plus_one.expand(v=square.expand(n=numbers()))

with DAG(
    dag_id="parity_mapped_rerun",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def flaky_list(ti=None):
        if ti.try_number == 1:
            raise ValueError("first try fails")
        return [1, 2]

    @task
    def use(x):
        return x

    use.expand(x=flaky_list())

with DAG(
    dag_id="parity_sensor",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task.sensor(poke_interval=3, mode="reschedule", timeout=600)
    def wait_for_marker(**context):
        # Found on the third poke: the first two are rescheduled.
        return context["task_reschedule_count"] >= 2

    @task
    def after_sensor():
        return 1

    wait_for_marker() >> after_sensor()

with DAG(
    dag_id="parity_sensor_timeout",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    # In poke mode: on 2 busy CPUs, a slow scheduler loop can read a reschedule-mode poke's
    # worker exit after the next poke is queued, and fail or retry that try itself (seen three
    # times, with pokes 1 and 5 s apart). Its timeout ends the try the same way in either mode.
    @task.sensor(poke_interval=1, mode="poke", timeout=3, retries=2)
    def never_found():
        return False

    @task.sensor(poke_interval=1, mode="poke", timeout=3, soft_fail=True)
    def never_found_soft():
        return False

    @task
    def after_timeout():
        return 1

    @task
    def after_soft():
        return 1

    # A poke that raises AirflowFailException: skipped with soft_fail; a task that raises it
    # fails without its retries.
    @task.sensor(poke_interval=1, mode="poke", timeout=30, soft_fail=True)
    def corrupt_soft():
        raise AirflowFailException("the partition is corrupt")

    @task(retries=2)
    def corrupt():
        raise AirflowFailException("the partition is corrupt")

    never_found() >> after_timeout()
    never_found_soft() >> after_soft()
    corrupt_soft()
    corrupt()

with DAG(
    dag_id="parity_limits",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_tasks=1,
):

    @task
    def first():
        time.sleep(4)
        return 1

    @task
    def after_first(x):
        return x

    @task
    def second():
        return 1

    # first outranks second (priority_weight 2, as after_first waits for it): it runs first.
    after_first(first())
    second()

with DAG(
    dag_id="parity_width",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task(max_active_tis_per_dagrun=1)
    def slow(n):
        time.sleep(3)
        return n

    slow.expand(n=[1, 2, 3])

with DAG(
    dag_id="parity_rules",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def ok():
        return 1

    @task
    def bad():
        raise ValueError("bad")

    @task(trigger_rule="all_done")
    def cleanup():
        return 1

    @task(trigger_rule="one_failed")
    def alert():
        return 1

    @task(trigger_rule="one_success")
    def any_ok():
        return 1

    @task(trigger_rule="none_failed")
    def none_failed():
        return 1

    @task(trigger_rule="none_failed_min_one_success")
    def min_one():
        return 1

    @task(trigger_rule="one_done")
    def one_done():
        return 1

    @task(trigger_rule="all_done_min_one_success")
    def done_min_one():
        return 1

    @task(trigger_rule="always")
    def always():
        return 1

    @task(trigger_rule="all_failed")
    def all_failed():
        return 1

    @task(trigger_rule="none_skipped")
    def no_skips():
        return 1

    @task(trigger_rule="all_skipped")
    def all_skipped():
        return 1

    @task
    def after_skip():
        return 1

    @task
    def broken_list():
        raise ValueError("no list")

    @task(trigger_rule="all_done")
    def each_done(x):
        return x

    @task
    def not_a_list():
        return "abc"

    @task
    def each_char(c):
        return c

    o = ok()
    b = bad()
    for t in [cleanup(), alert(), any_ok(), none_failed(), min_one(), one_done(), done_min_one(), always()]:
        [o, b] >> t
    skipped = all_failed()
    [o, b] >> skipped
    skipped >> [no_skips(), all_skipped(), after_skip()]
    each_done.expand(x=broken_list())
    each_char.expand(c=not_a_list())

with DAG(
    dag_id="parity_rules_leaf",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def train():
        raise ValueError("diverged")

    @task(trigger_rule="all_done")
    def release_gpu():
        return 1

    train() >> release_gpu()

def _one():
    return 1


def _skip():
    raise AirflowSkipException("nothing new")


with DAG(
    dag_id="parity_branch",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    choose = BranchPythonOperator(task_id="choose", python_callable=lambda: "deploy")
    deploy = PythonOperator(task_id="deploy", python_callable=_one)
    retrain = PythonOperator(task_id="retrain", python_callable=_one)
    after_retrain = PythonOperator(task_id="after_retrain", python_callable=_one)
    report = PythonOperator(
        task_id="report", python_callable=_one, trigger_rule="none_failed_min_one_success"
    )
    choose >> [deploy, retrain]
    retrain >> after_retrain
    [deploy, after_retrain] >> report
    # A task after the followed one is followed too, though right after the branch.
    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: ["work"])
    work = PythonOperator(task_id="work", python_callable=_one)
    joined = PythonOperator(task_id="joined", python_callable=_one, trigger_rule="none_failed")
    pick >> work >> joined
    pick >> joined
    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: [])
    gated = PythonOperator(task_id="gated", python_callable=_one)
    gated_cleanup = PythonOperator(
        task_id="gated_cleanup", python_callable=_one, trigger_rule="all_done"
    )
    gate >> gated >> gated_cleanup
    gate_direct = ShortCircuitOperator(
        task_id="gate_direct", python_callable=lambda: 0, ignore_downstream_trigger_rules=False
    )
    direct_next = PythonOperator(task_id="direct_next", python_callable=_one)
    direct_cleanup = PythonOperator(
        task_id="direct_cleanup", python_callable=_one, trigger_rule="all_done"
    )
    gate_direct >> direct_next >> direct_cleanup
    go = ShortCircuitOperator(task_id="go", python_callable=lambda: [1])
    # An EmptyOperator is set success as it is scheduled, never run.
    go >> PythonOperator(task_id="go_next", python_callable=_one) >> EmptyOperator(task_id="marker")
    maybe = PythonOperator(task_id="maybe", python_callable=_skip)
    maybe >> PythonOperator(task_id="after_maybe", python_callable=_one)
    # Skipped before it expands: what it maps over is never pushed, nor checked.
    gate_none = ShortCircuitOperator(task_id="gate_none", python_callable=lambda: None)
    PythonOperator.partial(task_id="per_item", python_callable=_one).expand(
        op_args=gate_none.output
    )
    # Nothing after it: no skipmixin_key, its return value pushed.
    BranchPythonOperator(task_id="lonely", python_callable=lambda: ["lonely"])

def _fail():
    raise ValueError("work failed")


with DAG(
    dag_id="parity_setup",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    create = PythonOperator(task_id="create", python_callable=_one)
    work = PythonOperator(task_id="work", python_callable=_fail)
    delete = PythonOperator(task_id="delete", python_callable=_one)
    create >> work >> delete
    delete.as_teardown(setups=create)


def _slow():
    time.sleep(8)
    return 1


with DAG(
    dag_id="parity_setup_patch",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    # Marked failed while the work runs: the teardown still runs, then the run ends.
    create_slow = PythonOperator(task_id="create", python_callable=_one)
    work_slow = PythonOperator(task_id="work", python_callable=_slow)
    delete_slow = PythonOperator(task_id="delete", python_callable=_one)
    create_slow >> work_slow >> delete_slow
    delete_slow.as_teardown(setups=create_slow)

with DAG(
    dag_id="parity_branch_bad",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    BranchPythonOperator(
        task_id="choose", python_callable=lambda: ["deploy", "nope"]
    ) >> PythonOperator(task_id="deploy", python_callable=_one)

with DAG(
    dag_id="parity_pool",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    # The scenario gives the pool 0 slots: the task instance waits, scheduled.
    BashOperator(task_id="held", bash_command="echo held", pool="parity_held")

with DAG(
    dag_id="parity_trigger",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    TriggerDagRunOperator(
        task_id="start",
        trigger_dag_id="parity_params",
        trigger_run_id="parity_child_1",
        conf={"n_estimators": 7},
    )

with DAG(
    dag_id="parity_trigger_again",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    # The run is there already: failed, not retried; skipped with skip_when_already_exists.
    TriggerDagRunOperator(
        task_id="again",
        trigger_dag_id="parity_params",
        trigger_run_id="parity_child_1",
        retries=1,
        retry_delay=pendulum.duration(seconds=1),
    )
    TriggerDagRunOperator(
        task_id="again_skip",
        trigger_dag_id="parity_params",
        trigger_run_id="parity_child_1",
        skip_when_already_exists=True,
    )
    # A DAG that does not exist: the try fails, and is retried.
    TriggerDagRunOperator(
        task_id="nowhere",
        trigger_dag_id="parity_no_such_dag",
        trigger_run_id="parity_child_none",
        retries=1,
        retry_delay=pendulum.duration(seconds=1),
    )

with DAG(
    dag_id="parity_trigger_wait",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    # Waits for a run that fails: fails with it.
    TriggerDagRunOperator(
        task_id="start_and_wait",
        trigger_dag_id="parity_fail",
        trigger_run_id="parity_child_fail",
        wait_for_completion=True,
        poke_interval=1,
    )
`;

const BROKEN_FILE = "from airflow.sdk import DAG\n\nraise ValueError('broken on purpose')\n";

/** The stack trace Airflow 3.3.2 stores for BROKEN_FILE (the folder is normalized away). */
const brokenTrace = (folder: string) =>
  "Traceback (most recent call last):\n" +
  '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed\n' +
  `  File "${folder}/broken_dag.py", line 3, in <module>\n` +
  "    raise ValueError('broken on purpose')\n" +
  "ValueError: broken on purpose\n";

/** The same DAGs, seeded into the fake. */
function seedFake(fake: AirflowFake): void {
  fake.addDag({
    dagId: "parity_ok",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tags: ["parity", "mlgen"],
    startDate: "2025-01-01T00:00:00Z",
    source: DAG_FILE,
    tasks: [
      // Definition order as in the file: `report` is created first.
      { taskId: "report", operator: "BashOperator", upstream: ["score"] },
      { taskId: "extract", xcom: { return_value: { rows: 3 } } },
      {
        taskId: "score",
        upstream: ["extract"],
        xcom: { accuracy: 0.9, threshold: "0.9", nothing: null, return_value: 42 },
      },
    ],
  });
  fake.addDag({
    dagId: "parity_fail",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "prepare", xcom: { return_value: 1 } },
      { taskId: "boom", upstream: ["prepare"] },
      { taskId: "publish", upstream: ["boom"], xcom: { return_value: 2 } },
    ],
    script: { boom: "failed" },
  });
  fake.addDag({
    dagId: "parity_params",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    startDate: "2025-01-01T00:00:00Z",
    source: DAG_FILE,
    maxActiveRuns: 1,
    params: {
      n_estimators: { default: 100, schema: { type: "integer", minimum: 1 } },
      model: { default: "rf", schema: { type: "string", enum: ["rf", "xgb"] } },
      sizes: { default: [1], schema: { type: "array", items: { type: "integer" } } },
      plain: 5,
    },
    tasks: [{ taskId: "fit", operator: "BashOperator" }],
  });
  fake.addDag({
    dagId: "parity_trigger",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    startDate: "2025-01-01T00:00:00Z",
    source: DAG_FILE,
    tasks: [
      {
        taskId: "start",
        operator: "TriggerDagRunOperator",
        triggers: { dagId: "parity_params", runId: "parity_child_1", conf: { n_estimators: 7 } },
      },
    ],
  });
  fake.addDag({
    dagId: "parity_trigger_again",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    startDate: "2025-01-01T00:00:00Z",
    source: DAG_FILE,
    tasks: [
      {
        taskId: "again",
        operator: "TriggerDagRunOperator",
        retries: 1,
        retryDelayMs: 1_000,
        triggers: { dagId: "parity_params", runId: "parity_child_1" },
      },
      {
        taskId: "again_skip",
        operator: "TriggerDagRunOperator",
        triggers: { dagId: "parity_params", runId: "parity_child_1", skipWhenExists: true },
      },
      {
        taskId: "nowhere",
        operator: "TriggerDagRunOperator",
        retries: 1,
        retryDelayMs: 1_000,
        triggers: { dagId: "parity_no_such_dag", runId: "parity_child_none" },
      },
    ],
  });
  fake.addDag({
    dagId: "parity_trigger_wait",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    startDate: "2025-01-01T00:00:00Z",
    source: DAG_FILE,
    tasks: [
      {
        taskId: "start_and_wait",
        operator: "TriggerDagRunOperator",
        triggers: {
          dagId: "parity_fail",
          runId: "parity_child_fail",
          wait: { pokeIntervalMs: 1_000 },
        },
      },
    ],
  });
  fake.addDag({
    dagId: "parity_retry",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "flaky", retries: 1, retryDelayMs: 1_000, xcom: { return_value: "ok" } },
      { taskId: "after", upstream: ["flaky"], xcom: { return_value: "ok" } },
    ],
    script: { flaky: ["failed", "success"] },
  });
  fake.addDag({
    dagId: "parity_mapped",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "shards", xcom: { return_value: ["a", "b", "c"] } },
      {
        taskId: "work",
        expand: { task: "shards" },
        xcom: (i) => ({ return_value: ["A", "B", "C"][i] }),
      },
      { taskId: "collect", upstream: ["work"], xcom: { return_value: 2 } },
      { taskId: "nothing", xcom: { return_value: [] } },
      { taskId: "each", expand: { task: "nothing" } },
      { taskId: "after_each", upstream: ["each"] },
      { taskId: "literal", expand: 2, xcom: (i) => ({ return_value: (i + 1) * 2 }) },
    ],
    script: { "work[1]": { state: "failed", error: "ValueError: bad shard" } },
  });
  fake.addDag({
    dagId: "parity_mapped_chain",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "numbers", xcom: { return_value: [1, 2, 3] } },
      {
        taskId: "square",
        expand: { task: "numbers" },
        xcom: (i) => (i === 1 ? {} : { return_value: (i + 1) ** 2 }),
      },
      {
        taskId: "plus_one",
        expand: { task: "square" },
        xcom: (i) => ({ return_value: [2, 10][i] }),
      },
    ],
  });
  fake.addDag({
    dagId: "parity_mapped_rerun",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "flaky_list", xcom: { return_value: [1, 2] } },
      { taskId: "use", expand: { task: "flaky_list" }, xcom: (i) => ({ return_value: i + 1 }) },
    ],
    script: { flaky_list: [{ state: "failed", error: "ValueError: first try fails" }, "success"] },
  });
  fake.addDag({
    dagId: "parity_sensor",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      {
        taskId: "wait_for_marker",
        operator: "DecoratedSensorOperator",
        operatorName: "@task.sensor",
        reschedules: 2,
        pokeIntervalMs: 3_000,
      },
      { taskId: "after_sensor", upstream: ["wait_for_marker"], xcom: { return_value: 1 } },
    ],
  });
  // In poke mode, as the real ones (see the DAG file): how the try ends, its tries, what
  // follows and the log's exception.
  const neverFound = {
    operator: "DecoratedSensorOperator",
    operatorName: "@task.sensor",
    pokes: Number.POSITIVE_INFINITY,
    pokeIntervalMs: 1_000,
    timeoutMs: 3_000,
  };
  fake.addDag({
    dagId: "parity_sensor_timeout",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      // The order the DAG file makes them in (the server lists them by id).
      { taskId: "never_found", ...neverFound, retries: 2 },
      { taskId: "after_timeout", upstream: ["never_found"], xcom: { return_value: 1 } },
      { taskId: "never_found_soft", ...neverFound, softFail: true },
      { taskId: "after_soft", upstream: ["never_found_soft"], xcom: { return_value: 1 } },
      {
        taskId: "corrupt_soft",
        operator: "DecoratedSensorOperator",
        operatorName: "@task.sensor",
        pokeIntervalMs: 1_000,
        timeoutMs: 30_000,
        softFail: true,
      },
      { taskId: "corrupt", retries: 2 },
    ],
    script: {
      corrupt_soft: { state: "failed", error: "AirflowFailException: the partition is corrupt" },
      corrupt: { state: "failed", error: "AirflowFailException: the partition is corrupt" },
    },
  });
  fake.addDag({
    dagId: "parity_limits",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    maxActiveTasks: 1,
    tasks: [
      { taskId: "first", durationMs: 4_000, xcom: { return_value: 1 } },
      { taskId: "after_first", upstream: ["first"], xcom: { return_value: 1 } },
      { taskId: "second", xcom: { return_value: 1 } },
    ],
  });
  fake.addDag({
    dagId: "parity_width",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      {
        taskId: "slow",
        expand: 3,
        maxActiveTisPerDagrun: 1,
        durationMs: 3_000,
        xcom: (i) => ({ return_value: i + 1 }),
      },
    ],
  });
  const one = { xcom: { return_value: 1 }, operator: "PythonOperator" } as const;
  fake.addDag({
    dagId: "parity_branch",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      {
        taskId: "choose",
        operator: "BranchPythonOperator",
        skips: "branch",
        xcom: { return_value: "deploy" },
      },
      { ...one, taskId: "deploy", upstream: ["choose"] },
      { ...one, taskId: "retrain", upstream: ["choose"] },
      { ...one, taskId: "after_retrain", upstream: ["retrain"] },
      {
        ...one,
        taskId: "report",
        upstream: ["deploy", "after_retrain"],
        triggerRule: "none_failed_min_one_success",
      },
      {
        taskId: "pick",
        operator: "BranchPythonOperator",
        skips: "branch",
        xcom: { return_value: ["work"] },
      },
      { ...one, taskId: "work", upstream: ["pick"] },
      { ...one, taskId: "joined", upstream: ["work", "pick"], triggerRule: "none_failed" },
      {
        taskId: "gate",
        operator: "ShortCircuitOperator",
        skips: "short_circuit",
        xcom: { return_value: [] },
      },
      { ...one, taskId: "gated", upstream: ["gate"] },
      { ...one, taskId: "gated_cleanup", upstream: ["gated"], triggerRule: "all_done" },
      {
        taskId: "gate_direct",
        operator: "ShortCircuitOperator",
        skips: "short_circuit_direct",
        xcom: { return_value: 0 },
      },
      { ...one, taskId: "direct_next", upstream: ["gate_direct"] },
      { ...one, taskId: "direct_cleanup", upstream: ["direct_next"], triggerRule: "all_done" },
      {
        taskId: "go",
        operator: "ShortCircuitOperator",
        skips: "short_circuit",
        xcom: { return_value: [1] },
      },
      { ...one, taskId: "go_next", upstream: ["go"] },
      { taskId: "marker", operator: "EmptyOperator", upstream: ["go_next"] },
      { ...one, taskId: "maybe" },
      { ...one, taskId: "after_maybe", upstream: ["maybe"] },
      {
        taskId: "gate_none",
        operator: "ShortCircuitOperator",
        skips: "short_circuit",
        xcom: { return_value: null },
      },
      { ...one, taskId: "per_item", expand: { task: "gate_none" } },
      {
        taskId: "lonely",
        operator: "BranchPythonOperator",
        skips: "branch",
        xcom: { return_value: ["lonely"] },
      },
    ],
    script: { maybe: "skipped" },
  });
  fake.addDag({
    dagId: "parity_setup",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { ...one, taskId: "create", setup: true },
      { taskId: "work", operator: "PythonOperator", upstream: ["create"] },
      { ...one, taskId: "delete", upstream: ["create", "work"], teardown: true },
    ],
    script: { work: { state: "failed", error: "ValueError: work failed" } },
  });
  fake.addDag({
    dagId: "parity_setup_patch",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { ...one, taskId: "create", setup: true },
      { ...one, taskId: "work", upstream: ["create"], durationMs: 8_000 },
      { ...one, taskId: "delete", upstream: ["create", "work"], teardown: true },
    ],
  });
  fake.addDag({
    dagId: "parity_branch_bad",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      {
        taskId: "choose",
        operator: "BranchPythonOperator",
        skips: "branch",
        xcom: { return_value: ["deploy", "nope"] },
      },
      { ...one, taskId: "deploy", upstream: ["choose"] },
    ],
  });
  const both = ["ok", "bad"];
  fake.addDag({
    dagId: "parity_rules",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "ok", xcom: { return_value: 1 } },
      { taskId: "bad" },
      ...(
        [
          ["cleanup", "all_done"],
          ["alert", "one_failed"],
          ["any_ok", "one_success"],
          ["none_failed", "none_failed"],
          ["min_one", "none_failed_min_one_success"],
          ["one_done", "one_done"],
          ["done_min_one", "all_done_min_one_success"],
          ["always", "always"],
          ["all_failed", "all_failed"],
        ] as const
      ).map(([taskId, triggerRule]) => ({
        taskId,
        upstream: both,
        triggerRule,
        xcom: { return_value: 1 },
      })),
      {
        taskId: "no_skips",
        upstream: ["all_failed"],
        triggerRule: "none_skipped",
        xcom: { return_value: 1 },
      },
      {
        taskId: "all_skipped",
        upstream: ["all_failed"],
        triggerRule: "all_skipped",
        xcom: { return_value: 1 },
      },
      { taskId: "after_skip", upstream: ["all_failed"], xcom: { return_value: 1 } },
      { taskId: "broken_list" },
      { taskId: "each_done", expand: { task: "broken_list" }, triggerRule: "all_done" },
      { taskId: "not_a_list", xcom: { return_value: "abc" } },
      { taskId: "each_char", expand: { task: "not_a_list" } },
    ],
    script: {
      bad: { state: "failed", error: "ValueError: bad" },
      broken_list: { state: "failed", error: "ValueError: no list" },
    },
  });
  fake.addDag({
    dagId: "parity_rules_leaf",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [
      { taskId: "train" },
      {
        taskId: "release_gpu",
        upstream: ["train"],
        triggerRule: "all_done",
        xcom: { return_value: 1 },
      },
    ],
    script: { train: { state: "failed", error: "ValueError: diverged" } },
  });
  fake.addDag({
    dagId: "parity_pool",
    fileloc: `${FAKE_DAGS}/parity_dags.py`,
    tasks: [{ taskId: "held", operator: "BashOperator", pool: "parity_held" }],
  });
  fake.addImportError({ filename: "broken_dag.py", stackTrace: brokenTrace(FAKE_DAGS) });
}

/**
 * A fetch that logs in like a client: a token from POST /auth/token on first use, sent as a
 * Bearer header. A request that already names `authorization` keeps it (`none` sends none).
 */
function authedFetch(
  baseUrl: string,
  inner: typeof fetch,
  username: string,
  password: string,
): typeof fetch {
  let token: string | undefined;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const own = headers.get("authorization");
    if (own === "none") headers.delete("authorization");
    else if (own === null) {
      if (token === undefined) {
        const res = await inner(`${baseUrl}/auth/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username, password }),
        });
        token = ((await res.json()) as { access_token: string }).access_token;
      }
      headers.set("authorization", `Bearer ${token}`);
    }
    return inner(input, { ...init, headers });
  };
}

async function waitForRun(
  call: Caller,
  dagId: string,
  runId: string,
  settle: () => void,
): Promise<void> {
  if (call.side === "fake") {
    settle();
    return;
  }
  const deadline = Date.now() + 240_000;
  for (;;) {
    const res = await call.fetch(
      `${call.baseUrl}/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`,
    );
    const run = (await res.json()) as { state?: string };
    if (run.state === "success" || run.state === "failed") return;
    if (Date.now() > deadline) {
      throw new Error(`${dagId}/${runId} still ${run.state}:\n${airflow?.logs(20_000)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until a task instance is in `state` (the fake: settles every run as far as it goes). */
async function waitForTi(
  call: Caller,
  path: string,
  state: string,
  settle: () => void,
): Promise<void> {
  if (call.side === "fake") {
    settle();
    return;
  }
  const deadline = Date.now() + 240_000;
  for (;;) {
    const ti = (await (await call.fetch(`${call.baseUrl}${path}`)).json()) as { state?: string };
    if (ti.state === state) return;
    if (Date.now() > deadline) throw new Error(`${path} still ${ti.state}, not ${state}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The log of the sensor that timed out, by side. */
const sensorTimeoutLogs: Record<string, string> = {};

/**
 * Polls a task instance in real time, on either side, until it is in `state`: for a state that
 * passes (a sensor between pokes), where settling the fake would run past it.
 */
async function pollTi(call: Caller, path: string, state: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ti = (await (await call.fetch(`${call.baseUrl}${path}`)).json()) as { state?: string };
    if (ti.state === state) return;
    if (Date.now() > deadline)
      throw new Error(`${call.side}: ${path} still ${ti.state}, not ${state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until no run of any DAG is queued or running (the fake: settles them all). */
async function waitForIdle(call: Caller, settle: () => void): Promise<void> {
  if (call.side === "fake") {
    settle();
    return;
  }
  const deadline = Date.now() + 240_000;
  for (;;) {
    const res = await call.fetch(
      `${call.baseUrl}/api/v2/dags/~/dagRuns?state=queued&state=running&limit=1`,
    );
    const { total_entries } = (await res.json()) as { total_entries?: number };
    if (total_entries === 0) return;
    if (Date.now() > deadline) throw new Error(`${total_entries} runs still active`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The scenario: written once, run on both sides. */
function scenario(settle: () => void) {
  return async (call: Caller) => {
    const json = { "content-type": "application/json" };
    // auth
    await call("token_wrong_password", "POST", "/auth/token", {
      body: { username: "admin", password: "wrong" },
      headers: { authorization: "none" },
    });
    await call("token", "POST", "/auth/token", {
      body: { username: "admin", password: "admin" },
      headers: { authorization: "none" },
    });
    await call("no_token_401", "GET", "/api/v2/dags", { headers: { authorization: "none" } });
    await call("bad_token_403", "GET", "/api/v2/dags", {
      headers: { authorization: "Bearer not-a-token" },
    });
    await call("version", "GET", "/api/v2/version");
    await call("health", "GET", "/api/v2/monitor/health");

    // DAGs
    await call("dag_get", "GET", "/api/v2/dags/parity_ok");
    await call("dag_get_404", "GET", "/api/v2/dags/no_such_dag");
    await call("dag_details", "GET", "/api/v2/dags/parity_ok/details");
    await call("dag_source", "GET", "/api/v2/dagSources/parity_ok", {
      headers: { accept: "application/json" },
    });
    await call("dag_source_text", "GET", "/api/v2/dagSources/parity_ok", {
      headers: { accept: "text/plain" },
    });
    await call("dag_source_404", "GET", "/api/v2/dagSources/no_such_dag");
    await call("dags_list_page1", "GET", "/api/v2/dags?limit=1&offset=0");
    await call("dags_list_page2", "GET", "/api/v2/dags?limit=1&offset=1");
    await call("dags_list_pattern", "GET", "/api/v2/dags?dag_id_pattern=fail");
    await call("dags_list_desc", "GET", "/api/v2/dags?order_by=-dag_id");
    await call("dags_list_bad_order_400", "GET", "/api/v2/dags?order_by=nope");
    await call("dags_list_bad_limit_422", "GET", "/api/v2/dags?limit=-1");
    await call("dag_pause", "PATCH", "/api/v2/dags/parity_ok?update_mask=is_paused", {
      body: { is_paused: true },
    });
    await call("dags_list_paused", "GET", "/api/v2/dags?paused=true");
    await call("dag_patch_422", "PATCH", "/api/v2/dags/parity_ok", { body: { paused: false } });
    await call("dag_unpause", "PATCH", "/api/v2/dags/parity_ok", { body: { is_paused: false } });

    // Params: a conf the DAG's Params refuse is a 400 with jsonschema's text; one they take runs.
    await call("dag_get_params", "GET", "/api/v2/dags/parity_params");
    await call("dag_details_params", "GET", "/api/v2/dags/parity_params/details");
    const refused: [string, Record<string, unknown>][] = [
      ["type", { n_estimators: "fifty" }],
      ["minimum", { n_estimators: 0 }],
      ["enum", { model: "svm" }],
      ["items", { sizes: [1, "x"] }],
    ];
    for (const [name, conf] of refused) {
      await call(`trigger_params_400_${name}`, "POST", "/api/v2/dags/parity_params/dagRuns", {
        body: { logical_date: null, conf },
      });
    }
    await call("trigger_params_ok", "POST", "/api/v2/dags/parity_params/dagRuns", {
      body: { dag_run_id: "params_ok", logical_date: null, conf: { n_estimators: 50, other: 1 } },
    });
    await waitForRun(call, "parity_params", "params_ok", settle);

    // DAG runs: validation, trigger, duplicate
    await call("trigger_no_logical_date_422", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "nope" },
    });
    await call("trigger_naive_date_422", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { logical_date: "2025-01-01T00:00:00" },
    });
    await call("trigger_404", "POST", "/api/v2/dags/no_such_dag/dagRuns", {
      body: { logical_date: null },
    });
    await call("trigger", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "parity_run_1", logical_date: null, conf: { n: 1 } },
    });
    await call("trigger_duplicate_409", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "parity_run_1", logical_date: null },
      headers: json,
    });
    await call("trigger_run_id_space_400", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "my run", logical_date: null },
    });
    await call("trigger_run_id_dots_400", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "a..b", logical_date: null },
    });
    // Ids that DagRunType.from_run_id reads as another run type's are refused for a manual run
    // (a review, 2027-01: the fake took them), the generated form too.
    for (const id of [
      "scheduled__2024",
      "scheduled__2024-01-01T00:00:00+00:00",
      "backfill__2024",
      "operator_triggered__x",
      "asset_triggered__2024-01-01T00:00:00+00:00",
      "asset_materialization__x",
    ]) {
      await call(`trigger_reserved_400_${id}`, "POST", "/api/v2/dags/parity_ok/dagRuns", {
        body: { dag_run_id: id, logical_date: null },
      });
    }
    await waitForRun(call, "parity_ok", "parity_run_1", settle);
    await call("run_get", "GET", "/api/v2/dags/parity_ok/dagRuns/parity_run_1");
    await call("run_get_404", "GET", "/api/v2/dags/parity_ok/dagRuns/no_such_run");
    // Clearing only failed tasks of a run that has none changes nothing.
    await call("run_clear_nothing", "POST", "/api/v2/dags/parity_ok/dagRuns/parity_run_1/clear", {
      body: { dry_run: false, only_failed: true },
    });
    await call("run_get_after_clear_nothing", "GET", "/api/v2/dags/parity_ok/dagRuns/parity_run_1");
    await call("runs_list", "GET", "/api/v2/dags/parity_ok/dagRuns?order_by=-run_after");
    await call("tis_list", "GET", "/api/v2/dags/parity_ok/dagRuns/parity_run_1/taskInstances");
    await call(
      "tis_list_page",
      "GET",
      "/api/v2/dags/parity_ok/dagRuns/parity_run_1/taskInstances?limit=1&offset=2",
    );
    await call("ti_get", "GET", "/api/v2/dags/parity_ok/dagRuns/parity_run_1/taskInstances/report");
    await call(
      "ti_get_404",
      "GET",
      "/api/v2/dags/parity_ok/dagRuns/parity_run_1/taskInstances/nope",
    );

    // XComs
    const xcoms = "/api/v2/dags/parity_ok/dagRuns/parity_run_1/taskInstances";
    await call("xcom_get", "GET", `${xcoms}/score/xcomEntries/return_value?deserialize=true`);
    await call("xcom_get_dict", "GET", `${xcoms}/extract/xcomEntries/return_value`);
    await call(
      "xcom_get_stringify",
      "GET",
      `${xcoms}/extract/xcomEntries/return_value?stringify=true`,
    );
    await call("xcom_get_pushed", "GET", `${xcoms}/score/xcomEntries/accuracy?deserialize=true`);
    // A string that reads as JSON: itself by default, what it reads as with deserialize=true.
    await call("xcom_get_string", "GET", `${xcoms}/score/xcomEntries/threshold`);
    await call(
      "xcom_get_string_deserialized",
      "GET",
      `${xcoms}/score/xcomEntries/threshold?deserialize=true`,
    );
    // None stays null when stringified (XComResponseString).
    await call(
      "xcom_get_none_stringify",
      "GET",
      `${xcoms}/score/xcomEntries/nothing?stringify=true`,
    );
    await call("xcom_get_404", "GET", `${xcoms}/score/xcomEntries/no_such_key`);
    await call("xcom_list", "GET", `${xcoms}/score/xcomEntries`);

    // A failing run, cleared and rerun
    await call("trigger_fail", "POST", "/api/v2/dags/parity_fail/dagRuns", {
      body: { dag_run_id: "parity_fail_1", logical_date: "2025-02-01T00:00:00+00:00" },
    });
    await call("trigger_same_logical_date_409", "POST", "/api/v2/dags/parity_fail/dagRuns", {
      body: { dag_run_id: "parity_fail_2", logical_date: "2025-02-01T00:00:00+00:00" },
      headers: json,
    });
    await waitForRun(call, "parity_fail", "parity_fail_1", settle);
    await call("run_get_failed", "GET", "/api/v2/dags/parity_fail/dagRuns/parity_fail_1");
    await call(
      "tis_list_failed",
      "GET",
      "/api/v2/dags/parity_fail/dagRuns/parity_fail_1/taskInstances",
    );
    await call(
      "runs_list_state",
      "GET",
      "/api/v2/dags/parity_fail/dagRuns?state=failed&state=success",
    );
    // Filters the fake applies: logical dates (a run without one matches no bound), run type,
    // run id.
    await call(
      "runs_logical_date_range",
      "GET",
      "/api/v2/dags/~/dagRuns?logical_date_gte=2025-01-01T00:00:00Z&logical_date_lte=2025-03-01T00:00:00Z",
    );
    await call("runs_run_type_scheduled", "GET", "/api/v2/dags/~/dagRuns?run_type=scheduled");
    await call("runs_run_id_pattern", "GET", "/api/v2/dags/~/dagRuns?run_id_pattern=fail");
    // Keyset pages: cursor "" first, then each page's next_cursor (null on the last), and back
    // by the last page's previous_cursor; offset is ignored with a cursor.
    const byCursor = "/api/v2/dags/~/dagRuns?limit=2&order_by=run_id";
    type Page = { next_cursor?: string | null; previous_cursor?: string | null };
    let cursor = "";
    for (let n = 1; n <= 20; n++) {
      const { body } = await call(`runs_cursor_page${n}`, "GET", `${byCursor}&cursor=${cursor}`);
      const page = body as Page;
      if (!page.next_cursor) {
        if (page.previous_cursor) {
          await call("runs_cursor_back", "GET", `${byCursor}&cursor=${page.previous_cursor}`);
        }
        break;
      }
      cursor = page.next_cursor;
    }
    await call("runs_cursor_offset_ignored", "GET", `${byCursor}&cursor=&offset=1`);
    await call(
      "runs_cursor_desc",
      "GET",
      "/api/v2/dags/~/dagRuns?limit=3&order_by=-run_id&cursor=",
    );
    await call("runs_cursor_bad_400", "GET", `${byCursor}&cursor=not-a-cursor!`);
    await call("runs_cursor_not_a_list_400", "GET", `${byCursor}&cursor=AQ`);
    await call("runs_cursor_shape_400", "GET", `${byCursor}&cursor=kQE`);
    await call("clear_dry_run", "POST", "/api/v2/dags/parity_fail/clearTaskInstances", {
      body: { dag_run_id: "parity_fail_1" },
    });
    await call("clear_failed", "POST", "/api/v2/dags/parity_fail/clearTaskInstances", {
      body: {
        dry_run: false,
        only_failed: true,
        dag_run_id: "parity_fail_1",
        reset_dag_runs: true,
      },
    });
    await waitForRun(call, "parity_fail", "parity_fail_1", settle);
    await call("run_get_rerun", "GET", "/api/v2/dags/parity_fail/dagRuns/parity_fail_1");
    await call(
      "tis_list_rerun",
      "GET",
      "/api/v2/dags/parity_fail/dagRuns/parity_fail_1/taskInstances",
    );
    // The cleared try is in the history, in its state; the rerun is the row.
    const boom = "/api/v2/dags/parity_fail/dagRuns/parity_fail_1/taskInstances/boom";
    await call("tries_after_clear", "GET", `${boom}/tries`);
    await call("try_cleared", "GET", `${boom}/tries/1`);
    await call("try_current", "GET", `${boom}/-1/tries/2`);
    await call("try_404", "GET", `${boom}/tries/9`);
    await call("try_bad_422", "GET", `${boom}/tries/x`);
    await call("tries_mapped_404", "GET", `${boom}/3/tries`);
    await call("tries_unknown_task_404", "GET", `${boom}x/tries`);

    // retries: the first try fails, the retry succeeds, and what comes after runs
    await call("trigger_retry", "POST", "/api/v2/dags/parity_retry/dagRuns", {
      body: { dag_run_id: "parity_retry_1", logical_date: null },
    });
    await waitForRun(call, "parity_retry", "parity_retry_1", settle);
    const retried = "/api/v2/dags/parity_retry/dagRuns/parity_retry_1/taskInstances";
    await call("retry_run", "GET", "/api/v2/dags/parity_retry/dagRuns/parity_retry_1");
    await call("retry_tis", "GET", retried);
    await call("retry_tries", "GET", `${retried}/flaky/tries`);
    await call("retry_try_1", "GET", `${retried}/flaky/tries/1`);
    await call("retry_after_tries", "GET", `${retried}/after/tries`);

    // Mapped tasks: work maps over what shards returned (its instance 1 fails, so collect is
    // upstream_failed), each over an empty list (skipped, and after_each with it), literal
    // over a literal list.
    await call("trigger_mapped", "POST", "/api/v2/dags/parity_mapped/dagRuns", {
      body: { dag_run_id: "parity_mapped_1", logical_date: null },
    });
    await waitForRun(call, "parity_mapped", "parity_mapped_1", settle);
    const mapped = "/api/v2/dags/parity_mapped/dagRuns/parity_mapped_1/taskInstances";
    await call("mapped_run", "GET", "/api/v2/dags/parity_mapped/dagRuns/parity_mapped_1");
    await call("mapped_tis", "GET", mapped);
    await call("mapped_tis_by_index", "GET", `${mapped}?map_index=1&map_index=-1`);
    await call("mapped_tis_by_index_422", "GET", `${mapped}?map_index=one`);
    await call("mapped_tis_rendered_desc", "GET", `${mapped}?order_by=-rendered_map_index`);
    await call("mapped_ti_mapped_404", "GET", `${mapped}/work`);
    await call("mapped_ti_index", "GET", `${mapped}/work/1`);
    await call("mapped_ti_index_404", "GET", `${mapped}/work/7`);
    await call("mapped_ti_unmapped_by_index", "GET", `${mapped}/shards/-1`);
    await call("mapped_ti_index_422", "GET", `${mapped}/work/first`);
    await call("mapped_ti_skipped", "GET", `${mapped}/each`);
    await call("mapped_ti_after_skipped", "GET", `${mapped}/after_each`);
    await call("mapped_list", "GET", `${mapped}/work/listMapped`);
    await call("mapped_list_failed", "GET", `${mapped}/work/listMapped?state=failed`);
    await call("mapped_list_desc", "GET", `${mapped}/work/listMapped?order_by=-map_index`);
    await call("mapped_list_page", "GET", `${mapped}/work/listMapped?limit=1&offset=1`);
    await call("mapped_list_literal", "GET", `${mapped}/literal/listMapped`);
    await call("mapped_list_empty", "GET", `${mapped}/each/listMapped`);
    await call("mapped_list_not_mapped_404", "GET", `${mapped}/shards/listMapped`);
    await call("mapped_list_unknown_404", "GET", `${mapped}/nope/listMapped`);
    await call("mapped_xcom", "GET", `${mapped}/work/xcomEntries/return_value?map_index=2`);
    await call("mapped_xcom_unmapped_404", "GET", `${mapped}/work/xcomEntries/return_value`);
    await call(
      "mapped_xcom_failed_404",
      "GET",
      `${mapped}/work/xcomEntries/return_value?map_index=1`,
    );
    await call("mapped_xcom_422", "GET", `${mapped}/work/xcomEntries/return_value?map_index=-2`);
    await call("mapped_xcom_list", "GET", `${mapped}/work/xcomEntries`);
    await call("mapped_xcom_list_index", "GET", `${mapped}/work/xcomEntries?map_index=0`);
    await call("mapped_tries", "GET", `${mapped}/work/1/tries`);
    await call("mapped_tries_unmapped_404", "GET", `${mapped}/work/tries`);
    await call("mapped_try", "GET", `${mapped}/literal/1/tries/1`);
    await call("mapped_log_unmapped_404", "GET", `${mapped}/work/logs/1`);
    await call("mapped_log_index_404", "GET", `${mapped}/work/logs/1?map_index=7`);
    await call("mapped_log_422", "GET", `${mapped}/work/logs/1?map_index=x`);
    // One instance cleared by [task_id, map_index]: it runs again (and fails again).
    await call("mapped_clear_one", "POST", "/api/v2/dags/parity_mapped/clearTaskInstances", {
      body: {
        dry_run: false,
        only_failed: false,
        dag_run_id: "parity_mapped_1",
        task_ids: [["work", 1]],
      },
    });
    await waitForRun(call, "parity_mapped", "parity_mapped_1", settle);
    await call("mapped_tis_after_clear", "GET", mapped);
    await call("mapped_tries_after_clear", "GET", `${mapped}/work/1/tries`);
    // A task mapped over a mapped one: an instance per upstream instance that returned a value.
    await call("trigger_mapped_chain", "POST", "/api/v2/dags/parity_mapped_chain/dagRuns", {
      body: { dag_run_id: "parity_chain_1", logical_date: null },
    });
    await waitForRun(call, "parity_mapped_chain", "parity_chain_1", settle);
    const chain = "/api/v2/dags/parity_mapped_chain/dagRuns/parity_chain_1/taskInstances";
    await call("chain_run", "GET", "/api/v2/dags/parity_mapped_chain/dagRuns/parity_chain_1");
    await call("chain_tis", "GET", chain);
    await call("chain_square_xcoms", "GET", `${chain}/square/xcomEntries`);
    await call(
      "chain_plus_one_xcom",
      "GET",
      `${chain}/plus_one/xcomEntries/return_value?map_index=1`,
    );

    // A mapped task upstream_failed before it expanded, its run cleared: it expands on the
    // rerun, and its try before goes with the row to map index 0.
    await call("trigger_mapped_rerun", "POST", "/api/v2/dags/parity_mapped_rerun/dagRuns", {
      body: { dag_run_id: "parity_rerun_1", logical_date: null },
    });
    await waitForRun(call, "parity_mapped_rerun", "parity_rerun_1", settle);
    const rerun = "/api/v2/dags/parity_mapped_rerun/dagRuns/parity_rerun_1";
    await call("mapped_rerun_clear", "POST", `${rerun}/clear`, { body: { dry_run: false } });
    await waitForRun(call, "parity_mapped_rerun", "parity_rerun_1", settle);
    await call("mapped_rerun_run", "GET", rerun);
    await call("mapped_rerun_tis", "GET", `${rerun}/taskInstances`);
    await call("mapped_rerun_tries_unmapped", "GET", `${rerun}/taskInstances/use/tries`);
    await call("mapped_rerun_tries_0", "GET", `${rerun}/taskInstances/use/0/tries`);
    await call("mapped_rerun_try_0_of_0", "GET", `${rerun}/taskInstances/use/0/tries/0`);
    await call(
      "mapped_rerun_try_0_of_unmapped_404",
      "GET",
      `${rerun}/taskInstances/use/-1/tries/0`,
    );
    await call(
      "mapped_list_unknown_dag_404",
      "GET",
      "/api/v2/dags/nope/dagRuns/x/taskInstances/use/listMapped",
    );
    await call(
      "mapped_list_task_id_ignored",
      "GET",
      `${rerun}/taskInstances/use/listMapped?task_id=x`,
    );
    await call("mapped_ti_index_leading_zero_404", "GET", `${rerun}/taskInstances/use/07`);

    // A sensor in reschedule mode: seen between pokes (up_for_reschedule, the same try), then
    // done.
    await call("trigger_sensor", "POST", "/api/v2/dags/parity_sensor/dagRuns", {
      body: { dag_run_id: "parity_sensor_1", logical_date: null },
    });
    const sensorRun = "/api/v2/dags/parity_sensor/dagRuns/parity_sensor_1";
    const sensor = `${sensorRun}/taskInstances/wait_for_marker`;
    await pollTi(call, sensor, "up_for_reschedule");
    await call("sensor_ti_rescheduled", "GET", sensor);
    await call("sensor_run_rescheduled", "GET", sensorRun);
    await call("sensor_after_rescheduled", "GET", `${sensorRun}/taskInstances/after_sensor`);
    await waitForRun(call, "parity_sensor", "parity_sensor_1", settle);
    await call("sensor_ti_done", "GET", sensor);
    await call("sensor_tries", "GET", `${sensor}/tries`);
    await call("sensor_tis_done", "GET", `${sensorRun}/taskInstances`);

    // Sensors that never find it: past their timeout, one fails without its retries
    // (AirflowSensorTimeout), the other (soft_fail) is skipped; what follows each, as its rule.
    await call("trigger_sensor_timeout", "POST", "/api/v2/dags/parity_sensor_timeout/dagRuns", {
      body: { dag_run_id: "parity_sensor_timeout_1", logical_date: null },
    });
    const timeoutRun = "/api/v2/dags/parity_sensor_timeout/dagRuns/parity_sensor_timeout_1";
    await waitForRun(call, "parity_sensor_timeout", "parity_sensor_timeout_1", settle);
    await call("sensor_timeout_run", "GET", timeoutRun);
    await call("sensor_timeout_tis", "GET", `${timeoutRun}/taskInstances`);
    await call("sensor_timeout_tries", "GET", `${timeoutRun}/taskInstances/never_found/tries`);
    await call("sensor_soft_tries", "GET", `${timeoutRun}/taskInstances/never_found_soft/tries`);
    // The failed try's log ends with the exception (its run duration differs by side).
    const log = await call.fetch(`${call.baseUrl}${timeoutRun}/taskInstances/never_found/logs/1`);
    sensorTimeoutLogs[call.side] = await log.text();

    // Concurrency limits: max_active_tasks=1 holds the run's other task scheduled while one
    // runs; max_active_tis_per_dagrun=1 runs a mapped task's instances one at a time.
    await call("trigger_limits", "POST", "/api/v2/dags/parity_limits/dagRuns", {
      body: { dag_run_id: "parity_limits_1", logical_date: null },
    });
    const limits = "/api/v2/dags/parity_limits/dagRuns/parity_limits_1/taskInstances";
    await pollTi(call, `${limits}/first`, "running");
    await call("limits_tis_while_first_runs", "GET", limits);
    await waitForRun(call, "parity_limits", "parity_limits_1", settle);
    await call("limits_tis_done", "GET", limits);
    await call("trigger_width", "POST", "/api/v2/dags/parity_width/dagRuns", {
      body: { dag_run_id: "parity_width_1", logical_date: null },
    });
    const width = "/api/v2/dags/parity_width/dagRuns/parity_width_1/taskInstances";
    await pollTi(call, `${width}/slow/0`, "running");
    await call("width_tis_while_first_runs", "GET", width);
    await waitForRun(call, "parity_width", "parity_width_1", settle);
    await call("width_tis_done", "GET", width);

    // Trigger rules: each after one success and one failure, after a skipped task, and a
    // mapped task after a failed upstream; a run judged by its leaves.
    await call("trigger_rules", "POST", "/api/v2/dags/parity_rules/dagRuns", {
      body: { dag_run_id: "parity_rules_1", logical_date: null },
    });
    await waitForRun(call, "parity_rules", "parity_rules_1", settle);
    const rules = "/api/v2/dags/parity_rules/dagRuns/parity_rules_1";
    await call("rules_run", "GET", rules);
    await call("rules_tis", "GET", `${rules}/taskInstances`);
    await call("rules_not_a_list_xcoms", "GET", `${rules}/taskInstances/not_a_list/xcomEntries`);
    await call("trigger_rules_leaf", "POST", "/api/v2/dags/parity_rules_leaf/dagRuns", {
      body: { dag_run_id: "parity_leaf_1", logical_date: null },
    });
    await waitForRun(call, "parity_rules_leaf", "parity_leaf_1", settle);
    await call("rules_leaf_run", "GET", "/api/v2/dags/parity_rules_leaf/dagRuns/parity_leaf_1");
    await call(
      "rules_leaf_tis",
      "GET",
      "/api/v2/dags/parity_rules_leaf/dagRuns/parity_leaf_1/taskInstances",
    );
    // Tasks that skip others: branches (a side skipped, a task after a followed one, an id the
    // DAG does not have), short-circuits (all after it, only those right after it, a truthy
    // condition), a task raising AirflowSkipException; a skipped task cleared is skipped again.
    await call("trigger_branch", "POST", "/api/v2/dags/parity_branch/dagRuns", {
      body: { dag_run_id: "parity_branch_1", logical_date: null },
    });
    await waitForRun(call, "parity_branch", "parity_branch_1", settle);
    const branchRun = "/api/v2/dags/parity_branch/dagRuns/parity_branch_1";
    await call("branch_run", "GET", branchRun);
    await call("branch_tis", "GET", `${branchRun}/taskInstances`);
    for (const task of ["choose", "pick", "gate", "gate_direct", "go", "maybe", "lonely"]) {
      await call(`branch_xcoms_${task}`, "GET", `${branchRun}/taskInstances/${task}/xcomEntries`);
    }
    for (const task of ["choose", "pick", "gate", "gate_direct"]) {
      await call(
        `branch_skipmixin_${task}`,
        "GET",
        `${branchRun}/taskInstances/${task}/xcomEntries/skipmixin_key`,
      );
    }
    await call("branch_go_return", "GET", `${branchRun}/taskInstances/go/xcomEntries/return_value`);
    await call("branch_clear_skipped", "POST", "/api/v2/dags/parity_branch/clearTaskInstances", {
      body: {
        dag_run_id: "parity_branch_1",
        task_ids: ["retrain", "gated"],
        only_failed: false,
        dry_run: false,
      },
    });
    await waitForRun(call, "parity_branch", "parity_branch_1", settle);
    await call("branch_tis_after_clear", "GET", `${branchRun}/taskInstances`);
    // A setup, the work (failing) and its teardown: the teardown runs, the run fails by the
    // work; clearing the work clears the setup and the teardown too.
    await call("trigger_setup", "POST", "/api/v2/dags/parity_setup/dagRuns", {
      body: { dag_run_id: "parity_setup_1", logical_date: null },
    });
    await waitForRun(call, "parity_setup", "parity_setup_1", settle);
    const setupRun = "/api/v2/dags/parity_setup/dagRuns/parity_setup_1";
    await call("setup_run", "GET", setupRun);
    await call("setup_tis", "GET", `${setupRun}/taskInstances`);
    await call("setup_clear_work", "POST", "/api/v2/dags/parity_setup/clearTaskInstances", {
      body: {
        dag_run_id: "parity_setup_1",
        task_ids: ["work"],
        only_failed: false,
        dry_run: false,
      },
    });
    await waitForRun(call, "parity_setup", "parity_setup_1", settle);
    await call("setup_run_after_clear", "GET", setupRun);
    await call("setup_tis_after_clear", "GET", `${setupRun}/taskInstances`);
    await call("trigger_setup_patch", "POST", "/api/v2/dags/parity_setup_patch/dagRuns", {
      body: { dag_run_id: "parity_setup_patch_1", logical_date: null },
    });
    const patchRun = "/api/v2/dags/parity_setup_patch/dagRuns/parity_setup_patch_1";
    await pollTi(call, `${patchRun}/taskInstances/work`, "running");
    await call("setup_patch_failed", "PATCH", patchRun, { body: { state: "failed" } });
    await waitForRun(call, "parity_setup_patch", "parity_setup_patch_1", settle);
    await call("setup_patch_run", "GET", patchRun);
    await call("setup_patch_tis", "GET", `${patchRun}/taskInstances`);
    await call("trigger_branch_bad", "POST", "/api/v2/dags/parity_branch_bad/dagRuns", {
      body: { dag_run_id: "parity_branch_bad_1", logical_date: null },
    });
    await waitForRun(call, "parity_branch_bad", "parity_branch_bad_1", settle);
    const badRun = "/api/v2/dags/parity_branch_bad/dagRuns/parity_branch_bad_1";
    await call("branch_bad_run", "GET", badRun);
    await call("branch_bad_tis", "GET", `${badRun}/taskInstances`);
    await call("branch_bad_xcoms", "GET", `${badRun}/taskInstances/choose/xcomEntries`);

    await call("run_patch_state", "PATCH", "/api/v2/dags/parity_ok/dagRuns/parity_run_1", {
      body: { state: "failed" },
    });
    await call("run_patch_bad_state_422", "PATCH", "/api/v2/dags/parity_ok/dagRuns/parity_run_1", {
      body: { state: "running" },
    });
    await call("run_delete", "DELETE", "/api/v2/dags/parity_ok/dagRuns/parity_run_1");
    await call("run_delete_404", "DELETE", "/api/v2/dags/parity_ok/dagRuns/parity_run_1");

    // import errors
    await call("import_errors", "GET", "/api/v2/importErrors");
    await call("import_errors_page2", "GET", "/api/v2/importErrors?limit=1&offset=1");

    // variables
    await call("variable_create", "POST", "/api/v2/variables", {
      body: { key: "parity_text", value: "hello", description: "a text" },
    });
    await call("variable_create_json", "POST", "/api/v2/variables", {
      body: { key: "parity_json", value: { a: [1, 2], b: "x" } },
    });
    await call("variable_create_409", "POST", "/api/v2/variables", {
      body: { key: "parity_text", value: "again" },
    });
    await call("variable_create_422", "POST", "/api/v2/variables", { body: { value: "no key" } });
    await call("variable_get", "GET", "/api/v2/variables/parity_json");
    await call("variable_patch", "PATCH", "/api/v2/variables/parity_text", {
      body: { key: "parity_text", value: "bye" },
    });
    await call("variable_patch_400", "PATCH", "/api/v2/variables/parity_text", {
      body: { key: "other", value: "bye" },
    });
    await call("variables_list", "GET", "/api/v2/variables?limit=1&offset=1");
    await call("variable_delete", "DELETE", "/api/v2/variables/parity_text");
    await call("variable_get_404", "GET", "/api/v2/variables/parity_text");
    await call("variable_delete_404", "DELETE", "/api/v2/variables/parity_text");
    // Values under sensitive names are answered as ***, by the key and by keys inside JSON.
    await call("variable_create_secret", "POST", "/api/v2/variables", {
      body: { key: "Parity-API.Token", value: "hunter2-secret" },
    });
    await call("variable_get_secret", "GET", "/api/v2/variables/Parity-API.Token");
    await call("variable_create_nested_secret", "POST", "/api/v2/variables", {
      body: {
        key: "parity_conn",
        value: { user: "u", password: "p4ss", port: 5432, nested: [{ api_key: "k", n: 1 }] },
      },
    });
    await call("variable_get_nested_secret", "GET", "/api/v2/variables/parity_conn");
    await call("variable_create_secret_dict", "POST", "/api/v2/variables", {
      body: { key: "parity_passwords", value: { a: "x", b: 2, c: ["y", true] } },
    });

    // pools
    await call("pools_list", "GET", "/api/v2/pools");
    await call("pool_create", "POST", "/api/v2/pools", { body: { name: "parity_pool", slots: 3 } });
    await call("pool_create_409", "POST", "/api/v2/pools", {
      body: { name: "parity_pool", slots: 3 },
    });
    await call("pool_create_422", "POST", "/api/v2/pools", {
      body: { name: "bad_pool", slots: -5 },
    });
    await call("pool_patch", "PATCH", "/api/v2/pools/parity_pool", {
      body: { name: "parity_pool", slots: 5, include_deferred: true, description: "for parity" },
    });
    await call("pool_patch_partial_422", "PATCH", "/api/v2/pools/parity_pool", {
      body: { slots: 6 },
    });
    await call("pool_patch_default", "PATCH", "/api/v2/pools/default_pool?update_mask=slots", {
      body: { slots: 64 },
    });
    await call("pool_patch_default_400", "PATCH", "/api/v2/pools/default_pool", {
      body: { description: "x" },
    });
    await call("pools_list_after", "GET", "/api/v2/pools?order_by=-name");
    // Connections: the password and extras under sensitive keys masked, *** kept on a patch.
    await call("connection_create", "POST", "/api/v2/connections", {
      body: {
        connection_id: "parity_conn",
        conn_type: "postgres",
        host: "db",
        port: 5432,
        password: "pw",
        extra: '{"sslmode":"require","api_key":"k","nested":{"token":"t"}}',
      },
    });
    await call("connection_create_409", "POST", "/api/v2/connections", {
      body: { connection_id: "parity_conn", conn_type: "http" },
    });
    await call("connection_create_422", "POST", "/api/v2/connections", {
      body: { connection_id: "bad id", conn_type: "http", port: "x", extra: "[1]", uri: "u" },
    });
    await call("connection_create_team_422", "POST", "/api/v2/connections", {
      body: { connection_id: "parity_t", conn_type: "http", team_name: "a" },
    });
    await call("connection_create_blank_extra", "POST", "/api/v2/connections", {
      body: { connection_id: "parity_blank", conn_type: "http", extra: "" },
    });
    await call("connection_get", "GET", "/api/v2/connections/parity_conn");
    await call("connection_patch_400", "PATCH", "/api/v2/connections/parity_conn", {
      body: { connection_id: "other", conn_type: "postgres" },
    });
    await call("connection_patch_merge", "PATCH", "/api/v2/connections/parity_conn", {
      body: {
        connection_id: "parity_conn",
        conn_type: "postgres",
        password: "***",
        extra: '{"sslmode": "disable", "api_key": "***"}',
      },
    });
    await call(
      "connection_patch_mask",
      "PATCH",
      "/api/v2/connections/parity_conn?update_mask=host&update_mask=password",
      { body: { connection_id: "parity_conn", conn_type: "mysql", host: "db2" } },
    );
    await call(
      "connections_list",
      "GET",
      "/api/v2/connections?order_by=-connection_id&limit=1&offset=1",
    );
    await call(
      "connections_list_prefix",
      "GET",
      "/api/v2/connections?connection_id_prefix_pattern=parity_|zz&connection_id_pattern=CONN",
    );
    await call("connections_list_400", "GET", "/api/v2/connections?order_by=password");
    await call("connection_delete", "DELETE", "/api/v2/connections/parity_conn");
    await call("connection_get_404", "GET", "/api/v2/connections/parity_conn");
    await call("connection_delete_404", "DELETE", "/api/v2/connections/parity_conn");
    await call("connection_patch_404", "PATCH", "/api/v2/connections/parity_conn", {
      body: { connection_id: "parity_conn", conn_type: "http" },
    });
    await call("connection_delete_blank", "DELETE", "/api/v2/connections/parity_blank");
    await call("pool_get_404", "GET", "/api/v2/pools/no_such_pool");
    await call("pool_delete_default_400", "DELETE", "/api/v2/pools/default_pool");
    await call("pool_delete", "DELETE", "/api/v2/pools/parity_pool");
    await call("pool_delete_404", "DELETE", "/api/v2/pools/parity_pool");

    // A task instance the scheduler cannot queue (its pool has no open slot) waits, scheduled:
    // the state before running that a real server holds still long enough to record. Queued
    // lasts only until the executor starts the task (well under a second on this LocalExecutor),
    // which no request can wait on, so it is read after the fact (queued_when).
    const held = "/api/v2/dags/parity_pool/dagRuns";
    await call("pool_create_held", "POST", "/api/v2/pools", {
      body: { name: "parity_held", slots: 0 },
    });
    await call("trigger_pool_held", "POST", held, {
      body: { dag_run_id: "parity_held_1", logical_date: null },
    });
    await waitForTi(call, `${held}/parity_held_1/taskInstances/held`, "scheduled", settle);
    await call("ti_get_scheduled", "GET", `${held}/parity_held_1/taskInstances/held`);
    await call("tis_list_scheduled", "GET", `${held}/parity_held_1/taskInstances?state=scheduled`);
    await call("ti_log_scheduled", "GET", `${held}/parity_held_1/taskInstances/held/logs/1`);
    await call("pool_get_held_scheduled", "GET", "/api/v2/pools/parity_held");
    await call("run_get_pool_held", "GET", `${held}/parity_held_1`);
    // Marked failed: the task instance not started is skipped.
    await call("run_patch_failed_pool_held", "PATCH", `${held}/parity_held_1`, {
      body: { state: "failed" },
    });
    await call("ti_get_skipped_pool_held", "GET", `${held}/parity_held_1/taskInstances/held`);
    // Another run, then a slot: queued, running, success. The PATCH's own answer is not
    // recorded: its queued_slots race the real scheduler.
    await call("trigger_pool_held_2", "POST", held, {
      body: { dag_run_id: "parity_held_2", logical_date: null },
    });
    await waitForTi(call, `${held}/parity_held_2/taskInstances/held`, "scheduled", settle);
    await call.fetch(`${call.baseUrl}/api/v2/pools/parity_held`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "parity_held", slots: 1, include_deferred: false }),
    });
    await waitForRun(call, "parity_pool", "parity_held_2", settle);
    await call("ti_get_after_pool_opened", "GET", `${held}/parity_held_2/taskInstances/held`);
    await call("pool_get_held_done", "GET", "/api/v2/pools/parity_held");
    await call("pool_delete_held", "DELETE", "/api/v2/pools/parity_held");
    // State filters and clear checks the fake once let through (a review, 2026-11-30).
    const run1 = "/api/v2/dags/parity_ok/dagRuns";
    await call("runs_list_bad_state_422", "GET", `${run1}?state=succeeded`);
    await call("runs_list_state_none", "GET", `${run1}?state=none`);
    await call(
      "tis_list_bad_state_422",
      "GET",
      "/api/v2/dags/~/dagRuns/~/taskInstances?state=done",
    );
    await call("tis_list_state_no_status", "GET", `${run1}/parity_run_1/taskInstances?state=none`);
    const clear = "/api/v2/dags/parity_fail/clearTaskInstances";
    await call("clear_both_only_422", "POST", clear, {
      body: { dag_run_id: "parity_fail_1", only_failed: true, only_running: true },
    });
    await call("clear_empty_task_ids_422", "POST", clear, {
      body: { dag_run_id: "parity_fail_1", task_ids: [] },
    });
    await call("clear_bad_dry_run_422", "POST", clear, {
      body: { dag_run_id: "parity_fail_1", dry_run: "nope" },
    });
    await call(
      "clear_include_past_no_logical_date_400",
      "POST",
      "/api/v2/dags/parity_ok/clearTaskInstances",
      {
        body: { dag_run_id: "parity_run_1", include_past: true },
      },
    );
    await call(
      "tis_order_by_task_id_400",
      "GET",
      "/api/v2/dags/~/dagRuns/~/taskInstances?order_by=task_id",
    );
    await call("runs_order_by_conf", "GET", `${run1}?order_by=conf`);
    await call("runs_order_by_comma_400", "GET", `${run1}?order_by=-run_after,id`);
    await call(
      "dags_order_by_next_dagrun",
      "GET",
      "/api/v2/dags?order_by=next_dagrun&dag_id_pattern=parity",
    );
    await call("unknown_route_404", "GET", "/api/v2/no_such_route");
    await call("unknown_route_post_405", "POST", "/api/v2/no_such_route", { body: {} });
    await call("wrong_method_405", "DELETE", "/api/v2/version");
    // Last, so the run it starts changes no answer above: conf null is stored as {}.
    await call("trigger_conf_null", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "parity_conf_null", logical_date: null, conf: null },
    });
    // The manual prefix is a manual run's own: taken (its answer is the last, like the one above).
    await call("trigger_manual_prefix", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "manual__by_hand", logical_date: null },
    });
    // A logical date before the DAG's start_date (2025-01-01): Airflow creates no task instance
    // and the run succeeds having run nothing (a review, 2027-01: the fake ran every task).
    await call("trigger_before_start_date", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      body: { dag_run_id: "parity_before_start", logical_date: "2024-06-01T00:00:00+00:00" },
    });
    const early = "/api/v2/dags/parity_ok/dagRuns/parity_before_start";
    await call("tis_list_before_start_date_at_trigger", "GET", `${early}/taskInstances`);
    await waitForRun(call, "parity_ok", "parity_before_start", settle);
    await call("run_get_before_start_date", "GET", early);
    await call("tis_list_before_start_date", "GET", `${early}/taskInstances`);
    await call("ti_get_before_start_date_404", "GET", `${early}/taskInstances/score`);
    await call(
      "xcom_get_before_start_date_404",
      "GET",
      `${early}/taskInstances/score/xcomEntries/return_value`,
    );
    // A task that starts a run of another DAG (TriggerDagRunOperator), last as it adds runs.
    const starter = "/api/v2/dags/parity_trigger/dagRuns/parity_trigger_1";
    await call("trigger_starter", "POST", "/api/v2/dags/parity_trigger/dagRuns", {
      body: { dag_run_id: "parity_trigger_1", logical_date: null },
    });
    await waitForRun(call, "parity_trigger", "parity_trigger_1", settle);
    await waitForRun(call, "parity_params", "parity_child_1", settle);
    await call("trigger_starter_tis", "GET", `${starter}/taskInstances`);
    await call("trigger_starter_xcoms", "GET", `${starter}/taskInstances/start/xcomEntries`);
    await call(
      "trigger_starter_run_id",
      "GET",
      `${starter}/taskInstances/start/xcomEntries/trigger_run_id`,
    );
    await call(
      "trigger_starter_link",
      "GET",
      `${starter}/taskInstances/start/xcomEntries/_link_TriggerDagRunLink`,
    );
    await call("trigger_child_run", "GET", "/api/v2/dags/parity_params/dagRuns/parity_child_1");
    await call(
      "trigger_child_runs_by_type",
      "GET",
      "/api/v2/dags/parity_params/dagRuns?run_type=operator_triggered",
    );
    const again = "/api/v2/dags/parity_trigger_again/dagRuns/parity_again_1";
    await call("trigger_again", "POST", "/api/v2/dags/parity_trigger_again/dagRuns", {
      body: { dag_run_id: "parity_again_1", logical_date: null },
    });
    await waitForRun(call, "parity_trigger_again", "parity_again_1", settle);
    await call("trigger_again_run", "GET", again);
    await call("trigger_again_tis", "GET", `${again}/taskInstances`);
    await call("trigger_again_xcoms", "GET", `${again}/taskInstances/again/xcomEntries`);
    await call("trigger_again_skip_xcoms", "GET", `${again}/taskInstances/again_skip/xcomEntries`);
    await call("trigger_nowhere_xcoms", "GET", `${again}/taskInstances/nowhere/xcomEntries`);
    const waiting = "/api/v2/dags/parity_trigger_wait/dagRuns/parity_wait_1";
    await call("trigger_wait", "POST", "/api/v2/dags/parity_trigger_wait/dagRuns", {
      body: { dag_run_id: "parity_wait_1", logical_date: null },
    });
    await waitForRun(call, "parity_trigger_wait", "parity_wait_1", settle);
    await call("trigger_wait_run", "GET", waiting);
    await call("trigger_wait_tis", "GET", `${waiting}/taskInstances`);
    await call("trigger_wait_child", "GET", "/api/v2/dags/parity_fail/dagRuns/parity_child_fail");
    await call(
      "trigger_wait_child_tis",
      "GET",
      "/api/v2/dags/parity_fail/dagRuns/parity_child_fail/taskInstances",
    );
  };
}

/** One user of each role below admin, on both sides (admin/admin is the harness's own). */
const ROLE_USERS = [
  { username: "parity_viewer", password: "viewer-pw", role: "viewer" },
  { username: "parity_user", password: "user-pw", role: "user" },
  { username: "parity_op", password: "op-pw", role: "op" },
] as const satisfies readonly AirflowFakeUser[];

/**
 * The roles scenario: each role, lowest first, logs in and makes the same reads and writes of
 * DAGs, runs, task instances, variables and pools; what it may not do is the server's 403, which
 * comes before the body's validation and before a missing DAG's 404. Runs and keys it makes are
 * its own, so it answers the same whether or not the first scenario ran before it.
 */
function rolesScenario(settle: () => void) {
  return async (call: Caller) => {
    const users = [...ROLE_USERS, { username: "admin", password: "admin", role: "admin" }];
    // Runs the first scenario left going hold pool slots and count as active runs.
    await waitForIdle(call, settle);
    // FastAPI reads a JSON body before any dependency: a bad one is 422 even without a token.
    await call("roles_bad_json_no_token_422", "POST", "/api/v2/dags/parity_ok/dagRuns", {
      raw: '{"logical_date": null,}',
      headers: { authorization: "none", "content-type": "application/json" },
    });
    await call("roles_token_wrong_password", "POST", "/auth/token", {
      body: { username: "parity_viewer", password: "admin" },
      headers: { authorization: "none" },
    });
    for (const [i, { username, password, role }] of users.entries()) {
      const token = await call(`${role}_token`, "POST", "/auth/token", {
        body: { username, password },
        headers: { authorization: "none" },
      });
      const headers = { authorization: `Bearer ${token.body.access_token}` };
      const as = (step: string, method: string, path: string, body?: unknown) =>
        call(`${role}_${step}`, method, path, body === undefined ? { headers } : { body, headers });
      const run = `roles_${role}`;
      // reads
      await as("dags_list", "GET", "/api/v2/dags?dag_id_pattern=parity");
      await as("dag_get", "GET", "/api/v2/dags/parity_ok");
      await as("dag_details", "GET", "/api/v2/dags/parity_ok/details");
      await as("dag_source", "GET", "/api/v2/dagSources/parity_ok");
      await as("import_errors", "GET", "/api/v2/importErrors");
      await as("pools_list", "GET", "/api/v2/pools");
      await as("pool_get_default", "GET", "/api/v2/pools/default_pool");
      await as("variable_get_404", "GET", "/api/v2/variables/roles_no_such_key");
      await as("variables_list", "GET", "/api/v2/variables?limit=1");
      await as("connections_list", "GET", "/api/v2/connections?limit=1");
      await as("connection_get_404", "GET", "/api/v2/connections/roles_no_such_conn");
      // DAGs: pause and unpause
      await as("dag_pause", "PATCH", "/api/v2/dags/parity_fail?update_mask=is_paused", {
        is_paused: true,
      });
      await as("dag_unpause", "PATCH", "/api/v2/dags/parity_fail", { is_paused: false });
      await as("dag_patch_404", "PATCH", "/api/v2/dags/no_such_dag", { is_paused: true });
      // runs: refused before validation and before the DAG is looked up
      await as("trigger_422", "POST", "/api/v2/dags/parity_ok/dagRuns", { dag_run_id: run });
      await as("trigger_404", "POST", "/api/v2/dags/no_such_dag/dagRuns", { logical_date: null });
      await call(`${role}_trigger_bad_json_422`, "POST", "/api/v2/dags/parity_ok/dagRuns", {
        raw: "{bad",
        headers: { ...headers, "content-type": "application/json" },
      });
      // A logical date before the DAG's start: the run has no task instance and ends at once.
      await as("trigger", "POST", "/api/v2/dags/parity_ok/dagRuns", {
        dag_run_id: run,
        logical_date: `2024-07-0${i + 1}T00:00:00+00:00`,
      });
      if (role !== "viewer") await waitForRun(call, "parity_ok", run, settle);
      await as("run_get", "GET", `/api/v2/dags/parity_ok/dagRuns/${run}`);
      await as("runs_list", "GET", `/api/v2/dags/parity_ok/dagRuns?run_id_pattern=roles_`);
      await as("tis_list", "GET", `/api/v2/dags/parity_ok/dagRuns/${run}/taskInstances`);
      // The run has no task instance: reads of one are 404s for every role.
      const ti = `/api/v2/dags/parity_ok/dagRuns/${run}/taskInstances/extract`;
      await as("ti_get_404", "GET", ti);
      await as("ti_log_404", "GET", `${ti}/logs/1`);
      await as("xcom_list", "GET", `${ti}/xcomEntries`);
      await as("xcom_get_404", "GET", `${ti}/xcomEntries/return_value`);
      await as("import_error_get_404", "GET", "/api/v2/importErrors/999999");
      await as("run_note", "PATCH", `/api/v2/dags/parity_ok/dagRuns/${run}`, {
        note: `by ${role}`,
      });
      await as("run_clear_dry", "POST", `/api/v2/dags/parity_ok/dagRuns/${run}/clear`, {
        dry_run: true,
      });
      await as("clear_tis_dry", "POST", "/api/v2/dags/parity_ok/clearTaskInstances", {
        dag_run_id: run,
      });
      await as("run_delete_404", "DELETE", "/api/v2/dags/parity_ok/dagRuns/roles_no_such_run");
      // variables
      const key = `roles_var_${role}`;
      await as("variable_create", "POST", "/api/v2/variables", { key, value: "v" });
      await as("variable_create_422", "POST", "/api/v2/variables", { value: "no key" });
      await as("variable_get", "GET", `/api/v2/variables/${key}`);
      await as("variable_patch", "PATCH", `/api/v2/variables/${key}`, { key, value: "w" });
      await as("variable_delete", "DELETE", `/api/v2/variables/${key}`);
      // pools
      const pool = `roles_pool_${role}`;
      await as("pool_create", "POST", "/api/v2/pools", { name: pool, slots: 2 });
      await as("pool_get", "GET", `/api/v2/pools/${pool}`);
      await as("pool_patch", "PATCH", `/api/v2/pools/${pool}`, {
        name: pool,
        slots: 3,
        include_deferred: false,
      });
      await as("pool_delete", "DELETE", `/api/v2/pools/${pool}`);
      await as("pool_delete_default", "DELETE", "/api/v2/pools/default_pool");
    }
  };
}

/** Fields that hold a host, process or server build: the value is replaced when set. */
const SCRUB = new Set(["hostname", "pid", "unixname", "version", "git_version", "rendered_fields"]);

/** Local normalization before parity.ts's: scrubbed fields and Airflow's random error reference. */
function scrub(steps: readonly Step[]): Step[] {
  const walk = (value: unknown, key?: string): unknown => {
    if (key !== undefined && SCRUB.has(key) && value !== null && value !== "") return `<${key}>`;
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value === "string") return value.replace(/look for ID \w+/g, "look for ID <ref>");
    return value;
  };
  // What a SkipMixin task followed or skipped: Airflow lists the ids in a set's order, which
  // varies from process to process (the fake sorts them).
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (!value || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        (k === "followed" || k === "skipped") && Array.isArray(v) ? [...v].sort() : sorted(v),
      ]),
    );
  };
  // A run a task started has the time it started it as its logical date (and data interval):
  // a time, where the other runs' are the dates the scenario gives.
  const started = (value: unknown, key?: string): unknown => {
    if (key !== undefined && STARTED_DATES.has(key) && typeof value === "string") return "<time>";
    if (Array.isArray(value)) return value.map((v) => started(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, started(v, k)]));
    }
    return value;
  };
  return steps.map((s) => {
    const body = sorted(walk(s.body));
    return { ...s, body: STARTED_RUN_STEPS.has(s.name) ? started(body) : body };
  });
}

/** The steps that read runs a TriggerDagRunOperator started, and the dates it gave them. */
const STARTED_RUN_STEPS = new Set([
  "trigger_child_run",
  "trigger_child_runs_by_type",
  "trigger_wait_child",
  "trigger_wait_child_tis",
]);
const STARTED_DATES = new Set(["logical_date", "data_interval_start", "data_interval_end"]);

const NORMALIZE = {
  // A cursor packs a row's sort keys, its id among them: opaque, like an id.
  idKeys: ["access_token", "id", "file_token", "next_cursor", "previous_cursor"],
  timeKeys: [
    "timestamp",
    "queued_at",
    "start_date",
    "end_date",
    "run_after",
    "last_scheduling_decision",
    "last_parsed_time",
    "last_parsed",
    "last_parse_duration",
    "created_at",
    "queued_when",
    "scheduled_when",
    "duration",
    "latest_scheduler_heartbeat",
    "latest_dag_processor_heartbeat",
  ],
};

type TiRow = { task_id: string; state: string | null; try_number: number };

/** Documented differences: each one says why the fake answers differently. */
const EXCEPTIONS: readonly Exception[] = [];

let airflow: AirflowServer | undefined;
let dagsFolder = "";
/** One fake for both scenarios, so it holds what the real server holds when the second starts. */
let fake: AirflowFake;

beforeAll(async () => {
  ensureEngines();
  dagsFolder = join(tempDir("mocks-parity"), "dags");
  mkdirSync(dagsFolder, { recursive: true });
  writeFileSync(join(dagsFolder, "parity_dags.py"), DAG_FILE);
  writeFileSync(join(dagsFolder, "broken_dag.py"), BROKEN_FILE);
  airflow = await startAirflow({ dagsFolder, triggerer: false, users: ROLE_USERS });
  fake = createAirflowFake({
    users: [...ROLE_USERS, { username: "admin", password: "admin", role: "admin" }],
  });
  seedFake(fake);
  // Wait until the dag-processor has parsed both DAGs and recorded the broken file.
  const f = authedFetch(airflow.url, fetch, airflow.username, airflow.password);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const [ok, failing, errors] = await Promise.all([
      f(`${airflow.url}/api/v2/dags/parity_ok`),
      f(`${airflow.url}/api/v2/dags/parity_fail`),
      f(`${airflow.url}/api/v2/importErrors`).then(
        (r) => r.json() as Promise<{ total_entries?: number }>,
      ),
    ]);
    if (ok.status === 200 && failing.status === 200 && (errors.total_entries ?? 0) >= 1) break;
    if (Date.now() > deadline) throw new Error(`DAGs not parsed in time:\n${airflow.logs()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
});

afterAll(async () => {
  await airflow?.stop();
});

/** One scenario's steps on the fake (settled between steps) and on the real server, as admin. */
async function recordBoth(make: (settle: () => void) => (call: Caller) => Promise<void>) {
  const server = airflow as AirflowServer;
  const fakeSteps = await record(
    "fake",
    fake.baseUrl,
    authedFetch(fake.baseUrl, fake.fetch, "admin", "admin"),
    make(() => fake.settle()),
  );
  const realSteps = await record(
    "real",
    server.url,
    authedFetch(server.url, fetch, server.username, server.password),
    make(() => {}),
  );
  return { fakeSteps, realSteps };
}

describe("Airflow fake parity with a real Airflow 3", () => {
  it("answers one scenario like the real server", async () => {
    const { fakeSteps, realSteps } = await recordBoth(scenario);
    // The scenario really exercised the flows on the real side (not two matching errors).
    const real = (name: string) => realSteps.find((s) => s.name === name) as Step;
    type Json = {
      state?: string;
      value?: unknown;
      total_entries?: number;
      task_instances?: TiRow[];
    };
    const body = (name: string) => real(name).body as Json;
    expect([
      body("run_get").state,
      body("run_get_failed").state,
      body("run_get_rerun").state,
    ]).toEqual(["success", "failed", "failed"]);
    expect(
      body("tis_list_rerun").task_instances?.map((t) => [t.task_id, t.state, t.try_number]),
    ).toEqual([
      ["prepare", "success", 1],
      ["boom", "failed", 2],
      ["publish", "upstream_failed", 0],
    ]);
    expect(body("xcom_get").value).toBe(42);
    expect(body("xcom_get_string").value).toBe("0.9");
    expect(body("xcom_get_string_deserialized").value).toBe(0.9);
    expect(body("import_errors").total_entries).toBe(1);
    // The real server paged the runs by cursor: more than one page, and back again.
    expect(typeof (body("runs_cursor_page1") as { next_cursor?: unknown }).next_cursor).toBe(
      "string",
    );
    expect(realSteps.map((s) => s.name)).toEqual(
      expect.arrayContaining(["runs_cursor_page2", "runs_cursor_back"]),
    );
    expect(real("trigger_duplicate_409").status).toBe(409);
    expect([
      real("trigger_reserved_400_scheduled__2024").status,
      body("trigger_reserved_400_scheduled__2024"),
    ]).toEqual([
      400,
      {
        detail:
          "A manual DAG run cannot use ID 'scheduled__2024' since it is reserved for scheduled runs",
      },
    ]);
    expect(real("trigger_manual_prefix").status).toBe(200);
    expect([real("trigger_params_400_type").status, real("trigger_params_ok").status]).toEqual([
      400, 200,
    ]);
    expect((body("trigger_params_400_type") as { detail?: string }).detail).toMatch(
      /^Invalid input for param n_estimators: 'fifty' is not of type 'integer'\n/,
    );
    // The real server held a task instance scheduled (a pool of 0 slots), then ran it.
    type Ti = { state?: string; try_number?: number; queued_when?: string | null };
    const tiOf = (name: string) => real(name).body as Ti;
    expect([
      tiOf("ti_get_scheduled").state,
      tiOf("ti_get_scheduled").try_number,
      tiOf("ti_get_scheduled").queued_when,
      tiOf("ti_get_skipped_pool_held").state,
      tiOf("ti_get_after_pool_opened").state,
      typeof tiOf("ti_get_after_pool_opened").queued_when,
    ]).toEqual(["scheduled", 1, null, "skipped", "success", "string"]);
    // The real server mapped: work into 3 instances (1 failed, twice after its clear), each
    // into none, literal into 2.
    expect(
      body("mapped_tis_after_clear").task_instances?.map(
        (t) =>
          `${t.task_id}[${(t as { map_index?: number }).map_index}] ${t.state} ${t.try_number}`,
      ),
    ).toEqual([
      "shards[-1] success 1",
      "collect[-1] upstream_failed 0",
      "nothing[-1] success 1",
      "each[-1] skipped 0",
      "after_each[-1] skipped 0",
      "work[0] success 1",
      "literal[0] success 1",
      "literal[1] success 1",
      "work[1] failed 2",
      "work[2] success 1",
    ]);
    expect(
      body("chain_tis").task_instances?.map(
        (t) => `${t.task_id}[${(t as { map_index?: number }).map_index}] ${t.state}`,
      ),
    ).toEqual([
      "numbers[-1] success",
      "square[0] success",
      "plus_one[0] success",
      "square[1] success",
      "plus_one[1] success",
      "square[2] success",
    ]);
    expect(body("chain_plus_one_xcom").value).toBe(10);
    expect(
      Object.fromEntries((body("rules_tis").task_instances ?? []).map((t) => [t.task_id, t.state])),
    ).toEqual({
      ok: "success",
      bad: "failed",
      cleanup: "success",
      alert: "success",
      any_ok: "success",
      none_failed: "upstream_failed",
      min_one: "upstream_failed",
      one_done: "success",
      done_min_one: "success",
      always: "success",
      all_failed: "skipped",
      no_skips: "skipped",
      all_skipped: "success",
      after_skip: "skipped",
      broken_list: "failed",
      each_done: "upstream_failed",
      not_a_list: "failed",
      each_char: "upstream_failed",
    });
    expect([body("rules_run").state, body("rules_leaf_run").state]).toEqual(["failed", "success"]);
    expect([
      body("sensor_ti_rescheduled").state,
      body("sensor_ti_done").state,
      (body("sensor_ti_done") as { try_number?: number }).try_number,
    ]).toEqual(["up_for_reschedule", "success", 1]);
    expect(
      (body("sensor_timeout_tis").task_instances ?? [])
        .map((t) => `${t.task_id} ${t.state} ${t.try_number}`)
        .sort(),
    ).toEqual([
      "after_soft skipped 0",
      "after_timeout upstream_failed 0",
      "corrupt failed 1",
      "corrupt_soft skipped 1",
      "never_found failed 1",
      "never_found_soft skipped 1",
    ]);
    for (const side of ["fake", "real"]) {
      expect(sensorTimeoutLogs[side]).toMatch(
        /AirflowSensorTimeout.*Sensor has timed out; run duration of \d+\.\d+ seconds exceeds the specified timeout of 3\.0\./,
      );
    }
    const statesOf = (name: string) =>
      (body(name).task_instances ?? []).map(
        (t) => `${t.task_id}[${(t as { map_index?: number }).map_index}] ${t.state}`,
      );
    expect([
      ...statesOf("limits_tis_while_first_runs"),
      ...statesOf("width_tis_while_first_runs"),
    ]).toEqual([
      "first[-1] running",
      "after_first[-1] null",
      "second[-1] scheduled",
      "slow[0] running",
      "slow[1] scheduled",
      "slow[2] scheduled",
    ]);
    // The try the instance -1 had before it expanded is map index 0's on the server.
    expect(
      [body("mapped_rerun_run").state].concat(
        (body("mapped_rerun_tries_0").task_instances ?? []).map(
          (t) => `${(t as { map_index?: number }).map_index} ${t.state} ${t.try_number}`,
        ),
      ),
    ).toEqual(["success", "0 upstream_failed 0", "0 success 1"]);

    // The real server skipped what the fake models: the side not followed and what follows it,
    // all after a falsy short-circuit but only what is right after a direct one; a skipped task
    // cleared was skipped again.
    const stateByTask = (step: string) =>
      Object.fromEntries((body(step).task_instances ?? []).map((t) => [t.task_id, t.state]));
    for (const step of ["branch_tis", "branch_tis_after_clear"]) {
      expect(stateByTask(step)).toMatchObject({
        deploy: "success",
        retrain: "skipped",
        after_retrain: "skipped",
        report: "success",
        joined: "success",
        gated: "skipped",
        gated_cleanup: "skipped",
        direct_next: "skipped",
        direct_cleanup: "success",
        go_next: "success",
        marker: "success",
        maybe: "skipped",
        after_maybe: "skipped",
        gate_none: "success",
        per_item: "skipped",
        lonely: "success",
      });
    }
    expect(stateByTask("branch_bad_tis")).toEqual({ choose: "failed", deploy: "upstream_failed" });
    // The teardown ran after the failed work, and the run failed by the work alone.
    for (const step of ["setup_tis", "setup_tis_after_clear"]) {
      expect(stateByTask(step)).toEqual({ create: "success", work: "failed", delete: "success" });
    }
    expect([body("setup_run").state, body("setup_run_after_clear").state]).toEqual([
      "failed",
      "failed",
    ]);
    expect((body("setup_clear_work").task_instances ?? []).map((t) => t.task_id).sort()).toEqual([
      "create",
      "delete",
      "work",
    ]);
    // A run marked failed while its work ran: its teardown ran, and the scheduler ended it.
    expect(body("setup_patch_failed").state).toBe("running");
    expect(stateByTask("setup_patch_tis")).toEqual({
      create: "success",
      work: "failed",
      delete: "success",
    });
    expect(body("setup_patch_run").state).toBe("failed");

    // The real server's TriggerDagRunOperator started its runs, failed on one already there (no
    // retry), skipped with skip_when_already_exists, failed (and retried) on a DAG it does not
    // have, and failed with the run it waited for.
    type Row = { task_id?: string; state?: string; try_number?: number };
    const rows = (name: string) =>
      ((body(name) as { task_instances?: Row[] }).task_instances ?? []).map((t) => [
        t.task_id,
        t.state,
        t.try_number,
      ]);
    expect(body("trigger_child_run")).toMatchObject({
      run_type: "operator_triggered",
      triggered_by: "operator",
      conf: { n_estimators: 7 },
      state: "success",
    });
    expect(typeof (body("trigger_child_run") as { logical_date?: unknown }).logical_date).toBe(
      "string",
    );
    expect(rows("trigger_starter_tis")).toEqual([["start", "success", 1]]);
    expect(rows("trigger_again_tis")).toEqual([
      ["again", "failed", 1],
      ["again_skip", "skipped", 1],
      ["nowhere", "failed", 2],
    ]);
    expect(rows("trigger_wait_tis")).toEqual([["start_and_wait", "failed", 1]]);
    expect(body("trigger_starter_run_id").value).toBe("parity_child_1");
    expect([body("run_get_before_start_date").state, body("tis_list_before_start_date")]).toEqual([
      "success",
      expect.objectContaining({ task_instances: [], total_entries: 0 }),
    ]);
    const fakeNorm = normalize(scrub(fakeSteps), {
      ...NORMALIZE,
      replace: [[FAKE_DAGS, "<dags>"]],
    });
    const realNorm = normalize(scrub(realSteps), {
      ...NORMALIZE,
      replace: [[dagsFolder, "<dags>"]],
    });
    const report = compare(fakeNorm, realNorm, EXCEPTIONS);
    for (const d of report.differences) {
      console.log(
        `--- ${d.step}\nfake: ${JSON.stringify(d.fake)}\nreal: ${JSON.stringify(d.real)}`,
      );
    }
    console.log(
      `parity: ${report.compared} steps compared, ${EXCEPTIONS.length} documented exceptions`,
    );
    expect(report.differences.map((d) => d.step)).toEqual([]);
    expect(report.staleExceptions).toEqual([]);
    expect(report.compared).toBeGreaterThanOrEqual(35);
    for (const e of EXCEPTIONS) expect(e.why.length).toBeGreaterThan(20);
  });

  it("answers each role's requests like the real server", async () => {
    const { fakeSteps, realSteps } = await recordBoth(rolesScenario);
    // The real server did refuse and allow: the roles differ where SimpleAuthManager says.
    const status = (step: string) => realSteps.find((s) => s.name === step)?.status;
    const byRole = (step: string) =>
      ["viewer", "user", "op", "admin"].map((r) => status(`${r}_${step}`));
    expect(byRole("dag_get")).toEqual([200, 200, 200, 200]);
    expect(byRole("trigger")).toEqual([403, 200, 200, 200]);
    expect(byRole("trigger_422")).toEqual([403, 422, 422, 422]);
    expect(byRole("dag_pause")).toEqual([403, 200, 200, 200]);
    expect(byRole("variable_get_404")).toEqual([403, 403, 404, 404]);
    expect(byRole("pool_create")).toEqual([403, 403, 201, 201]);
    expect(realSteps.find((s) => s.name === "viewer_trigger")?.body).toEqual({
      detail: "Forbidden",
    });
    const fakeNorm = normalize(scrub(fakeSteps), {
      ...NORMALIZE,
      replace: [[FAKE_DAGS, "<dags>"]],
    });
    const realNorm = normalize(scrub(realSteps), {
      ...NORMALIZE,
      replace: [[dagsFolder, "<dags>"]],
    });
    const report = compare(fakeNorm, realNorm);
    for (const d of report.differences) {
      console.log(
        `--- ${d.step}\nfake: ${JSON.stringify(d.fake)}\nreal: ${JSON.stringify(d.real)}`,
      );
    }
    console.log(`roles parity: ${report.compared} steps compared`);
    expect(report.differences.map((d) => d.step)).toEqual([]);
    expect(report.compared).toBeGreaterThanOrEqual(150);
  });
});
