/**
 * @mlgen/mocks in a real browser: a page built with Vite from test/fixtures/mocks-browser
 * starts msw's service worker (`setupWorker`) in front of both fakes and talks to them with the
 * page's own fetch; it is served from 127.0.0.1 (service workers need http) by a server this
 * test starts and stops, and opened in headless Chromium (test/setup-browser.sh).
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import type { Browser } from "playwright-core";
import { build, defaultClientConditions } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.js";
import { ROOT, tempDir } from "./harness.js";

let browser: Browser;
let server: Server;
let url = "";

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
};

beforeAll(async () => {
  const out = tempDir("mocks-browser");
  await build({
    root: join(ROOT, "test/fixtures/mocks-browser"),
    logLevel: "error",
    configFile: false,
    base: "./",
    resolve: { conditions: ["@mlgen/source", ...defaultClientConditions] },
    build: { outDir: out, emptyOutDir: true, minify: false, target: "es2022" },
  });
  copyFileSync(
    join(ROOT, "node_modules/msw/lib/mockServiceWorker.js"),
    join(out, "mockServiceWorker.js"),
  );
  server = createServer((req, res) => {
    const path = normalize(
      decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname),
    ).replace(/^\/+/, "");
    const file = join(out, path === "" ? "index.html" : path);
    if (!file.startsWith(out) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
});

describe("@mlgen/mocks in headless Chromium (msw setupWorker)", () => {
  it("answers the page's fetch from both fakes, presets included", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const leaked: string[] = [];
    page.on("requestfailed", (r) => leaked.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(url);
    await page.waitForFunction(
      () => (globalThis as { __mocksResult?: unknown }).__mocksResult !== undefined,
      null,
      {
        timeout: 60_000,
      },
    );
    const result = (await page.evaluate(
      () => (globalThis as { __mocksResult?: unknown }).__mocksResult,
    )) as Record<string, unknown>;
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      experiment: 200,
      flap: 503,
      again: "browser",
      flakyHits: 1,
      trigger: 200,
      state: "success",
      xcom: 0.93,
      stored: 1,
    });
    expect(result.runs).toEqual([result.runId]);
    expect(errors).toEqual([]);
    expect(leaked).toEqual([]);
    await page.close();
  });
});
