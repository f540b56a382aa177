import { defineConfig } from "@mlgen/cli";

export default defineConfig({
  pipelines: ["pipelines/*.pipeline.ts"],
  out: "dags",
  target: "all",
  // Kubeflow: execution timeouts as activeDeadlineSeconds (the Kubernetes platform spec).
  kubeflow: { timeouts: true },
});
