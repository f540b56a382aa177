/**
 * Setup and teardown tasks (`setup: true`, `teardown: true | <setups>`): marked in the IR by the
 * DSL, checked where Airflow would refuse the DAG file (passes/check-setup-teardown.ts), written
 * as `as_teardown(setups=...)` / `as_setup()` on Airflow 3 and 2, MLG3001 on Kubeflow. The
 * engine tests run them on real Airflow 3 and 2 (airflow-constructs: "setup and teardown";
 * airflow-dags: is_setup, is_teardown and the trigger rule of every task).
 */
import { describe, expect, it } from "vitest";
import { hours, pipeline } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const STEPS =
  "def make() -> dict:\n    return {'dir': '/x'}\n\n\ndef use(dir) -> None:\n    pass\n";
const lower = (ir: unknown) =>
  lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/steps.py", STEPS]]) });

function input(ir: unknown) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { ...r, sourceFile: "p.ts", sourceMap: {}, pythonFiles: [] };
}

const scratch = () =>
  pipeline("scratch", { defaults: { executionTimeout: hours(1) } }, (p) => {
    const make = p.python("make", { fn: "tasks/steps.py:make", outputs: { dir: "string" } });
    const warm = p.bash("warm", { command: "echo warm", setup: true });
    const use = p.python("use", { fn: "tasks/steps.py:use", inputs: { dir: make.out.dir } });
    use.after(warm);
    p.bash("remove", { command: "rm -r /x", teardown: make }).after(use);
    p.bash("note", { command: "echo done", teardown: true }).after(use);
  });

const messages = (ir: unknown) => {
  const r = lower(ir);
  return r.diagnostics.map((d) => `${d.code} ${d.task}: ${d.message} | ${d.fix}`);
};

