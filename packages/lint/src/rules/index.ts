import type { Rule } from "../rule.js";
import { airflow3Removed } from "./airflow3-removed.js";
import { branchJoinSkipped, branchTarget } from "./branch-target.js";
import { callableArguments } from "./callable-arguments.js";
import { crossDagDependency } from "./cross-dag-dependency.js";
import { dagNeverCalled } from "./dag-never-called.js";
import { dagNotRegistered } from "./dag-not-registered.js";
import { deadlineAlertTemplate } from "./deadline-alert-template.js";
import { deadlineNeverSet } from "./deadline-never-set.js";
import { dependencyCycle } from "./dependency-cycle.js";
import { duplicateDagId } from "./duplicate-dag-id.js";
import { duplicateTaskId } from "./duplicate-task-id.js";
import { dynamicStartDate } from "./dynamic-start-date.js";
import { externalScheduleMismatch } from "./external-schedule-mismatch.js";
import { externalTaskMissing } from "./external-task-missing.js";
import { hardcodedPath } from "./hardcoded-path.js";
import { hardcodedSecret } from "./hardcoded-secret.js";
import { implicitCatchup } from "./implicit-catchup.js";
import { invalidArgument } from "./invalid-argument.js";
import { kubeflowTimeout } from "./kubeflow-timeout.js";
import { leafMasksFailure } from "./leaf-masks-failure.js";
import { missingDag } from "./missing-dag.js";
import { missingRetries } from "./missing-retries.js";
import { missingTimeout } from "./missing-timeout.js";
import { missingXcomKey } from "./missing-xcom-key.js";
import { multipleOutputs } from "./multiple-outputs.js";
import { noFailureAlert } from "./no-failure-alert.js";
import { noneParamComputed } from "./none-param-computed.js";
import { noneParamPrinted } from "./none-param-printed.js";
import { runTimeoutUnalerted } from "./run-timeout-unalerted.js";
import { scheduleNeverRuns } from "./schedule-never-runs.js";
import { scheduleUnevenStep } from "./schedule-uneven-step.js";
import { sensorPokeMode } from "./sensor-poke-mode.js";
import { syntaxError } from "./syntax-error.js";
import { taskOutsideDag } from "./task-outside-dag.js";
import { templateError } from "./template-error.js";
import { timeoutSkipsTeardown } from "./timeout-skips-teardown.js";
import { topLevelCode } from "./top-level-code.js";
import { trainWithoutValidation } from "./train-without-validation.js";
import { triggerConf } from "./trigger-conf.js";
import { unknownDefaultArg } from "./unknown-default-arg.js";
import { unrenderedTemplate } from "./unrendered-template.js";
import { unserializableReturn } from "./unserializable-return.js";
import { unusedOutput } from "./unused-output.js";

/** Every rule, in code order. */
export const RULES: readonly Rule[] = [
  missingXcomKey,
  hardcodedPath,
  missingTimeout,
  missingRetries,
  noFailureAlert,
  sensorPokeMode,
  unusedOutput,
  trainWithoutValidation,
  topLevelCode,
  airflow3Removed,
  dynamicStartDate,
  kubeflowTimeout,
  syntaxError,
  templateError,
  duplicateTaskId,
  dependencyCycle,
  invalidArgument,
  dagNeverCalled,
  crossDagDependency,
  taskOutsideDag,
  unknownDefaultArg,
  implicitCatchup,
  hardcodedSecret,
  unserializableReturn,
  unrenderedTemplate,
  scheduleNeverRuns,
  scheduleUnevenStep,
  duplicateDagId,
  externalScheduleMismatch,
  externalTaskMissing,
  dagNotRegistered,
  branchTarget,
  branchJoinSkipped,
  callableArguments,
  multipleOutputs,
  triggerConf,
  missingDag,
  runTimeoutUnalerted,
  leafMasksFailure,
  timeoutSkipsTeardown,
  noneParamPrinted,
  noneParamComputed,
  deadlineNeverSet,
  deadlineAlertTemplate,
] as Rule[];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
