import type { HttpOptions } from "./transport.js";

/**
 * What a numeric option may be. The types say `number`, but a value read from an environment
 * variable or a flag is text at run time, and JavaScript takes it quietly: `"10" >= 0` holds and
 * `Date.now() + "10"` is a string, so a deadline would never come. Every numeric option of the
 * client and its helpers goes through `checkNumber` before anything is sent.
 */
export interface NumberRule {
  /** The least value allowed. */
  readonly min: number;
  /** `min` itself is refused (a poll interval of 0 would poll without pause). */
  readonly above?: boolean;
  /** A count, a page size, an index. */
  readonly whole?: boolean;
  /** Milliseconds, as the message says. */
  readonly ms?: boolean;
  /**
   * A delay handed to a timer: Node's timers take at most 2^31 - 1 ms and fire after 1 ms
   * beyond it, so a larger interval would poll without pause.
   */
  readonly timer?: boolean;
  /** What Infinity means, when it is allowed (a wait without deadline). */
  readonly infinity?: string;
}

/** The longest delay Node's timers keep (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A wait's deadline: 0 or more, or Infinity. Compared with the clock, never given to a timer. */
export const DEADLINE: NumberRule = { min: 0, ms: true, infinity: "no deadline" };
/** The pause between polls, or an attempt's timeout: more than 0. */
export const INTERVAL: NumberRule = { min: 0, above: true, ms: true, timer: true };
/** A back-off delay, or how long to wait for something before going on: 0 or more. */
export const DELAY: NumberRule = { min: 0, ms: true, timer: true };
/** How many times: 0 or more. */
export const COUNT: NumberRule = { min: 0, whole: true };
/** A page size, a try number, requests in flight: 1 or more. */
export const SIZE: NumberRule = { min: 1, whole: true };
/** How many at most: 0 or more, or Infinity. */
export const LIMIT: NumberRule = { min: 0, whole: true, infinity: "no limit" };
/** A mapped task's index; -1 is a task that is not mapped. */
export const MAP_INDEX: NumberRule = { min: -1, whole: true };

/** The value as a message may show it: its type, and text cut short (it is no secret's place). */
export function shown(value: unknown): string {
  switch (typeof value) {
    case "number":
      return String(value);
    case "string":
      return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
    case "bigint":
      return `the bigint ${value}n`;
    case "boolean":
      return `the boolean ${value}`;
    case "undefined":
      return "undefined";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
  }
}

/** `retry.maxDelayMs` → `maxDelayMs: Number(process.env.MAX_DELAY_MS)`, the example fix. */
function converted(option: string): string {
  const field = option.slice(option.lastIndexOf(".") + 1);
  return `${field}: Number(process.env.${field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()})`;
}

function rule(r: NumberRule): string {
  const what = r.whole ? "a whole number" : r.ms ? "a number of milliseconds" : "a number";
  const least = r.above ? `more than ${r.min}` : `${r.min} or more`;
  const most = r.timer
    ? `, at most ${MAX_TIMER_MS} (about 24.8 days: Node's timers take no more)`
    : "";
  const infinity = r.infinity ? `, or Infinity (${r.infinity})` : "";
  return `${what}, ${least}${most}${infinity}`;
}

function fits(value: number, r: NumberRule): boolean {
  if (value === Number.POSITIVE_INFINITY) return r.infinity !== undefined;
  if (!Number.isFinite(value)) return false;
  if (r.whole && !Number.isInteger(value)) return false;
  if (r.above ? value <= r.min : value < r.min) return false;
  return !(r.timer && value > MAX_TIMER_MS);
}

/** What to do about a value that is no number: the fix, after a colon. */
function fix(option: string, value: unknown): string {
  if (typeof value === "string" || typeof value === "bigint") {
    return `: convert it to a number first, e.g. ${converted(option)}`;
  }
  if (typeof value !== "number") return ": pass a number";
  if (Number.isNaN(value)) {
    return ': NaN is what Number() makes of text that is no number (Number("2s")): check the value converted';
  }
  return "";
}

/**
 * What is wrong with `value` as a number that `r` allows, as the rest of a sentence naming the
 * option (`must be a whole number, 1 or more (got the string "10"): convert it ...`), or null
 * when it is one.
 */
export function numberProblem(option: string, value: unknown, r: NumberRule): string | null {
  if (typeof value === "number" && fits(value, r)) return null;
  return `must be ${rule(r)} (got ${shown(value)})${fix(option, value)}`;
}

/**
 * The transport's numbers: `timeoutMs` and `retry`'s, as [option, problem] for the first one
 * wrong, or null. A number given as `retry` (for `{ retries }`) would otherwise be read as no
 * settings at all.
 */
export function httpNumbersProblem(options: HttpOptions): [string, string] | null {
  const check = (option: string, value: unknown, r: NumberRule): [string, string] | null => {
    if (value === undefined) return null;
    const problem = numberProblem(option, value, r);
    return problem === null ? null : [option, problem];
  };
  const timeout = check("timeoutMs", options.timeoutMs, INTERVAL);
  if (timeout) return timeout;
  const retry: unknown = options.retry;
  if (retry === undefined || retry === null || retry === false) return null;
  if (typeof retry !== "object" || Array.isArray(retry)) {
    return [
      "retry",
      `must be false or { retries, baseDelayMs, maxDelayMs } (got ${shown(retry)})${
        typeof retry === "number" ? `: write retry: { retries: ${retry} }` : ""
      }`,
    ];
  }
  const r = retry as Readonly<Record<string, unknown>>;
  return (
    check("retry.retries", r.retries, COUNT) ??
    check("retry.baseDelayMs", r.baseDelayMs, DELAY) ??
    check("retry.maxDelayMs", r.maxDelayMs, DELAY)
  );
}