describe("setup and teardown tasks", () => {
  it("a teardown's setups become setups and come right before it; the rest are marked as given", () => {
    const { ir, problems } = scratch();
    expect(problems).toEqual([]);
    const r = lower(ir);
    if (!r.ok) throw new Error("did not lower");
    const roles = Object.fromEntries(r.ir.tasks.map((t) => [t.id, t.setupTeardown ?? null]));
    expect(roles).toEqual({
      make: "setup",
      warm: "setup",
      use: null,
      remove: "teardown",
      note: "teardown",
    });
    expect(r.ir.tasks.find((t) => t.id === "remove")?.upstream).toEqual(["make", "use"]);
    // A pipeline without them keeps its IR (and hash): the field is absent.
    expect(Object.hasOwn(r.ir.tasks.find((t) => t.id === "use") ?? {}, "setupTeardown")).toBe(
      false,
    );
  });

  it("are as_teardown(setups=...) and as_setup() after the edges on Airflow 3 and 2, without a trigger rule of their own", () => {
    for (const airflowVersion of [3, 2] as const) {
      const [file] = airflowTarget.emit({ ...input(scratch().ir), settings: { airflowVersion } });
      const text = file?.content ?? "";
      expect(text).toContain(
        [
          "    [make, warm] >> use",
          "    use >> note",
          "    [make, use] >> remove",
          "    note.as_teardown()",
          "    remove.as_teardown(setups=make)",
          "    warm.as_setup()",
        ].join("\n"),
      );
      expect(text).not.toContain("trigger_rule");
    }
  });

  it("a teardown that joins a branch's sides gets no trigger rule written (as_teardown() gives its own)", () => {
    const { ir } = pipeline("joined", { params: { go: true } }, (p) => {
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" });
      p.branch("pick", { when: [p.params.go, "==", true], ifTrue: a, ifFalse: b });
      p.bash("clean", { command: "true", teardown: true }).after(a, b);
    });
    const r = lower(ir);
    expect(r.ok && r.ir.tasks.find((t) => t.id === "clean")?.options.triggerRule).toBe(
      "none_failed_min_one_success",
    );
    const [file] = airflowTarget.emit({ ...input(ir), settings: { airflowVersion: 3 } });
    expect(file?.content).toContain(
      '    clean = BashOperator(\n        task_id="clean",\n        bash_command="true",\n    )\n',
    );
    expect(file?.content).toContain("    clean.as_teardown()\n");
  });

  it("is MLG3001 on Kubeflow for a teardown, which no KFP task is; a setup is a task like any", () => {
    const said = kubeflowTarget
      .validate(input(scratch().ir))
      .filter((d) => d.code === "MLG3001")
      .map((d) => `${d.task}: ${d.message}`);
    expect(said).toEqual([
      "note: teardown task 'note' cannot be expressed for Kubeflow Pipelines: a Kubeflow task runs only when the tasks before it succeeded, so it would not run after a failed one, which a teardown is for",
      "remove: teardown task 'remove' cannot be expressed for Kubeflow Pipelines: a Kubeflow task runs only when the tasks before it succeeded, so it would not run after a failed one, which a teardown is for",
    ]);
  });

  it("refuses what Airflow refuses or mlgen does not carry, with the fix (MLG1011)", () => {
    const { ir, problems } = pipeline("bad", { params: { go: true } }, (p) => {
      const make = p.bash("make", { command: "true", setup: true });
      p.bash("td_rule", { command: "true", teardown: make, triggerRule: "all_done" });
      const fanned = p.map("fanned", { fn: "tasks/steps.py:use", over: [1, 2], as: "dir" });
      const gate = p.shortCircuit("gate", { when: [p.params.go, "==", true] });
      p.bash("of_map", { command: "true", teardown: [fanned, gate] });
    });
    expect(problems).toEqual([]);
    expect(messages(ir)).toEqual([
      "MLG1011 td_rule: invalid triggerRule of task 'td_rule': a teardown runs by Airflow's all_done_setup_success (once the tasks before it are done, when a setup before it succeeded), which replaces 'all_done' | leave triggerRule out of a teardown task",
      "MLG1011 fanned: invalid setup of task 'fanned': a mapped task is no setup in mlgen | make one task the setup, before the mapped task (a setup) or after it (a teardown)",
      "MLG1011 gate: invalid setup of task 'gate': a short_circuit task is no setup in mlgen | make a p.python(), p.bash(), p.container() or p.operator() task the setup",
    ]);
  });

  it("a task right after a setup with another rule than all_success is MLG1011, saying where the rule came from", () => {
    const { ir, problems } = pipeline("after", { defaults: { triggerRule: "all_done" } }, (p) => {
      const make = p.bash("make", { command: "true", setup: true });
      p.bash("work", { command: "true" }).after(make);
      p.bash("own", { command: "true", triggerRule: "one_success" }).after(make);
      p.bash("fine", { command: "true", triggerRule: "all_success" }).after(make);
      p.bash("clean", { command: "true", teardown: make });
    });
    expect(problems).toEqual([]);
    expect(messages(ir)).toEqual([
      `MLG1011 own: invalid task 'own' after setup 'make': its triggerRule is 'one_success', and Airflow refuses a DAG file where a task right after a setup has another trigger rule than all_success ("Setup tasks must be followed with trigger rule ALL_SUCCESS") | leave triggerRule out of 'own', or put a task between setup 'make' and it`,
      `MLG1011 work: invalid task 'work' after setup 'make': the defaults give it triggerRule 'all_done', and Airflow refuses a DAG file where a task right after a setup has another trigger rule than all_success ("Setup tasks must be followed with trigger rule ALL_SUCCESS") | give 'work' triggerRule: "all_success", or put a task between setup 'make' and it`,
    ]);
  });

  it("the DSL says what is wrong with a setup or teardown option (MLG1011), and which calls take them (MLG1022)", () => {
    const { problems } = pipeline("opts", {}, (p) => {
      const g = p.group("g", {}, (g) => {
        g.bash("inner", { command: "true" });
      });
      p.bash("both", { command: "true", setup: true, teardown: true });
      p.bash("yes", { command: "true", ...({ setup: "yes" } as object) });
      p.bash("of_group", { command: "true", teardown: g });
      p.bash("of_text", { command: "true", ...({ teardown: "make" } as object) });
      const td = p.bash("td", { command: "true", teardown: true });
      p.bash("of_teardown", { command: "true", teardown: td });
      p.fileSensor("sensor", { path: "/x", ...({ setup: true } as object) });
    });
    expect(problems.map((d) => `${d.code} ${d.task}: ${d.message} | ${d.fix}`)).toEqual([
      "MLG1011 both: invalid setup and teardown of task 'both': a task is a setup or a teardown, not both (Airflow refuses the DAG: the task is already a setup) | make one task that sets up and another, after the work, that tears down",
      `MLG1011 yes: invalid setup of task 'yes': it is "yes", not true or false | write setup: true, or leave it out`,
      "MLG1011 of_group: invalid teardown of task 'of_group': 'g' is a task group, and Airflow marks tasks as setups, not groups | name the group's task that makes the resource",
      expect.stringMatching(
        /^MLG1011 of_text: invalid teardown \(its setups\) of 'of_text': it is the string 'make', not a task handle \| /,
      ),
      "MLG1011 of_teardown: invalid teardown of task 'of_teardown': 'td' is a teardown itself, and a teardown's setups are setups | name the task that makes the resource",
      expect.stringMatching(
        /^MLG1022 sensor: .* \| mlgen does not carry Airflow's setup tasks \(as_setup\) on this kind of task: remove it \(p\.python\(\), p\.bash\(\), p\.container\(\) and p\.operator\(\) take setup: true\)$/,
      ),
    ]);
  });
});
