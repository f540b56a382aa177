/**
 * Where the modules a Python file imports may be, as paths relative to the project root: what
 * travels with a task (the CLI for Airflow's dags folder, targets/kubeflow/modules.ts for a
 * Kubeflow executor) follows these.
 */
import type { ModuleImport } from "./check-modules.js";

/** `a/b` → `a/__init__.py`, `a/b/__init__.py`: the packages Python runs on the way in. */
export function packageInits(dirs: readonly string[]): string[] {
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
export function importCandidates(from: string, imp: ModuleImport): string[] {
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
export const EVERYTHING = "\0*";

function allUnder(dirs: readonly string[]): string[] {
  return [`${dirs.map((d) => `${d}/`).join("")}${EVERYTHING}`];
}
