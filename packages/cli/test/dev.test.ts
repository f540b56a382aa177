import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { portInUse, sameProcess, startTime } from "../src/dev/procs.js";
import { type DevState, devPaths, readState, writeState } from "../src/dev/state.js";
import { checkVenvFlags, DEV_LOCK, defaultVenv, ensureVenv, pinned } from "../src/dev/venv.js";
import { CliError, type CliIO } from "../src/io.js";
import { run } from "../src/run.js";

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "mlgen-dev-unit-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const io = (cwd: string, env: Record<string, string> = {}): CliIO => ({
  cwd,
  env,
  stdout: () => {},
  stderr: () => {},
});

const state = (project: string): DevState => ({
  version: 1,
  startedAt: "2026-11-29T00:00:00.000Z",
  project,
  dagsFolder: join(project, "dags"),
  venv: join(project, "venv"),
  airflow: { url: "http://127.0.0.1:8080", port: 8080, username: "admin", password: "s3cret" },
  mlflow: { url: "http://127.0.0.1:5000", port: 5000 },
  processes: [{ name: "mlflow", pid: process.pid, started: startTime(process.pid), log: "x" }],
});

describe("mlgen dev: processes", () => {
  it("knows a process by PID and start time, so a reused PID is not ours", () => {
    const started = startTime(process.pid);
    expect(started).not.toBeNull();
    expect(sameProcess(process.pid, started)).toBe(true);
    expect(sameProcess(process.pid, `${started}0`)).toBe(false);
    expect(startTime(2 ** 22 + 12345)).toBeNull();
  });

  it("sees a port in use on 127.0.0.1, and a free one", async () => {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    expect(await portInUse(port)).toBe(true);
    await new Promise((ok) => server.close(ok));
    expect(await portInUse(port)).toBe(false);
  });
});

describe("mlgen dev: state file", () => {
  it("lives in the project's .mlgen/dev unless MLGEN_DEV_HOME moves it", () => {
    const d = temp();
    expect(devPaths(io(d), undefined).state).toBe(join(d, ".mlgen", "dev", "state.json"));
    expect(devPaths(io(d), "sub/mlgen.config.ts").project).toBe(join(d, "sub"));
    expect(devPaths(io(d, { MLGEN_DEV_HOME: "h" }), undefined).state).toBe(
      join(d, "h", "state.json"),
    );
  });

  it("is written atomically, readable only by its owner, and read back", () => {
    const d = temp();
    const paths = devPaths(io(d), undefined);
    expect(readState(io(d), paths)).toBeNull();
    writeState(paths, state(d));
    expect(statSync(paths.state).mode & 0o777).toBe(0o600);
    expect(readState(io(d), paths)).toEqual(state(d));
  });

  it("a damaged or foreign file is a CliError that names it and the way out", () => {
    const d = temp();
    const paths = devPaths(io(d), undefined);
    writeState(paths, state(d));
    for (const text of ["{ nope", JSON.stringify({ version: 2 })]) {
      writeFileSync(paths.state, text);
      let error: unknown;
      try {
        readState(io(d), paths);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toContain(".mlgen/dev/state.json");
      expect((error as Error).message).toContain("mlgen dev down --force");
    }
  });
});

describe("mlgen dev: the managed venv", () => {
  it("pins the versions the engine tests run", () => {
    const engines = readFileSync(
      join(import.meta.dirname, "../../../test/python/requirements.lock"),
      "utf8",
    );
    for (const name of ["apache-airflow", "apache-airflow-providers-standard", "mlflow"]) {
      const version = pinned(name);
      expect(version, name).toMatch(/^\d+\.\d+/);
      expect(engines).toContain(`\n${name}==${version}\n`);
    }
    expect(readFileSync(DEV_LOCK, "utf8")).not.toContain("dag-factory");
  });

  it("is one per lock in the user's cache, unless MLGEN_DEV_VENV says where", () => {
    expect(defaultVenv(io("/p", { HOME: "/home/u" }))).toMatch(
      /^\/home\/u\/\.cache\/mlgen\/dev-venv-[0-9a-f]{12}$/,
    );
    expect(defaultVenv(io("/p", { XDG_CACHE_HOME: "/c" }))).toMatch(/^\/c\/mlgen\/dev-venv-/);
    expect(defaultVenv(io("/p", { MLGEN_DEV_VENV: "v" }))).toBe("/p/v");
  });

  it("never removes nor syncs a folder it did not make (a project's own venv, a typo): refused, untouched", async () => {
    const project = temp();
    const folder = join(project, "notavenv");
    mkdirSync(join(folder, "data"), { recursive: true });
    writeFileSync(join(folder, "data", "results.csv"), "precious\n");
    // A venv of the user's own: a python that runs, and packages the lock does not list.
    const theirs = join(project, "their-venv");
    mkdirSync(join(theirs, "bin"), { recursive: true });
    writeFileSync(join(theirs, "pyvenv.cfg"), "home = /usr/bin\n");
    for (const venv of [folder, theirs]) {
      const e = await ensureVenv(io(project), venv).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).message).toContain(
        "holds files mlgen did not put there (no .mlgen-dev-venv in it: it is not a venv `mlgen dev` made)",
      );
      expect((e as CliError).message).toContain("nothing was changed");
    }
    // A file where the venv would go: said as such, not a raw ENOTDIR.
    const file = join(project, "venv.txt");
    writeFileSync(file, "notes\n");
    await expect(ensureVenv(io(project), file)).rejects.toThrow(
      "mlgen dev: venv.txt is a file, not a folder; nothing was changed",
    );
    expect(readFileSync(join(folder, "data", "results.csv"), "utf8")).toBe("precious\n");
    expect(existsSync(join(theirs, "pyvenv.cfg"))).toBe(true);
  });
});

