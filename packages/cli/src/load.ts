import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { type SourceLocation, withNativeStackTrace } from "@mlgen/core/light";

export type ModuleLoader = ((file: string) => Promise<Record<string, unknown>>) & {
  /** Drops this loader's tsx hook layer (namespaced loaders only): a long `--watch` session
   * creates one loader per rebuild and must not pile up layers every module load goes through. */
  readonly dispose: () => Promise<void>;
};

let registered = false;

/** Set by the startup snapshot (snapshot/entry.ts): its loader, used instead of tsx's. */
let snapshotLoader: (() => ModuleLoader) | undefined;

export function useSnapshotLoader(create: () => ModuleLoader): void {
  snapshotLoader = create;
}

/**
 * A loader for the user's TypeScript (or JavaScript) modules: users run no build step.
 *
 * The first loader in a process registers tsx for the whole process: nothing of the user's is
 * loaded yet, so nothing can be stale, and the user's modules share mlgen's own instances of
 * `@mlgen/dsl`, `@mlgen/core` and zod (loaded by Node before tsx is registered). Every later
 * loader (a second command in the same process: tests, API callers) gets a tsx namespace of
 * its own, so changed files are loaded afresh, at the price of loading what they import again.
 * One loader serves all the modules of a command: each registration adds a hook layer that
 * every later module load goes through.
 */
export async function createModuleLoader(): Promise<ModuleLoader> {
  if (snapshotLoader) return guarded(snapshotLoader());
  // tsx inlines source maps; with them on, stack traces (and so diagnostics) point at .ts lines.
  process.setSourceMapsEnabled(true);
  const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
  let load: (url: string) => Promise<unknown>;
  let dispose = async () => {};
  // Under vitest, import() goes through vite's module runner rather than Node's loader and tsx:
  // tests get a namespace every time.
  if (!registered && !process.env.VITEST) {
    registered = true;
    cjs.register();
    esm.register();
    load = (url) => import(url);
  } else {
    const namespace = randomUUID();
    // As tsImport does: the CommonJS hooks too, for a project without "type": "module".
    const cjsApi = cjs.register({ namespace });
    const api = esm.register({ namespace });
    load = (url) => api.import(url, import.meta.url);
    dispose = async () => {
      cjsApi.unregister();
      await api.unregister();
    };
  }
  const loader = async (file: string) => {
    const ns = (await load(pathToFileURL(file).href)) as Record<string, unknown>;
    // In a package without "type": "module", tsx loads the file as CommonJS: the ESM exports
    // then sit on `module.exports`, marked `__esModule`, under the namespace's `default`.
    const cjsExports = ns.default as { __esModule?: unknown } | undefined;
    if (cjsExports && typeof cjsExports === "object" && cjsExports.__esModule === true)
      return cjsExports as Record<string, unknown>;
    return exportedNothing(ns.default) && loadsAsCommonJS(file) ? {} : ns;
  };
  return guarded(Object.assign(loader, { dispose: () => dispose() }));
}

/**
 * Whether a module loaded as CommonJS exported nothing: its `module.exports` is still an empty
 * object (without the `__esModule` mark of a transformed ES module's exports). A TypeScript
 * module with no `export` at all, loaded as CommonJS (tsx in a package without
 * `"type": "module"`, the snapshot's bundles), reads that way; import() would give the empty
 * object as its default export, which a config would take as an empty config, silently. Both
 * loaders give such a module no exports at all instead, as Node gives an ES module with none.
 */
export function exportedNothing(exports: unknown): boolean {
  return (
    typeof exports === "object" &&
    exports !== null &&
    Object.getPrototypeOf(exports) === Object.prototype &&
    Reflect.ownKeys(exports).length === 0
  );
}

/**
 * Whether Node (and tsx, which follows it for `.ts`) loads `file` as CommonJS: a `.cjs` or `.cts`
 * file, or a `.js` or `.ts` one whose nearest package.json does not say `"type": "module"`.
 */
function loadsAsCommonJS(file: string): boolean {
  if (!/\.[cm]?[jt]sx?$/.test(file)) return false; // JSON
  if (/\.c[jt]s$/.test(file)) return true;
  if (/\.m[jt]s$/.test(file)) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    let text: string;
    try {
      text = readFileSync(join(dir, "package.json"), "utf8");
    } catch {
      if (dirname(dir) === dir) return true;
      continue;
    }
    try {
      return (JSON.parse(text) as { type?: unknown }).type !== "module";
    } catch {
      return true;
    }
  }
}

/** Loads in progress, by file: what the exit guard names when one never finishes. */
const loading = new Map<string, number>();
const CONSOLE_TO_STDERR = ["log", "info", "debug", "dir", "table"] as const;
/** What the guard replaced while modules load, to put back when the last load ends. */
let saved: {
  exit: typeof process.exit;
  console: Console[(typeof CONSOLE_TO_STDERR)[number]][];
} | null = null;

