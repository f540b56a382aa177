/**
 * Real engine: `mlgen lint` skips what Airflow's DAG processor skips by `.airflowignore`.
 * (1) Each glob pattern, hand-picked and generated, matches the same paths as the `pathspec`
 * pattern Airflow builds from it (GitWildMatchPattern, in the engine venv), and is refused when
 * pathspec refuses it. (2) On one DAG folder per syntax, with nested `.airflowignore` files,
 * negations, anchored, folder-only and `**` patterns, the .py files `mlgen lint` reads are exactly
 * the ones Airflow 3 and Airflow 2 list (`airflow.utils.file.list_py_file_paths`, the DAG
 * processor's own listing, with safe mode off).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  globRegex,
  type IgnoreProblem,
  type IgnoreSyntax,
  parseIgnoreFile,
} from "../../packages/cli/src/airflowignore.js";
import { lintTargets } from "../../packages/cli/src/lint-files.js";
import { AIRFLOW2_PYTHON, airflowEnv, ensureEngines, PYTHON, tempDir } from "./harness.js";

const PATHS = [
  "a",
  "b",
  "ab",
  "a/",
  "a/b",
  "a/b/",
  "a/b/c.py",
  "x/a",
  "x/a/",
  "x/y/a.py",
  "a.py",
  "b/a.py",
  "a b",
  "a*b",
  "a?b",
  "[a]",
  "a]",
  "-",
  "!a",
  "#a",
  "\\",
  "a\\b",
  ".a",
  "a/x/y/b",
  "a/x/y/b/",
  "ä.py",
  "A.PY",
];

const HAND_PICKED = [
  "a",
  "a/",
  "/a",
  "a/b",
  "a/**",
  "**/a",
  "a/**/b",
  "**",
  "**/",
  "*",
  "*/",
  "***",
  "*.py",
  "?.py",
  "[ab]",
  "[!a]",
  "[^a]",
  "[]a]",
  "[!]a]",
  "[a-",
  "a\\*b",
  "a\\ ",
  "a  ",
  "  a",
  "!a",
  "\\!a",
  "\\#a",
  "#a",
  "/",
  "!/",
  "//",
  "a//b",
  "a\\",
  "x/*/a.py",
  "*/a",
  "a/*",
  "**/**/a",
  "a/**/",
  "-",
  "[a-c].py",
  "ä*",
];

/** pathspec's verdict on each pattern: refused, matching nothing, or which paths it matches. */
function pathspecVerdicts(
  patterns: readonly string[],
): ({ error: true } | { matches: boolean[] | null; include: boolean | null })[] {
  const script = `
import json, sys, warnings
warnings.simplefilter("ignore")
from pathspec.patterns import GitWildMatchPattern
data = json.load(sys.stdin)
out = []
for p in data["patterns"]:
    try:
        g = GitWildMatchPattern(p)
    except Exception:
        out.append({"error": True})
        continue
    if g.include is None:
        out.append({"matches": None, "include": None})
    else:
        out.append({"matches": [g.match_file(x) is not None for x in data["paths"]], "include": g.include})
print(json.dumps(out))
`;
  return JSON.parse(
    execFileSync(PYTHON, ["-c", script], {
      input: JSON.stringify({ patterns, paths: PATHS }),
      encoding: "utf8",
    }),
  );
}

function mlgenVerdict(pattern: string) {
  let re: ReturnType<typeof globRegex>;
  try {
    re = globRegex(pattern);
  } catch {
    return { error: true as const };
  }
  if (re === null) return { matches: null, include: null };
  const regex = new RegExp(re.source);
  return { matches: PATHS.map((p) => regex.test(p)), include: re.ignore };
}

describe(".airflowignore glob patterns match as Airflow's pathspec does", () => {
  beforeAll(() => ensureEngines(), 600_000);

  it("hand-picked patterns, edge cases included", () => {
    const theirs = pathspecVerdicts(HAND_PICKED);
    const differ = HAND_PICKED.flatMap((p, k) => {
      const ours = mlgenVerdict(p);
      return JSON.stringify(ours) === JSON.stringify(theirs[k])
        ? []
        : [{ p, ours, theirs: theirs[k] }];
    });
    expect(differ).toEqual([]);
    // The check sees something: most patterns match some path, some match none, some are refused.
    expect(theirs.filter((v) => "matches" in v && v.matches?.some(Boolean)).length).toBeGreaterThan(
      30,
    );
    expect(theirs.filter((v) => "error" in v).length).toBeGreaterThan(0);
  });

  it("600 generated patterns", () => {
    const patterns = fc.sample(
      fc
        .array(
          fc.constantFrom(
            ...["a", "a", "a", "b", "b", "x/", "y", "*", "*", "**", "?", "/", "/", ".py"],
            ...["[ab]", "[!a]", "[", "]", "!", "^", "\\", "\\*", " ", "-", "#"],
          ),
          { minLength: 1, maxLength: 4 },
        )
        .map((parts) => parts.join("")),
      { numRuns: 600, seed: 20261201 },
    );
    const theirs = pathspecVerdicts(patterns);
    const differ = patterns.flatMap((p, k) => {
      const ours = mlgenVerdict(p);
      return JSON.stringify(ours) === JSON.stringify(theirs[k])
        ? []
        : [{ p, ours, theirs: theirs[k] }];
    });
    expect(differ.slice(0, 10)).toEqual([]);
    expect(theirs.filter((v) => "matches" in v && v.matches?.some(Boolean)).length).toBeGreaterThan(
      150,
    );
  });
});

