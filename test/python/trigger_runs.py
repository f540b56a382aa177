"""Runs a DAG whose TriggerDagRunOperators start another DAG, then that DAG's runs: JSON.

For test/engines/trigger.test.ts. Runs DAG <trigger_dag> once with dag.test(), reads the runs of
DAG <target_dag> it started from Airflow's database (their ids and confs, as Airflow stored them),
then runs <target_dag> once with dag.test() and each started run's conf. Also reports what every
TriggerDagRunOperator of the folder holds once imported (its waiting options). Works under
Airflow 3.x (the in-process execution API starts the run) and 2.x (the DAGs are written to its
database first, where the operator looks the DAG up).
DAG ids listed in MLGEN_PAUSE (comma-separated) are paused before the run.
Usage: python trigger_runs.py <dags folder> <trigger_dag> <target_dag> <out.json>
Output: {"trigger": {task_id: state}, "trigger_logical_date": iso,
         "started": [{"run_id", "conf", "types", "logical_date"}],
         "target": [{task_id: state}], "operators": {"<dag>.<task>": {...}},
         "conf_at_execute": {task_id: type name}}
"""

import json
import os
import sys

import pendulum
from airflow.models.dag import DagModel
from airflow.models.dagrun import DagRun
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.utils.session import create_session
from mlgen_dagbag import AIRFLOW_3, DATE, load

# What each operator's conf is when its execute starts: a dict there means the DAG's own
# pre_execute read it back, as a provider before 1.9.2 (which does not) needs.
conf_at_execute = {}
_execute = TriggerDagRunOperator.execute


def _recording_execute(self, context):
    conf_at_execute[self.task_id] = type(self.conf).__name__
    return _execute(self, context)


TriggerDagRunOperator.execute = _recording_execute

bag = load(sys.argv[1], sync=True)

_, dags, trigger_dag, target_dag, out_path = sys.argv

paused = [d for d in os.environ.get("MLGEN_PAUSE", "").split(",") if d]
if paused:
    if AIRFLOW_3:
        # Written to the database as dag.test() writes them (every DAG of the folder's bundle),
        # so that there is a DagModel to pause; dag.test() keeps its is_paused.
        from airflow.dag_processing.bundles.manager import DagBundlesManager
        from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

        manager = DagBundlesManager()
        manager.sync_bundles_to_db()
        for bundle in manager.get_all_dag_bundles():
            if not bundle.is_initialized:
                bundle.initialize()
            folder = BundleDagBag(
                dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name
            )
            sync_bag_to_db(folder, bundle.name, bundle.version)
    with create_session() as session:
        session.query(DagModel).filter(DagModel.dag_id.in_(paused)).update(
            {DagModel.is_paused: True}, synchronize_session=False
        )

operators = {}
for dag_id, dag in sorted(bag.dags.items()):
    for task in dag.tasks:
        if type(task).__name__ != "TriggerDagRunOperator":
            continue
        operators[f"{dag_id}.{task.task_id}"] = {
            "trigger_dag_id": task.trigger_dag_id,
            "trigger_run_id": task.trigger_run_id,
            "reset_dag_run": task.reset_dag_run,
            "skip_when_already_exists": task.skip_when_already_exists,
            "wait_for_completion": task.wait_for_completion,
            "poke_interval": task.poke_interval,
            "allowed_states": [str(s) for s in task.allowed_states],
            "failed_states": [str(s) for s in task.failed_states],
            "deferrable": task.deferrable,
        }

when = pendulum.datetime(2027, 1, 1, tz="UTC")
run = bag.dags[trigger_dag].test(**{DATE: when})
out = {
    "trigger_run_id": run.run_id,
    "trigger_logical_date": getattr(run, DATE).isoformat(),
    "trigger": {ti.task_id: str(ti.state) for ti in run.get_task_instances()},
    "operators": operators,
    "conf_at_execute": conf_at_execute,
}
with create_session() as session:
    started = session.query(DagRun).filter(DagRun.dag_id == target_dag).all()
    out["started"] = [
        {
            "run_id": dr.run_id,
            "conf": dr.conf,
            "types": {key: type(value).__name__ for key, value in (dr.conf or {}).items()},
            "logical_date": getattr(dr, DATE).isoformat(),
        }
        for dr in started
    ]

out["target"] = []
for i, started_run in enumerate(out["started"]):
    target = bag.dags[target_dag].test(
        **{DATE: when.add(days=i + 1)}, run_conf=started_run["conf"]
    )
    out["target"].append({ti.task_id: str(ti.state) for ti in target.get_task_instances()})

with open(out_path, "w") as f:
    json.dump(out, f, sort_keys=True)
