/**
 * @mlgen/mlflow-client against a real `mlflow server` that serves https with a private CA and
 * requires a client certificate (uvicorn's TLS, test/fixtures/tls), configured the way Python
 * users configure theirs: MLFLOW_TRACKING_SERVER_CERT_PATH and MLFLOW_TRACKING_CLIENT_CERT_PATH,
 * or MLFLOW_TRACKING_INSECURE_TLS. Python's MlflowClient, given the same variables, reads what
 * the TS client wrote and the other way round; both are refused without a client certificate.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMlflowClient,
  MlflowRequestError,
  toArray,
} from "../../packages/mlflow-client/src/index.js";
import { ensureEngines, type MlflowServer, PYTHON, ROOT, startMlflow, tempDir } from "./harness.js";

const FIXTURES = join(ROOT, "test/fixtures/tls");
let server: MlflowServer;
let env: Record<string, string> = {};

beforeAll(async () => {
  ensureEngines();
  server = await startMlflow(join(tempDir("mlflow-tls"), "server"), { tls: true });
  env = {
    MLFLOW_TRACKING_URI: server.url,
    MLFLOW_TRACKING_SERVER_CERT_PATH: join(FIXTURES, "ca.pem"),
    MLFLOW_TRACKING_CLIENT_CERT_PATH: join(FIXTURES, "client.pem"),
  };
});

afterAll(async () => {
  await server?.stop();
});

/** Python's MlflowClient with these variables (and nothing else of MLflow's from this process). */
async function python(script: string, vars: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("MLFLOW_")),
  );
  try {
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", script], {
      env: { ...clean, ...vars, PYTHONWARNINGS: "ignore" },
      timeout: 120_000,
    });
    return { ok: true, out: JSON.parse(stdout.trim().split("\n").pop() ?? "null") };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

const PY_READ = `
import json, sys, tempfile, os
from mlflow import MlflowClient
c = MlflowClient()
run = c.get_run(sys.argv[1] if len(sys.argv) > 1 else os.environ["RUN_ID"])
d = tempfile.mkdtemp()
path = c.download_artifacts(run.info.run_id, "model/weights.bin", d)
mine = c.create_run(run.info.experiment_id, run_name="from-python")
c.log_param(mine.info.run_id, "side", "python")
c.log_metric(mine.info.run_id, "loss", 0.25, step=3)
c.set_terminated(mine.info.run_id)
print(json.dumps({
  "params": run.data.params, "metrics": run.data.metrics, "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
  "history": [[m.step, m.value] for m in c.get_metric_history(run.info.run_id, "acc")],
  "artifact": open(path, "rb").read().hex(), "python_run": mine.info.run_id,
}))
`;

describe("MLflow over https with a client certificate (real server, uvicorn TLS)", () => {
  it("the TS client and Python's MlflowClient, given the same MLFLOW_TRACKING_* variables, read each other's runs and artifacts", async () => {
    const client = createMlflowClient({ env, retry: false });
    const exp = await client.getOrCreateExperiment("tls");
    const runId = await client.withRun(
      async ({ runId }) => {
        await client.logBatch(runId, {
          metrics: [0.5, 0.75, 0.875].map((value, step) => ({ key: "acc", value, step })),
          params: { model: "rf" },
          tags: { team: "ml" },
        });
        // A streamed upload through the artifact proxy, over the same TLS connection settings.
        const weights = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
        await client.uploadArtifact(runId, "model/weights.bin", new Blob([weights]).stream());
        return runId;
      },
      { experimentId: exp.experiment_id, signals: [] },
    );
    const py = await python(PY_READ, { ...env, RUN_ID: runId });
    expect(py.ok, String(py.out)).toBe(true);
    const weights = Buffer.from(new Uint8Array(300_000).map((_, i) => (i * 7) % 256));
    expect(py.out).toMatchObject({
      params: { model: "rf" },
      metrics: { acc: 0.875 },
      tags: { team: "ml" },
      history: [
        [0, 0.5],
        [1, 0.75],
        [2, 0.875],
      ],
      artifact: weights.toString("hex"),
    });
    // And back: the run Python made, found by the TS client's search.
    const found = await toArray(
      client.searchRuns({ experimentIds: [exp.experiment_id], filter: "params.side = 'python'" }),
    );
    expect(found.map((r) => [r.info.run_id, r.data?.metrics?.[0]?.value])).toEqual([
      [py.out.python_run, 0.25],
    ]);
    const back = Buffer.from(
      await new Response(await client.downloadArtifact(runId, "model/weights.bin")).arrayBuffer(),
    );
    expect(back.equals(weights)).toBe(true);
  });

  it("without the client certificate both clients are refused; MLFLOW_TRACKING_INSECURE_TLS=true skips the CA check, not the client certificate", async () => {
    const { MLFLOW_TRACKING_CLIENT_CERT_PATH: _, ...noCert } = env;
    await expect(
      createMlflowClient({ env: noCert, retry: false }).getExperimentByName("tls"),
    ).rejects.toThrow(MlflowRequestError);
    const py = await python(
      "from mlflow import MlflowClient; MlflowClient().get_experiment_by_name('tls')",
      // Python's client retries a refused connection 7 times over about two minutes.
      { ...noCert, MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" },
    );
    expect(py.ok).toBe(false);
    expect(py.out).toMatch(/SSLError|ConnectionError|Connection aborted|MlflowException/);
    // No CA given, checks off: the client certificate still gets it in.
    const { MLFLOW_TRACKING_SERVER_CERT_PATH: __, ...insecure } = env;
    const vars = { ...insecure, MLFLOW_TRACKING_INSECURE_TLS: "true" };
    expect(
      await createMlflowClient({ env: vars, retry: false }).getExperimentByName("tls"),
    ).toMatchObject({ name: "tls" });
    const pyInsecure = await python(
      "import json; from mlflow import MlflowClient; print(json.dumps(MlflowClient().get_experiment_by_name('tls').name))",
      vars,
    );
    expect(pyInsecure).toEqual({ ok: true, out: "tls" });
    // Neither: the private CA is not trusted, said so, and not retried.
    const { MLFLOW_TRACKING_SERVER_CERT_PATH: ___, ...noCa } = env;
    await expect(createMlflowClient({ env: noCa }).getExperimentByName("tls")).rejects.toThrow(
      /the server's TLS certificate (chain is not trusted|cannot be verified) \([A-Z_]+\), after 1 attempt/,
    );
  });
});
