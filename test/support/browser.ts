/**
 * The headless Chromium the browser tests use: Debian's chromium found or installed by
 * test/setup-browser.sh (or MLGEN_CHROMIUM), driven by playwright-core, which downloads nothing.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { ROOT } from "./pipelines.js";

export async function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync("bash", [join(ROOT, "test/setup-browser.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return chromium.launch({ executablePath, args: ["--no-sandbox"] });
}
