import { AirflowApiError, AirflowRequestError } from "./errors.js";

export type AirflowAuth =
  | { readonly username: string; readonly password: string }
  | { readonly token: string };

export interface RetryOptions {
  /** Retries after the first try. Default 3. */
  readonly retries?: number;
  /** First backoff delay; it doubles each retry, with full jitter. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Cap for one delay, also for a server's Retry-After. Default 30 s. */
  readonly maxDelayMs?: number;
}

export interface TransportOptions {
  /** Server root, e.g. `http://127.0.0.1:8080` (paths carry `/api/v2`). */
  readonly baseUrl: string;
  readonly auth?: AirflowAuth;
  /** Sent with every request (e.g. a proxy's header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  /** `false` disables retries. */
  readonly retry?: RetryOptions | false;
  readonly fetch?: typeof fetch;
  /** Called before each retry, e.g. for logging; never given credentials. */
  readonly onRetry?: (info: {
    method: string;
    path: string;
    attempt: number;
    delayMs: number;
    reason: string;
  }) => void;
  /** For tests: how to wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Marks a POST as safe to repeat (the helper knows it is idempotent); stripped before sending. */
export const IDEMPOTENT_HEADER = "x-mlgen-idempotent";

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Seconds or an HTTP date, as RFC 9110 allows; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * A `fetch` for openapi-fetch that adds auth (token fetched once, again once on a 401), a
 * per-attempt timeout, and retries with exponential backoff and jitter on network errors and
 * 429/502/503/504 — for safe methods, and POSTs marked idempotent — honouring Retry-After.
 */
export function createTransport(options: TransportOptions): (input: Request) => Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retry = options.retry === false ? { retries: 0 } : (options.retry ?? {});
  const retries = retry.retries ?? 3;
  const baseDelay = retry.baseDelayMs ?? 250;
  const maxDelay = retry.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const base = options.baseUrl.replace(/\/+$/, "");
  let token: string | null = options.auth && "token" in options.auth ? options.auth.token : null;
  let pendingToken: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const auth = options.auth;
    if (!auth || !("username" in auth))
      throw new Error("no username/password to fetch a token with");
    const res = await attempt(
      new Request(`${base}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: auth.username, password: auth.password }),
      }),
      "POST",
      "/auth/token",
    );
    if (!res.ok) throw await AirflowApiError.from(res, "POST", "/auth/token");
    const body = (await res.json()) as { access_token?: unknown };
    if (typeof body.access_token !== "string") {
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
    if (!options.auth) return null;
    if ("token" in options.auth) return Promise.resolve(options.auth.token);
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

  /** One try with a timeout; network errors and timeouts become AirflowRequestError(1). */
  async function attempt(request: Request, method: string, path: string): Promise<Response> {
    // An explicit timer raced against the fetch: the timeout holds even when a fetch ignores
    // its signal (signal-following differs between Node's undici and test environments).
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const reason = new DOMException("timed out", "TimeoutError");
        controller.abort(reason);
        reject(reason);
      }, timeoutMs);
    });
    const onAbort = () => controller.abort(request.signal.reason);
    request.signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([
        doFetch(new Request(request, { signal: controller.signal })),
        timedOut,
      ]);
    } catch (e) {
      if (request.signal.aborted) throw e;
      const kind = controller.signal.aborted ? "timeout" : "network";
      throw new AirflowRequestError({ kind, method, path, attempts: 1, cause: e });
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener("abort", onAbort);
    }
  }

  return async function transport(input: Request): Promise<Response> {
    const method = input.method.toUpperCase();
    const url = new URL(input.url);
    const path = url.pathname;
    const idempotent = SAFE_METHODS.has(method) || input.headers.get(IDEMPOTENT_HEADER) === "1";
    const template = new Request(input);
    template.headers.delete(IDEMPOTENT_HEADER);
    for (const [k, v] of Object.entries(options.headers ?? {})) template.headers.set(k, v);

    let refreshed = false;
    for (let n = 0; ; n++) {
      const request = template.clone();
      const t = currentToken(false);
      if (t) request.headers.set("authorization", `Bearer ${await t}`);
      let response: Response | null = null;
      let reason = "";
      let waitMs: number | null = null;
      try {
        response = await attempt(request, method, path);
      } catch (e) {
        if (!(e instanceof AirflowRequestError) || !idempotent || n >= retries) {
          if (e instanceof AirflowRequestError) {
            throw new AirflowRequestError({
              kind: e.kind,
              method,
              path,
              attempts: n + 1,
              cause: e.cause,
            });
          }
          throw e;
        }
        reason = e.kind;
      }
      if (response) {
        if (response.status === 401 && options.auth && "username" in options.auth && !refreshed) {
          // Tokens expire (24 h by default): fetch a new one once and repeat the request.
          refreshed = true;
          await response.body?.cancel();
          await currentToken(true);
          n--;
          continue;
        }
        if (!RETRY_STATUSES.has(response.status) || !idempotent || n >= retries) return response;
        reason = `HTTP ${response.status}`;
        waitMs = retryAfterMs(response.headers.get("retry-after"));
        await response.body?.cancel();
      }
      const backoff = Math.random() * Math.min(maxDelay, baseDelay * 2 ** n);
      const delayMs = Math.min(maxDelay, waitMs ?? backoff);
      options.onRetry?.({ method, path, attempt: n + 1, delayMs, reason });
      await sleep(delayMs);
    }
  };
}
