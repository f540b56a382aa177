/**
 * `mlgen init [dir]`: a new mlgen project from templates/init — config, a sample pipeline and
 * its Python tasks, a pre-commit config using the mlgen hook, a CI workflow that lints and
 * checks the compiled output (both printed for the repository's root instead, when the project
 * is in a subfolder of a git repository), and package scripts. Never overwrites: when any file it would
 * write exists, it writes nothing and names them (`--force` replaces them). It asks questions
 * only on a TTY; otherwise (CI, scripts) flags and defaults decide.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { HARD_KEYWORDS } from "@mlgen/compiler";
import type HandlebarsApi from "handlebars";
import * as runtime from "handlebars/runtime.js";
import { CliError, type CliIO, shellWord } from "../io.js";
import { LINTED_FILES } from "../lint-files.js";
import { version } from "../run.js";
import { writeAtomic } from "../write.js";

/**
 * How the new project gets mlgen. Run from a checkout (mlgen is not on the npm registry), the
 * plain `npm install` of `@mlgen/cli@^0.1.0` fails with a 404: the packages are installed from
 * the checkout's folders, as the README says.
 */
function installLine(): string {
  const cliDir = fileURLToPath(new URL("../../", import.meta.url)).replace(/[\\/]$/, "");
  const dslDir = join(cliDir, "..", "dsl");
  const fromCheckout =
    !cliDir.split(sep).includes("node_modules") && existsSync(join(dslDir, "package.json"));
  return fromCheckout
    ? `npm install -D ${shellWord(cliDir)} ${shellWord(resolve(dslDir))}   # mlgen from its checkout (it is not on the npm registry)`
    : "npm install";
}

import { INIT_TEMPLATE_SPECS } from "./init-templates.generated.js";

export interface InitOptions {
  readonly name?: string;
  readonly target?: string;
  readonly force?: boolean;
  /** Accept the defaults without asking, even on a TTY. */
  readonly yes?: boolean;
}

/** Handlebars' runtime: the templates come precompiled (the CommonJS module's export). */
const Handlebars = (runtime as unknown as { default: typeof HandlebarsApi }).default;

/**
 * Template under templates/ (precompiled into init-templates.generated.ts) → the file it becomes,
 * `MODULE` standing for the module name (dotfiles are stored without the dot, so tools ignore them).
 */
const FILES: ReadonlyArray<readonly [keyof typeof INIT_TEMPLATE_SPECS, string]> = [
  ["init/mlgen.config.ts.hbs", "mlgen.config.ts"],
  ["init/pipelines/pipeline.ts.hbs", "pipelines/MODULE.pipeline.ts"],
  ["init/tasks/module.py.hbs", "tasks/MODULE.py"],
  ["init/pre-commit-config.yaml.hbs", ".pre-commit-config.yaml"],
  ["init/.github/workflows/mlgen.yml.hbs", ".github/workflows/mlgen.yml"],
  ["init/package.json.hbs", "package.json"],
  ["init/tsconfig.json.hbs", "tsconfig.json"],
  ["init/gitignore.hbs", ".gitignore"],
];

const TARGETS = ["airflow", "kubeflow", "all"] as const;
/** A name is used as the pipeline id, the Python module and the package name: keep it plain. */
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** `My Project-2` → `my_project_2`: what a folder name becomes as a default pipeline name. */
export function defaultName(dir: string): string {
  const slug = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (slug === "") return "ml_pipeline";
  const name = /^[a-z]/.test(slug) ? slug : `ml_${slug}`;
  // 'tasks' would be dags/tasks.py beside the tasks/ folder, and a Python keyword cannot name
  // the task module (see initCommand).
  if (name === "tasks" || HARD_KEYWORDS.has(name)) return `${name}_pipeline`;
  return NAME.test(name) ? name : "ml_pipeline";
}

export interface Scaffold {
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}

export interface ScaffoldPlace {
  /**
   * The project's folder from the root of the git repository it is in, when that is not the
   * root (`ml`): the workflow and the pre-commit config are then the root's, written for it.
   */
  readonly subfolder?: string;
  /** The file of mlgen's TypeScript settings: `tsconfig.mlgen.json` beside a project's own. */
  readonly tsconfig?: string;
}

const WORKFLOW = ".github/workflows/mlgen.yml";
/** The files that only work at the root of a git repository (a project's workflow is named after its folder). */
export const isRepositoryRootFile = (path: string): boolean =>
  path === ".pre-commit-config.yaml" || path.startsWith(".github/workflows/");
