import { type AnonymityRule, anonymityHaving, appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, getTableColumns, gt, inArray, lte, ne, or, type SQL, sql } from "drizzle-orm";
import { assetCategories, assetLifecycle, assets, auditEvents } from "../../db/schema.js";
import { needsAttention } from "../categories/attention.js";

export type AssetRow = typeof assets.$inferSelect;
export type NewAsset = typeof assets.$inferInsert;

/**
 * Which assets a caller may see (built by `visibleAssetFilter` in access.ts): every one, or those of
 * `ownerIds` together with those in `gspGroups` (none when both are empty).
 */
export type AssetVisibility = { all: true } | { all: false; ownerIds: readonly string[]; gspGroups: readonly string[] };

export const EVERY_ASSET: AssetVisibility = { all: true };

/** The SQL condition for `visible`: undefined for every asset, null when nothing is visible (no query needed). */
export function visibleAssetCondition(visible: AssetVisibility): SQL | undefined | null {
  if (visible.all) return undefined;
  const ownerIds = visible.ownerIds.filter(isUuid);
  const either = [
    ...(ownerIds.length > 0 ? [inArray(assets.ownerId, ownerIds)] : []),
    ...(visible.gspGroups.length > 0 ? [inArray(assets.gspGroup, [...visible.gspGroups])] : []),
  ];
  return either.length === 0 ? null : or(...either);
}

export interface AssetFilter {
  /** What the caller may see: required, so no listing can forget it. */
  visible: AssetVisibility;
  ownerId?: string | null;
  categoryCode?: string | null;
  gspGroup?: string | null;
  limit: number;
  offset: number;
}

export interface AttentionFilter {
  visible: AssetVisibility;
  categoryCode?: string | null;
  limit: number;
  offset: number;
}

export interface StatisticsFilter {
  categoryCode?: string | null;
  gspGroup?: string | null;
  /** Which groups may be reported (kit/anonymity.ts): distinct owners and dominance, judged without `callerOrganisationId`. */
  rule: AnonymityRule;
  /** The caller's organisation, whose assets never count towards the rule (null: nothing left out). */
  callerOrganisationId: string | null;
}

/** Totals of one category in one GSP group. */
export interface AssetStatisticRow {
  categoryCode: string;
  gspGroup: string | null;
  assetCount: number;
  totalImportCapacityKw: number;
  totalExportCapacityKw: number;
  totalEnergyCapacityKwh: number | null;
}

/** One page of each owner's assets (`limit` rows after skipping `offset`), ordered by name. */
export interface OwnerPage {
  limit: number;
  offset: number;
}

const byName = [asc(assets.name), asc(assets.id)];

