import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export const MANIFEST = ".mlgen-manifest.json";

export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

export interface WritePlan {
  readonly write: readonly PlannedFile[];
  readonly unchanged: readonly string[];
  readonly remove: readonly string[];
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Files mlgen generated last time in `outDir`, from its manifest. */
export async function previousFiles(outDir: string): Promise<string[]> {
  const text = await readOrNull(join(outDir, MANIFEST));
  if (text === null) return [];
  try {
    const parsed = JSON.parse(text) as { files?: unknown };
    return Array.isArray(parsed.files) ? parsed.files.filter((f) => typeof f === "string") : [];
  } catch {
    return [];
  }
}

export function manifestContent(paths: readonly string[]): string {
  return `${JSON.stringify({ generatedBy: "mlgen", files: [...paths].sort() }, null, 2)}\n`;
}

/** Compares wanted files with the folder: what to write, what is current, what is stale. */
export async function planWrites(
  outDir: string,
  files: readonly PlannedFile[],
): Promise<WritePlan> {
  const wanted = [...files, { path: MANIFEST, content: manifestContent(files.map((f) => f.path)) }];
  const write: PlannedFile[] = [];
  const unchanged: string[] = [];
  for (const f of wanted) {
    if ((await readOrNull(join(outDir, f.path))) === f.content) unchanged.push(f.path);
    else write.push(f);
  }
  const keep = new Set(wanted.map((f) => f.path));
  const remove: string[] = [];
  for (const old of await previousFiles(outDir)) {
    if (!keep.has(old) && !old.includes("..") && (await readOrNull(join(outDir, old))) !== null) {
      remove.push(old);
    }
  }
  return { write, unchanged, remove };
}

/** Temp file in the same folder, then rename: readers see the old file or the new, never half. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${randomBytes(6).toString("hex")}.mlgen.tmp`);
  try {
    await writeFile(tmp, content, "utf8");
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function applyPlan(outDir: string, plan: WritePlan): Promise<void> {
  // The manifest goes last, so an interrupted run still knows every file it may own.
  const ordered = [...plan.write].sort(
    (a, b) => Number(a.path === MANIFEST) - Number(b.path === MANIFEST),
  );
  for (const f of ordered) await writeAtomic(join(outDir, f.path), f.content);
  for (const path of plan.remove) await rm(join(outDir, path), { force: true });
}
