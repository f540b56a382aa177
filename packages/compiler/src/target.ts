import type { Diagnostic, Pipeline, SourceMap } from "@mlgen/core";
import type { KubeflowSettings } from "./targets/kubeflow/executors.js";

/** One generated file, as data: the CLI decides whether and how to write it. */
export interface EmittedFile {
  /** Relative to the output folder, `/`-separated. */
  readonly path: string;
  readonly content: string;
}

export interface TargetInput {
  readonly ir: Pipeline;
  readonly hash: string;
  /** The pipeline's source file relative to the project root, for the header line. */
  readonly sourceFile: string;
  readonly sourceMap: SourceMap;
  /** The user's Python files the pipeline imports, for targets that ship them beside the output. */
  readonly pythonFiles: readonly EmittedFile[];
  /** Per-target settings from the config and flags; unset ones take their defaults. */
  readonly settings?: TargetSettings;
}

export interface TargetSettings {
  /** Airflow target: the major version to emit for. Default 3. */
  readonly airflowVersion?: 2 | 3;
  /** Kubeflow target settings; unset ones take `KUBEFLOW_DEFAULTS`. */
  readonly kubeflow?: Partial<Omit<KubeflowSettings, "mlgenVersion">>;
  /**
   * Ids of the pipelines compiled with this one: DAGs mlgen writes, so their runs' logical
   * dates are known (an external task sensor on one of them needs no warning on Airflow 2).
   */
  readonly pipelines?: readonly string[];
}

/** Written into generated files' `sdkVersion`; bumped with the compiler's package version. */
export const MLGEN_VERSION = "0.1.0";

/** A target is plain data plus two functions; shared code never branches on its name. */
export interface Target {
  readonly name: string;
  /**
   * The name the engine knows a pipeline by, where it is not the id (Kubeflow's
   * pipelineInfo.name, made Kubernetes-safe): two pipelines compiled together must not share it.
   */
  engineName?(id: string): string;
  /** The engine name in a file this target emitted (engineName's), or null. */
  engineNameIn?(content: string): string | null;
  validate(input: TargetInput): Diagnostic[];
  emit(input: TargetInput): EmittedFile[];
}
