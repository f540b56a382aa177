/** Where the CLI writes and where it runs; tests pass their own to capture output. */
export interface CliIO {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  };
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
