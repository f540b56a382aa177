import { describe, expect, it } from "vitest";
import { closestName } from "../src/names.js";

describe("closestName", () => {
  const known = ["retries", "retryDelay", "schedule", "startDate", "timeouts", "out"];
  it.each([
    ["retires", "retries"],
    ["Schedule", "schedule"],
    ["start_date", "startDate"],
    ["timeout", "timeouts"],
    ["retryDelays", "retryDelay"],
    ["retry", "retries"],
  ])("%s → %s", (typo, meant) => {
    expect(closestName(typo, known)).toBe(meant);
  });
  it.each(["password", "outDir", "x", "concurrency"])("%s → nothing close", (name) => {
    expect(closestName(name, known)).toBeUndefined();
  });
});
