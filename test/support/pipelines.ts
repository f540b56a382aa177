import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { lowerPipeline } from "@mlgen/compiler";
import {
  type ContainerTask,
  EMPTY_TASK_OPTIONS,
  effectiveOptions,
  operatorClass,
  type Pipeline,
  pipelineModules,
  resolveOptions,
  type Schedule,
  type Task,
  type TriggerRule,
} from "@mlgen/core";
import { isPipelineDefinition } from "@mlgen/dsl";
import { expect } from "vitest";

export const ROOT = resolve(import.meta.dirname, "../..");

export const EXAMPLES = [
  { name: "iris-quickstart", pipeline: "pipelines/iris.pipeline.ts", dagId: "iris_quickstart" },
  {
    name: "training-pipeline",
    pipeline: "pipelines/training.pipeline.ts",
    dagId: "ml_training_pipeline",
  },
  {
    name: "production-pipeline",
    pipeline: "pipelines/production.pipeline.ts",
    dagId: "production_pipeline",
  },
] as const;

/** Loads a pipeline module and lowers it the way `mlgen compile` does. */
export async function lowerFile(
  file: string,
  root: string,
): Promise<{ ir: Pipeline; hash: string }> {
  const mod = (await import(file)) as Record<string, unknown>;
  const def = mod.default;
  if (!isPipelineDefinition(def)) throw new Error(`${file} exports no pipeline`);
  const modules = new Map<string, string | null>();
  for (const module of pipelineModules(def.ir)) {
    try {
      modules.set(module, readFileSync(join(root, module), "utf8"));
    } catch {
      modules.set(module, null);
    }
  }
  const result = lowerPipeline({ ir: def.ir, sourceMap: {}, modules });
  if (!result.ok) {
    throw new Error(
      `${relative(ROOT, file)}: ${result.diagnostics.map((d) => d.message).join("; ")}`,
    );
  }
  return { ir: result.ir, hash: result.hash };
}

/** Airflow's cron_presets: what a preset means as a cron expression. */
const PRESET_CRON: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@quarterly": "0 0 1 */3 *",
  "@yearly": "0 0 1 1 *",
};

/**
 * The cron expression of the DAG's timetable: every cron schedule is a CronTriggerTimetable on
 * both Airflow versions (the same runs and logical dates), with or without assets.
 */
export function expectedCron(s: Schedule): string | null {
  if (s.kind === "none") return null;
  const time = s.kind === "assets" ? s.time : s;
  if (time === null) return null;
  if (time.kind === "cron") return time.expression;
  return PRESET_CRON[time.preset] ?? null;
}

/**
 * The operator class Airflow should report for a task of `ir`. A branch with one side, which is
 * all that follows it, is a short-circuit that skips that side only.
 */
export function expectedOperator(t: Task, ir: Pipeline): string {
  switch (t.kind) {
    case "python":
    case "validate":
      return "PythonOperator";
    case "bash":
      return "BashOperator";
    case "branch": {
      const sides = [t.ifTrue, t.ifFalse].filter((side) => side.length > 0);
      const below = ir.tasks.filter((d) => d.upstream.includes(t.id)).map((d) => d.id);
      const oneSided =
        sides.length === 1 &&
        below.every((id) => sides[0]?.some((x) => id === x || id.startsWith(`${x}.`)));
      return oneSided ? "ShortCircuitOperator" : "BranchPythonOperator";
    }
    case "short_circuit":
      return "ShortCircuitOperator";
    case "latest_only":
      return "LatestOnlyOperator";
    case "container":
      return "KubernetesPodOperator";
    case "trigger":
      return "TriggerDagRunOperator";
    case "operator":
      return operatorClass(t);
    case "sensor":
      return {
        file: "FileSensor",
        external_task: "ExternalTaskSensor",
        time_delta: "TimeDeltaSensor",
        python: "PythonSensor",
      }[t.sensor.type];
  }
}

/** The timetable class Airflow builds from an IR schedule, per major version. */
export function expectedTimetable(
  s: Schedule,
  version: 2 | 3,
  dataIntervals = false,
): string | null {
  if (s.kind === "none") return "NullTimetable";
  if (s.kind === "preset" && s.preset === "@once") return "OnceTimetable";
  if (s.kind === "preset" && s.preset === "@continuous") return "ContinuousTimetable";
  if (s.kind !== "assets")
    return dataIntervals ? "CronDataIntervalTimetable" : "CronTriggerTimetable";
  if (s.time === null)
    return version === 3 ? "AssetTriggeredTimetable" : "DatasetTriggeredTimetable";
  return version === 3 ? "AssetOrTimeSchedule" : "DatasetOrTimeSchedule";
}

