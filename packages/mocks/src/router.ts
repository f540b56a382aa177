/**
 * One msw handler in front of many. msw tries handlers in order and, for each, compiles its path
 * pattern with path-to-regexp and parses the request's cookies anew; with the sixty-odd routes
 * of a fake that is most of a request's cost. The router compiles every route's path once,
 * picks the first route whose method and path match, and calls that handler's resolver with
 * the same `{ request, requestId, params, cookies }` msw would give it (so openapi-msw's typed
 * `query`/`response` helpers work as usual). Order is kept: the first matching route answers,
 * and a resolver that returns nothing lets the next matching route try, as in msw.
 *
 * The fakes' resolvers read no cookies and are plain functions (no generators, no `once`);
 * the router is for them, not for arbitrary handlers.
 */
import { type HttpHandler, http, type RequestHandler } from "msw";
import { type BodyReader, TextBody } from "./response.js";

type Resolver = (info: {
  request: Request;
  requestId: string;
  params: Record<string, string | string[]>;
  cookies: Record<string, string>;
}) => Response | undefined | Promise<Response | undefined>;

interface Route {
  readonly method: string | RegExp;
  readonly path: RegExp;
  readonly names: readonly string[];
  readonly resolver: Resolver;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * msw's path syntax (`:param`, `*`) after the origin → a RegExp over the URL without query.
 * A parameter named in `pathParams` takes the rest of the path, slashes included, as
 * Starlette's `{name:path}` does.
 */
export function compilePath(
  pattern: string,
  pathParams: ReadonlySet<string> = NO_NAMES,
): { path: RegExp; names: string[] } {
  const scheme = pattern.indexOf("://");
  const slash = scheme === -1 ? 0 : pattern.indexOf("/", scheme + 3);
  const origin = slash === -1 ? pattern : pattern.slice(0, slash);
  const rest = slash === -1 ? "" : pattern.slice(slash);
  const literal = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const names: string[] = [];
  let wildcard = 0;
  const body = rest
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => {
      if (part === "*") {
        names.push(String(wildcard++));
        return "(.*)";
      }
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return pathParams.has(part.slice(1)) ? "(.+)" : "([^/]+)";
      }
      return literal(part);
    })
    .join("");
  return { path: new RegExp(`^${literal(origin)}${body}/?$`), names };
}

function routeOf(handler: HttpHandler, pathParams: ReadonlySet<string>): Route {
  const { method, path } = handler.info;
  if (typeof path !== "string") throw new TypeError("router: only string paths are routed");
  // msw keeps the resolver on the handler (TypeScript calls it protected; it is a plain field).
  const resolver = (handler as unknown as { resolver: Resolver }).resolver;
  if (typeof resolver !== "function") throw new TypeError("router: a handler without a resolver");
  const compiled = compilePath(path, pathParams);
  return {
    method: typeof method === "string" ? method.toUpperCase() : method,
    path: compiled.path,
    names: compiled.names,
    resolver,
  };
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The answer of the first route that answers `request`, or undefined. */
export type Dispatch = (request: Request, requestId?: string) => Promise<Response | undefined>;

/**
 * `notAllowed`: the answer to a request whose path a route serves but not with its method (the
 * server's 405), given the methods the path takes; without it, such a request falls through.
 * `pathParams`: the parameters that take the rest of the path, slashes included (compilePath).
 */
export function dispatcher(
  handlers: readonly HttpHandler[],
  notAllowed?: (request: Request, allowed: readonly string[]) => Response,
  pathParams: ReadonlySet<string> = NO_NAMES,
): Dispatch {
  const routes = handlers.map((h) => routeOf(h, pathParams));
  /** The methods routes take `path` with, or null when one takes `method` (or none takes it). */
  const allowedFor = (path: string, method: string): string[] | null => {
    const allowed = new Set<string>();
    for (const route of routes) {
      if (typeof route.method !== "string" || !route.path.test(path)) continue;
      if (route.method === method) return null;
      allowed.add(route.method);
    }
    return allowed.size > 0 ? [...allowed].sort() : null;
  };
  let ids = 0;
  return async (request, requestId = `mlgen-${++ids}`) => {
    const url = request.url;
    const q = url.search(/[?#]/);
    const clean = q === -1 ? url : url.slice(0, q);
    let methodMatched = false;
    let checked = false;
    /** The 405, once, before a catch-all route (any method) or the end could answer. */
    const refuse = () => {
      if (!notAllowed || methodMatched || checked) return undefined;
      checked = true;
      const allowed = allowedFor(clean, request.method);
      return allowed ? notAllowed(request, allowed) : undefined;
    };
    for (const route of routes) {
      let methodOk: boolean;
      if (typeof route.method === "string") methodOk = route.method === request.method;
      else {
        const refused = refuse();
        if (refused) return refused;
        methodOk = route.method.test(request.method);
      }
      if (!methodOk) continue;
      const m = route.path.exec(clean);
      if (!m) continue;
      methodMatched = true;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.names.length; i++)
        params[route.names[i] as string] = decode(m[i + 1] ?? "");
      const response = await route.resolver({ request, requestId, params, cookies: {} });
      if (response) return response;
    }
    return refuse();
  };
}

/**
 * A fake's 501 NOT_MOCKED for a request under its base URL that no route answers, naming the
 * override that would answer it. Both fakes' NOT_MOCKED bodies are MLflow's error shape.
 */
export function unansweredByFake(
  fake: "MLflow" | "Airflow",
  baseUrl: string,
  request: Request,
): Response {
  const url = new URL(request.url);
  const base = new URL(baseUrl).pathname.replace(/\/+$/, "");
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
  const method = request.method.toLowerCase();
  return Response.json(
    {
      error_code: "NOT_MOCKED",
      message: `the ${fake} fake does not answer ${request.method} ${path}; add an override in front of it, e.g. mocks.use(${fake.toLowerCase()}Http("${baseUrl}").${method}("${path}", ...)), or test against a real server`,
    },
    { status: 501 },
  );
}

/**
 * A single msw handler answering for `prefix` (the fake's base URL) by dispatching to
 * `handlers`. A request under `prefix` no route answers gets `unanswered`'s response: msw would
 * take the handler's silence for "handled" and let the request through to the network, its
 * Authorization header and all, without `onUnhandledRequest` ever hearing of it.
 */
export function routed(
  prefix: string,
  dispatch: Dispatch,
  unanswered: (request: Request) => Response,
): RequestHandler {
  return http.all(
    `${prefix}/*`,
    async ({ request, requestId }) => (await dispatch(request, requestId)) ?? unanswered(request),
  );
}

/** Methods `new Request` keeps as they are (it upper-cases six others, and refuses some). */
const PLAIN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
]);
/** The `RequestInit` fields read here; any other (a signal, a mode…) goes to a real Request. */
const PLAIN_INIT: ReadonlySet<string> = new Set(["method", "headers", "body"]);

