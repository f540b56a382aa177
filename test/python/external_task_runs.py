"""Runs every DAG of a folder once with dag.test() and reports each task's state: JSON.

For test/engines/lint-external-tasks.test.ts. DAGs without ExternalTaskSensors run first, at one
logical date, then the DAGs whose sensors wait for them, at the same date, so that a sensor
finds the other DAG's run when it names what that DAG has, and otherwise pokes until its
timeout or fails. Works under Airflow 3.x (the in-process execution API answers the sensor) and
2.x (the DAGs are written to its database first, where the sensor looks up a task group).
Usage: python external_task_runs.py <dags folder> <out.json>  (Airflow logs to stdout)
The environment variable MLGEN_RUN_CONF, a JSON object by DAG id, gives a DAG's run its conf;
MLGEN_RUN_STATES set adds each run's state, by its DAG id.
Output: {"<dag_id>.<task_id>": state}
"""

import json
import os
import sys

import pendulum
from mlgen_dagbag import DATE, load

bag = load(sys.argv[1], sync=True)


def waits(dag):
    return any(type(t).__name__ == "ExternalTaskSensor" for t in dag.tasks)


when = pendulum.datetime(2027, 1, 1, tz="UTC")
confs = json.loads(os.environ.get("MLGEN_RUN_CONF", "{}"))
out = {}
for dag_id, dag in sorted(bag.dags.items(), key=lambda item: (waits(item[1]), item[0])):
    conf = {"run_conf": confs[dag_id]} if dag_id in confs else {}
    run = dag.test(**{DATE: when}, **conf)
    if os.environ.get("MLGEN_RUN_STATES"):
        # The run's own state, by the DAG's id.
        out[dag_id] = str(run.state)
    for ti in run.get_task_instances():
        out[f"{dag_id}.{ti.task_id}"] = str(ti.state)

with open(sys.argv[2], "w") as f:
    json.dump(out, f, sort_keys=True)
