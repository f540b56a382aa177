import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintTargets } from "../src/lint-files.js";
import { CONFIG, pipelineSource, project, TASKS } from "./project.js";

const RACY_DAG = `from datetime import timedelta
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG("racy", schedule=None, default_args={"retries": 1, "execution_timeout": timedelta(hours=1), "on_failure_callback": print}):
    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a') }}")
`;
// Each DAG an id of its own: two files of a folder with one id are duplicate-dag-id's finding.
const WARNED_DAG = RACY_DAG.replace('DAG("racy"', 'DAG("warned"')
  .replace("    a = ", "    a >> b\n    a = ")
  .replace('"echo 1"', '"cat /tmp/in.csv"')
  .replace("    a >> b\n", "")
  .concat("    a >> b\n");
const CLEAN_DAG = RACY_DAG.replace('DAG("racy"', 'DAG("clean"').concat("    a >> b\n");

const CONFIG_WITH = (rules: string) => `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], lint: { rules: ${rules} } });
`;

describe("mlgen lint", () => {
  it("says nothing about the XCom keys mlgen's generated DAGs push for themselves", async () => {
    const p = project({
      "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], out: "dags" });
`,
      "tasks/steps.py": `def make():
    return {"items": [1, 2], "ok": True}
`,
      // Outputs read by a shell task's environment only (as Jinja in a templated field).
      "pipelines/demo.pipeline.ts":
        pipelineSource(`  const v = p.python("make", { fn: "tasks/steps.py:make", outputs: { items: "list", ok: "bool" } });
  p.bash("show", { command: "echo $ITEMS $OK", env: { ITEMS: v.out.items, OK: v.out.ok } });`),
    });
    expect((await p.mlgen("compile")).code).toBe(0);
    const { stdout } = await p.mlgen("lint", "dags", "--format", "json");
    const xcom = JSON.parse(stdout).filter((f: { ruleId: string }) =>
      ["unused-output", "missing-xcom-key"].includes(f.ruleId),
    );
    expect(xcom).toEqual([]);
  });

  it("reports a pipeline's findings once: at the pipeline, not again at the DAG file compiled from it", async () => {
    const p = project({
      "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], out: "dags" });
`,
      "tasks/steps.py": "def train():\n    return {}\n",
      "pipelines/demo.pipeline.ts": pipelineSource(
        `  p.python("train_model", { fn: "tasks/steps.py:train" });`,
      ),
    });
    expect((await p.mlgen("compile")).code).toBe(0);
    const files = async (...argv: string[]) =>
      [
        ...new Set(
          JSON.parse((await p.mlgen("lint", ...argv, "--format", "json")).stdout).map(
            (f: { file: string }) => f.file,
          ),
        ),
      ].sort();
    expect(await files(".")).toEqual(["pipelines/demo.pipeline.ts"]);
    // Without its pipeline in the run, the generated file is linted as any DAG file.
    expect(await files("dags")).toEqual(["dags/demo.py"]);
  });

  it("lints a folder of DAG files: exit 1 on an error, with place, rule and a code frame", async () => {
    const p = project({ "dags/racy.py": RACY_DAG, "dags/clean.py": CLEAN_DAG });
    const { code, stdout } = await p.mlgen("lint", "dags");
    expect(code).toBe(1);
    expect(stdout).toContain(
      "dags/racy.py:7:57: error missing-xcom-key (MLG2001): task 'b' reads XCom 'return_value' of task 'a', but 'a' is not upstream of it",
    );
    expect(stdout).toContain("> 7 |");
    expect(stdout).not.toContain("dags/clean.py");
    expect(stdout).not.toContain("\u001b[");
  });

  it("judges the DAG ids triggers name against a folder given (missing-dag), not against files given alone (the pre-commit hook's), a part of a larger DAG folder, or one holding DAG files it does not lint", async () => {
    const trigger = CLEAN_DAG.replace('DAG("clean"', 'DAG("retrain"')
      .replace(
        "from airflow.providers.standard.operators.bash import BashOperator",
        "from airflow.providers.standard.operators.bash import BashOperator\nfrom airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator",
      )
      .concat(`    b >> TriggerDagRunOperator(task_id="deploy", trigger_dag_id="deploy_modle")\n`);
    const deploy = CLEAN_DAG.replace('DAG("clean"', 'DAG("deploy_model"');
    const said = (r: { stdout: string }) =>
      r.stdout.split("\n").filter((l) => l.includes("missing-dag (MLG2036)"));
    // Each project its own repository: what lies above it is no part of it.
    const repo = (files: Record<string, string>) =>
      project({ ".git/HEAD": "ref: main\n", ...files });
    const p = repo({ "dags/retrain.py": trigger, "dags/deploy.py": deploy });
    const folder = await p.mlgen("lint", "dags");
    expect(folder.code).toBe(0);
    expect(said(folder)).toEqual([
      "dags/retrain.py:10:65: warning missing-dag (MLG2036): task 'deploy' triggers DAG 'deploy_modle', which no linted file defines: Airflow fails the trigger, and each retry of it, on every run (Airflow 3: \"Dag with dag_id: '...' not found\"; Airflow 2: DagNotFound)",
    ]);
    expect(folder.stdout).toContain("fix: name 'deploy_model', the DAG id closest to it");
    expect(said(await p.mlgen("lint", "dags/retrain.py", "dags/deploy.py"))).toEqual([]);
    // A team's folder of a larger DAG folder: named dags, or beside another folder of DAGs.
    for (const [top, ml] of [
      ["dags", "dags/ml"],
      ["airflow", "airflow/ml"],
    ] as const) {
      const part = repo({
        [`${ml}/retrain.py`]: trigger.replace('"deploy_modle"', '"deploy_model_v2"'),
        [`${ml}/deploy.py`]: deploy.replace('"deploy_model"', '"deploy_model_v1"'),
        [`${top}/platform/deploy.py`]: deploy.replace('"deploy_model"', '"deploy_model_v2"'),
      });
      const partRun = await part.mlgen("lint", ml);
      expect(said(partRun), ml).toEqual([]);
      // Not judged, and said so, with the folder that makes it look partial.
      expect(partRun.stderr).toContain(
        `mlgen lint: missing-dag (the DAG ids triggers and sensors name) not judged: ${ml} looks like a part of a larger DAG folder: ${top === "dags" ? "dags above it is named dags" : "airflow/platform beside it holds DAG files"}; lint the whole DAG folder to judge them`,
      );
      expect(said(await part.mlgen("lint", top)), top).toEqual([]);
      if (top === "airflow") {
        // Both folders given: linted together, the one beside the other is no sign of a part.
        const both = await part.mlgen("lint", ml, "airflow/platform");
        expect(said(both)).toEqual([]);
        expect(both.stderr).not.toContain("not judged");
      }
    }
    // A project's tests beside its DAG folder (a DagBag integrity test) make no DAG folder.
    const monorepo = repo({
      "airflow/dags/retrain.py": trigger,
      "airflow/dags/deploy.py": deploy,
      "airflow/tests/test_dag_integrity.py":
        "from airflow.models.dagbag import DagBag\n\ndef test_dags():\n    assert not DagBag('dags').import_errors\n",
    });
    const whole = await monorepo.mlgen("lint", "airflow/dags");
    expect(said(whole).map((l) => l.split(":")[0])).toEqual(["airflow/dags/retrain.py"]);
    expect(whole.stderr).not.toContain("not judged");
    // A file of the folder hides its DAG ids (a project factory): not judged, and said so.
    const factory = repo({
      "dags/retrain.py": trigger,
      "dags/deploy.py": deploy,
      "dags/made.py":
        "# An Airflow DAG file: its DAG is made by the project's factory.\nfrom company.dags import create_dag\n\ncreate_dag('deploy_modle')\n",
    });
    const hidden = await factory.mlgen("lint", "dags");
    expect(said(hidden)).toEqual([]);
    expect(hidden.stderr).toContain(
      "missing-dag (the DAG ids triggers and sensors name) not judged: dags/made.py may define DAGs whose ids it does not show",
    );
    // DAG files Airflow reads there that mlgen does not lint: a zip archive, a hidden folder.
    for (const [name, text] of [
      ["dags/packaged.zip", "PK"],
      ["dags/.shared/deploy_v2.py", deploy],
    ] as const) {
      const other = repo({ "dags/retrain.py": trigger, "dags/deploy.py": deploy, [name]: text });
      expect(said(await other.mlgen("lint", "dags")), name).toEqual([]);
    }
  });

  it("reads default_args imported from a module of the project; says which it cannot read, and why", async () => {
    const shared = `import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from common.defaults import DEFAULT_ARGS

with DAG("shared", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=DEFAULT_ARGS):
    BashOperator(task_id="a", bash_command="echo 1")
`;
    const p = project({
      ".git/HEAD": "ref: main\n",
      "dags/.airflowignore": "common/\n",
      "dags/common/__init__.py": "",
      "dags/common/defaults.py": 'DEFAULT_ARGS = {"owner": "data", "retires": 2}\n',
      "dags/shared.py": shared,
      // A package installed apart from the project (not in the DAG folder): not read.
      "dags/vendored.py": shared
        .replace("from common.defaults", "from company.defaults")
        .replace('DAG("shared"', 'DAG("vendored"'),
      // Airflow's own names and the file's own dict are read: nothing to say for them.
      "dags/inline.py": shared
        .replace("from common.defaults import DEFAULT_ARGS\n", 'DEFAULT_ARGS = {"owner": "data"}\n')
        .replace('DAG("shared"', 'DAG("inline"'),
    });
    const r = await p.mlgen("lint", "dags");
    // The module's dict is read: its misspelt key at the DAG line that names it, and the
    // retries it lacks at the task.
    expect(r.stdout).toMatch(
      /dags\/shared\.py:7:\d+: warning unknown-default-arg \(MLG2021\): default_args key 'retires' of DAG 'shared'[^\n]*\(at dags\/common\/defaults\.py:1, through DEFAULT_ARGS from common\.defaults\)/,
    );
    expect(r.stdout).toMatch(/dags\/shared\.py:8:\d+: warning missing-retries/);
    expect(r.stderr).toContain(
      "mlgen lint: default_args imported from a module of the project that lint cannot read; for those DAGs' tasks, what depends on them is not judged (missing-retries, missing-timeout, no-failure-alert, sensor-poke-mode, unknown-default-arg, trigger-conf):",
    );
    expect(r.stderr).toContain(
      "  dags/vendored.py:7: DEFAULT_ARGS from company.defaults, for DAG 'vendored': lint finds no company/defaults.py",
    );
    expect(r.stderr).not.toContain("shared.py");
    expect(r.stderr).not.toContain("inline.py");
    // The inline file's task is judged (no retries): the note is no blanket silence.
    expect(r.stdout).toContain("dags/inline.py");
  });

  it("reads the template files tasks name (sql='sql/load.sql'): findings at their lines, with code frames and their own comments", async () => {
    const dag = CLEAN_DAG.replace(
      "from airflow.providers.standard.operators.bash import BashOperator",
      "from airflow.providers.standard.operators.bash import BashOperator\nfrom airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator",
    ).concat(
      `    load = SQLExecuteQueryOperator(task_id="load", conn_id="wh", sql="sql/load.sql")\n    b >> load\n`,
    );
    const sql = [
      "-- one batch",
      "SELECT * FROM t WHERE batch = {{ ti.xcom_pull(task_ids='a', key='batch') }}",
      "  AND day = '{{ ds }}';  -- mlgen: disable=hardcoded-paths",
    ].join("\n");
    const p = project({ "dags/etl.py": dag, "dags/sql/load.sql": sql });
    const { code, stdout, stderr } = await p.mlgen("lint", "dags");
    expect(code).toBe(1);
    expect(stdout).toContain(
      "dags/sql/load.sql:2:34: error missing-xcom-key (MLG2001): task 'load' reads XCom 'batch' of task 'a', which 'a' never pushes (it pushes: return_value)",
    );
    expect(stdout).toContain(
      "> 2 | SELECT * FROM t WHERE batch = {{ ti.xcom_pull(task_ids='a', key='batch') }}",
    );
    // A suppression in the template file naming no rule is said, as in a DAG file.
    expect(stderr).toContain(
      "dags/sql/load.sql:3: 'hardcoded-paths' in an mlgen suppression comment names no rule",
    );
  });

  it("lints a template file given alone (pre-commit after a .sql-only change) through the DAG files that read it", async () => {
    const dag = CLEAN_DAG.replace(
      "from airflow.providers.standard.operators.bash import BashOperator",
      "from airflow.providers.standard.operators.bash import BashOperator\nfrom airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator",
    )
      // The DAG's own finding (a local path), which a run given only the .sql leaves out.
      .replace('"echo 1"', '"cat /home/alice/in.csv"')
      .concat(
        `    load = SQLExecuteQueryOperator(task_id="load", conn_id="wh", sql="load.sql")\n    b >> load\n`,
      );
    const sql = "SELECT * FROM t WHERE batch = {{ ti.xcom_pull(task_ids='a', key='batch') }}\n";
    const p = project({
      // The repository's root: where the DAG files that read it are looked for.
      ".git/HEAD": "ref: refs/heads/main\n",
      "dags/etl.py": dag
        .replace(
          'with DAG("clean", schedule=None,',
          'with DAG("clean", schedule=None, template_searchpath=SQL,',
        )
        .replace(
          "from datetime import timedelta",
          'import os\nfrom datetime import timedelta\n\nSQL = [os.path.join(os.path.dirname(__file__), "..", "include", "sql")]',
        ),
      // .airflowignore keeps Airflow from parsing DAG files in the sql folder, not from
      // reading templates there; an ignored DAG file that names it reads nothing.
      "include/sql/load.sql": sql,
      "include/sql/unread.sql": "SELECT 1;\n",
      "dags/.airflowignore": "ignored/\n",
      "dags/ignored/old.py": dag.replace('"racy"', '"old"'),
      // Names it in a comment only: no task reads it.
      "dags/notes.py": `${CLEAN_DAG}# see unread.sql\n`,
    });
    const run = await p.mlgen("lint", "include/sql/load.sql", "--format", "json");
    const found = JSON.parse(run.stdout) as { file: string; ruleId: string; line: number }[];
    expect(found.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([
      "include/sql/load.sql:1 missing-xcom-key",
    ]);
    expect(run.code).toBe(1);
    // Given with the DAG file, the DAG's own findings come too, the template's once.
    const both = await p.mlgen("lint", "include/sql/load.sql", "dags/etl.py", "--format", "json");
    const files = (JSON.parse(both.stdout) as { file: string }[]).map((f) => f.file);
    expect(files.filter((f) => f === "include/sql/load.sql")).toHaveLength(1);
    expect(files).toContain("dags/etl.py");
    // A template file no DAG file reads: said, and no failure (a migration script, a dbt model).
    const unread = await p.mlgen("lint", "include/sql/unread.sql");
    expect(unread.code).toBe(0);
    expect(unread.stderr).toContain(
      "mlgen lint: include/sql/unread.sql is read by no DAG file in . (no task there names it as a template file), so there is nothing to check it against; not linted",
    );
    // Other files are still refused, with what is accepted.
    const txt = await p.mlgen("lint", ".git/HEAD");
    expect(txt.code).toBe(2);
    expect(txt.stderr).toContain("template files a task reads (.sql, .hql, .sh)");
  });

  it("a folder's walk skips virtualenvs whatever their name, conda environments and site-packages", async () => {
    const p = project({
      "dags/racy.py": RACY_DAG,
      "venv/pyvenv.cfg": "home = /usr/bin\n",
      "venv/lib/python3.11/site-packages/airflow/example_dags/racy.py": RACY_DAG,
      "env/conda-meta/history": "",
      "env/lib/racy.py": RACY_DAG,
      "vendor/site-packages/racy.py": RACY_DAG,
      "jobs/racy.py": RACY_DAG,
    });
    const { code, stdout } = await p.mlgen("lint", ".", "--format", "json");
    expect(code).toBe(1);
    const files = [...new Set(JSON.parse(stdout).map((f: { file: string }) => f.file))].sort();
    expect(files).toEqual(["dags/racy.py", "jobs/racy.py"]);
  });

  describe(".airflowignore: what Airflow does not parse is not linted", () => {
    const files = {
      "dags/racy.py": RACY_DAG,
      "dags/helpers/racy.py": RACY_DAG,
      "dags/racy_test.py": RACY_DAG,
      "dags/team/racy_test.py": RACY_DAG,
      "dags/team/racy.py": RACY_DAG,
    };
    const linted = (stdout: string) =>
      [...new Set(JSON.parse(stdout).map((f: { file: string }) => f.file))].sort();

    it("in a folder walk, glob patterns by default, nested files and negations too", async () => {
      const p = project({
        ...files,
        "dags/.airflowignore": "# imported by the DAGs\nhelpers/\n*_test.py  # tests\n",
        "dags/team/.airflowignore": "!racy_test.py\n",
      });
      const { code, stdout, stderr } = await p.mlgen("lint", "dags", "--format", "json");
      expect(stderr).toBe("");
      expect(code).toBe(1);
      expect(linted(stdout)).toEqual([
        "dags/racy.py",
        "dags/team/racy.py",
        "dags/team/racy_test.py",
      ]);
    });

    it("files given by name (as the pre-commit hook gives them) are set apart, and exit 0 when all are", async () => {
      const p = project({ ...files, "dags/.airflowignore": "helpers/\n*_test.py\n" });
      const some = await p.mlgen(
        "lint",
        "dags/helpers/racy.py",
        "dags/racy.py",
        "--format",
        "json",
      );
      expect(linted(some.stdout)).toEqual(["dags/racy.py"]);
      expect(some.stderr).toBe(
        "mlgen lint: not linted, as .airflowignore excludes it (Airflow does not parse it): dags/helpers/racy.py\n",
      );
      expect(some.code).toBe(1);
      const none = await p.mlgenIn("dags", "lint", "helpers/racy.py", "racy_test.py");
      expect(none.code).toBe(0);
      expect(none.stdout).toBe("mlgen lint: no problems\n");
      expect(none.stderr).toContain(
        "excludes them (Airflow does not parse them): helpers/racy.py, racy_test.py",
      );
      // The formats CI reads still print their empty document.
      const json = await p.mlgen("lint", "dags/racy_test.py", "--format", "json");
      expect([json.code, JSON.parse(json.stdout)]).toEqual([0, []]);
      const sarif = await p.mlgen("lint", "dags/racy_test.py", "--format", "sarif");
      expect(JSON.parse(sarif.stdout).runs[0].results).toEqual([]);
      // A folder whose files are all excluded is no mistake either (exit 0, said on stderr).
      p.write("dags/team/.airflowignore", "*.py\n");
      const folder = await p.mlgenIn("dags", "lint", "team");
      expect(folder.code).toBe(0);
      expect(folder.stderr).toBe("mlgen lint: .airflowignore excludes every DAG file in team\n");
    });

    it("reads .airflowignore files up to the repository's root from any folder; a folder reached twice is linted once", async () => {
      // The project sits inside this repository: its top-level file counts from dags/ too.
      const p = project({ ...files, "dags/.airflowignore": "team/\n" });
      const inside = await p.mlgenIn("dags/helpers", "lint", ".", "--format", "json");
      expect(linted(inside.stdout)).toEqual(["racy.py"]);
      const team = await p.mlgenIn("dags/team", "lint", "racy.py");
      expect([team.code, team.stderr]).toEqual([
        0,
        "mlgen lint: not linted, as .airflowignore excludes it (Airflow does not parse it): racy.py\n",
      ]);
      p.write("dags/.airflowignore", "");
      symlinkSync(join(p.dir, "dags/team"), join(p.dir, "dags/a_link"));
      const twice = await p.mlgenIn("dags", "lint", ".", "--format", "json");
      expect(linted(twice.stdout)).toEqual([
        "a_link/racy.py",
        "a_link/racy_test.py",
        "helpers/racy.py",
        "racy.py",
        "racy_test.py",
      ]);
    });

    it("outside a repository, .airflowignore files above the current folder are not read", async () => {
      const outer = mkdtempSync(join(tmpdir(), "mlgen-stray-"));
      try {
        writeFileSync(join(outer, ".airflowignore"), "*.py\n");
        mkdirSync(join(outer, "proj", "dags"), { recursive: true });
        writeFileSync(join(outer, "proj", "dags", "a.py"), RACY_DAG);
        const syntax = { syntax: "glob", airflow: 3 } as const;
        const found = await lintTargets(join(outer, "proj"), ["dags"], syntax, () => false);
        expect(found.python).toEqual([join(outer, "proj", "dags", "a.py")]);
        // From the folder that holds it, it counts.
        const fromOuter = await lintTargets(outer, ["proj/dags"], syntax, () => false);
        expect(fromOuter.python).toEqual([]);
      } finally {
        rmSync(outer, { recursive: true, force: true });
      }
    });

    it("a folder with no DAG file is still a mistake when .airflowignore excluded only other files", async () => {
      const p = project({ "docs/README.md": "x", "docs/.airflowignore": "*.md\n" });
      const { code, stderr } = await p.mlgen("lint", "docs");
      expect(code).toBe(2);
      expect(stderr).toContain("holds no Python files");
    });

    it("a pattern it cannot read is named, with its line", async () => {
      const p = project({ ...files, "dags/.airflowignore": "helpers/\nracy\\\n" });
      const { stderr, stdout } = await p.mlgen("lint", "dags", "--format", "json");
      expect(stderr).toBe(
        "mlgen lint: dags/.airflowignore:2: Airflow stops listing DAG files on the pattern 'racy\\' (it ends with an escaping backslash): fix it; mlgen lints as if the line were not there\n",
      );
      expect(linted(stdout)).toHaveLength(4);
    });
  });

  it("run from a subfolder, finds the project's mlgen.config.ts above it, as ESLint and ruff do", async () => {
    const p = project({
      "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ lint: { rules: { "missing-xcom-key": "warning" } } });
`,
      "dags/racy.py": RACY_DAG,
    });
    const linted = await p.mlgenIn("dags", "lint", "racy.py");
    expect(linted.stderr).toBe("");
    expect(linted.stdout).toContain("racy.py:7:57: warning missing-xcom-key (MLG2001)");
    expect(linted.code).toBe(0);
  });

  it("a repository of DAG files only: a config with lint settings and no pipelines", async () => {
    const p = project({
      "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ lint: { rules: { "missing-xcom-key": "warning" } } });
`,
      "dags/racy.py": RACY_DAG,
    });
    const linted = await p.mlgen("lint", "dags");
    expect(linted.stderr).toBe("");
    expect(linted.stdout).toContain("dags/racy.py:7:57: warning missing-xcom-key (MLG2001)");
    expect(linted.code).toBe(0);
    const bare = await p.mlgen("lint");
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("no paths were given and mlgen.config.ts lists no pipelines");
    const compiled = await p.mlgen("compile");
    expect(compiled.code).toBe(1);
    expect(compiled.stderr).toContain("mlgen.config.ts lists no pipelines");
    expect(compiled.stderr).toContain("add pipelines: ['pipelines/*.pipeline.ts']");
  });

  it("a file the analysis cannot take fails alone: the others' findings, then exit 2 naming it", async () => {
    const deep = `# an airflow dag\nX = a${".b()".repeat(3000)}\n`;
    const p = project({ "dags/racy.py": RACY_DAG, "dags/deep.py": deep });
    const { code, stdout, stderr } = await p.mlgen("lint", "dags");
    expect(code).toBe(2);
    expect(stdout).toContain("dags/racy.py:7:57: error missing-xcom-key (MLG2001)");
    expect(stderr).toBe(
      "mlgen lint: could not analyze 1 file, so its findings are missing (please report it):\n  dags/deep.py: its expressions nest deeper than the analysis can follow\n",
    );
  });

  it("follows links to DAG files and folders (git-sync); skips a broken link, as Airflow does, saying so", async () => {
    const p = project({
      "shared/racy.py": RACY_DAG,
      "shared/more/clean.py": CLEAN_DAG,
      "dags/x.py": CLEAN_DAG.replace('DAG("clean"', 'DAG("x"'),
    });
    symlinkSync(join(p.dir, "shared/racy.py"), join(p.dir, "dags/linked.py"));
    symlinkSync(join(p.dir, "shared/more"), join(p.dir, "dags/more"), "dir");
    symlinkSync(join(p.dir, "dags"), join(p.dir, "dags/loop"), "dir");
    const linked = await p.mlgen("lint", "dags", "--format", "json");
    expect(linked.code).toBe(1);
    expect(JSON.parse(linked.stdout).map((f: { file: string }) => f.file)).toEqual([
      "dags/linked.py",
    ]);
    symlinkSync(join(p.dir, "shared/gone.py"), join(p.dir, "dags/broken.py"));
    const broken = await p.mlgen("lint", "dags");
    // The findings of linked.py decide the exit code, as without the broken link.
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      "mlgen lint: skipped a link to a file that does not exist, as Airflow skips it: dags/broken.py\n",
    );
    expect(broken.stderr).not.toContain("could not read");
    expect(broken.stdout).toContain("dags/linked.py:");
  });

  it("a file given by name that is a device, a loop of links or a broken link is refused at once, saying which", async () => {
    const p = project({ "dags/x.py": CLEAN_DAG });
    symlinkSync("/dev/zero", join(p.dir, "dags/zero.py"));
    symlinkSync(join(p.dir, "dags/loop2.py"), join(p.dir, "dags/loop1.py"));
    symlinkSync(join(p.dir, "dags/loop1.py"), join(p.dir, "dags/loop2.py"));
    symlinkSync(join(p.dir, "dags/gone.py"), join(p.dir, "dags/broken.py"));
    const cases = [
      ["dags/zero.py", "is not a regular file or a folder (a device, a pipe or a socket)"],
      ["dags/loop1.py", "is a link that leads back to itself (a loop of links)"],
      ["dags/broken.py", `is a link to ${join(p.dir, "dags/gone.py")}, which does not exist`],
    ];
    for (const [file, why] of cases) {
      const r = await p.mlgen("lint", file as string);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`invalid path: ${file} ${why}`);
    }
  });

  it("a suppression names rules by id or code; a word that names no rule is said", async () => {
    const line = '    a = BashOperator(task_id="a", bash_command="cat /tmp/in.csv")';
    const withComment = (comment: string) =>
      WARNED_DAG.replace(line, `${line}  # mlgen: disable=${comment}`);
    expect(WARNED_DAG).toContain(line);
    const p = project({
      "dags/code.py": withComment("MLG2002"),
      "dags/typo.py": withComment("hardcoded-paths"),
    });
    const code = await p.mlgen("lint", "dags/code.py", "--format", "json");
    expect(JSON.parse(code.stdout).map((f: { ruleId: string }) => f.ruleId)).not.toContain(
      "hardcoded-path",
    );
    const typo = await p.mlgen("lint", "dags/typo.py", "--format", "json");
    expect(JSON.parse(typo.stdout).map((f: { ruleId: string }) => f.ruleId)).toContain(
      "hardcoded-path",
    );
    expect(typo.stderr).toContain(
      "'hardcoded-paths' in an mlgen suppression comment names no rule, so it silences nothing (did you mean 'hardcoded-path'?)",
    );
  });

  it("exit 0 when clean; warnings fail only over --max-warnings", async () => {
    const p = project({ "dags/clean.py": CLEAN_DAG, "dags/warned.py": WARNED_DAG });
    expect((await p.mlgen("lint", "dags/clean.py")).code).toBe(0);
    const warned = await p.mlgen("lint", "dags/warned.py");
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain("warning hardcoded-path");
    expect((await p.mlgen("lint", "dags/warned.py", "--max-warnings", "1")).code).toBe(0);
    const over = await p.mlgen("lint", "dags/warned.py", "--max-warnings", "0");
    expect(over.code).toBe(1);
    expect(over.stderr).toContain("mlgen lint: 1 warning, more than --max-warnings 0\n");
  });

  it("--format json and sarif print machine-readable findings", async () => {
    const p = project({ "dags/racy.py": RACY_DAG });
    const json = await p.mlgen("lint", "dags", "--format", "json");
    expect(JSON.parse(json.stdout)[0]).toMatchObject({
      ruleId: "missing-xcom-key",
      code: "MLG2001",
      severity: "error",
      file: "dags/racy.py",
      line: 7,
      column: 57,
    });
    const sarif = JSON.parse((await p.mlgen("lint", "dags", "--format", "sarif")).stdout);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results[0].ruleId).toBe("missing-xcom-key");
  });

  it("severities from mlgen.config.ts apply to DAG files", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(`{ "missing-xcom-key": "warning", "hardcoded-path": "off" }`),
      "pipelines/demo.pipeline.ts": pipelineSource(),
      "tasks/steps.py": TASKS,
      "dags/racy.py": RACY_DAG,
      "dags/warned.py": WARNED_DAG,
    });
    const { code, stdout } = await p.mlgen("lint", "dags");
    expect(code).toBe(0);
    expect(stdout).toContain("warning missing-xcom-key");
    expect(stdout).not.toContain("hardcoded-path");
  });

  it("a folder given lints its DAG files and its pipeline modules (*.pipeline.ts), not their helpers", async () => {
    const p = project({
      "pipelines/demo.pipeline.ts": pipelineSource(
        '  p.python("train", { fn: "tasks/steps.py:train", inputs: { path: "s3://b/x", rows: 1 } });',
      ),
      // A helper a pipeline could import: not a pipeline itself (no MLG1010 for it).
      "pipelines/lib/names.ts": 'export const PREFIX = "demo";\n',
      "pipelines/dags/clean.py": CLEAN_DAG,
      "tasks/steps.py": TASKS,
    });
    const { code, stdout, stderr } = await p.mlgen("lint", "pipelines", "--format", "json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const files = [...new Set(JSON.parse(stdout).map((f: { file: string }) => f.file))];
    expect(files).toEqual(["pipelines/demo.pipeline.ts"]);
  });

  it("a poke-mode sensor in a pipeline is the sensor-poke-mode rule's alone (config and comments apply)", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(
        `{ "no-failure-alert": "off", "missing-timeout": "off", "missing-retries": "off" }`,
      ),
      "pipelines/demo.pipeline.ts": `import { hours, pipeline } from "@mlgen/dsl";
export default pipeline("demo", { schedule: "@daily", startDate: "2025-01-01" }, (p) => {
  p.fileSensor("wait", { path: "x.csv", mode: "poke", timeout: hours(6) });
});
`,
      "tasks/steps.py": TASKS,
    });
    const ids = async () =>
      JSON.parse((await p.mlgen("lint", "--format", "json")).stdout).map(
        (f: { ruleId: string }) => f.ruleId,
      );
    expect(await ids()).toEqual(["sensor-poke-mode"]);
    p.write(
      "mlgen.config.ts",
      CONFIG_WITH(
        `{ "no-failure-alert": "off", "missing-timeout": "off", "missing-retries": "off", "sensor-poke-mode": "off" }`,
      ),
    );
    expect(await ids()).toEqual([]);
    // A rule named by its code, as suppression comments allow.
    p.write(
      "mlgen.config.ts",
      CONFIG_WITH(
        `{ "no-failure-alert": "off", "missing-timeout": "off", "missing-retries": "off", MLG2006: "off" }`,
      ),
    );
    expect(await ids()).toEqual([]);
  });

  it("without paths, lints the config's DSL pipelines at their TypeScript lines; next-line comments silence", async () => {
    const body = `  const load = p.python("load", { fn: "tasks/steps.py:load", outputs: { path: "string", rows: "int" } });
  // mlgen-disable-next-line missing-retries
  p.python("train", { fn: "tasks/steps.py:train", inputs: { path: load.out.path, rows: load.out.rows } });`;
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(`{ "no-failure-alert": "off", "missing-timeout": "off" }`),
      "pipelines/demo.pipeline.ts": pipelineSource(body),
      "tasks/steps.py": TASKS,
    });
    const { code, stdout } = await p.mlgen("lint", "--format", "json");
    expect(code).toBe(0);
    const found = JSON.parse(stdout).map(
      (f: { ruleId: string; file: string; line: number }) => `${f.ruleId} ${f.file}:${f.line}`,
    );
    expect(found).toContain("missing-retries pipelines/demo.pipeline.ts:4");
    expect(found).not.toContain("missing-retries pipelines/demo.pipeline.ts:6");
    expect(found).toContain("train-without-validation pipelines/demo.pipeline.ts:6");
  });

  it("a task module given alone (a commit changing only it) lints the pipelines that call it: a renamed parameter is said at the call", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(`{ "no-failure-alert": "off", "missing-timeout": "off" }`),
      "pipelines/demo.pipeline.ts": pipelineSource(),
      // Another pipeline, not calling it: not linted (its own problem is not said).
      "pipelines/other.pipeline.ts": pipelineSource(
        `  p.python("solo", { fn: "tasks/other.py:solo", inputs: { n: 1 } });`,
      ).replace('"demo"', '"other"'),
      "tasks/steps.py": TASKS.replace("def train(path, rows):", "def train(path, row_count):"),
      "tasks/other.py": "def solo():\n    return None\n",
    });
    const { code, stdout } = await p.mlgen("lint", "--format", "json", "tasks/steps.py");
    expect(code).toBe(1);
    const found = JSON.parse(stdout).map(
      (f: { ruleId: string; file: string; message: string }) =>
        `${f.ruleId} ${f.file}: ${f.message.split(":")[0]}`,
    );
    expect(found).toContain("MLG1011 pipelines/demo.pipeline.ts: invalid inputs of task 'train'");
    expect(found.filter((f: string) => f.includes("other.pipeline.ts"))).toEqual([]);
    // Only what the call can get wrong: not the rules' findings on the unchanged pipeline
    // (its missing-retries, said when the pipeline itself is linted).
    expect(found.filter((f: string) => !f.startsWith("MLG"))).toEqual([]);
    p.write("tasks/steps.py", TASKS);
    expect((await p.mlgen("lint", "pipelines/demo.pipeline.ts")).stdout).toContain(
      "missing-retries",
    );
    const clean = await p.mlgen("lint", "tasks/steps.py");
    expect(clean.stdout).toContain("no problems");
    expect(clean.code).toBe(0);
  });

  it("a next-line comment above a statement whose call is chained on the lines below it silences", async () => {
    const body = `  const load = p
    .python("load", { fn: "tasks/steps.py:load", outputs: { path: "string", rows: "int" } });
  // mlgen-disable-next-line missing-retries
  const train = p
    .python("train", { fn: "tasks/steps.py:train", inputs: { path: load.out.path, rows: load.out.rows } });
  void train;`;
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(`{ "no-failure-alert": "off", "missing-timeout": "off" }`),
      "pipelines/demo.pipeline.ts": pipelineSource(body),
      "tasks/steps.py": TASKS,
    });
    const { stdout } = await p.mlgen("lint", "--format", "json");
    const found = JSON.parse(stdout).map(
      (f: { ruleId: string; file: string; line: number }) => `${f.ruleId} ${f.file}:${f.line}`,
    );
    // The chained call's line is where the finding is; only the commented statement is silenced.
    expect(found).toContain("missing-retries pipelines/demo.pipeline.ts:5");
    expect(found).toContain("train-without-validation pipelines/demo.pipeline.ts:8");
    expect(found).not.toContain("missing-retries pipelines/demo.pipeline.ts:8");
  });

  it("run from above a project (pre-commit runs hooks at the repository root), reads the config nearest the paths", async () => {
    const rules = `{ "no-failure-alert": "off", "missing-timeout": "off", "missing-retries": "off", "train-without-validation": "off", "unused-output": "off" }`;
    const p = project({
      "ml/mlgen.config.ts": CONFIG_WITH(rules),
      "ml/pipelines/demo.pipeline.ts": pipelineSource(),
      "ml/tasks/steps.py": TASKS,
    });
    const r = await p.mlgen("lint", "ml/pipelines/demo.pipeline.ts", "--format", "json");
    expect(r.stderr).toBe("");
    // Its task modules are found from the project's folder, and its rule settings hold.
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    p.write("other/mlgen.config.ts", CONFIG_WITH(rules));
    p.write("other/pipelines/demo.pipeline.ts", pipelineSource());
    const two = await p.mlgen(
      "lint",
      "ml/pipelines/demo.pipeline.ts",
      "other/pipelines/demo.pipeline.ts",
    );
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(
      "the paths given belong to 2 projects (ml/mlgen.config.ts, other/mlgen.config.ts)",
    );
    // A file under no config gets the default rules, never the project's: a usage error too.
    p.write("dags/loose.py", "x = 1\n");
    const mixed = await p.mlgen("lint", "ml/pipelines/demo.pipeline.ts", "dags/loose.py");
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(
      "the paths given belong to 2 projects (ml/mlgen.config.ts, 1 path under none)",
    );
    // With a project at the root too, its config is found from the current folder: a path of
    // the nested project is refused, not linted with the root's config (its task modules
    // looked up from the root: false MLG1007), and the message names both configs.
    p.write("mlgen.config.ts", CONFIG_WITH(rules));
    const nested = await p.mlgen("lint", "ml/pipelines/demo.pipeline.ts");
    expect(nested.stderr).not.toContain("MLG1007");
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain(
      "ml/pipelines/demo.pipeline.ts belongs to the project of ml/mlgen.config.ts, and this run reads mlgen.config.ts, found from the current folder",
    );
    expect(nested.stderr).toContain("mlgen lint --config ml/mlgen.config.ts");
    // Given its config, it lints as before; so does a file of the root project.
    const own = await p.mlgen(
      "lint",
      "--config",
      "ml/mlgen.config.ts",
      "ml/pipelines/demo.pipeline.ts",
    );
    expect(own.code, own.stderr).toBe(0);
    expect((await p.mlgen("lint", "dags/loose.py")).code).toBe(0);
  });

  it("refuses what compile refuses: a pipeline id defined twice, and a task module that is not valid Python", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(`{ "no-failure-alert": "off", "missing-timeout": "off" }`),
      "pipelines/a.pipeline.ts": pipelineSource(),
      "pipelines/b.pipeline.ts": pipelineSource(),
      "tasks/steps.py": `${TASKS}\ndef broken(:\n    pass\n`,
    });
    const r = await p.mlgen("lint", "--format", "json");
    expect(r.code).toBe(1);
    const found = (
      JSON.parse(r.stdout) as { ruleId: string; file: string; line: number; message: string }[]
    )
      .filter((f) => f.ruleId === "MLG1012" || f.ruleId === "MLG1023")
      .map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.message.split(";")[0]}`);
    const brokenLine = `${TASKS}\ndef broken(:`.split("\n").length;
    expect(found).toEqual([
      "MLG1012 pipelines/b.pipeline.ts:3 pipeline id 'demo' is defined twice: here and at pipelines/a.pipeline.ts:3:16",
      `MLG1023 tasks/steps.py:${brokenLine} tasks/steps.py is not valid Python: expected ")"`,
    ]);
  });

  it("colours text on FORCE_COLOR; NO_COLOR set and not empty turns it off, an empty one does not", async () => {
    const p = project({ "dags/bad.py": CLEAN_DAG.replace("echo", "cat /home/me/x.csv; echo") });
    const colored = async (env: Record<string, string>) =>
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
      /\u001b\[/.test((await p.mlgenWith({ env }, "lint", "dags")).stdout);
    expect(await colored({ FORCE_COLOR: "1" })).toBe(true);
    expect(await colored({ FORCE_COLOR: "1", NO_COLOR: "" })).toBe(true);
    expect(await colored({ FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
    expect(await colored({})).toBe(false);
  });

  it("expands a quoted glob, as compile does; one that matches nothing is a usage error", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG_WITH(`{ "no-failure-alert": "off", "missing-timeout": "off" }`),
      "pipelines/demo.pipeline.ts": pipelineSource(),
      "tasks/steps.py": TASKS,
    });
    const glob = await p.mlgen("lint", "pipelines/*.pipeline.ts", "--format", "json");
    expect(glob.stderr).toBe("");
    const files = new Set(JSON.parse(glob.stdout).map((f: { file: string }) => f.file));
    expect(files).toEqual(new Set(["pipelines/demo.pipeline.ts"]));
    const none = await p.mlgen("lint", "nowhere/*.py");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("nowhere/*.py matches no file");
  });

  it("a DAG file that is not valid Python is an error at Python's line, with no other findings", async () => {
    const p = project({
      "dags/clean.py": CLEAN_DAG,
      // Missing its colon, and a hardcoded path that a broken file must not be judged on.
      "dags/broken.py": CLEAN_DAG.replace(/\):\n/, ")\n").replace("echo", "cat /tmp/x; echo"),
    });
    expect(p.read("dags/broken.py")).not.toBe(CLEAN_DAG);
    const { code, stdout } = await p.mlgen("lint", "dags", "--format", "json");
    expect(code).toBe(1);
    const found = (JSON.parse(stdout) as { ruleId: string; file: string; message: string }[]).map(
      (f) => `${f.file} ${f.ruleId}: ${f.message.split(";")[0]}`,
    );
    expect(found).toEqual([
      "dags/broken.py syntax-error: invalid Python syntax: expected ':' at the end of the with line",
    ]);
  });

  it("usage errors exit 2: a bad format, a bad --max-warnings, an unknown rule, no input", async () => {
    const p = project({ "dags/clean.py": CLEAN_DAG });
    const format = await p.mlgen("lint", "dags", "--format", "xml");
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("use one of: text, json, sarif");
    expect((await p.mlgen("lint", "dags", "--max-warnings", "-1")).code).toBe(2);
    // An unset CI variable ("") is no 0, and 1e1 or 0x10 are no counts.
    for (const bad of ["", "1e1", "0x10", " 3"]) {
      expect((await p.mlgen("lint", "dags", "--max-warnings", bad)).code, `'${bad}'`).toBe(2);
    }
    expect((await p.mlgen("lint")).code).toBe(2);
    expect((await p.mlgen("lint", "nowhere")).code).toBe(2);
    p.write("empty/README.md", "no DAGs here\n");
    const empty = await p.mlgen("lint", "empty");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      "empty holds no Python files (.py) or pipeline modules (*.pipeline.ts)",
    );
    p.write("mlgen.config.ts", CONFIG_WITH(`{ "no-such-rule": "off" }`));
    const unknown = await p.mlgen("lint", "dags");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown rule 'no-such-rule'");
    p.write("mlgen.config.ts", CONFIG_WITH(`{ "missing-timout": "off" }`));
    const typo = await p.mlgen("lint", "dags");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "unknown rule 'missing-timout' (did you mean 'missing-timeout'?)",
    );
  });

  it("target-aware: the Airflow target's own checks, as compile makes them, only when the project compiles for Airflow", async () => {
    const config = (target: string) => `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], target: "${target}" });
