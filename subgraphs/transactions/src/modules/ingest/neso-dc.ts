// Bids and awards from NESO's Dynamic Containment masterdata (adapters/neso-dc-masterdata.ts): every row is a bid;
// an Accepted row is also an award (POST /ingest/awards takes the same file and skips the other rows). The file
// names each unit by its Response Unit (`AG-MFLX02`), which the hub holds as the asset's `externalId`: a chunk's
// units are mapped in ONE batched lookup (`Asset` by its externalId key); a unit the caller cannot see or the hub
// does not hold is the row's UNKNOWN_UNIT. Published by NESO, the file is the buyer's record: its SO (the product's
// owner) or a hub administrator ingests it, as recordAward and the buyer's bid decisions require.
import { type Database, quote, seesEveryOrganisation } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { type DcRecord, NESO_DC_SOURCE, type NesoMarketCode, adaptNesoDcRow, dcDetails, dcWindows } from "../../adapters/index.js";
import { type BidStatus, bidLifecycle } from "../../db/schema.js";
import { UP_OR_DOWN } from "../../rule-checks.js";
import { type RuleCandidate, withRules } from "./commitment-checks.js";
import type { Adapter, EntitySpec, IngestContext, ReadRow, Resolved } from "./entities.js";
import { PRICE, forbiddenRow, ownersOf, productIdOf, refusal } from "./shared.js";
import type { IngestRowError } from "./tables.js";

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/** The market a `Withdraw` row is in when the request does not say (`withdrawnMarket=DC_HF`). */
const withdrawnMarketOf = (params: URLSearchParams): NesoMarketCode | undefined =>
  (params.get("withdrawnMarket") as NesoMarketCode | null) ?? undefined;

const NESO_COLUMNS = ["Market Name", "Delivery Date", "Unique bid number", "Response Unit", "Volume offered", "Volume Accepted"];

/** Low frequency: the unit exports more (a battery discharges); high frequency: it imports more. */
const DIRECTION: Record<NesoMarketCode, string> = {
  DC_LF: "GENERATION_TURN_UP",
  DM_LF: "GENERATION_TURN_UP",
  DR_LF: "GENERATION_TURN_UP",
  DC_HF: "DEMAND_TURN_UP",
  DM_HF: "DEMAND_TURN_UP",
  DR_HF: "DEMAND_TURN_UP",
};

const nesoBids: Adapter<DcRecord, null> = {
  source: NESO_DC_SOURCE,
  requiredColumns: NESO_COLUMNS,
  read(record, row, { params }) {
    const adapted = adaptNesoDcRow(record, row, { withdrawnMarket: withdrawnMarketOf(params) });
    if (!adapted.ok) return adapted;
    return { ok: true, row, value: { externalId: adapted.value.bid.sourceRecordId, value: adapted.value } };
  },
};

const nesoAwards: Adapter<DcRecord, null> = {
  source: NESO_DC_SOURCE,
  requiredColumns: NESO_COLUMNS,
  read(record, row, { params }) {
    const adapted = adaptNesoDcRow(record, row, { withdrawnMarket: withdrawnMarketOf(params) });
    if (!adapted.ok) return adapted;
    const { award } = adapted.value;
    // A rejected or withdrawn bid, or one accepted for 0 MW, awards nothing (an award is > 0 MW).
    if (!award || award.awardedMw <= 0) return { ok: true, row, value: null };
    return { ok: true, row, value: { externalId: award.sourceRecordId, value: adapted.value } };
  },
};

interface Unit {
  assetId: string;
  owner: string;
  status: string | null;
  /** Its capacities, for the market rules' facts (fetched with the unit: no second lookup). */
  capacity: { importCapacityKw?: number | null; exportCapacityKw?: number | null; energyCapacityKwh?: number | null };
}

/**
 * The chunk's products (one lookup) and units (one lookup by externalId), and the first refusal of each row that
 * neither the product, the unit nor the caller's right allows; else the row's product, owner SO and unit.
 */
