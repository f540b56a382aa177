/**
 * Templates that compute, or not, with a param that may be None (MLG1050, none-param-computed),
 * as Jinja renders them with the param None: RENDERS do, FAILS raise. The unit test
 * (jinja-none.test.ts) checks what mlgen reports; test/engines/optional-params.test.ts renders
 * each with the pinned Airflow's own template environment.
 */

export const RENDERS: readonly string[] = [
  // Filters bind tighter than operators: the coerced value is no None.
  "{{ 20 + params.x | int }}",
  "{% if 3 < params.x | int %}y{% endif %}",
  "{{ 1 - params.x | float }}",
  "{{ params.x | default(10, true) + 1 }}",
  // Guards: a branch that holds only with a value, the else of one that holds only without.
  "{% if params.x %}{{ params.x + 1 }}{% endif %}",
  "{% if params.x is not none %}{{ params.x + 1 }}{% endif %}",
  "{% if params.x != None and params.x > 3 %}y{% endif %}",
  "{% if params.x is number and params.x > 3 %}y{% endif %}",
  "{% if ready and params.x %}{{ params.x * 2 }}{% endif %}",
  "{% if params.x is none %}0{% else %}{{ params.x + 1 }}{% endif %}",
  // The expression's own test, before it computes.
  "{{ params.x + 1 if params.x else 0 }}",
  "{{ (params.x or 0) * 2 }}",
  "{% if params.x and params.x > 3 %}y{% endif %}",
  // None taken as it is.
  "{{ '%s' % params.x }}",
  "{{ 'a' + params.x ~ 'b' }}",
  "{{ params.x ~ 'a' }}",
  "{{ params.x in [1, 2] }}",
  "{{ params.x == -1 }}",
  "{%- if params.x +%}y{%- endif %}",
  "{{- params.x -}}",
  "{{ params.x | upper }}",
];

export const FAILS: readonly [string, string[]][] = [
  ["{{ params.x + 1 }}", ["x"]],
  ["{{ 2 * params['x'] }}", ["x"]],
  ["{{ -params.x }}", ["x"]],
  ["{% if params.x > 0.5 %}y{% endif %}", ["x"]],
  ["{{ params.x | default(10) + 1 }}", ["x"]],
  ["{% if params.x | d(0) > 0.5 %}y{% endif %}", ["x"]],
  // A test elsewhere in the text guards nothing here.
  ["--limit {{ params.x or 100 }} --offset {{ params.x * 2 }}", ["x"]],
  ["{% if params.x %}--a {{ params.x }}{% endif %} --half {{ params.x // 2 }}", ["x"]],
  ["{{ params.x + 1 }} {% if params.x is not none %}y{% endif %}", ["x"]],
  ["{{ (params.y or params.x) + 1 }}", ["x"]],
  ["{% if params.x > 3 and params.x %}y{% endif %}", ["x"]],
  ["{% if params.x is none %}{{ params.x + 1 }}{% endif %}", ["x"]],
  // A loop over a param binds another name: the text is still read.
  ["{% for t in params.tables %}{{ t }}{% endfor %} --limit {{ params.x + 1 }}", ["x"]],
  // An attribute, item or method of None, a filter that fails on it, a format other than %s.
  ["{{ params.s.upper() }}", ["s"]],
  ["{{ params.x[0] }}", ["x"]],
  ["{{ params.x | round }}", ["x"]],
  ["{{ params.x | length }}", ["x"]],
  ["{{ '%d' % params.x }}", ["x"]],
];
