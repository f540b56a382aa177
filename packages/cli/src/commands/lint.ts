import { existsSync, lstatSync, readlinkSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
// The light entry: no zod. Linting DAG files must not pay for what only pipelines and the
// config need; config.js, load.js (tsx), tinyglobby, the DSL and the compiler are imported
// below only when a config file or a pipeline module is actually read.
import {
  closestName,
  DIAGNOSTICS,
  type Diagnostic,
  diagnostic,
  formatDiagnostic,
  type SourceLocation,
  type SourceMap,
} from "@mlgen/core/light";
import type { Finding, RuleSettings } from "@mlgen/lint";
import { IGNORE_SYNTAXES, type IgnoreSyntax } from "../airflowignore.js";
import { CliError, type CliIO, findConfig, firstFew, isGlob } from "../io.js";
import { LINTED_FILES, lintTargets, wholeDagFolders } from "../lint-files.js";
import type { ModuleLoader } from "../load.js";
import { version } from "../run.js";

export interface LintCommandOptions {
  readonly config?: string;
  readonly format?: string;
  readonly maxWarnings?: string;
}

const FORMATS = ["text", "json", "sarif"] as const;
const MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];
/**
 * Template files a task reads (`sql="queries/merge.sql"`, a BashOperator's script): given to
 * `mlgen lint` (the pre-commit hook passes them when only they changed), they are linted
 * through the DAG files that read them.
 */
const TEMPLATE_EXTENSIONS = [".sql", ".hql", ".sh", ".bash"];
const toPosix = (p: string) => p.split(sep).join("/");
/** The DAGs whose imported default_args lint cannot read that a run names, at most. */
const SHARED_SHOWN = 10;

/** Exit 2: the command line or the config is wrong, not the linted code. */
const usage = (what: string, reason: string, hint: string) =>
  new CliError(formatDiagnostic(diagnostic("MLG1011", { what, reason, hint })), 2);

interface LintConfig {
  readonly file: string | null;
  readonly pipelines: readonly string[];
  readonly root: string;
  readonly rules: RuleSettings;
  /** `airflow.version`, which sets how `.airflowignore` is read when Airflow's option is unset. */
  readonly airflowVersion: 2 | 3;
  /** Set when the config compiles for Kubeflow too: target-aware rules read it. */
  readonly kubeflow?: { readonly timeouts: boolean };
  /** Set when the project compiles for Airflow (the default): its checks run as compile's do. */
  readonly airflow?: { readonly version: 2 | 3 };
}

/** The config of a file or folder: the nearest mlgen.config.ts at or above its folder. */
const configAbove = (abs: string) => findConfig(statSync(abs).isDirectory() ? abs : dirname(abs));

/** mlgen.config.ts when there is one (it is optional when files are given). */
/**
 * The config of the paths given when none is found from the working folder: the one nearest
 * above them (a project in a sub-folder of the repository, linted from its root as pre-commit
 * runs hooks). Paths under two projects' configs are a usage error: one run, one config.
 */
function nearestConfig(io: CliIO, paths: readonly string[]): string | null {
  const found = new Set<string>();
  let outside = 0;
  for (const p of paths) {
    const config = configAbove(resolve(io.cwd, p));
    if (config) found.add(config);
    else outside++;
  }
  if (found.size > 1 || (found.size === 1 && outside > 0)) {
    const shown = [...found].map((f) => toPosix(relative(io.cwd, f))).sort();
    // Files under no config get the default rules, never another project's.
    if (outside > 0) shown.push(`${outside} path${outside === 1 ? "" : "s"} under none`);
    throw usage(
      "lint input",
      `the paths given belong to ${found.size + (outside > 0 ? 1 : 0)} projects (${shown.join(", ")}), and one run reads one config`,
      `lint each project on its own: mlgen lint --config <its mlgen.config.ts> <its paths> (one pre-commit hook per project, with files: ^<its folder>/.*${LINTED_FILES}, as mlgen init <its folder> prints it)`,
    );
  }
  return [...found][0] ?? null;
}

/**
 * Paths given that sit in another project (a nearer mlgen.config.ts than `config`, the one found
 * from the working folder): a usage error, as two projects in one run are. Linted with this
 * config, their task modules are looked up from the wrong root (false MLG1007) and their rule
 * settings are not theirs.
 */
