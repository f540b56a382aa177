/**
 * Optional params (`{ default: null, type }`): Airflow's `Param(None, type=["null", ...])`, kfp's
 * `Optional[str] = None` pipeline input; only a Python task's input reads one (it gets None),
 * MLG1047 elsewhere, MLG1048 for a function parameter that does not take None. The engine tests
 * prove them on real Airflow 3 and 2 (optional-params) and kfp (kfp-equivalence: kfp-eq-optional;
 * kubeflow-target: the executor run with and without the inputs).
 */

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { callback, pipeline, template } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const MODULE = `def pick(cutoff: str | None, limit: "int | None" = None, ratio=None, flag: bool = None):
    pass


def strict(cutoff: str, limit: int):
    pass


def loose(cutoff, **kwargs):
    pass
`;

const PARAMS = {
  cutoff: { default: null, type: "string", description: "since when" },
  limit: { default: null, type: "integer", minimum: 1 },
  ratio: { default: null, type: "number" },
  flag: { default: null, type: "boolean" },
  name: "x",
} as const;

function lower(def: { ir: unknown }) {
  return lowerPipeline({
    ir: def.ir,
    sourceMap: {},
    modules: new Map([["tasks/m.py", MODULE]]),
  });
}

function input(def: { ir: unknown }) {
  const r = lower(def);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return {
    ...r,
    sourceFile: "pipelines/p.pipeline.ts",
    sourceMap: {},
    pythonFiles: [{ path: "tasks/m.py", content: MODULE }],
  };
}

const picked = () =>
  pipeline("picked", { params: PARAMS }, (p) => {
    p.python("pick", {
      fn: "tasks/m.py:pick",
      inputs: {
        cutoff: p.params.cutoff,
        limit: p.params.limit,
        ratio: p.params.ratio,
        flag: p.params.flag,
      },
    });
    p.python("loose", {
      fn: "tasks/m.py:loose",
      inputs: { cutoff: p.params.cutoff, name: p.params.name },
    });
  });

