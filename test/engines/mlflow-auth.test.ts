/**
 * @mlgen/mlflow-client against a real `mlflow server --app-name basic-auth` (MLflow's basic-auth
 * app, Flask-WTF from the `mlflow[auth]` extra), started here on 127.0.0.1 with its own admin
 * password and user database in a temp folder, and stopped by PID. The three ways to give basic
 * auth (the `auth` option, `user:pass@` in the tracking URI, MLFLOW_TRACKING_USERNAME and
 * _PASSWORD) and ~/.mlflow/credentials each write and read a run; a wrong password and a user without permission get the
 * typed error, the password in none of its text; Python's MlflowClient, given the same
 * variables, sees the same.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect, promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMlflowClient,
  MlflowApiError,
  type MlflowClient,
  type MlflowClientOptions,
  MlflowConfigError,
} from "../../packages/mlflow-client/src/index.js";
import { ensureEngines, type MlflowServer, PYTHON, startMlflow, tempDir } from "./harness.js";

// A ':' in a password: basic auth splits user from password at the first one only.
const ADMIN = { username: "admin", password: "Adm1n:test-pw" };
let server: MlflowServer;

beforeAll(async () => {
  ensureEngines();
  server = await startMlflow(join(tempDir("mlflow-auth"), "server"), {
    basicAuth: { adminUsername: ADMIN.username, adminPassword: ADMIN.password },
  });
});

afterAll(async () => {
  await server?.stop();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;

/** A call to the auth app's own REST API (users, permissions) as the admin. */
async function asAdmin(path: string, body: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      authorization: basic(ADMIN.username, ADMIN.password),
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const createUser = (username: string, password: string) =>
  asAdmin("/api/2.0/mlflow/users/create", { username, password });

/** The URL with the credentials in it, each percent-encoded as a URL must carry them. */
const withCredentials = (username: string, password: string) => {
  const url = new URL(server.url);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return url.toString();
};

type Form = "auth option" | "tracking URI" | "environment";

/** A client with these credentials given the one way, and nothing of MLflow's from this shell. */
function clientFor(
  form: Form,
  user: { username: string; password: string },
  extra: MlflowClientOptions = {},
): MlflowClient {
  const options: MlflowClientOptions =
    form === "auth option"
      ? { trackingUri: server.url, auth: user, env: {} }
      : form === "tracking URI"
        ? { trackingUri: withCredentials(user.username, user.password), env: {} }
        : {
            env: {
              MLFLOW_TRACKING_URI: server.url,
              MLFLOW_TRACKING_USERNAME: user.username,
              MLFLOW_TRACKING_PASSWORD: user.password,
            },
          };
  return createMlflowClient({ retry: false, ...options, ...extra });
}

/** Creates an experiment, logs a metric through logBatch and reads it back: the run's id. */
async function writeAndRead(client: MlflowClient, experiment: string): Promise<string> {
  const exp = await client.getOrCreateExperiment(experiment);
  const run = await client.createRun({ experimentId: exp.experiment_id });
  const runId = run.info.run_id;
  await client.logBatch(runId, { metrics: [{ key: "acc", value: 0.875, step: 2 }] });
  const back = await client.getRun(runId);
  expect(back.data?.metrics?.map((m) => [m.key, m.value, m.step])).toEqual([["acc", 0.875, 2]]);
  return runId;
}

/** Python's MlflowClient with these variables (and nothing else of MLflow's from this process). */
async function python(script: string, vars: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("MLFLOW_")),
  );
  try {
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", script], {
      env: { ...clean, ...vars, PYTHONWARNINGS: "ignore", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" },
      timeout: 120_000,
    });
    return { ok: true, out: JSON.parse(stdout.trim().split("\n").pop() ?? "null") };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

/** Everything an error shows: message, toString(), stack, JSON and util.inspect. */
const shown = (e: unknown) =>
  [
    (e as Error).message,
    String(e),
    (e as Error).stack,
    JSON.stringify(e),
    inspect(e, { depth: 5, showHidden: true }),
  ].join("\n");

