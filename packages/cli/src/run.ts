import { createRequire } from "node:module";
import { diagnostic, formatDiagnostic } from "@mlgen/core/light";
import type { Command } from "commander";
import type { LintCommandOptions } from "./commands/lint.js";
import { CliError, type CliIO, processIO } from "./io.js";
import { errorMessage, uncaughtOrigin } from "./load.js";

export function version(): string {
  const pkg = createRequire(import.meta.url)("../package.json") as { version: string };
  return pkg.version;
}

const LINT_OPTIONS: Readonly<Record<string, keyof LintCommandOptions>> = {
  "-c": "config",
  "--config": "config",
  "-f": "format",
  "--format": "format",
  "--max-warnings": "maxWarnings",
};

/**
 * `mlgen lint` arguments read without commander, or null for anything but plain paths and the
 * lint options with separate or `=` values (help, `--`, unknown options, values that look like
 * options): those go through commander, which reports and explains them. A pre-commit hook
 * runs `mlgen lint <files>` on every commit, and loading commander and setting up every command
 * costs 20–30 ms of a run that should take well under 300 ms.
 */
export function plainLintArgs(
  args: readonly string[],
): { paths: string[]; options: LintCommandOptions } | null {
  const paths: string[] = [];
  const options: { -readonly [K in keyof LintCommandOptions]?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-")) {
      paths.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const key = LINT_OPTIONS[eq === -1 ? arg : arg.slice(0, eq)];
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (key === undefined || value === undefined || value.startsWith("-")) return null;
    options[key] = value;
  }
  return { paths, options };
}

/** Runs the CLI and returns its exit code; never calls process.exit, so tests call it directly. */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let commander: typeof import("commander") | undefined;
  try {
    const lint = argv[0] === "lint" ? plainLintArgs(argv.slice(1)) : null;
    if (lint) {
      const { lintCommand } = await import("./commands/lint.js");
      return await lintCommand(io, lint.paths, lint.options);
    }
    commander = await import("commander");
    return await runProgram(commander, argv, io);
  } catch (e) {
    // Help and --version end with 0; anything else commander refuses (an unknown option, a
    // missing value or argument) is a usage error: 2, never 1, which means findings or errors.
    if (commander && e instanceof commander.CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    // The server said no, or never answered: the client's message names method, path and detail.
    // (AirflowDagRunExistsError is an AirflowApiError: a trigger's 409, said with the fix.)
    if (
      e instanceof Error &&
      [
        "AirflowApiError",
        "AirflowDagRunExistsError",
        "AirflowMappedTaskError",
        "AirflowRequestError",
      ].includes(e.name)
    ) {
      const status = (e as { status?: unknown }).status;
      io.stderr(`mlgen: ${e.message}\n${status === 403 ? `  fix: ${AIRFLOW_FORBIDDEN}\n` : ""}`);
      return 1;
    }
    // A wait that ran out of time, or whose polls kept failing: the run's answer, or the
    // server's, not a fault of mlgen's.
    if (
      e instanceof Error &&
      (e.name === "AirflowWaitTimeoutError" || e.name === "AirflowWaitError")
    ) {
      io.stderr(`mlgen: ${e.message}\n`);
      return 1;
    }
    if (e instanceof Error && e.name === "AirflowConfigError") {
      io.stderr(`mlgen: ${e.message}\n`);
      return 2;
    }
    io.stderr(internalError(e, io));
    return 2;
  }
}

/** What a 403 from Airflow means: the user logged in, and its role does not allow the call. */
const AIRFLOW_FORBIDDEN =
  "the user is logged in but its role does not allow this (Airflow's simple auth manager: viewer reads DAGs and runs, user also triggers, pauses and clears, op also manages variables and pools, admin everything); use a user whose role does, or ask an admin to change the role";

/** A bug in mlgen, not in the user's input: say so, and show the stack only on request. */
function internalError(e: unknown, io: CliIO): string {
  const detail = io.env.MLGEN_DEBUG
    ? String((e as Error).stack)
    : String((e as Error).message ?? e);
  return `mlgen: internal error: ${detail}\n(set MLGEN_DEBUG=1 for a stack trace and report it)\n`;
}

/**
 * Errors that no command awaited: a pipeline or config module's promise rejected after the
 * module had loaded, or its timer threw. Node would print its crash report; this names the
 * user's file and line instead, and exits 1.
 */
