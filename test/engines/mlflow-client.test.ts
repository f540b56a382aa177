/**
 * @mlgen/mlflow-client against a real `mlflow server` (SQLite, artifacts proxied to a temp
 * dir), started here on 127.0.0.1 and stopped by PID. Every answer goes through the contract
 * checker: matched to its operation in specs/mlflow/openapi.yaml and validated with ajv against
 * that operation's response schema; the last test fails if any operation was never called.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as mlgen } from "../../packages/cli/src/run.js";
import {
  createMlflowClient,
  MlflowApiError,
  type MlflowClient,
  MlflowValidationError,
  type Run,
  runFilter,
  toArray,
} from "../../packages/mlflow-client/src/index.js";
import { createContract } from "../../packages/mlflow-client/test/contract.js";
import { ensureEngines, type MlflowServer, PYTHON, ROOT, startMlflow, tempDir } from "./harness.js";

let server: MlflowServer;
let client: MlflowClient;
let hook: Server;
let hookUrl = "";
const hookBodies: string[] = [];
let work = "";
const contract = createContract();

beforeAll(async () => {
  ensureEngines();
  work = tempDir("mlflow-client");
  server = await startMlflow(join(work, "server"), {
    // Webhooks to a listener on 127.0.0.1 over http (MLflow allows https to public hosts only).
    env: { MLFLOW_WEBHOOK_ALLOWED_SCHEMES: "http,https", MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: "true" },
  });
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      hookBodies.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((ok) => hook.listen(0, "127.0.0.1", ok));
  const address = hook.address();
  hookUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
  client = createMlflowClient({ trackingUri: server.url, fetch: contract.fetch(), env: {} });
});

afterAll(async () => {
  await server?.stop();
  await new Promise((ok) => (hook ? hook.close(ok) : ok(undefined)));
});

/** A raw `api` call's data; a server error fails the test with the server's message. */
async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new Error(`${response.status} ${JSON.stringify(error)}`);
  return data as T;
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 251);
const sha = (b: Uint8Array | Buffer) => createHash("sha256").update(b).digest("hex");

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of Readable.fromWeb(stream as import("node:stream/web").ReadableStream)) {
    chunks.push(Buffer.from(c as Uint8Array));
  }
  return Buffer.concat(chunks);
}

