import { diagnostic, type Pipeline, typoOf } from "@mlgen/core";
import { type PassContext, taskPlace } from "./context.js";

/**
 * A trigger or an external task sensor naming, by DAG id, a pipeline that none of the pipelines
 * compiled together is, where one of them is a letter or two off it (`deploy_modle` for
 * `deploy_model`): the trigger fails on every run (Airflow finds no such DAG), the sensor waits
 * until its timeout. Called by `mlgen compile` when it compiles every pipeline of the project
 * (`compiled`: their ids); an id far from all of them names a DAG written elsewhere (by hand,
 * in another project), which this does not judge. A warning, as a DAG written elsewhere may
 * still be a letter off one of the project's.
 */
export function checkPipelineIds(
  ir: Pipeline,
  compiled: readonly string[],
  ctx: PassContext,
): void {
  const ids = new Set(compiled);
  for (const task of ir.tasks) {
    const named =
      task.kind === "trigger"
        ? { target: task.dag, does: "starts", outcome: TRIGGER, fix: TRIGGER_FIX }
        : task.kind === "sensor" && task.sensor.type === "external_task"
          ? { target: task.sensor.dag, does: "waits for", outcome: SENSOR, fix: SENSOR_FIX }
          : null;
    if (named === null || ids.has(named.target) || named.target.includes("{{")) continue;
    const near = typoOf(named.target, compiled);
    if (near === undefined) continue;
    ctx.report(
      diagnostic(
        "MLG1036",
        {
          task: task.id,
          does: named.does,
          target: named.target,
          near,
          outcome: named.outcome,
          fix: named.fix(near),
        },
        taskPlace(ctx, ir.id, task.id),
      ),
    );
  }
}

const TRIGGER =
  "Airflow fails the trigger, and each retry of it, on every run (it finds no DAG by that id)";
const SENSOR =
  "Airflow finds no run of it, so the sensor waits until its timeout and fails, on every run";
const TRIGGER_FIX = (near: string) =>
  `write pipeline: '${near}', or better pass the pipeline's definition, imported from its module, whose id and conf are then checked`;
const SENSOR_FIX = (near: string) => `write dag: '${near}'`;