async function resolveParties(
  rows: readonly ReadRow<DcRecord>[],
  { identity, references, params }: IngestContext,
  entity: "bids" | "awards",
): Promise<({ error: IngestRowError } | { productId: string; buyerId: string; unit: Unit })[]> {
  const productIds = new Map<string, string | null>();
  for (const market of new Set(rows.map((r) => r.value.bid.market))) productIds.set(market, productIdOf(params, market));
  const units = [...new Set(rows.map((r) => r.value.bid.unit))];
  const [owners, found] = await Promise.all([
    ownersOf(
      references,
      "Product",
      [...productIds.values()].filter((id): id is string => id !== null),
    ),
    units.length === 0
      ? Promise.resolve([])
      : references.lookup<{
          owner?: { id: string } | null;
          status?: string | null;
          importCapacityKw?: number | null;
          exportCapacityKw?: number | null;
          energyCapacityKwh?: number | null;
        }>("Asset", units, "owner { id } status importCapacityKw exportCapacityKw energyCapacityKwh", "externalId"),
  ]);
  const unitOf = new Map<string, Unit | null>(
    units.map((name, i) => {
      const asset = found[i];
      if (!asset?.owner?.id) return [name, null];
      const { importCapacityKw, exportCapacityKw, energyCapacityKwh } = asset;
      return [
        name,
        {
          assetId: asset.id,
          owner: asset.owner.id,
          status: asset.status ?? null,
          capacity: { importCapacityKw, exportCapacityKw, energyCapacityKwh },
        },
      ];
    }),
  );
  const admin = seesEveryOrganisation(identity);
  const soOrg = identity.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null;
  return rows.map(({ row, value: { bid } }) => {
    const fail = (error: IngestRowError) => ({ error });
    const productId = productIds.get(bid.market) ?? null;
    if (!productId) {
      return fail(
        refusal(
          row,
          "market",
          "UNMAPPED_PRODUCT",
          `No hub product is named for ${bid.market}: add product.${bid.market}=<product id> (or productId=) to the request`,
        ),
      );
    }
    const buyerId = owners.get(productId) ?? null;
    if (!buyerId) return fail(refusal(row, "market", "UNKNOWN_REFERENCE", `Product ${quote(productId)} does not exist`));
    if (!admin && buyerId !== soOrg) {
      return fail(forbiddenRow(row, "market", `Only the system operator that owns the product may ingest its ${entity}`));
    }
    const unit = unitOf.get(bid.unit) ?? null;
    if (!unit) {
      return fail(refusal(row, "unit", "UNKNOWN_UNIT", `The hub holds no asset with externalId ${quote(bid.unit)} (Response Unit)`));
    }
    // A de-registered asset has left the market: nothing new may name it (recordAward's and submitBid's check).
    if (unit.status === "DEREGISTERED") {
      return fail({
        ...refusal(row, "unit", "UNIT_DEREGISTERED", `The asset of Response Unit ${quote(bid.unit)} is DEREGISTERED`),
        code: "CONFLICT",
      });
    }
    return { productId, buyerId, unit };
  });
}

/** Each key's current value of `column` in `table` under (source, external id): one read per chunk. */
async function heldValues(db: Database | undefined, table: string, column: string, keys: string[]): Promise<Map<string, string>> {
  if (!db) throw new Error("this ingest needs the database in its context");
  if (keys.length === 0) return new Map();
  const held = rowsOf<{ external_id: string; value: string | null }>(
    await db.execute(
      sql`select external_id, ${sql.raw(column)}::text as value from ${sql.raw(table)}
          where source = ${NESO_DC_SOURCE} and external_id in (${sql.join(
            keys.map((k) => sql`${k}`),
            sql`, `,
          )})`,
    ),
  );
  return new Map(held.map((h) => [h.external_id, h.value ?? ""]));
}

const windowsOf = (record: DcRecord) => JSON.stringify(dcWindows(record));
const detailsOf = (record: DcRecord) => JSON.stringify(dcDetails(record));

/**
 * Bids (C.2) from DC masterdata: status ACCEPTED, REJECTED or WITHDRAWN as the file gives it, bidder and provider
 * the unit's owner, the EFA blocks as periods. A row changing a held bid's status is refused (CONFLICT, LIFECYCLE)
 * unless the bid lifecycle allows the move: an outcome is final.
 */
