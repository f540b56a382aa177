import { TRIGGER_RULES, type TriggerRule } from "@mlgen/core";

/**
 * What differs between the Airflow versions mlgen emits for: where each name is imported from,
 * what it is called, and what the version can express. Shared code asks the dialect, never
 * the version number.
 */
export type AirflowVersion = 2 | 3;
export const AIRFLOW_VERSIONS: readonly AirflowVersion[] = [3, 2];

export type AirflowName =
  | "DAG"
  | "Param"
  | "TaskGroup"
  | "literal"
  | "Asset"
  | "AssetOrTimeSchedule"
  | "CronTriggerTimetable"
  | "CronDataIntervalTimetable"
  | "EmptyOperator"
  | "PythonOperator"
  | "BranchPythonOperator"
  | "ShortCircuitOperator"
  | "LatestOnlyOperator"
  | "BashOperator"
  | "FileSensor"
  | "ExternalTaskSensor"
  | "TimeDeltaSensor"
  | "PythonSensor"
  | "TriggerDagRunOperator"
  | "KubernetesPodOperator"
  | "k8s"
  | "SlackWebhookNotifier"
  | "SmtpNotifier"
  | "DeadlineAlert"
  | "DeadlineReference"
  | "SyncCallback";

export interface Dialect {
  readonly version: AirflowVersion;
  /** Human name for messages, e.g. `Airflow 2 (2.10, 2.11)`. */
  readonly label: string;
  /** Each symbol: the module it comes from and, when it differs, the name it has there. */
  readonly symbols: Readonly<
    Record<AirflowName, { readonly module: string; readonly name?: string }>
  >;
  /** Airflow 3 reads `retry_exponential_backoff` as a multiplier; Airflow 2 as a flag (×2). */
  readonly backoffIsMultiplier: boolean;
  /** `airflow.sdk.literal` exists (Airflow 3): otherwise a Jinja string expression stands in. */
  readonly hasLiteral: boolean;
  /** The keyword of AssetOrTimeSchedule (DatasetOrTimeSchedule) that takes the assets. */
  readonly assetsKeyword: "assets" | "datasets";
  /** The trigger rules the version knows (its TriggerRule enum); any other fails the import. */
  readonly triggerRules: readonly TriggerRule[];
  /** Comment lines after the header, e.g. ruff directives that only make sense for this version. */
  readonly fileDirectives: readonly string[];
}

const STANDARD = "airflow.providers.standard";
const SHARED = {
  CronTriggerTimetable: { module: "airflow.timetables.trigger" },
  CronDataIntervalTimetable: { module: "airflow.timetables.interval" },
  EmptyOperator: { module: `${STANDARD}.operators.empty` },
  PythonOperator: { module: `${STANDARD}.operators.python` },
  BranchPythonOperator: { module: `${STANDARD}.operators.python` },
  ShortCircuitOperator: { module: `${STANDARD}.operators.python` },
  LatestOnlyOperator: { module: `${STANDARD}.operators.latest_only` },
  BashOperator: { module: `${STANDARD}.operators.bash` },
  FileSensor: { module: `${STANDARD}.sensors.filesystem` },
  ExternalTaskSensor: { module: `${STANDARD}.sensors.external_task` },
  TimeDeltaSensor: { module: `${STANDARD}.sensors.time_delta` },
  PythonSensor: { module: `${STANDARD}.sensors.python` },
  TriggerDagRunOperator: { module: `${STANDARD}.operators.trigger_dagrun` },
  KubernetesPodOperator: { module: "airflow.providers.cncf.kubernetes.operators.pod" },
  k8s: { module: "kubernetes.client", name: "models" },
  SlackWebhookNotifier: { module: "airflow.providers.slack.notifications.slack_webhook" },
  SmtpNotifier: { module: "airflow.providers.smtp.notifications.smtp" },
} as const;

export const AIRFLOW3: Dialect = {
  version: 3,
  label: "Airflow 3",
  symbols: {
    ...SHARED,
    DAG: { module: "airflow.sdk" },
    Param: { module: "airflow.sdk" },
    TaskGroup: { module: "airflow.sdk" },
    literal: { module: "airflow.sdk" },
    Asset: { module: "airflow.sdk" },
    AssetOrTimeSchedule: { module: "airflow.timetables.assets" },
    // Airflow 3.2+ (3.1's DeadlineAlert took async callbacks only).
    DeadlineAlert: { module: "airflow.sdk" },
    DeadlineReference: { module: "airflow.sdk" },
    SyncCallback: { module: "airflow.sdk" },
  },
  backoffIsMultiplier: true,
  hasLiteral: true,
  assetsKeyword: "assets",
  triggerRules: TRIGGER_RULES,
  fileDirectives: [],
};

export const AIRFLOW2: Dialect = {
  version: 2,
  label: "Airflow 2 (2.10, 2.11)",
  symbols: {
    ...SHARED,
    DAG: { module: "airflow.models.dag" },
    Param: { module: "airflow.models.param" },
    TaskGroup: { module: "airflow.utils.task_group" },
    literal: { module: "" },
    Asset: { module: "airflow.datasets", name: "Dataset" },
    AssetOrTimeSchedule: { module: "airflow.timetables.datasets", name: "DatasetOrTimeSchedule" },
    // Not in Airflow 2: validateDialect refuses a pipeline with a deadline (MLG3001).
    DeadlineAlert: { module: "" },
    DeadlineReference: { module: "" },
    SyncCallback: { module: "" },
  },
  backoffIsMultiplier: false,
  hasLiteral: false,
  assetsKeyword: "datasets",
  // airflow/utils/trigger_rule.py of 2.11: no all_done_min_one_success.
  triggerRules: TRIGGER_RULES.filter((r) => r !== "all_done_min_one_success"),
  // ruff's Airflow 3 migration hints (AIR311, AIR321) name what this file must use to run on
  // Airflow 2; every other Airflow rule still applies. RUF100 too: where the AIR rules are off
  // (ruff's defaults), it would call the directive unused.
  fileDirectives: [
    "# Written for Airflow 2.10 and 2.11: the Airflow 3 names ruff suggests do not exist there.",
    "# ruff: noqa: AIR311, AIR321, RUF100",
  ],
};

export function dialectFor(version: AirflowVersion): Dialect {
  return version === 2 ? AIRFLOW2 : AIRFLOW3;
}
