/**
 * Real engines: default_args a DAG file imports from a module of the project. Airflow puts the
 * DAG folder on sys.path (Airflow 3's DAG processor as the bundle's folder, BundleDagBag; Airflow
 * 2 from `[core] dags_folder`), and the plugins folder, so `from common.defaults import
 * DEFAULT_ARGS` imports `dags/common/defaults.py` (which `.airflowignore` keeps from being parsed
 * as a DAG file) and `from team_defaults import TEAM` imports `plugins/team_defaults.py`. `mlgen
 * lint` reads those dicts: the tasks it reports without retries or an execution timeout are
 * exactly those whose retries and execution_timeout real Airflow 3 (and 2) leave unset, a DAG
 * whose module lacks retries included; a misspelt key of the module is reported at the DAG file's
 * line, and a relative import, which Airflow refuses in a DAG file, is said rather than read.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type LintedFile, lintPythonFiles } from "../../packages/lint/src/index.js";
import {
  AIRFLOW2_PYTHON,
  airflowEnv,
  ensureEngines,
  PYTHON,
  runEngine,
  tempDir,
} from "./harness.js";

const HEAD = `import pendulum

try:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG
    from airflow.operators.bash import BashOperator

`;

const dagFile = (imports: string, id: string, defaults: string, tasks = ["extract", "load"]) =>
  `${HEAD}${imports}

with DAG("${id}", schedule=None, start_date=pendulum.datetime(2026, 1, 1), default_args=${defaults}):
${tasks.map((t) => `    BashOperator(task_id="${t}", bash_command="echo ${t}")\n`).join("")}`;

/** The Airflow home: the DAG folder and the plugins folder beside it, as Airflow lays them out. */
const FILES: Record<string, string> = {
  "dags/.airflowignore": "common/\n",
  "dags/common/__init__.py": "",
  "dags/common/defaults.py": `from datetime import timedelta


def notify(context):
    print("failed:", context["ti"].task_id)


BASE = {"owner": "data", "retries": 2, "retry_delay": timedelta(minutes=5)}
DEFAULT_ARGS = {**BASE, "execution_timeout": timedelta(minutes=30), "on_failure_callback": notify}
# No retries, no timeout: the tasks of a DAG taking only these run once, as long as they like.
LEAN = dict(owner="data", on_failure_callback=notify)
TYPO = {**DEFAULT_ARGS, "retires": 5}
`,
  "plugins/team_defaults.py": `from datetime import timedelta

TEAM = {"retries": 1, "execution_timeout": timedelta(minutes=5)}
`,
  // Retries and a timeout from the module, one task overriding the timeout.
  "dags/covered.py": dagFile(
    "from common.defaults import DEFAULT_ARGS",
    "covered",
    "DEFAULT_ARGS",
  ).replace('bash_command="echo load")', 'bash_command="echo load", execution_timeout=None)'),
  // The module sets neither: both tasks run without retries and without a timeout.
  "dags/lean.py": dagFile(
    "import common.defaults as defaults",
    "lean",
    '{**defaults.LEAN, "owner": "lean"}',
  ).replace('bash_command="echo extract")', 'bash_command="echo extract", retries=3)'),
  // From the plugins folder, merged with the DAG's own.
  "dags/team.py": dagFile("from team_defaults import TEAM", "team", 'TEAM | {"owner": "team"}', [
    "score",
  ]),
  // A key no operator takes: Airflow drops it, the tasks keep DEFAULT_ARGS' retries.
  "dags/typo.py": dagFile("from common.defaults import TYPO", "typo", "TYPO", ["load"]),
  // Airflow imports a DAG file as a top-level module: a relative import fails.
  "dags/relative.py": dagFile(
    "from .common.defaults import DEFAULT_ARGS",
    "relative",
    "DEFAULT_ARGS",
    ["load"],
  ),
};
const DAG_FILES = Object.keys(FILES).filter((f) => /^dags\/\w+\.py$/.test(f));

/** What a DagBag of the folder holds: what the DAG processor sees. */
const PROBE = `import json
import sys
from pathlib import Path

folder, out = sys.argv[1], sys.argv[2]
try:
    from airflow.dag_processing.dagbag import BundleDagBag

    # The DAG processor's bag: the bundle's folder (here the DAG folder) put on sys.path.
    bag = BundleDagBag(dag_folder=folder, bundle_path=Path(folder))
except ImportError:
    from airflow.models.dagbag import DagBag

    # Airflow 2 puts [core] dags_folder on sys.path itself (settings.prepare_syspath_for_dags_folder).
    bag = DagBag(dag_folder=folder, include_examples=False)

import airflow

result = {
    "version": airflow.__version__,
    "import_errors": {Path(k).name: v.strip().splitlines()[-1] for k, v in bag.import_errors.items()},
    "tasks": {},
}
for dag_id, dag in bag.dags.items():
    for t in dag.tasks:
        timeout = t.execution_timeout
        result["tasks"][f"{dag_id}.{t.task_id}"] = {
            "retries": t.retries,
            "execution_timeout": timeout.total_seconds() if timeout is not None else None,
            "on_failure_callback": bool(t.on_failure_callback),
            "retires": hasattr(t, "retires"),
        }
Path(out).write_text(json.dumps(result))
`;

interface Seen {
  version: string;
  import_errors: Record<string, string>;
  tasks: Record<
    string,
    {
      retries: number;
      execution_timeout: number | null;
      on_failure_callback: boolean;
      retires: boolean;
    }
  >;
}

let home = "";
beforeAll(() => {
  ensureEngines();
  home = join(tempDir("lint-imported-defaults"), "airflow");
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(home, name)), { recursive: true });
    writeFileSync(join(home, name), text);
  }
  writeFileSync(join(home, "probe.py"), PROBE);
}, 900_000);

