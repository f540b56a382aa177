import {
  closestName,
  cronProblem,
  cronUnevenStep,
  diagnostic,
  type Pipeline,
  SCHEDULE_PRESETS,
} from "@mlgen/core";
import { type PassContext, pipelinePlace } from "./context.js";

// Kept in core, where the linter reads them too; exported from here as before.
export { cronProblem, SCHEDULE_PRESETS };

const START_DATE =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** Why a start date is not one Airflow reads the same way, or null. */
export function startDateProblem(text: string): string | null {
  if (!START_DATE.test(text))
    return "expected YYYY-MM-DD or an ISO date-time such as 2025-01-01T06:00:00+00:00";
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  const date = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() + 1 !== m || date.getUTCDate() !== d) {
    return "no such day";
  }
  // pendulum.parse rejects hour 24, minute or second 60, and an offset of 24 hours or more.
  const time = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (time && (Number(time[1]) > 23 || Number(time[2]) > 59 || Number(time[3] ?? 0) > 59)) {
    return "no such time of day (hours 00-23, minutes and seconds 00-59)";
  }
  const offset = /[+-](\d{2}):(\d{2})$/.exec(text.slice(10));
  if (offset && (Number(offset[1]) > 23 || Number(offset[2]) > 59)) {
    return "the UTC offset must be less than 24 hours (±HH:MM, HH 00-23, MM 00-59)";
  }
  return null;
}

/** A time zone name's shape: IANA's `Area/Location` (or `UTC`), no offsets or spaces. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * Why `name` is not a time zone Airflow (pendulum, on the tz database) loads, with the name
 * meant when one is close, or null. ICU (Intl) knows the same zones but reads names in any
 * case, where Python's tz database does not: a segment must start as IANA spells it.
 */
export function timezoneProblem(name: string): { reason: string; meant?: string } | null {
  const known = Intl.supportedValuesOf("timeZone");
  const near = () => {
    const meant = closestName(name, [...known, "UTC"]);
    return meant ? { meant } : {};
  };
  if (/^(?:UTC|GMT)?[+-]\d/i.test(name)) {
    return { reason: "a UTC offset is not a time zone name (it has no daylight-saving rules)" };
  }
  if (!ZONE_NAME.test(name)) {
    return { reason: "not an IANA time zone name such as 'Europe/Berlin'", ...near() };
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return { reason: "no such time zone in the tz database", ...near() };
  }
  const cased = [resolved, ...known, "UTC"].find(
    (k) => k !== name && k.toLowerCase() === name.toLowerCase(),
  );
  if (cased || name.split("/").some((segment) => !/^[A-Z]/.test(segment))) {
    return {
      reason: "the tz database's names are case-sensitive, and Airflow does not find this one",
      ...(cased ? { meant: cased } : near()),
    };
  }
  return null;
}

/**
 * Airflow's asset URI rules: not empty or only whitespace, at most 1500 characters, no
 * `airflow` scheme, and ASCII (Airflow 2 refuses anything else; Airflow 3 on MySQL too).
 */
export function assetUriProblem(uri: string): string | null {
  if (uri.trim().length === 0) return uri.length === 0 ? "it is empty" : "it is only whitespace";
  if (uri.length > 1500) return "it is longer than 1500 characters";
  if ([...uri].some((c) => c.charCodeAt(0) > 0x7f))
    return "it must be ASCII (Airflow 2 refuses other characters)";
  if (/^airflow:/i.test(uri)) return "the 'airflow' scheme is reserved";
  return null;
}

