/** Airflow schedules: its presets, and cron expressions as croniter (Airflow's cron parser) reads them. */

/** The presets Airflow 3 accepts as `schedule=`. */
export const SCHEDULE_PRESETS = [
  "@once",
  "@continuous",
  "@hourly",
  "@daily",
  "@weekly",
  "@monthly",
  "@quarterly",
  "@yearly",
  "@annually",
  "@midnight",
] as const;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS: readonly {
  name: string;
  min: number;
  max: number;
  names?: string[];
  base?: number;
}[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, base: 1 },
  { name: "day of week", min: 0, max: 7, names: DAYS, base: 0 },
];

function atom(text: string, f: (typeof FIELDS)[number]): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : null;
  }
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  return i >= 0 ? i + (f.base ?? 0) : null;
}

/**
 * Why a 5-field cron expression is invalid, or null when it is valid: what croniter refuses
 * (Airflow then refuses the DAG file), and a day that never comes (`0 0 31 2 *`: Airflow never
 * schedules a run). test/engines/cron-croniter.test.ts holds it to the pinned croniter.
 */
export function cronProblem(expression: string): string | null {
  const syntax = cronSyntaxProblem(expression);
  if (syntax !== null) return syntax;
  const never = cronNeverComes(expression);
  return never === null ? null : `${never}, so the schedule never runs`;
}

/** What croniter refuses in a 5-field cron expression (as cronProblem, days that never come aside). */
export function cronSyntaxProblem(expression: string): string | null {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    return `expected 5 fields (minute hour day month weekday), got ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    const f = FIELDS[i];
    if (!f) break;
    const items = (part ?? "").split(",");
    // `1#1,1#3`: nth weekdays may be listed, but not mixed with plain days.
    const nth = items.filter((x) => x.includes("#")).length;
    if (i === 4 && nth > 0 && nth < items.length) {
      return `${f.name} field '${part}' is out of range ${f.min}-${f.max}`;
    }
    for (const raw of items) {
      // `1-L/2`: the month's last day as a range's end.
      const item = i === 2 ? raw.replace(/^(\d+)-l(?=\/|$)/i, "$1-31") : raw;
      // croniter's (and so Airflow's) extensions: `?` for any day, the month's last day `L`
      // (also as a range's end), the weekday nearest a day `15W`, and the nth weekday `1#2`
      // (alone in its field).
      if ((i === 2 || i === 4) && item === "?") continue;
      if (i === 2 && (/^l$/i.test(item) || /^([1-9]|[12]\d|3[01])w$/i.test(item))) continue;
      if (i === 4 && /^\w+#[1-5]$/.test(item) && atom(item.slice(0, -2), f) !== null) continue;
      // `L5`: the month's last Friday.
      if (i === 4 && /^l[0-7]$/i.test(item)) continue;
      const [range = "", step, ...extra] = item.split("/");
      if (extra.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
        return `${f.name} field '${part}' has a bad step`;
      }
      if (range === "*") continue;
      const [lo = "", hi, ...more] = range.split("-");
      const a = atom(lo, f);
      const b = hi === undefined ? a : atom(hi, f);
      // A range whose end comes before its start wraps around (`FRI-MON`), as croniter reads it.
      if (more.length > 0 || a === null || b === null) {
        return `${f.name} field '${part}' is out of range ${f.min}-${f.max}`;
      }
    }
  }
  return null;
}

/** The most days each month has (February 29 in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The values a field's items list, or null when one is not a plain number, range or step. */
function fieldValues(part: string, f: (typeof FIELDS)[number]): Set<number> | null {
  const out = new Set<number>();
  for (const item of part.split(",")) {
    const [range = "", step = "1"] = item.split("/");
    const [lo = "", hi] = range.split("-");
    const a = range === "*" ? f.min : atom(lo, f);
    const b =
      range === "*" ? f.max : hi === undefined ? (item.includes("/") ? f.max : a) : atom(hi, f);
    if (a === null || b === null || b < a) return null;
    for (let v = a; v <= b; v += Number(step)) out.add(v);
  }
  return out;
}

/**
 * A valid expression whose days never come: a day of the month that none of its months has
 * (`0 0 31 2 *`, `0 0 30 2 *`). croniter finds no run for it, and Airflow never schedules one.
 * Only when the day of the week is `*`: with both restricted, either one matching is a day.
 * Why, in words (`day of month '30' never comes in month '2' (FEB has fewer days)`), or null;
 * for an expression croniter refuses (cronSyntaxProblem), null or a reason of no meaning.
 */
