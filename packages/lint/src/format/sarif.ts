import type { Finding } from "../finding.js";
import type { Rule } from "../rule.js";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;

/**
 * `--format sarif`: one SARIF 2.1.0 run, as GitHub code scanning reads it. File paths are
 * relative URIs against `%SRCROOT%`; columns count UTF-16 code units.
 */
export function formatSarif(
  findings: readonly Finding[],
  rules: readonly Rule[],
  tool: { readonly version: string },
): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "mlgen",
            version: tool.version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.description },
              defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
              properties: { code: r.code },
            })),
          },
        },
        columnKind: "utf16CodeUnits",
        results: findings.map((f) => {
          const region: Record<string, number> = { startLine: f.line, startColumn: f.column };
          if (f.endLine > f.line || f.endColumn > f.column) {
            region.endLine = f.endLine;
            region.endColumn = f.endColumn;
          }
          return {
            ruleId: f.ruleId,
            ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
            level: LEVEL[f.severity],
            message: { text: `${f.message}. Fix: ${f.fix}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: {
                    uri: encodeURI(f.file.split("\\").join("/")),
                    uriBaseId: "%SRCROOT%",
                  },
                  region,
                },
              },
            ],
            properties: { code: f.code },
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
