import { randomUUID } from "node:crypto";
import {
  type AnonymityRule,
  anonymityHaving,
  auditJson,
  conflict,
  type Database,
  forbidden,
  guardedUpdate,
  type Identity,
  isUniqueViolation,
  isUuid,
} from "@sfe/kit";
import { and, asc, desc, eq, gte, inArray, lt, lte, ne, or, type SQL, sql } from "drizzle-orm";
import { seesNothing, type Visibility } from "../../access.js";
import {
  type AssessmentStatus,
  assessmentLifecycle,
  auditEvents,
  awards,
  dispatchInstructions,
  meterReadings,
  penalties,
  performanceAssessments,
} from "../../db/schema.js";
import { overlaps, type Window } from "../../repositories/window.js";
import type { AssessmentFigures } from "./assess.js";
import { baselines } from "./tables.js";
import type { ReadingValues } from "./validation.js";

export type MeterReadingRow = typeof meterReadings.$inferSelect;
export type AssessmentRow = typeof performanceAssessments.$inferSelect;
export type PenaltyRow = typeof penalties.$inferSelect;
export type BaselineRow = typeof baselines.$inferSelect;
export type InstructionRow = typeof dispatchInstructions.$inferSelect;

/** undefined: every row; `false`: none; else the caller's organisation as provider and/or buyer (access.ts). */
function visibleRows(visible: Visibility, asProvider: (org: string) => SQL | undefined, asBuyer: (org: string) => SQL | undefined) {
  if (visible.everything) return undefined;
  const conditions = [visible.providerId && asProvider(visible.providerId), visible.buyerId && asBuyer(visible.buyerId)].filter(
    (condition): condition is SQL => !!condition,
  );
  return conditions.length > 0 ? or(...conditions) : sql`false`;
}

/**
 * Readings: the FSP its own; a system operator those of an asset it awarded or dispatched (its own product, its own
 * instruction) within the award's or instruction's window; administrators all.
 */
const visibleReadings = (visible: Visibility) =>
  visibleRows(
    visible,
    (org) => eq(meterReadings.providerId, org),
    (org) =>
      or(
        sql`exists (select 1 from ${dispatchInstructions} where ${dispatchInstructions.assetId} = ${meterReadings.assetId}
            and ${dispatchInstructions.buyerId} = ${org} and ${dispatchInstructions.issuedById} = ${org}
            and ${dispatchInstructions.start} < ${meterReadings.intervalEnd} and ${dispatchInstructions.end} > ${meterReadings.intervalStart})`,
        sql`exists (select 1 from ${awards} where ${awards.assetId} = ${meterReadings.assetId} and ${awards.buyerId} = ${org}
            and ${awards.start} < ${meterReadings.intervalEnd} and ${awards.end} > ${meterReadings.intervalStart})`,
      ),
  );

/** Assessments (and their penalties, baselines): the provider FSP and the buyer SO. */
const visibleAssessments = (visible: Visibility) =>
  visibleRows(
    visible,
    (org) => eq(performanceAssessments.providerId, org),
    (org) => eq(performanceAssessments.buyerId, org),
  );
const visibleBaselines = (visible: Visibility) =>
  visibleRows(
    visible,
    (org) => eq(baselines.providerId, org),
    (org) => eq(baselines.buyerId, org),
  );

/** What a baseline is of: an asset, or a market unit. */
export type BaselineSubject = { assetId: string | null; marketUnitId: string | null };
const ofSubject = (subject: BaselineSubject) =>
  subject.assetId ? eq(baselines.assetId, subject.assetId) : eq(baselines.marketUnitId, subject.marketUnitId ?? "");

const inWindow = (window: { from: Date; to: Date }) =>
  and(gte(meterReadings.intervalStart, window.from), lt(meterReadings.intervalStart, window.to));

const CHUNK = 500;
const chunks = <T>(items: readonly T[]) =>
  Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));

