import {
  AIRFLOW_CONTEXT_KEYS,
  AIRFLOW_CONTEXT_KEYS_OF,
  AIRFLOW_OPERATOR_PARAMS,
  closestName,
  cronSyntaxProblem,
  SCHEDULE_PRESETS,
  TRIGGER_RULES,
} from "@mlgen/core";
import {
  dagName,
  dictEntries,
  hasStartDate,
  PUNCTUATION,
  scheduleOf,
  shown,
} from "../python/dag-args.js";
import type { DagParam } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { triggerRuleSettings } from "../python/queries.js";
import {
  type BindProblem,
  bindProblem,
  parameterDefaults,
  parameters,
} from "../python/signature.js";
import { childNamed, childrenNamed, childrenOf, stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { TASK_ARGS } from "./airflow3-removed.js";
import { inNeverBuilt, neverBuilt } from "./dag-never-called.js";

const BASE_PARAMS: ReadonlySet<string> = new Set(AIRFLOW_OPERATOR_PARAMS.BaseOperator);

/** Airflow's check of DAG and task ids (validate_key), and of task group ids (no dots). */
const KEY = /^[\p{L}\p{N}_.-]+$/u;
const GROUP_KEY = /^[\p{L}\p{N}_-]+$/u;
const MAX_KEY = 250;
/**
 * Every trigger rule Airflow 3 or 2 takes: Airflow 3's, and the two only Airflow 2 still has
 * (`dummy`, `none_failed_or_skipped`: airflow3-removed reports those).
 */
const RULES: readonly string[] = [...TRIGGER_RULES, "dummy", "none_failed_or_skipped"];
const RULE_NAMES = new Map(RULES.map((r) => [r.toUpperCase(), r]));

/** Values written in `.expand()` that Airflow cannot map over, by node, with Python's type name. */
const UNMAPPABLE: Readonly<Record<string, string>> = {
  String: "str",
  ContinuedString: "str",
  FormatString: "str",
  Number: "int",
  Boolean: "bool",
  None: "NoneType",
  SetExpression: "set",
  SetComprehensionExpression: "set",
};

/** The DAG's arguments `@asset` and `@asset.multi` take alike (Airflow 3.3's _DAGFactory). */
const DAG_FACTORY_ARGS = [
  "schedule",
  "is_paused_upon_creation",
  "dag_id",
  "dag_display_name",
  "description",
  "params",
  "on_success_callback",
  "on_failure_callback",
  "access_control",
  "owner_links",
  "tags",
];
/**
 * What `@asset(...)` and `@asset.multi(...)` take (Airflow 3.3, sdk/definitions/asset/
 * decorators.py): the DAG's arguments above and the asset's own. They are attrs classes, so any
 * other keyword, a task's `retries=` or `execution_timeout=` among them, is a TypeError when the
 * file is parsed.
 */
export const ASSET_DECORATOR_ARGS: Readonly<Record<"asset" | "asset.multi", readonly string[]>> = {
  asset: [...DAG_FACTORY_ARGS, "name", "uri", "group", "extra", "watchers"],
  "asset.multi": [...DAG_FACTORY_ARGS, "outlets"],
};

/** Why Airflow refuses an id, or null when it takes it. */
function badKey(id: string, group: boolean): string | null {
  if (id.length > MAX_KEY) return `${id.length} characters, more than the ${MAX_KEY} it takes`;
  if ((group ? GROUP_KEY : KEY).test(id)) return null;
  return group
    ? "a task group id takes letters, digits, '_' and '-' only"
    : "an id takes letters, digits, '_', '-' and '.' only";
}

/**
 * The module-level `def name` of the file a node is in; null when there is none, or when the
 * name is also bound otherwise at module level (a decorated def, an assignment, a class, an
 * import), where what it holds is not that plain function.
 */
function moduleFunction(source: string, node: PyNode, name: string): PyNode | null {
  let root = node;
  while (root.parent) root = root.parent;
  let found: PyNode | null = null;
  for (let c = root.firstChild; c; c = c.nextSibling) {
    const text = source.slice(c.from, c.to);
    if (!text.includes(name)) continue;
    const named = c.firstChild?.nextSibling;
    if (
      c.name === "FunctionDefinition" &&
      named?.name === "VariableName" &&
      source.slice(named.from, named.to) === name
    ) {
      found = c;
    } else if (
      new RegExp(
        `(?:^|[\\s,(])${name}\\s*(?:=[^=]|,|\\))|\\b(?:def|class|import|as)\\s+${name}\\b`,
      ).test(text) &&
      c.name !== "ExpressionStatement"
    ) {
      return null;
    }
  }
  return found;
}

/** Whether a function may return a callable: it holds a def, a lambda or a partial, or returns a name. */
function mayReturnCallable(source: string, def: PyNode): boolean {
  let may = false;
  const visit = (n: PyNode, top: boolean) => {
    if (may) return;
    if (!top && (n.name === "FunctionDefinition" || n.name === "LambdaExpression")) {
      may = true;
      return;
    }
    if (n.name === "ReturnStatement") {
      const value = n.firstChild?.nextSibling;
      if (
        value &&
        value.name !== "Number" &&
        value.name !== "String" &&
        value.name !== "None" &&
        value.name !== "Boolean" &&
        value.name !== "DictionaryExpression" &&
        value.name !== "ArrayExpression" &&
        value.name !== "TupleExpression" &&
        value.name !== "FormatString" &&
        value.name !== "BinaryExpression"
      ) {
        may = true;
        return;
      }
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c, false);
  };
  visit(def, true);
  return may || /\bpartial\b/.test(source.slice(def.from, def.to));
}

/** Why croniter (Airflow's cron parser) refuses a schedule string, and a preset it may mean. */
function scheduleProblem(value: string): { reason: string; near?: string } | null {
  const text = value.trim();
  const presets: readonly string[] = SCHEDULE_PRESETS;
  if (text.startsWith("@")) {
    if (presets.includes(text)) return null;
    const near = closestName(text, presets);
    return { reason: "it is no preset Airflow has", ...(near ? { near } : {}) };
  }
  const fields = text.split(/\s+/).length;
  if (fields === 6 || fields === 7) return null;
  if (fields !== 5) {
    const near = closestName(`@${text}`, presets);
    return {
      reason: `a cron expression has 5 fields (6 or 7 with seconds or years), this has ${fields}`,
      ...(near ? { near } : {}),
    };
  }
  const why = cronSyntaxProblem(text);
  return why ? { reason: `croniter refuses it: ${why}` } : null;
}

/** The JSON Schema type of a literal default, as jsonschema reads the Python value; null when not a literal. */
function jsonType(source: string, node: PyNode): string | null {
  switch (node.name) {
    case "String":
      return stringValue(source, node) === null ? null : "string";
    case "Number": {
      // jsonschema takes 3.0 as an integer, as JSON Schema does; hex, exponents and the like are
      // left unjudged.
      const digits = textOf(source, node).replace(/_/g, "");
      if (/^\d+(?:\.0*)?$/.test(digits)) return "integer";
      return /^\d*\.\d+$/.test(digits) ? "number" : null;
    }
    case "Boolean":
      return "boolean";
    case "None":
      return "null";
    case "ArrayExpression":
    case "TupleExpression":
      return "array";
    case "DictionaryExpression":
      return "object";
    default:
      return null;
  }
}

/** A literal number (`3`, `0.5`, `-2`, `1_000`: a bound may be negative), or null for anything else. */
function numberOf(source: string, node: PyNode | undefined): number | null {
  if (!node) return null;
  const text = textOf(source, node).replace(/[\s_]/g, "");
  if (node.name !== "Number" && !(node.name === "UnaryExpression" && /^[-+]/.test(text)))
    return null;
  return /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : null;
}

/**
 * A scalar literal as jsonschema compares it (`enum`, `const`, `uniqueItems`): a number by its
 * value (1 is 1.0), a boolean apart from the numbers, a string by its text; null for anything
 * else.
 */
function literalKey(source: string, node: PyNode): string | null {
  if (node.name === "String") {
    const text = stringValue(source, node);
    return text === null ? null : `s:${text}`;
  }
  if (node.name === "Boolean") return `b:${textOf(source, node)}`;
  if (node.name === "None") return "null";
  const n = numberOf(source, node);
  return n === null ? null : `n:${n}`;
}

/** The items of a list display (`[1, 2]`), or null for anything else (a `*spread` in it). */
function listItems(source: string, node: PyNode): PyNode[] | null {
  if (node.name !== "ArrayExpression") return null;
  const items: PyNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (PUNCTUATION.has(c.name)) continue;
    if (textOf(source, c).startsWith("*")) return null;
    items.push(c);
  }
  return items;
}

