import {
  type DiagnosticPlace,
  diagnostic,
  downstreamMap,
  effectiveOptions,
  humanDuration,
  literalOnly,
  type OutputType,
  outputHandle,
  PARAM_OUTPUT_TYPES,
  type Param,
  type Pipeline,
  type PythonTask,
  pokeSensorWait,
  pokeSensorWaitText,
  type Resources,
  refsIn,
  rightValue,
  type Scalar,
  type Task,
  targetTasks,
  taskFunction,
  taskKubeflow,
  taskOutputs,
  taskValues,
  type Value,
  visitValue,
} from "@mlgen/core";
import { extendedResourceProblem, secretNameProblem } from "../k8s-names.js";
import { QUANTITY, quantity } from "../quantity.js";
import { checkOperator } from "./check-operators.js";
import { type PassContext, taskPlace } from "./context.js";

/** Sensors in poke mode hold a worker slot; past this wait, rescheduling is the better deal. */
const POKE_WARN_SECONDS = 3600;

/** Task instance states Airflow's ExternalTaskSensor accepts when it watches a task. */
const TI_STATES = [
  "removed",
  "scheduled",
  "queued",
  "running",
  "success",
  "restarting",
  "failed",
  "up_for_retry",
  "up_for_reschedule",
  "upstream_failed",
  "skipped",
  "deferred",
];
/** DAG run states, which it accepts when it watches a whole run (no task). */
const RUN_STATES = ["queued", "running", "success", "failed"];

/**
 * ExternalTaskSensor checks its states when the DAG file is parsed: one it does not know (or a
 * task state while it watches a whole run) makes Airflow refuse the whole file.
 */
function checkExternalStates(
  sensor: Extract<Task, { kind: "sensor" }>["sensor"],
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  if (sensor.type !== "external_task") return;
  const valid = sensor.task === null ? RUN_STATES : TI_STATES;
  for (const key of ["allowedStates", "failedStates"] as const) {
    const bad = (sensor[key] ?? []).filter((s) => !valid.includes(s));
    if (bad.length === 0) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `${key} of external task sensor on '${sensor.dag}'`,
          reason: `${bad.map((b) => `'${b}'`).join(", ")} ${bad.length === 1 ? "is not a state" : "are not states"} of ${sensor.task === null ? "a DAG run (the sensor watches the whole run: it names no task)" : "a task instance"}, and Airflow refuses the DAG file`,
          hint: `use ${valid.map((v) => `'${v}'`).join(", ")}`,
        },
        place,
      ),
    );
  }
}

/**
 * A task's resources (a container task's, a python task's on Kubeflow: `option` names which)
 * must be quantities Kubernetes reads, with requests no larger than limits: the pod is refused
 * otherwise (and kfp refuses the strings), whichever engine runs it.
 */
function checkResources(
  task: Task,
  r: Resources,
  option: string,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const written = {
    cpu: r.cpuRequest,
    memory: r.memoryRequest,
    cpuLimit: r.cpuLimit,
    memoryLimit: r.memoryLimit,
  };
  for (const [key, value] of Object.entries(written)) {
    // `500m` of memory is half a byte (m is a thousandth): Kubernetes takes it, kfp refuses it,
    // and no container starts in it. `Mi` or `M` was meant.
    if (value !== null && key.startsWith("memory") && /^[0-9.]+m$/.test(value)) {
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `${option}.${key} of task '${task.id}'`,
            reason: `${JSON.stringify(value)} is ${value.slice(0, -1)} thousandths of a byte (m is a thousandth), which no container starts in`,
            hint: `write ${JSON.stringify(`${value.slice(0, -1)}Mi`)} (mebibytes) or ${JSON.stringify(`${value.slice(0, -1)}M`)} (megabytes)`,
          },
          place,
        ),
      );
      continue;
    }
    if (value === null || QUANTITY.test(value)) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `${option}.${key} of task '${task.id}'`,
          reason: `${JSON.stringify(value)} is not a Kubernetes quantity, so the pod is refused`,
          hint: key.startsWith("cpu")
            ? 'give cores or millicores: "2", "0.5", "500m"'
            : 'give bytes with a unit: "512Mi", "4Gi", "1G"',
        },
        place,
      ),
    );
  }
  for (const [request, limit, key] of [
    [r.cpuRequest, r.cpuLimit, "cpu"],
    [r.memoryRequest, r.memoryLimit, "memory"],
  ] as const) {
    if (request === null || limit === null || !QUANTITY.test(request) || !QUANTITY.test(limit)) {
      continue;
    }
    if (quantity(request) <= quantity(limit)) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `${option}.${key} of task '${task.id}'`,
          reason: `the request ${request} is more than the limit ${limit}, and Kubernetes refuses such a pod`,
          hint: `lower ${key} to ${limit} or less, or raise ${key}Limit`,
        },
        place,
      ),
    );
  }
  const wrongAccelerator =
    r.accelerator === undefined ? null : extendedResourceProblem(r.accelerator);
  if (wrongAccelerator !== null) {
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `${option}.accelerator of task '${task.id}'`,
          reason: `'${r.accelerator}' is no accelerator Kubernetes schedules: ${wrongAccelerator}`,
          hint: "name the resource its device plugin registers: nvidia.com/gpu (the default), amd.com/gpu, google.com/tpu, habana.ai/gaudi",
        },
        place,
      ),
    );
  }
}

