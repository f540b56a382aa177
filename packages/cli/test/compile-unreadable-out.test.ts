/**
 * An output folder mlgen may not read (chmod 000 by another user; tests run as root, so the
 * refusal is simulated): the user's error with a fix, exit 1, not an internal error.
 */
import { describe, expect, it, vi } from "vitest";

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const readFile = (async (path: unknown, ...rest: unknown[]) => {
    if (String(path).endsWith("locked/.mlgen-manifest.json")) {
      throw Object.assign(new Error(`EACCES: permission denied, open '${String(path)}'`), {
        code: "EACCES",
      });
    }
    return (real.readFile as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.readFile;
  return { ...real, readFile, default: { ...real, readFile } };
});

const { CONFIG, pipelineSource, project, TASKS } = await import("./project.js");

describe("mlgen compile and an output folder it cannot read", () => {
  it("says so with a fix and writes nothing; exits 1, and 2 with --check (nothing was checked)", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    for (const extra of [[], ["--check"]]) {
      const r = await proj.mlgen("compile", "--out", "locked", ...extra);
      expect(r.stderr).toMatch(
        /^mlgen: cannot read .*locked\/\.mlgen-manifest\.json: permission denied \(EACCES\); nothing was written\n {2}fix: /,
      );
      expect(r.stderr).not.toContain("internal error");
      expect(r.code).toBe(extra.length ? 2 : 1);
      expect(proj.snapshot("locked")).toEqual({});
    }
  });
});