function inOtherProjects(io: CliIO, paths: readonly string[], config: string): void {
  const others = new Map<string, string>();
  for (const p of paths) {
    const abs = resolve(io.cwd, p);
    if (!existsSync(abs)) continue;
    const near = configAbove(abs);
    if (near !== null && near !== config && !others.has(near)) others.set(near, p);
  }
  if (others.size === 0) return;
  const shown = (f: string) => toPosix(relative(io.cwd, f)) || f;
  const [[near, first] = ["", ""]] = [...others].sort(([a], [b]) => (a < b ? -1 : 1));
  throw usage(
    "lint input",
    `${toPosix(first)} belongs to the project of ${shown(near)}${others.size > 1 ? ` (and paths to ${others.size - 1} more)` : ""}, and this run reads ${shown(config)}, found from the current folder: one run reads one config`,
    `lint that project with its own: mlgen lint --config ${shown(near)} <its paths>; in pre-commit, one hook per project (files: ^${toPosix(relative(io.cwd, dirname(near)))}/ for that one, exclude: ^${toPosix(relative(io.cwd, dirname(near)))}/ for this one)`,
  );
}

async function loadLintConfig(
  io: CliIO,
  explicit: string | undefined,
  moduleLoader: () => Promise<ModuleLoader>,
  paths: readonly string[],
): Promise<LintConfig> {
  const fromCwd = explicit === undefined ? findConfig(io.cwd) : null;
  if (fromCwd !== null) inOtherProjects(io, paths, fromCwd);
  const file =
    explicit !== undefined
      ? resolve(io.cwd, explicit)
      : (fromCwd ?? nearestConfig(io, paths) ?? resolve(io.cwd, "mlgen.config.ts"));
  const shown = toPosix(relative(io.cwd, file)) || file;
  if (!existsSync(file)) {
    if (explicit !== undefined) {
      throw usage("--config", `${shown} does not exist`, "pass the path of mlgen.config.ts");
    }
    return {
      file: null,
      pipelines: [],
      root: io.cwd,
      rules: {},
      airflowVersion: 3,
      airflow: { version: 3 },
    };
  }
  const [
    { errorMessage, frameIn },
    {
      configExportHint,
      configHint,
      parseConfig,
      describeConfigError,
      missingConfigExport,
      resolveConfig,
    },
  ] = await Promise.all([import("../load.js"), import("../config.js")]);
  const importModule = await moduleLoader();
  let exports: Record<string, unknown>;
  try {
    exports = await importModule(file);
  } catch (e) {
    throw new CliError(
      formatDiagnostic(
        diagnostic(
          "MLG1009",
          { file: shown, reason: errorMessage(e), hint: "fix the error at the location shown" },
          { location: frameIn(e, file, io.cwd) },
        ),
      ),
      2,
    );
  }
  const missing = missingConfigExport(exports);
  if (missing !== null) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1009", {
          file: shown,
          reason: missing,
          hint: configExportHint(
            "{ pipelines: [...], lint: { rules: { 'missing-retries': 'off' } } }",
          ),
        }),
      ),
      2,
    );
  }
  const parsed = parseConfig(exports.default);
  if (!parsed.success) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1009", {
          file: shown,
          reason: describeConfigError(parsed.error),
          hint: configHint(
            parsed.error,
            "export default defineConfig({ pipelines: [...], lint: { rules: { 'missing-retries': 'off' } } })",
          ),
        }),
      ),
      2,
    );
  }
  const resolved = resolveConfig(file, parsed.data);
  return {
    file,
    pipelines: resolved.pipelines,
    root: resolved.root,
    rules: resolved.lintRules ?? {},
    airflowVersion: resolved.airflowVersion,
    ...(resolved.target === "kubeflow" || resolved.target === "all"
      ? { kubeflow: { timeouts: resolved.kubeflow.timeouts ?? false } }
      : {}),
    ...(resolved.target === "airflow" || resolved.target === "all"
      ? { airflow: { version: resolved.airflowVersion } }
      : {}),
  };
}

/**
 * How `.airflowignore` is read: Airflow's own option (`[core] dag_ignore_file_syntax`, here from
 * its environment variable) when set, else the default of the Airflow version the config names
 * (3: glob, 2: regexp).
 */
function ignoreSyntax(io: CliIO, airflowVersion: 2 | 3): IgnoreSyntax {
  const set = io.env.AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX;
  if (set === undefined || set === "") return airflowVersion === 2 ? "regexp" : "glob";
  if (!(IGNORE_SYNTAXES as readonly string[]).includes(set)) {
    throw usage(
      "AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX",
      `'${set}' is not a syntax of .airflowignore`,
      `set it to ${IGNORE_SYNTAXES.join(" or ")}, as for Airflow`,
    );
  }
  return set as IgnoreSyntax;
}

function relativeLocation(loc: SourceLocation, cwd: string): SourceLocation {
  return { ...loc, file: toPosix(isAbsolute(loc.file) ? relative(cwd, loc.file) : loc.file) };
}

function diagnosticFinding(d: Diagnostic, fallbackFile: string): Finding {
  const line = d.location?.line ?? 1;
  const column = d.location?.column ?? 1;
  return {
    ruleId: d.code,
    code: d.code,
    severity: d.severity,
    file: d.location?.file ?? fallbackFile,
    line,
    column,
    endLine: line,
    endColumn: d.location?.endColumn ?? column,
    message: d.message,
    fix: d.fix,
  };
}

