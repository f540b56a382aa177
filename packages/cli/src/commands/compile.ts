import { existsSync, realpathSync } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { EmittedFile } from "@mlgen/compiler";
import {
  closestName,
  type Diagnostic,
  diagnostic,
  formatDiagnostic,
  hasErrors,
  pipelineModules,
  type SourceLocation,
  type SourceMap,
} from "@mlgen/core";
import { glob } from "tinyglobby";
import {
  configSchema,
  describeConfigError,
  type ResolvedConfig,
  resolveConfig,
  shownValue,
} from "../config.js";
import { CliError, type CliIO, findConfig, isGlob } from "../io.js";
import {
  createModuleLoader,
  errorMessage,
  frameIn,
  loadFailure,
  type ModuleLoader,
} from "../load.js";
import { pythonSyntaxProblem } from "../python-syntax.js";
import { applyPlans, planWrites } from "../write.js";

export interface CompileOptions {
  readonly config?: string;
  readonly out?: string;
  readonly target?: string;
  readonly check?: boolean;
  readonly root?: string;
  readonly airflowVersion?: string;
  /** Warnings (what a target only approximates) fail the compile. */
  readonly strict?: boolean;
}

/** `--airflow-version 2`, `2.11`, `3` or `3.1`: the major version the output is for (2.10 at least). */
function airflowMajor(text: string | undefined): 2 | 3 | undefined {
  if (text === undefined) return undefined;
  const m = /^([23])(?:\.(\d+)(?:\.\d+)?)?$/.exec(text.trim());
  // The Airflow 2 dialect imports the standard provider, which Airflow 2.9 and older lack.
  if (!m || (m[1] === "2" && m[2] !== undefined && Number(m[2]) < 10)) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "--airflow-version",
          reason: `'${text}' is not an Airflow version mlgen emits for`,
          hint: "use --airflow-version 3 (Airflow 3.x) or --airflow-version 2 (Airflow 2.10, 2.11)",
        }),
      ),
      2,
    );
  }
  return m[1] === "2" ? 2 : 3;
}

const toPosix = (p: string) => p.split(sep).join("/");

export async function loadConfig(
  io: CliIO,
  options: CompileOptions,
  files: readonly string[],
  importModule: ModuleLoader,
) {
  const explicit = options.config !== undefined;
  const file =
    options.config !== undefined
      ? resolve(io.cwd, options.config)
      : (findConfig(io.cwd) ?? resolve(io.cwd, "mlgen.config.ts"));
  // Pipeline files given: the project's config still sets the output, target and settings
  // when there is one; without one, the defaults and the options.
  if (files.length > 0 && !explicit && !existsSync(file)) {
    const root = resolve(io.cwd, options.root ?? ".");
    return {
      file: null,
      root,
      // Paths given on the command line are the current folder's, whatever --root says.
      pipelines: files.map((f) => resolve(io.cwd, f)),
      out: resolve(io.cwd, options.out ?? "dags"),
      target: options.target ?? "airflow",
      airflowVersion: airflowMajor(options.airflowVersion) ?? 3,
      kubeflowOut: resolve(io.cwd, options.out ?? "kubeflow"),
      kubeflow: {},
    } satisfies ResolvedConfig;
  }
  const shown = toPosix(relative(io.cwd, file)) || file;
  if (!existsSync(file)) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1009", {
          file: shown,
          reason: "the file does not exist",
          hint: explicit
            ? `check the path given to --config, or create ${shown} with \`export default defineConfig({ pipelines: [...] })\``
            : "create mlgen.config.ts with `export default defineConfig({ pipelines: [...] })`, or pass pipeline files: mlgen compile pipelines/*.pipeline.ts",
        }),
      ),
    );
  }
  let exported: unknown;
  try {
    exported = (await importModule(file)).default;
  } catch (e) {
    const loc = frameIn(e, file, io.cwd);
    throw new CliError(
      formatDiagnostic(
        diagnostic(
          "MLG1009",
          { file: shown, reason: errorMessage(e), hint: "fix the error at the location shown" },
          { location: loc },
        ),
      ),
    );
  }
  const parsed = configSchema.safeParse(exported);
  if (!parsed.success) {
    throw new CliError(
      formatDiagnostic(
        diagnostic(
          "MLG1009",
          {
            file: shown,
            reason:
              exported === undefined
                ? "it has no default export"
                : describeConfigError(parsed.error),
            hint: "export default defineConfig({ pipelines: ['pipelines/*.pipeline.ts'], out: 'dags' })",
          },
          { location: { file: shown } },
        ),
      ),
    );
  }
  const resolved = resolveConfig(file, parsed.data);
  return {
    ...resolved,
    pipelines: files.length ? files.map((f) => resolve(io.cwd, f)) : resolved.pipelines,
    out: options.out ? resolve(io.cwd, options.out) : resolved.out,
    kubeflowOut: options.out ? resolve(io.cwd, options.out) : resolved.kubeflowOut,
    target: options.target ?? resolved.target,
    airflowVersion: airflowMajor(options.airflowVersion) ?? resolved.airflowVersion,
    root: options.root ? resolve(io.cwd, options.root) : resolved.root,
  };
}

