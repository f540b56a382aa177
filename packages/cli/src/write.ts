import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, posix, relative, resolve, sep } from "node:path";
import { CliError } from "./io.js";

export const MANIFEST = ".mlgen-manifest.json";

const toPosixPath = (p: string) => p.split(sep).join("/");

export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

export interface WritePlan {
  readonly write: readonly PlannedFile[];
  /** The paths of `write` that have no file now (deleted, or never written). */
  readonly missing: readonly string[];
  readonly unchanged: readonly string[];
  readonly remove: readonly string[];
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A file where a folder should be, or a folder where the file should be: not the file
    // wanted, and writing there fails and says so before anything is replaced.
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return null;
    // An output folder mlgen may not read (chmod 000): the user's to fix, not an internal error.
    if (code === "EACCES" || code === "EPERM") {
      throw new CliError(
        `mlgen: cannot read ${file}: permission denied (${code}); nothing was written\n  fix: give yourself read and write access to the output folder (chmod u+rwx), or write to another one (--out, or out in mlgen.config.ts)`,
      );
    }
    throw e;
  }
}

/**
 * What mlgen generated last time in `outDir`, from its manifest: the files, and the project
 * that wrote them (its root, relative to the folder; null in a manifest from before that).
 */
export async function previousManifest(
  outDir: string,
): Promise<{ files: string[]; project: string | null }> {
  const text = await readOrNull(join(outDir, MANIFEST));
  if (text === null) return { files: [], project: null };
  try {
    const parsed = JSON.parse(text) as { files?: unknown; project?: unknown };
    return {
      files: Array.isArray(parsed.files) ? parsed.files.filter((f) => typeof f === "string") : [],
      project: typeof parsed.project === "string" ? parsed.project : null,
    };
  } catch {
    return { files: [], project: null };
  }
}

/**
 * What two projects that share an Airflow need: a subfolder of one dags folder does not do, as
 * Airflow puts only the root of a dags folder (a DAG bundle) on sys.path, where generated DAGs
 * import their task modules from.
 */
const ONE_DAGS_FOLDER_EACH =
  "give each project an Airflow dags folder of its own (Airflow 3 reads several: a DAG bundle each, [dag_processor] dag_bundle_config_list); a subfolder of another project's does not do, as the modules at the root of a dags folder come first on sys.path; on Airflow 2, keep the pipelines in one mlgen project";

/**
 * The nearest folder above `outDir` (up to the repository's root) that holds the DAG files of
 * another mlgen project, by its manifest; null when there is none. DAGs compiled into such a
 * subfolder import their task modules (`from tasks.x import f`) from that folder, not their own:
 * ModuleNotFoundError when a task runs, or the other project's module of the same name (the root
 * of a dags folder comes first on sys.path; a DAG only appends its own folder).
 */
export function enclosingOutput(outDir: string, root: string): string | null {
  for (let dir = dirname(resolve(outDir)); ; dir = dirname(dir)) {
    const text = readIfThere(join(dir, MANIFEST));
    if (text !== null) {
      let owner: unknown = null;
      try {
        owner = (JSON.parse(text) as { project?: unknown }).project;
      } catch {}
      const project = toPosixPath(relative(dir, root)) || ".";
      if (owner !== project) return dir;
    }
    if (existsSync(join(dir, ".git")) || dirname(dir) === dir) return null;
  }
}

/** The refusal of an output folder inside another project's (enclosingOutput). */
export function nestedOutputError(outDir: string, enclosing: string, cwd: string): CliError {
  const shown = (p: string) => `${toPosixPath(relative(cwd, p)) || "."}/`;
  return new CliError(
    `mlgen: the output folder ${shown(outDir)} is inside ${shown(enclosing)}, where another mlgen project writes its DAGs (says its .mlgen-manifest.json): Airflow puts the root of a dags folder first on sys.path, so this project's DAGs would import their task modules from ${shown(enclosing)}, not their own folder (ModuleNotFoundError when a task runs, or the other project's module of the same name); nothing was written\n  fix: ${ONE_DAGS_FOLDER_EACH}`,
  );
}

