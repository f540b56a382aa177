import { describe, expectTypeOf, it } from "vitest";
import {
  env,
  minutes,
  type Output,
  oneOf,
  type PathValue,
  pipeline,
  type TextValue,
  type ValueHandle,
  variable,
} from "../src/index.js";

describe("typed data passing", () => {
  it("types each declared output by its declared type", () => {
    pipeline("p", {}, (p) => {
      const train = p.python("train", {
        fn: "tasks/t.py:train",
        outputs: {
          accuracy: "float",
          rows: "int",
          ok: "bool",
          uri: "string",
          items: "list",
          info: "dict",
        },
      });
      expectTypeOf(train.out.accuracy).toEqualTypeOf<ValueHandle<number>>();
      expectTypeOf(train.out.rows).toEqualTypeOf<ValueHandle<number>>();
      expectTypeOf(train.out.ok).toEqualTypeOf<ValueHandle<boolean>>();
      expectTypeOf(train.out.uri).toEqualTypeOf<TextValue>();
      expectTypeOf(train.out.items).toEqualTypeOf<Output<unknown[]>>();
      expectTypeOf(train.out.info).toEqualTypeOf<Output<Record<string, unknown>>>();
    });
  });

  it("does not compile when an output was never declared", () => {
    pipeline("p", {}, (p) => {
      const validate = p.python("validate", {
        fn: "tasks/d.py:validate",
        outputs: { data_path: "string" },
      });
      p.python("train", {
        fn: "tasks/t.py:train",
        // @ts-expect-error: `data_pth` is not a declared output of `validate`
        inputs: { data_path: validate.out.data_pth },
      });
    });
  });

  it("a task with no outputs has nothing on .out", () => {
    pipeline("p", {}, (p) => {
      const t = p.python("t", { fn: "tasks/t.py:f" });
      // @ts-expect-error: no outputs were declared
      t.out.anything;
    });
  });

  it("only string outputs and string values can have paths joined onto them", () => {
    pipeline("p", {}, (p) => {
      const t = p.python("t", { fn: "tasks/t.py:f", outputs: { dir: "string", n: "int" } });
      expectTypeOf(t.out.dir.join("a.csv")).toEqualTypeOf<TextValue>();
      // @ts-expect-error: an int output is not a path
      t.out.n.join("a.csv");
      expectTypeOf(env("DATA_DIR").join("raw")).toEqualTypeOf<TextValue>();
      expectTypeOf(variable("data_directory", "/data").join("raw")).toEqualTypeOf<TextValue>();
      // Its former name still types code written against it.
      expectTypeOf<PathValue>().toEqualTypeOf<TextValue>();
    });
  });

  it("an async pipeline or group body does not type-check; a group's out keeps its type", () => {
    // @ts-expect-error: a body runs when the pipeline is defined; tasks after an await are lost
    pipeline("p", {}, async (p) => {
      p.bash("b", { command: "true" });
    });
    pipeline("p", {}, (p) => {
      // @ts-expect-error: the same for a group's body
      p.group("g", {}, async (g) => g.bash("b", { command: "true" }));
      const g = p.group("h", {}, (g) => {
        const t = g.python("t", { fn: "tasks/t.py:f", outputs: { n: "int" } });
        return t.out;
      });
      expectTypeOf(g.out.n).toEqualTypeOf<ValueHandle<number>>();
    });
    // A body written as one expression still type-checks.
    pipeline("q", {}, (p) => p.bash("b", { command: "true" }));
  });

  it("params are typed from their defaults", () => {
    pipeline("p", { params: { n: 3, name: "x", on: true, ratio: { default: 0.5 } } }, (p) => {
      expectTypeOf(p.params.n).toEqualTypeOf<ValueHandle<number>>();
      expectTypeOf(p.params.name).toEqualTypeOf<TextValue>();
      expectTypeOf(p.params.on).toEqualTypeOf<ValueHandle<boolean>>();
      expectTypeOf(p.params.ratio).toEqualTypeOf<ValueHandle<number>>();
    });
    pipeline(
      "q",
      { params: { cols: ["a"], model: { depth: 3 }, grid: { default: [1, 2] } } },
      (p) => {
        expectTypeOf(p.params.cols).toEqualTypeOf<ValueHandle<unknown[]>>();
        expectTypeOf(p.params.model).toEqualTypeOf<ValueHandle<Record<string, unknown>>>();
        expectTypeOf(p.params.grid).toEqualTypeOf<ValueHandle<unknown[]>>();
        // @ts-expect-error: undeclared param
        p.params.missing;
      },
    );
  });

  it("an optional param (default null) is typed by its type, or null, and is no text", () => {
    pipeline(
      "p",
      {
        params: {
          cutoff: { default: null, type: "string", description: "since when" },
          limit: { default: null, type: "integer", minimum: 1 },
          on: { default: null, type: "boolean" },
          cols: { default: null, type: "array" },
        },
      },
      (p) => {
        expectTypeOf(p.params.cutoff).toEqualTypeOf<ValueHandle<string | null>>();
        expectTypeOf(p.params.limit).toEqualTypeOf<ValueHandle<number | null>>();
        expectTypeOf(p.params.on).toEqualTypeOf<ValueHandle<boolean | null>>();
        expectTypeOf(p.params.cols).toEqualTypeOf<ValueHandle<unknown[] | null>>();
        // @ts-expect-error: a path cannot be joined onto a value that may be None
        p.params.cutoff.join("x.csv");
        p.python("t", { fn: "tasks/t.py:f", inputs: { cutoff: p.params.cutoff } });
      },
    );
  });

  it("inputs accept handles, JSON values, lists and objects, but not functions or dates", () => {
    pipeline("p", {}, (p) => {
      p.python("ok", {
        fn: "tasks/t.py:f",
        inputs: { a: 1, b: "s", c: [1, { d: env("X") }], e: null },
      });
      // @ts-expect-error: a function is not data
      p.python("bad", { fn: "tasks/t.py:f", inputs: { f: () => 1 } });
      // @ts-expect-error: durations come from the helpers, not plain numbers
      p.python("bad2", { fn: "tasks/t.py:f", retryDelay: 300 });
      p.python("good2", { fn: "tasks/t.py:f", retryDelay: minutes(5) });
    });
  });

  it("after() takes task handles and returns the same handle type", () => {
    pipeline("p", {}, (p) => {
      const a = p.bash("a", { command: "true" });
      const b = p.python("b", { fn: "tasks/t.py:f", outputs: { x: "int" } }).after(a);
      expectTypeOf(b.out.x).toEqualTypeOf<ValueHandle<number>>();
      // @ts-expect-error: after() wants task handles, not ids
      b.after("a");
    });
  });
});

