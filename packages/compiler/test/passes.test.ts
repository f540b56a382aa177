import {
  type diagnostic,
  EMPTY_TASK_OPTIONS,
  type Pipeline,
  type Task,
  type Value,
} from "@mlgen/core";
import { describe, expect, it } from "vitest";
import { pythonTask, samplePipeline } from "../../core/test/fixtures.js";
import { pipeline } from "../../dsl/src/index.js";
import {
  checkDuplicateIds,
  checkGraph,
  checkModules,
  cronProblem,
  definesFunction,
  inferDependencies,
  lowerPipeline,
  orderTasks,
  resolveRefs,
  startDateProblem,
  timezoneProblem,
} from "../src/index.js";
import { checkSecrets } from "../src/passes/check-secrets.js";

const ref = (task: string, output: string): Value => ({ kind: "ref", task, output });
// The same builders as the core tests, with a pipeline that has no schedule or start date.
const py = pythonTask;
const ir = (tasks: Task[], extra: Partial<Pipeline> = {}): Pipeline => ({
  ...samplePipeline(tasks),
  id: "p",
  schedule: { kind: "none" },
  startDate: null,
  ...extra,
});
function codes(run: (report: (d: ReturnType<typeof diagnostic>) => void) => void): string[] {
  const out: string[] = [];
  run((d) => out.push(d.code));
  return out;
}

describe("inferDependencies", () => {
  const cases: [string, { given: Task[]; want: Record<string, string[]> }][] = [
    ["no edges", { given: [py("a"), py("b")], want: { a: [], b: [] } }],
    [
      "a ref is an edge",
      {
        given: [py("a", { outputs: { x: "int" } }), py("b", { inputs: { x: ref("a", "x") } })],
        want: { a: [], b: ["a"] },
      },
    ],
    [
      "refs deep in lists, objects and joins",
      {
        given: [
          py("a", { outputs: { x: "string" } }),
          py("c", { outputs: { y: "int" } }),
          py("b", {
            inputs: {
              deep: {
                kind: "list",
                items: [
                  {
                    kind: "object",
                    entries: { k: { kind: "join", base: ref("a", "x"), parts: ["f"] } },
                  },
                  ref("c", "y"),
                ],
              },
            },
          }),
        ],
        want: { a: [], b: ["a", "c"], c: [] },
      },
    ],
    [
      "after() and refs merge, sorted, without duplicates",
      {
        given: [
          py("z", { outputs: { x: "int" } }),
          py("a"),
          py("b", { after: ["z", "a"], inputs: { x: ref("z", "x") } }),
        ],
        want: { a: [], b: ["a", "z"], z: [] },
      },
    ],
  ];
  it.each(cases)("%s", (_n, { given, want }) => {
    const out = inferDependencies(ir(given));
    expect(Object.fromEntries(out.tasks.map((t) => [t.id, t.upstream]))).toEqual(want);
  });
});

describe("inferDependencies with task groups", () => {
  const g = (id: string, parent: string | null, after: string[] = []) => ({
    kind: "group" as const,
    id,
    parent,
    tooltip: null,
    after,
    options: { ...EMPTY_TASK_OPTIONS },
  });

  it("a group in .after() stands for its last tasks; group.after() feeds its first tasks", () => {
    const out = inferDependencies(
      ir(
        [
          py("start"),
          py("fe.a", { group: "fe" }),
          py("fe.b", { group: "fe", after: ["fe.a"] }),
          py("fe.in.c", { group: "fe.in" }),
          py("end", { after: ["fe"] }),
        ],
        { groups: { fe: g("fe", null, ["start"]), "fe.in": g("fe.in", "fe") } },
      ),
    );
    expect(Object.fromEntries(out.tasks.map((t) => [t.id, t.upstream]))).toEqual({
      start: [],
      "fe.a": ["start"],
      "fe.b": ["fe.a"],
      "fe.in.c": ["start"],
      end: ["fe.b", "fe.in.c"],
    });
  });

  it("a group's last tasks are judged by the edges its inner groups' .after() make too", () => {
    // checks: gate, then the group inner after it; then the group late after inner; `end`
    // after checks runs after late.c alone, as Airflow's `checks >> end` does.
    const out = inferDependencies(
      ir(
        [
          py("checks.gate", { group: "checks" }),
          py("checks.inner.b", { group: "checks.inner" }),
          py("checks.late.c", { group: "checks.late" }),
          py("end", { after: ["checks"] }),
        ],
        {
          groups: {
            checks: g("checks", null),
            "checks.inner": g("checks.inner", "checks", ["checks.gate"]),
            "checks.late": g("checks.late", "checks", ["checks.inner"]),
          },
        },
      ),
    );
    expect(Object.fromEntries(out.tasks.map((t) => [t.id, t.upstream]))).toEqual({
      "checks.gate": [],
      "checks.inner.b": ["checks.gate"],
      "checks.late.c": ["checks.inner.b"],
      end: ["checks.late.c"],
    });
  });
});

describe("resolveRefs", () => {
  const cases: [string, { given: Pipeline; want: string[] }][] = [
    [
      "valid ref",
      {
        given: ir([py("a", { outputs: { x: "int" } }), py("b", { inputs: { x: ref("a", "x") } })]),
        want: [],
      },
    ],
    [
      "undeclared output",
      {
        given: ir([py("a", { outputs: { x: "int" } }), py("b", { inputs: { x: ref("a", "y") } })]),
        want: ["MLG1003"],
      },
    ],
    [
      "unknown task",
      { given: ir([py("b", { inputs: { x: ref("nope", "y") } })]), want: ["MLG1004"] },
    ],
    [
      "undeclared param",
      { given: ir([py("b", { inputs: { x: { kind: "param", name: "n" } } })]), want: ["MLG1013"] },
    ],
    [
      "declared param",
      {
        given: ir([py("b", { inputs: { x: { kind: "param", name: "n" } } })], {
          params: {
            n: { kind: "param", type: "integer", default: 1, description: null, position: 0 },
          },
        }),
        want: [],
      },
    ],
    [
      "env() in a bash task",
      {
        given: ir([
          {
            kind: "bash",
            id: "b",
            group: null,
            after: [],
            upstream: [],
            options: { ...EMPTY_TASK_OPTIONS },
            outlets: [],
            command: "true",
            env: { X: { kind: "env", name: "HOME", default: null } },
          },
        ]),
        want: ["MLG1015"],
      },
    ],
  ];
  it.each(cases)("%s", (_n, { given, want }) => {
    expect(codes((report) => resolveRefs(given, { sourceMap: {}, report }))).toEqual(want);
  });
});

const groupNode = (id: string, parent: string | null) => ({
  kind: "group" as const,
  id,
  parent,
  tooltip: null,
  after: [],
  options: { ...EMPTY_TASK_OPTIONS },
});

describe("checkDuplicateIds", () => {
  it("reports each task id used again, and says there was one", () => {
    const found: string[] = [];
    const report = (d: { code: string }) => found.push(d.code);
    expect(checkDuplicateIds(ir([py("a"), py("a"), py("b")]), { sourceMap: {}, report })).toBe(
      true,
    );
    expect(found).toEqual(["MLG1001"]);
    expect(checkDuplicateIds(ir([py("a"), py("b")]), { sourceMap: {}, report })).toBe(false);
    expect(found).toEqual(["MLG1001"]);
  });
});

describe("checkGraph", () => {
  const cases: [string, { given: Pipeline; want: string[] }][] = [
    ["valid", { given: ir([py("a"), py("b", { upstream: ["a"] })]), want: [] }],
    [
      "cycle",
      {
        given: ir([py("a", { upstream: ["b"] }), py("b", { upstream: ["a"] })]),
        want: ["MLG1002"],
      },
    ],
    ["self loop via after", { given: ir([py("a", { after: ["a"] })]), want: ["MLG1002"] }],
    [
      "a task after a group it is in; a group after itself, a task in it or a group around it",
      {
        given: ir([py("a", { group: "g.h", after: ["g"] }), py("b", { after: ["x"] })], {
          groups: {
            g: { ...groupNode("g", null), after: ["g.h"] },
            "g.h": { ...groupNode("g.h", "g"), after: ["g"] },
            x: { ...groupNode("x", null), after: ["x"] },
            y: { ...groupNode("y", null), after: ["a", "x"] },
          },
        }),
        want: ["MLG1002", "MLG1002", "MLG1002", "MLG1002"],
      },
    ],
    [
      "after() names an unknown task",
      { given: ir([py("a", { after: ["ghost"] })]), want: ["MLG1004"] },
    ],
    ["bad task id", { given: ir([py("a b")]), want: ["MLG1006"] }],
    ["id too long", { given: ir([py("x".repeat(251))]), want: ["MLG1006"] }],
    ["bad pipeline id", { given: ir([], { id: "my pipeline" }), want: ["MLG1006"] }],
    [
      "group ids: a dot in one's own label (Airflow rejects it), nested ones are fine",
      {
        given: ir([], {
          groups: {
            "g.h": groupNode("g.h", null),
            ok: groupNode("ok", null),
            "ok.in": groupNode("ok.in", "ok"),
            "ok.in.x y": groupNode("ok.in.x y", "ok.in"),
          },
        }),
        want: ["MLG1006", "MLG1006"],
      },
    ],
    [
      "durations: one longer than a timedelta holds (0 is Airflow's 'none', so fine)",
      {
        given: ir(
          [
            py("a", { options: { ...EMPTY_TASK_OPTIONS, executionTimeout: 0, retryDelay: 0 } }),
            py("b", { options: { ...EMPTY_TASK_OPTIONS, maxRetryDelay: 86_400 * 1e9 } }),
          ],
          { dagrunTimeout: 86_400 * 1e9 },
        ),
        want: ["MLG1011", "MLG1011"],
      },
    ],
    [
      "outlet asset URIs: empty, only spaces and non-ASCII refused; a space inside is fine",
      {
        given: ir([py("a", { outlets: ["", "  ", "s3://b/résumé.csv", "s3://b/my file.csv"] })]),
        want: ["MLG1011", "MLG1011", "MLG1011"],
      },
    ],
    [
      "input name not an identifier",
      {
        given: ir([py("a", { inputs: { "data-path": { kind: "literal", value: 1 } } })]),
        want: ["MLG1011"],
      },
    ],
    [
      "bad cron",
      {
        given: ir([], { schedule: { kind: "cron", expression: "61 * * * *" } }),
        want: ["MLG1005"],
      },
    ],
    [
      "unknown preset",
      { given: ir([], { schedule: { kind: "preset", preset: "@sometimes" } }), want: ["MLG1005"] },
    ],
  ];
  it.each(cases)("%s", (_n, { given, want }) => {
    expect(codes((report) => checkGraph(given, { sourceMap: {}, report }))).toEqual(want);
  });
});

