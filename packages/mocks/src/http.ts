/**
 * Typed msw handlers for both APIs, from the same OpenAPI types the clients use (openapi-msw
 * over openapi-typescript's `paths`): a path that is not in the spec, a wrong path parameter
 * or a response body that does not match the spec's schema is a compile error.
 *
 *   const mlflow = mlflowHttp();                       // http://mlflow.mock by default
 *   mlflow.get("/api/2.0/mlflow/runs/get", ({ query, response }) =>
 *     response(200).json({ run: { info: { run_id: query.get("run_id") ?? "" }, data: {} } }));
 */
import type { paths as AirflowPaths } from "@mlgen/airflow-client";
import type { paths as MlflowPaths } from "@mlgen/mlflow-client";
import { createOpenApiHttp, type OpenApiHttpHandlers } from "openapi-msw";
import { normalizeBaseUrl } from "./fake.js";

export const MLFLOW_MOCK_URL = "http://mlflow.mock";
export const AIRFLOW_MOCK_URL = "http://airflow.mock";

export type MlflowHttp = OpenApiHttpHandlers<MlflowPaths>;
export type AirflowHttp = OpenApiHttpHandlers<AirflowPaths>;

/** Typed handler factories for the MLflow REST API (specs/mlflow/openapi.yaml). */
export function mlflowHttp(baseUrl: string = MLFLOW_MOCK_URL): MlflowHttp {
  return createOpenApiHttp<MlflowPaths>({ baseUrl: normalizeBaseUrl(baseUrl) });
}

/** Typed handler factories for the Airflow 3 REST API v2 (specs/airflow/v2-rest-api.yaml). */
export function airflowHttp(baseUrl: string = AIRFLOW_MOCK_URL): AirflowHttp {
  return createOpenApiHttp<AirflowPaths>({ baseUrl: normalizeBaseUrl(baseUrl) });
}
