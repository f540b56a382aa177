/**
 * Python's json.loads errors, which FastAPI answers as 422 `json_invalid` before any auth check:
 * the expectations are what CPython 3.11 (the engine venv's, Airflow 3.3.2's api-server) raises.
 */
import { describe, expect, it } from "vitest";
import { pythonJsonError } from "../src/airflow/python-json.js";
import { createAirflowFake } from "../src/index.js";

describe("pythonJsonError", () => {
  it.each([
    ["{bad", 1, "Expecting property name enclosed in double quotes"],
    ["hello", 0, "Expecting value"],
    ['{"a":1,}', 7, "Expecting property name enclosed in double quotes"],
    ['{"a" 1}', 5, "Expecting ':' delimiter"],
    ['{"a":1 "b":2}', 7, "Expecting ',' delimiter"],
    ["[1,2", 4, "Expecting ',' delimiter"],
    ['{"a":"x', 5, "Unterminated string starting at"],
    ['{"a":tru}', 5, "Expecting value"],
    ['{"a":1}x', 7, "Extra data"],
    ['{"a":"\\q"}', 6, "Invalid \\escape"],
    ['{"a":"\u0001"}', 6, "Invalid control character at"],
    ['{"a":1', 6, "Expecting ',' delimiter"],
    ["{'a':1}", 1, "Expecting property name enclosed in double quotes"],
    [" ", 1, "Expecting value"],
    ["[1,]", 3, "Expecting value"],
    ['{"a":-}', 5, "Expecting value"],
    ['{"a":01}', 6, "Expecting ',' delimiter"],
    ['{"a":"\\u12"}', 7, "Invalid \\uXXXX escape"],
    // _json.c wants a character after the four digits: at the very end it is this error.
    [' ":0 \\u00e9', 6, "Invalid \\uXXXX escape"],
  ])("%j: %i %s", (text, pos, msg) => {
    expect(pythonJsonError(text)).toEqual({ msg, pos });
  });

  it("reads what Python reads, NaN and Infinity included", () => {
    for (const text of [
      '{"a": [1, 2.5e3, -0, "\\u00e9\\n"], "b": null}',
      "[NaN, -Infinity]",
      " 1 ",
    ]) {
      expect(pythonJsonError(text)).toBeNull();
    }
  });
});

describe("the Airflow fake reads the body before it checks the token, as FastAPI does", () => {
  const jsonInvalid = {
    detail: [
      {
        type: "json_invalid",
        loc: ["body", 1],
        msg: "JSON decode error",
        input: {},
        ctx: { error: "Expecting property name enclosed in double quotes" },
      },
    ],
  };

  it("a JSON body Python cannot read is 422 with or without a token, and for any role", async () => {
    const fake = createAirflowFake({
      users: [{ username: "vera", password: "vera-pw", role: "viewer" }],
    });
    fake.addDag({ dagId: "train", tasks: [{ taskId: "fit" }] });
    const token = await fake.fetch(`${fake.baseUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "vera", password: "vera-pw" }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const post = async (headers: Record<string, string>) => {
      const r = await fake.fetch(`${fake.baseUrl}/api/v2/dags/train/dagRuns`, {
        method: "POST",
        headers,
        body: "{bad",
      });
      return [r.status, await r.json()];
    };
    const json = { "content-type": "application/json" };
    expect(await post(json)).toEqual([422, jsonInvalid]);
    expect(await post({ ...json, authorization: "Bearer nope" })).toEqual([422, jsonInvalid]);
    expect(await post({ ...json, authorization: `Bearer ${access_token}` })).toEqual([
      422,
      jsonInvalid,
    ]);
    // Not read as JSON (text/plain): the token is checked first.
    expect(await post({ "content-type": "text/plain" })).toEqual([
      401,
      { detail: "Not authenticated" },
    ]);
  });
});
