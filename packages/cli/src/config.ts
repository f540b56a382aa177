import { dirname, resolve } from "node:path";
import { closestName } from "@mlgen/core/light";
import * as z from "zod";

export const configSchema = z.strictObject({
  /**
   * Globs of pipeline modules, relative to the config file. None in a repository of
   * hand-written DAGs that has a config only for `mlgen lint`'s settings.
   */
  pipelines: z.array(z.string().min(1)).default([]),
  /** Output folder, relative to the config file. Default `dags`. */
  out: z.string().min(1).default("dags"),
  /** Target to emit: `airflow` (default), `kubeflow`, or `all` (both, each in its folder). */
  target: z
    .enum(["airflow", "kubeflow", "all"], {
      error: (iss) => `must be airflow, kubeflow or all, not ${shownValue(iss.input)}`,
    })
    .default("airflow"),
  /** Where task module paths (`tasks/train.py`) are resolved from. Default: the config's folder. */
  root: z.string().optional(),
  /** Settings of the Airflow target. */
  airflow: z
    .strictObject({
      /** Major Airflow version to emit for: 3 (default), or 2 for Airflow 2.10 and 2.11. */
      version: z
        .union([z.literal(2), z.literal(3)], {
          error: (iss) =>
            typeof iss.input === "number" &&
            (Math.trunc(iss.input) === 2 || Math.trunc(iss.input) === 3)
              ? `must be the major version only, 3 (Airflow 3) or 2 (Airflow 2.10 and 2.11), not ${iss.input} (a number: 2.10 reads as 2.1)`
              : `must be 3 (Airflow 3) or 2 (Airflow 2.10 and 2.11), not ${shownValue(iss.input)}`,
        })
        .default(3),
    })
    .default({ version: 3 }),
  /** Settings of the Kubeflow Pipelines target. */
  kubeflow: z
    .strictObject({
      /** Output folder of the PipelineSpec YAML files, relative to the config file. */
      out: z.string().min(1).default("kubeflow"),
      /** Image of python, validate, sensor and bash tasks. */
      image: z.string().min(1).optional(),
      /** pip requirements installed before each python task runs (kfp's packages_to_install). */
      packages: z.array(z.string().min(1)).optional(),
      /** The kfp requirement installed for kfp's executor inside the task's container. */
      kfpPackage: z.string().min(1).optional(),
      /** Emit execution timeouts as activeDeadlineSeconds in the Kubernetes platform spec. */
      timeouts: z.boolean().optional(),
      /** KFP's cache for every task: on (kfp's default) or off. */
      caching: z.boolean().optional(),
      /**
       * Environment variables every task's pod takes from Kubernetes secrets:
       * `{ MLGEN_SLACK_ML_ALERTS_URL: { secret: "slack", key: "url" } }`.
       */
      secretEnv: z
        .record(
          z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"),
          z.strictObject({
            secret: z
              .string()
              .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Kubernetes secret name"),
            key: z.string().regex(/^[-._a-zA-Z0-9]+$/, "a key of the secret"),
          }),
        )
        .optional(),
    })
    .default({ out: "kubeflow" }),
  /**
   * `mlgen lint` settings: a severity ("off", "info", "warning" or "error") per rule id, or per
   * rule code (MLG2002), as suppression comments name them.
   */
  lint: z
    .strictObject({
      rules: z
        .record(
          z
            .string()
            .regex(/^([a-z0-9]+(-[a-z0-9]+)*|MLG\d{4})$/, "rule ids are kebab-case, codes MLG0000"),
          z.enum(["off", "info", "warning", "error"]),
        )
        .default({}),
    })
    .default({ rules: {} }),
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
  readonly airflowVersion: 2 | 3;
  /** Where `--target kubeflow` (or `all`) writes, and its settings. */
  readonly kubeflowOut: string;
  readonly kubeflow: Readonly<{
    image?: string;
    packages?: readonly string[];
    kfpPackage?: string;
    timeouts?: boolean;
    caching?: boolean;
    secretEnv?: Readonly<Record<string, { secret: string; key: string }>>;
  }>;
  /** Severity per lint rule id from `lint.rules`. */
  readonly lintRules?: Readonly<Record<string, "off" | "info" | "warning" | "error">>;
}

export function resolveConfig(file: string, config: MlgenConfig): ResolvedConfig {
  const dir = dirname(file);
  return {
    file,
    root: resolve(dir, config.root ?? "."),
    pipelines: config.pipelines,
    out: resolve(dir, config.out),
    target: config.target,
    airflowVersion: config.airflow.version,
    kubeflowOut: resolve(dir, config.kubeflow.out),
    kubeflow: withoutOut(config.kubeflow),
    lintRules: config.lint.rules,
  };
}

function withoutOut({
  out: _out,
  ...settings
}: MlgenConfig["kubeflow"]): ResolvedConfig["kubeflow"] {
  return Object.fromEntries(
    Object.entries(settings).filter(([, v]) => v !== undefined),
  ) as ResolvedConfig["kubeflow"];
}

/**
 * A bad value as an error may show it: a number, or a string that looks like a version; for
 * anything else only its type, so that a token pasted into the wrong key is never printed.
 */
export function shownValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return /^[\w.-]{0,12}$/.test(value) ? `"${value}"` : "a string";
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "a list";
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/** `pipelines.0: expected string` → readable lines naming each bad key. */
export function describeConfigError(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.join(".");
      if (i.code === "unrecognized_keys") {
        const known = Object.keys(objectAt(i.path)?.shape ?? {});
        const where = path || "the config";
        return i.keys
          .map((k) => {
            const guess = closestName(k, known);
            const full = path ? `${path}.${k}` : k;
            const meant = guess ? `: did you mean '${path ? `${path}.` : ""}${guess}'?` : "";
            return `unknown key '${full}'${meant} (${where} takes ${known.join(", ")})`;
          })
          .join("; ");
      }
      if (i.code === "invalid_key" && i.path.length > 0) {
        const key = String(i.path.at(-1));
        const where = i.path.slice(0, -1).join(".");
        // Only names of the keys this file should hold are shown (a secret pasted as a key is not).
        const shown = /^[\w.-]{0,40}$/.test(key) ? `'${key}'` : "a key";
        return where === "kubeflow.secretEnv"
          ? `'${where}': ${shown} is not an environment variable name (letters, digits and underscores, not starting with a digit)`
          : `'${where}': ${shown} is not a rule id (rule ids are kebab-case, such as missing-timeout, and codes read MLG2002)`;
      }
      return `'${path || "(root)"}': ${i.message}`;
    })
    .join("; ");
}

