/**
 * mlgen's cron check against croniter, which Airflow's cron timetables validate with (the venv's
 * pinned version): every expression mlgen accepts croniter accepts and finds a run for, and the
 * other way round.
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
  // Valid fields, but days that never come: croniter finds no run.
  "0 0 31 2 *",
  "0 0 30,31 2 ?",
  "0 0 31 4,6,9,11 *",
  "0 0 29 2 *",
  "0 0 31 2 MON",
  "0 0 31 */2 *",
  "0 0 31 2-4 *",
];

describe("cronProblem agrees with croniter", () => {
  let valid: Record<string, boolean>;
  beforeAll(() => {
    ensureEngines();
    const script = [
      "import json, sys",
      "from croniter import croniter",
      "exprs = json.load(sys.stdin)",
      "from datetime import datetime",
      "def runs(e):",
      "    if not croniter.is_valid(e):",
      "        return False",
      "    try:",
      "        croniter(e, datetime(2025, 1, 1)).get_next(datetime)",
      "        return True",
      "    except Exception:",
      "        return False",
      "print(json.dumps({e: runs(e) for e in exprs}))",
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
