import { closestName } from "@mlgen/core/light";
import type { Span } from "../finding.js";
import { dagIdArgument, dictEntries, literalDagIds, shown } from "../python/dag-args.js";
import type { DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { childrenOf, stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/**
 * A TriggerDagRunOperator whose `conf` names a key that is none of the triggered DAG's params
 * but one letter or two off one with a default (`"learning_rte"` for `learning_rate`). Airflow puts
 * the key into the triggered run's conf, where nothing reads it, and the run takes the param's
 * default: the model is retrained with the default learning rate, and nothing says so.
 *
 * Judged when the triggered DAG is defined once with a literal id, in the same file or in
 * another file linted with it (findingsAcrossFiles, lint.ts), its file shows every param its
 * runs read (the DAG's and its tasks' params, written out), and it reads no run's conf itself
 * (`dag_run.conf`, which may read the key as it is).
 */

/** A DAG's params by name, and the names its file reads as `params.x` / `params["x"]`. */
export interface DagParamNames {
  readonly id: string;
  readonly names: readonly string[];
  /** The params written with a default (a plain value, `Param(default)`, a task's params). */
  readonly defaults: readonly string[];
  /** The JSON-schema type of each `Param(..., type="number")` written with one. */
  readonly types: Readonly<Record<string, string>>;
}

/** What a conf value written in the file is to Airflow's check of a param's type. */
export type ConfValueKind = "text" | "template" | "number" | "integer" | "boolean" | null;

/** A TriggerDagRunOperator's literal conf keys, with the DAG it triggers. */
export interface TriggerConf extends Span {
  readonly task: string;
  readonly target: string;
  readonly keys: readonly ({
    readonly key: string;
    /** The value's kind when the file shows it, as the run gets it. */
    readonly kind: ConfValueKind;
    readonly value: string;
  } & Span)[];
}

/** The JSON-schema types a value of each kind satisfies. */
const SATISFIES: Readonly<Record<Exclude<ConfValueKind, null>, readonly string[]>> = {
  text: ["string"],
  template: ["string"],
  number: ["number"],
  integer: ["integer", "number"],
  boolean: ["boolean"],
};

/** A file that reads a run's conf (`dag_run.conf`, `context["dag_run"]`, `conf.get(...)`). */
const READS_CONF = /\bdag_run\b[^\n]*\bconf\b|["']dag_run["']|\bconf\s*(?:\.\s*get\b|\[)/;
const PARAM_READ = /\bparams\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(["'])([^"'\n]+)\2\s*\])/g;

/** The file's DAGs defined once with a literal id whose params it shows in full. */
export function dagParamNames(
  file: DagFile,
  ids: readonly { id: string }[] = literalDagIds(file),
): DagParamNames[] {
  if (ids.length === 0 || !file.source.includes("params") || READS_CONF.test(file.source)) {
    return [];
  }
  const count = new Map<string, number>();
  for (const { id } of ids) count.set(id, (count.get(id) ?? 0) + 1);
  const reads = new Set<string>();
  for (const m of file.source.matchAll(PARAM_READ)) reads.add((m[1] ?? m[3]) as string);
  const out: DagParamNames[] = [];
  for (const [id, n] of count) {
    const dag = file.dags.find((d) => d.id === id && d.once);
    if (n !== 1 || !dag || dag.kwargsOpen || dag.defaultArgs?.entries.has("params")) continue;
    // default_args the file does not show in full may hold params.
    if (dag.defaultArgs?.open || (dag.kwargs.has("default_args") && !dag.defaultArgs)) continue;
    const params = dag.params;
    if (dag.kwargs.has("params") && (!params || params.dict.open)) continue;
    if (params && params.entries.length !== params.dict.entries.size) continue;
    const names = new Set(params?.entries.map((e) => e.name) ?? []);
    const defaults: string[] = (params?.entries ?? [])
      .filter((e) => !e.param || (e.param.default !== null && !e.param.open))
      .map((e) => e.name);
    // A task's own params join the run's for it (a conf key overrides them too).
    let known = true;
    for (const task of file.tasks) {
      if (task.dagDecl !== dag) continue;
      if (task.kwargsOpen) known = false;
      const own = task.kwargs.get("params");
      if (!own) continue;
      if (own.name !== "DictionaryExpression" || textOf(file.source, own).includes("**")) {
        known = false;
        continue;
      }
      for (const [name] of dictEntries(file.source, own)) {
        names.add(name);
        defaults.push(name);
      }
    }
    if (!known || names.size === 0) continue;
    for (const r of reads) names.add(r);
    const types: Record<string, string> = {};
    for (const e of params?.entries ?? []) {
      const type = e.param?.kwargs.get("type");
      const name = type ? stringValue(file.source, type) : null;
      if (name !== null && name !== undefined) types[e.name] = name;
    }
    out.push({ id, names: [...names], defaults, types });
  }
  return out;
}

/** The file's TriggerDagRunOperators with a literal DAG id and a written-out conf dict. */
export function triggerConfs(file: DagFile): TriggerConf[] {
  const out: TriggerConf[] = [];
  for (const task of file.tasks) {
    if (task.operator !== "TriggerDagRunOperator" || task.dynamic || task.kwargsOpen) continue;
    const target = dagIdArgument(file, task.kwargs.get("trigger_dag_id"));
    const conf = task.kwargs.get("conf");
    if (target === null || conf?.name !== "DictionaryExpression") continue;
    // Rendering to Python objects (the DAG's render_template_as_native_obj, or on Airflow 3
    // the operator's, or one through default_args) gives a template's value its own type: a
    // template is judged only where the file shows the DAG renders text.
    const dag = task.dagDecl;
    const nativeArg = dag?.kwargs.get("render_template_as_native_obj");
    const rendersText =
      dag !== null &&
      !dag.kwargsOpen &&
      !task.kwargs.has("render_template_as_native_obj") &&
      !(dag.defaultArgs?.open ?? dag.kwargs.has("default_args")) &&
      !dag.defaultArgs?.entries.has("render_template_as_native_obj") &&
      (nativeArg === undefined || textOf(file.source, nativeArg) === "False");
    const keys: TriggerConf["keys"][number][] = [];
    for (const [, valueNode, keyNode] of dictEntries(file.source, conf)) {
      const key = stringValue(file.source, keyNode);
      if (key === null || key.includes("{{")) continue;
      let kind = confValueKind(file.source, valueNode);
      if (kind === "template" && !rendersText) kind = null;
      keys.push({
        key,
        kind,
        value: textOf(file.source, valueNode),
        ...file.lines.span(keyNode.from, keyNode.to),
      });
    }
    if (keys.length > 0) out.push({ task: task.id, target, keys, ...task.span });
  }
  return out;
}

/** What a conf value is to Airflow's check of a param's type, when the file shows it. */
function confValueKind(source: string, node: PyNode): ConfValueKind {
  if (node.name === "Boolean") return "boolean";
  if (node.name === "UnaryExpression") {
    // A signed number (-1, +0.5) is the number's kind; `not x` and `~x` are not judged.
    const [sign, operand] = childrenOf(node);
    const signed = sign && /^[-+]$/.test(textOf(source, sign)) && operand?.name === "Number";
    return signed ? confValueKind(source, operand) : null;
  }
  if (node.name === "Number") {
    // Python's ints (1_000, 0x10) and floats (2.0, 1e3): a whole float is an integer to
    // JSON schema too; a complex number (1j) is not judged.
    const text = textOf(source, node).replaceAll("_", "").toLowerCase();
    if (text.endsWith("j")) return null;
    const value = /^0[box]/.test(text) ? Number(text) : Number.parseFloat(text);
    if (!Number.isFinite(value)) return null;
    return Number.isInteger(value) ? "integer" : "number";
  }
  const text = stringValue(source, node);
  if (text === null) return null;
  return /\{\{|\{%/.test(text) ? "template" : "text";
}

/** The findings' arguments and places for the keys of `trigger` that `dag` has no param for. */
export function judgeTriggerConf(
  trigger: TriggerConf,
  dag: DagParamNames,
): {
  args: { task: string; target: string; key: string; problem: string; fix: string };
  at: Span;
}[] {
  const out: ReturnType<typeof judgeTriggerConf> = [];
  const said = (k: TriggerConf["keys"][number], problem: string, fix: string) => {
    const { key, kind: _, value: __, ...at } = k;
    out.push({
      args: { task: shown(trigger.task), target: shown(dag.id), key: shown(key), problem, fix },
      at,
    });
  };
  for (const k of trigger.keys) {
    const type = dag.types[k.key];
    if (type !== undefined && k.kind !== null && !SATISFIES[k.kind].includes(type)) {
      if (k.kind === "template") {
        said(
          k,
          `whose value is a template, which Airflow renders to text, where param '${shown(k.key)}' is of type ${type}: Airflow's check of the param refuses the text, so the task fails and no run is started`,
          `render the whole conf as JSON, so each value keeps its type: conf="{{ {'${shown(k.key)}': ...} | tojson }}" (Airflow 2, and Airflow 3 with apache-airflow-providers-standard 1.9.2 or later, read it back into a dict), or on Airflow 3 set render_template_as_native_obj=True on this operator`,
        );
      } else {
        said(
          k,
          `whose value ${shown(k.value)} is not of type ${type}, the type of param '${shown(k.key)}': Airflow's check of the param refuses it, so the task fails and no run is started`,
          `send a value of type ${type}, or change the type of param '${shown(k.key)}' in DAG '${shown(dag.id)}'`,
        );
      }
      continue;
    }
    if (dag.names.includes(k.key)) continue;
    // Only a near miss of a param with a default, which the run then takes: a key far from
    // every param may be read some way the file does not show.
    const near = closestName(k.key, dag.names);
    if (near === undefined || !dag.defaults.includes(near)) continue;
    if (trigger.keys.some((other) => other.key === near)) continue;
    said(
      k,
      `which is none of its params: Airflow puts it into the run's conf, where nothing reads it, and the run takes the default of '${shown(near)}', without a word`,
      `did you mean '${shown(near)}'? Name the key as DAG '${shown(dag.id)}' names its param`,
    );
  }
  return out;
}

export const triggerConf = defineRule({
  id: "trigger-conf",
  code: "MLG2035",
  defaultSeverity: "error",
  description:
    "A TriggerDagRunOperator's conf key that is none of the triggered DAG's params but close to one with a default (a typo): the run ignores it and takes the param's default; or a value a typed param refuses (a template renders to text): the trigger fails.",
  checkPython(file, report) {
    const triggers = triggerConfs(file);
    if (triggers.length === 0) return;
    const dags = dagParamNames(file);
    for (const trigger of triggers) {
      const dag = dags.find((d) => d.id === trigger.target);
      if (!dag) continue;
      for (const { args, at } of judgeTriggerConf(trigger, dag)) report(args, at);
    }
  },
});
