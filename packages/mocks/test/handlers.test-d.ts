/**
 * The typed handlers reject what the specs do not allow: unknown paths, unknown path
 * parameters, and response bodies of the wrong shape (checked by `tsc` in the types project).
 */
import type { paths as MlflowPaths } from "@mlgen/mlflow-client";
import { describe, expectTypeOf, it } from "vitest";
import { fakeHttp } from "../src/http.js";
import {
  type AirflowFake,
  airflowHttp,
  type MlflowFake,
  type MlflowHttp,
  mlflowHttp,
} from "../src/index.js";
import { setupMlgenMocks } from "../src/vitest.js";

const mlflow = mlflowHttp();
const airflow = airflowHttp();

describe("typed handlers", () => {
  it("accept a response that matches the spec", () => {
    mlflow.get("/api/2.0/mlflow/experiments/get-by-name", ({ query, response }) => {
      expectTypeOf(query.get("experiment_name")).toEqualTypeOf<string>();
      return response(200).json({
        experiment: {
          experiment_id: "1",
          name: "x",
          artifact_location: "mlflow-artifacts:/1",
          lifecycle_stage: "active",
        },
      });
    });
    airflow.get("/api/v2/dags/{dag_id}", ({ params }) => {
      expectTypeOf(params.dag_id).toEqualTypeOf<string>();
      return undefined;
    });
  });

  it("reject a body missing a required field", () => {
    mlflow.get("/api/2.0/mlflow/experiments/get-by-name", ({ response }) =>
      // @ts-expect-error artifact_location and lifecycle_stage are required
      response(200).json({ experiment: { experiment_id: "1", name: "x" } }),
    );
  });

  it("type the fakes' own factory exactly like mlflowHttp()", () => {
    const fake = fakeHttp<MlflowPaths>("http://mlflow.mock");
    expectTypeOf(fake).toEqualTypeOf<MlflowHttp>();
    fake.post("/api/2.0/mlflow/experiments/create", ({ response }) =>
      response(200).json({ experiment_id: "1" }),
    );
    fake.post("/api/2.0/mlflow/experiments/create", ({ response }) =>
      // @ts-expect-error experiment_id must be a string
      response(200).json({ experiment_id: 1 }),
    );
    // @ts-expect-error not an MLflow path
    fake.get("/api/2.0/mlflow/no-such-endpoint", () => undefined);
  });

  it("reject paths the spec does not have", () => {
    // @ts-expect-error not an MLflow path
    mlflow.get("/api/2.0/mlflow/no-such-endpoint", () => undefined);
    // @ts-expect-error runs/create is POST only
    mlflow.get("/api/2.0/mlflow/runs/create", () => undefined);
  });

  it("reject unknown path parameters and wrong bodies", () => {
    airflow.get("/api/v2/dags/{dag_id}", ({ params, response }) => {
      // @ts-expect-error no such parameter
      void params.dagId;
      // @ts-expect-error is_paused must be a boolean
      return response(200).json({ dag_id: "d", is_paused: "yes" });
    });
    mlflow.post("/api/2.0/mlflow/runs/create", ({ response }) =>
      // @ts-expect-error status code not in the spec for this operation
      response(201).json({}),
    );
  });
});

describe("errors from the MLflow spec's default response", () => {
  it("type-check as the README writes them: response('default') with the status in init", () => {
    mlflow.get("/api/2.0/mlflow/runs/get", ({ response }) =>
      response("default").json(
        { error_code: "RESOURCE_DOES_NOT_EXIST", message: "gone" },
        { status: 404 },
      ),
    );
    // As the guide writes it (docs/guides/testing-with-mocks.md, §5).
    mlflow.get("/api/2.0/mlflow/registered-models/alias", ({ response }) =>
      response("default").json(
        {
          error_code: "TEMPORARILY_UNAVAILABLE",
          message: "(sqlite3.OperationalError) database is locked",
        },
        { status: 503 },
      ),
    );
  });
});

describe("setupMlgenMocks", () => {
  it("types each fake as there, absent or maybe absent, as the options say (only type-checked)", () => {
    const all = setupMlgenMocks();
    expectTypeOf(all.airflow).toEqualTypeOf<AirflowFake>();
    expectTypeOf(all.mlflow).toEqualTypeOf<MlflowFake>();
    const noMlflow = setupMlgenMocks({ mlflow: false });
    expectTypeOf(noMlflow.mlflow).toEqualTypeOf<undefined>();
    expectTypeOf(noMlflow.airflow).toEqualTypeOf<AirflowFake>();
    const maybe = setupMlgenMocks({
      airflow: Math.random() > 1 ? false : { baseUrl: "http://af" },
    });
    expectTypeOf(maybe.airflow).toEqualTypeOf<AirflowFake | undefined>();
    expectTypeOf(maybe.mlflow).toEqualTypeOf<MlflowFake>();
  });
});
