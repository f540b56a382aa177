export {
  type AirflowClient,
  type AirflowClientOptions,
  type CallOptions,
  type ClearOptions,
  createAirflowClient,
  type DagRun,
  type DagRunState,
  type ImportError,
  type LogOptions,
  MAX_PAGE_SIZE,
  type PaginateOptions,
  type Schemas,
  type TaskInstance,
  type TaskInstanceRef,
  type TriggerOptions,
  type WaitOptions,
  type WaitResult,
  type XcomEntry,
  type XcomOptions,
} from "./client.js";
export {
  AirflowApiError,
  AirflowConfigError,
  AirflowDagRunExistsError,
  type AirflowErrorDetail,
  AirflowMappedTaskError,
  AirflowRequestError,
  AirflowWaitTimeoutError,
} from "./errors.js";
export type { components, operations, paths } from "./generated/airflow-v2.js";
export type { LogMessage, TaskLog } from "./logs.js";
export {
  type AirflowAuth,
  createTransport,
  IDEMPOTENT_HEADER,
  type ResolvedServer,
  type RetryInfo,
  type RetryOptions,
  resolveServer,
  retryAfterMs,
  type TransportOptions,
  type WaitClock,
} from "./transport.js";
