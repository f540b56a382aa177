/**
 * mlgen projects that engine tests write and compile: inside the repository (under test/.tmp),
 * so that `@mlgen/dsl` resolves from its node_modules, and removed after the test file unless
 * MLGEN_KEEP_TMP is set.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { run } from "../../packages/cli/src/run.js";
import { ROOT } from "./harness.js";

/**
 * The test file's folder for its projects, `test/.tmp/<prefix>-*`: made when first asked for,
 * removed after the file's tests. Call it at the top of the test file (it registers afterAll).
 */
export function projectsFolder(prefix: string): () => string {
  let dir = "";
  afterAll(() => {
    if (dir && !process.env.MLGEN_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === "") {
      mkdirSync(join(ROOT, "test/.tmp"), { recursive: true });
      dir = mkdtempSync(join(ROOT, `test/.tmp/${prefix}-`));
    }
    return dir;
  };
}

/**
 * Writes `files` (path → text) into the new project folder `dir` and runs `mlgen <args>` there:
 * its exit code and what it said on stderr.
 */
export async function compileProject(
  dir: string,
  files: Readonly<Record<string, string>>,
  args: readonly string[],
): Promise<{ code: number; said: string }> {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  let said = "";
  const io = {
    cwd: dir,
    stdout: () => {},
    stderr: (t: string) => {
      said += t;
    },
    env: {},
  };
  const code = await run([...args], io);
  return { code, said };
}
