/**
 * Setup and teardown tasks as Airflow takes them (the SDK's as_setup/as_teardown and
 * DAG.validate_setup_teardown, the same in Airflow 2.7+ and 3): what would make Airflow refuse
 * the DAG file, or quietly not do what the pipeline says (MLG1011).
 */
import {
  diagnostic,
  effectiveOptions,
  humanDuration,
  type Pipeline,
  SETUP_TEARDOWN_KINDS,
} from "@mlgen/core";
import { asWritten } from "./branch-joins.js";
import { type PassContext, pipelinePlace, taskPlace } from "./context.js";

/**
 * A teardown's own trigger rule, set on the task (as_teardown() replaces it), and a pipeline
 * whose dagrunTimeout would skip its teardowns (MLG1046).
 */
export function checkTeardownRules(ir: Pipeline, ctx: PassContext): void {
  for (const task of ir.tasks) {
    const role = task.setupTeardown;
    if (role === undefined) continue;
    const problem = (what: string, reason: string, hint: string) =>
      ctx.report(diagnostic("MLG1011", { what, reason, hint }, taskPlace(ctx, ir.id, task.id)));
    if (!SETUP_TEARDOWN_KINDS.has(task.kind)) {
      problem(
        `${role} of task '${task.id}'`,
        `a ${task.kind} task is no ${role} in mlgen`,
        `make a p.python(), p.bash(), p.container() or p.operator() task the ${role}`,
      );
    } else if (task.kind === "python" && task.map !== null) {
      problem(
        `${role} of task '${task.id}'`,
        `a mapped task is no ${role} in mlgen`,
        `make one task the ${role}, before the mapped task (a setup) or after it (a teardown)`,
      );
    } else if (role === "teardown" && task.options.triggerRule !== null) {
      problem(
        `triggerRule of task '${task.id}'`,
        `a teardown runs by Airflow's all_done_setup_success (once the tasks before it are done, when a setup before it succeeded), which replaces '${task.options.triggerRule}'`,
        "leave triggerRule out of a teardown task",
      );
    }
  }
  // The scheduler fails a run over its dagrun_timeout and sets every unfinished task instance
  // skipped (SchedulerJobRunner._schedule_dag_run, Airflow 3.3.2 and 2.11.2): a teardown too.
  const teardowns = ir.tasks.filter((t) => t.setupTeardown === "teardown").map((t) => t.id);
  if (ir.dagrunTimeout !== null && teardowns.length > 0) {
    ctx.report(
      diagnostic(
        "MLG1046",
        {
          pipeline: ir.id,
          timeout: humanDuration(ir.dagrunTimeout),
          teardowns: `${teardowns.length === 1 ? "teardown" : "teardowns"} ${teardowns.map((t) => `'${t}'`).join(", ")}`,
        },
        pipelinePlace(ctx, ir.id),
      ),
    );
  }
}

/**
 * The tasks right after a setup whose trigger rule, as the Airflow target writes it (a branch
 * join's included), is not all_success: Airflow refuses such a DAG file ("Setup tasks must be
 * followed with trigger rule ALL_SUCCESS"). Kubeflow has no such rule: the Airflow target asks.
 */
export function afterSetupProblems(
  ir: Pipeline,
): { task: string; what: string; reason: string; hint: string }[] {
  const setups = new Set(ir.tasks.filter((t) => t.setupTeardown === "setup").map((t) => t.id));
  if (setups.size === 0) return [];
  const out: { task: string; what: string; reason: string; hint: string }[] = [];
  for (const task of ir.tasks) {
    if (task.setupTeardown === "teardown") continue;
    const written = asWritten(task);
    const rule = effectiveOptions(ir, written).triggerRule ?? "all_success";
    const throughJoin = (task.joined ?? []).find((u) => setups.has(u));
    const direct = task.upstream.find((u) => setups.has(u) && !task.joined?.includes(u));
    const setup = direct !== undefined && rule !== "all_success" ? direct : throughJoin;
    if (setup === undefined) continue;
    const { from, hint } =
      setup === throughJoin
        ? {
            from: "it joins the sides of a branch, one of them the setup, through an empty task with trigger rule none_failed_min_one_success",
            hint: `put a task between setup '${setup}' and '${task.id}'`,
          }
        : written.options.triggerRule === null
          ? {
              from: `the defaults give it triggerRule '${rule}'`,
              hint: `give '${task.id}' triggerRule: "all_success", or put a task between setup '${setup}' and it`,
            }
          : rule === "none_failed_min_one_success"
            ? {
                from: `its trigger rule is '${rule}' (mlgen gives it to a task that joins the sides of a branch)`,
                hint: `put a task between setup '${setup}' and '${task.id}'`,
              }
            : {
                from: `its triggerRule is '${rule}'`,
                hint: `leave triggerRule out of '${task.id}', or put a task between setup '${setup}' and it`,
              };
    out.push({
      task: task.id,
      what: `task '${task.id}' after setup '${setup}'`,
      reason: `${from}, and Airflow refuses a DAG file where a task right after a setup has another trigger rule than all_success ("Setup tasks must be followed with trigger rule ALL_SUCCESS")`,
      hint,
    });
  }
  return out;
}
