import { outputHandle, refsIn, taskOutputs, taskValues } from "@mlgen/core/light";
import { taskTexts } from "../dsl.js";
import { templatePulls } from "../python/jinja.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

export const unusedOutput = defineRule({
  id: "unused-output",
  code: "MLG2007",
  defaultSeverity: "info",
  description: "a declared output (or an explicitly pushed XCom key) that no task reads",
  checkPipeline({ ir }, report) {
    const read = new Set<string>();
    for (const task of ir.tasks) {
      const values = taskValues(task);
      for (const [, v] of values) for (const r of refsIn(v)) read.add(`${r.task}\0${r.output}`);
      for (const [, text] of taskTexts(task, values)) {
        for (const p of templatePulls(text)) {
          for (const id of p.taskIds ?? []) read.add(`${id}\0${p.key ?? ""}`);
        }
      }
    }
    for (const task of ir.tasks) {
      // The last tasks' outputs are the pipeline's results (shown in the UI, read by people).
      if (!ir.tasks.some((t) => t.upstream.includes(task.id))) continue;
      for (const output of Object.keys(taskOutputs(task))) {
        if (read.has(`${task.id}\0${output}`)) continue;
        report(
          {
            what: "output",
            key: output,
            task: task.id,
            hint: `read it downstream (${outputHandle(task.id, output)}) or ${task.kind === "operator" ? "leave returns out" : "remove it from the outputs"}`,
          },
          `task:${task.id}`,
        );
      }
    }
  },
  checkPython(file, report) {
    const pulls = file.tasks.flatMap((t) => t.pulls);
    // Every pull must be known: computed ids or keys, and template files, hold the check back.
    if (file.dynamicIds || file.groupCopies.size > 0 || file.readsTemplateFiles) return;
    if (pulls.some((p) => p.taskIds === null || p.key === null)) return;
    for (const task of file.tasks) {
      // A task of a @dag function never called never runs: dag-never-called says so.
      if (neverBuilt(file, task.dagDecl)) continue;
      const seen = new Set<string>();
      for (const push of task.pushSpans) {
        if (seen.has(push.key)) continue;
        seen.add(push.key);
        if (pulls.some((p) => p.key === push.key && p.taskIds?.includes(task.id))) continue;
        report(
          {
            what: "XCom key",
            key: push.key,
            task: task.id,
            hint: "pull it where it is needed, or stop pushing it",
          },
          push.span,
        );
      }
    }
  },
});