/** What a repeat compares: the values a reading carries (not its id or when it was received). */
const sameReading = (row: MeterReadingRow, value: ReadingValues & { providerId: string }) =>
  row.assetId === value.assetId &&
  row.marketUnitId === value.marketUnitId &&
  row.meterReference === value.meterReference &&
  row.intervalStart.getTime() === value.intervalStart.getTime() &&
  row.intervalEnd.getTime() === value.intervalEnd.getTime() &&
  row.granularity === value.granularity &&
  row.activeImportWh === value.activeImportWh &&
  row.activeExportWh === value.activeExportWh &&
  row.quality === value.quality;

export interface ServiceDeliveryRow {
  productId: string;
  month: string;
  instructions: number;
  assessed: number;
  instructedWh: string;
  deliveredWh: string;
  creditedWh: string;
  meanDeliveryRatio: string | null;
  penaltiesPence: string;
}

export function createVerificationRepository(db: Database) {
  return {
    // ------------------------------------------------------------------------------------------ meter readings

    /**
     * Writes a checked batch in one transaction: new readings inserted, a changed value under a known (source,
     * externalId) updated, each with an audit event; a repeat writes nothing and is reported by index. A key held by
     * another provider's reading is FORBIDDEN (nothing written).
     */
    async recordReadings(values: readonly (ReadingValues & { providerId: string })[], actor: Identity | null) {
      const written = db.transaction(async (tx) => {
        const existing = new Map<string, MeterReadingRow>();
        for (const part of chunks(values)) {
          const rows = await tx
            .select()
            .from(meterReadings)
            .where(
              and(
                inArray(
                  meterReadings.externalId,
                  part.map((v) => v.externalId),
                ),
                inArray(meterReadings.source, [...new Set(part.map((v) => v.source))]),
              ),
            )
            .for("update");
          for (const row of rows) existing.set(`${row.source}\u0000${row.externalId}`, row);
        }
        const fresh: (ReadingValues & { providerId: string })[] = [];
        const repeated: number[] = [];
        let updated = 0;
        for (const [index, value] of values.entries()) {
          const before = existing.get(`${value.source}\u0000${value.externalId}`);
          if (!before) {
            fresh.push(value);
            continue;
          }
          if (before.providerId !== value.providerId) {
            throw forbidden(`readings[${index}]: ${value.source}/${value.externalId} is another provider's reading`);
          }
          if (sameReading(before, value)) {
            repeated.push(index);
            continue;
          }
          const [after] = await tx
            .update(meterReadings)
            .set({ ...value, receivedAt: new Date() })
            .where(eq(meterReadings.id, before.id))
            .returning();
          await tx.insert(auditEvents).values(auditRow(actor, "UPDATE", before.id, before, after));
          updated++;
        }
        // New readings are audited as one event per batch (a telemetry batch, not 5,000 hash-chain links): it names every
        // reading it created; a changed reading has its own UPDATE event above, with before and after.
        const createdIds: string[] = [];
        for (const part of chunks(fresh)) {
          const rows = await tx.insert(meterReadings).values(part).returning({ id: meterReadings.id });
          createdIds.push(...rows.map((row) => row.id));
        }
        if (createdIds.length > 0) {
          const sources = [...new Set(fresh.map((value) => value.source))];
          await tx
            .insert(auditEvents)
            .values(
              auditRow(
                actor,
                "CREATE",
                randomUUID(),
                null,
                { created: createdIds.length, sources, readingIds: createdIds },
                "MeterReadingBatch",
              ),
            );
        }
        return { created: fresh.length, updated, repeated };
      });
      return written.catch((error: unknown) => {
        // A concurrent batch inserted one of these keys first: nothing of this one was written.
        if (isUniqueViolation(error)) throw conflict("Another batch recorded some of these readings at the same time: send it again");
        throw error;
      });
    },

    async readingsByIds(ids: readonly string[], visible: Visibility): Promise<MeterReadingRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(meterReadings)
        .where(and(inArray(meterReadings.id, valid), visibleReadings(visible)));
    },

    /** Readings of these assets (or units, `by`) starting in [from, to) that the caller may see, by interval start. */
    async readingsOf(by: "asset" | "unit", ids: readonly string[], window: { from: Date; to: Date }, visible: Visibility) {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      const column = by === "asset" ? meterReadings.assetId : meterReadings.marketUnitId;
      return db
        .select()
        .from(meterReadings)
        .where(and(inArray(column, valid), inWindow(window), visibleReadings(visible)))
        .orderBy(asc(meterReadings.intervalStart), asc(meterReadings.id));
    },

    async listReadings(filter: {
      assetId: string | null;
      marketUnitId: string | null;
      from: Date;
      to: Date;
      limit: number;
      offset: number;
      visible: Visibility;
    }) {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(meterReadings)
        .where(
          and(
            filter.assetId ? eq(meterReadings.assetId, filter.assetId) : undefined,
            filter.marketUnitId ? eq(meterReadings.marketUnitId, filter.marketUnitId) : undefined,
            inWindow(filter),
            visibleReadings(filter.visible),
          ),
        )
        .orderBy(asc(meterReadings.intervalStart), asc(meterReadings.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    // ------------------------------------------------------------------------------------------ assessments

    /** The instruction to assess, unfiltered (the resolver decides who may). */
    async instruction(id: string): Promise<InstructionRow | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(dispatchInstructions).where(eq(dispatchInstructions.id, id));
      return row ?? null;
    },

    /** Everything assessDispatch reads about the asset: its readings from `from` to the window's end, its other event days. */
    async assessmentInputs(instruction: InstructionRow & { assetId: string }, from: Date) {
      const readings = await db
        .select()
        .from(meterReadings)
        .where(
          and(
            eq(meterReadings.assetId, instruction.assetId),
            gte(meterReadings.intervalStart, from),
            lt(meterReadings.intervalStart, instruction.end),
          ),
        );
      const others = await db
        .select({ start: dispatchInstructions.start, end: dispatchInstructions.end })
        .from(dispatchInstructions)
        .where(
          and(
            eq(dispatchInstructions.assetId, instruction.assetId),
            ne(dispatchInstructions.id, instruction.id),
            ne(dispatchInstructions.status, "REJECTED"),
            overlaps(dispatchInstructions, { from, to: instruction.end }),
          ),
        );
      return { readings, others };
    },

    /**
     * What assessDispatch reads for an instruction on a market unit, from `from` to the window's end: the readings
     * recorded against the unit itself when it has any, else its members' (`members`: true), by asset; and the other
     * event days of the unit and of its members (a member dispatched alone makes that day abnormal for the unit too).
     */
    async unitAssessmentInputs(instruction: InstructionRow & { marketUnitId: string }, memberIds: readonly string[], from: Date) {
      const span = and(gte(meterReadings.intervalStart, from), lt(meterReadings.intervalStart, instruction.end));
      const own = await db
        .select()
        .from(meterReadings)
        .where(and(eq(meterReadings.marketUnitId, instruction.marketUnitId), span));
      const readings =
        own.length > 0 || memberIds.length === 0
          ? own
          : await db
              .select()
              .from(meterReadings)
              .where(and(inArray(meterReadings.assetId, [...memberIds]), span));
      const others = await db
        .select({ start: dispatchInstructions.start, end: dispatchInstructions.end })
        .from(dispatchInstructions)
        .where(
          and(
            memberIds.length > 0
              ? or(eq(dispatchInstructions.marketUnitId, instruction.marketUnitId), inArray(dispatchInstructions.assetId, [...memberIds]))
              : eq(dispatchInstructions.marketUnitId, instruction.marketUnitId),
            ne(dispatchInstructions.id, instruction.id),
            ne(dispatchInstructions.status, "REJECTED"),
            overlaps(dispatchInstructions, { from, to: instruction.end }),
          ),
        );
      return { readings, members: own.length === 0, others };
    },

    /**
     * Saves the figures as the instruction's assessment (of its asset, or its market unit), with the instruction locked
     * so two assessments of it serialise: a new one is created; a PROVISIONAL one recomputed (methodVersion + 1,
     * audited); any other is CONFLICT.
     */
    async saveAssessment(
      instruction: InstructionRow & { providerId: string },
      figures: AssessmentFigures,
      actor: Identity | null,
    ): Promise<AssessmentRow> {
      return db.transaction(async (tx) => {
        await tx
          .select({ id: dispatchInstructions.id })
          .from(dispatchInstructions)
          .where(eq(dispatchInstructions.id, instruction.id))
          .for("update");
        const [before] = await tx
          .select()
          .from(performanceAssessments)
          .where(eq(performanceAssessments.dispatchInstructionId, instruction.id))
          .orderBy(desc(performanceAssessments.createdAt))
          .limit(1);
        const values = {
          ...figures,
          dispatchInstructionId: instruction.id,
          // The award the instruction calls off (settlement prices its utilisation from it, also for a unit's award).
          awardId: instruction.awardId,
          assetId: instruction.assetId,
          marketUnitId: instruction.marketUnitId,
          productId: instruction.productId,
          providerId: instruction.providerId,
          buyerId: instruction.buyerId,
          direction: instruction.direction,
          start: instruction.start,
          end: instruction.end,
        };
        if (!before) {
          const [row] = await tx.insert(performanceAssessments).values(values).returning();
          if (!row) throw new Error("insert returned no row");
          await tx.insert(auditEvents).values(auditRow(actor, "CREATE", row.id, null, row, "PerformanceAssessment"));
          return row;
        }
        if (before.status !== "PROVISIONAL") {
          throw conflict(`PerformanceAssessment ${before.id} is ${before.status}: it is never recomputed (a dispute corrects it)`, {
            currentStatus: before.status,
            entity: "PerformanceAssessment",
            id: before.id,
          });
        }
        const [row] = await tx
          .update(performanceAssessments)
          .set({ ...values, methodVersion: before.methodVersion + 1, updatedAt: new Date() })
          .where(eq(performanceAssessments.id, before.id))
          .returning();
        if (!row) throw new Error("update returned no row");
        await tx.insert(auditEvents).values(auditRow(actor, "UPDATE", row.id, before, row, "PerformanceAssessment"));
        return row;
      });
    },

    async assessmentsByIds(ids: readonly string[], visible: Visibility): Promise<AssessmentRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(performanceAssessments)
        .where(and(inArray(performanceAssessments.id, valid), visibleAssessments(visible)));
    },

    /** Assessments of these assets (or units, `by`) whose window overlaps `window`, that the caller may see, by start. */
    async assessmentsOf(by: "asset" | "unit", ids: readonly string[], window: Window, visible: Visibility): Promise<AssessmentRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      const column = by === "asset" ? performanceAssessments.assetId : performanceAssessments.marketUnitId;
      return db
        .select()
        .from(performanceAssessments)
        .where(and(inArray(column, valid), overlaps(performanceAssessments, window), visibleAssessments(visible)))
        .orderBy(asc(performanceAssessments.start), asc(performanceAssessments.id));
    },

    async assessmentsByInstructions(ids: readonly string[], visible: Visibility): Promise<AssessmentRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(performanceAssessments)
        .where(and(inArray(performanceAssessments.dispatchInstructionId, valid), visibleAssessments(visible)));
    },

    async listAssessments(
      filter: Window & {
        assetId: string | null;
        marketUnitId?: string | null;
        productId: string | null;
        status: AssessmentStatus | null;
        limit: number;
        offset: number;
        visible: Visibility;
      },
    ): Promise<AssessmentRow[]> {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(performanceAssessments)
        .where(
          and(
            filter.assetId ? eq(performanceAssessments.assetId, filter.assetId) : undefined,
            filter.marketUnitId ? eq(performanceAssessments.marketUnitId, filter.marketUnitId) : undefined,
            filter.productId ? eq(performanceAssessments.productId, filter.productId) : undefined,
            filter.status ? eq(performanceAssessments.status, filter.status) : undefined,
            overlaps(performanceAssessments, filter),
            visibleAssessments(filter.visible),
          ),
        )
        .orderBy(asc(performanceAssessments.start), asc(performanceAssessments.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** A status change as assessmentLifecycle allows (CONFLICT otherwise); `check` runs against the locked row first. */
    updateAssessmentStatus: (id: string, status: AssessmentStatus, actor: Identity | null, check: (before: AssessmentRow) => void) =>
      guardedUpdate(db, {
        table: performanceAssessments,
        lifecycle: assessmentLifecycle,
        id,
        audit: auditEvents,
        actor,
        change: (before) => {
          check(before);
          return { status };
        },
      }),

    // ------------------------------------------------------------------------------------------ penalties

    async createPenalty(values: typeof penalties.$inferInsert, actor: Identity | null): Promise<PenaltyRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(penalties).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await tx.insert(auditEvents).values(auditRow(actor, "CREATE", row.id, null, row, "Penalty"));
        return row;
      });
    },

    /** Penalties of the assessments the caller may see. */
    async penaltiesOf(by: "id" | "assessment", ids: readonly string[], visible: Visibility): Promise<PenaltyRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      const rows = await db
        .select({ penalty: penalties })
        .from(penalties)
        .innerJoin(performanceAssessments, eq(performanceAssessments.id, penalties.assessmentId))
        .where(and(inArray(by === "id" ? penalties.id : penalties.assessmentId, valid), visibleAssessments(visible)))
        .orderBy(asc(penalties.createdAt), asc(penalties.id));
      return rows.map((row) => row.penalty);
    },

    setPenaltyWaiver: (id: string, waivedByConflictId: string | null, actor: Identity | null) =>
      guardedUpdate(db, {
        table: penalties,
        entityType: "Penalty",
        id,
        audit: auditEvents,
        actor,
        change: (before) => (before.waivedByConflictId === waivedByConflictId ? {} : { waivedByConflictId }),
      }),

    // ------------------------------------------------------------------------------------------ baselines

    /**
     * Registers the next version of (asset, product)'s baseline, the latest locked so two registrations serialise;
     * CONFLICT (R-VER-2) once the latest version's lockedAt has passed.
     */
    async registerBaseline(
      values: Omit<typeof baselines.$inferInsert, "version">,
      actor: Identity | null,
      now = new Date(),
    ): Promise<BaselineRow> {
      return db.transaction(async (tx) => {
        const [latest] = await tx
          .select()
          .from(baselines)
          .where(
            and(
              ofSubject({ assetId: values.assetId ?? null, marketUnitId: values.marketUnitId ?? null }),
              eq(baselines.productId, values.productId),
            ),
          )
          .orderBy(desc(baselines.version))
          .limit(1)
          .for("update");
        if (latest?.lockedAt && latest.lockedAt.getTime() <= now.getTime()) {
          throw conflict(`Baseline v${latest.version} was locked at ${latest.lockedAt.toISOString()}: no retrospective change (R-VER-2)`, {
            ruleId: "R-VER-2",
            lockedAt: latest.lockedAt.toISOString(),
          });
        }
        const [row] = await tx
          .insert(baselines)
          .values({ ...values, version: (latest?.version ?? 0) + 1, submittedAt: now })
          .returning();
        if (!row) throw new Error("insert returned no row");
        await tx.insert(auditEvents).values(auditRow(actor, "CREATE", row.id, null, row, "Baseline"));
        return row;
      });
    },

    /** The version governing an event starting at `start`: the latest submitted before it. */
    async governingBaseline(subject: BaselineSubject, productId: string, start: Date): Promise<BaselineRow | null> {
      const [row] = await db
        .select()
        .from(baselines)
        .where(and(ofSubject(subject), eq(baselines.productId, productId), lte(baselines.submittedAt, start)))
        .orderBy(desc(baselines.version))
        .limit(1);
      return row ?? null;
    },

    async baselinesByIds(ids: readonly string[], visible: Visibility): Promise<BaselineRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(baselines)
        .where(and(inArray(baselines.id, valid), visibleBaselines(visible)));
    },

    async listBaselines(subject: BaselineSubject, productId: string | null, visible: Visibility): Promise<BaselineRow[]> {
      if (seesNothing(visible)) return [];
      return db
        .select()
        .from(baselines)
        .where(and(ofSubject(subject), productId ? eq(baselines.productId, productId) : undefined, visibleBaselines(visible)))
        .orderBy(asc(baselines.productId), desc(baselines.version));
    },

    // ------------------------------------------------------------------------------------------ report

    /**
     * Per product and UTC month of the instructions (not REJECTED) starting in [from, to): counts, the assessments'
     * energy and mean delivery ratio, their unwaived penalties. `scope` filters the instructions (an SO's products, an
     * FSP's assets); `anonymise` applies the anonymity rule, leaving out the caller's own organisation.
     */
    async serviceDelivery(filter: {
      productId: string | null;
      from: Date;
      to: Date;
      scope: { buyerId?: string; providerId?: string } | null;
      anonymise: { rule: AnonymityRule; callerOrganisationId: string | null } | null;
    }): Promise<ServiceDeliveryRow[]> {
      const d = dispatchInstructions;
      const a = performanceAssessments;
      const month = sql<string>`to_char(${d.start} at time zone 'UTC', 'YYYY-MM')`;
      const penaltyPence = sql`coalesce((select sum(${penalties.amountPence}) from ${penalties}
        where ${penalties.assessmentId} = ${a.id} and ${penalties.waivedByConflictId} is null), 0)`;
      const perProvider = db
        .select({
          productId: d.productId,
          month: month.as("month"),
          providerId: sql<string>`coalesce(${d.providerId}::text, ${d.unitReference})`.as("provider"),
          instructions: sql<number>`count(*)`.as("instructions"),
          assessed: sql<number>`count(${a.id})`.as("assessed"),
          instructedWh: sql<string>`coalesce(sum(${a.instructedWh}), 0)`.as("instructed_wh"),
          deliveredWh: sql<string>`coalesce(sum(${a.deliveredWh}), 0)`.as("delivered_wh"),
          creditedWh: sql<string>`coalesce(sum(${a.creditedWh}), 0)`.as("credited_wh"),
          ratioSum: sql<string>`coalesce(sum(${a.deliveryRatio}), 0)`.as("ratio_sum"),
          ratioCount: sql<number>`count(${a.deliveryRatio})`.as("ratio_count"),
          penaltyPence: sql<string>`coalesce(sum(${penaltyPence}), 0)`.as("penalty_pence"),
        })
        .from(d)
        .leftJoin(a, eq(a.dispatchInstructionId, d.id))
        .where(
          and(
            ne(d.status, "REJECTED"),
            filter.productId ? eq(d.productId, filter.productId) : undefined,
            gte(d.start, filter.from),
            lt(d.start, filter.to),
            filter.scope?.buyerId ? eq(d.buyerId, filter.scope.buyerId) : undefined,
            filter.scope?.providerId ? eq(d.providerId, filter.scope.providerId) : undefined,
          ),
        )
        .groupBy(d.productId, month, sql`coalesce(${d.providerId}::text, ${d.unitReference})`)
        .as("per_provider");
      const p = perProvider;
      const query = db
        .select({
          productId: p.productId,
          month: p.month,
          instructions: sql<number>`sum(${p.instructions})::int`.mapWith(Number),
          assessed: sql<number>`sum(${p.assessed})::int`.mapWith(Number),
          instructedWh: sql<string>`sum(${p.instructedWh})::text`,
          deliveredWh: sql<string>`sum(${p.deliveredWh})::text`,
          creditedWh: sql<string>`sum(${p.creditedWh})::text`,
          meanDeliveryRatio: sql<string | null>`case when sum(${p.ratioCount}) = 0 then null
            else round(sum(${p.ratioSum}) / sum(${p.ratioCount}), 6)::text end`,
          penaltiesPence: sql<string>`sum(${p.penaltyPence})::text`,
        })
        .from(p)
        .groupBy(p.productId, p.month)
        .orderBy(p.month, asc(p.productId));
      return filter.anonymise
        ? query.having(
            anonymityHaving({
              owner: p.providerId,
              measures: [p.instructedWh, p.deliveredWh],
              excludeOwner: filter.anonymise.callerOrganisationId,
              rule: filter.anonymise.rule,
            }),
          )
        : query;
    },
  };
}

function auditRow(
  actor: Identity | null,
  action: "CREATE" | "UPDATE",
  entityId: string,
  before: unknown,
  after: unknown,
  entityType = "MeterReading",
) {
  return {
    actorUserId: actor?.userId ?? null,
    actorOrganisationId: actor?.organisationId ?? null,
    action,
    entityType,
    entityId,
    before: auditJson(before),
    after: auditJson(after),
  };
}

export type VerificationRepository = ReturnType<typeof createVerificationRepository>;
