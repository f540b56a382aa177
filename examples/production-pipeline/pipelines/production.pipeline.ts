import { asset, env, hours, type Input, minutes, pipeline, slack, template } from "@mlgen/dsl";

const MODEL_TYPES = ["logistic_regression", "random_forest", "gradient_boosting"] as const;

/**
 * The day's data file → validate → features → three models in parallel → the best one →
 * evaluate → deploy it as the registry's `champion`, or ask for retraining. Runs daily, and
 * as soon as the upstream ingest updates the raw-data asset.
 */
export default pipeline(
  "production_pipeline",
  {
    description: "Daily retraining: validate the day's data, train three models, deploy the best.",
    schedule: { cron: "0 4 * * *", assets: [asset("s3://ml-data/production/daily")] },
    startDate: "2025-01-01",
    catchup: false,
    owner: "ml-platform",
    tags: ["example", "production"],
    maxActiveRuns: 1,
    dagrunTimeout: hours(8),
    params: {
      model_name: { default: "production-classifier", description: "Registered model name." },
    },
    defaults: {
      retries: 2,
      retryDelay: minutes(2),
      retryExponentialBackoff: true,
      maxRetryDelay: minutes(30),
      executionTimeout: hours(1),
      onFailure: slack({ connId: "slack_ml_alerts" }),
    },
    mlflow: { experiment: "production-pipeline", trackingUri: env("MLFLOW_TRACKING_URI") },
  },
  (p) => {
    // The file for the run's day, in the folder the Airflow Variable names. The day is the
    // logical date's or, for a run without one (asset-triggered, or triggered through the API
    // with logical_date null), the day it was due: Airflow 3 leaves `ds` undefined in those runs.
    const day = "(dag_run.logical_date or dag_run.run_after) | ds";
    const dayFile = template(`{{ var.value.production_data_dir }}/{{ ${day} }}.csv`);

    const wait = p.fileSensor("wait_for_data", {
      path: dayFile,
      pokeInterval: minutes(5),
      timeout: hours(6),
    });

    const validate = p
      .validate("validate_data", {
        data: dayFile,
        requiredColumns: ["feature_0", "feature_1", "feature_2", "feature_3", "label"],
        minRows: 200,
        maxNullFraction: { feature_0: 0.05, feature_1: 0.05, feature_2: 0.05, feature_3: 0.05 },
        target: "label",
        dtypes: { label: "int" },
      })
      .after(wait);

    const features = p
      .python("build_features", {
        fn: "tasks/features.py:build_features",
        inputs: { data_path: dayFile },
        outputs: { features_path: "string", rows: "int" },
      })
      .after(validate);

    const candidates: Input[] = [];
    const training = p.group(
      "train",
      { tooltip: "One model per type, in parallel.", defaults: { executionTimeout: hours(2) } },
      (g) => {
        for (const modelType of MODEL_TYPES) {
          const model = g.python(modelType, {
            fn: "tasks/train.py:train_model",
            inputs: { features_path: features.out.features_path, model_type: modelType },
            outputs: { accuracy: "float", run_id: "string" },
            mlflow: true,
          });
          candidates.push({
            model_type: modelType,
            accuracy: model.out.accuracy,
            run_id: model.out.run_id,
          });
        }
      },
    );

    const best = p
      .python("select_best", {
        fn: "tasks/train.py:select_best",
        inputs: { candidates },
        outputs: { model_type: "string", run_id: "string", accuracy: "float" },
      })
      .after(training);

    const evaluate = p.python("evaluate", {
      fn: "tasks/train.py:evaluate_model",
      inputs: { run_id: best.out.run_id, features_path: features.out.features_path },
      outputs: { accuracy: "float" },
      mlflow: true,
    });

    const deploy = p.python("deploy", {
      fn: "tasks/deploy.py:register_champion",
      inputs: {
        run_id: best.out.run_id,
        model_name: p.params.model_name,
        accuracy: evaluate.out.accuracy,
        tracking_uri: env("MLFLOW_TRACKING_URI"),
      },
      outputs: { version: "string" },
    });

    const retrain = p.python("request_retraining", {
      fn: "tasks/deploy.py:request_retraining",
      inputs: { accuracy: evaluate.out.accuracy, model_type: best.out.model_type },
      outputs: { reason: "string" },
    });

    p.branch("check_accuracy", {
      when: [evaluate.out.accuracy, ">=", 0.85],
      ifTrue: deploy,
      ifFalse: retrain,
    });

    p.bash("report", {
      command: `echo "production run {{ ${day} }} finished: model $MODEL_TYPE, accuracy $ACCURACY"`,
      env: { MODEL_TYPE: best.out.model_type, ACCURACY: evaluate.out.accuracy },
    }).after(deploy, retrain);
  },
);
