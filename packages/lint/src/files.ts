import { existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isAbsolute, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import { compareFindings, type Finding, type Span } from "./finding.js";
import {
  type AcrossFiles,
  findingsAcrossFiles,
  type LintOptions,
  lintPythonDag,
  type SharedDefaults,
  UNKNOWN_FILE,
} from "./lint.js";
import { ProjectModules } from "./modules.js";
import { loadPythonSyntaxCheck } from "./python/syntax.js";
import type { TemplateFiles } from "./python/templates.js";

/** A DAG file to lint: `file` is the name findings carry, `path` where to read it. */
export interface PythonFile {
  readonly file: string;
  readonly path: string;
  /**
   * The DAG folder it is in (Airflow's `dags_folder`), whose sys.path (the folder, and the
   * plugins and config folders beside it) its imports of the project's modules are looked up
   * in; unset, the nearest folder at or above the file's that holds the module's package.
   */
  readonly dagFolder?: string;
}

/** One file's findings, and its text when there are any (for code frames and suppressions). */
export interface LintedFile {
  readonly file: string;
  readonly findings: Finding[];
  readonly source: string | null;
  /** The template files its tasks name that have findings, by name: their texts. */
  readonly templateSources?: ReadonlyMap<string, string>;
  /** The names of every template file its tasks name that it read, findings or not. */
  readonly templatesRead?: readonly string[];
  /** Linted before tree-sitter-python was loaded, and it has a file to judge: lint again. */
  readonly syntaxUnchecked: boolean;
  /** Why the analysis failed on this file (its findings are missing); the others go on. */
  readonly failure?: string;
  /** The file could not be read (permissions, removed meanwhile): `failure` says why. */
  readonly unreadable?: boolean;
  /** What the checks across files need of it (DAG ids, schedules, sensors), when it has any. */
  readonly across?: AcrossFiles;
  /**
   * The default_args its DAGs take from a module of the project that lint could not read, each
   * at its line with why (`DEFAULT_ARGS from common.defaults, for DAG 'etl': ...`): what depends
   * on them is held back. Those it reads are judged as the file's own.
   */
  readonly sharedDefaults?: readonly SharedDefaults[];
}

/** What a worker is sent: the files of one chunk. */
export type WorkerRequest = readonly PythonFile[];
/** What a worker answers: the chunk's results, in its order, or why it failed. */
export type WorkerReply = { readonly linted: LintedFile[] } | { readonly error: string };

/**
 * Below this many files, threads cost more than they save: a worker spends about 0.1 s of CPU
 * loading the linter and the parser tables, then lints its first files with a cold JIT.
 */
const PARALLEL_MIN_FILES = 64;
/** Files per message: large enough to make messaging negligible, small enough to balance. */
const CHUNK = 8;
/** Chunks a worker holds, so it never waits for the main thread, which lints between replies. */
const IN_FLIGHT = 2;
/** The worker is the built module next to this one; run from source (tests), there is none. */
const WORKER = new URL("./worker.js", import.meta.url);

/**
 * Airflow's might_contain_dag_via_default_heuristic: the file's bytes, lowercased (ASCII only),
 * hold "airflow" and "dag" or "asset".
 */
const MIGHT_HOLD_DAG = {
  airflow: /[aA][iI][rR][fF][lL][oO][wW]/,
  dagOrAsset: /[dD][aA][gG]|[aA][sS][sS][eE][tT]/,
};

/**
 * Whether Airflow parses a file of this text as a DAG file (MIGHT_HOLD_DAG), asking the plain
 * spellings first (indexOf beats a regex over the file).
 */
export function mightHoldDag(source: string): boolean {
  const airflow = source.includes("airflow") || MIGHT_HOLD_DAG.airflow.test(source);
  return (
    airflow &&
    (source.includes("dag") ||
      source.includes("DAG") ||
      source.includes("asset") ||
      MIGHT_HOLD_DAG.dagOrAsset.test(source))
  );
}

/** Whether the file starts with a UTF-8 byte order mark. */
const hasBom = (bytes: Buffer) => bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

/** The encoding a `# -*- coding: latin-1 -*-` line (PEP 263) in the first two lines names. */
function codingCookie(bytes: Buffer): string | null {
  const head = bytes
    .subarray(hasBom(bytes) ? 3 : 0, 512)
    .toString("latin1")
    .split(/\r\n|\r|\n/, 2);
  for (const line of head) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(line);
    if (m) return (m[1] as string).toLowerCase().replace(/_/g, "-");
    // Only a comment or blank line may come before the cookie's line.
    if (!/^[ \t\f]*(#.*)?$/.test(line)) return null;
  }
  return null;
}

/**
 * The codec a coding line names, as Python's tokenizer takes it (get_normal_name, then the
 * codec's aliases): "utf-8", "latin-1" (ISO-8859-1 exactly, not the WHATWG label's
 * windows-1252), "ascii", or the name for TextDecoder.
 */
function pythonCodec(cookie: string): string {
  const enc = cookie.slice(0, 12).toLowerCase().replace(/_/g, "-");
  if (enc === "utf-8" || enc.startsWith("utf-8-")) return "utf-8";
  if (/^(latin-1|iso-8859-1|iso-latin-1)(-|$)/.test(enc)) return "latin-1";
  const alias = cookie.toLowerCase().replace(/[-\s]/g, "_");
  if (/^(utf8|u8|utf|utf8_ucs2|utf8_ucs4|cp65001)$/.test(alias)) return "utf-8";
  if (
    /^(latin|latin1|latin_1|l1|iso8859_1|iso_8859_1|8859|cp819|iso_ir_100|csisolatin1)$/.test(alias)
  ) {
    return "latin-1";
  }
  if (/^(ascii|us_ascii|646|us|ansi_x3\.4_1968|iso646_us)$/.test(alias)) return "ascii";
  return cookie;
}

/**
 * A Python file's text as Python reads it: UTF-8 unless a coding line names another encoding;
 * bytes that do not decode are the syntax error Python (and so Airflow) stops at.
 */
function decodePython(bytes: Buffer): {
  source: string;
  undecodable: { readonly span: Span; readonly detail: string } | null;
} {
  const source = bytes.toString("utf8");
  const cookie = codingCookie(bytes);
  const codec = cookie === null ? "utf-8" : pythonCodec(cookie);
  if (codec !== "utf-8" && hasBom(bytes)) {
    return {
      source,
      undecodable: notDecoded(bytes, 0, `encoding problem: ${cookie} with BOM`),
    };
  }
  if (codec === "latin-1") return { source: bytes.toString("latin1"), undecodable: null };
  if (codec === "ascii") {
    const bad = bytes.findIndex((b) => b >= 0x80);
    if (bad < 0) return { source, undecodable: null };
    const hex = (bytes[bad] as number).toString(16);
    return {
      source,
      undecodable: notDecoded(
        bytes,
        bad,
        `byte 0x${hex} is not ASCII, the encoding the coding line names`,
      ),
    };
  }
  if (codec !== "utf-8") {
    try {
      return { source: new TextDecoder(codec).decode(bytes), undecodable: null };
    } catch {
      // A codec Python may know and TextDecoder does not: read the bytes one by one.
      return { source: bytes.toString("latin1"), undecodable: null };
    }
  }
  if (!source.includes("\uFFFD")) return { source, undecodable: null };
  // A U+FFFD written as such (EF BF BD) is text; another is a byte that is not UTF-8.
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { source, undecodable: null };
  const hex = (bytes[bad] as number).toString(16).padStart(2, "0");
  return {
    source,
    undecodable: notDecoded(
      bytes,
      bad,
      `byte 0x${hex} is not UTF-8 and no coding line (# -*- coding: latin-1 -*-) names the file's encoding, so Python cannot read it`,
    ),
  };
}

function notDecoded(bytes: Buffer, at: number, detail: string) {
  const before = bytes.subarray(0, at).toString("utf8");
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return { span: { line, column, endLine: line, endColumn: column + 1 }, detail };
}

/** The offset of the first byte that is not part of valid UTF-8, or -1. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number;
    const n =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
    }
    // Overlong 3- and 4-byte forms, surrogates and code points past U+10FFFF.
    const d1 = b[i + 1] as number;
    if (
      (c === 0xe0 && d1 < 0xa0) ||
      (c === 0xed && d1 > 0x9f) ||
      (c === 0xf0 && d1 < 0x90) ||
      (c === 0xf4 && d1 > 0x8f)
    ) {
      return i;
    }
    i += n + 1;
  }
  return -1;
}

/** Why a path that is a link cannot be read: what it points at is missing; null otherwise. */
function brokenLink(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink()
      ? `it is a link to ${readlinkSync(path)}, which does not exist`
      : null;
  } catch {
    return null;
  }
}

/** A file's text, or null when it cannot be read (missing, a folder, no permission). */
function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/**
 * Template files as Airflow's Jinja loader finds them for a DAG file: in the DAG file's folder,
 * then in each `template_searchpath` entry. A relative entry is relative to the folder Airflow
 * runs in, which the linter does not know: it is not looked in.
 */
export function templateFilesOf(f: PythonFile): TemplateFiles {
  const cut = Math.max(f.path.lastIndexOf("/"), f.path.lastIndexOf("\\"));
  const dir = cut < 0 ? "." : f.path.slice(0, cut) || "/";
  const shownDir = posix.dirname(f.file.replace(/\\/g, "/"));
  // Where `file` is named from (the CLI names files from its working folder): a file found
  // through an absolute search path entry is named from there too when it is below it.
  const base = f.path.endsWith(f.file) ? f.path.slice(0, f.path.length - f.file.length) : null;
  return {
    find(name, searchpath) {
      const here = readText(join(dir, name));
      if (here !== null) return { file: posix.join(shownDir, name), text: here };
      for (const entry of searchpath) {
        if (typeof entry !== "string") {
          const beside = readText(join(dir, entry.besideDag, name));
          if (beside !== null) {
            return { file: posix.join(shownDir, entry.besideDag, name), text: beside };
          }
          continue;
        }
        if (!isAbsolute(entry)) continue;
        const path = join(entry, name);
        const text = readText(path);
        if (text === null) continue;
        const below = base && isAbsolute(base) ? relative(base, path) : null;
        const shown = below && !below.startsWith("..") && !isAbsolute(below) ? below : path;
        return { file: shown.replace(/\\/g, "/"), text };
      }
      return null;
    },
  };
}

/** A module of the project as Python reads it (decodePython), or null. */
function readModule(path: string): string | null {
  try {
    const { source, undecodable } = decodePython(readFileSync(path));
    return undecodable ? null : source;
  } catch {
    return null;
  }
}

/** The modules of the project one run reads (each at most once), for lintPythonFile. */
export const projectModules = () => new ProjectModules(readModule);

/**
 * Reads and lints one file; synchronous, so no thread idles between files. `modules`: the
 * run's, so that a module many DAG files import dicts from is read once (a new one otherwise).
 */
export function lintPythonFile(
  f: PythonFile,
  options: LintOptions,
  modules: ProjectModules = projectModules(),
): LintedFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(f.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "ENOENT"
          ? (brokenLink(f.path) ?? "it no longer exists")
          : (e as Error).message;
    return {
      file: f.file,
      findings: [],
      source: null,
      syntaxUnchecked: false,
      failure: `cannot read it: ${why}`,
      unreadable: true,
    };
  }
  const { source, undecodable } = decodePython(bytes);
  // Airflow parses only files that may hold a DAG (dag_discovery_safe_mode, on by default): a
  // helper module or script beside the DAGs is never imported as one, so it has no findings.
  if (!mightHoldDag(source)) {
    return { file: f.file, findings: [], source: null, syntaxUnchecked: false };
  }
  try {
    const { findings, syntaxUnchecked, templateSources, templatesRead, across, sharedDefaults } =
      lintPythonDag(f.file, source, options, undecodable, templateFilesOf(f), modules.lookupFor(f));
    return {
      file: f.file,
      findings,
      source: findings.some((x) => x.file === f.file) ? source : null,
      ...(templateSources.size > 0 ? { templateSources } : {}),
      ...(templatesRead.length > 0 ? { templatesRead } : {}),
      ...(sharedDefaults.length > 0 ? { sharedDefaults } : {}),
      ...(across.dagIds.length +
        across.ids.length +
        across.waits.length +
        across.taskRefs.length +
        across.params.length +
        across.triggers.length +
        across.definedIds.length +
        across.dagRefs.length >
        0 || across.idsHidden
        ? { across }
        : {}),
      syntaxUnchecked,
    };
  } catch (e) {
    // One file the analysis cannot take fails alone: the run goes on with the others.
    const failure =
      e instanceof RangeError && /call stack/i.test(e.message)
        ? "its expressions nest deeper than the analysis can follow"
        : e instanceof Error
          ? e.message
          : String(e);
    return { file: f.file, findings: [], source: null, syntaxUnchecked: false, failure };
  }
}