/** Forgets the loads in progress: the process ends now, and another one reported them. */
export function abandonLoads(): void {
  loading.clear();
  process.removeListener("exit", onExitDuringLoad);
}

function onExitDuringLoad(): void {
  const files = [...loading.keys()].map((f) => relative(process.cwd(), f) || f);
  if (files.length === 0) return;
  process.stderr.write(
    `mlgen: error MLG1014: pipeline module ${files.join(", ")} never finished loading: a top-level await in it (or in what it imports) never settled, and Node exited with nothing left to run
  fix: make every top-level await settle (a promise that never resolves, a server left listening for a request)
`,
  );
  process.exitCode = 1;
}

/**
 * A loader that keeps the user's module from breaking the command's own output while it loads:
 * its console output goes to stderr (stdout carries `--format json`, SARIF, the graph), a
 * `process.exit()` in it is an error of the load (it would end the command with its exit code,
 * 0 included: a silent pass in CI), and a load that never settles (a top-level await) ends
 * with an error naming the module rather than an exit with nothing said.
 */
function guarded(load: ModuleLoader): ModuleLoader {
  const guard = async (file: string) => {
    if (loading.size === 0) {
      // The first load of several at once patches, the last one out restores.
      saved = { exit: process.exit, console: CONSOLE_TO_STDERR.map((k) => console[k]) };
      for (const k of CONSOLE_TO_STDERR) console[k] = console.error;
      process.exit = ((code?: number | string | null) => {
        // Node's own exit (an unsettled top-level await ends the process this way) goes
        // through; onExitDuringLoad then says which module never finished.
        const caller = withNativeStackTrace(() => new Error().stack ?? "").split("\n")[2] ?? "";
        if (caller.includes("node:internal") && saved) return saved.exit(code);
        throw new Error(
          `it called process.exit(${code ?? ""}) while mlgen loaded it; a pipeline or config module must only define, so throw an error instead`,
        );
      }) as typeof process.exit;
      process.once("exit", onExitDuringLoad);
    }
    loading.set(file, (loading.get(file) ?? 0) + 1);
    try {
      return await load(file);
    } finally {
      const n = (loading.get(file) ?? 1) - 1;
      if (n > 0) loading.set(file, n);
      else loading.delete(file);
      if (loading.size === 0 && saved) {
        process.removeListener("exit", onExitDuringLoad);
        process.exit = saved.exit;
        const restore = saved.console;
        CONSOLE_TO_STDERR.forEach((k, i) => {
          console[k] = restore[i] as (typeof console)[typeof k];
        });
        saved = null;
      }
    }
  };
  return Object.assign(guard, { dispose: load.dispose });
}

/** Imports one TypeScript (or JavaScript) module with a loader of its own. */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  return (await createModuleLoader())(file);
}

/**
 * esbuild's first error, when the module did not transform (a syntax error): its text and where
 * (line 1-based, column 0-based). tsx and the snapshot's loader both throw esbuild's error, whose
 * message is only "Transform failed with 1 error:" and then "file:line:column: ERROR: text".
 */
function esbuildError(
  error: unknown,
): { text: string; file: string; line: number; column: number } | null {
  const first = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(first) && first.length > 0) {
    const e = first[0] as {
      text?: unknown;
      location?: { file?: unknown; line?: unknown; column?: unknown } | null;
    };
    const loc = e.location;
    if (typeof e.text === "string" && loc && typeof loc.line === "number") {
      return {
        text: e.text,
        file: String(loc.file ?? ""),
        line: loc.line,
        column: Number(loc.column ?? 0),
      };
    }
  }
  const message = error instanceof Error ? error.message : "";
  const m = /^(?:Transform|Build) failed with \d+ errors?:\n(.+?):(\d+):(\d+): ERROR: (.*)/.exec(
    message,
  );
  return m
    ? { text: m[4] as string, file: m[1] as string, line: Number(m[2]), column: Number(m[3]) }
    : null;
}

