/**
 * MLflow's search filter grammar (mlflow/utils/search_utils.py, which reads it with sqlparse),
 * re-read here for the fake: `AND`-joined comparisons of `metrics.`, `params.`, `tags.` and
 * `attributes.` keys (bare names are attributes), quoted with '…', "…" or backticks. The error
 * messages are the server's where the server's are deterministic.
 */

export class FilterError extends Error {
  override readonly name = "FilterError";
}

export type EntityType = "metric" | "parameter" | "tag" | "attribute" | "dataset";

export interface Clause {
  readonly type: EntityType;
  readonly key: string;
  /** Upper-cased: = != < <= > >= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL. */
  readonly comparator: string;
  /** A number (metrics, numeric attributes), a string, a list (IN), or null (IS NULL). */
  readonly value: number | string | readonly string[] | null;
}

type Tok = (
  | { kind: "ident"; text: string }
  | { kind: "string"; text: string }
  | { kind: "number"; text: string; int: boolean }
  | { kind: "op"; text: string }
  | { kind: "keyword"; text: string }
  | { kind: "list"; text: string; items: string[] | null }
  | { kind: "other"; text: string }
) & {
  /** Where the token ends in the filter (it starts at `end - text.length`). */
  end?: number;
};

/**
 * Words sqlparse's lexer reads as keywords wherever a token starts, after a dot too (its rule
 * `(CASE|IN|VALUES|USING|FROM|AS)\b` comes before the one that makes any word after a dot a
 * name): `tags.in` is the name `tags.` and the keyword `in`, no identifier, and MLflow refuses
 * it. Other keywords (`tags.select`, `tags.order`, `tags.null`) are names after a dot. Quoted
 * (`` tags.`in` ``, `tags."in"`) they are names too.
 */
