/**
 * p.trigger() against real Airflow 3 and 2: the compiled TriggerDagRunOperator starts a run of
 * the other pipeline with the conf the DSL gave, each value with its type (a float output a
 * float, a list a list), and the started pipeline's run with that conf gets them as its
 * params. A value of the wrong type for a param is refused by Airflow when it starts the run;
 * mlgen says so at compile time (MLG1034) when the trigger names the pipeline's definition. A
 * trigger that waits is imported with the waiting options the DSL gave (not run: dag.test()
 * has no scheduler to run the run it would wait for).
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureEngines, tempDir } from "./harness.js";
import { runScript } from "./lint-together.js";
import { compileProject, projectsFolder } from "./projects.js";

const TASKS = `import json


def train():
    return {"uri": "models:/churn/3", "auc": 0.93, "baseline": 1.0, "rows": 1200, "features": ["age", "plan"]}


def deploy(model_uri: str, threshold: float, baseline: float, rows: int, features: list, source_run: str, mode: str):
    assert isinstance(threshold, float), f"threshold {threshold!r}"
    assert isinstance(rows, int) and not isinstance(rows, bool), f"rows {rows!r}"
    assert isinstance(features, list), f"features {features!r}"
    print("DEPLOYED", model_uri, threshold, rows, features, source_run, json.dumps(mode, ensure_ascii=False))
`;

const DEPLOY = `import { pipeline } from "@mlgen/dsl";

export default pipeline(
  "deploy_model",
  {
    schedule: null,
    params: {
      model_uri: "none",
      threshold: { default: 0.5, type: "number" },
      baseline: { default: 0.5, type: "number" },
      rows: 0,
      features: [] as string[],
      source_run: "",
      mode: "canary",
    },
  },
  (p) => {
    p.python("deploy", {
      fn: "tasks/t.py:deploy",
      inputs: {
        model_uri: p.params.model_uri,
        threshold: p.params.threshold,
        baseline: p.params.baseline,
        rows: p.params.rows,
        features: p.params.features,
        source_run: p.params.source_run,
        mode: p.params.mode,
      },
    });
  },
);
`;

/**
 * Text that Python, Jinja and JSON each read in their own way: quotes, a backslash, a line
 * break, braces that are Jinja's, a character beyond ASCII and one beyond the BMP.
 */
const TRICKY = `it's "full" {{ run_id }} }} \\ {% raw %} \n ünï 🚀`;

/** The training pipeline: trains, then starts deploy_model with `threshold` (and the rest). */
const train = (
  target: string,
  threshold: string,
) => `import { minutes, pipeline, template } from "@mlgen/dsl";
import deploy from "./deploy.pipeline.js";

export default pipeline("train_model", { schedule: null }, (p) => {
  const t = p.python("train", {
    fn: "tasks/t.py:train",
    outputs: { uri: "string", auc: "float", baseline: "float", rows: "int", features: "list" },
  });
  p.trigger("start_deploy", {
    pipeline: ${target},
    conf: {
      model_uri: t.out.uri,
      threshold: ${threshold},
      // A whole float, which Airflow 3's XCom hands back as the int 1.
      baseline: t.out.baseline,
      rows: t.out.rows,
      features: t.out.features,
      source_run: template("{{ run_id }}"),
      mode: ${JSON.stringify(TRICKY)},
    },
    runId: "deploy__{{ run_id }}",
  });
  // Literals only: the conf is the dict as written, its text kept as it is (not rendered).
  // Started for this run's logical date.
  p.trigger("start_literal", {
    pipeline: deploy,
    runId: "literal__{{ run_id }}",
    logicalDate: "{{ logical_date }}",
    conf: { mode: ${JSON.stringify(TRICKY)}, threshold: 0.25 },
  }).after(t);
  // No conf with Jinja here: Airflow 2's dag.test() renders a deferred task's fields again when
  // it resumes it (a worker would load it afresh), and TRICKY rendered twice is not TRICKY.
  p.trigger("start_and_wait", {
    pipeline: deploy,
    runId: "wait__{{ run_id }}",
    conf: { threshold: 0.75 },
    resetRun: true,
    wait: { pokeInterval: minutes(2), failedStates: ["failed", "queued"], deferrable: true },
  }).after(t);
});
`;

