import { existsSync } from "node:fs";
import { dirname as dirnameOf, join as joinPath, resolve as resolvePath } from "node:path";

/** Where the CLI writes and where it runs; tests pass their own to capture output. */
export interface CliIO {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function processIO(): CliIO {
  watchPipes();
  return {
    cwd: process.cwd(),
    stdout: (t) => {
      if (!gone.stdout) process.stdout.write(t);
    },
    stderr: (t) => {
      if (!gone.stderr) process.stderr.write(t);
    },
    env: process.env,
  };
}

/**
 * Whether the reader of stdout or stderr went away: `mlgen lint dags | head -5` closes the pipe
 * after five lines. The command still finishes and exits with its own code (1 when it found
 * errors, which `set -o pipefail` passes on), without writing more and without the EPIPE that
 * Node would otherwise throw, as an uncaught error, at the end of the output.
 */
const gone = { stdout: false, stderr: false };
let watching = false;

function watchPipes(): void {
  if (watching) return;
  watching = true;
  for (const name of ["stdout", "stderr"] as const) {
    process[name].on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
      gone[name] = true;
    });
  }
}

/** Expected failures: printed as they are, never with a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A flag's number of seconds (more than 0), or `fallback` when it is not given; else a usage error. */
export function secondsFlag(
  text: string | undefined,
  fallback: number,
  flag: string,
  command: string,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new CliError(`${command}: ${flag} ${text} is not a number of seconds`, 2);
  }
  return n;
}

/** The first three of `list`, then how many more: `a, b, c and 2 more`. */
export function firstFew(list: readonly string[]): string {
  return `${list.slice(0, 3).join(", ")}${list.length > 3 ? ` and ${list.length - 3} more` : ""}`;
}

/** Whether a path as given is a glob pattern (tinyglobby's syntax), to be expanded. */
export const isGlob = (path: string) => /[*?[{]/.test(path);

/**
 * The mlgen.config.ts that governs `cwd`: in it or in the nearest folder above, as ESLint, ruff
 * and Prettier find theirs, so a command run from a project's subfolder finds the project's;
 * the search stops at a repository's root (a folder holding `.git`). Null when there is none.
 */
export function findConfig(cwd: string): string | null {
  for (let dir = resolvePath(cwd); ; dir = dirnameOf(dir)) {
    const file = joinPath(dir, "mlgen.config.ts");
    if (existsSync(file)) return file;
    if (existsSync(joinPath(dir, ".git")) || dirnameOf(dir) === dir) return null;
  }
}

/** A path or argument as one shell word: quoted when it holds anything but safe characters. */
export function shellWord(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