/**
 * Worker threads worth starting for `count` files: none for few files, else one per CPU beyond
 * two. A linting thread keeps about 1.4 CPUs busy, V8's concurrent garbage collection and
 * optimizing compiler taking the rest; on 2 CPUs a worker made `mlgen lint` of 1,000 files about
 * 7 % slower (two isolates' background work, and the JIT warmed up twice, on the one spare CPU).
 */
function defaultWorkers(count: number): number {
  if (count < PARALLEL_MIN_FILES) return 0;
  return Math.max(0, Math.min(availableParallelism() - 2, Math.floor(count / PARALLEL_MIN_FILES)));
}

/**
 * Reads and lints DAG files, on several CPUs when there are enough of them (`workers`: threads
 * to start besides this one). Results come back in the order of `files`, whatever thread linted
 * each, so the output is the same as a one-thread run.
 */
export async function lintPythonFiles(
  files: readonly PythonFile[],
  options: LintOptions = {},
  workers = defaultWorkers(files.length),
): Promise<LintedFile[]> {
  const modules = projectModules();
  const results = await lintAll(files, options, workers, modules);
  // The rare file the fast parser declined: tree-sitter-python, loaded now, judges its syntax.
  const unchecked = results.flatMap((r, i) => (r.syntaxUnchecked ? [i] : []));
  if (unchecked.length > 0) {
    await loadPythonSyntaxCheck();
    for (const i of unchecked) {
      results[i] = lintPythonFile(files[i] as PythonFile, options, modules);
    }
  }
  // What only the files together show: a DAG id that two of them define, a sensor waiting for
  // another file's DAG at dates it never runs at, a trigger naming a DAG none of them defines.
  findingsAcrossFiles(
    results.map((r) => (r.failure ? UNKNOWN_FILE : r.across)),
    options.dagFolder,
  ).forEach((found, i) => {
    const r = results[i] as LintedFile;
    if (found.length === 0) return;
    // The file's text, for code frames, when it had no finding of its own until now.
    let source = r.source;
    try {
      source ??= decodePython(readFileSync((files[i] as PythonFile).path)).source;
    } catch {
      // Removed since it was linted: its findings are shown without code.
    }
    results[i] = { ...r, findings: [...r.findings, ...found].sort(compareFindings), source };
  });
  return results;
}

