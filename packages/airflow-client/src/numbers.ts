/**
 * The airflow client's numeric options, checked by @mlgen/http's rules (numbers.ts there says
 * why): a RangeError naming where, the option, what it must be, what came and the fix.
 */
import { type HttpOptions, httpNumbersProblem, type NumberRule, numberProblem } from "@mlgen/http";

export {
  COUNT,
  DEADLINE,
  DELAY,
  INTERVAL,
  LIMIT,
  MAP_INDEX,
  MAX_TIMER_MS,
  type NumberRule,
  SIZE,
} from "@mlgen/http";

/** `value` when it is a number that `r` allows; else the RangeError. */
export function checkNumber(where: string, option: string, value: unknown, r: NumberRule): number {
  const problem = numberProblem(option, value, r);
  if (problem === null) return value as number;
  throw new RangeError(`${where}: ${option} ${problem}`);
}

/** The transport's numbers (`timeoutMs`, `retry`'s). */
export function checkHttpNumbers(options: HttpOptions, where: string): void {
  const wrong = httpNumbersProblem(options);
  if (wrong) throw new RangeError(`${where}: ${wrong[0]} ${wrong[1]}`);
}
