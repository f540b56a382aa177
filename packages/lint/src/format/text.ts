import type { Finding } from "../finding.js";

export interface TextOptions {
  /** File → its text, for code frames; files not here get no frame. */
  readonly sources?: ReadonlyMap<string, string>;
  /** ANSI colors; the CLI turns them on only on a TTY without NO_COLOR. */
  readonly color?: boolean;
}

const paint = (on: boolean, code: string, text: string) =>
  on ? `\u001b[${code}m${text}\u001b[0m` : text;
const SEVERITY_COLOR = { error: "31", warning: "33", info: "36" } as const;

/** Two lines of context around the finding's first line, with a caret under its span. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: what is matched is control characters
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Characters of a line a code frame shows, at least. */
const MAX_FRAME_LINE = 200;

export function codeFrame(source: string, f: Finding, color = false): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, f.line - 2);
  const last = Math.min(lines.length, f.line + 1);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    // One character for one: carets stay aligned. Control characters (a terminal escape in a
    // binary or hostile file) are never written to the terminal; a long line is cut.
    let text = (lines[n - 1] ?? "").replace(/\t/g, " ").replace(CONTROL, "\uFFFD");
    const keep = Math.max(MAX_FRAME_LINE, n === f.line ? f.endColumn + 20 : 0);
    if (text.length > keep) text = `${text.slice(0, keep)}…`;
    const gutter = `${String(n).padStart(width)} |`;
    out.push(`${n === f.line ? paint(color, "1", ">") : " "} ${paint(color, "2", gutter)} ${text}`);
    if (n === f.line) {
      const end = f.endLine === f.line && f.endColumn > f.column ? f.endColumn : text.length + 1;
      const carets = "^".repeat(Math.max(1, end - f.column));
      out.push(
        `  ${paint(color, "2", `${" ".repeat(width)} |`)} ${" ".repeat(Math.max(0, f.column - 1))}${paint(color, SEVERITY_COLOR[f.severity], carets)}`,
      );
    }
  }
  return out.join("\n");
}

/** What a compiler prints: place, severity, rule and message, the fix, a code frame; a summary. */
export function formatText(findings: readonly Finding[], options: TextOptions = {}): string {
  const color = options.color ?? false;
  const blocks = findings.map((f) => {
    const head =
      `${paint(color, "1", `${f.file}:${f.line}:${f.column}`)}: ` +
      `${paint(color, SEVERITY_COLOR[f.severity], f.severity)} ${f.ruleId === f.code ? f.code : `${f.ruleId} (${f.code})`}: ${f.message}`;
    const source = options.sources?.get(f.file);
    const frame = source === undefined ? "" : `\n${codeFrame(source, f, color)}`;
    return `${head}\n  fix: ${f.fix}${frame}\n`;
  });
  const count = (s: Finding["severity"]) => {
    const k = findings.filter((f) => f.severity === s).length;
    return `${k} ${s === "info" ? "info" : s}${k === 1 || s === "info" ? "" : "s"}`;
  };
  const n = findings.length;
  const summary =
    n === 0
      ? "mlgen lint: no problems\n"
      : `mlgen lint: ${n} problem${n === 1 ? "" : "s"} (${count("error")}, ${count("warning")}, ${count("info")})\n`;
  return `${blocks.join("\n")}${blocks.length ? "\n" : ""}${summary}`;
}
