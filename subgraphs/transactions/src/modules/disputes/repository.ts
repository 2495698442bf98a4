import { appendAudit, conflict, type Database, guardedUpdate, type Identity, isUuid, type SfeError } from "@sfe/kit";
import { and, desc, eq, inArray } from "drizzle-orm";
import { seesNothing, type Visibility } from "../../access.js";
import { creditedWh, ratio, toFixed } from "../../calculations/index.js";
import { assessmentLifecycle, auditEvents, penalties, performanceAssessments } from "../../db/schema.js";
import { partiesVisible } from "../settlement/policy.js";
import type { SettlementService } from "../settlement/service.js";
import { adjustmentLine } from "../settlement/statement.js";
import { invoiceLifecycle, invoices } from "../settlement/tables.js";
import type { Correction } from "./validation.js";
import {
  type DisputeCategory,
  type DisputeStatus,
  type DisputeSubjectType,
  disputeLifecycle,
  disputes,
  type StoredCorrection,
} from "./tables.js";

export type DisputeRow = typeof disputes.$inferSelect;

/** How long a dispute should take to resolve (§7.10 "starts SLA clock"; FMAR leaves the figure open). */
export const DISPUTE_SLA_DAYS = 30;
const DAY_MS = 86_400_000;
const OPEN: DisputeStatus[] = ["SUBMITTED", "ACKNOWLEDGED", "UNDER_INVESTIGATION", "AWAITING_INFO"];

/** The subject as a dispute needs it: who it concerns and its status (assessments, invoices; a penalty has none). */
interface Subject {
  providerId: string;
  buyerId: string;
  status: string | null;
  /** The assessment whose invoices a penalty's adjustment corrects. */
  assessmentId: string | null;
}

