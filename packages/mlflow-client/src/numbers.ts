/**
 * The MLflow client's numeric options, checked by @mlgen/http's rules (numbers.ts there says
 * why): an MlflowValidationError (a RangeError) naming the option, what it must be, what came
 * and the fix.
 */
import { type HttpOptions, httpNumbersProblem, type NumberRule, numberProblem } from "@mlgen/http";
import { MlflowValidationError } from "./errors.js";

export {
  COUNT,
  DEADLINE,
  DELAY,
  INTERVAL,
  LIMIT,
  MAX_TIMER_MS,
  type NumberRule,
  SIZE,
} from "@mlgen/http";

/** `value` when it is a number that `r` allows; else the MlflowValidationError. */
export function checkNumber(option: string, value: unknown, r: NumberRule): number {
  const problem = numberProblem(option, value, r);
  if (problem === null) return value as number;
  throw new MlflowValidationError(option, problem);
}

/** The transport's numbers (`timeoutMs`, `retry`'s). */
export function checkHttpNumbers(options: HttpOptions): void {
  const wrong = httpNumbersProblem(options);
  if (wrong) throw new MlflowValidationError(wrong[0], wrong[1]);
}
