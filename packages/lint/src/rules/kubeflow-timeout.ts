import { effectiveOptions } from "@mlgen/core/light";
import { decidesOnly } from "../dsl.js";
import { defineRule } from "../rule.js";

/** `3600` → `1h`, `90` → `90s`: how the finding shows the timeout. */
function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Target-aware: a timeout the Kubeflow target cannot carry unless the platform spec is on. */
export const kubeflowTimeout = defineRule({
  id: "kubeflow-timeout",
  code: "MLG2012",
  defaultSeverity: "warning",
  description:
    "a task timeout that the Kubeflow output drops, because kubeflow.timeouts (the Kubernetes platform spec) is off",
  checkPipeline({ ir, kubeflow }, report) {
    if (!kubeflow || kubeflow.timeouts) return;
    for (const task of ir.tasks) {
      if (decidesOnly(task)) continue;
      const timeout = effectiveOptions(ir, task).executionTimeout;
      if (timeout === null) continue;
      report({ task: task.id, timeout: duration(timeout) }, `task:${task.id}`);
    }
  },
});
