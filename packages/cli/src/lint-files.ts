/**
 * What `mlgen lint` reads: the paths given (or, in folders, every .py file and pipeline module),
 * less what Airflow would never parse by `.airflowignore` (see airflowignore.ts).
 */

import type { Dirent } from "node:fs";
import { existsSync, statSync } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import {
  IGNORE_FILE,
  type IgnoreDialect,
  type IgnoreFile,
  type IgnoreProblem,
  isIgnored,
  readIgnoreFile,
} from "./airflowignore.js";
import { CliError } from "./io.js";

/** The files the pre-commit hook takes, as .pre-commit-hooks.yaml's `files` writes them. */
export const LINTED_FILES = "\\.(py|pipeline\\.ts|sql|hql|sh|bash)$";

const toPosix = (p: string) => p.split(sep).join("/");
const SKIP_DIRS = new Set(["node_modules", "__pycache__", "dist", "site-packages"]);
/**
 * Folders beside a DAG folder that hold Python naming Airflow and DAGs without being DAG
 * folders: a project's tests (a DagBag integrity test), plugins, Astro's include/, scripts.
 */
const NOT_DAG_FOLDERS = new Set(["tests", "test", "plugins", "include", "scripts", "docs"]);
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
    unlinted: number;
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
    const path = join(dir, e.name);
    if (e.name.startsWith(".") || SKIP_DIRS.has(e.name)) {
      // Airflow's walk goes into them: a Python file directly in one may be a DAG file.
      if (e.isDirectory() && !isIgnored(path, true, chain) && (await holdsPython(path)))
        out.unlinted++;
      continue;
    }
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
    // Airflow reads a zip archive in its DAG folder as DAG files (packaged DAGs).
    else if (kind.isFile() && e.name.endsWith(".zip")) out.unlinted++;
  }
  return out;
}

/** Whether the folder holds a `.py` file itself (not below). */
async function holdsPython(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.some((name) => name.endsWith(".py"));
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
  /**
   * DAG files Airflow may read in the folders walked that mlgen does not lint: zip archives,
   * hidden or cache folders holding Python files (and `unreadable`'s folders).
   */
  unlinted: number;
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
    unlinted: 0,
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

/**
 * Whether the folders given are each a whole DAG folder, so that a DAG id no file in them
 * defines is one Airflow does not have there (missing-dag): none lies inside a larger DAG folder
 * (insideDagFolder), and the walks met no DAG file they do not lint (`unlinted`). When not, why
 * not, for the note that says missing-dag was not judged.
 */
export async function wholeDagFolders(
  cwd: string,
  dirs: readonly string[],
  unlinted: number,
  mightHoldDag: (source: string) => boolean,
): Promise<{ readonly whole: true } | { readonly whole: false; readonly why: string }> {
  if (dirs.length === 0) return { whole: false, why: "no folder was given" };
  if (unlinted > 0) {
    return {
      whole: false,
      why: "it holds DAG files mlgen does not lint (a zip archive, a hidden or skipped folder)",
    };
  }
  // Folders given together are linted together: one beside another is no sign of a part.
  const given = new Set(dirs.map((d) => resolve(cwd, d)));
  for (const dir of dirs) {
    const why = await insideDagFolder(resolve(cwd, dir), resolve(cwd), mightHoldDag, given);
    if (why !== null)
      return {
        whole: false,
        why: `${toPosix(relative(cwd, resolve(cwd, dir)) || ".")} looks like a part of a larger DAG folder: ${why}`,
      };
  }
  return { whole: true };
}

/**
 * Whether `dir` looks like a part of a larger DAG folder (`dags/ml/` of `dags/`) rather than the
 * whole of one. Up to the repository's root (the folder holding `.git`; outside one, up to the
 * current folder when `dir` is in it), a folder above it is named `dags`, holds an
 * `.airflowignore` or a Python file Airflow would parse, or, below the top, holds another folder
 * with one (`dags/platform/` beside `dags/ml/`). The top's other folders are not read, nor
 * folders named for what is no DAG folder (NOT_DAG_FOLDERS): a repository's `tests/` and
 * `plugins/` hold Python files that name Airflow and DAGs too. Why it looks so, or null.
 */
async function insideDagFolder(
  dir: string,
  cwd: string,
  mightHoldDag: (source: string) => boolean,
  given: ReadonlySet<string> = new Set(),
): Promise<string | null> {
  const above: string[] = [];
  let top = existsSync(join(dir, ".git")) ? dir : null;
  for (let d = dir; top === null && dirname(d) !== d; ) {
    d = dirname(d);
    above.push(d);
    if (existsSync(join(d, ".git"))) top = d;
  }
  if (top === null) {
    // Outside a repository: up to the current folder, when `dir` is below it.
    const at = above.indexOf(cwd);
    if (at < 0) return null;
    above.splice(at + 1);
  }
  const dagFiles = async (folder: string) => {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith(".py")) continue;
      const text = await readFile(join(folder, name), "utf8").catch(() => "");
      if (mightHoldDag(text)) return true;
    }
    return false;
  };
  const shown = (folder: string) => toPosix(relative(cwd, folder)) || ".";
  let from = dir;
  for (const folder of above) {
    const isTop = folder === above.at(-1);
    if (basename(folder).toLowerCase() === "dags") return `${shown(folder)} above it is named dags`;
    if (existsSync(join(folder, IGNORE_FILE))) {
      return `${shown(folder)} above it has an ${IGNORE_FILE}`;
    }
    if (await dagFiles(folder)) return `${shown(folder)} above it holds DAG files`;
    if (!isTop) {
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const path = join(folder, e.name);
        if (
          !e.isDirectory() ||
          path === from ||
          given.has(path) ||
          e.name.startsWith(".") ||
          SKIP_DIRS.has(e.name) ||
          NOT_DAG_FOLDERS.has(e.name.toLowerCase())
        )
          continue;
        if (await dagFiles(path)) return `${shown(path)} beside it holds DAG files`;
      }
    }
    from = folder;
  }
  return null;
}