describe("a cron step that does not run as often as it reads", () => {
  const said = (expression: string) => {
    const out: string[] = [];
    checkGraph(ir([], { schedule: { kind: "cron", expression } }), {
      sourceMap: {},
      report: (d) => out.push(`${d.code} ${d.severity} ${d.message} | ${d.fix}`),
    });
    return out;
  };
  it("warns of */90 and */45 minutes and */5 hours, and not of steps that divide the span", () => {
    expect(said("*/90 * * * *")).toEqual([
      "MLG1043 warning schedule '*/90 * * * *': its minute field '*/90' fires at minute 0 only, so the schedule runs once an hour, not every 90 minutes: a step counts minutes within each hour | use a step that divides 60 (*/10, */15, */20, */30), or the minutes listed (5,35)",
    ]);
    expect(said("*/45 * * * *")).toEqual([
      "MLG1043 warning schedule '*/45 * * * *': its minute field '*/45' fires at minutes 0 and 45 of each hour, so runs are 45 minutes apart and then 15, from minute 45 to 0: a step counts minutes within each hour, from its start again | use a step that divides 60 (*/10, */15, */20, */30), or the minutes listed (5,35)",
    ]);
    expect(said("0 */5 * * *")[0]).toContain("hours 0, 5, 10, 15 and 20 of each day");
    expect(said("0-59/45 * * * *")[0]).toContain("minutes 0 and 45 of each hour");
    expect(said("0 0 * * 7/2")[0]).toContain("days SUN, TUE, THU and SAT of each week");
    // A window (`9-17/2`: working hours) is what it says, its night gap meant.
    for (const fine of [
      "*/15 * * * *",
      "0 */6 * * *",
      "*/45 9 * * *",
      "0 0 1 */3 *",
      "0 */24 * * *",
      "0 9-17/2 * * *",
    ])
      expect(said(fine)).toEqual([]);
    // A refused expression is MLG1005's alone.
    expect(said("*/90 * * *").map((d) => d.slice(0, 7))).toEqual(["MLG1005"]);
  });
});

describe("a schedule preset misspelt", () => {
  it("names the preset meant (@dialy: @daily); one far from every preset names none", () => {
    const said = (preset: string) => {
      const out: string[] = [];
      checkGraph(ir([], { schedule: { kind: "preset", preset } }), {
        sourceMap: {},
        report: (d) => out.push(d.message),
      });
      return out;
    };
    expect(said("@dialy")).toEqual([
      "invalid schedule '@dialy': unknown preset (did you mean '@daily'?)",
    ]);
    expect(said("@fortnightly")).toEqual(["invalid schedule '@fortnightly': unknown preset"]);
  });
});

describe("cronProblem", () => {
  it.each([
    ["0 3 * * *", null],
    ["*/15 6-18 * * MON-FRI", null],
    ["0 0 1 JAN,JUL *", null],
    ["5,10-20/5 * * * 0-7", null],
    ["0 3 * *", "expected 5 fields (minute hour day month weekday), got 4"],
    ["0 3 L * *", null],
    ["0 3 ? * *", null],
    ["0 3 * * ?", null],
    ["0 3 15W * *", null],
    ["0 3 1-L * *", null],
    ["0 3 1,L * *", null],
    ["0 3 * * 1#2", null],
    ["0 3 * * mon#2", null],
    ["0 3 * * 1#6", "day of week field '1#6' is out of range 0-7"],
    ["0 3 * * 1#2,3", "day of week field '1#2,3' is out of range 0-7"],
    ["0 3 * * 1#1,1#3", null],
    ["0 3 * * L5", null],
    ["0 3 1-L/2 * *", null],
    ["0 3 * * 5L", "day of week field '5L' is out of range 0-7"],
    ["0 3 LW * *", "day of month field 'LW' is out of range 1-31"],
    ["? 3 * * *", "minute field '?' is out of range 0-59"],
    ["60 * * * *", "minute field '60' is out of range 0-59"],
    ["* * 0 * *", "day of month field '0' is out of range 1-31"],
    ["* * * 13 *", "month field '13' is out of range 1-12"],
    ["* * * * 8", "day of week field '8' is out of range 0-7"],
    ["*/0 * * * *", "minute field '*/0' has a bad step"],
    ["10-5 * * * FRI-MON", null],
    [
      "0 0 31 2 *",
      "day of month '31' never comes in month '2' (FEB has fewer days), so the schedule never runs",
    ],
    [
      "0 0 31 4,6,9,11 ?",
      "day of month '31' never comes in month '4,6,9,11' (APR, JUN, SEP, NOV have fewer days), so the schedule never runs",
    ],
    ["0 0 29 2 *", null],
    ["0 0 31 2 MON", null],
    ["0 0 31 */2 *", null],
    ["0 0 L 2 *", null],
  ])("%s", (expr, want) => {
    expect(cronProblem(expr)).toBe(want);
  });
});