/** A file's text, or null when it cannot be read (there is none). */
export function readIfThere(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * The manifest: the files written, and the project that wrote them, as the path from the output
 * folder to the project's root (the same on every clone of the repository).
 */
export function manifestContent(paths: readonly string[], project: string): string {
  const manifest = { generatedBy: "mlgen", project, files: [...paths].sort() };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Compares wanted files with the folder: what to write, what is current, what is stale. */
export async function planWrites(
  outDir: string,
  files: readonly PlannedFile[],
  options: {
    readonly prune?: boolean;
    readonly root: string;
    /** The output folder as messages name it (from the current folder); else its name. */
    readonly shown?: string;
  },
): Promise<WritePlan> {
  const project = toPosixPath(relative(outDir, options.root)) || ".";
  const shownOut = options.shown ?? basename(outDir);
  const { files: previous, project: owner } = await previousManifest(outDir);
  // Another project's output (two projects given one `out`): writing would remove its files as
  // stale, and it would remove these on its next compile.
  if (owner !== null && owner !== project) {
    throw new CliError(
      `mlgen: the output folder ${shownOut}/ holds the files of another mlgen project (${owner}, from this folder, says its .mlgen-manifest.json); this project (${project}) would remove them as stale; nothing was written\n  fix: ${ONE_DAGS_FOLDER_EACH}; if this folder was moved with its project, delete its .mlgen-manifest.json`,
    );
  }
  // Compiling some of the pipelines (files named on the command line) removes nothing: the
  // files of the others stay, and so do their manifest entries.
  const planned = new Set(files.map((f) => f.path));
  const kept =
    options.prune === false ? previous.filter((p) => !planned.has(p) && p !== MANIFEST) : [];
  const listed = [...files.map((f) => f.path), ...kept];
  const wanted = [...files, { path: MANIFEST, content: manifestContent(listed, project) }];
  const write: PlannedFile[] = [];
  const missing: string[] = [];
  const unchanged: string[] = [];
  const known = new Set(previous);
  const foreign: string[] = [];
  for (const f of wanted) {
    const existing = await readOrNull(join(outDir, f.path));
    if (existing === f.content) unchanged.push(f.path);
    else {
      // A file mlgen did not write (not in the manifest, no generated header) is the user's.
      if (
        existing !== null &&
        f.path !== MANIFEST &&
        !known.has(f.path) &&
        !isGenerated(existing)
      ) {
        foreign.push(f.path);
      }
      write.push(f);
      if (existing === null) missing.push(f.path);
    }
  }
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? ", ..." : "");
    throw new CliError(
      `mlgen: ${foreign.length} file${foreign.length === 1 ? "" : "s"} in the output folder ${shownOut}/ that mlgen did not generate (they are not in its manifest, .mlgen-manifest.json) would be overwritten: ${shown}; nothing was written\n  fix: move ${foreign.length === 1 ? "it" : "them"} out of the output folder or write to another one (out in mlgen.config.ts, or --out); if ${foreign.length === 1 ? "it is a copy" : "they are copies"} mlgen made before the manifest was lost, delete ${foreign.length === 1 ? "it" : "them"}`,
    );
  }
  const keep = new Set([...wanted.map((f) => f.path), ...kept]);
  const remove: string[] = [];
  for (const old of previous) {
    if (!keep.has(old) && !old.includes("..") && (await readOrNull(join(outDir, old))) !== null) {
      remove.push(old);
    }
  }
  return { write, missing, unchanged, remove };
}

const WHY: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a file is in the way where a folder is needed",
  EEXIST: "a file is in the way where a folder is needed",
  EISDIR: "it is a folder",
  // mkdir in a folder that takes no new entries (/proc, /sys), or a folder removed meanwhile.
  ENOENT: "its folder does not exist and cannot be made there",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exceeded",
  EROFS: "the file system is read-only",
};

/** A file-system failure while writing `path` as the user's error (exit 1), not mlgen's. */
export function writeError(e: unknown, path: string): Error {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const why = WHY[code];
  if (!why) return e as Error;
  return new CliError(
    `mlgen: cannot write ${path}: ${why} (${code})\n  fix: ${FIX[code] ?? "write to a folder you own (--out, or out in mlgen.config.ts), or fix what is in the way"}`,
  );
}

/** The fix of a write failure whose cause is no folder's owner nor anything in the way. */
const FIX: Readonly<Record<string, string>> = {
  ENOSPC:
    "free space on that disk (df -h shows how much each has) and run it again, or write to a folder on another disk (--out, or out in mlgen.config.ts)",
  EDQUOT:
    "free space within your disk quota (quota -s shows it) and run it again, or write to a folder outside it (--out, or out in mlgen.config.ts)",
  EROFS:
    "write to a folder on a file system mounted for writing (--out, or out in mlgen.config.ts)",
};

