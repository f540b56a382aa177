import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keySite } from "../src/key-site.js";

const dir = mkdtempSync(join(tmpdir(), "mlgen-key-site-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of these lines; the site of the call named on `line` (1-based), at its name. */
function callIn(lines: string[], line: number, name: string) {
  const file = join(dir, `p${line}-${name}.ts`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, line, column: (lines[line - 1] ?? "").indexOf(name) + 1 };
}

const PIPELINE = [
  'pipeline("p", {}, (p) => {', // 1
  '  p.python("a", {', // 2
  '    fn: "tasks/a.py:f",', // 3
  "    // retires: a comment, not the option", // 4
  '    description: "retires: a text, not the option",', // 5
  "    retires: 2,", // 6
  "  } as never);", // 7
  '  p.bash("b", {', // 8
  '    command: "true",', // 9
  '    env: { colr: "1" },', // 10
  "    ...({ colr: 1 } as object),", // 11
  "  });", // 12
  '  p.bash("c", { command: `a(b{`, ...{ "pol": "x" } } as never);', // 13
  "  p.bash(\"d\", { command: 'it\\'s', retires: 1 });", // 14
  "  retires: 3;", // 15
  "});", // 16
];

describe("keySite", () => {
  it("is the line and column of the option when the call writes it once", () => {
    const at = (line: number, text: string) => ({
      line,
      column: (PIPELINE[line - 1] ?? "").indexOf(text) + 1,
    });
    expect(keySite(callIn(PIPELINE, 2, "python"), "retires")).toMatchObject(at(6, "retires"));
    // A quoted key, after a template text holding brackets.
    expect(keySite(callIn(PIPELINE, 13, "bash"), "pol")).toMatchObject(at(13, '"pol"'));
    // An escaped quote inside a string, and a key written after the call's end, do not count.
    expect(keySite(callIn(PIPELINE, 14, "bash"), "retires")).toMatchObject(at(14, "retires"));
  });

  it("is the call's own site when the key is written twice, not at all, or the site is no call", () => {
    const twice = callIn(PIPELINE, 8, "bash");
    expect(keySite(twice, "colr")).toEqual(twice);
    const missing = callIn(PIPELINE, 2, "python");
    expect(keySite(missing, "spread")).toEqual(missing);
    // A position in a transformed module (a test runner's): the text there is no call's name.
    const moved = { ...callIn(PIPELINE, 3, "fn"), column: 7 };
    expect(keySite(moved, "retires")).toEqual(moved);
    const gone = { file: join(dir, "nothing.ts"), line: 1, column: 1 };
    expect(keySite(gone, "retires")).toEqual(gone);
  });
});