export function cronNeverComes(expression: string): string | null {
  const [, , dom = "", month = "", dow = ""] = expression.trim().split(/\s+/);
  // Only a day past the 28th can be missing from every month a schedule names.
  if ((dow !== "*" && dow !== "?") || !/29|3[01]/.test(dom)) return null;
  const days = fieldValues(dom, FIELDS[2] as (typeof FIELDS)[number]);
  const months = fieldValues(month, FIELDS[3] as (typeof FIELDS)[number]);
  if (!days || !months) return null;
  const first = Math.min(...days);
  if ([...months].some((m) => first <= (MONTH_DAYS[m - 1] ?? 31))) return null;
  const names = [...months].map((m) => MONTHS[m - 1]).join(", ");
  return `day of month '${dom}' never comes in month '${month}' (${names} ${months.size === 1 ? "has" : "have"} fewer days)`;
}

/** The fields a step can be judged in, each with the span it repeats over. */
const STEPPED: readonly {
  field: number;
  unit: string;
  units: string;
  per: string;
  max: number;
  fix: string;
}[] = [
  {
    field: 0,
    unit: "minute",
    units: "minutes",
    per: "hour",
    max: 59,
    fix: "a step that divides 60 (*/10, */15, */20, */30), or the minutes listed (5,35)",
  },
  {
    field: 1,
    unit: "hour",
    units: "hours",
    per: "day",
    max: 23,
    fix: "a step that divides 24 (*/2, */3, */4, */6, */8, */12), or the hours listed (0,8,16)",
  },
  {
    field: 3,
    unit: "month",
    units: "months",
    per: "year",
    max: 12,
    fix: "a step that divides 12 (*/2, */3, */4, */6), or the months listed (1,7)",
  },
  {
    field: 4,
    unit: "day of week",
    units: "days",
    per: "week",
    max: 6,
    fix: "the days listed (MON,WED,FRI)",
  },
];

/** `a, b and c`, or `a, b, …, z` when there are many. */
function spoken(values: readonly string[]): string {
  if (values.length > 6) return `${values.slice(0, 3).join(", ")}, …, ${values.at(-1)}`;
  return values.length === 1
    ? (values[0] ?? "")
    : `${values.slice(0, -1).join(", ")} and ${values.at(-1)}`;
}

/**
 * A step that does not run as often as it reads (croniter counts a step within the field's
 * span, from its start again each span): `*\/90` in the minutes fires at minute 0 only, so
 * hourly; `*\/45` at minutes 0 and 45, so runs 45 then 15 minutes apart; `0 *\/5 * * *` at hour
 * 20 and then at 0. Judged where the span repeats: the minutes of consecutive hours, the hours of
 * every day, the months, the days of the week with any day of the month. What goes wrong, in
 * words, and the fix; or null (for an expression croniter refuses, too).
 */
export function cronUnevenStep(expression: string): { reason: string; fix: string } | null {
  if (cronSyntaxProblem(expression) !== null) return null;
  const parts = expression.trim().split(/\s+/);
  const anyDay = (part: string | undefined) => part === "*" || part === "?";
  for (const s of STEPPED) {
    const f = FIELDS[s.field] as (typeof FIELDS)[number];
    const part = parts[s.field] ?? "";
    const m = /^(\*|\w+|\w+-\w+)\/(\d+)$/.exec(part);
    if (!m) continue;
    // A range over the whole field (`0-59/45`) is `*`; a shorter one is a window, not judged.
    const [lo = "", hi] = (m[1] ?? "").split("-");
    const whole = hi !== undefined && atom(lo, f) === f.min && (atom(hi, f) ?? 0) >= s.max;
    if (hi !== undefined && !whole) continue;
    const first = m[1] === "*" || whole ? f.min : atom(lo, f);
    // croniter reads a day of week of 7 as Sunday, 0.
    const start = s.field === 4 && first === 7 ? 0 : first;
    const step = Number(m[2]);
    if (start === null || step < 2) continue;
    // The span repeats only when the next larger unit comes again right after.
    const next = (field: number) => fieldValues(parts[field] ?? "", FIELDS[field] as never);
    if (s.field === 0) {
      const hours = next(1);
      if (!hours || ![...hours].some((h) => hours.has(h + 1))) continue;
    } else if (s.field === 1) {
      const days = anyDay(parts[4]) ? null : next(4);
      if (!anyDay(parts[2]) || (days !== null && ![...days].some((d) => days.has(d + 1)))) continue;
      if (!anyDay(parts[4]) && days === null) continue;
    } else if (s.field === 4 && !anyDay(parts[2])) continue;
    const values: number[] = [];
    for (let v = start; v <= s.max; v += step) values.push(v);
    const last = values.at(-1) ?? start;
    const span = s.max - f.min + 1;
    const gap = start + span - last;
    if (values.length > 1 ? gap === step : step === span) continue;
    const name = (v: number) => (f.names ? (f.names[v - (f.base ?? 0)] ?? String(v)) : String(v));
    const at = `${values.length === 1 ? s.unit : s.units} ${spoken(values.map(name))}`;
    const reason =
      values.length === 1
        ? `fires at ${at} only, so the schedule runs once a${s.per === "hour" ? "n" : ""} ${s.per}, not every ${step} ${s.units}: a step counts ${s.units} within each ${s.per}`
        : `fires at ${at} of each ${s.per}, so runs are ${step} ${s.units} apart and then ${gap}, from ${s.unit} ${name(last)} to ${name(start)}: a step counts ${s.units} within each ${s.per}, from its start again`;
    return { reason: `${f.name} field '${part}' ${reason}`, fix: `use ${s.fix}` };
  }
  return null;
}

