import { appendAudit, type Database, forbidden, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import { auditEvents } from "../../db/schema.js";
import { ownsAsBuyer, type PublishedVisibility, publishedRows } from "./access.js";
import { type BuyRequirementStatus, buyRequirementLifecycle, buyRequirements } from "./tables.js";

export type BuyRequirementRow = typeof buyRequirements.$inferSelect;
export type NewBuyRequirement = typeof buyRequirements.$inferInsert;

export interface BuyRequirementFilter {
  productId?: string | null | undefined;
  status?: BuyRequirementStatus | null | undefined;
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  limit: number;
  offset: number;
  visible: PublishedVisibility;
}

const visibleRequirements = (visible: PublishedVisibility) => publishedRows(visible, buyRequirements);

/** The transaction handle drizzle passes to `db.transaction`'s callback. */
type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export function createBuyRequirementRepository(db: Database) {
  return {
    async byIds(ids: readonly string[], visible: PublishedVisibility): Promise<BuyRequirementRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(buyRequirements)
        .where(and(inArray(buyRequirements.id, valid), visibleRequirements(visible)));
    },

    async list(filter: BuyRequirementFilter): Promise<BuyRequirementRow[]> {
      return db
        .select()
        .from(buyRequirements)
        .where(
          and(
            filter.productId ? eq(buyRequirements.productId, filter.productId) : undefined,
            filter.status ? eq(buyRequirements.status, filter.status) : undefined,
            filter.to ? lt(buyRequirements.start, filter.to) : undefined,
            filter.from ? gt(buyRequirements.end, filter.from) : undefined,
            visibleRequirements(filter.visible),
          ),
        )
        .orderBy(asc(buyRequirements.gateClose), asc(buyRequirements.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Inserts and audits it; null when one with the same (source, externalId) is already recorded. */
    async create(values: NewBuyRequirement, actor: Identity | null): Promise<BuyRequirementRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(buyRequirements)
          .values(values)
          .onConflictDoNothing({ target: [buyRequirements.source, buyRequirements.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "BuyRequirement", entityId: row.id, after: row });
        return row;
      });
    },

    /**
     * Moves it along its lifecycle (CONFLICT otherwise), by its SO or an administrator (FORBIDDEN for another caller
     * who sees it); null when the caller sees no such requirement. Publishing stamps publishedAt once.
     */
    updateStatus: (id: string, status: BuyRequirementStatus, actor: Identity | null, visible: PublishedVisibility) =>
      guardedUpdate(db, {
        table: buyRequirements,
        audit: auditEvents,
        lifecycle: buyRequirementLifecycle,
        id,
        actor,
        visible: visibleRequirements(visible),
        change: (before) => {
          if (!ownsAsBuyer(actor, before.buyerId)) {
            throw forbidden("Only the system operator that owns a buy requirement, or a hub administrator, may change its status");
          }
          return { status, ...(status !== "DRAFT" && status !== "CANCELLED" && !before.publishedAt && { publishedAt: new Date() }) };
        },
      }),
  };
}

/**
 * Within `tx` (a clearing result being recorded or published): the requirement locked, moved to `to` as its
 * lifecycle allows (CONFLICT naming both statuses otherwise; nothing when it is already there), audited.
 */
export async function advanceRequirement(tx: Transaction, id: string, to: BuyRequirementStatus, actor: Identity | null): Promise<void> {
  const [before] = await tx.select().from(buyRequirements).where(eq(buyRequirements.id, id)).for("update");
  if (!before || !buyRequirementLifecycle.check(id, before.status, to)) return;
  const [after] = await tx.update(buyRequirements).set({ status: to, updatedAt: new Date() }).where(eq(buyRequirements.id, id)).returning();
  await appendAudit(tx, auditEvents, actor, { action: "STATUS_CHANGE", entityType: "BuyRequirement", entityId: id, before, after });
}

export type BuyRequirementRepository = ReturnType<typeof createBuyRequirementRepository>;
