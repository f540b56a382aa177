/**
 * Real engines: the ExternalTaskSensors `mlgen lint` reports (external-schedule-mismatch,
 * MLG2028) are exactly those whose runs real Airflow 3 and Airflow 2 find no run of the other
 * DAG for, or for only some of them; and the execution_delta its fix gives lines every run up.
 * test/python/external_waits.py loads the folder with each version's DagBag, takes each sensor's
 * DAG's logical dates from that version's timetables, asks the sensor itself which logical
 * date it waits for at each (its _get_dttm_filter), and counts the runs whose date the other
 * DAG's timetable has. The sensors wait for DAGs of the same file and of another file.
 * Task ids say what each case is: `never_` (no run finds one), `some_` (a share does), `ok_`.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import {
  AIRFLOW2_VENV,
  airflowEnv,
  ensureEngines,
  ROOT,
  runEngine,
  tempDir,
  VENV,
} from "./harness.js";
import { lintTogether, writeDagFolder } from "./lint-together.js";

const HEAD = `${DAG_HEAD}from datetime import timedelta

from airflow.timetables.trigger import CronTriggerTimetable

try:
    from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
except ImportError:
    from airflow.sensors.external_task import ExternalTaskSensor

PARIS = pendulum.datetime(2026, 1, 1, tz="Europe/Paris")
BERLIN = pendulum.datetime(2026, 1, 1, tz="Europe/Berlin")
`;

/** The DAGs waited for, in their own file: id → schedule argument (and start date). */
const TARGETS: Record<string, string> = {
  at_2am: `"0 2 * * *"`,
  at_1am: `CronTriggerTimetable("0 1 * * *", timezone="UTC")`,
  quarter_past: `"15 * * * *"`,
  daily: `"@daily"`,
  mondays: `"0 0 * * 1"`,
  paris_2am: `"0 2 * * *", start_date=PARIS`,
  paris_3am: `"0 3 * * *", start_date=PARIS`,
  berlin_4am: `"0 4 * * *", start_date=BERLIN`,
  berlin_hourly: `"0 * * * *", start_date=BERLIN`,
};

/** The fix lint gives for a delta of whole days in a zone with daylight saving time. */
const CALENDAR_DAY = `execution_date_fn=lambda dt, **_: pendulum.instance(dt).in_timezone("Europe/Paris").subtract(days=1)`;

/** Sensor DAGs: its schedule, then each sensor's task id → DAG waited for and extra arguments. */
const SENSORS: Record<string, [schedule: string, sensors: Record<string, string>]> = {
  s_daily: [
    `"@daily"`,
    {
      never_daily_vs_2am: `"at_2am"`,
      ok_same: `"daily"`,
      ok_delta_22h: `"at_2am", execution_delta=timedelta(hours=22)`,
      ok_fn: `"at_2am", execution_date_fn=lambda d, **_: d.replace(hour=2)`,
      some_daily_vs_mondays: `"mondays"`,
      ok_previous_day: `"daily", execution_delta=timedelta(days=1)`,
      never_same_file: `"local_3am"`,
    },
  ],
  s_hourly: [
    `CronTriggerTimetable("0 * * * *", timezone="UTC")`,
    { never_hourly_vs_15: `"quarter_past"`, some_hourly_vs_daily: `"daily"` },
  ],
  s_3am: [
    `"0 3 * * *"`,
    {
      never_wrong_delta: `"at_1am", execution_delta=timedelta(hours=22)`,
      ok_delta_2h: `"at_1am", execution_delta=timedelta(hours=2)`,
      // 04:00 in Berlin is 03:00 UTC in winter only.
      some_utc_vs_berlin: `"berlin_4am"`,
      ok_utc_vs_berlin_hourly: `"berlin_hourly"`,
    },
  ],
  // A day is 23 or 25 hours long where the clocks change: 24 hours back misses twice a year.
  s_paris_3am: [
    `"0 3 * * *", start_date=PARIS`,
    {
      some_paris_delta_day: `"paris_3am", execution_delta=timedelta(days=1)`,
      ok_paris_calendar_day: `"paris_3am", ${CALENDAR_DAY}`,
    },
  ],
  s_mondays: [`"0 0 * * MON"`, { ok_weekly_vs_daily: `"daily"` }],
  s_paris: [`"0 0 * * *", start_date=PARIS`, { never_paris: `"paris_2am"` }],
  s_paris_2am: [`"0 2 * * *", start_date=PARIS`, { ok_paris: `"paris_2am"` }],
};

const dagCall = (id: string, schedule: string) =>
  `\nwith DAG("${id}", schedule=${schedule}${schedule.includes("start_date") ? "" : ", start_date=START"}, catchup=False):\n`;

const TARGETS_FILE = `${HEAD}${Object.entries(TARGETS)
  .map(([id, schedule]) => `${dagCall(id, schedule)}    EmptyOperator(task_id="work")\n`)
  .join("")}`;

