/**
 * The DAG folders of the lint engine tests that read files together (the checks across files:
 * a sensor in one file, the DAG it waits for in another): written once, then loaded by real
 * Airflow and linted by `mlgen lint`'s lintPythonFiles.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Finding, lintPythonFiles } from "../../packages/lint/src/index.js";

/** Writes `files` (name → source) into the new folder `dir`; returns `dir`. */
export function writeDagFolder(dir: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(dir);
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return dir;
}

/** The findings of one rule when the files are linted together, in a new folder under `work`. */
export async function lintTogether(
  work: string,
  version: 2 | 3,
  files: Readonly<Record<string, string>>,
  rule: string,
): Promise<Finding[]> {
  const dir = writeDagFolder(
    join(work, `lint-${version}-${Math.random().toString(36).slice(2)}`),
    files,
  );
  const inputs = Object.keys(files).map((file) => ({ file, path: join(dir, file) }));
  const linted = await lintPythonFiles(inputs, { airflowVersion: version }, 0);
  return linted.flatMap((r) => r.findings).filter((f) => f.ruleId === rule);
}
