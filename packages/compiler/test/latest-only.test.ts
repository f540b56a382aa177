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

/** Lowered, with `module` as tasks/t.py when the pipeline's python tasks call it. */
function lowered(ir: unknown, module?: string) {
  const modules = new Map(module === undefined ? [] : [["tasks/t.py", module]]);
  const r = lowerPipeline({ ir, sourceMap: {}, modules });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r;
}

function input(ir: unknown, airflowVersion: 2 | 3 = 3, module?: string) {
  return {
    ...lowered(ir, module),
    sourceFile: "p.ts",
    sourceMap: {},
    pythonFiles: module === undefined ? [] : [{ path: "tasks/t.py", content: module }],
    settings: { airflowVersion },
  };
}

const retrain = (
  schedule: Parameters<typeof pipeline>[1]["schedule"] = "@daily",
  kubeflow?: Parameters<typeof pipeline>[1]["kubeflow"],
) =>
  pipeline(
    "retrain",
    { schedule, startDate: "2025-01-01", ...(kubeflow ? { kubeflow } : {}) },
    (p) => {
      const latest = p.latestOnly("latest");
      const train = p.bash("train", { command: "true" });
      p.bash("deploy", { command: "true" }).after(latest, train);
      const checks = p.group("checks", {}, (g) => {
        g.bash("smoke", { command: "true" });
      });
      checks.after(latest);
      p.bash("report", { command: "true", triggerRule: "all_done" }).after(train);
    },
  );

