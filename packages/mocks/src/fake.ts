import type { RequestHandler } from "msw";
import { fetchFrom } from "./fetch.js";

/** What both fakes share: where they answer, their msw handlers, and a way back to empty. */
export interface FakeApi {
  /** The origin (and path prefix) the handlers answer, e.g. `http://mlflow.mock`. */
  readonly baseUrl: string;
  /** msw request handlers: give them to `setupServer(...)`/`setupWorker(...)` or `server.use(...)`. */
  readonly handlers: readonly RequestHandler[];
  /** A fetch answered by these handlers without patching globals (see {@link fetchFrom}). */
  readonly fetch: typeof fetch;
  /** Forgets every object and counter: the state a new fake starts with (seeds included). */
  reset(): void;
}

/** Strips one trailing slash so `${baseUrl}/api/...` never doubles it. */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(
      `baseUrl ${JSON.stringify(baseUrl)} is not an absolute URL, e.g. "http://mlflow.mock"`,
    );
  }
  return url.href.replace(/\/$/, "");
}

export { fetchFrom };