/** `ml/team-a` → `ml-team-a`: a subfolder in a file name or a hook id. */
const slug = (path: string) => path.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "");

/** mlgen's TypeScript settings beside a project's own tsconfig.json, which init leaves alone. */
export const MLGEN_TSCONFIG = "tsconfig.mlgen.json";

/** A YAML single-quoted scalar: nothing in it is special but the quote, doubled. */
const yamlQuoted = (text: string) => `'${text.replace(/'/g, "''")}'`;
const regexEscaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The files of a new project, as data (the command writes them). */
export function scaffold(
  name: string,
  target: (typeof TARGETS)[number],
  cliVersion: string,
  place: ScaffoldPlace = {},
): Scaffold {
  const hb = Handlebars.create();
  // The only way a value with quotes could reach a file: as a JSON (= TS and JSON) string literal.
  hb.registerHelper("json", (value: unknown) => new hb.SafeString(JSON.stringify(value)));
  const sub = place.subfolder;
  const tsc = place.tsconfig ? `tsc -p ${place.tsconfig}` : "tsc";
  const context = {
    // At a repository's root, as before; from its root, the hook reaches into the subfolder:
    // pre-commit runs hooks from the root with paths from there.
    subfolder: sub ?? "",
    workingDirectory: sub ? yamlQuoted(sub) : "",
    workflowName: sub ? yamlQuoted(`mlgen (${sub})`) : "mlgen",
    hookName: sub ? yamlQuoted(`mlgen lint (${sub})`) : "mlgen lint",
    lintEntry: sub
      ? yamlQuoted(
          `${shellWord(`${sub}/node_modules/.bin/mlgen`)} lint --config ${shellWord(`${sub}/mlgen.config.ts`)}`,
        )
      : "node_modules/.bin/mlgen lint",
    // What the hook of .pre-commit-hooks.yaml lints: DAG files, pipelines, and the template
    // files a DAG reads (a commit that changes only them is linted through the DAG).
    lintFiles: sub ? yamlQuoted(`^${regexEscaped(sub)}/.*${LINTED_FILES}`) : LINTED_FILES,
    // Two projects' hooks in one .pre-commit-config.yaml need two ids.
    hookId: sub ? `mlgen-lint-${slug(sub)}` : "mlgen-lint",
    typecheck: `npx ${tsc}`,
    typecheckScript: tsc,
    id: name,
    module: name,
    packageName: name.replace(/_/g, "-"),
    target,
    kubeflow: target !== "airflow",
    airflow: target !== "kubeflow",
    startDate: "2025-01-01",
    dataVariable: `${name}_data_dir`,
    cliVersion: `^${cliVersion}`,
  };
  const files = FILES.map(([source, path]) => {
    const spec = INIT_TEMPLATE_SPECS[source] as unknown as Parameters<typeof hb.template>[0];
    // A workflow per project: two projects of one repository do not overwrite each other's.
    const file =
      path === "tsconfig.json" && place.tsconfig
        ? place.tsconfig
        : path === WORKFLOW && sub
          ? `.github/workflows/mlgen-${slug(sub)}.yml`
          : path;
    return { path: file.replace("MODULE", context.module), content: hb.template(spec)(context) };
  });
  return { files };
}

async function ask(question: string, fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`${question} (${fallback}) `)).trim();
    return answer === "" ? fallback : answer;
  } finally {
    rl.close();
  }
}

const toPosix = (p: string) => p.split(sep).join("/");

