/**
 * mlgen's cron check against croniter, which Airflow's cron timetables validate with (the venv's
 * pinned version): every expression mlgen accepts croniter accepts, and the other way round.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { cronProblem } from "../../packages/compiler/src/index.js";
import { ensureEngines, PYTHON } from "./harness.js";

const EXPRESSIONS = [
  "0 3 * * *",
  "*/15 6-18 * * MON-FRI",
  "0 0 1 JAN,JUL *",
  "5,10-20/5 * * * 0-7",
  "0 3 L * *",
  "0 3 l * *",
  "0 3 ? * *",
  "0 3 * * ?",
  "0 3 15W * *",
  "0 3 1-L * *",
  "0 3 1,L * *",
  "0 3 * * 1#2",
  "0 3 * * mon#2",
  "0 3 * * 1#6",
  "0 3 * * 1#2,3",
  "0 3 * * 1#1,1#3",
  "0 3 * * L5",
  "0 3 1-L/2 * *",
  "0 3 * * 5L",
  "0 3 * * L",
  "0 3 LW * *",
  "0 3 L-2 * *",
  "0 3 */L * *",
  "? 3 * * *",
  "60 * * * *",
  "* * 0 * *",
  "* * * 13 *",
  "* * * * 8",
  "*/0 * * * *",
  "10-5 * * * *",
  "0 3 * * FRI-MON",
  "0 3 * *",
];

describe("cronProblem agrees with croniter", () => {
  let valid: Record<string, boolean>;
  beforeAll(() => {
    ensureEngines();
    const script = [
      "import json, sys",
      "from croniter import croniter",
      "exprs = json.load(sys.stdin)",
      "print(json.dumps({e: bool(croniter.is_valid(e)) for e in exprs}))",
    ].join("\n");
    valid = JSON.parse(
      execFileSync(PYTHON, ["-c", script], {
        input: JSON.stringify(EXPRESSIONS),
        encoding: "utf8",
      }),
    );
  }, 600_000);

  it.each(EXPRESSIONS)("%s", (expression) => {
    expect(cronProblem(expression) === null).toBe(valid[expression]);
  });
});
