import { Readable } from "node:stream";
import {
  createMlflowClient,
  MlflowApiError,
  type MlflowClient,
  MlflowDeletedExperimentError,
  MlflowRequestError,
  runFilter,
  toArray,
} from "@mlgen/mlflow-client";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createManualClock,
  createMlflowFake,
  fetchFrom,
  type MlflowFake,
  MlflowFilterError,
  networkError,
  parseMlflowFilter,
  parseMlflowOrderBy,
  serviceUnavailable,
} from "../src/index.js";

const T0 = Date.parse("2025-01-01T00:00:00Z");

function clientOf(fake: MlflowFake, fetchImpl: typeof fetch = fake.fetch): MlflowClient {
  return createMlflowClient({ trackingUri: fake.baseUrl, fetch: fetchImpl, env: {}, retry: false });
}

async function post(fake: MlflowFake, path: string, body: unknown) {
  const r = await fake.fetch(`${fake.baseUrl}/api/2.0/mlflow/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    body: (await r.json()) as Record<string, unknown> & { message?: string; error_code?: string },
  };
}

describe("filter parser", () => {
  const ok: [string, unknown[]][] = [
    ["", []],
    ["metrics.acc > 0.9", [{ type: "metric", key: "acc", comparator: ">", value: 0.9 }]],
    [
      "params.model = 'rf' and tags.owner != \"ana\"",
      [
        { type: "parameter", key: "model", comparator: "=", value: "rf" },
        { type: "tag", key: "owner", comparator: "!=", value: "ana" },
      ],
    ],
    [
      "params.`my key` LIKE 'a%' AND tags.\"x.y\" ilike '_b'",
      [
        { type: "parameter", key: "my key", comparator: "LIKE", value: "a%" },
        { type: "tag", key: "x.y", comparator: "ILIKE", value: "_b" },
      ],
    ],
    [
      "status = 'FINISHED'",
      [{ type: "attribute", key: "status", comparator: "=", value: "FINISHED" }],
    ],
    [
      "attributes.run_id IN ('a', 'b')",
      [{ type: "attribute", key: "run_id", comparator: "IN", value: ["a", "b"] }],
    ],
    [
      "run_id NOT IN ('a')",
      [{ type: "attribute", key: "run_id", comparator: "NOT IN", value: ["a"] }],
    ],
    [
      "attributes.start_time >= 1700000000000",
      [{ type: "attribute", key: "start_time", comparator: ">=", value: 1_700_000_000_000 }],
    ],
    ["metric.loss <= -1.5e-3", [{ type: "metric", key: "loss", comparator: "<=", value: -0.0015 }]],
    ["params.x IS NULL", [{ type: "parameter", key: "x", comparator: "IS NULL", value: null }]],
    ["tags.x is not null", [{ type: "tag", key: "x", comparator: "IS NOT NULL", value: null }]],
    ["metrics.acc > 0.5 and", [{ type: "metric", key: "acc", comparator: ">", value: 0.5 }]],
  ];
  it.each(ok)("parses %j", (filter, clauses) => {
    expect(parseMlflowFilter(filter)).toEqual(clauses);
  });

  const bad: [string, string][] = [
    ["metrics.acc > 0.5 OR params.lr = '0.1'", "Invalid clause(s) in filter string: 'OR'"],
    [
      "params.lr = 0.1",
      "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1",
    ],
    ["metrics.acc > 'x'", "Expected numeric value type for metric. Found 'x'"],
    [
      "foo.lr = '0'",
      "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    ],
    [
      "status IN ('RUNNING')",
      "Only ['run_id'] attributes support comparison with a list of quoted string values.",
    ],
    ["metrics.acc >", "Invalid clause(s) in filter string: 'metrics.acc', '>'"],
    ["metrics.acc LIKE 1", "Invalid comparator 'LIKE' not one of"],
    ["params.lr > '0'", "Invalid comparator '>' not one of"],
    [
      "attributes.start_time = 'x'",
      "Expected numeric value type for numeric attribute: start_time. Found 'x'",
    ],
    ["metrics.acc IS NULL", "IS NULL / IS NOT NULL is only supported for tags and params"],
    ["attributes.nope = 'x'", "Invalid attribute key 'nope' specified."],
  ];
  it.each(bad)("refuses %j like MLflow", (filter, message) => {
    expect(() => parseMlflowFilter(filter)).toThrow(MlflowFilterError);
    expect(() => parseMlflowFilter(filter)).toThrow(message);
  });

  it("reads order_by clauses", () => {
    expect(parseMlflowOrderBy("metrics.acc DESC")).toEqual({
      type: "metric",
      key: "acc",
      ascending: false,
    });
    expect(parseMlflowOrderBy("start_time")).toEqual({
      type: "attribute",
      key: "start_time",
      ascending: true,
    });
    expect(parseMlflowOrderBy("params.`my key` asc")).toEqual({
      type: "parameter",
      key: "my key",
      ascending: true,
    });
    expect(() => parseMlflowOrderBy("metrics.acc DESCX")).toThrow(
      "Invalid ordering key in order_by clause 'metrics.acc DESCX'.",
    );
  });
});

describe("keys that are SQL keywords, as MLflow's sqlparse reads them", () => {
  // sqlparse's lexer reads CASE, IN, VALUES, USING, FROM and AS as keywords wherever a token
  // starts, after a dot too, so `tags.in` is no identifier and MLflow 3.17.2 refuses it
  // (test/engines/mocks-mlflow-parity.test.ts checks these against MLflow itself).
  const refused: [string, string][] = [
    ["tags.in = 'sql'", "Invalid clause(s) in filter string: 'tags.', 'in', '=', ''sql''"],
    ["params.from = 'x'", "Invalid clause(s) in filter string: 'params.', 'from', '=', ''x''"],
    ["tags.IN = 'x'", "Invalid clause(s) in filter string: 'tags.', 'IN', '=', ''x''"],
    ["metrics.in > 1", "Invalid clause(s) in filter string: 'metrics.', 'in', '>', '1'"],
    ["tags.case != 'x'", "Invalid clause(s) in filter string: 'tags.', 'case', '!=', ''x''"],
    [
      "tags.values LIKE 'x%'",
      "Invalid clause(s) in filter string: 'tags.', 'values', 'LIKE', ''x%''",
    ],
    ["tags.using IS NULL", "Invalid clause(s) in filter string: 'tags.', 'using', 'IS', 'NULL'"],
    [
      "params.from IS NOT NULL",
      "Invalid clause(s) in filter string: 'params.', 'from', 'IS', 'NOT NULL'",
    ],
    ["tags.as = 'x'", "Invalid clause(s) in filter string: 'tags.as =', ''x''"],
    ["tags.as='x'", "Invalid clause(s) in filter string: 'tags.as=', ''x''"],
    ["tags.as IS NULL", "Invalid clause(s) in filter string: 'tags.as IS', 'NULL'"],
    ["tags.as", "Invalid clause(s) in filter string: 'tags.', 'as'"],
    [
      "params.a = 'b' AND tags.from = 'x' AND metrics.m > 1",
      "Invalid clause(s) in filter string: 'tags.', 'from', '=', ''x''",
    ],
    [
      "tags.in = 'x' AND tags.from = 'y'",
      "Invalid clause(s) in filter string: 'tags.', 'in', '=', ''x'', 'tags.', 'from', '=', ''y''",
    ],
    ["tags.a.in = 'x'", "Invalid clause(s) in filter string: 'tags.a.', 'in', '=', ''x''"],
    ["`tags`.in = 'x'", "Invalid clause(s) in filter string: '`tags`.', 'in', '=', ''x''"],
    // The clauses are checked before any key is read: `a = 'x'` is no reason to refuse.
    ["tags.in.a = 'x'", "Invalid clause(s) in filter string: 'tags.', 'in', '.'"],
    ["from = 'x'", "Invalid clause(s) in filter string: 'from', '=', ''x''"],
    ["tags.in 'x'", "Invalid clause(s) in filter string: 'tags.', 'in', ''x''"],
    // IN takes a parenthesized list only.
    ["run_id IN 'a'", "Invalid clause(s) in filter string: 'run_id', 'IN', ''a''"],
  ];
  it.each(refused)("refuses the filter %j", (filter, message) => {
    expect(() => parseMlflowFilter(filter)).toThrow(MlflowFilterError);
    expect(() => parseMlflowFilter(filter)).toThrow(message);
  });

  const kept: [string, unknown[]][] = [
    ["tags.`in` = 'x'", [{ type: "tag", key: "in", comparator: "=", value: "x" }]],
    ["tags.\"from\" = 'x'", [{ type: "tag", key: "from", comparator: "=", value: "x" }]],
    ["`tags`.`as` = 'x'", [{ type: "tag", key: "as", comparator: "=", value: "x" }]],
    ["tags.info = 'x'", [{ type: "tag", key: "info", comparator: "=", value: "x" }]],
    ["params.fromage = 'x'", [{ type: "parameter", key: "fromage", comparator: "=", value: "x" }]],
    ["tags.in_x = 'x'", [{ type: "tag", key: "in_x", comparator: "=", value: "x" }]],
    ["tags.as1 = 'x'", [{ type: "tag", key: "as1", comparator: "=", value: "x" }]],
    ["metrics.casey > 1", [{ type: "metric", key: "casey", comparator: ">", value: 1 }]],
    // Other SQL keywords are names after a dot.
    ...["select", "and", "or", "not", "like", "is", "null", "true", "order", "by", "where"].map(
      (k): [string, unknown[]] => [
        `tags.${k} = 'x'`,
        [{ type: "tag", key: k, comparator: "=", value: "x" }],
      ],
    ),
  ];
  it.each(kept)("parses the filter %j", (filter, clauses) => {
    expect(parseMlflowFilter(filter)).toEqual(clauses);
  });

  it("refuses order_by keys that are these keywords", () => {
    for (const clause of [
      "tags.in DESC",
      "tags.in",
      "params.from",
      "tags.IN asc",
      "metrics.case ASC",
      "tags.values",
      "params.using DESC",
      "tags.a.in",
      "tags.in.a DESC",
      "tags.from-x DESC",
      "in",
      "from DESC",
      "as DESC",
      // AS after a dot is an alias sqlparse takes with the direction: alone it is refused.
      "tags.as",
      "params.as",
    ]) {
      expect(() => parseMlflowOrderBy(clause), clause).toThrow(
        new MlflowFilterError(`Invalid order_by clause '${clause}'. Could not be parsed.`),
      );
    }
    const kept: [string, unknown][] = [
      ["tags.`in` DESC", { type: "tag", key: "in", ascending: false }],
      ['tags."from" DESC', { type: "tag", key: "from", ascending: false }],
      ["`tags`.`from`", { type: "tag", key: "from", ascending: true }],
      ["tags.as DESC", { type: "tag", key: "as", ascending: false }],
      ["metrics.as asc", { type: "metric", key: "as", ascending: true }],
      ["tags.info DESC", { type: "tag", key: "info", ascending: false }],
      ["params.fromage", { type: "parameter", key: "fromage", ascending: true }],
      ["tags.select DESC", { type: "tag", key: "select", ascending: false }],
      ["tags.order", { type: "tag", key: "order", ascending: true }],
    ];
    for (const [clause, parsed] of kept) expect(parseMlflowOrderBy(clause), clause).toEqual(parsed);
  });

  it("answers searches on such keys with the server's 400, and takes them quoted", async () => {
    const fake = createMlflowFake();
    const client = clientOf(fake);
    const exp = fake.seed.experiment({ name: "kw" });
    fake.seed.run({ experimentId: exp, tags: { in: "sql" }, params: { from: "x" } });
    for (const q of [
      { filter: "tags.in = 'sql'" },
      { filter: "params.from = 'x'" },
      { orderBy: ["tags.in DESC"] },
      { orderBy: ["params.from"] },
    ]) {
      const err = await toArray(client.searchRuns({ experimentIds: [exp], ...q })).catch(
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(q)).toBeInstanceOf(MlflowApiError);
      expect((err as MlflowApiError).status).toBe(400);
      expect((err as MlflowApiError).errorCode).toBe("INVALID_PARAMETER_VALUE");
    }
    for (const q of [
      { filter: "tags.`in` = 'sql'" },
      { filter: "params.`from` = 'x'" },
      { orderBy: ["tags.`in` DESC"] },
      { orderBy: ["params.`from`"] },
    ]) {
      expect(await toArray(client.searchRuns({ experimentIds: [exp], ...q }))).toHaveLength(1);
    }
    // Experiment and registry searches print the clauses without quotes, as the server does.
    const r = await post(fake, "experiments/search", { max_results: 10, filter: "tags.in = 'x'" });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe("Invalid clause(s) in filter string: tags., in, =, 'x'");
    const o = await post(fake, "experiments/search", { max_results: 10, order_by: ["tags.in"] });
    expect(o.body.message).toBe("Invalid order_by clause 'tags.in'. Could not be parsed.");
  });
});

describe("runs search", () => {
  const fake = createMlflowFake({ clock: createManualClock(T0) });
  let exp = "";
  const ids: Record<string, string> = {};

  beforeEach(() => {
    fake.reset();
    exp = fake.seed.experiment({ name: "search" });
    const seed = (name: string, i: number, rest: Parameters<MlflowFake["seed"]["run"]>[0] = {}) => {
      ids[name] = fake.seed.run({ experimentId: exp, runName: name, startTime: T0 + i, ...rest });
    };
    seed("a", 1, {
      metrics: { acc: 0.9, loss: 0.3 },
      params: { model: "rf" },
      tags: { kind: "Baseline" },
    });
    seed("b", 2, {
      metrics: { acc: 0.7 },
      params: { model: "svm" },
      tags: { kind: "candidate" },
      status: "FINISHED",
    });
    seed("c", 3, { metrics: { acc: Number.NaN }, params: { model: "rf_2" }, status: "FAILED" });
    seed("d", 4, { tags: { kind: "candidate" } });
    seed("gone", 5, { metrics: { acc: 0.99 }, deleted: true });
  });

  const names = async (body: Record<string, unknown>) => {
    const r = await post(fake, "runs/search", { experiment_ids: [exp], ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return ((r.body.runs as { info: { run_name: string } }[] | undefined) ?? []).map(
      (x) => x.info.run_name,
    );
  };

  const table: [string, Record<string, unknown>, string[]][] = [
    ["default order: start_time DESC", {}, ["d", "c", "b", "a"]],
    ["metric >", { filter: "metrics.acc > 0.75" }, ["a"]],
    ["metric > is strict", { filter: "metrics.acc > 0.7" }, ["a"]],
    ["metric >= includes equal", { filter: "metrics.acc >= 0.7" }, ["b", "a"]],
    ["metric < is strict", { filter: "metrics.acc < 0.9" }, ["b"]],
    ["metric <= (NaN never matches)", { filter: "metrics.acc <= 0.9" }, ["b", "a"]],
    ["metric != skips runs without it", { filter: "metrics.acc != 0.7" }, ["c", "a"]],
    ["param =", { filter: "params.model = 'rf'" }, ["a"]],
    ["param LIKE with _", { filter: "params.model LIKE 'rf__'" }, ["c"]],
    ["param LIKE %", { filter: "params.model LIKE '%f%'" }, ["c", "a"]],
    ["tag LIKE is case-sensitive", { filter: "tags.kind LIKE 'base%'" }, []],
    ["tag ILIKE", { filter: "tags.kind ILIKE 'base%'" }, ["a"]],
    ["AND", { filter: "tags.kind = 'candidate' and status = 'RUNNING'" }, ["d"]],
    ["attribute run_name", { filter: "attributes.run_name = 'b'" }, ["b"]],
    ["bare status !=", { filter: "status != 'RUNNING'" }, ["c", "b"]],
    ["start_time", { filter: `start_time < ${T0 + 3}` }, ["b", "a"]],
    ["param IS NULL", { filter: "params.model IS NULL" }, ["d"]],
    [
      "order by metric DESC, missing and NaN last",
      { order_by: ["metrics.acc DESC"] },
      ["a", "b", "c", "d"],
    ],
    [
      "order by metric ASC, missing and NaN last",
      { order_by: ["metrics.acc ASC"] },
      ["b", "a", "c", "d"],
    ],
    ["order by param", { order_by: ["params.model"] }, ["a", "c", "b", "d"]],
    ["order by run_name DESC", { order_by: ["attributes.run_name DESC"] }, ["d", "c", "b", "a"]],
    ["deleted only", { run_view_type: "DELETED_ONLY" }, ["gone"]],
    ["all", { run_view_type: "ALL", order_by: ["start_time ASC"] }, ["a", "b", "c", "d", "gone"]],
  ];
  it.each(table)("%s", async (_name, body, expected) => {
    expect(await names(body)).toEqual(expected);
  });

  it("filters run_id IN", async () => {
    expect(await names({ filter: `run_id IN ('${ids.a}', '${ids.c}')` })).toEqual(["c", "a"]);
  });

  it("pages with MLflow's offset tokens", async () => {
    const p1 = await post(fake, "runs/search", { experiment_ids: [exp], max_results: 3 });
    expect(p1.body.next_page_token).toBe(Buffer.from('{"offset": 3}').toString("base64"));
    const p2 = await post(fake, "runs/search", {
      experiment_ids: [exp],
      max_results: 3,
      page_token: p1.body.next_page_token,
    });
    expect((p2.body.runs as unknown[]).length).toBe(1);
    expect(p2.body.next_page_token).toBeUndefined();
  });

  it("refuses what MLflow refuses, with 400 INVALID_PARAMETER_VALUE", async () => {
    for (const body of [
      { filter: "metrics.a > 1 OR metrics.b > 1" },
      { max_results: 50_001 },
      { page_token: "garbage" },
      { order_by: ["nope"] },
    ]) {
      const r = await post(fake, "runs/search", { experiment_ids: [exp], ...body });
      expect(r.status).toBe(400);
      expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    }
  });
});

describe("client helpers against the fake", () => {
  let fake: MlflowFake;
  let client: MlflowClient;
  beforeEach(() => {
    fake = createMlflowFake();
    client = clientOf(fake);
  });

  it("starts like a fresh server and reset() goes back to it", async () => {
    expect((await client.getExperiment("0")).name).toBe("Default");
    await client.createExperiment("x");
    fake.reset();
    expect(await client.getExperimentByName("x")).toBeNull();
    expect(await client.createExperiment("y")).toBe("1");
  });

  it("getOrCreateExperiment creates once, then reads; refuses a deleted one", async () => {
    const a = await client.getOrCreateExperiment("exp", { tags: { team: "ml" } });
    const b = await client.getOrCreateExperiment("exp");
    expect(b.experiment_id).toBe(a.experiment_id);
    expect(b.tags).toEqual([{ key: "team", value: "ml" }]);
    expect(fake.requests("POST", "experiments/create")).toBe(1);
    await post(fake, "experiments/delete", { experiment_id: a.experiment_id });
    const deleted = await client.getOrCreateExperiment("exp").catch((e: unknown) => e);
    expect(deleted).toBeInstanceOf(MlflowDeletedExperimentError);
    expect(deleted).toMatchObject({ experimentName: "exp", experimentId: a.experiment_id });
    expect(String(deleted)).toContain("is deleted: restore it or use another name");
  });

  it("withRun ends the run FINISHED, or FAILED when fn throws", async () => {
    const id = await client.withRun(async ({ runId }) => runId, {
      experimentName: "wr",
      runName: "ok",
      signals: [],
    });
    expect(fake.run(id)?.info).toMatchObject({ status: "FINISHED", run_name: "ok" });
    expect(fake.run(id)?.info.end_time).toBeTypeOf("number");

    let failed = "";
    await expect(
      client.withRun(
        ({ runId }) => {
          failed = runId;
          throw new Error("boom");
        },
        { experimentName: "wr", signals: [] },
      ),
    ).rejects.toThrow("boom");
    expect(fake.run(failed)?.info.status).toBe("FAILED");
    expect(fake.experimentByName("wr")?.experiment_id).toBe(fake.run(failed)?.info.experiment_id);
  });

  it("logBatch splits 5,000 metrics + 250 params into requests within the server's limits", async () => {
    const sizes: { metrics: number; params: number; tags: number }[] = [];
    const spy: typeof fetch = async (input, init) => {
      const req = new Request(input, init);
      if (req.url.endsWith("/runs/log-batch")) {
        const b = (await req.clone().json()) as Record<string, unknown[] | undefined>;
        sizes.push({
          metrics: b.metrics?.length ?? 0,
          params: b.params?.length ?? 0,
          tags: b.tags?.length ?? 0,
        });
      }
      return fake.fetch(req);
    };
    const c = clientOf(fake, spy);
    const run = await c.createRun({ experimentId: "0", runName: "big" });
    const metrics = Array.from({ length: 5000 }, (_, i) => ({
      key: `m${i % 5}`,
      value: i,
      step: Math.floor(i / 5),
      timestamp: T0 + i,
    }));
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const { requests } = await c.logBatch(run.info.run_id, { metrics, params, tags: { a: "b" } });
    expect(requests).toBeGreaterThanOrEqual(6);
    expect(fake.requests("POST", "runs/log-batch")).toBe(requests);
    expect(sizes).toHaveLength(requests);
    for (const s of sizes) {
      expect(s.metrics).toBeLessThanOrEqual(1000);
      expect(s.params).toBeLessThanOrEqual(100);
      expect(s.tags).toBeLessThanOrEqual(100);
      expect(s.metrics + s.params + s.tags).toBeLessThanOrEqual(1000);
    }
    const stored = fake.run(run.info.run_id);
    expect(stored?.data.params).toHaveLength(250);
    expect(fake.metricHistory(run.info.run_id, "m3")).toHaveLength(1000);
    expect(stored?.data.metrics?.find((m) => m.key === "m4")).toMatchObject({
      value: 4999,
      step: 999,
    });
    // Every point came through, in order, and the history pages back.
    const history = await toArray(client.getMetricHistory(run.info.run_id, "m0", 300));
    expect(history.map((m) => m.value)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 5));
    expect(fake.requests("GET", "metrics/get-history")).toBe(4);
  });

  it("the fake itself refuses a batch over the limits, like the server", async () => {
    const runId = fake.seed.run({ runName: "r" });
    const r = await post(fake, "runs/log-batch", {
      run_id: runId,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "v" })),
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      "A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.",
    );
  });

  it("searchRuns pages over more than one page", async () => {
    const exp = fake.seed.experiment({ name: "many" });
    for (let i = 0; i < 25; i++) {
      fake.seed.run({ experimentId: exp, runName: `r${i}`, startTime: T0 + i, metrics: { i } });
    }
    const runs = await toArray(
      client.searchRuns({ experimentIds: [exp], pageSize: 10, orderBy: ["metrics.i ASC"] }),
    );
    expect(runs.map((r) => r.info.run_name)).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
    expect(fake.requests("POST", "runs/search")).toBe(3);
    const filtered = await toArray(
      client.searchRuns({
        experimentIds: [exp],
        filter: runFilter().metric("i", ">=", 20).toString(),
        pageSize: 2,
      }),
    );
    expect(filtered.map((r) => r.info.run_name)).toEqual(["r24", "r23", "r22", "r21", "r20"]);
  });

  it("registerModel waits until the version is READY", async () => {
    // Registration takes 2 s of fake time; each poll moves the clock 1 s, so the client must
    // poll exactly twice: PENDING_REGISTRATION at +1 s, READY at +2 s.
    const clock = createManualClock(T0);
    const slow = createMlflowFake({ clock, registrationDelayMs: 2000 });
    const statuses: string[] = [];
    const ticking: typeof fetch = async (input, init) => {
      const req = new Request(input, init);
      if (req.url.includes("/model-versions/get")) clock.advance(1000);
      const res = await slow.fetch(req);
      if (req.url.includes("/model-versions/")) {
        const body = (await res.clone().json()) as { model_version?: { status?: string } };
        statuses.push(body.model_version?.status ?? "?");
      }
      return res;
    };
    const c = clientOf(slow, ticking);
    const runId = slow.seed.run({ runName: "train" });
    slow.seed.loggedModel(runId);
    const v = await c.registerModel("iris", {
      source: `runs:/${runId}/model`,
      runId,
      pollIntervalMs: 1,
      tags: { stage: "dev" },
    });
    expect(v).toMatchObject({ name: "iris", version: "1", status: "READY", run_id: runId });
    expect(statuses).toEqual(["PENDING_REGISTRATION", "PENDING_REGISTRATION", "READY"]);
    expect(slow.requests("GET", "model-versions/get")).toBe(2);
    // A second registration reuses the registered model (RESOURCE_ALREADY_EXISTS is swallowed).
    const v2 = await c.registerModel("iris", {
      source: `runs:/${runId}/model`,
      runId,
      pollIntervalMs: 1,
    });
    expect(v2).toMatchObject({ version: "2", status: "READY" });
    expect(slow.requests("POST", "registered-models/create")).toBe(2);
  });

  it("a pending version stays pending until the manual clock moves", async () => {
    const clock = createManualClock(T0);
    const f = createMlflowFake({ clock, registrationDelayMs: 1000 });
    const runId = f.seed.run({ runName: "r" });
    f.seed.modelVersion("m", { source: `runs:/${runId}/model`, runId });
    expect(f.modelVersion("m", "1")?.status).toBe("PENDING_REGISTRATION");
    clock.advance(1000);
    expect(f.modelVersion("m", "1")?.status).toBe("READY");
  });

  it("refuses a version whose source is not in the given run", async () => {
    const a = fake.seed.run({ runName: "a" });
    const b = fake.seed.run({ runName: "b" });
    fake.seed.registeredModel("m");
    // Sent as it is (registerModel refuses it before any request: another run's source).
    const err = await post(fake, "model-versions/create", {
      name: "m",
      source: `runs:/${a}/model`,
      run_id: b,
    });
    expect(err).toMatchObject({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE" } });
    expect(err.body.message).toBe(
      `Invalid model version source: 'runs:/${a}/model'. The run_id request parameter must identify the resource that contains the source.`,
    );
    const ok = await client.registerModel("m", {
      source: `mlflow-artifacts:/0/${b}/artifacts/model`,
      runId: b,
    });
    expect(ok.version).toBe("1");
  });

  it("judges a version's source as the server does: local paths, `..`, runs:/ sources", async () => {
    const runId = fake.seed.run({ runName: "a" });
    fake.seed.registeredModel("m");
    const local = await client
      .registerModel("m", { source: "/etc/passwd" })
      .catch((e: unknown) => e);
    expect(local).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect((local as MlflowApiError).serverMessage).toMatch(
      /^Invalid model version source: '\/etc\/passwd'\. To use a local path as a model version source, the run_id request parameter has to be specified/,
    );
    const climbing = await client
      .registerModel("m", { source: "s3://bucket/models/../../other", runId })
      .catch((e: unknown) => e);
    expect((climbing as MlflowApiError).serverMessage).toContain(
      "without relative path references present",
    );
    // A runs:/ source naming the run given as run_id: the run itself is not looked up (sent
    // as it is: registerModel would look the run up to resolve the source).
    const ghost = "0123456789abcdef0123456789abcdef";
    const v = await post(fake, "model-versions/create", {
      name: "m",
      source: `runs:/${ghost}/model`,
      run_id: ghost,
    });
    expect(v.body.model_version).toMatchObject({ version: "1", status: "READY" });
  });

  it("leaves a run's status as it was for a status name the server does not know", async () => {
    const run = await client.createRun({ experimentId: "0" });
    const r = await post(fake, "runs/update", { run_id: run.info.run_id, status: "DONE" });
    expect(r.status).toBe(200);
    expect((await client.getRun(run.info.run_id)).info.status).toBe("RUNNING");
  });

  it("filters runs on their datasets (dataset.name, digest, context; `datasets.` too)", async () => {
    const a = await client.createRun({ experimentId: "0", runName: "a" });
    const b = await client.createRun({ experimentId: "0", runName: "b" });
    const r = await post(fake, "runs/log-inputs", {
      run_id: a.info.run_id,
      datasets: [
        {
          dataset: { name: "iris", digest: "d1", source_type: "local", source: "{}" },
          tags: [{ key: "mlflow.data.context", value: "training" }],
        },
      ],
    });
    expect(r.status).toBe(200);
    const names = async (filter: string) =>
      (await toArray(client.searchRuns({ experimentIds: ["0"], filter }))).map(
        (x) => x.info.run_name,
      );
    expect(await names("dataset.name = 'iris'")).toEqual(["a"]);
    expect(await names("datasets.digest IN ('d1', 'd2')")).toEqual(["a"]);
    expect(await names("dataset.context = 'training'")).toEqual(["a"]);
    expect(await names("datasets.name = 'x'")).toEqual([]);
    expect(b.info.run_name).toBe("b");
    const bad = await client
      .searchRuns({ experimentIds: ["0"], filter: "dataset.size = '1'" })
      .next()
      .catch((e: unknown) => e);
    expect((bad as MlflowApiError).serverMessage).toBe(
      "Invalid dataset key 'size' specified. Valid keys are '{'name', 'digest', 'context'}'",
    );
  });

  it("findModelVersionByAlias: null for a missing alias or model, every other error thrown", async () => {
    const runId = fake.seed.run({ runName: "train" });
    fake.seed.loggedModel(runId);
    await client.registerModel("iris", { source: `runs:/${runId}/model`, runId });
    expect(await client.findModelVersionByAlias("iris", "champion")).toBeNull();
    expect(await client.findModelVersionByAlias("no-such-model", "champion")).toBeNull();
    await client.setAlias("iris", "champion", "1");
    expect(await client.findModelVersionByAlias("iris", "champion")).toMatchObject({
      name: "iris",
      version: "1",
    });
    // `latest` needs no setting: the newest version, as the server answers it.
    await client.registerModel("iris", { source: `runs:/${runId}/model`, runId });
    expect((await client.getModelVersionByAlias("iris", "latest")).version).toBe("2");
    expect((await client.findModelVersionByAlias("iris", "Latest"))?.version).toBe("2");
    await post(fake, "registered-models/create", { name: "bare" });
    const none = await client.getModelVersionByAlias("bare", "latest").catch((e: unknown) => e);
    expect(none).toMatchObject({
      status: 404,
      errorCode: "RESOURCE_DOES_NOT_EXIST",
      serverMessage: "Latest version not found for model bare.",
    });
    expect(await client.findModelVersionByAlias("bare", "latest")).toBeNull();
    // An alias that cannot exist is the caller's mistake: MLflow's 400 is thrown.
    const bad = await client.findModelVersionByAlias("iris", "a.b").catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect((bad as MlflowApiError).serverMessage).toMatch(/^Invalid alias name: 'a\.b'/);
    // A proxy's 503 and a reset connection are no "not found".
    const unavailable = serviceUnavailable({ times: 1 });
    const down = await clientOf(fake, fetchFrom([unavailable, ...fake.handlers]))
      .findModelVersionByAlias("iris", "nope")
      .catch((e: unknown) => e);
    expect(down).toMatchObject({
      name: "MlflowApiError",
      status: 503,
      errorCode: "TEMPORARILY_UNAVAILABLE",
    });
    const reset = networkError({ times: 1 });
    const gone = await clientOf(fake, fetchFrom([reset, ...fake.handlers]))
      .findModelVersionByAlias("iris", "nope")
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(MlflowRequestError);
    expect([unavailable.hits(), reset.hits()]).toEqual([1, 1]);
  });

  it("setAlias / getModelVersionByAlias / deleteAlias", async () => {
    const runId = fake.seed.run({ runName: "train" });
    fake.seed.loggedModel(runId);
    await client.registerModel("iris", { source: `runs:/${runId}/model`, runId });
    await client.registerModel("iris", { source: `runs:/${runId}/model`, runId });
    await client.setAlias("iris", "champion", "2");
    const v = await client.getModelVersionByAlias("iris", "champion");
    expect(v).toMatchObject({ version: "2", aliases: ["champion"] });
    expect(fake.registeredModel("iris")?.aliases).toEqual([{ alias: "champion", version: "2" }]);
    await client.deleteAlias("iris", "champion");
    const err = await client.getModelVersionByAlias("iris", "champion").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    const versions = await toArray(
      client.searchModelVersions({ filter: "name = 'iris'", pageSize: 1 }),
    );
    expect(versions.map((x) => x.version)).toEqual(["2", "1"]);
    // order_by is applied (version_number, creation and update times, name), not ignored.
    const search = (order: string) =>
      fake.fetch(
        `${fake.baseUrl}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent("name = 'iris'")}&order_by=${encodeURIComponent(order)}`,
      );
    const ordered = (await (await search("version_number ASC")).json()) as {
      model_versions: { version: string }[];
    };
    expect(ordered.model_versions.map((x) => x.version)).toEqual(["1", "2"]);
    const wrong = await search("stage ASC");
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { message: string }).message).toMatch(
      /^Invalid attribute key 'stage' specified\. Valid keys are '\{/,
    );
    const models = await toArray(client.searchRegisteredModels({ filter: "name LIKE 'ir%'" }));
    expect(models.map((m) => m.name)).toEqual(["iris"]);
  });

  it("uploads, lists, downloads and deletes artifacts through the proxy routes", async () => {
    const run = await client.createRun({ experimentId: "0", runName: "art" });
    const id = run.info.run_id;
    await client.uploadArtifact(id, "model/model.pkl", "pickled");
    await client.uploadArtifact(id, "data/rows.bin", new Uint8Array([0, 1, 2, 255]));
    await client.uploadArtifact(
      id,
      "notes.txt",
      Readable.from([Buffer.from("streamed "), Buffer.from("text")]),
    );
    expect(await client.listArtifacts(id)).toEqual([
      { path: "data", is_dir: true },
      { path: "model", is_dir: true },
      { path: "notes.txt", is_dir: false, file_size: 13 },
    ]);
    expect(await client.listArtifacts(id, "model")).toEqual([
      { path: "model/model.pkl", is_dir: false, file_size: 7 },
    ]);
    const body = await new Response(
      await client.downloadArtifact(id, "data/rows.bin"),
    ).arrayBuffer();
    expect([...new Uint8Array(body)]).toEqual([0, 1, 2, 255]);
    expect(await new Response(await client.downloadArtifact(id, "notes.txt")).text()).toBe(
      "streamed text",
    );
    // A folder is no file: the artifact server's 400, with `detail` and no error_code (the code
    // is the status's).
    const folder = await client.downloadArtifact(id, "model").catch((e: unknown) => e);
    expect(folder).toMatchObject({ status: 400, errorCode: "BAD_REQUEST" });
    expect((folder as MlflowApiError).serverMessage).toContain(
      "Artifact path refers to a directory, not a file",
    );
    // An empty file has no file_size (proto3 JSON leaves out a 0).
    await client.uploadArtifact(id, "model/empty.txt", "");
    expect(await client.listArtifacts(id, "model")).toEqual([
      { path: "model/empty.txt", is_dir: false },
      { path: "model/model.pkl", is_dir: false, file_size: 7 },
    ]);
    await client.deleteArtifact(id, "model/model.pkl");
    expect(fake.artifact(id, "model/model.pkl")).toBeUndefined();
    const missing = await client.downloadArtifact(id, "model/model.pkl").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("answers with MLflow's typed errors: 404, 400, already exists", async () => {
    const notFound = await client
      .getRun("0123456789abcdef0123456789abcdef")
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(MlflowApiError);
    expect(notFound).toMatchObject({
      status: 404,
      errorCode: "RESOURCE_DOES_NOT_EXIST",
      serverMessage: "Run with id=0123456789abcdef0123456789abcdef not found",
    });

    await client.createExperiment("dup");
    const dup = await client.createExperiment("dup").catch((e: unknown) => e);
    expect(MlflowApiError.is(dup, "RESOURCE_ALREADY_EXISTS")).toBe(true);
    expect(dup).toMatchObject({ status: 400 });

    const run = await client.createRun({ experimentId: "0", runName: "p" });
    await client.logBatch(run.info.run_id, { params: { lr: "0.1" } });
    const changed = await client
      .logBatch(run.info.run_id, { params: { lr: "0.2" } })
      .catch((e: unknown) => e);
    expect(changed).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect((changed as MlflowApiError).serverMessage).toContain(
      "Changing param values is not allowed",
    );

    const single = await post(fake, "runs/log-parameter", {
      run_id: run.info.run_id,
      key: "lr",
      value: "0.3",
    });
    expect(single).toEqual({
      status: 400,
      body: {
        error_code: "INVALID_PARAMETER_VALUE",
        message: `Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${run.info.run_id}'. Attempted logging new value '0.3'.`,
        sqlstate: "KAM00",
        error_class: "INVALID_PARAMETER_VALUE",
      },
    });
  });

  it.each([
    [
      "runs/log-parameter",
      { key: "a#b", value: "1" },
      "Invalid value \"a#b\" for parameter 'key' supplied: Names may only contain",
    ],
    [
      "runs/log-metric",
      { key: "a/../b", value: 1, timestamp: 1 },
      "This name would resolve to 'b'",
    ],
    ["runs/set-tag", { key: "/a", value: "1" }, "This name would resolve to '/a'"],
    [
      "runs/log-parameter",
      { key: "k".repeat(251), value: "1" },
      "'Param key' exceeds the maximum length of 250 characters",
    ],
    [
      "runs/log-metric",
      { key: "m", value: 1 },
      "Missing value for required parameter 'timestamp'.",
    ],
  ])("checks keys like the server: %s %j", async (route, body, message) => {
    const runId = fake.seed.run({ runName: "k" });
    const r = await post(fake, route, { run_id: runId, ...body });
    expect(r.status).toBe(400);
    expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(r.body.message).toContain(message);
  });

  it("truncates a param value over 6000 characters, as the server does", async () => {
    const runId = fake.seed.run({ runName: "t" });
    expect(
      (await post(fake, "runs/log-parameter", { run_id: runId, key: "p", value: "v".repeat(6001) }))
        .status,
    ).toBe(200);
    expect(fake.run(runId)?.data.params?.[0]?.value).toHaveLength(6000);
  });

  it("truncates long values by characters as Python counts them, never splitting a surrogate pair", async () => {
    const runId = fake.seed.run({ runName: "u" });
    const emoji = "\u{1F600}";
    // 3001 emoji are 6002 UTF-16 units but 3001 characters: under the 6000 limit.
    await post(fake, "runs/log-parameter", { run_id: runId, key: "p", value: emoji.repeat(3001) });
    expect(fake.run(runId)?.data.params?.[0]?.value).toBe(emoji.repeat(3001));
    await post(fake, "runs/set-tag", { run_id: runId, key: "t", value: `a${emoji.repeat(8000)}` });
    const tag = fake.run(runId)?.data.tags?.find((t) => t.key === "t")?.value as string;
    expect([...tag]).toHaveLength(8000);
    expect(tag).toBe(`a${emoji.repeat(7999)}`);
  });

  it("drops a metric point logged again (same key, timestamp, step and value), as the store does", async () => {
    const runId = fake.seed.run({ runName: "d" });
    const point = { key: "loss", value: 0.5, timestamp: T0, step: 1 };
    await post(fake, "runs/log-batch", { run_id: runId, metrics: [point, point] });
    await post(fake, "runs/log-metric", { run_id: runId, ...point });
    await post(fake, "runs/log-metric", { run_id: runId, ...point, value: 0.25 });
    const history = await toArray(client.getMetricHistory(runId, "loss"));
    expect(history.map((m) => `${m.step}:${m.value}`).sort()).toEqual(["1:0.25", "1:0.5"]);
  });

  it("refuses a negative metric timestamp with the server's message", async () => {
    const runId = fake.seed.run({ runName: "n" });
    const r = await post(fake, "runs/log-batch", {
      run_id: runId,
      metrics: [{ key: "loss", value: 1, timestamp: -1, step: 0 }],
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      "Invalid value -1 for parameter 'metrics[0].timestamp' supplied: metric 'loss' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) ",
    );
  });

  it("searches experiments by experiment_id, = and IN, and takes only attribute/tag entities", async () => {
    const id = await client.createExperiment("e1");
    const names = async (filter: string) =>
      (await post(fake, "experiments/search", { filter, max_results: 10 })).body;
    expect((await names("experiment_id = '0'")).experiments).toMatchObject([{ name: "Default" }]);
    expect((await names(`experiment_id IN ('0', '${id}')`)).experiments).toHaveLength(2);
    expect((await names("attributes.name = 'e1'")).message).toBe(
      "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
    );
    expect((await names("attribute.name = 'e1'")).experiments).toMatchObject([{ name: "e1" }]);
  });

  it.each([
    [
      "experiments/set-experiment-tag",
      { experiment_id: "0", key: "a/../b", value: "v" },
      "This name would resolve to 'b'",
    ],
    [
      "experiments/set-experiment-tag",
      { experiment_id: "0", key: "k", value: "v".repeat(20_001) },
      "'value' exceeds the maximum length of 20000 characters",
    ],
    [
      "experiments/create",
      { name: "t", tags: [{ key: "a/../b", value: "v" }] },
      "This name would resolve to 'b'",
    ],
    [
      "experiments/create",
      { name: "t", artifact_location: "runs:/abc/def" },
      "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/def'",
    ],
    [
      "registered-models/create",
      { name: "m", tags: [{ key: "a/../b", value: "v" }] },
      "This name would resolve to 'b'",
    ],
    [
      "runs/search",
      { experiment_ids: ["abc"] },
      "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
    ],
  ])("refuses what the server refuses: %s, %#", async (route, body, message) => {
    const r = await post(fake, route, body);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(message);
  });

  it("checks registered model and version tags, and refuses a run without an experiment", async () => {
    await post(fake, "registered-models/create", { name: "m" });
    const tag = await post(fake, "registered-models/set-tag", {
      name: "m",
      key: "a/../b",
      value: "v",
    });
    expect(tag.status).toBe(400);
    expect(tag.body.message).toContain("This name would resolve to 'b'");
    const run = await post(fake, "runs/create", { run_name: "r" });
    expect(run.status).toBe(400);
    expect(run.body.error_code).toBe("BAD_REQUEST");
  });

  it("searches model versions on version_number and name IN, and caps max_results at 200,000", async () => {
    await post(fake, "registered-models/create", { name: "m" });
    for (let i = 0; i < 4; i++) {
      await post(fake, "model-versions/create", { name: "m", source: `s3://b/m/${i}` });
    }
    const search = async (query: string) => {
      const r = await fake.fetch(`${fake.baseUrl}/api/2.0/mlflow/model-versions/search?${query}`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const found = await search(
      `filter=${encodeURIComponent("name IN ('m') and version_number > 2")}`,
    );
    expect(
      (found.body.model_versions as { version: string }[]).map((v) => v.version).sort(),
    ).toEqual(["3", "4"]);
    expect((await search("max_results=200001")).status).toBe(400);
  });

  it("a known route asked with another method is the server's 405, with the methods it takes", async () => {
    const r = await fake.fetch(`${fake.baseUrl}/api/2.0/mlflow/runs/create`);
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("OPTIONS, POST");
    expect(await r.text()).toContain("<title>405 Method Not Allowed</title>");
    // A path no route serves is still not mocked.
    expect((await fake.fetch(`${fake.baseUrl}/api/2.0/mlflow/nope`)).status).toBe(501);
  });

  it("serializes like the server: int64 as numbers, enums by name, unset fields omitted", async () => {
    const run = await client.createRun({ experimentId: "0", runName: "s", startTime: T0 });
    expect(run.info).toEqual({
      run_uuid: run.info.run_id,
      run_id: run.info.run_id,
      experiment_id: "0",
      run_name: "s",
      user_id: "",
      status: "RUNNING",
      start_time: T0,
      artifact_uri: `mlflow-artifacts:/0/${run.info.run_id}/artifacts`,
      lifecycle_stage: "active",
    });
    expect(run.data).toEqual({ tags: [{ key: "mlflow.runName", value: "s" }] });
    const ended = await client.endRun(run.info.run_id, "KILLED", T0 + 5);
    expect(ended).toMatchObject({ status: "KILLED", end_time: T0 + 5 });
  });

  it("keeps timestamps on the given clock", async () => {
    const clock = createManualClock(T0);
    const f = createMlflowFake({ clock, baseUrl: "http://ml.test/prefix/" });
    expect(f.baseUrl).toBe("http://ml.test/prefix");
    const c = clientOf(f);
    clock.advance(500);
    const exp = await c.getOrCreateExperiment("clocked");
    expect(exp.creation_time).toBe(T0 + 500);
    expect(f.experiment("0")?.creation_time).toBe(T0);
  });
});

describe("logged models (MLflow 3) and registering a runs:/ source", () => {
  let fake: MlflowFake;
  let client: MlflowClient;
  beforeEach(() => {
    fake = createMlflowFake();
    client = clientOf(fake);
  });
  const A = "/api/2.0/mlflow";
  async function call(method: string, path: string, body?: unknown) {
    const r = await fake.fetch(`${fake.baseUrl}${A}/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: answers are read freely
    return { status: r.status, body: (await r.json()) as any };
  }

  it("creates, finalizes, gets and searches logged models as the server does", async () => {
    const exp = fake.seed.experiment({ name: "e" });
    const runId = fake.seed.run({ experimentId: exp });
    const created = await call("POST", "logged-models", {
      experiment_id: exp,
      name: "model",
      source_run_id: runId,
      tags: [
        { key: "z", value: "1" },
        { key: "a", value: "2" },
      ],
    });
    expect(created.status).toBe(200);
    const id = created.body.model.info.model_id as string;
    expect(id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(created.body.model).toEqual({
      info: {
        model_id: id,
        experiment_id: exp,
        name: "model",
        creation_timestamp_ms: expect.any(Number),
        last_updated_timestamp_ms: expect.any(Number),
        artifact_uri: `mlflow-artifacts:/${exp}/models/${id}/artifacts`,
        status: "LOGGED_MODEL_PENDING",
        model_type: "",
        source_run_id: runId,
        tags: [
          { key: "a", value: "2" },
          { key: "z", value: "1" },
        ],
      },
      data: {},
    });
    const done = await call("PATCH", `logged-models/${id}`, {
      model_id: id,
      status: "LOGGED_MODEL_READY",
    });
    expect(done.body.model.info.status).toBe("LOGGED_MODEL_READY");
    expect((await call("GET", `logged-models/${id}`)).body.model.info.status).toBe(
      "LOGGED_MODEL_READY",
    );
    const missing = await call("GET", "logged-models/m-0");
    expect(missing).toEqual({
      status: 404,
      body: expect.objectContaining({
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Logged model with ID 'm-0' not found.",
      }),
    });
    const bad = await call("POST", "logged-models", { experiment_id: exp, name: "a.b" });
    expect(bad.body.message).toBe(
      `Invalid model name ('a.b') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
    // Another model of that name in another run, one of another name in this run.
    const other = fake.seed.run({ experimentId: exp });
    fake.seed.loggedModel(other);
    fake.seed.loggedModel(runId, { name: "tree" });
    const names = async (filter: string) =>
      (await toArray(client.searchLoggedModels({ experimentIds: [exp], filter })))
        .map((m) => `${m.info.name}@${m.info.source_run_id === runId ? "run" : "other"}`)
        .sort(); // made in one millisecond: ordered by their random ids
    expect(await names(`source_run_id = '${runId}' AND name = 'model'`)).toEqual(["model@run"]);
    expect(await names("name = 'model'")).toEqual(["model@other", "model@run"]);
    expect(await names(`source_run_id = '${runId}'`)).toEqual(["model@run", "tree@run"]);
    expect(await names("name LIKE 'tr%'")).toEqual(["tree@run"]);
    expect(await names("tags.a = '2'")).toEqual(["model@run"]);
    // Pages of max_results, with the server's token; ordered by a field.
    const page = await call("POST", "logged-models/search", {
      experiment_ids: [exp],
      max_results: 2,
      order_by: [{ field_name: "name", ascending: true }],
    });
    expect(page.body.models.map((m: { info: { name: string } }) => m.info.name)).toEqual([
      "model",
      "model",
    ]);
    expect(JSON.parse(atob(page.body.next_page_token))).toEqual({
      experiment_ids: [exp],
      filter_string: null,
      order_by: [{ field_name: "name", ascending: true, dataset_name: null, dataset_digest: null }],
      offset: 2,
    });
    const rest = await call("POST", "logged-models/search", {
      experiment_ids: [exp],
      max_results: 2,
      order_by: [{ field_name: "name", ascending: true }],
      page_token: page.body.next_page_token,
    });
    expect(rest.body).toEqual({ models: [expect.objectContaining({})] });
    expect(rest.body.models[0].info.name).toBe("tree");
  });

  it("runs/outputs shows in the run; a models:/<id> version gets the model's run and files", async () => {
    const runId = fake.seed.run();
    const id = fake.seed.loggedModel(runId, { step: 3, files: { MLmodel: "x", "model.pkl": "y" } });
    expect(fake.run(runId)?.outputs).toEqual({ model_outputs: [{ model_id: id, step: 3 }] });
    const files = await call("GET", `logged-models/${id}/artifacts/directories`);
    expect(files.body).toEqual({
      root_uri: `mlflow-artifacts:/0/models/${id}/artifacts`,
      files: [
        { path: "MLmodel", is_dir: false, file_size: 1 },
        { path: "model.pkl", is_dir: false, file_size: 1 },
      ],
    });
    // The run's own artifacts hold none of it.
    expect(await client.listArtifacts(runId)).toEqual([]);
    fake.seed.registeredModel("m");
    const v = await call("POST", "model-versions/create", {
      name: "m",
      source: `models:/${id}`,
      model_id: id,
    });
    expect(v.body.model_version).toMatchObject({ source: `models:/${id}`, run_id: runId });
    expect(v.body.model_version.model_id).toBeUndefined();
    const uri = await call("GET", "model-versions/get-download-uri?name=m&version=1");
    expect(uri.body).toEqual({ artifact_uri: `mlflow-artifacts:/0/models/${id}/artifacts` });
    expect(fake.loggedModel(id)?.info?.tags).toContainEqual({
      key: "mlflow.modelVersions",
      value: '[{"name": "m", "version": 1}]',
    });
    const mismatch = await call("POST", "model-versions/create", {
      name: "m",
      source: `models:/${id}`,
    });
    expect(mismatch.body.message).toBe(
      `Invalid model version source: 'models:/${id}'. The model_id request parameter must identify the resource that contains the source.`,
    );
  });

  it("registerModel(runs:/<run>/model): a logged model (MLflow 3) or the run's own MLmodel (MLflow 2)", async () => {
    const v3 = fake.seed.run({ runName: "v3" });
    const id = fake.seed.loggedModel(v3);
    const a = await client.registerModel("m", { source: `runs:/${v3}/model` });
    expect(a).toMatchObject({ version: "1", source: `models:/${id}`, run_id: v3 });
    const v2 = fake.seed.run({ runName: "v2" });
    fake.seed.artifact(v2, "model/MLmodel", "flavors: {}");
    const b = await client.registerModel("m", { source: `runs:/${v2}/model`, runId: v2 });
    expect(b).toMatchObject({
      version: "2",
      source: `mlflow-artifacts:/0/${v2}/artifacts/model`,
      run_id: v2,
    });
    // Two models of that name: the one the run logged at the larger step.
    const later = fake.seed.loggedModel(v3, { step: 7 });
    const c = await client.registerModel("m", { source: `runs:/${v3}/model` });
    expect(c.source).toBe(`models:/${later}`);
    // A run with no model at that path: nothing is registered.
    const bare = fake.seed.run({ runName: "bare" });
    const err = await client
      .registerModel("empty", { source: `runs:/${bare}/model` })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "MlflowModelSourceError", code: "NOT_FOUND" });
    expect(fake.registeredModel("empty")).toBeUndefined();
  });
});

