import { appendAudit, appendAudits, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, desc, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import {
  auditEvents,
  type ConflictKind,
  type ConflictStatus,
  conflictAssets,
  conflictInstructions,
  conflictLifecycle,
  conflictParties,
  conflicts,
} from "../db/schema.js";

export type ConflictRow = typeof conflicts.$inferSelect;
export type NewConflict = typeof conflicts.$inferInsert;
/**
 * A conflict with the ids of the assets and dispatch instructions it involves and of the organisations
 * it concerns (its parties), read together, in one query.
 */
export type ConflictRecord = ConflictRow & { assetIds: string[]; instructionIds: string[]; partyIds: string[] };

/** Which conflicts a read may return: those `partyId` is a party to, or (no `partyId`) every one; null: none (no query). */
export interface ConflictScope {
  partyId?: string;
}

/** The conflict's columns plus its link rows aggregated into id arrays (text[]: every driver parses it). */
const recordColumns = {
  ...getTableColumns(conflicts),
  assetIds: sql<
    string[]
  >`coalesce((select array_agg(${conflictAssets.assetId}::text order by ${conflictAssets.assetId}) from ${conflictAssets} where ${conflictAssets.conflictId} = ${conflicts.id}), '{}'::text[])`,
  instructionIds: sql<
    string[]
  >`coalesce((select array_agg(${conflictInstructions.instructionId}::text order by ${conflictInstructions.instructionId}) from ${conflictInstructions} where ${conflictInstructions.conflictId} = ${conflicts.id}), '{}'::text[])`,
  partyIds: sql<
    string[]
  >`coalesce((select array_agg(${conflictParties.organisationId}::text order by ${conflictParties.organisationId}) from ${conflictParties} where ${conflictParties.conflictId} = ${conflicts.id}), '{}'::text[])`,
};

export function createConflictRepository(db: Database) {
  const select = (where: SQL | undefined) =>
    db.select(recordColumns).from(conflicts).where(where).orderBy(desc(conflicts.detectedAt), desc(conflicts.id));

  /** Ids of the conflicts involving any of `assetIds` (a subquery, not a round trip). */
  const involving = (assetIds: readonly string[]) =>
    inArray(
      conflicts.id,
      db
        .select({ id: conflictAssets.conflictId })
        .from(conflictAssets)
        .where(inArray(conflictAssets.assetId, [...assetIds])),
    );

  /** Limits a read to `scope` in SQL: the conflicts whose parties include `scope.partyId` (index on organisation_id). */
  const within = (scope: ConflictScope) =>
    scope.partyId === undefined
      ? undefined
      : inArray(
          conflicts.id,
          db.select({ id: conflictParties.conflictId }).from(conflictParties).where(eq(conflictParties.organisationId, scope.partyId)),
        );

  return {
    /** Records for the ids that exist within `scope`, in any order (the loader orders them). */
    async byIds(ids: readonly string[], scope: ConflictScope | null = {}): Promise<ConflictRecord[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || scope === null) return [];
      return select(and(inArray(conflicts.id, valid), within(scope)));
    },

    /** Every conflict within `scope` involving any of `assetIds`, newest first: one read for a whole batch of assets. */
    async byAssetIds(assetIds: readonly string[], scope: ConflictScope | null = {}): Promise<ConflictRecord[]> {
      const valid = assetIds.filter(isUuid);
      if (valid.length === 0 || scope === null) return [];
      return select(and(involving(valid), within(scope)));
    },

    async list(
      scope: ConflictScope | null,
      filter: {
        assetId?: string | null;
        status?: ConflictStatus | null;
        kind?: ConflictKind | null;
        limit: number;
        offset: number;
      },
    ): Promise<ConflictRecord[]> {
      if (scope === null) return [];
      if (filter.assetId != null && !isUuid(filter.assetId)) return []; // no asset has a malformed id
      return select(
        and(
          within(scope),
          filter.assetId != null ? involving([filter.assetId]) : undefined,
          filter.status ? eq(conflicts.status, filter.status) : undefined,
          filter.kind ? eq(conflicts.kind, filter.kind) : undefined,
        ),
      )
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Inserts the conflict, its asset, instruction and party links and the audit entry in one transaction. */
    async record(
      values: NewConflict,
      links: { assetIds: readonly string[]; instructionIds: readonly string[]; partyIds: readonly string[] },
      actor: Identity | null,
    ): Promise<ConflictRecord> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(conflicts).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        const assetIds = [...new Set(links.assetIds)].sort();
        const instructionIds = [...new Set(links.instructionIds)].sort();
        const partyIds = [...new Set(links.partyIds)].sort();
        if (assetIds.length > 0) {
          await tx.insert(conflictAssets).values(assetIds.map((assetId) => ({ conflictId: row.id, assetId })));
        }
        if (instructionIds.length > 0) {
          await tx.insert(conflictInstructions).values(instructionIds.map((instructionId) => ({ conflictId: row.id, instructionId })));
        }
        if (partyIds.length > 0) {
          await tx.insert(conflictParties).values(partyIds.map((organisationId) => ({ conflictId: row.id, organisationId })));
        }
        const record = { ...row, assetIds, instructionIds, partyIds };
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Conflict", entityId: row.id, after: record });
        return record;
      });
    },

    /** Which of `keys` are detection keys of conflicts already recorded (one query). */
    async existingKeys(keys: readonly string[]): Promise<Set<string>> {
      if (keys.length === 0) return new Set();
      const found = new Set<string>();
      for (let i = 0; i < keys.length; i += 5000) {
        const rows = await db
          .select({ key: conflicts.detectionKey })
          .from(conflicts)
          .where(inArray(conflicts.detectionKey, keys.slice(i, i + 5000)));
        for (const { key } of rows) if (key) found.add(key);
      }
      return found;
    },

    /**
     * Records a detected conflict once: with its links and audit entry in one transaction, unless a conflict with
     * the same `detectionKey` exists (a sweep racing another, or run twice): then nothing is written and null returned.
     */
    async recordDetected(
      values: NewConflict & { detectionKey: string },
      links: { assetIds: readonly string[]; instructionIds: readonly string[]; partyIds: readonly string[] },
      actor: Identity | null,
    ): Promise<ConflictRecord | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(conflicts).values(values).onConflictDoNothing({ target: conflicts.detectionKey }).returning();
        if (!row) return null;
        const assetIds = [...new Set(links.assetIds)].sort();
        const instructionIds = [...new Set(links.instructionIds)].sort();
        const partyIds = [...new Set(links.partyIds)].sort();
        if (assetIds.length > 0) await tx.insert(conflictAssets).values(assetIds.map((assetId) => ({ conflictId: row.id, assetId })));
        if (instructionIds.length > 0) {
          await tx.insert(conflictInstructions).values(instructionIds.map((instructionId) => ({ conflictId: row.id, instructionId })));
        }
        if (partyIds.length > 0) {
          await tx.insert(conflictParties).values(partyIds.map((organisationId) => ({ conflictId: row.id, organisationId })));
        }
        const record = { ...row, assetIds, instructionIds, partyIds };
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Conflict", entityId: row.id, after: record });
        return record;
      });
    },

    /**
     * Records many detected conflicts in ONE transaction (a sweep's or an event's findings): those whose
     * `detectionKey` is recorded already are skipped; each new one with its links and its audit entry. Answers the
     * new records.
     */
    async recordDetectedMany(
      entries: readonly {
        values: NewConflict & { detectionKey: string };
        links: { assetIds: readonly string[]; instructionIds: readonly string[]; partyIds: readonly string[] };
      }[],
      actor: Identity | null,
    ): Promise<ConflictRecord[]> {
      if (entries.length === 0) return [];
      return db.transaction(async (tx) => {
        const records: ConflictRecord[] = [];
        for (let i = 0; i < entries.length; i += 500) {
          const slice = entries.slice(i, i + 500);
          const rows = await tx
            .insert(conflicts)
            .values(slice.map((e) => e.values))
            .onConflictDoNothing({ target: conflicts.detectionKey })
            .returning();
          if (rows.length === 0) continue;
          const byKey = new Map(slice.map((e) => [e.values.detectionKey, e.links]));
          const assets: { conflictId: string; assetId: string }[] = [];
          const instructions: { conflictId: string; instructionId: string }[] = [];
          const parties: { conflictId: string; organisationId: string }[] = [];
          for (const row of rows) {
            const links = byKey.get(row.detectionKey!)!;
            const assetIds = [...new Set(links.assetIds)].sort();
            const instructionIds = [...new Set(links.instructionIds)].sort();
            const partyIds = [...new Set(links.partyIds)].sort();
            assets.push(...assetIds.map((assetId) => ({ conflictId: row.id, assetId })));
            instructions.push(...instructionIds.map((instructionId) => ({ conflictId: row.id, instructionId })));
            parties.push(...partyIds.map((organisationId) => ({ conflictId: row.id, organisationId })));
            records.push({ ...row, assetIds, instructionIds, partyIds });
          }
          if (assets.length > 0) await tx.insert(conflictAssets).values(assets);
          if (instructions.length > 0) await tx.insert(conflictInstructions).values(instructions);
          if (parties.length > 0) await tx.insert(conflictParties).values(parties);
        }
        await appendAudits(
          tx,
          auditEvents,
          actor,
          records.map((record) => ({ action: "CREATE", entityType: "Conflict", entityId: record.id, after: record })),
        );
        return records;
      });
    },

    /** The detected conflicts among `keys` still OPEN (recorded, their parties not yet told). */
    async openByKeys(keys: readonly string[]): Promise<ConflictRecord[]> {
      const found: ConflictRecord[] = [];
      for (let i = 0; i < keys.length; i += 5000) {
        found.push(...(await select(and(inArray(conflicts.detectionKey, keys.slice(i, i + 5000)), eq(conflicts.status, "OPEN")))));
      }
      return found;
    },

    /** OPEN → NOTIFIED for `ids` (those still OPEN), each audited, in one transaction; answers how many moved. */
    async markNotified(ids: readonly string[], actor: Identity | null): Promise<number> {
      if (ids.length === 0) return 0;
      return db.transaction(async (tx) => {
        const rows = await tx
          .update(conflicts)
          .set({ status: "NOTIFIED", updatedAt: new Date() })
          .where(and(inArray(conflicts.id, [...ids]), eq(conflicts.status, "OPEN")))
          .returning();
        await appendAudits(
          tx,
          auditEvents,
          actor,
          rows.map((row) => ({
            action: "STATUS_CHANGE",
            entityType: "Conflict",
            entityId: row.id,
            before: { status: "OPEN" },
            after: row,
          })),
        );
        return rows.length;
      });
    },

    /**
     * Moves a conflict within `scope` on: `decide` sees the locked row and returns the changes, or throws
     * (and nothing is written); a status change must follow `conflictLifecycle` (CONFLICT otherwise).
     * Null when no conflict within `scope` has the id.
     */
    async updateStatus(
      id: string,
      scope: ConflictScope | null,
      decide: (before: ConflictRow) => Pick<Partial<NewConflict>, "status" | "resolution">,
      actor: Identity | null,
    ): Promise<ConflictRecord | null> {
      if (scope === null) return null;
      const row = await guardedUpdate(db, {
        table: conflicts,
        audit: auditEvents,
        lifecycle: conflictLifecycle,
        id,
        actor,
        visible: within(scope),
        change: decide,
      });
      if (!row) return null;
      const [record] = await select(eq(conflicts.id, id)); // its links never change: read after the write
      return record ?? null;
    },
  };
}

export type ConflictRepository = ReturnType<typeof createConflictRepository>;
