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
  translateRegex,
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
  "😀.py",
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
  "?.py",
  "[😀].py",
  "[z-a].py",
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
  let regex: RegExp;
  try {
    regex = new RegExp(re.source, "u");
  } catch {
    // Python's re refuses it too (`[z-a]`), and so pathspec.
    return { error: true as const };
  }
  return { matches: PATHS.map((p) => regex.test(p)), include: re.ignore };
}

/** The patterns whose verdict differs between mlgen and pathspec (`theirs`, in order). */
function differences(patterns: readonly string[], theirs: readonly unknown[]) {
  return patterns.flatMap((p, k) => {
    const ours = mlgenVerdict(p);
    return JSON.stringify(ours) === JSON.stringify(theirs[k])
      ? []
      : [{ p, ours, theirs: theirs[k] }];
  });
}

describe(".airflowignore glob patterns match as Airflow's pathspec does", () => {
  beforeAll(() => ensureEngines(), 600_000);

  it("hand-picked patterns, edge cases included", () => {
    const theirs = pathspecVerdicts(HAND_PICKED);
    const differ = differences(HAND_PICKED, theirs);
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
    const differ = differences(patterns, theirs);
    expect(differ.slice(0, 10)).toEqual([]);
    expect(theirs.filter((v) => "matches" in v && v.matches?.some(Boolean)).length).toBeGreaterThan(
      150,
    );
  });
});

/** Paths a regular expression is searched in, as Airflow gives them (relative, no `/` at the end). */
const REGEX_PATHS = [
  "a.py",
  "b_test.py",
  "sub/a.py",
  "sub/deep/x_dag.py",
  "helpers",
  "x{,2}.py",
  "xx.py",
  "é.py",
  "😀.py",
  "A.PY",
  "a-b.py",
  "[a].py",
  "a]b.py",
  "tests/test_x.py",
  "e.py",
  "x.py",
];

const REGEX_HAND_PICKED = [
  "helpers",
  "_test\\.py$",
  "^sub/",
  "(?i)a\\.py",
  "^(?!.*_dag\\.py$).*\\.py$",
  "a\\.py\\Z",
  "a\\.py\\z",
  "(?P<c>a)(?P=c)",
  "(?P<c>x)",
  "[]-]",
  "^\\w\\.py$",
  "^x{,2}\\.py$",
  "x{,2}",
  "\\e",
  "^.\\.py$",
  "\\pL",
  "[[:alpha:]]\\.py",
  "a(?i)b",
  "(?i:A)\\.py",
  "(?#c)a",
  "a*+",
  "\\d",
  "[\\d-z]",
  "\\-",
  "a\\]b",
  "\\Qa.py\\E",
  "^[^/]+$",
  "tests?/",
  "x{2}",
  "\\.py$|^sub",
];

const REGEX_CHECK = `
import json, sys, warnings
warnings.simplefilter("ignore")
engine = sys.argv[1]
if engine == "re2":
    import re2 as engine_re
    errors = (Exception,)
else:
    import re as engine_re
    errors = (engine_re.error, OverflowError, RecursionError)
data = json.load(sys.stdin)
out = []
for p in data["patterns"]:
    try:
        r = engine_re.compile(p)
    except errors:
        out.append(None)
        continue
    out.append([r.search(x) is not None for x in data["paths"]])
print(json.dumps(out))
`;

/**
 * For each pattern: Airflow's engine refuses it and mlgen skips it too, or mlgen cannot read it
 * (said on stderr, never applied), or both match the same paths.
 */
function compareRegexes(patterns: readonly string[], engine: "re" | "re2") {
  const python = engine === "re" ? PYTHON : AIRFLOW2_PYTHON;
  const theirs: (boolean[] | null)[] = JSON.parse(
    execFileSync(python, ["-c", REGEX_CHECK, engine], {
      input: JSON.stringify({ patterns, paths: REGEX_PATHS }),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "ignore"],
    }),
  );
  const differ: unknown[] = [];
  const counts = { same: 0, refusedBoth: 0, unread: 0 };
  patterns.forEach((p, k) => {
    let ours: boolean[] | "refused" | "unread";
    try {
      const r = translateRegex(p, engine);
      ours = REGEX_PATHS.map((x) => r.test(x));
    } catch (e) {
      ours = (e as { kind?: string }).kind === "skipped" ? "refused" : "unread";
    }
    const t = theirs[k];
    if (ours === "unread") counts.unread++;
    else if (t === null) {
      if (ours === "refused") counts.refusedBoth++;
      else differ.push({ p, ours, theirs: "refused" });
    } else if (ours === "refused") differ.push({ p, ours, theirs: t });
    else if (JSON.stringify(ours) === JSON.stringify(t)) counts.same++;
    else differ.push({ p, ours, theirs: t });
  });
  return { differ, counts };
}

