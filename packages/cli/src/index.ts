export { defineConfig, type MlgenConfig, type MlgenConfigInput } from "./config.js";
export { CliError, type CliIO } from "./io.js";
export { run } from "./run.js";
