/**
 * Which of the project's Python files a Kubeflow task carries. Each python task's command holds
 * the modules it runs (the launcher writes them beside the component), so a task carries its
 * own module and what that imports from the project, transitively, not the whole folder: a
 * project with many task modules would otherwise repeat them all in every executor, and Linux
 * caps a command line at 2 MiB.
 *
 * Reading imports errs on the side of shipping: a module that loads modules some other way
 * (importlib, `__import__`, `sys.path`, ...) makes the task carry every file, as does a task
 * module that is not among the files. Files that are not modules (the config's `taskFiles`)
 * travel with every task.
 */
import { moduleImports } from "../../passes/check-modules.js";
import { EVERYTHING, importCandidates, packageInits } from "../../passes/imports.js";
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
      for (const p of importCandidates(path, imp)) {
        if (!p.endsWith(EVERYTHING)) add(p);
        else
          for (const f of files) if (f.path.startsWith(p.slice(0, -EVERYTHING.length))) add(f.path);
      }
    }
  }
  // The project's other files (`taskFiles` of the config: SQL, YAML) are read by path, which
  // imports do not show: every task carries them.
  return files.filter((f) => needed.has(f.path) || !f.path.endsWith(".py"));
}
