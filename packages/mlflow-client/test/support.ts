type Handler = (req: Request) => Response | Promise<Response>;

export interface Seen {
  method: string;
  path: string;
  query: string;
  auth: string | null;
  headers: Headers;
  body: string;
}

/** A fake server: one handler per request, in order, and the requests it saw. */
export function fakeFetch(handlers: Handler[] | Handler) {
  const seen: Seen[] = [];
  const fn = async (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname,
      query: url.search,
      auth: req.headers.get("authorization"),
      headers: req.headers,
      body: await req.clone().text(),
    });
    const h = typeof handlers === "function" ? handlers : handlers.shift();
    if (!h) throw new Error(`unexpected request ${req.method} ${req.url}`);
    return h(req);
  };
  return { fetch: fn as typeof fetch, seen };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

export const run = (id: string, status = "RUNNING") => ({
  run: {
    info: {
      run_id: id,
      run_uuid: id,
      experiment_id: "1",
      status,
      start_time: 1,
      lifecycle_stage: "active",
      artifact_uri: `mlflow-artifacts:/1/${id}/artifacts`,
    },
    data: {},
  },
});
