/** A span of time in whole seconds, built with `seconds()`, `minutes()`, `hours()`, `days()`. */
export interface Duration {
  readonly kind: "duration";
  readonly seconds: number;
}

function duration(amount: number, unit: number, name: string): Duration {
  const total = amount * unit;
  if (!Number.isFinite(total) || total < 0 || !Number.isInteger(total)) {
    throw new RangeError(`${name}(${amount}) is not a whole, non-negative number of seconds`);
  }
  return { kind: "duration", seconds: total };
}

export const seconds = (n: number): Duration => duration(n, 1, "seconds");
export const minutes = (n: number): Duration => duration(n, 60, "minutes");
export const hours = (n: number): Duration => duration(n, 3600, "hours");
export const days = (n: number): Duration => duration(n, 86400, "days");

export function toSeconds(d: Duration): number {
  return d.seconds;
}
