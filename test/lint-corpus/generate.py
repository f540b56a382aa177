"""Writes manifest.json, the labels of the lint corpus, from the marks in dags/*.py.

The corpus is a set of hand-written Airflow DAG files (Airflow 2 and 3 styles, TaskFlow and
classic operators, task groups, mapping, loops) modelled on ETL, feature, training, scoring,
promotion, data-quality and monitoring pipelines. Some carry seeded defects; the others are
clean. Every finding a correct linter must report is marked on its line with a trailing
`# expect: rule-id[, rule-id]` comment, so a reviewer sees the label beside the code. The marks
are plain comments: the linter does not read them (suppression comments start with `# mlgen:`).

A label is the line a finding starts on: the first line of the operator or TaskFlow call for
task findings, the `DAG(` or `@dag(` line for DAG findings, the pull, push, import or string
itself for the others. Labels are complete for every rule the corpus test scores
(packages/lint/test/corpus.test.ts): a finding without a mark is a false positive.

A DAG written for Airflow 2 says so on a line of its own, `# corpus: airflow 2`: the corpus test
lints it for Airflow 2 (`airflow: { version: 2 }`), where the rules that depend on the version
(implicit-catchup) report what they report there. The manifest lists those files under
`airflow2`.

This script also checks that each mark names a known rule, and that every file is valid Python
but those marked syntax-error, where CPython's own error must be on the marked line.
Run it after editing a DAG: python3 test/lint-corpus/generate.py
"""

import ast
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
DAGS = HERE / "dags"
RULES_DIR = HERE.parent.parent / "packages" / "lint" / "src" / "rules"
MARK = re.compile(r"(?:#|--)\s*expect:\s*([\w\-, ]+?)\s*$")
AIRFLOW2 = re.compile(r"^# corpus: airflow 2$", re.MULTILINE)
# Template files the DAGs name (sql="sql/merge_orders.sql", bash_command="scripts/x.sh"): their
# findings are labeled in them, `-- expect: rule` in SQL, `# expect: rule` in shell scripts.
TEMPLATES = ("*.sql", "*.sh")


def known_rules() -> set[str]:
    """Rule ids as the rule files define them (`id: "missing-xcom-key"`)."""
    ids = set()
    for path in RULES_DIR.glob("*.ts"):
        ids.update(re.findall(r'^\s*id:\s*"([a-z0-9-]+)"', path.read_text(), re.MULTILINE))
    return ids


def labels(path: Path, rules: set[str]) -> list[dict]:
    text = path.read_text()
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = MARK.search(line)
        if not m:
            continue
        for rule in (r.strip() for r in m.group(1).split(",")):
            if rule not in rules:
                raise SystemExit(f"{path.name}:{number}: unknown rule '{rule}' in an expect mark")
            out.append({"rule": rule, "line": number})
    if path.suffix == ".py":
        check_syntax(path, text, [e["line"] for e in out if e["rule"] == "syntax-error"])
    return sorted(out, key=lambda e: (e["line"], e["rule"]))


def check_syntax(path: Path, text: str, marked: list[int]) -> None:
    """Valid Python, or, for a file marked syntax-error, an error on the marked line (CPython's)."""
    try:
        ast.parse(text, filename=str(path))
    except SyntaxError as e:
        if marked != [e.lineno]:
            raise SystemExit(f"{path.name}:{e.lineno}: {e.msg} (marked: {marked or 'none'})") from e
        return
    if marked:
        raise SystemExit(f"{path.name}: marked syntax-error, but Python parses it")


def main() -> None:
    rules = known_rules()
    if not rules:
        raise SystemExit(f"no rule ids found under {RULES_DIR}")
    manifest = {path.name: labels(path, rules) for path in sorted(DAGS.glob("*.py"))}
    for pattern in TEMPLATES:
        for path in sorted(DAGS.rglob(pattern)):
            manifest[path.relative_to(DAGS).as_posix()] = labels(path, rules)
    airflow2 = [path.name for path in sorted(DAGS.glob("*.py")) if AIRFLOW2.search(path.read_text())]
    out = {"files": manifest, "airflow2": airflow2}
    (HERE / "manifest.json").write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    seeded = sum(len(v) for v in manifest.values())
    clean = sum(1 for v in manifest.values() if not v)
    dags = sum(1 for name in manifest if name.endswith(".py"))
    print(
        f"{dags} DAG files ({len(airflow2)} for Airflow 2) and {len(manifest) - dags} template files ({clean} clean), {seeded} labeled findings",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
