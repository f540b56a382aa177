/**
 * Airflow 3's assets against real Airflow 3.3:
 *
 * - template-error (MLG2014) and callable-arguments (MLG2033) on a DAG scheduled on assets only:
 *   Airflow 3 starts an asset-triggered run without a logical date, so `{{ ds }}` fails to render
 *   and a callable's `ds` parameter is left unfilled. The run is the one the scheduler makes
 *   (SchedulerJobRunner._create_dag_runs_asset_triggered: run_type ASSET_TRIGGERED, logical_date
 *   and data_interval None, triggered by ASSET), run by dag.test() in one process: dag.test()
 *   makes its own run a manual one, so the script below makes create_dagrun take the
 *   scheduler's arguments instead. The same DAG run with a logical date succeeds; the fixes
 *   lint names succeed in an asset-triggered run, and lint says nothing of them.
 * - invalid-argument (MLG2017) on `@asset(retries=2, execution_timeout=...)`: Airflow 3.3 refuses
 *   the file; the fix lint names (a @task beneath @asset, its function taking **context) imports,
 *   gives the task those arguments and runs; and lint's list of what @asset takes is Airflow's.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Finding, lintPythonFiles } from "../../packages/lint/src/index.js";
import { ASSET_DECORATOR_ARGS } from "../../packages/lint/src/rules/invalid-argument.js";
import {
  airflowEnv,
  ensureEngines,
  inspectDags,
  PYTHON,
  ROOT,
  runEngine,
  tempDir,
} from "./harness.js";
import { runScript, writeDagFolder } from "./lint-together.js";

/**
 * Runs every DAG of a folder once with a logical date (dag.test() as it is) and once as the
 * scheduler starts a run its assets trigger; each run's type, logical date and task states.
 */
const ASSET_RUNS = `import json
import os
import sys

# One stream, in order: what each run logs follows the line naming the run.
os.dup2(1, 2)
sys.stdout.reconfigure(line_buffering=True)
sys.stderr.reconfigure(line_buffering=True)

sys.path.insert(0, ${JSON.stringify(join(ROOT, "test/python"))})
from mlgen_dagbag import load

import pendulum
from airflow.models.dagrun import DagRun
from airflow.serialization.definitions.dag import SerializedDAG
from airflow.utils.types import DagRunTriggeredByType, DagRunType

create_dagrun = SerializedDAG.create_dagrun


def asset_triggered(self, **kwargs):
    # What the scheduler passes for a run its assets trigger (scheduler_job_runner.py).
    kwargs.update(
        run_id=DagRun.generate_run_id(
            run_type=DagRunType.ASSET_TRIGGERED, logical_date=None, run_after=kwargs["run_after"]
        ),
        logical_date=None,
        data_interval=None,
        run_type=DagRunType.ASSET_TRIGGERED,
        triggered_by=DagRunTriggeredByType.ASSET,
    )
    return create_dagrun(self, **kwargs)


def report(run):
    return {
        "run_type": str(run.run_type),
        "logical_date": None if run.logical_date is None else run.logical_date.isoformat(),
        "states": {ti.task_id: str(ti.state) for ti in run.get_task_instances()},
    }


bag = load(sys.argv[1])
out = {}
for dag_id, dag in sorted(bag.dags.items()):
    print(f"=== {dag_id} dated", flush=True)
    dated = report(dag.test(logical_date=pendulum.datetime(2027, 1, 1, tz="UTC")))
    SerializedDAG.create_dagrun = asset_triggered
    print(f"=== {dag_id} asset", flush=True)
    asset = report(dag.test(logical_date=None))
    SerializedDAG.create_dagrun = create_dagrun
    out[dag_id] = {"dated": dated, "asset": asset}

with open(sys.argv[2], "w") as f:
    json.dump(out, f, sort_keys=True)
`;

interface Runs {
  dated: { run_type: string; logical_date: string | null; states: Record<string, string> };
  asset: { run_type: string; logical_date: string | null; states: Record<string, string> };
}

let work = "";
let script = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-asset-runs");
  script = join(work, "asset_runs.py");
  writeFileSync(script, ASSET_RUNS);
}, 900_000);