/** Loads DSL pipeline modules, lowers each pipeline and lints it. */
async function lintPipelines(
  io: CliIO,
  files: readonly string[],
  root: string,
  rules: RuleSettings,
  importModule: ModuleLoader,
  targets: Pick<LintConfig, "kubeflow" | "airflow">,
): Promise<Finding[]> {
  const { frameIn, loadFailure } = await import("../load.js");
  const { isPipelineDefinition } = await import("@mlgen/dsl");
  const { dagFileName, kubeflowFileName, lowerPipeline, TARGETS } = await import("@mlgen/compiler");
  const { pipelineModules } = await import("@mlgen/core");
  const { dagShadowsModules, engineNameClash, fileClash, shadowsModules } = await import(
    "../output-names.js"
  );
  /** The files compile would write, by name: which pipeline and module each is from. */
  const outputsSeen = new Map<string, { pipeline: string; from: string }>();
  /** The pipelines by the name each target's engine knows them by (Target.engineName). */
  const engineNamesSeen = new Map<string, { pipeline: string; from: string }>();
  const { kubeflow, airflow } = targets;
  const { lintPipeline } = await import("@mlgen/lint");
  const { pythonSyntaxProblem } = await import("../python-syntax.js");
  const out: Finding[] = [];
  /** Pipeline id → where it was first defined: compile refuses a second (MLG1012), so does lint. */
  const ids = new Map<string, string>();
  /** Task modules already checked for Python syntax (MLG1023, as compile checks them). */
  const checked = new Set<string>();
  for (const file of files) {
    const shown = toPosix(relative(io.cwd, file));
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(file);
    } catch (e) {
      out.push(
        diagnosticFinding(
          diagnostic(
            "MLG1014",
            { file: shown, reason: loadFailure(e) },
            { location: frameIn(e, file, io.cwd) },
          ),
          shown,
        ),
      );
      continue;
    }
    const definitions = [...new Set(Object.values(mod).filter(isPipelineDefinition))];
    if (definitions.length === 0) {
      out.push(diagnosticFinding(diagnostic("MLG1010", { file: shown }), shown));
    }
    for (const def of definitions) {
      const sourceMap: SourceMap = new Proxy(def.sourceMap, {
        get: (target, key) => {
          const loc = Reflect.get(target, key) as SourceLocation | undefined;
          return loc && typeof key === "string" ? relativeLocation(loc, io.cwd) : loc;
        },
      });
      for (const p of def.problems) {
        out.push(
          diagnosticFinding(
            p.location ? { ...p, location: relativeLocation(p.location, io.cwd) } : p,
            shown,
          ),
        );
      }
      const pipelineAt = sourceMap.pipeline?.file === shown ? sourceMap.pipeline : { file: shown };
      const first = ids.get(def.ir.id);
      if (first !== undefined) {
        out.push(
          diagnosticFinding(
            diagnostic(
              "MLG1012",
              { id: def.ir.id, first },
              { pipeline: def.ir.id, location: pipelineAt },
            ),
            shown,
          ),
        );
        continue;
      }
      ids.set(
        def.ir.id,
        [pipelineAt.file, pipelineAt.line, pipelineAt.column]
          .filter((x) => x !== undefined)
          .join(":"),
      );
      const modules = new Map<string, string | null>();
      for (const module of pipelineModules(def.ir)) {
        const safe = !isAbsolute(module) && !module.split("/").includes("..");
        modules.set(
          module,
          safe ? await readFile(join(root, module), "utf8").catch(() => null) : null,
        );
      }
      // A task module Python cannot parse fails every task that imports it (compile's MLG1023);
      // the DAG-file lint skips such files (no `airflow` or `dag` in them).
      for (const [module, text] of modules) {
        if (text === null || checked.has(module)) continue;
        checked.add(module);
        const path = toPosix(relative(io.cwd, join(root, module)));
        const problem = await pythonSyntaxProblem({ path, content: text }, def.ir.id);
        if (problem) out.push(diagnosticFinding(problem, path));
      }
      const lowered = lowerPipeline({ ir: def.ir, sourceMap, modules });
      for (const d of lowered.diagnostics) {
        // The sensor-poke-mode rule reports the compiler's poke-mode warning, with the lint
        // config's severity and suppressions.
        if (d.code === "MLG1019") continue;
        out.push(diagnosticFinding(d, shown));
      }
      if (!lowered.ok) continue;
      // The names of the files compile would write, as compile checks them.
      const at = sourceMap.pipeline;
      const outputs = [
        ...(airflow ? [dagFileName(def.ir.id)] : []),
        ...(kubeflow ? [kubeflowFileName(def.ir.id)] : []),
      ];
      let clashed = false;
      for (const path of outputs) {
        // Without case, as compile compares them (one file on macOS and Windows).
        const other = outputsSeen.get(path.toLowerCase());
        if (other && other.pipeline !== def.ir.id) {
          out.push(diagnosticFinding(fileClash(def.ir.id, path, other, at), shown));
          clashed = true;
        }
        outputsSeen.set(path.toLowerCase(), { pipeline: def.ir.id, from: shown });
      }
      // As compile checks them, once the files do not clash.
      for (const target of [airflow && TARGETS.airflow, kubeflow && TARGETS.kubeflow]) {
        const name = target ? target.engineName?.(def.ir.id) : undefined;
        if (!target || name === undefined || clashed) continue;
        const key = `${target.name}\0${name}`;
        const other = engineNamesSeen.get(key);
        if (other && other.pipeline !== def.ir.id) {
          const engine = { target: target.name, name };
          out.push(diagnosticFinding(engineNameClash(def.ir.id, engine, other, at), shown));
        } else {
          engineNamesSeen.set(key, { pipeline: def.ir.id, from: shown });
        }
      }
      if (airflow) {
        const dag = dagFileName(def.ir.id);
        const modules = pipelineModules(lowered.ir);
        const init = `${dag.slice(0, -3)}/__init__.py`;
        if (existsSync(join(root, init))) modules.push(init);
        if (shadowsModules(dag, modules)) {
          out.push(diagnosticFinding(dagShadowsModules(def.ir.id, dag, at), shown));
        }
        // What the Airflow target refuses or approximates, as `mlgen compile` reports it.
        const problems = TARGETS.airflow?.validate({
          ir: lowered.ir,
          hash: lowered.hash,
          sourceFile: shown,
          sourceMap,
          pythonFiles: [],
          settings: { airflowVersion: airflow.version },
        });
        for (const d of problems ?? []) out.push(diagnosticFinding(d, shown));
      }
      out.push(
        ...lintPipeline(
          { ir: lowered.ir, sourceMap, file: shown, ...(kubeflow ? { kubeflow } : {}) },
          { rules },
        ),
      );
    }
  }
  return out;
}

