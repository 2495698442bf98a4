import { appendAudit, conflict, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, arrayOverlaps, asc, eq, gt, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { auditEvents, awards } from "../../db/schema.js";
import type { ServiceArea } from "../positions/service-area.js";
import {
  availabilityDeclarationLifecycle,
  availabilityDeclarations as declarations,
  type UnavailabilityNoticeStatus,
  unavailabilityNoticeLifecycle,
  unavailabilityNotices as notices,
} from "./tables.js";
import { declarationEvent, recordCommitmentEvent } from "../commitments/events.js";
import { requireUnlocked } from "./validation.js";

export type AvailabilityDeclarationRow = typeof declarations.$inferSelect;
export type NewAvailabilityDeclaration = typeof declarations.$inferInsert;
export type UnavailabilityNoticeRow = typeof notices.$inferSelect;
export type NewUnavailabilityNotice = typeof notices.$inferInsert;

/**
 * What a caller reads (policy.ts): everything (ADMIN); as an FSP its own (`providerId`); as a verified SO the
 * declarations for its products (`buyerId`) and the notices of assets and units in its service area (`area`).
 */
export interface AvailabilityVisibility {
  everything: boolean;
  providerId: string | null;
  buyerId: string | null;
  area: ServiceArea | null;
}

const seesNothing = (v: AvailabilityVisibility) => !v.everything && !v.providerId && !v.buyerId && !v.area;

const anyOf = (conditions: (SQL | undefined | null | false | "")[]) => {
  const kept = conditions.filter((c): c is SQL => !!c);
  return kept.length > 0 ? or(...kept) : sql`false`;
};

export const visibleDeclarations = (v: AvailabilityVisibility): SQL | undefined =>
  v.everything
    ? undefined
    : anyOf([v.providerId && eq(declarations.providerId, v.providerId), v.buyerId && eq(declarations.buyerId, v.buyerId)]);

export const visibleNotices = (v: AvailabilityVisibility): SQL | undefined => {
  if (v.everything || v.area?.wholeGb) return undefined;
  const groups = v.area?.gspGroups ?? [];
  return anyOf([v.providerId && eq(notices.providerId, v.providerId), groups.length > 0 && arrayOverlaps(notices.gspGroups, groups)]);
};

export interface ListFilter {
  assetId?: string | null | undefined;
  marketUnitId?: string | null | undefined;
  productId?: string | null | undefined;
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  /** Declarations: SUPERSEDED and WITHDRAWN versions too; notices: WITHDRAWN ones too. */
  includeHistory: boolean;
  limit: number;
  offset: number;
}

const overlapping = (start: PgColumn, end: PgColumn, w: { from?: Date | null | undefined; to?: Date | null | undefined }) =>
  and(w.to ? lt(start, w.to) : undefined, w.from ? gt(end, w.from) : undefined);

/** A bad id filters to nothing rather than failing the query. */
const validIds = (...ids: (string | null | undefined)[]) => ids.every((id) => id == null || isUuid(id));

export function createAvailabilityRepository(db: Database) {
  return {
    async declarationsByIds(ids: readonly string[], visible: AvailabilityVisibility): Promise<AvailabilityDeclarationRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(declarations)
        .where(and(inArray(declarations.id, valid), visibleDeclarations(visible)));
    },

    /** The versions that replaced `ids` (each at most one), for `supersededBy`. */
    async successorsOf(ids: readonly string[], visible: AvailabilityVisibility): Promise<AvailabilityDeclarationRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(declarations)
        .where(and(inArray(declarations.supersedesId, valid), visibleDeclarations(visible)));
    },

    async listDeclarations(filter: ListFilter, visible: AvailabilityVisibility): Promise<AvailabilityDeclarationRow[]> {
      if (seesNothing(visible) || !validIds(filter.assetId, filter.marketUnitId, filter.productId)) return [];
      return db
        .select()
        .from(declarations)
        .where(
          and(
            filter.assetId ? eq(declarations.assetId, filter.assetId) : undefined,
            filter.marketUnitId ? eq(declarations.marketUnitId, filter.marketUnitId) : undefined,
            filter.productId ? eq(declarations.productId, filter.productId) : undefined,
            filter.includeHistory ? undefined : eq(declarations.status, "DECLARED"),
            overlapping(declarations.start, declarations.end, filter),
            visibleDeclarations(visible),
          ),
        )
        .orderBy(asc(declarations.start), asc(declarations.version), asc(declarations.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    async noticesByIds(ids: readonly string[], visible: AvailabilityVisibility): Promise<UnavailabilityNoticeRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(notices)
        .where(and(inArray(notices.id, valid), visibleNotices(visible)));
    },

    async listNotices(filter: ListFilter, visible: AvailabilityVisibility): Promise<UnavailabilityNoticeRow[]> {
      if (seesNothing(visible) || !validIds(filter.assetId, filter.marketUnitId)) return [];
      return db
        .select()
        .from(notices)
        .where(
          and(
            filter.assetId ? eq(notices.assetId, filter.assetId) : undefined,
            filter.marketUnitId ? eq(notices.marketUnitId, filter.marketUnitId) : undefined,
            filter.includeHistory ? undefined : eq(notices.status, "ACTIVE"),
            overlapping(notices.from, notices.to, filter),
            visibleNotices(visible),
          ),
        )
        .orderBy(asc(notices.from), asc(notices.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** The award a declaration names, whoever may see it (the resolver checks it is the same asset, product and FSP). */
    async award(id: string) {
      const [row] = await db
        .select({
          id: awards.id,
          assetId: awards.assetId,
          marketUnitId: awards.marketUnitId,
          productId: awards.productId,
          providerId: awards.providerId,
        })
        .from(awards)
        .where(eq(awards.id, id));
      return row ?? null;
    },

    /**
     * Records a first declaration, audited. CONFLICT (reason OVERLAPPING) when a standing declaration of the same
     * unit or asset for the same product overlaps its window (replace that one instead); the check and the insert
     * hold a lock on (target, product), so two racing declarations cannot both pass. Null when one with the same
     * (source, externalId) is already recorded.
     */
    async declare(values: NewAvailabilityDeclaration, actor: Identity | null): Promise<AvailabilityDeclarationRow | null> {
      return db.transaction(async (tx) => {
        const target = values.assetId ?? values.marketUnitId ?? "";
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`availability:${target}:${values.productId}`}))`);
        const [standing] = await tx
          .select({ id: declarations.id })
          .from(declarations)
          .where(
            and(
              values.assetId ? eq(declarations.assetId, values.assetId) : eq(declarations.marketUnitId, values.marketUnitId ?? ""),
              eq(declarations.productId, values.productId),
              eq(declarations.status, "DECLARED"),
              overlapping(declarations.start, declarations.end, { from: values.start as Date, to: values.end as Date }),
            ),
          )
          .limit(1);
        if (standing) {
          throw conflict(`Availability declaration ${standing.id} already covers part of this window: replace it instead`, {
            reason: "OVERLAPPING",
            existingId: standing.id,
          });
        }
        const [row] = await tx
          .insert(declarations)
          .values(values)
          .onConflictDoNothing({ target: [declarations.source, declarations.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, {
          action: "CREATE",
          entityType: "AvailabilityDeclaration",
          entityId: row.id,
          after: row,
        });
        await recordCommitmentEvent(tx, declarationEvent(row));
        return row;
      });
    },

    /**
     * Replaces declaration `id` (visible as `visible`) with a new version: the old one SUPERSEDED, the new one
     * DECLARED with `changes`, both audited, in one transaction with the old row locked. `authorize` runs on the
     * locked row first. CONFLICT when it is no longer DECLARED, or past its lock time (reason LOCKED). Null when
     * there is no such declaration.
     */
    async replace(
      id: string,
      changes: { declaredMw: number; reason: string | null },
      visible: AvailabilityVisibility,
      actor: Identity | null,
      authorize: (before: AvailabilityDeclarationRow) => void,
    ): Promise<AvailabilityDeclarationRow | null> {
      return db.transaction(async (tx) => {
        const old = await guardedUpdate(tx, {
          table: declarations,
          audit: auditEvents,
          actor,
          lifecycle: availabilityDeclarationLifecycle,
          id,
          visible: visibleDeclarations(visible),
          change: (before) => {
            authorize(before);
            requireDeclared(before);
            requireUnlocked(before);
            return { status: "SUPERSEDED" as const };
          },
        });
        if (!old) return null;
        const { id: _id, createdAt: _c, updatedAt: _u, declaredAt: _d, externalId: _e, ...kept } = old;
        const [row] = await tx
          .insert(declarations)
          .values({
            ...kept,
            ...changes,
            version: old.version + 1,
            supersedesId: old.id,
            status: "DECLARED",
            source: "API",
            externalId: null,
          })
          .returning();
        await appendAudit(tx, auditEvents, actor, {
          action: "CREATE",
          entityType: "AvailabilityDeclaration",
          entityId: row!.id,
          after: row,
        });
        await recordCommitmentEvent(tx, declarationEvent(row!));
        return row!;
      });
    },

    /** WITHDRAWN, as `replace` checks it (CONFLICT when not DECLARED or LOCKED); null when there is none. */
    withdraw: (
      id: string,
      visible: AvailabilityVisibility,
      actor: Identity | null,
      authorize: (before: AvailabilityDeclarationRow) => void,
    ): Promise<AvailabilityDeclarationRow | null> =>
      guardedUpdate(db, {
        table: declarations,
        audit: auditEvents,
        actor,
        lifecycle: availabilityDeclarationLifecycle,
        id,
        visible: visibleDeclarations(visible),
        change: (before) => {
          authorize(before);
          if (before.status !== "WITHDRAWN") {
            requireDeclared(before);
            requireUnlocked(before);
          }
          return { status: "WITHDRAWN" as const };
        },
      }),

    /** Records a notice, audited; null when one with the same (source, externalId) is already recorded. */
    async notify(values: NewUnavailabilityNotice, actor: Identity | null): Promise<UnavailabilityNoticeRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(notices)
          .values(values)
          .onConflictDoNothing({ target: [notices.source, notices.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "UnavailabilityNotice", entityId: row.id, after: row });
        return row;
      });
    },

    /** Sets the notice's status as its lifecycle allows (CONFLICT otherwise); null when there is none. */
    setNoticeStatus: (
      id: string,
      status: UnavailabilityNoticeStatus,
      visible: AvailabilityVisibility,
      actor: Identity | null,
      authorize: (before: UnavailabilityNoticeRow) => void,
    ): Promise<UnavailabilityNoticeRow | null> =>
      guardedUpdate(db, {
        table: notices,
        audit: auditEvents,
        actor,
        lifecycle: unavailabilityNoticeLifecycle,
        id,
        visible: visibleNotices(visible),
        change: (before) => {
          authorize(before);
          return { status };
        },
      }),
  };
}

/** CONFLICT naming both statuses unless the declaration still stands (a replaced one is changed through its successor). */
function requireDeclared(row: AvailabilityDeclarationRow): void {
  if (row.status === "DECLARED") return;
  throw conflict(`Availability declaration ${row.id} is ${row.status}: only a DECLARED version changes`, {
    currentStatus: row.status,
    requestedStatus: "SUPERSEDED",
  });
}

export type AvailabilityRepository = ReturnType<typeof createAvailabilityRepository>;
