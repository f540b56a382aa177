/**
 * A run over its dagrunTimeout alerts: the scheduler fails it, skips its unfinished tasks and
 * calls only the DAG's on_failure_callback (reason "timed_out"), never a task's, so mlgen puts
 * the pipeline's failure alerts there too, for that reason only. On real Airflow 3 (scheduler,
 * dag-processor and api-server started here) and with Airflow 2's own scheduler and
 * DAG-processor code; a run whose task fails is alerted once, by the task. And the pipeline's
 * own alerts (onSuccess, onFailure: the DAG's callbacks), as the DAG processor runs them on
 * Airflow 3 (its `dags test` renders a notifier against the serialized DAG, which fails).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AirflowClient,
  createAirflowClient,
} from "../../packages/airflow-client/src/index.js";
import { ROOT } from "../support/pipelines.js";
import { type AirflowServer, startAirflow, untilListed } from "./airflow-server.js";
import {
  AIRFLOW2_PYTHON,
  AIRFLOW2_VENV,
  airflowEnv,
  alertConnections,
  ensureEngines,
  freePort,
  type GroupServer,
  isAlive,
  jsonLines,
  mlgenHere,
  PYTHON,
  runEngine,
  spawnServer,
  tempDir,
} from "./harness.js";

let work = "";
let slack: GroupServer;
let smtp: GroupServer;
let slackUrl = "";
let smtpPort = 0;

const slackTexts = (file: string) =>
  jsonLines<{ body: { text?: string } }>(file).map((m) => m.body.text ?? "");
const mailSubjects = (file: string) =>
  jsonLines<{ data: string }>(file).map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1] ?? "");

interface Recorded {
  run_id: string | null;
  reason: string | null;
  task_id: string | null;
}

/** The connections the fixture's alerts use, and the file its callback alert writes. */
function alertEnv(record: string): Record<string, string> {
  return { ...alertConnections(slackUrl, smtpPort), TIMEOUT_RECORD: record };
}

async function compile(version: 2 | 3): Promise<string> {
  const dags = join(work, `dags-${version}`);
  const file = join(ROOT, "test/fixtures/pipelines/run-timeout.pipeline.ts");
  const args = ["compile", file, "--root", join(ROOT, "test/fixtures"), "--out", dags];
  if ((await mlgenHere(...args, "--airflow-version", String(version))) !== 0)
    throw new Error(`compiling the run-timeout fixture for Airflow ${version} failed`);
  return dags;
}