/** The file, line and column of each frame of an error's stack (file URLs as paths). */
function stackFrames(error: unknown): { file: string; line: number; column: number }[] {
  const stack = withNativeStackTrace(() => (error instanceof Error ? (error.stack ?? "") : ""));
  const out: { file: string; line: number; column: number }[] = [];
  for (const line of stack.split("\n").slice(1)) {
    // `at f (/path:1:2)` or `at /path:1:2`; never the `/deps/...` inside `node:internal/...`.
    const m = /(?:\(|at )((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)/.exec(line);
    if (!m) continue;
    const file = (m[1] as string).startsWith("file:")
      ? fileURLToPath(m[1] as string)
      : (m[1] as string);
    out.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}

/** The first stack frame inside `file`, to point a load error at the user's line. */
export function frameIn(error: unknown, file: string, root: string): SourceLocation {
  const syntax = esbuildError(error);
  if (syntax && (syntax.file === file || resolve(root, syntax.file) === file)) {
    return { file: relative(root, file), line: syntax.line, column: syntax.column + 1 };
  }
  const frame = stackFrames(error).find((f) => f.file === file);
  if (frame) return { file: relative(root, file), line: frame.line, column: frame.column };
  const site = importSite(error, file);
  return site ? { file: relative(root, file), ...site } : { file: relative(root, file) };
}

/**
 * Where in `file` the import is that Node could not link, which no stack frame shows: the
 * module it could not find (`Cannot find module '/p/helpers' imported from <file>`: the
 * specifier `./helpers` as written), or the name a module does not export (`The requested
 * module '@mlgen/dsl' does not provide an export named 'hour'`: `hour` in the import's braces).
 */
function importSite(error: unknown, file: string): { line: number; column: number } | null {
  const message = error instanceof Error ? error.message : "";
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const at = (offset: number) => {
    const before = source.slice(0, offset).split("\n");
    return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
  };
  const quoted = (spec: string) =>
    new RegExp(`(["'])${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:\\.[cm]?[jt]sx?)?\\1`);
  const missing = /Cannot find (?:module|package) '([^']+)' imported from (\S+)/.exec(message);
  if (missing?.[1] && missing[2]) {
    const importer = missing[2].startsWith("file:") ? fileURLToPath(missing[2]) : missing[2];
    if (resolve(importer) !== resolve(file)) return null;
    const spec = missing[1];
    const written = spec.startsWith("/")
      ? [`./${relative(dirname(file), spec)}`, `../${relative(dirname(dirname(file)), spec)}`]
      : [spec];
    for (const w of written) {
      const m = quoted(w).exec(source);
      if (m) return at(m.index + 1);
    }
    return null;
  }
  const unexported =
    /The requested module '([^']+)' does not provide an export named '([^']+)'/.exec(message);
  if (unexported?.[1] && unexported[2]) {
    const spec = quoted(unexported[1]);
    for (const m of source.matchAll(/\bimport\s*(?:type\s*)?\{([^}]*)\}\s*from\s*/g)) {
      const after = source.slice((m.index ?? 0) + m[0].length);
      if (!spec.test(after.slice(0, unexported[1].length + 8)) || after.search(spec) !== 0)
        continue;
      const name = new RegExp(`\\b${unexported[2]}\\b`).exec(m[1] ?? "");
      if (name) return at((m.index ?? 0) + m[0].indexOf("{") + 1 + name.index);
    }
  }
  return null;
}

/** mlgen's own packages: `packages/` in this repository, `node_modules/@mlgen/` when installed. */
const MLGEN_PACKAGES = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Where an error thrown outside any load (a rejected promise nobody awaited, a throwing timer)
 * comes from: the first stack frame in the user's code (not Node's, not a dependency's, not
 * mlgen's); `mlgen` when the stack runs through mlgen's code only (a bug of mlgen's);
 * `unknown` when it has no frame of either (a rejected non-Error, a failed `fetch`).
 */
export function uncaughtOrigin(
  error: unknown,
  root: string,
): { at: SourceLocation } | "mlgen" | "unknown" {
  let mlgen = false;
  for (const { file, line, column } of stackFrames(error)) {
    if (file.startsWith(MLGEN_PACKAGES)) mlgen = true;
    if (file.includes("/node_modules/") || file.startsWith(MLGEN_PACKAGES)) continue;
    return { at: { file: relative(root, file) || file, line, column } };
  }
  return mlgen ? "mlgen" : "unknown";
}

/**
 * Why a pipeline module failed to load (MLG1014): its message; with MLGEN_DEBUG set, the whole
 * stack goes to stderr first (`node --import tsx file.ts` cannot resolve tsx from a project
 * where pnpm keeps it inside mlgen's own dependencies, so the fix points here).
 */
export function loadFailure(error: unknown): string {
  if (process.env.MLGEN_DEBUG && error instanceof Error && error.stack && !esbuildError(error)) {
    process.stderr.write(`${error.stack}\n`);
  }
  return errorMessage(error);
}

export function errorMessage(error: unknown): string {
  const syntax = esbuildError(error);
  if (syntax) return syntax.text;
  if (error instanceof Error) return error.message.split("\n")[0] ?? String(error);
  // A rejected plain value: shown as Node shows it, on one line and cut short.
  const shown =
    typeof error === "string" ? error : inspect(error, { depth: 1, breakLength: Infinity });
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}
