/**
 * The committed types must be exactly what openapi-typescript makes from the committed spec,
 * and the spec must say which mlflow it was written from: the version the engine lock pins.
 * Fix a failure with `pnpm --filter @mlgen/mlflow-client generate-spec` then `generate`.
 * (test/engines/mlflow-client.test.ts checks that build_spec.py still writes this spec.)
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { loadSpec, SPEC_URL } from "./contract.js";

const root = new URL("../../../", import.meta.url);
const generatedPath = fileURLToPath(new URL("../src/generated/mlflow.ts", import.meta.url));

interface Provenance {
  package: string;
  version: string;
  file: string;
  sha256: string;
  operations: number;
}

const provenance = JSON.parse(
  readFileSync(new URL("specs/mlflow/PROVENANCE.json", root), "utf8"),
) as Provenance;

describe("MLflow spec and generated types", () => {
  it("spec file matches the sha256 and operation count in PROVENANCE.json", () => {
    const bytes = readFileSync(SPEC_URL);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(provenance.sha256);
    expect(provenance.file).toBe("specs/mlflow/openapi.yaml");
    const paths = loadSpec().paths as Record<string, Record<string, unknown>>;
    const count = Object.values(paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(count).toBe(provenance.operations);
  });

  it("spec was written from the mlflow version pinned in the engine lock", () => {
    const lock = readFileSync(new URL("test/python/requirements.lock", root), "utf8");
    const pinned = /^mlflow==(\S+)$/m.exec(lock)?.[1];
    expect(provenance.package).toBe("mlflow");
    expect(provenance.version).toBe(pinned);
    expect((loadSpec().info as { version: string }).version).toBe(pinned);
  });

  it("committed src/generated/mlflow.ts is what openapi-typescript generates now", async () => {
    const fresh = COMMENT_HEADER + astToString(await openapiTS(SPEC_URL, { silent: true }));
    const committed = readFileSync(generatedPath, "utf8");
    expect(fresh === committed, "src/generated/mlflow.ts is stale: run `generate`").toBe(true);
  });
});
