import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { seesNothing, type Visibility } from "../access.js";
import { and, asc, eq, inArray } from "drizzle-orm";
import { auditEvents, type BidStatus, bidLifecycle, bids } from "../db/schema.js";
import { visibleBids } from "./visibility.js";
import { overlaps, type Window } from "./window.js";

export type BidRow = typeof bids.$inferSelect;
export type NewBid = typeof bids.$inferInsert;

export interface BidFilter extends Window {
  assetId?: string | null | undefined;
  marketUnitId?: string | null | undefined;
  productId?: string | null | undefined;
  buyRequirementId?: string | null | undefined;
  bidderId?: string | null | undefined;
  limit: number;
  offset: number;
  /** What the caller may see (access.ts). */
  visible: Visibility;
}

export function createBidRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[], visible: Visibility): Promise<BidRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(bids)
        .where(and(inArray(bids.id, valid), visibleBids(bids, visible)));
    },

    /** Every bid of these assets whose window overlaps `window`, by start. */
    async byAssetIds(assetIds: readonly string[], visible: Visibility, window?: Window): Promise<BidRow[]> {
      const valid = assetIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(bids)
        .where(and(inArray(bids.assetId, valid), overlaps(bids, window), visibleBids(bids, visible)))
        .orderBy(asc(bids.start), asc(bids.id));
    },

    /** Every bid of these market units whose window overlaps `window`, by start. */
    async byMarketUnitIds(unitIds: readonly string[], visible: Visibility, window?: Window): Promise<BidRow[]> {
      const valid = unitIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(bids)
        .where(and(inArray(bids.marketUnitId, valid), overlaps(bids, window), visibleBids(bids, visible)))
        .orderBy(asc(bids.start), asc(bids.id));
    },

    /** Every bid into these buy requirements, by start. */
    async byRequirementIds(ids: readonly string[], visible: Visibility): Promise<BidRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(bids)
        .where(and(inArray(bids.buyRequirementId, valid), visibleBids(bids, visible)))
        .orderBy(asc(bids.start), asc(bids.id));
    },

    async list(filter: BidFilter): Promise<BidRow[]> {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(bids)
        .where(
          and(
            filter.assetId ? eq(bids.assetId, filter.assetId) : undefined,
            filter.marketUnitId ? eq(bids.marketUnitId, filter.marketUnitId) : undefined,
            filter.productId ? eq(bids.productId, filter.productId) : undefined,
            filter.buyRequirementId ? eq(bids.buyRequirementId, filter.buyRequirementId) : undefined,
            filter.bidderId ? eq(bids.bidderId, filter.bidderId) : undefined,
            overlaps(bids, filter),
            visibleBids(bids, filter.visible),
          ),
        )
        .orderBy(asc(bids.start), asc(bids.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Inserts and audits the bid; null when a bid with the same (source, externalId) is already recorded. */
    async create(values: NewBid, actor: Identity | null): Promise<BidRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(bids)
          .values(values)
          .onConflictDoNothing({ target: [bids.source, bids.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Bid", entityId: row.id, after: row });
        return row;
      });
    },

    /** Sets the status as `bidLifecycle` allows (CONFLICT otherwise); null when the bid does not exist. */
    updateStatus: (id: string, status: BidStatus, actor: Identity | null): Promise<BidRow | null> =>
      guardedUpdate(db, { table: bids, audit: auditEvents, lifecycle: bidLifecycle, id, actor, change: () => ({ status }) }),
  };
}

export type BidRepository = ReturnType<typeof createBidRepository>;
