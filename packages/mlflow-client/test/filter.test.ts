import { describe, expect, it } from "vitest";
import { MlflowValidationError, quoteKey, quoteValue, runFilter } from "../src/index.js";

describe("runFilter", () => {
  it("joins clauses with and, quoting keys and values as MLflow's parser reads them", () => {
    expect(
      runFilter()
        .metric("accuracy", ">", 0.9)
        .param("model", "=", "rf")
        .tag("my key", "LIKE", "a%")
        .status("!=", "FAILED")
        .runIds("NOT IN", ["r1", "r2"])
        .time("start_time", ">=", 1700000000000)
        .exists("tags", "mlflow.note.content", false)
        .toString(),
    ).toBe(
      "metrics.`accuracy` > 0.9 and params.`model` = 'rf' and tags.`my key` LIKE 'a%' and " +
        "attributes.status != 'FAILED' and attributes.run_id NOT IN ('r1', 'r2') and " +
        "attributes.start_time >= 1700000000000 and " +
        "tags.`mlflow.note.content` IS NULL",
    );
  });

  it("refuses a list on any attribute but run_id, as MLflow does", () => {
    const list = ["FINISHED"] as const;
    // @ts-expect-error lists are typed for run_id only
    expect(() => runFilter().attribute("status", "IN", list)).toThrow(MlflowValidationError);
    expect(runFilter().attribute("run_id", "IN", ["a"]).toString()).toBe(
      "attributes.run_id IN ('a')",
    );
  });

  it("is immutable: each clause returns a new filter", () => {
    const base = runFilter().param("a", "=", "1");
    base.param("b", "=", "2");
    expect(base.toString()).toBe("params.`a` = '1'");
  });

  it.each([
    ["plain", "'plain'"],
    ["it's", `"it's"`],
    ['say "hi"', `'say "hi"'`],
    ["", "''"],
    ["100%_done", "'100%_done'"],
    ["back\\slash inside", "'back\\slash inside'"],
  ])("quotes the value %j as %s", (value, want) => {
    expect(quoteValue(value)).toBe(want);
  });

  it.each([[`it's "both"`], ["ends in a backslash\\"]])(
    "refuses a value it cannot express: %j",
    (value) => {
      expect(() => quoteValue(value)).toThrow(MlflowValidationError);
    },
  );

  it.each([
    ["accuracy", "`accuracy`"],
    // SQL words the server refuses bare.
    ["in", "`in`"],
    ["from", "`from`"],
    ["val loss", "`val loss`"],
    ["a.b", "`a.b`"],
    ["tick`key", `"tick\`key"`],
  ])("quotes the key %j as %s", (key, want) => {
    expect(quoteKey(key)).toBe(want);
  });

  it("writes large numbers as the server's tokenizer reads them (1e21, not 1e+21)", () => {
    expect(runFilter().metric("big", ">", 1e21).toString()).toBe("metrics.`big` > 1e21");
    expect(runFilter().metric("tiny", "<", 1e-7).toString()).toBe("metrics.`tiny` < 1e-7");
  });

  it("refuses non-finite numbers and keys holding both quote kinds", () => {
    expect(() => runFilter().metric("a", ">", Number.NaN)).toThrow(MlflowValidationError);
    expect(() => quoteKey('a`b"c')).toThrow(MlflowValidationError);
  });
});
