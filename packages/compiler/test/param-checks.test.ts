/**
 * A param's enum and bounds (Airflow Param's enum, minimum, maximum, minLength, maxLength):
 * checked against the param's type and default when the pipeline lowers, written into Param on
 * Airflow, and MLG3002 on Kubeflow, which checks no run's inputs. The engine tests prove them on
 * real Airflow 3 and 2 (airflow-dags: param_schemas; airflow-constructs: a run outside them).
 */
import { describe, expect, it } from "vitest";
import { pipeline } from "../../dsl/src/index.js";
import { airflowTarget, kubeflowTarget, lowerPipeline } from "../src/index.js";

const lower = (ir: unknown) => lowerPipeline({ ir, sourceMap: {}, modules: new Map() });

function input(ir: unknown) {
  const r = lower(ir);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { ...r, sourceFile: "p.ts", sourceMap: {}, pythonFiles: [] };
}

const checked = () =>
  pipeline(
    "checked",
    {
      params: {
        mode: { default: "full", enum: ["full", "quick"], description: "which side" },
        limit: { default: 10, minimum: 1, maximum: 1000 },
        ratio: { default: 0.5, type: "number", minimum: 0, maximum: 1 },
        table: { default: "events", minLength: 1, maxLength: 40 },
        plain: "x",
      },
    },
    (p) => {
      p.bash("a", { command: "echo $MODE", env: { MODE: p.params.mode } });
    },
  );

describe("a param's enum and bounds", () => {
  it("are Param's keywords on Airflow 3 and 2, after its type and description", () => {
    for (const airflowVersion of [3, 2] as const) {
      const [file] = airflowTarget.emit({ ...input(checked().ir), settings: { airflowVersion } });
      const text = file?.content ?? "";
      expect(text).toContain(
        [
          "    params={",
          '        "mode": Param("full", type="string", description="which side", enum=["full", "quick"]),',
          '        "limit": Param(10, type="integer", minimum=1, maximum=1000),',
          '        "ratio": Param(0.5, type="number", minimum=0, maximum=1),',
          '        "table": Param("events", type="string", minLength=1, maxLength=40),',
          '        "plain": Param("x", type="string"),',
          "    },",
        ].join("\n"),
      );
    }
  });

  it("are MLG3002 on Kubeflow, which checks no run's inputs, once per param", () => {
    const said = kubeflowTarget
      .validate(input(checked().ir))
      .filter((d) => d.code === "MLG3002")
      .map((d) => d.message);
    expect(said).toEqual([
      "enum of param 'mode' is approximated for Kubeflow Pipelines: a KFP run takes any value of the param's type: neither the backend nor the UI checks it against them (Airflow does)",
      "minimum, maximum of param 'limit' are approximated for Kubeflow Pipelines: a KFP run takes any value of the param's type: neither the backend nor the UI checks it against them (Airflow does)",
      "minimum, maximum of param 'ratio' are approximated for Kubeflow Pipelines: a KFP run takes any value of the param's type: neither the backend nor the UI checks it against them (Airflow does)",
      "minLength, maxLength of param 'table' are approximated for Kubeflow Pipelines: a KFP run takes any value of the param's type: neither the backend nor the UI checks it against them (Airflow does)",
    ]);
  });

  it("that do not fit the param's type or default are MLG1011 with the fix", () => {
    const { ir, problems } = pipeline(
      "bad",
      {
        params: {
          outside: { default: "other", enum: ["full", "quick"] },
          typed: { default: 1, enum: [1, "two"] },
          empty: { default: "a", enum: [] },
          low: { default: 0, minimum: 1 },
          crossed: { default: 5, minimum: 9, maximum: 1 },
          text: { default: "abc", minimum: 1 },
          count: { default: 3, maxLength: 2 },
          long: { default: "héllo", maxLength: 4 },
          fits: { default: "héllo", maxLength: 5 },
        },
      },
      (p) => {
        p.bash("a", { command: "true" });
      },
    );
    expect(problems).toEqual([]);
    const r = lower(ir);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `invalid default of param 'outside': "other" is not one of its enum ("full", "quick"), and Airflow fails every run that keeps the default ('ParamValidationError') | make the default one of the values, or add it to them`,
      `invalid enum of param 'typed': "two" is not of the param's type 'integer' | list values of type 'integer'`,
      "invalid enum of param 'empty': it is empty, so no run could give a value | list the values a run may give",
      "invalid default of param 'low': 0 is outside [1, ∞], and Airflow fails every run that keeps the default ('ParamValidationError') | give a default within the bounds",
      "invalid minimum of param 'crossed': 9 is above its maximum 1 | swap them",
      "invalid minimum of param 'text': it bounds a number, and the param is of type 'string' | bound a string's length with minLength and maxLength",
      "invalid maxLength of param 'count': it bounds a string's length, and the param is of type 'integer' | bound a number with minimum and maximum",
      `invalid default of param 'long': "héllo" is 5 characters long, outside [0, 4], and Airflow fails every run that keeps the default ('ParamValidationError') | give a default of a length within the bounds`,
    ]);
  });

  it("say the DAG file is refused when the pipeline has a schedule, and point a float enum of an integer param to type number", () => {
    const { ir } = pipeline(
      "scheduled",
      {
        schedule: "@daily",
        startDate: "2025-01-01",
        params: {
          mode: { default: "other", enum: ["full", "quick"] },
          k: { default: 1, enum: [1, 2.5] },
          flag: { default: true, enum: ["yes"] },
        },
      },
      (p) => {
        p.bash("a", { command: "true" });
      },
    );
    expect(lower(ir).diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `invalid default of param 'mode': "other" is not one of its enum ("full", "quick"), and Airflow refuses the DAG file, whose scheduled runs keep the default | make the default one of the values, or add it to them`,
      `invalid enum of param 'k': 2.5 is not of the param's type 'integer' | declare the param a number param, { default: ..., type: "number" } (JavaScript reads 1.0 as 1)`,
      "invalid enum of param 'flag': the param is of type 'boolean', and mlgen carries an enum of strings or numbers | remove enum, or make the param a string or number param",
    ]);
  });
});
