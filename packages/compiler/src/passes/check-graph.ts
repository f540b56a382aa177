import {
  type DiagnosticPlace,
  diagnostic,
  type Pipeline,
  type SourceLocation,
  type Task,
  taskFunction,
  taskKey,
  taskOutputs,
  topologicalOrder,
} from "@mlgen/core";
import { refusedBranchEdges } from "./check-constructs.js";
import { assetUriProblem, checkSchedule } from "./check-schedule.js";
import { type PassContext, taskPlace } from "./context.js";

/** XCom keys the generated DAG pushes itself: no output may take them. */
const RESERVED_OUTPUTS: ReadonlySet<string> = new Set(["return_value", "mlgen_map_index"]);

/** Airflow's KEY_REGEX restricted to ASCII, and its 250-character limit. */
const AIRFLOW_ID = /^[A-Za-z0-9_.-]+$/;
const PY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function airflowIdProblem(id: string): string | null {
  if (id.length === 0) return "it is empty";
  if (id.length > 250) return `it is ${id.length} characters long`;
  if (!AIRFLOW_ID.test(id)) {
    const bad = [...id].find((c) => !/[A-Za-z0-9_.-]/.test(c)) ?? "";
    return `it contains ${JSON.stringify(bad)}`;
  }
  return null;
}

/** Python's timedelta.max in whole seconds (999,999,999 days and a day less a second). */
const MAX_SECONDS = 86_399_999_999_999;

/** A task's durations in seconds: [option, value]. */
function durationsOf(task: Task): [string, number | null][] {
  const o = task.options;
  const out: [string, number | null][] = [
    ["executionTimeout", o.executionTimeout],
    ["retryDelay", o.retryDelay],
    ["maxRetryDelay", o.maxRetryDelay],
  ];
  if (task.kind === "sensor")
    out.push(["timeout", task.timeout], ["pokeInterval", task.pokeInterval]);
  if (task.kind === "trigger" && task.wait) out.push(["pokeInterval", task.wait.pokeInterval]);
  return out;
}

/** A duration Python cannot hold; 0 is fine (Airflow reads a 0 timeout as none). */
function durationProblem(value: number | null): string | null {
  if (value !== null && value > MAX_SECONDS) {
    return "it is longer than Python's timedelta can hold (999,999,999 days)";
  }
  return null;
}

const ID_CHARS = "ASCII letters, digits, '_', '-' and '.'";