export const bidsSpec: EntitySpec<DcRecord> = {
  entity: "BID",
  path: "bids",
  entityType: "Bid",
  table: "transactions.bids",
  stage: [
    { name: "asset_id", type: "uuid" },
    { name: "product_id", type: "uuid" },
    { name: "bidder_id", type: "uuid" },
    { name: "provider_id", type: "uuid" },
    { name: "buyer_id", type: "uuid" },
    { name: "direction", type: "text" },
    { name: "quantity_mw", type: "double precision" },
    { name: "periods", type: "jsonb" },
    { name: "availability_price_gbp_per_mw_h", type: PRICE },
    { name: "start_at", type: "timestamptz" },
    { name: "end_at", type: "timestamptz" },
    { name: "status", type: "text" },
    { name: "details", type: "jsonb" },
  ],
  compare: [
    "asset_id",
    "product_id",
    "bidder_id",
    "provider_id",
    "buyer_id",
    "direction",
    "quantity_mw",
    "periods",
    "availability_price_gbp_per_mw_h",
    "start_at",
    "end_at",
    "status",
    "details",
  ],
  owner: "buyer_id",
  touched: "updated_at",
  adapters: { "neso-dc-masterdata": nesoBids },
  async resolve(rows, context) {
    const [parties, held] = await Promise.all([
      resolveParties(rows, context, "bids"),
      heldValues(
        context.db,
        "transactions.bids",
        "status",
        rows.map((r) => r.externalId),
      ),
    ]);
    const candidates: (RuleCandidate | null)[] = [];
    const resolved = rows.map(({ row, externalId, value }, i): Resolved => {
      candidates[i] = null;
      const p = parties[i]!;
      if ("error" in p) return { row, error: p.error };
      const { bid } = value;
      if (bid.volumeOfferedMw <= 0) {
        return { row, error: refusal(row, "volumeOfferedMw", "NOT_POSITIVE", "Volume offered must be more than 0 MW") };
      }
      const current = held.get(externalId) as BidStatus | undefined;
      if (current && current !== bid.status && !bidLifecycle.allows(current, bid.status)) {
        return {
          row,
          error: {
            ...refusal(row, "status", "LIFECYCLE", `Bid ${quote(externalId)} is ${current}: it cannot become ${bid.status}`),
            code: "CONFLICT",
          },
        };
      }
      candidates[i] = {
        kind: "BID",
        target: { typename: "Asset", id: p.unit.assetId },
        unit: p.unit.capacity,
        productId: p.productId,
        partyIds: [p.unit.owner, p.buyerId],
        at: bid.start.toISOString(),
        facts: {
          capacityMw: bid.volumeOfferedMw,
          direction: UP_OR_DOWN[DIRECTION[bid.market]] ?? null,
          availabilityPriceGbpPerMwh: bid.availabilityFee == null ? null : Number(bid.availabilityFee),
        },
      };
      return {
        row,
        externalId,
        values: [
          p.unit.assetId,
          p.productId,
          p.unit.owner,
          p.unit.owner,
          p.buyerId,
          DIRECTION[bid.market],
          String(bid.volumeOfferedMw),
          windowsOf(value),
          bid.availabilityFee,
          bid.start.toISOString(),
          bid.end.toISOString(),
          bid.status,
          detailsOf(value),
        ],
      };
    });
    return withRules(context, resolved, candidates);
  },
};

/**
 * Awards (C.3) from DC masterdata's Accepted rows: the accepted MW for the bid's EFA blocks at its availability fee,
 * linked to the bid when it was ingested first (one read per chunk). An award held as SETTLED, CANCELLED or RELEASED
 * is past changing: a row differing from it is refused (CONFLICT, LIFECYCLE).
 */
