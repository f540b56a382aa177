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

  it("takes a cursor where the endpoint pages by cursor, and never limit or offset", () => {
    client.paginate("/api/v2/dags/{dag_id}/dagRuns", {
      path: { dag_id: "d" },
      query: { cursor: "" },
    });
    client.paginate("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", {
      path: { dag_id: "d", dag_run_id: "~" },
      query: { cursor: "" },
    });
    // @ts-expect-error: the DAG list pages by offset only
    client.paginate("/api/v2/dags", { query: { cursor: "" } });
    // @ts-expect-error: paginate sets the offset itself
    client.paginate("/api/v2/dags", { query: { offset: 5 } });
    // @ts-expect-error: and the page size (its third argument)
    client.paginate("/api/v2/dags", { query: { limit: 5 } });
  });

  it("takes { pageSize, signal } as its third argument, as the other helpers take signal", () => {
    const signal = new AbortController().signal;
    expectTypeOf(client.paginate("/api/v2/dags", {}, { pageSize: 10, signal })).toMatchTypeOf<
      AsyncGenerator<{ dag_id: string }>
    >();
    client.paginate("/api/v2/dags", {}, { signal });
    client.paginate("/api/v2/dags", {}, 10, signal);
    // @ts-expect-error: a page size is a number
    client.paginate("/api/v2/dags", {}, { pageSize: "10" });
    // @ts-expect-error: a signal is an AbortSignal
    client.paginate("/api/v2/dags", {}, { signal: "stop" });
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
