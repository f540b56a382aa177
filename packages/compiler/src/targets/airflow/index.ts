import type { EmittedFile, Target, TargetInput } from "../../target.js";
import { template } from "../../templates.js";
import { dialectFor } from "./dialect.js";
import { validateDialect } from "./validate.js";
import { dagView } from "./view.js";

export { TEMPLATE_HELPERS } from "../../templates.js";

/** The DAG file name for a pipeline id: ids are restricted to [A-Za-z0-9_.-]. */
export function dagFileName(id: string): string {
  return `${id.replace(/[.-]/g, "_")}.py`;
}

export function renderDag(input: TargetInput): string {
  const dialect = dialectFor(input.settings?.airflowVersion ?? 3);
  const view = dagView(input.ir, input.hash, input.sourceFile, dialect);
  return template("airflow/dag.py.hbs")(view).replace(
    /\n{3,}(?=\S)/g,
    (_m, offset: number, whole: string) => {
      const next = whole.slice(offset);
      // After the imports, as ruff's import sorting (isort) wants them: two blank lines before
      // a definition, one before any other statement.
      if (IMPORTS_END.test(whole.slice(0, offset))) {
        return /^\n+(def |@|class )/.test(next) ? "\n\n\n" : "\n\n";
      }
      // Keep PEP 8's two blank lines before top-level definitions, one elsewhere.
      return /^\n+(def |@|default_args|with DAG|_OUTPUT_TYPES)/.test(next) ? "\n\n\n" : "\n\n";
    },
  );
}

/** Text that ends with an import statement (one line, or names in parentheses one per line). */
const IMPORTS_END =
  /(?:^|\n)(?:(?:from|import) [^\n(]+|from [\w.]+ import \(\n(?: {4}[^\n]+,\n)+\))$/;

export const airflowTarget: Target = {
  name: "airflow",
  validate: (input) => validateDialect(input, dialectFor(input.settings?.airflowVersion ?? 3)),
  emit(input: TargetInput): EmittedFile[] {
    // The dags folder is deployable on its own: the task modules travel with the DAG file,
    // at the same relative paths, so `from tasks.train import ...` resolves from it.
    return [{ path: dagFileName(input.ir.id), content: renderDag(input) }, ...input.pythonFiles];
  },
};
