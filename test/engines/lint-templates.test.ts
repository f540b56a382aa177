/**
 * Real engines: the template files `mlgen lint` reads for a DAG file are the ones real Airflow
 * loads (Airflow 3 and Airflow 2, each from its pinned venv): beside the DAG file first, then
 * the DAG's template_searchpath in order (literal, a module constant, or a folder beside the DAG
 * file written from `__file__`); each item of a list; a `./` prefix; not a name with a
 * trailing space or a file that is nowhere. Airflow's side comes from the DagBag and each task's
 * resolve_template_files (test/python/resolve_templates.py).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lintPythonFile, templateFilesOf } from "../../packages/lint/src/files.js";
import { analyzeDagFile } from "../../packages/lint/src/python/analyze.js";
import { withTemplateFiles } from "../../packages/lint/src/python/templates.js";
import {
  AIRFLOW2_PYTHON,
  airflowEnv,
  ensureEngines,
  PYTHON,
  ROOT,
  runEngine,
  tempDir,
} from "./harness.js";

let work = "";

const DAG = (searchpath: string[]) => `import pendulum

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG
try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG(
    "templates",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1),
    template_searchpath=${JSON.stringify(searchpath)},
):
    load = SQLExecuteQueryOperator(task_id="load", conn_id="wh", sql="sql/load.sql")
    ddl = SQLExecuteQueryOperator(task_id="ddl", conn_id="wh", sql=["sql/create.sql", "./sql/grant.sql"])
    shared = SQLExecuteQueryOperator(task_id="shared", conn_id="wh", sql="shared_query.sql")
    missing = SQLExecuteQueryOperator(task_id="missing", conn_id="wh", sql="sql/nowhere.sql")
    report = BashOperator(task_id="report", bash_command="report.sh")
    common = BashOperator(task_id="common", bash_command="common.sh")
    spaced = BashOperator(task_id="spaced", bash_command="spaced.sh ")
    included = SQLExecuteQueryOperator(task_id="included", conn_id="wh", sql="sql/with_include.sql")
    load >> ddl >> shared >> missing >> report >> common >> spaced >> included
`;

/** A search path written from `__file__` and a module constant, as DAG repositories do. */
const BESIDE = (shared: string) => `import os

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG
try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

SHARED = ${JSON.stringify(shared)}

with DAG(
    "templates_beside",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1),
    template_searchpath=[
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "include", "sql"),
        SHARED,
        os.path.join(os.path.dirname(__file__), "..", "include", "sql"),
    ],
):
    query = SQLExecuteQueryOperator(task_id="query", conn_id="wh", sql="query.sql")
    report = BashOperator(task_id="report", bash_command="report.sh")
    upper = SQLExecuteQueryOperator(task_id="upper", conn_id="wh", sql="upper.sql")
    query >> report >> upper
`;

/** A DAG without a search path: Jinja looks beside the DAG file only. */
const ALONE = `import pendulum

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG
try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG("templates_alone", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
    here = SQLExecuteQueryOperator(task_id="here", conn_id="wh", sql="sql/load.sql")
    gone = SQLExecuteQueryOperator(task_id="gone", conn_id="wh", sql="sql/gone.sql")
    script = BashOperator(task_id="script", bash_command="run_export.sh")
    here >> gone >> script
`;

const FILES: Record<string, string> = {
  "dags/include/sql/query.sql": "SELECT 2;\n",
  // Above the DAG folder (dags/ beside include/), through a ".." in the search path.
  "include/sql/upper.sql": "SELECT 3;\n",
  "dags/sql/load.sql": "SELECT {{ ti.xcom_pull(task_ids='extract', key='batch') }}\n",
  "dags/sql/create.sql": "CREATE TABLE t (x int);\n",
  "dags/sql/grant.sql": "GRANT SELECT ON t TO reader;\n",
  // Included by name through the DAG's loader: from the search path, then beside the DAG
  // (not beside the including file), one missing but ignored.
  "dags/sql/with_include.sql":
    "SELECT 1\n{%- include 'common/filters.sql' with context -%}\n{% include 'gone.sql' ignore missing %}\n",
  "shared/common/filters.sql": 'WHERE x = 1\n{% include "sql/leaf.sql" %}\n',
  "dags/sql/leaf.sql": "AND y = 2\n",
  "dags/common.sh": "echo from the DAG folder\n",
  "dags/spaced.sh": "echo never loaded\n",
  "empty/.keep": "",
  "shared/report.sh": "echo {{ ds }}\n",
  "shared/common.sh": "echo from the search path\n",
  "shared/shared_query.sql": "SELECT 1;\n",
};