/** Airflow's BaseSensorOperator defaults. */
const SENSOR_DEFAULTS = { pokeInterval: 60, timeout: 7 * 86400 };

/**
 * The pod KubernetesPodOperator should build for a container task, derived from the IR alone,
 * as test/python/inspect_dags.py reports it (unset fields left out); each env variable by name.
 */
export function expectedPod(task: ContainerTask): { namespace: string; spec: unknown } {
  const given = <T>(entries: Record<string, T | null | undefined>) =>
    Object.fromEntries(
      Object.entries(entries).filter(
        ([, v]) =>
          v !== null &&
          v !== undefined &&
          !(Array.isArray(v) && v.length === 0) &&
          !(typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0),
      ),
    );
  const r = task.resources;
  const limits: Record<string, string | null> = { cpu: r.cpuLimit, memory: r.memoryLimit };
  if (r.gpuLimit !== null || r.accelerator !== undefined) {
    limits[r.accelerator ?? "nvidia.com/gpu"] = String(r.gpuLimit ?? 1);
  }
  const volumes: unknown[] = [];
  const mounts: unknown[] = [];
  const emptyDir = (
    name: string,
    mountPath: string,
    medium: string | null,
    size: string | null,
  ) => {
    volumes.push(given({ name, emptyDir: given({ medium, sizeLimit: size }) }));
    mounts.push({ name, mountPath });
  };
  if (task.shm !== undefined)
    emptyDir("shm", "/dev/shm", "Memory", task.shm === true ? null : task.shm);
  for (const v of task.pvcs ?? []) {
    volumes.push({ name: v.name, persistentVolumeClaim: { claimName: v.name } });
    mounts.push({ name: v.name, mountPath: v.mountPath });
  }
  for (const v of task.emptyDirs ?? []) emptyDir(v.name, v.mountPath, v.medium, v.sizeLimit);
  const container = given({
    name: "base",
    image: task.image,
    command: task.command,
    args: task.args,
    env: Object.keys(task.env)
      .sort()
      .map((name) => expect.objectContaining({ name })),
    resources: given({
      requests: given({ cpu: r.cpuRequest, memory: r.memoryRequest }),
      limits: given(limits),
    }),
    volumeMounts: mounts,
    terminationMessagePolicy: "File",
  });
  return {
    namespace: task.namespace ?? "default",
    spec: given({
      containers: [container],
      nodeSelector: task.nodeSelector,
      tolerations: (task.tolerations ?? []).map((t) =>
        given({
          key: t.key,
          operator: t.operator,
          value: t.value,
          effect: t.effect,
          tolerationSeconds: t.tolerationSeconds,
        }),
      ),
      volumes,
      serviceAccountName: task.serviceAccountName,
      imagePullSecrets: (task.imagePullSecrets ?? []).map((name) => ({ name })),
      restartPolicy: "Never",
      hostNetwork: false,
    }),
  };
}

/**
 * The task attributes Airflow should report, derived from the IR alone. Airflow 2 reads
 * `retry_exponential_backoff` as a flag, so it reports 1 for any backoff there.
 */
