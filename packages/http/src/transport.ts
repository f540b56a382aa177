import { isEnvProxy, type ProxySettings, parseProxyUrl, proxyFor } from "./proxy.js";

export interface RetryOptions {
  /** Retries after the first try. Default 3. */
  readonly retries?: number | undefined;
  /** First backoff delay; it doubles each retry, with full jitter. Default 250 ms. */
  readonly baseDelayMs?: number | undefined;
  /**
   * Cap for one delay. Default 30 s. A server's Retry-After beyond it is waited this long (the
   * MLflow client), or ends the retries with that answer (the Airflow client: see
   * `HttpTransportOptions.longRetryAfter`).
   */
  readonly maxDelayMs?: number | undefined;
}

export interface RetryInfo {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  /** `HTTP 503`, `network` or `timeout`. */
  reason: string;
  /** For a network error or a timeout, what happened as a person says it (`connection refused…`). */
  detail?: string;
}

/** What the transport knows when a request got no answer; never holds headers or bodies. */
export interface RequestFailure {
  kind: "timeout" | "network";
  method: string;
  path: string;
  attempts: number;
  cause?: unknown;
  /**
   * The server asked, written before the path: scheme, host and port (a client may add the
   * server's own path prefix, its `path` then the rest); never user info or query.
   */
  origin?: string;
  /** The per-attempt timeout, for a timeout. */
  timeoutMs?: number;
  /** For a timeout: the answer came, then its body stopped arriving (not "no answer"). */
  stalled?: boolean;
  /**
   * Trying again cannot change it: the same certificate, port or protocol answers (the
   * transport does not retry these).
   */
  permanent?: boolean;
}

/** Options every client's transport shares. */
export interface HttpOptions {
  /** Sent with every request (e.g. a proxy's header). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Per attempt: how long to wait for the answer's headers. For a streamed body sent with
   * `{ streamed: true }`, how long without progress. Default 30 s.
   */
  readonly timeoutMs?: number | undefined;
  /** `false` disables retries. */
  readonly retry?: RetryOptions | false | undefined;
  /**
   * A `fetch` of your own (a proxy's, a test's). Not with `tls`: a fetch of your own makes its
   * own connections.
   */
  readonly fetch?: typeof fetch | undefined;
  /**
   * TLS settings for a server behind a private CA or one that asks for a client certificate.
   * Requests then go through undici's `fetch` and an undici `Agent` made for this client (Node's
   * global `fetch` takes no per-request TLS settings), so interceptors of the global fetch (msw)
   * do not see them. Without it, Node's trust store applies (`NODE_EXTRA_CA_CERTS` adds a CA).
   */
  readonly tls?: TlsOptions | undefined;
  /**
   * An HTTP proxy to send through: its URL (`http://user:pass@proxy:3128`, for http:// and
   * https:// servers alike), or one per scheme with the servers to reach directly (NO_PROXY's
   * syntax); `false` for none. The clients default to the environment's HTTPS_PROXY,
   * HTTP_PROXY, ALL_PROXY and NO_PROXY, read as Python's requests reads them (`proxyFromEnv`).
   * Requests through a proxy go through undici's `fetch`, as with `tls`; the proxy's user and
   * password are sent as Proxy-Authorization and never shown in errors.
   */
  readonly proxy?: string | ProxySettings | false | undefined;
  /** Called before each retry, e.g. for logging; never given credentials. */
  readonly onRetry?: ((info: RetryInfo) => void) | undefined;
  /** For tests: how to wait. */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /**
   * A clock to wait on instead of real time, for tests (@mlgen/mocks' `createManualClock`
   * fits): the helpers' waits (`waitForDagRun`, `registerModel`) and, unless `sleep` is given,
   * retries' back-off call its `sleep`, which moves it, and deadlines are read from its `now`.
   */
  readonly clock?: WaitClock | undefined;
}

