import { secretName } from "@mlgen/core/light";
import type { DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import {
  authorizationValue,
  mayBeCredential,
  mayHoldSecret,
  secretsIn,
  secretValue,
} from "../secrets.js";

/**
 * The name of the slot a string literal is given to: a keyword argument (`password="..."`), a
 * dict entry (`{"api_key": "..."}`), or an assignment (`TOKEN = "..."`, `self.token = "..."`,
 * `os.environ["MLFLOW_TRACKING_TOKEN"] = "..."`); null for any other place.
 */
function slotName(file: DagFile, node: PyNode): string | null {
  const parent = node.parent;
  const prev = node.prevSibling;
  if (!parent || !prev) return null;
  if (parent.name === "ArgList" && prev.name === "AssignOp") {
    const key = prev.prevSibling;
    return key?.name === "VariableName" ? textOf(file.source, key) : null;
  }
  if (parent.name === "DictionaryExpression" && prev.name === ":") {
    const key = prev.prevSibling;
    return key ? stringValue(file.source, key) : null;
  }
  // `arguments=["--api-key", "..."]`: a command line's option, then its value.
  if (
    (parent.name === "ArrayExpression" || parent.name === "TupleExpression") &&
    prev.name === ","
  ) {
    const option = prev.prevSibling;
    const flag = option ? stringValue(file.source, option) : null;
    return flag && /^--?[A-Za-z][\w-]*$/.test(flag) ? flag : null;
  }
  if (parent.name === "AssignStatement" && prev.name === "AssignOp") {
    let target = prev.prevSibling;
    if (target?.name === "TypeDef") target = target.prevSibling;
    if (!target || target !== parent.firstChild) return null;
    if (target.name === "VariableName") return textOf(file.source, target);
    if (target.name === "MemberExpression") {
      const last = target.lastChild;
      if (last?.name === "PropertyName") return textOf(file.source, last);
      // `os.environ["X_TOKEN"]`, `headers["Authorization"]`
      const key = last?.name === "]" ? last.prevSibling : null;
      return key ? stringValue(file.source, key) : null;
    }
  }
  return null;
}

const HINT =
  "read it when the task runs: from an Airflow connection ({{ conn.<conn_id>.password }}, BaseHook.get_connection), a Variable or secrets backend ({{ var.value.<name> }}), or an environment variable; then rotate it, as the repository's history keeps it";

const TEMPLATE_HINT =
  "read it when the task runs: {{ conn.<conn_id>.password }} or {{ var.value.<name> }} in the template, or an environment variable the workers set; then rotate it, as the repository's history keeps it";

/**
 * A credential written into a DAG file: Airflow shows every DAG file's source in its UI, and the
 * repository's history keeps it after it is removed. Reported by the kind of credential and
 * where it is, never with its value. (In DSL pipelines the compiler refuses the same names and
 * URLs, MLG1011, before any file is written.)
 */
export const hardcodedSecret = defineRule({
  id: "hardcoded-secret",
  code: "MLG2023",
  defaultSeverity: "error",
  description:
    "A password, token or key written into the file: a credential slot given a literal, a URL with a password, or a token whose shape names its issuer (AWS, GitHub, Slack, ...).",
  checkPython(file, report) {
    for (const node of file.allStrings) {
      // Quotes and six characters: no credential any check below takes is shorter.
      if (node.to - node.from < 8) continue;
      const at = () => file.lines.span(node.from, node.to);
      const raw = textOf(file.source, node);
      let value: string | null | undefined;
      // Shapes are looked for in the text as written (an f-string's literal parts too).
      if (mayHoldSecret(raw)) {
        value = stringValue(file.source, node);
        const shaped = secretsIn(value ?? raw);
        for (const s of shaped) report({ what: s.what, where: "the DAG file", hint: HINT }, at());
        if (shaped.length > 0) continue;
      }
      if (!mayBeCredential(raw)) continue;
      const name = slotName(file, node);
      if (name === null) continue;
      const authorization = /^authorization$/i.test(name);
      if (!authorization && !secretName(name)) continue;
      value = value === undefined ? stringValue(file.source, node) : value;
      if (value === null || !secretValue(value, name)) continue;
      if (authorization && !authorizationValue(value)) continue;
      report({ what: `a literal value for '${name}'`, where: "the DAG file", hint: HINT }, at());
    }
    // A template file is its argument's value (`bash_command="scripts/load.sh"`): what it holds
    // reaches the task, and sits in the repository beside the DAG file; comments too.
    const seen = new Set<string>();
    for (const t of file.templates) {
      if (seen.has(t.file)) continue;
      seen.add(t.file);
      for (const s of secretsIn(t.text)) {
        report(
          { what: s.what, where: `the template file ${t.name}`, hint: TEMPLATE_HINT },
          { ...t.lines.span(s.index, s.index + s.length), file: t.file },
        );
      }
    }
  },
});
