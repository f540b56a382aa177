import { defineConfig } from "@mlgen/cli";

export default defineConfig({
  pipelines: ["pipelines/*.pipeline.ts"],
  out: "dags",
  target: "airflow",
});
