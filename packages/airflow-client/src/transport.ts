import {
  createHttpTransport,
  type HttpOptions,
  IDEMPOTENT_HEADER,
  notJsonSuccess,
  proxyFromEnv,
  type RequestFailure,
  type RetryInfo,
  type RetryOptions,
  retryAfterMs,
  scrub,
  scrubbedBody,
  unsendableHeader,
  type WaitClock,
  withHidden,
} from "@mlgen/http";
import { AirflowApiError, AirflowConfigError, AirflowRequestError } from "./errors.js";
import { checkHttpNumbers } from "./numbers.js";

export { IDEMPOTENT_HEADER, type RetryInfo, type RetryOptions, retryAfterMs, type WaitClock };

export type AirflowAuth =
  | { readonly username: string; readonly password: string }
  | { readonly token: string };

export interface TransportOptions extends HttpOptions {
  /** Server root, e.g. `http://127.0.0.1:8080` (paths carry `/api/v2`). */
  readonly baseUrl: string;
  readonly auth?: AirflowAuth | undefined;
  /**
   * Where the proxy variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) are read when
   * `proxy` is not given, as curl and Python's requests read them; default `process.env`.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * The path asked, as every error names it: after the server's own prefix (`/airflow` of
 * `http://gw/airflow`), with its ids decoded as given (`/api/v2/dags/my_dag/dagRuns/a+b`),
 * no query. `url` is a URL or a path.
 */
export function askedPath(url: string, baseUrl: string): string {
  const prefix = new URL(baseUrl).pathname.replace(/\/+$/, "");
  const path = new URL(url, baseUrl).pathname;
  const own = prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
  return own
    .split("/")
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    })
    .join("/");
}

/**
 * A request that got no answer: its `path` as AirflowApiError's (ids decoded, without the
 * server's prefix), and the message's server its root (`http://gw/airflow`, never user info)
 * before it.
 */
const requestErrorFor = (base: string) => (f: RequestFailure) =>
  new AirflowRequestError({ ...f, path: askedPath(f.path, base), origin: base });

/**
 * Airflow's API answers any SQLAlchemy error with 500 and `detail.reason` "Database error"
 * (api_fastapi/common/exceptions.py). Most are passing: a locked SQLite file, a deadlock or a
 * serialization failure in PostgreSQL or MySQL, with the transaction rolled back. A request that
 * may be repeated gets the usual retries for them; any other 500 is returned as it is.
 */
export async function isAirflowDatabaseError(response: Response): Promise<boolean> {
  if (response.status !== 500) return false;
  try {
    const body = (await response.clone().json()) as { detail?: { reason?: unknown } } | null;
    return body?.detail?.reason === "Database error";
  } catch {
    return false;
  }
}

/** What a refused login means, by status; the server's own text may hold the password. */
const LOGIN_REFUSED: Readonly<Record<number, string>> = {
  401: "the username or password was refused",
  403: "the username or password was refused",
  422: "the login request was refused as malformed: is the username or password empty?",
};

/** Airflow's 403 for a token it cannot verify (core_api/security.py). */
async function isInvalidToken(response: Response): Promise<boolean> {
  if (response.status !== 403) return false;
  try {
    const body = (await response.clone().json()) as { detail?: unknown } | null;
    return body?.detail === "Invalid JWT token";
  } catch {
    return false;
  }
}

/** `resolveServer`'s answer: the server root without credentials, and the auth to use. */
export interface ResolvedServer {
  readonly baseUrl: string;
  readonly auth?: AirflowAuth | undefined;
}

/**
 * The answer, its auth kept where printing does not reach, as the client keeps it in a closure:
 * a property that is not enumerable (JSON.stringify and a spread leave it out), and a printed
 * form (console.log, util.inspect, showHidden too) with the password or token as `***`.
 */
