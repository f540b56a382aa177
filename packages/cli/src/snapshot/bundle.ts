/**
 * The CLI as one CommonJS script, dist/snapshot/mlgen.cjs: entry.js and everything it imports
 * (mlgen's packages and their dependencies), which is what `node --build-snapshot` takes. esbuild
 * makes it in under a second; it is a dependency of the CLI anyway, for the user's modules.
 *
 * Each module's `import.meta.url` becomes its own file's URL, computed from where the bundle is
 * when it runs, so the packages' relative paths (templates, package.json, the lint worker) hold.
 * The files it was made from are listed in mlgen.inputs.json: the snapshot checks them at start.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { writeAtomic } from "../write.js";
import { bundlePath, inputsPath, snapshotDir } from "./build.js";

export async function bundleCli(cliDir: string): Promise<void> {
  const outDir = snapshotDir(cliDir);
  const { build } = createRequire(join(cliDir, "package.json"))(
    "esbuild",
  ) as typeof import("esbuild");
  const result = await build({
    absWorkingDir: cliDir,
    entryPoints: [join(outDir, "entry.js")],
    outfile: bundlePath(cliDir),
    // Written below, only when it changed: the snapshot counts the bundle's mtime as an input.
    write: false,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    metafile: true,
    // Whitespace and syntax only (names stay, for stack traces): a smaller snapshot starts faster.
    minifyWhitespace: true,
    minifySyntax: true,
    // Licence comments kept, at the end of the script.
    legalComments: "eof",
    // Loaded from disk at run time, never while the snapshot is built: esbuild (for the user's
    // modules) and tsx (the plain CLI's loader, which the snapshot's replaces).
    external: ["esbuild", "tsx", "tsx/*"],
    banner: {
      js: [
        "/* The mlgen CLI in one script, for its startup snapshot (src/snapshot/bundle.ts). */",
        'const __mlgenUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;',
      ].join("\n"),
    },
    logLevel: "silent",
    plugins: [
      {
        name: "import-meta-url",
        setup(b) {
          b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
            let text = await readFile(args.path, "utf8");
            if (!text.includes("import.meta.url")) return undefined;
            // fdir (under tinyglobby) requires its optional picomatch at run time through its
            // own createRequire: give it the bundled one. A snapshot whose build ran a module
            // from disk is one Node refuses to start from.
            if (args.path.includes(`${sep}fdir${sep}`)) {
              const before = text;
              text = text.replace(
                /var __require = \/\* @__PURE__ \*\/ createRequire\(import\.meta\.url\);/,
                'import * as __mlgenPicomatch from "picomatch";\n' +
                  'var __require = Object.assign((id) => { if (id === "picomatch") return __mlgenPicomatch.default ?? __mlgenPicomatch; throw new Error(id + " is not bundled"); }, { resolve: (id) => id });',
              );
              if (text === before)
                throw new Error(`${args.path}: fdir's createRequire has changed`);
            }
            const rel = relative(outDir, args.path).split(sep).join("/");
            return {
              contents: text.replaceAll("import.meta.url", `__mlgenUrl(${JSON.stringify(rel)})`),
              loader: "js",
              resolveDir: dirname(args.path),
            };
          });
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(cliDir, p));
  await writeIfChanged(bundlePath(cliDir), result.outputFiles[0]?.text ?? "");
  await writeIfChanged(inputsPath(cliDir), `${JSON.stringify(inputs.sort(), null, 1)}\n`);
}

/**
 * Replaces `file` atomically (a snapshot built at the same time reads a whole one) unless it
 * already holds `text`: an unchanged bundle keeps its mtime, and so every snapshot built from it
 * stays fresh when two builds run at once (tests, a background rebuild).
 */
async function writeIfChanged(file: string, text: string): Promise<void> {
  const old = await readFile(file, "utf8").catch(() => null);
  if (old !== text) await writeAtomic(file, text);
}
