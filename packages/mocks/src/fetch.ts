import { getResponse, type RequestHandler } from "msw";
import { fetchVia } from "./router.js";

/**
 * A `fetch` answered by msw handlers, without patching the global one: give it to a client's
 * `fetch` option to talk to a fake in the same process (parity runs, benchmarks, tests that must
 * not touch globals). A request no handler answers gets a 501 naming the method and URL, the way
 * msw's `onUnhandledRequest: "error"` fails loudly; a mocked network error rejects like fetch does.
 */
export function fetchFrom(
  handlers: readonly RequestHandler[] | (() => readonly RequestHandler[]),
): typeof fetch {
  const list = typeof handlers === "function" ? handlers : () => handlers;
  return fetchVia((request) => getResponse([...list()], request));
}