const said = (def: { ir: unknown }) => {
  const r = lower(def);
  return r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`);
};

describe("optional params", () => {
  it('are Param(None, type=["null", ...]) on Airflow 3 and 2, and a number one is read as a float when given', () => {
    for (const airflowVersion of [3, 2] as const) {
      const [file] = airflowTarget.emit({ ...input(picked()), settings: { airflowVersion } });
      const text = file?.content ?? "";
      expect(text).toContain(
        [
          "    params={",
          '        "cutoff": Param(None, type=["null", "string"], description="since when"),',
          '        "limit": Param(None, type=["null", "integer"], minimum=1),',
          '        "ratio": Param(None, type=["null", "number"]),',
          '        "flag": Param(None, type=["null", "boolean"]),',
          '        "name": Param("x", type="string"),',
          "    },",
        ].join("\n"),
      );
      expect(text).toContain('"cutoff": params["cutoff"],');
      expect(text).toContain(
        '"ratio": (None if params["ratio"] is None else float(params["ratio"])),',
      );
    }
  });

  it("are kfp's optional inputs on Kubeflow: no default at the root, optional component inputs defaulting to None, last in the signature", () => {
    const [file] = kubeflowTarget.emit({ ...input(picked()), settings: {} });
    const [spec] = parseAllDocuments(file?.content ?? "").map((d) => d.toJS());
    expect(spec.root.inputDefinitions.parameters).toEqual({
      cutoff: { description: "since when", isOptional: true, parameterType: "STRING" },
      flag: { isOptional: true, parameterType: "BOOLEAN" },
      limit: { isOptional: true, parameterType: "NUMBER_INTEGER" },
      name: { defaultValue: "x", isOptional: true, parameterType: "STRING" },
      ratio: { isOptional: true, parameterType: "NUMBER_DOUBLE" },
    });
    expect(spec.components["comp-loose"].inputDefinitions.parameters).toEqual({
      cutoff: { isOptional: true, parameterType: "STRING" },
      name: { parameterType: "STRING" },
    });
    const text = file?.content ?? "";
    expect(text).toContain("def run_loose(name: str, cutoff: typing.Optional[str] = None):");
    expect(text).toContain('"ratio": (None if ratio is None else float(ratio)),');
    expect(kubeflowTarget.validate(input(picked())).map((d) => d.code)).toEqual(["MLG3002"]);
  });

  it("are read by no other value than a Python task's input: MLG1047, naming where and why", () => {
    const bad = pipeline(
      "bad",
      { params: { ...PARAMS, cols: { default: null, type: "array" } } },
      (p) => {
        const a = p.python("a", {
          fn: "tasks/m.py:loose",
          inputs: { cutoff: [p.params.cutoff] },
        });
        p.bash("b", { command: "echo $C", env: { C: p.params.cutoff } });
        // TypeScript refuses it too (a list or null is no list); a JavaScript module may not.
        p.map("m", { fn: "tasks/m.py:loose", over: p.params.cols as never, as: "cutoff" });
        p.shortCircuit("s", { when: [p.params.limit, ">", 2.5] });
        p.operator("o", {
          operator: "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator",
          args: { conn_id: "w", sql: p.params.cutoff },
        }).after(a);
      },
    );
    // Nothing else: MLG1040 (an integer param against a fraction) says nothing of a null default.
    expect(said(bad).filter((d) => !d.startsWith("MLG1047"))).toEqual([]);
    expect(said(bad).filter((d) => d.startsWith("MLG1047"))).toEqual([
      "MLG1047 inputs.cutoff of task 'a' reads optional param 'cutoff', whose value is null when a run leaves it unset: the param sits inside a list or dict there, and a KFP parameter carries no null inside one (kfp's compiler refuses it); only a Python input given the param itself gets None | pass it to a Python task's input, which gets None when the run leaves it unset, and hand on what that task makes of it; or give param 'cutoff' a default of its type (cutoff: { default: \"\", type: \"string\" }) and test for that",
      expect.stringMatching(
        /^MLG1047 env\.C of task 'b' reads optional param 'cutoff', .*an environment variable holds text: Airflow would give the bash task the text 'None', and Kubeflow has no value to put there/,
      ),
      expect.stringMatching(
        /^MLG1047 map\.over of task 'm' reads optional param 'cols', .*a run without the param would expand None.*cols: \{ default: \[\], type: "array" \}/,
      ),
      expect.stringMatching(
        /^MLG1047 condition of task 's' reads optional param 'limit', .*a branch compares the value when it runs.*limit: \{ default: 1, type: "integer" \}/,
      ),
      expect.stringMatching(
        /^MLG1047 args\.sql of task 'o' reads optional param 'cutoff', .*an operator's argument is rendered as text there/,
      ),
    ]);
  });

  it("read inside a group, a branch's side, a map's loop or the alerts' exit handler on Kubeflow: MLG3002, since the KFP driver refuses the null it hands that sub-DAG; a group's input carrying one is optional, as kfp compiles it", () => {
    const nested = (alerts: boolean) =>
      pipeline(
        "nested",
        {
          params: PARAMS,
          ...(alerts ? { defaults: { onFailure: [callback("tasks/m.py:loose")] } } : {}),
        },
        (p) => {
          const top = p.python("top", {
            fn: "tasks/m.py:pick",
            inputs: { cutoff: p.params.cutoff },
            outputs: { ok: "bool" },
          });
          p.group("g", {}, (g) => {
            g.python("in_group", {
              fn: "tasks/m.py:pick",
              inputs: { cutoff: p.params.cutoff, limit: p.params.limit },
            });
          });
          const side = p.python("side", {
            fn: "tasks/m.py:loose",
            inputs: { cutoff: p.params.cutoff },
          });
          p.shortCircuit("gate", { when: [top.out.ok, "==", true] });
          side.after(p.shortCircuit("gate2", { when: [top.out.ok, "==", true] }));
          p.map("each", {
            fn: "tasks/m.py:loose",
            over: [1, 2],
            as: "x",
            inputs: { cutoff: p.params.cutoff },
          } as never);
        },
      );
    const warned = (alerts: boolean) =>
      kubeflowTarget
        .validate(input(nested(alerts)))
        .filter((d) => d.code === "MLG3002" && d.message.includes("optional param"))
        .map((d) => d.message)
        .sort();
    expect(warned(false)).toEqual([
      expect.stringMatching(
        /^optional param 'cutoff' of task 'each' is approximated .*inside the loop of map 'each'/,
      ),
      expect.stringMatching(
        /^optional param 'cutoff' of task 'side' is approximated .*inside the condition of short-circuit 'gate2'/,
      ),
      "optional params 'cutoff', 'limit' of task 'g.in_group' are approximated for Kubeflow Pipelines: the task runs inside group 'g', a sub-DAG of its own on Kubeflow, and a run that leaves them unset hands that sub-DAG null, which the KFP driver refuses (\"the resolved input parameter is null\"; an optional input of it is left out, and the task then fails with \"parent DAG does not have input parameter\"), for kfp's own compiler's pipelines too: only a run that sets them runs the task",
    ]);
    // With pipeline alerts every task runs in the exit handler: the top one too.
    expect(warned(true).find((m) => m.includes("task 'top'"))).toMatch(
      /^optional param 'cutoff' of task 'top' is approximated .*inside the exit handler of the pipeline's alerts/,
    );
    const [file] = kubeflowTarget.emit({ ...input(nested(false)), settings: {} });
    const [spec] = parseAllDocuments(file?.content ?? "").map((d) => d.toJS());
    expect(spec.components["comp-g"].inputDefinitions.parameters).toEqual({
      "pipelinechannel--cutoff": { isOptional: true, parameterType: "STRING" },
      "pipelinechannel--limit": { isOptional: true, parameterType: "NUMBER_INTEGER" },
    });
    // kfp leaves a condition's and a loop's inputs required.
    type Component = { inputDefinitions?: { parameters?: Record<string, unknown> } };
    const carried = Object.entries(spec.components as Record<string, Component>)
      .filter(([k]) => k.startsWith("comp-condition") || k.startsWith("comp-for-loop"))
      .map(([, c]) => c.inputDefinitions?.parameters?.["pipelinechannel--cutoff"])
      .filter((v) => v !== undefined);
    expect(carried).toHaveLength(2);
    for (const v of carried) expect(v).toEqual({ parameterType: "STRING" });
  });

  it("passed to a parameter whose annotation does not take None: MLG1048, a warning; an Optional, a None default or no annotation is quiet", () => {
    const def = pipeline("strict", { params: PARAMS }, (p) => {
      p.python("s", {
        fn: "tasks/m.py:strict",
        inputs: { cutoff: p.params.cutoff, limit: p.params.limit },
      });
    });
    const r = lower(def);
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message, d.fix])).toEqual(
      ["cutoff:str", "limit:int"].map((pair) => {
        const [name, annotation] = pair.split(":") as [string, string];
        return [
          "MLG1048",
          "warning",
          `task 's' passes optional param '${name}' to parameter '${name}' of strict(), annotated '${annotation}', which does not take None: a run that leaves the param unset calls strict() with None there`,
          `annotate the parameter as optional (${name}: ${annotation} | None) and handle None, or give param '${name}' a default of its type`,
        ];
      }),
    );
    expect(said(picked())).toEqual([]);
  });

  it("an enum beside a null default is MLG1011 (Airflow checks null against it); bounds let null through", () => {
    const def = pipeline(
      "enum",
      {
        params: {
          mode: { default: null, type: "string", enum: ["full", "quick"] },
          size: { default: null, type: "integer", minimum: 9, maximum: 1 },
          tag: { default: null, type: "string", minLength: 1, maxLength: 3 },
        },
      },
      (p) => {
        p.bash("t", { command: "true" });
      },
    );
    expect(said(def)).toEqual([
      "MLG1011 invalid enum of param 'mode': the param's default is null (a run may leave it unset), and Airflow checks null against the enum too, refusing it ('ParamValidationError') | give the param one of the values as its default, or remove enum and check the value in the task",
      "MLG1011 invalid minimum of param 'size': 9 is above its maximum 1 | swap them",
    ]);
  });

  it("printed by a template on Airflow (also through a default filter): MLG1049 once per text, not where the text tests it or prints another value", () => {
    const def = pipeline("printed", { params: PARAMS }, (p) => {
      p.bash("a", {
        command:
          "run --since {{ params.cutoff }} {{- params['cutoff'] | default('x') }} {{ params.name }}",
      });
      p.bash("b", { command: "run {% if params.cutoff %}--since {{ params.cutoff }}{% endif %}" });
      p.bash("c", {
        command:
          "run {{ params.cutoff or '' }} {{ params.cutoff is none }} {{ params.cutoff | tojson }}",
      });
      p.python("d", { fn: "tasks/m.py:loose", inputs: { cutoff: template("{{ params.ratio }}") } });
    });
    const warned = airflowTarget
      .validate(input(def))
      .map((d) => `${d.code} ${d.message} | ${d.fix}`);
    expect(warned).toEqual([
      "MLG1049 the command of task 'a' prints optional param 'cutoff' ('{{ params.cutoff }}...'), which Airflow renders as the text 'None' when a run leaves it unset (a default filter replaces an undefined value, not None) | test for it, {% if params.cutoff %}...{% endif %}, or print something in its place, {{ params.cutoff or '' }}; or read it in a Python task's input, which gets None",
      expect.stringMatching(/^MLG1049 inputs\.cutoff of task 'd' prints optional param 'ratio' /),
    ]);
  });

  it("computed with by a template on Airflow (arithmetic, an ordering, a minus sign): MLG1050 once per text, not where the text tests it against None first", () => {
    const def = pipeline("computed", { params: PARAMS }, (p) => {
      p.bash("a", {
        command: "train --epochs {{ params.limit + 1 }} --half {{ params.limit // 2 }}",
      });
      p.bash("b", { command: "{% if params.ratio > 0.5 %}big{% endif %}" });
      p.bash("c", { command: "echo {{ -params.ratio }}" });
      p.bash("d", {
        command:
          "{% if params.limit is not none %}{{ params.limit + 1 }}{% endif %} {{ (params.ratio or 0) * 2 }}",
      });
      // Whitespace control is no minus sign, and equality takes None.
      p.bash("e", {
        command: "{% if params.limit %}{{- params.limit -}}{% endif %} {{ params.ratio == 1 }}",
      });
    });
    const found = airflowTarget
      .validate(input(def))
      .filter((d) => d.code === "MLG1050")
      .map((d) => `${d.severity} ${d.message} | ${d.fix}`);
    expect(found).toEqual([
      "error the command of task 'a' computes with optional param 'limit' ('{{ params.limit + 1 }}...'), and Python raises a TypeError on None there, so the task fails when a run leaves it unset | test it first, {% if params.limit is not none %}...{% endif %}, or compute with a stand-in, (params.limit or 0); or read it in a Python task's input, which gets None",
      expect.stringMatching(/^error the command of task 'b' computes with optional param 'ratio' /),
      expect.stringMatching(/^error the command of task 'c' computes with optional param 'ratio' /),
    ]);
  });

  it("a trigger's conf may send null to an optional param, and not to another", () => {
    const target = pipeline(
      "backfill",
      { params: { since: { default: null, type: "string" }, days: 3 } },
      (p) => {
        p.bash("b", { command: "true" });
      },
    );
    const starter = pipeline("starter", {}, (p) => {
      p.trigger("ok", { pipeline: target, conf: { since: null } });
      p.trigger("bad", { pipeline: target, conf: { days: null } as never });
    });
    expect(starter.problems.map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^task 'bad' starts pipeline 'backfill' with conf key 'days', whose value is null, where param 'days' is of type integer/,
      ),
    ]);
  });
});