export async function initCommand(
  io: CliIO,
  dirArg: string | undefined,
  options: InitOptions,
): Promise<number> {
  const dir = dirArg === undefined ? io.cwd : isAbsolute(dirArg) ? dirArg : resolve(io.cwd, dirArg);
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !options.yes;
  let name = options.name ?? defaultName(dir);
  let target = options.target ?? "airflow";
  if (interactive && options.name === undefined) name = await ask("Pipeline name?", name);
  if (interactive && options.target === undefined) {
    target = await ask(`Target (${TARGETS.join(", ")})?`, target);
  }
  if (!NAME.test(name)) {
    throw new CliError(
      `mlgen init: '${name}' cannot name a pipeline: use lowercase letters, digits and _ , starting with a letter (e.g. --name churn_model)`,
      2,
    );
  }
  if (name === "tasks") {
    // dags/tasks.py beside the copied tasks/ folder: Python would import the DAG file.
    throw new CliError(
      "mlgen init: 'tasks' cannot name the pipeline: its DAG file tasks.py would shadow the tasks/ folder of its task modules; choose another name (e.g. --name tasks_pipeline)",
      2,
    );
  }
  if (HARD_KEYWORDS.has(name)) {
    // tasks/class.py cannot be imported: `from tasks.class import ...` is a syntax error.
    throw new CliError(
      `mlgen init: '${name}' cannot name the pipeline: it is a Python keyword, and its task module tasks/${name}.py could not be imported; choose another name (e.g. --name ${name}_pipeline)`,
      2,
    );
  }
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new CliError(
      `mlgen init: '${target}' is not a target: use --target ${TARGETS.join(", --target ")}`,
      2,
    );
  }
  const shown = toPosix(relative(io.cwd, dir)) || ".";
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new CliError(
      `mlgen init: ${shown} is a file, not a folder; give the folder to create the project in (a new one, or an existing one to add mlgen to)`,
      2,
    );
  }
  const repository = gitRoot(dir);
  const subfolder =
    repository !== null && repository !== dir ? toPosix(relative(repository, dir)) : undefined;
  // A TypeScript project's own tsconfig.json is left alone: its build (module, outDir, include)
  // is not mlgen's to change. mlgen's settings go beside it, and its scripts name them.
  const ownTsconfig =
    existsSync(join(dir, "tsconfig.json")) &&
    readFileSync(join(dir, "tsconfig.json"), "utf8") !==
      scaffold(name, "airflow", version()).files.find((f) => f.path === "tsconfig.json")?.content;
  const all = scaffold(name, target as (typeof TARGETS)[number], version(), {
    ...(subfolder === undefined ? {} : { subfolder }),
    ...(ownTsconfig ? { tsconfig: MLGEN_TSCONFIG } : {}),
  });
  // GitHub reads workflows only at the repository's root, and pre-commit runs from there: in a
  // subfolder, these two are printed for the root, not written where they would do nothing.
  const forRoot =
    subfolder === undefined ? [] : all.files.filter((f) => isRepositoryRootFile(f.path));
  const files = all.files.filter((f) => !forRoot.includes(f));
  const existing = files.filter((f) => existsSync(join(dir, f.path))).map((f) => f.path);
  // An existing package.json or .gitignore is added to, never replaced: mlgen can join a repo.
  const merged = new Map<string, string>();
  for (const path of existing) {
    const f = files.find((x) => x.path === path);
    const content = f ? mergeInto(path, readFileSync(join(dir, path), "utf8"), f.content) : null;
    if (content !== null) merged.set(path, content);
  }
  const replaced = existing.filter((p) => !merged.has(p));
  if (replaced.length > 0 && !options.force) {
    // A package.json mlgen could not add to is said as such: fixing it keeps the user's file.
    const unreadable = replaced.includes("package.json")
      ? ` (its package.json is not a JSON object mlgen can add its scripts and devDependencies to: fix it, and mlgen adds to it instead of replacing it)`
      : "";
    io.stderr(
      `mlgen init: ${shown} already has ${replaced.join(", ")}${unreadable}; nothing was written.\n` +
        "Run it in an empty folder, or pass --force to replace those files.\n",
    );
    return 1;
  }
  for (const f of files) await writeAtomic(join(dir, f.path), merged.get(f.path) ?? f.content);
  const counts = [
    replaced.length ? `${replaced.length} replaced` : "",
    merged.size ? `${[...merged.keys()].join(" and ")} added to` : "",
  ].filter(Boolean);
  const tscLine = ownTsconfig
    ? `npx tsc -p ${MLGEN_TSCONFIG}   # type-checks the pipelines`
    : "npx tsc                # type-checks the pipelines";
  io.stdout(
    `mlgen: created a project in ${shown} (${files.length} files${counts.map((c) => `, ${c}`).join("")}):\n` +
      files.map((f) => `  ${f.path}\n`).join("") +
      (ownTsconfig
        ? `\ntsconfig.json was left as it is: mlgen compiles and lints without it. mlgen's TypeScript settings are in ${MLGEN_TSCONFIG}, which type-checks mlgen.config.ts and pipelines/ (npm run typecheck runs tsc -p ${MLGEN_TSCONFIG}).${tsconfigCoversAll(join(dir, "tsconfig.json")) ? ` Your tsconfig.json has no "include" or "files", so its tsc takes in mlgen.config.ts and pipelines/ too: add them to its "exclude" if its build should leave them out.` : ""}\n`
        : "") +
      `\nNext:\n${shown === "." ? "" : `  cd ${shellWord(shown)}\n`}  ${installLine()}\n  npx mlgen compile      # writes ${target === "airflow" ? "dags/" : target === "kubeflow" ? "kubeflow/" : "dags/ and kubeflow/"}\n  ${tscLine}\n  npx mlgen lint\n  npx mlgen graph --format html --out graph.html\n` +
      (forRoot.length > 0 && repository !== null
        ? repositoryRootFiles(io, repository, subfolder ?? "", forRoot)
        : ""),
  );
  return 0;
}

