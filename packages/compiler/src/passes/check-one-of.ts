import {
  diagnostic,
  type OutputType,
  outputHandle,
  type Pipeline,
  type Ref,
  type Task,
  taskOutputs,
  taskValues,
  type Value,
  visitValue,
} from "@mlgen/core";
import { branchSides } from "./branch-joins.js";
import { type PassContext, taskPlace } from "./context.js";

const shown = (refs: readonly Ref[]) => refs.map((r) => outputHandle(r.task, r.output)).join(", ");

/**
 * `oneOf(a, b, ...)`: the output of whichever side of a branch ran. Mirrors what kfp's
 * `dsl.OneOf` refuses (kfp/dsl/pipeline_channel.py, OneOfMixin): outputs of one type, no
 * collected (mapped) outputs, no oneOf inside another, a branch with an Else side, the
 * outputs read from the sides of one If/Else group (kfp's compiler fails on outputs from a side
 * and from a branch nested in another side, but takes dsl.Elif's sides, which mlgen writes for a
 * branch on the false side of another: see chainElifs in targets/kubeflow/scopes.ts); and,
 * where kfp only assumes it, one output per side, so exactly one of them runs. A oneOf is a python task's input of its own, as a kfp OneOf
 * is a component input. A oneOf over both sides of a branch nested in a side of another is
 * read on that side only.
 */
export function checkOneOf(ir: Pipeline, ctx: PassContext): void {
  if (!ir.tasks.some((t) => taskValues(t).some(([, v]) => holdsOneOf(v)))) return;
  const byId = new Map(ir.tasks.map((t) => [t.id, t] as const));
  const { sides } = branchSides(ir);
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    for (const [path, value] of taskValues(task)) {
      // A condition's sides as the DSL writes them: `when: [left, op, right]`.
      const written =
        path === "condition" ? "when[0]" : path === "condition.right" ? "when[2]" : path;
      const input = written.replace(/^inputs\./, "");
      const kind = task.kind === "short_circuit" ? "short-circuit" : task.kind;
      const report = (refs: readonly Ref[], reason: string, hint: string) =>
        ctx.report(
          diagnostic("MLG1032", { input, task: task.id, refs: shown(refs), reason, hint }, place),
        );
      const topLevel = value.kind === "oneOf" && task.kind === "python" && path !== "map.over";
      visitValue(value, (v) => {
        if (v.kind !== "oneOf" || (topLevel && v === value)) return;
        report(
          v.refs,
          `which is not a python task's input of its own (here: ${written} of a ${kind} task${v === value ? "" : ", inside a list, object or path"})`,
          path.startsWith("condition")
            ? "read it in a python task (inputs: { value: oneOf(...) }) that returns it, and compare that task's output in the condition"
            : `pass oneOf(...) as a whole input of a python task (inputs: { ${input.replace(/\W/g, "_")}: oneOf(...) }) and build anything else from it there`,
        );
      });
      if (!topLevel || value.kind !== "oneOf") continue;
      checkRefs(value.refs, task, byId, sides, report);
    }
  }
}

function holdsOneOf(value: Value): boolean {
  let found = false;
  visitValue(value, (v) => {
    if (v.kind === "oneOf") found = true;
  });
  return found;
}

