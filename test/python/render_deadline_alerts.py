"""Renders each deadline alert's notifier of the DAGs in a folder as Airflow 3 renders it.

Usage: render_deadline_alerts.py <dag folder> <out.json>

For every DAG (real DagBag) and each DeadlineAlert whose callback is a notifier class, the
notifier is made with the alert's kwargs and given the context a missed deadline gets
(models/deadline.py handle_miss: `dag_run`, the REST API's DAG run as JSON, and `deadline`),
then BaseNotifier.__call__'s steps before notify(): _update_context and
render_template_fields, in the notifier's own Jinja environment. Written per DAG id: each
templated string field's rendering, the exception that failed it, and the names it rendered
as nothing (undefined).
"""

from __future__ import annotations

import datetime
import importlib
import json
import sys

from airflow.api_fastapi.core_api.datamodels.dag_run import DAGRunResponse
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.bases.notifier import BaseNotifier

# The run as handle_miss dumps it: every field of DAGRunResponse (text for its dates), these
# with values a text may print.
RUN = {name: None for name in DAGRunResponse.model_fields} | {
    "dag_id": "d",
    "dag_run_id": "manual__2025-01-01T00:00:00+00:00",
    "logical_date": "2025-01-01T00:00:00Z",
    "run_after": "2025-01-01T00:00:00Z",
    "queued_at": "2025-01-01T00:00:01Z",
    "state": "running",
    "conf": {},
}

CONTEXT = {
    "dag_run": RUN,
    "deadline": {
        "id": "0197",
        "deadline_time": datetime.datetime(2025, 1, 1, 6, tzinfo=datetime.UTC),
    },
}


def render(notifier: BaseNotifier) -> dict:
    undefined: list[str] = []
    env = notifier.get_template_env()
    base = env.undefined

    class Recording(base):  # type: ignore[misc, valid-type]
        def __str__(self) -> str:
            undefined.append(self._undefined_name or "?")
            return super().__str__()

    env.undefined = Recording
    fields = {f: getattr(notifier, f) for f in notifier.template_fields if isinstance(getattr(notifier, f), str)}
    context = json.loads(json.dumps(CONTEXT, default=str))
    context["deadline"]["deadline_time"] = CONTEXT["deadline"]["deadline_time"]
    try:
        notifier._update_context(context)
        notifier.render_template_fields(context, jinja_env=env)
        error = None
    except Exception as e:  # noqa: BLE001 - the failure is what is recorded
        error = f"{type(e).__name__}: {e}"
    return {
        "fields": {f: getattr(notifier, f) for f in fields},
        "templates": fields,
        "error": error,
        "undefined": sorted(set(undefined)),
    }


def main() -> None:
    folder, out = sys.argv[1], sys.argv[2]
    bag = DagBag(dag_folder=folder)  # examples are off through AIRFLOW__CORE__LOAD_EXAMPLES
    result: dict = {"import_errors": {k: v for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id in sorted(bag.dags):
        dag = bag.dags[dag_id]
        alerts = dag.deadline or []
        if not isinstance(alerts, list):
            alerts = [alerts]
        rendered = []
        for alert in alerts:
            callback = alert.callback
            module, name = callback.path.rsplit(".", 1)
            target = getattr(importlib.import_module(module), name, None)
            if not (isinstance(target, type) and issubclass(target, BaseNotifier)):
                rendered.append({"notifier": False})
                continue
            rendered.append({"notifier": True, **render(target(**callback.kwargs))})
        result["dags"][dag_id] = rendered
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