describe(".airflowignore regular expressions read as Python's re (Airflow 3) and RE2 (Airflow 2) read them", () => {
  beforeAll(() => ensureEngines(), 600_000);
  const generated = fc.sample(
    fc
      .array(
        fc.constantFrom(
          ...["a", "b", "x", ".", "\\.", "py", "/", "^", "$", "*", "+", "?", "|", "(", ")"],
          ...[
            "[",
            "]",
            "-",
            "{",
            "}",
            ",",
            "2",
            "\\d",
            "\\w",
            "\\e",
            "\\Z",
            "\\z",
            "(?:",
            "(?P<g>",
          ],
          ...["(?=", "(?!", "(?i)", "\\1", "é", "😀", "_test", "sub", "[]", "\\"],
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((parts) => parts.join("")),
    { numRuns: 600, seed: 20261201 },
  );

  for (const engine of ["re", "re2"] as const) {
    it(`${engine}: hand-picked and 600 generated patterns`, () => {
      const hand = compareRegexes(REGEX_HAND_PICKED, engine);
      expect(hand.differ).toEqual([]);
      const gen = compareRegexes(generated, engine);
      expect(gen.differ.slice(0, 10)).toEqual([]);
      // Most patterns are read, and both kinds of refusal occur.
      expect(gen.counts.same).toBeGreaterThan(150);
      expect(gen.counts.refusedBoth).toBeGreaterThan(20);
    });
  }
});

/**
 * DAG folders with `.airflowignore` files at several levels, and the syntax they are read in.
 * The last holds what Airflow 2 reads differently from Airflow 3 (a repeated rule dropped,
 * patterns matched from the start, no folder-only rules).
 */
const TREES: {
  name: string;
  syntax: IgnoreSyntax;
  ignores: Record<string, string>;
  files: string[];
}[] = [
  {
    name: "glob",
    syntax: "glob",
    ignores: {
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
    files: [],
  },
  {
    name: "regexp",
    syntax: "regexp",
    ignores: {
      ".airflowignore": [
        "helpers",
        "_test\\.py$   # tests",
        "^old/",
        "team/o.d",
        "(?i)DOCS",
        "^(?!.*w\\.py$)vendor/",
        "",
      ].join("\n"),
      "team/.airflowignore": "^team/new/z\n",
      "weird/.airflowignore": "weird/dr\n",
    },
    files: [],
  },
  {
    name: "glob-airflow2",
    syntax: "glob",
    ignores: {
      ".airflowignore": "*.py\n!keep.py\n*/\n",
      "sub/.airflowignore": "*.py\n",
      "dirs/.airflowignore": "*\n!*/\n!*.py\n",
    },
    files: ["keep.py", "drop.py", "sub/keep.py", "sub/drop.py", "dirs/a/x.py", "dirs/b/keep.py"],
  },
];
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

  for (const tree of TREES) {
    const root = join(work, tree.name);
    const dags = join(root, "dags");
    const files = tree.files.length > 0 ? tree.files : FILES;
    const build = () => {
      // A repository root above the DAG folder: where the search for ignore files above stops.
      mkdirSync(join(root, ".git"), { recursive: true });
      for (const f of files) {
        mkdirSync(dirname(join(dags, f)), { recursive: true });
        writeFileSync(join(dags, f), "# a DAG file\n");
      }
      for (const [f, text] of Object.entries(tree.ignores)) writeFileSync(join(dags, f), text);
    };

    for (const [engine, python, airflow] of [
      ["Airflow 3", PYTHON, 3],
      ["Airflow 2", AIRFLOW2_PYTHON, 2],
    ] as const) {
      it(`${tree.name}: the same files as ${engine}`, async () => {
        build();
        const home = join(work, `home-${tree.name}-${airflow}`);
        mkdirSync(home, { recursive: true });
        const listed: string[] = JSON.parse(
          execFileSync(python, ["-c", LIST, dags, tree.syntax], {
            env: airflowEnv(home, dags),
            encoding: "utf8",
          })
            .trim()
            .split("\n")
            .pop() as string,
        );
        const dialect = { syntax: tree.syntax, airflow } as const;
        const ours = await lintTargets(root, ["dags"], dialect, () => false);
        // RE2 refuses the lookahead: Airflow 2 skips that line with a warning, and so does mlgen.
        expect(ours.problems.map((p) => `${p.kind} ${p.pattern}`)).toEqual(
          tree.name === "regexp" && airflow === 2 ? ["skipped ^(?!.*w\\.py$)vendor/"] : [],
        );
        const linted = ours.python.map((p) => p.slice(dags.length + 1)).sort();
        expect(linted).toEqual(listed);
        // The rules did something: neither everything nor nothing was skipped.
        expect(listed.length).toBeGreaterThan(0);
        expect(files.length - listed.length).toBeGreaterThan(0);
        // A file given by name that Airflow does not list is set apart, not linted.
        const skipped = files.filter((f) => !listed.includes(f));
        const given = await lintTargets(
          root,
          skipped.map((f) => join("dags", f)),
          dialect,
          () => false,
        );
        expect(given.python).toEqual([]);
        expect(given.excluded).toEqual(skipped.map((f) => join("dags", f)));
      });
    }
    if (tree.name === "glob-airflow2") {
      it("Airflow 2 and 3 list different files there (the tree tells the two readings apart)", () => {
        const list = (python: string, airflow: number) =>
          execFileSync(python, ["-c", LIST, dags, "glob"], {
            env: airflowEnv(join(work, `home-${tree.name}-${airflow}`), dags),
            encoding: "utf8",
          });
        expect(list(PYTHON, 3)).not.toBe(list(AIRFLOW2_PYTHON, 2));
      });
    }
  }

  it("what cannot be read is reported, with the reason and what Airflow does with it", () => {
    const problems: IgnoreProblem[] = [];
    const re3 = { syntax: "regexp", airflow: 3 } as const;
    parseIgnoreFile("/d/.airflowignore", "ok\n(?x) a b\nfoo\\\n(?i:a)\n", re3, problems);
    parseIgnoreFile(
      "/d/.airflowignore",
      "ok\nfoo\\\n[z-a].py\n",
      { syntax: "glob", airflow: 3 },
      problems,
    );
    expect(problems.map((p) => `${p.line} ${p.kind} ${p.pattern}`)).toEqual([
      "2 unread (?x) a b",
      "3 skipped foo\\",
      "4 unread (?i:a)",
      "2 fatal foo\\",
      "3 fatal [z-a].py",
    ]);
  });
});
