import { pipelineReachability } from "../dsl.js";
import type { DagTask } from "../python/model.js";
import { graphNode, reachability } from "../python/queries.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/** Words that name model training. */
const TRAINING_WORDS: ReadonlySet<string> = new Set([
  "train",
  "training",
  "retrain",
  "retraining",
  "fit",
  "finetune",
  "finetuning",
]);
/**
 * Words that, beside a training word, name something other than training a model: the data it
 * is trained on (`build_training_set`, `train_test_split`), a preprocessing step
 * (`fit_scaler`), or an action around a training run (`trigger_retraining`).
 */
const NOT_A_MODEL: ReadonlySet<string> = new Set([
  "set",
  "sets",
  "data",
  "dataset",
  "datasets",
  "split",
  "splits",
  "sample",
  "samples",
  "rows",
  "table",
  "tables",
  "features",
  "labels",
  "scaler",
  "encoder",
  "imputer",
  "vectorizer",
  "tokenizer",
  "normalizer",
  "pca",
  "trigger",
  "wait",
  "notify",
  "report",
  "etl",
]);
/**
 * Words that, in a name that does not start with a training word, name the work around a
 * training run rather than the run: its infrastructure and bookkeeping
 * (`provision_training_cluster`, `log_training_metrics`; `train_and_evaluate` still trains).
 */
const AROUND_TRAINING: ReadonlySet<string> = new Set([
  "cluster",
  "clusters",
  "provision",
  "cleanup",
  "clean",
  "teardown",
  "evaluate",
  "evaluation",
  "eval",
  "metrics",
  "log",
  "logs",
  "monitor",
  "status",
  "artifacts",
  // Moving data that happens to be named train: `ingest_train_positions` loads rail data.
  "ingest",
  "load",
  "extract",
  "fetch",
  "download",
  "export",
  "copy",
  "sync",
  // Files and folders named train (an object store's `train/` prefix): `empty_train`,
  // `list_files_train`, `upload_train_split`.
  "empty",
  "list",
  "file",
  "files",
  "folder",
  "dir",
  "path",
  "paths",
  "prefix",
  "bucket",
  "delete",
  "remove",
  "move",
  "upload",
  "read",
  "write",
]);

/**
 * Words that name a data check, matched as whole words (`checkout`, `invalidate` and
 * `user_profiles` are none); "quality" counts first or after a data word, not in `air_quality`,
 * and "profile" first (`profile_data`).
 */
const VALIDATION_WORD =
  /^(?:valid|validate[sd]?|validation|validations|validator|validators|validating|(?:pre|re)?check|(?:pre|re)?checks|checked|checker|checking|verify|verified|verifies|verifying|verification|assert|asserts|assertion|assertions|expect|expects|expectation|expectations|profiling|profiler|dq|gx|soda|deequ)$/;
const QUALITY_AFTER: ReadonlySet<string> = new Set([
  "data",
  "input",
  "inputs",
  "feature",
  "features",
  "label",
  "labels",
  "schema",
]);
/** Operators that train a model whatever the task is called (SageMaker, Vertex AI, AutoML). */
const TRAINING_OPERATOR = /Train|Tuning/;
/** Operators that check data: SQL check operators, Great Expectations, Soda. */
const VALIDATION_OPERATOR = /Check|Expectation|Validat|Quality|Soda/;
/**
 * Operators that never train anything themselves: a branch or short-circuit only decides
 * whether training runs (`should_retrain`, `retrain_enabled`).
 */
const NOT_TRAINING_OPERATOR =
  /^(EmptyOperator|DummyOperator|TriggerDagRunOperator|ShortCircuitOperator|LatestOnlyOperator|\w*Branch\w*Operator)$/;
/** DSL task kinds that never train: they decide, wait, check or start another pipeline. */
const NOT_TRAINING_KINDS: ReadonlySet<string> = new Set([
  "trigger",
  "validate",
  "branch",
  "short_circuit",
  "latest_only",
  "sensor",
]);

