"""Runs every DAG of a folder once with dag.test(), each with its conf, and reports what came of
it: JSON.

For test/engines/optional-params.test.ts. The environment variable MLGEN_RUN_CONF, a JSON object
by DAG id, gives a DAG's run its conf. A run Airflow refuses to start (its check of the params)
is reported by the exception's type and message instead of its tasks' states.
Usage: python param_runs.py <dags folder> <out.json>  (Airflow logs to stdout)
Output: {"<dag_id>": {"tasks": {task_id: state}} | {"refused": "<Type>: <message>"}}
"""

import json
import os
import sys

import pendulum
from mlgen_dagbag import DATE, load

bag = load(sys.argv[1], sync=True)
when = pendulum.datetime(2027, 1, 1, tz="UTC")
confs = json.loads(os.environ.get("MLGEN_RUN_CONF", "{}"))
out = {}
for dag_id, dag in sorted(bag.dags.items()):
    conf = {"run_conf": confs[dag_id]} if dag_id in confs else {}
    try:
        run = dag.test(**{DATE: when}, **conf)
    except Exception as e:  # noqa: BLE001 - the refusal is what is reported
        out[dag_id] = {"refused": f"{type(e).__name__}: {e}"}
        continue
    out[dag_id] = {
        "tasks": {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    }

with open(sys.argv[2], "w") as f:
    json.dump(out, f, sort_keys=True)
