/**
 * Real engine: the example DAGs that ship inside the pinned apache-airflow and
 * apache-airflow-providers-standard wheels, linted straight from the engine venv's
 * site-packages (with the template files they name). The headline rules must raise no
 * error-severity finding on them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Finding,
  findPythonSyntaxError,
  lintPythonFile,
  loadPythonSyntaxCheck,
} from "../../packages/lint/src/index.js";
import { fastParse, hasParenthesizedWith } from "../../packages/lint/src/python/fastparse.js";
import {
  firstDifference,
  hasErrorNode,
  lezerTree,
  treeDump,
} from "../../packages/lint/test/tree-dump.js";
import { ROOT, VENV } from "./harness.js";

const SITE = join(VENV, "lib", "python3.11", "site-packages");
const FOLDERS = [
  join(SITE, "airflow", "example_dags"),
  join(SITE, "airflow", "providers", "standard", "example_dags"),
];
const HEADLINE = ["missing-xcom-key", "hardcoded-path", "missing-timeout"];

const pythonFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith(".") || e.name === "__pycache__") return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return pythonFiles(path);
    return e.name.endsWith(".py") && e.name !== "__init__.py" ? [path] : [];
  });

describe("mlgen lint on Airflow's own example DAGs (real engine packages)", () => {
  it("finds the bundled example folders in the engine venv", () => {
    for (const dir of FOLDERS) {
      expect(existsSync(dir), `${dir} is missing: run bash test/python/setup-engines.sh`).toBe(
        true,
      );
    }
  });

  it("no error-severity finding from missing-xcom-key, hardcoded-path or missing-timeout", () => {
    const perFolder: Record<string, number> = {};
    const errors: Finding[] = [];
    const counts: Record<string, number> = {};
    let files = 0;
    for (const dir of FOLDERS) {
      const list = pythonFiles(dir).sort();
      perFolder[relative(SITE, dir)] = list.length;
      for (const file of list) {
        files++;
        // As `mlgen lint` reads a file: the template files its tasks name too.
        const { findings } = lintPythonFile({ file: relative(ROOT, file), path: file }, {});
        for (const f of findings) {
          if (!HEADLINE.includes(f.ruleId)) continue;
          counts[`${f.ruleId} ${f.severity}`] = (counts[`${f.ruleId} ${f.severity}`] ?? 0) + 1;
          if (f.severity === "error") errors.push(f);
        }
      }
    }
    console.log(
      `linted ${files} example DAG files: ${JSON.stringify(perFolder)}; headline findings by severity: ${JSON.stringify(counts)}`,
    );
    expect(perFolder["airflow/example_dags"]).toBeGreaterThan(30);
    expect(perFolder["airflow/providers/standard/example_dags"]).toBeGreaterThan(10);
    expect(errors.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}: ${f.message}`)).toEqual(
      [],
    );
  });

  it("no syntax error in any .py file of the engine venv's site-packages (all valid Python 3.11)", async () => {
    // The judge of files the fast parser declines: its layout rules and tree-sitter-python must
    // not call valid Python broken, here on every package the engines pull in.
    await loadPythonSyntaxCheck();
    const files = pythonFiles(SITE).sort();
    let declined = 0;
    const broken: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      if (!fastParse(source)) declined++;
      // The whole verdict, as lint and compile give it: the fast parser's own checks beyond
      // lezer's grammar (argument order, numbers) or tree-sitter-python's, then what CPython
      // refuses once a file parses (compile-check.ts: targets, parameters, escapes, scopes).
      const error = await findPythonSyntaxError(source);
      if (error) broken.push(`${relative(SITE, file)}@${error.from}: ${error.detail}`);
    }
    console.log(
      `syntax check on ${files.length} files of site-packages: ${declined} left by the fast parser to tree-sitter-python and the layout check, ${broken.length} called broken`,
    );
    expect(files.length).toBeGreaterThan(10_000);
    expect(declined).toBeGreaterThan(100);
    expect(broken).toEqual([]);
  });

  it("the fast Python parser builds @lezer/python's tree for every file of the Airflow wheel it reads", () => {
    // Airflow's own source: library code, with far more of Python than DAG files use, which the
    // fast path must either build exactly as lezer does or leave to it.
    const files = pythonFiles(join(SITE, "airflow")).sort();
    let accepted = 0;
    let declinedValid = 0;
    let parenthesized = 0;
    const wrong: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      const fast = fastParse(source);
      const lezer = lezerTree(source);
      if (!fast) {
        if (!hasErrorNode(lezer)) declinedValid++;
        continue;
      }
      accepted++;
      // Python 3.10's `with (A() as a, ...):`, which lezer's grammar lacks: the fast path reads
      // it as Python does (packages/lint/test/fastparse.test.ts).
      if (hasErrorNode(lezer) && hasParenthesizedWith(source)) {
        parenthesized++;
        continue;
      }
      const difference = hasErrorNode(lezer)
        ? "lezer found a syntax error"
        : firstDifference(source, treeDump(lezer), treeDump(fast));
      if (difference) wrong.push(`${relative(SITE, file)}: ${difference}`);
    }
    console.log(
      `fast parser on ${files.length} files of the airflow package: ${accepted - parenthesized} built exactly as lezer builds them, ${parenthesized} with a parenthesized with read as Python 3.10 reads it, ${declinedValid} left to lezer (match statements, ...), ${files.length - accepted - declinedValid} that lezer reads with error nodes (left to it too)`,
    );
    expect(files.length).toBeGreaterThan(800);
    expect(accepted / files.length).toBeGreaterThan(0.9);
    expect(wrong).toEqual([]);
  });
});
