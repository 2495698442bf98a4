import { appendAudit, conflict, type Database, guardedUpdate, type Identity, isUuid, type SfeError } from "@sfe/kit";
import { and, asc, eq, gt, gte, inArray, lt, ne, sql } from "drizzle-orm";
import { seesNothing, type Visibility } from "../../access.js";
import { toFixed } from "../../calculations/index.js";
import { auditEvents, awards, penalties, performanceAssessments } from "../../db/schema.js";
import { partiesVisible } from "./policy.js";
import type { ComputedStatement, LineDraft } from "./statement.js";
import {
  type HeldOut,
  type InvoiceStatus,
  type IssuerSide,
  invoiceLifecycle,
  invoices,
  payments,
  type StoredAdjustment,
  type StoredUnavailableWindow,
  settlementLines,
  settlementStatements,
  settlementTerms,
  type TermsSnapshot,
} from "./tables.js";

export type SettlementTermsRow = typeof settlementTerms.$inferSelect;
export type StatementRow = typeof settlementStatements.$inferSelect;
export type LineRow = typeof settlementLines.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;

export interface ListFilter {
  productId?: string | null | undefined;
  providerId?: string | null | undefined;
  month?: string | null | undefined;
  status?: InvoiceStatus | null | undefined;
  limit: number;
  offset: number;
  visible: Visibility;
}

/** What a statement covers: one provider, one product (and its SO), one month. */
export interface StatementScope {
  productId: string;
  providerId: string;
  buyerId: string;
  month: { label: string; start: Date; end: Date };
}

const DAY_MS = 86_400_000;

/** The terms' snapshot of a terms row. */
export const snapshotOf = (row: SettlementTermsRow): TermsSnapshot => ({
  utilisationScale: row.utilisationScale,
  floorRatio: row.floorRatio,
  fullRatio: row.fullRatio,
  availabilityRule: row.availabilityRule,
  vatRate: row.vatRate,
  invoiceDay: row.invoiceDay,
  paymentDays: row.paymentDays,
});

/** Net, VAT (rounded half away from zero to the penny) and total. */
export function invoiceFigures(netPence: bigint, vatRate: string) {
  const [whole = "0", fraction = ""] = vatRate.split(".");
  const rateNum = BigInt(whole + fraction);
  const rateDen = 10n ** BigInt(fraction.length);
  const scaled = netPence * rateNum;
  const magnitude = (2n * (scaled < 0n ? -scaled : scaled) + rateDen) / (2n * rateDen);
  const vatPence = scaled < 0n ? -magnitude : magnitude;
  return { netPence, vatPence, totalPence: netPence + vatPence };
}

/** The later of the invoice date (the terms' day of the month after `month`) and the day of issue, plus the payment days. */
export function dueDate(month: string, invoiceDay: number, paymentDays: number, issuedAt: Date): Date {
  const [year, monthNumber] = month.split("-").map(Number) as [number, number];
  const invoiceDate = Date.UTC(year, monthNumber, invoiceDay);
  const issueDay = Date.UTC(issuedAt.getUTCFullYear(), issuedAt.getUTCMonth(), issuedAt.getUTCDate());
  return new Date(Math.max(invoiceDate, issueDay) + paymentDays * DAY_MS);
}

const lineValues = (line: LineDraft, position: number, owner: { statementId: string } | { creditNoteId: string }) => ({
  ...owner,
  position,
  type: line.type,
  key: line.key,
  period: line.period,
  quantity: toFixed(line.quantity, 6),
  unitPriceGbp: toFixed(line.unitPriceGbp, 4),
  factor: toFixed(line.factor, 6),
  factorExact: `${line.factor.num}/${line.factor.den}`,
  amountPence: line.amountPence,
  assessmentId: line.assessmentId,
  penaltyId: line.penaltyId,
  awardIds: line.awardIds,
  basis: line.basis,
});

