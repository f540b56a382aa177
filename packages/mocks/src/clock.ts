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
  /** Sets the clock; earlier than now is refused, since fakes order events by time. */
  set(epochMs: number | string | Date): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; starts at `start` (default 2025-01-01T00:00:00Z). */
export function createManualClock(
  start: number | string | Date = "2025-01-01T00:00:00Z",
): ManualClock {
  let t = toEpoch(start);
  return {
    now: () => t,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`advance(${ms}): give a number of milliseconds ≥ 0`);
      t += ms;
    },
    set(value) {
      const next = toEpoch(value);
      if (next < t) throw new RangeError(`set(${String(value)}): the clock never goes back`);
      t = next;
    },
  };
}

function toEpoch(value: number | string | Date): number {
  const n = typeof value === "number" ? value : new Date(value).getTime();
  if (!Number.isFinite(n)) throw new RangeError(`not a time: ${String(value)}`);
  return n;
}
