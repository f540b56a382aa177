/**
 * mlgen's cron check against croniter, which Airflow's cron timetables validate with (the venv's
 * pinned version): every expression mlgen accepts croniter accepts and finds a run for, and the
 * other way round; and how often an expression fires over a span, counted by mlgen as croniter
 * counts it (what implicit-catchup says a backfill holds). And its time zone check against pendulum, which reads a DAG's time zone.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { cronProblem, timezoneProblem } from "../../packages/compiler/src/index.js";
import {
  cronFireCount,
  cronFiresAt,
  cronTimes,
  cronUnevenStep,
  PRESET_CRON,
} from "../../packages/core/src/index.js";
import { AIRFLOW2_PYTHON, ensureEngines, PYTHON } from "./harness.js";

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

/** Each with one stepped field; the days OR'd by a day of the month aside (not a step's doing). */
const STEPS = [
  "*/90 * * * *",
  "*/45 * * * *",
  "*/15 * * * *",
  "*/7 * * * *",
  "5/20 * * * *",
  "30/45 * * * *",
  "*/45 9 * * *",
  "*/45 9-17 * * *",
  "0 */5 * * *",
  "0 */6 * * *",
  "0 */24 * * *",
  "0 */7 * * MON-FRI",
  "0 */7 * * MON,WED",
  "0 */5 1 * *",
  "0 0 1 */5 *",
  "0 0 1 */3 *",
  "0 0 1 */12 *",
  "0 0 * * */2",
  "0 0 * * */3",
  "0 0 * * 1/2",
  // A range over the whole field is `*` (a shorter one is a window, not judged); 7 is Sunday.
  "0-59/45 * * * *",
  "0 0-23/5 * * *",
  "0 0 * * 7/2",
  "0 0 * * 0-7/2",
  "0 0 1 1-12/5 *",
];

describe("cronUnevenStep agrees with croniter", () => {
  let gaps: Record<string, number[]>;
  beforeAll(() => {
    ensureEngines();
    // Successive runs' distance in the stepped field's unit, within one span of it (the
    // minutes of an hour, the hours of a day, ...): a night between two working days aside.
    const script = [
      "import json, sys",
      "from croniter import croniter",
      "from datetime import datetime",
      "out = {}",
      "for e in json.load(sys.stdin):",
      "    field = [i for i, p in enumerate(e.split()) if '/' in p][0]",
      "    it = croniter(e, datetime(2025, 1, 1))",
      "    times = [it.get_next(datetime) for _ in range(300)]",
      "    unit = {0: lambda t: int(t.timestamp()) // 60, 1: lambda t: int(t.timestamp()) // 3600,",
      "            3: lambda t: t.year * 12 + t.month, 4: lambda t: int(t.timestamp()) // 86400}[field]",
      "    span = {0: 60, 1: 24, 3: 12, 4: 7}[field]",
      "    d = {unit(b) - unit(a) for a, b in zip(times, times[1:])}",
      "    out[e] = sorted(x for x in d if x <= span)",
      "print(json.dumps(out))",
    ].join("\n");
    gaps = JSON.parse(
      execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(STEPS), encoding: "utf8" }),
    );
  }, 600_000);

  it.each(STEPS)("%s: said exactly when runs are not a step apart", (expression) => {
    const step = Number(/\/(\d+)/.exec(expression)?.[1]);
    const said = cronUnevenStep(expression);
    expect(said !== null).toBe(JSON.stringify(gaps[expression]) !== JSON.stringify([step]));
    // The gaps it names are croniter's: `45 minutes apart and then 15`.
    const named = /apart and then (\d+)/.exec(said?.reason ?? "");
    if (named) expect(gaps[expression]).toEqual([Number(named[1]), step].sort((a, b) => a - b));
  });
});

/** Every zone ICU lists, IANA names it lists under another, and names mlgen refuses. */
const ZONES = [
  ...Intl.supportedValuesOf("timeZone"),
  "UTC",
  "Etc/UTC",
  "Asia/Kolkata",
  "Europe/Kyiv",
  "US/Pacific",
  "America/Argentina/Buenos_Aires",
  "Etc/GMT+5",
  "europe/berlin",
  "Europe/berlin",
  "utc",
  "Europe/Berlinn",
  "+02:00",
  "UTC+2",
  "Central European Time",
];

describe.each([
  { engine: "Airflow 3", python: PYTHON },
  { engine: "Airflow 2", python: AIRFLOW2_PYTHON },
])("timezoneProblem agrees with pendulum under $engine", ({ python }) => {
  let loads: Record<string, boolean>;
  beforeAll(() => {
    ensureEngines();
    const script = [
      "import json, sys",
      "import pendulum",
      "def loads(name):",
      "    try:",
      "        pendulum.datetime(2025, 1, 1, tz=name)",
      "        return True",
      "    except Exception:",
      "        return False",
      "print(json.dumps({z: loads(z) for z in json.load(sys.stdin)}))",
    ].join("\n");
    loads = JSON.parse(
      execFileSync(python, ["-c", script], { input: JSON.stringify(ZONES), encoding: "utf8" }),
    );
  }, 600_000);

  it(`on all ${ZONES.length} names: a name mlgen accepts loads, one it refuses does not`, () => {
    const disagree = ZONES.filter((z) => (timezoneProblem(z) === null) !== loads[z]);
    // pendulum reads UTC in any case; mlgen asks for it as IANA spells it, like every name.
    expect(disagree).toEqual(["utc"]);
  });
});

