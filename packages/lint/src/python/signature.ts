import type { PyNode } from "./node.js";
import { childNamed, textOf } from "./text.js";

/** One parameter of a `def`, as Python's inspect.Parameter sees its kind. */
export interface Parameter {
  readonly name: string;
  readonly kind: "positional" | "keyword" | "var-positional" | "var-keyword";
  readonly hasDefault: boolean;
  /** The default as written, when it has one. */
  readonly default?: PyNode;
}

/**
 * The parameters of a function definition, in order; null when the file writes them in a way
 * this does not follow (positional-only parameters, `/`).
 */
export function parameters(source: string, def: PyNode): Parameter[] | null {
  const list = childNamed(def, "ParamList");
  if (!list) return null;
  // `/` is no node of its own in the tree, so it is looked for in the text (defaults blanked).
  // Positional-only parameters are rare in DAG files: such a signature is not followed.
  const written = textOf(source, list).replace(/=[^,)]*/g, "=");
  if (/\(\s*\/|,\s*\/\s*[,)]/.test(written)) return null;
  const out: Parameter[] = [];
  let keywordOnly = false;
  let segment: PyNode[] = [];
  /** One parameter's nodes, from one comma to the next; false when it is not a parameter. */
  const take = (): boolean => {
    const [first, second] = segment;
    const assign = segment.findIndex((n) => n.name === "AssignOp");
    const value = assign >= 0 ? segment[assign + 1] : undefined;
    segment = [];
    if (!first) return true;
    if (first.name === "*") {
      keywordOnly = true;
      if (second?.name === "VariableName") {
        out.push({ name: textOf(source, second), kind: "var-positional", hasDefault: false });
      }
      return true;
    }
    if (first.name === "**") {
      if (second?.name !== "VariableName") return false;
      out.push({ name: textOf(source, second), kind: "var-keyword", hasDefault: false });
      return true;
    }
    if (first.name !== "VariableName") return false;
    out.push({
      name: textOf(source, first),
      kind: keywordOnly ? "keyword" : "positional",
      hasDefault: assign >= 0,
      ...(value ? { default: value } : {}),
    });
    return true;
  };
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.name === "(" || c.name === "Comment") continue;
    if (c.name === "," || c.name === ")") {
      if (!take()) return null;
    } else {
      segment.push(c);
    }
  }
  return out;
}

/** Why Python's Signature.bind refuses a call: its message, and the names it is about. */
export interface BindProblem {
  /** Python's own words (`missing a required argument: 'x'`). */
  readonly message: string;
  /** A required parameter the call does not fill. */
  readonly missing?: string;
  /** Keywords the function has no parameter for. */
  readonly unexpected: readonly string[];
}

/**
 * Why Python's Signature.bind (or bind_partial) refuses a call that passes `positional`
 * arguments and these keywords, checked in its order (too many positional arguments, a
 * parameter given twice, a missing one, an unexpected keyword); null when it takes it.
 * `optional` names parameters given a default by whoever binds (Airflow's context keys).
 */
export function bindProblem(
  params: readonly Parameter[],
  positional: number,
  keywords: ReadonlySet<string>,
  how: { readonly partial: boolean; readonly optional: (name: string) => boolean },
): BindProblem | null {
  const positionalParams = params.filter((p) => p.kind === "positional");
  const named = params.filter((p) => p.kind === "positional" || p.kind === "keyword");
  const unexpected = params.some((p) => p.kind === "var-keyword")
    ? []
    : [...keywords].filter((k) => !named.some((p) => p.name === k));
  if (positional > positionalParams.length && !params.some((p) => p.kind === "var-positional")) {
    return { message: "too many positional arguments", unexpected };
  }
  const filled = new Set(positionalParams.slice(0, positional).map((p) => p.name));
  const twice = [...filled].find((name) => keywords.has(name));
  if (twice) return { message: `multiple values for argument '${twice}'`, unexpected };
  const missing = how.partial
    ? undefined
    : named.find(
        (p) =>
          !p.hasDefault && !filled.has(p.name) && !keywords.has(p.name) && !how.optional(p.name),
      )?.name;
  if (missing) return { message: `missing a required argument: '${missing}'`, missing, unexpected };
  const [first] = unexpected;
  return first ? { message: `got an unexpected keyword argument '${first}'`, unexpected } : null;
}

/** A parameter of a `def` that has a default: the default's node, and where the call may fill it. */
export interface ParameterDefault {
  readonly name: string;
  readonly value: PyNode;
  /** Its index among the positional parameters; Infinity for a keyword-only one. */
  readonly position: number;
}

/** The parameters of a `def` that have a default, in order (none where `parameters` gives up). */
export function parameterDefaults(source: string, def: PyNode): ParameterDefault[] {
  const out: ParameterDefault[] = [];
  let position = 0;
  for (const p of parameters(source, def) ?? []) {
    if (p.default) {
      out.push({
        name: p.name,
        value: p.default,
        position: p.kind === "positional" ? position : Number.POSITIVE_INFINITY,
      });
    }
    if (p.kind === "positional") position++;
  }
  return out;
}
