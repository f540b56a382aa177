/**
 * bin/mlgen from the startup snapshot (src/snapshot/): the built CLI, run as users run it, gives
 * the same output and exit code as the plain CLI (MLGEN_NO_SNAPSHOT=1), and is really served by
 * the snapshot (MLGEN_SNAPSHOT_TRACE says so) — or, for what the snapshot leaves to the plain CLI,
 * falls back to it and still says the same.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNAPSHOT_V8_FLAGS } from "../src/snapshot/build.js";
import { project } from "./project.js";

const REPO = resolve(import.meta.dirname, "../../..");
const CLI = join(REPO, "packages/cli");
const BIN = join(CLI, "bin/mlgen");
const BLOB = join(CLI, "dist/snapshot", `mlgen-${process.version}.blob`);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  trace: string[];
}

function mlgen(
  cwd: string,
  args: readonly string[],
  snapshot: boolean,
  extraEnv: NodeJS.ProcessEnv = {},
): Ran {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", MLGEN_SNAPSHOT_TRACE: "1" };
  delete env.MLGEN_NO_SNAPSHOT;
  delete env.NODE_OPTIONS;
  Object.assign(env, extraEnv);
  if (!snapshot) env.MLGEN_NO_SNAPSHOT = "1";
  const r = spawnSync(BIN, args, { cwd, env, encoding: "utf8" });
  if (r.error) throw r.error;
  const lines = r.stderr.split("\n");
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: lines.filter((l) => !l.startsWith("mlgen: snapshot: ")).join("\n"),
    trace: lines.filter((l) => l.startsWith("mlgen: snapshot: ")),
  };
}

/** Runs both ways; the outputs must match, and the trace says who served the snapshot run. */
function both(cwd: string, args: readonly string[]) {
  const plain = mlgen(cwd, args, false);
  const snap = mlgen(cwd, args, true);
  expect(plain.trace).toEqual([]);
  expect({ code: snap.code, stdout: snap.stdout, stderr: snap.stderr }).toEqual({
    code: plain.code,
    stdout: plain.stdout,
    stderr: plain.stderr,
  });
  return { plain, snap };
}

const lock = `${BLOB}.lock`;

beforeAll(() => {
  // The CLI as built: tsc, then the bundle and the snapshot for this Node.
  execFileSync(join(REPO, "node_modules/.bin/tsc"), ["-b", "packages/cli"], { cwd: REPO });
  execFileSync(process.execPath, [join(CLI, "dist/snapshot/make.js")], { cwd: REPO });
  expect(existsSync(BLOB)).toBe(true);
}, 120_000);