describe("timezoneProblem", () => {
  const caseSensitive =
    "the tz database's names are case-sensitive, and Airflow does not find this one";
  it.each([
    ["Europe/Berlin", null],
    ["UTC", null],
    ["America/Argentina/Buenos_Aires", null],
    // IANA names ICU lists under another name (Asia/Calcutta, US/Pacific's America/Los_Angeles).
    ["Asia/Kolkata", null],
    ["US/Pacific", null],
    ["Etc/GMT+5", null],
    ["Europe/Berlinn", { reason: "no such time zone in the tz database", meant: "Europe/Berlin" }],
    ["europe/berlin", { reason: caseSensitive, meant: "Europe/Berlin" }],
    ["Europe/berlin", { reason: caseSensitive, meant: "Europe/Berlin" }],
    ["utc", { reason: caseSensitive, meant: "UTC" }],
    [
      "+02:00",
      { reason: "a UTC offset is not a time zone name (it has no daylight-saving rules)" },
    ],
    ["UTC+2", { reason: "a UTC offset is not a time zone name (it has no daylight-saving rules)" }],
    ["Central European Time", { reason: "not an IANA time zone name such as 'Europe/Berlin'" }],
  ])("%s", (given, want) => {
    expect(timezoneProblem(given)).toEqual(want);
  });

  it("is reported with the name meant", () => {
    const r = lowerPipeline({
      ir: ir([py("a")], { timezone: "Europe/Berln" }),
      sourceMap: {},
      modules: new Map(),
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message} | ${d.fix}`)).toContain(
      "MLG1011 invalid time zone 'Europe/Berln': no such time zone in the tz database | write timezone: 'Europe/Berlin'",
    );
  });
});

describe("a value the IR's schema refuses", () => {
  it("a text none of an option's names is said with the near one: an output type, a trigger rule", () => {
    const def = pipeline("typos", {}, (p) => {
      p.python("a", { fn: "tasks/m.py:f", outputs: { score: "floot" as never } });
      p.bash("b", { command: "true", triggerRule: "all_sucess" as never });
      p.bash("c", { command: "true", triggerRule: "whatever" as never });
      // A prefix of one is no typo of it.
      p.bash("d", { command: "true", triggerRule: "none" as never });
    });
    const r = lowerPipeline({ ir: def.ir, sourceMap: def.sourceMap, modules: new Map() });
    expect(r.ok).toBe(false);
    const said = r.diagnostics.map((d) => `${d.code} ${d.task} ${d.message} | ${d.fix}`);
    expect(said).toContain(
      "MLG1011 a invalid outputs.score of task 'a': 'floot' is none of 'string', 'int', 'float', 'bool', 'list', 'dict' | did you mean 'float'?",
    );
    expect(said.find((d) => d.startsWith("MLG1011 b "))).toMatch(
      /'all_sucess' is none of .*\| did you mean 'all_success'\?$/,
    );
    expect(said.find((d) => d.startsWith("MLG1011 d "))).toMatch(
      /'none' is none of .*\| fix the value where the pipeline is written/,
    );
    expect(said.find((d) => d.startsWith("MLG1011 c "))).toMatch(
      /'whatever' is none of .*\| fix the value where the pipeline is written/,
    );
  });
});

describe("startDateProblem", () => {
  it.each([
    ["2025-01-01", null],
    ["2025-03-04T05:06:07+02:00", null],
    ["2025-03-04T05:06Z", null],
    ["2025-02-30", "no such day"],
    ["2025-01-01T23:59:59-23:59", null],
    ["2025-01-01T24:00", "no such time of day (hours 00-23, minutes and seconds 00-59)"],
    ["2025-01-01T10:61:00Z", "no such time of day (hours 00-23, minutes and seconds 00-59)"],
    ["2025-01-01T10:00:60", "no such time of day (hours 00-23, minutes and seconds 00-59)"],
    [
      "2025-01-01T10:00:00+25:00",
      "the UTC offset must be less than 24 hours (±HH:MM, HH 00-23, MM 00-59)",
    ],
    ["01/02/2025", "expected YYYY-MM-DD or an ISO date-time such as 2025-01-01T06:00:00+00:00"],
    ["yesterday", "expected YYYY-MM-DD or an ISO date-time such as 2025-01-01T06:00:00+00:00"],
  ])("%s", (given, want) => {
    expect(startDateProblem(given)).toBe(want);
  });
});

describe("checkModules", () => {
  const modules = new Map<string, string | null>([
    [
      "tasks/m.py",
      "import os\n\n\ndef f(x=None):\n    pass\n\nasync def g():\n    pass\n\nclass C:\n    def method(self):\n        pass\n",
    ],
    ["tasks/gone.py", null],
  ]);
  it.each([
    ["defined", "tasks/m.py", "f", []],
    // Found (no MLG1008), and refused: the task would call it and get a coroutine.
    ["an async def is found, and refused", "tasks/m.py", "g", ["MLG1011"]],
    ["a method is not top level", "tasks/m.py", "method", ["MLG1008"]],
    ["missing function", "tasks/m.py", "nope", ["MLG1008"]],
    ["missing module", "tasks/gone.py", "f", ["MLG1007"]],
    ["path that cannot be imported", "tasks/my-module.py", "f", ["MLG1011"]],
    ["not a .py file", "tasks/m.txt", "f", ["MLG1011"]],
  ] as const)("%s", (_n, module, fn, want) => {
    const p = ir([py("a", { module, function: fn })]);
    expect(codes((report) => checkModules(p, modules, { sourceMap: {}, report }))).toEqual(want);
  });

  it("a function not defined suggests a close name the module defines, as MLG1003 does", () => {
    const forecast = new Map([
      [
        "tasks/forecast.py",
        "def pick_best(rows):\n    pass\n\n\ndef score(rows):\n    def pick_bet():\n        pass\n",
      ],
    ]);
    const fixes = (fn: string) => {
      const found: string[] = [];
      const p = ir([py("a", { module: "tasks/forecast.py", function: fn })]);
      checkModules(p, forecast, { sourceMap: {}, report: (d) => found.push(`${d.code} ${d.fix}`) });
      return found;
    };
    expect(fixes("pick_bets")).toEqual([
      "MLG1008 did you mean 'pick_best'? Or define `def pick_bets(...)` in tasks/forecast.py, or fix the name in fn: 'tasks/forecast.py:pick_bets'",
    ]);
    // Nothing close at top level (pick_bet is inside score): no guess.
    expect(fixes("train")).toEqual([
      "MLG1008 define `def train(...)` in tasks/forecast.py, or fix the name in fn: 'tasks/forecast.py:train'",
    ]);
  });

  const SIGNATURES = `def evaluate(accuracy, run_id: str = "", *, threshold: float = 0.5):
    pass


def flexible(
    data,  # the rows
    **options,
):
    pass


def positional(a, /, b):
    pass


def rounded(accuracy, fmt=lambda v, d: round(v, d)):
    pass


def twice(a, b):
    pass


def twice(a):
    pass


@with_session
def wrapped(session, data):
    pass


def partial_one(a, b):
    pass


partial_one = functools.partial(partial_one, b=1)


@with_config(
    lr=0.1,
)
# configured
def configured(data, config):
    pass


def unpacked(data, config):
    pass


unpacked, other = _wrap(unpacked), _wrap(other)


def chained(data, config):
    pass


alias = chained = functools.partial(chained, config=1)


def looped(data, config):
    pass


for looped in [looped]:
    pass


def annotated(x: Annotated[int, Field(gt=0)]):
    pass


def classed(data, config):
    pass


class classed:
    pass
`;
  const lit = (v: number) => ({ kind: "literal" as const, value: v });
  it.each([
    ["every required parameter passed", "evaluate", ["accuracy", "threshold"], null],
    [
      "a misspelled input",
      "evaluate",
      ["acc", "runid"],
      "evaluate() has no parameter 'acc', 'runid' (it takes accuracy, run_id, threshold); the task calls it with acc=, runid=",
    ],
    [
      "a required parameter not passed",
      "evaluate",
      ["run_id"],
      "evaluate() needs 'accuracy', which has no default; the task calls it with run_id=",
    ],
    ["**options takes any keyword", "flexible", ["data", "anything"], null],
    ["a lambda default: not judged", "rounded", ["accuracy"], null],
    ["defined twice (an overload first): not judged", "twice", ["a"], null],
    ["decorated (it may supply parameters): not judged", "wrapped", ["data"], null],
    ["rebound with functools.partial: not judged", "partial_one", ["a"], null],
    [
      "a decorator over several lines, a comment below it: not judged",
      "configured",
      ["data"],
      null,
    ],
    ["rebound by unpacking: not judged", "unpacked", ["data"], null],
    ["rebound by a chained assignment: not judged", "chained", ["data"], null],
    ["rebound by a loop: not judged", "looped", ["data"], null],
    ["rebound by a class, an import or del: not judged", "classed", ["data"], null],
    [
      "an `=` inside an annotation is no default",
      "annotated",
      [],
      "annotated() needs 'x', which has no default; the task calls it with no arguments",
    ],
    [
      "a positional-only parameter cannot be passed by name",
      "positional",
      ["a", "b"],
      "positional() has no parameter 'a' (it takes b); the task calls it with a=, b=",
    ],
  ] as const)("inputs vs the signature: %s", (_n, fn, inputs, want) => {
    const modules = new Map([["tasks/m.py", SIGNATURES]]);
    const task = py("t", {
      module: "tasks/m.py",
      function: fn,
      inputs: Object.fromEntries(inputs.map((k) => [k, lit(1)])),
    });
    const found: string[] = [];
    // The signature's errors (every input is the literal 1, whatever its annotation: MLG1026's).
    const report = (d: { code: string; message: string }) => {
      if (d.code !== "MLG1026") found.push(d.message);
    };
    checkModules(ir([task]), modules, { sourceMap: {}, report });
    expect(found).toEqual(want === null ? [] : [`invalid inputs of task 't': ${want}`]);
  });

  it("a function written for Airflow's context (ds, ti) is told how to get them, not to add **kwargs", () => {
    const modules = new Map([
      ["tasks/m.py", "def extract(ds, ti, out_dir):\n    pass\n\n\ndef plain(a, b):\n    pass\n"],
    ]);
    const fixes: string[] = [];
    const report = (d: { code: string; fix: string }) => {
      if (d.code === "MLG1011") fixes.push(d.fix);
    };
    const call = (id: string, fn: string, input: string) =>
      py(id, { module: "tasks/m.py", function: fn, inputs: { [input]: lit(1) } });
    checkModules(ir([call("a", "extract", "out_dir"), call("b", "plain", "a")]), modules, {
      sourceMap: {},
      report,
    });
    expect(fixes).toEqual([
      expect.stringMatching(
        /^extract is called with the task's inputs only, not with Airflow's context \(ds, ti\): pass what it reads as inputs \(ds: template\("\{\{ ds \}\}"\)/,
      ),
      "give the task one input per parameter of plain (or add **kwargs to it)",
    ]);
  });

  it("a function that reads Airflow's context from **context is MLG1031 (a KeyError when it runs); an input of that name is fine", () => {
    const source = [
      "def train(out_dir, **context):",
      '    day = context["ds"]',
      "    ti = context.get('ti')",
      '    other = context["ds"]',
      '    return {"path": f"{out_dir}/{day}", "n": context["rows"]}',
      "",
      "",
      "def flexible(**kwargs):",
      "    return dict(kwargs)",
      "",
      "",
      "def later(**kw):",
      "    pass",
      "",
      'x = kw["ds"]',
      "",
    ].join("\n");
    const modules = new Map([["tasks/m.py", source]]);
    const found: string[] = [];
    const report = (d: { code: string; severity: string; message: string; fix: string }) => {
      if (d.code === "MLG1031") found.push(`${d.severity} ${d.message} | ${d.fix}`);
    };
    const call = (id: string, fn: string, inputs: string[]) =>
      py(id, {
        module: "tasks/m.py",
        function: fn,
        inputs: Object.fromEntries(inputs.map((k) => [k, lit(1)])),
      });
    checkModules(
      ir([
        call("a", "train", ["out_dir"]),
        call("b", "train", ["out_dir", "ds", "ti"]),
        call("c", "flexible", ["x"]),
        call("d", "later", []),
      ]),
      modules,
      { sourceMap: {}, report },
    );
    expect(found).toEqual([
      `warning function 'train' of task 'a' reads Airflow's context from **context (context["ds"], context["ti"]), which it never gets: the task calls it with its inputs only, so the read fails (KeyError) or gives None when the task runs | pass what it reads as inputs (ds: template("{{ ds }}"), what it needs of ti) and take them as parameters; the same call then works on Kubeflow too`,
    ]);
  });
});

