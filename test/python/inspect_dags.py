"""Imports every DAG file in a folder with the real Airflow DagBag and prints what it sees.

Works under Airflow 3.x (.venv-engines) and 2.x (.venv-airflow2).
Usage: python inspect_dags.py <dags_folder> <out.json>  (Airflow logs to stdout, so JSON goes to a file):
{"airflow_version": "3.3.2", "import_errors": {...},
 "dags": {dag_id: {"schedule": ..., "assets": [...], "timetable": ..., "tasks": {task_id: {...}}}}}

Mapped tasks (.partial().expand()) are MappedOperator objects: "operator" is the class that was
mapped (e.g. PythonOperator) and "is_mapped" is true; attributes MappedOperator does not expose
are read from partial_kwargs, then from the operator class's constructor defaults.
"""

from __future__ import annotations

import datetime
import inspect
import json
import os
import sys

_MISSING = object()


def seconds(value):
    """timedelta or number of seconds -> float seconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value)


def is_mapped(task) -> bool:
    return type(task).__name__ == "MappedOperator"


def operator_class(task):
    """The operator class the DAG file used (the mapped one for MappedOperator)."""
    cls = getattr(task, "operator_class", None) if is_mapped(task) else type(task)
    return cls if isinstance(cls, type) else None


def operator_name(task) -> str:
    cls = operator_class(task)
    return cls.__name__ if cls is not None else str(getattr(task, "task_type", type(task).__name__))


def inherits(task, class_name: str) -> bool:
    cls = operator_class(task)
    return cls is not None and any(c.__name__ == class_name for c in cls.__mro__)


def constructor_default(cls, name: str):
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            param = inspect.signature(init).parameters.get(name)
        except (TypeError, ValueError):
            continue
        if param is not None and param.default is not inspect.Parameter.empty:
            return param.default
    return None


def attr(task, name: str):
    """A task attribute; for mapped tasks from partial_kwargs or the class default (None if
    the attribute is itself expanded, so only known at run time)."""
    try:
        return getattr(task, name)
    except Exception:  # AttributeError, or a MappedOperator property that cannot answer
        pass
    if not is_mapped(task):
        return None
    partial = getattr(task, "partial_kwargs", None) or {}
    if name in partial:
        return partial[name]
    expanded = getattr(getattr(task, "expand_input", None), "value", None)
    if isinstance(expanded, dict) and name in expanded:
        return None
    cls = operator_class(task)
    return constructor_default(cls, name) if cls is not None else None


def asset_uris(obj) -> list[str]:
    """URIs of an Asset/Dataset, a condition (All/Any, nested) or a list of them."""
    if obj is None:
        return []
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sorted({u for o in obj for u in asset_uris(o)})
    objects = getattr(obj, "objects", None)
    if objects is not None:  # AssetAll / AssetAny / DatasetAll / DatasetAny
        return asset_uris(list(objects))
    uri = getattr(obj, "uri", None) or getattr(obj, "name", None)
    return [str(uri)] if uri else []  # 2.x _NullDataset has neither


def cron_of(timetable):
    # A cron timetable's expression (presets already expanded), also inside AssetOrTimeSchedule.
    inner = getattr(timetable, "timetable", timetable)
    expression = getattr(inner, "_expression", None)
    return expression if isinstance(expression, str) else None


def next_infos(dag, count=3):
    # The first `count` runs the timetable schedules from the start date (catchup on), as
    # DagRunInfo; [] for timetables that schedule nothing by time.
    from airflow.timetables.base import TimeRestriction

    if dag.start_date is None or cron_of(dag.timetable) is None:
        return []
    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
    out, last = [], None
    for _ in range(count):
        info = dag.timetable.next_dagrun_info(
            last_automated_data_interval=last, restriction=restriction
        )
        if info is None:
            break
        out.append(info)
        last = info.data_interval
    return out


def next_runs(dag):
    # Their logical dates, in UTC.
    return [info.logical_date.isoformat() for info in next_infos(dag)]


def next_intervals(dag):
    # Their data intervals, [start, end] in UTC.
    return [
        [info.data_interval.start.isoformat(), info.data_interval.end.isoformat()]
        for info in next_infos(dag)
    ]


def backlog(dag, cap=20000):
    # Airflow 2: the runs its timetable starts at once when the DAG is unpaused with catchup on,
    # from the start date (the DAG's, else its tasks') up to now (those whose run_after has come, none that starts after the
    # end date); None on Airflow 3 (its SDK DAG's timetable does not schedule) and for
    # timetables that are not periodic (None, @once, assets).
    import pendulum
    from airflow.timetables.base import TimeRestriction

    if os.environ.get("INSPECT_BACKLOG") != "1":
        return None
    timetable = dag.timetable
    own = getattr(dag, "_time_restriction", None)
    if not hasattr(timetable, "next_dagrun_info") or not timetable.periodic or own is None:
        return None
    # Airflow 2's own bounds: the DAG's start date or its tasks' (default_args), and end dates.
    if own.earliest is None:
        return None
    now = pendulum.now("UTC")
    restriction = TimeRestriction(earliest=own.earliest, latest=own.latest, catchup=True)
    n, last = 0, None
    while n < cap:
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None or info.run_after > now:
            break
        n += 1
        last = info.data_interval
    return n


def schedule_of(dag):
    # 3.x keeps what was passed as `schedule`; 2.x only has schedule_interval (a preset/cron
    # string, "Dataset", or a timetable's summary such as "Dataset or 0 1 * * *").
    schedule = getattr(dag, "schedule", _MISSING)
    if schedule is _MISSING:
        schedule = getattr(dag, "schedule_interval", None)
    return schedule if isinstance(schedule, str) or schedule is None else str(schedule)


def dag_assets(dag) -> list[str]:
    timetable = dag.timetable
    condition = getattr(timetable, "asset_condition", None)  # 3.x
    if condition is None:
        condition = getattr(timetable, "dataset_condition", None)  # 2.x
    return asset_uris(condition)


def has_callback(value) -> bool:
    # 3.x stores task callbacks as lists, 2.x as a callable (or a list); both None when unset.
    return bool(value)


def sensor_timeout(task):
    timeout = attr(task, "timeout")
    if timeout is None:  # 3.x: an unset timeout means [sensors] default_timeout (mapped sensors)
        from airflow.configuration import conf

        timeout = conf.getfloat("sensors", "default_timeout", fallback=None)
    return seconds(timeout)


def expand_of(task):
    """What a mapped task maps over: a literal list's length, or the task whose output it maps."""
    if not is_mapped(task):
        return None
    values = list(getattr(task.expand_input, "value", {}).values())
    if len(values) != 1:
        return {"other": len(values)}
    value = values[0]
    if isinstance(value, (list, tuple)):
        return {"length": len(value)}
    # An XComArg, or .map() of one (MapXComArg wraps it as .arg).
    arg = getattr(value, "arg", value)
    producer = getattr(arg, "operator", None)
    return {"task": producer.task_id} if producer is not None else {"other": type(value).__name__}


