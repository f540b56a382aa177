/**
 * Which of the project's Python files a Kubeflow task carries. Each python task's command holds
 * the modules it runs (the launcher writes them beside the component), so a task carries its
 * own module and what that imports from the project, transitively, not the whole folder: a
 * project with many task modules would otherwise repeat them all in every executor, and Linux
 * caps a command line at 2 MiB.
 *
 * Reading imports errs on the side of shipping: a module that loads modules some other way
 * (importlib, `__import__`, `sys.path`, ...) makes the task carry every file, as does a task
 * module that is not among the files.
 */
import { type ModuleImport, moduleImports } from "../../passes/check-modules.js";
import type { EmittedFile } from "../../target.js";

type Files = readonly EmittedFile[];

/** Per list of files: each file's imports, and the closure computed for each root. */
const graphs = new WeakMap<Files, { closures: Map<string, Files> }>();

/** The files the modules `roots` (paths like `tasks/train.py`) need, in the files' order. */
export function shippedModules(files: Files, roots: readonly string[]): Files {
  if (roots.length === 0) return [];
  let graph = graphs.get(files);
  if (!graph) {
    graph = { closures: new Map() };
    graphs.set(files, graph);
  }
  const key = [...roots].sort().join("\0");
  const known = graph.closures.get(key);
  if (known) return known;
  const result = closure(files, roots);
  graph.closures.set(key, result);
  return result;
}

function closure(files: Files, roots: readonly string[]): Files {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const needed = new Set<string>();
  const queue: string[] = [];
  const add = (path: string) => {
    if (!byPath.has(path) || needed.has(path)) return;
    needed.add(path);
    queue.push(path);
  };
  for (const root of roots) {
    if (!byPath.has(root)) return files;
    add(root);
    // Importing tasks.train runs tasks/__init__.py first.
    for (const p of packageInits(root.split("/").slice(0, -1))) add(p);
  }
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    const imports = moduleImports(byPath.get(path)?.content ?? "");
    if (imports === null) return files;
    for (const imp of imports) {
      for (const p of candidates(path, imp)) {
        if (!p.endsWith(EVERYTHING)) add(p);
        else
          for (const f of files) if (f.path.startsWith(p.slice(0, -EVERYTHING.length))) add(f.path);
      }
    }
  }
  return files.filter((f) => needed.has(f.path));
}

/** `a/b` → `a/__init__.py`, `a/b/__init__.py`: the packages Python runs on the way in. */
function packageInits(dirs: readonly string[]): string[] {
  return dirs.map((_, i) => `${dirs.slice(0, i + 1).join("/")}/__init__.py`);
}

/** A dotted module under `base` as a module file or a package, with the packages above it. */
function moduleFiles(base: readonly string[], dotted: readonly string[]): string[] {
  const parts = [...base, ...dotted];
  if (parts.length === 0) return [];
  const path = parts.join("/");
  return [...packageInits(parts.slice(0, -1)), `${path}.py`, `${path}/__init__.py`];
}

/**
 * The files an import may load from the importing file's point of view. Absolute imports are
 * looked up from the project root (where the component puts the modules on sys.path) and, to be
 * safe, from each folder above the importing file; a from-import's names may be submodules.
 */
function candidates(from: string, imp: ModuleImport): string[] {
  const dirs = from.split("/").slice(0, -1);
  const dotted = imp.module === "" ? [] : imp.module.split(".");
  const bases: string[][] =
    imp.level > 0
      ? imp.level - 1 <= dirs.length
        ? [dirs.slice(0, dirs.length - (imp.level - 1))]
        : []
      : [[], ...dirs.map((_, i) => dirs.slice(0, i + 1))];
  const out: string[] = [];
  for (const base of bases) {
    out.push(...moduleFiles(base, dotted));
    for (const name of imp.names) {
      if (name === "*") {
        // `from pkg import *` imports the submodules its __all__ names: all of the package.
        out.push(...allUnder([...base, ...dotted]));
      } else out.push(...moduleFiles(base, [...dotted, name]));
    }
  }
  return out;
}

/** Ends a candidate that stands for every file under a folder (`tasks/` + EVERYTHING). */
const EVERYTHING = "\0*";

function allUnder(dirs: readonly string[]): string[] {
  return [`${dirs.map((d) => `${d}/`).join("")}${EVERYTHING}`];
}
