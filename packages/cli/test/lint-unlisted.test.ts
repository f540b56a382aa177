/**
 * A folder below the one given that cannot be listed (a root-owned lost+found on a DAG volume;
 * tests run as root, so the refusal is simulated): skipped with a note, as Airflow's walk skips
 * it, and the other files are linted. The folder given itself still fails loudly.
 */
import { describe, expect, it, vi } from "vitest";

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const readdir = (async (path: string, ...rest: unknown[]) => {
    if (String(path).endsWith("locked")) {
      throw Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), {
        code: "EACCES",
      });
    }
    return (real.readdir as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.readdir;
  return { ...real, readdir, default: { ...real, readdir } };
});

const { project } = await import("./project.js");

const DAG = `from datetime import datetime, timedelta
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("d", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 1, "execution_timeout": timedelta(hours=1)}):
    BashOperator(task_id="a", bash_command="cat /home/me/x.csv")
`;

describe("mlgen lint and folders it cannot list", () => {
  const p = project({ "dags/ok.py": DAG, "dags/locked/hidden.py": DAG });

  it("skips a folder below the one given, says so, and lints the rest", async () => {
    const r = await p.mlgen("lint", "dags", "--format", "json");
    expect(r.stderr).toContain(
      "mlgen lint: skipped a folder it cannot list (permission denied), as Airflow skips it: dags/locked",
    );
    expect(r.stderr).not.toContain("internal error");
    const found = JSON.parse(r.stdout) as { file: string; ruleId: string }[];
    expect(new Set(found.map((f) => f.file))).toEqual(new Set(["dags/ok.py"]));
    expect(found.map((f) => f.ruleId)).toContain("hardcoded-path");
  });

  it("fails clearly on the folder given itself", async () => {
    const r = await p.mlgen("lint", "dags/locked");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^mlgen lint: cannot list .*dags\/locked: permission denied\n {2}fix: /,
    );
  });
});