afterAll(async () => {
  // A stale run starts a rebuild in the background: let it finish before the files go.
  for (let i = 0; i < 600 && existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
});

describe("bin/mlgen from the startup snapshot", () => {
  it("starts Node with the V8 options the snapshot was built with", () => {
    // Node refuses a snapshot under other V8 options ("built with a different version of V8
    // or with different V8 configurations"), so the launcher and the build must agree.
    const script = readFileSync(BIN, "utf8").replace(/\\\n\s*/g, "");
    const exec = /^\s*exec node (.*) --snapshot-blob "\$blob" -- "\$@"$/m.exec(script);
    expect(exec?.[1]?.split(/\s+/)).toEqual([...SNAPSHOT_V8_FLAGS]);
    expect(SNAPSHOT_V8_FLAGS.length).toBeGreaterThan(0);
  });

  it.each(["iris-quickstart", "training-pipeline", "production-pipeline"])(
    "compiles the %s example as the plain CLI does (compile --check, lint --format json)",
    (name) => {
      const cwd = join(REPO, "examples", name);
      const check = both(cwd, ["compile", "--check"]);
      expect(check.snap.code).toBe(0);
      expect(check.snap.trace).toEqual(["mlgen: snapshot: serving this run"]);
      const lint = both(cwd, ["lint", "--format", "json"]);
      expect(lint.snap.trace).toEqual(["mlgen: snapshot: serving this run"]);
      expect(JSON.parse(lint.snap.stdout)).toBeInstanceOf(Array);
    },
    60_000,
  );

  it("loads a JSON or CommonJS config and a CommonJS pipeline as the plain CLI does", () => {
    const proj = project({
      "package.json": '{ "private": true }\n',
      "mlgen.config.json": '{ "pipelines": ["pipelines/*.pipeline.js"], "out": "dags" }\n',
      "mlgen.config.cjs":
        'module.exports = { pipelines: ["pipelines/*.pipeline.js"], out: "out2" };\n',
      "tasks/steps.py": "def load():\n    return 1\n",
      "pipelines/demo.pipeline.js": `const { pipeline } = require("@mlgen/dsl");
module.exports = pipeline("demo", {}, (p) => {
  p.python("load", { fn: "tasks/steps.py:load" });
});
`,
    });
    for (const config of ["mlgen.config.json", "mlgen.config.cjs"]) {
      const run = both(proj.dir, ["compile", "--config", config, "--check"]);
      expect(run.snap.trace).toEqual(["mlgen: snapshot: serving this run"]);
      expect(run.snap.stderr).toContain("stale: ");
      expect(run.snap.stderr).not.toContain("MLG1009");
      expect(run.snap.stderr).not.toContain("MLG1010");
    }
  });

  it.each([
    ["an ES module", '{ "type": "module" }\n'],
    ["CommonJS", '{ "private": true }\n'],
  ])(
    "refuses a config that exports nothing, as %s, as the plain CLI does (not an empty config)",
    (_, pkg) => {
      const proj = project({
        "package.json": pkg,
        "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";\ndefineConfig({ pipelines: ["pipelines/*.pipeline.ts"] });\n`,
      });
      for (const command of ["compile", "lint"]) {
        const run = both(proj.dir, [command]);
        expect(run.snap.trace).toEqual(["mlgen: snapshot: serving this run"]);
        expect(run.snap.stderr).toContain("could not be loaded: it exports nothing");
      }
    },
  );

  it("runs compile --watch as the plain CLI in the process started, so its PID stops it", async () => {
    const proj = project({
      "package.json": '{ "private": true }\n',
      "mlgen.config.json": '{ "pipelines": ["pipelines/*.pipeline.js"], "out": "dags" }\n',
      "tasks/steps.py": "def load():\n    return 1\n",
      "pipelines/demo.pipeline.js": `const { pipeline } = require("@mlgen/dsl");
module.exports = pipeline("demo", {}, (p) => {
  p.python("load", { fn: "tasks/steps.py:load" });
});
`,
    });
    const { NODE_OPTIONS: _options, MLGEN_NO_SNAPSHOT: _plain, ...env } = process.env;
    const args = ["compile", "--config", "mlgen.config.json", "--watch"];
    const child = spawn(BIN, args, { cwd: proj.dir, env, stdio: "pipe" });
    let err = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("data", (d) => {
        err += d;
      });
    }
    try {
      for (let i = 0; i < 300 && !err.includes("watching"); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(err).toContain("watching");
      // The process bin/mlgen started is the plain CLI itself, not a launcher waiting on it
      // (which a kill by PID would stop, leaving the watcher running).
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
      expect(cmdline.some((a) => a.endsWith("dist/bin.js"))).toBe(true);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    expect(err).toContain("stopped watching");
  }, 60_000);

  it("holds only what mlgen runs: zod without its translations, Handlebars without its compiler", () => {
    const bundle = readFileSync(join(CLI, "dist/snapshot/mlgen.cjs"), "utf8");
    // `import { z } from "zod"` keeps every export of the namespace, locales and all (0.45 MB of
    // a 1.65 MB bundle, deserialized at every start-up); `import * as z` lets esbuild drop them.
    // English messages, which zod uses, are in; German ones (zod/v4/locales/de.js) are not.
    expect(bundle).toContain("Invalid input: expected");
    expect(bundle).not.toContain("ltige Eingabe: erwartet");
    // The templates come precompiled (scripts/gen-templates.mjs): Handlebars' runtime renders
    // them; its parser (and the source-map library its code generator uses) is not needed.
    expect(bundle).toContain("Template was precompiled with");
    expect(bundle).not.toContain("Parse error on line");
    expect(bundle).not.toContain("SourceMapGenerator");
  });

  it("passes options through to mlgen, not to node (--version, --help)", () => {
    const v = both(REPO, ["--version"]);
    expect(v.snap.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.snap.stdout.trim()).not.toBe(process.version);
    const help = both(REPO, ["--help"]);
    expect(help.snap.stdout).toContain("Usage: mlgen");
  });

  it("finds its package through a chain of relative links, and when run as `sh mlgen` from bin/", () => {
    // npm's node_modules/.bin/mlgen is a relative link; a link to it elsewhere makes a chain.
    const tmp = mkdtempSync(join(tmpdir(), "mlgen-links-"));
    try {
      mkdirSync(join(tmp, "a"));
      mkdirSync(join(tmp, "b"));
      symlinkSync(BIN, join(tmp, "b", "mlgen"));
      symlinkSync("../b/mlgen", join(tmp, "a", "mlgen"));
      const env: NodeJS.ProcessEnv = { ...process.env, MLGEN_SNAPSHOT_TRACE: "1" };
      delete env.MLGEN_NO_SNAPSHOT;
      delete env.NODE_OPTIONS;
      const version = both(REPO, ["--version"]).plain.stdout;
      for (const [cwd, cmd, args] of [
        [tmp, "a/mlgen", ["--version"]],
        [join(CLI, "bin"), "sh", ["mlgen", "--version"]],
      ] as const) {
        const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe(version);
        expect(r.stderr).toBe("mlgen: snapshot: serving this run\n");
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("leaves a run with NODE_OPTIONS to the plain CLI (V8 options there would not fit the snapshot)", () => {
    const cwd = join(REPO, "examples/iris-quickstart");
    const options = { NODE_OPTIONS: "--max-old-space-size=4096" };
    const plain = mlgen(cwd, ["compile", "--check"], false);
    const withOptions = mlgen(cwd, ["compile", "--check"], true, options);
    expect(withOptions.code).toBe(0);
    expect(withOptions.trace).toEqual([]);
    expect(withOptions.stdout).toBe(plain.stdout);
    expect(withOptions.stderr).toBe(plain.stderr);
  });

  it("names the user's line for a problem found after loading (the source map of the bundle)", () => {
    const p = project({
      "mlgen.config.ts": 'export default { pipelines: ["pipelines/*.pipeline.ts"] };\n',
      "pipelines/bad.pipeline.ts": [
        'import { pipeline } from "@mlgen/dsl";',
        'import { helper } from "./lib/helper.js";',
        "",
        'export default pipeline("bad", { schedule: "not a cron" }, (p) => {',
        "  helper(p);",
        "});",
        "",
      ].join("\n"),
      "pipelines/lib/helper.ts": [
        'import type { PipelineBuilder } from "@mlgen/dsl";',
        "",
        "export function helper(p: PipelineBuilder<Record<never, never>>): void {",
        '  p.bash("a", { command: "echo a" });',
        '  p.bash("a", { command: "echo again" });',
        "}",
        "",
      ].join("\n"),
    });
    const r = both(p.dir, ["compile"]);
    expect(r.snap.code).toBe(1);
    expect(r.snap.stderr).toMatch(/pipelines\/(bad\.pipeline|lib\/helper)\.ts:\d+:\d+/);
    expect(r.snap.trace).toEqual(["mlgen: snapshot: serving this run"]);
    rmSync(p.dir, { recursive: true, force: true });
  });

  it("judges a DAG file that is not valid Python as the plain CLI does (tree-sitter-python from the bundle)", () => {
    const p = project({
      "dags/broken.py": 'from airflow.sdk import DAG\n\nwith DAG("d") as dag\n    pass\n',
    });
    const r = both(p.dir, ["lint", "dags", "--format", "json"]);
    expect(r.snap.code).toBe(1);
    expect(
      (JSON.parse(r.snap.stdout) as { ruleId: string; line: number }[]).map(
        (f) => `${f.ruleId} ${f.line}`,
      ),
    ).toEqual(["syntax-error 3"]);
    expect(r.snap.trace).toEqual(["mlgen: snapshot: serving this run"]);
    rmSync(p.dir, { recursive: true, force: true });
  });

  const late = (at: string, how: string, reason: string) =>
    new RegExp(
      `^${at}error MLG1021: ${at ? "pipelines/x\\.pipeline\\.ts" : "a pipeline or config module"} threw after it was loaded \\([^)]*${how}[^)]*\\): ${reason}\n  fix: await the promise`,
    );
  it.each([
    [
      "rejects a promise it does not await",
      'Promise.reject(new Error("late"));',
      late("pipelines/x\\.pipeline\\.ts:3:\\d+: ", "promise", "late"),
    ],
    [
      "throws in a timer",
      'setTimeout(() => { throw new Error("late"); }, 1);',
      late("pipelines/x\\.pipeline\\.ts:3:\\d+: ", "timer", "late"),
    ],
    // No stack to name a file by: said without a place, never blamed on mlgen.
    ["rejects a string", 'Promise.reject("late");', late("", "promise", "late")],
    [
      "rejects a plain object",
      "Promise.reject({ code: 42 });",
      late("", "promise", "\\{ code: 42 \\}"),
    ],
  ])("names the user's line, not Node's crash, when a module %s", (_, extra, says) => {
    const p = project({
      "mlgen.config.ts": 'export default { pipelines: ["pipelines/*.pipeline.ts"] };\n',
      "pipelines/x.pipeline.ts": [
        'import { pipeline } from "@mlgen/dsl";',
        'export default pipeline("x", {}, (p) => { p.bash("a", { command: "echo a" }); });',
        extra,
        "",
      ].join("\n"),
    });
    const r = both(p.dir, ["compile"]);
    expect(r.snap.code).toBe(1);
    expect(r.snap.stderr).toMatch(says);
    expect(r.snap.stderr).not.toMatch(/Node\.js v|\n\s+at /);
    rmSync(p.dir, { recursive: true, force: true });
  });

  it.each([
    [
      "calls process.exit(0)",
      "process.exit(0);",
      ["compile", "--check"],
      /pipelines\/x\.pipeline\.ts:2:\d+: error MLG1014: .*it called process\.exit\(0\) while mlgen loaded it/,
    ],
    [
      "awaits a promise that never settles",
      "await new Promise(() => {});",
      ["lint", "--format", "json"],
      /^mlgen: error MLG1014: pipeline module pipelines\/x\.pipeline\.ts never finished loading/,
    ],
  ])("fails, naming the module, when one %s (no silent pass in CI)", (_, extra, args, says) => {
    const p = project({
      "mlgen.config.ts": 'export default { pipelines: ["pipelines/*.pipeline.ts"] };\n',
      "pipelines/x.pipeline.ts": [
        'import { pipeline } from "@mlgen/dsl";',
        extra,
        'export default pipeline("x", {}, (p) => { p.bash("a", { command: "echo a" }); });',
        "",
      ].join("\n"),
    });
    const r = both(p.dir, args);
    // compile --check says 2 for a pipeline it could not check (1 is stale output).
    expect(r.snap.code).toBe(args.includes("--check") ? 2 : 1);
    expect(r.snap.stderr).toMatch(says);
    expect(r.snap.stderr.match(/MLG1014/g)).toHaveLength(1);
    rmSync(p.dir, { recursive: true, force: true });
  });

  it("sends a module's console output to stderr: stdout stays JSON (and SARIF, and the graph)", () => {
    const p = project({
      "mlgen.config.ts": 'export default { pipelines: ["pipelines/*.pipeline.ts"] };\n',
      "pipelines/x.pipeline.ts": [
        'import { pipeline } from "@mlgen/dsl";',
        'console.log("hello from the module");',
        'console.info("info from the module");',
        'export default pipeline("x", {}, (p) => { console.log("in the body"); p.bash("a", { command: "echo a" }); });',
        "",
      ].join("\n"),
    });
    const r = both(p.dir, ["lint", "--format", "json"]);
    expect(JSON.parse(r.snap.stdout)).toBeInstanceOf(Array);
    expect(r.snap.stderr).toContain("hello from the module\ninfo from the module\nin the body");
    rmSync(p.dir, { recursive: true, force: true });
  });

  it("stops writing quietly when the reader goes away (mlgen lint dags | head), and keeps its exit code", async () => {
    const p = project({
      "dags/pull.py": [
        "from datetime import datetime",
        "from airflow.providers.standard.operators.bash import BashOperator",
        "from airflow.sdk import DAG",
        "",
        'with DAG("pull", start_date=datetime(2024, 1, 1), schedule=None):',
        "    BashOperator(",
        '        task_id="read",',
        "        bash_command=\"echo {{ ti.xcom_pull(task_ids='nobody', key='k') }} /home/me/x.csv\",",
        "    )",
        "",
      ].join("\n"),
    });
    // The read end is closed before the CLI writes a byte: its first write meets EPIPE.
    const closedReader = (snapshot: boolean, format: string) =>
      new Promise<{ code: number | null; stderr: string }>((done, fail) => {
        const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
        delete env.NODE_OPTIONS;
        if (snapshot) delete env.MLGEN_NO_SNAPSHOT;
        else env.MLGEN_NO_SNAPSHOT = "1";
        const child = spawn(BIN, ["lint", "dags", "--format", format], {
          cwd: p.dir,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.destroy();
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("error", fail);
        child.on("close", (code) => done({ code, stderr }));
      });
    for (const snapshot of [true, false]) {
      for (const format of ["text", "json", "sarif"]) {
        // Findings at error severity: exit 1, as when the whole output was read; no EPIPE report.
        expect(await closedReader(snapshot, format)).toEqual({ code: 1, stderr: "" });
      }
    }
    rmSync(p.dir, { recursive: true, force: true });
  }, 60_000);

  it.each([
    ["throws while it loads", 'throw new Error("boom at load");\n', /failed to load/],
    ["uses top-level await", "await Promise.resolve();\n", /esbuild could not bundle/],
    ["reads import.meta", "export const here = import.meta.url;\n", /esbuild warned/],
  ])("leaves a pipeline module that %s to the plain CLI, which says the same", (_, extra, why) => {
    const p = project({
      "mlgen.config.ts": 'export default { pipelines: ["pipelines/*.pipeline.ts"] };\n',
      "pipelines/x.pipeline.ts": [
        'import { pipeline } from "@mlgen/dsl";',
        extra,
        'export default pipeline("x", {}, (p) => { p.bash("a", { command: "echo a" }); });',
        "",
      ].join("\n"),
    });
    const r = both(p.dir, ["compile", "--check"]);
    expect(r.snap.trace.join("\n")).toMatch(why);
    expect(r.snap.trace.at(-1)).toMatch(/running the plain CLI$/);
    rmSync(p.dir, { recursive: true, force: true });
  });

  it("a blob copied with its package elsewhere serves the package it sits in, and is rebuilt there", async () => {
    // A moved install (a restored CI cache, a Docker COPY): the blob holds the code of where it
    // was built. Here the copy's "package" is two stand-ins that say who ran.
    const moved = mkdtempSync(join(tmpdir(), "mlgen-moved-"));
    try {
      mkdirSync(join(moved, "dist", "snapshot"), { recursive: true });
      const blob = join(moved, "dist", "snapshot", basename(BLOB));
      copyFileSync(BLOB, blob);
      writeFileSync(
        join(moved, "dist", "bin.js"),
        'console.log("plain CLI of the copy:", process.argv.slice(2).join(" ")); process.exitCode = 3;\n',
      );
      writeFileSync(
        join(moved, "dist", "snapshot", "make.js"),
        'require("node:fs").writeFileSync(require("node:path").join(__dirname, "rebuilt"), process.argv.slice(2).join(" "));\n',
      );
      const env: NodeJS.ProcessEnv = { ...process.env, MLGEN_SNAPSHOT_TRACE: "1" };
      delete env.MLGEN_NO_SNAPSHOT;
      delete env.NODE_OPTIONS;
      const r = spawnSync(
        process.execPath,
        [...SNAPSHOT_V8_FLAGS, "--snapshot-blob", blob, "--", "--version"],
        {
          env,
          encoding: "utf8",
        },
      );
      expect(r.stdout).toBe("plain CLI of the copy: --version\n");
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(
        `mlgen: snapshot: moved (built in ${CLI}); running the plain CLI of ${realpathSync(moved)}`,
      );
      const marker = join(moved, "dist", "snapshot", "rebuilt");
      for (let i = 0; i < 100 && !existsSync(marker); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(marker, "utf8")).toBe("--background");
      // Where it was built, the same blob serves the run itself.
      expect(mlgen(REPO, ["--version"], true).trace).toEqual(["mlgen: snapshot: serving this run"]);
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it("runs the plain CLI when a file the snapshot holds has changed, and rebuilds it", async () => {
    // The templates, precompiled: one of the built files the bundle was made from.
    const template = join(REPO, "packages/compiler/dist/templates.generated.js");
    const { atime, mtime } = statSync(template);
    const cwd = join(REPO, "examples/iris-quickstart");
    const built = statSync(BLOB).mtimeMs;
    try {
      utimesSync(template, atime, new Date(mtime.getTime() + 5_000));
      const r = both(cwd, ["compile", "--check"]);
      expect(r.snap.trace[0]).toContain(`stale (${template} changed)`);
      // That run started a rebuild in the background: a new blob, then the lock released; the
      // new snapshot holds the templates as they are now, and serves the next run.
      const rebuilt = () => statSync(BLOB).mtimeMs !== built && !existsSync(lock);
      for (let i = 0; i < 600 && !rebuilt(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(rebuilt()).toBe(true);
      expect(mlgen(cwd, ["compile", "--check"], true).trace).toEqual([
        "mlgen: snapshot: serving this run",
      ]);
    } finally {
      // The file as it was, and a snapshot that holds it so.
      utimesSync(template, atime, mtime);
      execFileSync(process.execPath, [join(CLI, "dist/snapshot/make.js")], { cwd: REPO });
    }
  }, 90_000);
});
