/**
 * Real engines: the DAG files `mlgen lint` says Airflow refuses for a duplicate task id
 * (duplicate-task-id, MLG2015), a dependency cycle (dependency-cycle, MLG2016), an id, trigger
 * rule, schedule or start date it does not take (invalid-argument, MLG2017) or a dependency
 * between two DAGs (cross-dag-dependency, MLG2019) are exactly the ones real Airflow 3 and
 * Airflow 2 (each from its pinned venv) fail to import for that reason, and the @dag function
 * it says is never called (dag-never-called, MLG2018) is the one whose DAG Airflow does not
 * load; a scheduled DAG without a start date is refused by Airflow 2 (and by Airflow 3 with
 * catchup=True), so is one whose params' defaults do not validate, a module Airflow 3 removed by
 * Airflow 3 unless a try / except ImportError gives
 * it a fallback (airflow3-removed), each linted for the version it runs on: every file of the
 * table below is imported
 * with the DagBag (test/python/inspect_dags.py) and linted, and the two verdicts are compared
 * file by file. The table holds both sides: the shapes that are refused, and near misses that
 * Airflow takes (a TaskFlow function called twice, ids in two branches, a loop over a name, a
 * @task_group called twice, two DAGs with the same ids, chained lists, ...). The same DagBags
 * say which DAGs catch up without asking (Airflow 2's default), and how many runs unpausing them
 * starts: implicit-catchup reports exactly those on Airflow 2, with that count, and none on 3.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lintPythonSource } from "../../packages/lint/src/index.js";
import { DAG_HEAD as HEAD } from "./dag-head.js";
import {
  AIRFLOW2_PYTHON,
  ensureEngines,
  type InspectedDags,
  inspectDags,
  PYTHON,
  tempDir,
} from "./harness.js";

const dag = (id: string, body: string) =>
  `${HEAD}\nwith DAG("${id}", schedule=None, start_date=START):\n${body
    .trim()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")}\n`;

const PROVIDERS = `from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
`;

const BASH_IMPORT = `try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator
`;

const PARAM_IMPORT = `try:
    from airflow.sdk import Param
except ImportError:
    from airflow.models.param import Param
`;

/** A DAG with these params (a dict's source) and other arguments. */
const params = (id: string, args: string, dict: string) =>
  `${HEAD}${PARAM_IMPORT}\nwith DAG("${id}", ${args}, params=${dict}):\n    EmptyOperator(task_id="a")\n`;

/**
 * File name → source. `dup_` files are refused for a duplicate id, `cycle_` ones for a cycle,
 * `bad_` ones for an id or trigger rule.
 */
/** A scheduled DAG of one EmptyOperator, with these arguments and imports. */
const timed = (id: string, args: string, imports = "") =>
  `${HEAD}from datetime import timedelta\nfrom airflow.timetables.trigger import CronTriggerTimetable\n${imports}\nwith DAG("${id}", ${args}):\n    EmptyOperator(task_id="a")\n`;

