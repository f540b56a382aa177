import { describe, expect, it } from "vitest";
import { closestName, typoOf } from "../src/names.js";

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

describe("typoOf", () => {
  const dags = ["deploy_model", "ingest_churn", "etl_v1", "etl_v2", "ab"];
  it.each([
    ["deploy_modle", "deploy_model"],
    ["Deploy_Model", "deploy_model"],
    ["ingest_chrun", "ingest_churn"],
    ["ingest_churm", "ingest_churn"],
    ["deploy_mdel", "deploy_model"],
    ["abc", "ab"],
  ])("%s → %s", (typo, meant) => {
    expect(typoOf(typo, dags)).toBe(meant);
  });
  it.each([
    // A prefix, three letters off, one of a family (a tie), too short to be sure of.
    ["deploy", "deploy_models_eu", "etl_v3", "xy", "deploy_model_v22"],
  ])("%s → nothing", (...names) => {
    for (const name of names) expect(typoOf(name, dags), name).toBeUndefined();
  });
});