export function createAssetRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<AssetRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(assets).where(inArray(assets.id, valid));
    },

    /** By MPAN core (unique where set). */
    async byMeterPointIds(meterPointIds: readonly string[]): Promise<AssetRow[]> {
      const wanted = [...new Set(meterPointIds.filter((m) => m.length > 0))];
      if (wanted.length === 0) return [];
      return db.select().from(assets).where(inArray(assets.meterPointId, wanted));
    },

    /** By the market platform's unit name (unique where set). */
    async byExternalIds(externalIds: readonly string[]): Promise<AssetRow[]> {
      const wanted = [...new Set(externalIds.filter((e) => e.length > 0))];
      if (wanted.length === 0) return [];
      return db.select().from(assets).where(inArray(assets.externalId, wanted));
    },

    /**
     * The `visible` assets of each owner, ordered by name; with `page`, at most one page per owner (one
     * query either way).
     */
    async byOwnerIds(ownerIds: readonly string[], visible: AssetVisibility, page?: OwnerPage): Promise<AssetRow[]> {
      const valid = [...new Set(ownerIds.filter(isUuid))];
      const condition = visibleAssetCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      const where = and(inArray(assets.ownerId, valid), condition);
      if (!page)
        return db
          .select()
          .from(assets)
          .where(where)
          .orderBy(...byName);
      const ranked = db
        .select({
          ...getTableColumns(assets),
          rank: sql<number>`row_number() over (partition by ${assets.ownerId} order by ${assets.name}, ${assets.id})`.as("rank"),
        })
        .from(assets)
        .where(where)
        .as("ranked");
      const rows = await db
        .select()
        .from(ranked)
        .where(and(gt(ranked.rank, page.offset), lte(ranked.rank, page.offset + page.limit)))
        .orderBy(asc(ranked.ownerId), asc(ranked.rank));
      return rows.map(({ rank: _rank, ...row }) => row);
    },

    /** The `visible` assets matching `filter`, by name. */
    async list(filter: AssetFilter): Promise<AssetRow[]> {
      const visible = visibleAssetCondition(filter.visible);
      if (visible === null || (filter.ownerId != null && !isUuid(filter.ownerId))) return [];
      const conditions: SQL[] = visible ? [visible] : [];
      if (filter.ownerId != null) conditions.push(eq(assets.ownerId, filter.ownerId));
      if (filter.categoryCode != null) conditions.push(eq(assets.categoryCode, filter.categoryCode));
      if (filter.gspGroup != null) conditions.push(eq(assets.gspGroup, filter.gspGroup));
      return db
        .select()
        .from(assets)
        .where(and(...conditions))
        .orderBy(...byName)
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * The `visible` assets, not DEREGISTERED, that fail their category as it is now (attention.ts), by name:
     * one query, the check included.
     */
    async needingAttention(filter: AttentionFilter): Promise<AssetRow[]> {
      const visible = visibleAssetCondition(filter.visible);
      if (visible === null) return [];
      const conditions: SQL[] = [ne(assets.status, "DEREGISTERED"), needsAttention()];
      if (visible) conditions.push(visible);
      if (filter.categoryCode != null) conditions.push(eq(assets.categoryCode, filter.categoryCode));
      return db
        .select(getTableColumns(assets))
        .from(assets)
        .innerJoin(assetCategories, eq(assetCategories.code, assets.categoryCode))
        .where(and(...conditions))
        .orderBy(...byName)
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * Totals by category × GSP group over every asset not DEREGISTERED, computed by the database: per-owner
     * partial sums in a subquery, the group totals over them, and the anonymisation rule (`filter.rule`, judged
     * without the caller's organisation) in HAVING, so a suppressed group never leaves the database. Ordered by
     * category code then GSP group (unknown last).
     */
    async statistics(filter: StatisticsFilter): Promise<AssetStatisticRow[]> {
      const conditions: SQL[] = [ne(assets.status, "DEREGISTERED")];
      if (filter.categoryCode != null) conditions.push(eq(assets.categoryCode, filter.categoryCode));
      if (filter.gspGroup != null) conditions.push(eq(assets.gspGroup, filter.gspGroup));
      const perOwner = db
        .select({
          categoryCode: assets.categoryCode,
          gspGroup: assets.gspGroup,
          ownerId: assets.ownerId,
          assets: sql<number>`count(*)`.as("assets"),
          importKw: sql<number>`sum(${assets.importCapacityKw})`.as("import_kw"),
          exportKw: sql<number>`sum(${assets.exportCapacityKw})`.as("export_kw"),
          energyKwh: sql<number | null>`sum(${assets.energyCapacityKwh})`.as("energy_kwh"),
        })
        .from(assets)
        .where(and(...conditions))
        .groupBy(assets.categoryCode, assets.gspGroup, assets.ownerId)
        .as("per_owner");
      return db
        .select({
          categoryCode: perOwner.categoryCode,
          gspGroup: perOwner.gspGroup,
          assetCount: sql<number>`sum(${perOwner.assets})::int`.mapWith(Number),
          totalImportCapacityKw: sql<number>`sum(${perOwner.importKw})`.mapWith(Number),
          totalExportCapacityKw: sql<number>`sum(${perOwner.exportKw})`.mapWith(Number),
          totalEnergyCapacityKwh: sql<number | null>`sum(${perOwner.energyKwh})`.mapWith(Number),
        })
        .from(perOwner)
        .groupBy(perOwner.categoryCode, perOwner.gspGroup)
        .having(
          anonymityHaving({
            owner: perOwner.ownerId,
            measures: [perOwner.importKw, perOwner.exportKw, sql`coalesce(${perOwner.energyKwh}, 0)`],
            excludeOwner: filter.callerOrganisationId,
            rule: filter.rule,
          }),
        )
        .orderBy(asc(perOwner.categoryCode), sql`${perOwner.gspGroup} asc nulls last`);
    },

    /** The asset already registered with any of these keys (the unique ones), if any. */
    async findDuplicate(keys: {
      meterPointId?: string | null;
      carId?: string | null;
      externalId?: string | null;
    }): Promise<AssetRow | null> {
      const conditions = [
        keys.meterPointId ? eq(assets.meterPointId, keys.meterPointId) : undefined,
        keys.carId ? eq(assets.carId, keys.carId) : undefined,
        keys.externalId ? eq(assets.externalId, keys.externalId) : undefined,
      ].filter((c) => c !== undefined);
      if (conditions.length === 0) return null;
      const [row] = await db
        .select()
        .from(assets)
        .where(or(...conditions))
        .limit(1);
      return row ?? null;
    },

    async create(values: NewAsset, actor: Identity | null): Promise<AssetRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(assets).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Asset", entityId: row.id, after: row });
        return row;
      });
    },

    /**
     * Applies `changes` unless `check` refuses them given the locked row (e.g. the asset was de-registered since the
     * caller read it), a status change following `assetLifecycle`; audited. Asking for no values, or only for the status
     * the asset has, writes nothing. Null when the asset does not exist.
     */
    update: (
      id: string,
      changes: Partial<NewAsset>,
      actor: Identity | null,
      check: (before: AssetRow) => void = () => {},
      /** What the change causes elsewhere (a material change's unit reassessment), in its transaction, once written. */
      also: (tx: Database) => Promise<void> = async () => {},
    ) =>
      guardedUpdate(db, {
        table: assets,
        lifecycle: assetLifecycle,
        id,
        change: (before) => {
          check(before);
          return changes;
        },
        record: async (tx, entry) => {
          await appendAudit(tx, auditEvents, actor, entry);
          await also(tx);
        },
      }),
  };
}

export type AssetRepository = ReturnType<typeof createAssetRepository>;
