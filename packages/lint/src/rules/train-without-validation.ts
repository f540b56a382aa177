import { upstreamClosure } from "../dsl.js";
import { upstreamOf } from "../python/queries.js";
import { defineRule } from "../rule.js";

const TRAINING = /(^|[_.\-\s])(re)?(train|training|fit)([_.\-\s]|$)/i;
const VALIDATION = /valid|check|quality|expect|verify|assert|profil/i;

export const isTraining = (...names: (string | null | undefined)[]) =>
  names.some((n) => n && TRAINING.test(n.replace(/([a-z])([A-Z])/g, "$1_$2")));
const isValidation = (...names: (string | null | undefined)[]) =>
  names.some((n) => n && VALIDATION.test(n));

export const trainWithoutValidation = defineRule({
  id: "train-without-validation",
  code: "MLG2008",
  defaultSeverity: "warning",
  description: "a training task (id or function says train/fit) with no data validation upstream",
  checkPipeline({ ir }, report) {
    const byId = new Map(ir.tasks.map((t) => [t.id, t]));
    const upstream = upstreamClosure(ir);
    for (const task of ir.tasks) {
      const fn = task.kind === "python" ? task.function : null;
      if (task.kind === "validate" || !isTraining(task.id.split(".").pop(), fn)) continue;
      const validated = [...(upstream.get(task.id) ?? [])].some((id) => {
        const t = byId.get(id);
        return t?.kind === "validate" || isValidation(id, t?.kind === "python" ? t.function : null);
      });
      if (validated) continue;
      report(
        {
          task: task.id,
          hint: "add p.validate('validate_data', { data, requiredColumns, minRows }) and pass its data on, or .after() it",
        },
        `task:${task.id}`,
      );
    }
  },
  checkPython(file, report) {
    const byId = new Map(file.tasks.map((t) => [t.id, t]));
    for (const task of file.tasks) {
      if (!isTraining(task.id.split(".").pop(), task.callable?.name)) continue;
      const up = upstreamOf(file, task.id);
      if ([...up].some((id) => isValidation(id, byId.get(id)?.callable?.name))) continue;
      report(
        {
          task: task.id,
          hint: `run a data validation task before it: validate_data >> ${task.id.split(".").pop()}`,
        },
        task.span,
      );
    }
  },
});
