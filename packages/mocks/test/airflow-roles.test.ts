/**
 * Users with roles in the Airflow fake: each route asks for the permission Airflow 3.3.2's
 * SimpleAuthManager asks for (permissions.ts), and a role that lacks it gets the server's 403.
 * The real server's answers are checked by test/engines/mocks-airflow-parity.test.ts.
 */
import { AirflowApiError, createAirflowClient } from "@mlgen/airflow-client";
import { describe, expect, it } from "vitest";
import { AIRFLOW_SPEC_ROUTES } from "../src/airflow/spec-routes.js";
import {
  AIRFLOW_ROLES,
  AIRFLOW_ROUTE_ACCESS,
  type AirflowFake,
  type AirflowFakeUser,
  type AirflowRole,
  airflowRoleMay,
  createAirflowFake,
} from "../src/index.js";

const USERS: readonly AirflowFakeUser[] = [
  { username: "vera", password: "vera-pw", role: "viewer" },
  { username: "ulla", password: "ulla-pw", role: "user" },
  { username: "otto", password: "otto-pw", role: "op" },
  { username: "admin", password: "admin", role: "admin" },
];

const FORBIDDEN = { status: 403, body: { detail: "Forbidden" } };

function seeded(): AirflowFake {
  const fake = createAirflowFake({ users: USERS });
  fake.addDag({ dagId: "train", tasks: [{ taskId: "fit", xcom: { return_value: 1 } }] });
  fake.setVariable("threshold", "0.9");
  return fake;
}

