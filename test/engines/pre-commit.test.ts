/**
 * Real pre-commit (pinned in test/python/requirements.lock) runs this repository's
 * .pre-commit-hooks.yaml the way a user's project does: a throwaway git repository with a DAG
 * file that has an error, a clean one, @mlgen/cli as its devDependency (node_modules linked to
 * this workspace's built CLI) and a .pre-commit-config.yaml naming a local clone of this
 * repository at a commit. Offline: pre-commit clones the hook repository from disk and installs
 * nothing for a `language: system` hook.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, ensureEngines, ROOT, tempDir } from "./harness.js";

const HOOKS_FILE = ".pre-commit-hooks.yaml";

const HEADER = `from datetime import timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("orders", schedule=None, default_args={"retries": 1, "execution_timeout": timedelta(hours=1), "on_failure_callback": print}):
    extract = BashOperator(task_id="extract", bash_command="echo 1")
`;
/** Line 8 pulls the XCom of a task that is not upstream of it: missing-xcom-key, an error. */
const BAD_DAG = `${HEADER}    report = BashOperator(task_id="report", bash_command="echo {{ ti.xcom_pull(task_ids='extract') }}")
`;
/** The same DAG fixed, under an id of its own (one id in two files is duplicate-dag-id's). */
const CLEAN_DAG = `${BAD_DAG.replace('DAG("orders"', 'DAG("orders_fixed"')}    extract >> report
`;

let work = "";
let project = "";
let hooks: { repo: string; rev: string };
let env: NodeJS.ProcessEnv = {};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env, encoding: "utf8" }).trim();
}

function preCommit(...args: string[]): { status: number | null; output: string } {
  return preCommitIn(project, ...args);
}

