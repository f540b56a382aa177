/**
 * Checks what a real MLflow server answers against specs/mlflow/openapi.yaml: a `fetch` that
 * matches every request to a spec operation (method + path template), validates each JSON
 * answer with ajv against that operation's response schema (200, or the error schema), and
 * records which operations were called. Used by test/engines/mlflow-client.test.ts.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

export const SPEC_URL = new URL("../../../specs/mlflow/openapi.yaml", import.meta.url);

interface Operation {
  id: string;
  method: string;
  template: string;
  pattern: RegExp;
  ok: ValidateFunction | null;
}

export interface Violation {
  operation: string;
  status: number;
  errors: string;
  body: string;
}

type JsonObject = Record<string, unknown>;

/** `#/components/schemas/X` → `X.json`, so each component can be its own ajv schema. */
function rewriteRefs(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(rewriteRefs);
  if (x && typeof x === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(x)) {
      out[k] =
        k === "$ref" && typeof v === "string"
          ? `${v.replace("#/components/schemas/", "")}.json`
          : rewriteRefs(v);
    }
    return out;
  }
  return x;
}

export function loadSpec(): JsonObject {
  return parse(readFileSync(SPEC_URL, "utf8")) as JsonObject;
}

export function createContract() {
  const spec = loadSpec();
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  const components = (spec.components as JsonObject).schemas as JsonObject;
  for (const [name, schema] of Object.entries(components)) {
    ajv.addSchema({ $id: `${name}.json`, ...(rewriteRefs(schema) as JsonObject) });
  }
  const errorSchema = ajv.getSchema("ErrorResponse.json");
  if (!errorSchema) throw new Error("spec has no ErrorResponse");

  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths as Record<string, JsonObject>)) {
    for (const [method, op] of Object.entries(item)) {
      const o = op as {
        operationId: string;
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      };
      const json = o.responses["200"]?.content?.["application/json"]?.schema;
      const pattern = new RegExp(
        `^${template.replace(/\{artifact_path\}/, "(.+)").replace(/\{\w+\}/g, "([^/]+)")}$`,
      );
      operations.push({
        id: o.operationId,
        method: method.toUpperCase(),
        template,
        pattern,
        ok: json ? ajv.compile(rewriteRefs(json) as JsonObject) : null,
      });
    }
  }
  // Literal paths before templates (`/logged-models/search` is not `/logged-models/{model_id}`).
  operations.sort((a, b) => a.template.split("{").length - b.template.split("{").length);

  const called = new Map<string, number>();
  const violations: Violation[] = [];
  const unknown: string[] = [];

  function match(method: string, path: string): Operation | undefined {
    return operations.find((o) => o.method === method && o.pattern.test(path));
  }

  async function check(op: Operation, response: Response): Promise<void> {
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok) {
      // Errors: MLflow's JSON body, or text from middleware (allowed by the spec).
      if (!type.includes("json")) return;
      const body = (await response.clone().json()) as unknown;
      if (!errorSchema?.(body)) {
        violations.push({
          operation: op.id,
          status: response.status,
          errors: ajv.errorsText(errorSchema?.errors),
          body: JSON.stringify(body).slice(0, 2000),
        });
      }
      return;
    }
    if (!op.ok) return; // a byte stream (artifact download)
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      violations.push({
        operation: op.id,
        status: response.status,
        errors: "not JSON",
        body: text.slice(0, 500),
      });
      return;
    }
    if (!op.ok(body)) {
      violations.push({
        operation: op.id,
        status: response.status,
        errors: ajv.errorsText(op.ok.errors),
        body: JSON.stringify(body).slice(0, 2000),
      });
    }
  }

  /** A fetch for createMlflowClient({ fetch }) that validates and records every exchange. */
  const fetchThrough =
    (inner: typeof fetch = globalThis.fetch): typeof fetch =>
    async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const path = decodeURIComponent(new URL(request.url).pathname);
      const op = match(request.method, path);
      const response = await inner(request);
      if (!op) {
        unknown.push(`${request.method} ${path}`);
        return response;
      }
      // Coverage counts 2xx answers only: each operation's success schema must meet the server.
      if (response.ok) called.set(op.id, (called.get(op.id) ?? 0) + 1);
      await check(op, response);
      return response;
    };

  return {
    fetch: fetchThrough,
    operations: operations.map((o) => o.id).sort(),
    called,
    violations,
    unknown,
  };
}
