/**
 * Real Airflow imports every generated DAG, under both dialects: Airflow 3 (the pinned
 * test/python/requirements.lock) and Airflow 2 (requirements-airflow2.lock), and what it sees
 * equals what the IR says. ruff's Airflow rules pass on every file of both dialects.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../../packages/cli/src/run.js";
import { airflowDagShape } from "../../packages/compiler/src/index.js";
import { paramsInOrder } from "../../packages/core/src/index.js";
import { createAirflowFake } from "../../packages/mocks/src/index.js";
import { airflowDagOf, type PipelineDefinitionLike } from "../../packages/mocks/src/pipeline.js";
import { loggedIn } from "../../packages/mocks/test/airflow-login.js";
import {
  EXAMPLES,
  expectedCron,
  expectedPod,
  expectedTasks,
  expectedTimetable,
  lowerFile,
  ROOT,
} from "../support/pipelines.js";
import {
  AIRFLOW2_PYTHON,
  bin,
  ensureEngines,
  FIXTURE_OPERATORS,
  type InspectedDags,
  inspectDags,
  PYTHON,
  runEngine,
  tempDir,
} from "./harness.js";

const FIXTURES = join(ROOT, "test/fixtures");
const FIXTURE_PIPELINES = [
  { id: "kitchen_sink", file: join(FIXTURES, "pipelines/kitchen-sink.pipeline.ts") },
  { id: "constructs", file: join(FIXTURES, "pipelines/constructs.pipeline.ts") },
  { id: "runtime_constructs", file: join(FIXTURES, "pipelines/runtime.pipeline.ts") },
  { id: "joins_and_variables", file: join(FIXTURES, "pipelines/joins.pipeline.ts") },
  { id: "zoned_schedule", file: join(FIXTURES, "pipelines/zoned.pipeline.ts") },
  { id: "one_of_sides", file: join(FIXTURES, "pipelines/one-of.pipeline.ts") },
  { id: "sensor_outputs", file: join(FIXTURES, "pipelines/sensor-outputs.pipeline.ts") },
  { id: "group_order", file: join(FIXTURES, "pipelines/group-order.pipeline.ts") },
  { id: "join_skips", file: join(FIXTURES, "pipelines/join-skips.pipeline.ts") },
  { id: "branch_on_params", file: join(FIXTURES, "pipelines/branch-params.pipeline.ts") },
  { id: "gate_rules", file: join(FIXTURES, "pipelines/gate-rules.pipeline.ts") },
  { id: "latest_only", file: join(FIXTURES, "pipelines/latest-only.pipeline.ts") },
  { id: "data_intervals", file: join(FIXTURES, "pipelines/data-intervals.pipeline.ts") },
  { id: "kfp_eq_containers", file: join(FIXTURES, "pipelines/kfp-eq-containers.pipeline.ts") },
  { id: "operators", file: join(FIXTURES, "pipelines/operators.pipeline.ts") },
  { id: "run_alerts", file: join(FIXTURES, "pipelines/run-alerts.pipeline.ts") },
  { id: "setup_teardown", file: join(FIXTURES, "pipelines/setup-teardown.pipeline.ts") },
];
const CASES = [
  ...EXAMPLES.map((e) => ({
    id: e.dagId,
    file: join(ROOT, "examples", e.name, e.pipeline),
    root: join(ROOT, "examples", e.name),
  })),
  ...FIXTURE_PIPELINES.map((f) => ({ ...f, root: FIXTURES })),
];
const VERSIONS = [
  { version: 3 as const, python: PYTHON },
  { version: 2 as const, python: AIRFLOW2_PYTHON },
];

const folders: Record<number, string> = {};
const inspected: Record<number, InspectedDags> = {};

const quietIo = {
  cwd: ROOT,
  stdout: () => {},
  stderr: (t: string) => process.stderr.write(t),
  env: {},
};

/** One folder per dialect holding every DAG under test, as a deployment would have it. */
async function compileAll(version: 2 | 3, out: string): Promise<void> {
  for (const c of CASES) {
    const args = ["compile", c.file, "--root", c.root, "--out", join(out, c.id)];
    const code = await run([...args, "--airflow-version", String(version)], quietIo);
    if (code !== 0) throw new Error(`compiling ${c.id} for Airflow ${version} failed (${code})`);
  }
}

