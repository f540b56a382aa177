/**
 * What `mlgen lint` reads: the paths given (or, in folders, every .py file and pipeline module),
 * less what Airflow would never parse by `.airflowignore` (see airflowignore.ts).
 */

import type { Dirent } from "node:fs";
import { existsSync, statSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import {
  IGNORE_FILE,
  type IgnoreDialect,
  type IgnoreFile,
  type IgnoreProblem,
  isIgnored,
  readIgnoreFile,
} from "./airflowignore.js";
import { CliError } from "./io.js";

const SKIP_DIRS = new Set(["node_modules", "__pycache__", "dist", "site-packages"]);
/** What a virtualenv (`pyvenv.cfg`) or a conda environment (`conda-meta/`) holds at its top. */
const ENVIRONMENT_MARKERS = new Set(["pyvenv.cfg", "conda-meta"]);

/**
 * Pipeline modules in a folder are known by name, `train.pipeline.ts`, as the pre-commit hook
 * finds them (not `.js`: a build's copies would be linted twice).
 */
const PIPELINE_MODULE = /\.pipeline\.m?ts$/;

/** The `.airflowignore` files in effect, read once per folder. */
class IgnoreFiles {
  readonly problems: IgnoreProblem[] = [];
  readonly #read = new Map<string, Promise<IgnoreFile | null>>();
  readonly #above = new Map<string, Promise<{ chain: IgnoreFile[]; excluded: boolean }>>();
  constructor(
    readonly dialect: IgnoreDialect,
    readonly cwd: string,
  ) {}

  /** The `.airflowignore` of a folder, or null. */
  in(dir: string): Promise<IgnoreFile | null> {
    let file = this.#read.get(dir);
    if (file === undefined) {
      const path = join(dir, IGNORE_FILE);
      file = stat(path).then(
        (s) => (s.isFile() ? readIgnoreFile(path, this.dialect, this.problems) : null),
        () => null,
      );
      this.#read.set(dir, file);
    }
    return file;
  }

  /**
   * The rules in effect inside `dir` (its own file's included), from the files in the folders
   * above it up to the repository's root (the folder holding `.git`), and whether a folder on
   * the way, `dir` included, is itself excluded: as if Airflow walked down from there. Outside a
   * repository, up to the current folder when `dir` is in it, else only `dir`'s own file counts:
   * an `.airflowignore` somewhere above a project is no part of it. Once per folder: the files
   * given by name (the pre-commit hook's) mostly share a few.
   */
  above(dir: string): Promise<{ chain: IgnoreFile[]; excluded: boolean }> {
    let found = this.#above.get(dir);
    if (found === undefined) {
      found = this.#chainAbove(dir);
      this.#above.set(dir, found);
    }
    return found;
  }

  async #chainAbove(dir: string): Promise<{ chain: IgnoreFile[]; excluded: boolean }> {
    const up: string[] = [];
    let inRepository = false;
    for (let d = dir; ; d = dirname(d)) {
      up.unshift(d);
      if (existsSync(join(d, ".git"))) {
        inRepository = true;
        break;
      }
      if (dirname(d) === d) break;
    }
    const top = inRepository ? 0 : up.indexOf(this.cwd);
    const folders = top < 0 ? [dir] : up.slice(top);
    const chain: IgnoreFile[] = [];
    for (const [k, folder] of folders.entries()) {
      if (k > 0 && isIgnored(folder, true, chain)) return { chain, excluded: true };
      const own = await this.in(folder);
      if (own) chain.push(own);
    }
    return { chain, excluded: false };
  }
}

/**
 * Every .py file and pipeline module under a folder, skipping hidden folders, caches,
 * virtualenvs and what `.airflowignore` excludes; other TypeScript (helpers a pipeline imports)
 * is read through its pipeline.
 */