/**
 * What `fake.fetch(url, init)` hands the fakes' resolvers in place of `new Request(url, init)`,
 * when the body is text (what JSON clients send): undici builds an AbortSignal and a body stream
 * for a Request, and reading the body back goes through that stream, together about half of a
 * small request's cost. The URL, method, headers and body read here are what `new Request`
 * would give (a text body without a Content-Type gets `text/plain;charset=UTF-8`); any other
 * member (`signal`, `body`, clone()…) comes from a real Request made from the same arguments on
 * first use, which answers everything from then on.
 */
class TextRequest implements Request {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly #body: TextBody;
  readonly #input: string | URL;
  readonly #init: RequestInit | undefined;
  #real: Request | undefined;

  private constructor(input: string | URL, init: RequestInit | undefined, url: string) {
    this.#input = input;
    this.#init = init;
    this.url = url;
    this.method = init?.method ?? "GET";
    const body = (init?.body as string | null | undefined) ?? null;
    this.#body = new TextBody(body);
    this.headers = new Headers(init?.headers);
    if (body !== null && !this.headers.has("content-type"))
      this.headers.set("content-type", "text/plain;charset=UTF-8");
  }

  /** The light request, or undefined when only `new Request` gives the right answer or error. */
  static from(
    input: Parameters<typeof fetch>[0],
    init: RequestInit | undefined,
  ): Request | undefined {
    if (typeof input !== "string" && !(input instanceof URL)) return undefined;
    if (init !== undefined) {
      for (const key in init) if (!PLAIN_INIT.has(key)) return undefined;
      const { method, body } = init;
      if (method !== undefined && !PLAIN_METHODS.has(method)) return undefined;
      if (body !== undefined && body !== null) {
        if (typeof body !== "string" || method === undefined || method === "GET") return undefined;
        if (method === "HEAD") return undefined;
      }
    }
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return undefined;
    }
    if (url.username !== "" || url.password !== "") return undefined;
    return new TextRequest(input, init, url.href);
  }

  #reader(): BodyReader {
    return (this.#real as BodyReader | undefined) ?? this.#body;
  }
  text(): Promise<string> {
    return this.#reader().text();
  }
  json(): Promise<unknown> {
    return this.#reader().json();
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#reader().arrayBuffer();
  }
  bytes(): Promise<Uint8Array> {
    return this.#reader().bytes();
  }
  get bodyUsed(): boolean {
    return this.#reader().bodyUsed;
  }

  // Everything else from a real Request, made on first use, which then answers the body too.
  #request(): Request {
    this.#real ??= this.#body.carryOver(new Request(this.#input, this.#init));
    return this.#real;
  }
  get body() {
    return this.#request().body;
  }
  blob() {
    return this.#request().blob();
  }
  formData() {
    return this.#request().formData();
  }
  clone() {
    return this.#request().clone();
  }
  get cache() {
    return this.#request().cache;
  }
  get credentials() {
    return this.#request().credentials;
  }
  get destination() {
    return this.#request().destination;
  }
  get integrity() {
    return this.#request().integrity;
  }
  get keepalive() {
    return this.#request().keepalive;
  }
  get mode() {
    return this.#request().mode;
  }
  get redirect() {
    return this.#request().redirect;
  }
  get referrer() {
    return this.#request().referrer;
  }
  get referrerPolicy() {
    return this.#request().referrerPolicy;
  }
  get signal() {
    return this.#request().signal;
  }
  get duplex() {
    return this.#request().duplex;
  }
}

/**
 * A fetch straight into a dispatcher: `fake.fetch` (the router, no msw matching at all) and
 * `fetchFrom` (msw's getResponse) both answer through it. A request nothing answers gets a
 * loud 501; a mocked network error (`HttpResponse.error()`) rejects, as fetch does. With
 * `light`, a call with a URL and a text body skips building a Request (see TextRequest): only
 * for the fakes' own resolvers, which read nothing else. `unanswered`: the 501 (a fake's names it).
 */
export function fetchVia(
  dispatch: Dispatch,
  light = false,
  unanswered: (request: Request) => Response = (request) =>
    Response.json(
      { error_code: "NOT_MOCKED", message: `no mock handler for ${request.method} ${request.url}` },
      { status: 501 },
    ),
): typeof fetch {
  return async (input, init) => {
    const request =
      (light ? TextRequest.from(input, init) : undefined) ??
      (input instanceof Request && init === undefined ? input : new Request(input, init));
    const response = await dispatch(request);
    if (response?.type === "error") throw new TypeError("fetch failed (network error from a mock)");
    return response ?? unanswered(request);
  };
}