def inspect_task(task) -> dict:
    sensor = inherits(task, "BaseSensorOperator")
    deferrable = attr(task, "deferrable")
    return {
        "operator": operator_name(task),
        "is_mapped": is_mapped(task),
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "retries": task.retries,
        "retry_delay": seconds(task.retry_delay),
        "retry_exponential_backoff": float(task.retry_exponential_backoff),
        "max_retry_delay": seconds(task.max_retry_delay),
        "execution_timeout": seconds(task.execution_timeout),
        "owner": task.owner,
        "group": task.task_group.group_id if task.task_group and task.task_group.group_id else None,
        "trigger_rule": str(task.trigger_rule.value if hasattr(task.trigger_rule, "value") else task.trigger_rule),
        "is_setup": bool(task.is_setup),
        "is_teardown": bool(task.is_teardown),
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "queue": task.queue,
        "priority_weight": task.priority_weight,
        "depends_on_past": task.depends_on_past,
        "max_active_tis_per_dag": task.max_active_tis_per_dag,
        "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
        "mode": attr(task, "mode") if sensor else None,
        "poke_interval": seconds(attr(task, "poke_interval")) if sensor else None,
        "timeout": sensor_timeout(task) if sensor else None,
        "soft_fail": bool(attr(task, "soft_fail")) if sensor else None,
        "deferrable": None if deferrable is None else bool(deferrable),
        "outlets": asset_uris(list(attr(task, "outlets") or [])),
        "has_on_failure_callback": has_callback(attr(task, "on_failure_callback")),
        "has_on_retry_callback": has_callback(attr(task, "on_retry_callback")),
        "has_on_success_callback": has_callback(attr(task, "on_success_callback")),
        "image": attr(task, "image") if inherits(task, "KubernetesPodOperator") else None,
        "skip_mixin": inherits(task, "SkipMixin"),
        "ignore_downstream_trigger_rules": (
            attr(task, "ignore_downstream_trigger_rules") if inherits(task, "ShortCircuitOperator") else None
        ),
        "expand": expand_of(task),
    }


