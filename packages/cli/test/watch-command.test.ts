import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { watchCommand } from "../src/commands/watch.js";
import { CONFIG, pipelineSource, project, TASKS } from "./project.js";

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The base project, watched: its output so far, the number of builds, and the way to stop. */
function watching() {
  const proj = project({
    "mlgen.config.ts": CONFIG,
    "tasks/steps.py": TASKS,
    "pipelines/demo.pipeline.ts": pipelineSource(),
  });
  let out = "";
  const io = {
    cwd: proj.dir,
    stdout: (t: string) => {
      out += t;
    },
    stderr: (t: string) => {
      out += t;
    },
    env: {},
  };
  const stop = new AbortController();
  const done = watchCommand(io, [], {}, { signal: stop.signal, debounceMs: 50 });
  return {
    proj,
    output: () => out,
    builds: () => out.split("watching for changes").length - 1,
    stop,
    done,
  };
}

describe("mlgen compile --watch", () => {
  it("recompiles on a change, keeps the outputs on a broken save, and stops cleanly", async () => {
    const { proj, output, builds, stop, done } = watching();
    try {
      await until("the first build", () => builds() === 1);
      expect(output()).toContain("compiled 1 pipeline into dags");
      const dag = () => proj.read("dags/demo.py");
      expect(dag()).toContain('schedule=CronTriggerTimetable("@daily", timezone="UTC")');

      // A change: rebuilt, and the DAG follows it.
      const file = join(proj.dir, "pipelines/demo.pipeline.ts");
      writeFileSync(
        file,
        pipelineSource(undefined, `{ schedule: "@hourly", startDate: "2025-01-01" }`),
      );
      await until("the rebuild", () => builds() === 2);
      expect(output()).toContain("pipelines/demo.pipeline.ts changed; compiling");
      expect(dag()).toContain('schedule=CronTriggerTimetable("@hourly", timezone="UTC")');
      const good = dag();

      // A broken save: diagnostics, nothing written, the watch goes on.
      writeFileSync(file, `${readFileSync(file, "utf8")}\nexport const broken = ;\n`);
      await until("the failed rebuild", () => builds() === 3);
      expect(output()).toContain("error MLG1014");
      expect(output()).toContain("no files were written");
      expect(dag()).toBe(good);

      // A change in a task module is a change too; the output folder's own writes are not.
      writeFileSync(
        file,
        pipelineSource(undefined, `{ schedule: "@weekly", startDate: "2025-01-01" }`),
      );
      await until("the fixed rebuild", () => builds() === 4);
      expect(dag()).toContain('schedule=CronTriggerTimetable("@weekly", timezone="UTC")');
      writeFileSync(join(proj.dir, "tasks/steps.py"), `${TASKS}\n# touched\n`);
      await until("the task-module rebuild", () => builds() === 5);
      expect(proj.read("dags/tasks/steps.py")).toContain("# touched");
      await new Promise((r) => setTimeout(r, 400));
      expect(builds()).toBe(5);
    } finally {
      stop.abort();
    }
    expect(await done).toBe(0);
    expect(output()).toContain("stopped watching after 5 builds");
  }, 120_000);

  it("ignores the output folder the config names after a change of out, not only the first one", async () => {
    const { proj, output, builds, stop, done } = watching();
    try {
      await until("the first build", () => builds() === 1);
      writeFileSync(
        join(proj.dir, "mlgen.config.ts"),
        CONFIG.replace('out: "dags"', 'out: "dags2"'),
      );
      await until("the build after the config changed", () => builds() === 2);
      expect(output()).toContain("mlgen.config.ts changed; compiling");
      expect(proj.read("dags2/demo.py")).toContain("demo");
      // Its own writes to dags2/ (the DAG, the task modules, the manifest) start no build.
      await new Promise((r) => setTimeout(r, 500));
      expect(builds()).toBe(2);
      writeFileSync(
        join(proj.dir, "pipelines/demo.pipeline.ts"),
        pipelineSource(undefined, `{ schedule: "@hourly", startDate: "2025-01-01" }`),
      );
      await until("the rebuild", () => builds() === 3);
      expect(proj.read("dags2/demo.py")).toContain('"@hourly"');
      await new Promise((r) => setTimeout(r, 500));
      expect(builds()).toBe(3);
      expect(output()).not.toMatch(/dags2\/[^\n]* changed; compiling/);
    } finally {
      stop.abort();
    }
    expect(await done).toBe(0);
  }, 120_000);

  it("recompiles when a file taskFiles names changes, and not for other files beside it", async () => {
    const { proj, output, builds, stop, done } = watching();
    try {
      await until("the first build", () => builds() === 1);
      proj.write("tasks/sql/daily.sql", "SELECT 1\n");
      proj.write("tasks/notes.md", "not a task file\n");
      writeFileSync(
        join(proj.dir, "mlgen.config.ts"),
        CONFIG.replace('out: "dags"', 'out: "dags", taskFiles: ["tasks/sql/*.sql"]'),
      );
      await until("the build after the config changed", () => builds() === 2);
      expect(proj.read("dags/tasks/sql/daily.sql")).toBe("SELECT 1\n");
      writeFileSync(join(proj.dir, "tasks/sql/daily.sql"), "SELECT 2\n");
      await until("the rebuild", () => builds() === 3);
      expect(output()).toContain("tasks/sql/daily.sql changed; compiling");
      expect(proj.read("dags/tasks/sql/daily.sql")).toBe("SELECT 2\n");
      writeFileSync(join(proj.dir, "tasks/notes.md"), "still not one\n");
      await new Promise((r) => setTimeout(r, 500));
      expect(builds()).toBe(3);
    } finally {
      stop.abort();
    }
    expect(await done).toBe(0);
  }, 120_000);

  it("refuses --check", async () => {
    const proj = project({ "mlgen.config.ts": CONFIG });
    const r = await proj.mlgen("compile", "--watch", "--check");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--watch and --check do not go together");
  });
});
