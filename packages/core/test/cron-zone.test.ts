import { describe, expect, it } from "vitest";
import { zoneClock, zonedCronTimes } from "../src/cron.js";

const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());

describe("cron times in a time zone", () => {
  it("reads wall times in the zone, and leaves out those its clocks skip or repeat", () => {
    const berlin = zoneClock("Europe/Berlin");
    expect(berlin).not.toBeNull();
    // 04:00 in Berlin: 03:00 UTC in winter (CET), 02:00 in summer (CEST).
    expect(iso(berlin?.instant(Date.UTC(2027, 0, 5, 4)))).toBe("2027-01-05T03:00:00.000Z");
    expect(iso(berlin?.instant(Date.UTC(2027, 6, 5, 4)))).toBe("2027-07-05T02:00:00.000Z");
    // 02:30 does not happen on 28 March 2027, and happens twice on 31 October.
    expect(berlin?.instant(Date.UTC(2027, 2, 28, 2, 30))).toBeNull();
    expect(berlin?.instant(Date.UTC(2027, 9, 31, 2, 30))).toBeNull();
    expect(iso(berlin?.wall(Date.UTC(2027, 6, 5, 2)))).toBe("2027-07-05T04:00:00.000Z");
    expect(zoneClock("Not/A_Zone")).toBeNull();
  });

  it("gives a cron expression's instants across a change of the clocks, and in a half-hour zone", () => {
    const times = (cron: string, zone: string, from: number, to: number) =>
      zonedCronTimes(cron, zone, new Date(from), new Date(to), 100)?.map((d) => d.toISOString());
    expect(
      times("0 4 * * *", "Europe/Berlin", Date.UTC(2027, 2, 27), Date.UTC(2027, 2, 30)),
    ).toEqual(["2027-03-27T03:00:00.000Z", "2027-03-28T02:00:00.000Z", "2027-03-29T02:00:00.000Z"]);
    // 02:30 on the day the clocks go forward is no time at all.
    expect(
      times("30 2 * * *", "Europe/Berlin", Date.UTC(2027, 2, 27), Date.UTC(2027, 2, 30)),
    ).toEqual(["2027-03-27T01:30:00.000Z", "2027-03-29T00:30:00.000Z"]);
    expect(
      times("0 * * * *", "Asia/Kolkata", Date.UTC(2027, 0, 1), Date.UTC(2027, 0, 1, 2)),
    ).toEqual(["2027-01-01T00:30:00.000Z", "2027-01-01T01:30:00.000Z"]);
    expect(times("0 4 * * *", "Not/A_Zone", 0, 1)).toBeUndefined();
  });
});
