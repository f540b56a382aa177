/**
 * Bad input: each case gives its diagnostic code, the place (file:line:col where known) and
 * the fix; exit code 1; no stack trace; and the previous output is left exactly as it was.
 */
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG, pipelineSource, project, TASKS } from "./project.js";

interface Case {
  readonly files: Record<string, string | null>;
  readonly code: string;
  /** Text the message or fix must contain. */
  readonly says: readonly (string | RegExp)[];
  /** Extra arguments after `compile`. */
  readonly argv?: readonly string[];
  /** Text that must not appear anywhere in the output (a secret). */
  readonly hides?: string;
}

const LOAD = `  const load = p.python("load", { fn: "tasks/steps.py:load", outputs: { path: "string", rows: "int" } });`;

/** The config with `taskFiles` (and other settings) added. */
const withTaskFiles = (taskFiles: string, more = "") =>
  CONFIG.replace('out: "dags"', `out: "dags", taskFiles: ${taskFiles}${more}`);

const cases: [string, Case][] = [
  [
    "a taskFiles glob that matches no file",
    {
      files: {
        "mlgen.config.ts": withTaskFiles('["tasks/sql/*.sql"]'),
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1011",
      says: [
        "invalid taskFiles: 'tasks/sql/*.sql' in mlgen.config.ts matches no file",
        "read from the config file's folder",
      ],
    },
  ],
  [
    "a taskFiles file outside the root",
    {
      files: {
        "mlgen.config.ts": withTaskFiles('["shared/q.sql"]', ', root: "src"'),
        "pipelines/demo.pipeline.ts": pipelineSource(),
        "src/tasks/steps.py": TASKS,
        "shared/q.sql": "SELECT 1\n",
      },
      code: "MLG1011",
      says: [
        "shared/q.sql (from 'shared/q.sql') is outside the root src, where the task modules are",
      ],
    },
  ],
  [
    "a Python module in taskFiles",
    {
      files: {
        "mlgen.config.ts": withTaskFiles('["tasks/*.py"]'),
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1011",
      says: [
        "tasks/steps.py (from 'tasks/*.py') is a Python module",
        "leave Python files out of taskFiles",
      ],
    },
  ],
  [
    "a binary file in taskFiles",
    {
      files: {
        "mlgen.config.ts": withTaskFiles('["tasks/model.bin"]'),
        "pipelines/demo.pipeline.ts": pipelineSource(),
        "tasks/model.bin": "\u0000\u0001weights",
      },
      code: "MLG1011",
      says: ["tasks/model.bin (from 'tasks/model.bin') is not UTF-8 text", "keep binary data"],
    },
  ],
  [
    "an output named after an XCom key the DAG pushes itself",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          `  p.python("load", { fn: "tasks/steps.py:load", outputs: { return_value: "int", rows: "int" } });`,
        ),
      },
      code: "MLG1011",
      says: [
        "pipelines/demo.pipeline.ts:4:5",
        "invalid output name 'return_value' of task 'load'",
        "one output would overwrite the other",
        "name the output otherwise, e.g. 'value'",
      ],
    },
  ],
  [
    "an option a call does not take is placed at the line that writes it, not at the call's",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          `  p.python("load", {
    fn: "tasks/steps.py:load",
    outputs: { path: "string", rows: "int" },
    ...({ executionTimout: 60 } as object),
  });`,
        ),
      },
      code: "MLG1022",
      says: [
        "pipelines/demo.pipeline.ts:7:11",
        "there is no option 'executionTimout' in task 'load'",
        "did you mean 'executionTimeout'?",
      ],
    },
  ],
  [
    "a container resource the types refuse is named as the DSL spells it (gpu, not the IR's gpuLimit)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          `  p.container("c", { image: "python:3.11", command: ["true"], resources: { gpu: 0.5 as number } });`,
        ),
      },
      code: "MLG1011",
      says: [
        "pipelines/demo.pipeline.ts:4:5",
        "invalid resources.gpu of task 'c': expected a whole number of accelerators",
      ],
    },
  ],
  [
    "gpu: 0 says to leave it out",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          `  p.container("c", { image: "python:3.11", command: ["true"], resources: { gpu: 0 } });`,
        ),
      },
      code: "MLG1011",
      says: ["invalid resources.gpu of task 'c': expected 1 or more (leave gpu out for none)"],
    },
  ],
  [
    "duplicate task ids",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`  p.bash("step", { command: "true" });
  p.bash("step", { command: "false" });`),
      },
      code: "MLG1001",
      says: [
        "pipelines/demo.pipeline.ts:5:5",
        "task id 'step' is used more than once (first at line 4, column 5)",
        "unique id",
      ],
    },
  ],
  [
    "a cycle, at the .after() that closed it (it pointed at the first task's definition)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`  const a = p.bash("a", { command: "true" });
  const b = p.bash("b", { command: "true" }).after(a);
  a.after(b);`),
      },
      code: "MLG1002",
      says: [
        "pipelines/demo.pipeline.ts:6:5",
        "tasks form a cycle: a -> b -> a",
        "remove one of the dependencies",
      ],
    },
  ],
  [
    "a task ordered after itself (the edge used to be dropped without a word)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`  const a = p.bash("a", { command: "true" });
  a.after(a);`),
      },
      code: "MLG1002",
      says: [
        "pipelines/demo.pipeline.ts:4:15",
        "tasks form a cycle: 'a' -> 'a' (.after() of itself)",
      ],
    },
  ],
  [
    "a group ordered after itself",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`  const g = p.group("prep", {}, (g) => {
    g.bash("a", { command: "true" });
  });
  p.bash("b", { command: "true" });
  g.after(g);`),
      },
      code: "MLG1002",
      says: ["tasks form a cycle: 'prep' -> 'prep' (.after() of itself)"],
    },
  ],
  [
    "an input that references an undeclared output",
    {
      files: {
        "pipelines/demo.pipeline.ts":
          pipelineSource(`  const load = p.python("load", { fn: "tasks/steps.py:load", outputs: { path: "string", rows: "int" } });
  // @ts-expect-error: the type checker catches this first; the compiler still must.
  p.python("train", { fn: "tasks/steps.py:train", inputs: { path: load.out.pth, rows: load.out.rows } });`),
      },
      code: "MLG1003",
      says: [
        "pipelines/demo.pipeline.ts:6:5",
        "task 'train' inputs.path reads output 'pth' of task 'load', which declares no such output",
        "(declared: path, rows)",
      ],
    },
  ],
  [
    "an invalid cron expression",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(undefined, `{ schedule: "0 25 * * *" }`),
      },
      code: "MLG1005",
      says: [
        "pipelines/demo.pipeline.ts:3:16",
        "invalid schedule '0 25 * * *'",
        "hour field '25' is out of range 0-23",
        "@daily",
      ],
    },
  ],
  [
    "an unknown schedule preset",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(undefined, `{ schedule: "@fortnightly" }`),
      },
      code: "MLG1005",
      says: ["invalid schedule '@fortnightly': unknown preset"],
    },
  ],
  [
    "an id that Airflow does not accept",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          `  p.bash("train model!", { command: "true" });`,
        ),
      },
      code: "MLG1006",
      says: [
        "pipelines/demo.pipeline.ts:4:5",
        "task id 'train model!' is not a valid Airflow id",
        `contains " "`,
        "letters, digits",
      ],
    },
  ],
  [
    "a missing Python module",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(),
        "tasks/steps.py": null,
        "tasks/other.py": TASKS,
      },
      code: "MLG1007",
      says: [
        "pipelines/demo.pipeline.ts:4:18",
        "Python module 'tasks/steps.py' used by task 'load' was not found",
        "create tasks/steps.py",
      ],
    },
  ],
  [
    "a module that is a folder, and a task without fn (an error each, where reading the project's folder as its module stopped the compile)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          `  p.python("load", { fn: "tasks:load" });\n  p.python("train", {} as never);`,
        ),
        "tasks/steps.py": TASKS,
      },
      code: "MLG1011",
      says: [
        "pipelines/demo.pipeline.ts:5:5",
        "invalid fn of task 'train': it is missing",
        "fn: 'path/to/module.py:function_name'",
        "invalid module path 'tasks' of task 'load' (fn): it must be a relative path to a .py file",
      ],
    },
  ],
  [
    "a missing Python function",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(),
        "tasks/steps.py": "def load():\n    return {}\n",
      },
      code: "MLG1008",
      says: [
        "pipelines/demo.pipeline.ts:5:5",
        "function 'train' used by task 'train' is not defined at top level of tasks/steps.py",
        "def train(...)",
      ],
    },
  ],
  [
    "a task module that is not valid Python (checked before anything is written)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(),
        "tasks/steps.py": "def load():\n    return {}\n\ndef train(:\n    pass\n",
      },
      code: "MLG1023",
      says: [
        'tasks/steps.py:4:11: error MLG1023: tasks/steps.py is not valid Python: expected ")"',
        "python -m py_compile tasks/steps.py",
      ],
    },
  ],
  [
    "a helper module next to the task modules that is Python 2",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(),
        "tasks/helpers/report.py": 'def report(rows):\n    print "rows: %d" % rows\n',
      },
      code: "MLG1023",
      says: ["tasks/helpers/report.py:2:5", "a Python 2 print statement"],
    },
  ],
  [
    "a config file that does not load",
    {
      files: {
        "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";\nconst base = undefined as unknown as { out: string };\nexport default defineConfig({ pipelines: ["pipelines/*.pipeline.ts"], out: base.out });\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "mlgen.config.ts:3:",
        "config file mlgen.config.ts could not be loaded",
        "Cannot read properties of undefined",
      ],
    },
  ],
  [
    "a config value misspelt: the one meant",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], target: "kubflow" };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        `'target': must be airflow, kubeflow or all, not "kubflow"`,
        `fix: did you mean "kubeflow"? ('target' takes airflow, kubeflow or all)`,
      ],
    },
  ],
  [
    "a lint rule's severity misspelt: the severities, and the one meant",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], lint: { rules: { "missing-retries": "warn" } } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        `'lint.rules.missing-retries': must be off, info, warning or error, not "warn"`,
        `fix: did you mean "warning"?`,
      ],
      hides: "Invalid option",
    },
  ],
  [
    "one glob where the config takes a list: the list holding it",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: "pipelines/*.pipeline.ts" };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'pipelines': must be a list, not a string",
        `fix: write a list, even of one: pipelines: ["pipelines/*.pipeline.ts"]`,
      ],
    },
  ],
  [
    "a config file with an unknown key",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], outDir: "build" };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "unknown key 'outDir' (the config takes",
        "takes pipelines, out, target, root, taskFiles, airflow, kubeflow, lint)",
      ],
    },
  ],
  [
    "a config value is never echoed unless it looks like a version (no token reaches the output)",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], airflow: { version: { token: "s3cr3t-t0ken-value" } } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'airflow.version': must be 3 (Airflow 3) or 2 (Airflow 2.10 and 2.11), not an object",
      ],
      hides: "s3cr3t",
    },
  ],
  [
    "a minor Airflow version in the config: the fix says the major one",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], airflow: { version: 2.10 } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'airflow.version': must be the major version only, 3 (Airflow 3) or 2 (Airflow 2.10 and 2.11), not 2.1 (a number: 2.10 reads as 2.1)",
        "fix: write airflow: { version: 2 } for Airflow 2.10 and 2.11",
      ],
    },
  ],
  [
    "a bad kubeflow.secretEnv name is said as such, not as a rule id, and not echoed when it is no name",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], kubeflow: { secretEnv: { "BAD NAME;x": { secret: "s", key: "k" }, "s3cr3t/t0ken=value+xyz": { secret: "s", key: "k" } } } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'kubeflow.secretEnv': a key is not an environment variable name (letters, digits and underscores, not starting with a digit)",
        "fix: kubeflow: { secretEnv: { MLFLOW_TRACKING_TOKEN: { secret: 'mlflow', key: 'token' } } }",
      ],
      hides: "s3cr3t",
    },
  ],
  [
    "a misspelt key of a kubeflow.secretEnv variable: the keys it takes and the one meant (not 'received undefined')",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], kubeflow: { secretEnv: { DB_PASSWORD: { secrt: "db", key: "pw" } } } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "could not be loaded: unknown key 'kubeflow.secretEnv.DB_PASSWORD.secrt': did you mean 'kubeflow.secretEnv.DB_PASSWORD.secret'? (kubeflow.secretEnv.DB_PASSWORD takes secret, key)\n",
        "fix: kubeflow: { secretEnv: { MLFLOW_TRACKING_TOKEN: { secret: 'mlflow', key: 'token' } } }",
      ],
    },
  ],
  [
    "a kubeflow.secretEnv key or secret name Kubernetes does not take says what is wrong with it",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], kubeflow: { secretEnv: { DB_PASSWORD: { secret: "db", key: "pass word" }, TOKEN: { secret: "Tokens", key: "t" }, URL: { key: "u" }, HOST: "db" } } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'kubeflow.secretEnv.DB_PASSWORD.key' is not a key a Kubernetes secret can have: it has a space (keys are letters, digits, '-', '_' and '.')",
        "'kubeflow.secretEnv.TOKEN.secret' is not a Kubernetes secret name: it has 'T' (names are lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
        "'kubeflow.secretEnv.URL.secret' is missing (the name of the Kubernetes secret)",
        `'kubeflow.secretEnv.HOST': must be an object { secret, key }, not "db"`,
        "fix: write the key as the secret holds it (kubectl get secret <name> -o jsonpath='{.data}' lists its keys)",
      ],
    },
  ],
  [
    "a kubeflow.imagePullSecrets name Kubernetes does not take says what is wrong with it",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], kubeflow: { imagePullSecrets: ["regcred", "Team_Registry"] } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'kubeflow.imagePullSecrets.1' is not a Kubernetes secret name: it has 'T' (names are lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
      ],
    },
  ],
  [
    "a config file with unknown or bad nested keys (named by their full path)",
    {
      files: {
        "mlgen.config.ts": `export default { pipelines: ["pipelines/*.pipeline.ts"], airflow: { version: 5, password: "hunter2" }, kubeflow: { timeout: true } };\n`,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "'airflow.version': must be 3 (Airflow 3) or 2 (Airflow 2.10 and 2.11), not 5",
        "unknown key 'airflow.password' (airflow takes version)",
        "unknown key 'kubeflow.timeout': did you mean 'kubeflow.timeouts'? (kubeflow takes out, image, packages, kfpPackage, installKfp, timeouts, caching, secretEnv, imagePullSecrets)",
      ],
    },
  ],
  [
    "a pipeline module that throws",
    {
      files: {
        "pipelines/demo.pipeline.ts": `import { pipeline } from "@mlgen/dsl";\nconst settings: { retries: number } | undefined = undefined;\nexport default pipeline("demo", { defaults: { retries: settings!.retries } }, () => {});\n`,
      },
      code: "MLG1014",
      says: ["pipelines/demo.pipeline.ts:3:", "failed while loading"],
    },
  ],
  [
    "a pipeline module importing a file that does not exist: the place is the import's specifier",
    {
      files: {
        "pipelines/demo.pipeline.ts": `import { pipeline } from "@mlgen/dsl";\nimport { helper } from "./helpers";\nexport default pipeline("demo", {}, (p) => { p.bash("a", { command: helper }); });\n`,
      },
      code: "MLG1014",
      says: ["pipelines/demo.pipeline.ts:2:25", "failed while loading: Cannot find module"],
    },
  ],
  [
    "a pipeline module importing a name the DSL does not export: the place is the name",
    {
      files: {
        "pipelines/demo.pipeline.ts": `import {\n  pipeline,\n  hour,\n} from "@mlgen/dsl";\nexport default pipeline("demo", {}, () => { void hour; });\n`,
      },
      code: "MLG1014",
      says: ["pipelines/demo.pipeline.ts:3:3", "does not provide an export named 'hour'"],
    },
  ],
  [
    "a syntax error in a pipeline module (esbuild's reason and place, column 1-based)",
    {
      files: {
        "pipelines/demo.pipeline.ts": `import { pipeline } from "@mlgen/dsl";\nexport default pipeline("demo", {}, () => {});)\n`,
      },
      code: "MLG1014",
      says: ["pipelines/demo.pipeline.ts:2:47", 'failed while loading: Unexpected ")"'],
    },
  ],
  [
    "a syntax error in the config file",
    {
      files: {
        "mlgen.config.ts": "export default {\n",
        "pipelines/demo.pipeline.ts": pipelineSource(),
      },
      code: "MLG1009",
      says: [
        "mlgen.config.ts:2:1",
        "could not be loaded: Expected identifier but found end of file",
      ],
    },
  ],
  [
    "a module with no pipeline export",
    {
      files: { "pipelines/demo.pipeline.ts": "export const notAPipeline = 1;\n" },
      code: "MLG1010",
      says: ["pipelines/demo.pipeline.ts does not export a pipeline", "export default pipeline("],
    },
  ],
  [
    "a branch target that runs before the branch",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`${LOAD}
  p.branch("route", { when: [load.out.rows, ">", 2], ifTrue: load });`),
      },
      code: "MLG1016",
      says: [
        "pipelines/demo.pipeline.ts:5:5",
        "branch 'route' lists 'load' in ifTrue, but 'load' runs before it (it is upstream: the condition reads its output 'rows')",
        "a branch chooses among tasks that come after it",
      ],
    },
  ],
  [
    "a branch target that runs after a target of the other side (it never runs)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`${LOAD}
  const deploy = p.bash("deploy", { command: "true" });
  const rollback = p.bash("rollback", { command: "true" }).after(deploy);
  p.branch("route", { when: [load.out.rows, ">", 2], ifTrue: deploy, ifFalse: rollback });`),
      },
      code: "MLG1011",
      says: [
        "pipelines/demo.pipeline.ts:7:5",
        "invalid branch 'route': 'rollback' (ifFalse) runs after 'deploy' (ifTrue), so it never runs",
        `give it triggerRule: "none_failed_min_one_success" if it may run without 'deploy'`,
      ],
    },
  ],
  [
    "a task right after a branch that is not one of its targets",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`${LOAD}
  const deploy = p.bash("deploy", { command: "true" });
  const route = p.branch("route", { when: [load.out.rows, ">", 2], ifTrue: deploy });
  p.bash("audit", { command: "true" }).after(route);`),
      },
      code: "MLG1017",
      says: [
        "pipelines/demo.pipeline.ts:7:5",
        "task 'audit' runs right after branch 'route' but is not one of its targets",
        "add 'audit' to the branch's ifTrue or ifFalse",
      ],
    },
  ],
  [
    "a mapped task fed something that is not a list",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`${LOAD}
  // @ts-expect-error: the type checker rejects a non-list; the compiler still must.
  p.map("each", { fn: "tasks/steps.py:train", over: load.out.rows, as: "path", inputs: { rows: 1 } });`),
      },
      code: "MLG1018",
      says: [
        "pipelines/demo.pipeline.ts:6:5",
        "mapped task 'each' maps over output 'rows' of task 'load' (declared int), which is not a list",
        'declared "list"',
      ],
    },
  ],
  [
    "two outputs of one task mapped over",
    {
      files: {
        "pipelines/demo.pipeline.ts":
          pipelineSource(`  const load = p.python("load", { fn: "tasks/steps.py:load", outputs: { a: "list", b: "list" } });
  p.map("x", { fn: "tasks/steps.py:train", over: load.out.a, as: "path", inputs: { rows: 1 } });
  p.map("y", { fn: "tasks/steps.py:train", over: load.out.b, as: "path", inputs: { rows: 1 } });`),
      },
      code: "MLG1020",
      says: [
        "outputs 'a' and 'b' of task 'load' are both mapped over",
        "split 'load' into two tasks",
      ],
    },
  ],
  [
    "a condition the DSL refuses gets no target's error on top (it read the bad side as null)",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(`${LOAD}
  p.shortCircuit("has_rows", { when: [load.out.rows, "!=", [] as never] });`),
      },
      argv: ["--target", "all"],
      code: "MLG1011",
      says: ["its right side (when[2]) is a list"],
      hides: "compares with null",
    },
  ],
  [
    "a construct the Airflow 2 dialect cannot express",
    {
      files: {
        "pipelines/demo.pipeline.ts": pipelineSource(
          undefined,
          `{ schedule: "@daily", startDate: "2025-01-01", defaults: { retries: 2, retryExponentialBackoff: 3 } }`,
        ),
      },
      argv: ["--airflow-version", "2"],
      code: "MLG3001",
      says: [
        "pipelines/demo.pipeline.ts:3:16",
        "retryExponentialBackoff: 3 (the pipeline defaults) cannot be expressed for Airflow 2 (2.10, 2.11)",
        "Airflow 2 only doubles the delay",
        "--airflow-version 3",
      ],
    },
  ],
];

describe("mlgen compile on bad input", () => {
  it.each(cases)("%s", async (_name, c) => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      ...c.files,
    });
    // A previous good output that a failed compile must not touch.
    proj.write("dags/demo.py", "# previous output\n");
    proj.write("dags/.mlgen-manifest.json", '{"generatedBy":"mlgen","files":["demo.py"]}\n');
    const before = proj.snapshot();
    const { code, stderr, stdout } = await proj.mlgen("compile", ...(c.argv ?? []));
    expect(code).toBe(1);
    expect(stderr).toContain(`error ${c.code}:`);
    for (const s of c.says) {
      if (typeof s === "string") expect(stderr).toContain(s);
      else expect(stderr).toMatch(s);
    }
    expect(stderr).toContain("fix:");
    if (c.hides) expect(stderr + stdout).not.toContain(c.hides);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe("");
    expect(proj.snapshot()).toEqual(before);
  });

  it("a group with a task's id, either first, or two groups with one id, is said once", async () => {
    const errors = async (body: string) => {
      const proj = project({
        "mlgen.config.ts": CONFIG,
        "tasks/steps.py": TASKS,
        "pipelines/demo.pipeline.ts": pipelineSource(body),
      });
      const { code, stderr } = await proj.mlgen("compile");
      expect(code).toBe(1);
      return stderr.split("\n").filter((l) => l.includes("error MLG"));
    };
    const group = `  p.group("prep", {}, (g) => {
    g.bash("x", { command: "true" });
  });`;
    const task = `  p.bash("prep", { command: "true" });`;
    expect(await errors(`${task}\n${group}`)).toEqual([
      expect.stringMatching(
        /^pipelines\/demo\.pipeline\.ts:5:5: error MLG1001: group id 'prep' is used more than once: a task has it too \(first at line 4, column 5\)$/,
      ),
    ]);
    expect(await errors(`${group}\n${task}`)).toEqual([
      expect.stringMatching(
        /^pipelines\/demo\.pipeline\.ts:7:5: error MLG1001: task id 'prep' is used more than once: a group has it too \(first at line 4, column 5\)$/,
      ),
    ]);
    expect(await errors(`${group}\n${group.replace('"x"', '"y"')}`)).toEqual([
      expect.stringMatching(
        /^pipelines\/demo\.pipeline\.ts:7:5: error MLG1001: group id 'prep' is used more than once \(first at line 4, column 5\)$/,
      ),
    ]);
  });

  it("a sensor in poke mode with a multi-hour timeout is a warning: the output is written", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": `import { hours, minutes, pipeline } from "@mlgen/dsl";
