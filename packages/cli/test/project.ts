import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll } from "vitest";
import { run } from "../src/run.js";

const REPO = resolve(import.meta.dirname, "../../..");
const TMP = join(REPO, "test/.tmp");

/**
 * A throwaway project inside the repo (so `@mlgen/dsl` resolves through the workspace's
 * node_modules), with helpers to run the CLI in it and snapshot its output folder.
 */
/**
 * Projects made by the test file that imports this module: removed after its tests (vitest
 * evaluates this module once per test file). MLGEN_KEEP_TMP=1 keeps them, to look at after a
 * failure.
 */
const made = new Set<string>();
afterAll(() => {
  if (process.env.MLGEN_KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
});

export function project(files: Record<string, string | null>) {
  mkdirSync(TMP, { recursive: true });
  const dir = mkdtempSync(join(TMP, "p-"));
  made.add(dir);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  for (const [path, content] of Object.entries(files)) if (content !== null) write(path, content);
  return {
    dir,
    write,
    read: (path: string) => readFileSync(join(dir, path), "utf8"),
    mlgen(...argv: string[]) {
      return this.mlgenIn(".", ...argv);
    },
    /** The CLI run from a folder of the project. */
    mlgenIn(sub: string, ...argv: string[]) {
      return this.mlgenWith({ cwd: sub }, ...argv);
    },
    /** The CLI run from a folder of the project (default: its root) with environment variables. */
    async mlgenWith(
      { cwd: sub = ".", env = {} }: { cwd?: string; env?: Record<string, string> },
      ...argv: string[]
    ) {
      let stdout = "";
      let stderr = "";
      const code = await run(argv, {
        cwd: join(dir, sub),
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        env,
      });
      return { code, stdout, stderr };
    },
    /** path → content and mtime of every file under `sub`, to prove nothing changed. */
    snapshot(sub = "dags"): Record<string, string> {
      const out: Record<string, string> = {};
      const walk = (d: string) => {
        let entries: string[] = [];
        try {
          entries = readdirSync(d);
        } catch {
          return;
        }
        for (const name of entries) {
          const p = join(d, name);
          if (statSync(p).isDirectory()) walk(p);
          else
            out[relative(join(dir, sub), p)] = `${statSync(p).mtimeMs} ${readFileSync(p, "utf8")}`;
        }
      };
      walk(join(dir, sub));
      return out;
    },
  };
}

export const CONFIG = `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], out: "dags" });
`;

export const TASKS = `def load():
    return {"path": "/tmp/x", "rows": 3}


def train(path, rows):
    return {"accuracy": 0.9}
`;

/** A valid two-task pipeline; `body` replaces the task definitions when given. */
export function pipelineSource(
  body?: string,
  options = `{ schedule: "@daily", startDate: "2025-01-01" }`,
): string {
  return `import { pipeline } from "@mlgen/dsl";

export default pipeline("demo", ${options}, (p) => {
${
  body ??
  `  const load = p.python("load", { fn: "tasks/steps.py:load", outputs: { path: "string", rows: "int" } });
  p.python("train", { fn: "tasks/steps.py:train", inputs: { path: load.out.path, rows: load.out.rows }, outputs: { accuracy: "float" } });`
}
});
`;
}

/** A port on 127.0.0.1 that nothing listens on: one the system just handed out and took back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
