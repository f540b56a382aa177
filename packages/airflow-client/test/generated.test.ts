/**
 * The committed types must be exactly what openapi-typescript makes from the committed spec,
 * and the spec must be the one PROVENANCE.json describes for the version the lock pins.
 * Fix a failure with `bash specs/airflow/extract.sh` then `pnpm --filter @mlgen/airflow-client generate`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url);
const specUrl = new URL("specs/airflow/v2-rest-api.yaml", root);
const generatedPath = fileURLToPath(new URL("../src/generated/airflow-v2.ts", import.meta.url));

interface Provenance {
  package: string;
  version: string;
  wheel: string;
  wheelSha256: string;
  pathInWheel: string;
  file: string;
  sha256: string;
  bytes: number;
}

const provenance = JSON.parse(
  readFileSync(new URL("specs/airflow/PROVENANCE.json", root), "utf8"),
) as Provenance;

describe("Airflow v2 spec and generated types", () => {
  it("spec file matches the sha256 recorded in PROVENANCE.json", () => {
    const bytes = readFileSync(specUrl);
    expect(bytes.length).toBe(provenance.bytes);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(provenance.sha256);
    expect(provenance.file).toBe("specs/airflow/v2-rest-api.yaml");
    expect(provenance.pathInWheel).toBe(
      "airflow/api_fastapi/core_api/openapi/v2-rest-api-generated.yaml",
    );
  });

  it("spec comes from the apache-airflow-core version pinned in the engine lock", () => {
    const lock = readFileSync(new URL("test/python/requirements.lock", root), "utf8");
    const pinned = /^apache-airflow-core==(\S+)$/m.exec(lock)?.[1];
    expect(provenance.package).toBe("apache-airflow-core");
    expect(provenance.version).toBe(pinned);
    expect(provenance.wheel).toBe(`apache_airflow_core-${pinned}-py3-none-any.whl`);
    expect(provenance.wheelSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("committed src/generated/airflow-v2.ts is what openapi-typescript generates now", async () => {
    // Same call the CLI makes for `openapi-typescript <spec> -o <file>` with no flags.
    const fresh = COMMENT_HEADER + astToString(await openapiTS(specUrl, { silent: true }));
    const committed = readFileSync(generatedPath, "utf8");
    // Compare a boolean first so a stale file gives one line, not a 13,000-line diff.
    expect(fresh === committed, "src/generated/airflow-v2.ts is stale: run `generate`").toBe(true);
  });
});
