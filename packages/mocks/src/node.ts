/**
 * `setupMlgenMocks()` for Node test runners (msw's `setupServer`): both fakes behind one msw
 * server, listening before the tests, reset after each test, closed at the end.
 */
import type { RequestHandler } from "msw";
import { type SetupServer, setupServer } from "msw/node";
import { type AirflowFake, type AirflowFakeOptions, createAirflowFake } from "./airflow/index.js";
import type { Clock, ManualClock } from "./clock.js";
import { createMlflowFake, type MlflowFake, type MlflowFakeOptions } from "./mlflow/index.js";

type Hook = (fn: () => unknown) => void;

export interface TestHooks {
  readonly beforeAll: Hook;
  readonly afterEach: Hook;
  readonly afterAll: Hook;
}

export interface MlgenMocksOptions {
  /** The MLflow fake's options; `false` leaves MLflow unmocked. Default: on, at http://mlflow.mock. */
  readonly mlflow?: MlflowFakeOptions | false;
  /** The Airflow fake's options; `false` leaves Airflow unmocked. Default: on, at http://airflow.mock. */
  readonly airflow?: AirflowFakeOptions | false;
  /** More handlers, in front of the fakes for the whole file. */
  readonly handlers?: readonly RequestHandler[];
  /**
   * What a request no handler answers does. Default "error": a test never reaches a real network
   * by accident. "error" and "warn" print the method and the URL without its query, never its
   * headers or body (msw's own messages print the body: a password sent for a token, in CI logs).
   */
  readonly onUnhandledRequest?: "error" | "warn" | "bypass";
  /**
   * The runner's hooks. Default: the global `beforeAll`/`afterEach`/`afterAll` (jest, vitest with
   * `globals: true`); with plain vitest import from `@mlgen/mocks/vitest`. `false`: register
   * nothing and call `listen()`/`reset()`/`close()` yourself.
   */
  readonly hooks?: TestHooks | false;
}

export interface MlgenMocks<M = MlflowFake | undefined, A = AirflowFake | undefined> {
  readonly server: SetupServer;
  readonly mlflow: M;
  readonly airflow: A;
  /** Handlers in front of everything until the next reset (e.g. a scenario preset). */
  use(...handlers: RequestHandler[]): void;
  listen(): void;
  /**
   * Drops per-test handlers, rewinds a manual clock given to a fake to its start time and
   * empties both fakes (what afterEach does), so each test starts where the first one did.
   */
  reset(): void;
  close(): void;
}

/**
 * The fake `setupMlgenMocks(options)` makes for `K`: none for `false`, maybe none when the option
 * may be false, else the fake (also when the option is left out: the fakes are on by default).
 */
export type FakeFor<O, K extends "mlflow" | "airflow", F> = K extends keyof O
  ? [O[K]] extends [false]
    ? undefined
    : false extends O[K]
      ? F | undefined
      : F
  : F;

export function setupMlgenMocks<O extends MlgenMocksOptions = Record<never, never>>(
  options?: O,
): MlgenMocks<FakeFor<O, "mlflow", MlflowFake>, FakeFor<O, "airflow", AirflowFake>>;
export function setupMlgenMocks(options: MlgenMocksOptions = {}): MlgenMocks {
  const mlflow = options.mlflow === false ? undefined : createMlflowFake(options.mlflow ?? {});
  const airflow = options.airflow === false ? undefined : createAirflowFake(options.airflow ?? {});
  const server = setupServer(
    ...(options.handlers ?? []),
    ...(mlflow?.handlers ?? []),
    ...(airflow?.handlers ?? []),
  );
  // A manual clock (one with reset()) given to either fake, once even if given to both.
  const clocks = new Set<Clock>();
  for (const fake of [options.mlflow, options.airflow]) {
    const clock = fake === false ? undefined : fake?.clock;
    if (clock) clocks.add(clock);
  }
  const mocks: MlgenMocks = {
    server,
    mlflow,
    airflow,
    use: (...handlers) => server.use(...handlers),
    listen: () =>
      server.listen({
        onUnhandledRequest: unhandled(options.onUnhandledRequest ?? "error", [mlflow, airflow]),
      }),
    reset() {
      server.resetHandlers();
      for (const clock of clocks) (clock as Partial<ManualClock>).reset?.();
      mlflow?.reset();
      airflow?.reset();
    },
    close: () => server.close(),
  };
  const hooks = options.hooks === undefined ? globalHooks() : options.hooks;
  if (hooks) {
    hooks.beforeAll(() => mocks.listen());
    hooks.afterEach(() => mocks.reset());
    hooks.afterAll(() => mocks.close());
  }
  return mocks;
}

/** msw's strategy, saying only the method and the URL (without query) of the request. */
function unhandled(
  strategy: "error" | "warn" | "bypass",
  fakes: ReadonlyArray<{ readonly baseUrl: string } | undefined>,
): "bypass" | ((request: Request) => void) {
  if (strategy === "bypass") return strategy;
  const urls = fakes.flatMap((f) => (f ? [f.baseUrl] : []));
  const at = `${urls.length > 1 ? "fakes" : "fake"} at ${urls.join(", ")}`;
  return (request) => {
    const url = new URL(request.url);
    const message =
      `[@mlgen/mocks] no mock handler answers ${request.method} ${url.origin}${url.pathname}` +
      (urls.length > 0 ? `: is the client's baseUrl the fake's? (${at})` : "");
    if (strategy === "warn") return console.warn(message);
    console.error(message);
    // A network error, as msw's "error" gives (an Error thrown here would be a 500 instead).
    throw Response.error();
  };
}

function globalHooks(): TestHooks {
  const g = globalThis as Partial<TestHooks>;
  if (
    typeof g.beforeAll === "function" &&
    typeof g.afterEach === "function" &&
    typeof g.afterAll === "function"
  ) {
    return { beforeAll: g.beforeAll, afterEach: g.afterEach, afterAll: g.afterAll };
  }
  throw new Error(
    "setupMlgenMocks: no global beforeAll/afterEach/afterAll here. With vitest, import it from " +
      '"@mlgen/mocks/vitest"; elsewhere pass `hooks: { beforeAll, afterEach, afterAll }`, or ' +
      "`hooks: false` and call listen()/reset()/close() yourself.",
  );
}
