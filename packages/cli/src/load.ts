import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import { type SourceLocation, withNativeStackTrace } from "@mlgen/core";

/** Imports a TypeScript (or JavaScript) module directly: users run no build step. */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  // tsx inlines source maps; with them on, stack traces (and so diagnostics) point at .ts lines.
  process.setSourceMapsEnabled(true);
  const { tsImport } = await import("tsx/esm/api");
  const ns = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  // In a package without "type": "module", tsx loads the file as CommonJS: the ESM exports
  // then sit on `module.exports`, marked `__esModule`, under the namespace's `default`.
  const cjs = ns.default as { __esModule?: unknown } | undefined;
  if (cjs && typeof cjs === "object" && cjs.__esModule === true)
    return cjs as Record<string, unknown>;
  return ns;
}

/** The first stack frame inside `file`, to point a load error at the user's line. */
export function frameIn(error: unknown, file: string, root: string): SourceLocation {
  const stack = withNativeStackTrace(() => (error instanceof Error ? (error.stack ?? "") : ""));
  const url = pathToFileURL(file).href;
  for (const line of stack.split("\n")) {
    const m = /((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)/.exec(line);
    if (m && (m[1] === file || m[1] === url)) {
      return { file: relative(root, file), line: Number(m[2]), column: Number(m[3]) };
    }
  }
  return { file: relative(root, file) };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? String(error);
  return String(error);
}
