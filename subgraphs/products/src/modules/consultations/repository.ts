import { appendAudit, type Database, guardedUpdate, type Identity, isUuid, SfeError } from "@sfe/kit";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { auditEvents, consultations, type FeedbackAnswer, productFeedback, productVersions } from "../../db/schema.js";

export type ConsultationRow = typeof consultations.$inferSelect;
export type FeedbackRow = typeof productFeedback.$inferSelect;
export type FeedbackValues = Pick<typeof productFeedback.$inferInsert, "answers" | "wouldParticipate" | "indicativeMw" | "comment">;

export interface ConsultationAggregate {
  responses: number;
  wouldParticipate: number;
  indicativeMwTotal: number;
  attributes: { attribute: string; agree: number; change: number; suggestedValues: string[] }[];
}

/** Rows of `db.execute` on either driver (PGlite answers { rows }, postgres-js an array). */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

/** Market tests of product versions (UC13) and the responses to them. */
export function createConsultationRepository(db: Database) {
  return {
    async byIds(ids: readonly string[]): Promise<ConsultationRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(consultations).where(inArray(consultations.id, valid));
    },

    async byVersionIds(ids: readonly string[]): Promise<ConsultationRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(consultations).where(inArray(consultations.productVersionId, valid));
    },

    /**
     * In `tx` (the transaction that put the version IN_CONSULTATION): the version's consultation, closing at
     * `closesAt`; a version consulted on before (and withdrawn to DRAFT) keeps its consultation and responses,
     * with the new closing time.
     */
    async openFor(tx: Database, productVersionId: string, closesAt: Date, actor: Identity | null): Promise<ConsultationRow> {
      const [existing] = await tx.select().from(consultations).where(eq(consultations.productVersionId, productVersionId)).for("update");
      if (existing) {
        if (existing.closesAt.getTime() === closesAt.getTime()) return existing;
        const [after] = await tx
          .update(consultations)
          .set({ closesAt, updatedAt: new Date() })
          .where(eq(consultations.id, existing.id))
          .returning();
        await appendAudit(tx, auditEvents, actor, {
          action: "UPDATE",
          entityType: "Consultation",
          entityId: existing.id,
          before: existing,
          after,
        });
        return after ?? existing;
      }
      const [row] = await tx.insert(consultations).values({ productVersionId, closesAt }).returning();
      if (!row) throw new Error("insert returned no row");
      await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Consultation", entityId: row.id, after: row });
      return row;
    },

    /**
     * The author organisation's response, replacing its earlier one, audited. Decided with the consultation row
     * locked and on the database's clock: CONSULTATION_CLOSED once `closes_at` has passed or the version is no
     * longer IN_CONSULTATION. Null when there is no such consultation.
     */
    async submit(consultationId: string, authorOrgId: string, values: FeedbackValues, actor: Identity | null): Promise<FeedbackRow | null> {
      if (!isUuid(consultationId)) return null;
      return db.transaction(async (tx) => {
        // The version (shared: its status must not change meanwhile), then the consultation: the order in which
        // opening a consultation takes them, so the two cannot deadlock.
        const [version] = await tx
          .select({ status: productVersions.status })
          .from(productVersions)
          .where(sql`${productVersions.id} = (select c.product_version_id from ${consultations} c where c.id = ${consultationId})`)
          .for("share");
        const [consultation] = await tx
          .select({ closesAt: consultations.closesAt, open: sql<boolean>`${consultations.closesAt} > now()` })
          .from(consultations)
          .where(eq(consultations.id, consultationId))
          .for("update");
        if (!version || !consultation) return null;
        const state = { ...consultation, status: version.status };
        if (!state.open || state.status !== "IN_CONSULTATION") {
          throw new SfeError(
            "CONSULTATION_CLOSED",
            state.status !== "IN_CONSULTATION"
              ? `Consultation ${consultationId} is closed: its product version is ${state.status}`
              : `Consultation ${consultationId} closed at ${state.closesAt.toISOString()}`,
            { consultationId, closesAt: state.closesAt.toISOString(), status: state.status },
          );
        }
        const [before] = await tx
          .select()
          .from(productFeedback)
          .where(and(eq(productFeedback.consultationId, consultationId), eq(productFeedback.authorOrgId, authorOrgId)));
        const written = { ...values, authorUserId: actor?.userId ?? null };
        const [after] = before
          ? await tx
              .update(productFeedback)
              .set({ ...written, updatedAt: new Date() })
              .where(eq(productFeedback.id, before.id))
              .returning()
          : await tx
              .insert(productFeedback)
              .values({ ...written, consultationId, authorOrgId })
              .returning();
        if (!after) throw new Error("write returned no row");
        await appendAudit(tx, auditEvents, actor, {
          action: before ? "UPDATE" : "CREATE",
          entityType: "ProductFeedback",
          entityId: after.id,
          before: before ?? null,
          after,
        });
        return after;
      });
    },

    /** A consultation's responses, oldest first; of one organisation only when `authorOrgId` is given. */
    async responses(consultationId: string, authorOrgId: string | null): Promise<FeedbackRow[]> {
      return db
        .select()
        .from(productFeedback)
        .where(
          and(
            eq(productFeedback.consultationId, consultationId),
            authorOrgId != null ? eq(productFeedback.authorOrgId, authorOrgId) : undefined,
          ),
        )
        .orderBy(asc(productFeedback.createdAt), asc(productFeedback.id));
    },

    async feedbackByIds(ids: readonly string[]): Promise<FeedbackRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(productFeedback).where(inArray(productFeedback.id, valid));
    },

    /** Counts over every response, per attribute answered about (in SQL: the responses never leave the database). */
    async aggregate(consultationId: string): Promise<ConsultationAggregate> {
      const [totals] = rowsOf<{ responses: number; participating: number; mw: number }>(
        await db.execute(sql`
          select count(*)::int as responses,
                 count(*) filter (where ${productFeedback.wouldParticipate})::int as participating,
                 coalesce(sum(${productFeedback.indicativeMw}), 0)::float8 as mw
          from ${productFeedback} where ${productFeedback.consultationId} = ${consultationId}`),
      );
      const attributes = rowsOf<{ attribute: string; agree: number; change: number; suggested: string[] | null }>(
        await db.execute(sql`
          select a->>'attribute' as attribute,
                 count(*) filter (where a->>'verdict' = 'AGREE')::int as agree,
                 count(*) filter (where a->>'verdict' = 'CHANGE')::int as change,
                 array_remove(array_agg(distinct a->>'suggestedValue'), null) as suggested
          from ${productFeedback} f, jsonb_array_elements(f.answers) a
          where f.consultation_id = ${consultationId}
          group by 1 order by 1`),
      );
      return {
        responses: Number(totals?.responses ?? 0),
        wouldParticipate: Number(totals?.participating ?? 0),
        indicativeMwTotal: Number(totals?.mw ?? 0),
        attributes: attributes.map((row) => ({
          attribute: row.attribute,
          agree: Number(row.agree),
          change: Number(row.change),
          suggestedValues: [...(row.suggested ?? [])].sort(),
        })),
      };
    },

    /** Sets the summary of consultation `id` (null when there is none); `authorize` runs first against the locked row. */
    publishSummary: (id: string, summary: string, actor: Identity | null, authorize: (before: ConsultationRow) => void) =>
      guardedUpdate(db, {
        table: consultations,
        audit: auditEvents,
        entityType: "Consultation",
        id,
        actor,
        change: (before) => {
          authorize(before);
          return before.summary === summary ? {} : { summary, summaryPublishedAt: new Date() };
        },
      }),
  };
}

export type ConsultationRepository = ReturnType<typeof createConsultationRepository>;
export type { FeedbackAnswer };
