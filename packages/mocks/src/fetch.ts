import { getResponse, type RequestHandler } from "msw";

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
  return async (input, init) => {
    const request =
      input instanceof Request && init === undefined ? input : new Request(input, init);
    const response = await getResponse([...list()], request);
    // HttpResponse.error() (a network error): fetch rejects, as it does on a reset connection.
    if (response?.type === "error") throw new TypeError("fetch failed (network error from a mock)");
    if (response) return response;
    return Response.json(
      { error_code: "NOT_MOCKED", message: `no mock handler for ${request.method} ${request.url}` },
      { status: 501 },
    );
  };
}
