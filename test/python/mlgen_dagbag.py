"""The DAG folder as Airflow loads it, for the test scripts beside this file: one DagBag loader.

The scripts run under Airflow 3.x and 2.x alike. `load(folder)` gives the DagBag (Airflow's own
example DAGs left out) and the name of a run's date argument for `dag.test()` (`logical_date`
on Airflow 3, `execution_date` on 2), and stops the script when a file does not import. With
`sync=True`, Airflow 2 also writes the DAGs to its database, where its operators and sensors
look other DAGs up (a trigger's target, a sensor's task group); Airflow 3's in-process
execution API needs no such step.
"""

try:
    from airflow.dag_processing.dagbag import DagBag

    AIRFLOW_3 = True
except ImportError:
    from airflow.models.dagbag import DagBag

    AIRFLOW_3 = False

DATE = "logical_date" if AIRFLOW_3 else "execution_date"


def load(folder, sync=False):
    """The DagBag of `folder`; exits naming the import errors when a file does not import."""
    # Airflow 3's DagBag has no include_examples: AIRFLOW__CORE__LOAD_EXAMPLES=False leaves
    # them out (the tests' environment sets it).
    bag = DagBag(folder) if AIRFLOW_3 else DagBag(folder, include_examples=False)
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    if sync and not AIRFLOW_3:
        bag.sync_to_db()
    return bag
