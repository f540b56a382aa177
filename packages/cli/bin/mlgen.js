#!/usr/bin/env node
// Committed shim so the package manager can link `mlgen` before the first build.
await import("../dist/bin.js");
