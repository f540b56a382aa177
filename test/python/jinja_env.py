"""What Airflow's Jinja environment is, for test/engines/jinja-context.test.ts.

`jinja_env.py env` prints the environment a task renders its templates with (globals, filters,
tests, undefined, extensions) as JSON. `jinja_env.py compile` reads a JSON list of template
texts on stdin and prints, for each, null when that environment compiles it, else Jinja's
error. `jinja_env.py dag OUT` is a DAG file whose one task writes its context's keys to OUT.
"""

import json
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


if __name__ == "__main__":
    main()