/**
 * What a literal default breaks of its Param's literal bounds, as jsonschema checks them: a
 * number's `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` and `multipleOf`, a
 * string's `minLength` and `maxLength` (in code points) and `pattern` (searched, as re.search).
 */
function boundProblem(
  source: string,
  kwargs: ReadonlyMap<string, PyNode>,
  value: PyNode,
  given: string,
): string | null {
  const limit = (name: string) => numberOf(source, kwargs.get(name));
  if (given === "integer" || given === "number") {
    const n = numberOf(source, value);
    if (n === null) return null;
    const checks: [string, (b: number) => boolean, string][] = [
      ["minimum", (b) => n < b, "is below its minimum"],
      ["maximum", (b) => n > b, "is above its maximum"],
      ["exclusiveMinimum", (b) => n <= b, "is not above its exclusiveMinimum"],
      ["exclusiveMaximum", (b) => n >= b, "is not below its exclusiveMaximum"],
    ];
    for (const [name, breaks, words] of checks) {
      const b = limit(name);
      if (b !== null && breaks(b)) return `${words} ${b}`;
    }
    // jsonschema divides by a float multipleOf (0.3 / 0.1 is 2.9999999999999996: refused) and
    // takes the remainder of an integer one.
    const step = kwargs.get("multipleOf");
    const d = limit("multipleOf");
    if (step && d !== null && d > 0) {
      const float = /[.eE]/.test(textOf(source, step));
      const quotient = n / d;
      if (float ? !Number.isInteger(quotient) : n % d !== 0) {
        return `is not a multiple of its multipleOf ${d}${float && Math.abs(quotient - Math.round(quotient)) < 1e-9 ? ` (in floating point, ${n} / ${d} is ${quotient})` : ""}`;
      }
    }
  }
  if (given === "array") {
    const items = listItems(source, value);
    if (items === null) return null;
    const min = limit("minItems");
    const max = limit("maxItems");
    if (min !== null && items.length < min) {
      return `has ${items.length} item${items.length === 1 ? "" : "s"}, fewer than its minItems ${min}`;
    }
    if (max !== null && items.length > max) {
      return `has ${items.length} items, more than its maxItems ${max}`;
    }
    const unique = kwargs.get("uniqueItems");
    if (unique && textOf(source, unique) === "True") {
      const keys = items.map((i) => literalKey(source, i));
      const seen = new Set<string>();
      for (const [i, key] of keys.entries()) {
        if (key === null) return null;
        if (seen.has(key)) {
          return `repeats ${shown(textOf(source, items[i] as PyNode))}, and its uniqueItems is True`;
        }
        seen.add(key);
      }
    }
  }
  if (given === "string") {
    const text = stringValue(source, value) ?? "";
    const length = [...text].length;
    const min = limit("minLength");
    const max = limit("maxLength");
    if (min !== null && length < min) return `is shorter than its minLength ${min}`;
    if (max !== null && length > max) return `is longer than its maxLength ${max}`;
    const pattern = kwargs.get("pattern");
    const regex = pattern ? pythonSearch(stringValue(source, pattern)) : null;
    if (regex && /^[\x20-\x7e]*$/.test(text) && !regex.test(text)) {
      return `does not match its pattern '${stringValue(source, pattern as PyNode)}'`;
    }
    const format = kwargs.get("format");
    const name = format ? stringValue(source, format) : null;
    if (name !== null && FORMATS[name]?.(text) === false) {
      return `does not have its format '${name}' (${FORMAT_WORDS[name]})`;
    }
  }
  return null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The string formats jsonschema's FormatChecker checks without optional packages (the
 * `date-time`, `uri` or `duration` checkers come with packages a deployment may lack), as its
 * checkers judge a string: false when refused, null when this cannot tell.
 */
