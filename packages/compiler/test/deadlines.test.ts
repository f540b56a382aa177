/**
 * The pipeline's deadlines (`deadline: { within, from, alert }`): Airflow 3.1+'s DeadlineAlert,
 * one per alert, each a SyncCallback the executor calls with the run's context. The engine
 * test (dagrun-timeout) sends them from a real Airflow 3 scheduler and executor.
 */
import { describe, expect, it } from "vitest";
import {
  asset,
  callback,
  email,
  hours,
  minutes,
  pipeline,
  seconds,
  slack,
} from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const ALERTS = "def notify(context):\n    return None\n";
const lower = (ir: unknown) =>
  lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/alerts.py", ALERTS]]) });

function input(ir: unknown, airflowVersion: 2 | 3 = 3) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return {
    ...r,
    sourceFile: "p.ts",
    sourceMap: {},
    pythonFiles: [{ path: "tasks/alerts.py", content: ALERTS }],
    settings: { airflowVersion },
  };
}

const nightly = (options: Parameters<typeof pipeline>[1]) =>
  pipeline("nightly", options, (p) => {
    p.bash("a", { command: "true" });
  });

const said = (ir: unknown, version: 2 | 3 = 3) =>
  airflowTarget.validate(input(ir, version)).map((d) => `${d.code} ${d.message}`);

