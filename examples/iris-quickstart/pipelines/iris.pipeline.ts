import { hours, minutes, pipeline, variable } from "@mlgen/dsl";

/** Train a RandomForest on iris every day and track it in MLflow. */
export default pipeline(
  "iris_quickstart",
  {
    description: "Train a RandomForest on the iris data set and log it to MLflow.",
    schedule: "@daily",
    startDate: "2025-01-01",
    catchup: false,
    owner: "ml-team",
    tags: ["example", "iris"],
    maxActiveRuns: 1,
    params: { n_estimators: 100, test_size: 0.25 },
    defaults: { retries: 1, retryDelay: minutes(2), executionTimeout: hours(1) },
    mlflow: { experiment: "iris-quickstart" },
  },
  (p) => {
    const data = p.python("prepare_data", {
      fn: "tasks/iris.py:prepare_data",
      inputs: { out_dir: variable("iris_data_dir", "/opt/airflow/data/iris") },
      outputs: { data_path: "string", rows: "int" },
    });
    p.python("train_model", {
      fn: "tasks/iris.py:train_model",
      inputs: {
        data_path: data.out.data_path,
        n_estimators: p.params.n_estimators,
        test_size: p.params.test_size,
      },
      outputs: { accuracy: "float", model_uri: "string" },
      mlflow: true,
    });
  },
);
