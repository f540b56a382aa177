/**
 * p.latestOnly(): Airflow's LatestOnlyOperator before the tasks a past interval's run must
 * skip (a backfill's, a catch-up's). The engine test (latest-only) runs a backfill and a manual
 * run of it on real Airflow 3.3.2 and 2.11.2, and the Kubeflow stand-in with kfp.local.
 */
import { describe, expect, it } from "vitest";
import { asset, pipeline } from "../../dsl/src/index.js";
import {
  airflowDagShape,
  airflowTarget,
  graphModel,
  kubeflowTarget,
  lowerPipeline,
  renderDag,
} from "../src/index.js";

function lowered(ir: unknown) {
  const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map() });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r;
}

function input(ir: unknown, airflowVersion: 2 | 3 = 3) {
  return {
    ...lowered(ir),
    sourceFile: "p.ts",
    sourceMap: {},
    pythonFiles: [],
    settings: { airflowVersion },
  };
}

const retrain = (schedule: Parameters<typeof pipeline>[1]["schedule"] = "@daily") =>
  pipeline("retrain", { schedule, startDate: "2025-01-01" }, (p) => {
    const train = p.bash("train", { command: "true" });
    const latest = p.latestOnly("latest").after(train);
    p.bash("deploy", { command: "true" }).after(latest);
    const checks = p.group("checks", {}, (g) => {
      g.bash("smoke", { command: "true" });
    });
    checks.after(latest);
    p.bash("report", { command: "true", triggerRule: "all_done" }).after(train);
  });

describe("p.latestOnly()", () => {
  it("is a latest_only task in the IR, with a task's options only", () => {
    const def = retrain();
    expect(def.problems).toEqual([]);
    expect(def.ir.tasks.find((t) => t.id === "latest")).toMatchObject({
      kind: "latest_only",
      after: ["train"],
    });
    const typo = pipeline("t", {}, (p) => {
      p.latestOnly("latest", { when: true } as never);
    });
    expect(typo.problems.map((d) => `${d.code} ${d.message}`)).toEqual([
      expect.stringMatching(/^MLG\d+ .*'when'.*task 'latest'/),
    ]);
  });

  it("is Airflow's LatestOnlyOperator on Airflow 3 and 2, from the standard provider", () => {
    for (const version of [3, 2] as const) {
      const dag = renderDag(input(retrain().ir, version));
      expect(dag).toContain(
        "from airflow.providers.standard.operators.latest_only import LatestOnlyOperator\n",
      );
      expect(dag).toMatch(/ {4}latest = LatestOnlyOperator\(\n {8}task_id="latest",\n {4}\)\n/);
      expect(dag).toContain("    train >> latest\n");
      expect(dag).toContain("    latest >> deploy\n");
    }
  });

  it("its shape: it returns the tasks right after it (a group's first ones), sorted, and none in a past interval's run", () => {
    const shape = airflowDagShape(lowered(retrain().ir).ir);
    expect(shape.tasks.find((t) => t.taskId === "latest")).toMatchObject({
      operator: "LatestOnlyOperator",
      upstream: ["train"],
      skips: "branch",
      returns: { whenTrue: ["checks.smoke", "deploy"], whenFalse: [] },
    });
  });

  it("never skips in a pipeline without a time schedule (MLG1053, a warning): none, assets only, @once", () => {
    const warned = (schedule: Parameters<typeof retrain>[0]) =>
      lowered(retrain(schedule).ir)
        .diagnostics.filter((d) => d.code === "MLG1053")
        .map((d) => `${d.severity} ${d.message} | ${d.fix}`);
    expect(warned(null)).toEqual([
      `warning latest-only gate 'latest' never skips anything: pipeline 'retrain' has no schedule (each run is started by hand or by a trigger), and Airflow's LatestOnlyOperator skips only in a run of a past interval of a time schedule | give pipeline 'retrain' a time schedule (schedule: "@daily", or { cron, assets } beside its assets), or remove 'latest'`,
    ]);
    expect(warned([asset("s3://lake/features")])).toEqual([
      expect.stringContaining(
        "pipeline 'retrain' is scheduled by assets only (an asset-triggered run has no interval of a schedule)",
      ),
    ]);
    expect(warned("@once")).toEqual([expect.stringContaining(`pipeline 'retrain' runs "@once"`)]);
    expect(warned("@daily")).toEqual([]);
    expect(warned("0 6 * * 1-5")).toEqual([]);
    expect(warned({ cron: "@daily", assets: [asset("s3://lake/features")] })).toEqual([]);
  });

  it("on Kubeflow: a stand-in that lets what follows run, said as MLG3002", () => {
    const said = kubeflowTarget
      .validate(input(retrain().ir))
      .filter((d) => d.code === "MLG3002" && d.message.includes("latest"));
    expect(said.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      "latest-only gate 'latest' is approximated for Kubeflow Pipelines: a KFP run has no schedule interval to tell the latest run from a catch-up one; the tasks after it run in every run, a recurring run's catch-up runs too | create the recurring run with no_catchup=True (kfp Client.create_recurring_run), so it runs no missed intervals (`--strict` makes this an error; `// mlgen-disable-next-line MLG3002` above the call accepts it)",
    ]);
    const [file] = kubeflowTarget.emit(input(retrain().ir));
    expect(file?.content).toContain("comp-latest:");
    expect(file?.content).toContain("not a latest-only gate on Kubeflow");
    expect(airflowTarget.validate(input(retrain().ir))).toEqual([]);
  });

  it("an operator task of LatestOnlyOperator is pointed to p.latestOnly()", () => {
    const def = pipeline("t", { schedule: "@daily" }, (p) => {
      p.operator("gate", {
        operator: "airflow.providers.standard.operators.latest_only.LatestOnlyOperator",
      });
    });
    const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules: new Map() });
    expect(r.diagnostics.map((d) => d.fix)).toContain("use p.latestOnly()");
  });

  it("is drawn as a gate in the graph", () => {
    const node = graphModel(lowered(retrain().ir).ir).nodes.find((n) => n.id === "latest");
    expect(node?.notes).toEqual(["latest run only"]);
  });
});