describe("typed authoring constructs", () => {
  it("a group's out is what its body returned, typed: its tasks' outputs read outside it", () => {
    pipeline("p", {}, (p) => {
      const evaluation = p.group("evaluation", {}, (g) => {
        const ev = g.python("evaluate", { fn: "t.py:ev", outputs: { accuracy: "float" } });
        return ev.out;
      });
      expectTypeOf(evaluation.out.accuracy).toEqualTypeOf<ValueHandle<number>>();
      p.branch("gate", {
        when: [evaluation.out.accuracy, ">=", 0.9],
        ifTrue: p.bash("deploy", { command: "true" }),
        ifFalse: p.bash("retrain", { command: "true" }),
      });
      const plain = p.group("plain", {}, (g) => {
        g.bash("a", { command: "true" });
      });
      expectTypeOf(plain.out).toEqualTypeOf<void>();
      // @ts-expect-error: a group's body returned no outputs
      plain.out.accuracy;
      p.bash("after", { command: "true" }).after(evaluation, plain);
    });
  });

  it("a mapped task's outputs are lists, one item per instance", () => {
    pipeline("p", {}, (p) => {
      const list = p.python("list", { fn: "t.py:f", outputs: { kinds: "list", n: "int" } });
      const train = p.map("train", {
        fn: "t.py:train",
        over: list.out.kinds,
        as: "kind",
        outputs: { score: "float", uri: "string" },
      });
      expectTypeOf(train.out.score).toEqualTypeOf<ValueHandle<number[]>>();
      expectTypeOf(train.out.uri).toEqualTypeOf<ValueHandle<string[]>>();
      p.map("literal", { fn: "t.py:f", over: [1, 2, 3], as: "x" });
      // @ts-expect-error: an int output is not a list to map over
      p.map("bad", { fn: "t.py:f", over: list.out.n, as: "x" });
    });
  });

  it("a latest-only gate takes a task's options only, and tasks go after it", () => {
    pipeline("p", { schedule: "@daily" }, (p) => {
      const train = p.bash("train", { command: "true" });
      const latest = p.latestOnly("latest").after(train);
      p.latestOnly("ruled", { retries: 0, triggerRule: "all_done" });
      p.bash("deploy", { command: "true" }).after(latest);
      // @ts-expect-error: it takes no condition (p.shortCircuit does)
      p.latestOnly("when", { when: [true, "==", true] });
      // @ts-expect-error: it has no outputs to read
      latest.out;
    });
  });

  it("a condition compares a value with a literal of the same type", () => {
    pipeline("p", { params: { mode: "full" } }, (p) => {
      const ev = p.python("ev", { fn: "t.py:f", outputs: { accuracy: "float" } });
      const a = p.bash("a", { command: "true" });
      p.branch("b1", { when: [ev.out.accuracy, ">=", 0.9], ifTrue: a });
      p.shortCircuit("s1", { when: [p.params.mode, "==", "full"] });
      // @ts-expect-error: a number output compared with a string
      p.branch("b2", { when: [ev.out.accuracy, ">", "high"], ifTrue: a });
      // @ts-expect-error: not a comparison operator
      p.shortCircuit("s2", { when: [ev.out.accuracy, "=>", 0.9] });
    });
    pipeline("r", { params: { threshold: 0.9, mode: "full" } }, (p) => {
      const ev = p.python("ev", {
        fn: "t.py:f",
        outputs: { accuracy: "float", baseline: "float", label: "string", scores: "list" },
      });
      const a = p.bash("a", { command: "true" });
      p.branch("b1", { when: [ev.out.accuracy, ">=", p.params.threshold], ifTrue: a });
      p.shortCircuit("s1", { when: [ev.out.accuracy, ">", ev.out.baseline] });
      p.shortCircuit("s2", { when: [ev.out.label, "==", p.params.mode] });
      // @ts-expect-error: a number output compared with a string param
      p.branch("b2", { when: [ev.out.accuracy, ">", p.params.mode], ifTrue: a });
      // @ts-expect-error: a string output compared with a number output
      p.shortCircuit("s3", { when: [ev.out.label, "==", ev.out.accuracy] });
      // @ts-expect-error: a list output compared with another list output
      p.shortCircuit("s4", { when: [ev.out.scores, "==", ev.out.scores] });
    });
    pipeline("q", { params: { xs: [1, 2], flag: true } }, (p) => {
      const ev = p.python("ev", { fn: "t.py:f", outputs: { items: "list", ok: "bool" } });
      p.shortCircuit("ok", { when: [ev.out.ok, "==", true] });
      p.shortCircuit("flag", { when: [p.params.flag, "!=", false] });
      // @ts-expect-error: a list param compared with a list (reduce it in a python task first)
      p.shortCircuit("s3", { when: [p.params.xs, "==", [1, 2]] });
      // @ts-expect-error: a list output compared with a list
      p.shortCircuit("s4", { when: [ev.out.items, "==", []] });
    });
  });

  it("sensors, containers and validation take typed durations and paths", () => {
    pipeline("p", {}, (p) => {
      p.fileSensor("f", { path: variable("dir").join("x.csv"), timeout: minutes(5) });
      // @ts-expect-error: durations are built with seconds()/minutes()/hours()/days()
      p.fileSensor("g", { path: "/x", timeout: 300 });
      // @ts-expect-error: an unknown dtype kind
      p.validate("v", { data: "/x.csv", dtypes: { a: "int64" } });
      p.container("c", { image: "busybox:1.36", resources: { cpu: "1", gpu: 1 } });
      const made = p.python("m", { fn: "t.py:make", outputs: { table: "string" } });
      p.pythonSensor("ps", {
        fn: "t.py:ready",
        inputs: { table: made.out.table, rows: 10, dir: variable("dir") },
        mode: "reschedule",
        timeout: minutes(30),
      });
      // @ts-expect-error: a python sensor calls a function: fn is required
      p.pythonSensor("ps2", { inputs: { table: "t" } });
    });
  });

  it("a python sensor's outputs are typed as a python task's, and read as its .out", () => {
    pipeline("p", {}, (p) => {
      const found = p.pythonSensor("ps3", {
        fn: "t.py:ready",
        outputs: { path: "string", rows: "int", ok: "bool" },
      });
      expectTypeOf(found.out.path).toEqualTypeOf<TextValue>();
      expectTypeOf(found.out.rows).toEqualTypeOf<ValueHandle<number>>();
      expectTypeOf(found.out.ok).toEqualTypeOf<ValueHandle<boolean>>();
      // A path joins onto a string output, as a python task's.
      p.python("use", { fn: "t.py:use", inputs: { file: found.out.path.join("a.csv") } });
      // @ts-expect-error: an output the sensor does not declare
      found.out.missing;
      // @ts-expect-error: an output type is one of string, int, float, bool, list, dict
      p.pythonSensor("ps4", { fn: "t.py:ready", outputs: { n: "integer" } });
      // Without outputs, .out has nothing to read.
      const plain = p.pythonSensor("ps5", { fn: "t.py:ready" });
      // @ts-expect-error: no outputs declared
      plain.out.path;
      // @ts-expect-error: only a python sensor hands on what it found
      p.fileSensor("fs", { path: "/x", outputs: { n: "int" } });
    });
  });

  it("a pod's pull secrets, env, volumes and shared memory take names, strings and sizes", () => {
    pipeline("p", { kubeflow: { imagePullSecrets: ["regcred"] } }, (p) => {
      p.python("fit", {
        fn: "t.py:f",
        kubeflow: {
          imagePullSecrets: ["gpu-images"],
          env: { HF_HOME: "/data/hf" },
          pvcs: [{ name: "training-data", mountPath: "/data" }],
          emptyDirs: [
            { name: "scratch", mountPath: "/scratch", medium: "Memory", sizeLimit: "1Gi" },
          ],
          shm: true,
          resources: { gpu: 2, accelerator: "amd.com/gpu" },
        },
      });
      // @ts-expect-error: a variable's value is a string, as Kubernetes takes it
      p.python("g", { fn: "t.py:f", kubeflow: { env: { THREADS: 4 } } });
      // @ts-expect-error: shared memory is `true` or a size, not a number of bytes
      p.python("h", { fn: "t.py:f", kubeflow: { shm: 2048 } });
      // @ts-expect-error: a claim needs a mount path
      p.python("i", { fn: "t.py:f", kubeflow: { pvcs: [{ name: "data" }] } });
      p.container("c", { image: "r.example.com/t:1", imagePullSecrets: ["regcred"] });
    });
  });
});

