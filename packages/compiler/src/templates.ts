import type HandlebarsApi from "handlebars";
import * as runtime from "handlebars/runtime.js";
import { PyCode, pyString } from "./escape/python.js";
import { TEMPLATE_SPECS } from "./templates.generated.js";

/**
 * Handlebars' runtime (the CommonJS module's export; its own typings declare none): the
 * templates come precompiled (templates.generated.ts, from templates/ by
 * scripts/gen-templates.mjs), so the compiler and the template files are not needed here.
 */
const Handlebars = (runtime as unknown as { default: typeof HandlebarsApi }).default;

/** A template under templates/ by its path there, e.g. `airflow/dag.py.hbs`. */
export type TemplatePath = keyof typeof TEMPLATE_SPECS;

/**
 * Templates may only insert `PyCode` (built by the escaper) through `code`; a bare
 * `{{name}}` would be raw text and is rejected by the template lint test.
 */
export const TEMPLATE_HELPERS = ["code", "pykey"] as const;

function createEnv(): typeof HandlebarsApi {
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

const compiled = new Map<string, HandlebarsApi.TemplateDelegate>();

/** A template under templates/, with the escaping helpers and the shared partials. */
export function template(path: TemplatePath): HandlebarsApi.TemplateDelegate {
  let t = compiled.get(path);
  if (!t) {
    const env = createEnv();
    env.registerPartial("validate_table", env.template(spec("shared/validate_table.py.hbs")));
    env.registerPartial("outputs", env.template(spec("shared/outputs.py.hbs")));
    env.registerPartial("mlflow_end", env.template(spec("shared/mlflow_end.py.hbs")));
    t = env.template(spec(path));
    compiled.set(path, t);
  }
  return t;
}

const spec = (path: TemplatePath) =>
  TEMPLATE_SPECS[path] as unknown as Parameters<typeof HandlebarsApi.template>[0];