export async function lintCommand(
  io: CliIO,
  given: readonly string[],
  options: LintCommandOptions,
): Promise<number> {
  // A quoted glob (`mlgen lint 'pipelines/*.pipeline.ts'`) is expanded, as compile expands it;
  // one that matches nothing stays, to be said so below.
  const paths: string[] = [];
  for (const p of given) {
    if (!isGlob(p) || existsSync(resolve(io.cwd, p))) {
      paths.push(p);
      continue;
    }
    const { glob } = await import("tinyglobby");
    const matched = (await glob(p, { cwd: io.cwd })).sort();
    paths.push(...(matched.length > 0 ? matched : [p]));
  }
  const format = options.format ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw usage("--format", `'${format}' is not a format`, `use one of: ${FORMATS.join(", ")}`);
  }
  let maxWarnings = Number.POSITIVE_INFINITY;
  if (options.maxWarnings !== undefined) {
    // Digits only: Number("") is 0 (an unset CI variable), and 1e1 or 0x10 are no counts.
    maxWarnings = /^\d+$/.test(options.maxWarnings) ? Number(options.maxWarnings) : Number.NaN;
    if (!Number.isInteger(maxWarnings) || maxWarnings < 0) {
      throw usage(
        "--max-warnings",
        `'${options.maxWarnings}' is not a whole number`,
        "pass a count such as --max-warnings 0",
      );
    }
  }
  for (const p of paths) {
    const abs = resolve(io.cwd, p);
    if (!existsSync(abs)) {
      const link = linkProblem(abs);
      throw isGlob(p)
        ? usage("path", `${p} matches no file`, "check the pattern (quoted, mlgen expands it)")
        : usage("path", link ? `${p} ${link}` : `${p} does not exist`, "check the path");
    }
    const ext = extname(abs);
    const stat = statSync(abs);
    if (!stat.isDirectory() && !stat.isFile()) {
      // /dev/zero, a FIFO or a socket: reading it would never end, or block.
      throw usage(
        "path",
        `${p} is not a regular file or a folder (a device, a pipe or a socket)`,
        "pass .py files or folders",
      );
    }
    if (
      !stat.isDirectory() &&
      ext !== ".py" &&
      !MODULE_EXTENSIONS.includes(ext) &&
      !TEMPLATE_EXTENSIONS.includes(ext)
    ) {
      throw usage(
        "path",
        `${p} is neither a Python DAG file, a pipeline module nor a template file`,
        "pass .py files or folders, pipeline modules (.ts), or template files a task reads (.sql, .hql, .sh)",
      );
    }
  }

  // mlgen's own modules first, loaded by Node itself: once tsx is registered (for the config or
  // a pipeline module), every later module load goes through its hooks, about twice as slow.
  // The DSL and the compiler only when pipeline modules are linted: a DAG-file run never loads
  // them (nor zod, unless there is a config to validate).
  const lint = await import("@mlgen/lint");
  // Template files given are read through the DAG files that name them, never as DAGs or
  // modules, and whatever .airflowignore says of their folder (Airflow reads them from there).
  const isTemplate = (p: string) =>
    TEMPLATE_EXTENSIONS.includes(extname(p)) && statSync(resolve(io.cwd, p)).isFile();
  const templatesGiven = [...new Set(paths.filter(isTemplate).map((p) => resolve(io.cwd, p)))];
  const targets = paths.filter((p) => !isTemplate(p));
  const pipelinesToo = paths.length === 0 || targets.some((p) => extname(p) !== ".py");
  let loader: Promise<ModuleLoader> | undefined;
  const moduleLoader = () => {
    loader ??= (async () => {
      if (pipelinesToo) await Promise.all([import("@mlgen/dsl"), import("@mlgen/compiler")]);
      return (await import("../load.js")).createModuleLoader();
    })();
    return loader;
  };
  const loaded = await loadLintConfig(io, options.config, moduleLoader, paths);
  // A rule may be named by its code (MLG2002), as in suppression comments.
  const byCode = new Map<string, string>(lint.RULES.map((r) => [r.code, r.id]));
  const config: LintConfig = {
    ...loaded,
    rules: Object.fromEntries(
      Object.entries(loaded.rules).map(([k, v]) => [byCode.get(k) ?? k, v]),
    ) as RuleSettings,
  };
  const unknown = Object.keys(config.rules).filter((id) => !lint.RULE_IDS.includes(id));
  if (unknown.length > 0) {
    throw usage(
      "lint.rules in mlgen.config.ts",
      `unknown rule ${unknown
        .map((u) => {
          const guess = closestName(u, lint.RULE_IDS);
          return guess ? `'${u}' (did you mean '${guess}'?)` : `'${u}'`;
        })
        .join(", ")}`,
      `known rules: ${lint.RULE_IDS.join(", ")}`,
    );
  }

  // What Airflow would not parse, by `.airflowignore`, is not linted: in folders, and among
  // the files given (the pre-commit hook passes every changed .py file).
  const {
    python,
    modules,
    excluded,
    ignored,
    problems,
    unreadable: unlisted,
    brokenLinks,
    unlinted,
  } = await lintTargets(
    io.cwd,
    targets,
    { syntax: ignoreSyntax(io, config.airflowVersion), airflow: config.airflowVersion },
    (path) => MODULE_EXTENSIONS.includes(extname(path)),
  );
  const readers = await templateReaders(io, templatesGiven, config, python);
  // A task module given (a commit that changes only tasks/train.py): the project's pipelines
  // that call it are linted too, as compile checks each call against the function's signature.
  // Of those, what the call can get wrong is said (the compiler's MLG codes: a parameter
  // renamed, an annotation changed), not the rules' findings on the unchanged pipeline.
  const callersOnly = new Set<string>();
  if (paths.length > 0) {
    for (const m of await taskModuleCallers(config, python)) {
      if (modules.includes(m)) continue;
      modules.push(m);
      callersOnly.add(m);
    }
  }
  for (const d of problems) {
    const file = toPosix(relative(io.cwd, d.file));
    io.stderr(
      d.line === 0
        ? `mlgen lint: ${file} cannot be read (${d.reason}), and Airflow stops listing DAG files on it; mlgen lints as if it were not there\n`
        : `mlgen lint: ${file}:${d.line}: ${
            d.kind === "skipped"
              ? `Airflow skips the pattern '${d.pattern}' with a warning, and so does mlgen: ${d.reason}`
              : d.kind === "fatal"
                ? `Airflow stops listing DAG files on the pattern '${d.pattern}' (${d.reason}): fix it; mlgen lints as if the line were not there`
                : `mlgen cannot read the pattern '${d.pattern}' (${d.reason}), so what it matches is linted`
          }\n`,
    );
  }
  if (unlisted.length > 0) {
    io.stderr(
      `mlgen lint: skipped ${unlisted.length === 1 ? "a folder" : `${unlisted.length} folders`} it cannot list (permission denied), as Airflow skips ${unlisted.length === 1 ? "it" : "them"}: ${unlisted.map((d) => toPosix(relative(io.cwd, d))).join(", ")}\n`,
    );
  }
  if (brokenLinks.length > 0) {
    io.stderr(
      `mlgen lint: skipped ${brokenLinks.length === 1 ? "a link" : `${brokenLinks.length} links`} to a file that does not exist, as Airflow skips ${brokenLinks.length === 1 ? "it" : "them"}: ${brokenLinks.map((d) => toPosix(relative(io.cwd, d))).join(", ")}\n`,
    );
  }
  if (excluded.length > 0) {
    const them = excluded.length === 1 ? "it" : "them";
    io.stderr(
      `mlgen lint: not linted, as .airflowignore excludes ${them} (Airflow does not parse ${them}): ${excluded.join(", ")}\n`,
    );
  }
  // Everything given was excluded: nothing to lint, and no findings, which is no mistake.
  const allExcluded =
    targets.length > 0 &&
    python.length === 0 &&
    modules.length === 0 &&
    (excluded.length > 0 || ignored > 0);
  if (allExcluded && excluded.length === 0) {
    io.stderr(`mlgen lint: .airflowignore excludes every DAG file in ${paths.join(", ")}\n`);
  }

  if (paths.length === 0) {
    if (!config.file) {
      throw usage(
        "lint input",
        "no paths were given and there is no mlgen.config.ts",
        "pass files or folders (mlgen lint dags/), or run it where mlgen.config.ts is",
      );
    }
    modules.push(...(await pipelineFiles(config.file, config.pipelines)));
  }
  // Nothing to lint is a mistake (a wrong folder, a stale glob), never "no problems".
  if (python.length === 0 && modules.length === 0 && !allExcluded && templatesGiven.length === 0) {
    throw paths.length > 0
      ? usage(
          "lint input",
          `${paths.join(", ")} ${paths.length === 1 ? "holds" : "hold"} no Python files (.py) or pipeline modules (*.pipeline.ts)`,
          "pass the folder of your DAG files (mlgen lint dags/) or pipeline modules",
        )
      : config.pipelines.length === 0
        ? usage(
            "lint input",
            `no paths were given and ${toPosix(relative(io.cwd, config.file ?? "mlgen.config.ts"))} lists no pipelines`,
            "pass files or folders (mlgen lint dags/)",
          )
        : usage(
            "lint input",
            `the pipelines patterns of ${toPosix(relative(io.cwd, config.file ?? "mlgen.config.ts"))} (${config.pipelines.join(", ")}) match no files`,
            "fix `pipelines` in mlgen.config.ts, or pass files or folders to lint",
          );
  }

  const findings: Finding[] = [];
  // Texts of the files with findings: code frames and suppressions need no others.
  const sources = new Map<string, string>();
  const explicit = new Set(python);
  const allFolders =
    targets.length > 0 && targets.every((p) => statSync(resolve(io.cwd, p)).isDirectory());
  const folder = allFolders
    ? await wholeDagFolders(io.cwd, targets, unlinted + unlisted.length, lint.mightHoldDag)
    : null;
  const linted = await lint.lintPythonFiles(
    [...new Set([...python, ...readers])]
      .sort()
      .map((path) => ({ file: toPosix(relative(io.cwd, path)), path })),
    {
      rules: config.rules,
      airflowVersion: config.airflowVersion,
      // Folders given may each be a whole DAG folder (`mlgen lint dags/`); files alone (the
      // pre-commit hook's) are some files of one, which may not hold the DAGs their tasks name.
      dagFolder: folder?.whole === true,
    },
  );
  // default_args imported from a module of the project (the DAG folder is on sys.path) that
  // lint cannot read (no such module, a name bound to a call, ...): what depends on them is held
  // back; a clean run says so, and why, for each DAG.
  const shared = linted.flatMap((r) =>
    explicit.has(resolve(io.cwd, r.file))
      ? (r.sharedDefaults ?? []).map((s) => `  ${r.file}:${s.line}: ${s.note}\n`)
      : [],
  );
  if (shared.length > 0) {
    const more = shared.length - SHARED_SHOWN;
    io.stderr(
      `mlgen lint: default_args imported from a module of the project that lint cannot read; for those DAGs' tasks, what depends on them is not judged (missing-retries, missing-timeout, no-failure-alert, sensor-poke-mode, unknown-default-arg, trigger-conf):\n${shared.slice(0, SHARED_SHOWN).join("")}${more > 0 ? `  and ${more} more\n` : ""}`,
    );
  }
  // Folders given, tasks naming other DAGs, and missing-dag on but not judged: say why, or a
  // clean run would read as "every DAG id they name exists".
  if (folder !== null && config.rules["missing-dag"] !== "off") {
    const named = linted.some((r) => (r.across?.dagRefs.length ?? 0) > 0);
    const hiding = folder.whole
      ? linted.filter((r) => r.across?.idsHidden && r.failure === undefined).map((r) => r.file)
      : [];
    const why = !folder.whole
      ? folder.why
      : hiding.length > 0
        ? `${firstFew(hiding)} may define DAGs whose ids ${hiding.length === 1 ? "it does" : "they do"} not show (an id held by a variable, a project's DAG factory called)`
        : null;
    if (named && why !== null) {
      io.stderr(
        `mlgen lint: missing-dag (the DAG ids triggers and sensors name) not judged: ${why}; lint the whole DAG folder to judge them\n`,
      );
    }
  }
  const templateSet = new Set(templatesGiven);
  const readBy = new Set<string>();
  const failed: string[] = [];
  const unreadable: string[] = [];
  // A DAG file mlgen generated from a pipeline linted in this run (`mlgen lint .`): its findings
  // are the pipeline's, reported at the pipeline's own lines, so not a second time here.
  const pipelines = new Set(modules.map((m) => resolve(io.cwd, m)));
  const fromPipeline = (source: string) => {
    const from = /^# Generated by mlgen from (.+?)\. Do not edit/.exec(source)?.[1];
    return from !== undefined && pipelines.has(resolve(config.root, from));
  };
  for (const {
    file,
    findings: found,
    source,
    templateSources,
    templatesRead,
    failure,
    unreadable: unread,
  } of linted) {
    for (const t of templatesRead ?? []) readBy.add(resolve(io.cwd, t));
    if (!explicit.has(resolve(io.cwd, file))) {
      // A DAG file linted only because it reads a template file given: that file's findings.
      for (const f of found) {
        if (!templateSet.has(resolve(io.cwd, f.file))) continue;
        findings.push(f);
        const text = templateSources?.get(f.file);
        if (text !== undefined) sources.set(f.file, text);
      }
      continue;
    }
    if (source !== null && fromPipeline(source)) continue;
    if (source !== null) sources.set(file, source);
    for (const [name, text] of templateSources ?? []) sources.set(name, text);
    findings.push(...found);
    if (failure !== undefined) (unread ? unreadable : failed).push(`${file}: ${failure}`);
  }
  for (const t of templatesGiven) {
    if (readBy.has(t)) continue;
    io.stderr(
      `mlgen lint: ${toPosix(relative(io.cwd, t))} is read by no DAG file in ${toPosix(relative(io.cwd, templateRoot(io, t, config)) || ".")} (no task there names it as a template file), so there is nothing to check it against; not linted\n`,
    );
  }
  if (modules.length > 0) {
    const dsl = await lintPipelines(
      io,
      [...new Set(modules)].sort(),
      config.root,
      config.rules,
      await moduleLoader(),
      config,
    );
    const said = dsl.filter(
      (f) => !callersOnly.has(resolve(io.cwd, f.file)) || /^MLG\d/.test(f.ruleId),
    );
    for (const f of said) {
      if (!sources.has(f.file)) {
        const text = await readFile(resolve(io.cwd, f.file), "utf8").catch(() => null);
        if (text !== null) sources.set(f.file, text);
      }
    }
    findings.push(...lint.applySuppressions(said, sources));
  }
  findings.sort(lint.compareFindings);

  if (format === "json") io.stdout(lint.formatJson(findings));
  else if (format === "sarif")
    io.stdout(
      lint.formatSarif(findings, lint.RULES, {
        version: version(),
        root: repositoryRoot(io.cwd) ?? resolve(io.cwd),
        cwd: io.cwd,
      }),
    );
  else {
    // no-color.org: NO_COLOR set and not empty turns colour off (an empty one does not).
    const color = !io.env.NO_COLOR && wantsColor(io);
    io.stdout(lint.formatText(findings, { sources, color }));
  }

  // A suppression comment naming no rule silences nothing: say so (findings stay as they are).
  // Codes of the compiler's diagnostics (MLG3002) too: lint reports them on pipelines, and
  // `mlgen compile` honours the same comments.
  const known = new Set([...lint.RULE_IDS, ...Object.keys(DIAGNOSTICS)]);
  for (const u of lint.unknownSuppressions(sources, known)) {
    if (u.inReason) {
      io.stderr(
        `mlgen lint: ${u.file}:${u.line}: '${u.id}' follows an mlgen suppression list without a comma, so it is read as the reason and silences nothing (write 'disable=a,b')\n`,
      );
      continue;
    }
    const guess = closestName(u.id, lint.RULE_IDS);
    io.stderr(
      `mlgen lint: ${u.file}:${u.line}: '${u.id}' in an mlgen suppression comment names no rule, so it silences nothing${guess ? ` (did you mean '${guess}'?)` : ""}\n`,
    );
  }
  if (unreadable.length > 0) {
    // A file the linter could not read must not pass as clean: said after the others' findings.
    io.stderr(
      `mlgen lint: could not read ${unreadable.length === 1 ? "1 file" : `${unreadable.length} files`}:\n${unreadable.map((f) => `  ${f}\n`).join("")}  fix: make ${unreadable.length === 1 ? "it" : "them"} readable by the user running mlgen (chmod a+r)${unreadable.some((u) => u.includes(": cannot read it: it is a link to ")) ? ", and remove or repoint broken links" : ""}\n`,
    );
  }
  if (failed.length > 0) {
    // Said after the findings of the other files, and an internal error's exit code.
    io.stderr(
      `mlgen lint: could not analyze ${failed.length === 1 ? "1 file, so its findings are" : `${failed.length} files, so their findings are`} missing (please report it):\n${failed.map((f) => `  ${f}\n`).join("")}`,
    );
    return 2;
  }
  if (unreadable.length > 0) return 2;
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  if (errors > 0) return 1;
  if (warnings > maxWarnings) {
    io.stderr(
      `mlgen lint: ${warnings} warning${warnings === 1 ? "" : "s"}, more than --max-warnings ${maxWarnings}\n`,
    );
    return 1;
  }
  return 0;
}