describe("deadlines", () => {
  it("are in the IR, from when the run was queued unless said, only when set", () => {
    const { ir, problems } = nightly({
      schedule: "@daily",
      deadline: [
        { within: hours(2), alert: slack({ connId: "slack_ml" }) },
        {
          within: hours(7),
          from: "logicalDate",
          alert: [email({ to: "oncall@example.com" }), callback("tasks/alerts.py:notify")],
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(ir.deadlines).toEqual([
      {
        from: "queued",
        within: 7200,
        alerts: [{ kind: "slack", connId: "slack_ml", channel: null, text: null }],
      },
      {
        from: "logical_date",
        within: 25200,
        alerts: [
          { kind: "email", to: ["oncall@example.com"], connId: null, subject: null, from: null },
          { kind: "callable", module: "tasks/alerts.py", function: "notify" },
        ],
      },
    ]);
    expect(nightly({}).ir).not.toHaveProperty("deadlines");
  });

  it("a deadline that says nothing, or nothing Airflow can use, is MLG1011 or MLG1022 naming it", () => {
    const { ir, problems } = nightly({
      deadline: [
        { within: seconds(0), alert: slack() },
        { alert: slack() } as never,
        { within: minutes(5), from: "started" as never, alert: slack() },
        { within: minutes(5), alert: [] },
        { within: minutes(5), alert: slack(), witin: 3 } as never,
        { within: minutes(5), alert: callback("tasks/alerts.py") },
        null as never,
        // A duration made by hand, not by seconds() (which refuses it).
        { within: { kind: "duration", seconds: 1.5 }, alert: slack() },
      ],
    });
    expect(problems.map((p) => `${p.code} ${p.message} | ${p.fix}`)).toEqual([
      "MLG1011 invalid deadline 1 of pipeline 'nightly': its within is 0 seconds, not a whole number of seconds over 0 | set within to how long a run may take, e.g. within: hours(2)",
      "MLG1011 invalid deadline 2 of pipeline 'nightly': it has no 'within' | set within to how long a run may take, e.g. within: hours(2)",
      `MLG1011 invalid deadline 3 of pipeline 'nightly': its from is "started" | write from: "queued" (when the run was queued, the default), "logicalDate" (its scheduled time) or "averageRuntime" (the time its last runs took)`,
      "MLG1011 invalid deadline 4 of pipeline 'nightly': it has no alert, so nobody would hear of a late run | set alert: slack(), email({ to }) or callback()",
      "MLG1022 there is no option 'witin' in deadline 5 of pipeline 'nightly', so it would be ignored | did you mean 'within'?",
      "MLG1011 invalid callback 'tasks/alerts.py' in alert of deadline 6 of pipeline 'nightly': it names no function | write callback('path/to/module.py:function_name')",
      "MLG1011 invalid deadline 7 of pipeline 'nightly': it is null | write { within: hours(2), alert: slack() }",
      "MLG1011 invalid deadline 8 of pipeline 'nightly': its within is 1.5 seconds, not a whole number of seconds over 0 | set within to how long a run may take, e.g. within: hours(2)",
    ]);
    // Only the good ones reach the IR (MLG1022 and a bad callback are said, not dropped).
    expect(ir.deadlines?.map((d) => d.within)).toEqual([300, 300]);
  });

  it("are DeadlineAlerts on Airflow 3, one per alert, the notifier made by the executor with mlgen's texts", () => {
    const { ir } = nightly({
      schedule: "@daily",
      deadline: [
        {
          within: hours(2),
          alert: [slack({ connId: "slack_ml" }), callback("tasks/alerts.py:notify")],
        },
        {
          within: hours(7),
          from: "logicalDate",
          alert: email({ to: "oncall@example.com", connId: "smtp_ml", from: "af@example.com" }),
        },
      ],
    });
    const [file] = airflowTarget.emit(input(ir));
    const text = file?.content ?? "";
    expect(text).toContain(
      "from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback\n",
    );
    const from = text.indexOf("    deadline=[");
    expect(text.slice(from, text.indexOf("    ],", from) + 6).split("\n")).toEqual([
      "    deadline=[",
      "        DeadlineAlert(",
      "            reference=DeadlineReference.DAGRUN_QUEUED_AT,",
      "            interval=datetime.timedelta(hours=2),",
      `            callback=SyncCallback(SlackWebhookNotifier, kwargs={"slack_webhook_conn_id": "slack_ml", "text": ":warning: DAG {{ dag_run.dag_id }} missed a deadline: run {{ dag_run.dag_run_id }} had not succeeded 2 hours after it was queued ({{ deadline.deadline_time }})\\nState: {{ dag_run.state }}\\nLogical date: {{ dag_run.logical_date }}"}),`,
      "        ),",
      "        DeadlineAlert(",
      "            reference=DeadlineReference.DAGRUN_QUEUED_AT,",
      "            interval=datetime.timedelta(hours=2),",
      "            callback=SyncCallback(_on_tasks_alerts_notify),",
      "        ),",
      "        DeadlineAlert(",
      "            reference=DeadlineReference.DAGRUN_LOGICAL_DATE,",
      "            interval=datetime.timedelta(hours=7),",
      `            callback=SyncCallback(SmtpNotifier, kwargs={"to": ["oncall@example.com"], "from_email": "af@example.com", "subject": "DAG {{ dag_run.dag_id }}: run {{ dag_run.dag_run_id }} missed its deadline", "html_content": "<p>The run <b>{{ dag_run.dag_run_id }}</b> of DAG <b>{{ dag_run.dag_id }}</b> had not succeeded 7 hours after its logical date ({{ deadline.deadline_time }}).</p><p>State: {{ dag_run.state }}</p><p>Logical date: {{ dag_run.logical_date }}</p>", "smtp_conn_id": "smtp_ml"}),`,
      "        ),",
      "    ],",
    ]);
    // The callback is the file's own function, which the worker imports the file again for.
    expect(text).toContain("def _on_tasks_alerts_notify(context):");
    expect(said(ir)).toEqual([]);
  });

  it("from the average run: AVERAGE_RUNTIME with Airflow's defaults unless said, and its own text", () => {
    const { ir, problems } = nightly({
      deadline: [
        { within: minutes(30), from: "averageRuntime", alert: slack({ connId: "slack_ml" }) },
        { within: minutes(10), from: "averageRuntime", averageOf: 5, minRuns: 2, alert: slack() },
      ],
    });
    expect(problems).toEqual([]);
    expect(ir.deadlines?.map((d) => [d.from, d.within, d.average])).toEqual([
      ["average_runtime", 1800, { maxRuns: 10, minRuns: 10 }],
      ["average_runtime", 600, { maxRuns: 5, minRuns: 2 }],
    ]);
    const text = airflowTarget.emit(input(ir))[0]?.content ?? "";
    expect(text).toContain(
      "            reference=DeadlineReference.AVERAGE_RUNTIME(max_runs=10, min_runs=10),\n            interval=datetime.timedelta(minutes=30),\n",
    );
    expect(text).toContain(
      "            reference=DeadlineReference.AVERAGE_RUNTIME(max_runs=5, min_runs=2),\n",
    );
    expect(text).toContain(
      "had not succeeded 30 minutes past the DAG's average run time (of up to 10 of its latest successful runs) ({{ deadline.deadline_time }})",
    );
    // Runs without a logical date get it (it counts from when the run is made).
    expect(said(ir)).toEqual([]);
  });

  it("averageOf and minRuns: only from the average run, whole numbers, and never more runs needed than read (MLG1011)", () => {
    const { ir, problems } = nightly({
      deadline: [
        { within: minutes(5), averageOf: 3, alert: slack() },
        { within: minutes(5), from: "logicalDate", minRuns: 3, alert: slack() },
        { within: minutes(5), from: "queued", averageOf: 3, alert: slack() },
        { within: minutes(5), from: "averageRuntime", averageOf: 1e21, alert: slack() },
        { within: minutes(5), from: "averageRuntime", averageOf: 0, alert: slack() },
        { within: minutes(5), from: "averageRuntime", minRuns: 1.5, alert: slack() },
        { within: minutes(5), from: "averageRuntime", averageOf: 3, minRuns: 5, alert: slack() },
        { within: minutes(5), from: "averageRuntime", minRuns: 11, alert: slack() },
      ],
    });
    expect(problems.map((p) => `${p.code} ${p.message} | ${p.fix}`)).toEqual([
      `MLG1011 invalid deadline 1 of pipeline 'nightly': it sets averageOf but counts from when the run was queued | averageOf is for from: "averageRuntime"; remove it or count from the average run`,
      `MLG1011 invalid deadline 2 of pipeline 'nightly': it sets minRuns but counts from the logical date | minRuns is for from: "averageRuntime"; remove it or count from the average run`,
      `MLG1011 invalid deadline 3 of pipeline 'nightly': it sets averageOf but counts from when the run was queued | averageOf is for from: "averageRuntime"; remove it or count from the average run`,
      "MLG1011 invalid deadline 4 of pipeline 'nightly': its averageOf is 1e+21 | set averageOf to a whole number of runs, 1 or more",
      "MLG1011 invalid deadline 5 of pipeline 'nightly': its averageOf is 0 | set averageOf to a whole number of runs, 1 or more",
      "MLG1011 invalid deadline 6 of pipeline 'nightly': its minRuns is 1.5 | set minRuns to a whole number of runs, 1 or more",
      "MLG1011 invalid deadline 7 of pipeline 'nightly': it needs 5 successful runs (minRuns) but averages 3 (averageOf): Airflow reads at most 3, so no run would ever get this deadline | set minRuns to 3 or less, or averageOf to 5 or more",
      "MLG1011 invalid deadline 8 of pipeline 'nightly': it needs 11 successful runs (minRuns) but averages 10 (averageOf): Airflow reads at most 10, so no run would ever get this deadline | set minRuns to 10 or less, or averageOf to 11 or more",
    ]);
    expect(ir.deadlines ?? []).toEqual([]);
  });

  it("Airflow 2 refuses them (MLG3001), Kubeflow drops them with a warning (MLG3002)", () => {
    const { ir } = nightly({ deadline: { within: hours(2), alert: slack() } });
    expect(said(ir, 2)).toEqual([
      "MLG3001 the deadline of pipeline 'nightly' cannot be expressed for Airflow 2 (2.10, 2.11): Airflow 2 has no deadline alerts (mlgen's, a DeadlineAlert with a SyncCallback, take Airflow 3.2), and its SLAs measure something else: a task's end against the end of its data interval, for scheduled runs only",
    ]);
    const kfp = kubeflowTarget
      .validate({ ...input(ir), settings: {} })
      .map((d) => `${d.code} ${d.message}`);
    expect(kfp).toEqual([
      "MLG3002 the deadline of pipeline 'nightly' is approximated for Kubeflow Pipelines: KFP has no deadline alert: a late run is not alerted (its alerts are not sent)",
    ]);
  });

  it("a logical-date deadline of a pipeline whose runs have no logical date is MLG1051; of a scheduled one, not", () => {
    const late = { within: hours(1), from: "logicalDate", alert: slack() } as const;
    expect(said(nightly({ deadline: late }).ir)).toEqual([
      "MLG1051 the deadline of pipeline 'nightly' counts from the logical date, and a run triggered without one (logical_date: null through the REST API, `airflow dags trigger` without -l) has none on Airflow 3: such a run gets no deadline (Airflow's log says so, nothing else), and is never alerted however late it is",
    ]);
    expect(said(nightly({ schedule: [asset("s3://b/raw")], deadline: [late, late] }).ir)).toEqual([
      expect.stringMatching(
        /^MLG1051 deadline 1 .*and the runs its assets trigger have none on Airflow 3/,
      ),
      expect.stringMatching(/^MLG1051 deadline 2 /),
    ]);
    // The runs the assets trigger have none beside a cron schedule too.
    const both = { cron: "@daily", assets: [asset("s3://b/raw")] };
    expect(said(nightly({ schedule: both, deadline: late }).ir)).toEqual([
      expect.stringMatching(/^MLG1051 the deadline .*the runs its assets trigger have none/),
    ]);
    expect(said(nightly({ schedule: "@daily", deadline: late }).ir)).toEqual([]);
    const queued = nightly({ deadline: { within: hours(1), alert: slack() } });
    expect(said(queued.ir)).toEqual([]);
  });

  it("with dataIntervals, a logical-date deadline no longer than the schedule's shortest period has passed when each run is made (MLG1052)", () => {
    const at = (within: number, schedule: string) =>
      said(
        nightly({
          schedule,
          startDate: "2025-01-01",
          dataIntervals: true,
          deadline: [
            { within: hours(within), from: "logicalDate", alert: slack() },
            { within: hours(1), alert: slack() },
          ],
        }).ir,
      );
    expect(at(7, "@daily")).toEqual([
      "MLG1052 deadline 1 of pipeline 'nightly' counts 7 hours from the logical date, which with dataIntervals is the start of a run's interval, at least 1 day before the run is made: the deadline has passed when the run starts, and every run of the schedule is alerted",
    ]);
    expect(at(24, "0 1 * * *")).toHaveLength(1);
    expect(at(25, "0 1 * * *")).toEqual([]);
    // Twice a day at 01:00 and 13:00: the shortest period is 12 hours.
    expect(at(12, "0 1,13 * * *")).toHaveLength(1);
    expect(at(13, "0 1,13 * * *")).toEqual([]);
    // Yearly: its one period a year, read over several years; the gap across a year's end
    // counts (December 1 to January 1: 31 days), and in a time zone a day may be 23 hours.
    expect(at(24 * 365, "@yearly")).toHaveLength(1);
    expect(at(24 * 32, "0 0 1 1,12 *")).toEqual([]);
    expect(at(24 * 30, "0 0 1 1,12 *")).toHaveLength(1);
    const berlin = nightly({
      schedule: "0 0 * * *",
      timezone: "Europe/Berlin",
      startDate: "2025-01-01",
      dataIntervals: true,
      deadline: { within: minutes(23 * 60 + 30), from: "logicalDate", alert: slack() },
    });
    expect(said(berlin.ir)).toEqual([]);
    // Without data intervals the logical date is the run's own time.
    const own = nightly({
      schedule: "@daily",
      deadline: { within: hours(7), from: "logicalDate", alert: slack() },
    });
    expect(said(own.ir)).toEqual([]);
  });

  it("a text of its own may read the run and the deadline only: anything else is MLG3001", () => {
    const { ir } = nightly({
      deadline: {
        within: hours(1),
        alert: [
          slack({ text: "{{ dag_run.dag_run_id }} late at {{ deadline.deadline_time }}" }),
          // Jinja's globals and a loop's names are there too.
          slack({
            text: "{% for i in range(2) %}{{ loop.index }}{% endfor %}{{ namespace(a=1).a }}",
          }),
          slack({ text: "{{ ti.task_id }} in {{ dag.dag_id }}" }),
          email({ to: "a@x.com", subject: "{{ run_id | nope }}" }),
          // Airflow's filters are there (its SandboxedEnvironment, though no DAG is at hand).
          email({ to: "a@x.com", subject: "{{ deadline.deadline_time | ds }}" }),
          // The run's dates are text there: a date filter on one fails the alert.
          slack({ text: "late since {{ dag_run.logical_date | ds }}" }),
        ],
      },
    });
    expect(said(ir).map((m) => m.split(":")[0])).toEqual([
      "MLG3001 template variable 'ti' in the Slack text of the deadline cannot be expressed for Airflow 3",
      "MLG3001 template variable 'dag' in the Slack text of the deadline cannot be expressed for Airflow 3",
      "MLG3001 the template in the email subject of the deadline cannot be expressed for Airflow 3",
      "MLG3001 the template in the Slack text of the deadline ('dag_run.logical_date | ds') cannot be expressed for Airflow 3",
    ]);
  });

  it("a webhook URL as a connection, or a callback that is not there, is said as for the other alerts", () => {
    const { ir } = nightly({
      deadline: {
        within: hours(1),
        alert: [
          slack({ connId: "https://hooks.slack.com/services/T0/B0/XYZ" }),
          callback("tasks/nowhere.py:notify"),
          callback("tasks/alerts.py:notfy"),
        ],
      },
    });
    expect(lower(ir).diagnostics.map((d) => `${d.code} ${d.message.split(":")[0]}`)).toEqual([
      "MLG1007 Python module 'tasks/nowhere.py' used by the deadline alert of pipeline 'nightly' was not found",
      "MLG1008 function 'notfy' used by the deadline alert of pipeline 'nightly' is not defined at top level of tasks/alerts.py",
      "MLG1011 invalid slack connId in alert of the deadline of pipeline 'nightly'",
    ]);
  });
});