/** A container task's image pull secrets: Kubernetes secret names, or the pod is refused. */
function checkPullSecrets(
  task: Task,
  names: readonly string[],
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  names.forEach((name, i) => {
    const wrong = secretNameProblem(name);
    if (wrong === null) return;
    ctx.report(
      diagnostic(
        "MLG1011",
        { what: `entry ${i + 1} of imagePullSecrets of task '${task.id}'`, ...wrong },
        place,
      ),
    );
  });
}

/** A param's default must pass its own type, which Airflow checks on every run. */
function checkParams(ir: Pipeline, ctx: PassContext): void {
  const fits = {
    string: (d: unknown) => typeof d === "string",
    integer: (d: unknown) => Number.isInteger(d),
    number: (d: unknown) => typeof d === "number",
    boolean: (d: unknown) => typeof d === "boolean",
    array: (d: unknown) => Array.isArray(d),
    object: (d: unknown) => typeof d === "object" && d !== null && !Array.isArray(d),
  } as Record<string, (d: unknown) => boolean>;
  for (const [name, param] of Object.entries(ir.params)) {
    const d = param.default;
    if (param.type === "integer" && Number.isInteger(d) && !Number.isSafeInteger(d)) {
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `default of param '${name}'`,
            reason: `${d} is beyond 2^53, where a JavaScript number keeps only about 16 digits, so it may not be the number written`,
            hint: "give a smaller number, or pass the value as text (a string param) and convert it in the task",
          },
          { pipeline: ir.id, location: ctx.sourceMap.pipeline },
        ),
      );
      continue;
    }
    // A null default is an optional param's (Param(None, type=["null", ...])), of any type.
    if (param.default === null || fits[param.type]?.(param.default) !== false) {
      checkParamChecks(ir, name, param, fits, ctx);
      continue;
    }
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `default of param '${name}'`,
          reason: `${JSON.stringify(param.default)} is not of its type '${param.type}', and Airflow fails every run that keeps the default ('ParamValidationError')`,
          hint:
            param.type === "integer" && typeof param.default === "number"
              ? `give a whole number, or declare type: "number" for a fractional one`
              : `give a default of type '${param.type}', or change the type`,
        },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
}

/**
 * A param's enum and bounds: of its type, and holding its default, which Airflow checks for every
 * run that keeps it.
 */
