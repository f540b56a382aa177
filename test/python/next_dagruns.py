"""The time each stored DAG's next run is due, as Airflow's scheduler has it: JSON {dag_id: iso or null}.

For test/engines/lint-schedules.test.ts. Run after `airflow dags reserialize`, which stores each
DAG of the folder and computes its next run as the DAG processor does: null when the timetable
finds none (a schedule with no time left, or none at all). Works under Airflow 3.x and 2.x.
Usage: python next_dagruns.py <out.json>  (Airflow logs to stdout, so JSON goes to a file)
"""

import json
import sys

from airflow.models.dag import DagModel
from airflow.utils.session import create_session

with create_session() as session:
    rows = session.query(DagModel.dag_id, DagModel.next_dagrun_create_after).all()
    out = {dag_id: (after.isoformat() if after else None) for dag_id, after in rows}
with open(sys.argv[1], "w") as f:
    json.dump(out, f, sort_keys=True)