function resolved(baseUrl: string, auth: AirflowAuth | undefined): ResolvedServer {
  return withHidden<ResolvedServer>(
    "ResolvedServer",
    { baseUrl },
    { auth },
    {
      baseUrl,
      ...(auth
        ? {
            auth: "token" in auth ? { token: "***" } : { username: auth.username, password: "***" },
          }
        : {}),
    },
  );
}

/**
 * The server root without credentials, and the auth to use. A username and password written
 * into the URL (`http://user:pass@host:8080`, as curl takes them) become the auth unless one is
 * given; fetch refuses URLs that hold credentials, and its message would print the password.
 * Errors never echo the URL, and the answer prints its password or token as `***`.
 */
export function resolveServer(options: {
  readonly baseUrl: string;
  readonly auth?: AirflowAuth | undefined;
}): ResolvedServer {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new AirflowConfigError(
      "the Airflow URL is not a URL; give the server root, e.g. http://127.0.0.1:8080",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    // `user:password@host` and `host:8080` parse as a scheme: never echo what may be a secret.
    throw new AirflowConfigError(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(options.baseUrl)
        ? `the Airflow URL must be http(s), not ${url.protocol}`
        : "the Airflow URL must start with http:// or https://, e.g. http://localhost:8080",
    );
  }
  if (url.search || url.hash) {
    throw new AirflowConfigError(
      "the Airflow URL has a query or a fragment; give the server root, e.g. http://127.0.0.1:8080",
    );
  }
  // The API's own root, as Airflow's docs and UI show it (`…/api/v2`), names the same server;
  // Airflow 2's `/api/v1` is another API, which this client does not speak.
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/api\/v1$/i.test(path)) {
    throw new AirflowConfigError(
      "the Airflow URL ends in /api/v1, Airflow 2's REST API; this client speaks Airflow 3's /api/v2: give the server root, e.g. http://127.0.0.1:8080",
    );
  }
  if (/\/api\/v2$/i.test(path)) url.pathname = path.slice(0, -"/api/v2".length) || "/";
  let auth = options.auth;
  if (url.username || url.password) {
    try {
      auth ??= {
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      };
    } catch {
      throw new AirflowConfigError(
        "the user name or password in the Airflow URL holds a % that starts no escape (%XX); write % as %25",
      );
    }
    url.username = "";
    url.password = "";
  }
  if (auth && "username" in auth) {
    for (const field of ["username", "password"] as const) {
      const v: unknown = auth[field];
      if (typeof v !== "string" || v === "") {
        throw new AirflowConfigError(
          `auth.${field} is ${v === "" ? "empty" : "not set"}: give both a username and a password, or a token`,
        );
      }
    }
  } else if (auth && "token" in auth && (typeof auth.token !== "string" || auth.token === "")) {
    throw new AirflowConfigError(
      "auth.token is empty or not set: give a token, or a username and password",
    );
  } else if (auth && "token" in auth && unsendableHeader(`Bearer ${auth.token}`)) {
    throw new AirflowConfigError(
      "the Airflow token holds a line break, a control character or a character beyond Latin-1, which no HTTP header can carry; check how it was set (a line end from a file?)",
    );
  }
  return resolved(url.toString().replace(/\/+$/, ""), auth);
}

/**
 * A `fetch` for openapi-fetch: the shared transport from `@mlgen/http` (per-attempt timeout,
 * retries with backoff and Retry-After, also on Airflow's passing database errors) plus
 * Airflow's auth — a token fetched with the username and password once, shared by concurrent
 * callers, and fetched again once on a 401.
 */