describe("mlgen dev up: its flags", () => {
  const refused = (options: { python?: string; requirements?: string }) => {
    try {
      checkVenvFlags(io(temp()), options);
    } catch (e) {
      if (e instanceof CliError) return [e.exitCode, e.message];
      throw e;
    }
    return null;
  };

  it("a --python that is no Python 3, or is not there, is a usage error that says which", () => {
    expect(refused({ python: "/nope/python3.11" })).toEqual([
      2,
      "mlgen dev: --python /nope/python3.11: no such file, or not executable\n  fix: pass the path of a Python 3.10 to 3.13 (which python3.11 prints it), or a name on PATH such as python3.11",
    ]);
    expect(refused({ python: "no-such-python3" })?.[1]).toContain(
      "--python no-such-python3: not found on PATH",
    );
    // It runs, and prints no version: not "is Python ;" with an empty version.
    expect(refused({ python: "true" })).toEqual([
      2,
      "mlgen dev: --python true is not a Python 3 interpreter (`true -c 'import sys; ...'` printed no version)\n  fix: pass a Python 3.10 to 3.13, such as --python python3.11",
    ]);
    expect(refused({ python: "python3" })).toBeNull();
    expect(refused({ requirements: "nope.txt" })).toEqual([
      2,
      "mlgen dev: --requirements nope.txt: no such file\n  fix: pass a pip requirements file (one package per line)",
    ]);
  });

  it("are checked before the config is read and the pipelines compiled", async () => {
    const d = temp();
    let stderr = "";
    const code = await run(["dev", "up", "--python", "/nope/python3.11"], {
      cwd: d,
      env: { MLGEN_DEV_HOME: join(d, "dev") },
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(code).toBe(2);
    // The folder has no mlgen.config.ts: that would be the error of a later check.
    expect(stderr).toContain("--python /nope/python3.11: no such file");
    expect(stderr).not.toContain("MLG1009");
  });
});

describe("mlgen dev run: its conf", () => {
  it("a conf key that is no param of the DAG (a typo) is said, with the param meant; the params are not", async () => {
    const { unknownConfKeys } = await import("../src/dev/run.js");
    const { createAirflowFake } = await import("../../mocks/src/index.js");
    const { createAirflowClient } = await import("@mlgen/airflow-client");
    const fake = createAirflowFake({
      users: [{ username: "admin", password: "pw", role: "admin" }],
    });
    fake.addDag({
      dagId: "churn",
      tasks: [{ taskId: "fit" }],
      params: { threshold: 0.8, model_name: "churn-classifier" },
    });
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "pw" },
      fetch: fake.fetch,
    });
    let stderr = "";
    const said = { ...io(temp()), stderr: (t: string) => (stderr += t) };
    await unknownConfKeys(said, client, "churn", { treshold: 0.99, model_name: "x" });
    expect(stderr).toBe(
      "mlgen dev run: conf key 'treshold' is no param of churn (did you mean 'threshold'?); Airflow passes it on, and its tasks read their params' defaults (threshold, model_name)\n",
    );
  });
});

describe("mlgen dev run: its MLflow summary", () => {
  it("names the task instance that logged each run: map index and a retry's try", async () => {
    const { mlflowRunTask } = await import("../src/dev/run.js");
    const tags = (t: Record<string, string>) =>
      Object.entries(t).map(([key, value]) => ({ key, value }));
    expect(mlflowRunTask(tags({ "airflow.task_id": "evaluate", "airflow.try_number": "1" }))).toBe(
      "task evaluate",
    );
    expect(
      mlflowRunTask(
        tags({ "airflow.task_id": "train", "airflow.map_index": "1", "airflow.try_number": "2" }),
      ),
    ).toBe("task train[1], try 2");
    expect(mlflowRunTask(tags({ "airflow.task_id": "train", "airflow.map_index": "0" }))).toBe(
      "task train[0]",
    );
    expect(mlflowRunTask([])).toBe("task ?");
  });
});
