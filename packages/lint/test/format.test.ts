import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import AjvDraft04 from "ajv-draft-04";
import { describe, expect, it } from "vitest";
import { formatJson, formatSarif, formatText, lintPythonSource, RULES } from "../src/index.js";

const SOURCE = `from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator
with DAG("d", schedule=None):
    a = BashOperator(task_id="a", bash_command="cat /Users/me/x.csv")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a', key='rows') }}")
    a >> b
`;
const findings = lintPythonSource("dags/d.py", SOURCE);

describe("output formats", () => {
  it("SARIF validates against the SARIF 2.1.0 JSON schema (specs/sarif)", () => {
    const schema = JSON.parse(
      readFileSync(
        resolve(import.meta.dirname, "../../../specs/sarif/sarif-schema-2.1.0.json"),
        "utf8",
      ),
    );
    // A CommonJS module: its class is both module.exports and its `default`.
    const Ajv = AjvDraft04.default;
    const ajv = new Ajv({
      allErrors: true,
      strict: false,
      validateFormats: false,
      unicodeRegExp: false,
    });
    const validate = ajv.compile(schema);
    const log = JSON.parse(formatSarif(findings, RULES, { version: "0.1.0" }));
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(log.runs[0].results.length).toBe(findings.length);
    const xcom = log.runs[0].results.find(
      (r: { ruleId: string }) => r.ruleId === "missing-xcom-key",
    );
    expect(xcom.level).toBe("error");
    expect(xcom.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "dags/d.py", uriBaseId: "%SRCROOT%" },
      region: { startLine: 5, startColumn: 57, endLine: 5, endColumn: 95 },
    });
    // An empty log is valid too.
    expect(validate(JSON.parse(formatSarif([], RULES, { version: "0.1.0" })))).toBe(true);
  });

  it("JSON has exactly the stable fields", () => {
    const rows = JSON.parse(formatJson(findings));
    expect(Object.keys(rows[0])).toEqual([
      "ruleId",
      "code",
      "severity",
      "file",
      "line",
      "column",
      "endLine",
      "endColumn",
      "message",
      "fix",
    ]);
  });

  it("text has the place, the rule, the fix and a code frame; color only when asked", () => {
    const sources = new Map([["dags/d.py", SOURCE]]);
    const plain = formatText(findings, { sources });
    expect(plain).toContain(
      "dags/d.py:5:57: error missing-xcom-key (MLG2001): task 'b' reads XCom 'rows' of task 'a'",
    );
    expect(plain).toContain(`> 5 |     b = BashOperator(`);
    expect(plain).toMatch(/\n {2}\s+\| {57}\^{38}\n/);
    expect(plain).not.toContain("\u001b[");
    expect(formatText(findings, { sources, color: true })).toContain("\u001b[31merror");
    expect(formatText([])).toBe("mlgen lint: no problems\n");
  });

  it("a finding that is a diagnostic (its rule is its code) names the code once", () => {
    const [f] = findings;
    if (!f) throw new Error("no finding");
    const text = formatText([
      { ...f, ruleId: "MLG1014", code: "MLG1014", severity: "error", message: "m" },
    ]);
    expect(text).toContain(`dags/d.py:${f.line}:${f.column}: error MLG1014: m\n`);
  });
});
