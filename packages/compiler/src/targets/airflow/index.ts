import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { PyCode, pyString } from "../../escape/python.js";
import type { EmittedFile, Target, TargetInput } from "../../target.js";
import { dialectFor } from "./dialect.js";
import { validateDialect } from "./validate.js";
import { dagView } from "./view.js";

export const TEMPLATES_DIR = new URL("../../../../../templates/", import.meta.url);

/**
 * Templates may only insert `PyCode` (built by the escaper) through `code`; a bare
 * `{{name}}` would be raw text and is rejected by the template lint test.
 */
export const TEMPLATE_HELPERS = ["code", "pykey"] as const;

function createEnv(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper("code", (value: unknown) => {
    if (!(value instanceof PyCode)) {
      throw new Error(`template inserted ${typeof value} without escaping; build it as PyCode`);
    }
    return new hb.SafeString(value.text);
  });
  hb.registerHelper("pykey", (value: unknown) => {
    if (!(value instanceof PyCode)) throw new Error("pykey needs PyCode");
    return new PyCode(pyString(value.text));
  });
  return hb;
}

let cached: Handlebars.TemplateDelegate | undefined;
function dagTemplate(): Handlebars.TemplateDelegate {
  if (!cached) {
    const source = readFileSync(new URL("airflow/dag.py.hbs", TEMPLATES_DIR), "utf8");
    cached = createEnv().compile(source, { strict: true, noEscape: false });
  }
  return cached;
}

/** The DAG file name for a pipeline id: ids are restricted to [A-Za-z0-9_.-]. */
export function dagFileName(id: string): string {
  return `${id.replace(/[.-]/g, "_")}.py`;
}

export function renderDag(input: TargetInput): string {
  const dialect = dialectFor(input.settings?.airflowVersion ?? 3);
  const view = dagView(input.ir, input.hash, input.sourceFile, dialect);
  return dagTemplate()(view).replace(/\n{3,}(?=\S)/g, (_m, offset: number, whole: string) =>
    // Keep PEP 8's two blank lines before top-level definitions, one elsewhere.
    /^\n+(def |@|default_args|with DAG|_OUTPUT_TYPES)/.test(whole.slice(offset))
      ? "\n\n\n"
      : "\n\n",
  );
}

export const airflowTarget: Target = {
  name: "airflow",
  validate: (input) => validateDialect(input, dialectFor(input.settings?.airflowVersion ?? 3)),
  emit(input: TargetInput): EmittedFile[] {
    // The dags folder is deployable on its own: the task modules travel with the DAG file,
    // at the same relative paths, so `from tasks.train import ...` resolves from it.
    return [{ path: dagFileName(input.ir.id), content: renderDag(input) }, ...input.pythonFiles];
  },
};
