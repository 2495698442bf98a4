import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, exists, getTableColumns, gt, inArray, isNull, lte, ne, or, type SQL, sql } from "drizzle-orm";
import { assets, auditEvents, marketUnitLifecycle, marketUnitMembers, marketUnits } from "../../db/schema.js";
import { type AssetRow, type AssetVisibility, type OwnerPage, visibleAssetCondition } from "../assets/repository.js";

export type MarketUnitRow = typeof marketUnits.$inferSelect;
export type NewMarketUnit = typeof marketUnits.$inferInsert;

/**
 * Which market units a caller may see (built by `visibleUnitFilter` in access.ts): every one, or those owned
 * by `ownerIds` together with those that have a current member in `gspGroups`.
 */
export type UnitVisibility = AssetVisibility;

/** What the composition rules need of a member asset. */
export type MemberAsset = Pick<AssetRow, "id" | "name" | "ownerId" | "meterPointId" | "gspGroup" | "status">;

/** Sums over a unit's current members. */
export interface UnitAggregates {
  unitId: string;
  importCapacityKw: number;
  exportCapacityKw: number;
  /** Null when no member states one. */
  energyCapacityKwh: number | null;
  /** Distinct, sorted; members whose GSP group is unknown add none. */
  gspGroups: string[];
}

/** A unit as a write answers it: with the sums over its members, computed inside the writing transaction. */
export type UnitWithAggregates = MarketUnitRow & { aggregates: UnitAggregates };

const noMembers = (unitId: string): UnitAggregates => ({
  unitId,
  importCapacityKw: 0,
  exportCapacityKw: 0,
  energyCapacityKwh: null,
  gspGroups: [],
});

/**
 * Capacities and GSP groups of each unit's current members, summed by the database (one grouped query for every
 * unit), on `tx` (a transaction, or the database). Units without members are absent.
 */
async function aggregatesOf(tx: Database, unitIds: readonly string[]): Promise<UnitAggregates[]> {
  if (unitIds.length === 0) return [];
  const rows = await tx
    .select({
      unitId: marketUnitMembers.unitId,
      importCapacityKw: sql<number>`sum(${assets.importCapacityKw})`.mapWith(Number),
      exportCapacityKw: sql<number>`sum(${assets.exportCapacityKw})`.mapWith(Number),
      energyCapacityKwh: sql<number | null>`sum(${assets.energyCapacityKwh})`.mapWith(Number),
      gspGroups: sql<
        string[] | null
      >`array_agg(distinct ${assets.gspGroup} order by ${assets.gspGroup}) filter (where ${assets.gspGroup} is not null)`,
    })
    .from(marketUnitMembers)
    .innerJoin(assets, eq(assets.id, marketUnitMembers.assetId))
    .where(and(inArray(marketUnitMembers.unitId, [...unitIds]), current))
    .groupBy(marketUnitMembers.unitId);
  return rows.map((row) => ({ ...row, gspGroups: row.gspGroups ?? [] }));
}

/**
 * `row` with its aggregates, read in the writing transaction: whatever can fail in answering a write (a sum out
 * of range, a non-finite one) fails before the commit, so the write is rolled back rather than answered with an
 * error after it committed.
 */
async function withAggregates(tx: Database, row: MarketUnitRow): Promise<UnitWithAggregates> {
  const [aggregates = noMembers(row.id)] = await aggregatesOf(tx, [row.id]);
  for (const value of [aggregates.importCapacityKw, aggregates.exportCapacityKw, aggregates.energyCapacityKwh ?? 0]) {
    if (!Number.isFinite(value)) throw new Error(`market unit ${row.id}: its members' capacities sum to ${value}`);
  }
  return { ...row, aggregates };
}

/** One membership, current (removedAt null) or ended. */
export interface MembershipRow {
  unitId: string;
  addedAt: Date;
  removedAt: Date | null;
  asset: AssetRow;
}

export interface UnitFilter {
  /** What the caller may see: required, so no listing can forget it. */
  visible: UnitVisibility;
  ownerId?: string | null;
  limit: number;
  offset: number;
}

/** Changes of membership, applied together. */
export interface MemberChange {
  add?: readonly string[];
  remove?: readonly string[];
}

