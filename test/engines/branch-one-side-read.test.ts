/**
 * MLG1033 against real Airflow: a join after both sides of a branch that reads the output of a
 * task on one side runs when the branch follows the other side, and its function gets None
 * (here it fails on None, so the run shows it). `mlgen compile` says so; with the fix the
 * warning gives, oneOf(...) over both sides, the join gets the output of the side that ran.
 * Compiled for Airflow 3 and for Airflow 2 (--airflow-version 2), each run with dag.test().
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureEngines, tempDir } from "./harness.js";
import { runDagsOnce } from "./lint-together.js";
import { compileProject, projectsFolder } from "./projects.js";

const TASKS = `def score():
    return {"n": 1}


def full():
    return {"model": "full-model"}


def incremental():
    return {"model": "incremental-model"}


def report(model: str):
    assert model is not None, "report got None for model"
    print("REPORTED", model)
`;

/** The branch follows 'incremental' (score 1 is not above 3); report joins both sides. */
const pipelineSource = (reads: string) => `import { oneOf, pipeline } from "@mlgen/dsl";

export default pipeline("one_side", {}, (p) => {
  const s = p.python("score", { fn: "tasks/t.py:score", outputs: { n: "int" } });
  const f = p.python("full", { fn: "tasks/t.py:full", outputs: { model: "string" } });
  const i = p.python("incremental", { fn: "tasks/t.py:incremental", outputs: { model: "string" } });
  p.branch("route", { when: [s.out.n, ">", 3], ifTrue: f, ifFalse: i });
  p.python("report", { fn: "tasks/t.py:report", inputs: { model: ${reads} } }).after(f, i);
});
`;

let work = "";
const projects = projectsFolder("branch-one-side");
beforeAll(() => {
  ensureEngines();
  work = tempDir("branch-one-side");
}, 900_000);

/** Compiles the project for `version`: the exit code, what it said, the DAG folder. */
async function compile(name: string, version: 2 | 3, reads: string) {
  const dir = join(projects(), `${name}-${version}`);
  const files = { "tasks/t.py": TASKS, "pipelines/p.pipeline.ts": pipelineSource(reads) };
  const args = ["compile", "pipelines/p.pipeline.ts", "--out", "dags"];
  const built = await compileProject(dir, files, [...args, "--airflow-version", String(version)]);
  return { ...built, dags: join(dir, "dags") };
}

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("runs the join with None where mlgen warns, and with the other side's output after the fix", async () => {
    const warned = await compile("one-side", version, "f.out.model");
    expect(warned.code, warned.said).toBe(0);
    expect(warned.said).toContain(
      "warning MLG1033: task 'report' reads output 'model' of 'full', which runs only on its side of branch 'route'; when the branch follows 'incremental', 'report' still runs (none_failed_min_one_success) and report() gets None for 'model' on Airflow (Kubeflow refuses the read, MLG3001)",
    );
    expect(warned.said).toContain(
      "fix: read whichever side ran: inputs: { model: oneOf(full.out.model, incremental.out.model) }",
    );
    const before = runDagsOnce(work, version, "warned", warned.dags);
    expect(before.states).toMatchObject({
      "one_side.full": "skipped",
      "one_side.incremental": "success",
      "one_side.report": "failed",
    });
    expect(before.output).toContain("report got None for model");

    const fixed = await compile("fixed", version, "oneOf(f.out.model, i.out.model)");
    expect(fixed.code).toBe(0);
    expect(fixed.said).not.toContain("MLG1033");
    const after = runDagsOnce(work, version, "fixed", fixed.dags);
    expect(after.states).toMatchObject({
      "one_side.full": "skipped",
      "one_side.report": "success",
    });
    expect(after.output).toContain("REPORTED incremental-model");
  });
});
