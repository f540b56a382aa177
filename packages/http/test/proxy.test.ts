/**
 * `proxy`: requests through a forward HTTP proxy (test/support/proxy-server.ts, in this
 * process) to a plain http:// server and to an https:// one (a CONNECT tunnel, the test CA);
 * NO_PROXY; the proxy's credentials; failures that name the proxy and never its password; and
 * the environment's proxy left alone while a test's interceptor owns the global fetch. That
 * these read the variables as Python's requests does is test/engines/proxy.test.ts's.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startProxy } from "../../../test/support/proxy-server.js";
import { serveHttps, tlsFixture } from "../../../test/support/tls-server.js";
import {
  bypassesProxy,
  createHttpTransport,
  HttpRequestError,
  type HttpTransportOptions,
  proxyFromEnv,
} from "../src/index.js";

const CA = tlsFixture("ca.pem");

const open: { close(): Promise<void> }[] = [];
afterEach(() => Promise.all(open.splice(0).map((s) => s.close())));

/** A plain http:// server that answers with what it got. */
async function serveHttp() {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          path: req.url,
          body: Buffer.concat(chunks).toString("utf8"),
          length: req.headers["content-length"] ?? null,
          authorization: req.headers.authorization ?? null,
          proxyAuthorization: req.headers["proxy-authorization"] ?? null,
        }),
      ),
    );
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const handle = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  open.push(handle);
  return handle;
}

async function proxy(auth?: { user: string; password: string }) {
  const p = await startProxy(auth ? { auth } : {});
  open.push(p);
  return p;
}

const transport = (more: Partial<HttpTransportOptions>) =>
  createHttpTransport({ retry: { retries: 2, baseDelayMs: 1 }, ...more });