describe("MLflow's basic-auth app (real server)", () => {
  it("is really on: no credentials is a 401 MlflowApiError, not retried", async () => {
    const retries: unknown[] = [];
    const client = createMlflowClient({
      trackingUri: server.url,
      env: {},
      onRetry: (i) => retries.push(i),
    });
    const e = await client.getExperimentByName("Default").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowApiError);
    expect(e).toMatchObject({ status: 401, errorCode: "UNAUTHENTICATED" });
    expect((e as MlflowApiError).serverMessage).toMatch(/^You are not authenticated/);
    expect(retries).toEqual([]);
  });

  it.each<Form>(["auth option", "tracking URI", "environment"])(
    "the %s: create an experiment, logBatch a metric, read it back",
    async (form) => {
      await writeAndRead(clientFor(form, ADMIN), `auth-${form}`);
    },
  );

  it("~/.mlflow/credentials (MLflow's documented credentials file) works for both clients, as the Python client reads it", async () => {
    const home = tempDir("mlflow-auth-home");
    mkdirSync(join(home, ".mlflow"));
    // configparser's syntax: '%%' is one '%'.
    const password = ADMIN.password.replaceAll("%", "%%");
    writeFileSync(
      join(home, ".mlflow", "credentials"),
      `[mlflow]\nmlflow_tracking_username = ${ADMIN.username}\nmlflow_tracking_password = ${password}\n`,
    );
    const client = createMlflowClient({
      env: { MLFLOW_TRACKING_URI: server.url, HOME: home },
      retry: false,
    });
    const runId = await writeAndRead(client, "auth-credentials-file");
    const py = await python(
      `
import json, os
from mlflow import MlflowClient
print(json.dumps(MlflowClient().get_run(os.environ["RUN_ID"]).data.metrics))
`,
      { MLFLOW_TRACKING_URI: server.url, HOME: home, RUN_ID: runId },
    );
    expect(py).toEqual({ ok: true, out: { acc: 0.875 } });
  });

  it.each<Form>(["auth option", "tracking URI", "environment"])(
    "a wrong password given as the %s is a 401 MlflowApiError that shows no credential",
    async (form) => {
      const wrong = { username: ADMIN.username, password: "Wr0ng:but-s3cret-pw" };
      const retries: unknown[] = [];
      const e = await clientFor(form, wrong, {
        retry: { retries: 2 },
        onRetry: (i) => retries.push(i),
      })
        .getExperimentByName("Default")
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MlflowApiError);
      expect(e).toMatchObject({ status: 401, path: "/api/2.0/mlflow/experiments/get-by-name" });
      expect(retries).toEqual([]);
      const text = shown(e);
      const header = basic(wrong.username, wrong.password);
      for (const secret of [
        wrong.password,
        encodeURIComponent(wrong.password),
        header,
        header.slice("Basic ".length),
      ]) {
        expect(text).not.toContain(secret);
      }
    },
  );

  it("a second user (default permission READ) reads the admin's experiment but a write is a 403; a DENY grant refuses the read too; Python's client is refused alike", async () => {
    const admin = clientFor("auth option", ADMIN);
    const runId = await writeAndRead(admin, "auth-owned-by-admin");
    const { experiment_id: experimentId } = await admin.getRun(runId).then((r) => r.info);
    const bob = { username: "bob", password: "B0b:pw-for-tests" };
    expect(await createUser(bob.username, bob.password)).toMatchObject({
      user: { username: "bob", is_admin: false },
    });
    const asBob = clientFor("auth option", bob);
    // READ, the server's default_permission: reads pass.
    expect((await asBob.getRun(runId)).data?.metrics?.[0]?.value).toBe(0.875);
    const write = await asBob
      .logBatch(runId, { metrics: [{ key: "acc", value: 0.1, step: 3 }] })
      .catch((x: unknown) => x);
    expect(write).toBeInstanceOf(MlflowApiError);
    // MLflow's auth app answers a plain-text "Permission denied" (no MLflow JSON error body):
    // the code comes from the status, PERMISSION_DENIED, as Python's client derives it.
    expect(write).toMatchObject({
      status: 403,
      errorCode: "PERMISSION_DENIED",
      serverMessage: "Permission denied",
      path: "/api/2.0/mlflow/runs/log-batch",
    });
    expect((write as Error).message).toBe(
      "POST /api/2.0/mlflow/runs/log-batch → 403 PERMISSION_DENIED: Permission denied",
    );
    expect(shown(write)).not.toContain(bob.password);
    // The artifact proxy (FastAPI middleware, not Flask) refuses the upload alike.
    await expect(asBob.uploadArtifact(runId, "bob.txt", "not his")).rejects.toMatchObject({
      name: "MlflowApiError",
      status: 403,
      errorCode: "PERMISSION_DENIED",
      serverMessage: "Permission denied",
    });
    // The admin's run is untouched.
    expect((await admin.getRun(runId)).data?.metrics?.map((m) => m.value)).toEqual([0.875]);
    // Python's MlflowClient, given bob's credentials the same way, is refused the same write.
    const py = await python(
      `
import json, os
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
c = MlflowClient()
read = c.get_run(os.environ["RUN_ID"]).data.metrics
try:
    c.log_metric(os.environ["RUN_ID"], "acc", 0.1, step=3)
    print(json.dumps({"read": read, "write": "accepted"}))
except MlflowException as e:
    print(json.dumps({"read": read, "write": e.error_code, "status": e.get_http_status_code()}))
`,
      {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_USERNAME: bob.username,
        MLFLOW_TRACKING_PASSWORD: bob.password,
        RUN_ID: runId,
      },
    );
    expect(py).toEqual({
      ok: true,
      out: { read: { acc: 0.875 }, write: "PERMISSION_DENIED", status: 403 },
    });
    // A DENY grant on the experiment (MLflow 3.17's grant API takes READ, USE, EDIT, MANAGE and
    // DENY; NO_PERMISSIONS is only a default_permission): the read is refused too.
    await asAdmin("/api/3.0/mlflow/users/permissions/grant", {
      username: bob.username,
      resource_type: "experiment",
      resource_id: experimentId,
      permission: "DENY",
    });
    await expect(asBob.getRun(runId)).rejects.toMatchObject({
      name: "MlflowApiError",
      status: 403,
      serverMessage: "Permission denied",
    });
    // Bob's own experiment is his to write (its creator gets MANAGE).
    await writeAndRead(asBob, "auth-owned-by-bob");
  });

  it("a password with ':', '%', '@', '/', spaces and non-ASCII characters works in all three forms for the tracking API", async () => {
    const carol = { username: "carol", password: "pa:ss %41@/ wörd€-1" };
    await createUser(carol.username, carol.password);
    for (const form of ["auth option", "tracking URI", "environment"] as const) {
      await writeAndRead(clientFor(form, carol), `auth-carol-${form}`);
    }
    // Python's client (it sends UTF-8 too) reads what the TS client wrote with the same password.
    const exp = await clientFor("environment", carol).getExperimentByName("auth-carol-environment");
    const py = await python(
      `
import json, os
from mlflow import MlflowClient
c = MlflowClient()
runs = c.search_runs([os.environ["EXP"]])
print(json.dumps([r.data.metrics for r in runs]))
`,
      {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_USERNAME: carol.username,
        MLFLOW_TRACKING_PASSWORD: carol.password,
        EXP: exp?.experiment_id ?? "",
      },
    );
    expect(py).toEqual({ ok: true, out: [{ acc: 0.875 }] });
  });

  it("a user name with ':' can be created but never logs in (the server splits at the first ':'): the client refuses it before sending", async () => {
    const dave = { username: "da:ve", password: "plain-password-1" };
    await createUser(dave.username, dave.password);
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      headers: { authorization: basic(dave.username, dave.password) },
    });
    expect(res.status).toBe(401);
    for (const form of ["auth option", "tracking URI", "environment"] as const) {
      expect(() => clientFor(form, dave)).toThrow(MlflowConfigError);
    }
  });

  it("the artifact proxy takes a ':' in the password, but MLflow 3.17 refuses a non-ASCII one there (401) while its tracking API takes it", async () => {
    // ASCII with ':' (the admin's): upload and download.
    const admin = clientFor("auth option", ADMIN);
    const runId = await writeAndRead(admin, "auth-artifacts");
    await admin.uploadArtifact(runId, "notes/a.txt", "hello");
    const back = await new Response(await admin.downloadArtifact(runId, "notes/a.txt")).text();
    expect(back).toBe("hello");
    // Non-ASCII: the server's FastAPI auth middleware (the artifact proxy's upload and download
    // routes) decodes the credentials as ASCII and answers 401, where the Flask routes (the
    // tracking API) decode UTF-8. Python's client sends the same UTF-8 bytes and gets the same.
    const dana = { username: "dana", password: "wörd-€-password" };
    await createUser(dana.username, dana.password);
    const asDana = clientFor("auth option", dana);
    const own = await writeAndRead(asDana, "auth-dana");
    const upload = await asDana.uploadArtifact(own, "a.txt", "hi").catch((x: unknown) => x);
    expect(upload).toBeInstanceOf(MlflowApiError);
    expect(upload).toMatchObject({ status: 401 });
    expect(shown(upload)).not.toContain(dana.password);
  });
});
