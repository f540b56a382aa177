import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hashIR, parseIR, serializeIR } from "@mlgen/core";
import { isPipelineDefinition } from "@mlgen/dsl";
import { describe, expect, it } from "vitest";
import { lowerPipeline } from "../src/index.js";

const REPO = resolve(import.meta.dirname, "../../..");
const PIPELINES = [
  ["examples/iris-quickstart", "pipelines/iris.pipeline.ts"],
  ["examples/training-pipeline", "pipelines/training.pipeline.ts"],
  ["test/fixtures", "pipelines/kitchen-sink.pipeline.ts"],
] as const;

describe("IR serializes losslessly", () => {
  it.each(PIPELINES)(
    "%s/%s: parse(serialize(ir)) equals ir, and the hash is stable",
    async (root, file) => {
      const def = ((await import(join(REPO, root, file))) as { default: unknown }).default;
      if (!isPipelineDefinition(def)) throw new Error("no pipeline");
      const modules = new Map<string, string | null>();
      for (const t of def.ir.tasks) {
        if (t.kind === "python")
          modules.set(t.module, readFileSync(join(REPO, root, t.module), "utf8"));
      }
      const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const text = serializeIR(r.ir);
      expect(parseIR(text)).toEqual(r.ir);
      expect(serializeIR(parseIR(text))).toBe(text);
      expect(hashIR(parseIR(text))).toBe(r.hash);
      expect(hashIR(r.ir)).toBe(r.hash);
    },
  );
});