function checkParamChecks(
  ir: Pipeline,
  name: string,
  param: Param,
  fits: Record<string, (d: unknown) => boolean>,
  ctx: PassContext,
): void {
  const problem = (what: string, reason: string, hint: string) =>
    ctx.report(
      diagnostic(
        "MLG1011",
        { what: `${what} of param '${name}'`, reason, hint },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  // A scheduled run keeps every default: Airflow refuses such a DAG file outright.
  const refused =
    ir.schedule.kind === "none"
      ? "and Airflow fails every run that keeps the default ('ParamValidationError')"
      : "and Airflow refuses the DAG file, whose scheduled runs keep the default";
  const numeric = param.type === "number" || param.type === "integer";
  for (const key of ["minimum", "maximum"] as const) {
    if (param[key] !== undefined && !numeric) {
      problem(
        key,
        `it bounds a number, and the param is of type '${param.type}'`,
        param.type === "string"
          ? "bound a string's length with minLength and maxLength"
          : `remove ${key}`,
      );
    }
  }
  for (const key of ["minLength", "maxLength"] as const) {
    if (param[key] !== undefined && param.type !== "string") {
      problem(
        key,
        `it bounds a string's length, and the param is of type '${param.type}'`,
        numeric ? "bound a number with minimum and maximum" : `remove ${key}`,
      );
    }
  }
  const d = param.default;
  if (param.enum !== undefined) {
    const wrong = param.enum.find((v) => !fits[param.type]?.(v));
    if (param.enum.length === 0) {
      problem(
        "enum",
        "it is empty, so no run could give a value",
        "list the values a run may give",
      );
    } else if (!numeric && param.type !== "string") {
      problem(
        "enum",
        `the param is of type '${param.type}', and mlgen carries an enum of strings or numbers`,
        "remove enum, or make the param a string or number param",
      );
    } else if (wrong !== undefined) {
      problem(
        "enum",
        `${JSON.stringify(wrong)} is not of the param's type '${param.type}'`,
        param.type === "integer" && typeof wrong === "number"
          ? 'declare the param a number param, { default: ..., type: "number" } (JavaScript reads 1.0 as 1)'
          : `list values of type '${param.type}'`,
      );
    } else if (d === null) {
      problem(
        "enum",
        `the param's default is null (a run may leave it unset), and Airflow checks null against the enum too, refusing it ('ParamValidationError')`,
        "give the param one of the values as its default, or remove enum and check the value in the task",
      );
    } else if (!param.enum.some((v) => v === d)) {
      problem(
        "default",
        `${JSON.stringify(d)} is not one of its enum (${param.enum.map((v) => JSON.stringify(v)).join(", ")}), ${refused}`,
        "make the default one of the values, or add it to them",
      );
    }
  }
  if (numeric && (typeof d === "number" || d === null)) {
    if (
      param.minimum !== undefined &&
      param.maximum !== undefined &&
      param.minimum > param.maximum
    ) {
      problem("minimum", `${param.minimum} is above its maximum ${param.maximum}`, "swap them");
    } else if (
      // Bounds check a number: JSON Schema lets an optional param's null through them.
      d !== null &&
      ((param.minimum !== undefined && d < param.minimum) ||
        (param.maximum !== undefined && d > param.maximum))
    ) {
      problem(
        "default",
        `${d} is outside [${param.minimum ?? "-∞"}, ${param.maximum ?? "∞"}], ${refused}`,
        "give a default within the bounds",
      );
    }
  }
  if (param.type === "string" && (typeof d === "string" || d === null)) {
    // In characters, as Python's jsonschema counts them (not UTF-16 units); null has none.
    const length = d === null ? null : [...d].length;
    if (
      param.minLength !== undefined &&
      param.maxLength !== undefined &&
      param.minLength > param.maxLength
    ) {
      problem(
        "minLength",
        `${param.minLength} is above its maxLength ${param.maxLength}`,
        "swap them",
      );
    } else if (
      length !== null &&
      ((param.minLength !== undefined && length < param.minLength) ||
        (param.maxLength !== undefined && length > param.maxLength))
    ) {
      problem(
        "default",
        `${JSON.stringify(d)} is ${length} characters long, outside [${param.minLength ?? 0}, ${param.maxLength ?? "∞"}], ${refused}`,
        "give a default of a length within the bounds",
      );
    }
  }
}

/**
 * A Python task's input given as a plain string that holds an Airflow template: PythonOperator's
 * op_kwargs would be rendered, but mlgen passes a literal as written (template() is rendered).
 */
function checkLiteralTemplates(ir: Pipeline, ctx: PassContext): void {
  for (const task of ir.tasks) {
    for (const [input, value] of Object.entries(taskFunction(task)?.inputs ?? {})) {
      let text: string | null = null;
      visitValue(value, (v) => {
        if (
          v.kind === "literal" &&
          typeof v.value === "string" &&
          /\{\{[\s\S]*\}\}|\{%/.test(v.value)
        ) {
          text ??= v.value;
        }
      });
      if (text === null) continue;
      ctx.report(
        diagnostic("MLG1028", { input, task: task.id, text }, taskPlace(ctx, ir.id, task.id)),
      );
    }
  }
}

/** Trigger rules under which every upstream task ends without an output to read. */
const NO_OUTPUT_RULES: Readonly<Record<string, string>> = {
  all_failed: "fails",
  all_skipped: "is skipped",
};

/**
 * A task whose trigger rule needs every upstream task to fail (or be skipped) and that reads
 * another task's output: the read makes the producer upstream, so the task runs only when the
 * producer left nothing to read (a hand-written DAG's xcom_pull adds no such edge).
 */
function checkRulesAgainstInputs(ir: Pipeline, ctx: PassContext): void {
  for (const task of ir.tasks) {
    const rule = effectiveOptions(ir, task).triggerRule;
    const ends = rule ? NO_OUTPUT_RULES[rule] : undefined;
    if (!rule || !ends) continue;
    let read: { task: string; output: string } | null = null;
    for (const [, value] of taskValues(task)) {
      visitValue(value, (v) => {
        if (v.kind === "ref") read ??= { task: v.task, output: v.output };
      });
    }
    if (read === null) continue;
    const { task: source, output } = read;
    ctx.report(
      diagnostic(
        "MLG1027",
        { task: task.id, rule, output, source, ends },
        taskPlace(ctx, ir.id, task.id),
      ),
    );
  }
}

/** Trigger rules that run a task whose upstream tasks were all skipped (Airflow's trigger_rule_dep). */
const RUN_AFTER_SKIPS = new Set(["all_done", "always", "none_failed", "all_skipped"]);

/**
 * A task after a short-circuit with a trigger rule of its own (`cleanup` with `all_done`): when
 * the condition does not hold, Airflow's ShortCircuitOperator skips everything after it whatever
 * its rule (ignore_downstream_trigger_rules), and so does Kubeflow's dsl.If, so the rule never
 * runs it then. Said of a rule that would have run it: one that runs after skips, or any but
 * all_success when the task also waits for a task the short-circuit does not skip. A one-sided
 * p.branch() skips only the tasks right after it.
 */
function checkRulesAfterShortCircuit(ir: Pipeline, ctx: PassContext): void {
  const below = downstreamMap(ir);
  const byId = new Map(ir.tasks.map((t) => [t.id, t]));
  const said = new Set<string>();
  for (const gate of ir.tasks) {
    if (gate.kind !== "short_circuit") continue;
    const seen = new Set<string>();
    const queue = [...(below.get(gate.id) ?? [])];
    while (queue.length) {
      const id = queue.shift() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(...(below.get(id) ?? []));
    }
    for (const id of [...seen].sort()) {
      const task = byId.get(id);
      const rule = task ? effectiveOptions(ir, task).triggerRule : null;
      if (!task || rule === null || rule === "all_success" || said.has(id)) continue;
      const outside = task.upstream.some((u) => u !== gate.id && !seen.has(u));
      if (!RUN_AFTER_SKIPS.has(rule) && !outside) continue;
      said.add(id);
      const next = below.get(gate.id) ?? [];
      ctx.report(
        diagnostic(
          "MLG1045",
          {
            task: id,
            rule,
            gate: gate.id,
            // A one-sided branch skips its own targets whatever their rules, as this does.
            alternative: next.includes(id)
              ? ""
              : `, or use p.branch() with only ifTrue: ['${next.join("', '")}']: it skips the tasks right after it, and the rules of those after them hold`,
          },
          taskPlace(ctx, ir.id, id),
        ),
      );
    }
  }
}

/** Branch targets come after the branch; mapped tasks map over lists; poke-mode sensors. */
export function checkConstructs(ir: Pipeline, ctx: PassContext): void {
  const byId = new Map(ir.tasks.map((t) => [t.id, t]));
  checkParams(ir, ctx);
  checkRulesAgainstInputs(ir, ctx);
  checkRulesAfterShortCircuit(ir, ctx);
  checkLiteralTemplates(ir, ctx);
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    const ownPod = taskKubeflow(task);
    if (ownPod?.resources) {
      checkResources(task, ownPod.resources, "kubeflow.resources", ctx, place);
    }
    switch (task.kind) {
      case "branch":
        checkBranch(ir, task, byId, ctx);
        break;
      case "short_circuit":
        conditionTypes(ir, task, byId, ctx, place);
        break;
      case "latest_only":
        checkLatestOnly(ir, task, ctx, place);
        break;
      case "python":
        if (task.map) checkMap(ir, task, byId, ctx, place);
        break;
      case "validate":
        checkValidatedData(ir, task, byId, ctx, place);
        break;
      case "operator":
        checkOperator(ir, task, ctx, place);
        break;
      case "container":
        checkResources(task, task.resources, "resources", ctx, place);
        if (task.imagePullSecrets) checkPullSecrets(task, task.imagePullSecrets, ctx, place);
        break;
      case "sensor": {
        // Each try ends at an execution timeout shorter than the timeout, and is retried.
        const o = effectiveOptions(ir, task);
        const timeout = pokeSensorWait(task.timeout, o.executionTimeout, o.retries ?? 0);
        if (task.sensor.type === "external_task") checkExternalStates(task.sensor, ctx, place);
        if (task.sensor.type === "python" && task.deferrable) {
          // PythonSensor has no trigger to defer to: Airflow refuses the argument.
          ctx.report(
            diagnostic(
              "MLG1011",
              {
                what: `deferrable of python sensor '${task.id}'`,
                reason:
                  "PythonSensor cannot defer: it calls your function in a worker, and Airflow refuses deferrable=True on it when it parses the DAG file",
                hint: "leave deferrable out and use mode: 'reschedule' (the default), which frees the worker slot between checks",
              },
              place,
            ),
          );
        }
        const tryEnds = o.executionTimeout;
        if (
          task.mode === "poke" &&
          !task.deferrable &&
          task.timeout !== null &&
          tryEnds !== null &&
          tryEnds < task.timeout
        ) {
          ctx.report(
            diagnostic(
              "MLG1029",
              {
                task: task.id,
                timeout: humanDuration(task.timeout),
                executionTimeout: humanDuration(tryEnds),
              },
              place,
            ),
          );
        }
        if (task.mode === "poke" && !task.deferrable && timeout > POKE_WARN_SECONDS) {
          ctx.report(
            diagnostic(
              "MLG1019",
              {
                task: task.id,
                timeout: pokeSensorWaitText(task.timeout, o.executionTimeout, o.retries ?? 0),
              },
              place,
            ),
          );
        }
        break;
      }
      default:
        break;
    }
  }
}

/** What a condition reads on one side, as declared: its type and how messages name it. */
interface Operand {
  /** `list` for a mapped task's output, read downstream as the list of its instances' values. */
  readonly type: OutputType;
  readonly declared: OutputType;
  /** The mapped task whose output it is, read as a list. */
  readonly map: string | null;
  readonly shown: string;
  /** How the DSL reads it, for a hint. */
  readonly reduce: string;
}

function operand(ir: Pipeline, value: Value, byId: ReadonlyMap<string, Task>): Operand | undefined {
  if (value.kind === "ref") {
    const producer = byId.get(value.task);
    const declared = producer ? taskOutputs(producer)[value.output] : undefined;
    if (declared === undefined) return undefined;
    const mapped = producer?.kind === "python" && producer.map !== null;
    return {
      type: mapped ? "list" : declared,
      declared,
      map: mapped ? value.task : null,
      shown: `${value.task}.${value.output}`,
      reduce: outputHandle(value.task, value.output),
    };
  }
  if (value.kind === "param") {
    const type = ir.params[value.name]?.type;
    if (type === undefined) return undefined;
    const declared = PARAM_OUTPUT_TYPES[type];
    const shown = `param '${value.name}'`;
    return { type: declared, declared, map: null, shown, reduce: `p.params.${value.name}` };
  }
  // Text: a Variable's value, an environment variable, a rendered template, a joined path.
  const text = (shown: string): Operand => ({
    type: "string",
    declared: "string",
    map: null,
    shown,
    reduce: shown,
  });
  switch (value.kind) {
    case "variable":
      return text(`variable '${value.name}'`);
    case "env":
      return text(`env '${value.name}'`);
    case "template":
      return text("a template");
    case "join":
      return text("a joined path");
    default:
      return undefined;
  }
}

/** One side of a condition in a sentence: `ev.acc, a float`. */
const described = (o: Operand) =>
  `${o.shown}, ${o.map ? `the list of the ${o.declared} values of the instances of map '${o.map}'` : aType(o.type)}`;

/** `a float`, `an int`: an operand's type in a sentence. */
const aType = (type: OutputType) => `${type === "int" ? "an" : "a"} ${type}`;

const KIND_OF: Readonly<Record<OutputType, string>> = {
  int: "number",
  float: "number",
  string: "string",
  bool: "boolean",
  list: "list",
  dict: "dict",
};

/**
 * A condition comparing a typed value with a literal or value of another kind (`score > "high"`,
 * `score > p.params.mode`) raises a TypeError when the branch runs (Python does not order a
 * float and a str) or is never true (`==`): caught here, as the DSL's types would catch it if
 * the pipeline were type-checked. A list or dict on either side is compared as a whole, which
 * is never what was meant.
 */
function conditionTypes(
  ir: Pipeline,
  task: Extract<Task, { kind: "branch" | "short_circuit" }>,
  byId: ReadonlyMap<string, Task>,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const { left, op, right } = task.condition;
  if (right === null) return;
  const kind = task.kind === "branch" ? "branch" : "short-circuit";
  const what = `condition of ${kind} '${task.id}'`;
  const outcome = ["==", "!="].includes(op)
    ? "never matches"
    : `fails when the ${kind} runs: Python does not order these`;
  const read = rightValue(task.condition);
  const sides = [operand(ir, left, byId), read ? operand(ir, read, byId) : undefined];
  // A list or dict, on either side: said with both sides in the order written.
  const listy = sides.find((side) => side?.type === "list" || side?.type === "dict");
  if (listy) {
    const [l, r] = sides.map((side) => (side ? described(side) : undefined));
    const rightText = read ? r : JSON.stringify(right);
    const both = sides.every((side) => side?.type === "list" || side?.type === "dict");
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what,
          reason: `it compares ${l ?? "a value"}${rightText ? `, with ${rightText}` : ""} (${op}), which ${both ? "compares them as a whole, and Kubeflow conditions take strings, numbers and booleans only" : outcome}`,
          hint: `reduce it to one value first: a python task that takes ${listy.reduce} and returns the number or flag to branch on (its max, its mean, whether all passed), and branch on that`,
        },
        place,
      ),
    );
    return;
  }
  const [l, r] = sides;
  if (l === undefined) return;
  const wanted = KIND_OF[l.type];
  if (read) {
    if (r === undefined) return;
    if (KIND_OF[r.type] === wanted) {
      integerAgainstFloat(ir, what, [left, read], [l, r], ctx, place);
      return;
    }
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what,
          reason: `it compares ${l.shown}, ${aType(l.type)}, with ${r.shown}, ${aType(r.type)} (${op}), which ${outcome}`,
          hint: `compare with a ${wanted} param or output, or declare each with the type it has`,
        },
        place,
      ),
    );
    return;
  }
  if (KIND_OF[l.type] === typeof right) {
    integerAgainstFloat(ir, what, [left, null], [l, right as Scalar], ctx, place);
    return;
  }
  ctx.report(
    diagnostic(
      "MLG1011",
      {
        what,
        reason: `it compares ${l.shown}, ${aType(l.type)}, with ${JSON.stringify(right)} (${op}), which ${outcome}`,
        hint: `compare with a ${wanted}, or declare the output with the type it has`,
      },
      place,
    ),
  );
}

