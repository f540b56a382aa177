/**
 * external-task-missing names how long the sensor pokes before Airflow fails it: its own
 * timeout (given on the task or in default_args), Airflow's default of 7 days when it has none
 * ([sensors] default_timeout, 604800 s in Airflow 3 and 2), or in poke mode an execution_timeout
 * shorter than it, which ends the try first. Real Airflow 3 and 2 load the sensors with the
 * timeout the finding names, and fail the short ones after it, with the error it implies.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { AIRFLOW2_PYTHON, ensureEngines, inspectDags, tempDir } from "./harness.js";
import { lintTogether, runFolderOnce, writeDagFolder } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
from datetime import timedelta

try:
    from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
except ImportError:
    from airflow.sensors.external_task import ExternalTaskSensor
`;

/** The DAG waited for: its task is `load.refresh`, which the sensors name without the group. */
const TARGET = `${HEAD}
with DAG("etl", schedule="@daily", start_date=START, catchup=False):
    with TaskGroup("load"):
        EmptyOperator(task_id="refresh")
`;

/** Sensors of DAG `report` (task id → arguments), each naming `refresh` of `etl`. */
const SHORT: Record<string, string> = {
  own_seconds: `mode="poke", poke_interval=1, timeout=3`,
  own_timedelta: `mode="poke", poke_interval=1, timeout=timedelta(seconds=4)`,
};

/** Poke mode: the execution timeout ends the try before the timeout. */
const EXECUTION_FIRST = `mode="poke", poke_interval=1, timeout=90, execution_timeout=timedelta(seconds=2), retries=0`;

const sensors = (dag: string, defaults: string, of: Record<string, string>) =>
  `with DAG("${dag}", schedule="@daily", start_date=START, catchup=False, default_args=${defaults}):
${Object.entries(of)
  .map(
    ([task, args]) =>
      `    ExternalTaskSensor(task_id="${task}", external_dag_id="etl", external_task_id="refresh", ${args})\n`,
  )
  .join("")}`;

/** Sensors that run: their own timeouts, and one from the DAG's default_args. */
const SHORT_FILE = `${HEAD}
${sensors("report", "{}", SHORT)}
${sensors("report_defaults", `{"timeout": 5, "retries": 0}`, { from_defaults: `mode="poke", poke_interval=1` })}`;

/** The sensor whose execution timeout ends its try, in a run of its own. */
const EXECUTION_FILE = `${HEAD}
${sensors("report_execution", "{}", { execution_first: EXECUTION_FIRST })}`;

/** A sensor with no timeout, which would wait 7 days: loaded, not run. */
const DEFAULT_FILE = `${HEAD}
${sensors("report_default", "{}", { no_timeout: `mode="reschedule"` })}`;

/** The wait each finding names, by sensor. */
const waits = (findings: readonly { message: string }[]) =>
  Object.fromEntries(
    findings.map((f) => [
      /^sensor '([^']+)'/.exec(f.message)?.[1],
      /the sensor pokes (.*) and fails, on every run$/.exec(f.message)?.[1],
    ]),
  );

/** What the run of `task` logged (dag.test()'s "starting" line for it to the next one's), uncoloured. */
function logOf(output: string, task: string): string {
  // Airflow 3's rich tracebacks colour their text whatever NO_COLOR says.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape of a colour code
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const part = plain.split(/\[DAG TEST\] starting task_id=/).find((p) => p.startsWith(`${task} `));
  expect(part, `no run of ${task}`).toBeDefined();
  return part ?? "";
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-sensor-timeouts");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  const files = {
    "etl.py": TARGET,
    "short.py": SHORT_FILE,
    "execution.py": EXECUTION_FILE,
    "default.py": DEFAULT_FILE,
  };

  it("loads each sensor with the timeout the finding names: its own, default_args', or 7 days", async () => {
    const findings = await lintTogether(work, version, files, "external-task-missing");
    expect(waits(findings)).toEqual({
      own_seconds: "until its timeout (3 seconds)",
      own_timedelta: "until its timeout (4 seconds)",
      execution_first:
        "for 2 seconds (one try of its execution_timeout of 2 seconds, which ends each try before its timeout of 90 seconds)",
      from_defaults: "until its timeout (5 seconds)",
      no_timeout: "until its timeout (Airflow's default, 7 days)",
    });
    const seen = inspectDags(writeDagFolder(`${work}/inspect-${version}`, files), {
      ...(version === 2 ? { python: AIRFLOW2_PYTHON } : {}),
    });
    expect(seen.import_errors).toEqual({});
    const task = (dag: string, id: string) => seen.dags[dag]?.tasks[id];
    expect(task("report", "own_seconds")?.timeout).toBe(3);
    expect(task("report", "own_timedelta")?.timeout).toBe(4);
    expect(task("report_execution", "execution_first")).toMatchObject({
      timeout: 90,
      execution_timeout: 2,
    });
    expect(task("report_defaults", "from_defaults")?.timeout).toBe(5);
    expect(task("report_default", "no_timeout")?.timeout).toBe(7 * 24 * 3600);
  });

  it("fails the sensors after the timeout the finding names, with AirflowSensorTimeout", () => {
    const { states, output } = runFolderOnce(work, version, "short", {
      "etl.py": TARGET,
      "short.py": SHORT_FILE,
    });
    expect(states["etl.load.refresh"]).toBe("success");
    for (const [dag, task, timeout] of [
      ["report", "own_seconds", "3.0"],
      ["report", "own_timedelta", "4.0"],
      ["report_defaults", "from_defaults", "5.0"],
    ] as const) {
      expect(states[`${dag}.${task}`], task).toBe("failed");
      const log = logOf(output, task);
      expect(log, task).toContain("AirflowSensorTimeout");
      expect(log, task).toMatch(new RegExp(`exceeds the specified timeout of\\s+${timeout}`));
    }
  }, 600_000);

  it("in poke mode, ends the sensor's try at its execution_timeout, before its timeout", () => {
    const files = { "etl.py": TARGET, "execution.py": EXECUTION_FILE };
    let output: string;
    if (version === 3) {
      const run = runFolderOnce(work, version, "execution", files);
      expect(run.states["report_execution.execution_first"]).toBe("failed");
      output = logOf(run.output, "execution_first");
    } else {
      // Airflow 2's dag.test() lets AirflowTaskTimeout (a BaseException there) out of the run:
      // it stops the script, with the sensor's traceback.
      output = "";
      try {
        runFolderOnce(work, version, "execution", files);
      } catch (e) {
        output = (e as Error).message;
      }
      expect(output).toContain("sensors/base.py");
    }
    expect(output).toContain("AirflowTaskTimeout");
    expect(output).not.toContain("AirflowSensorTimeout");
  }, 600_000);
});