/** Each preset Airflow has as the cron expression croniter reads it (`@once`, `@continuous` aside). */
export const PRESET_CRON: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@quarterly": "0 0 1 */3 *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

const DAY_MS = 86_400_000;

/** A cron expression's days and times of day, in UTC, as croniter reads them (see cronDays). */
interface CronDays {
  /** The times of day it fires at, in ms after midnight, ascending. */
  readonly times: readonly number[];
  /** Whether it fires on a day (days since 1970-01-01). */
  readonly on: (day: number) => boolean;
  /** It fires on every day of every month (`@daily`, `0 3 * * *`). */
  readonly everyDay: boolean;
}

/**
 * A 5-field cron expression read in UTC as croniter reads it: a day is one of the expression's
 * months and, when both day fields are restricted, either of them (croniter's `day_or`). Null
 * for what this does not model: an invalid expression, croniter's extensions (`L`, `W`, `#`)
 * and ranges that wrap (`FRI-MON`). test/engines/cron-croniter.test.ts holds it to croniter.
 */
function cronDays(expression: string): CronDays | null {
  if (cronSyntaxProblem(expression) !== null) return null;
  const parts = expression.trim().split(/\s+/);
  if (/[LW]/i.test(parts[2] ?? "") || /[L#]/i.test(parts[4] ?? "")) return null;
  const any = (p: string | undefined) => p === "*" || p === "?";
  const sets = parts.map((p, i) =>
    fieldValues(any(p) ? "*" : p, FIELDS[i] as (typeof FIELDS)[number]),
  );
  const [minutes, hours, doms, months, dows] = sets;
  if (!minutes || !hours || !doms || !months || !dows) return null;
  if (dows.has(7)) dows.add(0);
  const domAny = any(parts[2]);
  const dowAny = any(parts[4]);
  const times = [...hours]
    .flatMap((h) => [...minutes].map((m) => (h * 60 + m) * 60_000))
    .sort((a, b) => a - b);
  const everyDay = domAny && dowAny && months.size === 12;
  const on = (day: number) => {
    if (everyDay) return true;
    const date = new Date(day * DAY_MS);
    if (!months.has(date.getUTCMonth() + 1)) return false;
    const dom = doms.has(date.getUTCDate());
    const dow = dows.has(date.getUTCDay());
    return domAny ? dowAny || dow : dowAny ? dom : dom || dow;
  };
  return { times, on, everyDay };
}

/**
 * How many times a 5-field cron expression fires in [from, to), read in UTC, as croniter
 * counts them (see cronDays); null for what cronDays does not model.
 */
export function cronFireCount(expression: string, from: Date, to: Date): number | null {
  const cron = cronDays(expression);
  if (!cron) return null;
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return 0;
  const first = Math.floor(start / DAY_MS);
  const last = Math.floor((end - 1) / DAY_MS);
  let count = 0;
  const onBoundary = (day: number) => {
    for (const t of cron.times) {
      const at = day * DAY_MS + t;
      if (at >= start && at < end) count++;
    }
  };
  // Every day of every month: the days between the two ends are whole.
  if (cron.everyDay) {
    onBoundary(first);
    if (last > first) onBoundary(last);
    return count + Math.max(0, last - first - 1) * cron.times.length;
  }
  for (let day = first; day <= last; day++) {
    if (!cron.on(day)) continue;
    if (day > first && day < last) count += cron.times.length;
    else onBoundary(day);
  }
  return count;
}

/**
 * Whether a 5-field cron expression fires at an instant, read in UTC (to the millisecond: a
 * time with seconds is none of its times), the expression read once for every instant asked
 * about; null for what cronDays does not model.
 */
export function cronMatcher(expression: string): ((at: Date) => boolean) | null {
  const cron = cronDays(expression);
  if (!cron) return null;
  const times = new Set(cron.times);
  return (at) => {
    const t = at.getTime();
    const day = Math.floor(t / DAY_MS);
    return cron.on(day) && times.has(t - day * DAY_MS);
  };
}

/** cronMatcher's answer for one instant. */
export function cronFiresAt(expression: string, at: Date): boolean | null {
  return cronMatcher(expression)?.(at) ?? null;
}

/**
 * The times a 5-field cron expression fires in [from, to), read in UTC: the first `limit` of
 * them, or with `latestFirst` the last `limit`, latest first; null for what cronDays does not
 * model. Days it skips cost a check each, so a window of years is cheap.
 */
export function cronTimes(
  expression: string,
  from: Date,
  to: Date,
  limit: number,
  latestFirst = false,
): Date[] | null {
  const cron = cronDays(expression);
  if (!cron) return null;
  const start = from.getTime();
  const end = to.getTime();
  const out: Date[] = [];
  if (!(end > start) || limit <= 0) return out;
  const first = Math.floor(start / DAY_MS);
  const last = Math.floor((end - 1) / DAY_MS);
  const times = latestFirst ? [...cron.times].reverse() : cron.times;
  for (let k = 0; k <= last - first; k++) {
    const day = latestFirst ? last - k : first + k;
    if (!cron.on(day)) continue;
    for (const t of times) {
      const at = day * DAY_MS + t;
      if (at < start || at >= end) continue;
      out.push(new Date(at));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/**
 * Wall-clock time in an IANA time zone, as UTC-naive milliseconds (the wall time read as if it
 * were UTC, which is how cronTimes and cronMatcher read cron times), and back. Null for a zone
 * Intl does not know. Node's ICU data holds the same rules as the tz database that pendulum and
 * zoneinfo read.
 */
export interface ZoneClock {
  /** The wall time of an instant. */
  wall(instant: number): number;
  /**
   * The instant of a wall time, or null when there is not exactly one: a time skipped when the
   * clocks go forward, or one that happens twice when they go back (what a scheduler does then
   * is its own choice; callers leave those out).
   */
  instant(wall: number): number | null;
}

export function zoneClock(zone: string): ZoneClock | null {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    return null;
  }
  const wall = (instant: number): number => {
    const f: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(instant))) {
      if (p.type !== "literal") f[p.type] = Number(p.value);
    }
    const ms = ((instant % 1000) + 1000) % 1000;
    return Date.UTC(f.year ?? 0, (f.month ?? 1) - 1, f.day, f.hour, f.minute, f.second) + ms;
  };
  return {
    wall,
    instant(w) {
      // The offsets on either side of any change near w: no zone changes twice within a day.
      const candidates = new Set([
        w - (wall(w - DAY_MS / 2) - (w - DAY_MS / 2)),
        w - (wall(w + DAY_MS / 2) - (w + DAY_MS / 2)),
      ]);
      const exact = [...candidates].filter((t) => wall(t) === w);
      return exact.length === 1 ? (exact[0] as number) : null;
    },
  };
}

/**
 * The instants a cron expression fires at in [from, to) when its times are read in `zone`
 * (a DAG's timetable in that zone): the first `limit`, leaving out times that the zone skips or
 * repeats; null for what cronDays does not model or a zone Intl does not know.
 */
export function zonedCronTimes(
  expression: string,
  zone: string,
  from: Date,
  to: Date,
  limit: number,
): Date[] | null {
  const clock = zoneClock(zone);
  if (!clock) return null;
  // Wall times a day wider on each side cover every offset (at most ±14 hours).
  const walls = cronTimes(
    expression,
    new Date(clock.wall(from.getTime()) - DAY_MS),
    new Date(clock.wall(to.getTime()) + DAY_MS),
    limit + 2 * 24 * 60,
  );
  if (!walls) return null;
  const out: Date[] = [];
  for (const w of walls) {
    const t = clock.instant(w.getTime());
    if (t === null || t < from.getTime() || t >= to.getTime()) continue;
    out.push(new Date(t));
    if (out.length >= limit) break;
  }
  return out;
}