/**
 * Template files importing macros from another ({% import %}, {% from %}): `bad_` tasks read
 * the task's context (`ds`) in a macro imported without context, which sees only Jinja's
 * globals; `ok_` ones import with context, pass the value as an argument, or call no macro that
 * reads it.
 */
const IMPORTS_DAG = `import os

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG(
    "template_imports",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1),
    template_searchpath=[os.path.join(os.path.dirname(__file__), "sql")],
    user_defined_macros={"region": "eu"},
):
${["bad_import", "bad_from", "bad_nested", "gone_include", "gone_import", "ok_with_context", "ok_from_with_context", "ok_argument", "ok_from_argument", "ok_not_called", "ok_user_macro", "ok_include_ignore_missing"].map((id) => `    SQLExecuteQueryOperator(task_id="${id}", conn_id="wh", sql="${id}.sql")\n`).join("")}`;

const IMPORT_FILES: Record<string, string> = {
  "common.sql": [
    "{% macro part(col) -%}{{ col }} = '{{ ds }}'{%- endmacro %}",
    "{% macro eq(col, day) -%}{{ col }} = '{{ day }}' AND {{ range(1) | length }} = 1{%- endmacro %}",
    "{% macro both(col) -%}{{ eq(col, 'x') }} OR {{ part(col) }}{%- endmacro %}",
    "{% macro reg() -%}'{{ region }}'{%- endmacro %}",
    "",
  ].join("\n"),
  "bad_import.sql": "{% import 'common.sql' as c %}\nSELECT 1 WHERE {{ c.part('t.ds') }}\n",
  "bad_from.sql": "{% from 'common.sql' import part %}\nSELECT 1 WHERE {{ part('t.ds') }}\n",
  "bad_nested.sql":
    "{% import 'common.sql' as c without context %}\nSELECT 1 WHERE {{ c.both('t.ds') }}\n",
  "ok_with_context.sql":
    "{% import 'common.sql' as c with context %}\nSELECT 1 WHERE {{ c.part('t.ds') }}\n",
  "ok_from_with_context.sql":
    "{% from 'common.sql' import part with context %}\nSELECT 1 WHERE {{ part('t.ds') }}\n",
  "ok_argument.sql": "{% import 'common.sql' as c %}\nSELECT 1 WHERE {{ c.eq('t.ds', ds) }}\n",
  "ok_from_argument.sql":
    "{% from 'common.sql' import eq as e, part %}\nSELECT 1 WHERE {{ e('t.ds', ds) }}\n",
  "ok_not_called.sql": "{% import 'common.sql' as c %}\nSELECT 1\n",
  "ok_user_macro.sql": "{% import 'common.sql' as c %}\nSELECT {{ c.reg() }}\n",
  // A file nowhere Jinja looks: the render fails (TemplateNotFound), but with `ignore missing`.
  "gone_include.sql": "SELECT 1\n{% include 'filters/nowhere.sql' %}\n",
  "gone_import.sql": "{% from 'nowhere_macros.sql' import part %}\nSELECT 1\n",
  "ok_include_ignore_missing.sql": "SELECT 1\n{% include 'filters/nowhere.sql' ignore missing %}\n",
};

/**
 * Renders every task's template fields the way a run does, with the DAG's own Jinja
 * environment (its loader, StrictUndefined, user_defined_macros): resolve_template_files, then
 * render_template_fields with a context holding `ds`. Writes {task_id: rendered sql | error}.
 */
const RENDER = `import json
import sys

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:
    from airflow.models.dagbag import DagBag

bag = DagBag(sys.argv[1])
if bag.import_errors:
    raise SystemExit(f"import errors: {bag.import_errors}")
out = {}
for dag in bag.dags.values():
    for task in dag.tasks:
        task.resolve_template_files()
        try:
            task.render_template_fields({"ds": "2026-01-01", "params": {}})
            out[task.task_id] = task.sql
        except Exception as e:
            out[task.task_id] = f"{type(e).__module__}.{type(e).__name__}: {e}"
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(out, f)
`;

beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-templates");
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(join(work, name, ".."), { recursive: true });
    writeFileSync(join(work, name), text);
  }
  writeFileSync(join(work, "dags/etl.py"), DAG([join(work, "empty"), join(work, "shared")]));
  writeFileSync(join(work, "dags/beside.py"), BESIDE(join(work, "shared")));
  writeFileSync(join(work, "dags/alone.py"), ALONE);
  mkdirSync(join(work, "imports/dags/sql"), { recursive: true });
  writeFileSync(join(work, "imports/dags/imports.py"), IMPORTS_DAG);
  for (const [name, text] of Object.entries(IMPORT_FILES)) {
    writeFileSync(join(work, "imports/dags/sql", name), text);
  }
  writeFileSync(join(work, "imports/render.py"), RENDER);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What mlgen reads: task id → argument → each value, the file's text where it read one. */
function mlgenView(
  name: string,
): Record<string, Record<string, string | string[] | Record<string, string>>> {
  const path = join(work, "dags", name);
  const file = { file: `dags/${name}`, path };
  const dag = withTemplateFiles(analyzeDagFile(readFileSync(path, "utf8")), templateFilesOf(file));
  const out: Record<string, Record<string, string | string[] | Record<string, string>>> = {};
  dag.templateRefs.forEach((ref) => {
    const task = dag.tasks[ref.task];
    if (!task) return;
    const read = dag.templates.find(
      (t) => t.task === ref.task && t.arg === ref.arg && t.name === ref.name,
    );
    const value = read ? read.text : ref.name;
    const fields = out[task.id] ?? {};
    out[task.id] = fields;
    const before = fields[ref.arg];
    const isList = task.kwargs.get(ref.arg)?.name === "ArrayExpression";
    fields[ref.arg] = isList ? [...((before as string[] | undefined) ?? []), value] : value;
  });
  // The files its template files include, by the name the include gives.
  for (const t of dag.templates) {
    const task = dag.tasks[t.task];
    if (!t.included || !task) continue;
    const fields = out[task.id] ?? {};
    out[task.id] = fields;
    fields.__includes__ = {
      ...(fields.__includes__ as Record<string, string> | undefined),
      [t.name]: t.text,
    };
  }
  return out;
}

