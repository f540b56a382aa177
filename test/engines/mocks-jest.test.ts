/**
 * setupMlgenMocks under real jest (30, native ESM): test/fixtures/mocks-jest runs the built
 * @mlgen/mocks with jest's global hooks — listen, reset after each test, close — and the real
 * MLflow client against the fake. Needs the build (`npm run build`, as `npm test` does first).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./harness.js";

describe("@mlgen/mocks under jest", () => {
  it("passes the fixture's tests with jest's own hooks", () => {
    const dir = join(ROOT, "test/fixtures/mocks-jest");
    const r = spawnSync(
      process.execPath,
      [
        "--experimental-vm-modules",
        join(ROOT, "node_modules/jest/bin/jest.js"),
        "--config",
        "jest.config.mjs",
        "--ci",
      ],
      { cwd: dir, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } },
    );
    const output = `${r.stdout}${r.stderr}`;
    expect(output).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(r.status, output).toBe(0);
  });
});