async function lintAll(
  files: readonly PythonFile[],
  options: LintOptions,
  workers: number,
  modules: ProjectModules,
): Promise<LintedFile[]> {
  if (workers === 0 || !existsSync(fileURLToPath(WORKER))) {
    return files.map((f) => lintPythonFile(f, options, modules));
  }
  const { Worker } = await import("node:worker_threads");
  const results: LintedFile[] = new Array(files.length);
  let next = 0;
  const take = (): [number, number] | null => {
    if (next >= files.length) return null;
    const start = next;
    next = Math.min(files.length, next + CHUNK);
    return [start, next];
  };
  const pool: Worker[] = [];
  try {
    const done = Promise.all(
      Array.from({ length: workers }, () => {
        // None of the parent's flags (`--import tsx`, `--conditions`): the built linter alone.
        const worker = new Worker(WORKER, { workerData: options, execArgv: [] });
        pool.push(worker);
        return runWorker(worker, files, results, take);
      }),
    );
    // Handled below; until then, a failing worker must not count as an unhandled rejection.
    done.catch(() => {});
    // The main thread lints too, a chunk at a time, yielding so replies get new chunks promptly.
    for (let chunk = take(); chunk; chunk = take()) {
      for (let i = chunk[0]; i < chunk[1]; i++) {
        results[i] = lintPythonFile(files[i] as PythonFile, options, modules);
      }
      await new Promise(setImmediate);
    }
    await done;
  } finally {
    for (const worker of pool) void worker.terminate();
  }
  return results;
}

/** Feeds one worker chunks until there are none left; resolves when its last reply is in. */
function runWorker(
  worker: Worker,
  files: readonly PythonFile[],
  results: LintedFile[],
  take: () => [number, number] | null,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sent: [number, number][] = [];
    const send = () => {
      const chunk = take();
      if (!chunk) return;
      sent.push(chunk);
      worker.postMessage(files.slice(chunk[0], chunk[1]) satisfies WorkerRequest);
    };
    worker.on("message", (reply: WorkerReply) => {
      if ("error" in reply) return reject(new Error(reply.error));
      const [start] = sent.shift() as [number, number];
      reply.linted.forEach((r, k) => {
        results[start + k] = r;
      });
      send();
      if (sent.length === 0) resolve();
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (sent.length > 0) reject(new Error(`a lint worker stopped (exit code ${code})`));
    });
    for (let k = 0; k < IN_FLIGHT; k++) send();
    if (sent.length === 0) resolve();
  });
}