/**
 * Applies every plan, or none: each new file is first written beside its destination under a
 * temporary name, in every output folder; only when all of them are written are they renamed
 * into place (each folder's manifest last) and stale files removed. A failure while writing
 * (a read-only folder, a file where a folder should be, a full disk) removes the temporary files
 * and any folder made for them, so every output folder keeps its previous files.
 */
export async function applyPlans(
  plans: readonly { readonly out: string; readonly plan: WritePlan }[],
): Promise<void> {
  // Ctrl-C (or SIGTERM) while the files are staged: the staged files are removed and nothing
  // is written; once they are all staged, the renames finish first, so the folders hold either
  // the old files or the new, never some of each, nor temporary files.
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await stageAndRename(plans, () => interrupted);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (interrupted) {
    throw new CliError(
      `mlgen: interrupted (${interrupted}) after the files were written; they are complete`,
      interrupted === "SIGINT" ? 130 : 143,
    );
  }
}

async function stageAndRename(
  plans: readonly { readonly out: string; readonly plan: WritePlan }[],
  interrupted: () => NodeJS.Signals | null,
): Promise<void> {
  const staged: { tmp: string; file: string }[] = [];
  const made: string[] = [];
  let current = "";
  try {
    for (const { out, plan } of plans) {
      const ordered = [...plan.write].sort(
        (a, b) => Number(a.path === MANIFEST) - Number(b.path === MANIFEST),
      );
      for (const f of ordered) {
        current = join(out, f.path);
        const first = await makeDirs(dirname(current));
        if (first) made.push(first);
        // Renaming onto a folder fails only after the other files are in place: refuse it now.
        if ((await stat(current).catch(() => null))?.isDirectory()) {
          throw Object.assign(new Error(`${current} is a folder`), { code: "EISDIR" });
        }
        const tmp = tempPath(current);
        staged.push({ tmp, file: current });
        await writeFile(tmp, f.content, "utf8");
        const signal = interrupted();
        if (signal) throw new Interrupted(signal);
      }
    }
  } catch (e) {
    await Promise.all(staged.map(({ tmp }) => rm(tmp, { force: true }).catch(() => {})));
    for (const dir of made.reverse()) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
    if (e instanceof Interrupted) {
      throw new CliError(
        `mlgen: interrupted (${e.signal}); nothing was written`,
        e.signal === "SIGINT" ? 130 : 143,
      );
    }
    throw writeError(e, current);
  }
  for (const { tmp, file } of staged) {
    try {
      await rename(tmp, file);
    } catch (e) {
      await Promise.all(staged.map(({ tmp }) => rm(tmp, { force: true })));
      throw writeError(e, file);
    }
  }
  for (const { out, plan } of plans) {
    for (const path of plan.remove) {
      await rm(join(out, path), { force: true });
      // The folders the file was the last one of (a task module's folder that no task uses
      // any more) go too; rmdir refuses a folder that still holds something, which stays.
      for (let dir = posix.dirname(path); dir !== "." && dir !== "/"; dir = posix.dirname(dir)) {
        if (
          !(await rmdir(join(out, dir)).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    }
  }
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/**
 * `mkdir -p`: makes `dir` and the missing folders above it, and returns the first one it made
 * (to remove on failure). Not Node's `mkdir(dir, { recursive: true })`, which never returns
 * when a folder above answers ENOENT although it exists (`--out /proc/x` on Linux hung).
 */
export async function makeDirs(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  let at = dir;
  let found = await stat(at).catch(() => null);
  while (!found && dirname(at) !== at) {
    missing.push(at);
    at = dirname(at);
    found = await stat(at).catch(() => null);
  }
  if (found && !found.isDirectory()) {
    throw Object.assign(new Error(`${at} is not a folder`), { code: "ENOTDIR" });
  }
  let first: string | undefined;
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
      first ??= d;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  return first;
}

/** A hidden temporary name beside `file`, on the same file system, so a rename is atomic. */
const tempPath = (file: string) =>
  join(dirname(file), `.${randomBytes(6).toString("hex")}.mlgen.tmp`);

/** Temp file in the same folder, then rename: readers see the old file or the new, never half. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  await makeDirs(dirname(file));
  const tmp = tempPath(file);
  try {
    await writeFile(tmp, content, "utf8");
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Whether a file carries mlgen's header: on the first line, or after the kfp header block a
 * PipelineSpec YAML starts with (`# PIPELINE DEFINITION`, then `#` comment lines).
 */
function isGenerated(text: string): boolean {
  return (
    text.startsWith("# Generated by mlgen") ||
    /^# PIPELINE DEFINITION\n(?:#[^\n]*\n)*?# Generated by mlgen/.test(text)
  );
}
