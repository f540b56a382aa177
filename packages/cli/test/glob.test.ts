import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { glob } from "tinyglobby";
import { afterAll, describe, expect, it } from "vitest";
import { globFiles, simplePattern } from "../src/glob.js";

const root = mkdtempSync(join(tmpdir(), "mlgen-glob-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const f of [
  "pipelines/a.pipeline.ts",
  "pipelines/b.pipeline.tsx",
  "pipelines/c.PIPELINE.ts",
  "pipelines/.hidden.pipeline.ts",
  "pipelines/x-1.pipeline.ts",
  "pipelines/nested/deep.pipeline.ts",
  "team_a/pipelines/t.pipeline.ts",
  "top.pipeline.ts",
]) {
  mkdirSync(join(root, f, ".."), { recursive: true });
  writeFileSync(join(root, f), "");
}
mkdirSync(join(root, "pipelines", "folder.pipeline.ts"));
symlinkSync("a.pipeline.ts", join(root, "pipelines", "link.pipeline.ts"));
symlinkSync("nowhere.ts", join(root, "pipelines", "broken.pipeline.ts"));

const tiny = async (pattern: string) =>
  (await glob(pattern, { cwd: root, absolute: true })).map((f) => resolve(f)).sort();

describe("globFiles", () => {
  const simple = [
    "pipelines/*.pipeline.ts",
    "pipelines/*",
    "pipelines/*.ts",
    "pipelines/a*",
    "pipelines/*-*.pipeline.ts",
    "*.pipeline.ts",
    "team_a/pipelines/*.pipeline.ts",
    "missing/*.pipeline.ts",
  ];

  it.each(simple)("lists %s as tinyglobby does, with one readdir", async (pattern) => {
    expect(simplePattern(pattern)).not.toBeNull();
    expect((await globFiles(pattern, root)).sort()).toEqual(await tiny(pattern));
  });

  it.each([
    "pipelines/**/*.pipeline.ts",
    "*/pipelines/*.pipeline.ts",
    "pipelines/?.pipeline.ts",
    "pipelines/[ab].pipeline.ts",
    "pipelines/{a,b}.pipeline.ts",
    "pipelines/.*.ts",
    "./pipelines/*.ts",
    "../pipelines/*.ts",
    "/abs/*.ts",
  ])("leaves %s to tinyglobby", async (pattern) => {
    expect(simplePattern(pattern)).toBeNull();
    expect((await globFiles(pattern, root)).sort()).toEqual(await tiny(pattern));
  });

  it("follows a link to a file, not into a folder (tinyglobby listed a linked folder's files)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-glob-link-"));
    try {
      mkdirSync(join(dir, "p", "sub"), { recursive: true });
      writeFileSync(join(dir, "p", "sub", "x.pipeline.ts"), "");
      symlinkSync("sub", join(dir, "p", "dir.pipeline.ts"));
      expect(await globFiles("p/*.pipeline.ts", dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