/** Refuses a change (by throwing) given the unit, its current members and what they would become. */
export type MemberCheck = (unit: MarketUnitRow, current: MemberAsset[], next: MemberAsset[]) => void;

const memberColumns = {
  id: assets.id,
  name: assets.name,
  ownerId: assets.ownerId,
  meterPointId: assets.meterPointId,
  gspGroup: assets.gspGroup,
  status: assets.status,
};

const current = isNull(marketUnitMembers.removedAt);
const byName = [asc(marketUnits.name), asc(marketUnits.id)];

/**
 * Locks `ids`' asset rows FOR SHARE, in id order, and reads them: an asset joining a unit cannot change owner or be
 * de-registered (both lock it FOR UPDATE) until the membership is written. Assets are locked before units, the
 * order every write that touches both follows (lifecycle.ts too), so two writes never wait on each other.
 */
const lockJoining = (tx: Database, ids: readonly string[]): Promise<MemberAsset[]> =>
  ids.length === 0
    ? Promise.resolve([])
    : tx
        .select(memberColumns)
        .from(assets)
        .where(inArray(assets.id, [...ids]))
        .orderBy(asc(assets.id))
        .for("share");

/** Each unit's current members with their composition fields. */
const currentMembers = (tx: Database, unitId: string): Promise<MemberAsset[]> =>
  tx
    .select(memberColumns)
    .from(marketUnitMembers)
    .innerJoin(assets, eq(assets.id, marketUnitMembers.assetId))
    .where(and(eq(marketUnitMembers.unitId, unitId), current))
    .orderBy(asc(assets.name), asc(assets.id));

/** A unit with its current members, as the composition rules need them. */
export interface UnitWithMembers {
  unit: MarketUnitRow;
  members: MemberAsset[];
}

/**
 * The units, not DEREGISTERED (those are final and never change), that `assetId` is a current member of, with all
 * their current members, by unit id. With `lock`, the units are locked FOR UPDATE (in id order) and read after the
 * lock, so what is answered holds until the transaction ends; the caller must hold the asset's row lock, which
 * keeps new memberships of it out (joining takes it FOR SHARE).
 */
export async function liveUnitsOfAsset(tx: Database, assetId: string, lock: boolean): Promise<UnitWithMembers[]> {
  const memberOf = tx
    .select({ unitId: marketUnitMembers.unitId })
    .from(marketUnitMembers)
    .where(and(eq(marketUnitMembers.assetId, assetId), current));
  const live = and(inArray(marketUnits.id, memberOf), ne(marketUnits.status, "DEREGISTERED"));
  const query = tx.select().from(marketUnits).where(live).orderBy(asc(marketUnits.id));
  const candidates = lock ? await query.for("update") : await query;
  if (candidates.length === 0) return [];
  // Read again once locked: a member may have been removed (or the unit de-registered) while we waited.
  const units = lock ? await tx.select().from(marketUnits).where(live).orderBy(asc(marketUnits.id)) : candidates;
  if (units.length === 0) return [];
  const rows = await tx
    .select({ ...memberColumns, unitId: marketUnitMembers.unitId })
    .from(marketUnitMembers)
    .innerJoin(assets, eq(assets.id, marketUnitMembers.assetId))
    .where(
      and(
        inArray(
          marketUnitMembers.unitId,
          units.map((u) => u.id),
        ),
        current,
      ),
    )
    .orderBy(asc(assets.name), asc(assets.id));
  return units.map((unit) => ({
    unit,
    members: rows.filter((r) => r.unitId === unit.id).map(({ unitId: _unitId, ...member }) => member),
  }));
}

/**
 * Ends `assetId`'s current membership of each of `units` (the rows stay, with removed_at set): an ACTIVE unit
 * becomes REASSESSMENT_REQUIRED (domain digest §7.3), each change audited with the members before and after. Runs
 * in the caller's transaction, the units locked (`liveUnitsOfAsset(tx, assetId, true)`).
 */