describe("checkModules: an integer param into a float parameter", () => {
  const modules = new Map([
    [
      "tasks/m.py",
      "def fit(lr: float, steps: int, ratio: float | None = None, plain=1):\n    pass\n",
    ],
  ]);
  it("warns with MLG1024 where a whole default makes a float parameter's param an integer one", () => {
    const param = (name: string) => ({ kind: "param", name }) as const;
    const task = py("t", {
      module: "tasks/m.py",
      function: "fit",
      inputs: { lr: param("lr"), steps: param("steps"), ratio: param("ratio"), plain: param("lr") },
    });
    const pipelineIr = ir([task], {
      params: {
        lr: { kind: "param", type: "integer", default: 1, description: null, position: 0 },
        steps: { kind: "param", type: "integer", default: 100, description: null, position: 1 },
        ratio: { kind: "param", type: "number", default: 0.5, description: null, position: 2 },
      },
    });
    const found: string[] = [];
    checkModules(pipelineIr, modules, {
      sourceMap: {},
      report: (d) => found.push(`${d.code} ${d.message} | ${d.fix}`),
    });
    expect(found).toEqual([
      `MLG1024 param 'lr' is an integer param (its default 1 is a whole number) and feeds 'lr: float' of fit(), so a run given a fraction (0.5) is refused by Airflow's param check and by Kubeflow's input type | declare it a number param, lr: { default: 1, type: "number" } (JavaScript reads 1.0 as 1)`,
    ]);
  });
});

describe("checkModules: kfp artifact parameters", () => {
  it("says an Input[...] or Output[...] parameter is a kfp artifact mlgen does not pass, not a missing input; a bare class name is not one", () => {
    const modules = new Map([
      [
        "tasks/m.py",
        "from kfp.dsl import Dataset, Input, Model, Output\n\ndef train(data: Input[Dataset], model: Output[Model], lr: float = 0.1, cfg: Model = None):\n    pass\n",
      ],
    ]);
    const task = py("t", {
      module: "tasks/m.py",
      function: "train",
      inputs: { data: { kind: "literal", value: "s3://b/data.csv" } },
    });
    const found: string[] = [];
    checkModules(ir([task]), modules, {
      sourceMap: {},
      report: (d) => found.push(`${d.code} ${d.message} | ${d.fix}`),
    });
    expect(found).toEqual([
      "MLG1011 invalid parameter 'data: Input[Dataset]' of train() (task 't'): it is a kfp artifact, and mlgen hands a task's function values, never artifacts: on Kubeflow and on Airflow alike it would get the value passed (text), where it reads .path or .uri | take the artifact's path or URI as text (data: str) and pass it as the input (an output of the task that wrote it, a param)",
      `MLG1011 invalid parameter 'model: Output[Model]' of train() (task 't'): it is a kfp artifact, and mlgen hands a task's function values, never artifacts: on Kubeflow and on Airflow alike it would get nothing for it | return what it writes instead: its value, or the path or URI the function wrote it to (outputs: { model_uri: "string" }), and drop the parameter`,
    ]);
  });
});

describe("checkModules: a callback whose module or function is missing", () => {
  it("is said once, where it was set (defaults, group, task), naming callback(...) as the fix", () => {
    const cb = (fn: string) =>
      [{ kind: "callable", module: "tasks/alerts.py", function: fn }] as const;
    const withAlert = (fn: string) => ({ ...EMPTY_TASK_OPTIONS, onFailure: cb(fn) as never });
    const tasks = [
      py("a", { module: "tasks/m.py", function: "f" }),
      py("b", { module: "tasks/m.py", function: "f" }),
      py("g.c", { module: "tasks/m.py", function: "f", group: "g" }),
      py("g.d", { module: "tasks/m.py", function: "f", group: "g" }),
      py("e", { module: "tasks/m.py", function: "f", options: withAlert("own") }),
    ];
    const pipelineIr = ir(tasks, {
      defaults: withAlert("notify"),
      groups: {
        g: {
          kind: "group",
          id: "g",
          parent: null,
          tooltip: null,
          after: [],
          options: withAlert("grouped"),
        },
      },
    });
    const modules = new Map([
      ["tasks/m.py", "def f():\n    pass\n"],
      ["tasks/alerts.py", "def other(context):\n    pass\n"],
    ]);
    const found: string[] = [];
    checkModules(pipelineIr, modules, {
      sourceMap: { pipeline: { file: "p.ts", line: 1, column: 1 } },
      report: (d) => found.push(`${d.code} ${d.location?.file ?? "-"} ${d.message} | ${d.fix}`),
    });
    expect(found).toEqual([
      "MLG1008 p.ts function 'notify' used by the onFailure callback of the pipeline defaults is not defined at top level of tasks/alerts.py | define `def notify(...)` in tasks/alerts.py, or fix the name in callback('tasks/alerts.py:notify')",
      "MLG1008 - function 'grouped' used by the onFailure callback of group 'g' is not defined at top level of tasks/alerts.py | define `def grouped(...)` in tasks/alerts.py, or fix the name in callback('tasks/alerts.py:grouped')",
      "MLG1008 - function 'own' used by the onFailure callback of task 'e' is not defined at top level of tasks/alerts.py | define `def own(...)` in tasks/alerts.py, or fix the name in callback('tasks/alerts.py:own')",
    ]);
  });
});

describe("checkModules: a project module named like a standard-library or installed one", () => {
  it("is refused once per name, with the rename; a module inside a project folder is fine", () => {
    const fns = [
      "email.py",
      "json/util.py",
      "airflow.py",
      "tasks/email.py",
      "emails.py",
      "email.py",
    ];
    const tasks = fns.map((m, i) => py(`t${i}`, { module: m, function: "f" }));
    const modules = new Map(fns.map((m) => [m, "def f():\n    pass\n"]));
    const found: string[] = [];
    checkModules(ir(tasks), modules, {
      sourceMap: {},
      report: (d) => found.push(`${d.code} ${d.message} | ${d.fix}`),
    });
    const reason = (lib: string, top: string, mod: string) =>
      `Python finds ${lib} '${top}' first: Airflow appends the DAG folder to sys.path, after the standard library and the installed packages (and kfp's executor has imported much of the standard library before the task's module), so 'from ${mod} import f' imports the wrong module and the task fails`;
    expect(found).toEqual([
      `MLG1011 invalid module path 'email.py' of task 't0' (fn): ${reason("its standard library's", "email", "email")} | rename it (e.g. 'email_tasks.py') or move it into a folder of your own: fn: 'tasks/email.py:f'`,
      `MLG1011 invalid module path 'json/util.py' of task 't1' (fn): ${reason("its standard library's", "json", "json.util")} | rename the folder 'json' (e.g. 'json_tasks')`,
      `MLG1011 invalid module path 'airflow.py' of task 't2' (fn): ${reason("the installed", "airflow", "airflow")} | rename it (e.g. 'airflow_tasks.py') or move it into a folder of your own: fn: 'tasks/airflow.py:f'`,
    ]);
  });

  it("counts what Airflow and the generated code import as installed: pandas.py, pendulum/, mlflow.py", () => {
    const fns = ["pandas.py", "pendulum/dates.py", "mlflow.py", "my_pandas.py"];
    const tasks = fns.map((m, i) => py(`t${i}`, { module: m, function: "f" }));
    const modules = new Map(fns.map((m) => [m, "def f():\n    pass\n"]));
    const found: string[] = [];
    checkModules(ir(tasks), modules, {
      sourceMap: {},
      report: (d) => found.push(`${d.code} ${d.message.split(":")[0]}`),
    });
    expect(found).toEqual([
      "MLG1011 invalid module path 'pandas.py' of task 't0' (fn)",
      "MLG1011 invalid module path 'pendulum/dates.py' of task 't1' (fn)",
      "MLG1011 invalid module path 'mlflow.py' of task 't2' (fn)",
    ]);
  });
});