const FORMATS: Readonly<Record<string, (text: string) => boolean | null>> = {
  // `^\d{4}-\d{2}-\d{2}$` (ASCII) and date.fromisoformat: a day of the calendar, year 1 on.
  date: (text) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m) return false;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1];
    return y >= 1 && days !== undefined && d >= 1 && d <= days;
  },
  email: (text) => text.includes("@"),
  // ipaddress.IPv4Address: four decimal octets up to 255, no leading zeros.
  ipv4: (text) => {
    const parts = text.split(".");
    return (
      parts.length === 4 && parts.every((p) => /^(?:0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)
    );
  },
  // uuid.UUID (32 hex digits once `urn:`, `uuid:`, braces and hyphens are dropped), then a
  // hyphen at 8, 13, 18 and 23. Underscores and blanks, which int() takes, are not judged.
  uuid: (text) => {
    if (/[_\s]/.test(text)) return null;
    const hex = text
      .replaceAll("urn:", "")
      .replaceAll("uuid:", "")
      .replace(/^\{+|\}+$/g, "")
      .replaceAll("-", "");
    if (hex.length !== 32 || !/^[0-9a-fA-F]+$/.test(hex)) return false;
    return [8, 13, 18, 23].every((i) => text[i] === "-");
  },
};

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  date: "a date written YYYY-MM-DD",
  email: "an address with an @",
  ipv4: "four numbers 0-255 with dots, no leading zeros",
  uuid: "a UUID written 8-4-4-4-12",
};

/**
 * A JavaScript regex that finds what Python's re.search finds, for an ASCII text without line
 * breaks, or null when the pattern may read otherwise: Python-only syntax (`(?P<x>`, inline
 * flags, `\A`, `\Z`, `{,n}`, possessive quantifiers, which JavaScript refuses or reads as
 * text) or a pattern JavaScript refuses.
 */
