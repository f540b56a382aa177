import { readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { glob } from "tinyglobby";

/**
 * The pattern as a folder and a matcher of names in it, when its only magic is `*` in the last
 * segment and nothing in it starts with a dot: `pipelines/*.pipeline.ts`, the pattern of every
 * project's config. Null for anything else (`**`, `?`, classes, braces, dot segments).
 */
export function simplePattern(
  pattern: string,
): { readonly dir: string; readonly name: RegExp } | null {
  const slash = pattern.lastIndexOf("/");
  const dir = pattern.slice(0, slash + 1);
  const last = pattern.slice(slash + 1);
  if (!/^(?:[\w@-][\w@.-]*\/)*$/.test(dir)) return null;
  if (!/^[\w@*-][\w@.*-]*$/.test(last) || !last.includes("*") || last.includes("**")) return null;
  const parts = last.split("*").map((p) => p.replace(/[.]/g, "\\."));
  return { dir, name: new RegExp(`^${parts.join("[^/]*")}$`) };
}

/**
 * The files a pattern matches under `cwd`, as absolute paths, in no particular order. The
 * simple pattern of a config is listed with one readdir (tinyglobby builds its matcher and
 * crawler first, about 3 ms of a 100 ms compile); tinyglobby serves every other pattern. A
 * `*` matches no leading dot, as in tinyglobby; links are followed to files, not into folders.
 */
export async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const simple = simplePattern(pattern);
  if (simple === null) return (await glob(pattern, { cwd, absolute: true })).map((f) => resolve(f));
  const folder = resolve(cwd, simple.dir);
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".") || !simple.name.test(e.name)) continue;
    const path = resolve(folder, e.name);
    if (e.isFile() || (e.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile())) {
      out.push(path);
    }
  }
  return out;
}