describe("checkModules: a value whose kind the parameter's annotation refuses", () => {
  const modules = new Map([
    [
      "tasks/m.py",
      [
        "from typing import List, Optional",
        "",
        "def fit(lr: float, rows: int, items: list, cfg: Optional[dict] = None, name: str = '',",
        "        scores: List[float] = None, anything=None, flag: bool = False, epochs: int = 1,",
        "        rate: float = 0.1, typed: 'int' = 0, count: int | None = None):",
        "    pass",
        "",
      ].join("\n"),
    ],
  ]);
  it("warns with MLG1026 naming the value, the parameter and both fixes; accepts what Python's typing does", () => {
    const param = (name: string) => ({ kind: "param", name }) as const;
    const a = py("a", {
      module: "tasks/m.py",
      function: "fit",
      outputs: { items: "list", n: "int", s: "string", f: "float", yes: "bool" },
    });
    const mapped = py("m", {
      module: "tasks/m.py",
      function: "fit",
      map: { input: "lr", over: ref("a", "items") },
      outputs: { score: "float" },
    });
    const task = py("t", {
      module: "tasks/m.py",
      function: "fit",
      inputs: {
        lr: ref("a", "items"), // a list into a float
        rows: ref("a", "n"),
        items: ref("m", "score"), // collected from the mapped runs: a list
        cfg: ref("a", "s"), // a string into Optional[dict]
        name: param("size"), // an integer param into a str
        scores: ref("a", "items"),
        anything: ref("a", "s"),
        flag: ref("m", "score"), // collected: a list into a bool
        epochs: ref("a", "f"), // a float into an int
        rate: ref("a", "yes"), // a bool is an int, an int a float
        typed: ref("a", "s"), // a string annotation is not read
        count: ref("a", "yes"),
      },
    });
    const pipelineIr = ir([a, mapped, task], {
      params: {
        size: { kind: "param", type: "integer", default: 3, description: null, position: 0 },
      },
    });
    const found: string[] = [];
    checkModules(pipelineIr, modules, {
      sourceMap: {},
      report: (d) => {
        // (Tasks a and m leave fit()'s other parameters out: MLG1011, and fit() is a stub that
        // returns nothing: MLG1042; neither is what this is about.)
        if (d.code !== "MLG1011" && d.code !== "MLG1042")
          found.push(`${d.code} ${d.message} | ${d.fix}`);
      },
    });
    const tail =
      "the function is called with {kind} value, on Airflow and on Kubeflow alike, which its annotation does not allow";
    const said = (what: string, kind: string, p: string, fix: string) =>
      `MLG1026 ${what} is ${kind} and feeds '${p}' of fit(): ${tail.replace("{kind}", kind)} | ${fix}`;
    expect(found).toEqual([
      said(
        "output 'items' of task 'a'",
        "a list",
        "lr: float",
        `declare output 'items' of 'a' as "float", or annotate 'lr' as list`,
      ),
      said(
        "output 's' of task 'a'",
        "a string",
        "cfg: Optional[dict]",
        `declare output 's' of 'a' as "dict", or annotate 'cfg' as str`,
      ),
      said(
        "param 'size'",
        "an int",
        "name: str",
        `give param 'size' type: "string", or annotate 'name' as int`,
      ),
      said(
        "output 'score' of task 'm' (collected from every mapped run)",
        "a list",
        "flag: bool",
        "annotate 'flag' as list",
      ),
      said(
        "output 'f' of task 'a'",
        "a float",
        "epochs: int",
        `declare output 'f' of 'a' as "int", or annotate 'epochs' as float`,
      ),
    ]);
  });

  it("a literal of another kind than the annotation is MLG1026, as kfp's compiler refuses it; what Python's typing takes passes", () => {
    const lit = (value: string | number | boolean | null): Value => ({ kind: "literal", value });
    const task = py("t", {
      module: "tasks/m.py",
      function: "fit",
      inputs: {
        lr: lit(1), // an int is a float
        rows: lit("5"), // a string into an int
        items: { kind: "list", items: [lit(1), lit(2)] },
        cfg: lit(null), // None into Optional[dict]
        name: lit(2.5), // a float into a str
        scores: { kind: "object", entries: { a: lit(1) } }, // a dict into a list
        anything: lit("x"),
        flag: lit(true),
        epochs: lit(3),
        rate: lit(true), // a bool is an int, an int a float
        typed: lit(1),
        count: lit(1),
      },
    });
    const found: string[] = [];
    checkModules(ir([task]), modules, {
      sourceMap: {},
      report: (d) =>
        found.push(`${d.code} ${d.message.replace(/ of fit\(\): .*$/, "")} | ${d.fix}`),
    });
    expect(found).toEqual([
      "MLG1026 the literal \"5\" is a string and feeds 'rows: int' | pass an int there, or annotate 'rows' as str",
      "MLG1026 the literal 2.5 is a float and feeds 'name: str' | pass a string there, or annotate 'name' as float",
      "MLG1026 a literal dict is a dict and feeds 'scores: List[float]' | pass a list there, or annotate 'scores' as dict",
    ]);
  });
});

describe("checkModules: list and object params against annotations", () => {
  it("an object param into a list parameter is MLG1026; an array param into list[str] is fine", () => {
    const modules = new Map([
      ["tasks/m.py", "def fit(items: list, cols: list[str], cfg: dict):\n    pass\n"],
    ]);
    const param = (name: string) => ({ kind: "param", name }) as const;
    const task = py("t", {
      module: "tasks/m.py",
      function: "fit",
      inputs: { items: param("cfg"), cols: param("cols"), cfg: param("cfg") },
    });
    const pipelineIr = ir([task], {
      params: {
        cols: { kind: "param", type: "array", default: ["a"], description: null, position: 0 },
        cfg: { kind: "param", type: "object", default: { a: 1 }, description: null, position: 1 },
      },
    });
    const found: string[] = [];
    checkModules(pipelineIr, modules, {
      sourceMap: {},
      report: (d) => found.push(`${d.code} ${d.fix}`),
    });
    expect(found).toEqual([`MLG1026 give param 'cfg' type: "array", or annotate 'items' as dict`]);
  });
});

describe("orderTasks", () => {
  it("orders topologically with an id tie-break and dedupes tags", () => {
    const p = inferDependencies(
      ir(
        [
          py("d", { after: ["b", "c"] }),
          py("c", { after: ["a"] }),
          py("b", { after: ["a"] }),
          py("a"),
        ],
        { tags: ["z", "a", "z"] },
      ),
    );
    const out = orderTasks(p);
    expect(out.tasks.map((t) => t.id)).toEqual(["a", "b", "c", "d"]);
    expect(out.tags).toEqual(["a", "z"]);
  });
});

