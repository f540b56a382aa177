/**
 * registerModel with a `runs:/<run_id>/<path>` source against a real MLflow 3.17.2 server
 * (SQLite, artifact proxy, on a free port of 127.0.0.1, stopped by PID): the same runs
 * registered once by Python's `mlflow.register_model` and once by the TypeScript client must
 * give versions of the same source, run and model, and the TypeScript-registered version must
 * load with `mlflow.pyfunc.load_model`. Three runs: MLflow 3's `log_model(name="model")` (a
 * logged model, its files outside the run's artifacts), the same twice at steps 1 and 5, and an
 * MLflow 2 style run whose artifacts hold `model/MLmodel`. Then the fake's logged-model routes
 * are compared with the server's, step by step (test/support/parity.ts).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMlflowClient,
  MlflowModelSourceError,
  type ModelVersion,
} from "../../packages/mlflow-client/src/index.js";
import { createMlflowFake } from "../../packages/mocks/src/index.js";
import { compare, type Exception, normalize, record, type Scenario } from "../support/parity.js";
import {
  bin,
  ensureEngines,
  freePort,
  type GroupServer,
  PYTHON,
  spawnServer,
  tempDir,
} from "./harness.js";

const run = promisify(execFile);

let server: GroupServer | undefined;
let url = "";
let work = "";

// The parity steps run first, on the fresh server: their experiment is 1 on both sides.
beforeAll(async () => {
  ensureEngines();
  work = tempDir("mlflow-register");
  const port = await freePort();
  server = spawnServer(
    "mlflow server",
    bin("mlflow"),
    [
      ...["server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1"],
      ...["--backend-store-uri", `sqlite:///${join(work, "mlflow.db")}`],
      ...["--artifacts-destination", join(work, "artifacts")],
    ],
    {
      env: { ...process.env, NO_COLOR: "1", MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false" },
    },
  );
  url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`mlflow exited:\n${server.output()}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`mlflow not healthy:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

afterAll(async () => {
  // By its process group (its PID): the server and its workers.
  await server?.stop();
});

/** Runs Python code with the venv's mlflow against the server; its last line, parsed. */
async function python<T>(code: string, ...args: string[]): Promise<T> {
  const { stdout } = await run(PYTHON, ["-c", code, ...args], {
    env: { ...process.env, MLFLOW_TRACKING_URI: url, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "null") as T;
}

const LOG_RUNS = `
import json, os, sys, tempfile, mlflow
class Length(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [len(str(x)) for x in model_input]
mlflow.set_experiment("register-runs")
out = {}
with mlflow.start_run(run_name="v3") as r:
    mlflow.pyfunc.log_model(name="model", python_model=Length(), pip_requirements=[])
    out["v3"] = r.info.run_id
with mlflow.start_run(run_name="v3-twice") as r:
    mlflow.pyfunc.log_model(name="model", python_model=Length(), pip_requirements=[], step=1)
    later = mlflow.pyfunc.log_model(name="model", python_model=Length(), pip_requirements=[], step=5)
    out["v3-twice"] = r.info.run_id
    out["later"] = later.model_id
with mlflow.start_run(run_name="v2") as r:
    # MLflow 2's layout: the model's files are the run's own artifacts, under model/.
    path = os.path.join(tempfile.mkdtemp(), "m")
    mlflow.pyfunc.save_model(path, python_model=Length(), pip_requirements=[])
    mlflow.log_artifacts(path, artifact_path="model")
    out["v2"] = r.info.run_id
with mlflow.start_run(run_name="bare") as r:
    out["bare"] = r.info.run_id
print(json.dumps(out))
`;

const REGISTER = `
import json, sys, mlflow
out = {}
for run_id, name in zip(sys.argv[1::2], sys.argv[2::2]):
    mlflow.register_model(f"runs:/{run_id}/model", name)
print(json.dumps(out))
`;

const LOAD = `
import json, sys, mlflow
print(json.dumps([mlflow.pyfunc.load_model(uri).predict(["a", "bbb"]) for uri in sys.argv[1:]]))
`;

const T0 = 1_700_000_000_000;

/** The logged-model routes registerModel and seeding use, and the version a models:/ source makes. */
const scenario: Scenario = async (call) => {
  const A = "/api/2.0/mlflow";
  const exp = String(
    (await call("create experiment", "POST", `${A}/experiments/create`, { body: { name: "lm" } }))
      .body.experiment_id,
  );
  const created = await call("create run", "POST", `${A}/runs/create`, {
    body: { experiment_id: exp, run_name: "train", start_time: T0 },
  });
  const runId = String(created.body.run.info.run_id);
  const model = await call("create logged model", "POST", `${A}/logged-models`, {
    body: {
      experiment_id: exp,
      name: "model",
      source_run_id: runId,
      tags: [
        { key: "mlflow.user", value: "me" },
        { key: "mlflow.source.name", value: "train.py" },
      ],
    },
  });
  const id = String(model.body.model.info.model_id);
  await call("create logged model without a run", "POST", `${A}/logged-models`, {
    body: { experiment_id: exp, name: "loose" },
  });
  await call("create logged model with a dot in its name", "POST", `${A}/logged-models`, {
    body: { experiment_id: exp, name: "a.b" },
  });
  await call("create logged model in a missing experiment", "POST", `${A}/logged-models`, {
    body: { experiment_id: "4242", name: "x" },
  });
  await call("log run outputs", "POST", `${A}/runs/outputs`, {
    body: { run_id: runId, models: [{ model_id: id, step: 2 }] },
  });
  await call("get run with outputs", "GET", `${A}/runs/get?run_id=${runId}`);
  await call("get logged model", "GET", `${A}/logged-models/${id}`);
  await call("get missing logged model", "GET", `${A}/logged-models/m-0123`);
  const at = `${A.replace("/mlflow", "/mlflow-artifacts")}/artifacts/${exp}/models/${id}/artifacts`;
  await call("upload MLmodel", "PUT", `${at}/MLmodel`, { raw: "flavors: {}\n" });
  await call("upload model file", "PUT", `${at}/model.pkl`, { raw: "bytes" });
  await call("finalize logged model", "PATCH", `${A}/logged-models/${id}`, {
    body: { model_id: id, status: "LOGGED_MODEL_READY" },
  });
  await call(
    "list logged model artifacts",
    "GET",
    `${A}/logged-models/${id}/artifacts/directories`,
  );
  await call(
    "list the run's model folder",
    "GET",
    `${A}/artifacts/list?run_id=${runId}&path=model`,
  );
  const search = (name: string, body: Record<string, unknown>) =>
    call(name, "POST", `${A}/logged-models/search`, { body: { experiment_ids: [exp], ...body } });
  await search("search by run and name", {
    filter: `source_run_id = '${runId}' AND name = 'model'`,
  });
  await search("search by name", { filter: "name = 'model'" });
  await search("search by a name no model has", { filter: "name = 'nope'" });
  await search("search by tag", { filter: "tags.`mlflow.user` = 'me'" });
  const page = await search("search page 1", {
    max_results: 1,
    order_by: [{ field_name: "name", ascending: true }],
  });
  await search("search page 2", {
    max_results: 1,
    order_by: [{ field_name: "name", ascending: true }],
    page_token: page.body.next_page_token,
  });
  await search("search ordered by a bad field", { order_by: [{ field_name: "nope" }] });
  await call("search without experiments", "POST", `${A}/logged-models/search`, { body: {} });
  const R = `${A}/registered-models`;
  const V = `${A}/model-versions`;
  await call("create registered model", "POST", `${R}/create`, { body: { name: "lm" } });
  await call("create version from models:/", "POST", `${V}/create`, {
    body: { name: "lm", source: `models:/${id}`, run_id: runId, model_id: id },
  });
  await call("create version from models:/ without run", "POST", `${V}/create`, {
    body: { name: "lm", source: `models:/${id}`, model_id: id },
  });
  await call("create version from models:/ without model_id", "POST", `${V}/create`, {
    body: { name: "lm", source: `models:/${id}`, run_id: runId },
  });
  await call("create version from runs:/ with model_id", "POST", `${V}/create`, {
    body: { name: "lm", source: `runs:/${runId}/model`, run_id: runId, model_id: id },
  });
  await call("get version from models:/", "GET", `${V}/get?name=lm&version=2`);
  await call(
    "download uri of a models:/ version",
    "GET",
    `${V}/get-download-uri?name=lm&version=1`,
  );
  await call("get logged model after registering", "GET", `${A}/logged-models/${id}`);
};

/** Documented differences; each must still happen (compare() flags stale ones). */
const EXCEPTIONS: Exception[] = [
  {
    step: "search ordered by a bad field",
    why: "the server answers an unknown order_by field with error_class ATTRIBUTE_NOT_FOUND; the fake's error bodies carry the code's default class",
  },
];

/** Run and logged-model ids, as literals in order of first appearance (also inside URIs). */
function idLiterals(steps: readonly { body: unknown }[]): [string, string][] {
  const seen = new Map<string, string>();
  for (const s of steps) {
    const text = JSON.stringify(s.body);
    for (const m of text.matchAll(/\b(m-[0-9a-f]{32}|[0-9a-f]{32})\b/g)) {
      const id = m[1] as string;
      if (!seen.has(id))
        seen.set(id, `<${id.startsWith("m-") ? "model" : "run"}:${seen.size + 1}>`);
    }
  }
  return [...seen];
}

describe("the MLflow fake's logged models ↔ MLflow 3.17.2", () => {
  it("answers the logged-model and models:/ registration steps like the real server", async () => {
    const fake = createMlflowFake();
    const fakeSteps = await record("fake", fake.baseUrl, fake.fetch, scenario);
    const realSteps = await record("real", url, fetch, scenario);
    const options = (steps: typeof fakeSteps, base: string) => ({
      idKeys: ["experiment_id"],
      timeKeys: [
        ...["creation_time", "last_update_time", "creation_timestamp", "last_updated_timestamp"],
        ...["creation_timestamp_ms", "last_updated_timestamp_ms", "start_time"],
      ],
      replace: [[base, "<base>"] as const, ...idLiterals(steps)],
    });
    const report = compare(
      normalize(fakeSteps, options(fakeSteps, fake.baseUrl)),
      normalize(realSteps, options(realSteps, url)),
      EXCEPTIONS,
    );
    for (const d of report.differences) {
      console.log(
        `DIFF ${d.step}\n fake: ${JSON.stringify(d.fake)}\n real: ${JSON.stringify(d.real)}`,
      );
    }
    console.log(`logged-model parity: ${report.compared} requests compared`);
    expect(report.differences.map((d) => d.step)).toEqual([]);
    expect(report.staleExceptions).toEqual([]);
    expect(report.compared).toBeGreaterThanOrEqual(30);
  });
});

describe("registerModel(runs:/<run>/model) against MLflow 3.17.2, beside Python's register_model", () => {
  it("registers what Python registers, and the version loads with mlflow.pyfunc.load_model", async () => {
    const runs =
      await python<Record<"v3" | "v3-twice" | "v2" | "bare" | "later", string>>(LOG_RUNS);
    const cases = ["v3", "v3-twice", "v2"] as const;
    await python(REGISTER, ...cases.flatMap((c) => [runs[c], `py-${c}`]));
    const client = createMlflowClient({ trackingUri: url, env: {} });
    for (const c of cases) {
      // As the README and examples/mocked-service write it: the run given twice.
      await client.registerModel(`ts-${c}`, { source: `runs:/${runs[c]}/model`, runId: runs[c] });
    }
    const fields = (v: ModelVersion) => ({
      source: v.source,
      run_id: v.run_id,
      model_id: v.model_id ?? null,
      status: v.status,
    });
    const compared: Record<string, unknown> = {};
    for (const c of cases) {
      const py = fields(await client.getModelVersion(`py-${c}`, "1"));
      const ts = fields(await client.getModelVersion(`ts-${c}`, "1"));
      expect(ts, c).toEqual(py);
      // The server's download URI (where load_model reads the files) is the same too.
      const uri = async (name: string) =>
        (
          await client.api.GET("/api/2.0/mlflow/model-versions/get-download-uri", {
            params: { query: { name, version: "1" } },
          })
        ).data?.artifact_uri;
      expect(await uri(`ts-${c}`), c).toBe(await uri(`py-${c}`));
      compared[c] = ts;
    }
    // What the server stores in each case: a logged model's models:/ URI (the later of two), the
    // run's artifact URI + path for an MLflow 2 style run; the run always.
    expect(compared.v3).toMatchObject({ source: expect.stringMatching(/^models:\/m-/) });
    expect(compared.v3).toMatchObject({ run_id: runs.v3 });
    expect(compared["v3-twice"]).toMatchObject({ source: `models:/${runs.later}` });
    expect(compared.v2).toMatchObject({
      source: expect.stringMatching(
        new RegExp(`^mlflow-artifacts:/\\d+/${runs.v2}/artifacts/model$`),
      ),
      run_id: runs.v2,
    });
    console.log(`registered versions compared with Python's: ${JSON.stringify(compared)}`);
    const loaded = await python<number[][]>(LOAD, ...cases.map((c) => `models:/ts-${c}/1`));
    expect(loaded).toEqual([
      [1, 3],
      [1, 3],
      [1, 3],
    ]);
    // A run with no model at that path: an error naming the run, the path and the fix, and no
    // registered model left behind.
    const err = await client
      .registerModel("ts-bare", { source: `runs:/${runs.bare}/model` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowModelSourceError);
    expect((err as Error).message).toContain(
      `Unable to find a logged_model with artifact_path model under run ${runs.bare}`,
    );
    const models = await client.api.GET("/api/2.0/mlflow/registered-models/get", {
      params: { query: { name: "ts-bare" } },
    });
    expect(models.response.status).toBe(404);
  });
});