def compact(value):
    """A serialized Kubernetes object without its empty fields (unset lists, maps, None)."""
    if isinstance(value, dict):
        out = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def pod_of(task) -> dict:
    """The pod a KubernetesPodOperator would create, as its provider builds it (no cluster)."""
    from kubernetes.client import ApiClient

    built = task.build_pod_request_obj(dry_run=True)
    for container in built.spec.containers:
        for env in container.env or []:
            # A value left for the task to render (literal("x")) is Airflow's, not Kubernetes'.
            if env.value is not None and not isinstance(env.value, str):
                env.value = f"<{type(env.value).__name__}>"
    pod = ApiClient().sanitize_for_serialization(built)
    return {"namespace": pod["metadata"]["namespace"], "spec": compact(pod["spec"])}


def param_default(params, key: str):
    """A param's default, resolved; None for a Param with none (a DAG triggered with its params)."""
    try:
        return params[key]
    except Exception:  # noqa: BLE001 - ParamValidationError, from airflow.sdk or airflow.exceptions
        return None


def main(folder: str, out_file: str) -> None:
    import airflow

    try:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=folder)  # examples are off through AIRFLOW__CORE__LOAD_EXAMPLES
    except ImportError:  # Airflow 2.x
        from airflow.models.dagbag import DagBag

        bag = DagBag(dag_folder=folder, include_examples=False)
    out = {
        "airflow_version": airflow.__version__,
        "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
        "dags": {},
    }
    for dag_id, dag in sorted(bag.dags.items()):
        tasks = {task_id: inspect_task(task) for task_id, task in sorted(dag.task_dict.items())}
        out["dags"][dag_id] = {
            "schedule": schedule_of(dag),
            # Definition order: the order of a run's task instances.
            "task_order": list(dag.task_dict),
            "assets": dag_assets(dag),
            "timetable": type(dag.timetable).__name__,
            "cron": cron_of(dag.timetable),
            "start_date": dag.start_date.isoformat() if dag.start_date else None,
            "timezone": getattr(dag.timezone, "name", str(dag.timezone)),
            "next_runs": next_runs(dag),
            "next_intervals": next_intervals(dag),
            "file": os.path.basename(dag.fileloc),
            "catchup": dag.catchup,
            "backlog": backlog(dag),
            "tags": sorted(dag.tags or []),
            "max_active_runs": dag.max_active_runs,
            "max_active_tasks": dag.max_active_tasks,
            "dagrun_timeout": seconds(dag.dagrun_timeout),
            "params": {k: param_default(dag.params, k) for k in sorted(dag.params.keys())},
            # The order the trigger form lists them in.
            "param_order": list(dag.params.keys()),
            # What Param checks a run's value against (JSON Schema), its description apart.
            "param_schemas": {k: dict(dag.params.get_param(k).schema) for k in sorted(dag.params.keys())},
            "description": dag.description,
            "has_on_failure_callback": has_callback(getattr(dag, "on_failure_callback", None)),
            "has_on_success_callback": has_callback(getattr(dag, "on_success_callback", None)),
            "tasks": tasks,
            "pods": {
                task_id: pod_of(task)
                for task_id, task in sorted(dag.task_dict.items())
                if inherits(task, "KubernetesPodOperator")
            },
        }
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
