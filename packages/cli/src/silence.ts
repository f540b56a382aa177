import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { Diagnostic } from "@mlgen/core";

/**
 * The diagnostics of a compile without the warnings its author accepted where the task is
 * written: `// mlgen-disable-next-line MLG3002` above the call (the comment `mlgen lint` honours
 * for the same diagnostics). A silenced warning is not printed and does not fail `--strict`, so
 * an approximation known and accepted for one task does not hide the same one on another. An
 * error is never silenced: its output would be wrong, and none is written.
 *
 * Sources are read only when there is a located warning, and only the files that hold one.
 */
export async function withoutSilenced(
  diagnostics: readonly Diagnostic[],
  root: string,
): Promise<Diagnostic[]> {
  const located = diagnostics.filter(
    (d) => d.severity !== "error" && d.location?.file && d.location.line !== undefined,
  );
  if (located.length === 0) return [...diagnostics];
  const sources = new Map<string, string>();
  for (const file of new Set(located.map((d) => d.location?.file as string))) {
    const text = await readFile(isAbsolute(file) ? file : join(root, file), "utf8").catch(
      () => null,
    );
    if (text?.includes("mlgen-disable-next-line")) sources.set(file, text);
  }
  if (sources.size === 0) return [...diagnostics];
  const { applySuppressions } = await import("@mlgen/lint");
  const kept = applySuppressions(
    located.map((d) => ({
      file: d.location?.file as string,
      line: d.location?.line as number,
      ruleId: d.code,
      code: d.code,
      d,
    })),
    sources,
  );
  const silenced = new Set(located);
  for (const k of kept) silenced.delete(k.d);
  return diagnostics.filter((d) => !silenced.has(d));
}