export async function pipelineFiles(config: ResolvedConfig): Promise<string[]> {
  const base = config.file ? resolve(config.file, "..") : config.root;
  const found = new Set<string>();
  for (const pattern of config.pipelines) {
    if (!isGlob(pattern)) {
      const file = isAbsolute(pattern) ? pattern : resolve(base, pattern);
      if (!existsSync(file)) {
        throw new CliError(
          formatDiagnostic(
            diagnostic("MLG1011", {
              what: "pipeline path",
              reason: `${toPosix(relative(base, file))} does not exist`,
              hint: "check the path, relative to the config file or the current folder",
            }),
          ),
        );
      }
      found.add(file);
      continue;
    }
    for (const f of await glob(pattern, { cwd: base, absolute: true })) found.add(resolve(f));
  }
  return [...found].sort();
}

interface Loaded {
  readonly file: string;
  readonly definitions: readonly import("@mlgen/dsl").PipelineDefinition[];
}

export async function loadPipelines(
  files: readonly string[],
  root: string,
  report: (d: Diagnostic) => void,
  importModule: ModuleLoader,
) {
  const { isPipelineDefinition } = await import("@mlgen/dsl");
  const loaded: Loaded[] = [];
  for (const file of files) {
    const shown = toPosix(relative(root, file));
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(file);
    } catch (e) {
      report(
        diagnostic(
          "MLG1014",
          { file: shown, reason: loadFailure(e) },
          { location: frameIn(e, file, root) },
        ),
      );
      continue;
    }
    const definitions = Object.keys(mod)
      .sort((a, b) => (a === "default" ? -1 : b === "default" ? 1 : a.localeCompare(b)))
      .map((k) => mod[k])
      .filter(isPipelineDefinition);
    const unique = [...new Set(definitions)];
    if (unique.length === 0)
      report(diagnostic("MLG1010", { file: shown }, { location: { file: shown } }));
    loaded.push({ file, definitions: unique });
  }
  return loaded;
}

function relativeLocation(loc: SourceLocation, root: string): SourceLocation {
  return { ...loc, file: toPosix(isAbsolute(loc.file) ? relative(root, loc.file) : loc.file) };
}

/** A definition's source map with locations relative to `root`, resolved only when read. */
export function relativeSourceMap(sourceMap: SourceMap, root: string): SourceMap {
  return new Proxy(sourceMap, {
    get: (target, key) => {
      const loc = Reflect.get(target, key) as SourceLocation | undefined;
      return loc && typeof key === "string" ? relativeLocation(loc, root) : loc;
    },
  });
}

/** Where `path` really is (links followed); as given when it does not exist yet. */
function realFolder(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The Python modules a pipeline names, read from `root` (null: missing, or outside it). */
export async function readModules(
  ir: Parameters<typeof pipelineModules>[0],
  root: string,
): Promise<Map<string, string | null>> {
  const modules = new Map<string, string | null>();
  for (const module of pipelineModules(ir)) {
    const safe = !isAbsolute(module) && !module.split("/").includes("..");
    modules.set(module, safe ? await readIfExists(join(root, module), root) : null);
  }
  return modules;
}

/** UTF-8 only: a file in another encoding is an error, never read with replacement characters. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A user's Python file as text: null when it is missing. A file mlgen cannot read (permissions)
 * is an error of its own, not a missing module.
 */
async function readIfExists(file: string, root: string): Promise<string | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new CliError(
      `mlgen: cannot read ${relative(root, file) || file}: ${code === "EACCES" || code === "EPERM" ? "permission denied" : (e as Error).message}\n  fix: make the file readable by the user running mlgen (chmod a+r)`,
    );
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    // Python 3 reads UTF-8 by default; a file in another encoding would be copied wrong.
    throw new CliError(
      `mlgen: ${relative(root, file) || file} is not UTF-8 text\n  fix: save it as UTF-8 (Python 3's default encoding; mlgen ships task modules and embeds them as UTF-8)`,
    );
  }
}

