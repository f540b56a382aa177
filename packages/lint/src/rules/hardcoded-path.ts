import { taskValues } from "@mlgen/core/light";
import { taskTexts } from "../dsl.js";
import { localPaths } from "../paths.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

export const hardcodedPath = defineRule({
  id: "hardcoded-path",
  code: "MLG2002",
  defaultSeverity: "warning",
  description:
    "an absolute local path (/Users/…, /home/…, /tmp/…, /data/…, C:\\…) in a value that reaches a task",
  checkPipeline({ ir }, report) {
    for (const task of ir.tasks) {
      const values = taskValues(task);
      if (task.kind === "python" && task.mlflow?.trackingUri) {
        values.push(["mlflow.trackingUri", task.mlflow.trackingUri]);
      }
      for (const [where, text] of taskTexts(task, values)) {
        for (const m of localPaths(text)) {
          report(
            {
              where,
              task: task.id,
              path: m.path,
              hint: "read it when the task runs: env('DATA_DIR') or variable('data_dir', default), then .join('file.csv')",
            },
            `task:${task.id}`,
          );
        }
      }
    }
  },
  checkPython(file, report) {
    const seen = new Set<string>();
    for (const s of file.strings) {
      const raw = textOf(file.source, s.node);
      for (const m of localPaths(raw)) {
        const key = `${s.node.from + m.from}:${s.task}`;
        if (seen.has(key)) continue;
        seen.add(key);
        report(
          {
            where: s.where,
            task: s.task,
            path: m.path.replace(/\\\\/g, "\\"),
            hint: "read it when the task runs: Variable.get('data_dir') or os.environ inside the task, or {{ var.value.data_dir }} in a templated field",
          },
          file.lines.span(s.node.from + m.from, s.node.from + m.to),
        );
      }
    }
  },
});
