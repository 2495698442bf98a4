import type { Database, Identity } from "@sfe/kit";
import { eq, inArray } from "drizzle-orm";
import { settlementLines, type TermsSnapshot } from "./tables.js";
import type { InvoiceRow, SettlementRepository, StatementRow, StatementScope } from "./repository.js";
import { type ComputedStatement, computeStatement, differenceLines, type LineDraft } from "./statement.js";
import { mergeUnavailable, type UnavailableHours } from "./unavailability.js";

export interface EnteredWindow {
  awardId: string;
  from: Date;
  to: Date;
  reason: string | null;
}

/**
 * Statements computed from the database (the repository's rows, the unavailability port, the calculation library),
 * and the credit notes a correction makes. Used by the settlement module's mutations and by dispute resolution.
 */
export function createSettlementService(repo: SettlementRepository, unavailableHours: UnavailableHours) {
  async function compute(
    scope: StatementScope,
    terms: TermsSnapshot,
    entered: readonly EnteredWindow[],
    adjustments: readonly { amountPence: bigint; description: string }[],
    on?: Database,
  ): Promise<ComputedStatement & { awardIds: Set<string> }> {
    const inputs = await repo.inputsFor(scope, on);
    const fromPort = await unavailableHours({ awards: inputs.awards, from: scope.month.start, to: scope.month.end, on });
    const computed = computeStatement({
      month: scope.month,
      terms,
      awards: inputs.awards,
      awardsById: inputs.awardsById,
      unavailable: mergeUnavailable(fromPort, entered),
      assessments: inputs.assessments,
      penalties: inputs.penalties,
      adjustments,
    });
    return { ...computed, awardIds: new Set(inputs.awards.map((award) => award.id)) };
  }

  /** The scope, entered windows and adjustments a stored statement was generated with. */
  const storedInputs = (statement: StatementRow) => ({
    scope: {
      productId: statement.productId,
      providerId: statement.providerId,
      buyerId: statement.buyerId,
      month: { label: statement.month, start: statement.periodStart, end: statement.periodEnd },
    },
    entered: statement.unavailableWindows.map((w) => ({
      awardId: w.awardId,
      from: new Date(w.from),
      to: new Date(w.to),
      reason: w.reason,
    })),
    adjustments: statement.adjustments.map((a) => ({ amountPence: BigInt(a.amountPence), description: a.description })),
  });

  /** Per line key, what the invoice's statement and its credit notes so far settled (of one assessment, if given). */
  async function settledByKey(tx: Database, invoice: InvoiceRow, assessmentId: string | null): Promise<Map<string, bigint>> {
    const notes = await repo.creditNotesOfIn(tx, invoice.id);
    const lines = [
      ...(await tx.select().from(settlementLines).where(eq(settlementLines.statementId, invoice.statementId))),
      ...(notes.length === 0
        ? []
        : await tx
            .select()
            .from(settlementLines)
            .where(
              inArray(
                settlementLines.creditNoteId,
                notes.map((n) => n.id),
              ),
            )),
    ];
    const settled = new Map<string, bigint>();
    for (const line of lines) {
      if (assessmentId !== null && line.assessmentId !== assessmentId) continue;
      settled.set(line.key, (settled.get(line.key) ?? 0n) + line.amountPence);
    }
    return settled;
  }

  return {
    compute,

    /** In `tx`: the issued invoices (locked) whose statement settles this assessment. */
    issuedInvoicesOf: (tx: Database, assessmentId: string) => repo.issuedInvoicesOfAssessment(tx, assessmentId),

    /**
     * In `tx`, after an assessment of issued invoices was corrected: each such invoice gets a credit note whose lines
     * are what the recomputed statement says of that assessment (its utilisation and penalties) less what was settled
     * of it, and becomes CREDITED. Answers the credit notes.
     */
    async creditAfterCorrection(tx: Database, assessmentId: string, reason: string, actor: Identity | null): Promise<InvoiceRow[]> {
      const notes: InvoiceRow[] = [];
      for (const invoice of await repo.issuedInvoicesOfAssessment(tx, assessmentId)) {
        const statement = await repo.statementIn(tx, invoice.statementId);
        const { scope, entered, adjustments } = storedInputs(statement);
        const recomputed = await compute(scope, statement.terms, entered, adjustments, tx);
        const lines = differenceLines(
          recomputed.lines.filter((line) => line.assessmentId === assessmentId),
          await settledByKey(tx, invoice, assessmentId),
        );
        if (lines.length > 0) notes.push(await repo.createCreditNote(tx, invoice, lines, reason, actor));
      }
      return notes;
    },

    /**
     * In `tx`: the credit note later data makes for an issued invoice (any line of its recomputed statement that differs
     * from what was settled: a corrected or newly FINAL assessment, a waived penalty …); null when nothing differs.
     */
    async creditInvoice(tx: Database, invoice: InvoiceRow, reason: string, actor: Identity | null): Promise<InvoiceRow | null> {
      const statement = await repo.statementIn(tx, invoice.statementId);
      const { scope, entered, adjustments } = storedInputs(statement);
      const recomputed = await compute(scope, statement.terms, entered, adjustments, tx);
      const lines = differenceLines(recomputed.lines, await settledByKey(tx, invoice, null));
      return lines.length === 0 ? null : repo.createCreditNote(tx, invoice, lines, reason, actor);
    },

    /** In `tx`: a credit note of `invoice` with one ADJUSTMENT line (a dispute's agreed adjustment). */
    async creditAdjustment(tx: Database, invoice: InvoiceRow, line: LineDraft, reason: string, actor: Identity | null) {
      return repo.createCreditNote(tx, invoice, [line], reason, actor);
    },
  };
}

export type SettlementService = ReturnType<typeof createSettlementService>;
