/**
 * Setup and teardown tasks as Airflow takes them (the SDK's as_setup/as_teardown and
 * DAG.validate_setup_teardown, the same in Airflow 2.7+ and 3): what would make Airflow refuse
 * the DAG file, or quietly not do what the pipeline says (MLG1011).
 */
import { diagnostic, effectiveOptions, type Pipeline, type Task } from "@mlgen/core";
import { type PassContext, taskPlace } from "./context.js";

/** The task kinds that take `setup: true` / `teardown: true` in the DSL. */
const KINDS: ReadonlySet<Task["kind"]> = new Set(["python", "bash", "container", "operator"]);

/** A teardown's own trigger rule, set on the task (as_teardown() replaces it). */
export function checkTeardownRules(ir: Pipeline, ctx: PassContext): void {
  for (const task of ir.tasks) {
    const role = task.setupTeardown;
    if (role === undefined) continue;
    const problem = (what: string, reason: string, hint: string) =>
      ctx.report(diagnostic("MLG1011", { what, reason, hint }, taskPlace(ctx, ir.id, task.id)));
    if (!KINDS.has(task.kind)) {
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
}

/**
 * The tasks right after a setup, on the IR as written (the branch joins' rule included): Airflow
 * refuses the DAG file when one that is no teardown has another trigger rule than all_success.
 * `before` is the IR before the branch-joins pass, to say where a rule came from.
 */
export function checkAfterSetups(ir: Pipeline, before: Pipeline, ctx: PassContext): void {
  const setups = new Set(ir.tasks.filter((t) => t.setupTeardown === "setup").map((t) => t.id));
  if (setups.size === 0) return;
  const written = new Map(before.tasks.map((t) => [t.id, t]));
  for (const task of ir.tasks) {
    if (task.setupTeardown === "teardown") continue;
    // A join after a branch's sides waits for them through an empty task (none_failed_min_one_success).
    const throughJoin = (task.joined ?? []).find((u) => setups.has(u));
    const direct = task.upstream.find((u) => setups.has(u) && !task.joined?.includes(u));
    const rule = effectiveOptions(ir, task).triggerRule ?? "all_success";
    const setup = direct !== undefined && rule !== "all_success" ? direct : throughJoin;
    if (setup === undefined) continue;
    const own = written.get(task.id);
    const source =
      setup === throughJoin
        ? {
            from: "it joins the sides of a branch, one of them the setup, through a task with trigger rule none_failed_min_one_success",
            hint: `put a task between setup '${setup}' and '${task.id}'`,
          }
        : own && own.options.triggerRule !== null
          ? {
              from: `its triggerRule is '${rule}'`,
              hint: `leave triggerRule out of '${task.id}', or put a task between setup '${setup}' and it`,
            }
          : own && effectiveOptions(before, own).triggerRule !== null
            ? {
                from: `the defaults give it triggerRule '${rule}'`,
                hint: `give '${task.id}' triggerRule: "all_success", or put a task between setup '${setup}' and it`,
              }
            : {
                from: `it joins the sides of a branch, so mlgen gives it trigger rule '${rule}'`,
                hint: `put a task between setup '${setup}' and '${task.id}'`,
              };
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `task '${task.id}' after setup '${setup}'`,
          reason: `${source.from}, and Airflow refuses a DAG file where a task right after a setup has another trigger rule than all_success ("Setup tasks must be followed with trigger rule ALL_SUCCESS")`,
          hint: source.hint,
        },
        taskPlace(ctx, ir.id, task.id),
      ),
    );
  }
}