const FILES: Record<string, string> = {
  // Scheduled in time without catchup: Airflow 2 backfills them (implicit-catchup), Airflow 3 not.
  "backfill_daily.py": timed(
    "backfill_daily",
    `schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC")`,
  ),
  "backfill_default.py": timed("backfill_default", "start_date=pendulum.datetime(2025, 3, 15)"),
  "backfill_weekdays.py": timed(
    "backfill_weekdays",
    `schedule="30 2 * * 1-5", default_args={"start_date": LATER}`,
    `LATER = pendulum.datetime(2025, 6, 1, 12, tz="UTC")`,
  ),
  "backfill_every_6h.py": timed(
    "backfill_every_6h",
    "schedule=timedelta(hours=6), start_date=pendulum.datetime(2025, 1, 1)",
  ),
  "backfill_ended.py": timed(
    "backfill_ended",
    'schedule="@hourly", start_date=pendulum.datetime(2025, 11, 1), end_date=pendulum.datetime(2025, 11, 3)',
  ),
  "backfill_trigger.py": timed(
    "backfill_trigger",
    `schedule=CronTriggerTimetable("0 0 * * *", timezone="UTC"), start_date=START`,
  ),
  "backfill_future.py": timed(
    "backfill_future",
    `schedule="@daily", start_date=pendulum.datetime(2999, 1, 1)`,
  ),
  "backfill_decorated.py": `${HEAD}\n@dag(schedule="@weekly", start_date=pendulum.datetime(2025, 1, 1))\ndef backfill_decorated():\n    EmptyOperator(task_id="a")\n\n\nbackfill_decorated()\n`,
  "ok_catchup_off.py": timed(
    "ok_catchup_off",
    `schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), catchup=False`,
  ),
  "ok_catchup_on.py": timed(
    "ok_catchup_on",
    `schedule="@daily", start_date=pendulum.datetime(2026, 11, 1), catchup=True`,
  ),
  "ok_catchup_once.py": timed("ok_catchup_once", `schedule="@once", start_date=START`),
  "dup_twice.py": dag(
    "dup_twice",
    `a = EmptyOperator(task_id="extract")\nb = EmptyOperator(task_id="extract")\na >> b`,
  ),
  "dup_loop_list.py": dag(
    "dup_loop_list",
    `for table in ["orders", "users"]:\n    EmptyOperator(task_id="load")`,
  ),
  "dup_loop_tuple_nested_with.py": dag(
    "dup_loop_tuple",
    `for table in ("orders", "users", "items"):\n    with TaskGroup("stage_" + "x") as tg:\n        pass\n    EmptyOperator(task_id="audit")`,
  ),
  "dup_in_group.py": dag(
    "dup_in_group",
    `with TaskGroup("load"):\n    EmptyOperator(task_id="copy")\n    EmptyOperator(task_id="copy")`,
  ),
  "dup_no_prefix.py": dag(
    "dup_no_prefix",
    `with TaskGroup("eu", prefix_group_id=False):\n    EmptyOperator(task_id="copy")\nwith TaskGroup("us", prefix_group_id=False):\n    EmptyOperator(task_id="copy")`,
  ),
  "dup_dag_kwarg.py": `${HEAD}\nd = DAG("dup_dag_kwarg", schedule=None, start_date=START)\nEmptyOperator(task_id="a", dag=d)\nEmptyOperator(task_id="a", dag=d)\n`,
  "cycle_two.py": dag(
    "cycle_two",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\na >> b\nb >> a`,
  ),
  "cycle_swap.py": dag(
    "cycle_swap",
    `x = EmptyOperator(task_id="x")\ny = EmptyOperator(task_id="y")\nx >> y\nx, y = y, x\nx >> y`,
  ),
  "ok_tuple_assign.py": dag(
    "ok_tuple_assign",
    `load, report = EmptyOperator(task_id="load"), EmptyOperator(task_id="report")\nload >> report\nfirst, second = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")\nfirst, second = second, first\nfirst >> second\nhead, tail = (EmptyOperator(task_id="c"), EmptyOperator(task_id="d"))\nhead >> tail`,
  ),
  "cycle_self.py": dag("cycle_self", `a = EmptyOperator(task_id="a")\na >> a`),
  "cycle_chain.py": dag(
    "cycle_chain",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\nchain(a, [b, c])\nc.set_downstream(a)`,
  ),
  "cycle_group.py": dag(
    "cycle_group",
    `with TaskGroup("g") as g:\n    x = EmptyOperator(task_id="x")\n    y = EmptyOperator(task_id="y")\n    x >> y\nz = EmptyOperator(task_id="z")\ng >> z >> g`,
  ),
  "cycle_taskflow.py": dag(
    "cycle_taskflow",
    `@task\ndef make():\n    return 1\n\n@task\ndef use(v):\n    return v\n\nm = make()\nu = use(m)\nu >> m`,
  ),
  "cycle_list.py": dag(
    "cycle_list",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\n[a, b] >> c\nb << c`,
  ),
  "bad_task_id.py": dag("bad_task_id", `EmptyOperator(task_id="load orders")`),
  "bad_long_task_id.py": dag("bad_long_task_id", `EmptyOperator(task_id="${"x".repeat(251)}")`),
  "bad_dag_id.py": dag("daily sales", `EmptyOperator(task_id="a")`),
  "bad_group_id.py": dag(
    "bad_group_id",
    `with TaskGroup("load.eu"):\n    EmptyOperator(task_id="a")`,
  ),
  "bad_trigger_rule.py": dag(
    "bad_trigger_rule",
    `EmptyOperator(task_id="a", trigger_rule="all_sucess")`,
  ),
  "bad_trigger_member.py": dag(
    "bad_trigger_member",
    `EmptyOperator(task_id="a", trigger_rule=TriggerRule.ALL_SUCESS)`,
  ),
  "bad_default_trigger.py": `${HEAD}\nwith DAG("bad_default_trigger", schedule=None, start_date=START, default_args={"trigger_rule": "one_sucess"}):\n    EmptyOperator(task_id="a")\n`,
  "bad_schedule_cron.py": `${HEAD}\nwith DAG("bad_schedule_cron", schedule="0 25 * * *", start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "bad_schedule_preset.py": `${HEAD}\nwith DAG("bad_schedule_preset", schedule="@dialy", start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "bad_schedule_word.py": `${HEAD}\nwith DAG("bad_schedule_word", schedule="daily", start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "bad_start_date.py": `${HEAD}\nwith DAG("bad_start_date", schedule="@daily", start_date="2026-01-01"):\n    EmptyOperator(task_id="a")\n`,
  "ok_default_start_date.py": `${HEAD}\nwith DAG("ok_default_start_date", schedule="@daily", default_args={"start_date": "2026-01-01"}):\n    EmptyOperator(task_id="a")\n`,
  "cross_two_dags.py": `${HEAD}\nwith DAG("cross_a", schedule=None, start_date=START):\n    a = EmptyOperator(task_id="a")\nwith DAG("cross_b", schedule=None, start_date=START):\n    b = EmptyOperator(task_id="b")\na >> b\n`,
  "cross_dag_kwarg.py": `${HEAD}\nd1 = DAG("cross_c", schedule=None, start_date=START)\nd2 = DAG("cross_d", schedule=None, start_date=START)\nx = EmptyOperator(task_id="x", dag=d1)\ny = EmptyOperator(task_id="y", dag=d2)\ny.set_upstream(x)\n`,
  "uncalled_dag.py": `${HEAD}\n@dag(schedule=None, start_date=START)\ndef uncalled_dag():\n    EmptyOperator(task_id="a")\n`,
  // Airflow imports the file under a module name of its own: the __main__ block never runs.
  "uncalled_main_only.py": `${HEAD}\n@dag(schedule=None, start_date=START)\ndef uncalled_main_only():\n    EmptyOperator(task_id="a")\n\nif __name__ == "__main__":\n    uncalled_main_only().test()\n`,
  "ok_main_and_module.py": `${HEAD}\n@dag(schedule=None, start_date=START)\ndef ok_main_and_module():\n    EmptyOperator(task_id="a")\n\nbuilt = ok_main_and_module()\nif __name__ == "__main__":\n    built.test()\n`,
  "bad_python_callable_call.py": `${HEAD}\ntry:\n    from airflow.providers.standard.operators.python import PythonOperator\nexcept ImportError:\n    from airflow.operators.python import PythonOperator\n\ndef load():\n    print("loading")\n\nwith DAG("bad_python_callable_call", schedule=None, start_date=START):\n    PythonOperator(task_id="load", python_callable=load())\n`,
  // A group made outside any DAG (dag= given to the group only) puts its tasks in none.
  "orphan_group_task.py": `${HEAD}\nd = DAG("orphan_group_task", schedule=None, start_date=START)\nEmptyOperator(task_id="a", dag=d)\nwith TaskGroup("grp", dag=d, prefix_group_id=False) as g:\n    EmptyOperator(task_id="b", task_group=g)\n`,
  "ok_group_task.py": `${HEAD}\nwith DAG("ok_group_task", schedule=None, start_date=START):\n    with TaskGroup("grp", prefix_group_id=False) as g:\n        EmptyOperator(task_id="a")\n    EmptyOperator(task_id="b", task_group=g)\n`,
  // A DAG made by a plain call in a loop is found only through the module's names.
  "lost_loop_dags.py": `${HEAD}\nfor name in ["lost_loop_dags", "lost_loop_dags_last"]:\n    d = DAG(name, schedule=None, start_date=START)\n    EmptyOperator(task_id="a", dag=d)\n`,
  "lost_listed_dags.py": `${HEAD}\nDAGS = []\nfor name in ["lost_listed_dags", "lost_listed_dags_2"]:\n    DAGS.append(DAG(name, schedule=None, start_date=START))\n`,
  "ok_loop_globals.py": `${HEAD}\nfor name in ["ok_loop_globals", "ok_loop_globals_2"]:\n    d = DAG(name, schedule=None, start_date=START)\n    EmptyOperator(task_id="a", dag=d)\n    globals()[name] = d\n`,
  "ok_loop_with.py": `${HEAD}\nfor name in ["ok_loop_with", "ok_loop_with_2"]:\n    d = DAG(name, schedule=None, start_date=START)\n    with d:\n        EmptyOperator(task_id="a")\n`,
  // A factory returning a DAG no with block enters: its module-level call keeps it only when a
  // module-level name holds what it returns.
  "lost_factory_loop.py": `${HEAD}\ndef make(name):\n    d = DAG(name, schedule=None, start_date=START)\n    EmptyOperator(task_id="a", dag=d)\n    return d\n\n\nfor name in ["lost_factory_loop", "lost_factory_loop_last"]:\n    dag = make(name)\n`,
  "lost_factory_call.py": `${HEAD}\ndef make(name):\n    return DAG(name, schedule=None, start_date=START)\n\n\nmake("lost_factory_call")\nok_factory_kept = make("ok_factory_kept")\n`,
  "ok_factory_with.py": `${HEAD}\ndef make(name):\n    with DAG(name, schedule=None, start_date=START) as d:\n        EmptyOperator(task_id="a")\n    return d\n\n\nfor name in ["ok_factory_with", "ok_factory_with_2"]:\n    make(name)\n`,
  "ok_factory_globals.py": `${HEAD}\ndef make(name):\n    d = DAG(name, schedule=None, start_date=START)\n    EmptyOperator(task_id="a", dag=d)\n    return d\n\n\nfor name in ["ok_factory_globals", "ok_factory_globals_2"]:\n    globals()[name] = make(name)\n`,
  // A DAG's context entered by hand: the tasks made until it is left are the DAG's.
  "ok_enter_by_hand.py": `${HEAD}\nd = DAG("ok_enter_by_hand", schedule=None, start_date=START)\nd.__enter__()\nEmptyOperator(task_id="b")\nd.__exit__(None, None, None)\n`,
  "orphan_task.py": `${HEAD}\nd = DAG("orphan_task", schedule=None, start_date=START)\na = EmptyOperator(task_id="a", dag=d)\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\na >> c\n`,
  "bad_operator_kwarg.py": dag("bad_operator_kwarg", `EmptyOperator(task_id="a", retires=3)`),
  "bad_pod_kwarg.py": `${HEAD}${PROVIDERS}\nwith DAG("bad_pod_kwarg", schedule=None, start_date=START):\n    KubernetesPodOperator(task_id="train", image="trainer:1", namespce="ml", cmds=["python"])\n`,
  "bad_sql_kwarg.py": `${HEAD}${PROVIDERS}\nwith DAG("bad_sql_kwarg", schedule=None, start_date=START):\n    SQLExecuteQueryOperator(task_id="q", conn_id="pg", sql="select 1", paramaters={"a": 1})\n`,
  "ok_provider_kwargs.py": `${HEAD}${PROVIDERS}\nwith DAG("ok_provider_kwargs", schedule=None, start_date=START):\n    KubernetesPodOperator(task_id="train", image="trainer:1", namespace="ml", cmds=["python"], arguments=["train.py"], env_vars={"A": "1"}, get_logs=True, on_finish_action="delete_pod", retries=2)\n    SQLExecuteQueryOperator(task_id="q", conn_id="pg", sql="select 1", parameters={"a": 1}, split_statements=True, return_last=False)\n`,
  // A schedule and no start date: Airflow 2 refuses it; Airflow 3 only with catchup=True.
  "bad_catchup_no_start.py": `${HEAD}\nwith DAG("bad_catchup_no_start", schedule="@daily", catchup=True):\n    EmptyOperator(task_id="a")\n`,
  "bad_catchup_no_start_deco.py": `${HEAD}\n@dag(schedule="0 3 * * *", catchup=True)\ndef bad_catchup_no_start_deco():\n    EmptyOperator(task_id="a")\n\nbad_catchup_no_start_deco()\n`,
  "v2bad_no_start.py": `${HEAD}\nwith DAG("v2bad_no_start", schedule="@daily"):\n    EmptyOperator(task_id="a")\n`,
  "v2bad_no_start_deco.py": `${HEAD}\n@dag(schedule="0 3 * * *", tags=["x"])\ndef v2bad_no_start_deco():\n    EmptyOperator(task_id="a")\n\nv2bad_no_start_deco()\n`,
  "ok_no_start.py": `${HEAD}\nwith DAG("ok_no_start_none", schedule=None, catchup=True):\n    EmptyOperator(task_id="a")\nwith DAG("ok_no_start_default", schedule="@daily", catchup=True, default_args={"start_date": START}):\n    EmptyOperator(task_id="a")\nwith DAG("ok_no_start_empty", schedule=[]):\n    EmptyOperator(task_id="a")\nwith DAG("ok_no_start_unscheduled"):\n    EmptyOperator(task_id="a")\n`,
  // A scheduled DAG validates its params' defaults (Airflow 2 schedules one daily when no
  // schedule is given).
  "bad_param_no_default.py": params(
    "bad_param_no_default",
    'schedule="@daily", start_date=START',
    '{"epochs": Param(type="integer")}',
  ),
  "bad_param_none_string.py": params(
    "bad_param_none_string",
    'schedule="@daily", start_date=START',
    '{"model": Param(None, type="string")}',
  ),
  "bad_param_type.py": params(
    "bad_param_type",
    'schedule="0 3 * * *", start_date=START',
    '{"epochs": Param("10", type="integer")}',
  ),
  "bad_param_enum.py": params(
    "bad_param_enum",
    'schedule="@daily", start_date=START',
    '{"model": Param("xgb", enum=["lgbm", "rf"])}',
  ),
  "bad_param_minimum.py": params(
    "bad_param_minimum",
    'schedule="@daily", start_date=START',
    '{"epochs": Param(0, type="integer", minimum=1)}',
  ),
  "bad_param_exclusive.py": params(
    "bad_param_exclusive",
    'schedule="@daily", start_date=START',
    '{"lr": Param(0.0, type="number", exclusiveMinimum=0)}',
  ),
  "bad_param_max_length.py": params(
    "bad_param_max_length",
    'schedule="@daily", start_date=START',
    '{"model": Param("resnet152_large", type="string", maxLength=8)}',
  ),
  // 0.3 / 0.1 is 2.9999999999999996 in floating point: jsonschema refuses it.
  "bad_param_multiple_of.py": params(
    "bad_param_multiple_of",
    'schedule="@daily", start_date=START',
    '{"dropout": Param(0.3, type="number", multipleOf=0.1)}',
  ),
  "bad_param_pattern.py": params(
    "bad_param_pattern",
    'schedule="@daily", start_date=START',
    '{"version": Param("v1.2", type="string", pattern=r"^v\\d+$")}',
  ),
  "bad_param_format_date.py": params(
    "bad_param_format_date",
    'schedule="@daily", start_date=START',
    '{"day": Param("01/02/2024", type="string", format="date")}',
  ),
  "bad_param_format_leap.py": params(
    "bad_param_format_leap",
    'schedule="@daily", start_date=START',
    '{"day": Param("2025-02-29", type="string", format="date")}',
  ),
  "bad_param_format_email.py": params(
    "bad_param_format_email",
    'schedule="@daily", start_date=START',
    '{"owner": Param("ml-team", type="string", format="email")}',
  ),
  "bad_param_format_ipv4.py": params(
    "bad_param_format_ipv4",
    'schedule="@daily", start_date=START',
    '{"host": Param("10.0.0.01", type="string", format="ipv4")}',
  ),
  "bad_param_format_uuid.py": params(
    "bad_param_format_uuid",
    'schedule="@daily", start_date=START',
    '{"run": Param("1234-abcd", type="string", format="uuid")}',
  ),
  "bad_param_min_items.py": params(
    "bad_param_min_items",
    'schedule="@daily", start_date=START',
    '{"features": Param(["age"], type="array", minItems=2)}',
  ),
  "bad_param_max_items.py": params(
    "bad_param_max_items",
    'schedule="@daily", start_date=START',
    '{"features": Param(["age", "tenure", "plan"], type="array", maxItems=2)}',
  ),
  // 1 and 1.0 are one value to jsonschema.
  "bad_param_unique_items.py": params(
    "bad_param_unique_items",
    'schedule="@daily", start_date=START',
    '{"folds": Param([1, 2, 1.0], type="array", uniqueItems=True)}',
  ),
  "bad_param_const.py": params(
    "bad_param_const",
    'schedule="@daily", start_date=START',
    '{"mode": Param("full", const="quick")}',
  ),
  "bad_param_enum_number.py": params(
    "bad_param_enum_number",
    'schedule="@daily", start_date=START',
    '{"k": Param(4, enum=[1, 2, 3])}',
  ),
  "v2bad_param_unscheduled.py": params(
    "v2bad_param_unscheduled",
    "start_date=START",
    '{"epochs": Param(type="integer")}',
  ),
  "ok_params.py": `${params(
    "ok_params_defaults",
    'schedule="@daily", start_date=START',
    '{"epochs": Param(10, type="integer"), "lr": Param(5, type="number"), "n": Param(3.0, type="integer"), "model": "xgb", "m2": Param("rf", enum=["lgbm", "rf"], type="string"), "m3": Param(None, type=["null", "string"]), "b1": Param(1, type="integer", minimum=1, maximum=1), "b2": Param(0.5, type="number", exclusiveMinimum=0, exclusiveMaximum=1), "b3": Param("abc", type="string", minLength=3, maxLength=3), "b4": Param(-1, type="integer", minimum=-5), "b5": Param("naïve", type="string", maxLength=5), "b6": Param(10, type="integer", multipleOf=5), "b7": Param(0.75, type="number", multipleOf=0.25), "b8": Param("v12", type="string", pattern=r"^v\\d+$"), "b9": Param("run-2025-01", type="string", pattern="\\\\d{4}"), "b10": Param(4.5, type="number", multipleOf=1.5), "f1": Param("2024-02-29", type="string", format="date"), "f2": Param("a@b", type="string", format="email"), "f3": Param("0.0.0.0", type="string", format="ipv4"), "f4": Param("{12345678-1234-5678-1234-567812345678}"[1:-1], type="string", format="uuid"), "f5": Param("12345678-1234-5678-1234-567812345678", type="string", format="uuid"), "a1": Param(["age", "plan"], type="array", minItems=2, maxItems=2, uniqueItems=True), "a2": Param([True, 1], type="array", uniqueItems=True), "c1": Param("quick", const="quick"), "c2": Param(2, const=2.0), "e1": Param(2.0, enum=[1, 2, 3]), "e2": Param(True, enum=[True, 0])}',
  )}with DAG("ok_params_triggered", schedule=None, start_date=START, params={"epochs": Param(type="integer")}):\n    EmptyOperator(task_id="a")\n`,
  // A TaskFlow call is bound to its function's signature when the DAG is built.
  "bad_taskflow_missing.py": dag(
    "bad_taskflow_missing",
    `@task\ndef train(data_path: str, epochs: int = 3):\n    return 1\n\ntrain()`,
  ),
  // A decorator under @task hands it a function of another signature (a wrapper's).
  "ok_taskflow_wrapped.py": `${HEAD}\ndef with_conn(fn):\n    def wrapper(*args, **kwargs):\n        return fn("conn", *args, **kwargs)\n\n    return wrapper\n\n\nwith DAG("ok_taskflow_wrapped", schedule=None, start_date=START):\n\n    @task\n    @with_conn\n    def load(conn, table, ds="2025-01-01"):\n        return 1\n\n    load("orders")\n`,
  "bad_taskflow_positional.py": dag(
    "bad_taskflow_positional",
    `@task\ndef train(data_path):\n    return 1\n\ntrain("a", "b")`,
  ),
  "bad_taskflow_keyword.py": dag(
    "bad_taskflow_keyword",
    `@task\ndef train(data_path, epochs=1):\n    return 1\n\ntrain(data_path="a", epoch=3)`,
  ),
  "bad_taskflow_expand.py": dag(
    "bad_taskflow_expand",
    `@task\ndef fit(x):\n    return x\n\nfit.expand(y=[1, 2])`,
  ),
  // A list shifted by a list (Python's TypeError), chain() over lists of two lengths.
  "bad_shift_lists.py": dag(
    "bad_shift_lists",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\nd = EmptyOperator(task_id="d")\n[a, b] >> [c, d]`,
  ),
  "bad_shift_chained_lists.py": dag(
    "bad_shift_chained_lists",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\nd = EmptyOperator(task_id="d")\ne = EmptyOperator(task_id="e")\na >> [b, c] >> [d, e]`,
  ),
  "bad_chain_lengths.py": dag(
    "bad_chain_lengths",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\nd = EmptyOperator(task_id="d")\ne = EmptyOperator(task_id="e")\nchain([a, b], [c, d, e])`,
  ),
  "ok_shift_lists.py": dag(
    "ok_shift_lists",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\nd = EmptyOperator(task_id="d")\ne = EmptyOperator(task_id="e")\n[a, b] >> c >> [d, e]\nchain([a, b], [d, e])\nchain(a, [b, c], e)\ncross_downstream([a, b], [d, e])`,
  ),
  // resources= is Airflow's Resources (cpus, ram, disk, gpus): a pod's keys are refused.
  "bad_pod_resources.py": `${HEAD}${PROVIDERS}\nwith DAG("bad_pod_resources", schedule=None, start_date=START):\n    KubernetesPodOperator(task_id="p", image="python:3.11-slim", cmds=["true"], resources={"request_memory": "1Gi", "limit_cpu": "1"})\n`,
  "ok_executor_resources.py": dag(
    "ok_executor_resources",
    `EmptyOperator(task_id="a", resources={"cpus": 2, "ram": 1024})`,
  ),
  // A timeout written as seconds: only a timedelta is taken.
  "bad_timeout_seconds.py": dag(
    "bad_timeout_seconds",
    `EmptyOperator(task_id="a", execution_timeout=3600)`,
  ),
  "bad_timeout_default_args.py": `${HEAD}\nwith DAG("bad_timeout_default_args", schedule=None, start_date=START, default_args={"execution_timeout": 60 * 60}):\n    EmptyOperator(task_id="a")\n`,
  "bad_dagrun_timeout.py": `${HEAD}\nwith DAG("bad_dagrun_timeout", schedule=None, start_date=START, dagrun_timeout=7200):\n    EmptyOperator(task_id="a")\n`,
  // Every task sets its own: the default is never applied.
  "ok_timeout_own.py": `${HEAD}import datetime\n\nwith DAG("ok_timeout_own", schedule=None, start_date=START, default_args={"execution_timeout": 60}):\n    EmptyOperator(task_id="a", execution_timeout=datetime.timedelta(minutes=1))\n`,
  // A value expand() cannot map over: a string (a list was meant), a number, None, a set.
  "bad_expand_string.py": dag(
    "bad_expand_string",
    `@task\ndef fit(x, y):\n    return x\n\nfit.expand(x="abc", y=[1, 2])`,
  ),
  "bad_expand_number.py": dag(
    "bad_expand_number",
    `@task\ndef fit(x):\n    return x\n\nfit.partial().expand(x=0.5)`,
  ),
  "bad_expand_operator.py": `${HEAD}${BASH_IMPORT}\nwith DAG("bad_expand_operator", schedule=None, start_date=START):\n    BashOperator.partial(task_id="b").expand(bash_command="echo 1")\n`,
  "bad_expand_set.py": dag(
    "bad_expand_set",
    `@task\ndef fit(x):\n    return x\n\nfit.expand(x={1, 2})`,
  ),
  // What expand() maps over: lists, tuples, dicts, an upstream output, a name.
  "ok_expand_mappable.py": dag(
    "ok_expand_mappable",
    `@task\ndef fit(x):\n    return x\n\n@task\ndef items():\n    return [1, 2]\n\nXS = [3, 4]\nfit.expand(x=[1, 2])\nfit.expand(x=(1, 2))\nfit.expand(x={"a": 1})\nfit.expand(x=items())\nfit.expand(x=XS)`,
  ),
  "ok_expand_operator.py": `${HEAD}${BASH_IMPORT}\nwith DAG("ok_expand_operator", schedule=None, start_date=START):\n    BashOperator.partial(task_id="b").expand(bash_command=["echo 1", "echo 2"])\n`,
  // A parameter named for a context key may only default to None (the versions that have it).
  "bad_taskflow_context_default.py": dag(
    "bad_taskflow_context_default",
    `@task\ndef train(path, ds="2025-01-01"):\n    return 1\n\ntrain("p")`,
  ),
  "bad_taskflow_params_default.py": dag(
    "bad_taskflow_params_default",
    `@task.branch\ndef pick(params: dict = {}):\n    return "a"\n\npick()`,
  ),
  "v2bad_taskflow_old_context_default.py": dag(
    "v2bad_taskflow_old_context_default",
    `@task\ndef report(execution_date="today", run_date=None):\n    return 1\n\nreport()`,
  ),
  "v3bad_taskflow_new_context_default.py": dag(
    "v3bad_taskflow_new_context_default",
    `@task\ndef report(partition_key="all"):\n    return 1\n\nreport()`,
  ),
  "bad_taskflow_bash.py": dag(
    "bad_taskflow_bash",
    `@task.bash\ndef export(day):\n    return f"echo {day}"\n\nexport()`,
  ),
  "ok_taskflow_calls.py": dag(
    "ok_taskflow_calls",
    `@task\ndef a(path, ti=None, ds=None, run_date="2025-01-01"):\n    return 1\n\n@task\ndef b(x, ti, ds, params):\n    return 1\n\n@task\ndef c(x, **context):\n    return 1\n\n@task\ndef d(x, lr):\n    return 1\n\n@task\ndef e(*parts, sep="-"):\n    return sep.join(parts)\n\n@task\ndef f(x, *, scale=2):\n    return x\n\n@task.branch\ndef g(ti=None):\n    return "a"\n\n@task.bash\ndef h(day="2025-01-01"):\n    return f"echo {day}"\n\na("p")\nb(1)\nc(x=1, extra=2)\nd.partial(lr=0.1).expand(x=[1, 2])\ne("x", "y", "z")\nf(1, scale=3)\na.override(task_id="a2")(path="q")\ng()\nh()`,
  ),
  // A module Airflow 3 removed: refused there, unless the import has a fallback.
  "removed_import.py": `${HEAD}\nfrom airflow.datasets import Dataset\n\nwith DAG("removed_import", schedule=[Dataset("s3://b/k")], start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "ok_factory_dags.py": `${HEAD}\ndef make_dag(dag_id):\n    return DAG(dag_id, schedule=None, start_date=START)\n\nfor table in TABLES:\n    with make_dag(f"ok_factory_{table}"):\n        EmptyOperator(task_id="load")\n        EmptyOperator(task_id="check")\n\nwith make_dag("ok_factory_one") as one:\n    EmptyOperator(task_id="load")\n\ntwo = make_dag("ok_factory_two")\nwith two:\n    EmptyOperator(task_id="load")\n`,
  "ok_factory_groups.py": `${HEAD}\ndef region(name):\n    return TaskGroup(name)\n\nwith DAG("ok_factory_groups", schedule=None, start_date=START):\n    with region("eu"):\n        EmptyOperator(task_id="copy")\n    with region("us"):\n        EmptyOperator(task_id="copy")\n`,
  "dup_factory.py": `${HEAD}\ndef make_dag(dag_id):\n    return DAG(dag_id, schedule=None, start_date=START)\n\nwith make_dag("dup_factory"):\n    EmptyOperator(task_id="load")\n    EmptyOperator(task_id="load")\n`,
  "ok_removed_default_args.py": `${HEAD}\nwith DAG("ok_removed_default_args", schedule=None, start_date=START, default_args={"provide_context": True, "task_concurrency": 2, "sla": None}):\n    EmptyOperator(task_id="a")\n`,
  "ok_version_import.py": `${HEAD}\nfrom airflow import __version__ as AIRFLOW_VERSION\nfrom packaging.version import Version\n\nAIRFLOW_V_3 = Version(AIRFLOW_VERSION).major >= 3\n\nif AIRFLOW_V_3:\n    from airflow.sdk import Asset\nelse:\n    from airflow.datasets import Dataset as Asset\n\nwith DAG("ok_version_import", schedule=[Asset("s3://b/k")], start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "ok_fallback_import.py": `${HEAD}\ntry:\n    from airflow.sdk import Asset\nexcept ImportError:\n    from airflow.datasets import Dataset as Asset\n\nwith DAG("ok_fallback_import", schedule=[Asset("s3://b/k")], start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "ignored_default_arg.py": `${HEAD}\nwith DAG("ignored_default_arg", schedule=None, start_date=START, default_args={"retires": 3}):\n    EmptyOperator(task_id="a")\n`,
  // Taken by Airflow.
  "ok_operator_kwargs.py": dag(
    "ok_operator_kwargs",
    `EmptyOperator(task_id="a", retries=3, execution_timeout=None, pool="default_pool", doc_md="x", owner="me", weight_rule="downstream")`,
  ),
  "ok_with_dag_variable.py": `${HEAD}\nd = DAG("ok_with_dag_variable", schedule=None, start_date=START)\nwith d:\n    EmptyOperator(task_id="inside")\nlater = EmptyOperator(task_id="later", dag=d)\n`,
  "ok_python_callable_factory.py": `${HEAD}\nimport functools\ntry:\n    from airflow.providers.standard.operators.python import PythonOperator\nexcept ImportError:\n    from airflow.operators.python import PythonOperator\n\ndef loader(table):\n    def load():\n        print(table)\n    return load\n\ndef bound(table):\n    return functools.partial(print, table)\n\ndef picked(name):\n    return print\n\nclass Loader:\n    def __call__(self):\n        print("x")\n\nwith DAG("ok_python_callable_factory", schedule=None, start_date=START):\n    PythonOperator(task_id="a", python_callable=loader("orders"))\n    PythonOperator(task_id="b", python_callable=bound("orders"))\n    PythonOperator(task_id="c", python_callable=picked("x"))\n    PythonOperator(task_id="d", python_callable=Loader())\n`,
  "ok_schedules.py": `${HEAD}\nwith DAG("ok_six_fields", schedule="0 0 3 * * *", start_date=START):\n    EmptyOperator(task_id="a")\nwith DAG("ok_cron", schedule="*/15 6-18 * * MON-FRI", start_date=START):\n    EmptyOperator(task_id="a")\nwith DAG("ok_preset", schedule="@quarterly", start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "ok_called_dags.py": `${HEAD}\n@dag(schedule=None, start_date=START)\ndef ok_assigned():\n    EmptyOperator(task_id="a")\n\n@dag(schedule=None, start_date=START)\ndef ok_listed():\n    EmptyOperator(task_id="a")\n\nbuilt = ok_assigned()\nfor make in [ok_listed]:\n    make()\n`,
  "ok_same_ids_two_dags.py": `${HEAD}\nd1 = DAG("ok_ids_1", schedule=None, start_date=START)\nd2 = DAG("ok_ids_2", schedule=None, start_date=START)\na1 = EmptyOperator(task_id="a", dag=d1)\na2 = EmptyOperator(task_id="a", dag=d2)\nb1 = EmptyOperator(task_id="b", dag=d1)\nb2 = EmptyOperator(task_id="b", dag=d2)\na1 >> b1\nb2 >> a2\n`,
  "ok_ids.py": dag(
    "ok_ids.v2",
    `EmptyOperator(task_id="заказы")\nEmptyOperator(task_id="load.v2-b")\nEmptyOperator(task_id="${"y".repeat(250)}")\nwith TaskGroup("load-eu_1"):\n    EmptyOperator(task_id="c")`,
  ),
  "ok_trigger_rules.py": dag(
    "ok_trigger_rules",
    `EmptyOperator(task_id="a", trigger_rule=TriggerRule.ALL_DONE)\nEmptyOperator(task_id="b", trigger_rule="none_failed_min_one_success")\nEmptyOperator(task_id="c", trigger_rule="always")`,
  ),
  "ok_branches.py": dag(
    "ok_branches",
    `if len(TABLES) > 1:\n    EmptyOperator(task_id="load")\nelse:\n    EmptyOperator(task_id="load")`,
  ),
  "ok_try.py": dag(
    "ok_try",
    `try:\n    EmptyOperator(task_id="load")\nexcept ValueError:\n    EmptyOperator(task_id="load")`,
  ),
  "ok_loop_name.py": dag(
    "ok_loop_name",
    `for table in TABLES[:1]:\n    EmptyOperator(task_id="load")`,
  ),
  "ok_loop_one.py": dag(
    "ok_loop_one",
    `for table in ["orders"]:\n    EmptyOperator(task_id="load")`,
  ),
  "ok_loop_ids.py": dag(
    "ok_loop_ids",
    `prev = None\nfor table in ["orders", "users", "items"]:\n    t = EmptyOperator(task_id=f"load_{table}")\n    if prev is not None:\n        prev >> t\n    prev = t`,
  ),
  "ok_taskflow_twice.py": dag(
    "ok_taskflow_twice",
    `@task\ndef extract():\n    return 1\n\n@task(task_id="named")\ndef named():\n    return 2\n\na = extract()\nb = extract()\nnamed() >> named()\na >> b`,
  ),
  "ok_groups.py": dag(
    "ok_groups",
    `with TaskGroup("eu"):\n    EmptyOperator(task_id="copy")\nwith TaskGroup("us"):\n    EmptyOperator(task_id="copy")`,
  ),
  "ok_task_group_twice.py": dag(
    "ok_task_group_twice",
    `@task_group\ndef region():\n    first = EmptyOperator(task_id="first")\n    last = EmptyOperator(task_id="last")\n    first >> last\n\none = region()\ntwo = region()\none >> two`,
  ),
  "ok_two_dags.py": `${HEAD}\nwith DAG("ok_daily", schedule=None, start_date=START):\n    a = EmptyOperator(task_id="a")\n    b = EmptyOperator(task_id="b")\n    a >> b\nwith DAG("ok_hourly", schedule=None, start_date=START):\n    a = EmptyOperator(task_id="a")\n    b = EmptyOperator(task_id="b")\n    b >> a\n`,
  "ok_dag_in_loop.py": `${HEAD}\nfor name in ["ok_loop_a", "ok_loop_b"]:\n    with DAG(name, schedule=None, start_date=START):\n        EmptyOperator(task_id="only")\n`,
  "ok_helper.py": `${HEAD}\ndef make(d):\n    return EmptyOperator(task_id="made", dag=d)\n\nd1 = DAG("ok_helper_1", schedule=None, start_date=START)\nd2 = DAG("ok_helper_2", schedule=None, start_date=START)\nmake(d1)\nmake(d2)\n`,
  "ok_cross.py": dag(
    "ok_cross",
    `a = EmptyOperator(task_id="a")\nb = EmptyOperator(task_id="b")\nc = EmptyOperator(task_id="c")\nd = EmptyOperator(task_id="d")\ncross_downstream([a, b], [c, d])\nchain(a, b)\nc >> d`,
  ),
  "ok_loop_chain.py": dag(
    "ok_loop_chain",
    `steps = [EmptyOperator(task_id=f"step_{i}") for i in range(3)]\nfor i in range(2):\n    steps[i] >> steps[i + 1]`,
  ),
};

let folder = "";
beforeAll(() => {
  ensureEngines();
  folder = join(tempDir("lint-refused"), "dags");
  mkdirSync(folder, { recursive: true });
  for (const [name, source] of Object.entries(FILES)) writeFileSync(join(folder, name), source);
}, 900_000);

/**
 * What refuses a file: the exception's class name in the import error, `invalid` for Airflow's
 * ValueError on an id or a trigger rule (Airflow 2 raises AirflowException for some, an
 * AttributeError for a TriggerRule member), or null.
 */
function airflowVerdict(error: string | undefined): string | null {
  if (error === undefined) return null;
  const m = /(DuplicateTaskIdFound|AirflowDagCycleException)/.exec(error);
  if (m) return m[1] as string;
  if (/Tried to set relationships between tasks in more than one Dag/i.test(error)) return "cross";
  if (/No module named 'airflow\.datasets'/.test(error)) return "removed";
  if (
    /TypeError: (?:missing a required argument|too many positional arguments|(?:expand\(\) )?got an unexpected keyword argument)|DAG is missing the start_date parameter|start_date is required when catchup=True|not allowed to define a Schedule|(?:ValueError|AirflowException): The key (.* has to be made of|has to be less than)|(?:ValueError|AirflowException): The trigger_rule must be one of|AttributeError: .*ALL_SUCESS|AirflowTimetableInvalid|'str' object has no attribute '(utcoffset|tzinfo)'|`python_callable` param must be callable|Context key parameter \w+ can't have a default other than None|Invalid arguments were passed to (?:EmptyOperator|KubernetesPodOperator|SQLExecuteQueryOperator)|ValueError: (?:\w+\.)?expand\(\) got an unexpected type|unsupported operand type\(s\) for >>: 'list' and 'list'|Chain not supported for different length Iterable|execution_timeout must be timedelta object|dagrun_timeout|Resources.__init__\(\) got an unexpected keyword argument/.test(
      error,
    )
  ) {
    return "invalid";
  }
  throw new Error(`an import error of another kind:\n${error}`);
}

function mlgenVerdict(name: string, airflowVersion: 2 | 3): string | null {
  const found = lintPythonSource(name, FILES[name] as string, { airflowVersion }).filter(
    (f) =>
      (f.ruleId === "airflow3-removed" && f.severity === "error") ||
      f.ruleId === "duplicate-task-id" ||
      f.ruleId === "dependency-cycle" ||
      f.ruleId === "invalid-argument" ||
      f.ruleId === "cross-dag-dependency" ||
      f.ruleId === "dag-never-called" ||
      f.ruleId === "dag-not-registered" ||
      f.ruleId === "task-outside-dag" ||
      f.ruleId === "unknown-default-arg",
  );
  // What Airflow refuses or drops is an error; an ignored default_args key a warning.
  for (const f of found) {
    const want = f.ruleId === "unknown-default-arg" ? "warning" : "error";
    expect(f.severity, `${name}: ${f.message}`).toBe(want);
  }
  // Ids and trigger rules are checked as each task is made, a duplicate id as it is added, and
  // cycles once the DAG is built.
  if (found.some((f) => f.ruleId === "airflow3-removed")) return "removed";
  if (found.some((f) => f.ruleId === "dag-never-called" || f.ruleId === "dag-not-registered"))
    return "no DAG";
  if (found.some((f) => f.ruleId === "task-outside-dag")) return "no task";
  if (found.some((f) => f.ruleId === "unknown-default-arg")) return "ignored";
  if (found.some((f) => f.ruleId === "invalid-argument")) return "invalid";
  if (found.some((f) => f.ruleId === "cross-dag-dependency")) return "cross";
  if (found.some((f) => f.ruleId === "duplicate-task-id")) return "DuplicateTaskIdFound";
  return found.length > 0 ? "AirflowDagCycleException" : null;
}

/**
 * What a file's name says Airflow does with it (a version when only that one refuses it: a
 * schedule without a start date Airflow 2, a module Airflow 3 removed); `ok_` files load.
 */
const EXPECTED: readonly (readonly [prefix: string, verdict: string, only?: 2 | 3])[] = [
  ["v2bad_", "invalid", 2],
  ["v3bad_", "invalid", 3],
  ["removed_", "removed", 3],
  ["dup_", "DuplicateTaskIdFound"],
  ["cycle_", "AirflowDagCycleException"],
  ["bad_", "invalid"],
  ["cross_", "cross"],
  ["uncalled_", "no DAG"],
  ["lost_", "no DAG"],
  ["orphan_", "no task"],
  ["ignored_", "ignored"],
];

function expectedVerdict(name: string, version: 2 | 3): string | null {
  const hit = EXPECTED.find(([prefix]) => name.startsWith(prefix));
  return hit && (hit[2] === undefined || hit[2] === version) ? hit[1] : null;
}

describe.each([
  ["Airflow 3", PYTHON, 3],
  ["Airflow 2", AIRFLOW2_PYTHON, 2],
] as const)("%s refuses exactly the files mlgen lint says it refuses", (_name, python, version) => {
  let seen: InspectedDags;
  /** implicit-catchup's findings, by DAG id, linted before and after the DagBag counted. */
  let before: Map<string, Backfill>;
  let after: Map<string, Backfill>;
  beforeAll(() => {
    before = backfills(version);
    seen = inspectDags(folder, { python, backlog: true });
    after = backfills(version);
  }, 600_000);

  it("duplicate ids, cycles, bad ids, trigger rules, schedules, start dates and callables, dependencies across DAGs, uncalled @dag functions, tasks outside any DAG, ignored default_args keys, removed modules, and the near misses it takes", () => {
    const errors = new Map(
      Object.entries(seen.import_errors).map(([path, e]) => [path.split("/").pop() ?? path, e]),
    );
    const verdicts = Object.keys(FILES)
      .sort()
      .map((name) => ({
        name,
        // An uncalled @dag function's file imports, without the DAG (named as the file).
        airflow:
          airflowVerdict(errors.get(name)) ??
          ((name.startsWith("uncalled_") || name.startsWith("lost_")) &&
          !(name.replace(/\.py$/, "") in seen.dags)
            ? "no DAG"
            : // An orphan task's DAG loads without it (the DAG is named as the file, the task 'b').
              name.startsWith("orphan_") &&
                !("b" in (seen.dags[name.replace(/\.py$/, "")]?.tasks ?? { b: 1 }))
              ? "no task"
              : // A misspelt default_args key: the DAG loads, its task without the setting.
                name.startsWith("ignored_") &&
                  seen.dags[name.replace(/\.py$/, "")]?.tasks.a?.retries === 0
                ? "ignored"
                : null),
        mlgen: mlgenVerdict(name, version),
      }));
    expect(verdicts.filter((v) => v.airflow !== v.mlgen)).toEqual([]);
    // Both sides are in the table, and each file is what its name says.
    for (const v of verdicts) {
      const expected = expectedVerdict(v.name, version);
      expect(v.airflow, v.name).toBe(expected);
    }
    // The files it takes load every DAG they define.
    expect(Object.keys(seen.dags)).toEqual(
      expect.arrayContaining([
        "ok_daily",
        "ok_hourly",
        "ok_enter_by_hand",
        "ok_loop_globals",
        "ok_loop_globals_2",
        "ok_loop_with",
        "ok_loop_with_2",
        "lost_loop_dags_last",
        "lost_factory_loop_last",
        "ok_factory_kept",
        "ok_factory_with",
        "ok_factory_with_2",
        "ok_factory_globals",
        "ok_factory_globals_2",
        "ok_loop_a",
        "ok_loop_b",
        "ok_helper_2",
        "ok_assigned",
        "ok_listed",
        "ok_ids_1",
        "ok_ids_2",
        "ok_six_fields",
        "ok_cron",
        "ok_preset",
        "ok_python_callable_factory",
        "ok_with_dag_variable",
        "ok_operator_kwargs",
        "ok_no_start_none",
        "ok_no_start_default",
        "ok_no_start_empty",
        "ok_no_start_unscheduled",
        "ok_fallback_import",
        "ok_params_defaults",
        "ok_params_triggered",
        "ok_main_and_module",
        "ok_provider_kwargs",
        "ok_taskflow_calls",
        "ok_catchup_off",
        "ok_catchup_on",
        "ok_catchup_once",
        ...Object.keys(FILES)
          .filter((f) => f.startsWith("backfill_"))
          .map((f) => f.replace(/\.py$/, "")),
      ]),
    );
  });

  it("implicit-catchup: on Airflow 2, exactly the DAGs that catch up without asking, with the runs the DagBag's timetable starts", () => {
    const backfilled = Object.keys(FILES)
      .filter((f) => f.startsWith("backfill_"))
      .map((f) => f.replace(/\.py$/, ""));
    if (version === 3) {
      // Airflow 3 catches up only when asked to: no finding, and the DAGs do not.
      expect([...after.keys()]).toEqual([]);
      for (const id of backfilled) expect(seen.dags[id]?.catchup, id).toBe(false);
      return;
    }
    // Airflow 2: every DAG it loads with catchup on, a periodic timetable and a start date,
    // whose file does not say catchup=True; and mlgen's count of its runs, taken before and
    // after the DagBag counted them, brackets the DagBag's.
    const airflow = Object.entries(seen.dags)
      .filter(
        ([, d]) => d.catchup && d.backlog !== null && !/catchup=True/.test(FILES[d.file] ?? ""),
      )
      .map(([id]) => id)
      .sort();
    const refused = new Set(Object.keys(seen.import_errors).map((p) => p.split("/").pop()));
    const mlgen = [...after].filter(([, b]) => !refused.has(b.file)).map(([id]) => id);
    expect(mlgen.sort()).toEqual(airflow);
    expect(airflow).toEqual(
      expect.arrayContaining([...backfilled, "ok_cron", "ok_preset", "ok_six_fields"]),
    );
    for (const id of airflow) {
      expect(after.get(id)?.file, id).toBe(seen.dags[id]?.file);
      const runs = seen.dags[id]?.backlog;
      const [low, high] = [before.get(id)?.runs, after.get(id)?.runs];
      // Counted wherever the file writes out the schedule and the start date.
      if (backfilled.includes(id)) expect(high, id).not.toBeNull();
      if (low == null || high == null || runs == null) continue;
      expect(runs, id).toBeGreaterThanOrEqual(low);
      expect(runs, id).toBeLessThanOrEqual(high);
    }
    expect(seen.dags.backfill_daily?.backlog).toBeGreaterThan(1000);
    expect(seen.dags.backfill_ended?.backlog).toBe(49);
    expect(seen.dags.backfill_future?.backlog).toBe(0);
  });
});

interface Backfill {
  readonly file: string;
  readonly runs: number | null;
}

/** The DAGs implicit-catchup reports in the files of the table, with the runs it counts. */
function backfills(version: 2 | 3): Map<string, Backfill> {
  const out = new Map<string, Backfill>();
  for (const [file, source] of Object.entries(FILES)) {
    for (const f of lintPythonSource(file, source, { airflowVersion: version })) {
      if (f.ruleId !== "implicit-catchup") continue;
      const id = /^DAG '([^']+)'/.exec(f.message)?.[1] ?? `? ${f.message}`;
      const runs = / \(([\d,]+) runs? as of /.exec(f.message)?.[1];
      out.set(id, { file, runs: runs === undefined ? null : Number(runs.replaceAll(",", "")) });
    }
  }
  return out;
}
