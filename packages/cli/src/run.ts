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
    .option("-t, --target <name>", "target: airflow (default), kubeflow, or all")
    .option("--root <dir>", "folder that task module paths are relative to")
    .option(
      "--airflow-version <major>",
      "Airflow to emit for: 3 (default) or 2 (2.10 and 2.11); overrides the config",
    )
    .option("--check", "write nothing; exit 1 and list stale files when the output is out of date")
    .option("--strict", "fail on warnings too (e.g. what a target can only approximate)")
    .action(async (files: string[], options) => {
      const { compileCommand } = await import("./commands/compile.js");
      exitCode = await compileCommand(io, files, options);
    });

  const airflow = program
    .command("airflow")
    .description(
      "talk to an Airflow 3 server (settings from flags or MLGEN_AIRFLOW_URL/_USER/_PASSWORD/_TOKEN)",
    );
  const connection = (c: Command) =>
    c
      .option("--url <url>", "server root, e.g. http://localhost:8080")
      .option("--user <name>", "user for POST /auth/token")
      .option("--password <password>", "password (prefer MLGEN_AIRFLOW_PASSWORD)")
      .option("--token <token>", "a bearer token instead of user and password")
      .option("--json", "print JSON instead of a table");
  connection(
    airflow
      .command("trigger")
      .description("trigger a DAG run; with --wait, show progress and exit 1 unless it succeeds")
      .argument("<dag>", "DAG id")
      .option("--conf <json>", "run configuration, a JSON object")
      .option("--run-id <id>", "run id (makes the trigger safe to retry)")
      .option("--wait", "wait until the run finishes")
      .option("--timeout <seconds>", "give up waiting after this long (default 3600)"),
  ).action(async (dag: string, options) => {
    const { triggerCommand } = await import("./commands/airflow.js");
    exitCode = await triggerCommand(io, dag, options);
  });
  connection(
    airflow
      .command("status")
      .description("a DAG run's state and its task instances (the latest run by default)")
      .argument("<dag>", "DAG id")
      .argument("[run]", "run id"),
  ).action(async (dag: string, runId: string | undefined, options) => {
    const { statusCommand } = await import("./commands/airflow.js");
    exitCode = await statusCommand(io, dag, runId, options);
  });
  connection(
    airflow
      .command("errors")
      .description("DAG files that fail to import; exit 1 when there are any"),
  ).action(async (options) => {
    const { errorsCommand } = await import("./commands/airflow.js");
    exitCode = await errorsCommand(io, options);
  });

  program
    .command("lint")
    .description("lint DSL pipelines (default: those in mlgen.config.ts) and Airflow DAG files")
    .argument("[paths...]", ".py DAG files or folders, or pipeline modules")
    .option("-c, --config <file>", "config file (default: mlgen.config.ts, when present)")
    .option("-f, --format <format>", "text (default), json or sarif")
    .option("--max-warnings <n>", "exit 1 when there are more warnings than this")
    .action(async (paths: string[], options) => {
      const { lintCommand } = await import("./commands/lint.js");
      exitCode = await lintCommand(io, paths, options);
    });

  (await import("./commands/mlflow.js")).registerMlflow(program, io, (c) => (exitCode = c));

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    // The server said no, or never answered: the client's message names method, path and detail.
    if (e instanceof Error && (e.name === "AirflowApiError" || e.name === "AirflowRequestError")) {
      io.stderr(`mlgen: ${e.message}\n`);
      return 1;
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
