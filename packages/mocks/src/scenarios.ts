/**
 * Scenario presets: faults a real deployment throws at a service, as msw handlers to put in
 * front of a fake (`server.use(...)`, or `mocks.use(...)` from setupMlgenMocks). Each one
 * answers the first `times` matching requests itself and lets the rest through to the handlers
 * behind it, so a test reads as "the next two calls fail with 503, then the fake answers".
 */
import { delay, type HttpHandler, HttpResponse, http } from "msw";

export interface FaultOptions {
  /**
   * Which requests: an absolute URL prefix (e.g. the fake's baseUrl, or
   * `http://mlflow.mock/api/2.0/mlflow/runs/`), matched against the request URL. Default: all.
   */
  readonly url?: string;
  /** Only this HTTP method (case-insensitive). Default: any. */
  readonly method?: string;
  /** How many matching requests get the fault before it steps aside. Default 1; `Infinity` for all. */
  readonly times?: number;
}

/** A preset's handler plus how many requests it has answered, for assertions. */
export type FaultHandler = HttpHandler & { readonly hits: () => number };

function fault(
  options: FaultOptions,
  answer: (request: Request) => Promise<Response | undefined> | Response | undefined,
  applies: (request: Request) => boolean = () => true,
): FaultHandler {
  const times = options.times ?? 1;
  if (!(times >= 0)) throw new RangeError(`times must be ≥ 0 (got ${times})`);
  const method = options.method?.toUpperCase();
  let hits = 0;
  const handler = http.all("*", async ({ request }) => {
    if (hits >= times) return undefined;
    if (method !== undefined && request.method !== method) return undefined;
    if (options.url !== undefined && !request.url.startsWith(options.url)) return undefined;
    if (!applies(request)) return undefined;
    hits++;
    return answer(request);
  });
  return Object.assign(handler, { hits: () => hits });
}

/** 503 Service Unavailable for the next `times` requests (a server restarting, a proxy flapping). */
export function serviceUnavailable(options: FaultOptions = {}): FaultHandler {
  return fault(options, () =>
    HttpResponse.text("upstream connect error or disconnect/reset before headers", { status: 503 }),
  );
}

/** A 5xx flap: `times` failures with the given status (default 502), then the fake again. */
export function flap(
  options: FaultOptions & { readonly status?: 500 | 502 | 503 | 504 } = {},
): FaultHandler {
  const status = options.status ?? 502;
  return fault(options, () => HttpResponse.text(`${status} from the load balancer`, { status }));
}

/** 429 Too Many Requests with `Retry-After` (seconds, default 1) for the next `times` requests. */
export function rateLimited(
  options: FaultOptions & { readonly retryAfterSeconds?: number } = {},
): FaultHandler {
  const seconds = options.retryAfterSeconds ?? 1;
  return fault(options, () =>
    HttpResponse.json(
      { error_code: "REQUEST_LIMIT_EXCEEDED", message: "Too many requests" },
      { status: 429, headers: { "retry-after": String(seconds) } },
    ),
  );
}

/**
 * 401 as Airflow 3 answers an expired JWT (`{"detail": "Token Expired"}`), for the next `times`
 * requests that carry a bearer token. Clients that refresh the token on 401 get through on the
 * retry; those that do not, fail. (The Airflow fake can also expire its tokens for real with
 * `expireTokens()`.)
 */
export function expiredToken(options: FaultOptions = {}): FaultHandler {
  return fault(
    options,
    () => HttpResponse.json({ detail: "Token Expired" }, { status: 401 }),
    (request) => request.headers.get("authorization")?.startsWith("Bearer ") === true,
  );
}

/** Adds `ms` of latency to the next `times` requests (default: all), then lets the fake answer. */
export function slow(options: FaultOptions & { readonly ms: number }): FaultHandler {
  return fault({ times: Number.POSITIVE_INFINITY, ...options }, async () => {
    await delay(options.ms);
    return undefined;
  });
}

/** A network error (connection reset: fetch rejects with a TypeError) for the next `times` requests. */
export function networkError(options: FaultOptions = {}): FaultHandler {
  return fault(options, () => HttpResponse.error());
}
