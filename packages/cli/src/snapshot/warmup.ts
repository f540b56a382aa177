/**
 * What the startup snapshot runs once while it is built (entry.ts), so that the snapshot holds
 * mlgen's code compiled and its caches filled (Handlebars templates, zod's validators) rather
 * than only loaded: a pipeline with most of the DSL's constructs, compiled for both targets, and
 * one hand-written DAG file, linted. Nothing of it is kept but what the runs warmed.
 */
import { hours, type Input, minutes, pipeline, slack, template } from "@mlgen/dsl";

export const WARMUP_TASKS = `"""Tasks of the snapshot's warm-up pipeline."""


def features(data_path: str) -> dict:
    return {"features_path": data_path, "rows": 1, "parts": [1, 2]}


def train(features_path: str, model_type: str) -> dict:
    return {"accuracy": 0.9, "run_id": model_type}


def best(candidates: list) -> dict:
    return {"run_id": "r", "accuracy": 0.9}


def score(part: int) -> dict:
    return {"value": part}
`;

export const WARMUP_DAG = `"""A hand-written DAG for the linter's warm-up."""
from datetime import datetime, timedelta

from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator


def push(**context):
    context["ti"].xcom_push(key="path", value="/tmp/out.csv")


with DAG("warmup", start_date=datetime(2025, 1, 1), schedule="@daily", default_args={"retries": 1}):
    first = PythonOperator(task_id="push", python_callable=push, execution_timeout=timedelta(hours=1))
    second = BashOperator(
        task_id="pull",
        bash_command="echo {{ ti.xcom_pull(task_ids='push', key='path') }}",
    )

    @task
    def total(values: list) -> int:
        return sum(values)

    first >> second >> total([1, 2])
`;

const MODELS = ["linear", "forest"] as const;

export const warmupPipeline = pipeline(
  "mlgen_snapshot_warmup",
  {
    description: "Warms the startup snapshot.",
    schedule: "0 4 * * *",
    startDate: "2025-01-01",
    tags: ["warmup"],
    params: { threshold: { default: 0.8, description: "Accuracy to deploy at." } },
    defaults: {
      retries: 2,
      retryDelay: minutes(2),
      executionTimeout: hours(1),
      onFailure: slack({ connId: "slack" }),
    },
    mlflow: { experiment: "warmup" },
  },
  (p) => {
    const file = template("{{ var.value.data_dir }}/{{ ds }}.csv");
    const wait = p.fileSensor("wait", { path: file, pokeInterval: minutes(5), timeout: hours(1) });
    const valid = p
      .validate("validate", { data: file, requiredColumns: ["x", "label"], minRows: 1 })
      .after(wait);
    const features = p
      .python("features", {
        fn: "tasks/warm.py:features",
        inputs: { data_path: file },
        outputs: { features_path: "string", rows: "int", parts: "list" },
      })
      .after(valid);
    const candidates: Input[] = [];
    const trained = p.group("train", { tooltip: "models" }, (g) => {
      for (const model of MODELS) {
        const t = g.python(model, {
          fn: "tasks/warm.py:train",
          inputs: { features_path: features.out.features_path, model_type: model },
          outputs: { accuracy: "float", run_id: "string" },
          mlflow: true,
        });
        candidates.push({ model, accuracy: t.out.accuracy });
      }
    });
    const best = p
      .python("best", {
        fn: "tasks/warm.py:best",
        inputs: { candidates },
        outputs: { run_id: "string", accuracy: "float" },
      })
      .after(trained);
    p.map("score", {
      fn: "tasks/warm.py:score",
      over: features.out.parts,
      as: "part",
      outputs: { value: "int" },
    });
    const deploy = p.container("deploy", {
      image: "python:3.11-slim",
      command: ["python", "-c"],
      args: ["print('deploy')"],
      env: { RUN_ID: best.out.run_id },
      resources: { cpu: "1", memory: "1Gi" },
    });
    const report = p.bash("report", { command: "echo {{ ds }}", env: { ACC: best.out.accuracy } });
    p.branch("check", { when: [best.out.accuracy, ">=", 0.8], ifTrue: deploy, ifFalse: report });
  },
);
