/**
 * docs/rules/: a page per rule, generated from the rule table and the prose in
 * src/rules/docs.ts by scripts/gen-rule-docs.mjs. The pages must match the generator, and each
 * page's Python examples must do what they claim: the bad one raises exactly its rule, the good
 * one raises nothing at all.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parser } from "@lezer/python";
import { beforeAll, describe, expect, it } from "vitest";
import { lintPythonFiles } from "../src/files.js";
import { lintPythonSource } from "../src/lint.js";
import { loadPythonSyntaxCheck } from "../src/python/syntax.js";
import { RULE_DOCS } from "../src/rules/docs.js";
import { RULES } from "../src/rules/index.js";
import { ruleDocPages } from "../src/rules/render-docs.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const REGENERATE = "run `node scripts/gen-rule-docs.mjs`";

const read = (path: string): string | null => {
  try {
    return readFileSync(join(ROOT, path), "utf8");
  } catch {
    return null;
  }
};

/** The fenced code block under a `## <title>` heading of a page. */
function example(page: string, title: string): { language: string; code: string } | null {
  const section = page.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  const m = section && /^```(\w+)\n([\s\S]*?)\n```$/m.exec(section);
  return m ? { language: m[1] ?? "", code: `${m[2] ?? ""}\n` } : null;
}

/** Line:column of each syntax error lezer recovered from. */
function syntaxErrors(code: string): string[] {
  const out: string[] = [];
  parser.parse(code).iterate({
    enter(node) {
      if (!node.type.isError) return;
      const before = code.slice(0, node.from).split("\n");
      out.push(`${before.length}:${(before.at(-1)?.length ?? 0) + 1}`);
    },
  });
  return out;
}

describe("rule docs pages", () => {
  const pages = ruleDocPages();

  it("every rule has docs, and the docs name no other rule", () => {
    expect(Object.keys(RULE_DOCS).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it.each(pages.map((p) => [p.path, p.text] as const))("%s matches the generator", (path, text) => {
    const onDisk = read(path);
    expect(onDisk, `${path} is missing: ${REGENERATE}`).not.toBeNull();
    expect(onDisk, `${path} is out of date: ${REGENERATE}`).toBe(text);
  });

  it("docs/rules holds no page of a rule that no longer exists", () => {
    const onDisk = readdirSync(join(ROOT, "docs/rules")).filter((f) => f.endsWith(".md"));
    const wanted = pages.map((p) => p.path.slice("docs/rules/".length));
    expect(
      onDisk.filter((f) => !wanted.includes(f)),
      REGENERATE,
    ).toEqual([]);
  });
});

describe("rule docs examples", () => {
  const withPython = RULES.filter((r) => r.checkPython);
  beforeAll(loadPythonSyntaxCheck);

  it.each(withPython.map((r) => [r.id] as const))(
    "%s: the bad example raises exactly this rule, the good one nothing",
    (id) => {
      const page = read(`docs/rules/${id}.md`) ?? "";
      const bad = example(page, "Bad");
      const good = example(page, "Good");
      expect(bad?.language).toBe("python");
      expect(good?.language).toBe("python");
      if (!bad || !good) return;
      // Examples are valid Python, but for the rule about invalid Python.
      expect({
        bad: syntaxErrors(bad.code).length > 0,
        good: syntaxErrors(good.code).length > 0,
      }).toEqual({ bad: id === "syntax-error", good: false });
      const airflowVersion = RULE_DOCS[id]?.airflowVersion ?? 3;
      // Each example is a DAG folder of its own (missing-dag judges the DAGs it names so).
      const fired = (code: string, name: string) =>
        lintPythonSource(name, code, { airflowVersion, dagFolder: true }).map(
          (f) => `${f.ruleId} ${f.line}:${f.column} ${f.message}`,
        );
      const badRules = [...new Set(fired(bad.code, `${id}-bad.py`).map((f) => f.split(" ")[0]))];
      expect(badRules, fired(bad.code, `${id}-bad.py`).join("\n")).toEqual([id]);
      expect(fired(good.code, `${id}-good.py`)).toEqual([]);
    },
  );
});

describe("rule docs examples judged across files", () => {
  it("duplicate-dag-id: the bad example beside a copy of itself raises exactly this rule, in both; the good one beside a copy of itself, in both too", async () => {
    const page = read("docs/rules/duplicate-dag-id.md") ?? "";
    const bad = example(page, "Bad")?.code ?? "";
    const good = example(page, "Good")?.code ?? "";
    const dir = mkdtempSync(join(tmpdir(), "mlgen-rule-docs-"));
    try {
      const lint = async (a: string, b: string) => {
        writeFileSync(join(dir, "a.py"), a);
        writeFileSync(join(dir, "b.py"), b);
        const files = ["a.py", "b.py"].map((file) => ({ file, path: join(dir, file) }));
        return (await lintPythonFiles(files, {}, 0)).map((r) => r.findings.map((f) => f.ruleId));
      };
      const only = (found: string[][]) => found.map((rules) => [...new Set(rules)]);
      expect(only(await lint(bad, bad))).toEqual([["duplicate-dag-id"], ["duplicate-dag-id"]]);
      // Each id of the good file is in the other copy: across files, both ids in both files.
      expect(await lint(good, good)).toEqual([
        ["duplicate-dag-id", "duplicate-dag-id"],
        ["duplicate-dag-id", "duplicate-dag-id"],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