export function checkSchedule(ir: Pipeline, ctx: PassContext): void {
  if (ir.startDate !== null) {
    const problem = startDateProblem(ir.startDate);
    if (problem) {
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `start date '${ir.startDate}'`,
            reason: problem,
            hint: "write startDate: '2025-01-01'",
          },
          { pipeline: ir.id, location: ctx.sourceMap.pipeline },
        ),
      );
    }
  }
  if (ir.timezone !== null) {
    const problem = timezoneProblem(ir.timezone);
    if (problem) {
      ctx.report(
        diagnostic(
          "MLG1011",
          {
            what: `time zone '${ir.timezone}'`,
            reason: problem.reason,
            hint: problem.meant
              ? `write timezone: '${problem.meant}'`
              : "write an IANA name such as timezone: 'Europe/Berlin', or leave timezone out for UTC",
          },
          { pipeline: ir.id, location: ctx.sourceMap.pipeline },
        ),
      );
    }
  }
  const s = ir.schedule.kind === "assets" ? ir.schedule.time : ir.schedule;
  const place = pipelinePlace(ctx, ir.id);
  if (
    ir.schedule.kind === "assets" &&
    s?.kind === "preset" &&
    ["@once", "@continuous"].includes(s.preset)
  ) {
    // AssetOrTimeSchedule takes a cron timetable, and croniter reads no such preset: the file
    // imports, but the time half never fires (Airflow logs CroniterBadCronError).
    ctx.report(
      diagnostic(
        "MLG1005",
        {
          schedule: s.preset,
          reason:
            "with assets, the time half of a schedule must repeat: Airflow builds a cron timetable from it, and croniter reads no such preset",
          presets: SCHEDULE_PRESETS.filter((p) => p !== "@once" && p !== "@continuous").join(", "),
        },
        place,
      ),
    );
  }
  for (const tag of ir.tags) {
    if (tag.length <= 100) continue;
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `tag '${tag.slice(0, 40)}…'`,
          reason: `it is ${tag.length} characters long, and Airflow refuses the DAG file with a tag over 100 ('tag cannot be longer than 100 characters')`,
          hint: "shorten the tag to at most 100 characters",
        },
        place,
      ),
    );
  }
  if (ir.schedule.kind === "assets") {
    for (const uri of ir.schedule.uris) {
      const bad = assetUriProblem(uri);
      if (bad) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `asset URI '${uri}'`,
              reason: bad,
              hint: "use a URI such as 's3://bucket/path' or 'file:///data/raw.csv'",
            },
            { pipeline: ir.id, location: ctx.sourceMap.pipeline },
          ),
        );
      }
    }
  }
  if (
    s?.kind === "preset" &&
    s.preset === "@continuous" &&
    ir.maxActiveRuns !== null &&
    ir.maxActiveRuns > 1
  ) {
    ctx.report(
      diagnostic(
        "MLG1011",
        {
          what: `maxActiveRuns ${ir.maxActiveRuns} with the @continuous schedule`,
          reason:
            "Airflow's continuous timetable starts the next run when one ends, and refuses the DAG with more than 1 active run",
          hint: "leave maxActiveRuns out (1 is written) or set it to 1",
        },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  }
  if (s === null) return;
  let problem: string | null = null;
  let text = "";
  if (s.kind === "preset") {
    text = s.preset;
    if (!(SCHEDULE_PRESETS as readonly string[]).includes(s.preset)) {
      const meant = closestName(s.preset, SCHEDULE_PRESETS);
      problem = meant ? `unknown preset (did you mean '${meant}'?)` : "unknown preset";
    }
  } else if (s.kind === "cron") {
    text = s.expression;
    problem = cronProblem(s.expression);
  }
  if (problem) {
    ctx.report(
      diagnostic(
        "MLG1005",
        { schedule: text, reason: problem, presets: SCHEDULE_PRESETS.join(", ") },
        { pipeline: ir.id, location: ctx.sourceMap.pipeline },
      ),
    );
  } else if (s.kind === "cron") {
    const uneven = cronUnevenStep(s.expression);
    if (uneven) {
      ctx.report(
        diagnostic(
          "MLG1043",
          { schedule: s.expression, ...uneven },
          { pipeline: ir.id, location: ctx.sourceMap.pipeline },
        ),
      );
    }
  }
}