/**
 * What to add at the root of the repository for a project in its subfolder: the CI workflow,
 * run in the subfolder, and the pre-commit hook, which runs from the root with paths from there.
 */
function repositoryRootFiles(
  io: CliIO,
  repository: string,
  subfolder: string,
  files: Scaffold["files"],
): string {
  const root = toPosix(relative(io.cwd, repository)) || ".";
  const at = (path: string) => (root === "." ? path : `${root}/${path}`);
  const blocks = files.map((f) =>
    f.path === ".pre-commit-config.yaml"
      ? `${at(f.path)} (if it exists, add the "- repo: local" entry below to its repos:):\n\n${f.content}`
      : `${at(f.path)}:\n\n${f.content}`,
  );
  return (
    `\n${subfolder}/ is a subfolder of the git repository ${root === "." ? "here" : `at ${root}`}: GitHub reads workflows only from the repository's root, and pre-commit runs its hooks from there, so init did not write ${files.map((f) => f.path).join(" and ")} in ${subfolder}/. Add them at the repository's root (they run mlgen in ${subfolder}/):\n\n` +
    blocks.join("\n")
  );
}

/** The root of the git work tree `dir` is in (the nearest folder holding `.git`), or null. */
function gitRoot(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return null;
  }
}

/** Whether a tsconfig.json takes in every TypeScript file of its folder (no include, no files). */
function tsconfigCoversAll(file: string): boolean {
  try {
    // JSON with comments and trailing commas, as tsc reads it; strings are kept as they are.
    const text = readFileSync(file, "utf8")
      .replace(/^\uFEFF/, "")
      .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str) => str ?? "")
      .replace(/,(\s*[}\]])/g, "$1");
    const config = JSON.parse(text) as Record<string, unknown>;
    return !("include" in config) && !("files" in config) && !("extends" in config);
  } catch {
    return false;
  }
}

/**
 * An existing file with what mlgen needs added: package.json gets the scripts and dependencies
 * it lacks (its own are kept, `type` too), .gitignore the lines it lacks. Null when the file
 * cannot be merged (package.json that is not a JSON object): it is then replaced, with --force.
 */
function mergeInto(path: string, old: string, fresh: string): string | null {
  if (path === ".gitignore") {
    // `node_modules` and `node_modules/` ignore the same folder here.
    const norm = (l: string) => l.trim().replace(/\/$/, "");
    const have = new Set(old.split(/\r?\n/).map(norm));
    const add = fresh.split("\n").filter((l) => l.trim() !== "" && !have.has(norm(l)));
    if (add.length === 0) return old;
    return `${old}${old === "" || old.endsWith("\n") ? "" : "\n"}${add.join("\n")}\n`;
  }
  if (path !== "package.json") return null;
  let pkg: unknown;
  try {
    pkg = JSON.parse(old.replace(/^\uFEFF/, ""));
  } catch {
    return null;
  }
  if (typeof pkg !== "object" || pkg === null || Array.isArray(pkg)) return null;
  const ours = JSON.parse(fresh) as Record<string, unknown>;
  const out = { ...(pkg as Record<string, unknown>) };
  for (const key of ["scripts", "devDependencies"]) {
    const mine = ours[key] as Record<string, string>;
    const theirs = out[key];
    if (theirs !== undefined && (typeof theirs !== "object" || theirs === null)) return null;
    // The repo's own entries first and kept as they are (a script of the same name stays theirs).
    out[key] = {
      ...(theirs as Record<string, string> | undefined),
      ...mine,
      ...(theirs as object),
    };
  }
  const indent = /^[ \t]+(?=")/m.exec(old)?.[0] ?? "  ";
  return `${JSON.stringify(out, null, indent)}\n`;
}
