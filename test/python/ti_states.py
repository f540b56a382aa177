"""Prints the task instances of a DAG's runs from the Airflow metadata DB as JSON.

Usage: python ti_states.py <dag_id> <out.json>
{"<run_id>": {"logical_date": ..., "state": ..., "tasks": {"<task_id>[<map_index>]": "<state>"},
              "labels": {"<task_id>[<map_index>]": "<rendered_map_index>"}}}
"""

from __future__ import annotations

import json
import sys


def main(dag_id: str, out_file: str) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    out = {}
    with create_session() as session:
        for run in session.query(DagRun).filter(DagRun.dag_id == dag_id):
            tis = session.query(TaskInstance).filter(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
            )
            tasks = {}
            labels = {}
            for ti in tis:
                key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
                tasks[key] = str(ti.state.value if hasattr(ti.state, "value") else ti.state)
                if ti.map_index >= 0:
                    labels[key] = ti.rendered_map_index
            out[run.run_id] = {
                "logical_date": run.logical_date.isoformat() if run.logical_date else None,
                "conf": run.conf,
                "state": str(run.state.value if hasattr(run.state, "value") else run.state),
                "tasks": dict(sorted(tasks.items())),
                "labels": dict(sorted(labels.items())),
            }
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