/** HttpOptions.tls: PEM text or bytes, as Node's `tls.connect` takes them. */
export interface TlsOptions {
  /**
   * The CA certificates to trust, instead of Node's: a private CA, or a bundle with it (as
   * Python requests' `verify=<path>`, which MLflow's MLFLOW_TRACKING_SERVER_CERT_PATH sets).
   */
  readonly ca?: string | Buffer | undefined;
  /** The client certificate (chain), for a server that asks for one; may hold the key too. */
  readonly cert?: string | Buffer | undefined;
  /** The client certificate's private key. Default: the key in `cert` (one PEM file for both). */
  readonly key?: string | Buffer | undefined;
  /** For an encrypted `key`. */
  readonly passphrase?: string | undefined;
  /**
   * `false` accepts any server certificate, unchecked (MLflow's MLFLOW_TRACKING_INSECURE_TLS):
   * for a test server only. Not with `ca`. Default true.
   */
  readonly rejectUnauthorized?: boolean | undefined;
}

/** A clock a client waits on (HttpOptions.clock). */
export interface WaitClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` passed on this clock (a manual clock moves itself forward). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface HttpTransportOptions extends HttpOptions {
  /**
   * The `Authorization` header value for the next attempt, or null for none. Called with
   * `refresh: true` once after a 401 when `refreshOn401` is set (e.g. to fetch a new token).
   */
  readonly authorization?: (refresh: boolean) => string | null | Promise<string | null>;
  /** Repeat a request once, with a refreshed authorization, after a 401. Default false. */
  readonly refreshOn401?: boolean;
  /**
   * Other answers that mean the credentials went stale (with `refreshOn401`): Airflow answers a
   * token signed with another key, or revoked, with 403 "Invalid JWT token". Read bodies from a
   * clone.
   */
  readonly staleCredentials?: (response: Response) => boolean | Promise<boolean>;
  /** The error thrown when a request got no answer; each client has its own class. */
  readonly requestError?: (failure: RequestFailure) => Error;
  /**
   * A `Retry-After` longer than `maxDelayMs`: `"cap"` (the default) waits `maxDelayMs` and
   * tries again; `"answer"` stops retrying and returns that answer (the 429 or 503, its
   * Retry-After kept), since an attempt before the time the server named almost certainly
   * earns another refusal.
   */
  readonly longRetryAfter?: "cap" | "answer";
  /**
   * Other answers worth repeating, besides 429/502/503/504 — only ever for a request that may be
   * repeated (a safe method, or one marked idempotent). Given the answer; read its body from a
   * clone. Airflow's 500 "Database error" (a lock or deadlock in its metadata database) is one.
   */
  readonly retryOn?: (response: Response) => boolean | Promise<boolean>;
}

/**
 * Marks a POST or PATCH as safe to repeat (the helper knows it is idempotent); stripped before
 * sending.
 */
export const IDEMPOTENT_HEADER = "x-mlgen-idempotent";

/** What every helper that sends requests or waits takes, in both clients. */
export interface CallOptions {
  /**
   * Cancels the call: the request in flight, a wait between retries or polls, and any request
   * not yet sent. The call then rejects with `signal.reason` (a DOMException "AbortError"
   * unless `abort(reason)` gave another) and is never retried.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `promise`, or a rejection with `signal.reason` as soon as the signal aborts (already aborted:
 * at once). The work behind `promise` is not stopped: for what is shared with other callers
 * (a token request), or what cannot be cancelled itself.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Waits `ms` (on `clock` when given), or rejects with `signal.reason` as soon as it aborts; the
 * timer is cleared then, so a cancelled wait keeps no process alive.
 */
export function abortableSleep(
  ms: number,
  signal?: AbortSignal,
  clock?: Pick<WaitClock, "sleep">,
): Promise<void> {
  if (clock) return untilAborted(clock.sleep(ms, signal), signal);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Seconds or an HTTP date, as RFC 9110 allows; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Node's (undici's) error codes for a request that got no answer, as a person says them. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS lookup failed)",
  ECONNRESET: "connection reset by the server",
  EPIPE: "connection closed by the server",
  UND_ERR_SOCKET: "connection closed by the server",
  ETIMEDOUT: "could not connect (timed out)",
  UND_ERR_CONNECT_TIMEOUT: "could not connect (timed out)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate chain is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate cannot be verified",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's TLS certificate cannot be verified",
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate is for another host name",
  ERR_SSL_WRONG_VERSION_NUMBER: "TLS handshake failed (an http:// server?)",
  EPROTO: "TLS handshake failed (an http:// server?)",
};

/** Failures that trying again cannot change: the same certificate, port or protocol answers. */
const PERMANENT = /^(?:DEPTH_ZERO|SELF_SIGNED|UNABLE_TO|CERT_|ERR_TLS_|ERR_SSL_|EPROTO$)/;

interface Cause {
  readonly text: string;
  readonly permanent: boolean;
}

function classify(cause: unknown): Cause | null {
  const seen = new Set<unknown>();
  let via = "";
  for (
    let c = cause;
    c && typeof c === "object" && !seen.has(c);
    c = (c as { cause?: unknown }).cause
  ) {
    seen.add(c);
    if (c instanceof ProxiedFailure) {
      via = ` through the proxy ${c.proxy}`;
      continue;
    }
    // undici's ProxyAgent when the proxy refuses the tunnel (CONNECT) to the server, or asks
    // for credentials for an http:// server's request.
    const refused =
      /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$|^Proxy Authentication Required \((407)\)$/.exec(
        String((c as { message?: unknown }).message),
      );
    if (refused) {
      const status = Number(refused[1] ?? refused[2]);
      const why =
        status === 407
          ? ": 407 Proxy Authentication Required (give the proxy's user and password in its URL, http://user:password@proxy:port)"
          : ` with ${status}`;
      return {
        text: `the proxy refused to connect to the server${why}${via}`,
        permanent: status === 407 || status === 403,
      };
    }
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code)) {
      const text = `${NETWORK_CODES[code] ?? "network error"} (${code})${via}`;
      return { text, permanent: PERMANENT.test(code) };
    }
    // undici refuses the ports browsers block (the fetch standard's "bad port" list).
    if ((c as { message?: unknown }).message === "bad port") {
      return {
        text: "fetch refuses to connect to this port (a port browsers block)",
        permanent: true,
      };
    }
    // A streamed body is sent with redirect: "error" (see attempt()).
    if ((c as { message?: unknown }).message === "unexpected redirect") {
      return {
        text: "the server answered with a redirect, which a streamed upload does not follow: point the client at the URL it redirects to",
        permanent: true,
      };
    }
    const nested = (c as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested.length > 0) {
      const inner = classify(nested[0]);
      if (inner) return { ...inner, text: `${inner.text}${via}` };
    }
  }
  return via ? { text: `network error${via}`, permanent: false } : null;
}

/**
 * Why a fetch got no answer, from the error code fetch's TypeError carries in its causes
 * (`fetch failed` alone says nothing); null when there is no code. Only codes are read: a
 * cause's message may hold a URL.
 */
export const networkCause = (cause: unknown): string | null => classify(cause)?.text ?? null;

/** The request never got an answer: a timeout or a network failure, after any retries. */
export class HttpRequestError extends Error {
  override readonly name: string = "HttpRequestError";
  readonly kind: "timeout" | "network";
  readonly method: string;
  readonly path: string;
  readonly attempts: number;
  /** Trying again cannot change it (a certificate refused, a port fetch will not use). */
  readonly permanent: boolean;

  constructor(init: RequestFailure) {
    const what =
      init.kind === "timeout"
        ? init.stalled
          ? `timed out (the answer stopped arriving: nothing more in ${init.timeoutMs !== undefined ? `${init.timeoutMs / 1000} s` : "time"})`
          : `timed out (no answer in ${init.timeoutMs !== undefined ? `${init.timeoutMs / 1000} s` : "time"})`
        : `failed: ${networkCause(init.cause) ?? "network error"}`;
    const attempts = `${init.attempts} attempt${init.attempts === 1 ? "" : "s"}`;
    super(`${init.method} ${init.origin ?? ""}${init.path} ${what}, after ${attempts}`, {
      cause: init.cause,
    });
    this.permanent = init.permanent === true;
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts;
  }
}

/** One attempt got no answer; becomes the client's request error when retries are over. */
class NoAnswer {
  constructor(
    readonly kind: "timeout" | "network",
    readonly cause: unknown,
  ) {}
}

/**
 * A `fetch` (for openapi-fetch or direct use) that adds an Authorization header, a per-attempt
 * timeout, and retries with exponential backoff and jitter on network errors,
 * 429/502/503/504 and the answers `retryOn` picks — for safe methods, and requests marked
 * idempotent; a 429 (the request was not processed) for every request but a streamed one not
 * marked idempotent — honouring Retry-After (capped at `maxDelayMs`, or see `longRetryAfter`).
 * A request that can never be repeated is sent as it is, not cloned, so a streamed body (an
 * artifact upload) is never buffered for a replay.
 */
/**
 * Drops a response's body without waiting: cancelling is only a courtesy to the connection, and
 * a body that never settles its cancel (msw's intercepted responses in Node) must not hang the
 * retry.
 */
function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

/** How one request is sent, for callers of the transport itself (openapi-fetch passes none). */
export interface SendOptions {
  /**
   * The body is a stream that may take longer than the timeout to send (an upload): the timeout
   * then counts time without progress, restarting at each chunk sent, instead of the whole send.
   */
  readonly streamed?: boolean;
}

/** A pass-through stream that calls `touch` at each chunk. */
/**
 * `body` as it is, telling `failed` when reading it fails: the upload's own source (a file that
 * cannot be read, a stream destroyed with an error), which fetch would report as "fetch failed"
 * and the transport as a network error.
 */
function watchSource(
  body: ReadableStream<Uint8Array>,
  failed: (e: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(out) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (e) {
          failed(e);
          throw e;
        }
        if (next.done) out.close();
        else out.enqueue(next.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function progress(touch: () => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, out) {
      touch();
      out.enqueue(chunk);
    },
  });
}

/**
 * `stream`, failing with `stalled()` when no chunk arrives for `ms` (a download whose server
 * stops sending would otherwise wait forever), or with `signal.reason` once `signal` aborts;
 * the source is cancelled then.
 */
export function withIdleTimeout(
  stream: ReadableStream<Uint8Array>,
  ms: number,
  stalled: () => Error,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(out) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(stalled()), ms);
        });
        try {
          // Cancelling (the request's signal) fails the body too, with the signal's reason.
          const next = await untilAborted(Promise.race([reader.read(), idle]), signal);
          if (next.done) out.close();
          else out.enqueue(next.value);
        } catch (e) {
          reader.cancel(e).catch(() => {});
          throw e;
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Nothing is read ahead: the timer runs only while the caller waits for a chunk, so an
    // answer read long after it came is no stall.
    { highWaterMark: 0 },
  );
}

/** How the transport sends one attempt: the request, and its body as a stream when streamed. */
type Sender = (
  request: Request,
  signal: AbortSignal,
  stream: ReadableStream | null,
) => Promise<Response>;

/** A request that went to a proxy and got no answer: which proxy, for the message. */
class ProxiedFailure extends Error {
  constructor(
    readonly proxy: string,
    cause: unknown,
  ) {
    super(`no answer through the proxy ${proxy}`, { cause });
  }
}

/** Node's own fetch, as this module found it (msw and nock replace `globalThis.fetch`). */
const NODE_FETCH = globalThis.fetch;
/** The global fetch is another's (an interceptor's, in a test): it decides where requests go. */
const globalFetchReplaced = () =>
  globalThis.fetch !== NODE_FETCH || globalThis.fetch.name !== "fetch";

/**
 * Which sender each request takes: undici's own `fetch` with an `Agent` holding the TLS
 * settings, or a `ProxyAgent` for a server the proxy settings send through the proxy; null for
 * the global fetch (no TLS settings and no proxy for that server). Agent and fetch come from the
 * same undici package: an Agent handed to Node's global fetch (another undici copy, another
 * major on other Node versions) can be refused ("invalid onRequestStart method"). undici is
 * loaded at the first request that needs it. A proxy from the environment is not applied while
 * the global fetch is replaced (msw in a test): the replacement answers, as it would without.
 */
function undiciRoutes(
  tls: TlsOptions | undefined,
  proxy: ProxySettings | null,
): (url: string) => Sender | null {
  if (tls?.rejectUnauthorized === false && tls.ca !== undefined) {
    throw new TypeError(
      "tls: give a CA to trust (ca) or turn checking off (rejectUnauthorized: false), not both",
    );
  }
  if (tls?.key !== undefined && tls.cert === undefined) {
    throw new TypeError("tls: a key without a certificate (cert) cannot be used");
  }
  const connect = tls
    ? {
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key ?? tls.cert } : {}),
        ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
        rejectUnauthorized: tls.rejectUnauthorized !== false,
      }
    : undefined;
  const fromEnv = proxy !== null && isEnvProxy(proxy);
  let undici: typeof import("undici") | undefined;
  const load = () => {
    undici ??= process.getBuiltinModule("node:module").createRequire(import.meta.url)(
      "undici",
    ) as typeof import("undici");
    return undici;
  };
  const dispatchers = new Map<string, import("undici").Dispatcher>();
  const sender =
    (key: string, make: () => import("undici").Dispatcher, via: string | null): Sender =>
    async (request, signal, stream) => {
      const u = load();
      let dispatcher = dispatchers.get(key);
      if (!dispatcher) {
        dispatcher = make();
        dispatchers.set(key, dispatcher);
      }
      // A body that is not streamed is sent whole, with its length (not chunked), as Node's
      // fetch sends the string or bytes a Request was made from.
      const body = stream ?? (request.body ? await request.arrayBuffer() : null);
      try {
        const response = await u.fetch(request.url, {
          method: request.method,
          headers: [...request.headers],
          body,
          signal,
          redirect: stream ? "error" : request.redirect,
          dispatcher,
          ...(stream ? { duplex: "half" } : {}),
        } as import("undici").RequestInit);
        return response as unknown as Response;
      } catch (e) {
        throw via !== null && !signal.aborted ? new ProxiedFailure(via, e) : e;
      }
    };
  const direct = sender("", () => new (load().Agent)(connect ? { connect } : {}), null);
  return (url) => {
    const target = new URL(url);
    const via = proxy ? proxyFor(target, proxy) : null;
    if (via === null || (fromEnv && globalFetchReplaced())) return tls ? direct : null;
    return sender(
      via.url.href,
      () =>
        new (load().ProxyAgent)({
          uri: via.url.href,
          // http:// servers in absolute form, as Python's requests and most proxies expect
          // (squid refuses CONNECT to ports other than 443 by default); https:// ones tunnel.
          proxyTunnel: false,
          ...(connect ? { requestTls: connect } : {}),
          ...(tls?.ca !== undefined ? { proxyTls: { ca: tls.ca } } : {}),
        }),
      via.shown,
    );
  };
}

export function createHttpTransport(
  options: HttpTransportOptions = {},
): (input: Request, send?: SendOptions) => Promise<Response> {
  if (options.tls && options.fetch) {
    throw new TypeError(
      "give tls or a fetch of your own, not both: a fetch of your own makes its own connections (give it the TLS settings)",
    );
  }
  const proxy =
    options.proxy === undefined || options.proxy === false
      ? null
      : typeof options.proxy === "string"
        ? { http: options.proxy, https: options.proxy }
        : options.proxy;
  if (proxy && options.fetch) {
    throw new TypeError(
      "give proxy or a fetch of your own, not both: a fetch of your own makes its own connections (give it the proxy)",
    );
  }
  // Checked when the client is made, not at its first request.
  if (proxy?.https) parseProxyUrl(proxy.https, "proxy.https");
  if (proxy?.http) parseProxyUrl(proxy.http, "proxy.http");
  // The global fetch is looked up at each request, not when the client is made: a client made
  // at module scope, before msw (or another interceptor) patches fetch in a test's setup, must
  // still go through the patched one rather than to the network.
  const doFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const route = options.tls || proxy ? undiciRoutes(options.tls, proxy) : () => null;
  // The default sleep stops its timer when the request is cancelled: a cancelled CLI exits at
  // once instead of when a Retry-After of minutes ends.
  const clock = options.clock;
  const sleep =
    options.sleep ??
    (clock ? (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal) : undefined) ??
    abortableSleep;
  const retry = options.retry === false ? { retries: 0 } : (options.retry ?? {});
  const retries = retry.retries ?? 3;
  const baseDelay = retry.baseDelayMs ?? 250;
  const maxDelay = retry.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const requestError = options.requestError ?? ((f: RequestFailure) => new HttpRequestError(f));

  /**
   * One try. `signal` is the caller's, read from the request handed to the transport: a clone's
   * own signal stops following it once the clone's internal controller is garbage-collected
   * (undici keeps that link weakly), so a cancel would not reach a repeatable request.
   */
  async function attempt(
    request: Request,
    signal: AbortSignal,
    streamed: boolean,
  ): Promise<Response> {
    // Cancelled before this attempt (while waiting to retry, or before the first): no send.
    signal.throwIfAborted();
    // An explicit timer raced against the fetch: the timeout holds even when a fetch ignores
    // its signal (signal-following differs between Node's undici and test environments).
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fail: (reason: unknown) => void = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const reason = new DOMException("timed out", "TimeoutError");
        controller.abort(reason);
        fail(reason);
      }, timeoutMs);
    };
    arm();
    // The caller's signal and the timeout both abort the attempt's fetch (what AbortSignal.any
    // does, with the listener removed after each attempt: a service's long-lived signal keeps
    // nothing per request). The race makes a cancel immediate even for a fetch that ignores
    // its signal.
    let cancel: (reason: unknown) => void = () => {};
    const cancelled = new Promise<never>((_, reject) => {
      cancel = reject;
    });
    const onAbort = () => {
      controller.abort(signal.reason);
      cancel(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    // What reading a streamed body's source threw: that error is the caller's, not the network's.
    let sourceFailed = false;
    let sourceError: unknown;
    const watched = (body: ReadableStream<Uint8Array>) =>
      watchSource(body, (e) => {
        sourceFailed = true;
        sourceError = e;
      }).pipeThrough(progress(arm));
    try {
      // A streamed body (an upload) may take longer than the timeout to send: each chunk the
      // fetch takes from it starts the timeout again, so only a stall fails the attempt. Not
      // following redirects keeps it out of memory: Node's fetch (undici) otherwise keeps every
      // chunk sent until the answer comes, to send them again on a 307/308 (nodejs/undici#4058),
      // so a 2 GB model upload held 2 GB.
      const sender = route(request.url);
      if (sender) {
        const stream = streamed && request.body ? watched(request.body) : null;
        return await Promise.race([
          sender(request, controller.signal, stream),
          timedOut,
          cancelled,
        ]);
      }
      const sent =
        streamed && request.body
          ? new Request(request, {
              signal: controller.signal,
              body: watched(request.body),
              duplex: "half",
              redirect: "error",
            } as RequestInit)
          : new Request(request, { signal: controller.signal });
      return await Promise.race([doFetch(sent), timedOut, cancelled]);
    } catch (e) {
      // Cancelled: the caller's reason, never retried (no NoAnswer).
      if (signal.aborted) throw signal.reason;
      // The body's source failed (a file that cannot be read): its own error, never retried.
      if (sourceFailed) throw sourceError;
      throw new NoAnswer(controller.signal.aborted ? "timeout" : "network", e);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  return async function transport(input: Request, send: SendOptions = {}): Promise<Response> {
    // Cancelled before the call: nothing is sent, not even a token request.
    input.signal.throwIfAborted();
    const method = input.method.toUpperCase();
    const url = new URL(input.url);
    const path = url.pathname;
    const idempotent = SAFE_METHODS.has(method) || input.headers.get(IDEMPOTENT_HEADER) === "1";
    const template = new Request(input);
    template.headers.delete(IDEMPOTENT_HEADER);
    for (const [k, v] of Object.entries(options.headers ?? {})) template.headers.set(k, v);
    // A 429 says the request was not processed, so any request may be sent again after it, but
    // a streamed body (an upload) that is not idempotent is never buffered for that.
    const again429 = idempotent || send.streamed !== true;
    const repeatable = idempotent || options.refreshOn401 === true || again429;

    let refreshed = false;
    for (let n = 0; ; n++) {
      const request = repeatable ? template.clone() : template;
      // A token request is shared by concurrent callers: a cancelled caller stops waiting for it
      // without cancelling it for the others.
      const auth = await untilAborted(
        Promise.resolve(options.authorization?.(false)),
        input.signal,
      );
      if (auth) request.headers.set("authorization", auth);
      let response: Response | null = null;
      let reason = "";
      let detail: string | undefined;
      let waitMs: number | null = null;
      try {
        response = await attempt(request, input.signal, send.streamed === true);
      } catch (e) {
        if (!(e instanceof NoAnswer)) throw e;
        const permanent = e.kind === "network" && classify(e.cause)?.permanent === true;
        if (!idempotent || n >= retries || permanent) {
          throw requestError({
            kind: e.kind,
            method,
            path,
            attempts: n + 1,
            cause: e.cause,
            origin: url.origin,
            ...(e.kind === "timeout" ? { timeoutMs } : {}),
            ...(permanent ? { permanent } : {}),
          });
        }
        reason = e.kind;
        detail =
          e.kind === "timeout"
            ? `no answer in ${timeoutMs / 1000} s`
            : (networkCause(e.cause) ?? "network error");
      }
      if (response) {
        if (
          options.refreshOn401 &&
          !refreshed &&
          (response.status === 401 || (await options.staleCredentials?.(response)))
        ) {
          // Tokens expire: get a new one once and repeat the request.
          refreshed = true;
          discard(response);
          await untilAborted(Promise.resolve(options.authorization?.(true)), input.signal);
          n--;
          continue;
        }
        if (n >= retries || (!idempotent && !(again429 && response.status === 429))) {
          return bounded(response, method, path, n + 1, url, input);
        }
        if (!RETRY_STATUSES.has(response.status) && !(await options.retryOn?.(response))) {
          return bounded(response, method, path, n + 1, url, input);
        }
        reason = `HTTP ${response.status}`;
        waitMs = retryAfterMs(response.headers.get("retry-after"));
        // The server named a later time than this client waits: an attempt before it would
        // most likely be refused again, so the answer is the caller's (when asked to).
        if (waitMs !== null && waitMs > maxDelay && options.longRetryAfter === "answer") {
          return bounded(response, method, path, n + 1, url, input);
        }
        discard(response);
      }
      const backoff = Math.random() * Math.min(maxDelay, baseDelay * 2 ** n);
      const delayMs = Math.min(maxDelay, waitMs ?? backoff);
      options.onRetry?.({
        method,
        path,
        attempt: n + 1,
        delayMs,
        reason,
        ...(detail !== undefined ? { detail } : {}),
      });
      // Cancelling the request ends the wait for the next attempt at once (its timer cleared).
      input.signal.throwIfAborted();
      await untilAborted(sleep(delayMs, input.signal), input.signal);
    }
  };

  /**
   * The answer, its body failing as a timeout when no byte of it arrives for `timeoutMs`: the
   * attempt's timer stops at the headers, and a server that then stops sending must not hang
   * the caller's `await res.json()`.
   */
  function bounded(
    response: Response,
    method: string,
    path: string,
    attempts: number,
    url: URL,
    input: Request,
  ) {
    // A status Response cannot be made with (fetch passes any from 100 to 999) keeps its
    // answer as it came, unbounded.
    if (!response.body || response.status < 200 || response.status > 599) return response;
    const body = withIdleTimeout(
      response.body,
      timeoutMs,
      () =>
        requestError({
          kind: "timeout",
          method,
          path,
          attempts,
          cause: null,
          origin: url.origin,
          timeoutMs,
          stalled: true,
        }),
      input.signal,
    );
    // undici's plain-proxy path (Http1ProxyWrapper) leaves the reason phrase unset.
    const reason = typeof response.statusText === "string" ? response.statusText : "";
    const out = new Response(body, {
      status: response.status,
      // A reason phrase beyond Latin-1 (undici decodes bytes it cannot read as U+FFFD) is no
      // ByteString, which Response refuses: it is dropped, as HTTP/2 has none anyway.
      statusText: [...reason].some((c) => (c.codePointAt(0) as number) > 0xff) ? "" : reason,
      headers: response.headers,
    });
    // What a Response made here lacks: where the answer came from.
    Object.defineProperty(out, "url", { value: response.url });
    return out;
  }
}