/** Every .py file in the top-level folder of a module (`tasks/` for `tasks/train.py`). */
async function shippedPythonFiles(root: string, module: string): Promise<EmittedFile[]> {
  const top = module.split("/")[0] ?? module;
  if (top === module) {
    const content = await readIfExists(join(root, module), root);
    return content === null ? [] : [{ path: module, content }];
  }
  const out: EmittedFile[] = [];
  // Symbolic links are followed (a task module linked from a shared folder ships as a file,
  // under every name it has); a link back to a folder being walked (a loop) is not.
  const walk = async (dir: string, within: ReadonlySet<string> = new Set()): Promise<void> => {
    const real = await realpath(join(root, dir)).catch(() => null);
    if (real === null || within.has(real)) return;
    const inner = new Set(within).add(real);
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith(".") || e.name === "__pycache__") continue;
      const rel = `${dir}/${e.name}`;
      const target = e.isSymbolicLink() ? await stat(join(root, rel)).catch(() => null) : e;
      if (target?.isDirectory()) await walk(rel, inner);
      else if (target?.isFile() && e.name.endsWith(".py")) {
        const content = await readIfExists(join(root, rel), root);
        if (content !== null) out.push({ path: rel, content });
      }
    }
  };
  await walk(top);
  return out;
}