/**
 * Why a config module's exports hold no config to check: it exports nothing (a bare
 * `defineConfig({...})` call, which only returns the config), its default export is undefined,
 * or it has named exports only. Null when it has a default export.
 */
export function missingConfigExport(exports: Record<string, unknown>): string | null {
  if (exports.default !== undefined) return null;
  if ("default" in exports) return "its default export is undefined";
  // Node's namespace of a CommonJS module holds `module.exports` too (Node 23 and later).
  const names = Object.keys(exports).filter((k) => k !== "module.exports");
  if (names.length === 0) {
    return "it exports nothing, so mlgen reads no settings from it (calling defineConfig(...) is not enough: mlgen reads the config from the module's default export)";
  }
  const shown = names.slice(0, 3).map((n) => `'${n}'`);
  return `it has no default export (it exports ${shown.join(", ")}${names.length > 3 ? ", …" : ""})`;
}

/** The fix for a config without a default export: `example` is the config of the command's use. */
export function configExportHint(example: string): string {
  return `export the config as the module's default: export default defineConfig(${example})`;
}

/** The fix for a config that does not parse: for its first bad key when there is one to give. */
export function configHint(error: z.ZodError | undefined, fallback: string): string {
  const path = error?.issues[0]?.path.join(".") ?? "";
  if (path === "airflow.version") {
    return "write airflow: { version: 2 } for Airflow 2.10 and 2.11, or version: 3 (the default) for Airflow 3.x: the major version only";
  }
  if (path.startsWith("kubeflow.secretEnv")) {
    return "kubeflow: { secretEnv: { MLFLOW_TRACKING_TOKEN: { secret: 'mlflow', key: 'token' } } }: a variable name, then the Kubernetes secret and its key";
  }
  return fallback;
}

/** The object schema at `path` in the config schema (through defaults and optionals). */
function objectAt(path: readonly PropertyKey[]): z.ZodObject | undefined {
  let s: z.core.$ZodType | undefined = configSchema;
  for (let k = 0; s; k++) {
    while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap();
    if (!(s instanceof z.ZodObject)) return undefined;
    if (k === path.length) return s;
    s = s.shape[String(path[k])];
  }
  return undefined;
}
