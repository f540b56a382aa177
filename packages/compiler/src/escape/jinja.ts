/**
 * A Jinja string literal (single-quoted) whose value is exactly `s`. Jinja decodes string
 * literals with Python's unicode-escape, so everything but plain printable ASCII is escaped;
 * braces too, since `}}` inside a literal would end the expression.
 */
export function jinjaString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\" || ch === "'" || ch === "{" || ch === "}" || code < 0x20 || code > 0x7e) {
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, "0")}`
          : code <= 0xffff
            ? `\\u${code.toString(16).padStart(4, "0")}`
            : `\\U${code.toString(16).padStart(8, "0")}`;
    } else {
      out += ch;
    }
  }
  return `${out}'`;
}
