// The template checks of the Airflow target (MLG3001 for a template the task cannot render)
// judge templates against what Airflow renders them with: the context's names, Jinja's
// environment (globals, filters, tests, statements) as Airflow builds it. These are lists in
// @mlgen/core; this file holds them to the pinned Airflow 3 and 2, and the compile check to
// real Jinja.
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AIRFLOW_JINJA,
  AIRFLOW_TEMPLATE_CONTEXT,
  jinjaCompileProblems,
  jinjaDelimiterProblem,
} from "../../packages/core/src/index.js";
import {
  AIRFLOW2_VENV,
  airflowEnv,
  ensureEngines,
  ROOT,
  runEngine,
  tempDir,
  VENV,
} from "./harness.js";

/** Texts on both sides of each check: statements, blocks, filters, tests, empty code. */
const TEXTS = [
  "{{ ds }}",
  "{{ }}",
  "{{- -}}",
  "{{ '}}' }}",
  "{{ '' }}",
  "{% if %}x{% endif %}",
  "{% if ds %}x{% endif %}",
  "{% if ds %}x",
  "{% if ds %}x{% endfor %}",
  "{% endif %}",
  "{% else %}",
  "{% for i in range(3) %}{{ loop.index }}{% else %}none{% endfor %}",
  "{% for i in range(3) %}{% break %}{% endfor %}",
  "{% do params.update({'a': 1}) %}",
  "{% set x = 1 %}{{ x }}",
  "{% set x %}text{% endset %}{{ x }}",
  "{% set x %}text",
  "{% with a = 1 %}{{ a }}{% endwith %}",
  "{% filter upper %}x{% endfilter %}",
  "{% filter nosuch %}x{% endfilter %}",
  "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1) }}",
  "{% raw %}{% nonsense %}{{{% endraw %}",
  "{{ ds | ds_nodash }}",
  "{{ ds | nosuchfilter }}",
  "{{ ds|upper|nosuch2 }}",
  "{{ x | default('a') }}",
  "{{ x is defined }}",
  "{{ x is not none }}",
  "{{ x is divisibleby 3 }}",
  "{{ x is nosuchtest }}",
  "{% unknown %}",
  "{%- if ds -%}a{%- elif ds -%}b{%- else -%}c{%- endif -%}",
  "{% elif ds %}",
  "{% autoescape true %}x{% endautoescape %}",
  "{% %}",
];

const VERSIONS = [
  [3, VENV],
  [2, AIRFLOW2_VENV],
] as const;

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("jinja-context");
}, 900_000);

describe.each(VERSIONS)("Airflow %i's templates", (version, venv) => {
  const python = join(venv, "bin", "python");
  const env = (name: string) => {
    const home = join(work, `${version}-${name}`);
    mkdirSync(home, { recursive: true });
    return airflowEnv(home, join(home, "dags"));
  };
  const script = join(ROOT, "test/python/jinja_env.py");

  it("render in the Jinja environment core lists: globals, filters, tests; StrictUndefined and the do statement", () => {
    const r = runEngine(python, [script, "env"], env("env"));
    expect(r.status, r.output).toBe(0);
    const got = JSON.parse(
      r.output
        .trim()
        .split("\n")
        .find((l) => l.startsWith("{")) ?? "{}",
    );
    expect(got.globals).toEqual([...AIRFLOW_JINJA.globals].sort());
    expect(got.filters).toEqual([...AIRFLOW_JINJA.filters].sort());
    expect(got.tests).toEqual([...AIRFLOW_JINJA.tests].sort());
    expect(got.undefined).toBe("StrictUndefined");
    expect(got.extensions).toEqual(["jinja2.ext.ExprStmtExtension"]);
  });

  it("compile exactly when core finds no problem in them (a table of texts on both sides)", () => {
    const r = runEngine(
      "sh",
      ["-c", `"${python}" "${script}" compile <<'JSON'\n${JSON.stringify(TEXTS)}\nJSON`],
      env("compile"),
    );
    expect(r.status, r.output).toBe(0);
    const line =
      r.output
        .trim()
        .split("\n")
        .find((l) => l.startsWith("[")) ?? "[]";
    const jinja: (string | null)[] = JSON.parse(line);
    expect(jinja).toHaveLength(TEXTS.length);
    const verdicts = TEXTS.map((text, i) => {
      const ours =
        jinjaDelimiterProblem(text)?.message ??
        jinjaCompileProblems(text, AIRFLOW_JINJA)[0]?.message ??
        null;
      return {
        text,
        jinjaRefuses: jinja[i] !== null,
        mlgenRefuses: ours !== null,
        jinja: jinja[i],
        ours,
      };
    });
    const disagree = verdicts.filter((v) => v.jinjaRefuses !== v.mlgenRefuses);
    expect(disagree).toEqual([]);
    // Both sides are in the table: it would not catch a check that refuses all or none.
    expect(verdicts.filter((v) => v.jinjaRefuses).length).toBeGreaterThan(10);
    expect(verdicts.filter((v) => !v.jinjaRefuses).length).toBeGreaterThan(10);
  });

  it("give a task the context names core lists (a real `airflow dags test` run)", () => {
    const e = env("context");
    const dags = e.AIRFLOW__CORE__DAGS_FOLDER;
    mkdirSync(dags, { recursive: true });
    cpSync(join(ROOT, "test/fixtures/context_dump_dag.py"), join(dags, "context_dump_dag.py"));
    const out = join(work, `${version}-context.json`);
    const airflow = join(venv, "bin", "airflow");
    const migrate = runEngine(airflow, ["db", "migrate"], e);
    expect(migrate.status, migrate.output.slice(-3000)).toBe(0);
    const run = runEngine(airflow, ["dags", "test", "context_dump", "2025-01-02"], {
      ...e,
      MLGEN_CONTEXT_OUT: out,
    });
    expect(run.status, run.output.slice(-3000)).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(
      [...AIRFLOW_TEMPLATE_CONTEXT[version]].sort(),
    );
  }, 600_000);
});