/** Ids, duplicates, dangling `.after()` edges, names that must be Python identifiers, cycles. */
export function checkGraph(ir: Pipeline, ctx: PassContext): void {
  const idProblem = airflowIdProblem(ir.id);
  if (idProblem) {
    ctx.report(
      diagnostic(
        "MLG1006",
        { what: "pipeline id", id: ir.id, reason: idProblem, allowed: ID_CHARS, max: "250" },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
  checkSchedule(ir, ctx);
  const runTimeout = durationProblem(ir.dagrunTimeout);
  if (runTimeout) {
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `dagrunTimeout of pipeline '${ir.id}'`,
          reason: runTimeout,
          hint: "give it a duration Python can hold, such as hours(6)",
        },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
  for (const [i, d] of (ir.deadlines ?? []).entries()) {
    const problem = durationProblem(d.within);
    if (!problem) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `the within of deadline ${i + 1} of pipeline '${ir.id}'`,
          reason: problem,
          hint: "give it a duration Python can hold, such as hours(6)",
        },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
  const seen = new Set<string>();
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    const problem = airflowIdProblem(task.id);
    if (problem) {
      ctx.report(
        diagnostic(
          "MLG1006",
          { what: "task id", id: task.id, reason: problem, allowed: ID_CHARS, max: "250" },
          place,
        ),
      );
    }
    seen.add(task.id);
    for (const [name, value] of durationsOf(task)) {
      const problem = durationProblem(value);
      if (problem) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `${name} of task '${task.id}'`,
              reason: problem,
              hint: "give it a duration Python can hold",
            },
            place,
          ),
        );
      }
    }
    for (const uri of task.outlets) {
      const bad = assetUriProblem(uri);
      if (bad) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `outlet asset URI '${uri}' of task '${task.id}'`,
              reason: bad,
              hint: "use a URI such as 's3://bucket/path' or 'file:///data/raw.csv'",
            },
            place,
          ),
        );
      }
    }
    const names: [string, string][] = [];
    const fn = taskFunction(task);
    if (fn !== null) {
      for (const k of Object.keys(fn.inputs)) names.push(["input", k]);
      if (fn.function && !PY_IDENTIFIER.test(fn.function)) names.push(["function", fn.function]);
    }
    for (const k of Object.keys(taskOutputs(task))) names.push(["output", k]);
    if (task.kind === "python" && task.map) names.push(["mapped input", task.map.input]);
    // An operator's one output is its return value, under the key Airflow gives it.
    for (const k of task.kind === "operator" ? [] : Object.keys(taskOutputs(task))) {
      if (RESERVED_OUTPUTS.has(k)) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `output name '${k}' of task '${task.id}'`,
              reason:
                k === "return_value"
                  ? "Airflow keeps the value a task returns under that XCom key, and a task whose output is mapped over returns it, so one output would overwrite the other"
                  : "mlgen keeps a mapped task's instance numbers under that XCom key",
              hint: `name the output otherwise, e.g. '${k === "return_value" ? "value" : "map_index"}'`,
            },
            place,
          ),
        );
      }
    }
    for (const [what, name] of names) {
      if (!PY_IDENTIFIER.test(name)) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `${what} name '${name}' of task '${task.id}'`,
              reason: "it is not a Python identifier",
              hint: "use letters, digits and '_', not starting with a digit",
            },
            place,
          ),
        );
      }
    }
  }
  const known = new Set([...seen, ...Object.keys(ir.groups)]);
  for (const [g, group] of Object.entries(ir.groups)) {
    const place = { pipeline: ir.id, task: g, location: ctx.sourceMap[`group:${g}`] };
    // Airflow's group keys: no dot either (it joins nested group ids with one).
    const label = group.parent ? g.slice(group.parent.length + 1) : g;
    const labelProblem =
      airflowIdProblem(label) ??
      (label.includes(".")
        ? 'it contains "." (Airflow joins nested group ids with one)'
        : label.length > 200
          ? `it is ${label.length} characters long (Airflow takes at most 200 for a group)`
          : null);
    if (labelProblem) {
      ctx.report(
        // No '.' in a group id; Airflow takes at most 200 characters there.
        diagnostic(
          "MLG1006",
          {
            what: "group id",
            id: label,
            reason: labelProblem,
            allowed: "ASCII letters, digits, '_' and '-'",
            max: "200",
          },
          place,
        ),
      );
    }
    if (seen.has(g)) {
      const task = ctx.sourceMap[taskKey(g)];
      const group = place.location;
      // Said at the later of the two, naming the first.
      const taskLater =
        task !== undefined &&
        group !== undefined &&
        task.file === group.file &&
        (task.line ?? 0) * 1e6 + (task.column ?? 0) > (group.line ?? 0) * 1e6 + (group.column ?? 0);
      ctx.report(
        taskLater
          ? diagnostic(
              "MLG1001",
              { what: "task", id: g, first: `: a group has it too${firstAt(group, task)}` },
              { pipeline: ir.id, task: g, location: task },
            )
          : diagnostic(
              "MLG1001",
              {
                what: "group",
                id: g,
                first: task ? `: a task has it too${firstAt(task, group)}` : "",
              },
              place,
            ),
      );
    }
    for (const up of group.after) {
      if (!known.has(up)) {
        ctx.report(
          diagnostic(
            "MLG1004",
            { where: `group '${g}' (.after)`, task: up, pipeline: ir.id },
            { pipeline: ir.id },
          ),
        );
      }
    }
  }
  // An item ordered after itself, or after a group it is in, would be dropped by the
  // dependency pass without a word: Airflow rejects such an edge as a cycle.
  const groupOfTask = new Map(ir.tasks.map((t) => [t.id, t.group]));
  /** Whether `id` (a task or a group) is `g` or inside it. */
  const inside = (id: string, g: string): boolean => {
    let at = groupOfTask.has(id) ? (groupOfTask.get(id) ?? null) : id;
    for (let depth = 0; at !== null && depth < 1000; depth++) {
      if (at === g) return true;
      at = ir.groups[at]?.parent ?? null;
    }
    return id === g;
  };
  let selfCycles = 0;
  const selfCycle = (what: string, up: string, place: DiagnosticPlace) => {
    selfCycles++;
    ctx.report(
      diagnostic(
        "MLG1002",
        {
          cycle:
            what === up
              ? `'${what}' -> '${what}' (.after() of itself)`
              : `'${what}' -> '${up}' -> '${what}' (.after('${up}'), and one is inside the other)`,
        },
        place,
      ),
    );
  };
  for (const [g, group] of Object.entries(ir.groups)) {
    for (const up of group.after) {
      if (inside(up, g) || inside(g, up)) {
        selfCycle(g, up, { pipeline: ir.id, task: g, location: ctx.sourceMap[`group:${g}`] });
      }
    }
  }
  for (const task of ir.tasks) {
    for (const up of task.after) {
      if (inside(task.id, up)) selfCycle(task.id, up, taskPlace(ctx, ir.id, task.id));
    }
  }
  for (const task of ir.tasks) {
    for (const up of task.after) {
      if (!known.has(up)) {
        ctx.report(
          diagnostic(
            "MLG1004",
            { where: `task '${task.id}' (.after)`, task: up, pipeline: ir.id },
            taskPlace(ctx, ir.id, task.id),
          ),
        );
      }
    }
  }
  const byId = new Map(ir.tasks.map((t) => [t.id, t]));
  // A branch listing a task that runs before it (it feeds the condition) loops back through
  // the branch: MLG1016 says so, with the fix; the loop is not a second error.
  const refused = refusedBranchEdges(ir, byId);
  const result = topologicalOrder([...byId.keys()], (id) =>
    (byId.get(id)?.upstream ?? []).filter((up) => !refused.has(`${id}\0${up}`)),
  );
  // The loop an item ordered after its own group makes is the one reported above.
  if (result.cycle && selfCycles === 0) {
    const { cycle } = result;
    // A loop needs an .after() (an input can only read a task made before it): the place is
    // the last such call written in it, which closed the loop; else the loop's first task.
    const closing = cycle
      .slice(1)
      .map((down, i) => ({ down, at: ctx.sourceMap[`after:${down}:${cycle[i]}`] }))
      .filter((e): e is { down: string; at: SourceLocation } => e.at !== undefined)
      .sort(
        (x, y) => (y.at.line ?? 0) - (x.at.line ?? 0) || (y.at.column ?? 0) - (x.at.column ?? 0),
      )[0];
    ctx.report(
      diagnostic(
        "MLG1002",
        { cycle: cycle.join(" -> ") },
        closing
          ? { pipeline: ir.id, task: closing.down, location: closing.at }
          : taskPlace(ctx, ir.id, cycle[0] ?? ""),
      ),
    );
  }
}

