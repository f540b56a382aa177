import { MlflowValidationError } from "./errors.js";

export type NumberOp = "=" | "!=" | ">" | ">=" | "<" | "<=";
export type StringOp = "=" | "!=" | "LIKE" | "ILIKE";
export type ListOp = "IN" | "NOT IN";

/**
 * A key as MLflow's filter parser reads it: in backticks (or double quotes when it holds a
 * backtick), always: a bare key that is an SQL word (`in`, `as`, `from`, `case`, ...) is refused
 * by the server. The parser strips the quotes and unescapes nothing, so a key holding both cannot
 * be written.
 */
export function quoteKey(key: string): string {
  if (!key.includes("`")) return `\`${key}\``;
  if (!key.includes('"')) return `"${key}"`;
  throw new MlflowValidationError("filter", `key ${JSON.stringify(key)} holds both \` and "`);
}

/**
 * A string value as MLflow's filter parser reads it: in single quotes, or double quotes when
 * it holds a single quote. The parser takes what is between the quotes as it is — `\'` and
 * `''` are not escapes there — so a value holding both quote kinds, or ending in a backslash
 * (which the tokenizer reads as an escaped closing quote), is refused rather than mangled.
 */
export function quoteValue(value: string): string {
  if (value.endsWith("\\")) {
    throw new MlflowValidationError(
      "filter",
      `value ${JSON.stringify(value)} ends in a backslash, which MLflow's filter parser misreads`,
    );
  }
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new MlflowValidationError(
    "filter",
    `value ${JSON.stringify(value)} holds both ' and "; MLflow's filter syntax cannot express it`,
  );
}

function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) {
    throw new MlflowValidationError("filter", `${n} cannot be compared in a filter`);
  }
  // The server's tokenizer reads 1e21 and 1e-7, not 1e+21 (String's form from 1e21 on).
  return String(n).replace("e+", "e");
}

/**
 * Builds a `filter_string` for searchRuns: clauses joined by `and` (MLflow has no `or`).
 *
 *   runFilter().metric("accuracy", ">", 0.9).param("model", "=", "rf").status("=", "FINISHED").toString()
 *   → metrics.accuracy > 0.9 and params.model = 'rf' and attributes.status = 'FINISHED'
 *
 * Lists (`IN`, `NOT IN`) work on `run_id` only: MLflow refuses them on every other attribute
 * ("Only ['run_id'] attributes support comparison with a list of quoted string values"), so
 * the builder refuses them too, before any request.
 */
export class RunFilter {
  readonly #clauses: readonly string[];

  constructor(clauses: readonly string[] = []) {
    this.#clauses = clauses;
  }

  #and(clause: string): RunFilter {
    return new RunFilter([...this.#clauses, clause]);
  }

  metric(key: string, op: NumberOp, value: number): RunFilter {
    return this.#and(`metrics.${quoteKey(key)} ${op} ${numberLiteral(value)}`);
  }

  param(key: string, op: StringOp, value: string): RunFilter {
    return this.#and(`params.${quoteKey(key)} ${op} ${quoteValue(value)}`);
  }

  tag(key: string, op: StringOp, value: string): RunFilter {
    return this.#and(`tags.${quoteKey(key)} ${op} ${quoteValue(value)}`);
  }

  /** `params.x IS NULL` / `IS NOT NULL` (also for tags). */
  exists(kind: "params" | "tags", key: string, present = true): RunFilter {
    return this.#and(`${kind}.${quoteKey(key)} IS ${present ? "NOT " : ""}NULL`);
  }

  /** String attributes: run_name, status, user_id, artifact_uri, run_id; lists for run_id only. */
  attribute(key: string, op: StringOp, value: string): RunFilter;
  attribute(key: "run_id", op: ListOp, values: readonly string[]): RunFilter;
  attribute(key: string, op: StringOp | ListOp, value: string | readonly string[]): RunFilter {
    if (typeof value !== "string" && key !== "run_id") {
      throw new MlflowValidationError(
        "filter",
        `MLflow compares only run_id with a list (${op}); filter ${key} with = or != instead`,
      );
    }
    const v =
      typeof value === "string" ? quoteValue(value) : `(${value.map(quoteValue).join(", ")})`;
    // Attribute names are MLflow's own (run_id, status, run_name, ...): bare, as MLflow writes them.
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : quoteKey(key);
    return this.#and(`attributes.${name} ${op} ${v}`);
  }

  /** `attributes.run_id IN (...)` / `NOT IN`: the one attribute MLflow compares with a list. */
  runIds(op: ListOp, runIds: readonly string[]): RunFilter {
    return this.attribute("run_id", op, runIds);
  }

  /** Numeric attributes: start_time, end_time, created (ms since the epoch). */
  time(key: "start_time" | "end_time" | "created", op: NumberOp, ms: number): RunFilter {
    return this.#and(`attributes.${key} ${op} ${numberLiteral(ms)}`);
  }

  /** `attributes.status = 'FINISHED'` (MLflow has no `IN` for status, and no `or`). */
  status(
    op: "=" | "!=",
    status: "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED",
  ): RunFilter {
    return this.attribute("status", op, status);
  }

  toString(): string {
    return this.#clauses.join(" and ");
  }
}

export const runFilter = (): RunFilter => new RunFilter();
