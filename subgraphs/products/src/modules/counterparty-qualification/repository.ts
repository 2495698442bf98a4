import { appendAudit, conflict, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, eq, gt, inArray, lte } from "drizzle-orm";
import { auditEvents, counterpartyQualificationLifecycle, counterpartyQualifications } from "../../db/schema.js";
import type { CommercialDecision } from "./validation.js";

export type CommercialQualificationRow = typeof counterpartyQualifications.$inferSelect;

/** QUALIFIED and valid at `at`. */
export const isCurrentlyQualified = (row: Pick<CommercialQualificationRow, "status" | "validFrom" | "validTo">, at = new Date()) =>
  row.status === "QUALIFIED" && !!row.validFrom && !!row.validTo && row.validFrom <= at && row.validTo > at;

/** Organisations' commercial qualifications (Q.2): one row per organisation, changed only through guardedUpdate. */
export function createCounterpartyQualificationRepository(db: Database) {
  /** The organisation's row, created UNDER_ASSESSMENT (audited) in `tx` when it has none. */
  async function openRow(
    tx: Database,
    organisationId: string,
    actor: Identity | null,
  ): Promise<{ row: CommercialQualificationRow; created: boolean }> {
    const [created] = await tx
      .insert(counterpartyQualifications)
      .values({ organisationId })
      .onConflictDoNothing({ target: counterpartyQualifications.organisationId })
      .returning();
    if (created) {
      await appendAudit(tx, auditEvents, actor, {
        action: "CREATE",
        entityType: "CommercialQualification",
        entityId: created.id,
        after: created,
      });
      return { row: created, created: true };
    }
    const [row] = await tx.select().from(counterpartyQualifications).where(eq(counterpartyQualifications.organisationId, organisationId));
    if (!row) throw new Error(`counterparty qualification of ${organisationId} vanished`);
    return { row, created: false };
  }

  return {
    async byOrganisationIds(ids: readonly string[]): Promise<CommercialQualificationRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(counterpartyQualifications).where(inArray(counterpartyQualifications.organisationId, valid));
    },

    /** Whether the organisation is commercially qualified at `at` (R-ELG-8), in `tx` when given. */
    async isQualified(organisationId: string, at: Date, tx: Database = db): Promise<boolean> {
      if (!isUuid(organisationId)) return false;
      const [row] = await tx
        .select({ id: counterpartyQualifications.id })
        .from(counterpartyQualifications)
        .where(
          and(
            eq(counterpartyQualifications.organisationId, organisationId),
            eq(counterpartyQualifications.status, "QUALIFIED"),
            lte(counterpartyQualifications.validFrom, at),
            gt(counterpartyQualifications.validTo, at),
          ),
        );
      return !!row;
    },

    /** Opens (or reopens) the assessment: UNDER_ASSESSMENT. CONFLICT while QUALIFIED and valid. */
    request: (organisationId: string, actor: Identity | null): Promise<CommercialQualificationRow> =>
      db.transaction(async (tx) => {
        const { row, created } = await openRow(tx, organisationId, actor);
        if (created) return row;
        const after = await guardedUpdate(tx, {
          table: counterpartyQualifications,
          lifecycle: counterpartyQualificationLifecycle,
          audit: auditEvents,
          actor,
          id: row.id,
          change: (locked) => {
            if (isCurrentlyQualified(locked)) {
              throw conflict(`Organisation ${organisationId} is commercially qualified until ${locked.validTo?.toISOString()}`, {
                currentStatus: "QUALIFIED",
              });
            }
            return { status: "UNDER_ASSESSMENT" as const };
          },
        });
        if (!after) throw new Error("counterparty qualification vanished");
        return after;
      }),

    /** Records a hub administrator's decision, opening the assessment first when nobody asked for one. */
    assess: (organisationId: string, decision: CommercialDecision, actor: Identity | null): Promise<CommercialQualificationRow> =>
      db.transaction(async (tx) => {
        const { row } = await openRow(tx, organisationId, actor);
        const after = await guardedUpdate(tx, {
          table: counterpartyQualifications,
          lifecycle: counterpartyQualificationLifecycle,
          audit: auditEvents,
          actor,
          id: row.id,
          change: () => ({ ...decision, assessedBy: actor?.userId ?? null, decidedAt: new Date() }),
        });
        if (!after) throw new Error("counterparty qualification vanished");
        return after;
      }),
  };
}

export type CounterpartyQualificationRepository = ReturnType<typeof createCounterpartyQualificationRepository>;
