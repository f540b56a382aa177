import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BATCH_LIMITS,
  type BatchInput,
  type BatchPart,
  createMlflowClient,
  MlflowValidationError,
  metricValue,
  planBatch,
  pythonStr,
} from "../src/index.js";
import { fakeFetch, json } from "./support.js";

const RUN_ID = "r".repeat(32);
const bodyBytes = (part: object) =>
  Buffer.byteLength(JSON.stringify({ run_id: RUN_ID, ...part }), "utf8");

const keyArb = fc.stringMatching(/^[a-z][a-z0-9_ -]{0,10}(\/[a-z][a-z0-9_.:]{0,8}){0,2}$/);
const inputArb = fc.record({
  keys: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 12 }),
  points: fc.integer({ min: 0, max: 4000 }),
  params: fc.integer({ min: 0, max: 260 }),
  tags: fc.integer({ min: 0, max: 260 }),
  valueSize: fc.integer({ min: 1, max: 6000 }),
  lanes: fc.integer({ min: 1, max: 8 }),
  seed: fc.integer(),
});

type Generated = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function build(x: Generated): BatchInput {
  let s = x.seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s;
  };
  return {
    metrics: Array.from({ length: x.points }, (_, i) => ({
      key: x.keys[rand() % x.keys.length] ?? "k",
      value: rand() % 3 === 0 ? Number.NaN : rand() / 7,
      step: rand() % 1000,
      timestamp: 1_700_000_000_000 + i,
    })),
    params: Object.fromEntries(
      Array.from({ length: x.params }, (_, i) => [`p${i}`, "v".repeat(1 + (rand() % x.valueSize))]),
    ),
    tags: Array.from({ length: x.tags }, (_, i) => ({
      key: `t${i % 200}`,
      value: "é".repeat(1 + (rand() % x.valueSize)),
    })),
  };
}

