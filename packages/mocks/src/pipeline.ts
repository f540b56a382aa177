/**
 * The Airflow fake's DAG of an mlgen pipeline: the DAG real Airflow holds once it imports the file
 * `mlgen compile` writes, as the compiler itself describes it (`airflowDagShape`), so a service
 * tested against the fake runs the pipeline's own tasks, edges, trigger rules, retries, pools,
 * mapped tasks, branches and sensors, and a change to the pipeline reaches its tests.
 */
import {
  type AirflowDagShape,
  type AirflowTaskShape,
  airflowDagShape,
  airflowTarget,
  dagFileName,
  lowerPipeline,
} from "@mlgen/compiler";
import type { AirflowParam } from "./airflow/params.js";
import type {
  AirflowDagSpec,
  AirflowTaskSpec,
  AirflowTaskTrigger,
  AirflowTriggerRule,
} from "./airflow/types.js";

/** A pipeline as `pipeline()` of `@mlgen/dsl` returns it (its `default` export). */
export interface PipelineDefinitionLike {
  readonly ir: unknown;
  /** Where each task was defined: the compiler's messages name the line. */
  readonly sourceMap: Readonly<Record<string, unknown>>;
  readonly problems?: readonly { readonly message: string }[];
}

/** What a task pushes: its outputs by name, or for a mapped task, a function of the map index. */
export type PipelineTaskOutputs =
  | Readonly<Record<string, unknown>>
  | ((mapIndex: number) => Readonly<Record<string, unknown>>);

export interface AirflowDagOfOptions
  extends Omit<Partial<AirflowDagSpec>, "dagId" | "tasks" | "params"> {
  /**
   * The values each task's declared outputs take, by task id then output (what `ti.xcom_push`
   * gets from the generated DAG). An output not given takes a stand-in of its declared type:
   * `"<task>.<output>"`, 1, 0.5, true, a one-item list, {}. A bash task may be given
   * `return_value`: the last line it prints, which Airflow pushes.
   */
  readonly outputs?: Readonly<Record<string, PipelineTaskOutputs>>;
  /**
   * Whether each branch's (or short-circuit's) condition holds in a run, by task id: default
   * true (a branch follows its `ifTrue` side). A latest-only gate's (`p.latestOnly`) is whether
   * the run is the latest of the schedule: default true (the fake's runs are manual, which
   * LatestOnlyOperator lets through); false skips the tasks right after it, as in a backfill's
   * run. A script's `returns` picks per try instead.
   */
  readonly conditions?: Readonly<Record<string, boolean>>;
  /**
   * More of each task's spec, by task id: `durationMs`, `log`, `reschedules` (a sensor in
   * reschedule mode: `Infinity` for one that never finds it, which its timeout ends, failed
   * or, with softFail, skipped), `pokes` (the same for a sensor in poke mode), `retries`, … What a task pushes comes from `outputs` and
   * `conditions`.
   */
  readonly taskSpecs?: Readonly<
    Record<
      string,
      Partial<Omit<AirflowTaskSpec, "taskId" | "upstream" | "expand" | "skips" | "xcom">>
    >
  >;
}

/**
 * The fake's DAG spec of a pipeline: `fake.addDag(airflowDagOf(trainPipeline))`. It is the
 * DAG `mlgen compile` writes for Airflow 3 — the same task ids (groups' ids before them), the
 * tasks the compiler adds (a join's `_join`, a param's `_items`), operators, edges, trigger
 * rules, retries and retry delays, pools, concurrency limits, mapped tasks, branches and
 * short-circuits (`skips`, returning their `ifTrue` side unless `conditions` says otherwise),
 * latest-only gates (LatestOnlyOperator, letting the run through unless `conditions` says not),
 * sensors (reschedule mode, `poke_interval`, timeout, soft_fail), params with their schemas, schedule, tags,
 * owner, description and start date, setups and teardowns. Throws a TypeError naming the
 * problems when the pipeline does not compile.
 */