describe("mlflow client against a real mlflow server: every operation of the spec", () => {
  let experimentId = "";
  let run: Run;

  it("experiments: create (racing), get, by name, search, update, tags, delete, restore", async () => {
    // Five callers race to create the same experiment: all get the one that won.
    const raced = await Promise.all(
      Array.from({ length: 5 }, () => client.getOrCreateExperiment("contract")),
    );
    experimentId = raced[0]?.experiment_id ?? "";
    expect(new Set(raced.map((e) => e.experiment_id))).toEqual(new Set([experimentId]));
    expect((await client.getExperiment(experimentId)).name).toBe("contract");
    const { api } = client;
    await ok(
      api.POST("/api/2.0/mlflow/experiments/set-experiment-tag", {
        body: { experiment_id: experimentId, key: "team", value: "ml" },
      }),
    );
    await ok(
      api.POST("/api/2.0/mlflow/experiments/delete-experiment-tag", {
        body: { experiment_id: experimentId, key: "team" },
      }),
    );
    const other = await client.createExperiment("contract-other", { tags: { a: "b" } });
    await ok(
      api.POST("/api/2.0/mlflow/experiments/update", {
        body: { experiment_id: other, new_name: "contract-renamed" },
      }),
    );
    await ok(api.POST("/api/2.0/mlflow/experiments/delete", { body: { experiment_id: other } }));
    const all = await toArray(client.searchExperiments({ viewType: "ALL", pageSize: 1 }));
    expect(all.map((e) => e.name)).toEqual(
      expect.arrayContaining(["contract", "contract-renamed", "Default"]),
    );
    expect(all.find((e) => e.name === "contract-renamed")?.lifecycle_stage).toBe("deleted");
    await ok(api.POST("/api/2.0/mlflow/experiments/restore", { body: { experiment_id: other } }));
    expect((await client.getExperimentByName("contract-renamed"))?.lifecycle_stage).toBe("active");
    expect(await client.getExperimentByName("no such experiment")).toBeNull();
  });

  it("runs: create, log param/metric/tag one by one, delete tag, get, update, delete, restore", async () => {
    run = await client.createRun({ experimentId, runName: "first", tags: { a: "1" } });
    const run_id = run.info.run_id;
    const { api } = client;
    await ok(
      api.POST("/api/2.0/mlflow/runs/log-parameter", { body: { run_id, key: "lr", value: "0.1" } }),
    );
    await ok(
      api.POST("/api/2.0/mlflow/runs/log-metric", {
        body: { run_id, key: "acc", value: 0.5, timestamp: Date.now(), step: 1 },
      }),
    );
    await ok(
      api.POST("/api/2.0/mlflow/runs/log-metric", {
        body: { run_id, key: "weird", value: "NaN", timestamp: Date.now() },
      }),
    );
    await ok(api.POST("/api/2.0/mlflow/runs/set-tag", { body: { run_id, key: "b", value: "2" } }));
    await ok(api.POST("/api/2.0/mlflow/runs/delete-tag", { body: { run_id, key: "a" } }));
    const got = await client.getRun(run_id);
    expect(got.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    expect(got.data.metrics?.find((m) => m.key === "weird")?.value).toBe("NaN");
    expect(got.data.tags?.some((t) => t.key === "a")).toBe(false);
    await ok(api.POST("/api/2.0/mlflow/runs/delete", { body: { run_id } }));
    await ok(api.POST("/api/2.0/mlflow/runs/restore", { body: { run_id } }));
    expect((await client.endRun(run_id, "FINISHED"))?.status).toBe("FINISHED");
  });

  it("log-batch, log-inputs, metric history, bulk interval, search runs", async () => {
    const run_id = run.info.run_id;
    await client.logBatch(run_id, {
      metrics: Array.from({ length: 2500 }, (_, i) => ({
        key: "loss",
        value: 1 / (i + 1),
        step: i,
      })),
      params: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i])),
      tags: { stage: "batch" },
    });
    const history = await toArray(client.getMetricHistory(run_id, "loss", 1000));
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    const data = await ok(
      client.api.GET("/api/2.0/mlflow/metrics/get-history-bulk-interval", {
        params: { query: { run_ids: [run_id], metric_key: "loss", max_results: 10 } },
      }),
    );
    expect(data?.metrics?.length).toBeGreaterThan(0);
    expect(data?.metrics?.every((m) => m.run_id === run_id)).toBe(true);
    await ok(
      client.api.POST("/api/2.0/mlflow/runs/log-inputs", {
        body: {
          run_id,
          datasets: [
            {
              dataset: {
                name: "iris",
                digest: "abc123",
                source_type: "local",
                source: '{"uri": "/data/iris.csv"}',
              },
              tags: [{ key: "mlflow.data.context", value: "training" }],
            },
          ],
        },
      }),
    );
    const found = await toArray(
      client.searchRuns({
        experimentIds: [experimentId],
        filter: runFilter().param("lr", "=", "0.1").toString(),
        orderBy: ["attributes.start_time DESC"],
      }),
    );
    expect(found.map((r) => r.info.run_id)).toEqual([run_id]);
    expect(found[0]?.inputs?.dataset_inputs?.[0]?.dataset?.name).toBe("iris");
    // A key that is an SQL word and a number String() writes as 1e+21: the server takes both.
    const words = await toArray(
      client.searchRuns({
        experimentIds: [experimentId],
        filter: runFilter().param("in", "=", "x").metric("from", "<", 1e21).toString(),
      }),
    );
    expect(words).toEqual([]);
  });

  it("artifacts: streaming upload and download through the proxy, list (both APIs), delete", async () => {
    const run_id = run.info.run_id;
    const data = bytes(3 * 1024 * 1024 + 17);
    // A Node stream in 64 KiB chunks: the client never holds the whole file.
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
      data.subarray(i * 65536, (i + 1) * 65536),
    );
    await client.uploadArtifact(run_id, "model/weights.bin", Readable.from(chunks));
    await client.uploadArtifact(run_id, "model/My Notes 1.txt", "hello");
    // The proxy answers 400 "Invalid path" for a `#`: refused before sending.
    await expect(client.uploadArtifact(run_id, "model/a#b.txt", "x")).rejects.toBeInstanceOf(
      MlflowValidationError,
    );
    const down = await readAll(await client.downloadArtifact(run_id, "model/weights.bin"));
    expect(sha(down)).toBe(sha(data));
    const files = await client.listArtifacts(run_id, "model");
    expect(files.map((f) => [f.path, f.file_size]).sort()).toEqual([
      ["model/My Notes 1.txt", 5],
      ["model/weights.bin", data.length],
    ]);
    const root = run.info.artifact_uri?.replace(/^mlflow-artifacts:\//, "") ?? "";
    const listed = await ok(
      client.api.GET("/api/2.0/mlflow-artifacts/artifacts", {
        params: { query: { path: `${root}/model` } },
      }),
    );
    expect(listed.files?.map((f) => f.path).sort()).toEqual(["My Notes 1.txt", "weights.bin"]);
    await client.deleteArtifact(run_id, "model/My Notes 1.txt");
    expect((await client.listArtifacts(run_id, "model")).map((f) => f.path)).toEqual([
      "model/weights.bin",
    ]);
  });

  it("logged models: create, params, tags, finalize, get, search, list artifacts, outputs, delete", async () => {
    const { api } = client;
    const created = await ok(
      api.POST("/api/2.0/mlflow/logged-models", {
        body: {
          experiment_id: experimentId,
          name: "clf",
          source_run_id: run.info.run_id,
          params: [{ key: "depth", value: "3" }],
          tags: [{ key: "kind", value: "tree" }],
        },
      }),
    );
    const model_id = created.model.info.model_id;
    expect(model_id).toMatch(/^m-/);
    await ok(
      api.POST("/api/2.0/mlflow/logged-models/{model_id}/params", {
        params: { path: { model_id } },
        body: { model_id, params: [{ key: "leaves", value: "8" }] },
      }),
    );
    await ok(
      api.PATCH("/api/2.0/mlflow/logged-models/{model_id}/tags", {
        params: { path: { model_id } },
        body: { tags: [{ key: "extra", value: "x" }] },
      }),
    );
    await ok(
      api.DELETE("/api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}", {
        params: { path: { model_id, tag_key: "extra" } },
      }),
    );
    await ok(
      api.PATCH("/api/2.0/mlflow/logged-models/{model_id}", {
        params: { path: { model_id } },
        body: { model_id, status: "LOGGED_MODEL_READY" },
      }),
    );
    const got = await ok(
      api.GET("/api/2.0/mlflow/logged-models/{model_id}", {
        params: { path: { model_id } },
      }),
    );
    expect(got.model.info.status).toBe("LOGGED_MODEL_READY");
    expect(got.model.data?.params?.map((p) => p.key).sort()).toEqual(["depth", "leaves"]);
    const searched = await toArray(client.searchLoggedModels({ experimentIds: [experimentId] }));
    expect(searched.map((m) => m.info.model_id)).toContain(model_id);
    const dirs = await ok(
      api.GET("/api/2.0/mlflow/logged-models/{model_id}/artifacts/directories", {
        params: { path: { model_id } },
      }),
    );
    expect(dirs.root_uri).toContain(model_id);
    await ok(
      api.POST("/api/2.0/mlflow/runs/outputs", {
        body: { run_id: run.info.run_id, models: [{ model_id, step: 0 }] },
      }),
    );
    expect((await client.getRun(run.info.run_id)).outputs?.model_outputs?.[0]?.model_id).toBe(
      model_id,
    );
    const other = await ok(
      api.POST("/api/2.0/mlflow/logged-models", {
        body: { experiment_id: experimentId, name: "to-delete" },
      }),
    );
    await ok(
      api.DELETE("/api/2.0/mlflow/logged-models/{model_id}", {
        params: { path: { model_id: other.model.info.model_id } },
      }),
    );
  });

  it("registry: models, versions (wait READY), tags, aliases, search, download uri, rename, delete", async () => {
    const { api } = client;
    const source = `${run.info.artifact_uri}/model`;
    const v1 = await client.registerModel("contract-model", { source, runId: run.info.run_id });
    expect(v1.status).toBe("READY");
    const v2 = await client.registerModel("contract-model", { source, runId: run.info.run_id });
    expect(v2.version).toBe("2");
    expect((await client.getModelVersion("contract-model", "2")).status).toBe("READY");
    await client.setAlias("contract-model", "champion", "1");
    expect((await client.getModelVersionByAlias("contract-model", "champion")).version).toBe("1");
    expect((await client.findModelVersionByAlias("contract-model", "champion"))?.version).toBe("1");
    await client.deleteAlias("contract-model", "champion");
    // A missing alias is the server's 400 INVALID_PARAMETER_VALUE, a missing model its 404:
    // findModelVersionByAlias makes both null, and throws for an alias that cannot exist.
    expect(
      await client.getModelVersionByAlias("contract-model", "champion").catch((e: unknown) => e),
    ).toMatchObject({
      status: 400,
      errorCode: "INVALID_PARAMETER_VALUE",
      serverMessage: "Registered model alias champion not found.",
    });
    expect(
      await client.getModelVersionByAlias("no-such-model", "champion").catch((e: unknown) => e),
    ).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
    expect(await client.findModelVersionByAlias("contract-model", "champion")).toBeNull();
    expect(await client.findModelVersionByAlias("no-such-model", "champion")).toBeNull();
    expect(
      await client.findModelVersionByAlias("contract-model", "a.b").catch((e: unknown) => e),
    ).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    const name = "contract-model";
    await ok(
      api.POST("/api/2.0/mlflow/registered-models/set-tag", {
        body: { name, key: "owner", value: "me" },
      }),
    );
    await ok(
      api.DELETE("/api/2.0/mlflow/registered-models/delete-tag", { body: { name, key: "owner" } }),
    );
    await ok(
      api.POST("/api/2.0/mlflow/model-versions/set-tag", {
        body: { name, version: "1", key: "ok", value: "yes" },
      }),
    );
    await ok(
      api.DELETE("/api/2.0/mlflow/model-versions/delete-tag", {
        body: { name, version: "1", key: "ok" },
      }),
    );
    await ok(
      api.PATCH("/api/2.0/mlflow/registered-models/update", {
        body: { name, description: "a model" },
      }),
    );
    await ok(
      api.PATCH("/api/2.0/mlflow/model-versions/update", {
        body: { name, version: "1", description: "first" },
      }),
    );
    const uri = await ok(
      api.GET("/api/2.0/mlflow/model-versions/get-download-uri", {
        params: { query: { name, version: "1" } },
      }),
    );
    expect(uri.artifact_uri).toContain("artifacts/model");
    const registered = await ok(
      api.GET("/api/2.0/mlflow/registered-models/get", {
        params: { query: { name } },
      }),
    );
    expect(registered.registered_model.description).toBe("a model");
    const versions = await toArray(
      client.searchModelVersions({ filter: `name = 'contract-model'`, pageSize: 1 }),
    );
    expect(versions.map((v) => v.version).sort()).toEqual(["1", "2"]);
    await ok(api.DELETE("/api/2.0/mlflow/model-versions/delete", { body: { name, version: "2" } }));
    await ok(
      api.POST("/api/2.0/mlflow/registered-models/rename", {
        body: { name, new_name: "contract-model-2" },
      }),
    );
    const models = await toArray(client.searchRegisteredModels({ pageSize: 1 }));
    expect(models.map((m) => m.name)).toEqual(["contract-model-2"]);
    await ok(
      api.DELETE("/api/2.0/mlflow/registered-models/delete", {
        body: { name: "contract-model-2" },
      }),
    );
  });

  it("webhooks: create, list, get, update, test (delivered to a local listener), delete", async () => {
    const { api } = client;
    const created = await ok(
      api.POST("/api/2.0/mlflow/webhooks", {
        body: {
          name: "contract-hook",
          url: hookUrl,
          events: [{ entity: "MODEL_VERSION", action: "CREATED" }],
        },
      }),
    );
    const webhook_id = created.webhook.webhook_id;
    const listed = await ok(api.GET("/api/2.0/mlflow/webhooks", {}));
    expect(listed.webhooks?.map((w) => w.webhook_id)).toContain(webhook_id);
    await ok(
      api.PATCH("/api/2.0/mlflow/webhooks/{webhook_id}", {
        params: { path: { webhook_id } },
        body: { description: "updated" },
      }),
    );
    const got = await ok(
      api.GET("/api/2.0/mlflow/webhooks/{webhook_id}", {
        params: { path: { webhook_id } },
      }),
    );
    expect(got.webhook.description).toBe("updated");
    const tested = await ok(
      api.POST("/api/2.0/mlflow/webhooks/{webhook_id}/test", {
        params: { path: { webhook_id } },
        body: {},
      }),
    );
    expect(tested.result?.success, JSON.stringify(tested)).toBe(true);
    expect(hookBodies.length).toBeGreaterThan(0);
    await ok(
      api.DELETE("/api/2.0/mlflow/webhooks/{webhook_id}", { params: { path: { webhook_id } } }),
    );
  });
});

