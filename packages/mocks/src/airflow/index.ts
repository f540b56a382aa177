export { createAirflowFake } from "./fake.js";
export type {
  AirflowDagScript,
  AirflowDagSpec,
  AirflowFake,
  AirflowFakeOptions,
  AirflowImportErrorSpec,
  AirflowTaskSpec,
  TaskOutcome,
} from "./types.js";
