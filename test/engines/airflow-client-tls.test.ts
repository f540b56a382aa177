/**
 * @mlgen/airflow-client against a real Airflow 3 api-server serving https with a private CA and
 * requiring a client certificate (`[api] ssl_cert`, `ssl_key`, `ssl_ca_file`,
 * `ssl_cert_reqs = required`; test/fixtures/tls), started here on 127.0.0.1 and stopped by PID:
 * the token request and the API calls (reads, and writes with JSON bodies) go through the `tls`
 * option; without the client certificate the server refuses, without the CA the client does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AirflowRequestError,
  createAirflowClient,
} from "../../packages/airflow-client/src/index.js";
import { tlsFixture } from "../support/tls-server.js";
import { type AirflowServer, startAirflow } from "./airflow-server.js";
import { ensureEngines, isAlive, tempDir } from "./harness.js";

let airflow: AirflowServer;

beforeAll(async () => {
  ensureEngines();
  airflow = await startAirflow({ dagsFolder: tempDir("tls-dags"), tls: true });
});

afterAll(async () => {
  if (!airflow) return;
  const pids = Object.values(airflow.pids);
  await airflow.stop();
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
});

const client = (tls: Parameters<typeof createAirflowClient>[0]["tls"], retries = 0) =>
  createAirflowClient({
    baseUrl: airflow.url,
    auth: { username: airflow.username, password: airflow.password },
    tls,
    retry: { retries },
  });

describe("Airflow's REST API over https with a client certificate (real api-server)", () => {
  it("the token request, reads and writes with bodies all go through the tls option", async () => {
    expect(airflow.url.startsWith("https://127.0.0.1:")).toBe(true);
    const c = client({ ca: tlsFixture("ca.pem"), cert: tlsFixture("client.pem") });
    expect((await c.version()).version).toMatch(/^3\./);
    // Plain text (Airflow rewrites a JSON value in its own spacing), longer than a TLS record.
    const value = Array.from({ length: 3000 }, (_, i) => `row ${i}`).join("; ");
    await c.variables.create({ key: "tls_check", value, description: "over mutual TLS" });
    await c.variables.update("tls_check", { key: "tls_check", value: `${value} ` });
    expect(await c.variables.get("tls_check")).toMatchObject({
      key: "tls_check",
      value: `${value} `,
      description: "over mutual TLS",
    });
    await c.variables.delete("tls_check");
    await expect(c.variables.get("tls_check")).rejects.toMatchObject({ status: 404 });
  });

  it("without the client certificate the server refuses; rejectUnauthorized: false skips the CA check, not the certificate", async () => {
    const refused = await client({ ca: tlsFixture("ca.pem") })
      .version()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AirflowRequestError);
    const insecure = client({ cert: tlsFixture("client.pem"), rejectUnauthorized: false });
    expect((await insecure.version()).version).toMatch(/^3\./);
  });

  it("without the CA the server's certificate is not trusted, said so, and not retried", async () => {
    const err = await client({ cert: tlsFixture("client.pem") }, 3)
      .version()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowRequestError);
    expect(String((err as Error).message)).toMatch(
      /the server's TLS certificate (chain is not trusted|cannot be verified) \([A-Z_]+\), after 1 attempt/,
    );
  });
});