async function eventually<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  ensureEngines();
  work = tempDir("dagrun-timeout");
  mkdirSync(join(work, "sinks"));
  const port = await freePort();
  slack = spawnServer("slack-sink", PYTHON, [
    join(ROOT, "test/python/webhook_sink.py"),
    String(port),
    join(work, "sinks/slack.jsonl"),
  ]);
  slackUrl = `http://127.0.0.1:${port}/services/T000/B000/XXXX`;
  smtpPort = await freePort();
  smtp = spawnServer("smtp-sink", PYTHON, [
    join(ROOT, "test/python/smtp_sink.py"),
    String(smtpPort),
    join(work, "sinks/mail.jsonl"),
  ]);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {
      if (i > 100) throw new Error(`the webhook sink did not start:\n${slack.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  for (const server of [slack, smtp]) {
    if (!server) continue;
    await server.stop();
    expect(isAlive(server.pid)).toBe(false);
  }
});

describe("a run over its dagrunTimeout on real Airflow 3", () => {
  let airflow: AirflowServer;
  let client: AirflowClient;
  const record = () => join(work, "record-3.jsonl");
  const before = { slack: 0, mail: 0 };

  beforeAll(async () => {
    const dags = await compile(3);
    // The run-alerts fixture beside it, in a folder of its own (a second pipeline's output).
    const alerts = ["compile", join(ROOT, "test/fixtures/pipelines/run-alerts.pipeline.ts")];
    const where = ["--root", join(ROOT, "test/fixtures"), "--out", join(dags, "alerts")];
    if ((await mlgenHere(...alerts, ...where)) !== 0)
      throw new Error("compiling run-alerts failed");
    const late = ["compile", join(ROOT, "test/fixtures/pipelines/run-deadline.pipeline.ts")];
    const lateWhere = ["--root", join(ROOT, "test/fixtures"), "--out", join(dags, "deadline")];
    if ((await mlgenHere(...late, ...lateWhere)) !== 0)
      throw new Error("compiling run-deadline failed");
    const average = [
      "compile",
      join(ROOT, "test/fixtures/pipelines/run-average-deadline.pipeline.ts"),
    ];
    const averageWhere = ["--root", join(ROOT, "test/fixtures"), "--out", join(dags, "average")];
    if ((await mlgenHere(...average, ...averageWhere)) !== 0)
      throw new Error("compiling run-average-deadline failed");
    before.slack = slackTexts(join(work, "sinks/slack.jsonl")).length;
    before.mail = mailSubjects(join(work, "sinks/mail.jsonl")).length;
    airflow = await startAirflow({ dagsFolder: dags, triggerer: false, env: alertEnv(record()) });
    client = createAirflowClient({
      baseUrl: airflow.url,
      auth: { username: airflow.username, password: airflow.password },
    });
  });

  afterAll(async () => {
    const pids = Object.values(airflow?.pids ?? {});
    await airflow?.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("alerts once through every failure alert, as a timeout; a failed task's run is alerted by the task only", async () => {
    await untilListed(airflow, client, "run_timeout");
    // First a run whose task fails: its callbacks run long before the other run times out.
    await client.triggerDagRun("run_timeout", { runId: "failed-run", conf: { fail: true } });
    const failed = await client.waitForDagRun("run_timeout", "failed-run", { timeoutMs: 120_000 });
    expect(failed.state).toBe("failed");
    // Its teardown ran after the failed task; the run failed all the same.
    expect(failed.taskInstances.map((t) => [t.task_id, t.state]).sort()).toEqual([
      ["cleanup", "success"],
      ["work", "failed"],
    ]);
    await client.triggerDagRun("run_timeout", { runId: "slow-run", conf: {} });
    const slow = await client.waitForDagRun("run_timeout", "slow-run", { timeoutMs: 180_000 });
    expect(slow.state).toBe("failed");
    // The scheduler skipped the task it stopped (no task-level alert comes from it), and the
    // teardown with it: it never runs (MLG1046).
    expect(slow.taskInstances.map((t) => [t.task_id, t.state]).sort()).toEqual([
      ["cleanup", "skipped"],
      ["work", "skipped"],
    ]);
    const records = await eventually("the timeout's callback alert", () => {
      const all = jsonLines<Recorded>(record());
      return all.some((r) => r.reason === "timed_out") ? all : undefined;
    });
    const texts = await eventually("the timeout's Slack alert", () => {
      const all = slackTexts(join(work, "sinks/slack.jsonl")).slice(before.slack);
      return all.some((t) => t.includes("timed out")) ? all : undefined;
    });
    const subjects = await eventually("the timeout's mail", () => {
      const all = mailSubjects(join(work, "sinks/mail.jsonl")).slice(before.mail);
      return all.some((s) => s.includes("timed out")) ? all : undefined;
    });
    // The failed run: each alert once, from its task (the DAG's callback, reason
    // task_failure, sends nothing). The slow run: each alert once, as a timeout.
    expect(records).toEqual([
      { run_id: "failed-run", reason: null, task_id: "work" },
      { run_id: "slow-run", reason: "timed_out", task_id: "work" },
    ]);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain("Task work in DAG run_timeout failed\nRun: failed-run");
    expect(texts[1]).toBe(
      ":red_circle: DAG run_timeout timed out: the run took longer than its dagrun_timeout (0:00:30), Airflow failed it and skipped the tasks left\nRun: slow-run\nLogical date: None",
    );
    expect(subjects).toHaveLength(2);
    expect(subjects[0]).toContain("Task work - Run ID failed-run");
    expect(subjects[1]).toBe("DAG run_timeout: run slow-run timed out");
  });

  it("the pipeline's own alerts: once when a run succeeds, once per alert when it fails (the DAG processor's callbacks)", async () => {
    const slackBefore = slackTexts(join(work, "sinks/slack.jsonl")).length;
    const mailBefore = mailSubjects(join(work, "sinks/mail.jsonl")).length;
    await untilListed(airflow, client, "run_alerts");
    await client.triggerDagRun("run_alerts", { runId: "ok-run", conf: { fail: false } });
    const ok = await client.waitForDagRun("run_alerts", "ok-run", { timeoutMs: 120_000 });
    expect(ok.state).toBe("success");
    await client.triggerDagRun("run_alerts", { runId: "bad-run", conf: { fail: true } });
    const bad = await client.waitForDagRun("run_alerts", "bad-run", { timeoutMs: 120_000 });
    expect(bad.state).toBe("failed");
    const texts = await eventually("the run alerts on Slack", () => {
      const all = slackTexts(join(work, "sinks/slack.jsonl")).slice(slackBefore);
      return all.length >= 2 ? all : undefined;
    });
    const subjects = await eventually("the run's failure mail", () => {
      const all = mailSubjects(join(work, "sinks/mail.jsonl")).slice(mailBefore);
      return all.length >= 1 ? all : undefined;
    });
    // Nothing more comes: one message per run, though each run has two tasks.
    await new Promise((r) => setTimeout(r, 5000));
    expect(slackTexts(join(work, "sinks/slack.jsonl")).slice(slackBefore)).toEqual(texts);
    expect(texts).toEqual([
      ":large_green_circle: DAG run_alerts succeeded\nRun: ok-run\nLogical date: None",
      ":red_circle: DAG run_alerts failed: task_failure\nRun: bad-run\nLogical date: None",
    ]);
    expect(mailSubjects(join(work, "sinks/mail.jsonl")).slice(mailBefore)).toEqual(subjects);
    expect(subjects).toEqual(["DAG run_alerts: run bad-run failed"]);
  });

  it("deadline alerts: a run not done in time is alerted once per alert and goes on, a failed one too; a run done in time never; a logical-date deadline only for a run with a logical date", async () => {
    const slackFile = join(work, "sinks/slack.jsonl");
    const mailFile = join(work, "sinks/mail.jsonl");
    const slackBefore = slackTexts(slackFile).length;
    const mailBefore = mailSubjects(mailFile).length;
    const recordBefore = jsonLines(record()).length;
    await untilListed(airflow, client, "run_deadline");
    // Each deadline is 30 s. A run still working then (no logical date: only the deadline
    // counted from when it was queued applies); a run done well within it; a run that fails at
    // once (Airflow keeps the deadline of a run that did not succeed); a run whose logical date
    // is an hour old (its logical-date deadline has passed when it is made; it is done in time
    // for the other).
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await client.triggerDagRun("run_deadline", { runId: "late-run", conf: { sleep: 60 } });
    await client.triggerDagRun("run_deadline", { runId: "quick-run", conf: { sleep: 0 } });
    await client.triggerDagRun("run_deadline", { runId: "failed-run", conf: { fail: true } });
    await client.triggerDagRun("run_deadline", {
      runId: "dated-run",
      logicalDate: hourAgo,
      conf: { sleep: 0 },
    });
    const states: Record<string, string> = {};
    for (const run of ["late-run", "quick-run", "failed-run", "dated-run"]) {
      states[run] = (await client.waitForDagRun("run_deadline", run, { timeoutMs: 180_000 })).state;
    }
    // The alert lets the run go on: the late run succeeds after it.
    expect(states).toEqual({
      "late-run": "success",
      "quick-run": "success",
      "failed-run": "failed",
      "dated-run": "success",
    });
    const texts = await eventually("the deadline alerts on Slack", () => {
      const all = slackTexts(slackFile).slice(slackBefore);
      return all.length >= 3 ? all : undefined;
    });
    const subjects = await eventually("the deadline mails", () => {
      const all = mailSubjects(mailFile).slice(mailBefore);
      return all.length >= 2 ? all : undefined;
    });
    const records = await eventually("the deadline callbacks", () => {
      const all = jsonLines<{ deadline?: string; state?: string }>(record()).slice(recordBefore);
      return all.length >= 2 ? all : undefined;
    });
    // Nothing more comes: quick-run's deadlines were dropped when it succeeded in time.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(slackTexts(slackFile).slice(slackBefore)).toEqual(texts);
    expect(mailSubjects(mailFile).slice(mailBefore)).toEqual(subjects);
    expect(jsonLines(record()).slice(recordBefore)).toEqual(records);
    const sorted = [...texts].sort();
    expect(sorted).toHaveLength(3);
    expect(sorted[0]).toMatch(
      /^:warning: DAG run_deadline missed a deadline: run failed-run had not succeeded 30 seconds after it was queued \(.+\)\nState: failed\nLogical date: None$/,
    );
    expect(sorted[1]).toMatch(
      /^:warning: DAG run_deadline missed a deadline: run late-run had not succeeded 30 seconds after it was queued \(.+\)\nState: running\nLogical date: None$/,
    );
    expect(sorted[2]).toBe("logical dated-run");
    expect([...subjects].sort()).toEqual([
      "DAG run_deadline: run failed-run missed its deadline",
      "DAG run_deadline: run late-run missed its deadline",
    ]);
    expect(
      [...records].sort((a, b) => String(a.deadline).localeCompare(String(b.deadline))),
    ).toEqual([
      { deadline: "failed-run", state: "failed" },
      { deadline: "late-run", state: "running" },
    ]);
  });

  it("a deadline from the average run: none while too few runs have succeeded (a failed one does not count), then a run slower than the average by more than its interval is alerted, a usual one not", async () => {
    const recordBefore = jsonLines(record()).length;
    await untilListed(airflow, client, "run_average");
    const runOf = async (runId: string, conf: { sleep?: number; fail?: boolean }) => {
      await client.triggerDagRun("run_average", { runId, conf });
    };
    const done = async (runId: string) =>
      (await client.waitForDagRun("run_average", runId, { timeoutMs: 180_000 })).state;
    // No successful run, then one, then still one after a failed run (Airflow averages
    // successful runs only): fewer than minRuns (2), so none of the three gets a deadline. The
    // third takes 25 s, which the first's few seconds plus 10 would have made late.
    await runOf("avg-first", { sleep: 0 });
    expect(await done("avg-first")).toBe("success");
    await runOf("avg-failed", { fail: true });
    expect(await done("avg-failed")).toBe("failed");
    await runOf("avg-slow-early", { sleep: 25 });
    expect(await done("avg-slow-early")).toBe("success");
    // Two successful runs, averaging about 15 s: a run of 45 s is past average + 10 s, one of
    // a few seconds is not.
    await runOf("avg-late", { sleep: 45 });
    await runOf("avg-usual", { sleep: 0 });
    expect([await done("avg-late"), await done("avg-usual")]).toEqual(["success", "success"]);
    const ours = () =>
      jsonLines<{ deadline?: string; state?: string }>(record())
        .slice(recordBefore)
        .filter((r) => String(r.deadline).startsWith("avg-"));
    const records = await eventually("the average-run deadline callback", () => {
      const all = ours();
      return all.length >= 1 ? all : undefined;
    });
    // Nothing more comes: the usual run succeeded in time, the first three had no deadline.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(ours()).toEqual(records);
    expect(records).toEqual([{ deadline: "avg-late", state: "running" }]);
    // Airflow's log says why the first three had none and what the last two averaged (the
    // api-server makes the runs the REST API triggers, and their deadlines).
    const logs = airflow.logs(Number.POSITIVE_INFINITY);
    const count = (line: string) => logs.split(line).length - 1;
    const short = (found: number) =>
      `Not enough completed runs to calculate average runtime for dag_id=run_average (found ${found}, need 2)`;
    expect([count(short(0)), count(short(1)), count(short(2))]).toEqual([1, 2, 0]);
    expect(count("Average runtime for dag_id run_average (from 2 runs)")).toBe(2);
  });
});

describe("a run over its dagrunTimeout with Airflow 2's scheduler and DAG-processor code", () => {
  it("alerts once through every failure alert, as a timeout; a failed task's run through none of the DAG's", async () => {
    const dags = await compile(2);
    const home = join(work, "airflow2");
    mkdirSync(home);
    const record = join(work, "record-2.jsonl");
    const env = airflowEnv(home, dags, alertEnv(record));
    const airflow2 = join(AIRFLOW2_VENV, "bin", "airflow");
    const migrate = runEngine(airflow2, ["db", "migrate"], env);
    expect(migrate.status, migrate.output.slice(-3000)).toBe(0);
    const slackBefore = slackTexts(join(work, "sinks/slack.jsonl")).length;
    const mailBefore = mailSubjects(join(work, "sinks/mail.jsonl")).length;
    const out = join(work, "af2.json");
    const r = runEngine(
      AIRFLOW2_PYTHON,
      [join(ROOT, "test/python/dagrun_timeout_af2.py"), "run_timeout", out],
      env,
    );
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const result = JSON.parse(readFileSync(out, "utf8")) as {
      requests: Record<string, string>;
      states: Record<string, { run: string; tasks: Record<string, string> }>;
    };
    expect(result.requests).toEqual({
      "slow-run": "timed_out",
      "slow-run-2": "timed_out",
      "failed-run": "task_failure",
    });
    // Airflow 2 skips the unfinished tasks with a state only (`state IN unfinished` misses a
    // task not scheduled yet): the teardown keeps none, in a run that is over, so it never runs.
    expect(result.states["slow-run"]).toEqual({
      run: "failed",
      tasks: { work: "skipped", cleanup: null },
    });
    // Only the timed-out run's DAG callback alerted: the other one's reason is task_failure.
    expect(jsonLines<Recorded>(record)).toEqual([
      // Airflow 2 gives a DAG callback the run's last task instance as the DB lists them
      // (DAG.fetch_callback: tis[-1]), here the teardown; Airflow 3 the last one started.
      { run_id: "slow-run", reason: "timed_out", task_id: "cleanup" },
      { run_id: "slow-run-2", reason: "timed_out", task_id: "cleanup" },
    ]);
    const texts = await eventually("the Slack alert", () => {
      const all = slackTexts(join(work, "sinks/slack.jsonl")).slice(slackBefore);
      return all.length >= 2 ? all : undefined;
    });
    // Each run's own alert: a notifier renders its text into itself, so each call is a copy's.
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(
      /^:red_circle: DAG run_timeout timed out: the run took longer than its dagrun_timeout \(0:00:30\), Airflow failed it and skipped the tasks left\nRun: slow-run\nLogical date: \d{4}-/,
    );
    expect(texts[1]).toContain("\nRun: slow-run-2\n");
    const subjects = await eventually("the mail", () => {
      const all = mailSubjects(join(work, "sinks/mail.jsonl")).slice(mailBefore);
      return all.length >= 2 ? all : undefined;
    });
    expect(subjects).toEqual([
      "DAG run_timeout: run slow-run timed out",
      "DAG run_timeout: run slow-run-2 timed out",
    ]);
  });
});
