export { createAirflowFake } from "./fake.js";
export type { AirflowParam, AirflowParamSpec } from "./params.js";
export {
  AIRFLOW_RESOURCE_ROLES,
  AIRFLOW_ROLES,
  AIRFLOW_ROUTE_ACCESS,
  type AirflowResource,
  type AirflowResourceMethod,
  type AirflowRole,
  type AirflowRouteAccess,
  airflowRoleMay,
} from "./permissions.js";
export type {
  AirflowDagRunState,
  AirflowDagScript,
  AirflowDagSpec,
  AirflowFake,
  AirflowFakeOptions,
  AirflowFakeUser,
  AirflowImportErrorSpec,
  AirflowTaskSpec,
  AirflowTaskTrigger,
  AirflowTriggerRule,
  TaskOutcome,
} from "./types.js";
