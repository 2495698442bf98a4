import { and, gt, lt, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** A time range [from, to); either end may be open. */
export interface Window {
  from?: Date | null | undefined;
  to?: Date | null | undefined;
}

/** Records whose [start, end) overlaps `window`: start < to and end > from. */
export function overlaps(columns: { start: PgColumn; end: PgColumn }, window: Window | undefined): SQL | undefined {
  return and(window?.to ? lt(columns.start, window.to) : undefined, window?.from ? gt(columns.end, window.from) : undefined);
}

/** A stable key for a window, so loaders for the same arguments are shared within a request. */
export const windowKey = (window: Window) => `${window.from?.toISOString() ?? ""}|${window.to?.toISOString() ?? ""}`;