/**
 * An integer param (its default a whole number: JavaScript reads `min_accuracy: 1.0` as 1)
 * compared with a float, an output declared float, a number param or a literal fraction: the
 * threshold was meant to take fractions, and a run given one is refused by Airflow's param check
 * and Kubeflow's input type (kfp.local: "NUMBER_DOUBLE is incompatible with NUMBER_INTEGER").
 */
function integerAgainstFloat(
  ir: Pipeline,
  what: string,
  values: readonly [Value, Value | null],
  operands: readonly [Operand, Operand | Scalar],
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  for (const [i, value] of values.entries()) {
    if (value?.kind !== "param" || ir.params[value.name]?.type !== "integer") continue;
    // An optional param's type was written out (and a condition may not read it: MLG1047).
    if (ir.params[value.name]?.default === null) continue;
    const other = operands[1 - i];
    const float =
      typeof other === "number"
        ? !Number.isInteger(other)
        : other !== null && typeof other === "object" && other.declared === "float";
    if (!float) continue;
    const shown = typeof other === "object" && other !== null ? described(other) : String(other);
    const d = ir.params[value.name]?.default;
    ctx.report(
      diagnostic(
        "MLG1040",
        {
          param: value.name,
          value: String(d),
          what,
          other: shown,
          example: `${d}.5`,
          hint: `declare it a number param, ${value.name}: { default: ${String(d)}, type: "number" } (JavaScript reads ${String(d)}.0 as ${String(d)})`,
        },
        place,
      ),
    );
  }
}