describe("found in a review against a real server", () => {
  it("an order_by it cannot read is the server's 400, not a thrown error", async () => {
    const fake = createMlflowFake({ clock: createManualClock(T0) });
    for (const order of ["nope", "name SIDEWAYS"]) {
      const r = await post(fake, "experiments/search", { max_results: 10, order_by: [order] });
      expect([r.status, r.body.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    }
    const models = await fake.fetch(
      `${fake.baseUrl}/api/2.0/mlflow/registered-models/search?max_results=10&order_by=nope`,
    );
    expect([models.status, ((await models.json()) as { error_code: string }).error_code]).toEqual([
      400,
      "INVALID_PARAMETER_VALUE",
    ]);
  });

  it("a model search order key may be quoted, as shlex reads it on the server", async () => {
    const fake = createMlflowFake({ clock: createManualClock(T0) });
    for (const name of ["b", "a", "c"]) await post(fake, "registered-models/create", { name });
    for (const order of ["`name` DESC", '"name" DESC', "'name' DESC"]) {
      const r = await fake.fetch(
        `${fake.baseUrl}/api/2.0/mlflow/registered-models/search?order_by=${encodeURIComponent(order)}`,
      );
      const body = (await r.json()) as { registered_models: { name: string }[] };
      expect([order, r.status, body.registered_models.map((m) => m.name)]).toEqual([
        order,
        200,
        ["c", "b", "a"],
      ]);
    }
  });

  it("an error code MLflow does not classify carries no error_class or sqlstate", async () => {
    const fake = createMlflowFake({ clock: createManualClock(T0) });
    const r = await fake.fetch(`${fake.baseUrl}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    const body = (await r.json()) as Record<string, unknown>;
    expect(body.error_code).toBe("MALFORMED_REQUEST");
    expect(Object.keys(body).sort()).toEqual(["error_code", "message"]);
    const missing = await fake.fetch(`${fake.baseUrl}/api/2.0/mlflow/experiments/get-by-name`);
    expect(await missing.json()).toMatchObject({
      sqlstate: "KAM00",
      error_class: "INVALID_PARAMETER_VALUE",
    });
  });

  it("an experiment name over 500 characters is refused, as the server refuses it", async () => {
    const fake = createMlflowFake({ clock: createManualClock(T0) });
    const r = await post(fake, "experiments/create", { name: "x".repeat(501) });
    expect([r.status, r.body.message]).toEqual([
      400,
      "'name' exceeds the maximum length of 500 characters",
    ]);
    expect((await post(fake, "experiments/create", { name: "x".repeat(500) })).status).toBe(200);
  });
});

describe("artifact names, as the server reads them", () => {
  it("guesses a download's Content-Type from the name as MLflow does (mime_type_utils)", async () => {
    const { artifactMimeType } = await import("../src/mlflow/handlers.js");
    const cases: [string, string][] = [
      ["model/MLmodel", "text/plain"],
      ["a/requirements.txt", "text/plain"],
      ["conf.yaml", "text/plain"],
      ["plot.png", "image/png"],
      ["PLOT.PNG", "image/png"],
      ["report.html", "text/html"],
      ["data.tar.gz", "application/x-tar"],
      ["data.tgz", "application/x-tar"],
      ["table.csv.gz", "text/csv"],
      ["blob.gz", "application/octet-stream"],
      ["model.pkl", "application/octet-stream"],
      [".bashrc", "application/octet-stream"],
      ["weights", "application/octet-stream"],
      ["A.TGZ", "application/x-tar"],
      ["a.tbz2", "application/x-tar"],
      ["a.svgz", "image/svg+xml"],
      ["run.sh", "application/x-sh"],
      ["a.c", "text/plain"],
      ["clip.webm", "video/webm"],
    ];
    for (const [name, type] of cases) expect([name, artifactMimeType(name)]).toEqual([name, type]);
  });

  it("downloads artifacts of any name with MLflow's Content-Disposition (RFC 5987 for non-ASCII)", async () => {
    const fake = createMlflowFake();
    const client = clientOf(fake);
    const run = await client.createRun({ experimentId: "0", runName: "names" });
    const id = run.info.run_id;
    const cases: [string, string][] = [
      ["model.pkl", "attachment; filename=model.pkl"],
      ["my model.pkl", 'attachment; filename="my model.pkl"'],
      ["日本.bin", "attachment; filename=.bin; filename*=UTF-8''%E6%97%A5%E6%9C%AC.bin"],
      [
        "my model ü.pkl",
        "attachment; filename=\"my model u.pkl\"; filename*=UTF-8''my%20model%20%C3%BC.pkl",
      ],
      ["日本語", "attachment; filename=download; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E"],
      ["a(1)'s*.txt", 'attachment; filename="a(1)\'s*.txt"'],
      [
        "café (1).txt",
        "attachment; filename=\"cafe (1).txt\"; filename*=UTF-8''caf%C3%A9%20%281%29.txt",
      ],
      [
        "emoji 🙂 $1+&.txt",
        "attachment; filename=\"emoji  $1+&.txt\"; filename*=UTF-8''emoji%20%F0%9F%99%82%20$1+&.txt",
      ],
      ['say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'],
    ];
    for (const [name, disposition] of cases) {
      await client.uploadArtifact(id, `names/${name}`, `bytes of ${name}`);
      const res = await fake.fetch(
        `${fake.baseUrl}/api/2.0/mlflow-artifacts/artifacts/0/${id}/artifacts/names/${encodeURIComponent(name)}`,
      );
      expect([name, res.status, res.headers.get("content-disposition")]).toEqual([
        name,
        200,
        disposition,
      ]);
      expect(await new Response(await client.downloadArtifact(id, `names/${name}`)).text()).toBe(
        `bytes of ${name}`,
      );
    }
  });

  it("refuses paths that leave the root, as validate_path_is_safe does", async () => {
    const { unsafeArtifactPath } = await import("../src/mlflow/handlers.js");
    for (const p of [
      "../x",
      "a/../../x",
      "/etc/passwd",
      "a#b",
      "%2E%2E/x",
      "%252E%252E/x",
      "%252E%252E/50%25",
      "C:/x",
      "\\\\server\\share",
      "file:///x",
      "FILE:///x",
      "file:/etc/passwd",
      "file:../x",
      "file://host/x",
    ]) {
      expect([p, unsafeArtifactPath(p)]).toEqual([p, true]);
    }
    // A backslash is no separator on a POSIX server.
    for (const p of ["", "model", "a/b.txt", "a..b", "..a/b", "a/./b", "a\\b", "50%"]) {
      expect([p, unsafeArtifactPath(p)]).toEqual([p, false]);
    }
  });
});
