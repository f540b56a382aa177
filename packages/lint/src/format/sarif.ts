import { isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DIAGNOSTICS, type DiagnosticCode } from "@mlgen/core/light";
import type { Finding } from "../finding.js";
import type { Rule } from "../rule.js";
import { ruleDoc, rulePage } from "../rules/render-docs.js";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;

const pascal = (id: string) => id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());

/**
 * A rule's descriptor. GitHub code scanning shows `help.markdown` as the alert's rule help:
 * the rule's page from docs/rules (what it catches, why it matters, a bad and a good example,
 * how to suppress it), without its title and generator comment.
 */
function ruleDescriptor(r: Rule) {
  const page = rulePage(r).split("\n");
  const body = page.slice(page.findIndex((l) => l.startsWith("| code "))).join("\n");
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.description },
    fullDescription: { text: ruleDoc(r).catches },
    help: { text: `${r.description}. ${ruleDoc(r).why}`, markdown: body.trim() },
    defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
    properties: { code: r.code },
  };
}

/**
 * The descriptor of a compiler diagnostic that `mlgen lint` reports on a DSL pipeline (a cycle,
 * an unknown output, ...): its ruleId is its code, and docs/diagnostics.md lists them all.
 */
function diagnosticDescriptor(code: string) {
  const spec = Object.hasOwn(DIAGNOSTICS, code) ? DIAGNOSTICS[code as DiagnosticCode] : null;
  const text = spec
    ? `${spec.message} (the parts in braces name the task, key or value at fault)`
    : `mlgen diagnostic ${code}`;
  return {
    id: code,
    name: code,
    shortDescription: { text: `mlgen compiler diagnostic ${code}` },
    fullDescription: { text },
    help: { text: spec ? `Fix: ${spec.fix}. Every code is listed in docs/diagnostics.md.` : text },
    defaultConfiguration: { level: LEVEL[spec?.severity ?? "error"] },
    properties: { code },
  };
}

/**
 * The DAG or task a finding is about, as SARIF's logical location (§3.33): a task named by its
 * id, fully qualified as `dag_id/task_id` (no id holds a `/`: Airflow takes letters, digits,
 * `_`, `.` and `-`), of kind `task`; a DAG, of kind `dag` (SARIF's kinds are a programming
 * language's, and it lets a producer name its own). GitHub code scanning reads neither this
 * nor the result's properties (the message names the task); SARIF viewers and scripts do.
 */
function logicalLocations(f: Finding) {
  if (f.task !== undefined) {
    return {
      logicalLocations: [
        {
          name: f.task,
          ...(f.dag !== undefined ? { fullyQualifiedName: `${f.dag}/${f.task}` } : {}),
          kind: "task",
        },
      ],
    };
  }
  if (f.dag !== undefined) {
    return { logicalLocations: [{ name: f.dag, fullyQualifiedName: f.dag, kind: "dag" }] };
  }
  return {};
}

/** A relative path as a URI reference: each segment percent-encoded (`#`, `?`, `%` too). */
const uriOf = (path: string) => path.split(/[\\/]/).map(encodeURIComponent).join("/");

/**
 * `--format sarif`: one SARIF 2.1.0 run, as GitHub code scanning reads it. File paths are
 * relative URIs against `%SRCROOT%`; columns count UTF-16 code units. With `root` (the
 * repository's top folder, as an absolute path, and `cwd`, where the findings' paths start),
 * the paths are made relative to the repository, which is what code scanning resolves them
 * against, wherever mlgen ran, and `originalUriBaseIds` says where `%SRCROOT%` is.
 */
export function formatSarif(
  findings: readonly Finding[],
  rules: readonly Rule[],
  tool: { readonly version: string; readonly root?: string; readonly cwd?: string },
): string {
  const fromRoot = (file: string) =>
    tool.root !== undefined && tool.cwd !== undefined
      ? relative(tool.root, resolve(tool.cwd, file))
      : file;
  // A file outside the repository (linted by a path that leaves it) cannot be named from
  // %SRCROOT%: its absolute file URI names it, which a `../` relative one would not.
  const artifactLocation = (file: string) => {
    const rel = fromRoot(file);
    return isAbsolute(rel) || rel === ".." || /^\.\.[\\/]/.test(rel)
      ? { uri: pathToFileURL(resolve(tool.cwd ?? "", file)).href }
      : { uri: uriOf(rel), uriBaseId: "%SRCROOT%" };
  };
  const descriptors: object[] = rules.map(ruleDescriptor);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  // Codes reported that are not lint rules (compiler diagnostics): a descriptor each, in order.
  for (const code of [...new Set(findings.map((f) => f.ruleId))].sort()) {
    if (index.has(code) || !/^MLG\d{4}$/.test(code)) continue;
    index.set(code, descriptors.length);
    descriptors.push(diagnosticDescriptor(code));
  }
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "mlgen",
            version: tool.version,
            rules: descriptors,
          },
        },
        ...(tool.root !== undefined
          ? {
              originalUriBaseIds: {
                "%SRCROOT%": { uri: pathToFileURL(`${tool.root.replace(/\/+$/, "")}/`).href },
              },
            }
          : {}),
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
                  artifactLocation: artifactLocation(f.file),
                  region,
                },
                ...logicalLocations(f),
              },
            ],
            properties: {
              code: f.code,
              ...(f.dag !== undefined ? { dag: f.dag } : {}),
              ...(f.task !== undefined ? { task: f.task } : {}),
            },
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