const seenBy = new Map<string, Seen>();
/** What the engine's DagBag saw of the DAG folder, AIRFLOW_HOME being the folder above it. */
function airflowSees(python: string): Seen {
  const known = seenBy.get(python);
  if (known) return known;
  const out = join(home, `seen-${python === PYTHON ? 3 : 2}.json`);
  const dags = join(home, "dags");
  const r = runEngine(python, [join(home, "probe.py"), dags, out], airflowEnv(home, dags));
  if (r.status !== 0) throw new Error(`probe.py failed (${r.status}):\n${r.output.slice(-4000)}`);
  const seen = JSON.parse(readFileSync(out, "utf8")) as Seen;
  seenBy.set(python, seen);
  return seen;
}

/** `dag.task` of each finding of a rule on a task (one DAG per file, named for the file). */
function flagged(linted: readonly LintedFile[], rule: string): string[] {
  return linted
    .flatMap((r) =>
      r.findings
        .filter((f) => f.ruleId === rule)
        .map((f) => `${/(\w+)\.py$/.exec(r.file)?.[1]}.${/^task '([^']+)'/.exec(f.message)?.[1]}`),
    )
    .sort();
}

describe.each([
  ["Airflow 3", PYTHON, 3],
  ["Airflow 2", AIRFLOW2_PYTHON, 2],
] as const)("%s", (_name, python, airflowVersion) => {
  it("leaves unset exactly the retries and execution timeouts mlgen lint reports missing, through modules of the DAG and plugins folders", async () => {
    const seen = airflowSees(python);
    if (airflowVersion === 3) expect(seen.version).toBe("3.3.2");
    // Every DAG loads, but the one with a relative import.
    expect(Object.keys(seen.import_errors)).toEqual(["relative.py"]);
    expect(seen.import_errors["relative.py"]).toContain(
      "attempted relative import with no known parent package",
    );
    // As `mlgen lint` names the files, from the Airflow home (the pre-commit hook's way: no DAG
    // folder given, so the nearest folder holding the package is taken as it).
    const linted = await lintPythonFiles(
      DAG_FILES.map((file) => ({ file, path: join(home, file) })),
      { airflowVersion },
      0,
    );
    const tasks = Object.entries(seen.tasks);
    const noRetries = tasks.filter(([, t]) => t.retries === 0).map(([id]) => id);
    const noTimeout = tasks.filter(([, t]) => t.execution_timeout === null).map(([id]) => id);
    expect(flagged(linted, "missing-retries")).toEqual(noRetries.sort());
    expect(flagged(linted, "missing-timeout")).toEqual(noTimeout.sort());
    // The module that lacks retries and a timeout: its DAG's tasks are reported.
    expect(noRetries.sort()).toEqual(["lean.load"]);
    expect(noTimeout.sort()).toEqual(["covered.load", "lean.extract", "lean.load"]);
    expect(seen.tasks["team.score"]).toMatchObject({ retries: 1, execution_timeout: 300 });
    // Every task alerts through the module's callback (the plugins' dict has none: team's DAG).
    const alerting = new Set(
      tasks.filter(([, t]) => t.on_failure_callback).map(([id]) => id.split(".")[0]),
    );
    const unalerted = linted
      .filter((r) => r.findings.some((f) => f.ruleId === "no-failure-alert"))
      .map((r) => /(\w+)\.py$/.exec(r.file)?.[1]);
    expect(unalerted).toEqual(["team"]);
    expect(alerting.has("team")).toBe(false);
    for (const dag of ["covered", "lean", "typo"]) expect(alerting.has(dag)).toBe(true);
    // The fix names the module the tasks' defaults come from.
    const lean = linted.find((r) => r.file === "dags/lean.py");
    expect(lean?.findings.find((f) => f.ruleId === "missing-retries")?.fix).toContain(
      "(the DAG's default_args come from defaults.LEAN in dags/common/defaults.py)",
    );
  }, 600_000);

  it("drops the module's misspelt key (the tasks keep its retries): mlgen lint reports it at the DAG file's line", async () => {
    const seen = airflowSees(python);
    expect(seen.tasks["typo.load"]).toMatchObject({ retries: 2, retires: false });
    const [typo] = await lintPythonFiles(
      [{ file: "dags/typo.py", path: join(home, "dags/typo.py") }],
      { airflowVersion },
      0,
    );
    const found = typo?.findings.filter((f) => f.ruleId === "unknown-default-arg") ?? [];
    expect(found).toHaveLength(1);
    const lines = FILES["dags/typo.py"]?.split("\n") ?? [];
    expect(lines[(found[0]?.line ?? 0) - 1]).toContain("default_args=TYPO");
    expect(found[0]?.message).toContain(
      "default_args key 'retires' of DAG 'typo' is no argument Airflow's operators take",
    );
    expect(found[0]?.message).toContain(
      "(at dags/common/defaults.py:12, through TYPO from common.defaults)",
    );
    // Nothing held back: each module was read.
    expect(typo?.sharedDefaults).toBeUndefined();
  }, 600_000);

  it("refuses the relative import: mlgen lint reads no dict there and says why", async () => {
    const [relative] = await lintPythonFiles(
      [{ file: "dags/relative.py", path: join(home, "dags/relative.py") }],
      { airflowVersion },
      0,
    );
    expect(relative?.sharedDefaults?.map((s) => s.note)).toEqual([
      "DEFAULT_ARGS from .common.defaults, for DAG 'relative': it is a relative import, which fails in a DAG file: Airflow imports each DAG file as a top-level module of its own (ImportError: attempted relative import with no known parent package)",
    ]);
    expect(relative?.findings.filter((f) => f.ruleId.startsWith("missing-"))).toEqual([]);
  }, 600_000);
});
