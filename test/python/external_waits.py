"""How many runs of each ExternalTaskSensor's DAG find a run of the DAG it waits for: JSON.

For test/engines/lint-external-sensors.test.ts. Loads a folder with Airflow's DagBag and, for
every ExternalTaskSensor, takes its DAG's first RUNS logical dates from 2027-01-01 as that DAG's
timetable gives them (the scheduler's own code: on Airflow 3 the serialized DAG, as the scheduler
has it), asks the sensor for the logical dates it waits for at each (its own _get_dttm_filter,
which applies execution_delta and execution_date_fn), and counts the runs whose dates are all
logical dates of the other DAG's timetable. Works under Airflow 3.x and 2.x.
Usage: python external_waits.py <dags folder> <out.json>  (Airflow logs to stdout)
Output: {"<dag_id>.<task_id>": [runs that find a run, runs]}
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from itertools import islice

from mlgen_dagbag import AIRFLOW_3, load

bag = load(sys.argv[1])

if AIRFLOW_3:
    from airflow.serialization.serialized_objects import DagSerialization

    def scheduled(dag):
        return DagSerialization.from_dict(DagSerialization.to_dict(dag))

else:

    def scheduled(dag):
        return dag

RUNS = 800
START = datetime(2027, 1, 1, tzinfo=timezone.utc)
FAR = datetime(2031, 1, 1, tzinfo=timezone.utc)


def logical_dates(dag, earliest, latest, limit):
    infos = scheduled(dag).iter_dagrun_infos_between(earliest, latest)
    return [info.logical_date for info in islice(infos, limit)]


out = {}
for dag_id, dag in sorted(bag.dags.items()):
    for task in dag.tasks:
        if type(task).__name__ != "ExternalTaskSensor":
            continue
        runs = logical_dates(dag, START, FAR, RUNS)
        waits = [task._get_dttm_filter({"logical_date": d, "execution_date": d, "dag_run": None}) for d in runs]
        wanted = [w for dates in waits for w in dates]
        other = bag.dags[task.external_dag_id]
        have = {
            d.timestamp()
            for d in logical_dates(other, min(wanted) - timedelta(days=1), max(wanted) + timedelta(days=1), 10**6)
        }
        found = sum(all(w.timestamp() in have for w in dates) for dates in waits)
        out[f"{dag_id}.{task.task_id}"] = [found, len(runs)]

with open(sys.argv[2], "w") as f:
    json.dump(out, f, sort_keys=True)
