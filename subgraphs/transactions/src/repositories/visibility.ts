import { and, eq, or, type SQL, sql } from "drizzle-orm";
import type { Visibility } from "../access.js";
import type { awards, bids, dispatchInstructions } from "../db/schema.js";

/**
 * The SQL form of a `Visibility` (access.ts) for each table: undefined for every record, `false` for
 * none (repositories skip the query then), else the caller's organisation as provider and/or buyer.
 */
function visibleRows(visible: Visibility, asProvider: (org: string) => SQL | undefined, asBuyer: (org: string) => SQL | undefined) {
  if (visible.everything) return undefined;
  const conditions = [visible.providerId && asProvider(visible.providerId), visible.buyerId && asBuyer(visible.buyerId)].filter(
    (condition): condition is SQL => !!condition,
  );
  return conditions.length > 0 ? or(...conditions) : sql`false`;
}

/** An FSP sees the bids it made with its own assets; an SO the bids for its products. */
export const visibleBids = (table: typeof bids, visible: Visibility) =>
  visibleRows(
    visible,
    (org) => and(eq(table.providerId, org), eq(table.bidderId, org)),
    (org) => eq(table.buyerId, org),
  );

/** An FSP sees the awards of its assets; an SO the awards in its products. */
export const visibleAwards = (table: typeof awards, visible: Visibility) =>
  visibleRows(
    visible,
    (org) => eq(table.providerId, org),
    (org) => eq(table.buyerId, org),
  );

/** An FSP sees the instructions to its assets; an SO those it issued for its products. */
export const visibleDispatches = (table: typeof dispatchInstructions, visible: Visibility) =>
  visibleRows(
    visible,
    (org) => eq(table.providerId, org),
    (org) => and(eq(table.buyerId, org), eq(table.issuedById, org)),
  );
