/**
 * The time a fake lives in. Real time by default; a manual clock makes DAG runs, token expiry
 * and timestamps move only when a test says so.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface ManualClock extends Clock {
  /** Moves the clock forward (never back). */
  advance(ms: number): void;
  /**
   * A wait that passes on this clock: moves it forward by `ms`, then resolves (after the
   * event loop's pending work; rejects if `signal` aborted). A client given the clock
   * (`createAirflowClient({ ..., clock })`, `createMlflowClient({ ..., clock })`) waits with it:
   * `waitForDagRun`'s polls, `registerModel`'s wait and retries' back-off move the clock instead
   * of sleeping on real timers, under which a manual clock's runs never progress.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Sets the clock; earlier than now is refused, since fakes order events by time. */
  set(epochMs: number | string | Date): void;
  /**
   * Back to the start time, for a fake emptied with it (`setupMlgenMocks`'s `reset()`, run
   * after each test, does both): the one way back, since `set` never goes back.
   */
  reset(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; starts at `start` (default 2025-01-01T00:00:00Z). */
export function createManualClock(
  start: number | string | Date = "2025-01-01T00:00:00Z",
): ManualClock {
  const t0 = toEpoch(start);
  let t = t0;
  const advance = (ms: number) => {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance(${ms}): give a number of milliseconds ≥ 0`);
    t += ms;
  };
  return {
    now: () => t,
    advance,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      advance(ms);
      // A macrotask, so what waits on I/O (a request in flight, a timer) gets its turn.
      await new Promise((resolve) => setTimeout(resolve, 0));
      signal?.throwIfAborted();
    },
    set(value) {
      const next = toEpoch(value);
      if (next < t) throw new RangeError(`set(${String(value)}): the clock never goes back`);
      t = next;
    },
    reset() {
      t = t0;
    },
  };
}

function toEpoch(value: number | string | Date): number {
  const n = typeof value === "number" ? value : new Date(value).getTime();
  if (!Number.isFinite(n)) throw new RangeError(`not a time: ${String(value)}`);
  return n;
}
