import { dirname, resolve } from "node:path";
import { closestName } from "@mlgen/core/light";
import * as z from "zod";

/** A Kubernetes secret's name (a DNS-1123 subdomain), as secretEnv and imagePullSecrets give it. */
const secretName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
  error: (iss) => badSecretName(iss.input),
});

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
  /**
   * Globs of the project's other files that the task modules read when they run (SQL, YAML,
   * templates: `["tasks/sql/*.sql", "tasks/config.yaml"]`), relative to the config file and
   * inside `root`: copied beside the task modules into the Airflow folder, and written beside
   * them in every Kubeflow python task's container, as the modules are. Text files only.
   */
  taskFiles: z.array(z.string().min(1)).default([]),
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
      /** false: no kfp is installed before python tasks (the image has kfp 2). */
      installKfp: z.boolean().optional(),
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
            secret: secretName,
            key: z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: (iss) => badSecretKey(iss.input) }),
          }),
        )
        .optional(),
      /**
       * Kubernetes secrets every pod pulls its image with (a private registry's credentials):
       * `["regcred"]`; a pipeline's and a task's are added to them.
       */
      imagePullSecrets: z.array(secretName).optional(),
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

/** What is wrong with a `kubeflow.secretEnv` secret name: the first character out of place. */
function badSecretName(input: unknown): string {
  const rule =
    "(names are lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)";
  if (input === "") return `is empty: give the name of the Kubernetes secret ${rule}`;
  const name = String(input);
  const bad = [...name].find((c) => !/[-a-z0-9.]/.test(c));
  const why =
    bad !== undefined
      ? `it has ${shownChar(bad)}`
      : /^[-.]/.test(name)
        ? `it starts with '${name[0]}'`
        : `it ends with '${name.at(-1)}'`;
  return `is not a Kubernetes secret name: ${why} ${rule}`;
}

/** What is wrong with a `kubeflow.secretEnv` key: empty, or the first character a key cannot have. */
function badSecretKey(input: unknown): string {
  const rule = "(keys are letters, digits, '-', '_' and '.')";
  if (input === "") return `is empty: give the key in the secret that holds the value ${rule}`;
  const bad = [...String(input)].find((c) => !/[-._a-zA-Z0-9]/.test(c)) ?? "";
  return `is not a key a Kubernetes secret can have: it has ${shownChar(bad)} ${rule}`;
}