export async function compileCommand(
  io: CliIO,
  files: readonly string[],
  options: CompileOptions,
  /** A loader of the caller's (watch mode: a fresh one per rebuild, so edits are seen). */
  loader?: ModuleLoader,
): Promise<number> {
  // mlgen's own modules first, loaded by Node itself: once tsx is registered, every module
  // load goes through its hooks (in the loader's worker thread), about twice as slow.
  const { TARGETS, lowerPipeline, moduleImports, importCandidates } = await import(
    "@mlgen/compiler"
  );
  await import("@mlgen/dsl");
  const importModule = loader ?? (await createModuleLoader());
  const config = await loadConfig(io, options, files, importModule);
  if (config.target === "all" && options.out) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "--out",
          reason: "--target all writes each target to its own folder",
          hint: "set `out` (Airflow) and `kubeflow.out` in mlgen.config.ts, or compile one target at a time",
        }),
      ),
      2,
    );
  }
  if (config.target === "all" && resolve(config.out) === resolve(config.kubeflowOut)) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "kubeflow.out",
          reason: "it is the Airflow output folder too; each target keeps its own folder",
          hint: "set kubeflow.out (default `kubeflow`) apart from out (default `dags`)",
        }),
      ),
    );
  }
  const names = config.target === "all" ? ["airflow", "kubeflow"] : [config.target];
  const targets = names.map((name) => {
    const target = TARGETS[name];
    if (!target) {
      const known = [...Object.keys(TARGETS), "all"];
      const guess = closestName(name, known);
      throw new CliError(
        formatDiagnostic(
          diagnostic("MLG1011", {
            what: "target",
            reason: `${shownValue(name)} is not a target`,
            hint: guess ? `did you mean '${guess}'?` : `use one of: ${known.join(", ")}`,
          }),
        ),
        2,
      );
    }
    const out = name === "kubeflow" ? config.kubeflowOut : config.out;
    // The task modules would be copied onto themselves, listed in the manifest as generated,
    // and removed as stale the day a task stops using them.
    if (name !== "kubeflow" && realFolder(out) === realFolder(config.root)) {
      throw new CliError(
        formatDiagnostic(
          diagnostic("MLG1011", {
            what: "output folder",
            reason:
              "it is the project folder, which holds the task modules: mlgen would treat them as files it generated, and remove them once no task uses them",
            hint: "write the DAGs to a folder of their own (out in mlgen.config.ts, or --out)",
          }),
        ),
      );
    }
    return {
      target,
      out,
      emitted: new Map<string, { content: string; from: string; pipeline: string }>(),
    };
  });
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic) => diagnostics.push(d);
  if (config.pipelines.length === 0) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "pipeline list",
          reason: `${config.file ? toPosix(relative(io.cwd, config.file)) : "the config"} lists no pipelines`,
          hint: "add pipelines: ['pipelines/*.pipeline.ts'] to mlgen.config.ts, or pass pipeline files to compile",
        }),
      ),
    );
  }
  const paths = await pipelineFiles(config);
  if (paths.length === 0) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "pipeline list",
          reason: `no file matches ${config.pipelines.join(", ")}`,
          hint: "check the globs in mlgen.config.ts (relative to the config file)",
        }),
      ),
    );
  }
  const root = config.root;
  // An output folder holding sources: they would be listed as generated and removed as stale
  // (a pipelines folder), or shipped into the output again on every compile (the task modules).
  const within = (folder: string, dir: string) =>
    folder === dir || folder.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  const sourceFolder = (what: string, dir: string, outInside: boolean) => {
    // The Kubeflow target writes its YAML files only, and removes only those it wrote.
    for (const { target, out } of targets) {
      if (target.name === "kubeflow") continue;
      const [inner, outer] = outInside ? [out, dir] : [dir, out];
      if (!within(realFolder(inner), realFolder(outer))) continue;
      throw new CliError(
        formatDiagnostic(
          diagnostic("MLG1011", {
            what: "output folder",
            reason: `${what} ${toPosix(relative(io.cwd, dir)) || "."} ${outInside ? "holds it" : "is inside it"}: mlgen would copy or remove the sources as files it generated`,
            hint: "write the output to a folder of its own beside the sources (out in mlgen.config.ts, or --out)",
          }),
        ),
      );
    }
  };
  for (const file of paths)
    sourceFolder("the pipeline module's folder", resolve(file, ".."), false);
  const loaded = await loadPipelines(paths, root, report, importModule);

  const shipped = new Map<string, EmittedFile[]>();
  const ids = new Map<string, string>();
  let pipelines = 0;
  for (const { file, definitions } of loaded) {
    const sourceFile = toPosix(relative(root, file));
    for (const def of definitions) {
      const sourceMap = relativeSourceMap(def.sourceMap, root);
      for (const p of def.problems) {
        report(p.location ? { ...p, location: relativeLocation(p.location, root) } : p);
      }
      const previous = ids.get(def.ir.id);
      // The pipeline() call, or the file when a function in another module made it.
      const at =
        sourceMap.pipeline?.file === sourceFile ? sourceMap.pipeline : { file: sourceFile };
      if (previous !== undefined) {
        report(
          diagnostic(
            "MLG1012",
            { id: def.ir.id, first: previous },
            { pipeline: def.ir.id, location: at },
          ),
        );
        continue;
      }
      ids.set(def.ir.id, [at.file, at.line, at.column].filter((x) => x !== undefined).join(":"));
      const modules = await readModules(def.ir, root);
      const lowered = lowerPipeline({ ir: def.ir, sourceMap, modules });
      diagnostics.push(...lowered.diagnostics);
      if (!lowered.ok) continue;
      // One read per top-level folder, however many modules and pipelines share it.
      const pythonFiles = new Map<string, EmittedFile>();
      const ship = async (module: string) => {
        const top = module.includes("/") ? (module.split("/")[0] ?? module) : module;
        let files = shipped.get(top);
        if (!files) {
          if (module.includes("/")) sourceFolder("the task modules' folder", join(root, top), true);
          files = await shippedPythonFiles(root, module);
          shipped.set(top, files);
          for (const f of files) {
            const problem = await pythonSyntaxProblem(f, def.ir.id);
            if (problem) report(problem);
          }
        }
        const added = files.filter((f) => !pythonFiles.has(f.path));
        for (const f of added) pythonFiles.set(f.path, f);
        return added;
      };
      for (const module of [...modules.keys()].sort()) await ship(module);
      // What they import from elsewhere in the project (a helpers.py beside a task module at
      // the root, a shared package) travels too, its whole folder as the task modules' does:
      // without it the task fails with ModuleNotFoundError when it runs.
      const queue = [...pythonFiles.values()];
      for (let f = queue.shift(); f; f = queue.shift()) {
        // A module that also imports through importlib still imports these statically.
        for (const imp of moduleImports(f.content, true) ?? []) {
          for (const path of importCandidates(f.path, imp)) {
            if (!path.endsWith(".py") || pythonFiles.has(path)) continue;
            const top = path.split("/")[0] ?? path;
            if (top.startsWith(".") || top === "node_modules") continue;
            if (!existsSync(join(root, path))) continue;
            try {
              queue.push(...(await ship(path)));
            } catch (e) {
              // A folder that holds the output folder is not copied into it.
              if (!(e instanceof CliError)) throw e;
            }
          }
        }
      }
      const input = {
        ir: lowered.ir,
        hash: lowered.hash,
        sourceFile,
        sourceMap,
        pythonFiles: [...pythonFiles.values()],
        settings: { airflowVersion: config.airflowVersion, kubeflow: config.kubeflow },
      };
      let emittedAll = true;
      for (const { target, emitted } of targets) {
        const targetProblems = target.validate(input);
        diagnostics.push(...targetProblems);
        if (hasErrors(targetProblems)) {
          emittedAll = false;
          continue;
        }
        const files = target.emit(input);
        const shippedPaths = new Set(input.pythonFiles.map((f) => f.path));
        // The task modules the target copies beside the DAG file are emitted as they are.
        const shipped = (f: { path: string; content: string }) =>
          input.pythonFiles.some((m) => m.path === f.path && m.content === f.content);
        const shadowed = files.find((f) => {
          if (shipped(f) || !/^[^/]+\.py$/.test(f.path)) return false;
          const stem = f.path.slice(0, -3);
          // A regular package (with __init__.py) wins over a module of its name; a folder
          // without one is a namespace package, which the module shadows.
          if (shippedPaths.has(`${stem}/__init__.py`)) return false;
          return input.pythonFiles.some((m) => m.path.startsWith(`${stem}/`) || m.path === f.path);
        });
        if (shadowed) {
          // Airflow puts the DAG folder on sys.path: `import tasks.steps` would find tasks.py.
          report(
            diagnostic(
              "MLG1011",
              {
                what: `pipeline id '${def.ir.id}'`,
                reason: `its DAG file ${shadowed.path} has the name of the task modules (${shadowed.path.slice(0, -3)}/ or ${shadowed.path}), so Python would import the DAG file instead and every task would fail`,
                hint: "rename the pipeline, or the folder of its task modules",
              },
              { pipeline: def.ir.id, location: sourceMap.pipeline },
            ),
          );
          emittedAll = false;
          continue;
        }
        const clash = files.find((f) => {
          const seen = emitted.get(f.path);
          return seen !== undefined && seen.content !== f.content;
        });
        if (clash) {
          const seen = emitted.get(clash.path) as { from: string; pipeline: string };
          // Ids that differ only in '-' and '_' (or that a file name cannot tell apart) map to
          // one file: the second would overwrite the first.
          report(
            diagnostic(
              "MLG1011",
              {
                what: `pipeline id '${def.ir.id}'`,
                reason: `it generates ${clash.path}, as pipeline '${seen.pipeline}' (${seen.from}) does with other content, and one would overwrite the other`,
                hint: `rename one of the two pipelines so that their file names differ ('${def.ir.id}' and '${seen.pipeline}' both give ${clash.path})`,
              },
              { pipeline: def.ir.id, location: sourceMap.pipeline },
            ),
          );
          emittedAll = false;
          continue;
        }
        for (const f of files) {
          emitted.set(f.path, { content: f.content, from: sourceFile, pipeline: def.ir.id });
        }
      }
      if (!emittedAll) continue;
      pipelines++;
    }
  }

  const strict = options.strict === true;
  for (const d of diagnostics) {
    const shown = strict && d.severity === "warning" ? { ...d, severity: "error" as const } : d;
    io.stderr(`${formatDiagnostic(shown)}\n`);
  }
  const failing = diagnostics.filter(
    (d) => d.severity === "error" || (strict && d.severity === "warning"),
  ).length;
  if (failing > 0) {
    io.stderr(
      `mlgen: ${failing} error${failing === 1 ? "" : "s"}${strict ? " (--strict)" : ""}; no files were written\n`,
    );
    return 1;
  }

  const plans = [];
  for (const { out, emitted } of targets) {
    const planned = [...emitted.entries()]
      .map(([path, v]) => ({ path, content: v.content }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    plans.push({ out, plan: await planWrites(out, planned, { prune: files.length === 0 }) });
  }
  const count = `${pipelines} pipeline${pipelines === 1 ? "" : "s"}`;
  if (options.check) {
    let stale = 0;
    for (const { out, plan } of plans) {
      const outShown = toPosix(relative(io.cwd, out)) || ".";
      for (const f of plan.write) io.stderr(`stale: ${outShown}/${f.path}\n`);
      for (const f of plan.remove) io.stderr(`stale: ${outShown}/${f} (no longer generated)\n`);
      stale += plan.write.length + plan.remove.length;
    }
    if (stale === 0) {
      const shown = plans.map((p) => toPosix(relative(io.cwd, p.out)) || ".").join(" and ");
      io.stdout(`mlgen: ${shown} ${plans.length > 1 ? "are" : "is"} up to date (${count})\n`);
      return 0;
    }
    io.stderr(
      "mlgen: generated files are out of date; run `mlgen compile` and commit the result\n",
    );
    return 1;
  }
  await applyPlans(plans);
  for (const { out, plan } of plans) {
    const outShown = toPosix(relative(io.cwd, out)) || ".";
    io.stdout(
      `mlgen: compiled ${count} into ${outShown}: ` +
        `${plan.write.length} written, ${plan.unchanged.length} unchanged, ${plan.remove.length} removed\n`,
    );
  }
  return 0;
}
