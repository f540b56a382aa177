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

/** msw's path syntax (`:param`, `*`) after the origin → a RegExp over the URL without query. */
export function compilePath(pattern: string): { path: RegExp; names: string[] } {
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
        return "([^/]+)";
      }
      return literal(part);
    })
    .join("");
  return { path: new RegExp(`^${literal(origin)}${body}/?$`), names };
}

function routeOf(handler: HttpHandler): Route {
  const { method, path } = handler.info;
  if (typeof path !== "string") throw new TypeError("router: only string paths are routed");
  // msw keeps the resolver on the handler (TypeScript calls it protected; it is a plain field).
  const resolver = (handler as unknown as { resolver: Resolver }).resolver;
  if (typeof resolver !== "function") throw new TypeError("router: a handler without a resolver");
  const compiled = compilePath(path);
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

export function dispatcher(handlers: readonly HttpHandler[]): Dispatch {
  const routes = handlers.map(routeOf);
  let ids = 0;
  return async (request, requestId = `mlgen-${++ids}`) => {
    const url = request.url;
    const q = url.search(/[?#]/);
    const clean = q === -1 ? url : url.slice(0, q);
    for (const route of routes) {
      const methodOk =
        typeof route.method === "string"
          ? route.method === request.method
          : route.method.test(request.method);
      if (!methodOk) continue;
      const m = route.path.exec(clean);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decode(m[i + 1] ?? "");
      });
      const response = await route.resolver({ request, requestId, params, cookies: {} });
      if (response) return response;
    }
    return undefined;
  };
}

/**
 * A single msw handler answering for `prefix` (the fake's base URL) by dispatching to
 * `handlers`; a request no route answers falls through to the handlers after it.
 */
export function routed(prefix: string, dispatch: Dispatch): RequestHandler {
  return http.all(`${prefix}/*`, ({ request, requestId }) => dispatch(request, requestId));
}

/**
 * A fetch straight into a dispatcher: `fake.fetch` (the router, no msw matching at all) and
 * `fetchFrom` (msw's getResponse) both answer through it. A request nothing answers gets a
 * loud 501; a mocked network error (`HttpResponse.error()`) rejects, as fetch does.
 */
export function fetchVia(dispatch: Dispatch): typeof fetch {
  return async (input, init) => {
    const request =
      input instanceof Request && init === undefined ? input : new Request(input, init);
    const response = await dispatch(request);
    if (response?.type === "error") throw new TypeError("fetch failed (network error from a mock)");
    if (response) return response;
    return Response.json(
      { error_code: "NOT_MOCKED", message: `no mock handler for ${request.method} ${request.url}` },
      { status: 501 },
    );
  };
}