/** Each DAG's dated and asset-triggered run on Airflow 3, and what the runs logged. */
function assetRuns(name: string, files: Readonly<Record<string, string>>) {
  const dags = writeDagFolder(join(work, name), files);
  // runScript runs a script of test/python; this one is written for the test.
  const { json, output } = runScript(
    work,
    3,
    name,
    dags,
    relative(join(ROOT, "test/python"), script),
    [],
  );
  // Airflow's rich tracebacks colour their text whatever NO_COLOR says.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape of a colour code
  return { runs: json as Record<string, Runs>, output: output.replace(/\x1b\[[0-9;]*m/g, "") };
}

/** What the run of `dag` (`dated` or `asset`) logged. */
function logOf(output: string, dag: string, run: "dated" | "asset"): string {
  const from = output.indexOf(`=== ${dag} ${run}\n`);
  expect(from, `no ${run} run of ${dag}`).toBeGreaterThanOrEqual(0);
  const to = output.indexOf("\n=== ", from + 1);
  return output.slice(from, to < 0 ? undefined : to);
}

/** The findings of `rules` when the files are linted together for Airflow 3, as `rule line:col`. */
async function lint(
  name: string,
  files: Readonly<Record<string, string>>,
  rules: readonly string[],
): Promise<Finding[]> {
  const dir = writeDagFolder(join(work, `lint-${name}`), files);
  const inputs = Object.keys(files).map((file) => ({ file, path: join(dir, file) }));
  const linted = await lintPythonFiles(inputs, { airflowVersion: 3, dagFolder: true }, 0);
  return linted.flatMap((r) => r.findings).filter((f) => rules.includes(f.ruleId));
}

const EVENTS = (bash: string, callable: string) => `from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset

RAW_EVENTS = Asset("s3://acme-raw/events/")

${callable}

with DAG(
    dag_id="events_clean",
    schedule=[RAW_EVENTS],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
):
    rebuild = BashOperator(task_id="rebuild", bash_command="echo day={{ ${bash} }}")
    py = PythonOperator(task_id="clean_py", python_callable=clean)
    rebuild >> py
`;

const AS_WRITTEN = EVENTS(
  "ds",
  `def clean(ds):
    print(f"clean day={ds}")`,
);

describe("real Airflow 3", () => {
  it("fails a DAG scheduled on assets where it reads ds in an asset-triggered run, as template-error and callable-arguments say; their fixes run", async () => {
    const findings = await lint("as-written", { "events.py": AS_WRITTEN }, [
      "template-error",
      "callable-arguments",
    ]);
    expect(
      findings.map((f) => `${f.ruleId} ${f.severity} ${f.line}:${f.column} | ${f.fix}`),
    ).toEqual([
      "template-error error 19:73 | write {{ (dag_run.logical_date or dag_run.run_after) | ds }}, which every run has (an asset-triggered run's run_after is when the assets triggered it), or {{ ds | default(...) }} for a value of your own",
      `callable-arguments error 20:10 | take dag_run in its place and compute the value from the run, which every run can give (an asset-triggered run's run_after is when the assets triggered it): def clean(dag_run, ...): ds = (dag_run.logical_date or dag_run.run_after).strftime("%Y-%m-%d")`,
    ]);

    // The DAG as written, and its callable alone (no task upstream of it).
    const callableOnly = AS_WRITTEN.replace(
      'dag_id="events_clean"',
      'dag_id="events_callable"',
    ).replace("rebuild >> py", "");
    const written = assetRuns("as-written", {
      "events.py": AS_WRITTEN,
      "callable.py": callableOnly,
    });
    const runs = written.runs.events_clean as Runs;
    // With a logical date, both tasks run: it is the asset-triggered run that lacks ds.
    expect(runs.dated.states).toEqual({ rebuild: "success", clean_py: "success" });
    expect(runs.asset.run_type).toBe("asset_triggered");
    expect(runs.asset.logical_date).toBeNull();
    expect(runs.asset.states).toEqual({ rebuild: "failed", clean_py: "upstream_failed" });
    expect(logOf(written.output, "events_clean", "asset")).toMatch(
      /UndefinedError: 'ds' is undefined/,
    );
    const alone = written.runs.events_callable as Runs;
    expect(alone.dated.states.clean_py).toBe("success");
    expect(alone.asset.states.clean_py).toBe("failed");
    expect(logOf(written.output, "events_callable", "asset")).toMatch(
      /TypeError: clean\(\) missing 1 required positional argument: 'ds'/,
    );

    // The fixes as lint gives them.
    const fixed = EVENTS(
      "(dag_run.logical_date or dag_run.run_after) | ds",
      `def clean(dag_run):
    ds = (dag_run.logical_date or dag_run.run_after).strftime("%Y-%m-%d")
    print(f"clean day={ds}")`,
    );
    expect(
      await lint("fixed", { "events.py": fixed }, ["template-error", "callable-arguments"]),
    ).toEqual([]);
    const good = assetRuns("fixed", { "events.py": fixed });
    const fixedRuns = good.runs.events_clean as Runs;
    expect(fixedRuns.asset.run_type).toBe("asset_triggered");
    expect(fixedRuns.asset.states).toEqual({ rebuild: "success", clean_py: "success" });
    expect(fixedRuns.dated.states).toEqual({ rebuild: "success", clean_py: "success" });
    // Both render a day: the asset-triggered run's from run_after.
    const fixedAsset = logOf(good.output, "events_clean", "asset");
    expect(fixedAsset).toMatch(/day=\d{4}-\d{2}-\d{2}/);
    expect(fixedAsset).toMatch(/clean day=\d{4}-\d{2}-\d{2}/);
  }, 900_000);

  const ASSET_HEAD = `from datetime import timedelta

from airflow.sdk import Asset, asset, task


def alert(context):
    print("customer_scores failed")

`;
  const BROKEN = `${ASSET_HEAD}
@asset(
    schedule=[Asset("s3://acme-clean/events/")],
    uri="s3://acme-ml/scores/customers/",
    execution_timeout=timedelta(minutes=45),
    retries=2,
    on_failure_callback=alert,
)
def customer_scores(self, context):
    run = context["dag_run"]
    day = (run.logical_date or run.run_after).strftime("%Y-%m-%d")
    print(f"materializing {self.uri} for {day}")
    return {"day": day, "rows": 42}
`;

  it("refuses an @asset given task arguments, as invalid-argument says (and no missing-retries or missing-timeout); the @task beneath it that the fix names imports and runs", async () => {
    const rules = ["invalid-argument", "missing-retries", "missing-timeout"];
    const findings = await lint("asset-args", { "scores.py": BROKEN }, rules);
    expect(findings.map((f) => `${f.ruleId} ${f.severity} ${f.line}`)).toEqual([
      "invalid-argument error 13",
      "invalid-argument error 14",
    ]);
    const fix = findings[0]?.fix ?? "";
    expect(fix).toContain(
      "@asset(...), then @task(execution_timeout=timedelta(minutes=45), retries=2), then def customer_scores(**context)",
    );

    const broken = writeDagFolder(join(work, "asset-args-broken"), { "scores.py": BROKEN });
    const refused = inspectDags(broken);
    expect(Object.values(refused.import_errors).join("\n")).toMatch(
      /TypeError: asset.__init__\(\) got an unexpected keyword argument 'execution_timeout'/,
    );

    // The fix as the finding gives it: the task's arguments on a @task beneath @asset, the
    // function taking **context, the asset read from context["outlets"][0].
    const moved = /then (@task\(.*?\)), then def customer_scores\(\*\*context\)/.exec(fix)?.[1];
    expect(moved).toBe("@task(execution_timeout=timedelta(minutes=45), retries=2)");
    const fixed = BROKEN.replace(/ {4}execution_timeout=.*\n {4}retries=2,\n/, "").replace(
      "def customer_scores(self, context):",
      `${moved}\ndef customer_scores(**context):\n    self = context["outlets"][0]`,
    );
    expect(await lint("asset-args-fixed", { "scores.py": fixed }, rules)).toEqual([]);
    const folder = writeDagFolder(join(work, "asset-args-fixed-dags"), { "scores.py": fixed });
    const loaded = inspectDags(folder);
    expect(loaded.import_errors).toEqual({});
    const task = loaded.dags.customer_scores?.tasks.customer_scores;
    expect(task).toMatchObject({ retries: 2, execution_timeout: 2700, outlets: expect.any(Array) });
    expect(loaded.dags.customer_scores?.has_on_failure_callback).toBe(true);
    const ran = assetRuns("asset-args-fixed-run", { "scores.py": fixed });
    expect((ran.runs.customer_scores as Runs).asset.states).toEqual({ customer_scores: "success" });
    expect(ran.output).toMatch(
      /materializing s3:\/\/acme-ml\/scores\/customers\/? for \d{4}-\d{2}-\d{2}/,
    );
  }, 900_000);

  it("lint's list of the arguments @asset and @asset.multi take is Airflow's", () => {
    const home = tempDir("asset-fields");
    const r = runEngine(
      PYTHON,
      [
        "-c",
        `import json, attrs
from airflow.sdk import asset
print(json.dumps({"asset": sorted(f.alias for f in attrs.fields(asset)), "asset.multi": sorted(f.alias for f in attrs.fields(asset.multi))}))`,
      ],
      airflowEnv(home, home),
    );
    expect(r.status, r.output).toBe(0);
    const fields = JSON.parse(r.output.trim().split("\n").at(-1) as string);
    expect(fields).toEqual({
      asset: [...ASSET_DECORATOR_ARGS.asset].sort(),
      "asset.multi": [...ASSET_DECORATOR_ARGS["asset.multi"]].sort(),
    });
  });
});
