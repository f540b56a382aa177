/**
 * Setup and teardown tasks (`setup: true`, `teardown: true | <setups>`): marked in the IR by the
 * DSL, checked where Airflow would refuse the DAG file (passes/check-setup-teardown.ts), written
 * as `as_teardown(setups=...)` / `as_setup()` on Airflow 3 and 2, MLG3001 on Kubeflow. The
 * engine tests run them on real Airflow 3 and 2 (test/engines/setup-teardown.test.ts;
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

  it("a teardown that joins a branch's sides gets no join rule (as_teardown() gives its own, which takes a skipped side)", () => {
    const { ir } = pipeline("joined", { params: { go: true } }, (p) => {
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" });
      p.branch("pick", { when: [p.params.go, "==", true], ifTrue: a, ifFalse: b });
      p.bash("clean", { command: "true", teardown: true }).after(a, b);
    });
    const r = lower(ir);
    // No join rule: a teardown's own rule takes a skipped side.
    expect(r.ok && r.ir.tasks.find((t) => t.id === "clean")?.options.triggerRule).toBe(null);
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
    // Said at the teardown that names them, not at the tasks it names.
    expect(problems.map((d) => `${d.code} ${d.task}: ${d.message} | ${d.fix}`)).toEqual([
      "MLG1011 of_map: invalid teardown of task 'of_map': 'fanned' is a mapped python task, which mlgen does not make a setup | name a p.python(), p.bash(), p.container() or p.operator() task that makes the resource",
      "MLG1011 of_map: invalid teardown of task 'of_map': 'gate' is a short_circuit task, which mlgen does not make a setup | name a p.python(), p.bash(), p.container() or p.operator() task that makes the resource",
    ]);
    expect(messages(ir)).toEqual([
      "MLG1011 td_rule: invalid triggerRule of task 'td_rule': a teardown runs by Airflow's all_done_setup_success (once the tasks before it are done, when a setup before it succeeded), which replaces 'all_done' | leave triggerRule out of a teardown task",
    ]);
  });

  it("a task right after a setup whose rule is not all_success cannot be written for Airflow (MLG3001), saying where the rule came from; Kubeflow has no such rule", () => {
    const { ir, problems } = pipeline("after", { defaults: { triggerRule: "all_done" } }, (p) => {
      const make = p.bash("make", { command: "true", setup: true });
      p.bash("work", { command: "true" }).after(make);
      p.bash("own", { command: "true", triggerRule: "one_success" }).after(make);
      p.bash("fine", { command: "true", triggerRule: "all_success" }).after(make);
      p.bash("clean", { command: "true", teardown: make });
    });
    expect(problems).toEqual([]);
    const said = (target: typeof airflowTarget) =>
      target
        .validate(input(ir))
        .filter((d) => d.code === "MLG3001")
        .map((d) => `${d.task}: ${d.message} | ${d.fix}`);
    expect(said(airflowTarget)).toEqual([
      `own: task 'own' after setup 'make' cannot be expressed for Airflow 3: its triggerRule is 'one_success', and Airflow refuses a DAG file where a task right after a setup has another trigger rule than all_success ("Setup tasks must be followed with trigger rule ALL_SUCCESS") | leave triggerRule out of 'own', or put a task between setup 'make' and it`,
      `work: task 'work' after setup 'make' cannot be expressed for Airflow 3: the defaults give it triggerRule 'all_done', and Airflow refuses a DAG file where a task right after a setup has another trigger rule than all_success ("Setup tasks must be followed with trigger rule ALL_SUCCESS") | give 'work' triggerRule: "all_success", or put a task between setup 'make' and it`,
    ]);
    expect(said(kubeflowTarget).filter((m) => m.includes("after setup"))).toEqual([]);
  });

  it("a join after a branch is judged by the rule Airflow gets: its own when an empty task joins the sides; a teardown gets no join", () => {
    const { ir } = pipeline("joins", { params: { go: true } }, (p) => {
      const make = p.bash("make", { command: "true", setup: true });
      const a = p.bash("a", { command: "true" });
      const b = p.bash("b", { command: "true" });
      p.branch("pick", { when: [p.params.go, "==", true], ifTrue: a, ifFalse: b });
      // Waits for the setup too: the join rule goes to an empty task, it keeps all_success.
      p.bash("report", { command: "true" }).after(a, b, make);
      // The setup on a side, its teardown after both sides and a task off the branch.
      const side = p.bash("side_make", { command: "true" });
      const other = p.bash("other", { command: "true" });
      p.branch("pick2", { when: [p.params.go, "==", true], ifTrue: side, ifFalse: other });
      const off = p.bash("off", { command: "true" });
      p.bash("side_remove", { command: "true", teardown: side }).after(other, off);
    });
    const r = lower(ir);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    expect(r.ir.tasks.find((t) => t.id === "report")?.joined).toEqual(["a", "b"]);
    const remove = r.ir.tasks.find((t) => t.id === "side_remove");
    expect([remove?.joined, remove?.options.triggerRule]).toEqual([undefined, null]);
    expect(airflowTarget.validate(input(ir)).filter((d) => d.code === "MLG3001")).toEqual([]);
    const [file] = airflowTarget.emit({ ...input(ir), settings: { airflowVersion: 3 } });
    expect(file?.content).toContain("    [off, other, side_make] >> side_remove\n");
  });

  it("a task after a group waits for the group's work, not for its teardown alone (Airflow's TaskGroup.get_leaves)", () => {
    const { ir } = pipeline("grouped", {}, (p) => {
      const train = p.group("train", {}, (g) => {
        const make = g.bash("make", { command: "true" });
        const work = g.bash("work", { command: "true" }).after(make);
        g.bash("remove", { command: "true", teardown: make }).after(work);
      });
      p.bash("deploy", { command: "true" }).after(train);
    });
    const r = lower(ir);
    expect(r.ok && r.ir.tasks.find((t) => t.id === "deploy")?.upstream).toEqual(["train.work"]);
  });

  it("a task after a group with no work in it (a setup and its teardown) waits for the teardown, not for nothing", () => {
    const { ir } = pipeline("env", {}, (p) => {
      const env = p.group("env", {}, (g) => {
        const make = g.bash("make", { command: "true", setup: true });
        g.bash("remove", { command: "true", teardown: make });
      });
      p.bash("deploy", { command: "true" }).after(env);
    });
    const r = lower(ir);
    expect(r.ok && r.ir.tasks.find((t) => t.id === "deploy")?.upstream).toEqual(["env.remove"]);
  });

  it("a dagrunTimeout beside teardowns is MLG1046 (a run that reaches it skips them), once, naming them; without teardowns it says nothing", () => {
    const timed = (teardown: boolean) =>
      pipeline(
        "timed",
        { dagrunTimeout: hours(2), defaults: { executionTimeout: hours(1) } },
        (p) => {
          const make = p.python("make", { fn: "tasks/steps.py:make", outputs: { dir: "string" } });
          p.bash("remove", { command: "rm -r /x", ...(teardown ? { teardown: make } : {}) }).after(
            make,
          );
          p.bash("note", { command: "echo done", ...(teardown ? { teardown: true } : {}) }).after(
            make,
          );
        },
      );
    const r = lower(timed(true).ir);
    expect(r.ok).toBe(true);
    expect(
      r.diagnostics.map((d) => `${d.code} ${d.severity} ${d.task}: ${d.message} | ${d.fix}`),
    ).toEqual([
      "MLG1046 warning undefined: pipeline 'timed' has a dagrunTimeout of 2 hours and teardowns 'remove', 'note': Airflow fails a run that reaches it and skips every task not done yet, teardowns too, so what their setups made is left behind | bound the work with an executionTimeout on its tasks instead (a task that times out fails, and the teardowns after it still run), or leave dagrunTimeout out",
    ]);
    expect(lower(timed(false).ir).diagnostics).toEqual([]);
    expect(lower(scratch().ir).diagnostics).toEqual([]);
  });

  it("a loop of teardowns in a group is MLG1002, not a walk for ever", () => {
    const { ir } = pipeline("loop", {}, (p) => {
      const g = p.group("g", {}, (g) => {
        const a = g.bash("a", { command: "true", teardown: true });
        const b = g.bash("b", { command: "true", teardown: true }).after(a);
        a.after(b);
      });
      p.bash("after", { command: "true" }).after(g);
    });
    expect(lower(ir).diagnostics.map((d) => d.code)).toContain("MLG1002");
  });

  it("a teardown that reads an output of the work gets None when the work failed, not an error", () => {
    const { ir } = pipeline("reads", {}, (p) => {
      const make = p.python("make", { fn: "tasks/steps.py:make", outputs: { dir: "string" } });
      const work = p.python("work", { fn: "tasks/steps.py:make", outputs: { dir: "string" } });
      p.python("clean", {
        fn: "tasks/steps.py:use",
        inputs: { dir: work.out.dir },
        teardown: make,
      });
    });
    const [file] = airflowTarget.emit({ ...input(ir), settings: { airflowVersion: 3 } });
    const text = file?.content ?? "";
    expect(text.slice(text.indexOf("def run_clean("))).toMatch(
      /^def run_clean\([^)]*\):[\s\S]*?_pull\(ti, "work", "dir", required=False\)/,
    );
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
      p.bash("flagged", {
        command: "true",
        teardown: true,
        ...({ onFailureFailDagrun: true } as object),
      });
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
      "MLG1022 flagged: there is no option 'onFailureFailDagrun' in task 'flagged', so it would be ignored | mlgen does not carry Airflow's on_failure_fail_dagrun (a teardown's): remove it (Airflow then judges the run by that teardown: a run whose work failed ends success when the teardown succeeds (Airflow 3.3.2 and 2.11.2); a teardown without it leaves the run's state to the work)",
    ]);
  });
});
