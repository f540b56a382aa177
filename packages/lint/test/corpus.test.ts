/**
 * The labeled corpus in test/lint-corpus/: hand-written Airflow 2 and 3 DAG files whose
 * findings are marked on their lines and listed in manifest.json (written by its generate.py),
 * and the template files some of them read (sql/*.sql, scripts/*.sh: linted through their DAGs,
 * as `mlgen lint` reads them, findings labeled in them); precision and recall per rule. Files
 * written for Airflow 2 are linted for it, the others for Airflow 3. Each file is linted as a
 * DAG folder of its own (the checks across files judge it alone).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { lintPythonFile } from "../src/files.js";
import { findingsAcrossFiles } from "../src/lint.js";
import { loadPythonSyntaxCheck } from "../src/python/syntax.js";
import { RULES } from "../src/rules/index.js";

// As `mlgen lint` does when it meets a file the fast parser declines (the broken ones here).
await loadPythonSyntaxCheck();

const CORPUS = resolve(import.meta.dirname, "../../../test/lint-corpus");
/**
 * Every rule with a Python check is scored, and the corpus labels every finding of each of
 * them. A rule that only checks DSL pipelines (none today) cannot apply to DAG files.
 */
const SCORED = RULES.filter((r) => r.checkPython).map((r) => r.id);
/** The smallest number of files with a labeled finding of each rule. */
const MIN_FILES_PER_RULE = 3;

interface Label {
  readonly rule: string;
  readonly line: number;
}
interface Manifest {
  readonly files: Record<string, readonly Label[]>;
  /** The DAG files written for Airflow 2 (`# corpus: airflow 2`), linted for Airflow 2. */
  readonly airflow2: readonly string[];
}

describe("lint corpus", () => {
  const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8")) as Manifest;
  const dags = readdirSync(join(CORPUS, "dags"))
    .filter((f) => f.endsWith(".py"))
    .sort();
  const templates = readdirSync(join(CORPUS, "dags"), { recursive: true, encoding: "utf8" })
    .map((f) => f.split("\\").join("/"))
    .filter((f) => /\.(?:sql|sh)$/.test(f))
    .sort();
  const files = [...dags, ...templates].sort();
  // Findings by the file they are in: a DAG file's own, and its template files'.
  const findings = new Map<string, ReturnType<typeof lintPythonFile>["findings"]>();
  for (const f of dags) {
    const airflowVersion = manifest.airflow2.includes(f) ? 2 : 3;
    // Each file a DAG folder of its own: what it names of other DAGs is judged against its own.
    const options = { airflowVersion, dagFolder: true } as const;
    const linted = lintPythonFile({ file: f, path: join(CORPUS, "dags", f) }, options);
    expect(linted.failure, f).toBeUndefined();
    const across = findingsAcrossFiles([linted.across], true)[0] ?? [];
    for (const x of [...linted.findings, ...across])
      findings.set(x.file, [...(findings.get(x.file) ?? []), x]);
  }
  const labels = (file: string) => manifest.files[file] ?? [];

  it("the manifest lists exactly the corpus files, with labels of scored rules only", () => {
    expect(Object.keys(manifest.files).sort()).toEqual(files);
    expect(dags.length).toBeGreaterThanOrEqual(45);
    // Findings are only ever in the corpus's own files.
    expect([...findings.keys()].filter((f) => !files.includes(f))).toEqual([]);
    const unknown = files.flatMap((f) =>
      labels(f)
        .filter((l) => !SCORED.includes(l.rule))
        .map((l) => `${f}:${l.line} ${l.rule}`),
    );
    expect(unknown).toEqual([]);
  });

  it("the manifest matches the `# expect:` marks in the files (run generate.py after edits)", () => {
    const marks = (file: string) =>
      readFileSync(join(CORPUS, "dags", file), "utf8")
        .split("\n")
        .flatMap((text, i) =>
          (/(?:#|--)\s*expect:\s*([\w\-, ]+?)\s*$/.exec(text)?.[1] ?? "")
            .split(",")
            .map((r) => r.trim())
            .filter(Boolean)
            .map((rule) => `${i + 1} ${rule}`),
        )
        .sort();
    for (const file of files) {
      expect(
        labels(file)
          .map((l) => `${l.line} ${l.rule}`)
          .sort(),
        file,
      ).toEqual(marks(file));
    }
  });

  it("every scored rule has labeled findings in several files", () => {
    const thin = SCORED.filter(
      (rule) =>
        files.filter((f) => labels(f).some((l) => l.rule === rule)).length < MIN_FILES_PER_RULE,
    );
    expect(thin).toEqual([]);
  });

  it("clean files produce no findings at all", () => {
    const clean = files.filter((f) => labels(f).length === 0);
    expect(clean.length).toBeGreaterThanOrEqual(15);
    const noisy = clean.flatMap((f) =>
      (findings.get(f) ?? []).map((x) => `${f}:${x.line} ${x.ruleId}: ${x.message}`),
    );
    expect(noisy).toEqual([]);
  });

  it("precision and recall are at least 0.95 for every scored rule", () => {
    const expected = new Set<string>();
    const got = new Set<string>();
    for (const file of files) {
      for (const e of labels(file)) expected.add(`${e.rule}|${file}|${e.line}`);
      for (const f of findings.get(file) ?? []) {
        if (SCORED.includes(f.ruleId)) got.add(`${f.ruleId}|${file}|${f.line}`);
      }
    }
    const rows = SCORED.map((rule) => {
      const want = [...expected].filter((k) => k.startsWith(`${rule}|`));
      const have = [...got].filter((k) => k.startsWith(`${rule}|`));
      const tp = have.filter((k) => expected.has(k)).length;
      return {
        rule,
        labeled: want.length,
        files: new Set(want.map((k) => k.split("|")[1])).size,
        found: have.length,
        precision: have.length ? tp / have.length : 1,
        recall: want.length ? tp / want.length : 1,
        missed: want.filter((k) => !got.has(k)),
        extra: have.filter((k) => !expected.has(k)),
      };
    });
    console.log(
      `lint corpus: ${files.length} files, ${files.filter((f) => labels(f).length === 0).length} clean\n${rows
        .map(
          (r) =>
            `  ${r.rule.padEnd(25)} labeled ${String(r.labeled).padStart(3)} in ${String(r.files).padStart(2)} files  found ${String(r.found).padStart(3)}  precision ${r.precision.toFixed(2)}  recall ${r.recall.toFixed(2)}`,
        )
        .join("\n")}`,
    );
    for (const r of rows) {
      expect(r.labeled, `${r.rule} has no labeled case`).toBeGreaterThan(0);
      expect({ rule: r.rule, missed: r.missed, extra: r.extra }).toEqual({
        rule: r.rule,
        missed: r.recall >= 0.95 ? r.missed : [],
        extra: r.precision >= 0.95 ? r.extra : [],
      });
    }
  });
});
