import { defineRule } from "../rule.js";

export const syntaxError = defineRule({
  id: "syntax-error",
  code: "MLG2013",
  defaultSeverity: "error",
  description:
    "Python that does not parse: Airflow cannot import the file, so none of its DAGs load",
  checkPython(file, report) {
    if (file.syntaxError) report({ detail: file.syntaxError.detail }, file.syntaxError.span);
  },
});
