import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { CliError, type CliIO, processIO } from "./io.js";

export function version(): string {
  const pkg = createRequire(import.meta.url)("../package.json") as { version: string };
  return pkg.version;
}

/** Runs the CLI and returns its exit code; never calls process.exit, so tests call it directly. */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = new Command("mlgen")
    .description("Define ML pipelines once in typed TypeScript; compile them to Airflow DAGs.")
    .version(version(), "-v, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run `mlgen --help` for usage)");

  program
    .command("compile")
    .description("compile pipelines into the target's files (Airflow DAGs by default)")
    .argument("[pipelines...]", "pipeline modules (default: the pipelines in mlgen.config.ts)")
    .option("-c, --config <file>", "config file (default: mlgen.config.ts)")
    .option("-o, --out <dir>", "output folder (default from config, else dags)")
    .option("-t, --target <name>", "target: airflow")
    .option("--root <dir>", "folder that task module paths are relative to")
    .option("--check", "write nothing; exit 1 and list stale files when the output is out of date")
    .action(async (files: string[], options) => {
      const { compileCommand } = await import("./commands/compile.js");
      exitCode = await compileCommand(io, files, options);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    // A bug in mlgen, not in the user's input: say so, and show the stack only on request.
    const detail = io.env.MLGEN_DEBUG
      ? String((e as Error).stack)
      : String((e as Error).message ?? e);
    io.stderr(
      `mlgen: internal error: ${detail}\n(set MLGEN_DEBUG=1 for a stack trace and report it)\n`,
    );
    return 2;
  }
}