function pythonSearch(pattern: string | null): RegExp | null {
  if (pattern === null || /\(\?|\\[AZzGpP]|\{,|[*+?}]\+/.test(pattern)) return null;
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

/** A Param's literal `type=` ("string", ["null", "string"]); null when not written as literals. */
function paramTypes(source: string, node: PyNode | undefined): readonly string[] | null {
  if (!node) return null;
  if (node.name === "String") {
    const v = stringValue(source, node);
    return v === null ? null : [v];
  }
  if (node.name !== "ArrayExpression" && node.name !== "TupleExpression") return null;
  const out: string[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (PUNCTUATION.has(c.name)) continue;
    const v = c.name === "String" ? stringValue(source, c) : null;
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/**
 * Why Airflow's check of a scheduled DAG's params (each resolved to its default and validated
 * against its schema) fails for one of them, or null: a Param with no default, or a literal
 * default that its literal `type` or `enum` does not take.
 */
function paramProblem(source: string, p: DagParam): string | null {
  const param = p.param;
  if (!param || param.open) return null;
  if (param.default === null) return "a Param with no default";
  const given = jsonType(source, param.default);
  if (given === null) return null;
  const types = paramTypes(source, param.kwargs.get("type"));
  const fits = (t: string) => t === given || (t === "number" && given === "integer");
  if (types && types.length > 0 && !types.some(fits)) {
    return `its default ${shown(textOf(source, param.default))} is no ${types.join(" or ")}`;
  }
  const bound = boundProblem(source, param.kwargs, param.default, given);
  if (bound) return `its default ${shown(textOf(source, param.default))} ${bound}`;
  // An enum of scalar literals: a scalar default must be one of them (1 is 1.0, True is not 1).
  const own = literalKey(source, param.default);
  const allowed = param.kwargs.get("enum");
  if (
    own !== null &&
    allowed &&
    (allowed.name === "ArrayExpression" || allowed.name === "TupleExpression")
  ) {
    const values: string[] = [];
    for (let c = allowed.firstChild; c; c = c.nextSibling) {
      if (PUNCTUATION.has(c.name)) continue;
      const key = literalKey(source, c);
      if (key === null) return null;
      values.push(key);
    }
    if (!values.includes(own)) {
      return `its default ${shown(textOf(source, param.default))} is none of its enum`;
    }
  }
  // `const`: the one value it takes.
  const only = param.kwargs.get("const");
  const constKey = only ? literalKey(source, only) : null;
  if (only && own !== null && constKey !== null && constKey !== own) {
    return `its default ${shown(textOf(source, param.default))} is not its const ${shown(textOf(source, only))}`;
  }
  return null;
}

/**
 * TaskFlow decorators whose tasks bind each call to the function's signature when the DAG is
 * built (DecoratedOperator, in Airflow 3 and 2 alike).
 */
const BINDING_DECORATORS = new Set([
  "@task",
  "@task.bash",
  "@task.branch",
  "@task.short_circuit",
  "@task.virtualenv",
  "@task.external_python",
  "@setup",
  "@teardown",
]);

/** A TaskFlow decorator by its dotted name: `task`, `task.bash`, `airflow.sdk.setup`. */
const TASKFLOW_DECORATOR = /(?:^|\.)(?:task(?:\.\w+)?|setup|teardown)$/;

/**
 * A function decorated by something beside TaskFlow (`@task` over `@with_connection`): the
 * decorator binds the call to what that one returns (a `wrapper(*args, **kwargs)`), whose
 * signature the file does not show.
 */
function signatureHidden(source: string, def: PyNode): boolean {
  const decorated = def.parent;
  if (decorated?.name !== "DecoratedStatement") return false;
  return childrenNamed(decorated, "Decorator").some((dec) => {
    const path = childrenOf(dec)
      .filter((c) => c.name === "VariableName" || c.name === "PropertyName")
      .map((c) => textOf(source, c))
      .join(".");
    return !TASKFLOW_DECORATOR.test(path);
  });
}

/** What to do about a call of `fn` (whose parameters are `names`) that Python cannot bind. */
function bindHint(fn: string, why: BindProblem, names: readonly string[]): string {
  // A keyword that misspells a parameter: the same mistake, whichever Python names.
  const [keyword] = why.unexpected;
  const near = keyword
    ? (why.missing && closestName(keyword, [why.missing])) || closestName(keyword, names)
    : undefined;
  if (keyword && near) return `did you mean '${near}' for '${keyword}'?`;
  if (why.missing) {
    const not = keyword ? `, not '${keyword}', which is none of its parameters,` : "";
    return `pass ${why.missing} (${fn}(${why.missing}=...))${not} or give it a default in the def; a parameter named for a context variable (ti, ds, params, ...) is filled when the task runs`;
  }
  if (keyword) return `remove '${keyword}', or add the parameter to ${fn}`;
  return `pass each argument once, and no more positional ones than ${fn} takes`;
}

/**
 * What Airflow checks when it builds the DAG, and refuses the whole file for: a DAG, task or
 * task group id with characters it does not take or longer than 250 (ValueError), a trigger
 * rule that is none of its own (ValueError for a string, AttributeError for `TriggerRule.X`), a
 * schedule croniter cannot read (AirflowTimetableInvalid), a start date written as text
 * (AttributeError), a schedule without a start date (Airflow 2; Airflow 3 with catchup=True), a
 * scheduled DAG's param with no default or a default its schema refuses, a TaskFlow function's
 * parameter named for a context key with a default other than None. Only literal values
 * are judged; nothing of a @dag function the file never calls, which Airflow never builds.
 */
export const invalidArgument = defineRule({
  id: "invalid-argument",
  code: "MLG2017",
  defaultSeverity: "error",
  description:
    "a DAG, task or task group id, a trigger rule, a schedule or a start date that Airflow refuses when it builds the DAG: the file fails to import",
  checkPython(file, reportAny) {
    // A @dag function the file never calls builds nothing, and its body and its decorator's
    // arguments never reach Airflow's checks: the file loads (dag-never-called is the finding).
    // Its DAG, its tasks and the groups only its tasks are in are left out, and so is what is
    // written in it (a dependency, a group's id).
    const report: typeof reportAny = (args, where, how) => {
      if (where.file === undefined && inNeverBuilt(file, where)) return;
      reportAny(args, where, how);
    };
    const dags = file.dags.filter((d) => !neverBuilt(file, d));
    const tasks = file.tasks.filter((t) => !neverBuilt(file, t.dagDecl));
    const groups = new Map(
      [...file.groups].filter(([id]) => {
        const members = file.tasks.filter((t) => t.groups.includes(id));
        return members.length === 0 || members.some((t) => !neverBuilt(file, t.dagDecl));
      }),
    );
    const at = (node: PyNode) => file.lines.span(node.from, node.to);
    const refused = { refused: true, alsoAirflow2: true } as const;
    const assets = new Set(tasks.filter((t) => t.operator === "@asset").map((t) => t.dagDecl));
    /** Operator classes the file imports from Airflow itself (not a class of its own). */
    const airflowOperators = new Set(
      file.imports
        .filter((i) => i.name !== null && /^airflow(\.|$)/.test(i.module))
        .map((i) => i.as ?? (i.name as string)),
    );
    for (const { span, code, error, hint } of file.refusedDependencies) {
      report({ what: shown(code.replace(/\s+/g, " ")), reason: error, hint }, span, refused);
    }
    // `@asset(retries=2)`: the decorator takes a DAG's and an asset's arguments, never a task's
    // (Airflow 3 refuses the file). A task's go on a @task beneath it, which Airflow calls with
    // no arguments: its function takes **context (and refuses `self`, "@task does not support
    // methods"); the asset is then context["outlets"][0].
    for (const dag of dags) {
      if (!dag.asset || dag.kwargsOpen) continue;
      const takes = ASSET_DECORATOR_ARGS[dag.asset];
      const own = takes.filter((name) => !DAG_FACTORY_ARGS.includes(name));
      const task = tasks.find((t) => t.dagDecl === dag);
      const fn = task?.callable?.name ?? dag.id ?? "the function";
      const wrong = [...dag.kwargs].filter(([name]) => !takes.includes(name));
      const taskArgs = wrong.filter(
        ([name]) => BASE_PARAMS.has(name) || Object.hasOwn(TASK_ARGS, name),
      );
      const moved = taskArgs
        .map(([name, value]) => `${name}=${shown(textOf(file.source, value).replace(/\s+/g, " "))}`)
        .join(", ");
      const beneath = task !== undefined && task.operator !== "@asset";
      for (const [name, value] of wrong) {
        const key = value.prevSibling?.prevSibling ?? value;
        const isTaskArg = taskArgs.some(([n]) => n === name);
        const near = isTaskArg ? undefined : closestName(name, [...takes]);
        report(
          {
            what: `argument '${name}' of @${dag.asset} function ${fn}()`,
            reason: `TypeError: ${dag.asset}.__init__() got an unexpected keyword argument '${name}': @${dag.asset} takes the DAG's arguments (schedule, params, tags, on_failure_callback, ...) and the asset's (${own.join(", ")})${isTaskArg ? ", not a task's" : ""}`,
            hint: isTaskArg
              ? beneath
                ? `move ${moved} into the @task(...) beneath @${dag.asset}`
                : `move ${moved} to a @task beneath @${dag.asset}: @${dag.asset}(...), then @task(${moved}), then def ${fn}(**context). Airflow calls a @task beneath @${dag.asset} with no arguments, so the function takes **context only (no self or context parameter: the asset is context["outlets"][0])`
              : near
                ? `did you mean '${near}'?`
                : `remove it: @${dag.asset} takes ${takes.join(", ")}`,
          },
          file.lines.span(key.from, value.to),
          { refused: true, onlyAirflow3: true },
        );
      }
    }
    // A timeout written as a number of seconds: Airflow takes only a timedelta there.
    const seconds = (value: PyNode | undefined) =>
      value !== undefined && /^[\d_.]+(\s*[*+]\s*[\d_.]+)*$/.test(textOf(file.source, value));
    const numberTimeout = (value: PyNode, where: string, name: string, error: string) => {
      const text = textOf(file.source, value);
      report(
        {
          what: `${name}=${shown(text)}${where}`,
          reason: error,
          hint: `write it as a duration: ${name}=timedelta(seconds=${text.replace(/\s+/g, "")}) (from datetime import timedelta), or pendulum.duration(...)`,
        },
        at(value),
        refused,
      );
    };
    const EXECUTION_TIMEOUT = (value: PyNode) =>
      `ValueError: execution_timeout must be timedelta object but passed as type: <class '${/\./.test(textOf(file.source, value)) ? "float" : "int"}'>`;
    for (const holder of [...dags, ...groups.entries()]) {
      const [group, args] = Array.isArray(holder) ? holder : [null, holder];
      const value = args.defaultArgs?.entries.get("execution_timeout");
      // Applied to the tasks that do not set their own: refused once one of them does not.
      const applied = tasks.some(
        (t) =>
          (group === null ? t.dagDecl === holder : t.groups.includes(group)) &&
          !t.kwargs.has("execution_timeout") &&
          !t.kwargs.has("default_args"),
      );
      if (value && seconds(value) && applied) {
        numberTimeout(
          value,
          " in default_args",
          "execution_timeout",
          `${EXECUTION_TIMEOUT(value)}, for every task that takes it`,
        );
      }
    }
    // `resources={...}` is Airflow's own Resources (cpus, ram, disk, gpus), not a pod's: any
    // other key is Resources' TypeError when the task is made.
    const resourcesKeys = (value: PyNode | undefined, where: string, pod: boolean) => {
      if (value?.name !== "DictionaryExpression") return;
      const bad = dictEntries(file.source, value).filter(
        ([name, , key]) =>
          stringValue(file.source, key) !== null && !["cpus", "ram", "disk", "gpus"].includes(name),
      );
      const first = bad[0]?.[2];
      if (first === undefined) return;
      const names = bad.map(([name]) => `'${shown(name)}'`);
      report(
        {
          what: `resources key${names.length > 1 ? "s" : ""} ${names.join(", ")}${where}`,
          reason: `TypeError: Resources.__init__() got an unexpected keyword argument ${names[0]}: resources= is the executor's (cpus, ram, disk, gpus)`,
          hint: pod
            ? 'a pod\'s requests and limits go in container_resources=k8s.V1ResourceRequirements(requests={"memory": "1Gi"}, limits={"cpu": "1"}) (from kubernetes.client import models as k8s)'
            : "name the executor's resources with cpus, ram, disk or gpus, or remove it",
        },
        at(first),
        refused,
      );
    };
    for (const dag of dags) {
      resourcesKeys(dag.defaultArgs?.entries.get("resources"), " in default_args", false);
      const value = dag.kwargs.get("dagrun_timeout");
      if (value && seconds(value)) {
        numberTimeout(
          value,
          "",
          "dagrun_timeout",
          "the DAG takes a timedelta there and refuses a number",
        );
      }
    }
    for (const task of tasks) {
      resourcesKeys(
        task.kwargs.get("resources"),
        ` of task '${shown(task.id)}'`,
        /KubernetesPodOperator|GKEStartPodOperator|EksPodOperator/.test(task.operator),
      );
      const value = task.kwargs.get("execution_timeout");
      if (value && seconds(value))
        numberTimeout(
          value,
          ` of task '${shown(task.id)}'`,
          "execution_timeout",
          EXECUTION_TIMEOUT(value),
        );
    }
    for (const dag of dags) {
      const node = dag.kwargs.get("dag_id");
      if (dag.id === null || assets.has(dag)) continue;
      const why = badKey(dag.id, false);
      if (why)
        report(
          {
            what: `DAG id '${shown(dag.id)}'`,
            reason: why,
            hint: "name it with letters, digits, '_', '-' and '.' (e.g. daily_sales.v2), up to 250 characters",
          },
          node && node.name === "String" ? at(node) : dag.span,
          refused,
        );
    }
    // A schedule Airflow cannot read: a preset it does not have, a cron expression croniter
    // refuses. Six- and seven-field expressions (seconds, years) are croniter's to judge.
    for (const dag of dags) {
      for (const arg of ["schedule", "schedule_interval"]) {
        const node = dag.kwargs.get(arg);
        const value = node ? stringValue(file.source, node) : null;
        if (!node || value === null) continue;
        const why = scheduleProblem(value);
        if (why)
          report(
            {
              what: `schedule '${shown(value)}'`,
              reason: why.reason,
              hint: `${why.near ? `did you mean '${why.near}'? ` : ""}write a preset (${SCHEDULE_PRESETS.slice(2, 6).join(", ")}, ...) or a cron expression of five fields, minute hour day month weekday ("0 3 * * *": 03:00 every day)`,
            },
            at(node),
            refused,
          );
      }
      // A DAG's start date written as text: Airflow reads its time zone (AttributeError on a
      // str). In default_args, Airflow 3.3 and 2.11 import the file.
      for (const node of [dag.kwargs.get("start_date")]) {
        const value = node ? stringValue(file.source, node) : null;
        if (!node || value === null) continue;
        report(
          {
            what: `start_date '${shown(value)}'`,
            reason: "a start date is a datetime, not text",
            hint: `write pendulum.datetime(${/^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10).split("-").map(Number).join(", ") : "2025, 1, 1"}, tz="UTC")`,
          },
          at(node),
          refused,
        );
      }
    }
    // A scheduled DAG with no start date: Airflow 2 refuses it ("DAG is missing the start_date
    // parameter"); Airflow 3 takes it, unless it also asks for catchup=True, which needs a date
    // to catch up from ("start_date is required when catchup=True").
    for (const dag of dags) {
      if (assets.has(dag)) continue;
      const schedule = scheduleOf(file.source, dag);
      if (schedule === null || schedule === "default" || schedule.on !== true) continue;
      if (hasStartDate(file.source, dag) !== false) continue;
      const name = dagName(dag);
      const catchup = dag.kwargs.get("catchup");
      const start = `give ${name} a start date, start_date=pendulum.datetime(2025, 1, 1, tz="UTC") (or a "start_date" in default_args)`;
      if (catchup && textOf(file.source, catchup).trim() === "True") {
        const key = catchup.prevSibling?.prevSibling ?? catchup;
        report(
          {
            what: `catchup=True of ${name}, which has a schedule and no start_date`,
            reason:
              "Airflow 3: 'start_date is required when catchup=True'; Airflow 2: 'DAG is missing the start_date parameter'",
            hint: `${start} for catchup to start from, or drop catchup=True`,
          },
          file.lines.span(key.from, catchup.to),
          refused,
        );
      } else {
        report(
          {
            what: `${schedule.arg}=${shown(textOf(file.source, schedule.node).replace(/\s+/g, " "))} of ${name}, which has no start_date`,
            reason: "Airflow 2: 'DAG is missing the start_date parameter'",
            hint: `${start}, or schedule=None for a DAG that is only triggered; Airflow 3 takes it without one`,
          },
          at(schedule.node),
          { refused: true, onlyAirflow2: true },
        );
      }
    }
    // A scheduled DAG resolves every param to its default and validates it when it is built
    // (Airflow 3: "not allowed to define a Schedule, as there are required params without
    // default values, or the default values are not valid"; Airflow 2, an AirflowException).
    // Airflow 2 schedules a DAG daily when no schedule is given; Airflow 3 not at all.
    for (const dag of dags) {
      // Params the file changes elsewhere (`P["epochs"] = Param(5)`) may not be these.
      if (assets.has(dag) || !dag.params || dag.params.dict.open) continue;
      const schedule = scheduleOf(file.source, dag);
      const on = schedule === "default" ? "airflow2" : schedule?.on;
      if (!on) continue;
      const name = dagName(dag);
      for (const p of dag.params.entries) {
        const why = paramProblem(file.source, p);
        if (!why) continue;
        report(
          {
            what: `param '${shown(p.name)}' of ${name}, ${why}`,
            reason: `a DAG with a schedule${on === "airflow2" ? " (Airflow 2's default, daily, when none is given)" : ""} validates its params' defaults: "not allowed to define a Schedule, as there are required params without default values, or the default values are not valid"`,
            hint: `give '${shown(p.name)}' a default its schema takes (Param(10, type="integer")), or schedule=None for a DAG that is only triggered with its params`,
          },
          at(p.node),
          on === "airflow2" ? { refused: true, onlyAirflow2: true } : refused,
        );
      }
    }
    for (const group of groups.values()) {
      if (!group.idNode) continue;
      const id = stringValue(file.source, group.idNode);
      const why = id === null ? null : badKey(id, true);
      if (id !== null && why)
        report(
          {
            what: `task group id '${shown(id)}'`,
            reason: why,
            hint: "name it with letters, digits, '_' and '-' (e.g. load_eu)",
          },
          at(group.idNode),
          refused,
        );
    }
    const triggerRule = (node: PyNode, where: string) => {
      const text = textOf(file.source, node).trim();
      const literal = stringValue(file.source, node);
      const member = /^(?:[\w.]*\.)?TriggerRule\.([A-Za-z_]\w*)$/.exec(text)?.[1];
      let given: string | null = null;
      if (literal !== null) given = RULES.includes(literal) ? null : literal;
      else if (member !== undefined)
        given = RULE_NAMES.has(member) ? null : `TriggerRule.${member}`;
      if (given === null) return;
      const near =
        literal !== null
          ? closestName(literal, RULES)
          : closestName(member ?? "", [...RULE_NAMES.keys()]);
      report(
        {
          what: `trigger rule '${given}'${where}`,
          reason:
            literal !== null
              ? "it is none of Airflow's trigger rules"
              : "TriggerRule has no such member",
          hint: `${near ? `did you mean '${literal !== null ? near : `TriggerRule.${near}`}'? ` : ""}use one of ${TRIGGER_RULES.join(", ")}`,
        },
        at(node),
        refused,
      );
    };
    for (const { node, where } of triggerRuleSettings({ dags, groups, tasks }))
      triggerRule(node, where);
    /** Functions whose parameter defaults were judged (two tasks may call one function). */
    const seenDefaults = new Set<PyNode>();
    for (const task of tasks) {
      const idNode = task.kwargs.get("task_id");
      const id = idNode && !task.dynamic ? stringValue(file.source, idNode) : null;
      const why = id === null ? null : badKey(id, false);
      if (idNode && id !== null && why)
        report(
          {
            what: `task id '${shown(id)}'`,
            reason: why,
            hint: "name it with letters, digits, '_', '-' and '.' (e.g. load_orders), up to 250 characters",
          },
          at(idNode),
          refused,
        );
      // A keyword the operator does not take (`retires=3`): Airflow's "Invalid arguments were
      // passed". Only Airflow's own operators, imported from airflow, called plainly.
      const operator = task.operator.slice(task.operator.lastIndexOf(".") + 1);
      const own = AIRFLOW_OPERATOR_PARAMS[operator];
      if (
        own &&
        !task.kwargsOpen &&
        airflowOperators.has(operator) &&
        !/\.partial\s*\(/.test(textOf(file.source, task.node))
      ) {
        for (const [name, value] of task.kwargs) {
          if (BASE_PARAMS.has(name) || own.includes(name) || Object.hasOwn(TASK_ARGS, name)) {
            continue;
          }
          const near = closestName(name, [...own, ...BASE_PARAMS]);
          const key = value.prevSibling?.prevSibling ?? value;
          report(
            {
              what: `argument '${name}' of ${operator}`,
              reason: `${operator} takes no such argument (Invalid arguments were passed to ${operator})`,
              hint: near
                ? `did you mean '${near}'?`
                : `remove it, or pass it where it belongs (op_kwargs={...} for the callable's own arguments)`,
            },
            file.lines.span(key.from, value.to),
            refused,
          );
        }
      }
      // A TaskFlow call its function cannot take: the decorator binds the call to the
      // function's signature (context keys given a default of None; a mapped call partially).
      const args = task.callArgs;
      const fn =
        task.callable && !signatureHidden(file.source, task.callable.node) ? task.callable : null;
      if (args && fn && BINDING_DECORATORS.has(task.operator)) {
        const params = parameters(file.source, fn.node);
        const why =
          params &&
          bindProblem(params, args.positional, args.keywords, {
            partial: args.mapped === true,
            optional: (name) => AIRFLOW_CONTEXT_KEYS.has(name),
          });
        if (params && why) {
          const names = params
            .filter((p) => p.kind === "positional" || p.kind === "keyword")
            .map((p) => p.name);
          report(
            {
              what: `the call of ${task.operator} function ${fn.name}() (task '${shown(task.id)}')`,
              reason: `TypeError: ${why.message}, binding it to ${fn.name}(${names.join(", ")})`,
              hint: bindHint(fn.name, why, names),
            },
            at(task.node),
            refused,
          );
        }
      }
      // `.expand(x="abc")`: Airflow maps over a list, a tuple, a dict or an XCom, and refuses
      // the file for any other value written there (expand() got an unexpected type).
      const callee = task.node.name === "CallExpression" ? task.node.firstChild : null;
      const method =
        callee?.name === "MemberExpression" ? childNamed(callee, "PropertyName") : null;
      if (method && textOf(file.source, method) === "expand") {
        for (const arg of childrenNamed(childNamed(task.node, "ArgList"), "VariableName")) {
          const value = arg.nextSibling?.name === "AssignOp" ? arg.nextSibling.nextSibling : null;
          const type = value ? UNMAPPABLE[value.name] : undefined;
          if (!value || type === undefined) continue;
          const name = textOf(file.source, arg);
          const written = shown(textOf(file.source, value).replace(/\s+/g, " "));
          report(
            {
              what: `expand(${name}=${written}) of task '${shown(task.id)}'`,
              reason: `ValueError: expand() got an unexpected type '${type === "int" && /[.eE]/.test(written) && !/^0[xob]/i.test(written) ? "float" : type}' for keyword argument '${name}': Airflow maps over a list, a tuple, a dict or an upstream task's output`,
              hint: `map over a list, ${name}=[${written}, ...] (a task per item), or give the one value to every task with .partial(${name}=${written})`,
            },
            file.lines.span(arg.from, value.to),
            refused,
          );
        }
      }
      // A parameter named for a context key with a default other than None: the decorator
      // refuses it when it binds the function (ValueError), on the versions that have the key.
      if (fn && BINDING_DECORATORS.has(task.operator) && !seenDefaults.has(fn.node)) {
        seenDefaults.add(fn.node);
        for (const { name, value } of parameterDefaults(file.source, fn.node)) {
          const on3 = AIRFLOW_CONTEXT_KEYS_OF[3].has(name);
          const on2 = AIRFLOW_CONTEXT_KEYS_OF[2].has(name);
          if ((!on3 && !on2) || value.name === "None") continue;
          report(
            {
              what: `parameter '${name}' of ${task.operator} function ${fn.name}(), which defaults to ${shown(textOf(file.source, value).replace(/\s+/g, " "))}`,
              reason: `ValueError: Context key parameter ${name} can't have a default other than None; Airflow fills '${name}' from the task's context when it runs`,
              hint: `give it the default None (${name}=None), or, for a value of your own, a name that is no context key (${name === "params" ? "options" : `my_${name}`}=...)`,
            },
            at(value),
            on3 && on2
              ? refused
              : on2
                ? { refused: true, onlyAirflow2: true }
                : { refused: true, onlyAirflow3: true },
          );
        }
      }
      // `python_callable=load()`: the function's result, which is no callable when the function
      // (defined in the file) makes none: no def or lambda inside, no partial, no bare name back.
      const callable = task.kwargs.get("python_callable");
      const called =
        callable?.name === "CallExpression" && callable.firstChild?.name === "VariableName"
          ? textOf(file.source, callable.firstChild)
          : null;
      const def = called ? moduleFunction(file.source, callable as PyNode, called) : null;
      if (callable && called && def && !mayReturnCallable(file.source, def)) {
        report(
          {
            what: `python_callable=${shown(textOf(file.source, callable).replace(/\s+/g, " "))}`,
            reason: `it is what ${called}() returns when the file is parsed, not a function ('python_callable' param must be callable)`,
            hint: `pass the function itself, python_callable=${called}, and its arguments as op_args=[...] or op_kwargs={...}`,
          },
          at(callable),
          refused,
        );
      }
    }
  },
});