/** snake_case, kebab-case, dotted and camelCase names as lower-case words. */
const words = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/fine[_\-\s]?tun/gi, "finetun")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** What every training word contains ("finetun" may be written "fine-tun"): a quick no. */
const TRAINING_HINT = /train|fit|tun/i;

/** Whether a task id or function name says it trains a model. */
export const isTraining = (...names: (string | null | undefined)[]) =>
  names.some((n) => {
    if (!n || !TRAINING_HINT.test(n)) return false;
    const w = words(n);
    if (!w.some((x) => TRAINING_WORDS.has(x)) || w.some((x) => NOT_A_MODEL.has(x))) return false;
    return TRAINING_WORDS.has(w[0] ?? "") || !w.some((x) => AROUND_TRAINING.has(x));
  });
/** Every validation word holds one of these (most names hold none, and skip the split). */
const VALIDATION_HINT = /valid|check|verif|assert|expect|profil|dq|gx|ge|soda|deequ|quality|test/i;

const isValidation = (...names: (string | null | undefined)[]) =>
  names.some((n) => {
    if (!n || !VALIDATION_HINT.test(n)) return false;
    const w = words(n);
    return w.some(
      (x, i) =>
        VALIDATION_WORD.test(x) ||
        // "profile" as the verb that starts a name (profile_data), not user_profile(s).
        (x === "profile" && i === 0) ||
        (x === "quality" && (i === 0 || QUALITY_AFTER.has(w[i - 1] ?? ""))) ||
        // A Great Expectations checkpoint (run_ge_checkpoint), dbt's data tests (dbt_test_x).
        (x === "ge" && w.includes("checkpoint")) ||
        ((x === "test" || x === "tests") && w.includes("dbt")),
    );
  });

const trainsModel = (task: DagTask) =>
  !task.isSensor &&
  !NOT_TRAINING_OPERATOR.test(task.operator) &&
  (TRAINING_OPERATOR.test(task.operator) ||
    isTraining(task.id.split(".").pop(), task.callable?.name));

const validatesData = (task: DagTask | undefined) =>
  !!task && (VALIDATION_OPERATOR.test(task.operator) || isValidation(task.id, task.callable?.name));

export const trainWithoutValidation = defineRule({
  id: "train-without-validation",
  code: "MLG2008",
  defaultSeverity: "warning",
  description: "a training task (id or function says train/fit) with no data validation upstream",
  checkPipeline({ ir }, report) {
    // Every task with a validation before it, in one pass over the graph.
    const validated = pipelineReachability(ir).downstreamOf(
      ir.tasks
        .filter(
          (t) =>
            t.kind === "validate" || isValidation(t.id, t.kind === "python" ? t.function : null),
        )
        .map((t) => t.id),
    );
    for (const task of ir.tasks) {
      const fn = task.kind === "python" ? task.function : null;
      if (NOT_TRAINING_KINDS.has(task.kind) || !isTraining(task.id.split(".").pop(), fn)) continue;
      if (validated.has(task.id)) continue;
      report(
        {
          task: task.id,
          hint: "add p.validate('validate_data', { data, requiredColumns, minRows }) and pass its data on, or .after() it",
        },
        `task:${task.id}`,
      );
    }
  },
  checkPython(file, report) {
    // A task of a @dag function never called never runs: dag-never-called says so.
    const training = file.tasks.filter((t) => trainsModel(t) && !neverBuilt(file, t.dagDecl));
    if (training.length === 0) return;
    const validators = file.tasks
      .filter(validatesData)
      .map((t) => graphNode(file, t.id, t.dagDecl));
    // A dependency the analysis could not resolve (`chain(*checks, fit)`, a factory's task) may
    // be the one that runs a validation first.
    if (file.edgesIncomplete && (validators.length > 0 || file.dynamicIds)) return;
    const validated = reachability(file).downstreamOf(validators);
    for (const task of training) {
      if (validated.has(graphNode(file, task.id, task.dagDecl))) continue;
      report(
        {
          task: task.id,
          hint: `run a data validation task before it: validate_data >> ${task.id.split(".").pop()}`,
        },
        task.span,
      );
    }
  },
});
