import { describe, expect, it } from "vitest";
import { canonicalize, hashIR, parseIR, serializeIR } from "../src/index.js";
import { samplePipeline } from "./fixtures.js";

describe("canonical IR", () => {
  it("puts leading keys first and sorts the rest", () => {
    const out = canonicalize({ z: 1, id: "x", a: { c: 1, b: 2 }, kind: "k" });
    expect(Object.keys(out)).toEqual(["kind", "id", "a", "z"]);
    expect(Object.keys(out.a)).toEqual(["b", "c"]);
  });

  it("round-trips: parse(serialize(ir)) equals ir", () => {
    const ir = samplePipeline();
    expect(parseIR(serializeIR(ir))).toEqual(ir);
  });

  it("hashes the same pipeline to the same value whatever the key order", () => {
    const ir = samplePipeline();
    const shuffled = JSON.parse(JSON.stringify(ir), (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).reverse())
        : v,
    );
    expect(hashIR(shuffled)).toBe(hashIR(ir));
    expect(hashIR({ ...ir, id: "other" })).not.toBe(hashIR(ir));
  });

  it("rejects IR with an unknown field, naming the path", () => {
    const bad = { ...samplePipeline(), extra: 1 };
    expect(() => parseIR(JSON.stringify(bad))).toThrow(/extra/);
  });
});