`;
    // Two outputs of one task mapped over (Airflow maps over the return value only), catchup
    // without a start date (Airflow 3 refuses the file) and a context variable Airflow 3 removed.
    const source = pipelineSource(
      `  const load = p.python("load", { fn: "tasks/steps.py:load", outputs: { a: "list", b: "list" } });
  p.map("x", { fn: "tasks/steps.py:train", over: load.out.a, as: "path", inputs: { rows: 1 } });
  p.map("y", { fn: "tasks/steps.py:train", over: load.out.b, as: "path", inputs: { rows: 1 } });
  p.bash("when", { command: "echo {{ execution_date }}" });`,
      `{ schedule: "@daily", catchup: true }`,
    );
    const p = project({
      "mlgen.config.ts": config("airflow"),
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": source,
    });
    const found = async () => {
      const r = await p.mlgen("lint", "--format", "json");
      const codes = (JSON.parse(r.stdout) as { code: string; message: string }[])
        .filter((f) => /^MLG(1011|1020|3001)$/.test(f.code))
        .map((f) => `${f.code} ${f.message.split(":")[0]}`);
      return { code: r.code, codes };
    };
    const airflow = {
      code: 1,
      codes: [
        "MLG1011 invalid catchup without a start date",
        "MLG1020 outputs 'a' and 'b' of task 'load' are both mapped over; Airflow maps over one output per task (its return value)",
        "MLG3001 template variable 'execution_date' in the command of task 'when' cannot be expressed for Airflow 3",
      ],
    };
    expect(await found()).toEqual(airflow);
    p.write("mlgen.config.ts", config("all"));
    expect(await found()).toEqual(airflow);
    // Kubeflow has no catchup and iterates any output: compile and lint let both through.
    p.write("mlgen.config.ts", config("kubeflow"));
    const kubeflow = await found();
    expect(kubeflow.codes).toEqual([]);
    const compiled = await p.mlgen("compile", "--target", "kubeflow");
    expect(compiled.stderr).not.toMatch(/MLG1011|MLG1020/);
    expect(compiled.code, compiled.stderr).toBe(0);
  });

  it("spans an option a call does not take (MLG1022) over the option's name, on its own line", async () => {
    const source = pipelineSource(`  p.python("load", {
    fn: "tasks/steps.py:load",
    ...({ executionTimout: 60, queue: "default" } as object),
  });`);
    const p = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": source,
    });
    const r = await p.mlgen("lint", "--format", "json");
    const typo = (JSON.parse(r.stdout) as Record<string, unknown>[]).find(
      (f) => f.code === "MLG1022",
    );
    const line = source.split("\n").findIndex((l) => l.includes("executionTimout")) + 1;
    const column = (source.split("\n")[line - 1] ?? "").indexOf("executionTimout") + 1;
    expect(typo).toMatchObject({
      line,
      column,
      endLine: line,
      endColumn: column + "executionTimout".length,
    });
  });

  it("reports the output names compile refuses: two ids that give one file, a DAG file named like the task modules", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG_WITH("{}"),
      "tasks/steps.py": TASKS,
      "pipelines/a.pipeline.ts": pipelineSource().replace(
        'pipeline("demo"',
        'pipeline("my-pipe.v2"',
      ),
      "pipelines/b.pipeline.ts": pipelineSource().replace(
        'pipeline("demo"',
        'pipeline("my_pipe_v2"',
      ),
      "pipelines/c.pipeline.ts": pipelineSource().replace('pipeline("demo"', 'pipeline("tasks"'),
    });
    const lint = await p.mlgen("lint", "--format", "json");
    const said = (JSON.parse(lint.stdout) as { code: string; file: string; message: string }[])
      .filter((f) => f.code === "MLG1011")
      .map((f) => `${f.file}: ${f.message.split(", as ")[0]?.split(" has the name")[0]}`);
    expect(said).toEqual([
      "pipelines/b.pipeline.ts: invalid pipeline id 'my_pipe_v2': it generates my_pipe_v2.py",
      "pipelines/c.pipeline.ts: invalid pipeline id 'tasks': its DAG file tasks.py",
    ]);
    expect(lint.code).toBe(1);
    // Compile refuses the same two.
    const compile = await p.mlgen("compile");
    expect(compile.code).toBe(1);
    expect(compile.stderr).toContain(
      "invalid pipeline id 'my_pipe_v2': it generates my_pipe_v2.py",
    );
    expect(compile.stderr).toContain("invalid pipeline id 'tasks': its DAG file tasks.py");
  });

  it("a DAG file Airflow 3 refuses fails the lint on Airflow 3 (the default), not when the config says 2", async () => {
    const old = CLEAN_DAG.replace(
      "schedule=None",
      'schedule_interval="@daily", start_date=datetime(2025, 1, 1)',
    ).replace("import timedelta", "import datetime, timedelta");
    expect(old).toContain("schedule_interval");
    const p = project({ "dags/old.py": old });
    const three = await p.mlgen("lint", "dags/old.py", "--format", "json");
    const found = (out: string) =>
      (JSON.parse(out) as { ruleId: string; severity: string }[]).filter(
        (f) => f.ruleId === "airflow3-removed",
      );
    expect(found(three.stdout).map((f) => f.severity)).toEqual(["error"]);
    expect(three.code).toBe(1);
    p.write(
      "mlgen.config.ts",
      `import { defineConfig } from "@mlgen/cli";\nexport default defineConfig({ airflow: { version: 2 } });\n`,
    );
    const two = await p.mlgen("lint", "dags/old.py", "--format", "json");
    expect(found(two.stdout).map((f) => f.severity)).toEqual(["warning"]);
    expect(two.code).toBe(0);
    // What only Airflow 2 refuses fails the lint there: a scheduled DAG with no start date.
    p.write("dags/old.py", old.replace(", start_date=datetime(2025, 1, 1)", ""));
    const undated = await p.mlgen("lint", "dags/old.py", "--format", "json");
    expect(
      (JSON.parse(undated.stdout) as { ruleId: string; severity: string }[])
        .filter((f) => f.ruleId === "invalid-argument")
        .map((f) => f.severity),
    ).toEqual(["error"]);
    expect(undated.code).toBe(1);
  });

  it("target-aware: kubeflow-timeout when the config compiles for Kubeflow without timeouts", async () => {
    const config = (kubeflow: string) => `import { defineConfig } from "@mlgen/cli";
export default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], target: "all"${kubeflow} });
`;
    const source = pipelineSource(undefined, `{ defaults: { executionTimeout: 600, retries: 1 } }`)
      .replace("executionTimeout: 600", "executionTimeout: minutes(10)")
      .replace(
        'import { pipeline } from "@mlgen/dsl";',
        'import { minutes, pipeline } from "@mlgen/dsl";',
      );
    const p = project({
      "mlgen.config.ts": config(""),
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": source,
    });
    const off = await p.mlgen("lint", "--format", "json");
    const ids = (out: string) =>
      (JSON.parse(out) as { ruleId: string; message: string }[]).filter(
        (f) => f.ruleId === "kubeflow-timeout",
      );
    expect(ids(off.stdout).map((f) => f.message)).toEqual([
      "task 'load' has an execution timeout (10m) that the Kubeflow target drops: kubeflow.timeouts is off",
      "task 'train' has an execution timeout (10m) that the Kubeflow target drops: kubeflow.timeouts is off",
    ]);
    p.write("mlgen.config.ts", config(", kubeflow: { timeouts: true }"));
    expect(ids((await p.mlgen("lint", "--format", "json")).stdout)).toEqual([]);
  });
});