/** The sensors' file; `deltas` replaces a sensor's arguments after the DAG id (the fixes). */
function sensorsFile(deltas: Record<string, string> = {}): string {
  const dags = Object.entries(SENSORS).map(
    ([id, [schedule, sensors]]) =>
      dagCall(id, schedule) +
      Object.entries(sensors)
        .map(([task, args]) => {
          const target = args.split(",")[0] as string;
          const rest = deltas[task] ?? args.slice(target.length);
          return `    ExternalTaskSensor(task_id="${task}", external_dag_id=${target}${rest}, mode="reschedule", timeout=60)\n`;
        })
        .join(""),
  );
  return `${HEAD}${dagCall("local_3am", `"0 3 * * *"`)}    EmptyOperator(task_id="work")\n${dags.join("")}`;
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-external-sensors");
}, 900_000);

/** Each sensor's [runs that find a run, runs] under a version, for a folder of the two files. */
function waits(version: 2 | 3, name: string, sensors: string): Record<string, [number, number]> {
  const dags = join(work, `${name}-${version}`);
  writeDagFolder(dags, { "targets.py": TARGETS_FILE, "sensors.py": sensors });
  const venv = version === 3 ? VENV : AIRFLOW2_VENV;
  const home = join(work, `home-${name}-${version}`);
  mkdirSync(home);
  const out = join(work, `${name}-${version}.json`);
  const r = runEngine(
    join(venv, "bin", "python"),
    [join(ROOT, "test/python/external_waits.py"), dags, out],
    airflowEnv(home, dags),
  );
  if (r.status !== 0) throw new Error(`external_waits.py failed:\n${r.output.slice(-3000)}`);
  return JSON.parse(readFileSync(out, "utf8"));
}

const lint = (version: 2 | 3, sensors: string) =>
  lintTogether(
    work,
    version,
    { "targets.py": TARGETS_FILE, "sensors.py": sensors },
    "external-schedule-mismatch",
  );

const ALL = Object.values(SENSORS).flatMap(([, sensors]) => Object.keys(sensors));

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("finds no run, or runs for only some dates, for exactly the sensors mlgen lint reports", async () => {
    const real = waits(version, "as-written", sensorsFile());
    const task = (key: string) => key.split(".")[1] as string;
    // Every sensor was judged by Airflow.
    expect(Object.keys(real).map(task).sort()).toEqual([...ALL].sort());
    const kind = ([found, runs]: [number, number]) =>
      found === 0 ? "never" : found < runs ? "some" : "ok";
    const byAirflow = Object.fromEntries(Object.entries(real).map(([k, v]) => [task(k), kind(v)]));
    expect(byAirflow).toEqual(Object.fromEntries(ALL.map((t) => [t, t.split("_")[0]])));

    const findings = await lint(version, sensorsFile());
    const reported = findings.map((f) => /^sensor '([^']+)'/.exec(f.message)?.[1]).sort();
    expect(reported).toEqual(ALL.filter((t) => !t.startsWith("ok_")).sort());
    // Across zones and over the days the clocks change, the finding says why, and its fix for
    // the delta of days is what ok_paris_calendar_day runs with.
    const about = (t: string) => findings.find((f) => f.message.startsWith(`sensor '${t}'`));
    expect(about("some_utc_vs_berlin")?.message).toContain(
      "as the offset between Europe/Berlin and UTC changes with daylight saving time",
    );
    expect(about("some_paris_delta_day")?.message).toContain("all but about 2 a year");
    expect(about("some_paris_delta_day")?.fix).toContain(CALENDAR_DAY);
    // The share a finding gives is Airflow's (over its 800 runs, to the nearest whole ratio).
    for (const f of findings.filter((x) => x.message.includes("only 1 in"))) {
      const t = /^sensor '([^']+)'/.exec(f.message)?.[1] as string;
      const [found, runs] = real[
        `${Object.keys(SENSORS).find((d) => t in (SENSORS[d]?.[1] ?? {}))}.${t}`
      ] ?? [0, 0];
      expect(f.message).toContain(`only 1 in ${Math.round(runs / found)} of`);
    }

    // The execution_delta each fix gives lines up every run, as Airflow sees it.
    const fixes: Record<string, string> = {};
    for (const f of findings) {
      const delta = /pass (execution_delta=timedelta\([^)]*\))/.exec(f.fix ?? "")?.[1];
      if (delta) fixes[/^sensor '([^']+)'/.exec(f.message)?.[1] as string] = `, ${delta}`;
    }
    expect(Object.keys(fixes).sort()).toEqual([
      "never_daily_vs_2am",
      "never_hourly_vs_15",
      "never_same_file",
      "never_wrong_delta",
    ]);
    const fixed = waits(version, "fixed", sensorsFile(fixes));
    for (const t of Object.keys(fixes)) {
      const [found, runs] = Object.entries(fixed).find(([k]) => k.endsWith(`.${t}`))?.[1] ?? [0, 1];
      expect(found, `${t} with its fix`).toBe(runs);
    }
    expect(await lint(version, sensorsFile(fixes)).then((x) => x.map((f) => f.message))).toEqual(
      findings.filter((f) => !/pass execution_delta/.test(f.fix ?? "")).map((f) => f.message),
    );
  }, 600_000);
});
