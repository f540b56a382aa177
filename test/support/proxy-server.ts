/**
 * A forward HTTP proxy on 127.0.0.1 in the test's own process, as squid or a corporate proxy
 * serves: requests for http:// servers in absolute form (`GET http://host:port/path`), and
 * CONNECT tunnels for https:// ones. It records what it was asked, and with `auth` it asks for
 * Proxy-Authorization (basic) and answers 407 without it. Close it with `close()`.
 */
import { createServer, type IncomingMessage, request } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";

export interface ProxiedRequest {
  /** `forward` for an http:// server's request, `connect` for a tunnel. */
  readonly kind: "forward" | "connect";
  /** The server asked for: `host:port`. */
  readonly target: string;
  /** A forwarded request's method and path. */
  readonly method?: string;
  readonly path?: string;
  /** What the proxy's own credentials check found. */
  readonly authorized: boolean;
}

export async function startProxy(options: { auth?: { user: string; password: string } } = {}) {
  const seen: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString("base64")}`
    : null;
  const authorized = (req: IncomingMessage) =>
    expected === null || req.headers["proxy-authorization"] === expected;
  const server = createServer((req, res) => {
    // Absolute form only: a request for the proxy itself is no proxied request.
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("not a proxy request");
      return;
    }
    const ok = authorized(req);
    seen.push({
      kind: "forward",
      target: target.host,
      method: req.method ?? "",
      path: `${target.pathname}${target.search}`,
      authorized: ok,
    });
    if (!ok) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    const ok = authorized(req);
    seen.push({ kind: "connect", target: req.url ?? "", authorized: ok });
    if (!ok) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host as string, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
