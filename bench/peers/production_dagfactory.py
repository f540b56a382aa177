"""dag-factory loader for production_dagfactory.yml (the YAML peer in bench/dag-parse-bench.ts).

Airflow only parses files whose text has both "airflow" and "dag" (DAG_DISCOVERY_SAFE_MODE), so
this loader says both; the DAG itself is built from the YAML beside it by dag-factory.
"""

import os

from dagfactory import load_yaml_dags

CONFIG_ROOT_DIR = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("CONFIG_ROOT_DIR", CONFIG_ROOT_DIR)

load_yaml_dags(
    globals_dict=globals(),
    config_filepath=os.path.join(CONFIG_ROOT_DIR, "production_dagfactory.yml"),
    defaults_config_path=CONFIG_ROOT_DIR,
)