async function login(fake: AirflowFake, username: string, password: string) {
  const res = await fake.fetch(`${fake.baseUrl}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A caller logged in as the user of `role`. */
async function as(fake: AirflowFake, role: AirflowRole) {
  const user = USERS.find((u) => u.role === role) as AirflowFakeUser;
  const { body } = await login(fake, user.username, user.password);
  return async (method: string, path: string, payload?: unknown) => {
    const res = await fake.fetch(`${fake.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${body.access_token}`,
        "content-type": "application/json",
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

describe("users with roles", () => {
  it("a viewer reads DAGs, runs, pools and import errors but cannot trigger, pause, clear or touch variables", async () => {
    const fake = seeded();
    const admin = await as(fake, "admin");
    await admin("POST", "/api/v2/dags/train/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const viewer = await as(fake, "viewer");
    for (const path of [
      "/api/v2/dags",
      "/api/v2/dags/train",
      "/api/v2/dags/train/details",
      "/api/v2/dags/train/dagRuns",
      "/api/v2/dags/train/dagRuns/r1",
      "/api/v2/dags/train/dagRuns/r1/taskInstances",
      "/api/v2/dags/train/dagRuns/r1/taskInstances/fit/xcomEntries/return_value",
      "/api/v2/pools",
      "/api/v2/importErrors",
    ]) {
      expect([path, (await viewer("GET", path)).status]).toEqual([path, 200]);
    }
    // Writes (and reading variables, which needs op) get the server's 403, before the body is
    // validated (no logical_date) or the DAG looked up.
    expect(await viewer("POST", "/api/v2/dags/train/dagRuns", { logical_date: null })).toEqual(
      FORBIDDEN,
    );
    expect(await viewer("POST", "/api/v2/dags/train/dagRuns", {})).toEqual(FORBIDDEN);
    expect(await viewer("POST", "/api/v2/dags/nope/dagRuns", { logical_date: null })).toEqual(
      FORBIDDEN,
    );
    expect(
      await viewer("PATCH", "/api/v2/dags/train?update_mask=is_paused", { is_paused: true }),
    ).toEqual(FORBIDDEN);
    expect(
      await viewer("POST", "/api/v2/dags/train/clearTaskInstances", { dag_run_id: "r1" }),
    ).toEqual(FORBIDDEN);
    expect(await viewer("POST", "/api/v2/dags/train/dagRuns/r1/clear", {})).toEqual(FORBIDDEN);
    expect(await viewer("DELETE", "/api/v2/dags/train/dagRuns/r1")).toEqual(FORBIDDEN);
    expect(await viewer("POST", "/api/v2/variables", { key: "k", value: "v" })).toEqual(FORBIDDEN);
    expect(await viewer("GET", "/api/v2/variables/threshold")).toEqual(FORBIDDEN);
    expect(await viewer("POST", "/api/v2/pools", { name: "p", slots: 1 })).toEqual(FORBIDDEN);
    // Nothing changed.
    expect((await admin("GET", "/api/v2/dags/train")).body.is_paused).toBe(false);
    expect((await admin("GET", "/api/v2/dags/train/dagRuns")).body.total_entries).toBe(1);
    expect((await admin("GET", "/api/v2/variables")).body.total_entries).toBe(1);
  });

  it("an admin may do what the viewer may not", async () => {
    const fake = seeded();
    const admin = await as(fake, "admin");
    const run = await admin("POST", "/api/v2/dags/train/dagRuns", { logical_date: null });
    expect([run.status, run.body.triggering_user_name]).toEqual([200, "admin"]);
    expect(
      (await admin("PATCH", "/api/v2/dags/train?update_mask=is_paused", { is_paused: true }))
        .status,
    ).toBe(200);
    expect((await admin("POST", "/api/v2/variables", { key: "k", value: "v" })).status).toBe(201);
    expect((await admin("GET", "/api/v2/variables/threshold")).body.value).toBe("0.9");
    expect((await admin("POST", "/api/v2/pools", { name: "p", slots: 1 })).status).toBe(201);
  });

  it("a user triggers, pauses and clears DAGs (the run names them) but may not touch variables or pools; an op may", async () => {
    const fake = seeded();
    const user = await as(fake, "user");
    const run = await user("POST", "/api/v2/dags/train/dagRuns", {
      dag_run_id: "by_ulla",
      logical_date: null,
    });
    expect([run.status, run.body.triggering_user_name]).toEqual([200, "ulla"]);
    expect((await user("PATCH", "/api/v2/dags/train", { is_paused: true })).status).toBe(200);
    expect(
      (await user("POST", "/api/v2/dags/train/clearTaskInstances", { dag_run_id: "by_ulla" }))
        .status,
    ).toBe(200);
    expect(await user("GET", "/api/v2/variables")).toEqual(FORBIDDEN);
    expect(await user("PATCH", "/api/v2/pools/default_pool", { slots: 3 })).toEqual(FORBIDDEN);
    const op = await as(fake, "op");
    expect((await op("GET", "/api/v2/variables")).body.total_entries).toBe(1);
    expect((await op("DELETE", "/api/v2/variables/threshold")).status).toBe(204);
    expect((await op("POST", "/api/v2/pools", { name: "p", slots: 1 })).status).toBe(201);
    // Still a token first: no header is 401 whatever the route needs.
    const anonymous = await fake.fetch(`${fake.baseUrl}/api/v2/variables`);
    expect(anonymous.status).toBe(401);
  });

  it("issues tokens per user that carry the role; a wrong password is 401 as before", async () => {
    const fake = seeded();
    for (const u of USERS) {
      const { status, body } = await login(fake, u.username, u.password);
      expect(status).toBe(201);
      const claims = JSON.parse(
        Buffer.from(String(body.access_token).split(".")[1] as string, "base64url").toString(),
      );
      expect([claims.sub, claims.role]).toEqual([u.username, u.role]);
    }
    expect(await login(fake, "vera", "admin")).toEqual({
      status: 401,
      body: { detail: "Invalid credentials" },
    });
    expect(await login(fake, "nobody", "x")).toEqual({
      status: 401,
      body: { detail: "Invalid credentials" },
    });
    // `users` replaces the default admin/admin, as simple_auth_manager_users replaces Airflow's.
    expect(
      (await login(createAirflowFake({ users: USERS.slice(0, 1) }), "admin", "admin")).status,
    ).toBe(401);
  });

  it("keeps the default single admin (admin/admin, or username/password) as before", async () => {
    const fake = createAirflowFake({ username: "ci", password: "secret" });
    fake.addDag({ dagId: "train", tasks: [{ taskId: "fit" }] });
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "ci", password: "secret" },
      fetch: fake.fetch,
    });
    const run = await client.triggerDagRun("train", {});
    expect(run.triggering_user_name).toBe("ci");
    expect((await login(createAirflowFake(), "admin", "admin")).status).toBe(201);
  });

  it("the client sees a viewer's refused trigger as an AirflowApiError 403", async () => {
    const fake = seeded();
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "vera", password: "vera-pw" },
      fetch: fake.fetch,
    });
    expect((await client.getDag("train")).dag_id).toBe("train");
    const error = await client.triggerDagRun("train", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AirflowApiError);
    expect([(error as AirflowApiError).status, (error as AirflowApiError).message]).toEqual([
      403,
      "POST /api/v2/dags/train/dagRuns → 403: Forbidden",
    ]);
    // A refused role is not a stale token: the client does not log in again.
    expect(fake.tokenRequests()).toBe(1);
  });

  it("refuses users it could never log in or check", () => {
    const make =
      (users: readonly AirflowFakeUser[], extra = {}) =>
      () =>
        createAirflowFake({ users, ...extra });
    expect(make([{ username: "a", password: "", role: "viewer" }])).toThrow(/a password/);
    expect(
      make([
        { username: "a", password: "x", role: "viewer" },
        { username: "a", password: "y", role: "admin" },
      ]),
    ).toThrow(/listed twice/);
    expect(make([{ username: "a", password: "x", role: "owner" as AirflowRole }])).toThrow(
      /viewer, user, op, admin/,
    );
    expect(make(USERS, { username: "admin" })).toThrow(/either users or username/);
  });
});

describe("the permission table", () => {
  it("follows SimpleAuthManager: each role has the rights of the roles below it", () => {
    expect(AIRFLOW_ROLES.map((r) => airflowRoleMay(r, "dag", "GET"))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(AIRFLOW_ROLES.map((r) => airflowRoleMay(r, "dag", "POST"))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(AIRFLOW_ROLES.map((r) => airflowRoleMay(r, "variable", "GET"))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(AIRFLOW_ROLES.map((r) => airflowRoleMay(r, "pool", "DELETE"))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it("names only routes of the API, each once, and every route the fake answers with a token is in it", async () => {
    const spec = new Set(AIRFLOW_SPEC_ROUTES.map(([m, p]) => `${m} ${p}`));
    const keys = AIRFLOW_ROUTE_ACCESS.map(([m, p]) => `${m} ${p}`);
    expect(keys.filter((k) => !spec.has(k))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
    // With the viewer's token, a route missing from the table would throw; one in it answers
    // 403 exactly when the table says so, else whatever the route answers (never 501/405).
    const fake = seeded();
    const viewer = await as(fake, "viewer");
    const fill = (p: string) => p.replace(/\{[^}]+\}/g, "x");
    const answers: string[] = [];
    const open = new Set(["GET /api/v2/version", "GET /api/v2/monitor/health"]);
    for (const [method, path] of AIRFLOW_SPEC_ROUTES) {
      if (open.has(`${method} ${path}`)) continue;
      const { status } = await viewer(method, fill(path), method === "GET" ? undefined : {});
      const access = AIRFLOW_ROUTE_ACCESS.find(([m, p]) => m === method && p === path);
      if (!access) {
        expect([method, path, status]).toEqual([method, path, 501]);
        continue;
      }
      expect([method, path, status === 403]).toEqual([
        method,
        path,
        !airflowRoleMay("viewer", access[2], access[3]),
      ]);
      expect([501, 405]).not.toContain(status);
      answers.push(`${method} ${path}`);
    }
    expect(answers.sort()).toEqual([...keys].sort());
  });
});
