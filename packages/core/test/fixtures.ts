import { EMPTY_TASK_OPTIONS, IR_VERSION, type Pipeline, type Task } from "../src/index.js";

export function pythonTask(
  id: string,
  extra: Partial<Extract<Task, { kind: "python" }>> = {},
): Task {
  return {
    kind: "python",
    id,
    group: null,
    after: [],
    upstream: [],
    options: { ...EMPTY_TASK_OPTIONS },
    module: "tasks/m.py",
    function: "f",
    inputs: {},
    outputs: {},
    mlflow: null,
    map: null,
    outlets: [],
    ...extra,
  };
}

export function samplePipeline(
  tasks: Task[] = [pythonTask("a"), pythonTask("b", { after: ["a"], upstream: ["a"] })],
): Pipeline {
  return {
    kind: "pipeline",
    irVersion: IR_VERSION,
    id: "sample",
    description: null,
    schedule: { kind: "preset", preset: "@daily" },
    startDate: "2025-01-01",
    timezone: null,
    catchup: false,
    tags: [],
    owner: null,
    maxActiveRuns: null,
    maxActiveTasks: null,
    dagrunTimeout: null,
    groups: {},
    params: {},
    defaults: { ...EMPTY_TASK_OPTIONS },
    tasks,
  };
}
