import { dispatchEvent, recordCommitmentEvent } from "../modules/commitments/events.js";
import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { seesNothing, type Visibility } from "../access.js";
import { and, asc, eq, inArray } from "drizzle-orm";
import { auditEvents, type DispatchStatus, dispatchLifecycle, dispatchInstructions as dispatches } from "../db/schema.js";
import { visibleDispatches } from "./visibility.js";
import { overlaps, type Window } from "./window.js";

export type DispatchInstructionRow = typeof dispatches.$inferSelect;
export type NewDispatchInstruction = typeof dispatches.$inferInsert;

export interface DispatchFilter extends Window {
  assetId?: string | null | undefined;
  marketUnitId?: string | null | undefined;
  productId?: string | null | undefined;
  issuedById?: string | null | undefined;
  limit: number;
  offset: number;
  /** What the caller may see (access.ts). */
  visible: Visibility;
}

export function createDispatchRepository(db: Database) {
  return {
    async byIds(ids: readonly string[], visible: Visibility): Promise<DispatchInstructionRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(dispatches)
        .where(and(inArray(dispatches.id, valid), visibleDispatches(dispatches, visible)));
    },

    /** Every instruction to these assets whose window overlaps `window`, by start. */
    async byAssetIds(assetIds: readonly string[], visible: Visibility, window?: Window): Promise<DispatchInstructionRow[]> {
      const valid = assetIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(dispatches)
        .where(and(inArray(dispatches.assetId, valid), overlaps(dispatches, window), visibleDispatches(dispatches, visible)))
        .orderBy(asc(dispatches.start), asc(dispatches.id));
    },

    /** Every instruction to these market units whose window overlaps `window`, by start. */
    async byMarketUnitIds(unitIds: readonly string[], visible: Visibility, window?: Window): Promise<DispatchInstructionRow[]> {
      const valid = unitIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(dispatches)
        .where(and(inArray(dispatches.marketUnitId, valid), overlaps(dispatches, window), visibleDispatches(dispatches, visible)))
        .orderBy(asc(dispatches.start), asc(dispatches.id));
    },

    async list(filter: DispatchFilter): Promise<DispatchInstructionRow[]> {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(dispatches)
        .where(
          and(
            filter.assetId ? eq(dispatches.assetId, filter.assetId) : undefined,
            filter.marketUnitId ? eq(dispatches.marketUnitId, filter.marketUnitId) : undefined,
            filter.productId ? eq(dispatches.productId, filter.productId) : undefined,
            filter.issuedById ? eq(dispatches.issuedById, filter.issuedById) : undefined,
            overlaps(dispatches, filter),
            visibleDispatches(dispatches, filter.visible),
          ),
        )
        .orderBy(asc(dispatches.start), asc(dispatches.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Inserts and audits the instruction; null when one with the same (source, externalId) is already recorded. */
    async create(values: NewDispatchInstruction, actor: Identity | null): Promise<DispatchInstructionRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(dispatches)
          .values(values)
          .onConflictDoNothing({ target: [dispatches.source, dispatches.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "DispatchInstruction", entityId: row.id, after: row });
        await recordCommitmentEvent(tx, dispatchEvent(row));
        return row;
      });
    },

    /**
     * Sets the status as `dispatchLifecycle` allows (CONFLICT otherwise); null when the instruction does not exist.
     * ACKNOWLEDGED stamps acknowledgedAt (the first time), CEASED ceasedAt (unless set).
     */
    updateStatus: (id: string, status: DispatchStatus, actor: Identity | null, at = new Date()): Promise<DispatchInstructionRow | null> =>
      guardedUpdate(db, {
        table: dispatches,
        audit: auditEvents,
        lifecycle: dispatchLifecycle,
        id,
        actor,
        change: (before) => ({
          status,
          ...(status === "ACKNOWLEDGED" && before.status !== status && !before.acknowledgedAt && { acknowledgedAt: at }),
          ...(status === "CEASED" && before.status !== status && { ceasedAt: at }),
        }),
      }),

    /** Changes fields other than the status (actual start and stop, the conflict flag); `check` runs on the locked row. */
    update: (
      id: string,
      changes: Pick<NewDispatchInstruction, "actualStart" | "actualStop" | "inConflict">,
      actor: Identity | null,
      check: (before: DispatchInstructionRow) => void = () => {},
    ): Promise<DispatchInstructionRow | null> =>
      guardedUpdate(db, {
        table: dispatches,
        audit: auditEvents,
        entityType: "DispatchInstruction",
        id,
        actor,
        change: (before) => {
          check(before);
          return Object.fromEntries(
            Object.entries(changes).filter(
              ([key, value]) => value !== undefined && String(value) !== String(before[key as keyof typeof changes]),
            ),
          );
        },
      }),
  };
}

export type DispatchRepository = ReturnType<typeof createDispatchRepository>;
