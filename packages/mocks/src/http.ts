/**
 * Typed msw handlers for both APIs, from the same OpenAPI types the clients use (openapi-msw
 * over openapi-typescript's `paths`): a path that is not in the spec, a wrong path parameter
 * or a response body that does not match the spec's schema is a compile error.
 *
 *   const mlflow = mlflowHttp();                       // http://mlflow.mock by default
 *   mlflow.get("/api/2.0/mlflow/runs/get", ({ query, response }) =>
 *     response(200).json({ run: { info: { run_id: query.get("run_id") ?? "" }, data: {} } }));
 */
import type { paths as AirflowPaths } from "@mlgen/airflow-client";
import type { paths as MlflowPaths } from "@mlgen/mlflow-client";
import { type HttpResponseInit, http, type RequestHandlerOptions } from "msw";
import {
  type AnyApiSpec,
  createOpenApiHttp,
  type HttpMethod,
  type OpenApiHttpHandlers,
} from "openapi-msw";
import { normalizeBaseUrl } from "./fake.js";
import { answer } from "./response.js";

export const MLFLOW_MOCK_URL = "http://mlflow.mock";
export const AIRFLOW_MOCK_URL = "http://airflow.mock";

export type MlflowHttp = OpenApiHttpHandlers<MlflowPaths>;
export type AirflowHttp = OpenApiHttpHandlers<AirflowPaths>;

/** Typed handler factories for the MLflow REST API (specs/mlflow/openapi.yaml). */
export function mlflowHttp(baseUrl: string = MLFLOW_MOCK_URL): MlflowHttp {
  return createOpenApiHttp<MlflowPaths>({ baseUrl: normalizeBaseUrl(baseUrl) });
}

/** Typed handler factories for the Airflow 3 REST API v2 (specs/airflow/v2-rest-api.yaml). */
export function airflowHttp(baseUrl: string = AIRFLOW_MOCK_URL): AirflowHttp {
  return createOpenApiHttp<AirflowPaths>({ baseUrl: normalizeBaseUrl(baseUrl) });
}

/** openapi-msw's `query`, parsing the URL only when a resolver reads it (most never do). */
class LazyQuery {
  #url: string;
  #params: URLSearchParams | undefined;
  constructor(url: string) {
    this.#url = url;
  }
  #search(): URLSearchParams {
    this.#params ??= new URL(this.#url).searchParams;
    return this.#params;
  }
  get size(): number {
    return this.#search().size;
  }
  get(name: string): string | null {
    return this.#search().get(name);
  }
  getAll(name: string): string[] {
    return this.#search().getAll(name);
  }
  has(name: string, value?: string): boolean {
    return this.#search().has(name, value);
  }
}

/** What openapi-msw's `response(status)` gives: the typed ways to answer with that status. */
function repliesWith(status: number) {
  return {
    json: (body: unknown, init?: HttpResponseInit) =>
      answer(status, init, { text: JSON.stringify(body), type: "application/json" }),
    text: (body: string, init?: HttpResponseInit) =>
      answer(status, init, { text: body, type: "text/plain" }),
    empty: (init?: HttpResponseInit) => answer(status, init),
  };
}
const replies = new Map<number, ReturnType<typeof repliesWith>>();

/** openapi-msw's `response` helper, answering through {@link answer}; one for all requests. */
const reply = Object.assign(
  (status: number) => {
    let r = replies.get(status);
    if (r === undefined) {
      r = repliesWith(status);
      replies.set(status, r);
    }
    return r;
  },
  { untyped: (response: Response) => response },
);

type Resolver = (info: Record<string, unknown> & { request: Request }) => unknown;

/**
 * The handler factories the fakes are written with: openapi-msw's types over the same `paths`
 * as {@link mlflowHttp}/{@link airflowHttp} (a path, parameter or body the spec does not allow
 * is a compile error), with a lighter runtime in place of openapi-msw's: `response(status).json`
 * answers through {@link answer} instead of msw's HttpResponse.json, and `query` parses the URL
 * only when read. The same `{param}` → `:param` paths, resolver info and msw handlers otherwise.
 */
export function fakeHttp<Paths extends AnyApiSpec>(baseUrl: string): OpenApiHttpHandlers<Paths> {
  const factory =
    (method: HttpMethod) => (path: string, resolver: Resolver, options?: RequestHandlerOptions) =>
      http[method](
        `${baseUrl}${path.replaceAll("{", ":").replaceAll("}", "")}`,
        (info) =>
          resolver({ ...info, query: new LazyQuery(info.request.url), response: reply }) as never,
        options,
      );
  const handlers = {
    get: factory("get"),
    put: factory("put"),
    post: factory("post"),
    delete: factory("delete"),
    options: factory("options"),
    head: factory("head"),
    patch: factory("patch"),
    untyped: http,
  };
  // The factories are generic over each path's types only at compile time; at run time every
  // path takes the same untyped resolver.
  return handlers as unknown as OpenApiHttpHandlers<Paths>;
}