export function airflowDagOf(
  pipeline: PipelineDefinitionLike,
  options: AirflowDagOfOptions = {},
): AirflowDagSpec {
  const problems = pipeline.problems ?? [];
  const lowered = lowerPipeline({
    ir: pipeline.ir,
    sourceMap: pipeline.sourceMap as never,
    modules: null,
  });
  // What the Airflow 3 target refuses too (templates Airflow cannot render, ids too long, ...).
  const refused = lowered.ok
    ? airflowTarget.validate({
        ir: lowered.ir,
        hash: lowered.hash,
        sourceFile: "",
        sourceMap: pipeline.sourceMap as never,
        pythonFiles: [],
        settings: { airflowVersion: 3 },
      })
    : [];
  const errors = [
    ...problems.map((p) => p.message),
    ...[...lowered.diagnostics, ...refused]
      .filter((d) => d.severity === "error")
      .map((d) => d.message),
  ];
  if (!lowered.ok || errors.length > 0) {
    throw new TypeError(
      `airflowDagOf: the pipeline does not compile (mlgen compile says why):\n${errors.map((e) => `  ${e}`).join("\n")}`,
    );
  }
  const shape = airflowDagShape(lowered.ir);
  const { outputs = {}, conditions = {}, taskSpecs = {}, ...rest } = options;
  for (const [what, ids] of [
    ["outputs", Object.keys(outputs)],
    ["conditions", Object.keys(conditions)],
    ["taskSpecs", Object.keys(taskSpecs)],
  ] as const) {
    const unknown = ids.filter((id) => !shape.tasks.some((t) => t.taskId === id));
    if (unknown.length > 0) {
      throw new TypeError(
        `airflowDagOf(${shape.dagId}): ${what} names ${unknown.map((id) => `'${id}'`).join(", ")}, which the DAG has no task of (its tasks: ${shape.tasks.map((t) => t.taskId).join(", ")})`,
      );
    }
  }
  for (const t of shape.tasks) checkOptions(shape.dagId, t, outputs, conditions, taskSpecs);
  const specs = shape.tasks.map((t) => taskSpec(shape, t, outputs, conditions, taskSpecs));
  const tasks = specs.map((spec, i) => {
    const t = shape.tasks[i] as AirflowTaskShape;
    const trigger = taskSpecs[t.taskId]?.triggers ?? triggerOf(lowered.ir, t, specs);
    return trigger === undefined ? spec : { ...spec, triggers: trigger };
  });
  return {
    dagId: shape.dagId,
    fileloc: `/opt/airflow/dags/${dagFileName(shape.dagId)}`,
    description: shape.description,
    owners: [shape.owner ?? "airflow"],
    tags: shape.tags,
    schedule: shape.schedule,
    ...(shape.startDate === null
      ? {}
      : { startDate: startInstant(shape.startDate, lowered.ir.timezone) }),
    ...(shape.maxActiveRuns === null ? {} : { maxActiveRuns: shape.maxActiveRuns }),
    ...(shape.maxActiveTasks === null ? {} : { maxActiveTasks: shape.maxActiveTasks }),
    params: Object.fromEntries(
      Object.entries(shape.params).map(([name, p]): [string, AirflowParam] => [
        name,
        { default: p.default, schema: p.schema, description: p.description },
      ]),
    ),
    tasks,
    ...rest,
  };
}

/** Options that would do nothing for a task: named, so a typo or a wrong task is said. */
function checkOptions(
  dagId: string,
  t: AirflowTaskShape,
  outputs: Readonly<Record<string, PipelineTaskOutputs>>,
  conditions: Readonly<Record<string, boolean>>,
  taskSpecs: AirflowDagOfOptions["taskSpecs"] & object,
): void {
  const where = `airflowDagOf(${dagId}): task '${t.taskId}'`;
  if (Object.hasOwn(conditions, t.taskId) && t.returns === null) {
    throw new TypeError(
      `${where} is not a branch, short-circuit or latest-only gate: it has no condition`,
    );
  }
  const given = outputs[t.taskId];
  if (given !== undefined && typeof given !== "function") {
    // A BashOperator pushes its last line of output, which mlgen does not write.
    const bash = t.operator === "BashOperator";
    const known = [...Object.keys(t.outputs), ...(bash ? ["return_value"] : [])];
    const unknown = Object.keys(given).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
      throw new TypeError(
        `${where} pushes no ${unknown.map((k) => `'${k}'`).join(", ")} (it pushes ${known.length > 0 ? known.map((k) => `'${k}'`).join(", ") : "nothing"})`,
      );
    }
  }
  if ((taskSpecs[t.taskId]?.reschedules ?? 0) > 0 && t.sensor?.mode !== "reschedule") {
    throw new TypeError(
      `${where} is ${t.sensor === null ? "not a sensor" : "a sensor in poke mode"}: it is never up_for_reschedule (give reschedules to a sensor in reschedule mode)`,
    );
  }
  if ((taskSpecs[t.taskId]?.pokes ?? 0) > 0 && t.sensor?.mode !== "poke") {
    throw new TypeError(
      `${where} is ${t.sensor === null ? "not a sensor" : "a sensor in reschedule mode"}: its pokes are each up_for_reschedule (give pokes to a sensor in poke mode, reschedules to this one)`,
    );
  }
}