/**
 * Reports every task id used more than once (MLG1001, at each later definition, naming the
 * first) and says whether there was one: then every reference to the id is ambiguous, and the
 * other checks would only report what reading the wrong task breaks.
 */
export function checkDuplicateIds(ir: Pipeline, ctx: PassContext): boolean {
  const seen = new Map<string, number>();
  for (const task of ir.tasks) {
    const n = (seen.get(task.id) ?? 0) + 1;
    seen.set(task.id, n);
    if (n === 1) continue;
    const here = ctx.sourceMap[`${taskKey(task.id)}#${n}`];
    const first = ctx.sourceMap[taskKey(task.id)];
    ctx.report(
      diagnostic(
        "MLG1001",
        { what: "task", id: task.id, first: firstAt(first, here) },
        { pipeline: ir.id, task: task.id, location: here ?? first },
      ),
    );
  }
  return seen.size < ir.tasks.length;
}

/** `(first at line 12, column 5)`, naming the file when it is another one; empty when unknown. */
function firstAt(first: SourceLocation | undefined, here: SourceLocation | undefined): string {
  if (!first?.line) return "";
  const at = `line ${first.line}${first.column ? `, column ${first.column}` : ""}`;
  return first.file === here?.file ? ` (first at ${at})` : ` (first in ${first.file} at ${at})`;
}
