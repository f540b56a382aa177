#!/usr/bin/env node
import module from "node:module";

// Node ≥ 22.1 keeps V8's compiled code of mlgen's modules on disk, so a second `mlgen` run
// skips most of the parsing and compiling of JavaScript; a no-op on older Node. It must run
// before the CLI's modules load, hence the dynamic import below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { exitOnUncaught, run } = await import("./run.js");

exitOnUncaught();

process.exitCode = await run(process.argv.slice(2));
