// Regenerates docs/diagnostics.md from the diagnostics table (run after `npm run build`).
import { writeFileSync } from "node:fs";
import { diagnosticsMarkdown } from "../packages/core/dist/index.js";

writeFileSync(new URL("../docs/diagnostics.md", import.meta.url), diagnosticsMarkdown());