describe("oneOf", () => {
  it("takes two or more outputs of one type, and is a value of that type", () => {
    pipeline("p", {}, (p) => {
      const a = p.python("a", { fn: "tasks/t.py:a", outputs: { msg: "string", n: "int" } });
      const b = p.python("b", { fn: "tasks/t.py:b", outputs: { msg: "string", ok: "bool" } });
      expectTypeOf(oneOf(a.out.msg, b.out.msg)).toEqualTypeOf<ValueHandle<string>>();
      expectTypeOf(oneOf(a.out.n, a.out.n, a.out.n)).toEqualTypeOf<ValueHandle<number>>();
      // @ts-expect-error outputs of different types
      oneOf(a.out.msg, b.out.ok);
      // @ts-expect-error outputs of different types, the odd one last
      oneOf(a.out.n, a.out.n, b.out.msg);
      // @ts-expect-error at least two outputs
      oneOf(a.out.msg);
      p.python("c", { fn: "tasks/t.py:c", inputs: { message: oneOf(a.out.msg, b.out.msg) } });
    });
  });
});

describe("p.trigger()", () => {
  const deploy = pipeline(
    "deploy_model",
    { params: { model_uri: "none", threshold: { default: 0.5, type: "number" }, tags: ["a"] } },
    (p) => {
      p.bash("deploy", { command: "true" });
    },
  );

  it("types the conf by the started pipeline's params", () => {
    pipeline("train", {}, (p) => {
      const t = p.python("train", {
        fn: "tasks/t.py:train",
        outputs: { uri: "string", auc: "float", tags: "list" },
      });
      p.trigger("ok", {
        pipeline: deploy,
        conf: { model_uri: t.out.uri, threshold: t.out.auc, tags: t.out.tags },
      });
      p.trigger("literals", { pipeline: deploy, conf: { threshold: 0.9, tags: ["b"] } });
      // @ts-expect-error: no param 'model_ur'
      p.trigger("typo", { pipeline: deploy, conf: { model_ur: t.out.uri } });
      // @ts-expect-error: 'threshold' is a number param
      p.trigger("text", { pipeline: deploy, conf: { threshold: "high" } });
      // @ts-expect-error: a string output for a number param
      p.trigger("output", { pipeline: deploy, conf: { threshold: t.out.uri } });
      // @ts-expect-error: null for a param that is not optional
      p.trigger("null", { pipeline: deploy, conf: { threshold: null } });
    });
  });

  it("types an optional param's conf value as its type, or null", () => {
    const backfill = pipeline(
      "backfill",
      { params: { since: { default: null, type: "string" } } },
      (p) => {
        p.bash("b", { command: "true" });
      },
    );
    pipeline("starter", {}, (p) => {
      p.trigger("unset", { pipeline: backfill, conf: { since: null } });
      p.trigger("set", { pipeline: backfill, conf: { since: "2025-01-01" } });
      // @ts-expect-error: a number for a string param
      p.trigger("number", { pipeline: backfill, conf: { since: 3 } });
    });
  });

  it("takes any conf for a pipeline named by its DAG id", () => {
    pipeline("train", {}, (p) => {
      p.trigger("by_id", { pipeline: "deploy_model", conf: { anything: 1, more: ["x"] } });
    });
  });
});

