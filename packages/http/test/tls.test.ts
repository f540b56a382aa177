/**
 * `tls`: a server behind a private CA, one that asks for a client certificate, and turning the
 * checks off — against a real HTTPS server in this process, with the test certificates in
 * test/fixtures/tls (make.sh). Node's global fetch takes no TLS settings, so these requests go
 * through undici's own fetch and Agent; each test says what the server saw.
 */
import { afterEach, describe, expect, it } from "vitest";
import { serveHttps, type TlsHandler, tlsFixture } from "../../../test/support/tls-server.js";
import { createHttpTransport, HttpRequestError, type TlsOptions } from "../src/index.js";

const CA = tlsFixture("ca.pem");
const CLIENT = tlsFixture("client.pem");

const open: { close(): Promise<void> }[] = [];
afterEach(() => Promise.all(open.splice(0).map((s) => s.close())));
async function serve(handler?: TlsHandler, clientCert = false) {
  const server = await serveHttps(handler, { clientCert });
  open.push(server);
  return server;
}

const transport = (tls: TlsOptions | undefined, more: object = {}) =>
  createHttpTransport({ ...(tls ? { tls } : {}), retry: { retries: 2, baseDelayMs: 1 }, ...more });

describe("tls", () => {
  it("trusts the CA it is given: a GET and a POST with its body and length, not chunked", async () => {
    const server = await serve();
    const send = transport({ ca: CA });
    const got = await send(new Request(`${server.url}/api/get?x=1`));
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ path: "/api/get?x=1" });
    const posted = await send(
      new Request(`${server.url}/api/post`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-extra": "1" },
        body: JSON.stringify({ name: "ü" }),
      }),
    );
    expect(posted.status).toBe(200);
    expect(server.seen[1]).toMatchObject({
      method: "POST",
      body: '{"name":"ü"}',
      headers: {
        "content-type": "application/json",
        "x-extra": "1",
        "content-length": String(Buffer.byteLength('{"name":"ü"}')),
      },
    });
    expect(server.seen[1]?.headers["transfer-encoding"]).toBeUndefined();
  });

  it("without the CA, the server's certificate is not trusted: said so, and not retried", async () => {
    const server = await serve();
    const error = await transport(undefined)(new Request(`${server.url}/api/x`)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as Error).message).toMatch(
      /^GET https:\/\/127\.0\.0\.1:\d+\/api\/x failed: the server's TLS certificate (chain is not trusted|cannot be verified) \([A-Z_]+\), after 1 attempt$/,
    );
    expect(server.seen).toEqual([]);
    // The same through the TLS sender with another CA than the server's: the client's own
    // certificate is no CA of the server's.
    const other = await transport({ ca: CLIENT })(new Request(`${server.url}/api/x`)).catch(
      (e: unknown) => e,
    );
    expect((other as Error).message).toMatch(/TLS certificate .*after 1 attempt$/);
  });

  it("rejectUnauthorized: false accepts the certificate unchecked", async () => {
    const server = await serve();
    const got = await transport({ rejectUnauthorized: false })(new Request(`${server.url}/ok`));
    expect(got.status).toBe(200);
    expect(server.seen).toHaveLength(1);
  });

  it("presents the client certificate (its key in the same PEM file) to a server that asks for one", async () => {
    const server = await serve(undefined, true);
    const got = await transport({ ca: CA, cert: CLIENT })(new Request(`${server.url}/mtls`));
    expect(got.status).toBe(200);
    expect(server.seen[0]?.clientCn).toBe("mlgen test client");
    // Without one the handshake fails, and nothing reaches the handler.
    const error = await transport({ ca: CA })(new Request(`${server.url}/mtls`)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as Error).message).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/mtls failed: /);
    expect(server.seen).toHaveLength(1);
  });

  it("streams an upload (chunked) and keeps the timeout, retries and signal", async () => {
    let calls = 0;
    const server = await serve((seen, res) => {
      calls++;
      if (seen.path === "/hang") return; // never answers
      if (seen.path === "/busy" && calls === 2) return void res.writeHead(503).end();
      res.writeHead(200).end(String(seen.body.length));
    });
    const send = transport({ ca: CA }, { timeoutMs: 300 });
    const parts = ["a".repeat(70_000), "b".repeat(70_000)];
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = parts.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    });
    const up = await send(
      new Request(`${server.url}/upload`, { method: "PUT", body, duplex: "half" } as RequestInit),
      { streamed: true },
    );
    expect(await up.text()).toBe("140000");
    expect(server.seen[0]?.headers["transfer-encoding"]).toBe("chunked");
    // A 503 to a GET is retried through the same sender.
    const busy = await send(new Request(`${server.url}/busy`));
    expect(busy.status).toBe(200);
    expect(server.seen.filter((s) => s.path === "/busy")).toHaveLength(2);
    const hang = await send(new Request(`${server.url}/hang`)).catch((e: unknown) => e);
    expect((hang as Error).message).toMatch(/timed out \(no answer in 0\.3 s\), after 3 attempts$/);
    const controller = new AbortController();
    const cancelled = send(new Request(`${server.url}/hang`, { signal: controller.signal }));
    controller.abort(new Error("stop"));
    await expect(cancelled).rejects.toThrow("stop");
  });

  it("refuses settings that cannot work, before any request", () => {
    expect(() => transport({ ca: CA, rejectUnauthorized: false })).toThrow(/not both/);
    expect(() => transport({ key: CLIENT })).toThrow(/a key without a certificate/);
    expect(() => createHttpTransport({ tls: { ca: CA }, fetch })).toThrow(
      /give tls or a fetch of your own, not both/,
    );
  });
});
