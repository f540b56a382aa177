// Template files that task arguments name (`sql="sql/load.sql"`, `bash_command="report.sh"`):
// read as the arguments' values, with findings at the files' own lines.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lintPythonFile } from "../src/files.js";
import { type LintOptions, lintPythonDag, lintPythonSource } from "../src/lint.js";
import type { TemplateFiles } from "../src/python/templates.js";

const OPTIONS: LintOptions = {
  rules: {
    "missing-retries": "off",
    "no-failure-alert": "off",
    "missing-timeout": "off",
    "unused-output": "off",
  },
};

/** A DAG file: extract pushes `batch_id`, then `tasks` (Python source) in the DAG's body. */
const dagFile = (tasks: string, dagArgs = "") => `import pendulum
from airflow.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator


def extract(ti):
    ti.xcom_push(key="batch_id", value=42)


with DAG("etl", schedule="@daily", start_date=pendulum.datetime(2026, 1, 1)${dagArgs}):
    pull = PythonOperator(task_id="extract", python_callable=extract)
${tasks
  .trim()
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
`;

/** Template files in memory, by name; `searched` records each lookup's search path. */
function memory(files: Record<string, string>, searched: string[][] = []): TemplateFiles {
  return {
    find(name, searchpath) {
      const dirs = searchpath.map((e) => (typeof e === "string" ? e : `<dag>/${e.besideDag}`));
      searched.push([name, ...dirs]);
      for (const dir of ["", ...dirs]) {
        const beside = dir.startsWith("<dag>/") ? dir.slice(6) : null;
        const key =
          beside !== null ? `${beside}/${name}`.replace(/^\//, "") : dir ? `${dir}/${name}` : name;
        const text = files[key];
        if (text !== undefined) return { file: dir && beside === null ? key : `dags/${key}`, text };
      }
      return null;
    },
  };
}

const lint = (source: string, files: Record<string, string>, options = OPTIONS) =>
  lintPythonDag("dags/etl.py", source, options, null, memory(files)).findings.map(
    (f) => `${f.file}:${f.line}:${f.column}-${f.endColumn} ${f.ruleId}`,
  );

const LOAD = `SQLExecuteQueryOperator(task_id="load", conn_id="wh", sql="sql/load.sql")`;

describe("template files", () => {
  it("a pull in a .sql file of a key the source never pushes is reported in the .sql file", () => {
    const source = dagFile(`load = ${LOAD}\npull >> load`);
    const sql =
      "SELECT *\nFROM staging\nWHERE batch = {{ ti.xcom_pull(task_ids='extract', key='batch') }}\n";
    expect(lint(source, { "sql/load.sql": sql })).toEqual([
      "dags/sql/load.sql:3:18-63 missing-xcom-key",
    ]);
    // The key it pushes: nothing to report, and the push counts as read (no unused-output).
    const good = sql.replace("key='batch'", "key='batch_id'");
    expect(
      lint(
        source,
        { "sql/load.sql": good },
        { rules: { ...OPTIONS.rules, "unused-output": "info" } },
      ),
    ).toEqual([]);
  });

  it("a pull in a template file from a task that is not upstream is a race, there", () => {
    const source = dagFile(`load = ${LOAD}`);
    const sql = "SELECT {{ ti.xcom_pull(task_ids='extract', key='batch_id') }}\n";
    const found = lintPythonDag(
      "dags/etl.py",
      source,
      OPTIONS,
      null,
      memory({ "sql/load.sql": sql }),
    );
    expect(found.findings.map((f) => [f.file, f.line, f.ruleId, f.message])).toEqual([
      [
        "dags/sql/load.sql",
        1,
        "missing-xcom-key",
        "task 'load' reads XCom 'batch_id' of task 'extract', but 'extract' is not upstream of it, so the value may not exist yet (a race)",
      ],
    ]);
    // The texts of template files with findings come back, for code frames and suppressions.
    expect([...found.templateSources]).toEqual([["dags/sql/load.sql", sql]]);
  });

  it("a credential in a template file is reported there, comments included; values read at run time are not", () => {
    const source = dagFile(
      `load = ${LOAD}\nreport = BashOperator(task_id="report", bash_command="report.sh")\npull >> load >> report`,
    );
    const sh = [
      "#!/usr/bin/env bash",
      "# old: export PGPASSWORD=Rep0rt!pw",
      'PGPASSWORD="${PGPASSWORD}" psql -h db -c "select 1"',
      "curl -H 'Authorization: Bearer 5e8a2c7f1b9d3e6a4c0f' https://api.internal/report",
      "upload --token {{ var.value.report_token }} --key-file /run/secrets/key",
      "",
    ].join("\n");
    const sql =
      "COPY x FROM 's3://bucket/x' CREDENTIALS 'aws_access_key_id=AKIAQWERTYUIOPASDFGH';\n";
    const found = lintPythonDag(
      "dags/etl.py",
      source,
      OPTIONS,
      null,
      memory({ "sql/load.sql": sql, "report.sh": sh }),
    ).findings.filter((f) => f.ruleId === "hardcoded-secret");
    expect(found.map((f) => `${f.file}:${f.line} ${f.message.split(" is written")[0]}`)).toEqual([
      "dags/report.sh:2 a literal value for 'PGPASSWORD'",
      "dags/report.sh:4 a literal Authorization header",
      "dags/sql/load.sql:1 an AWS access key id",
    ]);
    expect(found[0]?.message).toContain("the template file report.sh");
    expect(found.map((f) => f.message).join("\n")).not.toMatch(/Rep0rt|5e8a2c7f|QWERTYUIOP/);
  });

  it("looks in the DAG folder, then the DAG's template_searchpath (a string or a list of strings)", () => {
    const searched: string[][] = [];
    const source = dagFile(
      `load = ${LOAD}\nreport = BashOperator(task_id="report", bash_command="report.sh")\npull >> load >> report`,
      `, template_searchpath=["/opt/airflow/include", "/srv/sql"]`,
    );
    const sh = "echo {{ ti.xcom_pull(task_ids='extract', key='nope') }}\n";
    const files = memory(
      { "/srv/sql/sql/load.sql": "SELECT 1\n", "/opt/airflow/include/report.sh": sh },
      searched,
    );
    const found = lintPythonDag("dags/etl.py", source, OPTIONS, null, files).findings;
    expect(searched).toEqual([
      ["sql/load.sql", "/opt/airflow/include", "/srv/sql"],
      ["report.sh", "/opt/airflow/include", "/srv/sql"],
    ]);
    expect(found.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([
      "/opt/airflow/include/report.sh:1 missing-xcom-key",
    ]);
    const single = dagFile(`load = ${LOAD}`, `, template_searchpath="/srv/sql"`);
    const one: string[][] = [];
    lintPythonDag("dags/etl.py", single, OPTIONS, null, memory({}, one));
    expect(one).toEqual([["sql/load.sql", "/srv/sql"]]);
  });

  it("a template_searchpath written from __file__ or held by a module constant is read", () => {
    const cases: [string, string][] = [
      [`os.path.join(os.path.dirname(__file__), "include", "sql")`, "<dag>/include/sql"],
      [`[os.path.join(os.path.dirname(os.path.abspath(__file__)), "sql")]`, "<dag>/sql"],
      [`os.path.dirname(__file__) + "/sql"`, "<dag>/sql"],
      [`f"{os.path.dirname(os.path.realpath(__file__))}/sql"`, "<dag>/sql"],
      [`str(Path(__file__).parent / "sql")`, "<dag>/sql"],
      [`[str(pathlib.Path(__file__).resolve().parent / "include" / "sql")]`, "<dag>/include/sql"],
      // Above the DAG's folder (dags/ beside include/), and back down.
      [`os.path.join(os.path.dirname(__file__), "..", "include", "sql")`, "<dag>/../include/sql"],
      [`str(Path(__file__).parent / ".." / "sql" / ".." / "include")`, "<dag>/../include"],
      [`SQL_DIR`, "/opt/sql"],
      [`[SQL_DIR, "/srv/sql"]`, "/opt/sql /srv/sql"],
    ];
    for (const [expr, want] of cases) {
      const searched: string[][] = [];
      const source = dagFile(`load = ${LOAD}`, `, template_searchpath=${expr}`).replace(
        "import pendulum",
        'import os\nimport pathlib\nfrom pathlib import Path\n\nimport pendulum\n\nSQL_DIR = "/opt/sql"',
      );
      lintPythonDag("dags/etl.py", source, OPTIONS, null, memory({}, searched));
      expect([expr, searched[0]?.slice(1).join(" ")]).toEqual([expr, want]);
    }
    // What the analysis cannot read: only the DAG's folder is known, and nothing is guessed.
    for (const expr of [
      `get_sql_dir()`,
      `os.path.join(BASE, "sql")`,
      // A part starting with "/" starts over there in Python: not the DAG's folder.
      `os.path.join(os.path.dirname(__file__), "/srv/sql")`,
      `str(Path(__file__).parent / "/srv/sql")`,
    ]) {
      const searched: string[][] = [];
      const source = dagFile(`load = ${LOAD}`, `, template_searchpath=${expr}`);
      lintPythonDag("dags/etl.py", source, OPTIONS, null, memory({}, searched));
      expect([expr, searched[0]?.slice(1)]).toEqual([expr, []]);
    }
  });

  it("reports Airflow 3's removed context variables and hardcoded paths in template files, not in their comments", () => {
    const source = dagFile(
      `load = ${LOAD}\nreport = BashOperator(task_id="report", bash_command="scripts/report.sh")\npull >> load >> report`,
    );
    const sql = [
      "-- exports to /data/old/ until 2025",
      "/* see /home/alice/notes.txt */",
      "{# mlgen once wrote to /tmp/x #}",
      "COPY (SELECT * FROM t WHERE day = '{{ execution_date }}') TO '/data/exports/t.csv';",
      "SELECT '-- /home/not/a/comment';",
      // Patterns compared with, not paths read.
      "SELECT * FROM t WHERE src NOT LIKE '/tmp/%' OR p ILIKE '/home/%' OR q SIMILAR TO '/data/(a|b)%';",
    ].join("\n");
    const sh = [
      "#!/bin/bash",
      "# was /Users/bob/old.py",
      "python /Users/carol/report.py --day {{ ds }}",
      `echo "# /home/quoted/x"`,
    ].join("\n");
    expect(lint(source, { "sql/load.sql": sql, "scripts/report.sh": sh })).toEqual([
      "dags/scripts/report.sh:3:8-30 hardcoded-path",
      "dags/scripts/report.sh:4:9-23 hardcoded-path",
      "dags/sql/load.sql:4:39-53 airflow3-removed",
      "dags/sql/load.sql:4:63-82 hardcoded-path",
      "dags/sql/load.sql:5:12-31 hardcoded-path",
    ]);
  });

  it("a template file the linter cannot read, or one including others, holds back the checks that need every pull", () => {
    const options: LintOptions = { rules: { ...OPTIONS.rules, "unused-output": "info" } };
    const source = dagFile(`load = ${LOAD}\npull >> load`);
    // Not read: no file (a template-error of its own), no reader (lintPythonSource), or a file
    // that includes others (here one found nowhere, a template-error of its own too).
    expect(lint(source, {}, options)).toEqual(["dags/etl.py:14:70-84 template-error"]);
    expect(lintPythonSource("dags/etl.py", source, options)).toEqual([]);
    const including = "{% include 'common/filters.sql' %}\nSELECT 1\n";
    expect(lint(source, { "sql/load.sql": including }, options)).toEqual([
      "dags/sql/load.sql:1:1-35 template-error",
    ]);
    // Read, and nothing pulls batch_id: reported.
    expect(lint(source, { "sql/load.sql": "SELECT 1\n" }, options)).toEqual([
      "dags/etl.py:9:5-43 unused-output",
    ]);
  });

  it("follows {% include 'name' %} through the same loader: pulls and paths in the included file, at its lines", () => {
    const options: LintOptions = { rules: { ...OPTIONS.rules, "unused-output": "info" } };
    // The DAG declares the param a file names its include by (a scheduled run has no other).
    const source = dagFile(`load = ${LOAD}\npull >> load`, ', params={"query_name": "q.sql"}');
    const pull = (key: string) =>
      `AND batch = {{ ti.xcom_pull(task_ids='extract', key='${key}') }}\n`;
    const searched: string[][] = [];
    const found = (files: Record<string, string>) =>
      lintPythonDag("dags/etl.py", source, options, null, memory(files, searched)).findings.map(
        (f) => `${f.file}:${f.line} ${f.ruleId}`,
      );
    // The included file pulls the pushed key: read, so no unused-output; its wrong key and
    // local path are reported in it. Names are the loader's (from the DAG folder), not relative
    // to the including file; `-`/`+` whitespace control and `with context` are read.
    const load = "SELECT 1\n{%- include 'common/filters.sql' with context -%}\n";
    expect(found({ "sql/load.sql": load, "common/filters.sql": pull("batch_id") })).toEqual([]);
    expect(searched.map(([name]) => name)).toEqual(["sql/load.sql", "common/filters.sql"]);
    expect(
      found({
        "sql/load.sql": load,
        "common/filters.sql": `${pull("batch")}{% include "common/paths.sql" %}\n`,
        "common/paths.sql": "COPY t TO '/home/alice/t.csv'\n",
      }),
    ).toEqual([
      "dags/common/filters.sql:1 missing-xcom-key",
      "dags/common/paths.sql:1 hardcoded-path",
      "dags/etl.py:9 unused-output",
    ]);
    // `ignore missing` with no such file includes nothing: the pull elsewhere is all there is.
    const missing = "{% include 'gone.sql' ignore missing %}\nSELECT 1\n";
    expect(found({ "sql/load.sql": missing })).toEqual(["dags/etl.py:9 unused-output"]);
    // Not followed, so unused-output holds back: a name in a variable, a file that is nowhere
    // (a template-error: TemplateNotFound), macros (import) from one, inheritance (extends), a
    // file including itself (Jinja fails on it).
    for (const [text, findings] of [
      ["{% include params.query_name %}\n", []],
      ["{% include 'nowhere.sql' %}\n", ["dags/sql/load.sql:1 template-error"]],
      ["{% import 'macros.sql' as m %}\n", ["dags/sql/load.sql:1 template-error"]],
      ["{% extends 'base.sql' %}\n", []],
    ] as const) {
      expect([text, found({ "sql/load.sql": text })]).toEqual([text, findings]);
    }
    const self = "{% include 'sql/load.sql' %}\n";
    searched.length = 0;
    expect(found({ "sql/load.sql": self })).toEqual([]);
    expect(searched.map(([name]) => name)).toEqual(["sql/load.sql", "sql/load.sql"]);
  });

  it("reads each file of a list (sql=[...]); a .hql file only for a Hive operator", () => {
    const searched: string[][] = [];
    const source = dagFile(
      `ddl = SQLExecuteQueryOperator(task_id="ddl", conn_id="wh", sql=["sql/a.sql", "sql/b.sql"])\nh = SQLExecuteQueryOperator(task_id="h", conn_id="wh", sql="q.hql")\nhive = HiveOperator(task_id="hive", hql="q.hql")\npull >> ddl >> h >> hive`,
    );
    const pull = (key: string) => `SELECT {{ ti.xcom_pull(task_ids='extract', key='${key}') }}\n`;
    const files = memory(
      { "sql/a.sql": pull("a"), "sql/b.sql": pull("b"), "q.hql": pull("h") },
      searched,
    );
    const found = lintPythonDag("dags/etl.py", source, OPTIONS, null, files).findings;
    expect(searched.map(([name]) => name)).toEqual(["sql/a.sql", "sql/b.sql", "q.hql"]);
    expect(found.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([
      "dags/q.hql:1 missing-xcom-key",
      "dags/sql/a.sql:1 missing-xcom-key",
      "dags/sql/b.sql:1 missing-xcom-key",
    ]);
  });

  it("reads no file for a Python task's argument, nor a .sh given to an argument Airflow does not load as a script", () => {
    const searched: string[][] = [];
    const source = dagFile(
      `q = PythonOperator(task_id="q", python_callable=extract, op_kwargs={}, sql="sql/load.sql")\nb = BashOperator(task_id="b", bash_command="echo hi", env={"X": "y"}, cwd="run.sh")`,
    );
    lintPythonDag("dags/etl.py", source, OPTIONS, null, memory({}, searched));
    expect(searched).toEqual([]);
  });

  it("suppression comments in a template file: SQL's, the shell's and Jinja's, on the line or alone above it", () => {
    const source = dagFile(`load = ${LOAD}\npull >> load`);
    const sql = [
      "SELECT {{ ti.xcom_pull(task_ids='extract', key='a') }} -- mlgen: disable=missing-xcom-key",
      "{# mlgen: disable=MLG2001 (read by a backfill) #}",
      "SELECT {{ ti.xcom_pull(task_ids='extract', key='b') }}",
      "SELECT {{ ti.xcom_pull(task_ids='extract', key='c') }} /* mlgen: disable=hardcoded-path */",
      "SELECT {{ ti.xcom_pull(task_ids='extract', key='d') }}",
    ].join("\n");
    expect(lint(source, { "sql/load.sql": sql })).toEqual([
      "dags/sql/load.sql:4:11-52 missing-xcom-key",
      "dags/sql/load.sql:5:11-52 missing-xcom-key",
    ]);
  });
});

describe("templates imported by a template file ({% import %}, {% from %})", () => {
  const source = dagFile(`load = ${LOAD}\npull >> load`, `, template_searchpath="/srv/sql"`);
  const COMMON = [
    "{% macro part(col) -%}{{ col }} = '{{ ds }}'{%- endmacro %}",
    "{% macro eq(col, day) -%}{{ col }} = '{{ day }}' AND {{ range(1) | length }}{%- endmacro %}",
    "{% macro both(col) -%}{{ eq(col, 1) }} OR {{ part(col) }}{%- endmacro %}",
    "{% macro reg() -%}'{{ region }}'{%- endmacro %}",
  ].join("\n");
  const errors = (merge: string, src = source, common = COMMON) =>
    lintPythonDag(
      "dags/etl.py",
      src,
      OPTIONS,
      null,
      memory({ "/srv/sql/sql/load.sql": merge, "/srv/sql/common.sql": common }),
    ).findings.filter((f) => f.ruleId === "template-error");
  const where = (merge: string, src = source, common = COMMON) =>
    errors(merge, src, common).map((f) => `${f.file}:${f.line}:${f.column}-${f.endColumn}`);

  it("a name of the task's context read in a macro imported without context is an UndefinedError, reported in the imported file", () => {
    const merge = "{% import 'common.sql' as c %}\nSELECT 1 WHERE {{ c.part('t.ds') }}\n";
    const found = errors(merge);
    expect(found.map((f) => `${f.file}:${f.line}:${f.column}-${f.endColumn}`)).toEqual([
      "/srv/sql/common.sql:1:39-41",
    ]);
    expect(found[0]?.message).toContain(
      "/srv/sql/sql/load.sql imports common.sql without context ({% import 'common.sql' as c %})",
    );
    expect(found[0]?.message).toContain("Jinja raises UndefinedError ('ds' is undefined)");
    expect(found[0]?.fix).toContain(
      "add 'with context' to the import ({% import 'common.sql' as c with context %}), or pass ds to the macro as an argument",
    );
    // Through {% from %}, with an alias, `without context` written out, or a macro calling it.
    for (const text of [
      "{% from 'common.sql' import part %}\n{{ part('t.ds') }}",
      "{% from 'common.sql' import eq, part as p %}\n{{ p('t.ds') }}",
      "{%- import 'common.sql' as c without context -%}\n{{ c.part('t.ds') }}",
      "{% import 'common.sql' as c %}\n{{ c.both('t.ds') }}",
    ]) {
      expect([text, where(text)]).toEqual([text, ["/srv/sql/common.sql:1:39-41"]]);
    }
    expect(
      errors("{% from 'common.sql' import part without context %}{{ part(1) }}")[0]?.fix,
    ).toContain("{% from 'common.sql' import part with context %}");
  });

  it("near misses: with context, the value as a macro argument, macros that are not called, names the import binds", () => {
    for (const text of [
      // The task's context reaches the imported file.
      "{% import 'common.sql' as c with context %}\n{{ c.part('t.ds') }}",
      "{% from 'common.sql' import part with context %}\n{{ part('t.ds') }}",
      // The macro reads its parameters and Jinja's globals (range) only.
      "{% import 'common.sql' as c %}\n{{ c.eq('t.ds', ds) }}",
      "{% from 'common.sql' import eq as e %}\n{{ e('t.ds', ds) }}",
      // part reads ds, but nothing calls it: its body never runs.
      "{% import 'common.sql' as c %}\nSELECT 1",
      "{% from 'common.sql' import part, eq %}\n{{ eq('t.ds', ds) }}",
      // Which macros run is not known: only what runs on import (its top level) is judged.
      "{% import 'common.sql' as c %}\n{{ c }}",
    ]) {
      expect([text, where(text)]).toEqual([text, []]);
    }
    // A top-level set of a context name: assigning an undefined value fails nothing (only a use).
    const setting = `{% set day = ds %}${COMMON}`;
    expect(
      where("{% import 'common.sql' as c %}\n{{ c.eq('t.ds', ds) }}", source, setting),
    ).toEqual([]);
    // The importing file's own names are judged, with the names its imports bind.
    expect(where("{% import 'common.sql' as c %}\n{{ c.eq('t.ds', dss) }}")).toEqual([
      "/srv/sql/sql/load.sql:2:17-20",
    ]);
  });

  it("the context's names in a file imported with context are judged as in an included file", () => {
    const merge = "{% import 'common.sql' as c with context %}\n{{ c.part('t.ds') }}";
    const common = "{% macro part(col) -%}{{ col }} = '{{ dss }}'{%- endmacro %}";
    expect(where(merge, source, common)).toEqual(["/srv/sql/common.sql:1:39-42"]);
  });

  it("the DAG's user_defined_macros are Jinja globals, which an imported file sees", () => {
    const merge = "{% import 'common.sql' as c %}\nSELECT {{ c.reg() }}";
    const withMacros = (macros: string) =>
      dagFile(
        `load = ${LOAD}\npull >> load`,
        `, template_searchpath="/srv/sql", user_defined_macros=${macros}`,
      );
    expect(where(merge, withMacros(`{"region": "eu"}`))).toEqual([]);
    expect(where(merge, withMacros(`{"zone": "eu"}`))).toEqual(["/srv/sql/common.sql:4:23-29"]);
    // Macros the analysis cannot read: nothing is judged.
    expect(where(merge, withMacros("get_macros()"))).toEqual([]);
    expect(where(merge)).toEqual(["/srv/sql/common.sql:4:23-29"]);
  });
});

describe("template files on disk (lintPythonFile)", () => {
  let root = "";
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "mlgen-templates-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("are found beside the DAG file and through an absolute template_searchpath, named from where the DAG file is named", () => {
    mkdirSync(join(root, "dags/sql"), { recursive: true });
    mkdirSync(join(root, "shared"), { recursive: true });
    const source = dagFile(
      `load = ${LOAD}\nreport = BashOperator(task_id="report", bash_command="report.sh")\npull >> load >> report`,
      `, template_searchpath=[${JSON.stringify(join(root, "shared"))}]`,
    );
    writeFileSync(join(root, "dags/etl.py"), source);
    writeFileSync(
      join(root, "dags/sql/load.sql"),
      "SELECT {{ ti.xcom_pull(task_ids='extract', key='x') }}\n",
    );
    writeFileSync(join(root, "shared/report.sh"), "cat /home/dave/out.csv\n");
    const r = lintPythonFile({ file: "dags/etl.py", path: join(root, "dags/etl.py") }, OPTIONS);
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([
      "dags/sql/load.sql:1 missing-xcom-key",
      "shared/report.sh:1 hardcoded-path",
    ]);
    // No finding in the DAG file itself: its text is not kept; the templates' are.
    expect(r.source).toBeNull();
    expect([...(r.templateSources?.keys() ?? [])].sort()).toEqual([
      "dags/sql/load.sql",
      "shared/report.sh",
    ]);
  });
});

describe("a template file that is nowhere Jinja looks", () => {
  it("is a template-error naming the file and how to run a script instead, when every place is known", () => {
    const source = dagFile(
      `load = ${LOAD}\nrun = BashOperator(task_id="run", bash_command="run_export.sh")\npull >> load >> run`,
    );
    const found = lintPythonDag("dags/etl.py", source, OPTIONS, null, memory({})).findings.filter(
      (f) => f.ruleId === "template-error",
    );
    expect(found.map((f) => `${f.line}:${f.column} ${f.message.split(": Airflow")[0]}`)).toEqual([
      "14:70 the template file 'sql/load.sql' in sql of task 'load'",
      "15:52 the template file 'run_export.sh' in bash_command of task 'run'",
    ]);
    expect(found[0]?.message).toContain(
      "Jinja finds no such file beside the DAG file or in its template_searchpath (TemplateNotFound)",
    );
    expect(found[1]?.fix).toContain('end the command with a space, bash_command="run_export.sh "');
    // Found: nothing to say.
    expect(lint(source, { "sql/load.sql": "SELECT 1", "run_export.sh": "echo" })).toEqual([]);
    // A search path of the Airflow host's own folders may hold it: nothing said.
    const hosted = dagFile(
      `load = ${LOAD}\npull >> load`,
      `, template_searchpath=["/opt/airflow/include"]`,
    );
    expect(
      lintPythonDag("dags/etl.py", hosted, OPTIONS, null, memory({})).findings.filter(
        (f) => f.ruleId === "template-error",
      ),
    ).toEqual([]);
  });

  it("an include or import of a file that is nowhere fails the render: said at the statement, in the file holding it", () => {
    const source = dagFile(`load = ${LOAD}\npull >> load`);
    const found = lintPythonDag(
      "dags/etl.py",
      source,
      OPTIONS,
      null,
      memory({
        "sql/load.sql":
          "{% from 'macros/dates.sql' import day %}\nSELECT 1\n{% include 'filters.sql' %}\n{% include 'maybe.sql' ignore missing %}\n",
      }),
    ).findings.filter((f) => f.ruleId === "template-error");
    expect(found.map((f) => `${f.file}:${f.line}:${f.column} ${f.message} | ${f.fix}`)).toEqual([
      "dags/sql/load.sql:1:1 {% from 'macros/dates.sql' import day %} in sql (dags/sql/load.sql) of task 'load': Airflow renders it with Jinja when the task runs, and Jinja finds no 'macros/dates.sql' beside the DAG file or in its template_searchpath (TemplateNotFound), so the task fails every run | put 'macros/dates.sql' beside the DAG file or in a template_searchpath folder",
      "dags/sql/load.sql:3:1 {% include 'filters.sql' %} in sql (dags/sql/load.sql) of task 'load': Airflow renders it with Jinja when the task runs, and Jinja finds no 'filters.sql' beside the DAG file or in its template_searchpath (TemplateNotFound), so the task fails every run | put 'filters.sql' beside the DAG file or in a template_searchpath folder, or write {% include 'filters.sql' ignore missing %} if it may be absent",
    ]);
  });
});
