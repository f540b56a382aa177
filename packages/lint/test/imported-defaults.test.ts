/**
 * default_args a DAG file imports from a module of the project (`from common.defaults import
 * DEFAULT_ARGS`), found as Airflow's sys.path finds it (the DAG folder, the plugins folder beside
 * it): read as if the file wrote the dict where it names it, each module once per run; what
 * cannot be read is said, with why (`sharedDefaults`). Real Airflow agrees:
 * test/engines/lint-imported-defaults.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type LintedFile, lintPythonFile, lintPythonFiles } from "../src/files.js";
import { lintPythonSource } from "../src/lint.js";
import { ProjectModules } from "../src/modules.js";

/** A folder holding `files` (relative paths → texts). */
function project(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgen-imported-defaults-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The DAG files of a project, linted as `mlgen lint` names them (from the project's folder). */
async function lint(
  dir: string,
  names: readonly string[],
  dagFolder?: string,
): Promise<LintedFile[]> {
  const files = names.map((file) => ({
    file,
    path: join(dir, file),
    ...(dagFolder === undefined ? {} : { dagFolder: join(dir, dagFolder) }),
  }));
  return lintPythonFiles(files, {}, 0);
}

/** The rules that read a task's default_args, as `rule@line:col message | fix`. */
const JUDGED = ["missing-retries", "missing-timeout", "no-failure-alert", "unknown-default-arg"];
const said = (r: LintedFile | undefined) =>
  (r?.findings ?? [])
    .filter((f) => JUDGED.includes(f.ruleId) || f.ruleId === "invalid-argument")
    .map((f) => `${f.ruleId}@${f.line}:${f.column}`);

const DEFAULTS = `from datetime import timedelta


def notify(context):
    print("failed", context["ti"].task_id)


BASE = {"owner": "data", "retries": 2, "retry_delay": timedelta(minutes=5)}
DEFAULT_ARGS = {**BASE, "execution_timeout": timedelta(hours=1), "on_failure_callback": notify}
NO_RETRIES = dict(owner="data", execution_timeout=timedelta(hours=1), on_failure_callback=notify)
TYPO = {**DEFAULT_ARGS, "retires": 3}
NUMBER = {**DEFAULT_ARGS, "execution_timeout": 3600}
ALIAS = DEFAULT_ARGS
`;

/** A DAG file importing `imports`, whose DAG takes `defaults` as its default_args. */
const dagFile = (imports: string, defaults: string, id = "etl") => `import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

${imports}

with DAG("${id}", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=${defaults}):
    BashOperator(task_id="load", bash_command="echo 1")
`;
/** The line of the DAG call and of its task in dagFile (an import of one line). */
const DAG_LINE = 7;
const TASK_LINE = 8;
/** The column of `default_args=<defaults>`'s value in dagFile's DAG call. */
const column = (defaults: string) =>
  (dagFile("", defaults).split("\n")[DAG_LINE - 1]?.indexOf(`=${defaults})`) ?? 0) + 2;

const BASIC = {
  "dags/.airflowignore": "common/\n",
  "dags/common/__init__.py": "",
  "dags/common/defaults.py": DEFAULTS,
};

describe("default_args imported from a module of the project", () => {
  it.each([
    ["from m import X", "from common.defaults import DEFAULT_ARGS", "DEFAULT_ARGS"],
    ["from m import X as Y", "from common.defaults import DEFAULT_ARGS as ARGS", "ARGS"],
    ["import m as alias", "import common.defaults as defaults", "defaults.DEFAULT_ARGS"],
    ["import a.b", "import common.defaults", "common.defaults.DEFAULT_ARGS"],
    ["from package import module", "from common import defaults", "defaults.DEFAULT_ARGS"],
    ["a name the module binds to another", "from common.defaults import ALIAS", "ALIAS"],
    ["{**X, ...}", "from common.defaults import DEFAULT_ARGS", '{**DEFAULT_ARGS, "owner": "etl"}'],
    ["X | {...}", "from common.defaults import DEFAULT_ARGS", 'DEFAULT_ARGS | {"owner": "etl"}'],
    ["dict(X, ...)", "from common.defaults import DEFAULT_ARGS", 'dict(DEFAULT_ARGS, owner="etl")'],
    [
      "a module-level name bound to {**X, ...}",
      'from common.defaults import DEFAULT_ARGS\nARGS = {**DEFAULT_ARGS, "owner": "etl"}',
      "ARGS",
    ],
    [
      "the imported name bound again to {**X, ...}",
      'from common.defaults import DEFAULT_ARGS\nDEFAULT_ARGS = {**DEFAULT_ARGS, "owner": "etl"}',
      "DEFAULT_ARGS",
    ],
  ])(
    "reads %s: retries, timeout and alert set in the module, nothing to say",
    async (_, imports, defaults) => {
      const dir = project({ ...BASIC, "dags/etl.py": dagFile(imports, defaults) });
      const [r] = await lint(dir, ["dags/etl.py"]);
      expect(said(r)).toEqual([]);
      expect(r?.sharedDefaults).toBeUndefined();
    },
  );

  it("judges the module's dict as the file's own: what it lacks is reported at the task, the fix naming the module", async () => {
    const dir = project({
      ...BASIC,
      "dags/etl.py": dagFile("from common.defaults import NO_RETRIES", "NO_RETRIES"),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    expect(said(r)).toEqual([`missing-retries@${TASK_LINE}:5`]);
    const f = r?.findings.find((x) => x.ruleId === "missing-retries");
    expect(f?.message).toMatch(/^task 'load' (has|sets) no retries/);
    expect(f?.fix).toContain(
      "(the DAG's default_args come from NO_RETRIES in dags/common/defaults.py)",
    );
    expect(r?.sharedDefaults).toBeUndefined();
  });

  it("reports a misspelt key of the module at the name that reads it, saying where the key is", async () => {
    const dir = project({
      ...BASIC,
      "dags/etl.py": dagFile("from common.defaults import TYPO", "TYPO"),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    expect(said(r)).toEqual([`unknown-default-arg@${DAG_LINE}:${column("TYPO")}`]);
    const f = r?.findings[0];
    expect(f?.message).toContain("default_args key 'retires' of DAG 'etl'");
    expect(f?.message).toContain(
      "(at dags/common/defaults.py:11, through TYPO from common.defaults)",
    );
    expect(f?.endLine).toBe(DAG_LINE);
    expect(f?.dag).toBe("etl");
  });

  it("reports a timeout the module writes as a number (Airflow refuses the file) at the name, as an error", async () => {
    const dir = project({
      ...BASIC,
      "dags/etl.py": dagFile("from common.defaults import NUMBER", "NUMBER"),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    const timeouts = r?.findings.filter((f) => f.line === DAG_LINE && f.severity === "error");
    expect(timeouts?.length).toBeGreaterThan(0);
    for (const f of timeouts ?? [])
      expect(f.message).toContain(
        "(at dags/common/defaults.py:12, through NUMBER from common.defaults)",
      );
  });

  it("silences a finding of the module's dict by a comment at the line naming it", async () => {
    const dir = project({
      ...BASIC,
      "dags/etl.py": dagFile("from common.defaults import TYPO", "TYPO").replace(
        "default_args=TYPO):",
        "default_args=TYPO):  # mlgen: disable=unknown-default-arg",
      ),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    expect(said(r)).toEqual([]);
  });

  it("follows a package's __init__.py re-export and a module that reads another's dict", async () => {
    const dir = project({
      "dags/common/__init__.py": "from .defaults import DEFAULT_ARGS\n",
      "dags/common/defaults.py":
        'from datetime import timedelta\n\nfrom common.base import BASE\n\nDEFAULT_ARGS = {**BASE, "execution_timeout": timedelta(hours=1)}\n',
      "dags/common/base.py": 'BASE = {"retries": 1, "on_failure_callback": print, "retires": 2}\n',
      "dags/etl.py": dagFile("from common import DEFAULT_ARGS", "DEFAULT_ARGS"),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    expect(said(r)).toEqual([`unknown-default-arg@${DAG_LINE}:${column("DEFAULT_ARGS")}`]);
    expect(r?.findings[0]?.message).toContain(
      "(at dags/common/base.py:1, through DEFAULT_ARGS from common)",
    );
  });

  it("reads a @dag's and a task group's default_args from the module too", async () => {
    const dir = project({
      ...BASIC,
      "dags/etl.py": `import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import TaskGroup, dag

from common.defaults import DEFAULT_ARGS, NO_RETRIES


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=NO_RETRIES)
def etl():
    BashOperator(task_id="load", bash_command="echo 1")
    with TaskGroup("g", default_args=DEFAULT_ARGS):
        BashOperator(task_id="in_group", bash_command="echo 1")


etl()
`,
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    expect(said(r)).toEqual(["missing-retries@10:5"]);
  });

  it("finds the module in the plugins folder beside the DAG folder, which Airflow puts on sys.path", async () => {
    const files = {
      "plugins/shared/defaults.py": DEFAULTS,
      "dags/etl.py": dagFile("from shared.defaults import NO_RETRIES", "NO_RETRIES"),
    };
    for (const dagFolder of ["dags", undefined]) {
      const [r] = await lint(project(files), ["dags/etl.py"], dagFolder);
      expect(said(r), String(dagFolder)).toEqual([`missing-retries@${TASK_LINE}:5`]);
    }
  });

  it("looks in the DAG folder only when it is known: a module in a folder inside it is not on sys.path", async () => {
    const files = {
      "dags/team/common/defaults.py": DEFAULTS,
      "dags/team/etl.py": dagFile("from common.defaults import NO_RETRIES", "NO_RETRIES"),
    };
    const [known] = await lint(project(files), ["dags/team/etl.py"], "dags");
    expect(said(known)).toEqual([]);
    expect(known?.sharedDefaults?.[0]?.note).toMatch(
      /^NO_RETRIES from common\.defaults, for DAG 'etl': lint finds no common\/defaults\.py in dags \(the DAG folder\), plugins or config, the folders Airflow puts on sys\.path/,
    );
    // Not known (the pre-commit hook's files): the nearest folder holding the package.
    const [guessed] = await lint(project(files), ["dags/team/etl.py"]);
    expect(said(guessed)).toEqual([`missing-retries@${TASK_LINE}:5`]);
  });

  it("reads a DAG's params imported the same way: a default its enum refuses is reported at the name", async () => {
    const etl = dagFile(
      "from common.defaults import DEFAULT_ARGS\nfrom common.params import PARAMS",
      "DEFAULT_ARGS",
    ).replace("schedule=None", 'schedule="@daily", params=PARAMS');
    const dir = project({
      ...BASIC,
      "dags/common/params.py":
        'from airflow.sdk import Param\n\nPARAMS = {"model": Param("xgb", enum=["lgbm", "rf"])}\n',
      "dags/etl.py": etl,
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    const refused = r?.findings.filter((f) => f.ruleId === "invalid-argument") ?? [];
    const column = (etl.split("\n")[DAG_LINE]?.indexOf("PARAMS,") ?? 0) + 1;
    expect(refused.map((f) => `${f.line}:${f.column}`)).toEqual([`${DAG_LINE + 1}:${column}`]);
    expect(refused[0]?.message).toContain(
      "(at dags/common/params.py:3, through PARAMS from common.params)",
    );
  });

  it("reads each module once per run, whatever number of DAG files import it", async () => {
    const dir = project({
      ...BASIC,
      "dags/a.py": dagFile("from common.defaults import NO_RETRIES", "NO_RETRIES", "a"),
      "dags/b.py": dagFile("import common.defaults as d", "d.DEFAULT_ARGS", "b"),
      "dags/c.py": dagFile("from common.defaults import TYPO", "TYPO", "c"),
    });
    const read: string[] = [];
    const modules = new ProjectModules((path) => {
      read.push(path);
      return readFileSync(path, "utf8");
    });
    const results = ["a", "b", "c"].map((n) =>
      lintPythonFile({ file: `dags/${n}.py`, path: join(dir, `dags/${n}.py`) }, {}, modules),
    );
    expect(results.map((r) => said(r).length)).toEqual([1, 0, 1]);
    expect(read).toEqual([join(dir, "dags/common/defaults.py")]);
  });
});

describe("default_args from a module lint cannot read: held back, and said why", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    [
      "a module that is not there (an installed package?)",
      {},
      "from company.airflow_defaults import DEFAULT_ARGS",
      /^DEFAULT_ARGS from company\.airflow_defaults, for DAG 'etl': lint finds no company\/airflow_defaults\.py in the DAG file's folder or a folder above it up to \., nor in a plugins or config folder beside one/,
    ],
    [
      "a name bound to a call",
      { "dags/common/defaults.py": "def build():\n    return {}\n\n\nDEFAULT_ARGS = build()\n" },
      "from common.defaults import DEFAULT_ARGS",
      /: dags\/common\/defaults\.py binds DEFAULT_ARGS to a call of build\(\), which lint does not evaluate$/,
    ],
    [
      "a name the module does not define",
      { "dags/common/defaults.py": "ARGS = {}\n" },
      "from common.defaults import DEFAULT_ARGS",
      /: dags\/common\/defaults\.py defines no DEFAULT_ARGS at module level$/,
    ],
    [
      "a relative import (Airflow refuses it in a DAG file)",
      { "dags/common/defaults.py": DEFAULTS },
      "from .common.defaults import DEFAULT_ARGS",
      /^DEFAULT_ARGS from \.common\.defaults, for DAG 'etl': it is a relative import, which fails in a DAG file: .*attempted relative import with no known parent package/,
    ],
    [
      "a module that does not parse",
      { "dags/common/defaults.py": 'DEFAULT_ARGS = {"retries": 2\n' },
      "from common.defaults import DEFAULT_ARGS",
      /: dags\/common\/defaults\.py does not parse \(line \d+: .*\), so importing it fails$/,
    ],
    [
      "a folder without __init__.py named as the module",
      { "dags/common/defaults/readme.txt": "" },
      "from common.defaults import DEFAULT_ARGS",
      /: common\.defaults is a folder without __init__\.py \(a namespace package\), not a module$/,
    ],
    [
      "names two modules import from each other",
      {
        "dags/common/a.py": "from common.b import DEFAULT_ARGS\n",
        "dags/common/b.py": "from common.a import DEFAULT_ARGS\n",
      },
      "from common.a import DEFAULT_ARGS",
      /: dags\/common\/a\.py re-exports DEFAULT_ARGS in a cycle$/,
    ],
  ];
  it.each(cases)("%s", async (_, files, imports, why) => {
    const dir = project({ ...files, "dags/etl.py": dagFile(imports, "DEFAULT_ARGS") });
    const [r] = await lint(dir, ["dags/etl.py"]);
    // Held back: the dict may set anything.
    expect(said(r)).toEqual([]);
    expect(r?.sharedDefaults).toHaveLength(1);
    expect(r?.sharedDefaults?.[0]?.line).toBe(DAG_LINE);
    expect(r?.sharedDefaults?.[0]?.note).toMatch(why);
  });

  it("says a module's dict read in part: it spreads a dict lint cannot read", async () => {
    const dir = project({
      "dags/common/defaults.py":
        'from company.base import BASE\n\nDEFAULT_ARGS = {**BASE, "retries": 2}\n',
      "dags/etl.py": dagFile("from common.defaults import DEFAULT_ARGS", "DEFAULT_ARGS"),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    // retries is read (set); the rest may be in BASE.
    expect(said(r)).toEqual([]);
    expect(r?.sharedDefaults?.[0]?.note).toMatch(
      /^DEFAULT_ARGS from common\.defaults, for DAG 'etl': dags\/common\/defaults\.py reads BASE from company\.base: lint finds no company\/base\.py in dags \(the DAG folder\)/,
    );
  });

  it("says nothing of names from Airflow or the standard library, and holds back without a folder", async () => {
    const dir = project({
      "dags/etl.py": dagFile(
        "from airflow.example_dags.defaults import DEFAULT_ARGS",
        "DEFAULT_ARGS",
      ),
    });
    const [r] = await lint(dir, ["dags/etl.py"]);
    expect(said(r)).toEqual([]);
    expect(r?.sharedDefaults).toBeUndefined();
    // The file's text alone (no folder to look in): held back, as before.
    const alone = lintPythonSource(
      "etl.py",
      dagFile("from common.defaults import NO_RETRIES", "NO_RETRIES"),
    );
    expect(alone.filter((f) => JUDGED.includes(f.ruleId))).toEqual([]);
  });
});