function taskSpec(
  dag: AirflowDagShape,
  t: AirflowTaskShape,
  outputs: Readonly<Record<string, PipelineTaskOutputs>>,
  conditions: Readonly<Record<string, boolean>>,
  taskSpecs: AirflowDagOfOptions["taskSpecs"] & object,
): AirflowTaskSpec {
  const given = outputs[t.taskId];
  const pushed = (mapIndex: number): Record<string, unknown> => {
    const values = typeof given === "function" ? given(mapIndex) : (given ?? {});
    const out: Record<string, unknown> = {};
    for (const [name, type] of Object.entries(t.outputs)) {
      out[name] = Object.hasOwn(values, name) ? values[name] : standIn(t.taskId, name, type);
    }
    if (Object.hasOwn(values, "return_value")) out.return_value = values.return_value;
    if (t.pushesMapIndex && mapIndex >= 0) out.mlgen_map_index = mapIndex;
    if (t.returnsOutput !== null) out.return_value = out[t.returnsOutput];
    if (t.returnsParam !== null) out.return_value = dag.params[t.returnsParam]?.default ?? null;
    if (t.returns !== null) {
      out.return_value = conditions[t.taskId] === false ? t.returns.whenFalse : t.returns.whenTrue;
    }
    return out;
  };
  return {
    taskId: t.taskId,
    upstream: t.upstream,
    operator: t.operator,
    operatorName: t.operator,
    triggerRule: t.triggerRule as AirflowTriggerRule,
    retries: t.retries,
    retryDelayMs: t.retryDelaySeconds * 1000,
    pool: t.pool,
    poolSlots: t.poolSlots,
    ...(t.maxActiveTisPerDag === null ? {} : { maxActiveTisPerDag: t.maxActiveTisPerDag }),
    ...(t.maxActiveTisPerDagrun === null ? {} : { maxActiveTisPerDagrun: t.maxActiveTisPerDagrun }),
    ...(t.expand === null ? {} : { expand: t.expand }),
    ...(t.skips === null ? {} : { skips: t.skips }),
    ...(t.sensor === null
      ? {}
      : {
          pokeIntervalMs: t.sensor.pokeIntervalSeconds * 1000,
          timeoutMs: t.sensor.timeoutSeconds * 1000,
          softFail: t.sensor.softFail,
        }),
    ...(t.setupTeardown === null ? {} : { [t.setupTeardown]: true }),
    xcom: t.expand === null ? pushed(-1) : pushed,
    ...taskSpecs[t.taskId],
  };
}

/** `{{ run_id }}` (or `{{ dag_run.run_id }}`) in a trigger's run id: the triggering run's id. */
const RUN_ID_TAG = /\{\{\s*(?:dag_run\.)?run_id\s*\}\}/g;

type LoweredPipeline = Extract<ReturnType<typeof lowerPipeline>, { ok: true }>["ir"];
type IrValue = Extract<LoweredPipeline["tasks"][number], { kind: "trigger" }>["conf"][string];

/**
 * What a trigger task starts, from the pipeline: the pipeline it names, its conf (values as
 * written, a param's default, the output a test gives or its stand-in; what else is read at run
 * time, a variable(), a template, a joined path, a mapped task's list of outputs, is left out, so
 * the run takes its param's default), its run id (as written; `{{ run_id }}` or
 * `{{ dag_run.run_id }}` in it is the triggering run's id; another template leaves Airflow's
 * `manual__<time>`), whether it waits and skips when the run is there. Not modelled:
 * `resetRun` (the run there fails the task), `logicalDate` (the run's is the moment it starts),
 * `failWhenPaused` (a paused DAG's run is queued), `deferrable` (the task runs while it waits).
 */
