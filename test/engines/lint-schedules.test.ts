/**
 * Real engines: the DAGs `mlgen lint` says never run (schedule-never-runs, MLG2026: a cron
 * schedule whose day never comes) are exactly the DAGs with a cron schedule for which real
 * Airflow 3 and Airflow 2 (each from its pinned venv) find no next run. Each version stores the
 * DAGs of the table with `airflow dags reserialize`, as its DAG processor would, and
 * test/python/next_dagruns.py reads the next run the scheduler has for each from its database.
 * The table holds both sides: days no month of the schedule has (February 30, April 31, in a
 * preset-free cron, a CronTriggerTimetable and a CronDataIntervalTimetable), and near misses
 * that do come (February 29, the 31st of any month, February 30 or a Monday: croniter's OR).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lintPythonSource } from "../../packages/lint/src/index.js";
import { DAG_HEAD } from "./dag-head.js";
import {
  AIRFLOW2_VENV,
  airflowEnv,
  bin,
  ensureEngines,
  ROOT,
  runEngine,
  tempDir,
  VENV,
} from "./harness.js";

const HEAD = `${DAG_HEAD}from airflow.timetables.interval import CronDataIntervalTimetable\nfrom airflow.timetables.trigger import CronTriggerTimetable\n`;

/** DAG id → its schedule argument, as the file writes it. */
const SCHEDULES: Record<string, string> = {
  never_feb_30: `"0 0 30 2 *"`,
  never_short_months_31: `"30 6 31 4,6,9,11 *"`,
  never_trigger: `CronTriggerTimetable("0 0 31 2 *", timezone="UTC")`,
  never_interval: `CronDataIntervalTimetable("0 12 30-31 2 *", timezone="UTC")`,
  ok_leap_day: `"0 0 29 2 *"`,
  ok_any_31: `"0 0 31 * *"`,
  ok_feb_or_jan_31: `"0 0 31 1,2 *"`,
  ok_day_or_monday: `"0 0 30 2 1"`,
  ok_last_day: `"0 0 L 2 *"`,
  ok_daily: `"@daily"`,
};

const FILE = `${HEAD}${Object.entries(SCHEDULES)
  .map(
    ([id, schedule]) =>
      `\nwith DAG("${id}", schedule=${schedule}, start_date=START, catchup=False):\n    EmptyOperator(task_id="a")\n`,
  )
  .join("")}`;

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-schedules");
  mkdirSync(join(work, "dags"));
  writeFileSync(join(work, "dags", "schedules.py"), FILE);
}, 900_000);

/** The DAGs of the table each version has no next run for, after storing them as it does. */
function neverRun(version: 2 | 3): string[] {
  const venv = version === 3 ? VENV : AIRFLOW2_VENV;
  const airflow = version === 3 ? bin("airflow") : join(AIRFLOW2_VENV, "bin", "airflow");
  const home = join(work, `home-${version}`);
  mkdirSync(home);
  const env = airflowEnv(home, join(work, "dags"));
  for (const args of [
    ["db", "migrate"],
    ["dags", "reserialize"],
  ]) {
    const r = runEngine(airflow, args, env);
    if (r.status !== 0)
      throw new Error(`airflow ${args.join(" ")} failed:\n${r.output.slice(-3000)}`);
  }
  const out = join(work, `next-${version}.json`);
  const r = runEngine(
    join(venv, "bin", "python"),
    [join(ROOT, "test/python/next_dagruns.py"), out],
    env,
  );
  if (r.status !== 0) throw new Error(`next_dagruns.py failed:\n${r.output.slice(-3000)}`);
  const next = JSON.parse(readFileSync(out, "utf8")) as Record<string, string | null>;
  // Every DAG of the table was stored (a DAG Airflow did not load would have no row).
  expect(Object.keys(next).sort()).toEqual(Object.keys(SCHEDULES).sort());
  return Object.keys(next)
    .filter((id) => next[id] === null)
    .sort();
}

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("has no next run for exactly the DAGs mlgen lint says never run (schedule-never-runs)", () => {
    const never = neverRun(version);
    const reported = lintPythonSource("schedules.py", FILE, { airflowVersion: version })
      .filter((f) => f.ruleId === "schedule-never-runs")
      .map((f) => /^DAG '([^']+)'/.exec(f.message)?.[1])
      .sort();
    expect(never).toEqual(
      Object.keys(SCHEDULES)
        .filter((id) => id.startsWith("never_"))
        .sort(),
    );
    expect(reported).toEqual(never);
  }, 600_000);
});