export function createDisputeRepository(db: Database, settlement: SettlementService) {
  /** The subject, locked, if `visible` admits it. */
  async function lockSubject(tx: Database, type: DisputeSubjectType, id: string, visible: Visibility): Promise<Subject | null> {
    if (type === "PERFORMANCE_ASSESSMENT") {
      const [row] = await tx
        .select()
        .from(performanceAssessments)
        .where(and(eq(performanceAssessments.id, id), partiesVisible(performanceAssessments, visible)))
        .for("update");
      return row ? { providerId: row.providerId, buyerId: row.buyerId, status: row.status, assessmentId: row.id } : null;
    }
    if (type === "PENALTY") {
      const [row] = await tx
        .select({
          providerId: performanceAssessments.providerId,
          buyerId: performanceAssessments.buyerId,
          assessmentId: penalties.assessmentId,
        })
        .from(penalties)
        .innerJoin(performanceAssessments, eq(performanceAssessments.id, penalties.assessmentId))
        .where(and(eq(penalties.id, id), partiesVisible(performanceAssessments, visible)))
        .for("update");
      return row ? { ...row, status: null } : null;
    }
    const [row] = await tx
      .select()
      .from(invoices)
      .where(and(eq(invoices.id, id), partiesVisible(invoices, visible)))
      .for("update");
    return row ? { providerId: row.providerId, buyerId: row.buyerId, status: row.status, assessmentId: null } : null;
  }

  /** Moves the subject's status (assessment or invoice), audited; nothing for a penalty or when unchanged. */
  async function moveSubject(tx: Database, type: DisputeSubjectType, id: string, status: string | null, actor: Identity | null) {
    if (!status) return;
    if (type === "PERFORMANCE_ASSESSMENT") {
      await guardedUpdate(tx, {
        table: performanceAssessments,
        audit: auditEvents,
        actor,
        lifecycle: assessmentLifecycle,
        id,
        change: () => ({ status: status as (typeof assessmentLifecycle.states)[number] }),
      });
    } else if (type === "INVOICE") {
      await guardedUpdate(tx, {
        table: invoices,
        audit: auditEvents,
        actor,
        lifecycle: invoiceLifecycle,
        id,
        change: () => ({ status: status as (typeof invoiceLifecycle.states)[number] }),
      });
    }
  }

  return {
    async byIds(ids: readonly string[], visible: Visibility): Promise<DisputeRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(disputes)
        .where(and(inArray(disputes.id, valid), partiesVisible(disputes, visible)));
    },

    async list(filter: { status?: DisputeStatus | null; subjectId?: string | null; limit: number; offset: number; visible: Visibility }) {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(disputes)
        .where(
          and(
            filter.status ? eq(disputes.status, filter.status) : undefined,
            filter.subjectId ? eq(disputes.subjectId, filter.subjectId) : undefined,
            partiesVisible(disputes, filter.visible),
          ),
        )
        .orderBy(desc(disputes.createdAt), desc(disputes.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * Raises a dispute on a subject `visible` admits (null otherwise: NOT_FOUND), with the subject locked: `refusal`
     * first; CONFLICT when it already has an open dispute or cannot be disputed yet; a PUBLISHED assessment and an
     * ISSUED or APPROVED invoice become DISPUTED. Audited.
     */
    async raise(
      values: { subjectType: DisputeSubjectType; subjectId: string; category: DisputeCategory; description: string; evidence: string[] },
      actor: Identity | null,
      visible: Visibility,
      refusal: (subject: Subject) => SfeError | null,
    ): Promise<DisputeRow | null> {
      if (seesNothing(visible) || !actor?.organisationId) return null;
      const raisedBy = actor.organisationId;
      return db.transaction(async (tx) => {
        const subject = await lockSubject(tx, values.subjectType, values.subjectId, visible);
        if (!subject) return null;
        const refused = refusal(subject);
        if (refused) throw refused;
        const [open] = await tx
          .select({ id: disputes.id })
          .from(disputes)
          .where(and(eq(disputes.subjectId, values.subjectId), inArray(disputes.status, OPEN)));
        if (open)
          throw conflict(`${values.subjectType} ${values.subjectId} already has an open dispute (${open.id})`, { disputeId: open.id });
        let disputedStatus: string | null = null;
        if (values.subjectType === "PERFORMANCE_ASSESSMENT") {
          if (subject.status === "PROVISIONAL") {
            throw conflict("A PROVISIONAL assessment is not yet published: it cannot be disputed", { currentStatus: subject.status });
          }
          if (subject.status === "PUBLISHED") disputedStatus = "DISPUTED";
        } else if (values.subjectType === "INVOICE") {
          if (subject.status === "DRAFT")
            throw conflict("A DRAFT invoice is not yet issued: it cannot be disputed", { currentStatus: "DRAFT" });
          if (subject.status === "ISSUED" || subject.status === "APPROVED") disputedStatus = "DISPUTED";
        }
        const now = new Date();
        const [row] = await tx
          .insert(disputes)
          .values({
            ...values,
            raisedByOrgId: raisedBy,
            providerId: subject.providerId,
            buyerId: subject.buyerId,
            slaDueAt: new Date(now.getTime() + DISPUTE_SLA_DAYS * DAY_MS),
            createdAt: now,
            updatedAt: now,
            subjectStatusBefore: subject.status,
          })
          .returning();
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Dispute", entityId: row!.id, after: row });
        await moveSubject(tx, values.subjectType, values.subjectId, disputedStatus, actor);
        return row!;
      });
    },

    /**
     * Moves a dispute `visible` admits (null otherwise), with it locked: `refusal` (FORBIDDEN), the lifecycle (CONFLICT),
     * then the subject follows: a resolution makes a DISPUTED assessment FINAL (RESOLVED_CORRECTED with its corrected
     * figures, audited) and a DISPUTED invoice ISSUED again; withdrawal restores the subject's status. A correction of an
     * invoiced assessment, or an adjustment of an invoice or penalty, makes credit notes. All in one transaction.
     */
    async move(
      id: string,
      status: DisputeStatus,
      extras: { outcome: string | null; correction: Correction | null },
      actor: Identity | null,
      visible: Visibility,
      refusal: (row: DisputeRow) => SfeError | null,
    ): Promise<DisputeRow | null> {
      if (seesNothing(visible)) return null;
      return db.transaction(async (tx) => {
        const moved = await guardedUpdate(tx, {
          table: disputes,
          audit: auditEvents,
          actor,
          lifecycle: disputeLifecycle,
          id,
          visible: partiesVisible(disputes, visible),
          change: (before) => {
            const refused = refusal(before);
            if (refused) throw refused;
            const stored: StoredCorrection | undefined = extras.correction
              ? {
                  ...(extras.correction.deliveredWh !== undefined ? { deliveredWh: extras.correction.deliveredWh.toString() } : {}),
                  ...(extras.correction.adjustmentPence !== undefined
                    ? { adjustmentPence: extras.correction.adjustmentPence.toString() }
                    : {}),
                }
              : undefined;
            return { status, outcome: extras.outcome ?? undefined, correction: stored };
          },
        });
        if (!moved || moved.status !== status) return moved;
        const { subjectType, subjectId } = moved;
        const reason = `Dispute ${moved.id} ${status}${moved.outcome ? `: ${moved.outcome}` : ""}`;
        const subject = await lockSubject(tx, subjectType, subjectId, { everything: true, providerId: null, buyerId: null });
        const creditNotes: string[] = [];

        if (status === "WITHDRAWN") {
          if (subject?.status === "DISPUTED" && moved.subjectStatusBefore && moved.subjectStatusBefore !== "DISPUTED") {
            await moveSubject(tx, subjectType, subjectId, subjectType === "INVOICE" ? "ISSUED" : moved.subjectStatusBefore, actor);
          }
        } else if (status === "RESOLVED_NO_ACTION" || status === "RESOLVED_CORRECTED") {
          if (subjectType === "PERFORMANCE_ASSESSMENT") {
            if (status === "RESOLVED_CORRECTED" && extras.correction?.deliveredWh !== undefined) {
              const delivered = extras.correction.deliveredWh;
              await guardedUpdate(tx, {
                table: performanceAssessments,
                audit: auditEvents,
                actor,
                lifecycle: assessmentLifecycle,
                id: subjectId,
                change: (before) => ({
                  deliveredWh: delivered,
                  creditedWh: creditedWh(delivered, before.instructedWh),
                  deliveryRatio: before.instructedWh > 0n ? toFixed(ratio(delivered, before.instructedWh), 6) : before.deliveryRatio,
                  status: before.status === "DISPUTED" ? ("FINAL" as const) : undefined,
                }),
              });
              for (const note of await settlement.creditAfterCorrection(tx, subjectId, reason, actor)) creditNotes.push(note.id);
            } else if (subject?.status === "DISPUTED") {
              await moveSubject(tx, subjectType, subjectId, "FINAL", actor);
            }
          } else if (status === "RESOLVED_CORRECTED" && extras.correction?.adjustmentPence !== undefined) {
            const amount = extras.correction.adjustmentPence;
            const held =
              subjectType === "INVOICE"
                ? await tx.select().from(invoices).where(eq(invoices.id, subjectId)).for("update")
                : await settlementInvoicesOf(tx, subject?.assessmentId ?? null);
            for (const invoice of held) {
              const line = adjustmentLine(`ADJUSTMENT:dispute:${moved.id}`, invoice.month, amount, reason, subject?.assessmentId ?? null);
              creditNotes.push((await settlement.creditAdjustment(tx, invoice, line, reason, actor)).id);
            }
          } else if (subjectType === "INVOICE" && subject?.status === "DISPUTED") {
            await moveSubject(tx, subjectType, subjectId, "ISSUED", actor);
          }
        }
        if (creditNotes.length === 0) return moved;
        return guardedUpdate(tx, {
          table: disputes,
          audit: auditEvents,
          actor,
          entityType: "Dispute",
          id: moved.id,
          change: () => ({ creditNoteIds: [...moved.creditNoteIds, ...creditNotes] }),
        });
      });
    },
  };

  async function settlementInvoicesOf(tx: Database, assessmentId: string | null) {
    return assessmentId ? settlement.issuedInvoicesOf(tx, assessmentId) : [];
  }
}

export type DisputeRepository = ReturnType<typeof createDisputeRepository>;
