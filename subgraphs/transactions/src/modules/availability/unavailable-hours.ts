import type { Database } from "@sfe/kit";
import { and, eq, gt, inArray, lt, or } from "drizzle-orm";
import { decimal, div, min, ONE } from "../../calculations/index.js";
import type { UnavailableHours } from "../settlement/unavailability.js";
import { unavailabilityNotices } from "./tables.js";

/**
 * Settlement's unavailability port over the FSPs' notices (D.1): for each award, the ACTIVE notices on its asset or
 * unit, clipped to the award's window, each with the share of the award's MW it takes away (reducedMw / awardedMw, at
 * most 1) — one query for a statement's awards. PRO_RATA pays less by that share of the time (domain §7.9: "pro-rata
 * to declared/available MW and time"); R-SET-1 pays nothing only for a window wholly unavailable. A notice filed after
 * a conflict still counts here — its waiver is of penalties (R-SET-4), not of time.
 */
export const unavailableHoursFromNotices =
  (db: Database): UnavailableHours =>
  async ({ awards, from, to, on = db }) => {
    const assetIds = [...new Set(awards.flatMap((award) => (award.assetId ? [award.assetId] : [])))];
    const unitIds = [...new Set(awards.flatMap((award) => (award.marketUnitId ? [award.marketUnitId] : [])))];
    const result = new Map<string, { from: Date; to: Date }[]>();
    if (assetIds.length === 0 && unitIds.length === 0) return result;
    const targets = [
      ...(assetIds.length ? [inArray(unavailabilityNotices.assetId, assetIds)] : []),
      ...(unitIds.length ? [inArray(unavailabilityNotices.marketUnitId, unitIds)] : []),
    ];
    const notices = await on
      .select({
        assetId: unavailabilityNotices.assetId,
        marketUnitId: unavailabilityNotices.marketUnitId,
        from: unavailabilityNotices.from,
        to: unavailabilityNotices.to,
        reducedMw: unavailabilityNotices.reducedMw,
      })
      .from(unavailabilityNotices)
      .where(
        and(
          eq(unavailabilityNotices.status, "ACTIVE"),
          lt(unavailabilityNotices.from, to),
          gt(unavailabilityNotices.to, from),
          or(...targets),
        ),
      );
    for (const award of awards) {
      const intervals = notices
        .filter((notice) =>
          award.assetId ? notice.assetId === award.assetId : award.marketUnitId !== null && notice.marketUnitId === award.marketUnitId,
        )
        .filter((notice) => notice.reducedMw > 0 && award.awardedMw > 0)
        .map((notice) => ({
          from: new Date(Math.max(notice.from.getTime(), award.start.getTime())),
          to: new Date(Math.min(notice.to.getTime(), award.end.getTime())),
          // MW are stored as floats; their shortest decimal form is the value typed (as the statement reads them).
          share: min(div(decimal(String(notice.reducedMw)), decimal(String(award.awardedMw))), ONE),
        }))
        .filter((interval) => interval.to > interval.from);
      if (intervals.length) result.set(award.id, intervals);
    }
    return result;
  };