describe("proxy", () => {
  it("sends an http:// server's requests to the proxy in absolute form, bodies and headers whole", async () => {
    const [server, p] = [await serveHttp(), await proxy()];
    const send = transport({ proxy: p.url });
    const got = await send(
      new Request(`${server.url}/api/runs?x=1`, {
        method: "POST",
        headers: { authorization: "Bearer t0k", "content-type": "application/json" },
        body: JSON.stringify({ name: "ü" }),
      }),
    );
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({
      path: "/api/runs?x=1",
      body: '{"name":"ü"}',
      length: String(Buffer.byteLength('{"name":"ü"}')),
      authorization: "Bearer t0k",
      proxyAuthorization: null,
    });
    expect(p.seen).toEqual([
      {
        kind: "forward",
        target: new URL(server.url).host,
        method: "POST",
        path: "/api/runs?x=1",
        authorized: true,
      },
    ]);
  });

  it("tunnels to an https:// server (CONNECT), with the TLS settings for the server", async () => {
    const [server, p] = [await serveHttps(), await proxy()];
    open.push(server);
    const got = await transport({ proxy: { https: p.url }, tls: { ca: CA } })(
      new Request(`${server.url}/api/x`),
    );
    expect(got.status).toBe(200);
    expect(p.seen).toEqual([
      { kind: "connect", target: new URL(server.url).host, authorized: true },
    ]);
    expect(server.seen.map((s) => s.path)).toEqual(["/api/x"]);
  });

  it("sends the proxy's user and password as Proxy-Authorization; refused, it says so without them", async () => {
    const [server, p] = [await serveHttps(), await proxy({ user: "svc", password: "s3cr%t" })];
    open.push(server);
    const at = new URL(p.url);
    const ok = await transport({
      proxy: `http://svc:${encodeURIComponent("s3cr%t")}@${at.host}`,
      tls: { ca: CA },
    })(new Request(`${server.url}/api/x`));
    expect(ok.status).toBe(200);
    expect(p.seen.at(-1)).toMatchObject({ kind: "connect", authorized: true });
    const error = await transport({
      proxy: `http://svc:wrong-pass@${at.host}`,
      tls: { ca: CA },
    })(new Request(`${server.url}/api/x`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    const message = (error as Error).message;
    expect(message).toBe(
      `GET ${server.url}/api/x failed: the proxy refused to connect to the server: 407 Proxy Authentication Required (give the proxy's user and password in its URL, http://user:password@proxy:port) through the proxy http://${at.host}, after 1 attempt`,
    );
    expect(message).not.toContain("wrong-pass");
    expect(message).not.toContain("svc");
    // An http:// server's request: the proxy's 407 answer, said the same way.
    const plain = await serveHttp();
    const forward = await transport({ proxy: `http://svc:wrong-pass@${at.host}` })(
      new Request(`${plain.url}/api/y`),
    ).catch((e: unknown) => e);
    expect((forward as Error).message).toBe(
      `GET ${plain.url}/api/y failed: the proxy refused to connect to the server: 407 Proxy Authentication Required (give the proxy's user and password in its URL, http://user:password@proxy:port) through the proxy http://${at.host}, after 1 attempt`,
    );
  });

  it("a proxy that is down: the network error, through which proxy, retried", async () => {
    const server = await serveHttp();
    const p = await startProxy();
    await p.close();
    const error = await transport({ proxy: p.url })(new Request(`${server.url}/api/x`)).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      `GET ${server.url}/api/x failed: connection refused (ECONNREFUSED) through the proxy ${p.url}, after 3 attempts`,
    );
  });

  it("reaches the servers noProxy lists directly", async () => {
    const [server, p] = [await serveHttp(), await proxy()];
    const send = transport({ proxy: { http: p.url, noProxy: "example.com, 127.0.0.0/8" } });
    expect((await send(new Request(`${server.url}/api/x`))).status).toBe(200);
    expect(p.seen).toEqual([]);
  });

  it("a proxy from the environment is left alone while the global fetch is replaced (msw in a test)", async () => {
    const p = await proxy();
    const env = proxyFromEnv({ HTTP_PROXY: p.url }) ?? {};
    const original = globalThis.fetch;
    const intercepted: string[] = [];
    globalThis.fetch = async function fetchProxy(input: string | URL | Request) {
      intercepted.push(String(input instanceof Request ? input.url : input));
      return new Response("{}", { status: 200 });
    } as typeof fetch;
    try {
      const got = await transport({ proxy: env })(new Request("http://mlflow.test/api/x"));
      expect(got.status).toBe(200);
      expect(intercepted).toEqual(["http://mlflow.test/api/x"]);
      expect(p.seen).toEqual([]);
    } finally {
      globalThis.fetch = original;
    }
  });

  it("refuses what is no http(s) proxy when the client is made, naming where it came from, never the password", () => {
    expect(() => transport({ proxy: "socks5://u:pw@127.0.0.1:1080" })).toThrow(
      "proxy.https names a socks5 proxy (socks5://127.0.0.1:1080); only http:// and https:// proxies are supported",
    );
    expect(() => proxyFromEnv({ https_proxy: "http://u:pw@[bad" })).toThrow(
      "https_proxy is not a proxy URL (http://…@[bad): give one like http://proxy.example.com:3128",
    );
    expect(() => transport({ proxy: "http://127.0.0.1:1", fetch: globalThis.fetch })).toThrow(
      "give proxy or a fetch of your own, not both",
    );
  });
});

describe("proxyFromEnv and bypassesProxy", () => {
  it("reads the variables as Python's requests: lowercase first, ALL_PROXY for either, empty is unset", () => {
    expect(proxyFromEnv({})).toBeUndefined();
    expect(proxyFromEnv({ HTTPS_PROXY: "  " })).toBeUndefined();
    expect(
      proxyFromEnv({
        HTTPS_PROXY: "http://upper:1",
        https_proxy: "http://lower:1",
        NO_PROXY: "a",
        no_proxy: "b",
      }),
    ).toEqual({ https: "http://lower:1", noProxy: "b" });
    expect(proxyFromEnv({ ALL_PROXY: "proxy:3128", http_proxy: "http://h:1" })).toEqual({
      https: "proxy:3128",
      http: "http://h:1",
    });
  });

  it("matches NO_PROXY entries as requests does", () => {
    const cases: [string, string, boolean][] = [
      ["http://mlflow.internal:5000/", "*", true],
      ["http://mlflow.internal:5000/", "internal", true],
      ["http://mlflow.internal:5000/", ".internal", true],
      ["http://mlflow.internal:5000/", "mlflow.internal:5000", true],
      ["http://mlflow.internal:5000/", "mlflow.internal:5001", false],
      ["http://mlflow.internal:5000/", "*.internal", false],
      ["http://mlflow.internal:5000/", "a, *", false],
      ["http://10.1.2.3:5000/", "10.0.0.0/8", true],
      ["http://10.1.2.3:5000/", "10.1.2.3", true],
      ["http://11.1.2.3:5000/", "10.0.0.0/8", false],
      ["https://example.com/", "ample.com", false],
      ["https://example.com/", "other.com, ,EXAMPLE.COM", true],
    ];
    for (const [url, noProxy, want] of cases) {
      expect([url, noProxy, bypassesProxy(new URL(url), noProxy)]).toEqual([url, noProxy, want]);
    }
  });
});