describe("errors against the real server", () => {
  it("not found → 404 MlflowApiError RESOURCE_DOES_NOT_EXIST", async () => {
    const e = await client.getRun("0".repeat(32)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowApiError);
    expect(e).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("invalid parameter → 400 INVALID_PARAMETER_VALUE", async () => {
    const e = await toArray(
      client.searchRuns({ experimentIds: ["0"], filter: "metrics.acc >>> 1" }),
    ).catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
  });

  it("already exists → RESOURCE_ALREADY_EXISTS (a 400)", async () => {
    await client.createExperiment("exists-twice");
    const e = await client.createExperiment("exists-twice").catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 400, errorCode: "RESOURCE_ALREADY_EXISTS" });
  });

  it("an oversized batch is split, never rejected (5,000 metrics, 250 params, 250 tags, 1 MB+)", async () => {
    const exp = await client.getOrCreateExperiment("batch");
    const r = await client.createRun({ experimentId: exp.experiment_id });
    const big = "v".repeat(5000);
    const result = await client.logBatch(r.info.run_id, {
      metrics: Array.from({ length: 5000 }, (_, i) => ({ key: `m${i % 7}`, value: i, step: i })),
      params: Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, big])),
      tags: Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`t${i}`, big])),
    });
    expect(result.requests).toBeGreaterThanOrEqual(5);
    const got = await client.getRun(r.info.run_id);
    expect(got.data.params).toHaveLength(250);
    expect(got.data.tags?.filter((t) => !t.key.startsWith("mlflow.")).length).toBe(250);
    const m3 = await toArray(client.getMetricHistory(r.info.run_id, "m3"));
    expect(m3.map((m) => m.step)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 7 === 3),
    );
  });

  it("a key over 250 characters is refused before any request is sent", async () => {
    let requests = 0;
    const counting = createMlflowClient({
      trackingUri: server.url,
      env: {},
      fetch: (i, init) => {
        requests++;
        return fetch(i, init);
      },
    });
    const e = await counting
      .logBatch("whatever", { metrics: [{ key: "k".repeat(251), value: 1 }] })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowValidationError);
    expect(requests).toBe(0);
  });
});