describe("p.latestOnly()", () => {
  it("is a latest_only task in the IR, with a task's options only", () => {
    const def = retrain();
    expect(def.problems).toEqual([]);
    expect(def.ir.tasks.find((t) => t.id === "latest")).toMatchObject({
      kind: "latest_only",
      after: [],
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
      expect(dag).toContain("    [latest, train] >> deploy\n");
      expect(dag).toContain("    latest >> smoke\n");
    }
  });

  it("its shape: it returns the tasks right after it (a group's first ones), sorted, and none in a past interval's run", () => {
    const shape = airflowDagShape(lowered(retrain().ir).ir);
    expect(shape.tasks.find((t) => t.taskId === "latest")).toMatchObject({
      operator: "LatestOnlyOperator",
      upstream: [],
      skips: "branch",
      returns: { whenTrue: ["checks.smoke", "deploy"], whenFalse: [] },
    });
    // A map over a param has the task that lists the param before it: both right after the
    // gate, as get_direct_relative_ids gives them.
    const mapped = pipeline(
      "mapped",
      { schedule: "@daily", startDate: "2025-01-01", params: { xs: [1, 2] } },
      (p) => {
        const latest = p.latestOnly("latest");
        p.map("each", { fn: "tasks/t.py:each", over: p.params.xs, as: "x" }).after(latest);
      },
    );
    const r = lowered(mapped.ir, "def each(x):\n    return None\n");
    expect(airflowDagShape(r.ir).tasks.find((t) => t.taskId === "latest")?.returns).toEqual({
      whenTrue: ["each", "each_items"],
      whenFalse: [],
    });
  });

  it("never skips in a pipeline without a time schedule (none, assets only, @once), and always with @continuous (MLG1053, a warning)", () => {
    const warned = (schedule: Parameters<typeof retrain>[0]) =>
      lowered(retrain(schedule).ir)
        .diagnostics.filter((d) => d.code === "MLG1053")
        .map((d) => `${d.severity} ${d.message} | ${d.fix}`);
    expect(warned(null)).toEqual([
      `warning latest-only gate 'latest' never skips anything: pipeline 'retrain' has no schedule, and Airflow's LatestOnlyOperator lets a run of a DAG without one through (each is started by hand or by a trigger) | give pipeline 'retrain' a time schedule (schedule: "@daily", or { cron, assets } beside its assets), or remove 'latest'`,
    ]);
    expect(warned([asset("s3://lake/features")])).toEqual([
      expect.stringContaining(
        "never skips anything: pipeline 'retrain' is scheduled by assets only, and Airflow's LatestOnlyOperator lets an asset-triggered run through",
      ),
    ]);
    expect(warned("@once")).toEqual([
      expect.stringContaining(`never skips anything: pipeline 'retrain' runs "@once"`),
    ]);
    expect(warned("@continuous")).toEqual([
      expect.stringContaining(
        `latest-only gate 'latest' skips the tasks after it in every run: pipeline 'retrain' runs "@continuous"`,
      ),
    ]);
    expect(warned("@daily")).toEqual([]);
    expect(warned("0 6 * * 1-5")).toEqual([]);
    expect(warned({ cron: "@daily", assets: [asset("s3://lake/features")] })).toEqual([]);
  });

  it("after other tasks it is judged late (MLG1054, a warning); first, it is not", () => {
    const late = pipeline("late", { schedule: "@hourly", startDate: "2025-01-01" }, (p) => {
      const train = p.bash("train", { command: "true" });
      const latest = p.latestOnly("latest").after(train);
      p.bash("deploy", { command: "true" }).after(latest);
    });
    expect(
      lowered(late.ir)
        .diagnostics.filter((d) => d.code === "MLG1054")
        .map((d) => `${d.severity} ${d.message} | ${d.fix}`),
    ).toEqual([
      "warning latest-only gate 'latest' runs after 'train': Airflow's LatestOnlyOperator judges a run by the clock when the gate runs, and once the schedule's next run is due the run is no longer the latest, so when the tasks before 'latest' take longer than the schedule's interval it skips 'deploy' in the latest run too | put 'latest' first, with nothing before it, and each task it gates after it and after what that task needs (deploy.after(latest, train)), as Airflow's own examples do",
    ]);
    expect(lowered(retrain().ir).diagnostics.filter((d) => d.code === "MLG1054")).toEqual([]);
    // Where the schedule decides (MLG1053), the gate's place does not matter.
    const unscheduled = pipeline("none", { schedule: null }, (p) => {
      const train = p.bash("train", { command: "true" });
      p.bash("deploy", { command: "true" }).after(p.latestOnly("latest").after(train));
    });
    expect(lowered(unscheduled.ir).diagnostics.map((d) => d.code)).toEqual(["MLG1053"]);
  });

  it("on Kubeflow: a stand-in that lets what follows run, said as MLG3002", () => {
    const said = kubeflowTarget
      .validate(input(retrain().ir))
      .filter((d) => d.code === "MLG3002" && d.message.includes("latest"));
    expect(said.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      "latest-only gate 'latest' is approximated for Kubeflow Pipelines: mlgen's Kubeflow output does not tell a recurring run's catch-up runs from its latest one, so the tasks after it run in every run | to keep catch-up runs from running them, create the recurring run with no_catchup=True (kfp Client.create_recurring_run), which also leaves the missed intervals unrun (`--strict` makes this an error; `// mlgen-disable-next-line MLG3002` above the call accepts it)",
    ]);
    const [file] = kubeflowTarget.emit(input(retrain().ir));
    expect(file?.content).toContain("comp-latest:");
    expect(file?.content).toContain("not a latest-only gate on Kubeflow");
    // It only prints: none of the pipeline's packages, no secret (a python task beside it
    // gets both).
    const heavy = pipeline(
      "heavy",
      {
        schedule: "@daily",
        kubeflow: {
          packages: ["torch==2.3.0"],
          secretEnv: { API_TOKEN: { secret: "api", key: "token" } },
        },
      },
      (p) => {
        const latest = p.latestOnly("latest");
        p.python("fit", { fn: "tasks/t.py:fit" }).after(latest);
      },
    );
    const [spec] = kubeflowTarget.emit(input(heavy.ir, 3, "def fit():\n    return None\n"));
    const text = spec?.content ?? "";
    const executor = (label: string) => {
      const at = text.indexOf(`    ${label}:\n`);
      return text.slice(at, text.indexOf("\n    exec-", at + 1));
    };
    expect(executor("exec-latest")).not.toContain("torch");
    expect(executor("exec-fit")).toContain("torch");
    const platform = text.slice(text.indexOf("platforms:"));
    expect(platform).toContain("exec-fit:");
    expect(platform).not.toContain("exec-latest:");
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

  it("a task right after it with a trigger rule of its own is skipped whatever the rule (MLG1055, a warning); one further on is not", () => {
    const def = pipeline("rules", { schedule: "@daily", startDate: "2025-01-01" }, (p) => {
      const latest = p.latestOnly("latest");
      const deploy = p.bash("deploy", { command: "true" }).after(latest);
      p.bash("cleanup", { command: "true", triggerRule: "all_done" }).after(latest);
      p.bash("report", { command: "true", triggerRule: "all_done" }).after(deploy);
    });
    expect(
      lowered(def.ir)
        .diagnostics.filter((d) => d.code === "MLG1055")
        .map((d) => `${d.severity} ${d.message} | ${d.fix}`),
    ).toEqual([
      "warning task 'cleanup' has trigger rule 'all_done', and comes right after latest-only gate 'latest': in a run of a past interval the gate skips it whatever its rule (Airflow's LatestOnlyOperator skips the tasks right after it), so 'all_done' does not run it then | to run 'cleanup' in every run, put it after what comes before 'latest' instead; after a task the gate skips, its rule decides again",
    ]);
  });

  it("on Airflow 2, a map over a literal list right after it is MLG3001 (Airflow 2's SkipMixin misses it); on Airflow 3 it is fine", () => {
    const def = pipeline("maps", { schedule: "@daily", startDate: "2025-01-01" }, (p) => {
      const latest = p.latestOnly("latest");
      p.map("each", { fn: "tasks/t.py:each", over: [1, 2], as: "x" }).after(latest);
    });
    const said = (airflowVersion: 2 | 3) =>
      airflowTarget
        .validate(input(def.ir, airflowVersion, "def each(x):\n    return None\n"))
        .map((d) => `${d.code} ${d.message}`);
    expect(said(2)).toEqual([
      expect.stringMatching(
        /^MLG3001 map 'each' over a literal list, right after latest-only gate 'latest' cannot be expressed for Airflow 2/,
      ),
    ]);
    expect(said(3)).toEqual([]);
  });

  it("is drawn as a gate in the graph", () => {
    const node = graphModel(lowered(retrain().ir).ir).nodes.find((n) => n.id === "latest");
    expect(node?.notes).toEqual(["latest run only"]);
  });
});
