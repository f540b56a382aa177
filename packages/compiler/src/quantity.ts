/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e3`), as a pod's resources take them:
 * a number, then a binary (Ki…Ei) or decimal (n, u, m, k, M…E) suffix or a decimal exponent.
 */
export const QUANTITY =
  /^\+?(\d+(\.\d*)?|\.\d+)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;

/** The fractional suffixes divide (100n is 1e-7 exactly, not 100 × 1e-9). */
const DIVISOR: Record<string, number> = { n: 1e9, u: 1e6, m: 1e3 };
const SUFFIX: Record<string, number> = {
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity QUANTITY accepts (cores for a CPU, bytes for memory). */
export function quantity(text: string): number {
  const m = /^\+?([\d.]+)(.*)$/.exec(text) as RegExpExecArray;
  const unit = m[2] as string;
  const n = Number(m[1]);
  if (/^[eE]/.test(unit)) return n * 10 ** Number(unit.slice(1));
  const divisor = DIVISOR[unit];
  return divisor !== undefined ? n / divisor : n * (SUFFIX[unit] ?? 1);
}
