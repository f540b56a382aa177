/**
 * The pipeline's own alerts (`onSuccess`, `onFailure` beside the schedule): once per run, the
 * DAG's on_success_callback and on_failure_callback on Airflow, the exit handler on Kubeflow.
 * The engine tests send them on real Airflow 3 (dagrun-timeout: the DAG processor's callbacks)
 * and 2 (airflow-constructs).
 */
import { describe, expect, it } from "vitest";
import { callback, email, hours, pipeline, slack } from "../../dsl/src/index.js";
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

const alerted = (withTimeout: boolean) =>
  pipeline(
    "nightly",
    {
      ...(withTimeout ? { dagrunTimeout: hours(2) } : {}),
      onSuccess: slack({ connId: "slack_ml" }),
      onFailure: [
        slack({ connId: "slack_ml" }),
        email({ to: ["oncall@example.com"] }),
        callback("tasks/alerts.py:notify"),
      ],
      defaults: {
        onFailure: [slack({ connId: "slack_ml" }), slack({ connId: "slack_tasks" })],
      },
    },
    (p) => {
      p.bash("a", { command: "true" });
    },
  );

describe("the pipeline's own alerts", () => {
  it("are in the IR only when set", () => {
    expect(alerted(false).ir.alerts).toEqual({
      onSuccess: [{ kind: "slack", connId: "slack_ml", channel: null, text: null }],
      onFailure: [
        { kind: "slack", connId: "slack_ml", channel: null, text: null },
        { kind: "email", to: ["oncall@example.com"], from: null, subject: null, connId: null },
        { kind: "callable", module: "tasks/alerts.py", function: "notify" },
      ],
    });
    const plain = pipeline("plain", {}, (p) => {
      p.bash("a", { command: "true" });
    });
    expect(plain.ir).not.toHaveProperty("alerts");
  });

  it("are the DAG's callbacks on Airflow 3 and 2, each notifier a fresh copy per run, beside the timeout alerts", () => {
    for (const version of [3, 2] as const) {
      const [file] = airflowTarget.emit(input(alerted(true).ir, version));
      const text = file?.content ?? "";
      const dag = text.slice(
        text.indexOf("with DAG("),
        text.indexOf("):\n", text.indexOf("with DAG(")),
      );
      const success = dag.split("\n").filter((l) => l.includes("on_success_callback"));
      expect(success).toEqual([
        `    on_success_callback=[_per_run(SlackWebhookNotifier(slack_webhook_conn_id="slack_ml", text=":large_green_circle: DAG {{ dag.dag_id }} succeeded\\nRun: {{ run_id }}\\nLogical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}"))],`,
      ]);
      const failure = dag.slice(dag.indexOf("    on_failure_callback=[")).split("\n");
      expect(failure.slice(0, 6)).toEqual([
        "    on_failure_callback=[",
        `        _per_run(SlackWebhookNotifier(slack_webhook_conn_id="slack_ml", text=":red_circle: DAG {{ dag.dag_id }} failed{{ ': ' ~ reason if reason is defined and reason else '' }}\\nRun: {{ run_id }}\\nLogical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}")),`,
        `        _per_run(SmtpNotifier(to=["oncall@example.com"], subject="DAG {{ dag.dag_id }}: run {{ run_id }} failed", html_content="<p>The run <b>{{ run_id }}</b> of DAG <b>{{ dag.dag_id }}</b> failed{{ ': ' ~ reason if reason is defined and reason else '' }}.</p><p>Logical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}</p>")),`,
        "        _on_tasks_alerts_notify,",
        // A timeout is a run's failure: the defaults' alert also among the pipeline's own is
        // sent once (by _per_run); the other one as a timeout.
        expect.stringMatching(
          /^ {8}_if_timed_out\(SlackWebhookNotifier\(slack_webhook_conn_id="slack_tasks", /,
        ),
        "    ],",
      ]);
      expect(text).toContain("def _per_run(alert):");
      expect(text).toContain("import copy\n");
      // The callback's module is the project's: the file puts its folder on sys.path.
      expect(text).toContain("_HERE = os.path.dirname(os.path.abspath(__file__))");
    }
  });

  it("are the exit handler's on Kubeflow, an alert given in the defaults too sent once", () => {
    const [file] = kubeflowTarget.emit({ ...input(alerted(false).ir), settings: {} });
    const text = file?.content ?? "";
    expect(text).toContain("exit-handler-1");
    // The defaults' Slack alert and the pipeline's own are one: one call for a failed run.
    expect(text.match(/_slack\(\\?"MLGEN_SLACK_SLACK_ML_URL/g)?.length).toBe(2);
    expect(text).toContain("if not succeeded:");
    expect(text).toContain("if succeeded:");
  });

  it("a text of its own is checked as rendered in a DAG callback's context: never an exception, on Airflow 3 a task's names only when guarded", () => {
    const { ir } = pipeline(
      "texts",
      {
        onSuccess: slack({ text: "{{ dag.dag_id }} {{ run_id }} {{ ti.task_id }}" }),
        onFailure: [
          slack({ text: "{{ reason }} {% if ti is defined %}{{ ti.task_id }}{% endif %}" }),
          email({ to: ["a@x.com"], subject: "{{ exception }}" }),
        ],
      },
      (p) => {
        p.bash("a", { command: "true" });
      },
    );
    const said = (version: 2 | 3) =>
      airflowTarget
        .validate(input(ir, version))
        .map(
          (d) =>
            `${d.code} ${d.message.replace(/ (is approximated|cannot be expressed) .*$/s, "")}`,
        );
    expect(said(3)).toEqual([
      "MLG3002 template variable 'ti' in the Slack text of the pipeline's onSuccess alert ('{{ ti.task_id }}')",
      "MLG3001 template variable 'exception' in the email subject of the pipeline's onFailure alert ('{{ exception }}')",
    ]);
    expect(said(2)).toEqual([
      "MLG3001 template variable 'exception' in the email subject of the pipeline's onFailure alert ('{{ exception }}')",
    ]);
  });

  it("a webhook URL as its connection, or a callback's module path Python cannot import, is MLG1011 as in the defaults", () => {
    const { ir } = pipeline(
      "bad",
      {
        onFailure: [
          slack({ connId: "https://hooks.slack.com/services/T0/B0/XYZ" }),
          callback("tasks/class/alerts.py:notify"),
          callback("logging.py:notify"),
        ],
      },
      (p) => {
        p.bash("a", { command: "true" });
      },
    );
    expect(lower(ir).diagnostics.map((d) => `${d.code} ${d.message.split(":")[0]}`)).toEqual([
      "MLG1011 invalid module path 'tasks/class/alerts.py' of the onFailure alert of pipeline 'bad'",
      "MLG1011 invalid module path 'logging.py' of the onFailure alert of pipeline 'bad'",
      "MLG1011 invalid slack connId in onFailure of pipeline 'bad' (its own alerts)",
    ]);
  });

  it("a callback whose module or function is missing is MLG1007 / MLG1008 at the pipeline", () => {
    const { ir } = pipeline(
      "missing",
      { onFailure: [callback("tasks/nowhere.py:notify"), callback("tasks/alerts.py:notfy")] },
      (p) => {
        p.bash("a", { command: "true" });
      },
    );
    expect(lower(ir).diagnostics.map((d) => d.code)).toEqual(["MLG1007", "MLG1008"]);
  });
});