/**
 * A target of one side that runs after a target of the other side (it reads its output, or
 * `.after()` it): whichever side the branch takes, one of them is skipped, and with Airflow's
 * default trigger rule (all_success) so is it, on both outcomes. A target with another trigger
 * rule may mean it.
 */
function crossSideReads(
  ir: Pipeline,
  branch: Extract<Task, { kind: "branch" }>,
  byId: ReadonlyMap<string, Task>,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const members = (list: readonly string[]) =>
    new Set(list.flatMap((t) => targetTasks(ir, t).map((task) => task.id)));
  const sides = [
    ["ifTrue", members(branch.ifTrue), "ifFalse", members(branch.ifFalse)],
    ["ifFalse", members(branch.ifFalse), "ifTrue", members(branch.ifTrue)],
  ] as const;
  for (const [side, own, otherSide, other] of sides) {
    // Once per task of the other side: a group's tasks after it are one mistake.
    const said = new Set<string>();
    for (const id of own) {
      const task = byId.get(id);
      const rule = task ? effectiveOptions(ir, task).triggerRule : null;
      if (!task || (rule !== null && rule !== "all_success")) continue;
      // The first task of the other side this one runs after (upstream, transitively).
      const seen = new Set<string>();
      const stack = [...task.upstream];
      let found: string | null = null;
      while (stack.length > 0 && found === null) {
        const up = stack.pop() as string;
        if (seen.has(up) || up === branch.id) continue;
        seen.add(up);
        if (other.has(up) && !own.has(up)) found = up;
        else stack.push(...(byId.get(up)?.upstream ?? []));
      }
      if (found === null || said.has(found)) continue;
      said.add(found);
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `branch '${branch.id}'`,
            reason: `'${id}' (${side}) runs after '${found}' (${otherSide}), so it never runs: the branch skips '${found}' when it takes ${side}, and skips '${id}' when it takes ${otherSide}`,
            hint: `make '${id}' independent of '${found}' (read what both need from a task before '${branch.id}'), or give it triggerRule: "none_failed_min_one_success" if it may run without '${found}'`,
          },
          place,
        ),
      );
    }
  }
}

