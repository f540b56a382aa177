"""Airflow 2's own scheduler and DAG-processor code on a run over its dagrun_timeout, and on a run
whose task failed, without a running scheduler (Airflow 2's SQLite allows no executor that would
kill the task in time): the scheduler's _schedule_dag_run fails the first (reason "timed_out"),
DagRun.update_state the second ("task_failure"), and DagFileProcessor runs each DAG callback as
the scheduler's processor does.

Usage: python dagrun_timeout_af2.py <dag_id> <out.json>   (AIRFLOW_HOME migrated, DAGS_FOLDER set)
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from airflow.dag_processing.processor import DagFileProcessor
from airflow.jobs.job import Job
from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
from airflow.models.dag import DAG
from airflow.models.dagbag import DagBag
from airflow.models.serialized_dag import SerializedDagModel
from airflow.utils import timezone
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState, TaskInstanceState
from airflow.utils.types import DagRunType

dag_id, out_file = sys.argv[1], sys.argv[2]
bag = DagBag(include_examples=False)
if bag.import_errors:
    raise SystemExit(f"import errors: {bag.import_errors}")
dag = bag.get_dag(dag_id)
DAG.bulk_write_to_db([dag])
SerializedDagModel.write_dag(dag)

started = timezone.utcnow() - timedelta(hours=1)
out = {}
with create_session() as session:
    runs = {}
    for i, run_id in enumerate(("slow-run", "slow-run-2", "failed-run")):
        logical = started + timedelta(minutes=i)
        runs[run_id] = dag.create_dagrun(
            run_id=run_id,
            run_type=DagRunType.MANUAL,
            execution_date=logical,
            data_interval=(logical, logical),
            state=DagRunState.RUNNING,
            start_date=started,
            external_trigger=True,
            session=session,
        )
    session.flush()
    # The timed-out runs: their work still running when the scheduler looks at them, a
    # teardown after it not started yet.
    for run_id in ("slow-run", "slow-run-2"):
        for ti in runs[run_id].get_task_instances(session=session):
            if not dag.get_task(ti.task_id).is_teardown:
                ti.state = TaskInstanceState.RUNNING
                ti.start_date = started
    # The other: its work failed (the timeout is not what ends it), and its teardown ran.
    runs["failed-run"].start_date = timezone.utcnow()
    for ti in runs["failed-run"].get_task_instances(session=session):
        teardown = dag.get_task(ti.task_id).is_teardown
        ti.state = TaskInstanceState.SUCCESS if teardown else TaskInstanceState.FAILED
    session.flush()
    runner = SchedulerJobRunner(job=Job(), num_runs=1)
    timed_out = runner._schedule_dag_run(runs["slow-run"], session=session)
    timed_out_2 = runner._schedule_dag_run(runs["slow-run-2"], session=session)
    _, failed = runs["failed-run"].update_state(session=session, execute_callbacks=False)
    session.flush()
    out["requests"] = {
        "slow-run": timed_out.msg,
        "slow-run-2": timed_out_2.msg,
        "failed-run": failed.msg,
    }
    out["states"] = {
        run_id: {
            "run": dr.state,
            "tasks": {ti.task_id: ti.state for ti in dr.get_task_instances(session=session)},
        }
        for run_id, dr in runs.items()
    }
# One bag for all, as the processor calls a file's callbacks: each alert says its own run.
with create_session() as session:
    for request in (failed, timed_out, timed_out_2):
        DagFileProcessor._execute_dag_callbacks(bag, request, session)
with open(out_file, "w", encoding="utf-8") as f:
    json.dump(out, f, default=str)
