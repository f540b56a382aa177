import { env, hours, minutes, pipeline } from "@mlgen/dsl";

/** validate data → train → evaluate, with the retry and timeout policy of a production job. */
export default pipeline(
  "ml_training_pipeline",
  {
    description: "Validate the training data, train a classifier, and evaluate it against a bar.",
    schedule: "0 3 * * *",
    startDate: "2025-01-01",
    catchup: false,
    owner: "ml-team",
    tags: ["example", "training"],
    maxActiveRuns: 1,
    params: {
      min_rows: { default: 500, description: "Fewest rows the data set may have." },
      max_null_fraction: { default: 0.05, description: "Largest share of nulls per column." },
      min_accuracy: { default: 0.8, description: "Evaluation fails below this accuracy." },
    },
    defaults: {
      retries: 2,
      retryDelay: minutes(5),
      executionTimeout: hours(2),
    },
    mlflow: { experiment: "production-training", trackingUri: env("MLFLOW_TRACKING_URI") },
  },
  (p) => {
    const dataDir = env("TRAINING_DATA_DIR", "/opt/airflow/data/training");
    const extract = p.python("extract_data", {
      fn: "tasks/data.py:extract_data",
      inputs: { out_path: dataDir.join("raw", "training.csv") },
      outputs: { data_path: "string" },
    });
    const validate = p.python("validate_data", {
      fn: "tasks/data.py:validate_data",
      inputs: {
        data_path: extract.out.data_path,
        required_columns: ["feature_0", "feature_1", "feature_2", "feature_3", "label"],
        target_column: "label",
        min_rows: p.params.min_rows,
        max_null_fraction: p.params.max_null_fraction,
      },
      outputs: { data_path: "string", rows: "int" },
    });
    const train = p.python("train_model", {
      fn: "tasks/train.py:train_model",
      inputs: { data_path: validate.out.data_path, target_column: "label" },
      outputs: { accuracy: "float", model_uri: "string", run_id: "string" },
      mlflow: true,
      executionTimeout: hours(1),
    });
    p.python("evaluate_model", {
      fn: "tasks/train.py:evaluate_model",
      inputs: {
        accuracy: train.out.accuracy,
        model_uri: train.out.model_uri,
        min_accuracy: p.params.min_accuracy,
      },
      outputs: { passed: "bool" },
      retries: 0,
    });
    p.bash("report", {
      // Not `{{ ds }}`: Airflow 3 leaves it undefined in a run triggered without a logical date.
      command: 'echo "training run {{ run_id }} finished: $MODEL_URI"',
      env: { MODEL_URI: train.out.model_uri },
    }).after(validate);
  },
);
