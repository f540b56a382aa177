/**
 * An HTTPS server on 127.0.0.1 in the test's own process, with the test certificates in
 * test/fixtures/tls (make.sh), for the clients' `tls` settings. Close it with `close()`.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";

export const TLS_FIXTURES = join(import.meta.dirname, "../fixtures/tls");
/** A fixture file's bytes: ca.pem, server.pem, server-key.pem, client.pem (cert and key). */
export const tlsFixture = (name: string): Buffer => readFileSync(join(TLS_FIXTURES, name));

export interface SeenRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** The client certificate's common name, when one was presented. */
  readonly clientCn: string | null;
}

export type TlsHandler = (req: SeenRequest, res: ServerResponse) => void;

const echoPath: TlsHandler = (req, res) =>
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ path: req.path }));

export async function serveHttps(
  handler: TlsHandler = echoPath,
  options: { readonly clientCert?: boolean } = {},
) {
  const seen: SeenRequest[] = [];
  const server = createServer(
    {
      cert: tlsFixture("server.pem"),
      key: tlsFixture("server-key.pem"),
      ...(options.clientCert
        ? { ca: tlsFixture("ca.pem"), requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const one: SeenRequest = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          clientCn: typeof peer?.subject?.CN === "string" ? peer.subject.CN : null,
        };
        seen.push(one);
        handler(one, res);
      });
    },
  );
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
