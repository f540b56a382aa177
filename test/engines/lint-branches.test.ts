/**
 * branch-target (MLG2031) and branch-join-skipped (MLG2032) against real Airflow: the DAGs the
 * rules report fail or skip exactly as the messages say under dag.test(), the near misses run,
 * and each fix, written back, makes the reported task run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runFolderOnce } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
try:
    from airflow.providers.standard.operators.python import BranchPythonOperator
except ImportError:
    from airflow.operators.python import BranchPythonOperator

`;

interface Case {
  /** The DAG's body (in `with DAG(...)`), and the code before it. */
  readonly before: string;
  readonly body: string;
}

/** Reported: the values are what a run leaves of the tasks named. */
const REPORTED: Readonly<Record<string, Case>> = {
  // A task in a TaskGroup named without its group: the branch task fails.
  group_prefix: {
    before: `def choose_model():
    return "train_full"
`,
    body: `    pick = BranchPythonOperator(task_id="pick", python_callable=choose_model)
    with TaskGroup("train"):
        full = EmptyOperator(task_id="train_full")
        incr = EmptyOperator(task_id="train_incr")
    pick >> [full, incr]
`,
  },
  // A join with all_success after both sides: skipped whichever side is taken.
  join_default: {
    before: `@task.branch
def route():
    return "retrain" if 2 > 1 else "keep"
`,
    body: `    r = route()
    retrain = EmptyOperator(task_id="retrain")
    keep = EmptyOperator(task_id="keep")
    publish = EmptyOperator(task_id="publish")
    after = EmptyOperator(task_id="after_publish")
    r >> [retrain, keep] >> publish >> after
`,
  },
  // A task further down returned: every task directly after the branch is skipped, it too.
  far_target: {
    before: `def choose_far():
    return "deploy"
`,
    body: `    gate = BranchPythonOperator(task_id="gate", python_callable=choose_far)
    validate = EmptyOperator(task_id="validate")
    deploy = EmptyOperator(task_id="deploy")
    skip = EmptyOperator(task_id="skip")
    gate >> validate >> deploy
    gate >> skip
`,
  },
};

/** Near misses: nothing reported, every task runs or is skipped as the branch means. */
const CLEAN: Readonly<Record<string, Case>> = {
  // The documented join rule.
  join_rule: {
    before: `@task.branch
def route_ok():
    return "a"
`,
    body: `    r = route_ok()
    a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b")
    j = EmptyOperator(task_id="j", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    r >> [a, b] >> j
`,
  },
  // Both sides followed (a list): the join runs.
  both_sides: {
    before: `def both():
    return ["a", "b"]
`,
    body: `    r = BranchPythonOperator(task_id="r", python_callable=both)
    a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b")
    j = EmptyOperator(task_id="j")
    r >> [a, b] >> j
`,
  },
  // An empty side: the join is directly after the branch and after the side it follows.
  empty_side: {
    before: `def one_side():
    return "a"
`,
    body: `    r = BranchPythonOperator(task_id="r", python_callable=one_side)
    a = EmptyOperator(task_id="a")
    j = EmptyOperator(task_id="j")
    r >> [a, j]
    a >> j
`,
  },
  // A group returned by its id: its first tasks are followed.
  group_id: {
    before: `def to_group():
    return "grp"
`,
    body: `    r = BranchPythonOperator(task_id="r", python_callable=to_group)
    with TaskGroup("grp") as grp:
        inner = EmptyOperator(task_id="inner")
    other = EmptyOperator(task_id="other")
    r >> [grp, other]
`,
  },
};

function dagFile(cases: Readonly<Record<string, Case>>): string {
  return `${HEAD}${Object.entries(cases)
    .map(
      ([id, c]) => `${c.before}

with DAG("${id}", schedule=None, start_date=START, catchup=False):
${c.body}`,
    )
    .join("\n\n")}`;
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-branches");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("fails or skips exactly what branch-target and branch-join-skipped report, runs the near misses, and runs each reported task once its fix is written back", async () => {
    const source = dagFile({ ...REPORTED, ...CLEAN });
    const { states } = runFolderOnce(work, version, "as-written", { "branches.py": source });
    expect(states).toMatchObject({
      "group_prefix.pick": "failed",
      "join_default.route": "success",
      "join_default.retrain": "success",
      "join_default.keep": "skipped",
      "join_default.publish": "skipped",
      "join_default.after_publish": "skipped",
      "far_target.gate": "success",
      "far_target.validate": "skipped",
      "far_target.deploy": "skipped",
      "far_target.skip": "skipped",
      "join_rule.a": "success",
      "join_rule.b": "skipped",
      "join_rule.j": "success",
      "both_sides.j": "success",
      "empty_side.j": "success",
      "group_id.grp.inner": "success",
      "group_id.other": "skipped",
    });

    const findings = await lintTogether(work, version, { "branches.py": source }, "branch-target");
    const joins = await lintTogether(
      work,
      version,
      { "branches.py": source },
      "branch-join-skipped",
    );
    expect(findings.map((f) => f.message)).toEqual([
      "branch 'pick' returns 'train_full', but DAG 'group_prefix' has no task or task group by that id, so Airflow fails 'pick' ('branch_task_ids' must contain only valid task_ids) on every run that returns it",
      "branch 'gate' returns 'deploy', which is not directly after it: Airflow skips every task directly after a branch that the branch does not return ('validate', 'skip'), and what comes after them, 'deploy' among them",
    ]);
    expect(joins.map((f) => f.message)).toEqual([
      "task 'publish' waits for both sides ('retrain' and 'keep') of branch 'route' with trigger rule all_success, and the branch follows one side at most, so the side it does not follow is skipped, and 'publish' with it, on every run (and the tasks after it)",
    ]);

    // The fixes, as the findings say them.
    expect(findings.map((f) => f.fix)).toEqual([
      "return 'train.train_full': a task in a TaskGroup has the id 'group.task'",
      "return 'validate', the task directly after 'gate' that 'deploy' comes after: the branch follows it, and 'deploy' runs after it",
    ]);
    expect(joins[0]?.fix).toContain(
      "pass trigger_rule=\"none_failed_min_one_success\" to 'publish'",
    );
    const fixed = dagFile({
      group_prefix: {
        ...(REPORTED.group_prefix as Case),
        before: (REPORTED.group_prefix as Case).before.replace(
          '"train_full"',
          '"train.train_full"',
        ),
      },
      join_default: {
        ...(REPORTED.join_default as Case),
        body: (REPORTED.join_default as Case).body.replace(
          'EmptyOperator(task_id="publish")',
          'EmptyOperator(task_id="publish", trigger_rule="none_failed_min_one_success")',
        ),
      },
      far_target: {
        ...(REPORTED.far_target as Case),
        before: (REPORTED.far_target as Case).before.replace('"deploy"', '"validate"'),
      },
    });
    const after = runFolderOnce(work, version, "fixed", { "branches.py": fixed }).states;
    expect(after).toMatchObject({
      "group_prefix.pick": "success",
      "group_prefix.train.train_full": "success",
      "group_prefix.train.train_incr": "skipped",
      "join_default.publish": "success",
      "join_default.after_publish": "success",
      "far_target.validate": "success",
      "far_target.deploy": "success",
      "far_target.skip": "skipped",
    });
    expect(await lintTogether(work, version, { "branches.py": fixed }, "branch-target")).toEqual(
      [],
    );
    expect(
      await lintTogether(work, version, { "branches.py": fixed }, "branch-join-skipped"),
    ).toEqual([]);
  });
});
