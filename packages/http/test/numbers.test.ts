import { describe, expect, it } from "vitest";
import { LIMIT, numberProblem, SIZE, shown } from "../src/numbers.js";

describe("numberProblem", () => {
  it("says what it got, with its type, and never more than 20 characters of text", () => {
    expect(
      [12.5, "5", 10n, false, null, undefined, [1], { ms: 1 }, () => 1].map((v) => shown(v)),
    ).toEqual([
      "12.5",
      'the string "5"',
      "the bigint 10n",
      "the boolean false",
      "null",
      "undefined",
      "an array",
      "an object",
      "a function",
    ]);
    expect(shown(`${"x".repeat(25)}s3cret`)).toBe(`the string "${"x".repeat(20)}…"`);
  });

  it("takes the numbers a rule allows and says the fix for text", () => {
    expect(numberProblem("pageSize", 10, SIZE)).toBeNull();
    expect(numberProblem("limit", Number.POSITIVE_INFINITY, LIMIT)).toBeNull();
    expect(numberProblem("pageSize", "10", SIZE)).toBe(
      'must be a whole number, 1 or more (got the string "10"): convert it to a number first, e.g. pageSize: Number(process.env.PAGE_SIZE)',
    );
    expect(numberProblem("pageSize", Number.NaN, SIZE)).toMatch(/NaN is what Number\(\) makes/);
  });
});