describe.each([
  { version: 3, python: PYTHON },
  { version: 2, python: AIRFLOW2_PYTHON },
])("template files on real Airflow $version", ({ python }) => {
  it("mlgen lint reads exactly the files Airflow loads, from the same places", () => {
    const out = join(work, `airflow-${python.length}.json`);
    const home = join(work, `home-${python.length}`);
    mkdirSync(home, { recursive: true });
    const r = runEngine(
      python,
      [join(ROOT, "test/python/resolve_templates.py"), join(work, "dags"), out],
      airflowEnv(home, join(work, "dags")),
    );
    expect(r.status, r.output.slice(-3000)).toBe(0);
    const dags = JSON.parse(readFileSync(out, "utf8")) as Record<
      string,
      Record<string, Record<string, string | string[] | Record<string, string | null>>>
    >;
    const airflow = dags.templates ?? {};
    const ours = mlgenView("etl.py");
    // Every argument mlgen takes for a template file reference, as Airflow has it after loading.
    const theirs = Object.fromEntries(
      Object.entries(ours).map(([task, fields]) => [
        task,
        Object.fromEntries(Object.keys(fields).map((f) => [f, airflow[task]?.[f]])),
      ]),
    );
    expect(ours).toEqual(theirs);
    // The cases are what they claim: loaded from each place, and not loaded.
    expect(airflow.load?.sql).toBe(FILES["dags/sql/load.sql"]);
    expect(airflow.ddl?.sql).toEqual([FILES["dags/sql/create.sql"], FILES["dags/sql/grant.sql"]]);
    expect(airflow.shared?.sql).toBe(FILES["shared/shared_query.sql"]);
    expect(airflow.report?.bash_command).toBe(FILES["shared/report.sh"]);
    expect(airflow.common?.bash_command).toBe(FILES["dags/common.sh"]);
    expect(airflow.missing?.sql).toBe("sql/nowhere.sql");
    expect(airflow.included?.__includes__).toEqual({
      "common/filters.sql": FILES["shared/common/filters.sql"],
      "sql/leaf.sql": FILES["dags/sql/leaf.sql"],
    });
    // A trailing space: no file for Airflow, no reference for mlgen.
    expect(airflow.spaced?.bash_command).toBe("spaced.sh ");
    expect(ours.spaced).toBeUndefined();
    // A search path from __file__ and a module constant: read as Airflow reads it.
    const beside = mlgenView("beside.py");
    expect(beside).toEqual({
      query: { sql: dags.templates_beside?.query?.sql },
      report: { bash_command: dags.templates_beside?.report?.bash_command },
      upper: { sql: dags.templates_beside?.upper?.sql },
    });
    // A file that is nowhere Jinja looks: Airflow keeps the name (the render then fails with
    // TemplateNotFound), and mlgen says so, where it knows every place Jinja looks; a search
    // path of the Airflow host's own folders (etl.py) may hold it, and nothing is said.
    expect(dags.templates_alone?.here?.sql).toBe(FILES["dags/sql/load.sql"]);
    expect(dags.templates_alone?.gone?.sql).toBe("sql/gone.sql");
    expect(dags.templates_alone?.script?.bash_command).toBe("run_export.sh");
    const missingIn = (name: string) => {
      const path = join(work, "dags", name);
      const dag = withTemplateFiles(
        analyzeDagFile(readFileSync(path, "utf8")),
        templateFilesOf({ file: `dags/${name}`, path }),
      );
      return dag.missingTemplates.map((m) => `${dag.tasks[m.task]?.id}.${m.arg}: ${m.name}`);
    };
    expect(missingIn("alone.py")).toEqual([
      "gone.sql: sql/gone.sql",
      "script.bash_command: run_export.sh",
    ]);
    expect(airflow.missing?.sql).toBe("sql/nowhere.sql");
    expect(missingIn("etl.py")).toEqual([]);
    expect(beside).toEqual({
      query: { sql: FILES["dags/include/sql/query.sql"] },
      report: { bash_command: FILES["shared/report.sh"] },
      upper: { sql: FILES["include/sql/upper.sql"] },
    });
  });

  it("a macro imported without context that reads the task's context fails the render with UndefinedError, and an include or import of a file that is nowhere with TemplateNotFound, in exactly the tasks mlgen lint reports (template-error)", () => {
    const home = join(work, `imports-home-${python.length}`);
    mkdirSync(home, { recursive: true });
    const dags = join(work, "imports/dags");
    const out = join(work, `imports-${python.length}.json`);
    const r = runEngine(
      python,
      [join(work, "imports/render.py"), dags, out],
      airflowEnv(home, dags),
    );
    expect(r.status, r.output.slice(-3000)).toBe(0);
    const rendered = JSON.parse(readFileSync(out, "utf8")) as Record<string, string>;
    const failed = Object.keys(rendered)
      .filter((id) => rendered[id]?.startsWith("jinja2.exceptions."))
      .sort();
    expect(failed).toEqual(["bad_from", "bad_import", "bad_nested", "gone_import", "gone_include"]);
    for (const id of failed.filter((t) => t.startsWith("bad_"))) {
      expect(rendered[id], id).toBe("jinja2.exceptions.UndefinedError: 'ds' is undefined");
    }
    expect(rendered.gone_include).toMatch(
      /^jinja2\.exceptions\.TemplateNotFound: '?filters\/nowhere\.sql\b/,
    );
    expect(rendered.gone_import).toMatch(
      /^jinja2\.exceptions\.TemplateNotFound: '?nowhere_macros\.sql\b/,
    );
    expect(rendered.ok_include_ignore_missing).toBe("SELECT 1\n");
    // The near misses render: with context, the value passed in, a macro never called, and the
    // DAG's user_defined_macros, which are Jinja globals.
    expect(rendered.ok_with_context).toBe("\nSELECT 1 WHERE t.ds = '2026-01-01'");
    expect(rendered.ok_argument).toBe("\nSELECT 1 WHERE t.ds = '2026-01-01' AND 1 = 1");
    expect(rendered.ok_user_macro).toBe("\nSELECT 'eu'");
    // mlgen reports the read of ds in common.sql, once for each failing task.
    const linted = lintPythonFile(
      { file: "dags/imports.py", path: join(dags, "imports.py") },
      {},
    ).findings.filter((f) => f.ruleId === "template-error");
    expect(linted.map((f) => /of task '([^']+)'/.exec(f.message)?.[1]).sort()).toEqual(failed);
    for (const f of linted) {
      if (f.message.includes("TemplateNotFound")) {
        // At the include or import, in the file that holds it.
        expect(`${f.file}:${f.line}`).toMatch(/^dags\/sql\/gone_(include\.sql:2|import\.sql:1)$/);
        continue;
      }
      expect(`${f.file}:${f.line}:${f.column}`).toBe("dags/sql/common.sql:1:39");
      expect(f.message).toContain("without context");
    }
  });
});
