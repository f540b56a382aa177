import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DIAGNOSTICS, diagnostic, diagnosticsMarkdown, formatDiagnostic } from "../src/index.js";

describe("diagnostics table", () => {
  it("codes are MLG + 4 digits and every entry says how to fix it", () => {
    for (const [code, d] of Object.entries(DIAGNOSTICS)) {
      expect(code).toMatch(/^MLG[123]\d{3}$/);
      expect(d.fix.length).toBeGreaterThan(3);
    }
  });

  it("fills placeholders and formats with the place first", () => {
    const d = diagnostic(
      "MLG1001",
      { what: "task", id: "train", first: " (first at line 1, column 1)" },
      { pipeline: "p", task: "train", location: { file: "a.ts", line: 3, column: 5 } },
    );
    expect(formatDiagnostic(d)).toBe(
      "a.ts:3:5: error MLG1001: task id 'train' is used more than once (first at line 1, column 1)\n  fix: give each task and group a unique id within the pipeline (a task in a group is <group>.<id>)",
    );
  });

  it("writes control characters from names and file names as \\xNN, so a terminal shows them", () => {
    const d = diagnostic(
      "MLG1001",
      { what: "task", id: "a\u001b[2J\rb\u009b\nerror MLG9999: forged", first: "" },
      { location: { file: "p\u0007.ts", line: 1 } },
    );
    const shown = formatDiagnostic(d);
    expect(shown).toBe(
      "p\\x07.ts:1: error MLG1001: task id 'a\\x1b[2J\\x0db\\x9b\\x0aerror MLG9999: forged' is used more than once\n  fix: give each task and group a unique id within the pipeline (a task in a group is <group>.<id>)",
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
    expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it("writes line separators and bidirectional controls as \\uNNNN, so a name shows in its order", () => {
    const d = diagnostic("MLG1001", { what: "task", id: "a\u2028b\u202ec\u2066d", first: "" });
    expect(formatDiagnostic(d)).toContain(
      "task id 'a\\u2028b\\u202ec\\u2066d' is used more than once",
    );
  });

  it("docs/diagnostics.md is generated from the table and up to date (npm run docs)", () => {
    const file = resolve(import.meta.dirname, "../../../docs/diagnostics.md");
    expect(readFileSync(file, "utf8")).toBe(diagnosticsMarkdown());
  });
});
