/**
 * The module loader of the startup snapshot (entry.ts): the user's config and pipeline modules
 * bundled by esbuild into CommonJS, kept in a cache keyed by their sources, and run with
 * mlgen's own modules (the snapshot's instances) for `@mlgen/*` imports.
 *
 * It serves the common case only. Anything else — esbuild reporting an error or a warning (top-
 * level await, `import.meta` in a CommonJS bundle, a syntax error), or a module throwing while
 * it loads — goes to `unsupported`, which runs the plain CLI (tsx) with the same arguments and
 * exits as it did: what users see in those cases, diagnostics included, is what the plain CLI
 * says. Commands load every module before they print or write anything, so nothing is doubled.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import Module, { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { exportedNothing, type ModuleLoader } from "../load.js";
import { readIfThere, writeAtomic } from "../write.js";

type Esbuild = typeof import("esbuild");

interface CacheEntry {
  /** Every file esbuild read, with the sha1 of its text then. */
  readonly inputs: readonly (readonly [string, string])[];
  readonly code: string;
}

/** Bumped when the build options below change: older cache entries are then ignored. */
const FORMAT = 1;

/** Node's CommonJS internals that a loader for code held in memory needs. */
interface CjsModule {
  filename: string;
  paths: string[];
  exports: Record<string, unknown>;
  require: (id: string) => unknown;
  _compile(code: string, filename: string): void;
}
const NodeModule = Module as unknown as {
  new (id: string): CjsModule;
  _nodeModulePaths(dir: string): string[];
};

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export interface SnapshotLoaderOptions {
  /** mlgen's modules by specifier (`@mlgen/dsl`, …): the user's imports of them get these. */
  readonly modules: Readonly<Record<string, unknown>>;
  /** Loads esbuild, from the CLI package's own dependencies. */
  readonly esbuild: () => Esbuild;
  /** Called with the reason when a module needs the plain CLI; does not return. */
  readonly unsupported: (reason: string) => never;
}

/** Where bundles are cached: `mlgen-<user>/modules` in the temp folder, as tsx does. */
function cacheFolder(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? "user");
  }
  return join(tmpdir(), `mlgen-${user}`, "modules");
}

export function createSnapshotLoader(options: SnapshotLoaderOptions): ModuleLoader {
  const cacheDir = cacheFolder();
  let esbuild: Esbuild | undefined;

  const bundle = async (file: string): Promise<string> => {
    const key = join(cacheDir, `${sha1(`${FORMAT}\0${process.version}\0${file}`)}.json`);
    const cached = readIfThere(key);
    if (cached !== null) {
      try {
        const entry = JSON.parse(cached) as CacheEntry;
        if (entry.inputs.every(([path, hash]) => sha1(readIfThere(path) ?? "\0") === hash))
          return entry.code;
      } catch {
        // A torn or foreign entry: bundle again and replace it.
      }
    }
    esbuild ??= options.esbuild();
    const dir = dirname(file);
    let result: ReturnType<Esbuild["buildSync"]> & { metafile: { inputs: object } };
    try {
      result = esbuild.buildSync({
        entryPoints: [file],
        absWorkingDir: dir,
        // Not written: it only makes the source map's paths relative to the module's folder.
        outfile: join(dir, "mlgen-bundle.js"),
        write: false,
        bundle: true,
        packages: "external",
        format: "cjs",
        platform: "node",
        target: `node${process.versions.node}`,
        sourcemap: "inline",
        sourcesContent: false,
        metafile: true,
        logLevel: "silent",
      }) as typeof result;
    } catch (e) {
      return options.unsupported(`esbuild could not bundle ${file}: ${(e as Error).message}`);
    }
    if (result.warnings.length > 0)
      return options.unsupported(`esbuild warned on ${file}: ${result.warnings[0]?.text}`);
    const code = result.outputFiles?.[0]?.text ?? "";
    const inputs = Object.keys(result.metafile.inputs).map((p) => {
      const path = join(dir, p);
      return [path, sha1(readIfThere(path) ?? "\0")] as const;
    });
    try {
      await mkdir(cacheDir, { recursive: true });
      await writeAtomic(key, JSON.stringify({ inputs, code } satisfies CacheEntry));
    } catch {
      // No cache (a read-only temp folder): the next run bundles again.
    }
    return code;
  };

  const loader = async (file: string) => {
    // esbuild bundles a JSON entry point into no exports at all: read it as import() would.
    if (file.endsWith(".json")) {
      try {
        return { default: JSON.parse(readFileSync(file, "utf8")) as unknown };
      } catch (e) {
        return options.unsupported(`${file} is not JSON: ${(e as Error).message}`);
      }
    }
    const code = await bundle(file);
    // Stack traces (and so the places diagnostics name) through the inline source map.
    process.setSourceMapsEnabled(true);
    const mod = new NodeModule(file);
    mod.filename = file;
    mod.paths = NodeModule._nodeModulePaths(dirname(file));
    const plain = createRequire(file);
    mod.require = (id) => (Object.hasOwn(options.modules, id) ? options.modules[id] : plain(id));
    try {
      mod._compile(code, file);
    } catch (e) {
      return options.unsupported(`${file} failed to load: ${(e as Error)?.message ?? e}`);
    }
    // What import() gives for the module: an ES module's exports (esbuild marks them
    // `__esModule`), or for CommonJS and JSON, `module.exports` as the default export beside
    // its own keys, as Node's namespace of a CommonJS module has them.
    const exported = mod.exports as unknown;
    if (typeof exported === "object" && exported !== null && "__esModule" in exported)
      return exported as Record<string, unknown>;
    // A module with no export (see exportedNothing): no exports, as the plain CLI gives it.
    if (exportedNothing(exported)) return {};
    return {
      ...(typeof exported === "object" && exported !== null ? exported : {}),
      default: exported,
    };
  };
  return Object.assign(loader, { dispose: async () => {} });
}
