/**
 * `paginate` takes list endpoints only (a GET with `limit` and `offset`), checked by `tsc` in
 * the types project.
 */
import { describe, expectTypeOf, it } from "vitest";
import { createAirflowClient } from "../src/index.js";

const client = createAirflowClient({ baseUrl: "http://af" });

describe("paginate", () => {
  it("takes list endpoints and yields their items", () => {
    expectTypeOf(client.paginate("/api/v2/dags", {})).toMatchTypeOf<
      AsyncGenerator<{ dag_id: string }>
    >();
    client.paginate("/api/v2/dags/{dag_id}/dagRuns", { path: { dag_id: "d" } });
  });

  it("refuses endpoints that are no list (no limit), which it would page through their fields", () => {
    // @ts-expect-error: one DAG, not a list
    client.paginate("/api/v2/dags/{dag_id}", { path: { dag_id: "d" } });
    // @ts-expect-error: no query parameters at all
    client.paginate("/api/v2/version", {});
    // @ts-expect-error: one variable
    client.paginate("/api/v2/variables/{variable_key}", { path: { variable_key: "k" } });
  });
});