/** One character of a value, as an error may show it (one character gives no secret away). */
function shownChar(c: string): string {
  if (c === " ") return "a space";
  if (/^\s$/.test(c)) return "a blank (a tab or line break)";
  return /^[\x21-\x7e]$/.test(c)
    ? `'${c}'`
    : `the character U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Checks a config module's default export (its input is kept in the issues, for the messages). */
export function parseConfig(value: unknown) {
  return configSchema.safeParse(value, { reportInput: true });
}

/** What a required key holds, for the message saying it is missing. */
const REQUIRED: Readonly<Record<string, string>> = {
  "kubeflow.secretEnv.*.secret": "the name of the Kubernetes secret",
  "kubeflow.secretEnv.*.key": "the key in the secret that holds the value",
};

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
  /** Globs of the files the task modules read (relative to the config file's folder). */
  readonly taskFiles: readonly string[];
  readonly out: string;
  readonly target: string;
  readonly airflowVersion: 2 | 3;
  /** Where `--target kubeflow` (or `all`) writes, and its settings. */
  readonly kubeflowOut: string;
  readonly kubeflow: Readonly<{
    image?: string;
    packages?: readonly string[];
    kfpPackage?: string;
    installKfp?: boolean;
    timeouts?: boolean;
    caching?: boolean;
    secretEnv?: Readonly<Record<string, { secret: string; key: string }>>;
    imagePullSecrets?: readonly string[];
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
    taskFiles: config.taskFiles,
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

/**
 * The issues to show: a required key that is missing because it was misspelt is left to the
 * unknown key's "did you mean" (`{ secrt: "db" }` is one mistake, not two).
 */
function shownIssues(error: z.ZodError): z.core.$ZodIssue[] {
  const meant = new Set<string>();
  for (const i of error.issues) {
    if (i.code !== "unrecognized_keys") continue;
    const known = Object.keys(objectAt(i.path)?.shape ?? {});
    for (const k of i.keys) {
      const guess = closestName(k, known);
      if (guess) meant.add([...i.path, guess].join("."));
    }
  }
  return error.issues.filter((i) => !(isMissing(i) && meant.has(i.path.join("."))));
}

/** A required key that is not there (the config was parsed with its input reported). */
const isMissing = (i: z.core.$ZodIssue) =>
  i.code === "invalid_type" && "input" in i && i.input === undefined;

/** `pipelines.0: expected string` → readable lines naming each bad key. */
export function describeConfigError(error: z.ZodError): string {
  return shownIssues(error)
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
      if (isMissing(i)) {
        const what = REQUIRED[genericPath(i.path)];
        return `'${path}' is missing${what ? ` (${what})` : ""}`;
      }
      if (i.code === "invalid_value" && "input" in i && i.values.length > 1) {
        return `'${path || "(root)"}': must be ${orList(i.values.map(String))}, not ${shownValue(i.input)}`;
      }
      if (i.code === "invalid_type" && "input" in i) {
        const keys = i.expected === "object" ? Object.keys(objectAt(i.path)?.shape ?? {}) : [];
        const expected =
          i.expected === "array"
            ? "a list"
            : `${/^[aeiou]/.test(i.expected) ? "an" : "a"} ${i.expected}${keys.length ? ` { ${keys.join(", ")} }` : ""}`;
        return `'${path || "(root)"}': must be ${expected}, not ${shownValue(i.input)}`;
      }
      // The messages of mlgen's own checks that say what the value "is" read on from the key.
      return i.message.startsWith("is ")
        ? `'${path || "(root)"}' ${i.message}`
        : `'${path || "(root)"}': ${i.message}`;
    })
    .join("; ");
}

/** `a, b or c`. */
function orList(words: readonly string[]): string {
  return words.length < 2
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** A path with the keys of records (`kubeflow.secretEnv.DB_PASSWORD`) as `*`. */
function genericPath(path: readonly PropertyKey[]): string {
  return schemaAt(path).generic;
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
  const first = error ? shownIssues(error)[0] : undefined;
  const path = first?.path.join(".") ?? "";
  const key = String(first?.path.at(-1) ?? "");
  // One of a few words, misspelt (target: "kubflow", a rule's "warn"): the one meant.
  if (first?.code === "invalid_value" && "input" in first && first.values.length > 1) {
    const values = first.values.map(String);
    const guess = typeof first.input === "string" ? closestName(first.input, values) : undefined;
    return guess
      ? `did you mean "${guess}"? ('${path}' takes ${orList(values)})`
      : `write one of ${orList(values.map((v) => `"${v}"`))}`;
  }
  // One glob where a list belongs (pipelines: "pipelines/*.ts"): the list holding it.
  if (first?.code === "invalid_type" && first.expected === "array" && "input" in first) {
    const one =
      typeof first.input === "string" && /^[\w./*{},-]{1,80}$/.test(first.input)
        ? JSON.stringify(first.input)
        : "...";
    return `write a list, even of one: ${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: [${one}]`;
  }
  if (path === "airflow.version") {
    return "write airflow: { version: 2 } for Airflow 2.10 and 2.11, or version: 3 (the default) for Airflow 3.x: the major version only";
  }
  if (first && path.startsWith("kubeflow.secretEnv")) {
    const generic = genericPath(first.path);
    if (generic === "kubeflow.secretEnv.*.key" && !isMissing(first)) {
      return "write the key as the secret holds it (kubectl get secret <name> -o jsonpath='{.data}' lists its keys)";
    }
    if (generic === "kubeflow.secretEnv.*.secret" && !isMissing(first)) {
      return "write the secret's name as kubectl get secrets lists it";
    }
    return "kubeflow: { secretEnv: { MLFLOW_TRACKING_TOKEN: { secret: 'mlflow', key: 'token' } } }: a variable name, then the Kubernetes secret and its key";
  }
  return fallback;
}

/** The object schema at `path` in the config schema (through defaults and optionals). */
function objectAt(path: readonly PropertyKey[]): z.ZodObject | undefined {
  const { schema } = schemaAt(path);
  return schema instanceof z.ZodObject ? schema : undefined;
}

/**
 * The config schema at `path` (defaults and optionals unwrapped; undefined past a key it does
 * not have), and the path with the keys of records as `*`: a record (kubeflow.secretEnv) has
 * the same schema under every key.
 */
function schemaAt(path: readonly PropertyKey[]): {
  schema: z.core.$ZodType | undefined;
  generic: string;
} {
  const unwrap = (t: z.core.$ZodType | undefined) => {
    let u = t;
    while (u instanceof z.ZodDefault || u instanceof z.ZodOptional) u = u.unwrap();
    return u;
  };
  const out: string[] = [];
  let s = unwrap(configSchema);
  for (const key of path) {
    if (s instanceof z.ZodRecord) {
      out.push("*");
      s = unwrap(s.valueType);
    } else {
      out.push(String(key));
      s = unwrap(s instanceof z.ZodObject ? s.shape[String(key)] : undefined);
    }
  }
  return { schema: s, generic: out.join(".") };
}
