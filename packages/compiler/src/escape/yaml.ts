/**
 * The one place where text becomes YAML (and the CEL string literals inside it). Documents
 * are serialized by the `yaml` library, which picks a safe scalar style for every string;
 * comments go through `yamlComment`, which keeps each one on its line.
 */
import { stringify } from "yaml";

/** `docs` as a YAML stream with sorted keys (as kfp writes them), after the comment lines. */
export function yamlDocuments(docs: readonly unknown[], comments: readonly string[]): string {
  const head = comments.map((c) => `${yamlComment(c)}\n`).join("");
  const body = docs
    .map((doc) =>
      stringify(doc, {
        sortMapEntries: true,
        lineWidth: 0,
        minContentWidth: 0,
        aliasDuplicateObjects: false,
        blockQuote: "literal",
      }),
    )
    .join("---\n");
  return head + body;
}

/** A `# ...` comment line whose text cannot end the comment or start a new line. */
export function yamlComment(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]+/g, " ").trimEnd();
  return flat === "" ? "#" : `# ${flat}`;
}

const CEL_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A single-quoted CEL string literal whose value is exactly `s` (kfp itself does not escape). */
export function celString(s: string): string {
  let out = "";
  for (const ch of s) {
    const named = CEL_ESCAPES[ch];
    const code = ch.codePointAt(0) as number;
    if (named) out += named;
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `'${out}'`;
}
