/**
 * Parity of @mlgen/mocks' MLflow fake with a real MLflow server: one scenario, recorded through
 * the fake's fetch and against `mlflow server` (SQLite, artifact proxy), must answer the same
 * after ids, times and URLs are normalized.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMlflowFake,
  MlflowFilterError,
  parseMlflowFilter,
  parseMlflowOrderBy,
} from "../../packages/mocks/src/index.js";
import {
  artifactContentDisposition,
  artifactMimeType,
  unsafeArtifactPath,
} from "../../packages/mocks/src/mlflow/handlers.js";
import {
  compare,
  type Exception,
  normalize,
  record,
  type Scenario,
  type Step,
} from "../support/parity.js";
import {
  ensureEngines,
  type MlflowServer,
  PYTHON,
  runEngine,
  startMlflow,
  tempDir,
} from "./harness.js";

const T0 = 1_700_000_000_000;

const scenario: Scenario = async (call) => {
  const A = "/api/2.0/mlflow";
  // Experiments ------------------------------------------------------------------------------
  await call("default experiment", "GET", `${A}/experiments/get?experiment_id=0`);
  const created = await call("create experiment", "POST", `${A}/experiments/create`, {
    body: { name: "parity", tags: [{ key: "team", value: "ml" }] },
  });
  const exp = String(created.body.experiment_id);
  await call("create experiment again", "POST", `${A}/experiments/create`, {
    body: { name: "parity-2" },
  });
  await call("get experiment", "GET", `${A}/experiments/get?experiment_id=${exp}`);
  await call(
    "get experiment by name",
    "GET",
    `${A}/experiments/get-by-name?experiment_name=parity`,
  );
  await call("get missing experiment", "GET", `${A}/experiments/get?experiment_id=424242`);
  await call("get experiment bad id", "GET", `${A}/experiments/get?experiment_id=abc`);
  await call(
    "get missing experiment by name",
    "GET",
    `${A}/experiments/get-by-name?experiment_name=nope`,
  );
  await call("create experiment without name", "POST", `${A}/experiments/create`, { body: {} });
  await call("set experiment tag", "POST", `${A}/experiments/set-experiment-tag`, {
    body: { experiment_id: exp, key: "stage", value: "dev" },
  });
  await call("delete missing experiment tag", "POST", `${A}/experiments/delete-experiment-tag`, {
    body: { experiment_id: exp, key: "nope" },
  });
  await call("search experiments without max_results", "POST", `${A}/experiments/search`, {
    body: {},
  });
  await call("search experiments by name", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "name LIKE 'par%'", order_by: ["name DESC"] },
  });
  await call("search experiments by tag", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "tags.stage = 'dev'" },
  });
  const e1 = await call("search experiments page 1", "POST", `${A}/experiments/search`, {
    body: { max_results: 2, order_by: ["name ASC"] },
  });
  await call("search experiments page 2", "POST", `${A}/experiments/search`, {
    body: { max_results: 2, order_by: ["name ASC"], page_token: e1.body.next_page_token },
  });
  await call(
    "search experiments by GET",
    "GET",
    `${A}/experiments/search?max_results=2&order_by=${encodeURIComponent("name DESC")}`,
  );

  // Runs -------------------------------------------------------------------------------------
  const runIds: string[] = [];
  for (const [i, name] of ["alpha", "beta", "gamma"].entries()) {
    const r = await call(`create run ${name}`, "POST", `${A}/runs/create`, {
      body: {
        experiment_id: exp,
        run_name: name,
        start_time: T0 + i * 1000,
        tags: [{ key: "kind", value: i === 1 ? "Baseline" : "candidate" }],
      },
    });
    runIds.push(String(r.body.run.info.run_id));
  }
  const [alpha = "", beta = "", gamma = ""] = runIds;
  await call("create run in missing experiment", "POST", `${A}/runs/create`, {
    body: { experiment_id: "424242", run_name: "x", start_time: T0 },
  });
  await call("log param", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "lr", value: "0.1" },
  });
  await call("log same param again", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "lr", value: "0.1" },
  });
  await call("change param", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "lr", value: "0.2" },
  });
  await call("log param on missing run", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: "0123456789abcdef0123456789abcdef", key: "lr", value: "0.1" },
  });
  for (const [i, v] of [0.5, 0.7, 0.6].entries()) {
    await call(`log metric ${i}`, "POST", `${A}/runs/log-metric`, {
      body: {
        run_id: alpha,
        key: "acc",
        value: v,
        timestamp: T0 + 10 + i,
        step: i === 2 ? 0 : i + 1,
      },
    });
  }
  await call("log NaN metric", "POST", `${A}/runs/log-metric`, {
    body: { run_id: alpha, key: "loss", value: "NaN", timestamp: T0 + 20 },
  });
  // Points of one step and timestamp: the server stores NaN as 0 and keeps the larger value as
  // the latest, so NaN loses to 7 and wins over -3, whichever comes first.
  const ties: [string, (number | string)[]][] = [
    ["tie_a", ["NaN", 7]],
    ["tie_b", ["NaN", -3]],
    ["tie_c", [7, "NaN"]],
    ["tie_d", [-3, "NaN"]],
  ];
  for (const [key, values] of ties) {
    for (const value of values) {
      await call(`log ${key} ${value}`, "POST", `${A}/runs/log-metric`, {
        body: { run_id: alpha, key, value, timestamp: T0 + 30, step: 5 },
      });
    }
  }
  await call("log metric without timestamp", "POST", `${A}/runs/log-metric`, {
    body: { run_id: alpha, key: "acc", value: 1 },
  });
  await call(
    "metric history page 1",
    "GET",
    `${A}/metrics/get-history?run_id=${alpha}&metric_key=acc&max_results=2`,
  );
  const h1 = await call(
    "metric history all",
    "GET",
    `${A}/metrics/get-history?run_id=${alpha}&metric_key=acc`,
  );
  expect(h1.status).toBe(200);
  await call(
    "metric history page 2",
    "GET",
    `${A}/metrics/get-history?run_id=${alpha}&metric_key=acc&max_results=2&page_token=eyJvZmZzZXQiOiAyfQ==`,
  );
  await call(
    "metric history of unknown key",
    "GET",
    `${A}/metrics/get-history?run_id=${alpha}&metric_key=nope`,
  );
  await call("set tag", "POST", `${A}/runs/set-tag`, {
    body: { run_id: alpha, key: "note", value: "hi" },
  });
  await call("delete tag", "POST", `${A}/runs/delete-tag`, {
    body: { run_id: alpha, key: "note" },
  });
  await call("delete missing tag", "POST", `${A}/runs/delete-tag`, {
    body: { run_id: alpha, key: "note" },
  });
  await call("log batch", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: beta,
      metrics: [
        { key: "acc", value: 0.9, timestamp: T0 + 30, step: 0 },
        { key: "acc", value: 0.95, timestamp: T0 + 31, step: 1 },
      ],
      params: [
        { key: "lr", value: "0.01" },
        { key: "model", value: "rf" },
      ],
      tags: [{ key: "owner", value: "ana" }],
    },
  });
  await call("log batch to gamma", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: gamma,
      metrics: [{ key: "acc", value: 0.8, timestamp: T0 + 40, step: 0 }],
      params: [{ key: "model", value: "svm" }],
    },
  });
  await call("log batch over metric limit", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: beta,
      metrics: Array.from({ length: 1001 }, (_, i) => ({
        key: "m",
        value: i,
        timestamp: T0,
        step: i,
      })),
    },
  });
  await call("log batch over param limit", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: beta,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "v" })),
    },
  });
  await call("log batch over total limit", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: beta,
      metrics: Array.from({ length: 950 }, (_, i) => ({
        key: "m",
        value: i,
        timestamp: T0,
        step: i,
      })),
      params: Array.from({ length: 51 }, (_, i) => ({ key: `p${i}`, value: "v" })),
    },
  });
  await call("log batch changing a param", "POST", `${A}/runs/log-batch`, {
    body: { run_id: beta, params: [{ key: "lr", value: "0.5" }] },
  });
  await call("log batch duplicate params", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: beta,
      params: [
        { key: "bs", value: "1" },
        { key: "bs", value: "2" },
      ],
    },
  });
  await call("log param with a bad key", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "a#b", value: "1" },
  });
  await call("log param with a too long key", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "k".repeat(251), value: "1" },
  });
  await call("set tag with a non-unique path", "POST", `${A}/runs/set-tag`, {
    body: { run_id: alpha, key: "/a", value: "1" },
  });
  await call("log batch with a bad metric name", "POST", `${A}/runs/log-batch`, {
    body: { run_id: alpha, metrics: [{ key: "x/../y", value: 1, timestamp: T0 }] },
  });
  await call("log long param value", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "long", value: "v".repeat(6001) },
  });
  await call("get run", "GET", `${A}/runs/get?run_id=${alpha}`);
  await call("get batch run", "GET", `${A}/runs/get?run_id=${beta}`);
  await call("get missing run", "GET", `${A}/runs/get?run_id=0123456789abcdef0123456789abcdef`);
  await call("get run by run_uuid", "GET", `${A}/runs/get?run_uuid=${alpha}`);
  await call("log param with a number value", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: alpha, key: "num", value: 5 },
  });
  await call("log metric with a text value", "POST", `${A}/runs/log-metric`, {
    body: { run_id: alpha, key: "m", value: "high", timestamp: T0, step: 0 },
  });
  await call("update run", "POST", `${A}/runs/update`, {
    body: { run_id: gamma, status: "FINISHED", end_time: T0 + 5000, run_name: "gamma-2" },
  });
  await call("update missing run", "POST", `${A}/runs/update`, {
    body: { run_id: "0123456789abcdef0123456789abcdef", status: "FINISHED" },
  });

  // Searches ---------------------------------------------------------------------------------
  const search = (name: string, body: Record<string, unknown>) =>
    call(name, "POST", `${A}/runs/search`, { body: { experiment_ids: [exp], ...body } });
  await search("search runs default order", {});
  await search("search runs metric filter", { filter: "metrics.acc > 0.75" });
  await search("search runs param and tag filter", {
    filter: "params.model = 'rf' and tags.owner = \"ana\"",
  });
  await search("search runs like", { filter: "tags.kind LIKE 'cand%'" });
  await search("search runs like is case sensitive", { filter: "tags.kind LIKE 'baseline'" });
  await search("search runs ilike", { filter: "tags.kind ILIKE 'baseline'" });
  await search("search runs by run name", { filter: "attributes.run_name = 'gamma-2'" });
  await search("search runs by status", { filter: "status = 'FINISHED'" });
  await search("search runs run_id in", { filter: `run_id IN ('${alpha}', '${gamma}')` });
  await search("search runs backtick key", { filter: "params.`model` != 'rf'" });
  await search("search runs start_time", { filter: `attributes.start_time >= ${T0 + 1000}` });
  await search("search runs param is null", { filter: "params.model IS NULL" });
  await search("search runs order by metric", { order_by: ["metrics.acc DESC"] });
  await search("search runs order by param asc", { order_by: ["params.model"] });
  const p1 = await search("search runs page 1", {
    max_results: 2,
    order_by: ["attributes.start_time ASC"],
  });
  await search("search runs page 2", {
    max_results: 2,
    order_by: ["attributes.start_time ASC"],
    page_token: p1.body.next_page_token,
  });
  await search("search runs OR", { filter: "metrics.acc > 0.5 OR params.lr = '0.1'" });
  await search("search runs unquoted param", { filter: "params.lr = 0.1" });
  await search("search runs metric string", { filter: "metrics.acc > 'x'" });
  await search("search runs bad entity", { filter: "foo.lr = '0'" });
  await search("search runs status in", { filter: "status IN ('RUNNING')" });
  await search("search runs incomplete", { filter: "metrics.acc >" });
  await search("search runs blank filter", { filter: "  " });
  await search("search runs empty filter", { filter: "" });
  await search("search runs bad order direction", { order_by: ["metrics.acc DESCX"] });
  await search("search runs max_results too large", { max_results: 50001 });
  await search("search runs bad page token", { page_token: "garbage" });
  await call("delete run", "POST", `${A}/runs/delete`, { body: { run_id: gamma } });
  await search("search runs active only", { run_view_type: "ACTIVE_ONLY" });
  await search("search runs deleted only", { run_view_type: "DELETED_ONLY" });
  await call("log param on deleted run", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: gamma, key: "x", value: "1" },
  });
  await call("restore run", "POST", `${A}/runs/restore`, { body: { run_id: gamma } });
  await search("search runs all", { run_view_type: "ALL", order_by: ["attributes.run_name"] });

  // Artifacts --------------------------------------------------------------------------------
  const root = `${exp}/${alpha}/artifacts`;
  const ART = "/api/2.0/mlflow-artifacts/artifacts";
  await call("upload artifact", "PUT", `${ART}/${root}/model/model.pkl`, {
    raw: "pickled bytes",
    headers: { "content-type": "application/octet-stream" },
  });
  await call("upload second artifact", "PUT", `${ART}/${root}/notes.txt`, { raw: "notes!" });
  await call("download artifact", "GET", `${ART}/${root}/model/model.pkl`);
  await call("download missing artifact", "GET", `${ART}/${root}/nope.bin`);
  await call("proxy list", "GET", `${ART}?path=${root}`);
  await call("run artifacts list", "GET", `${A}/artifacts/list?run_id=${alpha}`);
  await call("run artifacts list subdir", "GET", `${A}/artifacts/list?run_id=${alpha}&path=model`);
  await call(
    "run artifacts list missing dir",
    "GET",
    `${A}/artifacts/list?run_id=${alpha}&path=nope`,
  );
  await call(
    "run artifacts list outside the run",
    "GET",
    `${A}/artifacts/list?run_id=${alpha}&path=../x`,
  );
  await call(
    "run artifacts list outside the run, encoded twice",
    "GET",
    `${A}/artifacts/list?run_id=${alpha}&path=%252E%252E/x`,
  );
  await call("proxy list outside the root", "GET", `${ART}?path=../x`);
  // The type a download is served with comes from the file's name.
  for (const file of ["plot.png", "MLmodel", "data.tar.gz", "report.html", "weights.bin"]) {
    await call(`upload ${file}`, "PUT", `${ART}/${root}/typed/${file}`, { raw: "bytes" });
    await call(`download ${file}`, "GET", `${ART}/${root}/typed/${file}`, {
      answerHeaders: ["content-type", "x-content-type-options"],
    });
  }
  // The name a download is offered under: quoted when it needs quotes, and RFC 5987's
  // filename* beside an ASCII fallback when it is not ASCII (the fake's Response threw there).
  for (const file of ["日本.bin", "my model ü.pkl", "my model.pkl", "日本語", 'say "hi".txt']) {
    const at = `${ART}/${root}/named/${encodeURIComponent(file)}`;
    await call(`upload named ${file}`, "PUT", at, { raw: `bytes of ${file}` });
    await call(`download named ${file}`, "GET", at, {
      answerHeaders: ["content-disposition", "content-type"],
    });
  }
  await call("delete artifact", "DELETE", `${ART}/${root}/notes.txt`);
  await call("run artifacts list after delete", "GET", `${A}/artifacts/list?run_id=${alpha}`);

  // Registry ---------------------------------------------------------------------------------
  const R = `${A}/registered-models`;
  const V = `${A}/model-versions`;
  await call("create model", "POST", `${R}/create`, {
    body: { name: "iris", description: "flowers", tags: [{ key: "team", value: "ml" }] },
  });
  await call("create model again", "POST", `${R}/create`, { body: { name: "iris" } });
  await call("create bare model", "POST", `${R}/create`, { body: { name: "bare" } });
  for (const name of ["a/b", "a:b", "   ", "..x", "."]) {
    await call(`create model named ${name}`, "POST", `${R}/create`, { body: { name } });
  }
  await call("get model named a/b", "GET", `${R}/get?name=${encodeURIComponent("a/b")}`);
  await call("get version of model ..x", "GET", `${V}/get?name=..x&version=1`);
  await call("rename model to a:b", "POST", `${R}/rename`, {
    body: { name: "bare", new_name: "a:b" },
  });
  await call("create version 1", "POST", `${V}/create`, {
    body: {
      name: "iris",
      source: `runs:/${alpha}/model`,
      run_id: alpha,
      tags: [{ key: "t", value: "1" }],
    },
  });
  await call("create version 2", "POST", `${V}/create`, {
    body: { name: "iris", source: `runs:/${beta}/model`, run_id: beta },
  });
  await call("create version with another run's source", "POST", `${V}/create`, {
    body: { name: "iris", source: `runs:/${alpha}/model`, run_id: beta },
  });
  await call("create version without run_id", "POST", `${V}/create`, {
    body: { name: "iris", source: `runs:/${alpha}/model` },
  });
  await call("create version for missing model", "POST", `${V}/create`, {
    body: { name: "nope", source: `runs:/${beta}/model`, run_id: beta },
  });
  await call("get version", "GET", `${V}/get?name=iris&version=1`);
  await call("get download uri", "GET", `${V}/get-download-uri?name=iris&version=1`);
  await call("get missing version", "GET", `${V}/get?name=iris&version=7`);
  await call("get version bad number", "GET", `${V}/get?name=iris&version=x`);
  await call("set alias", "POST", `${R}/alias`, {
    body: { name: "iris", alias: "champion", version: "2" },
  });
  await call("set alias to missing version", "POST", `${R}/alias`, {
    body: { name: "iris", alias: "champion", version: "9" },
  });
  for (const alias of ["latest", "V3", "bad alias", "a.b", "x".repeat(256), "ünï-çødé_1"]) {
    await call(`set alias ${alias.slice(0, 20)}`, "POST", `${R}/alias`, {
      body: { name: "iris", alias, version: "1" },
    });
  }
  await call("set alias zeta", "POST", `${R}/alias`, {
    body: { name: "iris", alias: "zeta", version: "1" },
  });
  await call("set alias alpha", "POST", `${R}/alias`, {
    body: { name: "iris", alias: "alpha", version: "1" },
  });
  await call("get model with three aliases", "GET", `${R}/get?name=iris`);
  await call("get version with three aliases", "GET", `${V}/get?name=iris&version=1`);
  await call("get by bad alias", "GET", `${R}/alias?name=iris&alias=a.b`);
  await call("get by alias of a bad name", "GET", `${R}/alias?name=a:b&alias=champion`);
  await call("get by alias", "GET", `${R}/alias?name=iris&alias=champion`);
  await call("get version with alias", "GET", `${V}/get?name=iris&version=2`);
  await call("get by missing alias", "GET", `${R}/alias?name=iris&alias=nope`);
  // A missing alias is a 400; only a missing model is the 404 (the guide once taught a 404).
  await call("get by alias of a missing model", "GET", `${R}/alias?name=no-such&alias=champion`);
  // `latest` is every model's newest version; one without versions has none (a 404).
  await call("get by alias latest", "GET", `${R}/alias?name=iris&alias=latest`);
  await call("get by alias LaTeSt", "GET", `${R}/alias?name=iris&alias=LaTeSt`);
  await call("get by alias latest, no versions", "GET", `${R}/alias?name=bare&alias=latest`);
  await call("get by alias latest, no model", "GET", `${R}/alias?name=no-such&alias=latest`);
  await call("get latest versions", "POST", `${R}/get-latest-versions`, { body: { name: "iris" } });
  await call("get latest versions by GET", "GET", `${R}/get-latest-versions?name=iris&stages=none`);
  await call("get latest versions in Staging", "POST", `${R}/get-latest-versions`, {
    body: { name: "iris", stages: ["Staging"] },
  });
  await call("get latest versions of a bad stage", "POST", `${R}/get-latest-versions`, {
    body: { name: "iris", stages: ["Prod"] },
  });
  await call("get latest versions with stages as text", "POST", `${R}/get-latest-versions`, {
    body: { name: "iris", stages: "None" },
  });
  await call("get latest versions of a missing model", "POST", `${R}/get-latest-versions`, {
    body: { name: "nope" },
  });
  await call("set model tag", "POST", `${R}/set-tag`, {
    body: { name: "iris", key: "k", value: "v" },
  });
  await call("set version tag", "POST", `${V}/set-tag`, {
    body: { name: "iris", version: "2", key: "k", value: "v" },
  });
  await call("update model", "PATCH", `${R}/update`, { body: { name: "iris", description: "x" } });
  await call("get model", "GET", `${R}/get?name=iris`);
  await call("get missing model", "GET", `${R}/get?name=nope`);
  await call("search models", "GET", `${R}/search?filter=${encodeURIComponent("name LIKE 'ir%'")}`);
  await call(
    "search versions by name",
    "GET",
    `${V}/search?filter=${encodeURIComponent("name='iris'")}&max_results=1`,
  );
  await call(
    "search versions by run",
    "GET",
    `${V}/search?filter=${encodeURIComponent(`run_id='${alpha}'`)}`,
  );
  await call("delete alias", "DELETE", `${R}/alias`, { body: { name: "iris", alias: "champion" } });
  await call("get model without alias", "GET", `${R}/get?name=iris`);
  await call("update version", "PATCH", `${V}/update`, {
    body: { name: "iris", version: "2", description: "second" },
  });
  await call("search models page", "GET", `${R}/search?max_results=1&order_by=name%20DESC`);
  await call("search models by a bad key", "GET", `${R}/search?order_by=bogus`);
  await call(
    "search models by both timestamps",
    "GET",
    `${R}/search?order_by=timestamp&order_by=last_updated_timestamp`,
  );
  await call("search models over max_results", "GET", `${R}/search?max_results=1001`);
  await call("rename model", "POST", `${R}/rename`, { body: { name: "iris", new_name: "iris2" } });
  await call("rename model back", "POST", `${R}/rename`, {
    body: { name: "iris2", new_name: "iris" },
  });
  await call("delete model tag missing", "DELETE", `${R}/delete-tag`, {
    body: { name: "iris", key: "zz" },
  });
  await call("log inputs", "POST", `${A}/runs/log-inputs`, {
    body: {
      run_id: beta,
      datasets: [
        {
          dataset: { name: "iris", digest: "abc123", source_type: "local", source: "{}" },
          tags: [{ key: "mlflow.data.context", value: "training" }],
        },
      ],
    },
  });
  await call("get run with inputs", "GET", `${A}/runs/get?run_id=${beta}`);
  await call("delete version", "DELETE", `${V}/delete`, { body: { name: "iris", version: "1" } });
  await call("delete version again", "DELETE", `${V}/delete`, {
    body: { name: "iris", version: "1" },
  });
  await call("delete model", "DELETE", `${R}/delete`, { body: { name: "iris" } });
  await call("delete model again", "DELETE", `${R}/delete`, { body: { name: "iris" } });

  // Experiment lifecycle ---------------------------------------------------------------------
  await call("rename experiment", "POST", `${A}/experiments/update`, {
    body: { experiment_id: exp, new_name: "parity-renamed" },
  });
  await call("delete experiment", "POST", `${A}/experiments/delete`, {
    body: { experiment_id: exp },
  });
  await call("delete experiment again", "POST", `${A}/experiments/delete`, {
    body: { experiment_id: exp },
  });
  await call("create run in deleted experiment", "POST", `${A}/runs/create`, {
    body: { experiment_id: exp, run_name: "late", start_time: T0 },
  });
  await call("search deleted experiments", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, view_type: "DELETED_ONLY" },
  });
  await call("restore experiment", "POST", `${A}/experiments/restore`, {
    body: { experiment_id: exp },
  });
  await call("get restored run", "GET", `${A}/runs/get?run_id=${beta}`);

  // What a review against the real server found (2026-11-30) ---------------------------------
  const review = await call("create review run", "POST", `${A}/runs/create`, {
    body: { experiment_id: exp, run_name: "review", start_time: T0 },
  });
  const r = String((review.body.run as { info: { run_id: string } }).info.run_id);
  const point = { key: "dup", value: 0.5, timestamp: T0 + 50, step: 1 };
  await call("log batch with a point twice", "POST", `${A}/runs/log-batch`, {
    body: { run_id: r, metrics: [point, point] },
  });
  await call("log that point again", "POST", `${A}/runs/log-metric`, {
    body: { run_id: r, ...point },
  });
  await call(
    "history after logging a point again",
    "GET",
    `${A}/metrics/get-history?run_id=${r}&metric_key=dup`,
  );
  await call("log batch with a negative timestamp", "POST", `${A}/runs/log-batch`, {
    body: { run_id: r, metrics: [{ key: "neg", value: 1, timestamp: -1, step: 0 }] },
  });
  await call("log a param of 3001 emoji", "POST", `${A}/runs/log-parameter`, {
    body: { run_id: r, key: "emoji", value: "\u{1F600}".repeat(3001) },
  });
  await call("set a tag of 8001 characters ending in emoji", "POST", `${A}/runs/set-tag`, {
    body: { run_id: r, key: "long", value: `a${"\u{1F600}".repeat(8000)}` },
  });
  await call("get review run", "GET", `${A}/runs/get?run_id=${r}`);
  await call("search experiments by id", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "experiment_id = '0'" },
  });
  await call("search experiments by id list", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: `experiment_id IN ('0', '${exp}')`, order_by: ["name"] },
  });
  await call("search experiments with the attributes entity", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "attributes.name = 'parity'" },
  });
  await call("set experiment tag with a path key", "POST", `${A}/experiments/set-experiment-tag`, {
    body: { experiment_id: exp, key: "a/../b", value: "v" },
  });
  await call("set experiment tag too long", "POST", `${A}/experiments/set-experiment-tag`, {
    body: { experiment_id: exp, key: "k", value: "v".repeat(20_001) },
  });
  await call("create experiment in a runs: location", "POST", `${A}/experiments/create`, {
    body: { name: "runs-location", artifact_location: "runs:/abc/def" },
  });
  await call("create run without an experiment", "POST", `${A}/runs/create`, {
    body: { run_name: "orphan", start_time: T0 },
  });
  await call("search runs in a bad experiment id", "POST", `${A}/runs/search`, {
    body: { experiment_ids: ["abc"] },
  });
  await call("create review model", "POST", `${R}/create`, { body: { name: "review" } });
  await call("set model tag with a path key", "POST", `${R}/set-tag`, {
    body: { name: "review", key: "a/../b", value: "v" },
  });
  for (const i of [1, 2, 3]) {
    await call(`create review version ${i}`, "POST", `${V}/create`, {
      body: { name: "review", source: `s3://bucket/review/${i}` },
    });
  }
  await call(
    "search versions by version_number",
    "GET",
    `${V}/search?filter=${encodeURIComponent("name IN ('review') and version_number > 1")}&order_by=${encodeURIComponent("version_number DESC")}`,
  );
  for (const order of ["version_number ASC", "`name` DESC", "version_number ASC, name DESC"]) {
    await call(
      `search versions ordered by ${order}`,
      "GET",
      `${V}/search?filter=${encodeURIComponent("name IN ('review', 'iris')")}&order_by=${encodeURIComponent(order)}`,
    );
  }
  await call("search versions over max_results", "GET", `${V}/search?max_results=300000`);
  await call("GET a POST route", "GET", `${A}/runs/create`);
  await call("DELETE a GET route", "DELETE", `${A}/experiments/get?experiment_id=0`);

  // Keys that are SQL keywords: sqlparse reads an unquoted in/from/as/... after a dot as a
  // keyword, so the server refuses them; quoted, or merely containing one, they work.
  const kwExp = await call("create keywords experiment", "POST", `${A}/experiments/create`, {
    body: { name: "parity-keywords" },
  });
  const kwRun = await call("create keywords run", "POST", `${A}/runs/create`, {
    body: { experiment_id: kwExp.body.experiment_id, run_name: "kw", start_time: T0 + 9000 },
  });
  await call("log keyword keys", "POST", `${A}/runs/log-batch`, {
    body: {
      run_id: kwRun.body.run?.info?.run_id,
      params: [
        { key: "from", value: "x" },
        { key: "fromage", value: "brie" },
      ],
      tags: [
        { key: "in", value: "sql" },
        { key: "as", value: "alias" },
        { key: "select", value: "s" },
        { key: "info", value: "i" },
      ],
    },
  });
  const kwSearch = (name: string, body: Record<string, unknown>) =>
    call(name, "POST", `${A}/runs/search`, {
      body: { experiment_ids: [kwExp.body.experiment_id], ...body },
    });
  const kwFilters = [
    ...["tags.in = 'sql'", "params.from = 'x'", "tags.IN = 'sql'", "metrics.in > 0"],
    ...["tags.case = 'x'", "tags.values = 'x'", "tags.using = 'x'", "tags.as = 'alias'"],
    ...["params.from IS NULL", "tags.in LIKE 's%' AND params.fromage = 'brie'"],
    ...["params.fromage = 'brie' AND tags.in = 'sql'", "run_name = 'kw' AND tags.from = 'x'"],
    ...["tags.`in` = 'sql'", "params.\"from\" = 'x'", "`tags`.`as` = 'alias'"],
    ...["tags.select = 's'", "tags.info = 'i'", "params.fromage = 'brie'", "tags.null IS NULL"],
    ...["tags.and = 'x'", "tags.or IS NULL", "tags.not IS NULL", "tags.like IS NULL"],
    ...["tags.is IS NULL", "tags.true IS NULL", "tags.order IS NULL", "tags.by IS NULL"],
  ];
  for (const filter of kwFilters)
    await kwSearch(`search runs keyword filter ${filter}`, { filter });
  const kwOrders = [
    ...["tags.in DESC", "params.from", "tags.IN asc", "tags.as", "metrics.case ASC"],
    ...["tags.`in` DESC", "params.`from`", "tags.as DESC", "tags.select DESC", "params.fromage"],
    ...["tags.info ASC", "tags.order", "tags.null DESC"],
  ];
  for (const order of kwOrders) {
    await kwSearch(`search runs keyword order ${order}`, { order_by: [order] });
  }
  await call("search experiments keyword filter", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "tags.in = 'x'" },
  });
  await call("search experiments OR", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "name = 'a' OR name = 'b'" },
  });
  await call("search experiments keyword order", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, order_by: ["tags.in"] },
  });
  await call("search experiments quoted keyword", "POST", `${A}/experiments/search`, {
    body: { max_results: 10, filter: "tags.`in` = 'x'" },
  });
  await call(
    "search models keyword filter",
    "GET",
    `${R}/search?filter=${encodeURIComponent("name = 'review' AND tags.from = 'x'")}`,
  );
  await call(
    "search versions keyword filter",
    "GET",
    `${V}/search?filter=${encodeURIComponent("tags.in = 'x'")}`,
  );
  await call(
    "search versions keyword order",
    "GET",
    `${V}/search?order_by=${encodeURIComponent("in DESC")}`,
  );
};

/**
 * Run ids are 32 hex characters made up by each side; they first appear inside `artifact_uri`,
 * which normalize() reads before `run_id` (keys are sorted), so they are replaced as literals
 * everywhere, numbered in order of first appearance on each side.
 */
