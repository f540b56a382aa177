/**
 * `mlgen graph --format html` opened in a real headless Chromium (Debian's chromium, found or
 * installed by test/setup-browser.sh; driven with playwright-core, which downloads nothing):
 * every task is drawn as a node in the DOM, every edge as an edge, clicking a node shows that
 * task's settings, the page needs no network, and its screenshot is not blank.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as mlgen } from "../../packages/cli/src/run.js";
import { launchChromium } from "../support/browser.js";
import { ROOT, tempDir } from "./harness.js";

let browser: Browser;
let work = "";

beforeAll(async () => {
  browser = await launchChromium();
  work = tempDir("graph-html");
});

afterAll(async () => {
  await browser?.close();
});

async function graphHtml(example: string, pipeline: string): Promise<string> {
  let stderr = "";
  const out = join(work, `${pipeline}.html`);
  const code = await mlgen(["graph", pipeline, "--format", "html", "--out", out], {
    cwd: join(ROOT, "examples", example),
    stdout: () => {},
    stderr: (t) => {
      stderr += t;
    },
    env: {},
  });
  expect(code, stderr).toBe(0);
  return out;
}

/** Share of pixels that are not (near) white in a PNG, measured by the browser's own decoder. */
async function inkShare(png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    // Runs in the page (browser globals), so it is passed as source text.
    const script = `(async () => {
      const img = new Image();
      img.src = "data:image/png;base64,${png.toString("base64")}";
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) ink++;
      }
      return ink / (data.length / 4);
    })()`;
    return (await page.evaluate(script)) as number;
  } finally {
    await page.close();
  }
}

describe("mlgen graph --format html in headless Chromium", () => {
  it.each([
    ["production-pipeline", "production_pipeline", 12],
    ["training-pipeline", "ml_training_pipeline", 5],
    ["iris-quickstart", "iris_quickstart", 2],
  ])(
    "%s: every task is a node, a click shows its settings, the picture is not blank",
    async (example, id, tasks) => {
      const file = await graphHtml(example, id);
      const html = readFileSync(file, "utf8");
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(http/);
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const requests: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url());
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${file}`);
      expect(await page.locator("svg .node").count()).toBe(tasks);
      const edges = [...html.matchAll(/<g class="edge">/g)].length;
      expect(await page.locator("svg .edge path").count()).toBe(edges);
      expect(edges).toBeGreaterThanOrEqual(tasks - 1);
      // Every node is visible (has a box on the page).
      for (const node of await page.locator("svg .node").all()) {
        const box = await node.boundingBox();
        expect(box && box.width > 50 && box.height > 20).toBe(true);
      }
      const last = page.locator("svg .node").last();
      const taskId = (await last.getAttribute("data-task")) as string;
      await last.click();
      expect(await page.locator("#title").textContent()).toBe(taskId);
      const settings = JSON.parse((await page.locator("#settings").textContent()) as string);
      expect(settings.id).toBe(taskId);
      expect(typeof settings.kind).toBe("string");
      expect(await last.getAttribute("class")).toContain("selected");
      const share = await inkShare(await page.screenshot());
      expect(share).toBeGreaterThan(0.02);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    },
  );
});
