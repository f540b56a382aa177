// Servers the harness starts lead process groups of their own, so a Ctrl-C (which signals the
// terminal's foreground group only) or a runner ending the test process would leave them
// running. The harness kills the groups it has not stopped when its process exits or is
// interrupted; these tests interrupt a process that started one and look for the group. The
// folders the harness's tempDir made go at the same time.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupAlive, killGroup, ROOT, tempDir } from "./harness.js";

const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const left: number[] = [];

afterEach(() => {
  for (const pgid of left.splice(0)) killGroup(pgid, "SIGKILL");
});

/** Runs a script that starts a server (a `sleep`) through spawnServer, then `ending` it. */
async function startThenEnd(
  ending: string,
  extra = "",
): Promise<{ pgid: number; code: number | null; stray: number | null; tmp: string }> {
  const dir = tempDir("reaper");
  const script = join(dir, "start.mts");
  writeFileSync(
    script,
    [
      `import { spawn } from "node:child_process";`,
      `import { writeFileSync } from "node:fs";`,
      `import { reapOnExit, spawnServer, tempDir } from ${JSON.stringify(join(ROOT, "test/engines/harness.ts"))};`,
      `const tmp = tempDir("reaper-child");`,
      `writeFileSync(tmp + "/left.txt", "x");`,
      `const server = spawnServer("sleeper", "sleep", ["600"]);`,
      `let stray = null;`,
      extra,
      `console.log("PGID " + server.pid + " STRAY " + stray + " TMP " + tmp);`,
      ending,
    ].join("\n"),
  );
  const child = spawn(TSX, [script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const [pgid, stray, tmp] = await new Promise<[number, number | null, string]>((ok, fail) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /PGID (\d+) STRAY (\w+) TMP (\S+)\n/.exec(out);
      if (m) ok([Number(m[1]), m[2] === "null" ? null : Number(m[2]), m[3] as string]);
    });
    child.once("exit", (code) => fail(new Error(`exited (${code}) before starting: ${out}`)));
  });
  left.push(pgid);
  if (stray !== null) left.push(stray);
  expect(groupAlive(pgid)).toBe(true);
  const code = await new Promise<number | null>((ok) => {
    if (child.exitCode !== null) ok(child.exitCode);
    else child.once("exit", (c) => ok(c));
    if (ending.includes("setTimeout")) child.kill("SIGINT");
  });
  return { pgid, code, stray, tmp };
}

async function gone(pgid: number): Promise<boolean> {
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  return !groupAlive(pgid);
}

describe("servers the harness started and nobody stopped", () => {
  it("are killed when the process is interrupted (SIGINT), which still ends it", async () => {
    const { pgid, code, tmp } = await startThenEnd("setTimeout(() => {}, 600_000);");
    expect(await gone(pgid)).toBe(true);
    expect(code).not.toBe(0);
    // And the folders tempDir made are removed, the server's files in them included.
    expect(existsSync(tmp)).toBe(false);
  });

  it("take along the processes that left their group, as the server registered them", async () => {
    // A detached child leads a session of its own, as an Airflow process that calls setsid.
    const { pgid, stray } = await startThenEnd(
      "setTimeout(() => {}, 600_000);",
      `const s = spawn("sleep", ["600"], { detached: true, stdio: "ignore" }); stray = s.pid; reapOnExit(server.pid, () => [s.pid]);`,
    );
    expect(stray).not.toBeNull();
    expect(await gone(pgid)).toBe(true);
    expect(await gone(stray as number)).toBe(true);
  });

  it("are killed when the process exits without stopping them", async () => {
    const { pgid, code, tmp } = await startThenEnd("process.exit(3);");
    expect(await gone(pgid)).toBe(true);
    expect(code).toBe(3);
    expect(existsSync(tmp)).toBe(false);
  });
});
