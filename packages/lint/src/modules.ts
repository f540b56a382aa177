/**
 * The modules of the project a DAG file imports dicts from (`from common.defaults import
 * DEFAULT_ARGS`), found as Airflow's `sys.path` finds them: Airflow puts the DAG folder (the DAG
 * bundle's folder, on Airflow 3), the plugins folder and `$AIRFLOW_HOME/config` on it, and
 * imports each DAG file as a top-level module of its own, so a relative import fails there.
 * Each module is read and analysed once per run (a `ProjectModules` per run), whatever number
 * of DAG files import it.
 */
import { statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { PythonFile } from "./files.js";
import { analyzeDagFile } from "./python/analyze.js";
import type { DagFile, ImportedDict, ModuleDict, ModuleLookup } from "./python/model.js";
import type { PyNode } from "./python/node.js";
import { textOf } from "./python/text.js";

/** A Python file's text as Python reads it, or null when it cannot be read or decoded. */
export type ReadPython = (path: string) => string | null;

type Unread = { readonly unread: string; readonly file?: string; readonly unchecked?: true };

/** Where a file's imports are looked up, and how its modules are named in messages. */
interface Context {
  /** The folders on sys.path, in Airflow's order; null: found per top-level name (`above`). */
  readonly roots: readonly string[] | null;
  /** The DAG folder is not known: the DAG file's folder and those above it, nearest first. */
  readonly above: () => readonly string[];
  /** The package of the module importing (for relative imports); null for a DAG file. */
  readonly package: string | null;
  readonly shown: (path: string) => string;
}

/** What Python does with a relative import in a DAG file. */
const RELATIVE_IN_DAG_FILE =
  "it is a relative import, which fails in a DAG file: Airflow imports each DAG file as a top-level module of its own (ImportError: attempted relative import with no known parent package)";

/** Re-exports followed from one module to the next, at most (a cycle stops there). */
const MAX_REEXPORTS = 16;

/**
 * The folders Airflow puts on sys.path for a DAG folder laid out as Airflow's defaults lay it
 * out (`$AIRFLOW_HOME/dags`): `$AIRFLOW_HOME/config` and the plugins folder (settings.py's
 * prepare_syspath_for_config_and_plugins), then the DAG folder (Airflow 2's
 * prepare_syspath_for_dags_folder, Airflow 3's BundleDagBag), appended in that order.
 */
export function sysPathOf(dagFolder: string): string[] {
  const home = dirname(dagFolder);
  return [join(home, "config"), join(home, "plugins"), dagFolder];
}

export class ProjectModules {
  readonly #kinds = new Map<string, "file" | "dir" | null>();
  readonly #modules = new Map<string, { dag: DagFile } | Unread>();
  readonly #busy = new Set<string>();

  constructor(readonly read: ReadPython) {}

  /** What `path` is: a file, a folder, or nothing (stat once per run). */
  #kind(path: string): "file" | "dir" | null {
    let kind = this.#kinds.get(path);
    if (kind === undefined) {
      try {
        const s = statSync(path, { throwIfNoEntry: false });
        kind = s?.isFile() ? "file" : s?.isDirectory() ? "dir" : null;
      } catch {
        kind = null;
      }
      this.#kinds.set(path, kind);
    }
    return kind;
  }

  /**
   * The lookup for one DAG file's imports: from its DAG folder's sys.path when `dagFolder` is
   * given, else from the nearest folder at or above the file's own, up to the repository's root
   * (the folder holding `.git`; outside one, the folder `file` is named from), whose sys.path
   * holds the module's top-level package.
   */
  lookupFor(f: PythonFile): ModuleLookup {
    const path = resolve(f.path);
    const named = f.file.replace(/\\/g, "/");
    const posixPath = path.split(sep).join("/");
    const base =
      !isAbsolute(f.file) && posixPath.endsWith(`/${named}`)
        ? path.slice(0, path.length - named.length - 1)
        : null;
    const shown = (p: string) => {
      const below = base === null ? null : relative(base, p);
      const inside = below !== null && !below.startsWith("..") && !isAbsolute(below);
      const out = inside ? below || "." : p;
      return out.split(sep).join("/");
    };
    let above: readonly string[] | undefined;
    const context: Context = {
      roots: f.dagFolder === undefined ? null : sysPathOf(resolve(f.dagFolder)),
      above: () => (above ??= this.#above(dirname(path), base)),
      package: null,
      shown,
    };
    return (module, name) => this.#lookup(module, name, context, 0);
  }

  /** The folders from `dir` up to the repository's root (or `base`; else `dir` alone). */
  #above(dir: string, base: string | null): string[] {
    const chain: string[] = [];
    for (let d = dir; ; d = dirname(d)) {
      chain.push(d);
      if (this.#kind(join(d, ".git")) !== null) return chain;
      if (dirname(d) === d) break;
    }
    const at = base === null ? -1 : chain.indexOf(base);
    return at < 0 ? [dir] : chain.slice(0, at + 1);
  }

  #lookup(module: string, name: string, context: Context, depth: number): ModuleDict | Unread {
    let target = module;
    if (module.startsWith(".")) {
      if (context.package === null) return { unread: RELATIVE_IN_DAG_FILE };
      const dots = /^\.+/.exec(module)?.[0].length ?? 1;
      const parts = context.package === "" ? [] : context.package.split(".");
      if (dots > parts.length) {
        return { unread: `${module} is a relative import beyond the top-level package` };
      }
      const rest = module.slice(dots);
      target = [...parts.slice(0, parts.length - dots + 1), ...(rest ? [rest] : [])].join(".");
    }
    const roots = context.roots ?? this.#rootsFor(target, context.above());
    const found = roots ? this.#find(target, roots) : null;
    if (found === null || "unread" in found) {
      return found ?? { unread: this.#notFound(target, context) };
    }
    const file = context.shown(found.file);
    const parts = target.split(".");
    const own = found.file.endsWith(`${sep}__init__.py`) ? target : parts.slice(0, -1).join(".");
    const inner: Context = { ...context, roots, package: own };
    const analysed = this.#module(found.file, target, inner);
    if ("unread" in analysed) return { ...analysed, file };
    return this.#named(analysed.dag, name, file, inner, depth);
  }

  /** What a module binds `name` to, as a file importing it from there reads it. */
  #named(
    dag: DagFile,
    name: string,
    file: string,
    context: Context,
    depth: number,
  ): ModuleDict | Unread {
    const bound = dag.dicts.get(name);
    if (bound) {
      const partly = partlyRead(bound.dict.open, bound.imports, file);
      return {
        dict: bound.dict,
        source: dag.source,
        file,
        grafts: dag.grafts,
        ...(partly ? { partly } : {}),
      };
    }
    if (depth >= MAX_REEXPORTS) return { unread: `${file} re-exports ${name} in a cycle`, file };
    const value = dag.constants.get(name);
    // `DEFAULT_ARGS = COMMON`: the same dict, bound to another name of the module.
    if (value?.name === "VariableName") {
      return this.#named(dag, textOf(dag.source, value), file, context, depth + 1);
    }
    if (value) {
      return {
        unread: `${file} binds ${name} to ${written(dag, value)}, which lint does not evaluate`,
        file,
      };
    }
    // Re-exported: `from .defaults import DEFAULT_ARGS` in a package's __init__.py.
    const from =
      dag.imports
        .filter((i) => i.name !== null && i.name !== "*" && (i.as ?? i.name) === name)
        .at(-1) ?? dag.imports.filter((i) => i.name === "*").at(-1);
    if (from?.name) {
      const again = this.#lookup(
        from.module,
        from.name === "*" ? name : from.name,
        context,
        depth + 1,
      );
      return "unread" in again && again.file === undefined ? { ...again, file } : again;
    }
    return { unread: `${file} defines no ${name} at module level`, file };
  }

  /** The sys.path of the nearest folder of `above` whose sys.path holds the top-level name. */
  #rootsFor(target: string, above: readonly string[]): readonly string[] | null {
    const top = target.split(".")[0] ?? target;
    for (const dir of above) {
      const roots = sysPathOf(dir);
      if (
        roots.some(
          (r) => this.#kind(join(r, top)) === "dir" || this.#kind(join(r, `${top}.py`)) === "file",
        )
      ) {
        return roots;
      }
    }
    return null;
  }

  /**
   * The file of a dotted module as Python's path finder finds it in `roots`: in each folder in
   * turn, a package (`a/__init__.py`), then a module (`a.py`); folders without `__init__.py` are
   * a namespace package's parts, searched together when no folder has the first two.
   */
  #find(target: string, roots: readonly string[]): { file: string } | Unread | null {
    let paths: readonly string[] = roots;
    let file: string | null = null;
    const parts = target.split(".");
    for (const [k, part] of parts.entries()) {
      if (paths.length === 0) {
        return { unread: `${parts.slice(0, k).join(".")} is a module, not a package` };
      }
      let next: { file: string | null; paths: string[] } | null = null;
      const portions: string[] = [];
      for (const p of paths) {
        const pkg = join(p, part);
        if (this.#kind(join(pkg, "__init__.py")) === "file") {
          next = { file: join(pkg, "__init__.py"), paths: [pkg] };
          break;
        }
        if (this.#kind(`${pkg}.py`) === "file") {
          next = { file: `${pkg}.py`, paths: [] };
          break;
        }
        if (this.#kind(pkg) === "dir") portions.push(pkg);
      }
      next ??= portions.length > 0 ? { file: null, paths: portions } : null;
      if (next === null) return null;
      file = next.file;
      paths = next.paths;
    }
    if (file === null) {
      return {
        unread: `${target} is a folder without __init__.py (a namespace package), not a module`,
      };
    }
    return { file };
  }

  #notFound(target: string, context: Context): string {
    const path = `${target.replace(/\./g, "/")}.py`;
    if (context.roots !== null) {
      const [config, plugins, dags] = context.roots.map(context.shown);
      return `lint finds no ${path} in ${dags} (the DAG folder), ${plugins} or ${config}, the folders Airflow puts on sys.path: an installed package, or a module Airflow does not find either`;
    }
    const top = context.above().at(-1);
    return `lint finds no ${path} in the DAG file's folder or a folder above it${top === undefined ? "" : ` up to ${context.shown(top)}`}, nor in a plugins or config folder beside one (where Airflow's sys.path would find a module of the project): an installed package, or a module the repository lacks`;
  }

  /** A module read and analysed once per run (per sys.path and package it is imported with). */
  #module(path: string, dotted: string, context: Context): { dag: DagFile } | Unread {
    const key = `${path}\0${dotted}\0${context.roots?.join("\0")}`;
    const done = this.#modules.get(key);
    if (done) return done;
    const file = context.shown(path);
    if (this.#busy.has(key)) return { unread: `${file} is part of an import cycle` };
    const text = this.read(path);
    let out: { dag: DagFile } | Unread;
    if (text === null) out = { unread: `${file} cannot be read or decoded` };
    else {
      this.#busy.add(key);
      try {
        const dag = analyzeDagFile(text, undefined, (m, n) => this.#lookup(m, n, context, 0));
        const error = dag.syntaxError;
        if (dag.syntaxUnchecked) {
          // Not kept: read again once tree-sitter-python is loaded (lintPythonFiles does so).
          return { unread: `${file} awaits its syntax check`, unchecked: true };
        }
        out = error
          ? {
              unread: `${file} does not parse (line ${error.span.line}: ${error.detail}), so importing it fails`,
            }
          : { dag };
      } finally {
        this.#busy.delete(key);
      }
    }
    this.#modules.set(key, out);
    return out;
  }
}

/** Why a module's dict holds keys lint cannot see, when a dict it reads is not read. */
function partlyRead(
  open: boolean,
  imports: readonly ImportedDict[],
  file: string,
): string | undefined {
  if (!open) return undefined;
  const use = imports.find((u) => u.unread !== null || u.partly !== undefined);
  if (!use) return undefined;
  return `${file} reads ${use.name} from ${use.module}: ${use.unread ?? use.partly}`;
}

/** A value as a message shows it: a call by its callee, else its text (up to 40 characters). */
function written(dag: DagFile, value: PyNode): string {
  if (value.name === "CallExpression" && value.firstChild) {
    return `a call of ${textOf(dag.source, value.firstChild).replace(/\s+/g, "")}()`;
  }
  const text = textOf(dag.source, value).replace(/\s+/g, " ");
  return `\`${text.length > 40 ? `${text.slice(0, 37)}...` : text}\``;
}