let work = "";
const projects = projectsFolder("trigger");
beforeAll(() => {
  ensureEngines();
  work = tempDir("trigger");
}, 900_000);

/** Compiles the project for `version`: the exit code, what it said, the DAG folder. */
async function compile(name: string, version: 2 | 3, target: string, threshold: string) {
  const dir = join(projects(), `${name}-${version}`);
  const files = {
    "tasks/t.py": TASKS,
    "pipelines/deploy.pipeline.ts": DEPLOY,
    "pipelines/train.pipeline.ts": train(target, threshold),
  };
  const args = ["compile", "pipelines", "--out", "dags", "--airflow-version", String(version)];
  return { ...(await compileProject(dir, files, args)), dags: join(dir, "dags") };
}

interface Runs {
  trigger_run_id: string;
  trigger: Record<string, string>;
  trigger_logical_date: string;
  started: {
    run_id: string;
    conf: Record<string, unknown>;
    types: Record<string, string>;
    logical_date: string;
  }[];
  target: Record<string, string>[];
  operators: Record<string, Record<string, unknown>>;
  conf_at_execute: Record<string, string>;
}

/**
 * Runs train_model once, then deploy_model with the conf of each run it started; the DAGs
 * `paused` names are paused first.
 */
function runTrigger(
  version: 2 | 3,
  name: string,
  dags: string,
  paused: readonly string[] = [],
): { runs: Runs; output: string } {
  const args = ["train_model", "deploy_model"];
  const env = { MLGEN_PAUSE: paused.join(",") };
  const { json, output } = runScript(work, version, name, dags, "trigger_runs.py", args, env);
  return { runs: json as Runs, output };
}

/**
 * A train_model that starts deploy_model twice under one run id, each start skipped when the
 * run is there; and once failing when deploy_model is paused, once not.
 */