function checkRefs(
  refs: readonly Ref[],
  consumer: Task,
  byId: ReadonlyMap<string, Task>,
  sides: ReadonlyMap<string, ReadonlyMap<string, boolean>>,
  report: (refs: readonly Ref[], reason: string, hint: string) => void,
): void {
  const producers: Task[] = [];
  for (const ref of refs) {
    const p = byId.get(ref.task);
    // A missing task or output is resolveRefs' to say (MLG1004, MLG1003).
    if (!p || !(ref.output in taskOutputs(p))) return;
    producers.push(p);
  }
  const mapped = producers.filter((p) => p.kind === "python" && p.map !== null);
  if (mapped.length > 0) {
    report(
      refs,
      `and '${mapped[0]?.id}' is a mapped task, whose output is the list of every instance's (kfp refuses dsl.Collected inside dsl.OneOf)`,
      `collect the list in a task on that side (inputs: { values: ${mapped[0]?.id}.out.… }) and put that task's output in oneOf(...)`,
    );
    return;
  }
  const types = refs.map((r, i) => taskOutputs(producers[i] as Task)[r.output] as OutputType);
  if (new Set(types).size > 1) {
    report(
      refs,
      `whose outputs have different types (${refs.map((r, i) => `${r.task}.${r.output}: ${types[i]}`).join(", ")}), so '${consumer.id}' could not know what it gets (kfp refuses them too)`,
      "declare the outputs with one type, or convert one in a task on its side",
    );
    return;
  }
  const at = producers.map((p) => sides.get(p.id) ?? new Map<string, boolean>());
  const common = [...(at[0]?.keys() ?? [])].filter((b) => at.every((s) => s.has(b)));
  const split = common.find((b) => new Set(at.map((s) => s.get(b))).size > 1);
  if (split === undefined) {
    const loose = producers.filter((_, i) => (at[i]?.size ?? 0) === 0).map((p) => `'${p.id}'`);
    report(
      refs,
      loose.length > 0
        ? `but ${loose.join(", ")} ${loose.length === 1 ? "is" : "are"} on no side of a branch: ${loose.length === 1 ? "it runs" : "they run"} whichever way a branch goes, so oneOf would not pick the side that ran`
        : common.length > 0
          ? `but all of them are on the ${at[0]?.get(common[0] as string) ? "ifTrue" : "ifFalse"} side of branch '${common[0]}', so they run together, not instead of each other`
          : "but they are not on the sides of one branch, so more than one of them can run",
      "put in oneOf(...) one output from each side of one branch (ifTrue, ifFalse, or the sides of a branch inside one of them); read an output that always runs directly",
    );
    return;
  }
  for (let i = 0; i < refs.length; i++) {
    for (let j = i + 1; j < refs.length; j++) {
      if (at[i]?.get(split) !== at[j]?.get(split)) continue;
      // On one side of `split`, but on the two sides of a branch inside it: never both run
      // (what is wrong there is said below).
      const apart = [...(at[i]?.entries() ?? [])].some(
        ([b, side]) => at[j]?.has(b) === true && at[j]?.get(b) !== side,
      );
      if (apart) continue;
      const pi = producers[i]?.id;
      const pj = producers[j]?.id;
      report(
        refs,
        pi === pj
          ? `which reads task '${pi}' twice`
          : `but '${pi}' and '${pj}' are both on the ${at[i]?.get(split) ? "ifTrue" : "ifFalse"} side of branch '${split}', so both can run`,
        `keep one output per side of '${split}': one from its ifTrue side, one from its ifFalse side`,
      );
      return;
    }
  }
  // A oneOf over the sides of a branch nested in a side of another: none of them runs when the
  // other side of the outer branch does, so the reading task must be skipped with them.
  const mine = sides.get(consumer.id);
  const outer = common.find(
    (b) => b !== split && new Set(at.map((s) => s.get(b))).size === 1 && mine?.has(b) !== true,
  );
  if (outer !== undefined) {
    report(
      refs,
      `but all of them are on the ${at[0]?.get(outer) ? "ifTrue" : "ifFalse"} side of branch '${outer}', and '${consumer.id}' also runs when the other side does, when none of them ran`,
      `read oneOf(...) in a task on that side of '${outer}' only, or add the other side's output to a oneOf over the sides of '${outer}'`,
    );
    return;
  }
  // A producer behind a branch inside a side of `split` may not run even when its side does,
  // unless the outputs on that side cover both sides of that branch, itself all that side runs
  // first (an If/Elif/Else chain: `ifFalse: check_stage`, kfp's dsl.Elif): then exactly one runs.
  const context = (b: string) => sides.get(b) ?? new Map<string, boolean>();
  /** Producer i runs whenever side `side` of branch `b` does: b's conditions and that side. */
  const runsWith = (i: number, b: string, side: boolean) =>
    at[i]?.get(b) === side && (at[i]?.size ?? 0) === context(b).size + 1;
  /** Where `of` fails to put exactly one running output on each side of `b`, or null. */
  type Gap = { branch: string; side: boolean; behind?: { producer: number; inner: string } };
  const gapIn = (of: number[], b: string): Gap | null => {
    for (const side of [true, false]) {
      const on = of.filter((i) => at[i]?.get(b) === side);
      const first = on[0];
      if (first === undefined) return { branch: b, side };
      if (on.length === 1 && runsWith(first, b, side)) continue;
      // The branch that side runs first, when all the outputs on it are behind it.
      const inner = [...(at[first]?.keys() ?? [])].find(
        (c) => context(c).get(b) === side && context(c).size === context(b).size + 1,
      );
      if (inner === undefined || !on.every((i) => at[i]?.has(inner) === true)) {
        return { branch: b, side, ...(inner ? { behind: { producer: first, inner } } : {}) };
      }
      if (on.length === 1) return { branch: b, side, behind: { producer: first, inner } };
      const gap = gapIn(on, inner);
      if (gap) return gap;
    }
    return null;
  };
  const gap = gapIn([...refs.keys()], split);
  if (gap === null) return;
  const sideName = (side: boolean) => (side ? "ifTrue" : "ifFalse");
  if (gap.behind) {
    const p = producers[gap.behind.producer]?.id;
    report(
      refs,
      `but '${p}' is on a side of branch '${gap.behind.inner}', inside the ${sideName(gap.side)} side of '${gap.branch}', so it may not run even when that side does`,
      `put in oneOf(...) one output of each side of '${gap.behind.inner}' too (a branch on the ifFalse side of another is an If/Elif/Else chain), or an output of a task on that side of '${gap.branch}' that runs after '${gap.behind.inner}' whichever way it goes (a join)`,
    );
    return;
  }
  report(
    refs,
    `but none of them is on the ${sideName(gap.side)} side of branch '${gap.branch}', so none of them runs when that side does`,
    `add to oneOf(...) an output of a task on the ${sideName(gap.side)} side of '${gap.branch}'`,
  );
}