export const awardsSpec: EntitySpec<DcRecord> = {
  entity: "AWARD",
  path: "awards",
  entityType: "Award",
  table: "transactions.awards",
  stage: [
    { name: "bid_id", type: "uuid" },
    { name: "asset_id", type: "uuid" },
    { name: "product_id", type: "uuid" },
    { name: "provider_id", type: "uuid" },
    { name: "buyer_id", type: "uuid" },
    { name: "awarded_mw", type: "double precision" },
    { name: "windows", type: "jsonb" },
    { name: "availability_price_gbp_per_mw_h", type: PRICE },
    { name: "start_at", type: "timestamptz" },
    { name: "end_at", type: "timestamptz" },
    { name: "details", type: "jsonb" },
  ],
  compare: [
    "bid_id",
    "asset_id",
    "product_id",
    "provider_id",
    "buyer_id",
    "awarded_mw",
    "windows",
    "availability_price_gbp_per_mw_h",
    "start_at",
    "end_at",
    "details",
  ],
  owner: "buyer_id",
  touched: "updated_at",
  adapters: { "neso-dc-masterdata": nesoAwards },
  async resolve(rows, context) {
    const keys = rows.map((r) => r.externalId);
    const [parties, bidsHeld, awardsHeld] = await Promise.all([
      resolveParties(rows, context, "awards"),
      context.db
        ? rowsOf<{ external_id: string; id: string; status: string; asset_id: string | null; product_id: string; quantity_mw: number }>(
            keys.length === 0
              ? []
              : await context.db.execute(
                  sql`select external_id, id::text, status, asset_id::text, product_id::text, quantity_mw from transactions.bids
                      where source = ${NESO_DC_SOURCE} and external_id in (${sql.join(
                        keys.map((k) => sql`${k}`),
                        sql`, `,
                      )})`,
                ),
          )
        : Promise.reject(new Error("this ingest needs the database in its context")),
      heldValues(
        context.db,
        "transactions.awards",
        "status || '|' || awarded_mw::text || '|' || coalesce(availability_price_gbp_per_mw_h::text, '')",
        keys,
      ),
    ]);
    const bidOf = new Map(bidsHeld.map((b) => [b.external_id, b]));
    const candidates: (RuleCandidate | null)[] = [];
    const resolved = rows.map(({ row, externalId, value }, i): Resolved => {
      candidates[i] = null;
      const p = parties[i]!;
      if ("error" in p) return { row, error: p.error };
      const award = value.award!;
      const bid = bidOf.get(externalId);
      // The bid it accepts, when held: the same asset and product, not withdrawn or rejected, at least the MW awarded.
      if (bid) {
        if (bid.asset_id !== p.unit.assetId || bid.product_id !== p.productId) {
          return { row, error: refusal(row, "bidNumber", "BID_MISMATCH", `Bid ${quote(externalId)} is for another unit or product`) };
        }
        if (!["SUBMITTED", "VALIDATED", "ACCEPTED", "PARTIALLY_ACCEPTED"].includes(bid.status)) {
          return {
            row,
            error: {
              ...refusal(row, "bidNumber", "LIFECYCLE", `Bid ${quote(externalId)} is ${bid.status}: it cannot be awarded`),
              code: "CONFLICT",
            },
          };
        }
        if (award.awardedMw > Number(bid.quantity_mw)) {
          return { row, error: refusal(row, "volumeAcceptedMw", "EXCEEDS_BID", `Volume accepted exceeds the bid's ${bid.quantity_mw} MW`) };
        }
      }
      const held = awardsHeld.get(externalId);
      if (held) {
        const [status, mw, fee] = held.split("|");
        // As stored (PRICE: 4 decimals), so a file's 11.44444444 is the held 11.4444.
        const price = (text: string | null | undefined) => (text ? Math.round(Number(text) * 1e4) / 1e4 : null);
        const same = Number(mw) === award.awardedMw && price(fee) === price(award.availabilityFee);
        if (["SETTLED", "CANCELLED", "RELEASED"].includes(status!) && !same) {
          return {
            row,
            error: {
              ...refusal(row, "volumeAcceptedMw", "LIFECYCLE", `Award ${quote(externalId)} is ${status}: it cannot change`),
              code: "CONFLICT",
            },
          };
        }
      }
      candidates[i] = {
        kind: "AWARD",
        target: { typename: "Asset", id: p.unit.assetId },
        unit: p.unit.capacity,
        productId: p.productId,
        partyIds: [p.unit.owner, p.buyerId],
        at: value.bid.start.toISOString(),
        facts: { awardedMw: award.awardedMw },
      };
      return {
        row,
        externalId,
        values: [
          bid?.id ?? null,
          p.unit.assetId,
          p.productId,
          p.unit.owner,
          p.buyerId,
          String(award.awardedMw),
          windowsOf(value),
          award.availabilityFee,
          value.bid.start.toISOString(),
          value.bid.end.toISOString(),
          detailsOf(value),
        ],
      };
    });
    return withRules(context, resolved, candidates);
  },
};