export function expectedTasks(ir: Pipeline, version: 2 | 3 = 3) {
  // A task mapped over a list param gets a task before it, `<id>_items`, that returns the run's
  // list (Airflow expands only over task outputs): after the mapped task's upstream tasks, by its
  // trigger rule, with what its group and the defaults give.
  // A join that also waits for tasks off the sides it joins (`joined`) waits for the sides
  // through an empty task before it, `<id>_join`, by the join rule, and keeps the rule it
  // would have had. Neither helper takes an id a task or a group has (`_2`, ...).
  const taken = new Set([...ir.tasks.map((t) => t.id), ...Object.keys(ir.groups)]);
  const helper = (t: Task, suffix: string) => {
    let id = `${t.id}_${suffix}`;
    for (let i = 2; taken.has(id); i++) id = `${t.id}_${suffix}_${i}`;
    taken.add(id);
    return id;
  };
  const lists = new Map<string, string>();
  const joins = new Map<string, string>();
  for (const t of ir.tasks) {
    if (t.kind === "python" && t.map?.over.kind === "param") lists.set(t.id, helper(t, "items"));
    if (t.joined !== undefined) joins.set(t.id, helper(t, "join"));
  }
  /** The tasks `t` waits for itself: a join's empty task in place of the sides it joins. */
  const waitsFor = (t: Task) => {
    const join = joins.get(t.id);
    return join === undefined
      ? [...t.upstream]
      : [...t.upstream.filter((u) => !t.joined?.includes(u)), join];
  };
  /** What Airflow gives `t`: a join with an empty task keeps the rule it would have had. */
  const optionsOf = (t: Task) =>
    effectiveOptions(
      ir,
      joins.has(t.id) ? { ...t, options: { ...t.options, triggerRule: null } } : t,
    );
  const upstreamOf = (t: Task) => [
    ...waitsFor(t),
    ...(lists.has(t.id) ? [lists.get(t.id) as string] : []),
  ];
  /** A helper task next to `t`, in its group, with what its group and the defaults give. */
  const helperTask = (
    t: Task,
    id: string,
    operator: string,
    triggerRule: TriggerRule | null,
    upstream: string[],
    downstream: string[],
  ) => [
    id,
    {
      ...attributes(t, { ...resolveOptions(ir, t.group, EMPTY_TASK_OPTIONS), triggerRule }),
      operator,
      is_mapped: false,
      trigger_rule: triggerRule ?? "all_success",
      is_setup: false,
      is_teardown: false,
      upstream: upstream.sort(),
      downstream: downstream.sort(),
      mode: null,
      poke_interval: null,
      timeout: null,
      outlets: [],
      image: null,
    },
  ];
  const joinTasks = ir.tasks.flatMap((t) => {
    const id = joins.get(t.id);
    if (id === undefined) return [];
    const after = [t.id, ...(lists.has(t.id) ? [lists.get(t.id) as string] : [])];
    return [
      helperTask(
        t,
        id,
        "EmptyOperator",
        "none_failed_min_one_success",
        [...(t.joined ?? [])],
        after,
      ),
    ];
  });
  const listTasks = ir.tasks.flatMap((t) => {
    const id = lists.get(t.id);
    if (id === undefined) return [];
    return [helperTask(t, id, "PythonOperator", optionsOf(t).triggerRule, waitsFor(t), [t.id])];
  });
  function attributes(t: Task, o: ReturnType<typeof effectiveOptions>) {
    const backoff = o.retryExponentialBackoff ?? 0;
    return {
      retries: o.retries ?? 0,
      retry_delay: o.retryDelay ?? 300,
      retry_exponential_backoff: version === 3 ? backoff : backoff > 0 && backoff !== 1 ? 1 : 0,
      max_retry_delay: o.maxRetryDelay,
      execution_timeout: o.executionTimeout,
      group: t.group,
      // Airflow's own defaults where the IR sets nothing; a teardown's is as_teardown()'s.
      trigger_rule:
        t.setupTeardown === "teardown"
          ? "all_done_setup_success"
          : (o.triggerRule ?? "all_success"),
      is_setup: t.setupTeardown === "setup",
      is_teardown: t.setupTeardown === "teardown",
      pool: o.pool ?? "default_pool",
      pool_slots: o.poolSlots ?? 1,
      queue: o.queue ?? "default",
      priority_weight: o.priorityWeight ?? 1,
      depends_on_past: o.dependsOnPast ?? false,
      max_active_tis_per_dag: o.maxActiveTisPerDag,
      max_active_tis_per_dagrun: o.maxActiveTisPerDagrun,
      has_on_failure_callback: (o.onFailure?.length ?? 0) > 0,
      has_on_retry_callback: (o.onRetry?.length ?? 0) > 0,
      has_on_success_callback: (o.onSuccess?.length ?? 0) > 0,
    };
  }
  return Object.fromEntries([
    ...listTasks,
    ...joinTasks,
    ...ir.tasks.map((t) => {
      const o = optionsOf(t);
      const sensor = t.kind === "sensor" ? t : null;
      return [
        t.id,
        {
          operator: expectedOperator(t, ir),
          is_mapped: t.kind === "python" && t.map !== null,
          upstream: upstreamOf(t).sort(),
          downstream: ir.tasks
            .filter((d) => d.upstream.includes(t.id))
            .flatMap((d) =>
              d.joined?.includes(t.id)
                ? [joins.get(d.id) as string]
                : [d.id, ...(lists.has(d.id) ? [lists.get(d.id) as string] : [])],
            )
            .sort(),
          ...attributes(t, o),
          mode: sensor?.mode ?? null,
          poke_interval: sensor ? (sensor.pokeInterval ?? SENSOR_DEFAULTS.pokeInterval) : null,
          timeout: sensor ? (sensor.timeout ?? SENSOR_DEFAULTS.timeout) : null,
          outlets: [...t.outlets],
          image: t.kind === "container" ? t.image : null,
        },
      ];
    }),
  ]);
}
