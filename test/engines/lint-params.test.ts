import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runDagOnce } from "./lint-together.js";

const TASKS: Readonly<Record<string, string>> = {
  never_typo: 'bash_command="echo {{ params.regoin }}"',
  never_keyed: 'bash_command="echo $DAYS", env={"DAYS": "{{ params[\'day\'] }}"}',
  never_in_group: 'bash_command="echo {{ params.windw }}"',
  ok_declared: "bash_command=\"echo {{ params.region }} {{ params.days }} {{ params['window'] }}\"",
  ok_default: "bash_command=\"echo {{ params.size | default(1) }} {{ params.get('x', 2) }}\"",
  ok_defined:
    'bash_command="echo {% if params.extra is defined %}{{ params.extra }}{% else %}none{% endif %}"',
  ok_asked: "bash_command=\"echo {% if 'opt' in params %}{{ params.opt }}{% endif %}\"",
  ok_own: 'bash_command="echo {{ params.local }}", params={"local": 1}',
};

function dagFile(tasks: Readonly<Record<string, string>>): string {
  const line = (id: string) => `    ${id} = BashOperator(task_id="${id}", ${tasks[id]})\n`;
  const grouped = Object.keys(tasks).filter((id) => id.endsWith("_in_group"));
  return `${DAG_HEAD}
try:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import Param
except ImportError:
    from airflow.models.param import Param
    from airflow.operators.bash import BashOperator

with DAG(
    "scheduled",
    schedule="@daily",
    start_date=START,
    catchup=False,
    params={"region": Param("eu", type="string"), "days": 3, "window": Param(7, type="integer")},
):
${Object.keys(tasks)
  .filter((id) => !grouped.includes(id))
  .map(line)
  .join("")}    with TaskGroup("grp"):
${grouped.map((id) => `    ${line(id)}`).join("")}`;
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-params");
}, 900_000);

/** Each task's state after one run (no conf) of the DAG, under a version. */
const runs = (version: 2 | 3, name: string, source: string) =>
  runDagOnce(work, version, name, "scheduled", source);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("fails exactly the tasks whose templates mlgen lint reports for an undeclared param, and runs them with the fixes", async () => {
    const real = runs(version, "as-written", dagFile(TASKS));
    const full = (id: string) => (id.endsWith("_in_group") ? `grp.${id}` : id);
    expect(real).toEqual(
      Object.fromEntries(
        Object.keys(TASKS).map((id) => [full(id), id.startsWith("never_") ? "failed" : "success"]),
      ),
    );

    const findings = await lintTogether(
      work,
      version,
      { "scheduled.py": dagFile(TASKS) },
      "template-error",
    );
    const reported = findings.map((f) => /of task '([^']+)'/.exec(f.message)?.[1]).sort();
    expect(reported).toEqual(
      Object.keys(TASKS)
        .filter((id) => id.startsWith("never_"))
        .map(full)
        .sort(),
    );
    // Each fix names the param the DAG has: written back, the task renders.
    const fixed: Record<string, string> = { ...TASKS };
    for (const f of findings) {
      const task = String(/of task '([^']+)'/.exec(f.message)?.[1]).replace(/^grp\./, "");
      const [, wrong] = /param '([^']+)'/.exec(f.message) ?? [];
      const [, right] = /did you mean params\.(\w+)\?/.exec(f.fix ?? "") ?? [];
      expect(right, f.fix).toBeDefined();
      fixed[task] = (fixed[task] as string)
        .replace(`params.${wrong}`, `params.${right}`)
        .replace(`params['${wrong}']`, `params['${right}']`);
    }
    const after = runs(version, "fixed", dagFile(fixed));
    expect(Object.values(after).every((s) => s === "success")).toBe(true);
  });
});
