/** Edit distance (insertions, deletions, substitutions and swaps of neighbours). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The known name a misspelled one most likely meant (`retires` → `retries`, `Schedule` →
 * `schedule`), or undefined when none is close: at most a third of the name's letters differ.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const dist = editDistance(lower, k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  // A word cut short or inflected (`retry` for `retries`): the known name starts with its stem.
  if (best === undefined && lower.length >= 4) {
    const stem = lower.slice(0, -1);
    for (const k of known) {
      if (k.toLowerCase().startsWith(stem) && (best === undefined || k.length < best.length))
        best = k;
    }
  }
  return best;
}

/**
 * The known name that `name` is a typo of: a letter or two off it (another case counts for
 * none), and at most a third of its letters; never a prefix or a stem, which may well name
 * something else (`deploy` beside `deploy_model`), nor one of two names as near (`etl_v3`
 * beside `etl_v1` and `etl_v2`: a family, whose next member may be defined elsewhere). For ids
 * of one family (DAG ids), which share most of their letters, where closestName's third of a
 * long name is too loose.
 */
export function typoOf(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.max(1, Math.floor(name.length / 3))) + 1;
  let tied = false;
  for (const k of new Set(known)) {
    const dist = editDistance(lower, k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
      tied = false;
    } else if (dist === bestDistance) tied = true;
  }
  return tied ? undefined : best;
}
