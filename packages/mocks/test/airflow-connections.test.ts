import { AirflowApiError, createAirflowClient } from "@mlgen/airflow-client";
import { describe, expect, it } from "vitest";
import { createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Connections as Airflow 3.3.2 answers them (api_fastapi/core_api/routes/public/connections.py,
// datamodels/connections.py, services/public/connections.py).

const CONNS = "/api/v2/connections";

async function setup() {
  const fake = createAirflowFake();
  const call = await loggedIn(fake);
  return { fake, call };
}

const pg = {
  connection_id: "warehouse",
  conn_type: "postgres",
  host: "db.internal",
  login: "etl",
  schema: "analytics",
  port: 5432,
  password: "s3cret",
  extra: '{"sslmode":"require","api_key":"k-123","nested":{"token":"t","region":"eu"}}',
};

describe("Airflow fake: connections", () => {
  it("creates a connection and answers it with the password and sensitive extras masked", async () => {
    const { call } = await setup();
    const created = await call("POST", CONNS, pg);
    expect(created.status).toBe(201);
    const expected = {
      connection_id: "warehouse",
      conn_type: "postgres",
      description: null,
      host: "db.internal",
      login: "etl",
      schema: "analytics",
      port: 5432,
      password: "***",
      extra: '{"sslmode": "require", "api_key": "***", "nested": {"token": "***", "region": "eu"}}',
      team_name: null,
    };
    expect(created.body).toEqual(expected);
    expect(Object.keys(created.body)).toEqual(Object.keys(expected));
    expect(await call("GET", `${CONNS}/warehouse`)).toEqual({ status: 200, body: expected });
  });

  it("answers 409 for a duplicate connection_id and 404 for an unknown one", async () => {
    const { call } = await setup();
    await call("POST", CONNS, pg);
    const dup = await call("POST", CONNS, { connection_id: "warehouse", conn_type: "http" });
    expect(dup.status).toBe(409);
    expect(dup.body.detail.reason).toBe("Unique constraint violation");
    const detail = "The Connection with connection_id: `nope` was not found";
    expect(await call("GET", `${CONNS}/nope`)).toEqual({ status: 404, body: { detail } });
    expect(await call("DELETE", `${CONNS}/nope`)).toEqual({ status: 404, body: { detail } });
    expect(
      await call("PATCH", `${CONNS}/nope`, { connection_id: "nope", conn_type: "http" }),
    ).toEqual({ status: 404, body: { detail } });
  });

  it("validates the body as ConnectionBody: required fields, the id pattern, extra, extras", async () => {
    const { call } = await setup();
    const empty = await call("POST", CONNS, { host: 5 });
    expect(empty.status).toBe(422);
    expect(empty.body.detail.map((d: { type: string; loc: string[] }) => [d.type, d.loc])).toEqual([
      ["missing", ["body", "connection_id"]],
      ["missing", ["body", "conn_type"]],
      ["string_type", ["body", "host"]],
    ]);
    const bad = await call("POST", CONNS, {
      connection_id: "has space",
      conn_type: "http",
      port: "x",
      extra: "[1]",
      uri: "http://x",
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toEqual([
      {
        type: "string_pattern_mismatch",
        loc: ["body", "connection_id"],
        msg: "String should match pattern '^[\\w.-]+$'",
        input: "has space",
        ctx: { pattern: "^[\\w.-]+$" },
      },
      {
        type: "int_parsing",
        loc: ["body", "port"],
        msg: "Input should be a valid integer, unable to parse string as an integer",
        input: "x",
      },
      {
        type: "value_error",
        loc: ["body", "extra"],
        msg: "Value error, The `extra` field must be a valid JSON object (e.g., {'key': 'value'})",
        input: "[1]",
        ctx: { error: {} },
      },
      {
        type: "extra_forbidden",
        loc: ["body", "uri"],
        msg: "Extra inputs are not permitted",
        input: "http://x",
      },
    ]);
    const team = await call("POST", CONNS, {
      connection_id: "t",
      conn_type: "http",
      team_name: "a",
    });
    expect(team.status).toBe(422);
    expect(team.body.detail[0].msg).toBe(
      "Value error, team_name cannot be set when multi_team mode is disabled. Please contact your administrator.",
    );
    // "" is kept as "{}".
    const blank = await call("POST", CONNS, {
      connection_id: "blank",
      conn_type: "http",
      extra: "",
    });
    expect(blank.body.extra).toBe("{}");
  });

  it("patches the fields sent, or only those in update_mask, and keeps a *** password or extra", async () => {
    const { call } = await setup();
    await call("POST", CONNS, pg);
    const mismatch = await call("PATCH", `${CONNS}/warehouse`, {
      connection_id: "other",
      conn_type: "postgres",
    });
    expect(mismatch).toEqual({
      status: 400,
      body: { detail: "The connection_id in the request body does not match the URL parameter" },
    });
    // As answered: *** stands for the stored secret; a changed key is taken, a dropped key goes.
    const echoed = await call("PATCH", `${CONNS}/warehouse`, {
      connection_id: "warehouse",
      conn_type: "postgres",
      password: "***",
      extra: '{"sslmode": "disable", "api_key": "***"}',
      description: "main",
    });
    expect(echoed.status).toBe(200);
    expect(echoed.body).toMatchObject({
      description: "main",
      host: "db.internal",
      password: "***",
      extra: '{"sslmode": "disable", "api_key": "***"}',
    });
    // update_mask: only host changes, though the body holds other values.
    const masked = await call("PATCH", `${CONNS}/warehouse?update_mask=host`, {
      connection_id: "warehouse",
      conn_type: "mysql",
      host: "db2",
      port: 1,
    });
    expect(masked.body).toMatchObject({ conn_type: "postgres", host: "db2", port: 5432 });
    // password named in the mask and not sent: kept (set_password ignores an empty value, as
    // the real server showed in the parity scenario); extra named and not sent: cleared.
    const kept = await call("PATCH", `${CONNS}/warehouse?update_mask=password&update_mask=extra`, {
      connection_id: "warehouse",
      conn_type: "postgres",
    });
    expect([kept.body.password, kept.body.extra]).toEqual(["***", null]);
    const nulled = await call("PATCH", `${CONNS}/warehouse`, {
      connection_id: "warehouse",
      conn_type: "postgres",
      host: null,
    });
    expect(nulled.body).toMatchObject({ host: null, description: "main" });
  });

  it("lists by limit/offset, order_by (connection_id aliases conn_id) and the id patterns", async () => {
    const { call } = await setup();
    for (const [id, type] of [
      ["b_http", "http"],
      ["a_pg", "postgres"],
      ["c_pg", "postgres"],
      ["a_s3", "aws"],
    ])
      await call("POST", CONNS, { connection_id: id, conn_type: type });
    const ids = (body: { connections: Array<{ connection_id: string }> }) =>
      body.connections.map((c) => c.connection_id);
    const all = await call("GET", CONNS);
    expect(ids(all.body)).toEqual(["b_http", "a_pg", "c_pg", "a_s3"]);
    expect(all.body.total_entries).toBe(4);
    const sorted = await call("GET", `${CONNS}?order_by=-connection_id&limit=2&offset=1`);
    expect(ids(sorted.body)).toEqual(["b_http", "a_s3"]);
    expect(sorted.body.total_entries).toBe(4);
    expect(ids((await call("GET", `${CONNS}?order_by=conn_type&order_by=-conn_id`)).body)).toEqual([
      "a_s3",
      "b_http",
      "c_pg",
      "a_pg",
    ]);
    expect(ids((await call("GET", `${CONNS}?connection_id_pattern=_PG`)).body)).toEqual([
      "a_pg",
      "c_pg",
    ]);
    const prefix = await call("GET", `${CONNS}?connection_id_prefix_pattern=a_|c`);
    expect(ids(prefix.body)).toEqual(["a_pg", "c_pg", "a_s3"]);
    expect(await call("GET", `${CONNS}?order_by=password`)).toEqual({
      status: 400,
      body: {
        detail:
          "Ordering with 'password' is disallowed or the attribute does not exist on the model",
      },
    });
  });

  it("deletes a connection (204) and forgets it on reset", async () => {
    const { fake, call } = await setup();
    await call("POST", CONNS, pg);
    expect(await call("DELETE", `${CONNS}/warehouse`)).toEqual({ status: 204, body: null });
    expect((await call("GET", `${CONNS}/warehouse`)).status).toBe(404);
    await call("POST", CONNS, pg);
    fake.reset();
    const again = await loggedIn(fake);
    expect((await again("GET", CONNS)).body).toEqual({ connections: [], total_entries: 0 });
  });

  it("needs the op role; the connection-test routes stay unmocked", async () => {
    const fake = createAirflowFake({
      users: [
        { username: "viewer", password: "v", role: "viewer" },
        { username: "op", password: "o", role: "op" },
      ],
    });
    const as = async (username: string, password: string, method: string, path: string) => {
      const res = await fake.fetch(`${fake.baseUrl}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password }),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      return fake.fetch(`${fake.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${access_token}` },
      });
    };
    expect((await as("viewer", "v", "GET", CONNS)).status).toBe(403);
    expect((await as("op", "o", "GET", CONNS)).status).toBe(200);
    expect((await as("op", "o", "GET", `${CONNS}/enqueue-test`)).status).toBe(501);
    expect((await as("op", "o", "POST", `${CONNS}/test`)).status).toBe(501);
  });

  it("serves @mlgen/airflow-client's connection helpers: create, get, list, update, delete", async () => {
    const fake = createAirflowFake();
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fake.fetch,
    });
    const created = await client.connections.create({
      connection_id: "svc",
      conn_type: "http",
      host: "svc.local",
      password: "pw",
    });
    expect(created).toMatchObject({ connection_id: "svc", password: "***" });
    expect(await client.connections.get("svc")).toEqual(created);
    const call = await loggedIn(fake);
    expect((await call("GET", CONNS)).body.total_entries).toBe(1);
    const updated = await client.connections.update("svc", {
      connection_id: "svc",
      conn_type: "http",
      host: "svc2.local",
      password: "***",
    });
    expect(updated).toMatchObject({ host: "svc2.local", password: "***" });
    await client.connections.delete("svc");
    const gone = await client.connections.get("svc").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(AirflowApiError);
    expect((gone as AirflowApiError).status).toBe(404);
  });
});
