/**
 * The templates under templates/ are precompiled into templates.generated.ts (and the CLI's
 * init-templates.generated.ts) by scripts/gen-templates.mjs: an edited .hbs file must be
 * regenerated, or mlgen would go on rendering the old text.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("the precompiled templates", () => {
  it("are those of the .hbs files (node scripts/gen-templates.mjs --check)", () => {
    const r = spawnSync(process.execPath, ["scripts/gen-templates.mjs", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