const SQLPARSE_DOTTED_KEYWORD = /^(?:CASE|IN|VALUES|USING|FROM|AS)$/i;
const KEYWORDS = new Set([
  ...["AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"],
  ...["CASE", "VALUES", "USING", "FROM", "AS"],
]);
const NUMBER = /^-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])/;
const IDENT_PART = /^(?:[A-Za-z_][\w]*|"[^"]*"|`[^`]*`)/;

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  // Each round adds at most one token and moves past it: the next round marks where it ended.
  const mark = () => {
    const last = out[out.length - 1];
    if (last && last.end === undefined) last.end = i;
  };
  while (i < s.length) {
    mark();
    const rest = s.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    if (rest[0] === "'") {
      const m = /^'(?:''|\\\\|\\'|[^'])*'/.exec(rest);
      if (!m) throw new FilterError(`Invalid filter '${s}'. Could not be parsed.`);
      out.push({ kind: "string", text: m[0] });
      i += m[0].length;
      continue;
    }
    const op = /^(?:>=|<=|!=|<>|=|<|>)/.exec(rest);
    if (op) {
      out.push({ kind: "op", text: op[0] });
      i += op[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      out.push({ kind: "number", text: num[0], int: /^-?\d+$/.test(num[0]) });
      i += num[0].length;
      continue;
    }
    if (rest[0] === "(") {
      const end = rest.indexOf(")");
      if (end < 0) throw new FilterError(`Invalid filter '${s}'. Could not be parsed.`);
      const text = rest.slice(0, end + 1);
      const inner = text.slice(1, -1).trim();
      const items: string[] = [];
      let ok = inner.length > 0;
      for (const part of inner.split(",")) {
        const p = part.trim();
        if (/^'[^']*'$/.test(p) || /^"[^"]*"$/.test(p)) items.push(p.slice(1, -1));
        else ok = false;
      }
      out.push({ kind: "list", text, items: ok ? items : null });
      i += text.length;
      continue;
    }
    const first = IDENT_PART.exec(rest);
    if (first) {
      let text = first[0];
      let j = text.length;
      while (rest[j] === "." && !SQLPARSE_DOTTED_KEYWORD.test(text)) {
        const next = IDENT_PART.exec(rest.slice(j + 1));
        if (!next) break;
        if (SQLPARSE_DOTTED_KEYWORD.test(next[0])) {
          // sqlparse's name ends with the dot (`tags.`); the keyword is the next token.
          text += ".";
          j += 1;
          break;
        }
        text += `.${next[0]}`;
        j += 1 + next[0].length;
      }
      // Dotted keys may run on with characters sqlparse keeps in a name (e.g. metrics.f1-score
      // is not one; keep it simple: only \w, quotes and dots).
      const upper = text.toUpperCase();
      if (!text.includes(".") && KEYWORDS.has(upper)) {
        // `NOT NULL` is one keyword for sqlparse.
        if (upper === "NOT") {
          const nn = /^NOT\s+NULL\b/i.exec(rest);
          if (nn) {
            out.push({ kind: "keyword", text: "NOT NULL" });
            i += nn[0].length;
            continue;
          }
        }
        out.push({ kind: "keyword", text });
      } else {
        out.push({ kind: "ident", text });
      }
      i += j;
      continue;
    }
    out.push({ kind: "other", text: rest[0] ?? "" });
    i += 1;
  }
  mark();
  return out;
}

const IDENTIFIERS: Record<string, EntityType> = {
  metric: "metric",
  metrics: "metric",
  parameter: "parameter",
  parameters: "parameter",
  param: "parameter",
  params: "parameter",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attr: "attribute",
  attributes: "attribute",
  run: "attribute",
  dataset: "dataset",
  datasets: "dataset",
};

/** The keys a `dataset.` clause may name (a run matches when one of its dataset inputs does). */
const DATASET_KEYS = ["name", "digest", "context"];

const isQuoted = (v: string, q: string) => v.length >= 2 && v.startsWith(q) && v.endsWith(q);
const trimBackticks = (v: string) => (isQuoted(v, "`") ? v.slice(1, -1) : v);
const stripQuotes = (v: string) => (isQuoted(v, "'") || isQuoted(v, '"') ? v.slice(1, -1) : v);

/** The attributes a runs filter may name, and which of them are numbers. */
export const RUN_STRING_ATTRIBUTES = new Set([
  "artifact_uri",
  "run_id",
  "run_name",
  "status",
  "user_id",
  "run name",
  "Run name",
  "Run Name",
]);
export const RUN_NUMERIC_ATTRIBUTES = new Set(["start_time", "end_time", "created", "Created"]);

export interface FilterDialect {
  readonly stringAttributes: ReadonlySet<string>;
  readonly numericAttributes: ReadonlySet<string>;
  /** Attributes that take `IN (…)`. */
  readonly listAttributes: ReadonlySet<string>;
  /** The entity names (`tag.`, `attribute.`, …) taken, when not all of the runs search's. */
  readonly entities?: readonly string[];
  /**
   * Whether "Invalid clause(s) in filter string" quotes each token, as the runs search does
   * (default); the experiment, registered model and model version searches print them bare.
   */
  readonly quotesInvalidClauses?: boolean;
}

export const RUN_DIALECT: FilterDialect = {
  stringAttributes: RUN_STRING_ATTRIBUTES,
  numericAttributes: RUN_NUMERIC_ATTRIBUTES,
  listAttributes: new Set(["run_id"]),
};

function identifier(
  text: string,
  dialect: FilterDialect,
  bareIsAttribute = true,
): { type: EntityType; key: string } {
  const dot = text.indexOf(".");
  let entity = "attribute";
  let key = text;
  if (dot >= 0) {
    entity = text.slice(0, dot);
    key = text.slice(dot + 1);
  } else if (!bareIsAttribute) {
    throw new FilterError(`Invalid identifier '${text}'`);
  }
  const type = IDENTIFIERS[trimBackticks(entity)];
  if (dialect.entities && dot >= 0 && !dialect.entities.includes(entity)) {
    throw new FilterError(
      `Invalid entity type '${entity}'. Valid entity types are (${dialect.entities.map((e) => `'${e}'`).join(", ")})`,
    );
  }
  if (!type) {
    throw new FilterError(
      `Invalid entity type '${trimBackticks(entity)}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`,
    );
  }
  key = trimBackticks(stripQuotes(key));
  if (type === "dataset" && !DATASET_KEYS.includes(key)) {
    throw new FilterError(
      `Invalid dataset key '${key}' specified. Valid keys are '{${DATASET_KEYS.map((k) => `'${k}'`).join(", ")}}'`,
    );
  }
  if (
    type === "attribute" &&
    !dialect.stringAttributes.has(key) &&
    !dialect.numericAttributes.has(key)
  ) {
    const valid = [...dialect.stringAttributes, ...dialect.numericAttributes]
      .map((k) => `'${k}'`)
      .join(", ");
    throw new FilterError(`Invalid attribute key '${key}' specified. Valid keys are '{${valid}}'`);
  }
  return { type, key };
}

function clauseValue(
  type: EntityType,
  key: string,
  tok: Tok,
  dialect: FilterDialect,
): Clause["value"] {
  if (type === "metric") {
    if (tok.kind !== "number") {
      throw new FilterError(`Expected numeric value type for metric. Found ${tok.text}`);
    }
    return Number(tok.text);
  }
  const quoted = tok.kind === "string" || (tok.kind === "ident" && isQuoted(tok.text, '"'));
  const unquotedIdent = tok.kind === "ident" && !quoted;
  if (type === "parameter" || type === "tag") {
    if (quoted) return stripQuotes(tok.text);
    if (unquotedIdent) {
      throw new FilterError(
        `Parameter value is either not quoted or unidentified quote types used for string value ${tok.text}. Use either single or double quotes.`,
      );
    }
    throw new FilterError(
      `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${tok.text}`,
    );
  }
  if (type === "dataset") {
    if (quoted) return stripQuotes(tok.text);
    if (tok.kind === "list" && tok.items) return tok.items;
    throw new FilterError(
      `Expected a quoted string value for dataset attributes. Got value ${tok.text}`,
    );
  }
  if (dialect.numericAttributes.has(key)) {
    if (tok.kind !== "number") {
      throw new FilterError(
        `Expected numeric value type for numeric attribute: ${key}. Found ${tok.text}`,
      );
    }
    return Number(tok.text);
  }
  if (quoted) return stripQuotes(tok.text);
  if (tok.kind === "list") {
    if (!dialect.listAttributes.has(key)) {
      const keys = [...dialect.listAttributes].map((k) => `'${k}'`).join(", ");
      throw new FilterError(
        `Only [${keys}] attributes support comparison with a list of quoted string values.`,
      );
    }
    if (!tok.items) {
      throw new FilterError(
        `While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${tok.text}`,
      );
    }
    return tok.items;
  }
  if (unquotedIdent) {
    throw new FilterError(
      `Parameter value is either not quoted or unidentified quote types used for string value ${tok.text}. Use either single or double quotes.`,
    );
  }
  throw new FilterError(`Expected a quoted string value for attributes. Got value ${tok.text}`);
}

const METRIC_OPS = new Set(["=", "!=", "<", "<=", ">", ">="]);
const STRING_OPS = new Set(["=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"]);
const STRING_ATTRIBUTE_OPS = new Set(["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"]);
const fmt = (set: ReadonlySet<string>) => `{${[...set].map((o) => `'${o}'`).join(", ")}}`;

function checkComparator(c: Clause, dialect: FilterDialect): void {
  const op = c.comparator;
  if (c.type === "metric" && !METRIC_OPS.has(op)) {
    throw new FilterError(`Invalid comparator '${op}' not one of '${fmt(METRIC_OPS)}`);
  }
  if (c.type === "parameter" && !STRING_OPS.has(op)) {
    throw new FilterError(`Invalid comparator '${op}' not one of '${fmt(STRING_OPS)}'`);
  }
  if (c.type === "tag" && !STRING_OPS.has(op)) {
    throw new FilterError(`Invalid comparator '${op}' not one of '${fmt(STRING_OPS)}`);
  }
  if (c.type === "dataset" && !STRING_ATTRIBUTE_OPS.has(op)) {
    throw new FilterError(`Invalid comparator '${op}' not one of '${fmt(STRING_ATTRIBUTE_OPS)}`);
  }
  if (c.type === "attribute") {
    if (dialect.numericAttributes.has(c.key) && !METRIC_OPS.has(op)) {
      throw new FilterError(`Invalid comparator '${op}' not one of '${fmt(STRING_ATTRIBUTE_OPS)}`);
    }
    if (!dialect.numericAttributes.has(c.key) && !STRING_ATTRIBUTE_OPS.has(op)) {
      throw new FilterError(`Invalid comparator '${op}' not one of '${fmt(STRING_ATTRIBUTE_OPS)}'`);
    }
  }
}

/**
 * Parses a runs filter string into clauses (all must hold). Throws FilterError with MLflow's
 * message for what MLflow refuses: `OR`, unquoted strings, a non-numeric metric value, an
 * unknown entity or attribute, a comparator the key type does not take.
 */
export function parseFilter(filter: string | undefined, dialect: FilterDialect = RUN_DIALECT) {
  if (!filter) return [];
  // sqlparse finds no statement in blanks: MLflow refuses them (an empty string is no filter).
  if (filter.trim() === "")
    throw new FilterError(`Invalid filter '${filter}'. Could not be parsed.`);
  const toks = tokenize(filter);
  // MLflow first looks for tokens that are no comparison (and not AND), then reads each
  // comparison's key and value: an unknown key is no reason to refuse while a clause is invalid.
  const comparisons: (() => Clause)[] = [];
  const invalid: string[] = [];
  let i = 0;
  while (i < toks.length) {
    const t = toks[i] as Tok;
    const a = toks[i + 1];
    const b = toks[i + 2];
    const c = toks[i + 3];
    if (t.kind === "ident") {
      if (t.text.endsWith(".") && a?.kind === "keyword" && a.text.toUpperCase() === "AS" && b) {
        // sqlparse makes `tags.as =` one identifier (a name, AS and its alias), no comparison.
        invalid.push(filter.slice((t.end ?? 0) - t.text.length, b.end));
        i += 3;
        continue;
      }
      if (a?.kind === "keyword" && a.text.toUpperCase() === "IS" && b?.kind === "keyword") {
        const u = b.text.toUpperCase();
        if (u === "NULL" || u === "NOT NULL") {
          comparisons.push(() => {
            const id = identifier(t.text, dialect);
            if (id.type !== "tag" && id.type !== "parameter") {
              throw new FilterError(
                `IS NULL / IS NOT NULL is only supported for tags and params, not for '${id.type}' '${id.key}'`,
              );
            }
            return { ...id, comparator: u === "NULL" ? "IS NULL" : "IS NOT NULL", value: null };
          });
          i += 3;
          continue;
        }
      }
      if (
        a?.kind === "keyword" &&
        a.text.toUpperCase() === "NOT" &&
        b?.kind === "keyword" &&
        b.text.toUpperCase() === "IN" &&
        c?.kind === "list"
      ) {
        comparisons.push(() => {
          const id = identifier(t.text, dialect);
          return { ...id, comparator: "NOT IN", value: clauseValue(id.type, id.key, c, dialect) };
        });
        i += 4;
        continue;
      }
      const isCmp =
        a &&
        (a.kind === "op" ||
          (a.kind === "keyword" && ["LIKE", "ILIKE", "IN"].includes(a.text.toUpperCase())));
      // IN is a comparison only with a parenthesized list after it (MLflow joins no other).
      const valueOk =
        b &&
        (a?.text.toUpperCase() === "IN"
          ? b.kind === "list"
          : b.kind === "string" || b.kind === "number" || b.kind === "ident");
      if (a && b && isCmp && valueOk) {
        comparisons.push(() => {
          const id = identifier(t.text, dialect);
          return {
            ...id,
            comparator: a.text.toUpperCase() === "<>" ? "!=" : a.text.toUpperCase(),
            value: clauseValue(id.type, id.key, b, dialect),
          };
        });
        i += 3;
        continue;
      }
    }
    if (!(t.kind === "keyword" && t.text.toUpperCase() === "AND")) invalid.push(t.text);
    i += 1;
  }
  if (invalid.length > 0) {
    // The runs search quotes each token; the experiment and registry searches print them bare.
    const quote = dialect.quotesInvalidClauses ?? true;
    throw new FilterError(
      `Invalid clause(s) in filter string: ${invalid.map((x) => (quote ? `'${x}'` : x)).join(", ")}`,
    );
  }
  const clauses = comparisons.map((read) => read());
  for (const c of clauses) checkComparator(c, dialect);
  return clauses;
}

/** `%` any run, `_` one character; case-sensitive (MLflow sets SQLite's case_sensitive_like). */
export function likeToRegExp(pattern: string, ignoreCase = false): RegExp {
  let src = "";
  for (const ch of pattern) {
    if (ch === "%") src += "[\\s\\S]*";
    else if (ch === "_") src += "[\\s\\S]";
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${src}$`, ignoreCase ? "iu" : "u");
}

/** Compares a stored value with a clause's value; `undefined` (absent) matches nothing. */
export function matches(
  lhs: string | number | undefined,
  comparator: string,
  value: Clause["value"],
): boolean {
  if (comparator === "IS NULL") return lhs === undefined;
  if (comparator === "IS NOT NULL") return lhs !== undefined;
  if (lhs === undefined) return false;
  switch (comparator) {
    case "=":
      return lhs === value;
    case "!=":
      return lhs !== value;
    case "<":
      return (lhs as number) < (value as number);
    case "<=":
      return (lhs as number) <= (value as number);
    case ">":
      return (lhs as number) > (value as number);
    case ">=":
      return (lhs as number) >= (value as number);
    case "LIKE":
      return likeToRegExp(String(value)).test(String(lhs));
    case "ILIKE":
      return likeToRegExp(String(value), true).test(String(lhs));
    case "IN":
      return (value as readonly string[]).includes(String(lhs));
    case "NOT IN":
      return !(value as readonly string[]).includes(String(lhs));
    default:
      return false;
  }
}

export interface OrderBy {
  readonly type: EntityType;
  readonly key: string;
  readonly ascending: boolean;
}

/** One `order_by` entry of a runs search, e.g. "metrics.acc DESC" or "`params`.`my key`". */
export function parseOrderBy(clause: string, dialect: FilterDialect = RUN_DIALECT): OrderBy {
  const { key, ascending, direction } = splitOrderClause(clause);
  // MLflow shlex-splits "key DIRECTION" (backticks read as double quotes) and keeps the key
  // unquoted (`` `tags.in` ASC `` is the tag `in`); a key alone stays as written.
  const name = direction ? key.replace(/`/g, '"').replace(/"([^"]*)"|'([^']*)'/g, "$1$2") : key;
  return { ...identifier(name, dialect), ascending };
}

