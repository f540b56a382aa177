/**
 * A reverse proxy on 127.0.0.1 that injects faults before forwarding to a real server:
 * a scripted list of responses per request (e.g. 503, 503, then pass through), 429 with
 * Retry-After, or a hang that never answers. It records every request it saw.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { readonly kind: "pass" }
  | {
      readonly kind: "status";
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: string;
    }
  | { readonly kind: "hang" };

export interface FaultProxy {
  readonly url: string;
  /** Faults for the next requests, in order; requests beyond the script pass through. */
  script(faults: readonly Fault[]): void;
  readonly seen: { method: string; path: string; at: number; fault: Fault["kind"] }[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string | null): Promise<FaultProxy> {
  let queue: Fault[] = [];
  const seen: FaultProxy["seen"] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const fault = queue.shift() ?? { kind: "pass" };
    seen.push({ method: req.method ?? "", path: req.url ?? "", at: Date.now(), fault: fault.kind });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (fault.kind === "hang" || target === null) {
      hanging.add(res);
      return;
    }
    if (fault.kind === "status") {
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ detail: `injected ${fault.status}` }));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === "string" && k !== "host" && k !== "content-length") headers.set(k, v);
    }
    try {
      const upstream = await fetch(`${target}${req.url ?? ""}`, {
        method: req.method ?? "GET",
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== "content-encoding" && k !== "transfer-encoding" && k !== "content-length")
          out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(body);
    } catch (e) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy error: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    script(faults) {
      queue = [...faults];
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