/** Ancestors of a branch, not counting the edges the branch itself adds to its targets. */
function branchAncestors(branch: Task, byId: ReadonlyMap<string, Task>): Set<string> {
  const ancestors = new Set<string>();
  const stack = [...branch.upstream];
  while (stack.length) {
    const id = stack.pop() as string;
    if (ancestors.has(id)) continue;
    ancestors.add(id);
    for (const up of byId.get(id)?.upstream ?? []) if (up !== branch.id) stack.push(up);
  }
  return ancestors;
}

/**
 * A latest-only gate whose schedule decides for it (MLG1053): one without a next interval
 * (NullTimetable, an asset-triggered one, OnceTimetable after its one run: next_dagrun_info is
 * None) lets every run through; ContinuousTimetable's window ends at the moment it is asked,
 * before the operator reads the clock, so it skips in every run. A gate after other tasks is
 * judged late (MLG1054).
 */
function checkLatestOnly(
  ir: Pipeline,
  task: Task,
  ctx: PassContext,
  place: ReturnType<typeof taskPlace>,
): void {
  const s = ir.schedule;
  const never = "never skips anything";
  const found: [outcome: string, reason: string] | null =
    s.kind === "none"
      ? [
          never,
          "has no schedule, and Airflow's LatestOnlyOperator lets a run of a DAG without one through (each is started by hand or by a trigger)",
        ]
      : s.kind === "assets" && s.time === null
        ? [
            never,
            "is scheduled by assets only, and Airflow's LatestOnlyOperator lets an asset-triggered run through (it has no interval of a schedule)",
          ]
        : s.kind === "preset" && s.preset === "@once"
          ? [
              never,
              'runs "@once", and Airflow\'s LatestOnlyOperator lets a run through when the schedule has no run after it',
            ]
          : s.kind === "preset" && s.preset === "@continuous"
            ? [
                "skips the tasks after it in every run",
                'runs "@continuous", whose window Airflow\'s LatestOnlyOperator ends at the moment it asks for it, before it reads the clock, so no run is the latest',
              ]
            : null;
  if (found !== null) {
    ctx.report(
      diagnostic(
        "MLG1053",
        {
          task: task.id,
          pipeline: ir.id,
          outcome: found[0],
          reason: found[1],
          hint: `give pipeline '${ir.id}' a time schedule (schedule: "@daily", or { cron, assets } beside its assets), or remove '${task.id}'`,
        },
        place,
      ),
    );
    // Past MLG1053 the schedule decides, wherever the gate is.
    return;
  }

  // The tasks right after it are skipped whatever their rule (SkipMixin.skip_all_except).
  const followers = ir.tasks.filter((t) => t.upstream.includes(task.id));
  for (const t of followers) {
    const rule = effectiveOptions(ir, t).triggerRule;
    if (rule === null || rule === "all_success") continue;
    ctx.report(
      diagnostic("MLG1055", { task: t.id, rule, gate: task.id }, taskPlace(ctx, ir.id, t.id)),
    );
  }
  if (task.upstream.length === 0) return;
  const after = followers.map((t) => t.id);
  const names = (ids: readonly string[]) => ids.map((id) => `'${id}'`).join(", ");
  const local = (id: string) => id.slice(id.lastIndexOf(".") + 1);
  ctx.report(
    diagnostic(
      "MLG1054",
      {
        task: task.id,
        before: names(task.upstream),
        after: after.length > 0 ? names(after) : "what follows it",
        // The handles' names as a pipeline usually has them: the ids' own parts.
        example: `${local(after[0] ?? "<task>")}.after(${local(task.id)}, ${task.upstream.map(local).join(", ")})`,
      },
      place,
    ),
  );
}

/**
 * The edges a branch adds to the tasks of a target that MLG1016 refuses (a target that is the
 * branch itself or runs before it), as `task\0branch`: each closes a loop through the branch
 * that is that error, not another one (checkGraph leaves them out when it looks for cycles).
 * An edge the task also asks for itself (`.after(branch)`) is kept.
 */
export function refusedBranchEdges(ir: Pipeline, byId: ReadonlyMap<string, Task>): Set<string> {
  const out = new Set<string>();
  for (const branch of ir.tasks) {
    if (branch.kind !== "branch") continue;
    let ancestors: Set<string> | undefined;
    for (const target of [...branch.ifTrue, ...branch.ifFalse]) {
      const members = targetTasks(ir, target);
      ancestors ??= branchAncestors(branch, byId);
      const seen = ancestors;
      if (!members.some((t) => t.id === branch.id || seen.has(t.id))) continue;
      for (const t of members) {
        if (!t.after.includes(branch.id)) out.add(`${t.id}\0${branch.id}`);
      }
    }
  }
  return out;
}

