import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keySite } from "../src/key-site.js";

const dir = mkdtempSync(join(tmpdir(), "mlgen-key-site-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of these lines; the site of the call named on `line` (1-based), at its name. */
function callIn(lines: readonly string[], line: number, name: string) {
  const file = join(dir, `p${line}-${name}.ts`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, line, column: (lines[line - 1] ?? "").indexOf(name) + 1 };
}

const PIPELINE = [
  'pipeline("p", { defaults: { retires: 1, pool: "x" }, schedul: "@daily" }, (p) => {', // 1
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
  '  p.bash("e", { command: "x".replace(/^s3:\\/\\/[)]/, ""), ...({ pol: 1 }), ...({ pol: 2 }) });', // 16
  '  p.fileSensor("f", { path: "/x", retires: 1 });', // 17
  '  p.group("g", spec, (g) => { g.bash("h", { command: "x", retires: 1 }); });', // 18
  "});", // 19
  'p.bash("i", { command: "x".replace(/^s3:\\/\\/[)]/, ""), retires: 1 });', // 20
];

/** Where `text` is written on `line`: its column and the column after it. */
const at = (line: number, text: string) => {
  const column = (PIPELINE[line - 1] ?? "").indexOf(text) + 1;
  return { line, column, endColumn: column + text.length };
};

describe("keySite", () => {
  it("is the line and column of the option when the call's options write it once", () => {
    expect(keySite(callIn(PIPELINE, 2, "python"), "retires")).toMatchObject(at(6, "retires"));
    // In an object spread into the options, not in a value's object (env).
    expect(keySite(callIn(PIPELINE, 8, "bash"), "colr")).toMatchObject(at(11, "colr"));
    // A quoted key, after a template text holding brackets.
    expect(keySite(callIn(PIPELINE, 13, "bash"), "pol")).toMatchObject(at(13, '"pol"'));
    // An escaped quote inside a string, and a key written after the call's end, do not count.
    expect(keySite(callIn(PIPELINE, 14, "bash"), "retires")).toMatchObject(at(14, "retires"));
    // After a regular expression holding `//` and a `)`.
    expect(keySite(callIn(PIPELINE, 20, "bash"), "retires")).toMatchObject(at(20, "retires"));
    // The options of the pipeline, and the object of its defaults, not its tasks'.
    expect(keySite(callIn(PIPELINE, 1, "pipeline"), "schedul")).toMatchObject(at(1, "schedul"));
    expect(keySite(callIn(PIPELINE, 1, "pipeline"), "retires", ["defaults"])).toMatchObject(
      at(1, "retires"),
    );
  });

  it("is the call's own site when the key is written twice, not at all, or the site is no call", () => {
    const cases = [
      // Twice in the options, through two spreads; behind a regex holding `//` and a `)`.
      [callIn(PIPELINE, 16, "bash"), "pol", []],
      [callIn(PIPELINE, 2, "python"), "spread", []],
      // Only in a task of the pipeline's body, not in its options or defaults.
      [callIn(PIPELINE, 1, "pipeline"), "command", []],
      [callIn(PIPELINE, 1, "pipeline"), "schedul", ["defaults"]],
      // Options held in a name: the body's braces are not them.
      [callIn(PIPELINE, 18, "group"), "retires", []],
    ] as const;
    for (const [site, key, path] of cases) expect(keySite(site, key, path)).toEqual(site);
    // A position in a transformed module (a test runner's): the text there is no call's name.
    const moved = { ...callIn(PIPELINE, 3, "fn"), column: 7 };
    expect(keySite(moved, "retires")).toEqual(moved);
    const gone = { file: join(dir, "nothing.ts"), line: 1, column: 1 };
    expect(keySite(gone, "retires")).toEqual(gone);
  });

  it("reads the file afresh: an edit since the last call moves the place", () => {
    const site = callIn(PIPELINE, 17, "fileSensor");
    expect(keySite(site, "retires")).toMatchObject(at(17, "retires"));
    writeFileSync(
      site.file,
      PIPELINE.map((l, i) => (i === 16 ? l.replace(", retires: 1", "") : l)).join("\n"),
    );
    expect(keySite(site, "retires")).toEqual(site);
  });
});
