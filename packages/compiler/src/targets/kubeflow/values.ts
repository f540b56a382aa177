/** IR values as kfp writes constants. */
import type { Value } from "@mlgen/core";

/** A literal-only value as JSON, or undefined when it holds anything read at run time. */
export function constantOf(value: Value): unknown {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "list": {
      const items = value.items.map(constantOf);
      return items.includes(undefined) ? undefined : items;
    }
    case "object": {
      const entries = Object.entries(value.entries).map(([k, v]) => [k, constantOf(v)] as const);
      return entries.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(entries);
    }
    default:
      return undefined;
  }
}

/** Python's `json.dumps` text (kfp stores a literal loop list that way in `items.raw`). */
export function pyJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`)
      .join(", ")}}`;
  }
  if (typeof value === "string") {
    // ensure_ascii: every non-ASCII code unit as \uXXXX, as Python writes it.
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  return JSON.stringify(value);
}