function preCommitIn(cwd: string, ...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(bin("pre-commit"), [...args, "--color", "never"], {
    cwd,
    env,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/**
 * The hook repository: a local clone of this repository. Until the working tree's hooks file
 * is committed here, the clone gets one commit on top of HEAD with it, so the test always runs
 * the hooks file as it is in the working tree.
 */
function hookRepository(): { repo: string; rev: string } {
  const repo = join(work, "mlgen");
  execFileSync("git", ["clone", "--quiet", "--shared", ROOT, repo], { env });
  const wanted = readFileSync(join(ROOT, HOOKS_FILE), "utf8");
  const committed = existsSync(join(repo, HOOKS_FILE))
    ? readFileSync(join(repo, HOOKS_FILE), "utf8")
    : null;
  if (committed !== wanted) {
    writeFileSync(join(repo, HOOKS_FILE), wanted);
    git(repo, "add", HOOKS_FILE);
    git(repo, "commit", "--quiet", "--no-verify", "-m", "hooks file from the working tree");
  }
  return { repo, rev: git(repo, "rev-parse", "HEAD") };
}

beforeAll(() => {
  ensureEngines();
  // The hook runs the built CLI, as a project's node_modules/.bin/mlgen would: from the startup
  // snapshot, which global-setup.ts built for the sources before the engine files started.
  work = tempDir("pre-commit");
  const gitConfig = join(work, "gitconfig");
  writeFileSync(
    gitConfig,
    "[user]\n\tname = mlgen test\n\temail = test@example.invalid\n[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n",
  );
  env = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith("GIT_") || k.startsWith("PRE_COMMIT")) delete env[k];
  Object.assign(env, {
    GIT_CONFIG_GLOBAL: gitConfig,
    GIT_CONFIG_NOSYSTEM: "1",
    PRE_COMMIT_HOME: join(work, "pre-commit-home"),
    NO_COLOR: "1",
    // node for bin/mlgen, whatever PATH the test runner was given.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
  });
  hooks = hookRepository();

  project = join(work, "project");
  newProject(project);
  writeFileSync(join(project, "dags", "bad_dag.py"), BAD_DAG);
  writeFileSync(join(project, "dags", "clean_dag.py"), CLEAN_DAG);
  writeFileSync(join(project, "README.md"), "# a project\n");
  writeFileSync(
    join(project, ".pre-commit-config.yaml"),
    `repos:\n  - repo: ${hooks.repo}\n    rev: ${hooks.rev}\n    hooks:\n      - id: mlgen-lint\n`,
  );
  git(project, "init", "--quiet");
  git(project, "add", "-A");
});

/** A project with @mlgen/cli installed, as `npm install -D @mlgen/cli` leaves it. */
function newProject(dir: string): void {
  mkdirSync(join(dir, "dags"), { recursive: true });
  mkdirSync(join(dir, "node_modules", "@mlgen"), { recursive: true });
  mkdirSync(join(dir, "node_modules", ".bin"));
  symlinkSync(join(ROOT, "packages", "cli"), join(dir, "node_modules", "@mlgen", "cli"));
  symlinkSync("../@mlgen/cli/bin/mlgen", join(dir, "node_modules", ".bin", "mlgen"));
  writeFileSync(join(dir, ".gitignore"), "node_modules/\n");
}

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("pre-commit runs the mlgen-lint hook of .pre-commit-hooks.yaml", () => {
  it("--all-files: fails, naming the rule and file:line of the bad DAG and nothing in the clean one", () => {
    const r = preCommit("run", "--all-files");
    expect(r.status, r.output).toBe(1);
    expect(r.output).toMatch(/mlgen lint\.+Failed/);
    expect(r.output).toMatch(/dags\/bad_dag\.py:8:\d+: error missing-xcom-key \(MLG2001\)/);
    expect(r.output).not.toContain("clean_dag.py");
    expect(r.output).not.toContain("README.md");
  });

  it("only the clean file: passes; files the hook does not match: skipped", () => {
    const clean = preCommit("run", "--files", "dags/clean_dag.py");
    expect(clean.status, clean.output).toBe(0);
    expect(clean.output).toMatch(/mlgen lint\.+Passed/);
    const other = preCommit("run", "--files", "README.md");
    expect(other.status, other.output).toBe(0);
    expect(other.output).toMatch(/mlgen lint\.+\(no files to check\)Skipped/);
  });

  it("as the git hook: a commit of the clean file goes through, one adding the bad file is refused", () => {
    const install = preCommit("install");
    expect(install.status, install.output).toBe(0);
    git(project, "reset", "--quiet");
    git(project, "add", ".gitignore", ".pre-commit-config.yaml", "dags/clean_dag.py");
    const ok = spawnSync("git", ["commit", "-m", "clean DAG"], {
      cwd: project,
      env,
      encoding: "utf8",
    });
    expect(ok.status, `${ok.stdout}${ok.stderr}`).toBe(0);
    git(project, "add", "dags/bad_dag.py");
    const refused = spawnSync("git", ["commit", "-m", "bad DAG"], {
      cwd: project,
      env,
      encoding: "utf8",
    });
    const output = `${refused.stdout}${refused.stderr}`;
    expect(refused.status, output).not.toBe(0);
    expect(output).toMatch(/dags\/bad_dag\.py:8:\d+: error missing-xcom-key/);
    expect(git(project, "log", "--format=%s")).toBe("clean DAG");
  });

  it("a commit changing only a template file (.sql) runs the hook, which lints it through the DAG that reads it", () => {
    const dir = join(work, "templates");
    newProject(dir);
    mkdirSync(join(dir, "dags", "sql"));
    mkdirSync(join(dir, "scripts"));
    writeFileSync(
      join(dir, "dags", "warehouse.py"),
      HEADER.replace(
        "from airflow.sdk import DAG",
        "from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator\nfrom airflow.sdk import DAG",
      ).concat(
        '    load = SQLExecuteQueryOperator(task_id="load", conn_id="wh", sql="sql/load.sql")\n    extract >> load\n',
      ),
    );
    writeFileSync(join(dir, "dags", "sql", "load.sql"), "SELECT 1;\n");
    writeFileSync(join(dir, "scripts", "deploy.sh"), "echo deploying\n");
    writeFileSync(
      join(dir, ".pre-commit-config.yaml"),
      `repos:\n  - repo: ${hooks.repo}\n    rev: ${hooks.rev}\n    hooks:\n      - id: mlgen-lint\n`,
    );
    git(dir, "init", "--quiet");
    git(dir, "add", "-A");
    // The hook runs on the .sql alone (not "no files to check"), and finds nothing.
    const clean = preCommitIn(dir, "run", "--files", "dags/sql/load.sql");
    expect(clean.status, clean.output).toBe(0);
    expect(clean.output).toMatch(/mlgen lint\.+Passed/);
    // The query now pulls a key the task before it never pushes: refused, at the .sql's line.
    writeFileSync(
      join(dir, "dags", "sql", "load.sql"),
      "SELECT 1;\nSELECT * FROM t WHERE batch = {{ ti.xcom_pull(task_ids='extract', key='batch') }};\n",
    );
    git(dir, "add", "-A");
    const bad = preCommitIn(dir, "run", "--files", "dags/sql/load.sql");
    expect(bad.status, bad.output).toBe(1);
    expect(bad.output).toMatch(/dags\/sql\/load\.sql:2:\d+: error missing-xcom-key \(MLG2001\)/);
    expect(bad.output).not.toContain("warehouse.py:");
    // A shell script no DAG reads: the hook runs, says so, and passes.
    const script = preCommitIn(dir, "run", "--files", "scripts/deploy.sh", "--verbose");
    expect(script.status, script.output).toBe(0);
    expect(script.output).toContain("scripts/deploy.sh is read by no DAG file in .");
  });

  it("--max-warnings counts the warnings of all the files, not of each batch pre-commit makes", () => {
    // pre-commit splits the files over one process per CPU unless the hook is require_serial:
    // 8 files of one warning each, 5 allowed, passed as two batches of 4 on 2 CPUs.
    const dir = join(work, "max-warnings");
    newProject(dir);
    for (let i = 0; i < 8; i++) {
      // One task, no retries anywhere: missing-retries, a warning (and nothing else).
      writeFileSync(
        join(dir, "dags", `dag_${i}.py`),
        HEADER.replace('"retries": 1, ', "").replace('"orders"', `"orders_${i}"`),
      );
    }
    writeFileSync(
      join(dir, ".pre-commit-config.yaml"),
      `repos:\n  - repo: ${hooks.repo}\n    rev: ${hooks.rev}\n    hooks:\n      - id: mlgen-lint\n        args: [--max-warnings, "5"]\n`,
    );
    git(dir, "init", "--quiet");
    git(dir, "add", "-A");
    const r = preCommitIn(dir, "run", "--all-files");
    expect(r.output.match(/warning missing-retries/g)?.length, r.output).toBe(8);
    expect(r.status, r.output).toBe(1);
    expect(r.output).toContain("more than --max-warnings 5");
  });
});
