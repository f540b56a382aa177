/** `setupMlgenMocks()` wired to vitest's own hooks (no `globals: true` needed). */
import { afterAll, afterEach, beforeAll } from "vitest";
import { type MlgenMocksOptions, setupMlgenMocks as setup } from "./node.js";

export type { MlgenMocks, MlgenMocksOptions, TestHooks } from "./node.js";

export function setupMlgenMocks<O extends MlgenMocksOptions = Record<never, never>>(options?: O) {
  return setup<O>({ hooks: { beforeAll, afterEach, afterAll }, ...options } as O);
}