/** Expressions whose runs mlgen counts, over spans across month, year and leap-day ends. */
const COUNTED = [
  ...Object.values(PRESET_CRON),
  "30 2 * * 1-5",
  "*/15 6-18 * * MON-FRI",
  "0 0 1 JAN,JUL *",
  "5,10-20/5 * * * 0-7",
  "0 3 ? * *",
  "0 3 * * ?",
  "0 0 13 * 5",
  "0 12 1,15 * SUN",
  "0 0 */2 * *",
  "0 0 29 2 *",
  "0 0 31 2 *",
  "7 */4 * 2-11/3 *",
  "0 0 * * 7",
];
const SPANS = [
  ["2023-12-31T23:30:00Z", "2024-03-02T00:00:00Z"],
  ["2024-01-01T00:00:00Z", "2026-12-04T14:43:00Z"],
  ["2021-06-15T02:30:00Z", "2021-06-15T02:30:00Z"],
  ["2019-02-27T10:07:00Z", "2021-03-01T00:00:01Z"],
] as const;

describe("cronFireCount, cronTimes and cronFiresAt agree with croniter", () => {
  let counts: Record<string, { n: number; first: string[]; last: string[] }>;
  beforeAll(() => {
    ensureEngines();
    // croniter's run times in [from, to): the first at or after from, up to to.
    const script = [
      "import json, sys",
      "from datetime import datetime, timedelta, timezone",
      "from croniter import croniter",
      "out = {}",
      "for e, a, b in json.load(sys.stdin):",
      "    start = datetime.fromisoformat(a.replace('Z', '+00:00'))",
      "    end = datetime.fromisoformat(b.replace('Z', '+00:00'))",
      "    it = croniter(e, start - timedelta(seconds=1))",
      "    ts = []",
      "    while True:",
      "        try:",
      "            t = it.get_next(datetime)",
      "        except Exception:",
      "            break",
      "        if t >= end:",
      "            break",
      "        if t >= start:",
      "            ts.append(t.isoformat().replace('+00:00', '.000Z'))",
      "    out[f'{e}|{a}|{b}'] = {'n': len(ts), 'first': ts[:25], 'last': ts[::-1][:25]}",
      "print(json.dumps(out))",
    ].join("\n");
    const cases = COUNTED.flatMap((e) => SPANS.map(([a, b]) => [e, a, b]));
    counts = JSON.parse(
      execFileSync(PYTHON, ["-c", script], {
        input: JSON.stringify(cases),
        encoding: "utf8",
        maxBuffer: 1 << 24,
      }),
    );
  }, 600_000);

  it.each(COUNTED)("%s", (expression) => {
    for (const [a, b] of SPANS) {
      const want = counts[`${expression}|${a}|${b}`];
      const [from, to] = [new Date(a), new Date(b)];
      expect(cronFireCount(expression, from, to), `${a} to ${b}`).toBe(want?.n);
      const first = cronTimes(expression, from, to, 25)?.map((d) => d.toISOString());
      const last = cronTimes(expression, from, to, 25, true)?.map((d) => d.toISOString());
      expect(first, `first times, ${a} to ${b}`).toEqual(want?.first);
      expect(last, `last times, ${a} to ${b}`).toEqual(want?.last);
      // Each time croniter gives fires; the minute after one fires when croniter's next is it.
      const seq = want?.first ?? [];
      seq.forEach((t, i) => {
        const at = new Date(t);
        expect(cronFiresAt(expression, at), t).toBe(true);
        const next = new Date(at.getTime() + 60_000);
        if (i + 1 < seq.length) {
          expect(cronFiresAt(expression, next), next.toISOString()).toBe(
            seq[i + 1] === next.toISOString(),
          );
        }
      });
      expect(cronFiresAt(expression, new Date(from.getTime() + 1)), "a time with ms").toBe(false);
    }
  });

  it("declines what it does not model", () => {
    const [a, b] = [new Date("2024-01-01T00:00:00Z"), new Date("2025-01-01T00:00:00Z")];
    for (const e of ["0 3 L * *", "0 3 * * 1#2", "0 3 15W * *", "0 3 * * FRI-MON", "0 3 * *"]) {
      expect(cronFireCount(e, a, b), e).toBeNull();
      expect(cronTimes(e, a, b, 10), e).toBeNull();
      expect(cronFiresAt(e, a), e).toBeNull();
    }
  });
});
