/**
 * `mlgen compile --watch`: compile, then again after each change to the project's TypeScript,
 * Python or JSON files, or to the files its `taskFiles` names (debounced), until Ctrl-C. Each
 * rebuild loads the pipelines afresh with a module loader of its own, disposed after the build. A broken save prints its diagnostics and
 * writes nothing — compile checks everything before it writes — so the previous outputs stay.
 */
import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CliError, type CliIO, firstFew } from "../io.js";
import { createModuleLoader } from "../load.js";
import { type CompileOptions, compileCommand, loadConfig, taskFileMatches } from "./compile.js";

export interface WatchOptions {
  /** Stops watching (tests); otherwise SIGINT/SIGTERM do. */
  readonly signal?: AbortSignal;
  /** Quiet period after the last change before a rebuild, in ms. Default 150. */
  readonly debounceMs?: number;
}

const WATCHED = /\.(?:ts|mts|cts|js|mjs|cjs|py|json)$/;
const toPosix = (p: string) => p.split(sep).join("/");

export async function watchCommand(
  io: CliIO,
  files: readonly string[],
  options: CompileOptions,
  watchOptions: WatchOptions = {},
): Promise<number> {
  if (options.check) {
    throw new CliError(
      "mlgen compile: --watch and --check do not go together (--check writes nothing)",
      2,
    );
  }
  // Where to watch: from the config, read once here. What to ignore (the output folders): from
  // the config each build reads, as a change of `out` moves them.
  const probe = await createModuleLoader();
  let root: string;
  let outputs: string[];
  const outputsOf = (config: { out: string; kubeflowOut: string }) =>
    [config.out, config.kubeflowOut].map((o) => resolve(o));
  // The files `taskFiles` names (SQL, YAML), as of the last build: a change to one recompiles.
  let taskFiles = new Set<string>();
  const taskFilesOf = async (config: Parameters<typeof taskFileMatches>[0]) =>
    new Set((await taskFileMatches(config)).flatMap((m) => m.matched));
  try {
    const config = await loadConfig(io, options, files, probe);
    root = config.file ? dirname(config.file) : config.root;
    outputs = outputsOf(config);
    taskFiles = await taskFilesOf(config);
  } finally {
    await probe.dispose();
  }
  // Output folders, dependencies, and dot-folders/files (.git, editor swap files) below the root.
  const ignored = (abs: string) =>
    outputs.some((o) => abs === o || abs.startsWith(`${o}${sep}`)) ||
    relative(root, abs)
      .split(sep)
      .some((part) => part === "node_modules" || part.startsWith("."));

  let running: Promise<void> | null = null;
  let pending: string | null = null;
  let builds = 0;
  const build = async (reason: string) => {
    builds++;
    io.stdout(`mlgen: ${reason}; compiling\n`);
    const loader = await createModuleLoader();
    try {
      // The output folders of this build are ignored before it writes to them; the config stays
      // loaded in this loader for the compile. A config that does not load keeps the old ones
      // (the compile says what is wrong with it).
      try {
        const config = await loadConfig(io, options, files, loader);
        outputs = outputsOf(config);
        taskFiles = await taskFilesOf(config);
        for (const [dir, w] of watchers) {
          if (ignored(dir)) {
            w.close();
            watchers.delete(dir);
          }
        }
      } catch {
        // compileCommand reads it again and reports it.
      }
      await compileCommand(io, files, options, loader);
    } catch (e) {
      // What run() would print and exit with; here the watch goes on.
      io.stderr(`${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
      await loader.dispose();
    }
    io.stdout("mlgen: watching for changes (Ctrl-C to stop)\n");
  };
  const schedule = (reason: string) => {
    if (running) {
      pending = reason;
      return;
    }
    running = build(reason).finally(() => {
      running = null;
      if (pending !== null) {
        const next = pending;
        pending = null;
        schedule(next);
      }
    });
  };

  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const onChange = (abs: string) => {
    if (!(WATCHED.test(abs) || taskFiles.has(abs)) || ignored(abs)) return;
    changed.add(toPosix(relative(io.cwd, abs)));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const list = [...changed].sort();
      changed.clear();
      schedule(`${firstFew(list)} changed`);
    }, watchOptions.debounceMs ?? 150);
  };
  // One watcher per folder, not fs.watch's `recursive` (on Linux, Node 20 watches files by
  // inode and loses a file that an editor saves by rename). New folders get a watcher as
  // they appear.
  const watchers = new Map<string, FSWatcher>();
  const watchTree = (dir: string) => {
    if (watchers.has(dir) || (dir !== root && ignored(dir))) return;
    try {
      const w = watch(dir, (_event, name) => {
        if (!name) return;
        const abs = join(dir, name.toString());
        onChange(abs);
        if (!watchers.has(abs)) {
          try {
            if (statSync(abs).isDirectory()) watchTree(abs);
          } catch {
            // gone again: nothing to watch
          }
        }
      });
      w.on("error", () => {
        w.close();
        watchers.delete(dir);
      });
      watchers.set(dir, w);
    } catch (e) {
      if (dir === root)
        throw new CliError(`mlgen compile --watch: cannot watch ${root}: ${(e as Error).message}`);
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) watchTree(join(dir, entry.name));
    }
  };
  watchTree(root);
  schedule("starting");

  await new Promise<void>((done) => {
    if (watchOptions.signal) {
      if (watchOptions.signal.aborted) done();
      watchOptions.signal.addEventListener("abort", () => done(), { once: true });
      return;
    }
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
  clearTimeout(timer);
  for (const w of watchers.values()) w.close();
  await running;
  io.stdout(`mlgen: stopped watching after ${builds} build${builds === 1 ? "" : "s"}\n`);
  return 0;
}
