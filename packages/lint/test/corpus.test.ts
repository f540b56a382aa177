/**
 * The labeled corpus in test/lint-corpus/ (written by its generate.py): each file's seeded
 * defects are listed in manifest.json by rule and line; precision and recall per rule.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { lintPythonSource } from "../src/index.js";

const CORPUS = resolve(import.meta.dirname, "../../../test/lint-corpus");
/** The rules the corpus labels completely; the others (advice such as alerts) are not scored. */
const SCORED = [
  "missing-xcom-key",
  "hardcoded-path",
  "missing-timeout",
  "missing-retries",
  "top-level-code",
  "airflow3-removed",
  "sensor-poke-mode",
  "dynamic-start-date",
];

interface Manifest {
  readonly files: Record<string, { rule: string; line: number }[]>;
}

describe("lint corpus", () => {
  const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8")) as Manifest;
  const files = readdirSync(join(CORPUS, "dags"))
    .filter((f) => f.endsWith(".py"))
    .sort();

  it("the manifest lists exactly the corpus files", () => {
    expect(Object.keys(manifest.files).sort()).toEqual(files);
  });

  it("precision and recall are at least 0.95 for every scored rule", () => {
    const expected = new Set<string>();
    const got = new Set<string>();
    for (const file of files) {
      for (const e of manifest.files[file] ?? []) expected.add(`${e.rule}|${file}|${e.line}`);
      const source = readFileSync(join(CORPUS, "dags", file), "utf8");
      for (const f of lintPythonSource(file, source)) {
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
        found: have.length,
        precision: have.length ? tp / have.length : 1,
        recall: want.length ? tp / want.length : 1,
        missed: want.filter((k) => !got.has(k)),
        extra: have.filter((k) => !expected.has(k)),
      };
    });
    console.log(
      `lint corpus: ${files.length} files\n${rows
        .map(
          (r) =>
            `  ${r.rule.padEnd(20)} labeled ${String(r.labeled).padStart(3)}  found ${String(r.found).padStart(3)}  precision ${r.precision.toFixed(2)}  recall ${r.recall.toFixed(2)}`,
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
