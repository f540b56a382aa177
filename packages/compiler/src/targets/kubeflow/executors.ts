/** Executors: the container that runs each task (python components, shell, images). */

import {
  type BashTask,
  type ContainerTask,
  type KubeflowTaskSettings,
  mayHoldJinja,
  type Resources,
  type Value,
} from "@mlgen/core";
import { shQuote } from "../../escape/shell.js";
import { posixJoin } from "../../posix.js";
import { quantity } from "../../quantity.js";
import type { Approximated, ComponentBuild, ValueCode } from "./component.js";
import { constantOf } from "./values.js";

export interface KubeflowSettings {
  /** Image of python, validate, sensor and bash tasks. */
  readonly image: string;
  /** pip requirements installed before a python task runs (as kfp's `packages_to_install`). */
  readonly packages: readonly string[];
  /** The kfp requirement installed for kfp's executor, e.g. `kfp==2.17.3`. */
  readonly kfpPackage: string;
  /** false: kfp is not installed before a python task (its image has it: install_kfp_package). */
  readonly installKfp: boolean;
  /** Emit execution timeouts as `activeDeadlineSeconds` in the Kubernetes platform spec. */
  readonly timeouts: boolean;
  /**
   * KFP's cache: on or off for every task; null (the default) turns it on for a pipeline run by
   * hand (kfp's default) and off for a scheduled one, whose runs must each do the work.
   */
  readonly caching: boolean | null;
  /**
   * Environment variables every task's pod takes from Kubernetes secrets, by name: the Slack
   * webhook URL of an alert (`MLGEN_SLACK_<CONNID>_URL`), what `env()` reads. Written as
   * kfp-kubernetes' `secretAsEnv` in the platform spec.
   */
  readonly secretEnv: Readonly<Record<string, { readonly secret: string; readonly key: string }>>;
  /**
   * Kubernetes secrets every pod pulls its image with (kfp-kubernetes' imagePullSecret), the
   * project's then the pipeline's; a task's own are added to them.
   */
  readonly imagePullSecrets: readonly string[];
  readonly mlgenVersion: string;
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The project name a pip requirement installs (PEP 508: `scikit-learn>=1.5`, `torch[cuda]==2.5`,
 * `pkg @ https://...`), normalized as PEP 503 compares names; null for what names none
 * (a URL, a path, a pip option).
 */
export function requirementName(requirement: string): string | null {
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?=$|[[(;<>=!~@\s])/.exec(
    requirement,
  );
  return m ? (m[1] as string).toLowerCase().replace(/[-_.]+/g, "-") : null;
}

/**
 * The image pull secrets of a farther level with a nearer level's added (the kubelet tries each
 * in turn, so none hides another), each once, in order.
 */
export function addPullSecrets(
  farther: readonly string[],
  nearer: readonly string[] | undefined,
): readonly string[] {
  if (nearer === undefined || nearer.length === 0) return farther;
  return [...new Set([...farther, ...nearer])];
}

/**
 * The requirements of a nearer level (a task's, a pipeline's) added to a farther one's (the
 * pipeline's, the project's): one that names a package the farther level lists replaces that
 * requirement where it stood, so a task can pin another version; the others follow in order.
 */
function addPackages(farther: readonly string[], nearer: readonly string[]): string[] {
  if (nearer.length === 0) return [...farther];
  const names = new Map<string, string>();
  for (const r of nearer) {
    const name = requirementName(r);
    if (name !== null) names.set(name, r);
  }
  const out: string[] = [];
  const placed = new Set<string>();
  for (const r of farther) {
    const name = requirementName(r);
    const replaced = name === null ? undefined : names.get(name);
    if (replaced === undefined) out.push(r);
    else if (!placed.has(replaced)) {
      out.push(replaced);
      placed.add(replaced);
    }
  }
  for (const r of nearer) if (!placed.has(r)) out.push(r);
  return out;
}

/**
 * A level's packages (a pipeline's, a task's) with those of the levels above: added to them
 * (addPackages), or alone when the level says `inheritPackages: false`.
 */
export function levelPackages(
  farther: readonly string[],
  own:
    | { readonly packages: readonly string[]; readonly inheritPackages: boolean | null }
    | undefined,
): string[] {
  if (!own) return [...farther];
  return own.inheritPackages === false ? [...own.packages] : addPackages(farther, own.packages);
}

/**
 * A container's resources as kfp writes them: the strings, and for drivers older than those,
 * the deprecated numbers (CPU in cores, memory in GB; kfp/compiler/compiler_utils.py
 * _cpu_to_float, _memory_to_float). Null when none is set.
 */
export function containerResources(r: Resources): Record<string, unknown> | null {
  const resources: Record<string, unknown> = {
    ...(r.cpuLimit !== null
      ? { cpuLimit: cpuToFloat(r.cpuLimit), resourceCpuLimit: r.cpuLimit }
      : {}),
    ...(r.cpuRequest !== null
      ? { cpuRequest: cpuToFloat(r.cpuRequest), resourceCpuRequest: r.cpuRequest }
      : {}),
    ...(r.memoryLimit !== null
      ? { memoryLimit: memoryToFloat(r.memoryLimit), resourceMemoryLimit: r.memoryLimit }
      : {}),
    ...(r.memoryRequest !== null
      ? { memoryRequest: memoryToFloat(r.memoryRequest), resourceMemoryRequest: r.memoryRequest }
      : {}),
    // A type alone is one of them, as kfp's set_accelerator_type makes it.
    ...(r.gpuLimit !== null || r.accelerator !== undefined
      ? {
          accelerator: {
            count: String(r.gpuLimit ?? 1),
            resourceCount: String(r.gpuLimit ?? 1),
            resourceType: r.accelerator ?? "nvidia.com/gpu",
            type: r.accelerator ?? "nvidia.com/gpu",
          },
        }
      : {}),
  };
  return Object.keys(resources).length ? resources : null;
}

/**
 * The command kfp writes for a lightweight component: install kfp (and the task's packages)
 * when missing, write the module to a temp dir, hand it to kfp's executor.
 */
export function pythonCommand(
  settings: KubeflowSettings,
  packages: readonly string[],
  source: string,
  functionName: string,
  modules: readonly { readonly path: string; readonly content: string }[],
): Record<string, unknown> {
  // As kfp 2.17 writes it (kfp/dsl/component_factory.py): the task's packages first, then kfp's
  // executor, which is left out when a package names kfp itself (`kfp==2.16.0`,
  // `kfp-kubernetes`, which brings kfp along).
  const pip = "python3 -m pip install --quiet --no-warn-script-location";
  const installs = [
    ...(packages.length ? [`${pip} ${packages.map(shQuote).join(" ")}`] : []),
    ...(!settings.installKfp || packages.some((p) => p.startsWith("kfp"))
      ? []
      : [
          `${pip} ${shQuote(settings.kfpPackage)} '--no-deps' 'typing-extensions>=3.7.4,<5; python_version<"3.9"'`,
        ]),
  ];
  const install = [
    "",
    'if ! [ -x "$(command -v pip)" ]; then',
    "    python3 -m ensurepip || python3 -m ensurepip --user || apt-get install python3-pip",
    "fi",
    "",
    `PIP_DISABLE_PIP_VERSION_CHECK=1 ${installs.join("  &&  ")} && "$0" "$@"`,
    "",
  ].join("\n");
  // The folders made so far ("": the program path itself).
  const dirs = new Set<string>([""]);
  const launcher = [
    "",
    "program_path=$(mktemp -d)",
    "",
    'printf "%s" "$0" > "$program_path/ephemeral_component.py"',
    // The project's modules travel as the next arguments, written where the component finds them.
    // Positional parameters past $9 need braces: "$10" is "$1" followed by 0.
    ...modules.flatMap((m, i) => {
      const slash = m.path.lastIndexOf("/");
      const dir = `mlgen_project${slash < 0 ? "" : `/${m.path.slice(0, slash)}`}`;
      const made = dirs.has(dir);
      // mkdir -p makes the parents too.
      for (let d = dir; !dirs.has(d); d = d.slice(0, Math.max(0, d.lastIndexOf("/")))) dirs.add(d);
      return [
        ...(made ? [] : [`mkdir -p "$program_path"/${shQuote(dir)}`]),
        `printf "%s" "\${${i + 1}}" > "$program_path"/${shQuote(`mlgen_project/${m.path}`)}`,
      ];
    }),
    ...(modules.length ? [`shift ${modules.length}`] : []),
    '_KFP_RUNTIME=true python3 -m kfp.dsl.executor_main --component_module_path "$program_path/ephemeral_component.py" "$@"',
    "",
  ].join("\n");
  // Nothing to install: the launcher alone, as kfp writes it then.
  return {
    args: ["--executor_input", "{{$}}", "--function_to_execute", functionName],
    command: [
      ...(installs.length ? ["sh", "-c", install] : []),
      "sh",
      "-ec",
      launcher,
      source,
      ...modules.map((m) => m.content),
    ],
    image: settings.image,
  };
}

/**
 * Whether Airflow renders a literal env value as a template: one that may hold Jinja, unless it
 * ends in .sh or .bash (written as literal(...) there, lest Airflow read it as a file's name).
 */
const rendered = (value: unknown): value is string =>
  typeof value === "string" && mayHoldJinja(value) && !/\.(sh|bash)$/.test(value);

/**
 * An env value as Kubernetes reads a container's env: it turns `$$` into `$` and expands
 * `$(NAME)`, which BashOperator on Airflow does not; every `$` doubled arrives as written.
 */
const podEnvText = (text: string) => text.replaceAll("$", () => "$$");

/** A value passed in as an input; `join`: the parts `.join()` adds to it in the shell. */
type Passed = { name: string; input: string; join?: readonly string[] };

/** The shell lines that export each value passed in as a positional argument ($1, $2, ...). */
function exportLines(passed: readonly Passed[]): string {
  return passed
    .map((p, i) =>
      p.join === undefined || p.join.length === 0
        ? `export ${p.name}="\${${i + 1}}"\n`
        : // posixpath.join: a slash between the two unless the base is empty or ends in one
          // (join("/data", "") is "/data/").
          `case "\${${i + 1}}" in ""|*/) export ${p.name}="\${${i + 1}}"${shQuote(posixJoin(p.join))} ;; *) export ${p.name}="\${${i + 1}}"/${shQuote(posixJoin(p.join))} ;; esac\n`,
    )
    .join("");
}

/** A value known only when the run starts: a component input. */
const runTime = (v: Value) =>
  v.kind === "ref" || v.kind === "oneOf" || v.kind === "param" || v.kind === "variable";

/**
 * Environment values: literals (lists and dicts as JSON, as on Airflow) are set on the
 * container, run-time values come in as inputs; a path joined onto one is joined in the shell.
 */
function environment(
  task: BashTask,
  code: ValueCode,
  approximated: Approximated,
): { literal: { name: string; value: string }[]; passed: Passed[] } {
  const literal: { name: string; value: string }[] = [];
  const passed: Passed[] = [];
  for (const [name, value] of Object.entries(task.env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const constant = constantOf(value);
    const restart =
      value.kind === "join" ? value.parts.findLastIndex((p) => p.startsWith("/")) : -1;
    if (value.kind === "literal" && value.value !== null) {
      // Airflow renders a shell task's env, literals included; Kubeflow passes them as written.
      if (rendered(value.value)) code.template(value.value);
      const text = typeof value.value === "string" ? value.value : JSON.stringify(value.value);
      literal.push({ name, value: podEnvText(text) });
    } else if ((value.kind === "list" || value.kind === "object") && constant !== undefined) {
      literal.push({ name, value: podEnvText(JSON.stringify(constant)) });
    } else if (value.kind === "join" && (restart >= 0 || value.base.kind === "literal")) {
      const base = value.base.kind === "literal" ? String(value.base.value ?? "") : "";
      const parts = restart >= 0 ? value.parts.slice(restart) : [base, ...value.parts];
      literal.push({ name, value: podEnvText(posixJoin(parts)) });
    } else if (value.kind === "template") {
      code.template(value.text);
      literal.push({ name, value: podEnvText(value.text) });
    } else if (runTime(value) && SHELL_NAME.test(name)) {
      const input = `env_${name}`;
      code.input(input, value);
      passed.push({ name, input });
    } else if (value.kind === "join" && runTime(value.base) && SHELL_NAME.test(name)) {
      const input = `env_${name}`;
      code.input(input, value.base);
      passed.push({ name, input, join: value.parts });
    } else {
      approximated(
        task,
        `env ${name} of '${task.id}'`,
        `this ${value.kind} value cannot be passed to a shell task's environment on Kubeflow; it is left out`,
        "compute it in a python task and pass its output",
      );
    }
  }
  return { literal, passed };
}

/** The variables slackVariable (component.ts) names: the alerts read them, in the exit handler's pod only. */
export const SLACK_VARIABLE = /^MLGEN_SLACK_[A-Z0-9_]+_URL$/;

/**
 * The variables a task's pod has: its secrets' (a Slack webhook's go to the exit handler's
 * alone, see secretsOf). The caller adds the task's own kubeflow.env.
 */
export function podVariables(
  project: KubeflowSettings["secretEnv"],
  own: KubeflowTaskSettings["secretEnv"],
  alerts: boolean,
): Set<string> {
  const names = new Set<string>();
  for (const name of Object.keys({ ...project, ...own })) {
    if (alerts || !SLACK_VARIABLE.test(name)) names.add(name);
  }
  return names;
}

/**
 * Variables a KFP cluster gives every task's container whatever the spec says: the backend's
 * (KFP_POD_NAME, KFP_POD_UID, NAMESPACE, the metadata-grpc-configmap's), Argo's (ARGO_*), and
 * Kubernetes' service links (KUBERNETES_SERVICE_HOST, <SERVICE>_SERVICE_PORT, and the Docker
 * link names <SERVICE>_PORT, <SERVICE>_PORT_<n>_TCP, ..._TCP_ADDR, ..._TCP_PORT, ..._TCP_PROTO).
 */
export const CLUSTER_VARIABLE =
  /^(?:KFP_\w+|ARGO_\w+|NAMESPACE|KUBERNETES_\w+|\w+_SERVICE_(?:HOST|PORT)(?:_\w+)?|\w+_PORT(?:_\d+_(?:TCP|UDP|SCTP)(?:_(?:ADDR|PORT|PROTO))?)?)$/;

/**
 * The names in `$(NAME)`, which Kubernetes replaces in a container's command and args when the
 * container has such a variable (`$$(NAME)` is its escape, said as '$$').
 */
export function expansions(text: string): Set<string> {
  const names = new Set<string>();
  if (!text.includes("$(")) return names;
  for (const m of text.matchAll(/(?<!\$)\$\(([^()$\s]+)\)/g)) names.add(m[1] as string);
  return names;
}

const placeholder = (input: string) => `{{$.inputs.parameters['${input}']}}`;

export function shellExecutor(
  task: BashTask,
  code: ValueCode,
  settings: KubeflowSettings,
  approximated: Approximated,
): ComponentBuild {
  if (task.command.includes("$$")) {
    approximated(
      task,
      `the command of '${task.id}'`,
      "it holds '$$', which Kubernetes turns into '$' in a container's command and args (Airflow runs it as written)",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a placeholder
      "write ${$} for the shell's process id, or '$''$' for two dollar signs",
    );
  }
  if (task.command.includes("{{$")) {
    approximated(
      task,
      `the command of '${task.id}'`,
      "it holds '{{$', which Kubeflow takes for its own placeholder ({{$}}, {{$.inputs...}}) and replaces in the container's command",
      'split the text ("{{""$" in the shell), or pass it through env',
    );
  } else if (/\{\{.*\}\}/s.test(task.command)) {
    approximated(
      task,
      `the command of '${task.id}'`,
      "it holds an Airflow template, which Kubeflow does not render",
      "pass the value through env with a param or a task output",
    );
  }
  const { literal, passed } = environment(task, code, approximated);
  // A secret's variable or a literal env value is the container's own: Kubernetes replaces
  // `$(NAME)` by it in the command before bash reads it, where bash would run a command NAME.
  const podEnv = podVariables(settings.secretEnv, undefined, false);
  for (const { name } of literal) podEnv.add(name);
  for (const name of expansions(task.command)) {
    if (!podEnv.has(name) && !CLUSTER_VARIABLE.test(name)) continue;
    approximated(
      task,
      `the command of '${task.id}'`,
      `it holds '$(${name})', and ${name} is a variable of the task's pod: Kubernetes replaces '$(${name})' by its value in a container's command, where Airflow's bash runs a command named ${name}`,
      `write \${${name}} for the variable's value, on both engines`,
    );
  }
  // Then `set --`: BashOperator's `bash -c` gets no arguments, so the command sees `$1` empty
  // and `$#` 0 on both engines.
  const exports = passed.length > 0 ? `${exportLines(passed)}set --\n` : "";
  return {
    container: {
      args: passed.map((p) => placeholder(p.input)),
      // `bash -c`, as BashOperator runs it: without -e, a failing line does not end the command.
      command: ["bash", "-c", `${exports}${task.command}`, "bash"],
      ...(literal.length ? { env: literal } : {}),
      image: settings.image,
    },
    outputs: {},
    optionalInputs: new Set(),
  };
}

/** kfp's `_cpu_to_float`: cores, `m` suffix for millicores. */
export function cpuToFloat(cpu: string): number {
  // What kfp's validator takes, converted as kfp does; any other quantity by its value.
  if (!/^([0-9]*[.])?[0-9]+m?$/.test(cpu)) return quantity(cpu);
  return cpu.endsWith("m") ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
}

/** kfp's `_memory_to_float`: GB (10^9 bytes), in the order kfp tests the suffixes. */
const MEMORY_UNITS: readonly [string, number | null][] = [
  ["E", 10 ** 18],
  ["Ei", 2 ** 60],
  ["P", 10 ** 15],
  ["Pi", 2 ** 50],
  ["T", 10 ** 12],
  ["Ti", 2 ** 40],
  ["G", null],
  ["Gi", 2 ** 30],
  ["M", 10 ** 6],
  ["Mi", 2 ** 20],
  ["K", 10 ** 3],
  ["Ki", 2 ** 10],
];
export function memoryToFloat(memory: string): number {
  // What kfp's validator takes, converted as kfp does; any other quantity by its value.
  if (!/^[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki)?$/.test(memory)) return quantity(memory) / 10 ** 9;
  for (const [suffix, factor] of MEMORY_UNITS) {
    if (!memory.endsWith(suffix)) continue;
    const n = Number(memory.slice(0, -suffix.length));
    return factor === null ? n : (n * factor) / 10 ** 9;
  }
  return Number(memory) / 10 ** 9;
}

export function containerExecutor(
  task: ContainerTask,
  code: ValueCode,
  approximated: Approximated,
): ComponentBuild {
  const literal: { name: string; value: string }[] = [];
  const passed: Passed[] = [];
  // A run-time value (a task output, a param, a Variable) comes in as an input: the container's
  // command starts with `sh -c` exporting it, then execs the command (the image needs a sh).
  const wraps = task.command !== null && task.command.length > 0;
  for (const [name, value] of Object.entries(task.env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (value.kind === "literal" && value.value !== null) {
      // Airflow renders a pod's env_vars (a templated field); Kubeflow passes them as written.
      if (rendered(value.value)) code.template(value.value);
      literal.push({ name, value: String(value.value) });
    } else if (wraps && SHELL_NAME.test(name) && runTime(value)) {
      const input = `env_${name}`;
      code.input(input, value);
      passed.push({ name, input });
    } else if (wraps && SHELL_NAME.test(name) && value.kind === "join" && runTime(value.base)) {
      const input = `env_${name}`;
      code.input(input, value.base);
      passed.push({ name, input, join: value.parts });
    } else {
      approximated(
        task,
        `env ${name} of '${task.id}'`,
        wraps
          ? `this ${value.kind} value cannot reach a container's environment on Kubeflow; it is left out`
          : `a run-time value reaches a container's environment through its command on Kubeflow, and this task has none; the ${value.kind} value is left out`,
        wraps
          ? "compute it in a python task and pass its output"
          : "set command to what the image's ENTRYPOINT runs, e.g. command: ['python', '-m', 'trainer']",
      );
    }
  }
  for (const [field, parts] of [
    ["command", task.command],
    ["args", task.args],
  ] as const) {
    const dollars = (parts ?? []).find((part) => part.includes("$$"));
    if (dollars !== undefined) {
      approximated(
        task,
        `the ${field} of '${task.id}'`,
        `'${dollars}' holds '$$', which Kubernetes turns into '$' in a container's ${field} (Airflow passes it as written)`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a placeholder
        "write it another way, e.g. ${$} in a shell for its process id",
        field === "args",
      );
    }
    const placeholder = (parts ?? []).find((part) => part.includes("{{$"));
    const templated = (parts ?? []).find((part) => /\{\{|\{%/.test(part));
    if (placeholder !== undefined) {
      approximated(
        task,
        `the ${field} of '${task.id}'`,
        `'${placeholder}' holds '{{$', which Kubeflow takes for its own placeholder ({{$}}, {{$.inputs...}}) and replaces`,
        "write the text another way, or compute it in a python task",
        field === "args",
      );
    } else if (templated !== undefined) {
      approximated(
        task,
        `the ${field} of '${task.id}'`,
        `'${templated}' holds an Airflow template, which Kubeflow does not render (passed as is)`,
        "use a param or a literal, or compute the value in a python task",
        field === "args",
      );
    }
  }
  if (task.command === null || task.command.length === 0) {
    // The KFP v2 driver makes the pod's command its launcher and passes the container's
    // command and args to it: the image's ENTRYPOINT never runs (KubernetesPodOperator keeps it).
    approximated(
      task,
      `the image's entrypoint in '${task.id}'`,
      `a task without a command runs ${task.args.length ? `its args ('${task.args[0]}' as the program)` : "nothing"} on KFP: its launcher runs the container's command and args in place of the image's ENTRYPOINT`,
      "set command to what the image's ENTRYPOINT runs, e.g. command: ['python', '-m', 'scorer']",
    );
  }
  if (task.namespace !== null) {
    approximated(
      task,
      `namespace '${task.namespace}' of '${task.id}'`,
      "a KFP task runs in its pipeline run's namespace",
      "run the pipeline in that namespace",
    );
  }
  if (task.serviceAccountName !== undefined) {
    approximated(
      task,
      `serviceAccountName '${task.serviceAccountName}' of '${task.id}'`,
      "every pod of a KFP run runs as the run's service account (KFP has no per-task one)",
      `submit the run as it: kfp.Client().create_run_from_pipeline_package(..., service_account="${task.serviceAccountName}")`,
    );
  }
  const resources = containerResources(task.resources);
  return {
    container: {
      ...(task.args.length ? { args: task.args } : {}),
      ...(task.command !== null
        ? {
            command:
              passed.length > 0
                ? [
                    "sh",
                    "-c",
                    `${exportLines(passed)}shift ${passed.length}\nexec "$@"\n`,
                    "sh",
                    ...passed.map((p) => placeholder(p.input)),
                    ...task.command,
                  ]
                : task.command,
          }
        : {}),
      ...(literal.length ? { env: literal } : {}),
      image: task.image,
      ...(resources ? { resources } : {}),
    },
    outputs: {},
    optionalInputs: new Set(),
  };
}
