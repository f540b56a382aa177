import type { EmittedFile } from "@mlgen/compiler";
// The light entry (no zod): lint loads this too.
import { type Diagnostic, diagnostic } from "@mlgen/core/light";

/**
 * MLG1023 when a Python file shipped with the pipeline (the task modules' folder) does not
 * parse: on Airflow and on Kubeflow, every task that imports it would fail when it runs. Compile
 * checks every file it ships; lint the task modules of the pipelines it reads.
 */
export async function pythonSyntaxProblem(
  f: EmittedFile,
  pipeline: string,
): Promise<Diagnostic | null> {
  // The syntax check alone, not the linter's rules (about 30 ms less for the plain CLI).
  const { findPythonSyntaxError } = await import("@mlgen/lint/syntax");
  const error = await findPythonSyntaxError(f.content);
  if (!error) return null;
  const before = f.content.slice(0, error.from);
  const line = before.split("\n").length;
  const column = error.from - before.lastIndexOf("\n");
  return diagnostic(
    "MLG1023",
    { file: f.path, detail: error.detail },
    { pipeline, location: { file: f.path, line, column } },
  );
}
