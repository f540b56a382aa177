"""What Airflow's Jinja environment is, for test/engines/jinja-context.test.ts.

`jinja_env.py env` prints the environment a task renders its templates with (globals, filters,
tests, undefined, extensions) as JSON. `jinja_env.py compile` reads a JSON list of template
texts on stdin and prints, for each, null when that environment compiles it, else Jinja's
error. `jinja_env.py render` reads a JSON list of templates on stdin, renders each with the
variable and connection accessors a task's context holds (`var`, `conn`; the variables BUCKET
and CFG and the connection DB come from AIRFLOW_VAR_*/AIRFLOW_CONN_* environment variables, so no
database is read) and prints `{"signatures": ..., "results": [...]}`: the accessors' `get`
parameters, and per template null when it renders, else the error. `jinja_env.py dag OUT` is a
DAG file whose one task writes its context's keys to OUT.
"""

import inspect
import json
import os
import sys

try:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator

import datetime


def template_env():
    with DAG("jinja_env", start_date=datetime.datetime(2025, 1, 1), schedule=None):
        task = BashOperator(task_id="t", bash_command="true")
    return task.get_template_env()


def main() -> None:
    mode = sys.argv[1]
    env = template_env()
    if mode == "env":
        print(
            json.dumps(
                {
                    "globals": sorted(env.globals),
                    "filters": sorted(env.filters),
                    "tests": sorted(env.tests),
                    "undefined": env.undefined.__name__,
                    "extensions": sorted(env.extensions),
                }
            )
        )
    elif mode == "compile":
        out = []
        for text in json.load(sys.stdin):
            try:
                env.from_string(text)
                out.append(None)
            except Exception as e:  # noqa: BLE001 - the error is the answer
                out.append(f"{type(e).__name__}: {e}")
        print(json.dumps(out))
    elif mode == "render":
        print(json.dumps(render_all(env, json.load(sys.stdin))))


def render_all(env, texts):
    os.environ["AIRFLOW_VAR_BUCKET"] = "b"
    os.environ["AIRFLOW_VAR_CFG"] = "{}"
    os.environ["AIRFLOW_CONN_DB"] = "http://db.example"
    try:
        from airflow.sdk.execution_time.context import (
            ConnectionAccessor,
            VariableAccessor,
        )
    except ImportError:  # Airflow 2
        from airflow.utils.context import ConnectionAccessor, VariableAccessor
    context = {
        "var": {
            "value": VariableAccessor(deserialize_json=False),
            "json": VariableAccessor(deserialize_json=True),
        },
        "conn": ConnectionAccessor(),
    }
    results = []
    for text in texts:
        try:
            env.from_string(text).render(context)
            results.append(None)
        except Exception as e:  # noqa: BLE001 - the error is the answer
            results.append(f"{type(e).__name__}: {e}")
    signatures = {
        name: [p for p in inspect.signature(cls.get).parameters if p != "self"]
        for name, cls in (("var", VariableAccessor), ("conn", ConnectionAccessor))
    }
    return {"signatures": signatures, "results": results}


if __name__ == "__main__":
    main()
