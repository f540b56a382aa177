import { DIAGNOSTICS } from "./diagnostics.js";

/** docs/diagnostics.md, generated from the one diagnostics table. */
export function diagnosticsMarkdown(): string {
  const rows = Object.entries(DIAGNOSTICS).map(
    ([code, d]) =>
      `| ${code} | ${d.severity} | ${d.message.replace(/\|/g, "\\|")} | ${d.fix.replace(/\|/g, "\\|")} |`,
  );
  return [
    "# Diagnostics",
    "",
    "Generated from `packages/core/src/diagnostics.ts` by `npm run docs`; do not edit by hand.",
    "Codes are stable: `MLG1xxx` are DSL and graph errors, `MLG2xxx` lint rules, `MLG3xxx` target limits.",
    "Placeholders in `{braces}` are filled with the task, file or value at fault (`{is}`: is or are, as its subject wants).",
    "",
    "| code | severity | message | fix |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