beforeAll(async () => {
  ensureEngines();
  for (const { version, python } of VERSIONS) {
    folders[version] = tempDir(`dags-airflow${version}`);
    await compileAll(version, folders[version]);
    inspected[version] = inspectDags(folders[version], { python, env: FIXTURE_OPERATORS });
  }
});

describe.each(VERSIONS)("real Airflow $version imports the generated DAGs", ({ version }) => {
  it("with zero import errors, every DAG present", () => {
    const seen = inspected[version];
    expect(seen?.airflow_version.startsWith(`${version}.`)).toBe(true);
    expect(seen?.import_errors).toEqual({});
    expect(Object.keys(seen?.dags ?? {}).sort()).toEqual(CASES.map((c) => c.id).sort());
  });

  it.each(CASES)(
    "$id: tasks, edges, operators, mapping, groups, sensors, callbacks and schedule equal the IR",
    async ({ id, file, root }) => {
      const { ir } = await lowerFile(file, root);
      const dag = inspected[version]?.dags[id];
      expect(dag).toBeDefined();
      if (!dag) return;
      expect(dag.cron).toBe(expectedCron(ir.schedule));
      const timetable = expectedTimetable(ir.schedule, version, ir.dataIntervals === true);
      if (timetable !== null) expect(dag.timetable).toBe(timetable);
      expect(dag.assets).toEqual(ir.schedule.kind === "assets" ? [...ir.schedule.uris].sort() : []);
      expect(dag.catchup).toBe(ir.catchup);
      if (ir.timezone !== null) expect(dag.timezone).toBe(ir.timezone);
      expect(dag.tags).toEqual([...ir.tags].sort());
      expect(dag.description).toBe(ir.description);
      if (ir.maxActiveRuns !== null) expect(dag.max_active_runs).toBe(ir.maxActiveRuns);
      if (ir.maxActiveTasks !== null) expect(dag.max_active_tasks).toBe(ir.maxActiveTasks);
      expect(dag.dagrun_timeout).toBe(ir.dagrunTimeout);
      // The pipeline's own alerts, and its failure alerts for a run over its dagrun_timeout.
      expect(dag.has_on_failure_callback).toBe(
        (ir.dagrunTimeout !== null && (ir.defaults.onFailure?.length ?? 0) > 0) ||
          (ir.alerts?.onFailure.length ?? 0) > 0,
      );
      expect(dag.has_on_success_callback).toBe((ir.alerts?.onSuccess.length ?? 0) > 0);
      expect(dag.params).toEqual(
        Object.fromEntries(Object.entries(ir.params).map(([k, p]) => [k, p.default])),
      );
      // The type and the checks of each param, as Param checks a run's value.
      expect(dag.param_schemas).toEqual(
        Object.fromEntries(
          Object.entries(ir.params).map(([k, p]) => [
            k,
            {
              type: p.type,
              ...Object.fromEntries(
                (["enum", "minimum", "maximum", "minLength", "maxLength"] as const).flatMap(
                  (key) => (p[key] !== undefined ? [[key, p[key]]] : []),
                ),
              ),
            },
          ]),
        ),
      );
      if (id === "operators") {
        expect(dag.param_schemas.mode).toEqual({ type: "string", enum: ["full", "quick"] });
        expect(dag.param_schemas.limit).toEqual({ type: "integer", minimum: 1, maximum: 1000 });
      }
      // Declared order, which the trigger form keeps (the IR's keys are sorted).
      expect(dag.param_order).toEqual(paramsInOrder(ir.params).map(([name]) => name));
      if (id === "runtime_constructs")
        expect(dag.param_order).toEqual(["mode", "fail", "sizes", "ratio"]);
      const want = expectedTasks(ir, version);
      // Compare the attributes the IR determines; `deferrable` only where the IR sets it.
      const seen = Object.fromEntries(
        Object.entries(dag.tasks).map(([taskId, t]) => {
          const keys = Object.keys(want[taskId] ?? {}) as (keyof typeof t)[];
          return [taskId, Object.fromEntries(keys.map((k) => [k, t[k]]))];
        }),
      );
      expect(seen).toEqual(want);
      for (const task of ir.tasks) {
        if (task.kind !== "sensor") continue;
        // PythonSensor cannot defer: it has no such attribute (mlgen refuses deferrable on it).
        const deferrable = task.sensor.type === "python" ? null : task.deferrable;
        expect(dag.tasks[task.id]?.deferrable).toBe(deferrable);
      }
      for (const t of Object.values(dag.tasks)) expect(t.owner).toBe(ir.owner ?? "airflow");
      // The pod of each container task, as the real KubernetesPodOperator builds it.
      const containers = ir.tasks.filter((t) => t.kind === "container");
      expect(Object.keys(dag.pods).sort()).toEqual(containers.map((t) => t.id).sort());
      for (const task of containers) expect(dag.pods[task.id]).toEqual(expectedPod(task));
    },
  );

  it.each(CASES)(
    "$id: the DAG the compiler describes (airflowDagShape), and the Airflow fake's DAG of the pipeline, are the one Airflow imported",
    async ({ id, file, root }) => {
      const { ir } = await lowerFile(file, root);
      const dag = inspected[version]?.dags[id];
      expect(dag).toBeDefined();
      if (!dag) return;
      const shape = airflowDagShape(ir, version);
      // Every task, those the target adds among them, in the order the file defines them.
      expect(shape.tasks.map((t) => t.taskId)).toEqual(dag.task_order);
      const seen = Object.fromEntries(
        dag.task_order.map((taskId) => {
          const t = dag.tasks[taskId];
          if (!t) throw new Error(`no task ${taskId}`);
          return [
            taskId,
            {
              operator: t.operator,
              upstream: t.upstream,
              triggerRule: t.trigger_rule,
              retries: t.retries,
              retryDelaySeconds: t.retry_delay,
              pool: t.pool,
              poolSlots: t.pool_slots,
              maxActiveTisPerDag: t.max_active_tis_per_dag,
              maxActiveTisPerDagrun: t.max_active_tis_per_dagrun,
              expand: t.expand !== null && "length" in t.expand ? t.expand.length : t.expand,
              // Airflow 2's sensors are SkipMixins too (soft_fail): not tasks that skip others.
              skips:
                !t.skip_mixin || t.mode !== null
                  ? null
                  : t.ignore_downstream_trigger_rules === null
                    ? "branch"
                    : t.ignore_downstream_trigger_rules
                      ? "short_circuit"
                      : "short_circuit_direct",
              sensor:
                t.mode === null
                  ? null
                  : {
                      mode: t.mode,
                      pokeIntervalSeconds: t.poke_interval,
                      timeoutSeconds: t.timeout,
                      softFail: t.soft_fail,
                    },
              setupTeardown: t.is_setup ? "setup" : t.is_teardown ? "teardown" : null,
            },
          ];
        }),
      );
      const described = Object.fromEntries(
        shape.tasks.map((t) => [
          t.taskId,
          {
            operator: t.operator,
            upstream: t.upstream,
            triggerRule: t.triggerRule,
            retries: t.retries,
            retryDelaySeconds: t.retryDelaySeconds,
            pool: t.pool,
            poolSlots: t.poolSlots,
            maxActiveTisPerDag: t.maxActiveTisPerDag,
            maxActiveTisPerDagrun: t.maxActiveTisPerDagrun,
            expand: t.expand,
            skips: t.skips,
            sensor: t.sensor,
            setupTeardown: t.setupTeardown,
          },
        ]),
      );
      expect(seen).toEqual(described);
      // What a task that skips returns on each side names tasks right after it.
      for (const t of shape.tasks) {
        if (t.skips !== "branch" || t.returns === null) continue;
        const after = dag.tasks[t.taskId]?.downstream ?? [];
        for (const side of [t.returns.whenTrue, t.returns.whenFalse]) {
          for (const target of side as string[]) expect(after).toContain(target);
        }
      }
      expect(
        Object.fromEntries(Object.entries(shape.params).map(([k, p]) => [k, p.schema])),
      ).toEqual(dag.param_schemas);
      expect(Object.keys(shape.params)).toEqual(dag.param_order);
      if (version === 2) return;
      // The fake's DAG of the definition: the same tasks and edges, and a run of it ends.
      const def = (await import(file)).default as PipelineDefinitionLike;
      const spec = airflowDagOf(def);
      expect(spec.tasks.map((t) => [t.taskId, [...(t.upstream ?? [])].sort()])).toEqual(
        dag.task_order.map((taskId) => [taskId, dag.tasks[taskId]?.upstream]),
      );
      // The DAG's own fields, as the fake reports them (DAG details).
      expect({
        startDate: spec.startDate ?? null,
        tags: spec.tags,
        description: spec.description ?? null,
        owners: spec.owners,
        maxActiveRuns: spec.maxActiveRuns ?? 16,
        maxActiveTasks: spec.maxActiveTasks ?? 16,
        params: Object.keys(spec.params ?? {}),
      }).toEqual({
        startDate: dag.start_date === null ? null : Date.parse(dag.start_date),
        tags: dag.tags,
        description: dag.description,
        owners: [...new Set(Object.values(dag.tasks).map((t) => t.owner))],
        maxActiveRuns: dag.max_active_runs,
        maxActiveTasks: dag.max_active_tasks,
        params: dag.param_order,
      });
      const fake = createAirflowFake();
      fake.addDag(spec);
      // The pipelines its trigger tasks start, as DAGs of one task (they start their runs).
      for (const target of new Set(spec.tasks.flatMap((t) => t.triggers?.dagId ?? []))) {
        if (target !== id) fake.addDag({ dagId: target, tasks: [{ taskId: "work" }] });
      }
      const call = await loggedIn(fake);
      const trigger = await call("POST", `/api/v2/dags/${id}/dagRuns`, {
        logical_date: null,
        dag_run_id: "r1",
      });
      expect(trigger.status).toBe(200);
      fake.settle();
      expect((await call("GET", `/api/v2/dags/${id}/dagRuns/r1`)).body.state).toBe("success");
    },
  );

  it("a container task's placement and volumes reach its pod", () => {
    // One case spelled out, so that expectedPod cannot agree with a wrong pod by construction.
    const pod = inspected[version]?.dags.kfp_eq_containers?.pods.train_gpu;
    expect(pod?.namespace).toBe("default");
    expect(pod?.spec).toMatchObject({
      nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-l4" },
      tolerations: [
        { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
        { key: "node.kubernetes.io/unreachable", effect: "NoExecute", tolerationSeconds: 600 },
      ],
      volumes: [
        { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
        { name: "training-data", persistentVolumeClaim: { claimName: "training-data" } },
        { name: "scratch", emptyDir: { sizeLimit: "20Gi" } },
      ],
      containers: [
        {
          volumeMounts: [
            { name: "shm", mountPath: "/dev/shm" },
            { name: "training-data", mountPath: "/data" },
            { name: "scratch", mountPath: "/scratch" },
          ],
        },
      ],
    });
    const scorer = inspected[version]?.dags.constructs?.pods.score_batch;
    expect(scorer?.namespace).toBe("ml");
    expect(scorer?.spec.serviceAccountName).toBe("scorer");
    expect(scorer?.spec.imagePullSecrets).toEqual([{ name: "acme-registry" }]);
  });

  it("start dates are the same instant as written (Airflow stores them in UTC)", () => {
    const dags = inspected[version]?.dags;
    expect(dags?.kitchen_sink?.start_date).toBe("2025-03-04T03:06:07+00:00");
    expect(dags?.iris_quickstart?.start_date).toBe("2025-01-01T00:00:00+00:00");
    // Midnight in Berlin (UTC+1 in March).
    expect(dags?.zoned_schedule?.start_date).toBe("2025-03-26T23:00:00+00:00");
  });

  it("a cron in a named time zone keeps its local time across a daylight-saving change", () => {
    const dag = inspected[version]?.dags.zoned_schedule;
    expect(dag?.timezone).toBe("Europe/Berlin");
    // Thursday and Friday at 06:30 CET, then Monday at 06:30 CEST (clocks went forward Sunday).
    expect(dag?.next_runs).toEqual([
      "2025-03-27T05:30:00+00:00",
      "2025-03-28T05:30:00+00:00",
      "2025-03-31T04:30:00+00:00",
    ]);
    // A schedule with dataIntervals: each run covers the day before it starts, dated by its
    // start, as a cron string on Airflow 2; without it a run's interval is its own cron time.
    expect(inspected[version]?.dags.data_intervals?.next_intervals).toEqual([
      ["2025-01-01T03:00:00+00:00", "2025-01-02T03:00:00+00:00"],
      ["2025-01-02T03:00:00+00:00", "2025-01-03T03:00:00+00:00"],
      ["2025-01-03T03:00:00+00:00", "2025-01-04T03:00:00+00:00"],
    ]);
    expect(dag?.next_intervals[0]).toEqual([
      "2025-03-27T05:30:00+00:00",
      "2025-03-27T05:30:00+00:00",
    ]);
    // Without a name, the DAG is in its start date's zone: a fixed offset, with no summer time.
    expect(inspected[version]?.dags.kitchen_sink?.timezone).toBe("+02:00");
  });
});

describe("the committed example DAGs are the Airflow 3 output", () => {
  it("byte for byte", async () => {
    const { readFileSync } = await import("node:fs");
    for (const e of EXAMPLES) {
      const committed = readFileSync(join(ROOT, "examples", e.name, "dags", `${e.dagId}.py`));
      const fresh = readFileSync(join(folders[3] ?? "", e.dagId, `${e.dagId}.py`));
      expect(fresh.equals(committed), e.name).toBe(true);
    }
  });
});

describe("ruff's Airflow rules", () => {
  it.each(VERSIONS)(
    "pass on every generated DAG for Airflow $version (ruff check with its default rules, Airflow's (preview) and import sorting, and pycodestyle's E7 comparisons)",
    ({ version }) => {
      const files = CASES.map((c) => {
        const dir = join(folders[version] ?? "", c.id);
        const dag = readdirSync(dir).find((f) => f.endsWith(".py"));
        return join(dir, dag ?? "missing.py");
      });
      expect(files).toHaveLength(CASES.length);
      const r = runEngine(
        bin("ruff"),
        // --isolated: ruff's own defaults (a project's pyproject.toml would change them), as a
        // team's plain `ruff check` runs; their RUF100 flags a `# noqa` for a rule that is off.
        [
          "check",
          "--isolated",
          "--no-cache",
          "--preview",
          "--extend-select",
          "AIR,I,E711,E712",
          ...files,
        ],
        process.env,
      );
      expect(r.output).toContain("All checks passed");
      expect(r.status).toBe(0);
      // A project's ruff format (a pre-commit hook, an editor on save) leaves them as written,
      // so it and mlgen compile --check do not undo each other.
      const format = runEngine(bin("ruff"), ["format", "--check", "--no-cache", ...files], {
        ...process.env,
      });
      expect(format.output).toContain(`${files.length} files already formatted`);
      expect(format.status).toBe(0);
    },
  );
});
