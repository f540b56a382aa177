import { describe, expect, it } from "vitest";
import { lintPythonDag } from "../src/lint.js";

// Its own file: tree-sitter-python is not loaded here, so a file the fast parser declines comes
// back syntaxUnchecked.
const SOURCE = `from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG("d", schedule=None):
    BashOperator(task_id="a", bash_command="cat /tmp/x")
`;

describe("a UTF-8 byte order mark", () => {
  it("is skipped: the fast parser reads the file, with the same findings at the same places", () => {
    const plain = lintPythonDag("d.py", SOURCE);
    const marked = lintPythonDag("d.py", `\uFEFF${SOURCE}`);
    expect(marked.syntaxUnchecked).toBe(false);
    expect(marked.findings).toEqual(plain.findings);
    expect(marked.findings.map((f) => f.ruleId)).toContain("hardcoded-path");
  });
});