export async function leaveUnits(tx: Database, assetId: string, units: readonly UnitWithMembers[], actor: Identity | null): Promise<void> {
  for (const { unit, members } of units) {
    await tx
      .update(marketUnitMembers)
      .set({ removedAt: sql`now()` })
      .where(and(eq(marketUnitMembers.unitId, unit.id), eq(marketUnitMembers.assetId, assetId), current));
    await recomposed(
      tx,
      unit.id,
      members,
      members.filter((m) => m.id !== assetId),
      actor,
    );
  }
}

type Members = readonly { id: string }[];
const idsOf = (members: Members) => members.map((m) => m.id).sort();

/**
 * A material change of asset `assetId` (R-AST-7): each of its live ACTIVE units becomes REASSESSMENT_REQUIRED
 * (marketUnitLifecycle), audited with `reason`, in the caller's transaction, the units locked. Answers the units marked.
 */
export async function requireReassessmentOfAsset(
  tx: Database,
  assetId: string,
  reason: string,
  actor: Identity | null,
): Promise<MarketUnitRow[]> {
  const marked: MarketUnitRow[] = [];
  for (const { unit } of await liveUnitsOfAsset(tx, assetId, true)) {
    if (unit.status !== "ACTIVE") continue;
    const row = await guardedUpdate(tx, {
      table: marketUnits,
      lifecycle: marketUnitLifecycle,
      id: unit.id,
      change: () => ({ status: "REASSESSMENT_REQUIRED" as const, updatedAt: new Date() }),
      record: (tx, event) => appendAudit(tx, auditEvents, actor, { ...event, after: { ...event.after, reason } }),
    });
    if (row) marked.push(row);
  }
  return marked;
}

/**
 * Unit `unitId` after its members changed from `before` to `after`, in the caller's transaction (through guardedUpdate,
 * marketUnitLifecycle): stamped, an ACTIVE unit REASSESSMENT_REQUIRED (domain digest §7.3) when they differ, audited
 * with both member lists.
 */
async function recomposed(tx: Database, unitId: string, before: Members, after: Members, actor: Identity | null): Promise<MarketUnitRow> {
  const composed = before.length !== after.length || before.some((m) => !after.some((a) => a.id === m.id));
  const row = await guardedUpdate(tx, {
    table: marketUnits,
    lifecycle: marketUnitLifecycle,
    id: unitId,
    change: (unit) => ({ status: composed && unit.status === "ACTIVE" ? "REASSESSMENT_REQUIRED" : unit.status, updatedAt: new Date() }),
    record: (tx, event) =>
      appendAudit(tx, auditEvents, actor, {
        ...event,
        before: { ...event.before, assetIds: idsOf(before) },
        after: { ...event.after, assetIds: idsOf(after) },
      }),
  });
  if (!row) throw new Error(`market unit ${unitId} is missing`);
  return row;
}

