"""Imports every DAG file in a folder with the real Airflow DagBag and prints what it sees.

Usage: python inspect_dags.py <dags_folder> <out.json>  (Airflow logs to stdout, so JSON goes to a file):
{"import_errors": {...}, "dags": {dag_id: {"schedule": ..., "tasks": {task_id: {...}}}}}
"""

from __future__ import annotations

import json
import sys


def seconds(delta):
    return None if delta is None else delta.total_seconds()


def main(folder: str, out_file: str) -> None:
    try:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=folder)  # examples are off through AIRFLOW__CORE__LOAD_EXAMPLES
    except ImportError:  # Airflow 2.x
        from airflow.models.dagbag import DagBag

        bag = DagBag(dag_folder=folder, include_examples=False)
    out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in sorted(bag.dags.items()):
        schedule = getattr(dag, "schedule", None)
        tasks = {}
        for task_id, task in sorted(dag.task_dict.items()):
            tasks[task_id] = {
                "operator": type(task).__name__,
                "upstream": sorted(task.upstream_task_ids),
                "retries": task.retries,
                "retry_delay": seconds(task.retry_delay),
                "retry_exponential_backoff": float(task.retry_exponential_backoff),
                "max_retry_delay": seconds(task.max_retry_delay),
                "execution_timeout": seconds(task.execution_timeout),
                "owner": task.owner,
                "group": task.task_group.group_id if task.task_group and task.task_group.group_id else None,
                "trigger_rule": str(task.trigger_rule.value if hasattr(task.trigger_rule, "value") else task.trigger_rule),
                "pool": task.pool,
                "pool_slots": task.pool_slots,
                "queue": task.queue,
                "priority_weight": task.priority_weight,
                "depends_on_past": task.depends_on_past,
                "max_active_tis_per_dag": task.max_active_tis_per_dag,
            }
        out["dags"][dag_id] = {
            "schedule": schedule if isinstance(schedule, str) or schedule is None else str(schedule),
            "start_date": dag.start_date.isoformat() if dag.start_date else None,
            "catchup": dag.catchup,
            "tags": sorted(dag.tags or []),
            "max_active_runs": dag.max_active_runs,
            "max_active_tasks": dag.max_active_tasks,
            "dagrun_timeout": seconds(dag.dagrun_timeout),
            "params": {k: dag.params[k] for k in sorted(dag.params.keys())},
            "description": dag.description,
            "tasks": tasks,
        }
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
