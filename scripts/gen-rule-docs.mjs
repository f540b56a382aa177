// Regenerates docs/rules/ (a page per lint rule and README.md, the index) from the rule table
// and the prose beside it in packages/lint/src/rules/docs.ts.
//
//   node scripts/gen-rule-docs.mjs           write the pages that changed, remove stale ones
//   node scripts/gen-rule-docs.mjs --check   write nothing; exit 1 listing what is out of date
//
// It reads the TypeScript sources directly (through tsx), so no build is needed first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const CONDITION = "--conditions=@mlgen/source";

// Workspace packages resolve to their TypeScript sources only under this export condition.
if (!process.execArgv.includes(CONDITION)) {
  const run = spawnSync(
    process.execPath,
    [CONDITION, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exit(run.status ?? 1);
}

const { tsImport } = await import("tsx/esm/api");
const { ruleDocPages } = await tsImport(
  "../packages/lint/src/rules/render-docs.ts",
  import.meta.url,
);

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const pages = ruleDocPages();
const wanted = new Set(pages.map((p) => p.path));
const folder = join(root, "docs", "rules");
const stale = existsSync(folder)
  ? readdirSync(folder)
      .filter((f) => f.endsWith(".md"))
      .map((f) => relative(root, join(folder, f)))
      .filter((p) => !wanted.has(p))
  : [];
const changed = pages.filter((p) => {
  const file = join(root, p.path);
  return !existsSync(file) || readFileSync(file, "utf8") !== p.text;
});

if (check) {
  const out = [...changed.map((p) => `out of date: ${p.path}`), ...stale.map((p) => `stale: ${p}`)];
  if (out.length > 0) {
    console.error(`${out.join("\n")}\nrun: node scripts/gen-rule-docs.mjs`);
    process.exit(1);
  }
  console.log(`docs/rules is up to date (${pages.length} pages)`);
} else {
  mkdirSync(folder, { recursive: true });
  for (const p of changed) writeFileSync(join(root, p.path), p.text);
  for (const p of stale) rmSync(join(root, p));
  console.log(
    `docs/rules: ${changed.length} written, ${stale.length} removed, ${pages.length - changed.length} unchanged`,
  );
}