describe("planBatch", () => {
  it("every request stays within the server's limits, and nothing is lost or added", () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const input = build(x);
        const plan = planBatch(input, x.lanes, 0);
        expect(plan.length).toBeLessThanOrEqual(x.lanes);
        const parts = plan.flat();
        for (const p of parts) {
          expect(p.metrics.length).toBeLessThanOrEqual(BATCH_LIMITS.metrics);
          expect(p.params.length).toBeLessThanOrEqual(BATCH_LIMITS.params);
          expect(p.tags.length).toBeLessThanOrEqual(BATCH_LIMITS.tags);
          expect(p.metrics.length + p.params.length + p.tags.length).toBeLessThanOrEqual(
            BATCH_LIMITS.entities,
          );
          expect(bodyBytes(p)).toBeLessThanOrEqual(BATCH_LIMITS.bytes);
          expect(p.metrics.length + p.params.length + p.tags.length).toBeGreaterThan(0);
        }
        expect(parts.reduce((n, p) => n + p.metrics.length, 0)).toBe(x.points);
        expect(parts.reduce((n, p) => n + p.params.length, 0)).toBe(x.params);
        // Tags with the same key: the last value wins, as with one set-tag after another.
        const lastTags = new Map(
          (input.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]),
        );
        expect(new Map(parts.flatMap((p) => p.tags).map((t) => [t.key, t.value]))).toEqual(
          lastTags,
        );
        expect(parts.flatMap((p) => p.tags)).toHaveLength(lastTags.size);
      }),
      { numRuns: 60 },
    );
  });

  it("all points of one metric key are in one lane, in the order given", () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const input = build(x);
        const plan = planBatch(input, x.lanes, 0);
        for (const key of x.keys) {
          const lanes = plan.filter((lane) =>
            lane.some((p) => p.metrics.some((m) => m.key === key)),
          );
          expect(lanes.length).toBeLessThanOrEqual(1);
          const sent = (lanes[0] ?? []).flatMap((p) => p.metrics.filter((m) => m.key === key));
          const given = (input.metrics ?? []).filter((m) => m.key === key);
          expect(sent.map((m) => [m.step, m.timestamp])).toEqual(
            given.map((m) => [m.step, m.timestamp]),
          );
        }
      }),
      { numRuns: 60 },
    );
  });

  it("sends NaN and ±Infinity as protobuf's JSON names, and defaults step 0 and the timestamp", () => {
    const [lane] = planBatch(
      {
        metrics: [
          { key: "a", value: Number.NaN },
          { key: "a", value: Number.POSITIVE_INFINITY, step: 3 },
          { key: "a", value: Number.NEGATIVE_INFINITY, timestamp: 5 },
        ],
      },
      4,
      1234,
    );
    expect(lane?.[0]?.metrics).toEqual([
      { key: "a", value: "NaN", timestamp: 1234, step: 0 },
      { key: "a", value: "Infinity", timestamp: 1234, step: 3 },
      { key: "a", value: "-Infinity", timestamp: 5, step: 0 },
    ]);
  });

  it.each([
    [
      "a metric key over 250 characters",
      { metrics: [{ key: "k".repeat(251), value: 1 }] },
      "metrics[0].key",
    ],
    ["a param key over 250 characters", { params: { ["p".repeat(251)]: 1 } }, "params[0].key"],
    ["a key with characters MLflow refuses", { tags: { "a;b": "x" } }, "tags[0].key"],
    // Python's \w takes no combining marks: the server answers 400 for "हानि".
    ["a key with a combining mark", { params: { हानि: 1 } }, "params[0].key"],
    [
      "a key that climbs out of its folder",
      { metrics: [{ key: "a/../b", value: 1 }] },
      "metrics[0].key",
    ],
    [
      "a key that is not its own normal path",
      { metrics: [{ key: "a//b", value: 1 }] },
      "metrics[0].key",
    ],
    ["a key with a trailing slash", { params: { "a/": 1 } }, "params[0].key"],
    [
      "the same param twice with different values",
      {
        params: [
          { key: "p", value: "1" },
          { key: "p", value: "2" },
        ],
      },
      "params[1].value",
    ],
    ["a fractional step", { metrics: [{ key: "a", value: 1, step: 1.5 }] }, "metrics[0].step"],
  ] as [string, BatchInput, string][])("refuses %s", (_, input, field) => {
    const e = (() => {
      try {
        planBatch(input, 4);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(MlflowValidationError);
    expect((e as MlflowValidationError).field).toBe(field);
  });

  it("cuts long param and tag values as MLflow's Python client does, or refuses them when told to", () => {
    // 5999 letters and an emoji: 6000 characters as Python counts them, the emoji kept whole.
    const param = `${"v".repeat(5999)}😀tail`;
    const [[part]] = planBatch({ params: { p: param }, tags: { t: "t".repeat(8001) } }, 4) as [
      [BatchPart],
    ];
    expect(part.params).toEqual([{ key: "p", value: `${"v".repeat(5999)}😀` }]);
    expect(part.tags).toEqual([{ key: "t", value: "t".repeat(8000) }]);
    for (const [input, field] of [
      [{ params: { p: "v".repeat(6001) } }, "params[0].value"],
      [{ tags: { t: "v".repeat(8001) } }, "tags[0].value"],
    ] as [BatchInput, string][]) {
      const e = (() => {
        try {
          planBatch(input, 4, 0, false);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(MlflowValidationError);
      expect((e as MlflowValidationError).field).toBe(field);
    }
  });

  it.each([
    [true, "True"],
    [false, "False"],
    [3, "3"],
    [0.5, "0.5"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1.5e-16, "1.5e-16"],
    [123456789012345.6, "123456789012345.6"],
    [1e21, "1000000000000000000000"],
    [-2.5e-7, "-2.5e-07"],
    ["True", "True"],
  ] as [string | number | boolean, string][])(
    "logs %s as Python's str() writes it: %s",
    (value, text) => {
      expect(pythonStr(value)).toBe(text);
      const [[part]] = planBatch({ params: { p: value } }, 4) as [[BatchPart]];
      expect(part.params).toEqual([{ key: "p", value: text }]);
    },
  );

  it("accepts exactly 250 characters and the longest values, counted as Python counts", () => {
    expect(() =>
      planBatch(
        {
          metrics: [{ key: "k".repeat(250), value: 1 }],
          params: { ["p".repeat(250)]: "v".repeat(6000) },
          tags: { t: "v".repeat(8000), emoji: "😀".repeat(8000) },
        },
        1,
      ),
    ).not.toThrow();
  });
});

describe("client.logBatch", () => {
  it("refuses a negative timestamp and a concurrency that is not a whole number before sending anything", async () => {
    const f = fakeFetch(async () => json(200, {}));
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const metrics = Array.from({ length: 2001 }, (_, i) => ({
      key: "loss",
      value: i,
      step: i,
      timestamp: i === 2000 ? -1 : 1000,
    }));
    await expect(c.logBatch(RUN_ID, { metrics })).rejects.toThrow(MlflowValidationError);
    await expect(c.logBatch(RUN_ID, { metrics })).rejects.toThrow("metrics[2000].timestamp");
    for (const concurrency of [Number.NaN, 0, 2.5]) {
      await expect(
        c.logBatch(RUN_ID, { metrics: [{ key: "m", value: 1 }] }, { concurrency }),
      ).rejects.toThrow(MlflowValidationError);
    }
    expect(f.seen).toHaveLength(0);
  });

  it("stops every lane at the first failure and throws it: nothing is written afterwards", async () => {
    let calls = 0;
    let afterFailure = 0;
    let failed = false;
    const f = fakeFetch(async () => {
      const n = ++calls;
      if (failed) afterFailure++;
      await new Promise((r) => setTimeout(r, 2));
      if (n === 2) {
        failed = true;
        return json(500, { error_code: "INTERNAL_ERROR", message: "boom" });
      }
      return json(200, {});
    });
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      fetch: f.fetch,
      retry: { retries: 0 },
    });
    const metrics = Array.from({ length: 20_000 }, (_, i) => ({
      key: `m${i % 4}`,
      value: i,
      step: i,
    }));
    const e = await c.logBatch(RUN_ID, { metrics }, { concurrency: 4 }).catch((x: unknown) => x);
    expect((e as Error).message).toContain("boom");
    // Only requests already in flight when the failure came back may still land.
    expect(afterFailure).toBeLessThanOrEqual(3);
    const settled = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(settled);
    expect(calls).toBeLessThan(20);
  });

  it("sends nothing when anything is invalid", async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    await expect(
      c.logBatch(RUN_ID, {
        metrics: Array.from({ length: 5000 }, (_, i) => ({ key: "ok", value: i })),
        params: { ["x".repeat(251)]: 1 },
      }),
    ).rejects.toBeInstanceOf(MlflowValidationError);
    expect(f.seen).toHaveLength(0);
  });

  it("keeps every slot busy while a key has requests left: 20 keys × 5,000 points, 8 at a time, in 13 rounds", async () => {
    // Requests are held until the test lets every one in flight end together: one round.
    const held: (() => void)[] = [];
    const arrived: { key: string; step: number }[] = [];
    const f = fakeFetch(async (req) => {
      const body = (await req.json()) as { metrics?: { key: string; step: number }[] };
      await new Promise<void>((r) => held.push(r));
      arrived.push(...(body.metrics ?? []));
      return json(200, {});
    });
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const metrics = Array.from({ length: 100_000 }, (_, i) => ({
      key: `m${Math.floor(i / 5000)}`,
      value: i,
      step: i % 5000,
    }));
    let finished = false;
    const logged = c.logBatch(RUN_ID, { metrics }).then((r) => {
      finished = true;
      return r;
    });
    // Lets the client start what it will: until the number held stops changing.
    const quiet = async () => {
      for (let same = 0, last = -1; same < 5; ) {
        await new Promise((r) => setTimeout(r, 0));
        same = held.length === last ? same + 1 : 0;
        last = held.length;
      }
    };
    const rounds: number[] = [];
    for (await quiet(); !finished && held.length > 0; await quiet()) {
      rounds.push(held.length);
      for (const release of held.splice(0)) release();
    }
    expect((await logged).requests).toBe(100);
    // 100 requests, 8 at a time: 13 rounds at best; lanes pinned to slots took 15.
    expect(rounds).toHaveLength(13);
    expect(rounds.slice(0, 12).every((n) => n === 8)).toBe(true);
    for (let k = 0; k < 20; k++) {
      const steps = arrived.filter((m) => m.key === `m${k}`).map((m) => m.step);
      expect(steps).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    }
  });

  it("one at a time packs every key into one lane: no partly filled requests", async () => {
    const f = fakeFetch(() => json(200, {}));
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const metrics = Array.from({ length: 5000 }, (_, i) => ({
      key: `m${i % 3}`,
      value: i,
      step: i,
    }));
    expect((await c.logBatch(RUN_ID, { metrics }, { concurrency: 1 })).requests).toBe(5);
  });

  it("keeps at most `concurrency` requests in flight, and one key's steps arrive in order", async () => {
    let inFlight = 0;
    let most = 0;
    const arrived: { key: string; step: number }[] = [];
    const f = fakeFetch(async (req) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const body = (await req.json()) as { metrics?: { key: string; step: number }[] };
      await new Promise((r) => setTimeout(r, 5));
      arrived.push(...(body.metrics ?? []));
      inFlight--;
      return json(200, {});
    });
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const metrics = Array.from({ length: 12_000 }, (_, i) => ({
      key: `m${i % 6}`,
      value: i,
      step: i,
    }));
    const { requests } = await c.logBatch(RUN_ID, { metrics }, { concurrency: 3 });
    expect(requests).toBe(f.seen.length);
    expect(requests).toBeGreaterThanOrEqual(12);
    expect(most).toBe(3);
    for (let k = 0; k < 6; k++) {
      const steps = arrived.filter((m) => m.key === `m${k}`).map((m) => m.step);
      expect(steps).toEqual(metrics.filter((m) => m.key === `m${k}`).map((m) => m.step));
    }
    expect(f.seen.every((s) => s.path === "/api/2.0/mlflow/runs/log-batch")).toBe(true);
  });
});

describe("metricValue", () => {
  it("reads protobuf's names for NaN and ±Infinity back as numbers, as planBatch writes them", () => {
    expect([0.93, -1, "NaN", "Infinity", "-Infinity"].map((v) => metricValue(v as never))).toEqual([
      0.93,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    const plan = planBatch(
      {
        metrics: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5].map(
          (value, step) => ({ key: "m", value, step, timestamp: 1 }),
        ),
      },
      1,
    );
    const sent = plan.flat().flatMap((p) => p.metrics.map((m) => metricValue(m.value)));
    expect(sent).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5]);
  });
});
