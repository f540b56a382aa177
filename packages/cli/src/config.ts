import { dirname, resolve } from "node:path";
import { z } from "zod";

export const configSchema = z.strictObject({
  /** Globs of pipeline modules, relative to the config file. */
  pipelines: z.array(z.string().min(1)).min(1),
  /** Output folder, relative to the config file. Default `dags`. */
  out: z.string().min(1).default("dags"),
  /** Target to emit. Default `airflow`. */
  target: z.string().default("airflow"),
  /** Where task module paths (`tasks/train.py`) are resolved from. Default: the config's folder. */
  root: z.string().optional(),
});

export type MlgenConfigInput = z.input<typeof configSchema>;
export type MlgenConfig = z.output<typeof configSchema>;

/** Identity function that gives `mlgen.config.ts` editor completion and type checking. */
export function defineConfig(config: MlgenConfigInput): MlgenConfigInput {
  return config;
}

export interface ResolvedConfig {
  readonly file: string | null;
  readonly root: string;
  readonly pipelines: readonly string[];
  readonly out: string;
  readonly target: string;
}

export function resolveConfig(file: string, config: MlgenConfig): ResolvedConfig {
  const dir = dirname(file);
  return {
    file,
    root: resolve(dir, config.root ?? "."),
    pipelines: config.pipelines,
    out: resolve(dir, config.out),
    target: config.target,
  };
}

/** `pipelines.0: expected string` → readable lines naming each bad key. */
export function describeConfigError(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.join(".") || "(root)";
      if (i.code === "unrecognized_keys")
        return `unknown key${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `'${k}'`).join(", ")} (known: pipelines, out, target, root)`;
      return `'${path}': ${i.message}`;
    })
    .join("; ");
}