async function filesIn(
  dir: string,
  ignores: IgnoreFiles,
  chain: readonly IgnoreFile[],
  out: {
    python: string[];
    modules: string[];
    ignored: number;
    unreadable: string[];
    brokenLinks: string[];
  },
  seen = new Set<string>(),
  nested = false,
) {
  // Each real folder once: a link back up the tree is no loop, and a folder reached through a
  // link and by its own name is linted once.
  let entries: Dirent[];
  try {
    const real = await realpath(dir);
    if (seen.has(real)) return out;
    seen.add(real);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    // A folder below the one given that cannot be listed (a root-owned lost+found on a DAG
    // volume): Airflow's walk skips it, and so does mlgen, saying so.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw e;
    if (!nested) {
      throw new CliError(
        `mlgen lint: cannot list ${dir}: permission denied\n  fix: make it readable by the user running mlgen (chmod a+rx)`,
        2,
      );
    }
    out.unreadable.push(dir);
    return out;
  }
  // A virtualenv whatever its name (`venv/`, `env/`), or a conda environment, found below the
  // folder given: installed packages, not the project's DAGs.
  if (nested && entries.some((e) => ENVIRONMENT_MARKERS.has(e.name))) return out;
  if (nested && entries.some((e) => e.name === IGNORE_FILE)) {
    const own = await ignores.in(dir);
    if (own) chain = [...chain, own];
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".") || SKIP_DIRS.has(e.name)) continue;
    const path = join(dir, e.name);
    // A link is what it points at (DAG folders synced by git-sync or deployed as links). A
    // broken one is no file: Airflow's walk skips it (`is_file()` is false), and so does mlgen,
    // saying so.
    const kind = e.isSymbolicLink() ? await stat(path).catch(() => null) : e;
    if (kind === null) {
      const lintable = e.name.endsWith(".py") || PIPELINE_MODULE.test(e.name);
      if (lintable && !isIgnored(path, false, chain)) out.brokenLinks.push(path);
      continue;
    }
    if (kind.isDirectory()) {
      if (isIgnored(path, true, chain)) out.ignored++;
      else await filesIn(path, ignores, chain, out, seen, true);
    } else if (isIgnored(path, false, chain)) {
      // Counted when it is a file mlgen would lint: a folder of excluded READMEs holds no DAG.
      if (e.name.endsWith(".py") || PIPELINE_MODULE.test(e.name)) out.ignored++;
    } else if (kind.isFile() && e.name.endsWith(".py")) out.python.push(path);
    else if (kind.isFile() && PIPELINE_MODULE.test(e.name)) out.modules.push(path);
  }
  return out;
}

export interface LintTargets {
  readonly python: string[];
  readonly modules: string[];
  /** Paths given that `.airflowignore` excludes, as given. */
  readonly excluded: string[];
  /** DAG files and folders that `.airflowignore` excluded in folder walks. */
  ignored: number;
  /** Patterns of `.airflowignore` files that mlgen cannot read. */
  readonly problems: readonly IgnoreProblem[];
  /** Folders below those given that cannot be listed (permissions): skipped, as Airflow does. */
  readonly unreadable: string[];
  /** Links in folder walks to a DAG file or module that does not exist: skipped, as Airflow does. */
  readonly brokenLinks: string[];
}

/**
 * The files to lint among `paths` (files and folders, already checked to exist), with the
 * `.airflowignore` files in effect read in `dialect`. Folder walks skip what those files exclude
 * as Airflow does; a path given that they exclude is set apart in `excluded` (the pre-commit
 * hook passes every changed .py file, helpers and tests too).
 */
export async function lintTargets(
  cwd: string,
  paths: readonly string[],
  dialect: IgnoreDialect,
  isModule: (path: string) => boolean,
): Promise<LintTargets> {
  const ignores = new IgnoreFiles(dialect, resolve(cwd));
  const out: LintTargets = {
    python: [],
    modules: [],
    excluded: [],
    ignored: 0,
    problems: ignores.problems,
    unreadable: [],
    brokenLinks: [],
  };
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const isDir = statSync(abs).isDirectory();
    const { chain, excluded } = await ignores.above(isDir ? abs : dirname(abs));
    if (excluded || (!isDir && isIgnored(abs, false, chain))) out.excluded.push(p);
    else if (isDir) await filesIn(abs, ignores, chain, out, seen);
    else if (extname(abs) === ".py") out.python.push(abs);
    else if (isModule(abs)) out.modules.push(abs);
  }
  return out;
}