const once = `import { pipeline } from "@mlgen/dsl";
import deploy from "./deploy.pipeline.js";

export default pipeline("train_model", { schedule: null }, (p) => {
  const t = p.python("train", { fn: "tasks/t.py:train" });
  const first = p.trigger("start_first", {
    pipeline: deploy,
    runId: "deploy_once",
    skipWhenExists: true,
  }).after(t);
  p.trigger("start_second", {
    pipeline: deploy,
    runId: "deploy_once",
    skipWhenExists: true,
  }).after(first);
  p.trigger("start_strict", { pipeline: deploy, runId: "strict", failWhenPaused: true }).after(t);
  p.trigger("start_lax", { pipeline: deploy, runId: "lax" }).after(t);
});
`;

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("starts the other pipeline with the conf as typed, and that run gets it as its params", async () => {
    const built = await compile("typed", version, "deploy", "t.out.auc");
    expect(built.code, built.said).toBe(0);
    const { runs, output } = runTrigger(version, "typed", built.dags);
    expect(runs.trigger.train).toBe("success");
    expect(runs.trigger.start_deploy).toBe("success");
    expect(runs.trigger.start_literal).toBe("success");
    // The computed conf is a dict again before the operator's execute (pre_execute=_json_conf),
    // as a provider before 1.9.2, which does not read a text conf back, needs it.
    expect(runs.conf_at_execute).toEqual({
      start_and_wait: "dict",
      start_deploy: "dict",
      start_literal: "dict",
    });
    // start_and_wait waits (deferred: dag.test() runs its trigger in place) for a run that no
    // scheduler runs here: it stays queued, which its failedStates name, so the task fails.
    expect(runs.trigger.start_and_wait).toBe("failed");
    expect(output).toContain("deploy_model failed with failed state");
    expect(runs.started.map((s) => s.run_id).sort()).toEqual([
      `deploy__${runs.trigger_run_id}`,
      `literal__${runs.trigger_run_id}`,
      `wait__${runs.trigger_run_id}`,
    ]);
    const mine = runs.started.find((s) => s.run_id === `deploy__${runs.trigger_run_id}`);
    expect(mine?.conf).toEqual({
      features: ["age", "plan"],
      model_uri: "models:/churn/3",
      rows: 1200,
      source_run: runs.trigger_run_id,
      threshold: 0.93,
      baseline: 1,
      mode: TRICKY,
    });
    // As Python reads the stored conf (JSON in JavaScript has one kind of number).
    expect(mine?.types).toEqual({
      baseline: "float",
      features: "list",
      mode: "str",
      model_uri: "str",
      rows: "int",
      source_run: "str",
      threshold: "float",
    });
    const literal = runs.started.find((s) => s.run_id === `literal__${runs.trigger_run_id}`);
    expect(literal?.conf).toEqual({ mode: TRICKY, threshold: 0.25 });
    // logicalDate: "{{ logical_date }}" starts it for the trigger's own logical date; without
    // it, Airflow's default, for the time the task ran.
    expect(runs.trigger_logical_date).toBe("2027-01-01T00:00:00+00:00");
    expect(literal?.logical_date).toBe(runs.trigger_logical_date);
    expect(mine?.logical_date).not.toBe(runs.trigger_logical_date);
    expect(new Date(mine?.logical_date ?? 0).getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    const waited = runs.started.find((s) => s.run_id === `wait__${runs.trigger_run_id}`);
    expect(waited?.conf).toEqual({ threshold: 0.75 });
    // Each started run, given its conf, succeeds.
    expect(runs.target).toEqual([
      { deploy: "success" },
      { deploy: "success" },
      { deploy: "success" },
    ]);
    expect(output).toContain(
      `DEPLOYED models:/churn/3 0.93 1200 ['age', 'plan'] ${runs.trigger_run_id} ${JSON.stringify(TRICKY)}`,
    );
    expect(runs.operators["train_model.start_and_wait"]).toEqual({
      trigger_dag_id: "deploy_model",
      trigger_run_id: "wait__{{ run_id }}",
      reset_dag_run: true,
      skip_when_already_exists: false,
      wait_for_completion: true,
      poke_interval: 120,
      allowed_states: ["success"],
      failed_states: ["failed", "queued"],
      deferrable: true,
    });
  });

  it("refuses at compile time a conf value the param's type refuses, which Airflow refuses when it starts the run", async () => {
    const checked = await compile("checked", version, "deploy", '"high"');
    expect(checked.code).toBe(1);
    expect(checked.said).toContain(
      "error MLG1034: task 'start_deploy' starts pipeline 'deploy_model' with conf key 'threshold', whose value is a string, where param 'threshold' is of type number",
    );
    // Named by its DAG id, the pipeline is not checked: Airflow refuses the value at run time.
    const unchecked = await compile("unchecked", version, '"deploy_model"', '"high"');
    expect(unchecked.code, unchecked.said).toBe(0);
    const { runs, output } = runTrigger(version, "unchecked", unchecked.dags);
    expect(runs.trigger.start_deploy).toBe("failed");
    expect(runs.started.filter((s) => s.run_id.startsWith("deploy__"))).toEqual([]);
    expect(output).toContain("'high' is not of type 'number'");
  });

  it("skipWhenExists skips a start of a run already there; failWhenPaused fails a start of a paused pipeline, whose run Airflow would queue unseen", async () => {
    const dir = join(projects(), `once-${version}`);
    const files = {
      "tasks/t.py": TASKS,
      "pipelines/deploy.pipeline.ts": DEPLOY,
      "pipelines/train.pipeline.ts": once,
    };
    const args = ["compile", "pipelines", "--out", "dags", "--airflow-version", String(version)];
    const built = await compileProject(dir, files, args);
    expect(built.code, built.said).toBe(0);
    const { runs, output } = runTrigger(version, "once", join(dir, "dags"), ["deploy_model"]);
    expect(runs.trigger).toEqual({
      train: "success",
      start_first: "success",
      // The same run id again: skipped, where Airflow's default fails the task.
      start_second: "skipped",
      start_strict: "failed",
      start_lax: "success",
    });
    // The paused pipeline's run from start_lax is there, queued; start_strict started none.
    expect(runs.started.map((s) => s.run_id).sort()).toEqual(["deploy_once", "lax"]);
    // Airflow 3: DagIsPaused; Airflow 2 (the standard provider's operator): "Dag ... is paused".
    expect(output).toMatch(/DagIsPaused|Dag deploy_model is paused/);
    expect(runs.operators["train_model.start_second"]?.skip_when_already_exists).toBe(true);
  });
});