/** The task groups `task` sits in, innermost first. */
function groupsOf(ir: Pipeline, group: string | null): string[] {
  const out: string[] = [];
  for (let g = group; g !== null; g = ir.groups[g]?.parent ?? null) out.push(g);
  return out;
}

/**
 * A branch outside a task group naming a task inside it (`ifTrue: ship.out.announce` for the
 * group `ship`, where `ifTrue: ship` was meant): the group's tasks before that one do not wait
 * for the branch, so they run whichever way it goes (a model registered on the side that
 * alerts). Not those the branch itself waits for.
 */
function groupEntered(
  ir: Pipeline,
  branch: Extract<Task, { kind: "branch" }>,
  target: string,
  side: "ifTrue" | "ifFalse",
  graph: { byId: ReadonlyMap<string, Task>; ancestors: ReadonlySet<string> },
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const { byId, ancestors } = graph;
  const task = byId.get(target);
  if (!task) return;
  const mine = new Set(groupsOf(ir, branch.group));
  // The outermost group holding the target and not the branch.
  const group = groupsOf(ir, task.group)
    .filter((g) => !mine.has(g))
    .at(-1);
  if (group === undefined) return;
  const decided = new Set<string>([branch.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of ir.tasks) {
      if (!decided.has(t.id) && t.upstream.some((u) => decided.has(u))) {
        decided.add(t.id);
        grew = true;
      }
    }
  }
  // What a target of the other side also waits for runs whichever way by design (a `prepare`
  // before both `push_prod` and `push_staging`).
  const other = side === "ifTrue" ? branch.ifFalse : branch.ifTrue;
  const bothWays = new Set<string>();
  const up = other.flatMap((t) => targetTasks(ir, t).flatMap((x) => x.upstream));
  while (up.length > 0) {
    const id = up.pop() as string;
    if (bothWays.has(id)) continue;
    bothWays.add(id);
    up.push(...(byId.get(id)?.upstream ?? []));
  }
  const before: string[] = [];
  const seen = new Set<string>();
  const stack = [...task.upstream];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const t = byId.get(id);
    if (!t || !groupsOf(ir, t.group).includes(group)) continue;
    // What the branch itself waits for (its condition reads it) runs first, as it must.
    if (!decided.has(id) && !ancestors.has(id) && !bothWays.has(id)) before.push(id);
    stack.push(...t.upstream);
  }
  if (before.length === 0) return;
  const named = before.sort().map((id) => `'${id}'`);
  ctx.report(
    diagnostic(
      "MLG1041",
      {
        branch: branch.id,
        side,
        target,
        group,
        before: named.join(", "),
        verb: before.length === 1 ? "runs" : "run",
        hint: `list the group itself (${side}: ${group}) to skip all of it, or move ${named.join(", ")} out of '${group}'`,
      },
      place,
    ),
  );
}

/**
 * What p.validate() reads is the path of a table (CSV or Parquet): an output or param of another
 * type (`load.out.rows`, an int) type-checks only under tsc, which `mlgen compile` does not run,
 * and fails the task when pandas is given it.
 */
function checkValidatedData(
  ir: Pipeline,
  task: Extract<Task, { kind: "validate" }>,
  byId: ReadonlyMap<string, Task>,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const v = task.data;
  let got: string | null = null;
  if (v.kind === "ref") {
    const from = byId.get(v.task);
    const type = from ? taskOutputs(from)[v.output] : undefined;
    if (from?.kind === "python" && from.map)
      got = `output '${v.output}' of mapped task '${v.task}', a list`;
    else if (type !== undefined && type !== "string")
      got = `output '${v.output}' of '${v.task}', ${type === "int" ? "an" : "a"} ${type}`;
  } else if (v.kind === "param") {
    const type = ir.params[v.name]?.type;
    if (type !== undefined && type !== "string")
      got = `param '${v.name}', ${type === "integer" || type === "array" ? "an" : "a"} ${type}`;
  } else if (v.kind === "literal" && typeof v.value !== "string") {
    got = `the literal ${JSON.stringify(v.value)}`;
  }
  if (got === null) return;
  ctx.report(
    diagnostic(
      "MLG1011",
      {
        what: `data of validate task '${task.id}'`,
        reason: `it is ${got}, and p.validate() reads the path of a CSV or Parquet table (pandas would be given it, and the task fail)`,
        hint: "pass the output or param holding the table's path (a string), e.g. load.out.path",
      },
      place,
    ),
  );
}