describe("lowerPipeline", () => {
  it("the fix of an invalid id says what that id may hold: no '.' in a group's", () => {
    const r = lowerPipeline({
      ir: ir([py("a", { function: "f" })], { groups: { "g.h": groupNode("g.h", null) } }),
      sourceMap: {},
      modules: new Map([["tasks/m.py", "def f():\n    pass\n"]]),
    });
    expect(r.diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `group id 'g.h' is not a valid Airflow id: it contains "." (Airflow joins nested group ids with one) | use only ASCII letters, digits, '_' and '-', at most 200 characters`,
    ]);
  });

  it("a non-ASCII letter in a task id is refused, and the fix says the letters are ASCII ones", () => {
    const r = lowerPipeline({
      ir: ir([py("prüfen", { function: "f" })]),
      sourceMap: {},
      modules: new Map([["tasks/m.py", "def f():\n    pass\n"]]),
    });
    expect(r.diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      `task id 'prüfen' is not a valid Airflow id: it contains "ü" | use only ASCII letters, digits, '_', '-' and '.', at most 250 characters`,
    ]);
  });

  it("a fn path written with './' is refused saying so, with the path to write", () => {
    const r = lowerPipeline({
      ir: ir([py("a", { module: "./tasks/m.py", function: "f" })]),
      sourceMap: {},
      modules: new Map([["tasks/m.py", "def f():\n    pass\n"]]),
    });
    expect(r.diagnostics.map((d) => `${d.message} | ${d.fix}`)).toEqual([
      "invalid module path './tasks/m.py' of task 'a' (fn): it starts with './': fn paths are written from the project root without one | write fn as 'tasks/m.py:f'",
    ]);
  });

  it("a task ordered after its own group is one MLG1002, not also the loop it makes", () => {
    const tasks = [
      py("g.a", { group: "g", after: ["g"], function: "f" }),
      py("g.b", { group: "g", after: ["g.a"], function: "f" }),
    ];
    const m = new Map([["tasks/m.py", "def f(x=None):\n    pass\n"]]);
    const r = lowerPipeline({
      ir: ir(tasks, { groups: { g: groupNode("g", null) } }),
      sourceMap: {},
      modules: m,
    });
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "MLG1002 tasks form a cycle: 'g.a' -> 'g' -> 'g.a' (.after('g'), and one is inside the other)",
    ]);
  });

  it("a branch side that feeds the branch's condition is MLG1016 only, not also the loop it makes; a real loop is still MLG1002", () => {
    const m = new Map([["tasks/m.py", "def f(x=None):\n    return 1\n"]]);
    const lower = (loop: boolean) => {
      const def = pipeline("p", {}, (p) => {
        const a = p.python("a", { fn: "tasks/m.py:f", outputs: { score: "float" } });
        const b = p.python("b", { fn: "tasks/m.py:f" });
        const c = p.python("c", { fn: "tasks/m.py:f" }).after(a);
        if (loop) a.after(c);
        p.branch("br", { when: [a.out.score, ">", 0.5], ifTrue: b, ifFalse: a });
      });
      const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules: m });
      return r.diagnostics.map((d) => `${d.code} ${d.message}`);
    };
    expect(lower(false)).toEqual([
      "MLG1016 branch 'br' lists 'a' in ifFalse, but 'a' runs before it (it is upstream: the condition reads its output 'score')",
    ]);
    expect(lower(true)).toEqual([
      "MLG1002 tasks form a cycle: a -> c -> a",
      "MLG1016 branch 'br' lists 'a' in ifFalse, but 'a' runs before it (it is upstream: the condition reads its output 'score')",
    ]);
  });

  it("a branch naming a task inside a group, after others of the group that do not wait for it, is MLG1041: those run whichever way it goes", () => {
    const m = new Map([["tasks/m.py", "def f(x=None):\n    return 1\n"]]);
    const said = (shape: "task" | "group" | "read" | "inside") => {
      const def = pipeline("p", {}, (p) => {
        const ev = p.python("evaluate", { fn: "tasks/m.py:f", outputs: { score: "float" } });
        const alert = p.python("alert", { fn: "tasks/m.py:f" });
        if (shape === "inside") {
          p.group("ship", {}, (g) => {
            const reg = g.python("register", { fn: "tasks/m.py:f" });
            const ann = g.python("announce", { fn: "tasks/m.py:f" }).after(reg);
            const stop = g.python("stop", { fn: "tasks/m.py:f" });
            g.branch("gate", { when: [ev.out.score, ">", 0.5], ifTrue: ann, ifFalse: stop });
          });
          return;
        }
        const ship = p.group("ship", {}, (g) => {
          const check = g.python("check", { fn: "tasks/m.py:f", outputs: { ok: "float" } });
          const reg = g.python("register", { fn: "tasks/m.py:f" });
          const announce = g.python("announce", { fn: "tasks/m.py:f" }).after(reg, check);
          return { ok: check.out.ok, announce };
        });
        p.branch("route", {
          when: [shape === "read" ? ship.out.ok : ev.out.score, ">", 0.5],
          ifTrue: shape === "group" ? ship : ship.out.announce,
          ifFalse: alert,
        });
      });
      const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules: m });
      return r.diagnostics.filter((d) => d.code === "MLG1041").map((d) => d.message);
    };
    expect(said("task")).toEqual([
      "branch 'route' ifTrue lists 'ship.announce', a task of task group 'ship' that runs after 'ship.check', 'ship.register' of the group, which run whichever way the branch goes: Airflow skips only the tasks after the branch",
    ]);
    // The group itself: all of it waits for the branch.
    expect(said("group")).toEqual([]);
    // What the condition reads runs before the branch, as it must: only the other is said.
    expect(said("read")).toEqual([
      "branch 'route' ifTrue lists 'ship.announce', a task of task group 'ship' that runs after 'ship.register' of the group, which runs whichever way the branch goes: Airflow skips only the tasks after the branch",
    ]);
    // A branch inside the group choosing among its tasks: nothing to say.
    expect(said("inside")).toEqual([]);
    // Both sides in the group after one task: it runs either way by design.
    const shared = pipeline("p", {}, (p) => {
      const ev = p.python("evaluate", { fn: "tasks/m.py:f", outputs: { score: "float" } });
      const deploy = p.group("deploy", {}, (g) => {
        const prepare = g.python("prepare", { fn: "tasks/m.py:f" });
        return {
          prod: g.python("push_prod", { fn: "tasks/m.py:f" }).after(prepare),
          staging: g.python("push_staging", { fn: "tasks/m.py:f" }).after(prepare),
        };
      });
      p.branch("route", {
        when: [ev.out.score, ">", 0.9],
        ifTrue: deploy.out.prod,
        ifFalse: deploy.out.staging,
      });
    });
    const r = lowerPipeline({ ir: shared.ir, sourceMap: {}, modules: m });
    expect(r.diagnostics.filter((d) => d.code === "MLG1041")).toEqual([]);
  });

  it("p.validate() given something other than a table's path (an int output, a list, a number param) is MLG1011", () => {
    const m = new Map([["tasks/m.py", "def f(x=None):\n    return 1\n"]]);
    const said = (pick: "path" | "rows" | "mapped" | "param") => {
      const def = pipeline("p", { params: { limit: 3, where: "/data/x.csv" } }, (p) => {
        const load = p.python("load", {
          fn: "tasks/m.py:f",
          outputs: { path: "string", rows: "int" },
        });
        const each = p.map("each", {
          fn: "tasks/m.py:f",
          over: [1, 2],
          as: "x",
          outputs: { path: "string" },
        });
        const data = {
          path: load.out.path,
          rows: load.out.rows,
          mapped: each.out.path,
          param: p.params.limit,
        }[pick];
        p.validate("check", { data: data as never, minRows: 1 });
      });
      const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules: m });
      return r.diagnostics
        .filter((d) => d.code === "MLG1011")
        .map((d) => d.message.split(", and")[0]);
    };
    expect(said("path")).toEqual([]);
    expect(said("rows")).toEqual([
      "invalid data of validate task 'check': it is output 'rows' of 'load', an int",
    ]);
    expect(said("mapped")).toEqual([
      "invalid data of validate task 'check': it is output 'path' of mapped task 'each', a list",
    ]);
    expect(said("param")).toEqual([
      "invalid data of validate task 'check': it is param 'limit', an integer",
    ]);
  });

  it("a task function that returns no value, or only tuples, where the task declares outputs is MLG1042", () => {
    const said = (body: string, outputs: Record<string, "int" | "list">) => {
      const def = pipeline("p", {}, (p) => {
        p.python("t", { fn: "tasks/m.py:fit", outputs });
      });
      const source = `import json\n\n\ndef fit():\n${body}\n\n\ndef other():\n    return 1\n`;
      const r = lowerPipeline({
        ir: def.ir,
        sourceMap: {},
        modules: new Map([["tasks/m.py", source]]),
      });
      return r.diagnostics
        .filter((d) => d.code === "MLG1042")
        .map((d) => d.message.split(", and")[0]);
    };
    const two = { n: "int", items: "list" } as const;
    expect(said("    print('trained')", { n: "int" })).toEqual([
      "fit() returns no value (no return statement gives one)",
    ]);
    expect(said("    if json:\n        return None\n    return", { n: "int" })).toEqual([
      "fit() returns no value (no return statement gives one)",
    ]);
    // A return inside a function defined in it is that function's.
    expect(said("    def inner():\n        return {'n': 1}\n    inner()", { n: "int" })).toEqual([
      "fit() returns no value (no return statement gives one)",
    ]);
    expect(said("    return 3, [1]", two)).toEqual(["fit() returns a tuple"]);
    expect(said("    if json:\n        return (3, [1])\n    return 4, []", two)).toEqual([
      "fit() returns a tuple",
    ]);
    // Fine: a dict, a value, a tuple for one list output, a generator, a call whose result is unknown.
    expect(said("    return {'n': 3, 'items': []}", two)).toEqual([]);
    expect(said("    return 3", { n: "int" })).toEqual([]);
    expect(said("    return 1, 2", { items: "list" })).toEqual([]);
    expect(said("    return (1)(2, 3)", two)).toEqual([]);
    expect(said("    if json:\n        return 3, []\n    return build()", two)).toEqual([]);
    expect(said("    yield {'n': 1}", { n: "int" })).toEqual([]);
    // A stub that only raises never returns; one that may fall off its end does.
    expect(said('    """Not written yet."""\n    raise NotImplementedError', { n: "int" })).toEqual(
      [],
    );
    expect(said("    if json:\n        return\n    raise ValueError('x')", { n: "int" })).toEqual([
      "fit() returns no value (no return statement gives one)",
    ]);
    expect(said("    if json:\n        raise ValueError('x')\n    print(1)", { n: "int" })).toEqual(
      ["fit() returns no value (no return statement gives one)"],
    );
  });

  it("a function that starts an MLflow run of its own, in a task with mlflow: true, is MLG1044", () => {
    const said = (body: string, mlflow = true) => {
      const def = pipeline("p", { mlflow: { experiment: "e" } }, (p) => {
        p.python("t", { fn: "tasks/m.py:fit", mlflow });
      });
      const source = `import mlflow\nfrom mlflow import start_run\n\n\ndef fit():\n${body}\n`;
      const r = lowerPipeline({
        ir: def.ir,
        sourceMap: {},
        modules: new Map([["tasks/m.py", source]]),
      });
      return r.diagnostics
        .filter((d) => d.code === "MLG1044")
        .map((d) => `${d.severity} ${d.message.split(": MLflow")[0]}`);
    };
    const found = [
      "warning fit() starts an MLflow run of its own, and task 't' runs it inside one (mlflow: true)",
    ];
    expect(
      said("    with mlflow.start_run(run_name='fit'):\n        mlflow.log_metric('a', 1)"),
    ).toEqual(found);
    expect(said("    run = start_run()\n    mlflow.end_run()")).toEqual(found);
    expect(said("    if True: mlflow.start_run()")).toEqual(found);
    // Fine: a child run, a call inside a function defined in it, text, and
    // a task without mlflow: true.
    expect(said("    with mlflow.start_run(\n        nested=True,\n    ):\n        pass")).toEqual(
      [],
    );
    // Resuming a run by id is refused as well: only a nested run is taken.
    expect(said("    mlflow.start_run(run_id='abc')")).toEqual(found);
    expect(said("    def inner():\n        mlflow.start_run()\n    return 1")).toEqual([]);
    expect(said("    # mlflow.start_run()\n    s = 'mlflow.start_run()'")).toEqual([]);
    expect(said("    with mlflow.start_run():\n        pass", false)).toEqual([]);
  });

  it("a task with a trigger rule of its own after a short-circuit is MLG1045; after a one-sided branch it is not", () => {
    const m = new Map([["tasks/m.py", "def f():\n    pass\n"]]);
    const said = (
      gate: "shortCircuit" | "branch",
      rule: "all_done" | "all_success" | "none_failed_min_one_success" | null,
      outside = false,
    ) => {
      const def = pipeline("p", { params: { go: false } }, (p) => {
        const work = p.python("work", { fn: "tasks/m.py:f" });
        if (gate === "shortCircuit") {
          work.after(p.shortCircuit("gate", { when: [p.params.go, "==", true] }));
        } else p.branch("gate", { when: [p.params.go, "==", true], ifTrue: work });
        const after = p.python("after", { fn: "tasks/m.py:f" }).after(work);
        const cleanup = p
          .python("cleanup", { fn: "tasks/m.py:f", ...(rule ? { triggerRule: rule } : {}) })
          .after(after);
        if (outside) cleanup.after(p.python("elsewhere", { fn: "tasks/m.py:f" }));
      });
      const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules: m });
      return r.diagnostics.filter((d) => d.code === "MLG1045").map((d) => d.message.split(":")[0]);
    };
    expect(said("shortCircuit", "all_done")).toEqual([
      "task 'cleanup' has trigger rule 'all_done', and comes after short-circuit 'gate'",
    ]);
    expect(said("shortCircuit", "all_success")).toEqual([]);
    // A rule that skips a task whose upstream tasks were all skipped (a join after a branch's
    // sides) skips it here too: nothing to say, unless it also waits for a task not skipped.
    expect(said("shortCircuit", "none_failed_min_one_success")).toEqual([]);
    expect(said("shortCircuit", "none_failed_min_one_success", true)).toEqual([
      "task 'cleanup' has trigger rule 'none_failed_min_one_success', and comes after short-circuit 'gate'",
    ]);
    expect(said("shortCircuit", null)).toEqual([]);
    expect(said("branch", "all_done")).toEqual([]);
  });

  it("the same pipeline written in another order lowers to the same IR and hash", () => {
    const a = [py("a", { outputs: { x: "int" } }), py("b", { inputs: { x: ref("a", "x") } })];
    const m = new Map([["tasks/m.py", "def f(x=None):\n    pass\n"]]);
    const one = lowerPipeline({ ir: ir(a), sourceMap: {}, modules: m });
    const two = lowerPipeline({ ir: ir([...a].reverse()), sourceMap: {}, modules: m });
    expect(one.ok && two.ok).toBe(true);
    if (one.ok && two.ok) {
      expect(two.ir).toEqual(one.ir);
      expect(two.hash).toBe(one.hash);
    }
  });

  it("rejects a document that is not IR, naming the path", () => {
    const r = lowerPipeline({ ir: { kind: "pipeline" }, sourceMap: {}, modules: new Map() });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.code).toBe("MLG1011");
    expect(r.diagnostics.map((d) => d.message).join("\n")).toMatch(/irVersion|id/);
  });

  it("names the task, its option and its line for a value the types forbid, every one of them", () => {
    const at = { file: "pipelines/p.pipeline.ts", line: 7, column: 5 };
    const tasks = Array.from({ length: 12 }, (_, i) =>
      py(`t${i}`, { options: { ...EMPTY_TASK_OPTIONS, retries: -1 } }),
    );
    const r = lowerPipeline({
      ir: ir(tasks),
      sourceMap: { "task:t0": at },
      modules: new Map(),
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toHaveLength(12);
    expect(r.diagnostics[0]?.message).toMatch(/^invalid retries of task 't0': /);
    expect(r.diagnostics[0]?.task).toBe("t0");
    expect(r.diagnostics[0]?.location).toEqual(at);
    expect(r.diagnostics[0]?.fix).not.toContain("IR document");
  });
});

