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
      defaults: { onFailure: slack({ connId: "slack_ml" }) },
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
        `        _per_run(SmtpNotifier(to=["oncall@example.com"], subject="DAG {{ dag.dag_id }}: run {{ run_id }} failed", html_content="<p>The run <b>{{ run_id }}</b> of DAG <b>{{ dag.dag_id }}</b> failed{{ ': ' ~ reason if reason is defined and reason else '' }}.</p>")),`,
        "        _on_tasks_alerts_notify,",
        expect.stringMatching(/^ {8}_if_timed_out\(SlackWebhookNotifier\(/),
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