export default pipeline("demo", { schedule: "@daily", startDate: "2025-01-01" }, (p) => {
  p.fileSensor("wait", { path: "/data/{{ ds }}.csv", mode: "poke", timeout: hours(6) });
  p.fileSensor("wait_default", { path: "/data/x.csv", mode: "poke" });
  // Each try ends at the 40-minute execution timeout, retried 3 times: 160 minutes.
  p.fileSensor("tries", {
    path: "/data/y.csv",
    mode: "poke",
    timeout: hours(6),
    executionTimeout: minutes(40),
    retries: 3,
  });
  // Each try ends at 20 minutes, once: under the hour.
  p.fileSensor("short", { path: "/data/z.csv", mode: "poke", timeout: hours(6), executionTimeout: minutes(20), retries: 1 });
});
`,
    });
    const { code, stderr } = await proj.mlgen("compile");
    expect(code).toBe(0);
    expect(stderr).toContain(
      "sensor 'tries' waits up to 160 minutes (4 tries of its executionTimeout of 40 minutes, which ends each try before its timeout of 6 hours) in poke mode",
    );
    expect(stderr).not.toContain("MLG1019: sensor 'short'");
    // Its tries end at their execution timeout long before its own 6 hours: said as such.
    expect(stderr).toContain(
      "warning MLG1029: sensor 'short' has a timeout of 6 hours in poke mode, but its executionTimeout of 20 minutes ends each try first",
    );
    expect(stderr).toContain(
      "pipelines/demo.pipeline.ts:3:5: warning MLG1019: sensor 'wait' waits up to 6 hours in poke mode",
    );
    expect(stderr).toContain(
      "sensor 'wait_default' waits up to 7 days (Airflow's default timeout)",
    );
    expect(stderr).toContain('use mode: "reschedule"');
    expect(proj.read("dags/demo.py")).toContain('mode="poke"');
  });

  it("a pipeline module that throws: MLGEN_DEBUG=1 shows the whole stack, as the fix says", async () => {
    const p = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": `import { pipeline } from "@mlgen/dsl";\nfunction settings(): { retries: number } { throw new Error("no settings for demo"); }\nexport default pipeline("demo", { defaults: { retries: settings().retries } }, () => {});\n`,
    });
    const plain = await p.mlgen("compile");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("failed while loading: no settings for demo");
    expect(plain.stderr).toContain("set MLGEN_DEBUG=1 for the whole stack trace");
    expect(plain.stderr).not.toContain("    at ");
    process.env.MLGEN_DEBUG = "1";
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const debug = await p.mlgen("compile");
      expect(debug.code).toBe(1);
      expect(debug.stderr).toContain("failed while loading: no settings for demo");
      expect(written.join("")).toMatch(
        /^Error: no settings for demo\n {4}at settings \(.*demo\.pipeline\.ts/,
      );
    } finally {
      process.stderr.write = write;
      delete process.env.MLGEN_DEBUG;
    }
  });

  it("an Airflow version mlgen does not emit for is a usage error", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    for (const version of ["1.10", "2.9", "2.9.3", "4", "3.x"]) {
      const { code, stderr } = await proj.mlgen("compile", "--airflow-version", version);
      expect(code, version).toBe(2);
      expect(stderr).toContain(`'${version}' is not an Airflow version mlgen emits for`);
      expect(stderr).toContain("--airflow-version 2");
    }
    for (const version of ["2.10", "2.11.2", "3.1"]) {
      expect((await proj.mlgen("compile", "--airflow-version", version)).code, version).toBe(0);
    }
  });

  it("a pipeline whose DAG file would shadow its task modules' folder", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource().replace('"demo"', '"tasks"'),
    });
    const { code, stderr } = await proj.mlgen("compile");
    expect(code).toBe(1);
    expect(stderr).toContain(
      "error MLG1011: invalid pipeline id 'tasks': its DAG file tasks.py has the name of the task modules",
    );
    expect(stderr).toMatch(/^pipelines\/demo\.pipeline\.ts:\d+:\d+: error/m);
    expect(existsSync(join(proj.dir, "dags"))).toBe(false);
    // A regular package (tasks/__init__.py) is imported before a module of its name.
    proj.write("tasks/__init__.py", "");
    const pkg = await proj.mlgen("compile");
    expect(pkg.stderr).toBe("");
    expect(pkg.code).toBe(0);
  });

  it("a pipeline whose DAG file has the name of a task module at the project root is MLG1011, never written over it", async () => {
    // train.py beside mlgen.config.ts and pipeline id 'train': both are dags/train.py. The
    // module once overwrote the DAG file, and compile said it wrote both.
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "train.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(
        `  p.python("load", { fn: "train.py:load", outputs: { path: "string", rows: "int" } });`,
      ).replace('"demo"', '"train"'),
    });
    const { code, stderr } = await proj.mlgen("compile");
    expect(code).toBe(1);
    expect(stderr).toContain(
      "error MLG1011: invalid pipeline id 'train': its DAG file train.py has the name of the task modules",
    );
    expect(existsSync(join(proj.dir, "dags"))).toBe(false);
  });

  it("a task module that is not UTF-8, or not readable, is an error naming it; nothing is written or corrupted", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    expect((await proj.mlgen("compile")).code).toBe(0);
    const before = proj.snapshot();
    // Latin-1 with its coding line: Python reads it, and copying it as UTF-8 would corrupt it.
    writeFileSync(
      join(proj.dir, "tasks/units.py"),
      Buffer.concat([
        Buffer.from("# -*- coding: latin-1 -*-\nUNIT = '"),
        Buffer.from([0xb0]),
        Buffer.from("C'\n"),
      ]),
    );
    const latin = await proj.mlgen("compile");
    expect(latin.code).toBe(1);
    expect(latin.stderr).toBe(
      "mlgen: tasks/units.py is not UTF-8 text\n  fix: save it as UTF-8 (Python 3's default encoding; mlgen ships task modules and embeds them as UTF-8)\n",
    );
    rmSync(join(proj.dir, "tasks/units.py"));
    if (process.getuid?.() !== 0) {
      // (root reads any file: the permission case needs another user.)
      chmodSync(join(proj.dir, "tasks/steps.py"), 0o000);
      const locked = await proj.mlgen("compile");
      chmodSync(join(proj.dir, "tasks/steps.py"), 0o644);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain("mlgen: cannot read tasks/steps.py: permission denied");
    }
    expect(proj.snapshot()).toEqual(before);
  });

  it("an output folder inside the task modules' folder, or holding the pipelines, is refused", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    const before = proj.snapshot();
    for (const [out, says] of [
      ["tasks", "the task modules' folder tasks holds it"],
      ["tasks/generated", "the task modules' folder tasks holds it"],
      ["pipelines", "the pipeline module's folder pipelines is inside it"],
    ]) {
      const r = await proj.mlgen("compile", "--out", out as string);
      expect(r.code, out).toBe(1);
      expect(r.stderr).toContain(`error MLG1011: invalid output folder: ${says}`);
      expect(proj.snapshot()).toEqual(before);
    }
    expect((await proj.mlgen("compile", "--out", "build/dags")).code).toBe(0);
  });

  it("an unknown target names the ones there are", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    const { code, stderr } = await proj.mlgen("compile", "--target", "argo");
    expect(code).toBe(2);
    expect(stderr).toContain('"argo" is not a target');
    expect(stderr).toContain("use one of: airflow");
    const typo = await proj.mlgen("compile", "--target", "Kubeflow");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean 'kubeflow'?");
  });

  it("a config target that is not one is refused without printing what was there", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG.replace(
        'out: "dags"',
        'out: "dags", target: "s3cr3t-token-ABCDEF0123456789"',
      ),
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    const { code, stderr } = await proj.mlgen("compile");
    expect(code).toBe(1);
    expect(stderr).toContain("'target': must be airflow, kubeflow or all, not a string");
    expect(stderr).not.toContain("s3cr3t");
  });

  it.each([
    ["as an ES module", '{ "type": "module" }\n'],
    ["as CommonJS (a package without type: module)", '{ "private": true }\n'],
  ])(
    "a config that exports nothing, or an undefined default, is an error of compile, lint and graph %s",
    async (_, pkg) => {
      // defineConfig(...) without `export default` once read as an empty config: lint ran with
      // its default rules and compile said the config lists no pipelines.
      const proj = project({
        "package.json": pkg,
        "mlgen.config.ts": `import { defineConfig } from "@mlgen/cli";\ndefineConfig({ pipelines: ["pipelines/*.pipeline.ts"], lint: { rules: { "missing-retries": "off" } } });\n`,
        "tasks/steps.py": TASKS,
        "pipelines/demo.pipeline.ts": pipelineSource(),
      });
      const says =
        "error MLG1009: config file mlgen.config.ts could not be loaded: it exports nothing";
      const fix = "fix: export the config as the module's default: export default defineConfig({";
      for (const [argv, exit] of [
        [["compile"], 1],
        [["lint"], 2],
        [["graph"], 1],
      ] as const) {
        const r = await proj.mlgen(...argv);
        expect([argv[0], r.code]).toEqual([argv[0], exit]);
        expect(r.stderr).toContain(says);
        expect(r.stderr).toContain(fix);
        expect(r.stderr).not.toContain("lists no pipelines");
      }
      proj.write("mlgen.config.ts", "export default undefined;\n");
      const undef = await proj.mlgen("compile");
      expect(undef.code).toBe(1);
      expect(undef.stderr).toContain("could not be loaded: its default export is undefined");
      proj.write("mlgen.config.ts", 'export const config = { out: "dags" };\n');
      const named = await proj.mlgen("lint");
      expect(named.code).toBe(2);
      expect(named.stderr).toContain("it has no default export (it exports 'config')");
      // An empty config exported as such is a config: its defaults.
      proj.write("mlgen.config.ts", "export default {};\n");
      const empty = await proj.mlgen("compile", "pipelines/demo.pipeline.ts");
      expect(empty.stderr).toBe("");
      expect(empty.code).toBe(0);
      expect(existsSync(join(proj.dir, "dags/demo.py"))).toBe(true);
    },
  );

  it("a pipeline path that does not exist says where it was looked for: the current folder for one given, the config's for one listed", async () => {
    const proj = project({
      "mlgen.config.ts": CONFIG,
      "tasks/steps.py": TASKS,
      "pipelines/demo.pipeline.ts": pipelineSource(),
    });
    // From pipelines/, a path from the project's folder: only the current folder was tried.
    const inner = await proj.mlgenIn("pipelines", "compile", "pipelines/demo.pipeline.ts");
    expect(inner.code).toBe(1);
    expect(inner.stderr).toContain(
      "invalid pipeline path: pipelines/demo.pipeline.ts does not exist (paths given to compile are read from the current folder, pipelines/)",
    );
    expect(inner.stderr).toContain(
      "fix: did you mean demo.pipeline.ts? (pipelines/demo.pipeline.ts from the config's folder)",
    );
    expect(inner.stderr).not.toContain("pipelines/pipelines");
    const nowhere = await proj.mlgen("compile", "pipelines/third.pipeline.ts");
    expect(nowhere.stderr).toContain(
      "pipelines/third.pipeline.ts does not exist (paths given to compile are read from the current folder)",
    );
    expect(nowhere.stderr).toContain("fix: check the path from the current folder");
    proj.write(
      "mlgen.config.ts",
      CONFIG.replace('"pipelines/*.pipeline.ts"', '"pipelines/third.pipeline.ts"'),
    );
    const listed = await proj.mlgenIn("pipelines", "compile");
    expect(listed.stderr).toContain(
      "invalid pipeline path: pipelines/third.pipeline.ts, listed in mlgen.config.ts, does not exist",
    );
    expect(listed.stderr).toContain(
      "fix: check the path in mlgen.config.ts: it is read from the config file's folder",
    );
    expect(existsSync(join(proj.dir, "dags"))).toBe(false);
  });

  it("no config and no files tells how to start", async () => {
    const proj = project({});
    const { code, stderr } = await proj.mlgen("compile");
    expect(code).toBe(1);
    expect(stderr).toContain(
      "error MLG1009: config file mlgen.config.ts could not be loaded: the file does not exist",
    );
    expect(stderr).toContain("defineConfig");
    const given = await proj.mlgen("compile", "--config", "conf/nope.ts");
    expect(given.code).toBe(1);
    expect(given.stderr).toContain("config file conf/nope.ts could not be loaded");
    expect(given.stderr).toContain("fix: check the path given to --config, or create conf/nope.ts");
  });

  it("an unknown option is a usage error, not a crash", async () => {
    const proj = project({});
    const { code, stderr } = await proj.mlgen("compile", "--frobnicate");
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--frobnicate'");
    // lint's own parser hands what it does not know to commander: the same exit code
    for (const argv of [
      ["lint", "--bogus"],
      ["lint", "x.py", "--max-warnings"],
      ["lint", "x.py", "--format"],
    ]) {
      const r = await proj.mlgen(...argv);
      expect([argv.join(" "), r.code]).toEqual([argv.join(" "), 2]);
    }
    expect((await proj.mlgen("--version")).code).toBe(0);
    expect((await proj.mlgen("compile", "--help")).code).toBe(0);
  });
});
