import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { PyCode, pyString } from "./escape/python.js";

export const TEMPLATES_DIR = new URL("../../../templates/", import.meta.url);

/**
 * Templates may only insert `PyCode` (built by the escaper) through `code`; a bare
 * `{{name}}` would be raw text and is rejected by the template lint test.
 */
export const TEMPLATE_HELPERS = ["code", "pykey"] as const;

export function createEnv(): typeof Handlebars {
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

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** A template under templates/, compiled once, with the escaping helpers and the shared partials. */
export function template(path: string): Handlebars.TemplateDelegate {
  let t = compiled.get(path);
  if (!t) {
    const env = createEnv();
    env.registerPartial(
      "validate_table",
      readFileSync(new URL("shared/validate_table.py.hbs", TEMPLATES_DIR), "utf8"),
    );
    t = env.compile(readFileSync(new URL(path, TEMPLATES_DIR), "utf8"), {
      strict: true,
      noEscape: false,
      // Only the escaping helpers and the built-in block helpers, called directly; no @data.
      knownHelpers: { code: true, pykey: true },
      knownHelpersOnly: true,
      data: false,
    });
    compiled.set(path, t);
  }
  return t;
}
