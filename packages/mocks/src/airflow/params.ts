/**
 * A DAG's Params, checked as Airflow 3 checks a triggered run's conf (SerializedParamsDict
 * .validate: each param's value, the conf's or its default, through jsonschema's `validate` with
 * a FormatChecker), with the error text Airflow answers in its 400: `Invalid input for param n:
 * 'fifty' is not of type 'integer'`, then jsonschema's "Failed validating ..." lines.
 *
 * The keywords a Param is given in practice are checked (type, enum, const, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, pattern, minItems,
 * maxItems, uniqueItems and items), and of the errors the one jsonschema's best_match picks is
 * said. Others (format, properties, anyOf, $ref, ...) pass unchecked, as does a pattern
 * JavaScript does not read as Python does.
 */
import { pyRepr } from "./util.js";

/** A Param of a DAG: its default (absent: none, so a run must pass it) and its JSON Schema. */
export interface AirflowParamSpec {
  /** The default, `Param(100, ...)`'s first argument; absent for `Param(type="string")`. */
  readonly default?: unknown;
  /** The keyword arguments of `Param(...)` that are JSON Schema: `{ type: "integer", minimum: 1 }`. */
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly description?: string | null;
}

/** A param as written in `params={...}`: a Param, or a plain value (`{"n": 5}`: Param(5)). */
export type AirflowParam = AirflowParamSpec | string | number | boolean | null | readonly unknown[];

export function paramSpec(param: AirflowParam): AirflowParamSpec {
  return param !== null && typeof param === "object" && !Array.isArray(param)
    ? (param as AirflowParamSpec)
    : { default: param };
}

/**
 * The message of Airflow's 400 for the first param whose value (`conf`'s, else its default)
 * its schema refuses, or null when every one passes.
 */
export function paramsError(
  params: Readonly<Record<string, AirflowParam>>,
  conf: Readonly<Record<string, unknown>>,
): string | null {
  for (const [name, param] of Object.entries(params)) {
    const spec = paramSpec(param);
    const value = Object.hasOwn(conf, name) ? conf[name] : spec.default;
    if (value === undefined) return `Invalid input for param ${name}: No value passed`;
    const error = firstError(value, spec.schema ?? {}, [], []);
    if (error) return `Invalid input for param ${name}: ${error}`;
  }
  return null;
}

/** What GET /dags/{id}/details answers as `params`: each one's dump(). */
export function paramsDump(
  params: Readonly<Record<string, AirflowParam>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(params)) {
    const spec = paramSpec(param);
    const schema = spec.schema ?? {};
    // resolve(): the default when it passes its schema, else None; `source` is null for a
    // DAG's params as Airflow 3.3 answers them.
    const value =
      spec.default === undefined || firstError(spec.default, schema, [], []) ? null : spec.default;
    out[name] = { value, schema, description: spec.description ?? null, source: null };
  }
  return out;
}

type Path = readonly (string | number)[];

const isNumber = (v: unknown): v is number => typeof v === "number";