function triggerOf(
  ir: LoweredPipeline,
  t: AirflowTaskShape,
  specs: readonly AirflowTaskSpec[],
): AirflowTaskTrigger | undefined {
  const task = t.source.kind === "task" ? ir.tasks.find((x) => x.id === t.taskId) : undefined;
  if (task?.kind !== "trigger") return undefined;
  const confValue = (v: IrValue): { value: unknown } | null => {
    switch (v.kind) {
      case "literal":
        return { value: v.value };
      case "list": {
        const items = v.items.map(confValue);
        return items.every((i) => i !== null) ? { value: items.map((i) => i?.value) } : null;
      }
      case "object": {
        const entries = Object.entries(v.entries).map(([k, e]) => [k, confValue(e)] as const);
        if (entries.some(([, e]) => e === null)) return null;
        return { value: Object.fromEntries(entries.map(([k, e]) => [k, e?.value])) };
      }
      case "param":
        return { value: ir.params[v.name]?.default ?? null };
      case "ref": {
        // What the task pushes in the fake (given, or a stand-in). A mapped task's output is
        // the list of every instance's, however many ran: left out.
        const xcom = specs.find((s) => s.taskId === v.task)?.xcom;
        if (typeof xcom !== "object" || !Object.hasOwn(xcom, v.output)) return null;
        return { value: xcom[v.output] };
      }
      default:
        return null;
    }
  };
  const conf: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(task.conf)) {
    const got = confValue(v);
    if (got !== null) conf[key] = got.value;
  }
  const written = task.runId;
  const rest = written?.replaceAll(RUN_ID_TAG, "") ?? null;
  const runId =
    written === null || rest === null || /\{[{%#]/.test(rest)
      ? undefined
      : rest !== written
        ? (run: { readonly runId: string }) => written.replaceAll(RUN_ID_TAG, run.runId)
        : written;
  return {
    dagId: task.dag,
    conf,
    ...(runId === undefined ? {} : { runId }),
    ...(task.skipWhenExists ? { skipWhenExists: true } : {}),
    ...(task.wait === null
      ? {}
      : {
          wait: {
            pokeIntervalMs: (task.wait.pokeInterval ?? 60) * 1000,
            ...(task.wait.allowedStates === null ? {} : { allowedStates: task.wait.allowedStates }),
            ...(task.wait.failedStates === null ? {} : { failedStates: task.wait.failedStates }),
          },
        }),
  };
}

/** A value of an output's declared type, for an output the test gives no value. */
function standIn(taskId: string, output: string, type: string): unknown {
  switch (type) {
    case "int":
      return 1;
    case "float":
      return 0.5;
    case "bool":
      return true;
    case "list":
      return [`${taskId}.${output}[0]`];
    case "dict":
      return {};
    default:
      return `${taskId}.${output}`;
  }
}

/**
 * The instant of a pipeline's start date: with an offset as given, else the local time in its
 * time zone (UTC without one), as pendulum reads it.
 */
function startInstant(text: string, timezone: string | null): number {
  const time = text.length === 10 ? `${text}T00:00:00` : text;
  if (/(?:Z|[+-]\d{2}:\d{2})$/.test(time)) return Date.parse(time);
  const asUtc = Date.parse(`${time}Z`);
  if (timezone === null || timezone === "UTC") return asUtc;
  /** The zone's offset from UTC at an instant. */
  const offsetAt = (ms: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone: timezone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(ms)
        .map((p) => [p.type, p.value]),
    );
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return wall - ms;
  };
  // The offsets a day before and after (a zone changes at most once in two days): the later
  // one when it gives that wall time (an hour repeated: pendulum's fold=1), else the earlier
  // (a normal time before a change, or an hour skipped, which pendulum moves forward by it).
  const before = offsetAt(asUtc - 86_400_000);
  const after = offsetAt(asUtc + 86_400_000);
  return offsetAt(asUtc - after) === after ? asUtc - after : asUtc - before;
}