function checkBranch(
  ir: Pipeline,
  branch: Extract<Task, { kind: "branch" }>,
  byId: ReadonlyMap<string, Task>,
  ctx: PassContext,
): void {
  const place = taskPlace(ctx, ir.id, branch.id);
  const targets = new Set<string>();
  const ancestors = branchAncestors(branch, byId);
  if (branch.ifTrue.length === 0 && branch.ifFalse.length === 0) {
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `branch '${branch.id}'`,
          reason:
            "it lists no task on either side, so it would choose nothing and skip what follows",
          hint: "list the tasks to run in ifTrue and/or ifFalse, or use p.shortCircuit() to stop what follows when the condition fails",
        },
        place,
      ),
    );
  }
  conditionTypes(ir, branch, byId, ctx, place);
  for (const [side, list] of [
    ["ifTrue", branch.ifTrue],
    ["ifFalse", branch.ifFalse],
  ] as const) {
    for (const target of list) {
      const args = { branch: branch.id, target, side };
      if (!byId.has(target) && !ir.groups[target]) {
        ctx.report(
          diagnostic(
            "MLG1004",
            { where: `branch '${branch.id}' ${side}`, task: target, pipeline: ir.id },
            place,
          ),
        );
        continue;
      }
      const members = targetTasks(ir, target).map((t) => t.id);
      for (const id of members) targets.add(id);
      if (members.includes(branch.id)) {
        ctx.report(diagnostic("MLG1016", { ...args, reason: "is the branch itself" }, place));
      } else if (members.some((id) => ancestors.has(id))) {
        // The condition reading a target's output is what puts it upstream, unwritten.
        const read = taskValues(branch)
          .flatMap(([, v]) => refsIn(v))
          .find((r) => members.includes(r.task));
        const reason = read
          ? `runs before it (it is upstream: the condition reads its output '${read.output}')`
          : "runs before it (it is upstream)";
        ctx.report(diagnostic("MLG1016", { ...args, reason }, place));
      } else {
        groupEntered(ir, branch, target, side, { byId, ancestors }, ctx, place);
      }
    }
  }
  crossSideReads(ir, branch, byId, ctx, place);
  for (const task of ir.tasks) {
    if (task.upstream.includes(branch.id) && !targets.has(task.id)) {
      ctx.report(
        diagnostic("MLG1017", { task: task.id, branch: branch.id }, taskPlace(ctx, ir.id, task.id)),
      );
    }
  }
}

/** Trigger rules that run a task after an upstream failure. */
const RUNS_AFTER_FAILURE: ReadonlySet<string> = new Set([
  "all_failed",
  "all_done",
  "all_done_min_one_success",
  "one_success",
  "one_failed",
  "one_done",
  "none_skipped",
  "always",
]);

function checkMap(
  ir: Pipeline,
  task: PythonTask,
  byId: ReadonlyMap<string, Task>,
  ctx: PassContext,
  place: ReturnType<typeof taskPlace>,
): void {
  const over = task.map?.over;
  if (!over) return;
  // Airflow expands over the values the producer's instances returned: a failed one leaves a
  // gap that closes up, where its outputs read downstream keep a None in its place.
  const producer = over.kind === "ref" ? byId.get(over.task) : undefined;
  const rule = effectiveOptions(ir, task).triggerRule ?? "all_success";
  if (producer?.kind === "python" && producer.map !== null && RUNS_AFTER_FAILURE.has(rule)) {
    ctx.report(diagnostic("MLG1030", { task: task.id, producer: producer.id, rule }, place));
  }
  let what: string | null = null;
  switch (over.kind) {
    case "list": {
      if (over.items.length === 0) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `map of task '${task.id}'`,
              reason:
                "the list it maps over is empty, so no instance would run: Airflow skips the task and whatever waits on it, and Kubeflow refuses an empty loop",
              hint: "leave the task out when the list is empty (it is known when the pipeline is defined), or map over a list output of an upstream task",
            },
            place,
          ),
        );
        break;
      }
      // The list is written into the file as it is, when it is parsed: only literals are known.
      const index = over.items.findIndex((item) => !literalOnly(item));
      if (index >= 0) {
        const item = over.items[index] as Value;
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `map of task '${task.id}'`,
              reason: `item ${index} of the list it maps over is ${item.kind === "ref" ? `output '${item.output}' of task '${item.task}'` : `a ${item.kind}() value`}, known only when the pipeline runs, and a literal list is written into the pipeline as it is`,
              hint: 'map over a literal list of values, or over an output declared "list" of an upstream task that builds the list when it runs',
            },
            place,
          ),
        );
      }
      break;
    }
    case "ref": {
      const producer = byId.get(over.task);
      if (!producer) return; // resolveRefs reports the missing task
      const type = taskOutputs(producer)[over.output];
      const mapped = producer.kind === "python" && producer.map !== null;
      if (producer.kind === "sensor" && type === "list") {
        // Airflow expands over a task's return value, and a sensor's is whether it is done.
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `map of task '${task.id}'`,
              reason: `it maps over output '${over.output}' of python sensor '${over.task}', and Airflow expands only over what a task returns, which for a sensor is whether it is done`,
              hint: `pass ${over.task}.out.${over.output} to a python task that returns it as a list output, and map over that task's output`,
            },
            place,
          ),
        );
        break;
      }
      if (type !== undefined && type !== "list" && !mapped) {
        what = `output '${over.output}' of task '${over.task}' (declared ${type})`;
      }
      break;
    }
    case "literal":
      what = `the literal ${JSON.stringify(over.value)}`;
      break;
    case "object":
      what = "an object";
      break;
    case "join":
      what = "a path";
      break;
    case "param": {
      const type = ir.params[over.name]?.type;
      // An array param: Airflow gets a task that returns the run's list (see the Airflow view).
      if (type === "array") break;
      what = `param '${over.name}'${type ? ` (type ${type})` : ""}`;
      break;
    }
    default:
      what = `a ${over.kind}() value, which is a string`;
  }
  if (what !== null) ctx.report(diagnostic("MLG1018", { task: task.id, what }, place));
  if (task.map && task.map.input in task.inputs) {
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `map of task '${task.id}'`,
          reason: `input '${task.map.input}' is both the mapped item (as) and a regular input`,
          hint: "rename `as` or remove the input of the same name",
        },
        place,
      ),
    );
  }
}
