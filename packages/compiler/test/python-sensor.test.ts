import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { callback, env, type Input, pipeline, seconds } from "../../dsl/src/index.js";
import { kubeflowTarget, lowerPipeline, renderDag, renderPipelineSpec } from "../src/index.js";

/** The project module the sensors below call. */
const CHECKS = `def partition_ready(table: str, min_rows: int = 1):
    return True


def approved(model):
    return True


def found(table: str):
    return {"path": "/data/" + table, "rows": 3}


def use(path: str, rows: int):
    return None
`;
const MODULES = new Map<string, string | null>([["tasks/checks.py", CHECKS]]);

function lowered(ir: unknown) {
  const r = lowerPipeline({ ir, sourceMap: {}, modules: MODULES });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return {
    ...r,
    sourceFile: "pipelines/p.pipeline.ts",
    sourceMap: {},
    pythonFiles: [{ path: "tasks/checks.py", content: CHECKS }],
  };
}

/** `CODE message | fix` of each diagnostic lowering gives, or [] when it lowers. */
function refused(ir: unknown): string[] {
  const r = lowerPipeline({ ir, sourceMap: {}, modules: MODULES });
  return r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`);
}

const waiting = pipeline("waiting", { defaults: { retries: 2, retryDelay: seconds(60) } }, (p) => {
  const extract = p.python("extract", {
    fn: "tasks/checks.py:approved",
    inputs: { model: "m" },
    outputs: { table: "string" },
  });
  const ready = p.pythonSensor("wait_partition", {
    fn: "tasks/checks.py:partition_ready",
    inputs: { table: extract.out.table, min_rows: 100 },
    pokeInterval: seconds(30),
    timeout: seconds(3600),
  });
  p.bash("load", { command: "echo load" }).after(ready);
}).ir;

describe("p.pythonSensor", () => {
  it("is Airflow's PythonSensor calling the user's function with its inputs, after the task whose output it reads", () => {
    for (const airflowVersion of [3, 2] as const) {
      const dag = renderDag({ ...lowered(waiting), settings: { airflowVersion } });
      expect(dag).toContain("from airflow.providers.standard.sensors.python import PythonSensor");
      expect(dag).toContain(`def check_wait_partition(ti, **_):
    """Checks tasks/checks.py:partition_ready: the sensor is done when it returns true."""
    from tasks.checks import partition_ready

    inputs = {
        "min_rows": 100,
        "table": _pull(ti, "extract", "table"),
    }
    return partition_ready(**inputs)
`);
      expect(dag).toContain(`    wait_partition = PythonSensor(
        task_id="wait_partition",
        python_callable=check_wait_partition,
        mode="reschedule",
        poke_interval=datetime.timedelta(seconds=30),
        timeout=datetime.timedelta(hours=1),
    )`);
      expect(dag).toContain("extract >> wait_partition");
      expect(dag).toContain("wait_partition >> load");
    }
  });

  it("on Kubeflow polls the function in its container: never cached, no retryPolicy (a timeout is not retried), its retries taken in the pod for errors its function raises", () => {
    const input = lowered(waiting);
    const [spec] = parseAllDocuments(renderPipelineSpec(input)).map((d) => d.toJS()) as {
      root: { dag: { tasks: Record<string, Record<string, unknown>> } };
      deploymentSpec: { executors: Record<string, { container: { command: string[] } }> };
    }[];
    const task = spec?.root.dag.tasks["wait-partition"];
    expect(task?.retryPolicy).toBeUndefined();
    expect(task?.cachingOptions).toEqual({});
    expect(spec?.root.dag.tasks.load?.retryPolicy).toMatchObject({ maxRetryCount: 2 });
    const source =
      spec?.deploymentSpec.executors["exec-wait-partition"]?.container.command.join("\n") ?? "";
    // A literal input is a component input with its value as default, as a python task's is.
    expect(source).toContain(`    check = _load("tasks.checks", "partition_ready")
    inputs = {
        "min_rows": min_rows,
        "table": table,
    }
    _poke(check, inputs, "tasks/checks.py:partition_ready", poke_interval=30, timeout=3600, retries=2, retry_delay=60)`);
    expect(source).toContain(
      "def _poke(check, inputs, name, poke_interval, timeout, retries, retry_delay):",
    );
    // The module travels with the task, as a python task's does.
    expect(source).toContain("def partition_ready(table: str, min_rows: int = 1):");
    expect(
      kubeflowTarget
        .validate(input)
        .filter((d) => d.task === "wait_partition")
        .map((d) => d.message),
    ).toEqual([
      "sensor 'wait_partition' is approximated for Kubeflow Pipelines: on Airflow it frees its worker slot between checks (mode 'reschedule'); Kubeflow has no sensors, so it becomes a task that polls inside its container and holds its pod while it waits",
    ]);
    // In poke mode it holds a worker slot on Airflow as a pod on Kubeflow, and its retries are
    // taken in the pod: nothing is lost, nothing is said.
    const poking = pipeline("poking", { defaults: { retries: 2 } }, (p) => {
      p.pythonSensor("wait_partition", {
        fn: "tasks/checks.py:partition_ready",
        inputs: { table: "t" },
        mode: "poke",
        timeout: seconds(600),
      });
    }).ir;
    expect(kubeflowTarget.validate(lowered(poking)).filter((d) => d.code === "MLG3002")).toEqual(
      [],
    );
  });

  it("gets the checks a python task's function gets: defined, called with its parameters, a fn naming one", () => {
    const sensing = (fn: string, inputs: Record<string, unknown>) =>
      pipeline("p", {}, (p) => {
        p.pythonSensor("s", { fn, inputs: inputs as never, timeout: seconds(60) });
      }).ir;
    expect(refused(sensing("tasks/checks.py:partition_ready", { table: "t" }))).toEqual([]);
    expect(refused(sensing("tasks/checks.py:nope", {}))).toEqual([
      "MLG1008 function 'nope' used by task 's' is not defined at top level of tasks/checks.py | define `def nope(...)` in tasks/checks.py, or fix the name in fn: 'tasks/checks.py:nope'",
    ]);
    expect(refused(sensing("tasks/checks.py:partition_ready", { rows: 5 }))).toEqual([
      "MLG1011 invalid inputs of task 's': partition_ready() has no parameter 'rows' (it takes table, min_rows); the task calls it with rows= | give the task one input per parameter of partition_ready (or add **kwargs to it)",
    ]);
    const noFunction = pipeline("p", {}, (p) => {
      p.pythonSensor("s", { fn: "tasks/checks.py" });
    });
    expect(noFunction.problems.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual([
      "MLG1011 invalid fn 'tasks/checks.py' of task 's': it names no function | write fn as 'path/to/module.py:function_name'",
    ]);
    // Left out, or not text (a JavaScript module): said, where it threw a TypeError.
    const missing = pipeline("p", {}, (p) => {
      p.pythonSensor("s", {} as never);
      p.python("t", { fn: 3 } as never);
      p.map("m", { over: [1], as: "x" } as never);
    });
    expect(missing.problems.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toEqual(
      [
        ["s", "it is missing"],
        ["t", "it is a number, not text"],
        ["m", "it is missing"],
      ].map(
        ([task, reason]) =>
          `MLG1011 invalid fn of task '${task}': ${reason} | give the function the task runs: fn: 'path/to/module.py:function_name'`,
      ),
    );
    expect(() => callback(undefined as never)).toThrow(
      "callback() takes the function to call as 'path/to/module.py:function_name', not undefined",
    );
    const typo = pipeline("p", {}, (p) => {
      p.pythonSensor("s", {
        fn: "tasks/checks.py:approved",
        ...({ input: {} } as object),
      } as never);
    });
    expect(typo.problems.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      "there is no option 'input' in task 's', so it would be ignored | did you mean 'inputs'?",
    ]);
  });

  it("takes a python task's kubeflow pod settings: its packages, the claim an upstream task writes to, its own secrets and pull secret", () => {
    const ir = pipeline("pod", {}, (p) => {
      p.pythonSensor("landed", {
        fn: "tasks/checks.py:partition_ready",
        inputs: { table: "events" },
        timeout: seconds(600),
        kubeflow: {
          packages: ["boto3==1.35.0"],
          pvcs: [{ name: "landing", mountPath: "/landing" }],
          imagePullSecrets: ["regcred"],
          secretEnv: { AWS_SECRET_ACCESS_KEY: { secret: "aws", key: "secret" } },
        },
      });
    }).ir;
    const input = lowered(ir);
    expect(kubeflowTarget.validate(input).filter((d) => d.severity === "error")).toEqual([]);
    const [spec, platform] = parseAllDocuments(renderPipelineSpec(input)).map((d) => d.toJS()) as [
      { deploymentSpec: { executors: Record<string, { container: { command: string[] } }> } },
      { platforms: { kubernetes: { deploymentSpec: { executors: Record<string, unknown> } } } },
    ];
    expect(spec.deploymentSpec.executors["exec-landed"]?.container.command.join(" ")).toContain(
      "'boto3==1.35.0'",
    );
    expect(platform.platforms.kubernetes.deploymentSpec.executors["exec-landed"]).toMatchObject({
      pvcMount: [{ constant: "landing", mountPath: "/landing" }],
      imagePullSecret: [{ secretName: "regcred" }],
      secretAsEnv: [
        { secretName: "aws", keyToEnv: [{ secretKey: "secret", envVar: "AWS_SECRET_ACCESS_KEY" }] },
      ],
    });
    // On Airflow the check runs in a worker: the claim it reads is not mounted there.
    const dag = renderDag({ ...input, settings: { airflowVersion: 3 } });
    expect(dag).toContain("PythonSensor(");
    const typo = pipeline("pod", {}, (p) => {
      p.pythonSensor("landed", {
        fn: "tasks/checks.py:partition_ready",
        kubeflow: { package: ["boto3"] } as never,
      });
    });
    expect(typo.problems.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1022 there is no option 'package' in the kubeflow options of task 'landed', so it would be ignored",
    ]);
  });

  it("on Kubeflow, a check whose module imports Airflow (PokeReturnValue) is MLG3002: the pod has no Airflow", () => {
    const source = `from airflow.sdk import PokeReturnValue


def landed(table):
    return PokeReturnValue(is_done=True, xcom_value=table)
`;
    const said = (packages: string[]) => {
      const ir = pipeline("p", {}, (p) => {
        p.pythonSensor("s", {
          fn: "tasks/poke.py:landed",
          inputs: { table: "t" },
          timeout: seconds(60),
          kubeflow: { packages },
        });
      }).ir;
      const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map([["tasks/poke.py", source]]) });
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
      return kubeflowTarget
        .validate({
          ...r,
          sourceFile: "p.ts",
          sourceMap: {},
          pythonFiles: [{ path: "tasks/poke.py", content: source }],
        })
        .filter((d) => d.message.includes("airflow"))
        .map((d) => `${d.code} ${d.task}: ${d.message} | ${d.fix}`);
    };
    expect(said([])).toEqual([
      "MLG3002 s: module tasks/poke.py of task 's' is approximated for Kubeflow Pipelines: it imports airflow, which a Kubeflow pod does not have (it runs the function with kfp's executor alone), so the task fails with ModuleNotFoundError | keep Airflow out of the modules the tasks run (a sensor's check returns a plain bool, not a PokeReturnValue), or add apache-airflow to the task's kubeflow.packages (`--strict` makes this an error; `// mlgen-disable-next-line MLG3002` above the call accepts it)",
    ]);
    expect(said(["apache-airflow==3.3.2"])).toEqual([]);
  });

  it("cannot defer: PythonSensor has no trigger, and Airflow refuses deferrable=True on it", () => {
    const ir = pipeline("p", {}, (p) => {
      p.pythonSensor("s", {
        fn: "tasks/checks.py:approved",
        inputs: { model: env("MODEL", "m") },
        deferrable: true,
        timeout: seconds(60),
      });
    }).ir;
    expect(refused(ir)).toEqual([
      "MLG1011 invalid deferrable of python sensor 's': PythonSensor cannot defer: it calls your function in a worker, and Airflow refuses deferrable=True on it when it parses the DAG file | leave deferrable out and use mode: 'reschedule' (the default), which frees the worker slot between checks",
    ]);
  });

  describe("outputs", () => {
    const handing = pipeline("handing", {}, (p) => {
      const found = p.pythonSensor("wait", {
        fn: "tasks/checks.py:found",
        inputs: { table: "events" },
        outputs: { path: "string", rows: "int" },
        timeout: seconds(600),
      });
      p.python("use", {
        fn: "tasks/checks.py:use",
        inputs: { path: found.out.path.join("part-0.csv"), rows: found.out.rows },
      });
    });

    it("are in the IR (absent without any, so a sensor's IR and hash stay as they were) and read as refs that order the reader after it", () => {
      const wait = handing.ir.tasks.find((t) => t.id === "wait");
      expect(
        wait?.kind === "sensor" && wait.sensor.type === "python" && wait.sensor.outputs,
      ).toEqual({ path: "string", rows: "int" });
      const none = waiting.tasks.find((t) => t.id === "wait_partition");
      expect(
        none?.kind === "sensor" && none.sensor.type === "python" && "outputs" in none.sensor,
      ).toBe(false);
      const r = lowerPipeline({ ir: handing.ir, sourceMap: {}, modules: MODULES });
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.ir.tasks.find((t) => t.id === "use")?.upstream).toEqual(["wait"]);
    });

    it("an output the sensor does not declare is refused naming the declared ones", () => {
      const ir = pipeline("p", {}, (p) => {
        const found = p.pythonSensor("wait", {
          fn: "tasks/checks.py:found",
          inputs: { table: "t" },
          outputs: { path: "string" },
        });
        p.python("use", {
          fn: "tasks/checks.py:use",
          inputs: {
            path: found.out.path,
            rows: (found.out as unknown as Record<string, Input>).rows as Input,
          },
        });
      }).ir;
      const said = refused(ir);
      expect(said).toHaveLength(1);
      expect(said[0]).toContain("'rows'");
      expect(said[0]).toContain("wait");
      expect(said[0]).toContain("path");
    });

    it("a map over a sensor's list output is refused: Airflow expands over a task's return value, a sensor's is whether it is done", () => {
      const ir = pipeline("p", {}, (p) => {
        const found = p.pythonSensor("wait", {
          fn: "tasks/checks.py:found",
          inputs: { table: "t" },
          outputs: { parts: "list" },
        });
        p.map("each", {
          fn: "tasks/checks.py:use",
          inputs: { rows: 1 },
          over: found.out.parts,
          as: "path",
        });
      }).ir;
      expect(refused(ir)).toEqual([
        "MLG1011 invalid map of task 'each': it maps over output 'parts' of python sensor 'wait', and Airflow expands only over what a task returns, which for a sensor is whether it is done | pass wait.out.parts to a python task that returns it as a list output, and map over that task's output",
      ]);
    });

    it("on other sensors are MLG1022 with a hint to use a python sensor", () => {
      const def = pipeline("p", {}, (p) => {
        p.fileSensor("f", { path: "/x", outputs: { n: "int" } } as never);
      });
      expect(def.problems.map((d) => [d.code, d.message])).toEqual([
        ["MLG1022", "there is no option 'outputs' in task 'f', so it would be ignored"],
      ]);
      expect(def.problems[0]?.fix).toContain("use p.pythonSensor()");
    });

    it("on Airflow 3 and 2: the check pushes them, type-checked by _push, on the poke that is done, and returns True then", () => {
      for (const airflowVersion of [3, 2] as const) {
        const dag = renderDag({ ...lowered(handing.ir), settings: { airflowVersion } });
        expect(dag).toContain(`def check_wait(ti, **_):
    """Checks tasks/checks.py:found: the sensor is done when it returns true, its outputs pushed then."""
    from tasks.checks import found

    inputs = {
        "table": "events",
    }
    result = found(**inputs)
    return _push_when_done(ti, "wait", result, {"path": "string", "rows": "int"})
`);
        expect(dag).toContain("def _push(ti, task_id, result, outputs):");
        expect(dag).toContain(`def _push_when_done(ti, task_id, result, outputs):`);
        expect(dag).toContain(`    if type(result).__name__ == "PokeReturnValue":
        if not result.is_done:
            return False
        result = result.xcom_value
    elif not result:
        return False
    _push(ti, task_id, result, outputs)
    return True`);
        expect(dag).toContain(`"path": posixpath.join(_pull(ti, "wait", "path"), "part-0.csv"),`);
        expect(dag).toContain(`"rows": _pull(ti, "wait", "rows"),`);
        expect(dag).toContain("wait >> use");
        // Deterministic.
        expect(renderDag({ ...lowered(handing.ir), settings: { airflowVersion } })).toBe(dag);
      }
      // A sensor without outputs returns its function's value as before: no helper.
      expect(renderDag(lowered(waiting))).not.toContain("_push_when_done");
    });

    it("on Kubeflow: the polling component returns what the check found as its output parameters, which the reader takes with taskOutputParameter", () => {
      const input = lowered(handing.ir);
      const [spec] = parseAllDocuments(renderPipelineSpec(input)).map((d) => d.toJS()) as {
        components: Record<string, { outputDefinitions?: unknown }>;
        root: { dag: { tasks: Record<string, Record<string, unknown>> } };
        deploymentSpec: { executors: Record<string, { container: { command: string[] } }> };
      }[];
      expect(spec?.components["comp-wait"]?.outputDefinitions).toEqual({
        parameters: {
          path: { parameterType: "STRING" },
          rows: { parameterType: "NUMBER_INTEGER" },
        },
      });
      expect(spec?.root.dag.tasks.use?.inputs).toMatchObject({
        parameters: {
          rows: { taskOutputParameter: { outputParameterKey: "rows", producerTask: "wait" } },
        },
      });
      const source =
        spec?.deploymentSpec.executors["exec-wait"]?.container.command.join("\n") ?? "";
      expect(source).toContain(
        `Outputs = typing.NamedTuple("Outputs", [("path", str), ("rows", int)])`,
      );
      expect(
        source,
      ).toContain(`    result = _poke(check, inputs, "tasks/checks.py:found", poke_interval=60, timeout=600, retries=0, retry_delay=300)
    return Outputs(**_outputs("tasks/checks.py:found", result, {"path": "string", "rows": "int"}))`);
      expect(source).toContain(
        `            return result.xcom_value if type(result).__name__ == "PokeReturnValue" else result`,
      );
      // A sensor without outputs: _poke returns nothing, as before.
      const plain = renderPipelineSpec(lowered(waiting));
      expect(plain).not.toContain("result.xcom_value");
      expect(plain).not.toContain("result = _poke(");
    });
  });
});