export function createTransport(options: TransportOptions): (input: Request) => Promise<Response> {
  checkHttpNumbers(options, "createTransport");
  const { baseUrl: base, auth } = resolveServer(options);
  const requestError = requestErrorFor(base);
  // A fetch of your own makes its own connections: the proxy variables are then its to read.
  let proxy = options.proxy;
  if (proxy === undefined && !options.fetch) {
    try {
      proxy = proxyFromEnv(options.env ?? process.env);
    } catch (e) {
      throw new AirflowConfigError((e as Error).message);
    }
  }
  // The token request goes with the same headers (a gateway's key) and retries as any other; it
  // may be repeated, as it changes nothing on the server.
  const tokenTransport = createHttpTransport({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(proxy !== undefined ? { proxy } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    requestError,
    longRetryAfter: "answer",
  });
  let token: string | null = auth && "token" in auth ? auth.token : null;
  let pendingToken: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    if (!auth || !("username" in auth))
      throw new Error("no username/password to fetch a token with");
    const res = await tokenTransport(
      new Request(`${base}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json", [IDEMPOTENT_HEADER]: "1" },
        body: JSON.stringify({ username: auth.username, password: auth.password }),
      }),
    );
    if (!res.ok) {
      // The server's words only when they cannot hold the password: its 422 repeats the
      // request body (Python's repr, which may escape the password past a plain search).
      const error = await AirflowApiError.from(res, "POST", "/auth/token");
      // The raw form whatever its length (scrub leaves secrets under 4 characters alone).
      const echoes = [error.message, JSON.stringify(error.detail) ?? ""].some(
        (t) => t.includes(auth.password) || scrub(t, [auth.password]) !== t,
      );
      if (res.status !== 422 && !echoes) throw error;
      throw new AirflowApiError({
        status: res.status,
        method: "POST",
        path: "/auth/token",
        detail: LOGIN_REFUSED[res.status] ?? "the login was refused",
      });
    }
    // A login page or a proxy answering 200 in place of the API server: said as such.
    const notJson = await notJsonSuccess(res, [auth.password]);
    if (notJson !== null) {
      throw new AirflowApiError({
        status: res.status,
        method: "POST",
        path: "/auth/token",
        detail: notJson,
      });
    }
    const body = (await res.json().catch(() => null)) as { access_token?: unknown } | null;
    if (typeof body?.access_token !== "string") {
      throw new AirflowApiError({
        status: res.status,
        method: "POST",
        path: "/auth/token",
        detail: "no access_token in the answer",
      });
    }
    return body.access_token;
  }

  function currentToken(refresh: boolean): Promise<string> | null {
    if (!auth) return null;
    if ("token" in auth) return Promise.resolve(auth.token);
    if (token && !refresh) return Promise.resolve(token);
    // One token request at a time, shared by every caller that needs it.
    pendingToken ??= fetchToken().then(
      (t) => {
        token = t;
        pendingToken = null;
        return t;
      },
      (e) => {
        pendingToken = null;
        throw e;
      },
    );
    return pendingToken;
  }

  // What no error message may quote: the token in use, the password it was fetched with, and
  // the extra headers' values (a gateway's API key).
  const secrets = (): string[] => {
    const out: string[] = Object.values(options.headers ?? {});
    if (auth && "token" in auth) out.push(auth.token);
    if (auth && "password" in auth) out.push(auth.password);
    if (token) out.push(token);
    return out;
  };
  const http = createHttpTransport({
    ...options,
    ...(proxy !== undefined ? { proxy } : {}),
    authorization: async (refresh) => {
      const t = currentToken(refresh);
      return t ? `Bearer ${await t}` : null;
    },
    // Tokens expire (24 h by default), and a token signed with another key (the API server
    // restarted without a fixed jwt_secret) or revoked is a 403 "Invalid JWT token"; a static
    // token cannot be refreshed.
    refreshOn401: auth !== undefined && "username" in auth,
    staleCredentials: isInvalidToken,
    requestError,
    retryOn: isAirflowDatabaseError,
    longRetryAfter: "answer",
  });
  // Every answer that may be quoted in an error (an error, or a success that is not JSON: a
  // proxy's page) loses the credentials a server or proxy may repeat from the request.
  return async (input: Request) => {
    const res = await http(input);
    const json = res.ok && /\bjson\b/i.test(res.headers.get("content-type") ?? "");
    return json ? res : scrubbedBody(res, secrets());
  };
}