export function createSettlementRepository(db: Database) {
  const repository = {
    async termsOf(productIds: readonly string[]): Promise<SettlementTermsRow[]> {
      const valid = productIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(settlementTerms).where(inArray(settlementTerms.productId, valid));
    },

    /** Creates or replaces a product's terms, audited (CREATE, or UPDATE with before and after). */
    async setTerms(values: TermsSnapshot & { productId: string; buyerId: string }, actor: Identity | null): Promise<SettlementTermsRow> {
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(settlementTerms).where(eq(settlementTerms.productId, values.productId)).for("update");
        if (before) {
          const [after] = await tx
            .update(settlementTerms)
            .set({ ...values, updatedAt: new Date() })
            .where(eq(settlementTerms.id, before.id))
            .returning();
          await appendAudit(tx, auditEvents, actor, {
            action: "UPDATE",
            entityType: "SettlementTerms",
            entityId: before.id,
            before,
            after,
          });
          return after!;
        }
        const [row] = await tx.insert(settlementTerms).values(values).returning();
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "SettlementTerms", entityId: row!.id, after: row });
        return row!;
      });
    },

    /** The rows a statement is computed from: awards overlapping the month, assessments starting in it, their penalties. */
    async inputsFor(scope: StatementScope, on: Database = db) {
      const parties = and(
        eq(awards.productId, scope.productId),
        eq(awards.providerId, scope.providerId),
        eq(awards.buyerId, scope.buyerId),
      );
      const monthAwards = await on
        .select()
        .from(awards)
        .where(and(parties, ne(awards.status, "CANCELLED"), lt(awards.start, scope.month.end), gt(awards.end, scope.month.start)))
        .orderBy(asc(awards.start), asc(awards.id));
      const assessments = await on
        .select()
        .from(performanceAssessments)
        .where(
          and(
            eq(performanceAssessments.productId, scope.productId),
            eq(performanceAssessments.providerId, scope.providerId),
            eq(performanceAssessments.buyerId, scope.buyerId),
            gte(performanceAssessments.start, scope.month.start),
            lt(performanceAssessments.start, scope.month.end),
          ),
        )
        .orderBy(asc(performanceAssessments.start), asc(performanceAssessments.id));
      const awardsById = new Map(monthAwards.map((award) => [award.id, award]));
      const missing = [...new Set(assessments.map((a) => a.awardId).filter((id): id is string => !!id && !awardsById.has(id)))];
      if (missing.length > 0) {
        for (const award of await on.select().from(awards).where(inArray(awards.id, missing))) awardsById.set(award.id, award);
      }
      const assessmentIds = assessments.map((a) => a.id);
      const assessmentPenalties =
        assessmentIds.length === 0
          ? []
          : await on
              .select()
              .from(penalties)
              .where(inArray(penalties.assessmentId, assessmentIds))
              .orderBy(asc(penalties.createdAt), asc(penalties.id));
      return { awards: monthAwards, awardsById, assessments, penalties: assessmentPenalties };
    },

    async statementsByIds(ids: readonly string[], visible: Visibility): Promise<StatementRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(settlementStatements)
        .where(and(inArray(settlementStatements.id, valid), partiesVisible(settlementStatements, visible)));
    },

    async listStatements(filter: ListFilter): Promise<StatementRow[]> {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(settlementStatements)
        .where(
          and(
            filter.productId ? eq(settlementStatements.productId, filter.productId) : undefined,
            filter.providerId ? eq(settlementStatements.providerId, filter.providerId) : undefined,
            filter.month ? eq(settlementStatements.month, filter.month) : undefined,
            partiesVisible(settlementStatements, filter.visible),
          ),
        )
        .orderBy(asc(settlementStatements.month), asc(settlementStatements.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * Writes the statement of `scope` (creating it, or replacing a DRAFT's lines), with the row locked, audited; a
     * DRAFT invoice of it takes the new figures. CONFLICT when it is INVOICED (frozen).
     */
    async saveStatement(
      scope: StatementScope,
      computed: ComputedStatement,
      stored: { terms: TermsSnapshot; unavailableWindows: StoredUnavailableWindow[]; adjustments: StoredAdjustment[] },
      actor: Identity | null,
    ): Promise<StatementRow> {
      return db.transaction(async (tx) => {
        const [before] = await tx
          .select()
          .from(settlementStatements)
          .where(
            and(
              eq(settlementStatements.productId, scope.productId),
              eq(settlementStatements.providerId, scope.providerId),
              eq(settlementStatements.month, scope.month.label),
            ),
          )
          .for("update");
        if (before && before.status !== "DRAFT") {
          throw conflict(
            `The statement for ${scope.month.label} is ${before.status}: its invoice was issued, so it is frozen (a correction makes a credit note)`,
            { currentStatus: before.status, requestedStatus: "DRAFT" },
          );
        }
        const values = {
          productId: scope.productId,
          providerId: scope.providerId,
          buyerId: scope.buyerId,
          month: scope.month.label,
          periodStart: scope.month.start,
          periodEnd: scope.month.end,
          totalPence: computed.totalPence,
          terms: stored.terms,
          unavailableWindows: stored.unavailableWindows,
          adjustments: stored.adjustments,
          heldOut: computed.heldOut as HeldOut[],
          generatedAt: new Date(),
        };
        let row: StatementRow;
        if (before) {
          await tx.delete(settlementLines).where(eq(settlementLines.statementId, before.id));
          [row] = (await tx
            .update(settlementStatements)
            .set({ ...values, updatedAt: new Date() })
            .where(eq(settlementStatements.id, before.id))
            .returning()) as [StatementRow];
        } else {
          [row] = (await tx.insert(settlementStatements).values(values).returning()) as [StatementRow];
        }
        if (computed.lines.length > 0) {
          await tx.insert(settlementLines).values(computed.lines.map((line, i) => lineValues(line, i, { statementId: row.id })));
        }
        const recorded = { ...row, lines: computed.lines.map((line, i) => lineValues(line, i, { statementId: row.id })) };
        await appendAudit(tx, auditEvents, actor, {
          action: before ? "UPDATE" : "CREATE",
          entityType: "SettlementStatement",
          entityId: row.id,
          before: before ?? null,
          after: recorded,
        });
        // A DRAFT invoice of it follows the new figures (an issued one froze the statement above).
        const [draft] = await tx
          .select()
          .from(invoices)
          .where(and(eq(invoices.statementId, row.id), eq(invoices.kind, "INVOICE")))
          .for("update");
        if (draft) {
          const [after] = await tx
            .update(invoices)
            .set({ ...invoiceFigures(row.totalPence, draft.vatRate), updatedAt: new Date() })
            .where(eq(invoices.id, draft.id))
            .returning();
          await appendAudit(tx, auditEvents, actor, { action: "UPDATE", entityType: "Invoice", entityId: draft.id, before: draft, after });
        }
        return row;
      });
    },

    async linesOfStatements(ids: readonly string[]): Promise<LineRow[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(settlementLines)
        .where(inArray(settlementLines.statementId, [...ids]))
        .orderBy(asc(settlementLines.position));
    },

    async linesOfCreditNotes(ids: readonly string[]): Promise<LineRow[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(settlementLines)
        .where(inArray(settlementLines.creditNoteId, [...ids]))
        .orderBy(asc(settlementLines.position));
    },

    async invoicesByIds(ids: readonly string[], visible: Visibility): Promise<InvoiceRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(invoices)
        .where(and(inArray(invoices.id, valid), partiesVisible(invoices, visible)));
    },

    /** The invoices (kind INVOICE) of these statements. */
    async invoicesOfStatements(ids: readonly string[]): Promise<InvoiceRow[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(invoices)
        .where(and(inArray(invoices.statementId, [...ids]), eq(invoices.kind, "INVOICE")));
    },

    async creditNotesOf(ids: readonly string[]): Promise<InvoiceRow[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(invoices)
        .where(inArray(invoices.originalInvoiceId, [...ids]))
        .orderBy(asc(invoices.createdAt), asc(invoices.id));
    },

    async listInvoices(filter: ListFilter): Promise<InvoiceRow[]> {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(invoices)
        .where(
          and(
            filter.productId ? eq(invoices.productId, filter.productId) : undefined,
            filter.providerId ? eq(invoices.providerId, filter.providerId) : undefined,
            filter.month ? eq(invoices.month, filter.month) : undefined,
            filter.status ? eq(invoices.status, filter.status) : undefined,
            partiesVisible(invoices, filter.visible),
          ),
        )
        .orderBy(asc(invoices.month), asc(invoices.createdAt), asc(invoices.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** A DRAFT invoice of a DRAFT statement, audited; CONFLICT when the statement has one already or is frozen. */
    async createInvoice(statementId: string, issuerSide: IssuerSide, actor: Identity | null): Promise<InvoiceRow> {
      return db.transaction(async (tx) => {
        const [statement] = await tx.select().from(settlementStatements).where(eq(settlementStatements.id, statementId)).for("update");
        if (!statement) throw new Error(`statement ${statementId} vanished`);
        const [existing] = await tx
          .select({ id: invoices.id, status: invoices.status })
          .from(invoices)
          .where(and(eq(invoices.statementId, statementId), eq(invoices.kind, "INVOICE")));
        if (existing || statement.status !== "DRAFT") {
          throw conflict(`Statement ${statementId} already has an invoice${existing ? ` (${existing.id}, ${existing.status})` : ""}`, {
            invoiceId: existing?.id ?? null,
            currentStatus: statement.status,
          });
        }
        const [row] = await tx
          .insert(invoices)
          .values({
            kind: "INVOICE",
            statementId,
            productId: statement.productId,
            providerId: statement.providerId,
            buyerId: statement.buyerId,
            issuerSide,
            month: statement.month,
            status: "DRAFT",
            ...invoiceFigures(statement.totalPence, statement.terms.vatRate),
            vatRate: statement.terms.vatRate,
            invoiceDay: statement.terms.invoiceDay,
            paymentDays: statement.terms.paymentDays,
          })
          .returning();
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Invoice", entityId: row!.id, after: row });
        return row!;
      });
    },

    /**
     * Moves an invoice the caller sees: `refusal` (FORBIDDEN) with the row locked, then the lifecycle (CONFLICT). Issuing
     * stamps issuedAt and dueAt and freezes its statement (INVOICED), in the same transaction. Null when not visible.
     */
    async updateInvoiceStatus(
      id: string,
      status: InvoiceStatus,
      actor: Identity | null,
      visible: Visibility,
      refusal: (row: InvoiceRow) => SfeError | null,
    ): Promise<InvoiceRow | null> {
      if (seesNothing(visible)) return null;
      return db.transaction(async (tx) => {
        const now = new Date();
        const row = await guardedUpdate(tx, {
          table: invoices,
          audit: auditEvents,
          actor,
          lifecycle: invoiceLifecycle,
          id,
          visible: partiesVisible(invoices, visible),
          change: (before) => {
            const refused = refusal(before);
            if (refused) throw refused;
            if (status === "ISSUED" && before.status === "DRAFT") {
              return { status, issuedAt: now, dueAt: dueDate(before.month, before.invoiceDay, before.paymentDays, now) };
            }
            return { status };
          },
        });
        if (row && status === "ISSUED" && row.kind === "INVOICE") {
          const [statement] = await tx
            .select()
            .from(settlementStatements)
            .where(eq(settlementStatements.id, row.statementId))
            .for("update");
          if (statement && statement.status === "DRAFT") {
            const [after] = await tx
              .update(settlementStatements)
              .set({ status: "INVOICED", updatedAt: now })
              .where(eq(settlementStatements.id, statement.id))
              .returning();
            await appendAudit(tx, auditEvents, actor, {
              action: "STATUS_CHANGE",
              entityType: "SettlementStatement",
              entityId: statement.id,
              before: statement,
              after,
            });
          }
        }
        return row;
      });
    },

    async paymentsOf(invoiceIds: readonly string[]): Promise<PaymentRow[]> {
      if (invoiceIds.length === 0) return [];
      return db
        .select()
        .from(payments)
        .where(inArray(payments.invoiceId, [...invoiceIds]))
        .orderBy(asc(payments.paidAt), asc(payments.id));
    },

    /**
     * Records a payment of an invoice the caller sees, with the invoice locked: `refusal` first (FORBIDDEN), CONFLICT
     * unless APPROVED (or a repeated reference), BAD_USER_INPUT when the payments would exceed its total; PAID when they
     * reach it. Null when not visible.
     */
    async recordPayment(
      values: { invoiceId: string; amountPence: bigint; method: "BACS"; paidAt: Date; reference: string },
      actor: Identity | null,
      visible: Visibility,
      refusal: (row: InvoiceRow) => SfeError | null,
      overpaid: (outstandingPence: bigint) => SfeError,
    ): Promise<{ payment: PaymentRow; invoice: InvoiceRow } | null> {
      if (seesNothing(visible)) return null;
      return db.transaction(async (tx) => {
        const [invoice] = await tx
          .select()
          .from(invoices)
          .where(and(eq(invoices.id, values.invoiceId), partiesVisible(invoices, visible)))
          .for("update");
        if (!invoice) return null;
        const refused = refusal(invoice);
        if (refused) throw refused;
        if (invoice.status !== "APPROVED") {
          throw conflict(`Invoice ${invoice.id} is ${invoice.status}: only an APPROVED invoice is paid`, {
            currentStatus: invoice.status,
            requestedStatus: "PAID",
          });
        }
        const [paid] = await tx
          .select({ pence: sql<string>`coalesce(sum(${payments.amountPence}), 0)::text` })
          .from(payments)
          .where(eq(payments.invoiceId, invoice.id));
        const outstanding = invoice.totalPence - BigInt(paid?.pence ?? "0");
        if (values.amountPence > outstanding) throw overpaid(outstanding);
        const [payment] = await tx
          .insert(payments)
          .values({ ...values, providerId: invoice.providerId, buyerId: invoice.buyerId })
          .onConflictDoNothing({ target: [payments.invoiceId, payments.reference] })
          .returning();
        if (!payment)
          throw conflict(`A payment with reference ${values.reference} is already recorded for this invoice`, { field: "reference" });
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Payment", entityId: payment.id, after: payment });
        let after = invoice;
        if (values.amountPence === outstanding) {
          after =
            (await guardedUpdate(tx, {
              table: invoices,
              audit: auditEvents,
              actor,
              lifecycle: invoiceLifecycle,
              id: invoice.id,
              change: () => ({ status: "PAID" as const }),
            })) ?? invoice;
        }
        return { payment, invoice: after };
      });
    },

    /**
     * In `tx`: a credit note of `original` with `lines` (issued at once, by the original's issuer side), and the
     * original CREDITED, both audited.
     */
    async createCreditNote(
      tx: Database,
      original: InvoiceRow,
      lines: LineDraft[],
      reason: string,
      actor: Identity | null,
    ): Promise<InvoiceRow> {
      const now = new Date();
      const net = lines.reduce((sum, line) => sum + line.amountPence, 0n);
      const [note] = await tx
        .insert(invoices)
        .values({
          kind: "CREDIT_NOTE",
          statementId: original.statementId,
          originalInvoiceId: original.id,
          productId: original.productId,
          providerId: original.providerId,
          buyerId: original.buyerId,
          issuerSide: original.issuerSide,
          month: original.month,
          status: "ISSUED",
          ...invoiceFigures(net, original.vatRate),
          vatRate: original.vatRate,
          invoiceDay: original.invoiceDay,
          paymentDays: original.paymentDays,
          issuedAt: now,
          dueAt: new Date(now.getTime() + original.paymentDays * DAY_MS),
          reason,
        })
        .returning();
      await tx.insert(settlementLines).values(lines.map((line, i) => lineValues(line, i, { creditNoteId: note!.id })));
      await appendAudit(tx, auditEvents, actor, {
        action: "CREATE",
        entityType: "Invoice",
        entityId: note!.id,
        after: { ...note, lines: lines.map((line, i) => lineValues(line, i, { creditNoteId: note!.id })) },
      });
      await guardedUpdate(tx, {
        table: invoices,
        audit: auditEvents,
        actor,
        lifecycle: invoiceLifecycle,
        id: original.id,
        change: () => ({ status: "CREDITED" as const }),
      });
      return note!;
    },

    /** Runs `fn` in a transaction with the invoice locked, if `visible` admits it (null otherwise). */
    async withInvoiceLocked<T>(id: string, visible: Visibility, fn: (tx: Database, row: InvoiceRow) => Promise<T>): Promise<T | null> {
      if (seesNothing(visible) || !isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(invoices)
          .where(and(eq(invoices.id, id), partiesVisible(invoices, visible)))
          .for("update");
        return row ? fn(tx, row) : null;
      });
    },

    async statementIn(tx: Database, id: string): Promise<StatementRow> {
      const [row] = await tx.select().from(settlementStatements).where(eq(settlementStatements.id, id));
      if (!row) throw new Error(`statement ${id} vanished`);
      return row;
    },

    async creditNotesOfIn(tx: Database, id: string): Promise<InvoiceRow[]> {
      return tx.select().from(invoices).where(eq(invoices.originalInvoiceId, id));
    },

    /** Issued invoices (not DRAFT, not credit notes) whose statement has a line of one of these assessments. */
    async issuedInvoicesOfAssessment(tx: Database, assessmentId: string): Promise<InvoiceRow[]> {
      const statementIds = tx
        .select({ id: settlementLines.statementId })
        .from(settlementLines)
        .where(eq(settlementLines.assessmentId, assessmentId));
      return tx
        .select()
        .from(invoices)
        .where(and(eq(invoices.kind, "INVOICE"), ne(invoices.status, "DRAFT"), inArray(invoices.statementId, statementIds)))
        .for("update");
    },
  };
  return repository;
}

export type SettlementRepository = ReturnType<typeof createSettlementRepository>;
