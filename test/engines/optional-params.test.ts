/**
 * Optional params (`{ default: null, type }`) on real Airflow 3 and 2: the DAG's
 * `Param(None, type=["null", ...])` lets a run leave them unset, and the Python task then gets
 * None; a run whose conf sets them gets the values (a whole number given to a number param as a
 * float, as Kubeflow gives it); Airflow's own check of the param refuses a value of another type
 * or below its minimum; a template that prints one renders the text None (MLG1049), a default
 * filter too; one that computes with it fails the task with a TypeError unless the text tests
 * it against None first (MLG1050, which refuses such a pipeline: the DAG here is written by
 * hand, as the compiler would write the bash task). The Kubeflow side: kfp-equivalence (kfp-eq-optional) and
 * kubeflow-target (the executor run with and without the inputs).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FAILS, RENDERS } from "../../packages/core/test/jinja-none-cases.js";
import { ensureEngines, PYTHON, tempDir } from "./harness.js";
import { lintTogether, runScript } from "./lint-together.js";
import { compileProject, projectsFolder } from "./projects.js";

const TASKS = `import json


def pick(cutoff: str | None, limit: int | None, ratio: float | None, name: str):
    seen = [cutoff, limit, ratio, type(ratio).__name__, name]
    print("PICKED " + json.dumps(seen))
`;

/** The same pipeline under `id`: three optional params and one with a default. */
const pipelineSource = (id: string) => `import { pipeline } from "@mlgen/dsl";

export default pipeline(
  "${id}",
  {
    params: {
      cutoff: { default: null, type: "string", description: "only rows after this date" },
      limit: { default: null, type: "integer", minimum: 1 },
      ratio: { default: null, type: "number" },
      name: "x",
    },
    defaults: { retries: 0 },
  },
  (p) => {
    p.python("pick", {
      fn: "tasks/t.py:pick",
      inputs: {
        cutoff: p.params.cutoff,
        limit: p.params.limit,
        ratio: p.params.ratio,
        name: p.params.name,
      },
    });
    // MLG1049: the first two print None when the run leaves it unset; the last, nothing.
    p.bash("echo", {
      command: "echo \\"RENDERED [{{ params.cutoff }}] [{{ params.cutoff | default('x') }}] [{{ params.cutoff or '' }}]\\"",
    });
  },
);
`;

const RUNS = ["unset", "set", "wrong_type", "below_minimum"] as const;

/**
 * What MLG1050 is about, on the engine: a bash command computing with an optional param, as is,
 * tested against None first, and with a stand-in.
 */
const COMPUTED_DAG = `import pendulum

try:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG, Param
except ImportError:
    from airflow import DAG
    from airflow.models.param import Param
    from airflow.operators.bash import BashOperator

with DAG(
    dag_id="optional_computed",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    params={"limit": Param(None, type=["null", "integer"])},
):
    BashOperator(task_id="computed", bash_command="echo COMPUTED {{ params.limit + 1 }}")
    BashOperator(
        task_id="tested",
        bash_command="echo TESTED {% if params.limit is not none %}{{ params.limit + 1 }}{% endif %}",
    )
    BashOperator(task_id="stand_in", bash_command="echo STAND_IN {{ (params.limit or 0) + 1 }}")
`;

let work = "";
const projects = projectsFolder("optional-params");
beforeAll(() => {
  ensureEngines();
  work = tempDir("optional-params");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("a run that leaves an optional param unset calls the task with None; one that sets it, with the value; Airflow refuses another type and a value below the minimum", async () => {
    const dir = join(projects(), `optional-${version}`);
    const files: Record<string, string> = { "tasks/t.py": TASKS };
    for (const id of RUNS) files[`pipelines/${id}.pipeline.ts`] = pipelineSource(`optional_${id}`);
    const built = await compileProject(dir, files, [
      "compile",
      ...RUNS.map((id) => `pipelines/${id}.pipeline.ts`),
      "--out",
      "dags",
      "--airflow-version",
      String(version),
    ]);
    expect(built.code, built.said).toBe(0);
    const warnings = built.said.split("\n").filter((l) => /warning|error/.test(l));
    expect(warnings).toHaveLength(RUNS.length);
    for (const w of warnings) {
      expect(w).toMatch(
        /warning MLG1049: the command of task 'echo' prints optional param 'cutoff' \('\{\{ params\.cutoff \}\}.*which Airflow renders as the text 'None' when a run leaves it unset/,
      );
    }

    writeFileSync(join(dir, "dags", "optional_computed.py"), COMPUTED_DAG);
    const { json, output } = runScript(
      work,
      version,
      "optional",
      join(dir, "dags"),
      "param_runs.py",
      [],
      {
        MLGEN_RUN_CONF: JSON.stringify({
          optional_set: { cutoff: "2025-01-01", limit: 5, ratio: 2 },
          optional_wrong_type: { limit: "five" },
          optional_below_minimum: { limit: 0 },
        }),
      },
    );
    const runs = json as Record<string, { tasks?: Record<string, string>; refused?: string }>;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI color codes in Airflow's log
    const text = output.replace(/\u001b\[[0-9;]*m/g, "");
    expect(runs.optional_unset).toEqual({ tasks: { echo: "success", pick: "success" } });
    expect(text).toContain('PICKED [null, null, null, "NoneType", "x"]');
    expect(text).toContain("RENDERED [None] [None] []");
    expect(runs.optional_set).toEqual({ tasks: { echo: "success", pick: "success" } });
    expect(text).toContain('PICKED ["2025-01-01", 5, 2.0, "float", "x"]');
    expect(text).toContain("RENDERED [2025-01-01] [2025-01-01] [2025-01-01]");
    // Airflow checks a run's params against the DAG's before any task runs.
    expect(runs.optional_wrong_type?.refused).toMatch(/^ParamValidationError: .*limit/s);
    expect(runs.optional_wrong_type?.refused).toContain("'five' is not of type 'null', 'integer'");
    expect(runs.optional_below_minimum?.refused).toMatch(/^ParamValidationError: .*limit/s);
    expect(runs.optional_below_minimum?.refused).toContain("0 is less than the minimum of 1");
    expect(text.match(/PICKED /g)).toHaveLength(2);
    // MLG1050: computing with it fails the task when the run leaves it unset.
    expect(runs.optional_computed).toEqual({
      tasks: { computed: "failed", stand_in: "success", tested: "success" },
    });
    expect(text).toContain("TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'");
    expect(text).toContain("STAND_IN 1");
    // mlgen lint's none-param-computed (MLG2042) names exactly the task that failed.
    const found = await lintTogether(
      work,
      version,
      { "optional_computed.py": COMPUTED_DAG },
      "none-param-computed",
    );
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^bash_command of task 'computed' computes with param 'limit', whose default is None/,
      ),
    ]);
  });
});

describe("Airflow's template environment", () => {
  it("renders the templates MLG1050 and none-param-computed pass, and fails the ones they report, with the param None", () => {
    const script = `import json, sys
from airflow.sdk import DAG
env = DAG("cases").get_template_env()
ctx = {"params": {"x": None, "y": None, "s": None, "tables": []}, "ready": True, "runs": []}
out = []
for text in json.load(sys.stdin):
    try:
        env.from_string(text).render(**ctx)
        out.append(None)
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
`;
    const texts = [...RENDERS, ...FAILS.map(([text]) => text)];
    const got = JSON.parse(
      execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(texts), encoding: "utf8" }),
    ) as (string | null)[];
    const failed = texts.filter((_, i) => got[i] !== null);
    expect(failed).toEqual(FAILS.map(([text]) => text));
  });
});
