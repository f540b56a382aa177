import { describe, expect, it } from "vitest";
import {
  canonicalize,
  deadlineSchema,
  parseIR,
  pipelineSchema,
  refsIn,
  serializeIR,
  type Value,
  valueSchema,
  visitValue,
} from "../src/index.js";
import { pythonTask, samplePipeline } from "./fixtures.js";

const ref = (task: string, output: string) => ({ kind: "ref", task, output }) as const;

describe("the oneOf value", () => {
  const oneOf: Value = { kind: "oneOf", refs: [ref("left", "msg"), ref("right", "msg")] };

  it("is an IR value: two or more refs, nothing else inside", () => {
    expect(valueSchema.safeParse(oneOf).success).toBe(true);
    const one = valueSchema.safeParse({ kind: "oneOf", refs: [ref("left", "msg")] });
    expect(one.success).toBe(false);
    expect(one.error?.issues.map((i) => i.message)).toEqual([
      "oneOf() needs at least two task outputs",
    ]);
    // No oneOf inside another, no params or literals (kfp's OneOf takes task outputs only).
    for (const inner of [oneOf, { kind: "param", name: "x" }, { kind: "literal", value: "a" }]) {
      expect(valueSchema.safeParse({ kind: "oneOf", refs: [ref("a", "x"), inner] }).success).toBe(
        false,
      );
    }
    expect(valueSchema.safeParse({ ...oneOf, extra: 1 }).success).toBe(false);
  });

  it("is visited ref by ref, in order: refsIn (edges, lint rules) sees every output it reads", () => {
    const seen: string[] = [];
    visitValue({ kind: "list", items: [oneOf] }, (v) => seen.push(v.kind));
    expect(seen).toEqual(["list", "oneOf", "ref", "ref"]);
    expect(refsIn(oneOf)).toEqual([
      { task: "left", output: "msg" },
      { task: "right", output: "msg" },
    ]);
  });

  it("round-trips through the JSON form, its refs kept in order", () => {
    const ir = samplePipeline([
      pythonTask("right", { outputs: { msg: "string" } }),
      pythonTask("left", { outputs: { msg: "string" } }),
      pythonTask("join", {
        inputs: { message: { kind: "oneOf", refs: [ref("right", "msg"), ref("left", "msg")] } },
        upstream: ["left", "right"],
      }),
    ]);
    expect(pipelineSchema.safeParse(ir).success).toBe(true);
    const back = parseIR(serializeIR(ir));
    expect(back).toEqual(canonicalize(ir));
    const join = back.tasks.find((t) => t.id === "join");
    expect(join?.kind === "python" && join.inputs.message).toEqual({
      kind: "oneOf",
      refs: [ref("right", "msg"), ref("left", "msg")],
    });
  });
});

describe("a deadline's average", () => {
  const slack = { kind: "slack", connId: "slack_ml", channel: null, text: null } as const;
  const messages = (d: unknown) =>
    deadlineSchema.safeParse(d).error?.issues.map((i) => i.message) ?? [];

  it("is for a deadline from average_runtime, and reads at least the runs it needs", () => {
    const average = { from: "average_runtime", within: 60, alerts: [slack] };
    expect(messages({ ...average, average: { maxRuns: 5, minRuns: 5 } })).toEqual([]);
    expect(messages({ ...average, from: "queued", average: { maxRuns: 5, minRuns: 5 } })).toEqual([
      "average is for a deadline from average_runtime",
    ]);
    expect(messages({ ...average, average: { maxRuns: 3, minRuns: 5 } })).toEqual([
      "minRuns over maxRuns: Airflow reads at most maxRuns runs, so never enough",
    ]);
  });
});