/** A DAG folder for each syntax: its files, and `.airflowignore` files at several levels. */
const TREES: Record<IgnoreSyntax, Record<string, string>> = {
  glob: {
    ".airflowignore": [
      "# helpers are imported by the DAGs, not DAGs themselves",
      "helpers/",
      "*_test.py   # tests",
      "/old",
      "x/**/w.py",
      "vendor/lib/*",
      "!vendor/lib/keep_me.py",
      "name\\ with\\ space.py",
      "[b]r.py",
      "docs",
      "",
    ].join("\n"),
    "team/.airflowignore": "old/\n!y_test.py\n",
    "weird/.airflowignore": "*\n!keep.py\n",
  },
  regexp: {
    ".airflowignore": [
      "helpers",
      "_test\\.py$   # tests",
      "^old/",
      "team/o.d",
      "(?i)DOCS",
      "",
    ].join("\n"),
    "team/.airflowignore": "^team/new/z\n",
    "weird/.airflowignore": "weird/dr\n",
  },
};
const FILES = [
  "a.py",
  "b_test.py",
  "br.py",
  "helpers/util.py",
  "helpers/sub/deep.py",
  "team/old/x.py",
  "team/new/y.py",
  "team/new/y_test.py",
  "team/new/z.py",
  "team/y_test.py",
  "name with space.py",
  "weird/keep.py",
  "weird/drop.py",
  "vendor/lib/pkg.py",
  "vendor/lib/keep_me.py",
  "vendor/other.py",
  "docs/conf.py",
  "x/w.py",
  "x/y/z/w.py",
  "old/top.py",
  "team/old.py",
  "deep/old/kept.py",
];

const LIST = `
import json, os, sys
dags = sys.argv[1]
os.environ["AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX"] = sys.argv[2]
from airflow.utils.file import list_py_file_paths
try:
    found = list_py_file_paths(dags, safe_mode=False, include_examples=False)
except TypeError:
    found = list_py_file_paths(dags, safe_mode=False)
print(json.dumps(sorted(os.path.relpath(f, dags) for f in found)))
`;

describe("mlgen lint reads the DAG files Airflow lists, with .airflowignore", () => {
  const work = tempDir("airflowignore");
  beforeAll(() => ensureEngines(), 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const syntax of ["glob", "regexp"] as const) {
    const root = join(work, syntax);
    const dags = join(root, "dags");
    const build = () => {
      // A repository root above the DAG folder: where the search for ignore files above stops.
      mkdirSync(join(root, ".git"), { recursive: true });
      for (const f of FILES) {
        mkdirSync(dirname(join(dags, f)), { recursive: true });
        writeFileSync(join(dags, f), "# a DAG file\n");
      }
      for (const [f, text] of Object.entries(TREES[syntax])) writeFileSync(join(dags, f), text);
    };

    for (const [engine, python] of [
      ["Airflow 3", PYTHON],
      ["Airflow 2", AIRFLOW2_PYTHON],
    ] as const) {
      it(`${syntax}: the same files as ${engine}`, async () => {
        build();
        const home = join(work, `home-${syntax}-${engine.replace(" ", "")}`);
        mkdirSync(home, { recursive: true });
        const airflow: string[] = JSON.parse(
          execFileSync(python, ["-c", LIST, dags, syntax], {
            env: airflowEnv(home, dags),
            encoding: "utf8",
          })
            .trim()
            .split("\n")
            .pop() as string,
        );
        const ours = await lintTargets(root, ["dags"], syntax, () => false);
        expect(ours.problems).toEqual([]);
        const linted = ours.python.map((p) => p.slice(dags.length + 1)).sort();
        expect(linted).toEqual(airflow);
        // The rules did something on each level: neither everything nor nothing was skipped.
        expect(airflow.length).toBeGreaterThan(5);
        expect(FILES.length - airflow.length).toBeGreaterThan(5);
        // A file given by name that Airflow does not list is set apart, not linted.
        const skipped = FILES.filter((f) => !airflow.includes(f));
        const given = await lintTargets(
          root,
          skipped.map((f) => join("dags", f)),
          syntax,
          () => false,
        );
        expect(given.python).toEqual([]);
        expect(given.excluded).toEqual(skipped.map((f) => join("dags", f)));
      });
    }
  }

  it("a pattern JavaScript cannot read is reported, not dropped silently", () => {
    const problems: IgnoreProblem[] = [];
    parseIgnoreFile("/d/.airflowignore", "ok\n(?x) a b\nfoo\\\n", "regexp", problems);
    parseIgnoreFile("/d/.airflowignore", "ok\nfoo\\\n", "glob", problems);
    expect(problems.map((p) => `${p.line} ${p.pattern}`)).toEqual([
      "2 (?x) a b",
      "3 foo\\",
      "2 foo\\",
    ]);
  });
});