/**
 * The parts of a dotted name (`tags.in`, `in.x`, `tags.a.from-x`) that sqlparse reads as
 * keywords, lower-cased: an unquoted CASE, IN, VALUES, USING, FROM or AS, at the start (`first`)
 * or after a dot, that no word character continues (`tags.info`, `tags.in_x` are names).
 */
function sqlparseKeywordParts(name: string): { word: string; first: boolean }[] {
  const out: { word: string; first: boolean }[] = [];
  let atStart = true;
  let index = 0;
  for (const m of name.matchAll(/`[^`]*`|"[^"]*"|'[^']*'|\.|[^.`"']+/g)) {
    const part = m[0];
    if (part === ".") {
      atStart = true;
      continue;
    }
    const kw = atStart ? /^(CASE|IN|VALUES|USING|FROM|AS)\b/i.exec(part) : null;
    if (kw) out.push({ word: (kw[1] ?? "").toLowerCase(), first: index === 0 });
    atStart = false;
    index += 1;
  }
  return out;
}

/** An order_by clause's key, as written, and its direction (ASC unless DESC). */
export function splitOrderClause(clause: string): {
  key: string;
  ascending: boolean;
  /** The direction word as written, when there is one. */
  direction?: string;
} {
  const m = /^\s*(.*?)(?:\s+(\w+))?\s*$/.exec(clause);
  let key = (m?.[1] ?? "").trim();
  let dir = m?.[2];
  // "start_time" alone: no direction word.
  if (dir && !key) {
    key = dir;
    dir = undefined;
  }
  if (!key) throw new FilterError(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  // sqlparse reads `tags.in` as a name and a keyword, no identifier, so MLflow cannot parse it;
  // `tags.as DESC` is a name with an alias, which MLflow reads as the key `as` (alone, refused).
  const keywords = sqlparseKeywordParts(key);
  if (keywords.some((k) => k.word !== "as" || k.first || !dir)) {
    throw new FilterError(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  }
  if (dir && !["asc", "desc"].includes(dir.toLowerCase())) {
    throw new FilterError(`Invalid ordering key in order_by clause '${clause}'.`);
  }
  return dir
    ? { key, ascending: dir.toLowerCase() !== "desc", direction: dir }
    : { key, ascending: true };
}