/**
 * Where the DAG files that may read template file `abs` are looked for: the project of the
 * mlgen config in use when the file is in it, else its git repository, else the working folder
 * when the file is below it, else the file's own folder.
 */
function templateRoot(io: CliIO, abs: string, config: LintConfig): string {
  const inside = (dir: string) => {
    const r = relative(dir, abs);
    return r !== "" && !r.startsWith("..") && !isAbsolute(r);
  };
  if (config.file && inside(dirname(config.file))) return dirname(config.file);
  const repo = repositoryRoot(dirname(abs));
  if (repo) return repo;
  return inside(resolve(io.cwd)) ? resolve(io.cwd) : dirname(abs);
}

/**
 * The DAG files, beyond those given, that may read the template files given: the .py files
 * Airflow would parse (`.airflowignore` applies) in each one's `templateRoot` whose text holds
 * the template's file name. Linting them says which really read it (`templatesRead`).
 */
async function templateReaders(
  io: CliIO,
  templates: readonly string[],
  config: LintConfig,
  given: readonly string[],
): Promise<string[]> {
  if (templates.length === 0) return [];
  const names = new Map<string, Set<string>>();
  for (const t of templates) {
    const root = templateRoot(io, t, config);
    const set = names.get(root) ?? new Set<string>();
    set.add(t.slice(Math.max(t.lastIndexOf("/"), t.lastIndexOf(sep)) + 1));
    names.set(root, set);
  }
  const skip = new Set(given);
  const out = new Set<string>();
  for (const [root, wanted] of names) {
    const { python } = await lintTargets(
      io.cwd,
      [root],
      { syntax: ignoreSyntax(io, config.airflowVersion), airflow: config.airflowVersion },
      () => false,
    );
    await Promise.all(
      python
        .filter((path) => !skip.has(path))
        .map(async (path) => {
          const text = await readFile(path, "utf8").catch(() => "");
          for (const name of wanted) if (text.includes(name)) out.add(path);
        }),
    );
  }
  return [...out];
}

