export {
  AIRFLOW_RESOURCE_ROLES,
  AIRFLOW_ROLES,
  AIRFLOW_ROUTE_ACCESS,
  type AirflowDagRunState,
  type AirflowDagScript,
  type AirflowDagSpec,
  type AirflowFake,
  type AirflowFakeOptions,
  type AirflowFakeUser,
  type AirflowImportErrorSpec,
  type AirflowParam,
  type AirflowParamSpec,
  type AirflowResource,
  type AirflowResourceMethod,
  type AirflowRole,
  type AirflowRouteAccess,
  type AirflowTaskSpec,
  type AirflowTaskTrigger,
  type AirflowTriggerRule,
  airflowRoleMay,
  createAirflowFake,
  type TaskOutcome,
} from "./airflow/index.js";
export { type Clock, createManualClock, type ManualClock, systemClock } from "./clock.js";
export { type FakeApi, fetchFrom } from "./fake.js";
export {
  AIRFLOW_MOCK_URL,
  type AirflowHttp,
  airflowHttp,
  MLFLOW_MOCK_URL,
  type MlflowHttp,
  mlflowHttp,
} from "./http.js";
export {
  createMlflowFake,
  FilterError as MlflowFilterError,
  type MlflowFake,
  MlflowFakeError,
  type MlflowFakeOptions,
  parseFilter as parseMlflowFilter,
  parseOrderBy as parseMlflowOrderBy,
  type SeedExperiment as MlflowSeedExperiment,
  type SeedLoggedModel as MlflowSeedLoggedModel,
  type SeedModelVersion as MlflowSeedModelVersion,
  type SeedRun as MlflowSeedRun,
} from "./mlflow/index.js";
export { airflowError, mlflowError } from "./response.js";
export {
  expiredToken,
  type FaultHandler,
  type FaultOptions,
  flap,
  networkError,
  rateLimited,
  serviceUnavailable,
  slow,
} from "./scenarios.js";