describe("checkSecrets", () => {
  const SECRET = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";
  const slackTo = (connId: string) => ({
    ...EMPTY_TASK_OPTIONS,
    onFailure: [{ kind: "slack" as const, connId, channel: null, text: null }],
  });
  const messages = (given: Pipeline) => {
    const out: string[] = [];
    checkSecrets(given, { sourceMap: {}, report: (d) => out.push(`${d.code} ${d.message}`) });
    return out;
  };

  it("refuses a webhook URL given as a connection id, without repeating it", () => {
    const found = messages(
      ir([py("a", { options: slackTo(SECRET) }), py("b", { options: slackTo("slack_alerts") })], {
        defaults: slackTo(SECRET),
      }),
    );
    expect(found).toEqual([
      "MLG1011 invalid slack connId in onFailure of the defaults of pipeline 'p': it is a URL, not the id of an Airflow connection: the URL (a webhook is a secret) would be written into the generated files",
      "MLG1011 invalid slack connId in onFailure of task 'a': it is a URL, not the id of an Airflow connection: the URL (a webhook is a secret) would be written into the generated files",
    ]);
    expect(found.join("\n")).not.toContain("XXXXsecretXXXX");
  });

  it("refuses a Slack channel: Airflow's webhook notifier has none (Airflow 3 refuses the file)", () => {
    const found = messages(
      ir([
        py("a", {
          options: {
            ...EMPTY_TASK_OPTIONS,
            onRetry: [{ kind: "slack", connId: "slack_default", channel: "#ml", text: null }],
          },
        }),
      ]),
    );
    expect(found).toEqual([
      "MLG1011 invalid slack channel in onRetry of task 'a': Airflow's Slack webhook notifier takes no channel: an incoming webhook posts to the channel it was made for (Airflow 3 refuses the DAG file, Airflow 2 ignores the channel)",
    ]);
  });

  it("refuses credentials in a tracking URI, without repeating them", () => {
    const mlflow = (uri: string) => ({
      kind: "mlflow" as const,
      experiment: "e",
      trackingUri: { kind: "literal" as const, value: uri },
    });
    const found = messages(
      ir([
        py("a", { mlflow: mlflow("https://admin:hunter2@mlflow.example.com") }),
        py("b", { mlflow: mlflow("https://mlflow.example.com/path@x") }),
        py("c", { mlflow: mlflow("postgresql://mlflow@db.internal:5432/mlflow") }),
      ]),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("mlflow trackingUri of task 'a': it holds a credential");
    expect(found[0]).not.toContain("hunter2");
  });

  it("refuses a token given as a tracking URI's user name or in its query", () => {
    const mlflow = (uri: string) => ({
      kind: "mlflow" as const,
      experiment: "e",
      trackingUri: { kind: "literal" as const, value: uri },
    });
    const found = messages(
      ir([
        py("a", { mlflow: mlflow("https://ghp_abcdEFGH1234567890@mlflow.example.com") }),
        py("b", { mlflow: mlflow("https://mlflow.example.com/?access_token=abcdEF123456") }),
        py("c", { mlflow: mlflow("https://mlflow.example.com/?access_token={{ var.value.t }}") }),
      ]),
    );
    expect(found.map((m) => m.split(":")[0])).toEqual([
      "MLG1011 invalid mlflow trackingUri of task 'a'",
      "MLG1011 invalid mlflow trackingUri of task 'b'",
    ]);
    expect(found.join("\n")).not.toMatch(/ghp_|abcdEF/);
  });

  it("refuses credentials in any URL the generated files would carry, without repeating them", () => {
    const bash = (id: string, command: string, env: Record<string, Value> = {}): Task =>
      ({
        ...(py(id) as Extract<Task, { kind: "python" }>),
        kind: "bash",
        command,
        env,
      }) as unknown as Task;
    const lit = (value: string): Value => ({ kind: "literal", value });
    const found = messages(
      ir(
        [
          py("load", { inputs: { db: lit("postgresql://etl:s3cretPW@db.internal/warehouse") } }),
          bash("fetch", "curl -fsS https://robot:s3cretPW@files.example.com/data.csv -o x.csv"),
          bash("sas", "azcopy copy x", {
            SRC: lit("https://acct.blob.core.windows.net/c?sv=1&sig=s3cretPW"),
          }),
          // Filled in when the task runs, or no credential: none of these is reported.
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, on purpose
          bash("clone", "git clone https://oauth2:${GITLAB_TOKEN}@gitlab.com/team/repo.git"),
          bash("tmpl", "psql postgresql://{{ conn.db.login }}:{{ conn.db.password }}@db/x"),
          bash("user", "psql postgresql://etl@db.internal/warehouse --password=$PW"),
          py("ok", { inputs: { url: lit("https://example.com/a@b?page_size=10") } }),
        ],
        {
          params: {
            src: {
              kind: "param",
              type: "string",
              default: "https://u:s3cretPW@h/x",
              description: null,
              position: 0,
            },
          },
        },
      ),
    );
    expect(found.map((m) => m.split(":")[0])).toEqual([
      "MLG1011 invalid inputs.db of task 'load'",
      "MLG1011 invalid command of task 'fetch'",
      "MLG1011 invalid env.SRC of task 'sas'",
      "MLG1011 invalid default of param 'src'",
    ]);
    expect(found.join("\n")).not.toContain("s3cretPW");
  });

  it("refuses credentials in env()/variable() defaults, descriptions and asset URIs, and any default of a value named as a secret", () => {
    const env = (name: string, value: string): Value => ({ kind: "env", name, default: value });
    const variable = (name: string, value: string): Value => ({
      kind: "variable",
      name,
      default: value,
    });
    const found = messages(
      ir(
        [
          py("a", {
            inputs: {
              db: env("DB_URL", "postgresql://u:s3cretPW@db/x"),
              pw: env("MLFLOW_TRACKING_PASSWORD", "s3cretPW"),
              key: variable("api_token", "s3cretPW"),
              aws: variable("awsSecretAccessKey", "s3cretPW"),
              // Names that say nothing of a secret, and a secret one without a default.
              dir: env("DATA_DIR", "/opt/data"),
              tokenFile: env("TOKEN_PATH", "/run/secrets/token"),
              ok: env("DB_PASSWORD", ""),
            },
            mlflow: {
              kind: "mlflow",
              experiment: "e",
              trackingUri: env("MLFLOW_TRACKING_URI", "http://bob:s3cretPW@mlflow:5000"),
            },
            outlets: ["s3://AKIA:s3cretPW@bucket/out"],
          }),
        ],
        {
          description: "Reads https://robot:s3cretPW@files.example.com",
          schedule: { kind: "assets", uris: ["s3://AKIA:s3cretPW@bucket/raw"], time: null },
          params: {
            src: {
              kind: "param",
              type: "string",
              default: "x",
              description: "from https://u:s3cretPW@h/x",
              position: 0,
            },
          },
        },
      ),
    );
    expect(found.map((m) => m.split(": ")[0]).sort()).toEqual(
      [
        "MLG1011 invalid default of env('DB_URL') in inputs.db of task 'a'",
        "MLG1011 invalid default of env('MLFLOW_TRACKING_URI') in mlflow trackingUri of task 'a'",
        "MLG1011 invalid default of env('MLFLOW_TRACKING_PASSWORD') in inputs.pw of task 'a'",
        "MLG1011 invalid default of variable('api_token') in inputs.key of task 'a'",
        "MLG1011 invalid default of variable('awsSecretAccessKey') in inputs.aws of task 'a'",
        "MLG1011 invalid description of pipeline 'p'",
        "MLG1011 invalid description of param 'src' of pipeline 'p'",
        "MLG1011 invalid asset URI in the schedule of pipeline 'p'",
        "MLG1011 invalid outlet of task 'a' of pipeline 'p'",
      ].sort(),
    );
    expect(found.join("\n")).not.toContain("s3cretPW");
  });

  it("refuses a literal under a secret's name: a bash or container env, a python input, a param's default", () => {
    const lit = (value: string): Value => ({ kind: "literal", value });
    const shell = (kind: "bash" | "container", id: string, env: Record<string, Value>): Task =>
      ({
        ...(py(id) as Extract<Task, { kind: "python" }>),
        kind,
        command: kind === "bash" ? "true" : ["true"],
        args: [],
        image: "busybox:1.36",
        env,
      }) as unknown as Task;
    const found = messages(
      ir(
        [
          shell("bash", "fetch", { API_TOKEN: lit("s3cretPW"), DATA_DIR: lit("/data") }),
          shell("container", "job", { DB_PASSWORD: lit("s3cretPW") }),
          py("train", { inputs: { password: lit("s3cretPW"), max_token_length: lit("512") } }),
          // Read when the task runs, or nothing: none of these is reported.
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, on purpose
          shell("bash", "ok", { API_TOKEN: lit("${VAULT_TOKEN}"), EMPTY_SECRET: lit("") }),
          shell("bash", "tmpl", { DB_PASSWORD: lit("{{ conn.db.password }}") }),
          py("env", { inputs: { token: { kind: "env", name: "TOKEN", default: null } } }),
        ],
        {
          params: {
            db_password: {
              kind: "param",
              type: "string",
              default: "s3cretPW",
              description: null,
              position: 0,
            },
            token_path: {
              kind: "param",
              type: "string",
              default: "/run/t",
              description: null,
              position: 1,
            },
          },
        },
      ),
    );
    expect(found.map((m) => m.split(": ")[0]).sort()).toEqual(
      [
        "MLG1011 invalid env.API_TOKEN of task 'fetch'",
        "MLG1011 invalid env.DB_PASSWORD of task 'job'",
        "MLG1011 invalid inputs.password of task 'train'",
        "MLG1011 invalid default of param 'db_password'",
      ].sort(),
    );
    expect(found.join("\n")).not.toContain("s3cretPW");
  });
});
describe("definesFunction", () => {
  const MODULE = `"""Steps.

def ghost(x):
    pass
"""
from tasks.demo import prepare_data as prep, train
from tasks.other import (
    evaluate,  # the metric
    score as grade,
)
import numpy as np
LOADER = make_loader()
threshold: float = 0.5


async def fetch(url):
    return url
`;
  it.each([
    ["prep", true],
    ["train", true],
    ["evaluate", true],
    ["grade", true],
    ["score", false],
    ["LOADER", true],
    ["threshold", true],
    ["fetch", true],
    ["ghost", false],
    ["prepare_data", false],
    ["np", false],
  ] as const)("%s: %s", (name, want) => {
    expect(definesFunction(MODULE, name)).toBe(want);
  });
  const GUARDED = `"""Bindings in top-level blocks count; those in functions and classes do not."""
import sys

try:
    from fast_impl import score
except ImportError:  # the slow one
    def score(x):
        return x

if sys.version_info >= (3, 12):
    def train(data):
        return data
else:
    train = None

with open(__file__) as fh:
    (load, save) = make_io(fh)

split, merge = make_pair()


class Trainer:
    def fit(self, data):
        return data

    predict = fit


def outer():
    def inner():
        pass
    helper = inner
    return helper


CONFIG = dict(
    evaluate=1,
    report=2,
)
`;
  it.each([
    ["score", true],
    ["train", true],
    ["load", true],
    ["save", true],
    ["split", true],
    ["merge", true],
    ["Trainer", true],
    ["outer", true],
    ["fit", false],
    ["predict", false],
    ["inner", false],
    ["helper", false],
    ["evaluate", false],
    ["report", false],
    ["sys", false],
  ] as const)("in blocks, classes and functions: %s: %s", (name, want) => {
    expect(definesFunction(GUARDED, name)).toBe(want);
  });
  const HEADERS = `import os

def run(
    data: str,
) -> None:
    from os.path import join as hidden
    evaluate, deploy = 1, 2

class Steps(
    Base,
):
    def fit(self, data): ...

_s = Steps()
train, evaluate = _s.fit, _s.fit


def fit2(data, score=True):
    pass


configure(level, tune=False)
PROMPT = f"""
Rate 1 to 5 (5 = best:
"""
try: from fastlib import quick
except ImportError: from os.path import join as quick
if os.name == "nt": from ntpath import join as joiner
else: from posixpath import join as joiner
match os.name:
    case "posix":
        def portable(x): return x
    case _:
        portable = None
a = 1; from os.path import basename as base
x = "def ghost(y):" \\
    ; \\
    z = 1
`;
  it.each([
    ["hidden", false],
    ["deploy", false],
    ["fit", false],
    ["Steps", true],
    ["train", true],
    ["evaluate", true],
    ["score", false],
    ["tune", false],
    ["quick", true],
    ["joiner", true],
    ["portable", true],
    ["base", true],
    ["ghost", false],
    ["z", true],
  ] as const)("multi-line headers, one-line bodies, strings, match: %s: %s", (name, want) => {
    expect(definesFunction(HEADERS, name)).toBe(want);
  });
  it("CRLF and lone CR line ends, a backslash continuation inside a string", () => {
    const crlf = 'MSG = "hello \\\r\nworld"\r\ndef train(x):\r\n    return x\r\n';
    expect(definesFunction(crlf, "train")).toBe(true);
    expect(definesFunction(crlf.replace(/\r\n/g, "\r"), "train")).toBe(true);
  });
  it("chained assignments, type parameters, Python 3.12 f-strings, the main guard", () => {
    const source = `train = train_model = make()
f = lambda x=1: x
msg = f"{d["it's"]} and {e['k']!r:>{width}} {{literal}}"
multi = f"""{
    x
}"""
def typed[T](x: T) -> T:
    return x
if __name__ == "__main__":
    def only_main(x):
        return x
`;
    expect(definesFunction(source, "train_model")).toBe(true);
    expect(definesFunction(source, "train")).toBe(true);
    expect(definesFunction(source, "x")).toBe(false);
    expect(definesFunction(source, "typed")).toBe(true);
    expect(definesFunction(source, "only_main")).toBe(false);
  });
  it("f-string format specs with quotes, raw f-strings with \\{{, attribute targets, spaced imports", () => {
    const source = `x = f"{v:'>10}" + f'{w:">5}' + f"{d["k"]:{width}}"
P = rf"\\{{" + rf"\\}}"
a["k"] = first = make()
base.dialect = second = make()
f = lambda a=third, b=2: 0
from pkg. mod import fourth
from x import(fifth, sixth)
if __name__ == "tasks.train":
    def seventh(a):
        pass
def train(a):
    pass
`;
    for (const name of ["train", "first", "second", "fourth", "fifth", "sixth", "seventh"]) {
      expect([name, definesFunction(source, name)]).toEqual([name, true]);
    }
    expect(definesFunction(source, "third")).toBe(false);
  });
  it("a call over 50,000 lines (a data list) is one logical line, read in one pass", () => {
    // The regex this replaced backtracked quadratically on it: minutes, not milliseconds.
    const source = `register_ids([\n${"    1,\n".repeat(50_000)}])\ndef train(x):\n    pass\n`;
    expect(definesFunction(source, "train")).toBe(true);
    expect(definesFunction(source, "missing")).toBe(false);
  });
  it("a star import may bind any name", () => {
    expect(definesFunction("from tasks.all import *\n", "anything")).toBe(true);
    expect(definesFunction("def f():\n    from tasks.all import *\n", "anything")).toBe(false);
  });
  it("a triple quote inside a string or a comment starts no docstring", () => {
    const source = `FENCE = '"""'  # or """ in a comment\n\n\ndef prepare(x):\n    pass\n`;
    expect(definesFunction(source, "prepare")).toBe(true);
  });
});