describe("single-call helpers against the real server (Python MlflowClient's everyday calls)", () => {
  const tagMap = (list: { key?: string; value?: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((t) => [t.key, t.value]));

  it("logMetric, logParam, setTag, deleteTag: read back with getRun and the metric history", async () => {
    const exp = await client.getOrCreateExperiment("single-calls");
    const runId = (await client.createRun({ experimentId: exp.experiment_id })).info.run_id;
    await client.logMetric(runId, "acc", 0.5, { step: 3, timestamp: 1234 });
    await client.logMetric(runId, "acc", Number.NaN, { step: 4, timestamp: 1235 });
    await client.logMetric(runId, "big", Number.POSITIVE_INFINITY, { timestamp: 7, step: -2 });
    await client.logMetric(runId, "small", Number.NEGATIVE_INFINITY, { timestamp: 8 });
    const before = Date.now();
    await client.logMetric(runId, "now", 1);
    const after = Date.now();
    await client.logParam(runId, "lr", 1e-5);
    await client.logParam(runId, "flag", true);
    await client.logParam(runId, "lr", "1e-05"); // the same value again: accepted
    await client.setTag(runId, "team", "ml");
    await client.setTag(runId, "team", 2);
    await client.setTag(runId, "gone", "soon");
    await client.deleteTag(runId, "gone");

    const got = await client.getRun(runId);
    const params = Object.fromEntries((got.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toEqual({ lr: "1e-05", flag: "True" });
    expect(tagMap(got.data.tags)).toMatchObject({ team: "2" });
    expect(tagMap(got.data.tags)).not.toHaveProperty("gone");
    const latest = Object.fromEntries((got.data.metrics ?? []).map((m) => [m.key, m]));
    expect(latest.acc).toMatchObject({ value: "NaN", step: 4, timestamp: 1235 });
    // SQL has no infinity: the server keeps ±Infinity as the largest doubles.
    expect(latest.big).toMatchObject({ value: 1.7976931348623157e308, step: -2, timestamp: 7 });
    expect(latest.small).toMatchObject({ value: -1.7976931348623157e308, step: 0, timestamp: 8 });
    expect(latest.now?.step).toBe(0);
    expect(Number(latest.now?.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(latest.now?.timestamp)).toBeLessThanOrEqual(after);
    expect(await toArray(client.getMetricHistory(runId, "acc"))).toEqual([
      { key: "acc", value: 0.5, timestamp: 1234, step: 3 },
      { key: "acc", value: "NaN", timestamp: 1235, step: 4 },
    ]);

    const changed = await client.logParam(runId, "lr", 0.1).catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(MlflowApiError);
    expect(changed).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect(await client.deleteTag(runId, "gone").catch((e: unknown) => e)).toMatchObject({
      status: 404,
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });

  it("model versions and registered models: update, tags, delete; read back with getModelVersion and registered-models/get", async () => {
    const exp = await client.getOrCreateExperiment("single-calls");
    const owner = await client.createRun({ experimentId: exp.experiment_id });
    const source = `${owner.info.artifact_uri}/model`;
    const name = "single-calls-model";
    await client.registerModel(name, { source, runId: owner.info.run_id });
    await client.registerModel(name, { source, runId: owner.info.run_id });

    const updated = await client.updateModelVersion(name, "1", { description: "first" });
    expect(updated).toMatchObject({ name, version: "1", description: "first" });
    expect((await client.getModelVersion(name, "1")).description).toBe("first");

    await client.setModelVersionTag(name, "1", "validated", true);
    await client.setModelVersionTag(name, "1", "keep", "x");
    await client.setModelVersionTag(name, "1", "keep", 2.5);
    expect(tagMap((await client.getModelVersion(name, "1")).tags)).toEqual({
      validated: "True",
      keep: "2.5",
    });
    await client.deleteModelVersionTag(name, "1", "keep");
    await client.deleteModelVersionTag(name, "1", "never-set"); // the server says nothing
    expect(tagMap((await client.getModelVersion(name, "1")).tags)).toEqual({ validated: "True" });

    await client.setAlias(name, "champion", "2");
    await client.deleteModelVersion(name, "2");
    expect(await client.getModelVersion(name, "2").catch((e: unknown) => e)).toMatchObject({
      status: 404,
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
    expect(await client.findModelVersionByAlias(name, "champion")).toBeNull();
    const versions = await toArray(client.searchModelVersions({ filter: `name = '${name}'` }));
    expect(versions.map((v) => v.version)).toEqual(["1"]);

    await client.setRegisteredModelTag(name, "owner", "me");
    await client.setRegisteredModelTag(name, "reviewed", false);
    const model = await client.updateRegisteredModel(name, { description: "a model" });
    expect(model).toMatchObject({ name, description: "a model" });
    const read = await ok(
      client.api.GET("/api/2.0/mlflow/registered-models/get", { params: { query: { name } } }),
    );
    expect(read.registered_model.description).toBe("a model");
    expect(tagMap(read.registered_model.tags)).toEqual({ owner: "me", reviewed: "False" });
    // An empty description clears it (the server stores "").
    await client.updateRegisteredModel(name, { description: "" });
    const cleared = await ok(
      client.api.GET("/api/2.0/mlflow/registered-models/get", { params: { query: { name } } }),
    );
    expect(cleared.registered_model.description ?? "").toBe("");
    expect(
      await client.updateModelVersion("no-such-model", "1", { description: "x" }).catch((e) => e),
    ).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
  });
});

describe("cancelling against the real server", () => {
  it("an abort after logBatch's first request sends no other: the server holds that request's points only", async () => {
    const exp = await client.getOrCreateExperiment("cancelled-batch");
    const r = await client.createRun({ experimentId: exp.experiment_id });
    const controller = new AbortController();
    let batches = 0;
    const cancelling = createMlflowClient({
      trackingUri: server.url,
      env: {},
      fetch: async (i, init) => {
        const res = await fetch(i, init);
        const url = i instanceof Request ? i.url : String(i);
        if (url.endsWith("/runs/log-batch") && ++batches === 1) controller.abort();
        return res;
      },
    });
    // One key: one lane, 5 requests of 1000 points, one after another.
    const err = await cancelling
      .logBatch(
        r.info.run_id,
        { metrics: Array.from({ length: 5000 }, (_, step) => ({ key: "loss", value: 1, step })) },
        { signal: controller.signal },
      )
      .catch((x: unknown) => x);
    expect(err).toMatchObject({ name: "AbortError" });
    expect(batches).toBe(1);
    const stored = await toArray(client.getMetricHistory(r.info.run_id, "loss"));
    expect(stored).toHaveLength(1000);
  });

  it("an aborted withRun ends the run KILLED on the server and rejects with the reason", async () => {
    const controller = new AbortController();
    let runId = "";
    const err = await client
      .withRun(
        (ctx) => {
          runId = ctx.runId;
          setTimeout(() => controller.abort(new Error("job cancelled")), 10);
          return new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
          );
        },
        { experimentName: "cancelled-runs", signal: controller.signal },
      )
      .catch((x: unknown) => x);
    expect(err).toEqual(new Error("job cancelled"));
    expect((await client.getRun(runId)).info.status).toBe("KILLED");
  });
});

interface ParityReport {
  experiment: { lifecycle_stage: string; tags: Record<string, string> };
  runs: {
    name: string;
    status: string;
    start_time: number;
    end_time: number | null;
    lifecycle_stage: string;
    params: Record<string, string>;
    metrics: Record<string, number>;
    tags: Record<string, string>;
    run_name_tag: string | null;
    loss_history: [number, number, number][];
    artifacts: [string, boolean, number][];
  }[];
  search: string[];
  model: {
    version: string;
    status: string;
    source_run: string;
    source_suffix: string;
    alias_version: string;
    aliases: string[];
  };
  artifact_sha256: string;
}

/** The Python scenario of test/python/mlflow_parity.py, step by step in TypeScript. */
async function parityTs(experimentName: string, modelName: string): Promise<ParityReport> {
  const POINTS = 5000;
  const RUNS: [string, number, number][] = [
    ["run-a", 0.01, 0.81],
    ["run-b", 0.1, 0.93],
    ["run-c", 1.0, 0.87],
  ];
  const artifact = Buffer.from("model bytes \x00\x01\x02 ".repeat(1000), "latin1");
  const t0 = 1_700_000_000_000;
  const experimentId = await client.createExperiment(experimentName, { tags: { team: "parity" } });
  const ids = new Map<string, string>();
  for (const [name, lr, acc] of RUNS) {
    const r = await client.createRun({
      experimentId,
      runName: name,
      tags: { stage: "test" },
      startTime: t0,
    });
    ids.set(name, r.info.run_id);
    await client.logBatch(r.info.run_id, {
      metrics: [
        { key: "accuracy", value: acc, timestamp: t0, step: 0 },
        ...Array.from({ length: POINTS }, (_, i) => ({
          key: "loss",
          value: 1 / (i + 1),
          timestamp: t0 + i,
          step: i,
        })),
      ],
      // Python's str(1.0) is "1.0"
      params: { lr: Number.isInteger(lr) ? lr.toFixed(1) : String(lr), model: "rf" },
      tags: { quote: `it's "quoted"` },
    });
    await client.uploadArtifact(r.info.run_id, "model/model.bin", artifact);
    await client.endRun(r.info.run_id, "FINISHED", t0 + 1000);
  }
  const found = await toArray(
    client.searchRuns({
      experimentIds: [experimentId],
      filter: runFilter().param("model", "=", "rf").metric("accuracy", ">", 0.85).toString(),
      orderBy: ["metrics.accuracy DESC"],
    }),
  );
  const best = found[0];
  if (!best) throw new Error("search found nothing");
  const version = await client.registerModel(modelName, {
    source: `${best.info.artifact_uri}/model`,
    runId: best.info.run_id,
  });
  await client.setAlias(modelName, "champion", version.version);
  const byAlias = await client.getModelVersionByAlias(modelName, "champion");
  const downloaded = await readAll(
    await client.downloadArtifact(best.info.run_id, "model/model.bin"),
  );
  const experiment = await client.getExperiment(experimentId);
  const kv = (xs: readonly { key: string; value: string }[] | undefined, skipSystem = false) =>
    Object.fromEntries(
      (xs ?? [])
        .filter((x) => !skipSystem || !x.key.startsWith("mlflow."))
        .map((x) => [x.key, x.value] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  const runs: ParityReport["runs"] = [];
  for (const [name] of RUNS) {
    const r = await client.getRun(ids.get(name) ?? "");
    const history = await toArray(client.getMetricHistory(r.info.run_id, "loss"));
    runs.push({
      name: r.info.run_name ?? "",
      status: r.info.status,
      start_time: r.info.start_time,
      end_time: r.info.end_time ?? null,
      lifecycle_stage: r.info.lifecycle_stage,
      params: kv(r.data.params),
      metrics: Object.fromEntries(
        (r.data.metrics ?? [])
          .map((m) => [m.key, Number(m.value)] as const)
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
      tags: kv(r.data.tags, true),
      run_name_tag: r.data.tags?.find((t) => t.key === "mlflow.runName")?.value ?? null,
      loss_history: history.map((m) => [m.step, m.timestamp, Number(m.value)]),
      artifacts: (await client.listArtifacts(r.info.run_id, "model"))
        .map((f): [string, boolean, number] => [f.path ?? "", f.is_dir ?? false, f.file_size ?? 0])
        .sort(),
    });
  }
  return {
    experiment: {
      lifecycle_stage: experiment.lifecycle_stage,
      tags: kv(experiment.tags, true),
    },
    runs,
    search: found.map((r) => r.info.run_name ?? ""),
    model: {
      version: version.version,
      status: version.status,
      source_run: [...ids].find(([, id]) => id === version.run_id)?.[0] ?? "",
      source_suffix: version.source?.split("/artifacts/")[1] ?? "",
      alias_version: byAlias.version,
      aliases: [...(byAlias.aliases ?? [])].sort(),
    },
    artifact_sha256: sha(downloaded),
  };
}

/** How many leaf values two equal reports hold: the fields compared. */
function leaves(x: unknown): number {
  if (Array.isArray(x)) return x.reduce((n: number, v) => n + leaves(v), 0);
  if (x && typeof x === "object")
    return Object.values(x).reduce((n: number, v) => n + leaves(v), 0);
  return 1;
}

describe("parity with Python's MlflowClient (same scenario, same server)", () => {
  it("gives the same experiment, runs, 5,000-point histories, search, model, alias and artifact", async () => {
    const out = join(work, "parity-py.json");
    mkdirSync(join(work, "py"), { recursive: true });
    // Asynchronously: a blocked event loop would hand the next request a socket the server
    // closed meanwhile.
    await promisify(execFile)(
      PYTHON,
      [
        join(ROOT, "test/python/mlflow_parity.py"),
        server.url,
        "parity-py",
        "parity-model-py",
        join(work, "py"),
        out,
      ],
      { encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const python = JSON.parse(readFileSync(out, "utf8")) as ParityReport;
    const ts = await parityTs("parity-ts", "parity-model-ts");
    expect(ts).toEqual(python);
    expect(ts.runs.every((r) => r.loss_history.length === 5000)).toBe(true);
    expect(ts.search).toEqual(["run-b", "run-c"]);
    // Every leaf of the report is a field compared; recorded in the report of this change.
    expect(leaves(ts)).toBeGreaterThan(45_000);
    console.log(`parity: ${leaves(ts)} fields compared`);
  });
});

describe("mlgen mlflow against the real server", () => {
  async function cli(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await mlgen(argv, {
      cwd: ROOT,
      env: { MLFLOW_TRACKING_URI: server.url },
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  }

  it("runs <experiment> prints a table, honours --filter/--order-by/--max, and --json", async () => {
    const table = await cli(
      "mlflow",
      "runs",
      "parity-ts",
      "--filter",
      "metrics.accuracy > 0.8",
      "--order-by",
      "metrics.accuracy DESC",
      "--max",
      "2",
    );
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^RUN ID\s+NAME\s+STATUS/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(["run-b", "run-c"]);
    const json = await cli("mlflow", "runs", "parity-ts", "--json");
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Run[]).map((r) => r.info.run_name).sort()).toEqual([
      "run-a",
      "run-b",
      "run-c",
    ]);
  });

  it("models <name> lists versions with aliases; an unknown experiment is a one-line error", async () => {
    const models = await cli("mlflow", "models", "parity-model-ts");
    expect(models.code, models.stderr).toBe(0);
    expect(models.stdout).toMatch(/^VERSION\s+STATUS/);
    expect(models.stdout).toContain("champion");
    const json = await cli("mlflow", "models", "parity-model-ts", "--json");
    expect(JSON.parse(json.stdout)).toHaveLength(1);
    const missing = await cli("mlflow", "runs", "no-such-experiment");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-experiment/);
    // A deleted experiment's runs went with it: said, not shown as an empty table.
    const gone = await client.createExperiment("cli-deleted-ts");
    await ok(
      client.api.POST("/api/2.0/mlflow/experiments/delete", { body: { experiment_id: gone } }),
    );
    const deleted = await cli("mlflow", "runs", "cli-deleted-ts");
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toBe("");
    expect(deleted.stderr).toContain(
      `experiment "cli-deleted-ts" (id ${gone}) is deleted at ${client.trackingUri}; restore it to list its runs`,
    );
  });
});

describe("contract coverage", () => {
  it("the committed spec is what specs/mlflow/build_spec.py writes from the pinned mlflow", async () => {
    const dir = join(work, "spec");
    mkdirSync(dir, { recursive: true });
    await promisify(execFile)(PYTHON, [join(ROOT, "specs/mlflow/build_spec.py"), "--out", dir]);
    for (const file of ["openapi.yaml", "PROVENANCE.json"]) {
      const fresh = readFileSync(join(dir, file), "utf8");
      const committed = readFileSync(join(ROOT, "specs/mlflow", file), "utf8");
      expect(fresh === committed, `specs/mlflow/${file} is stale: run build_spec.py`).toBe(true);
    }
  });

  it("every answer matched the spec's response schema", () => {
    expect(contract.violations).toEqual([]);
    expect(contract.unknown).toEqual([]);
  });

  it("every operation in the spec was called with a 2xx answer at least once", () => {
    const never = contract.operations.filter((id) => !contract.called.has(id));
    expect(never).toEqual([]);
    expect(contract.operations.length).toBe(63);
    console.log(
      `contract: ${contract.called.size} of ${contract.operations.length} operations called`,
    );
  });
});