describe("setup and teardown", () => {
  it("a teardown names its setups by their handles; a mapped task or a sensor is neither", () => {
    pipeline("p", {}, (p) => {
      const make = p.bash("make", { command: "true" });
      const warm = p.python("warm", { fn: "tasks/t.py:warm", setup: true });
      p.container("drop", { image: "busybox:1.36", teardown: [make, warm] });
      p.operator("note", { operator: "a.B", teardown: true });
      // @ts-expect-error: a teardown's setups are task handles, not ids
      p.bash("by_id", { command: "true", teardown: "make" });
      // @ts-expect-error: a mapped task is no setup in mlgen
      p.map("fan", { fn: "tasks/t.py:f", over: [1], as: "x", setup: true });
      // @ts-expect-error: a sensor is no teardown
      p.fileSensor("wait", { path: "/x", teardown: true });
    });
  });
});

describe("what an operator returns", () => {
  it("types task.output by returns; an operator without returns has no output", () => {
    pipeline("p", {}, (p) => {
      const rows = p.operator("rows", { operator: "a.Query", returns: "list" });
      const job = p.operator("job", { operator: "a.Submit", returns: "string" });
      const count = p.operator("count", { operator: "a.Count", returns: "int" });
      expectTypeOf(rows.output).toEqualTypeOf<Output<unknown[]>>();
      expectTypeOf(job.output).toEqualTypeOf<TextValue>();
      expectTypeOf(count.output).toEqualTypeOf<ValueHandle<number>>();
      p.map("each", { fn: "tasks/t.py:each", over: rows.output, as: "row" });
      p.branch("big", { when: [count.output, ">", 10], ifTrue: rows });
      // @ts-expect-error: an int is no list to map over
      p.map("bad", { fn: "tasks/t.py:each", over: count.output, as: "row" });
      const plain = p.operator("plain", { operator: "a.Notify" });
      // @ts-expect-error: nothing says what it returns
      plain.output;
      // @ts-expect-error: returns is an output type
      p.operator("typo", { operator: "a.B", returns: "integer" });
    });
  });
});
