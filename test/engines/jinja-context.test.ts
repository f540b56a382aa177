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
  AIRFLOW_OCCASIONAL_CONTEXT_OF,
  AIRFLOW_TEMPLATE_CONTEXT,
  jinjaCompileProblems,
  jinjaDelimiterProblem,
  templateCallProblems,
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

/** Calls of the variable and connection accessors, taken and refused (TypeError) alike. */
const CALLS = [
  "{{ var.value.get('bucket', default_var='x') }}",
  "{{ var.value.get('bucket', 'x') }}",
  "{{ var.value.get('bucket', default='x') }}",
  "{{ var.value.get(key='bucket') }}",
  "{{ var.value.get('bucket',) }}",
  "{{ var.value.get() }}",
  "{{ var.value.get('bucket', 'x', 'y') }}",
  "{{ var . value . get( 'bucket' , default_var = 'x' ) }}",
  "{% set b = var.value.get('bucket', default_var='x') %}{{ b }}",
  "{{ var.json.get('cfg', default_var={}) }}",
  "{{ var.json.get('cfg', {}, 1) }}",
  "{{ var.json.get('cfg', default={'a': (1, 2)}) }}",
  "{{ conn.get('db', default=None) }}",
  "{{ conn.get('db', default_conn=None).host }}",
  "{{ conn.get('db', None) }}",
  "{{ conn.get('db', None, 1) }}",
  "{{ 'var.value.get(1, default_var=2)' }}",
  "{{ var.value.bucket }}",
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
  /** `jinja_env.py <mode>`, given `input` as JSON on stdin: the JSON it prints (Airflow logs too). */
  const jinjaEnv = <T>(mode: string, input?: unknown): T => {
    const r =
      input === undefined
        ? runEngine(python, [script, mode], env(mode))
        : runEngine(
            "sh",
            ["-c", `"${python}" "${script}" ${mode} <<'JSON'\n${JSON.stringify(input)}\nJSON`],
            env(mode),
          );
    expect(r.status, r.output).toBe(0);
    // The last line that is JSON (log lines may start with "[" too).
    for (const line of r.output.trim().split("\n").reverse()) {
      try {
        return JSON.parse(line) as T;
      } catch {}
    }
    throw new Error(`jinja_env.py ${mode} printed no JSON:\n${r.output}`);
  };

  it("render in the Jinja environment core lists: globals, filters, tests; StrictUndefined and the do statement", () => {
    const got = jinjaEnv<Record<string, unknown>>("env");
    expect(got.globals).toEqual([...AIRFLOW_JINJA.globals].sort());
    expect(got.filters).toEqual([...AIRFLOW_JINJA.filters].sort());
    expect(got.tests).toEqual([...AIRFLOW_JINJA.tests].sort());
    expect(got.undefined).toBe("StrictUndefined");
    expect(got.extensions).toEqual(["jinja2.ext.ExprStmtExtension"]);
  });

  it("compile exactly when core finds no problem in them (a table of texts on both sides)", () => {
    const jinja = jinjaEnv<(string | null)[]>("compile", TEXTS);
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

  it("render accessor calls exactly when core finds no problem in them; the rest fail with a TypeError", () => {
    const got = jinjaEnv<{ signatures: Record<string, string[]>; results: (string | null)[] }>(
      "render",
      CALLS,
    );
    // The parameters core names (conn.get's first is conn_id on Airflow 3, key on 2).
    expect(got.signatures).toEqual({
      var: ["key", "default"],
      conn: [version === 3 ? "conn_id" : "key", "default_conn"],
    });
    expect(got.results).toHaveLength(CALLS.length);
    const verdicts = CALLS.map((text, i) => ({
      text,
      airflow: got.results[i] ?? null,
      mlgen: templateCallProblems(text).map((p) => p.message),
    }));
    // Every refusal is the accessor's TypeError, and exactly where core finds a problem.
    for (const v of verdicts) {
      if (v.airflow !== null) expect(v.airflow, v.text).toMatch(/^TypeError: /);
    }
    expect(verdicts.filter((v) => (v.airflow !== null) !== v.mlgen.length > 0)).toEqual([]);
    // Both sides are in the table.
    expect(verdicts.filter((v) => v.airflow !== null).length).toBeGreaterThanOrEqual(8);
    expect(verdicts.filter((v) => v.airflow === null).length).toBeGreaterThanOrEqual(8);
    // core says what Python says of an unknown keyword.
    expect(verdicts[0]?.airflow).toContain("got an unexpected keyword argument 'default_var'");
    expect(verdicts[0]?.mlgen).toEqual([
      "var.value.get() got an unexpected keyword argument 'default_var'",
    ]);
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
    const plain = JSON.parse(readFileSync(out, "utf8")) as string[];
    expect(plain).toEqual([...AIRFLOW_TEMPLATE_CONTEXT[version]].sort());
    // A mapped task has no expanded_ti_count on Airflow 3 either (its task runner sets none, and
    // a template reading it fails there: airflow3-removed says so); every task has it on 2.
    const mapped = JSON.parse(readFileSync(`${out}.mapped`, "utf8")) as string[];
    expect(mapped.includes("expanded_ti_count")).toBe(version === 2);
    const known = new Set([
      ...AIRFLOW_TEMPLATE_CONTEXT[version],
      ...AIRFLOW_OCCASIONAL_CONTEXT_OF[version],
    ]);
    expect(mapped.filter((k) => !known.has(k))).toEqual([]);
    expect(known.has("expanded_ti_count")).toBe(version === 2);
  }, 600_000);
});