export function createMarketUnitRepository(db: Database) {
  /** The SQL condition for `visible`: undefined for every unit, null when none is visible (no query needed). */
  function visibleCondition(visible: UnitVisibility): SQL | undefined | null {
    if (visible.all) return undefined;
    const ownerIds = visible.ownerIds.filter(isUuid);
    const either = [
      ...(ownerIds.length > 0 ? [inArray(marketUnits.ownerId, ownerIds)] : []),
      ...(visible.gspGroups.length > 0
        ? [
            exists(
              db
                .select({ one: sql`1` })
                .from(marketUnitMembers)
                .innerJoin(assets, eq(assets.id, marketUnitMembers.assetId))
                .where(and(eq(marketUnitMembers.unitId, marketUnits.id), current, inArray(assets.gspGroup, [...visible.gspGroups]))),
            ),
          ]
        : []),
    ];
    return either.length === 0 ? null : or(...either);
  }

  return {
    /** The `visible` units among `ids`, in any order (the loader orders them). */
    async byIds(ids: readonly string[], visible: UnitVisibility): Promise<MarketUnitRow[]> {
      const valid = [...new Set(ids.filter(isUuid))];
      const condition = visibleCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      return db
        .select()
        .from(marketUnits)
        .where(and(inArray(marketUnits.id, valid), condition));
    },

    /** The `visible` units matching `filter`, by name. */
    async list(filter: UnitFilter): Promise<MarketUnitRow[]> {
      const visible = visibleCondition(filter.visible);
      if (visible === null || (filter.ownerId != null && !isUuid(filter.ownerId))) return [];
      const conditions: SQL[] = visible ? [visible] : [];
      if (filter.ownerId != null) conditions.push(eq(marketUnits.ownerId, filter.ownerId));
      return db
        .select()
        .from(marketUnits)
        .where(and(...conditions))
        .orderBy(...byName)
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** One page of each owner's `visible` units, by name (one query for every owner). */
    async byOwnerIds(ownerIds: readonly string[], visible: UnitVisibility, page: OwnerPage): Promise<MarketUnitRow[]> {
      const valid = [...new Set(ownerIds.filter(isUuid))];
      const condition = visibleCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      const ranked = db
        .select({
          ...getTableColumns(marketUnits),
          rank: sql<number>`row_number() over (partition by ${marketUnits.ownerId} order by ${marketUnits.name}, ${marketUnits.id})`.as(
            "rank",
          ),
        })
        .from(marketUnits)
        .where(and(inArray(marketUnits.ownerId, valid), condition))
        .as("ranked");
      const rows = await db
        .select()
        .from(ranked)
        .where(and(gt(ranked.rank, page.offset), lte(ranked.rank, page.offset + page.limit)))
        .orderBy(asc(ranked.ownerId), asc(ranked.rank));
      return rows.map(({ rank: _rank, ...row }) => row);
    },

    /** The `visible` units each asset is a current member of, by name (one query for every asset). */
    async byAssetIds(assetIds: readonly string[], visible: UnitVisibility): Promise<(MarketUnitRow & { assetId: string })[]> {
      const valid = [...new Set(assetIds.filter(isUuid))];
      const condition = visibleCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      return db
        .select({ ...getTableColumns(marketUnits), assetId: marketUnitMembers.assetId })
        .from(marketUnitMembers)
        .innerJoin(marketUnits, eq(marketUnits.id, marketUnitMembers.unitId))
        .where(and(inArray(marketUnitMembers.assetId, valid), current, condition))
        .orderBy(...byName);
    },

    /** Each unit's current members among the `visible` assets, by name (one query for every unit). */
    async members(unitIds: readonly string[], visible: AssetVisibility): Promise<(AssetRow & { unitId: string })[]> {
      const valid = [...new Set(unitIds.filter(isUuid))];
      const condition = visibleAssetCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      return db
        .select({ ...getTableColumns(assets), unitId: marketUnitMembers.unitId })
        .from(marketUnitMembers)
        .innerJoin(assets, eq(assets.id, marketUnitMembers.assetId))
        .where(and(inArray(marketUnitMembers.unitId, valid), current, condition))
        .orderBy(asc(assets.name), asc(assets.id));
    },

    /** Every membership of each unit, current and ended, of the `visible` assets, oldest first (one query). */
    async memberships(unitIds: readonly string[], visible: AssetVisibility): Promise<MembershipRow[]> {
      const valid = [...new Set(unitIds.filter(isUuid))];
      const condition = visibleAssetCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      return db
        .select({
          unitId: marketUnitMembers.unitId,
          addedAt: marketUnitMembers.addedAt,
          removedAt: marketUnitMembers.removedAt,
          asset: assets,
        })
        .from(marketUnitMembers)
        .innerJoin(assets, eq(assets.id, marketUnitMembers.assetId))
        .where(and(inArray(marketUnitMembers.unitId, valid), condition))
        .orderBy(asc(marketUnitMembers.addedAt), asc(assets.name), asc(marketUnitMembers.id));
    },

    /**
     * Capacities and GSP groups of each unit's current members, summed by the database (one grouped query for
     * every unit). Units without members are absent.
     */
    aggregates: (unitIds: readonly string[]): Promise<UnitAggregates[]> => aggregatesOf(db, [...new Set(unitIds.filter(isUuid))]),

    /**
     * Creates a unit with its first members, audited, in one transaction. The members are locked first (FOR SHARE):
     * `check` sees them as they are then and may refuse (writing nothing). Answers the unit with its aggregates,
     * read before the commit.
     */
    async create(
      values: NewMarketUnit,
      assetIds: readonly string[],
      actor: Identity | null,
      check: (members: MemberAsset[]) => void = () => {},
      /** What the creation causes elsewhere (a rule's RULE_WARNING in the outbox), in its transaction, once written. */
      also: (tx: Database) => Promise<void> = async () => {},
    ): Promise<UnitWithAggregates> {
      return db.transaction(async (tx) => {
        check(await lockJoining(tx, [...new Set(assetIds)].filter(isUuid)));
        const [row] = await tx.insert(marketUnits).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await tx.insert(marketUnitMembers).values(assetIds.map((assetId) => ({ unitId: row.id, assetId })));
        await appendAudit(tx, auditEvents, actor, {
          action: "CREATE",
          entityType: "MarketUnit",
          entityId: row.id,
          after: { ...row, assetIds: [...assetIds].sort() },
        });
        await also(tx);
        return withAggregates(tx, row);
      });
    },

    /**
     * Adds and ends memberships of unit `unitId` in one transaction, the unit and the joining assets locked: `check`
     * sees the current members and the next ones (as they are now: owner, status) and may refuse (writing nothing). A change to an ACTIVE unit makes it
     * REASSESSMENT_REQUIRED (domain digest §7.3). Audited with the members before and after. Null when the
     * unit does not exist; else the unit with its aggregates, read before the commit.
     */
    async changeMembers(
      unitId: string,
      change: MemberChange,
      check: MemberCheck,
      actor: Identity | null,
      /**
       * What the change causes elsewhere (a rule's RULE_WARNING, the unit's reassessment, in the outbox), in its
       * transaction, once written: it sees the unit as changed.
       */
      also: (tx: Database, unit: MarketUnitRow) => Promise<void> = async () => {},
    ): Promise<UnitWithAggregates | null> {
      if (!isUuid(unitId)) return null;
      const add = [...new Set(change.add ?? [])].filter(isUuid);
      return db.transaction(async (tx) => {
        // Assets before the unit: the lock order every write follows (see lockJoining).
        const joining = await lockJoining(tx, add);
        const [before] = await tx.select().from(marketUnits).where(eq(marketUnits.id, unitId)).for("update");
        if (!before) return null;
        const members = await currentMembers(tx, unitId);
        const remove = new Set(change.remove ?? []);
        const memberIds = new Set(members.map((m) => m.id));
        const next = [...members.filter((m) => !remove.has(m.id)), ...joining.filter((a) => !memberIds.has(a.id))];
        check(before, members, next);

        const added = joining.filter((a) => !memberIds.has(a.id)).map((a) => a.id);
        const removed = [...remove].filter((id) => memberIds.has(id));
        if (added.length > 0) await tx.insert(marketUnitMembers).values(added.map((assetId) => ({ unitId, assetId })));
        if (removed.length > 0) {
          await tx
            .update(marketUnitMembers)
            .set({ removedAt: sql`now()` })
            .where(and(eq(marketUnitMembers.unitId, unitId), inArray(marketUnitMembers.assetId, removed), current));
        }
        const unit = await recomposed(tx, unitId, members, next, actor);
        await also(tx, unit);
        return withAggregates(tx, unit);
      });
    },

    /**
     * Applies `changes` (name, status) unless `check` refuses them given the locked row, a status change following
     * `marketUnitLifecycle` (CONFLICT otherwise); audited. A change to what the unit already is writes nothing. Null
     * when the unit does not exist.
     */
    update: (
      id: string,
      changes: Partial<Pick<NewMarketUnit, "name" | "status">>,
      check: (before: MarketUnitRow) => void,
      actor: Identity | null,
    ): Promise<MarketUnitRow | null> =>
      guardedUpdate(db, {
        table: marketUnits,
        audit: auditEvents,
        lifecycle: marketUnitLifecycle,
        id,
        actor,
        change: (before) => {
          check(before);
          // The name it has already is no change (guardedUpdate leaves out the status it has already itself).
          return changes.name === before.name ? { ...changes, name: undefined } : changes;
        },
      }),
  };
}

export type MarketUnitRepository = ReturnType<typeof createMarketUnitRepository>;