/** The files `pipelines` of config file `file` names: globs and paths from its folder. */
async function pipelineFiles(file: string, pipelines: readonly string[]): Promise<string[]> {
  const base = resolve(file, "..");
  const out: string[] = [];
  for (const pattern of pipelines) {
    if (isGlob(pattern)) {
      const { globFiles } = await import("../glob.js");
      out.push(...(await globFiles(pattern, base)));
    } else out.push(resolve(base, pattern));
  }
  return out;
}

/**
 * The project's pipeline modules (mlgen.config.ts's `pipelines`) whose text names one of the
 * Python files given as a task module, `fn: "tasks/train.py:fit"` (its path from the project's
 * root, then the function's name). Only text is read: a module naming none is not loaded.
 */
async function taskModuleCallers(config: LintConfig, given: readonly string[]): Promise<string[]> {
  if (config.file === null || given.length === 0 || config.pipelines.length === 0) return [];
  const names = given
    .map((path) => toPosix(relative(config.root, path)))
    .filter((rel) => rel !== "" && !rel.startsWith("../") && !isAbsolute(rel))
    .map((rel) => `${rel}:`);
  if (names.length === 0) return [];
  const candidates = await pipelineFiles(config.file, config.pipelines);
  const callers = await Promise.all(
    [...new Set(candidates)].map(async (path) => {
      const text = await readFile(path, "utf8").catch(() => "");
      return names.some((name) => text.includes(name)) ? path : null;
    }),
  );
  return callers.filter((path): path is string => path !== null);
}

/** FORCE_COLOR, else only when the process's own stdout is a terminal (not a test's io). */
function wantsColor(io: CliIO): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return io.env === process.env && process.stdout.isTTY === true;
}

/** The top folder of the git repository holding `dir` (where code scanning resolves paths). */
function repositoryRoot(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return null;
  }
}

/** Why a path that exists as a link does not resolve: a loop, or a missing target; else null. */
function linkProblem(abs: string): string | null {
  try {
    if (!lstatSync(abs).isSymbolicLink()) return null;
  } catch {
    return null;
  }
  try {
    statSync(abs);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ELOOP"
      ? "is a link that leads back to itself (a loop of links)"
      : `is a link to ${readlinkSync(abs)}, which does not exist`;
  }
}