function runIdLiterals(steps: readonly Step[]): [string, string][] {
  const seen = new Map<string, string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if ((k === "run_id" || k === "run_uuid") && typeof x === "string" && x && !seen.has(x)) {
          seen.set(x, `<run:${seen.size + 1}>`);
        }
        walk(x);
      }
    }
  };
  for (const s of steps) walk(s.body);
  return [...seen];
}

/** Documented differences; each must still happen (compare() flags stale ones). */
const EXCEPTIONS: Exception[] = [
  {
    step: "create run without an experiment",
    why: "the server's message is SQLAlchemy's foreign-key error (its SQL and a random run id); the fake answers the same 400 BAD_REQUEST with a message saying what is missing",
  },
];

describe("MLflow fake ↔ real MLflow parity", () => {
  let server: MlflowServer | undefined;
  let dir = "";

  beforeAll(async () => {
    ensureEngines();
    dir = tempDir("mlflow-parity");
    server = await startMlflow(dir);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("answers the scenario like the real server", async () => {
    if (!server) throw new Error("no server");
    const fake = createMlflowFake();
    const fakeSteps = await record("fake", fake.baseUrl, fake.fetch, scenario);
    const realSteps = await record("real", server.url, fetch, scenario);
    const options = (steps: readonly Step[], base: string) => ({
      idKeys: ["experiment_id"],
      timeKeys: [
        "creation_time",
        "last_update_time",
        "creation_timestamp",
        "last_updated_timestamp",
      ],
      replace: [
        [base, "<base>"] as const,
        // A Python set printed in a message: its order changes from process to process.
        ["{'timestamp', 'name'}", "{'name', 'timestamp'}"] as const,
        ...runIdLiterals(steps),
      ],
    });
    const report = compare(
      normalize(fakeSteps, options(fakeSteps, fake.baseUrl)),
      normalize(realSteps, options(realSteps, server.url)),
      EXCEPTIONS,
    );
    for (const d of report.differences) {
      console.log(
        `DIFF ${d.step}\n fake: ${JSON.stringify(d.fake)}\n real: ${JSON.stringify(d.real)}`,
      );
    }
    console.log(
      `parity: ${report.compared} requests compared, ${EXCEPTIONS.length} documented exceptions`,
    );
    expect(report.differences.map((d) => d.step)).toEqual([]);
    expect(report.staleExceptions).toEqual([]);
    expect(report.compared).toBeGreaterThanOrEqual(120);
    for (const e of EXCEPTIONS) expect(e.why.length).toBeGreaterThan(10);
  });
});

describe("the MLflow fake's filter and order_by parser ↔ MLflow's SearchUtils", () => {
  // Every one-word keyword sqlparse knows (its lexer's tables, read from the pinned sqlparse) in
  // each of these forms, and the cases below, parsed by SearchUtils and by the fake: the same
  // clauses, or the same message. An unquoted CASE, IN, VALUES, USING, FROM or AS after a dot is
  // a keyword to sqlparse's lexer, so MLflow refuses it; the other keywords are names there.
  const FILTER_FORMS = [
    "tags.{} = 'x'",
    "params.{} != 'x'",
    "metrics.{} > 1",
    "tags.`{}` = 'x'",
    'params."{}" IS NULL',
    "params.{}x = 'x' AND tags.{} LIKE 'x%'",
  ];
  const ORDER_FORMS = ["tags.{} DESC", "params.{}", "metrics.`{}` ASC", "params.a.{} asc"];
  const FILTERS = [
    ...["tags.IN = 'x'", "tags.From = 'x'", "tags.as='x'", "tags.as  =  'x'", "tags.as"],
    ...["tags.as IS NOT NULL", "tags.as IN ('a')", "tags.in IS NOT NULL", "tags.in NOT IN ('a')"],
    ...["tags.in.a = 'x'", "tags.a.in = 'x'", "`tags`.in = 'x'", "tags.`a`.from = 'x'"],
    ...["tags.in = 'x' AND tags.from = 'y'", "params.a = 'b' AND tags.using = 'x' AND x = 'y'"],
    ...["in = 'x'", "from = 'x'", "as = 'x'", "case = 'x'", "values = 'x'", "using = 'x'"],
    ...["tags.in 'x'", "run_id IN 'a'", "tags.in ('a')", "tags.from ('a')", "tags.in"],
    ...["tags.in_x = 'x'", "tags.as1 = 'x'", "tags.info = 'x'", "params.fromage = 'x'"],
    ...["tags.\"in\" = 'x'", "`tags`.`in` = 'x'", "tags.from-x = 'x'"],
  ];
  const ORDERS = [
    ...["tags.as", "tags.as DESC", "tags.AS Desc", "tags.as foo", "tags.a.as DESC", "as DESC"],
    ...["in", "from DESC", "in.x DESC", "tags.in.a DESC", "tags.from-x DESC", "`tags.in` ASC"],
    ...["tags.'from' ASC", "tags.in_x", "tags.info DESC", "params.fromage", "`tags`.`from`"],
  ];
  it("refuses and reads the keys MLflow refuses and reads", () => {
    ensureEngines();
    const code = `
import json, re, sys
from sqlparse import keywords as K
from mlflow.exceptions import MlflowException
from mlflow.utils.search_utils import SearchUtils
data = json.loads(sys.argv[1])
words = set()
for name in dir(K):
    table = getattr(K, name)
    if name.startswith("KEYWORDS") and isinstance(table, dict):
        words |= {w.lower() for w in table if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", w)}
filters = [f.replace("{}", w) for w in sorted(words) for f in data["filterForms"]] + data["filters"]
orders = [o.replace("{}", w) for w in sorted(words) for o in data["orderForms"]] + data["orders"]
def run(fn, s):
    try:
        return {"ok": fn(s)}
    except MlflowException as e:
        return {"error": e.message}
def clauses(f):
    return [dict(c, comparator=c["comparator"].upper()) for c in SearchUtils.parse_search_filter(f)]
def order(o):
    t, k, asc = SearchUtils.parse_order_by_for_search_runs(o)
    return {"type": t, "key": k, "ascending": asc}
print(json.dumps({"words": len(words), "filters": [[f, run(clauses, f)] for f in filters], "orders": [[o, run(order, o)] for o in orders]}))
`;
    const r = runEngine(
      PYTHON,
      [
        "-c",
        code,
        JSON.stringify({
          filterForms: FILTER_FORMS,
          orderForms: ORDER_FORMS,
          filters: FILTERS,
          orders: ORDERS,
        }),
      ],
      process.env,
    );
    expect(r.status, r.output).toBe(0);
    type Result = { ok: unknown } | { error: string };
    const real = JSON.parse(r.output.trim().split("\n").pop() ?? "{}") as {
      words: number;
      filters: [string, Result][];
      orders: [string, Result][];
    };
    const fake = (parse: (s: string) => unknown, s: string): Result => {
      try {
        const ok = parse(s);
        // SearchUtils keeps a metric's value as written ("1"); the fake reads the number.
        if (!Array.isArray(ok)) return { ok };
        return {
          ok: ok.map((c: { value: unknown }) =>
            typeof c.value === "number" ? { ...c, value: String(c.value) } : c,
          ),
        };
      } catch (e) {
        if (e instanceof MlflowFilterError) return { error: e.message };
        throw e;
      }
    };
    expect(real.words).toBeGreaterThan(500);
    const differences = [
      ...real.filters.map(([f, res]) => [f, fake(parseMlflowFilter, f), res] as const),
      ...real.orders.map(([o, res]) => [o, fake(parseMlflowOrderBy, o), res] as const),
    ].filter(([, f, res]) => JSON.stringify(f) !== JSON.stringify(res));
    expect(differences).toEqual([]);
    // The keys MLflow refuses unquoted after a dot are the six sqlparse's lexer makes keywords.
    const refused = real.filters
      .filter(([f, res]) => /^tags\.\w+ = 'x'$/.test(f) && "error" in res)
      .map(([f]) => f.slice("tags.".length, -" = 'x'".length).toLowerCase());
    expect([...new Set(refused)].sort()).toEqual(["as", "case", "from", "in", "using", "values"]);
  });
});

describe("the MLflow fake's artifact path and content type rules ↔ MLflow's own functions", () => {
  // What the server runs on each artifact path and download: validate_path_is_safe and
  // _guess_mime_type, called by the pinned mlflow (mimetypes reset to Python's built-in table,
  // which the fake follows: the machine's /etc/mime.types would add to it).
  const PATHS = [
    ...["../x", "a/../../x", "/etc/passwd", "a#b", "%2E%2E/x", "%252E%252E/x", "%252E%252E/50%25"],
    ...["C:/x", "C:\\x", "\\\\server\\share", "file:///x", "FILE:///x", "file:/etc/passwd"],
    ...["file:../x", "file://host/x", "", "model", "a/b.txt", "a..b", "..a/b", "a/./b", "a\\b"],
    ...["50%", "%zz", "a%2Fb", "caf%C3%A9", "%E9", "x/..", "./x", "\\x", "C:x"],
  ];
  const NAMES = [
    ...["model/MLmodel", "MLproject", "a/requirements.txt", "conf.yaml", "plot.png", "PLOT.PNG"],
    ...["report.html", "data.tar.gz", "data.tgz", "A.TGZ", "a.tbz2", "a.txz", "a.svgz", "a.taz"],
    ...["table.csv.gz", "blob.gz", "a.Z", "model.pkl", ".bashrc", "weights", "run.sh", "a.c"],
    ...[
      "clip.webm",
      "x.wasm",
      "slides.pps",
      "deck.PPT",
      "a.JSON",
      "notes.TXT",
      "a.",
      "a.b.c.png",
      "archive.tar.bz2",
    ],
  ];
  // File names for _content_disposition_attachment: token characters, spaces, quotes and
  // backslashes, non-ASCII with and without an ASCII fallback, decomposed accents, astral
  // characters, percent signs, and the RFC 5987 attr-char set.
  const DISPOSITIONS = [
    ...["model.pkl", "my model.pkl", "日本.bin", "my model ü.pkl", "日本語", "", "a b"],
    ...['say "hi".txt', "back\\slash", "tab\tname", "café (1).txt", "cafe\u0301.txt"],
    ...["emoji 🙂 $1+&.txt", "50%.txt", "a;b=c,d.txt", "!#$&+-.^_`|~", "*'()[]{}@:/?=", "Ωmega"],
    ...["ﬁle.txt", "Ａ１.txt", "x\u00a0y", "ß", "İ"],
  ];
  it("refuses the paths MLflow refuses, and types and names downloads as MLflow does", () => {
    ensureEngines();
    const code = `
import json, mimetypes, sys
mimetypes._db = mimetypes.MimeTypes()  # the built-in table alone
mimetypes.inited = True
from mlflow.exceptions import MlflowException
from mlflow.utils.uri import validate_path_is_safe
from mlflow.utils.mime_type_utils import _guess_mime_type
from mlflow.server.handlers import _content_disposition_attachment
data = json.loads(sys.argv[1])
def refused(p):
    try:
        validate_path_is_safe(p)
        return False
    except MlflowException:
        return True
print(json.dumps({"paths": [refused(p) for p in data["paths"]], "names": [_guess_mime_type(n) for n in data["names"]], "dispositions": [_content_disposition_attachment(n) for n in data["dispositions"]]}))
`;
    const r = runEngine(
      PYTHON,
      ["-c", code, JSON.stringify({ paths: PATHS, names: NAMES, dispositions: DISPOSITIONS })],
      process.env,
    );
    expect(r.status, r.output).toBe(0);
    const real = JSON.parse(r.output.trim().split("\n").pop() ?? "{}") as {
      paths: boolean[];
      names: string[];
      dispositions: string[];
    };
    expect(PATHS.map((p) => [p, unsafeArtifactPath(p)])).toEqual(
      PATHS.map((p, i) => [p, real.paths[i]]),
    );
    expect(NAMES.map((n) => [n, artifactMimeType(n)])).toEqual(
      NAMES.map((n, i) => [n, real.names[i]]),
    );
    expect(DISPOSITIONS.map((n) => [n, artifactContentDisposition(n)])).toEqual(
      DISPOSITIONS.map((n, i) => [n, real.dispositions[i]]),
    );
  });
});
