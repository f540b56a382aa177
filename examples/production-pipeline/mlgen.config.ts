import { defineConfig } from "@mlgen/cli";

export default defineConfig({
  pipelines: ["pipelines/*.pipeline.ts"],
  out: "dags",
  target: "all",
  // Kubeflow: execution timeouts as activeDeadlineSeconds (the Kubernetes platform spec), and
  // the libraries the tasks import, pip-installed before each Python task on python:3.11-slim
  // (the versions of test/python/requirements.lock, which the tests run them with).
  kubeflow: {
    timeouts: true,
    packages: ["scikit-learn==1.9.1", "pandas==3.1.1", "mlflow==3.17.2"],
    // The Slack alert's webhook URL, from a Kubernetes secret, in the tasks' pods.
    secretEnv: {
      MLGEN_SLACK_SLACK_ML_ALERTS_URL: { secret: "slack-ml-alerts", key: "webhook-url" },
    },
  },
});