/** jsonschema's types (Draft 2020-12): a whole float is an integer, a bool is no number. */
function isType(value: unknown, type: unknown): boolean {
  switch (type) {
    case "integer":
      return isNumber(value) && Number.isInteger(value);
    case "number":
      return isNumber(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return true;
  }
}

/** Python's `==` between JSON values (1 == 1.0; True == 1, as jsonschema's equal does not). */
function equal(a: unknown, b: unknown): boolean {
  if (typeof a === "boolean" || typeof b === "boolean") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every(
        (k) =>
          Object.hasOwn(b, k) &&
          equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return a === b;
}

/**
 * A Param's `pattern` as JavaScript reads it, for Python's re.search: null (the keyword passes
 * unchecked) for what JavaScript does not read alike, `(?P<name>...)`, `\A`, `\Z`, inline
 * flags, or a pattern it refuses; Python's `\d` and `\w` also take non-ASCII digits and
 * letters, JavaScript's ASCII ones only.
 */
function pythonPattern(pattern: string): RegExp | null {
  if (/\(\?P|\\[AZ]|\(\?[aiLmsux]/.test(pattern)) return null;
  try {
    return new RegExp(pattern, "u");
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return null;
    }
  }
}

/** Python's len() of a string: code points. */
const length = (s: string) => [...s].length;

/** One keyword a value fails, where: what jsonschema's ValidationError holds. */
interface SchemaError {
  readonly message: string;
  readonly keyword: string;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly schemaPath: Path;
  readonly instance: unknown;
  readonly instancePath: Path;
}

/**
 * The error jsonschema's `validate` raises for `value`, as its text, or null when it passes:
 * every error (keywords in the schema's order, `items` item by item), then best_match's pick,
 * the first of the most relevant (by_relevance): the shallowest, then the later sibling, then
 * one whose instance does not match its schema's type.
 */
function firstError(
  value: unknown,
  schema: Readonly<Record<string, unknown>>,
  schemaPath: Path,
  instancePath: Path,
): string | null {
  const errors = schemaErrors(value, schema, schemaPath, instancePath);
  let best: SchemaError | undefined;
  for (const e of errors) if (!best || relevance(e, best) > 0) best = e;
  if (!best) return null;
  return [
    best.message,
    "",
    `Failed validating ${pyRepr(best.keyword)} in ${index("schema", best.schemaPath)}:`,
    `    ${pformat(best.schema, 4)}`,
    "",
    `On ${index("instance", best.instancePath)}:`,
    `    ${pformat(best.instance, 4)}`,
  ].join("\n");
}

/** Above 0 when `a` is more relevant than `b` (by_relevance's key, compared as Python's max). */
function relevance(a: SchemaError, b: SchemaError): number {
  if (a.instancePath.length !== b.instancePath.length) {
    return b.instancePath.length - a.instancePath.length;
  }
  for (const [i, x] of a.instancePath.entries()) {
    const y = b.instancePath[i] as string | number;
    if (x !== y) return x > y ? 1 : -1;
  }
  return Number(!matchesType(a)) - Number(!matchesType(b));
}

/** ValidationError._matches_type: the instance is of its schema's type (false with none). */
function matchesType(e: SchemaError): boolean {
  const type = e.schema.type;
  if (type === undefined) return false;
  return (Array.isArray(type) ? type : [type]).some((t) => isType(e.instance, t));
}

function schemaErrors(
  value: unknown,
  schema: Readonly<Record<string, unknown>>,
  schemaPath: Path,
  instancePath: Path,
): SchemaError[] {
  const out: SchemaError[] = [];
  for (const [keyword, expected] of Object.entries(schema)) {
    const found = keywordError(keyword, expected, value, schemaPath, instancePath);
    if (found === null) continue;
    if (typeof found !== "string") out.push(...found.nested);
    else out.push({ message: found, keyword, schema, schemaPath, instance: value, instancePath });
  }
  return out;
}

function keywordError(
  keyword: string,
  expected: unknown,
  value: unknown,
  schemaPath: Path,
  instancePath: Path,
): string | { nested: SchemaError[] } | null {
  const r = pyRepr(value);
  switch (keyword) {
    case "type": {
      const types = Array.isArray(expected) ? expected : [expected];
      return types.some((t) => isType(value, t))
        ? null
        : `${r} is not of type ${types.map((t) => pyRepr(t)).join(", ")}`;
    }
    case "enum":
      return Array.isArray(expected) && !expected.some((e) => equal(e, value))
        ? `${r} is not one of ${pyRepr(expected)}`
        : null;
    case "const":
      return equal(expected, value) ? null : `${pyRepr(expected)} was expected`;
    case "minimum":
      return isNumber(value) && isNumber(expected) && value < expected
        ? `${r} is less than the minimum of ${pyRepr(expected)}`
        : null;
    case "maximum":
      return isNumber(value) && isNumber(expected) && value > expected
        ? `${r} is greater than the maximum of ${pyRepr(expected)}`
        : null;
    case "exclusiveMinimum":
      return isNumber(value) && isNumber(expected) && value <= expected
        ? `${r} is less than or equal to the minimum of ${pyRepr(expected)}`
        : null;
    case "exclusiveMaximum":
      return isNumber(value) && isNumber(expected) && value >= expected
        ? `${r} is greater than or equal to the maximum of ${pyRepr(expected)}`
        : null;
    case "multipleOf":
      return isNumber(value) && isNumber(expected) && !Number.isInteger(value / expected)
        ? `${r} is not a multiple of ${pyRepr(expected)}`
        : null;
    case "minLength":
      return typeof value === "string" && isNumber(expected) && length(value) < expected
        ? `${r} ${expected === 1 ? "should be non-empty" : "is too short"}`
        : null;
    case "maxLength":
      return typeof value === "string" && isNumber(expected) && length(value) > expected
        ? `${r} ${expected === 0 ? "is expected to be empty" : "is too long"}`
        : null;
    case "pattern": {
      if (typeof value !== "string" || typeof expected !== "string") return null;
      const re = pythonPattern(expected);
      return re && !re.test(value) ? `${r} does not match ${pyRepr(expected)}` : null;
    }
    case "minItems":
      return Array.isArray(value) && isNumber(expected) && value.length < expected
        ? `${r} ${expected === 1 ? "should be non-empty" : "is too short"}`
        : null;
    case "maxItems":
      return Array.isArray(value) && isNumber(expected) && value.length > expected
        ? `${r} ${expected === 0 ? "is expected to be empty" : "is too long"}`
        : null;
    case "uniqueItems":
      return Array.isArray(value) &&
        expected === true &&
        value.some((v, i) => value.slice(i + 1).some((w) => equal(v, w)))
        ? `${r} has non-unique elements`
        : null;
    case "items": {
      if (!Array.isArray(value) || expected === null || typeof expected !== "object") return null;
      const nested = value.flatMap((item, i) =>
        schemaErrors(
          item,
          expected as Record<string, unknown>,
          [...schemaPath, "items"],
          [...instancePath, i],
        ),
      );
      return nested.length > 0 ? { nested } : null;
    }
    default:
      return null;
  }
}

/** jsonschema's format_as_index: `schema['items']`, `instance[1]`. */
function index(container: string, path: Path): string {
  return path.length === 0
    ? container
    : `${container}${path.map((p) => `[${pyRepr(p)}]`).join("")}`;
}

const WIDTH = 72;

/**
 * Python's `pprint.pformat(value, width=72, sort_dicts=False)` of a JSON value, its lines after
 * the first indented by `indent` more (jsonschema indents the block by 4): one line when it
 * fits, else a dict's entries or a list's items one per line, aligned after the bracket.
 */
function pformat(value: unknown, indent: number): string {
  return format(value, 0, 0).replace(/\n/g, `\n${" ".repeat(indent)}`);
}

function format(value: unknown, indent: number, allowance: number): string {
  const rep = pyRepr(value);
  if (rep.length <= WIDTH - indent - allowance) return rep;
  if (Array.isArray(value) && value.length > 0) {
    const inner = indent + 1;
    const items = value.map((item, i) =>
      format(item, inner, i === value.length - 1 ? allowance + 1 : 1),
    );
    return `[${items.join(`,\n${" ".repeat(inner)}`)}]`;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return rep;
    const inner = indent + 1;
    const lines = entries.map(([key, item], i) => {
      const k = pyRepr(key);
      return `${k}: ${format(item, inner + k.length + 2, i === entries.length - 1 ? allowance + 1 : 1)}`;
    });
    return `{${lines.join(`,\n${" ".repeat(inner)}`)}}`;
  }
  return rep;
}
