/** The helpers' option and result types, checked by `tsc` in the types project. */
import { describe, expectTypeOf, it } from "vitest";
import { createAirflowClient, type WaitResult, type XcomEntry } from "../src/index.js";

describe("waitForDagRun", () => {
  it("resolves only with a run that ended: success or failed", () => {
    expectTypeOf<WaitResult["state"]>().toEqualTypeOf<"success" | "failed">();
  });
});

describe("options", () => {
  it("take a field that may be undefined, under exactOptionalPropertyTypes", () => {
    const given: { timeoutMs?: number; token?: string; runId?: string; pageSize?: number } = {};
    const client = createAirflowClient({
      baseUrl: "http://af",
      timeoutMs: given.timeoutMs,
      auth: given.token === undefined ? undefined : { token: given.token },
      retry: { retries: given.pageSize },
    });
    void client.waitForDagRun("d", "r", { timeoutMs: given.timeoutMs, pollIntervalMs: undefined });
    void client.triggerDagRun("d", { runId: given.runId, conf: undefined });
    void client.clearTaskInstances("d", { runId: "r", taskIds: undefined, dryRun: undefined });
    client.paginate("/api/v2/dags", {}, { pageSize: given.pageSize });
  });
});

describe("getTaskLog", () => {
  it("takes a task id, or a task instance as waitForDagRun and listTaskInstances give it", async () => {
    const client = createAirflowClient({ baseUrl: "http://af" });
    const { failedTaskInstances } = await client.waitForDagRun("d", "r");
    for (const ti of failedTaskInstances) void client.getTaskLog("d", "r", ti);
    void client.getTaskLog("d", "r", "t", { mapIndex: 1, tryNumber: undefined });
    void client.getTaskLog("d", "r", { task_id: "t", map_index: 2 });
    // @ts-expect-error a task instance names its task
    void client.getTaskLog("d", "r", { map_index: 2 });
  });
});

describe("getXcom", () => {
  it("takes { mapIndex, signal } fifth, or the older map index fifth and options sixth", () => {
    const client = createAirflowClient({ baseUrl: "http://af" });
    const { signal } = new AbortController();
    expectTypeOf(client.getXcom("d", "r", "t", "k", { mapIndex: 1, signal })).toEqualTypeOf<
      Promise<XcomEntry>
    >();
    expectTypeOf(client.getXcom("d", "r", "t", "k", 1, { signal })).toEqualTypeOf<
      Promise<XcomEntry>
    >();
    void client.getXcom("d", "r", "t", "k", undefined, { signal });
    void client.getXcom("d", "r", "t", "k", { signal });
    void client.getXcom("d", "r", "t", "k");
    // @ts-expect-error the options go once: in the fifth place, with mapIndex in them
    void client.getXcom("d", "r", "t", "k", { mapIndex: 1 }, { signal });
    // @ts-expect-error a map index is a number
    void client.getXcom("d", "r", "t", "k", { mapIndex: "1" });
  });
});