export function exitOnUncaught(io: CliIO = processIO()): void {
  const handle = (how: string) => (error: unknown) => {
    const internal = uncaughtOrigin(error, io.cwd) === "mlgen";
    io.stderr(uncaughtMessage(error, how, io));
    process.exit(internal ? 2 : 1);
  };
  process.on("uncaughtException", handle("a callback or timer of it threw"));
  process.on("unhandledRejection", handle("a promise it did not await was rejected"));
}

/**
 * The message for an error no command awaited: at the user's line; without a place when the
 * stack names no file (a rejected string, a failed `fetch`); an internal error when it runs
 * through mlgen's code only.
 */
export function uncaughtMessage(error: unknown, how: string, io: CliIO): string {
  const origin = uncaughtOrigin(error, io.cwd);
  if (origin === "mlgen") return internalError(error, io);
  const file = origin === "unknown" ? "a pipeline or config module" : origin.at.file;
  const d = diagnostic(
    "MLG1021",
    { file, how, reason: errorMessage(error) },
    origin === "unknown" ? {} : { location: origin.at },
  );
  return `${formatDiagnostic(d)}\n`;
}

async function runProgram(
  commander: typeof import("commander"),
  argv: readonly string[],
  io: CliIO,
): Promise<number> {
  let exitCode = 0;
  const program = new commander.Command("mlgen")
    .description(
      "Define ML pipelines once in typed TypeScript; compile them to Airflow DAGs and Kubeflow Pipelines YAML.",
    )
    .version(version(), "-v, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run `mlgen --help` for usage)");

  program
    .command("compile")
    .description("compile pipelines into the target's files (Airflow DAGs by default)")
    .argument("[pipelines...]", "pipeline modules (default: the pipelines in mlgen.config.ts)")
    .option(
      "-c, --config <file>",
      "config file (default: mlgen.config.ts here or in the nearest folder above)",
    )
    .option("-o, --out <dir>", "output folder (default from config, else dags)")
    .option("-t, --target <name>", "target: airflow (default), kubeflow, or all")
    .option("--root <dir>", "folder that task module paths are relative to")
    .option(
      "--airflow-version <major>",
      "Airflow to emit for: 3 (default) or 2 (2.10 and 2.11); overrides the config",
    )
    .option(
      "--check",
      "write nothing; exit 1 and list stale files when the output is out of date, 2 when the pipelines do not compile",
    )
    .option("--strict", "fail on warnings too (e.g. what a target can only approximate)")
    .option(
      "-w, --watch",
      "compile again on every change until Ctrl-C; a broken save keeps the outputs",
    )
    .action(async (files: string[], { watch, ...options }) => {
      if (watch) {
        const { watchCommand } = await import("./commands/watch.js");
        exitCode = await watchCommand(io, files, options);
        return;
      }
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
      .option(
        "--logical-date <date>",
        "the run's logical date, an ISO date-time, or 'none' (default: now, as the Airflow UI sets it; a run without one has no ds, ts or data interval)",
      )
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
      .argument("[run]", "run id")
      .option("--exit-status", "exit 1 unless the run succeeded (failed, queued or still running)"),
  ).action(async (dag: string, runId: string | undefined, options) => {
    const { statusCommand } = await import("./commands/airflow.js");
    exitCode = await statusCommand(io, dag, runId, options);
  });
  connection(
    airflow
      .command("logs")
      .description("a task instance's log, its traceback last (the latest run and try by default)")
      .argument("<dag>", "DAG id")
      .argument("<task>", "task id")
      .argument("[run]", "run id")
      .option("--try <n>", "the try to read, 1 for the first (default: the latest)")
      .option("--map-index <i>", "of a mapped task"),
  ).action(async (dag: string, task: string, runId: string | undefined, options) => {
    const { logsCommand } = await import("./commands/airflow.js");
    exitCode = await logsCommand(io, dag, task, runId, options);
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
    .command("init")
    .description("create an mlgen project: config, a sample pipeline, tasks, pre-commit and CI")
    .argument("[dir]", "folder to create it in (default: the current folder)")
    .option("--name <name>", "pipeline name (default: from the folder name)")
    .option("-t, --target <name>", "airflow (default), kubeflow, or all")
    .option("--force", "replace files that already exist")
    .option("-y, --yes", "accept the defaults without asking (asks only on a terminal)")
    .action(async (dir: string | undefined, options) => {
      const { initCommand } = await import("./commands/init.js");
      exitCode = await initCommand(io, dir, options);
    });

  program
    .command("graph")
    .description(
      "print a pipeline's task graph as Mermaid, Graphviz DOT or a self-contained HTML page",
    )
    .argument("[pipeline]", "pipeline id (default: the project's only pipeline)")
    .option(
      "-c, --config <file>",
      "config file (default: mlgen.config.ts here or in the nearest folder above)",
    )
    .option("-f, --format <format>", "mermaid (default), dot, or html (one self-contained page)")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .option("--root <dir>", "folder that task module paths are relative to")
    .action(async (pipeline: string | undefined, options) => {
      const { graphCommand } = await import("./commands/graph.js");
      exitCode = await graphCommand(io, pipeline, options);
    });

  program
    .command("lint")
    .description("lint DSL pipelines (default: those in mlgen.config.ts) and Airflow DAG files")
    .argument(
      "[paths...]",
      ".py DAG files or folders, pipeline modules, or template files tasks read (.sql, .hql, .sh: linted through the DAG files that read them)",
    )
    .option(
      "-c, --config <file>",
      "config file (default: mlgen.config.ts here or in the nearest folder above; without one, the one nearest above the paths given)",
    )
    .option("-f, --format <format>", "text (default), json or sarif")
    .option("--max-warnings <n>", "exit 1 when there are more warnings than this")
    .action(async (paths: string[], options) => {
      const { lintCommand } = await import("./commands/lint.js");
      exitCode = await lintCommand(io, paths, options);
    });

  const dev = program
    .command("dev")
    .description(
      "a local Airflow 3 + MLflow on 127.0.0.1, no Docker: up, status, run <pipeline>, down",
    );
  dev
    .command("up")
    .description(
      "install the pinned Airflow and MLflow into a managed venv (once), compile, start both servers",
    )
    .option("-c, --config <file>", "config file (default: mlgen.config.ts)")
    .option("--airflow-port <port>", "Airflow's port (default 8080)")
    .option("--mlflow-port <port>", "MLflow's port (default 5000)")
    .option("--venv <dir>", "the managed venv (default: ~/.cache/mlgen/dev-venv-<lock hash>)")
    .option(
      "--python <python>",
      "Python to build the venv with (default: the first of python3.11, python3.12, python3.10, python3 that is 3.10-3.13)",
    )
    .option("--requirements <file>", "your tasks' pip requirements, installed into the venv too")
    .option("--timeout <seconds>", "how long to wait for both servers to be healthy (default 240)")
    .action(async (options) => {
      const { upCommand } = await import("./dev/stack.js");
      exitCode = await upCommand(io, options);
    });
  dev
    .command("status")
    .description("each server process and its health; exit 1 unless all are healthy")
    .option("-c, --config <file>", "config file (default: mlgen.config.ts)")
    .option("--json", "print JSON")
    .action(async (options) => {
      const { statusCommand } = await import("./dev/stack.js");
      exitCode = await statusCommand(io, options);
    });
  dev
    .command("run")
    .description(
      "compile, trigger a pipeline on the dev stack, show its tasks, print its MLflow metrics",
    )
    .argument("<pipeline>", "pipeline id (the DAG id)")
    .option("-c, --config <file>", "config file (default: mlgen.config.ts)")
    .option(
      "--var <key=value>",
      "set an Airflow variable first (repeatable)",
      (v: string, all: string[] = []) => [...all, v],
    )
    .option("--conf <json>", "the run's conf (DAG params), a JSON object")
    .option("--timeout <seconds>", "give up waiting after this long (default 1800)")
    .action(async (pipeline: string, options) => {
      const { devRunCommand } = await import("./dev/run.js");
      exitCode = await devRunCommand(io, pipeline, options);
    });
  dev
    .command("down")
    .description("stop exactly the processes `up` started (by PID); keeps the data")
    .option("-c, --config <file>", "config file (default: mlgen.config.ts)")
    .option("--force", "kill at once, even with a damaged state file")
    .action(async (options) => {
      const { downCommand } = await import("./dev/stack.js");
      exitCode = await downCommand(io, options);
    });

  (await import("./commands/mlflow.js")).registerMlflow(program, io, (c) => (exitCode = c));

  await program.parseAsync([...argv], { from: "user" });
  return exitCode;
}
