"""Calls a generated DAG's python sensor's poke as Airflow's sensor loop does, with a recording ti.

Usage: poke_sensor.py <dag file> <task id>; prints one JSON line: what poke returned (is_done,
xcom_value) and the XComs the check pushed, or the error it raised.
"""

from __future__ import annotations

import importlib.util
import json
import sys


class RecordingTi:
    def __init__(self):
        self.pushed = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


def main() -> None:
    path, task_id = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("generated_dag", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The DAG's tasks are module-level names (a `with DAG(...)` block makes no scope).
    tasks = [v for v in vars(module).values() if getattr(v, "task_id", None) == task_id]
    if not tasks:
        raise SystemExit(f"no task {task_id!r} in {path}")
    task = tasks[0]
    ti = RecordingTi()
    try:
        returned = task.poke({"ti": ti})
        out = {
            "is_done": bool(getattr(returned, "is_done", returned)),
            "xcom_value": getattr(returned, "xcom_value", None),
            "pushed": ti.pushed,
        }
    except Exception as e:  # noqa: BLE001
        out = {"error": f"{type(e).__name__}: {e}", "pushed": ti.pushed}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
