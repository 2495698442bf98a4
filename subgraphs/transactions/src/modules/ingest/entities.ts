// What each ingestible entity is made of: the adapters that read its files, the columns it is staged in, how a
// chunk's references are resolved (one batched lookup per entity type per chunk) and who may write each row.
import { type Database, type EntityReferences, type Identity, aliasTable, isUuid, quote, seesEveryOrganisation } from "@sfe/kit";
import {
  type AdapterResult,
  type CsvRecord,
  type DispatchRecord,
  RowRefused,
  UKPN_DISPATCH_SOURCE,
  UKPN_PRODUCT_ALIASES,
  type UkpnProductCode,
  adaptUkpnDispatch,
  catchRow,
  mapRow,
  rowError,
  ukpnDispatchDetails,
  ukpnSetPointMw,
} from "../../adapters/index.js";
import type { RuleWarning } from "../../rule-checks.js";
import { meterPointsOf } from "../verification/meter-points.js";
import { checkDispatches, productOwnersFor } from "./dispatch-checks.js";
import { availabilityDeclarationsSpec, clearingResultsSpec, unavailabilityNoticesSpec } from "./generic-entities.js";
import { awardsSpec, bidsSpec } from "./neso-dc.js";
import { PRICE, forbiddenRow, ownersOf, productIdOf, refusal } from "./shared.js";
import type { IngestEntity, IngestRowError } from "./tables.js";

/** A staging (and target) column and its SQL type (the target's, precision included): COPY parses each value as it. */
export interface StageColumn {
  name: string;
  type: string;
}

/** A row read and normalised, before its references are resolved. */
export interface ReadRow<N> {
  row: number;
  externalId: string;
  value: N;
}

/** What a chunk's resolution gives for each row: its staged values (in `stage` order), or why it is refused. */
export type Resolved =
  | {
      row: number;
      externalId: string;
      values: (string | null)[];
      /** The market rules' NOTIFY findings on the row, and whom the batch's notification tells of them. */
      warnings?: RuleWarning[];
      notify?: (string | null)[];
    }
  | { row: number; error: IngestRowError };

export interface IngestContext {
  identity: Identity;
  references: EntityReferences;
  /** The request's query parameters (an adapter's options: `productId`, `product.DAY_AHEAD`, `timezone` …). */
  params: URLSearchParams;
  /**
   * The subgraph's own database, for a spec that checks a chunk against records already held (a bid's lifecycle, the
   * bid an award accepts): one read per chunk. Optional only for the specs that need none (meter readings).
   */
  db?: Database;
}

/** `Skip` is null for an adapter whose rows may hold nothing of the entity (see `read`). */
export interface Adapter<N, Skip extends null = never> {
  /** The provenance source when the adapter fixes it (a published dataset); null: the request names it. */
  source: string | null;
  /** Columns a file must have (checked on its header; an NDJSON line lacking one is a row error). */
  requiredColumns: readonly string[];
  /** null: the row holds nothing of this entity (a rejected bid, for awards): counted as skipped, never an error. */
  read(record: CsvRecord, row: number, context: IngestContext): AdapterResult<{ externalId: string; value: N } | Skip>;
}

export interface EntitySpec<N = unknown> {
  entity: IngestEntity;
  /** The route: POST /ingest/<path>. */
  path: string;
  /** The audit trail's entity type. */
  entityType: string;
  /** The target table, schema-qualified. */
  table: string;
  /** The columns filled from each row, after external_id (staged and inserted as they are). */
  stage: readonly StageColumn[];
  /** The staged columns that make an update when they differ (the rest of `stage` is written on insert only). */
  compare: readonly string[];
  /** The column naming the organisation a record belongs to: a row may not take over another's record. */
  owner: string;
  /** Columns set on insert only, as SQL over the staged row `s`. */
  insertOnly?: Readonly<Record<string, string>>;
  /** The table's "last changed" column, set on update. */
  touched: string;
  adapters: Readonly<Record<string, Adapter<N, null>>>;
  resolve(rows: readonly ReadRow<N>[], context: IngestContext): Promise<Resolved[]>;
}

// ------------------------------------------------------------------------------------------ meter readings

const QUALITY_ALIASES = aliasTable("meter reading quality", {
  ACTUAL: ["A", "Actual", "measured"],
  ESTIMATED: ["E", "Estimated", "estimate"],
  SUBSTITUTED: ["S", "Substituted"],
});

const meterReadingMapping = (timezone: "UTC" | "Europe/London") =>
  ({
    assetId: { kind: "text", column: "assetId", optional: true },
    marketUnitId: { kind: "text", column: "marketUnitId", optional: true },
    meterReference: { kind: "text", column: "meterReference", optional: true },
    intervalStart: { kind: "timestamp", column: "intervalStart", timezone },
    intervalEnd: { kind: "timestamp", column: "intervalEnd", timezone, optional: true },
    importKwh: { kind: "decimal", column: "importKwh", nonNegative: true },
    exportKwh: { kind: "decimal", column: "exportKwh", nonNegative: true },
    quality: { kind: "alias", column: "quality", table: QUALITY_ALIASES, optional: true },
    externalId: { kind: "text", column: "externalId", optional: true },
  }) as const;
const MAPPING_UTC = meterReadingMapping("UTC");
const MAPPING_LONDON = meterReadingMapping("Europe/London");

/** kWh as written (`12.345`) → exact Wh (`12345`); more than three decimals is refused, never rounded. */
function kwhToWh(text: string, field: string, row: number): string {
  const negative = text.startsWith("-");
  const [int = "0", frac = ""] = text.replace(/^[-+]/, "").split(".");
  const trimmed = frac.replace(/0+$/, "");
  if (trimmed.length > 3) {
    throw new RowRefused({
      ...rowError(row, field, "NOT_A_NUMBER", `${field} ${quote(text)} is finer than 1 Wh (at most 3 decimals of kWh)`),
      reason: "TOO_PRECISE" as never,
    });
  }
  const wh = BigInt(int + trimmed.padEnd(3, "0"));
  return (negative ? -wh : wh).toString();
}

const GRANULARITY: Record<number, string> = { 1800000: "PT30M", 60000: "PT1M", 1000: "PT1S" };
const HALF_HOUR = 1_800_000;

export interface MeterReadingRow {
  assetId: string | null;
  marketUnitId: string | null;
  meterReference: string | null;
  start: string;
  end: string;
  granularity: string;
  importWh: string;
  exportWh: string;
  quality: string;
}

const genericMeterReadings: Adapter<MeterReadingRow> = {
  source: null,
  requiredColumns: ["intervalStart", "importKwh", "exportKwh"],
  read(record, row, { params }) {
    const mapped = mapRow(params.get("timezone") === "UTC" ? MAPPING_UTC : MAPPING_LONDON, record, row);
    if (!mapped.ok) return mapped;
    const m = mapped.value;
    let field = "assetId";
    return catchRow(
      row,
      () => field,
      () => {
        if (m.assetId === null && m.marketUnitId === null && m.meterReference === null) {
          throw new RowRefused(
            rowError(row, "assetId", "MISSING_VALUE", "Name the asset (assetId), market unit (marketUnitId) or meter (meterReference)"),
          );
        }
        for (const [name, id] of [
          ["assetId", m.assetId],
          ["marketUnitId", m.marketUnitId],
        ] as const) {
          if (id !== null && !isUuid(id)) {
            throw new RowRefused({
              ...rowError(row, name, "MISSING_VALUE", `${name} must be an id (UUID), got ${quote(id)}`),
              reason: "NOT_AN_ID" as never,
            });
          }
        }
        field = "intervalEnd";
        const start = m.intervalStart.utc.getTime();
        const end = m.intervalEnd ? m.intervalEnd.utc.getTime() : start + HALF_HOUR;
        if (end <= start) {
          throw new RowRefused(rowError(row, "intervalEnd", "END_BEFORE_START", "intervalEnd must be after intervalStart"));
        }
        const granularity = GRANULARITY[end - start];
        if (!granularity) {
          throw new RowRefused({
            ...rowError(
              row,
              "intervalEnd",
              "END_BEFORE_START",
              `An interval must last 30 minutes, 1 minute or 1 second, got ${(end - start) / 1000} s`,
            ),
            reason: "UNSUPPORTED_INTERVAL" as never,
          });
        }
        field = "importKwh";
        const importWh = kwhToWh(m.importKwh, "importKwh", row);
        field = "exportKwh";
        const exportWh = kwhToWh(m.exportKwh, "exportKwh", row);
        const startIso = new Date(start).toISOString();
        const target = m.assetId ?? m.marketUnitId ?? m.meterReference;
        return {
          // A reading without its own id is the target's interval: one reading per meter per interval.
          externalId: m.externalId ?? `${target}|${startIso}`,
          value: {
            assetId: m.assetId,
            marketUnitId: m.marketUnitId,
            meterReference: m.meterReference,
            start: startIso,
            end: new Date(end).toISOString(),
            granularity,
            importWh,
            exportWh,
            quality: m.quality ?? "ACTUAL",
          },
        };
      },
    );
  },
};

/**
 * Meter readings (V.1): the FSP whose asset or market unit it is writes them (or a hub administrator). A reading
 * naming only a meter reference (MPAN) is linked to the asset registered with that meter point.
 */
export const meterReadingsSpec: EntitySpec<MeterReadingRow> = {
  entity: "METER_READING",
  path: "meter-readings",
  entityType: "MeterReading",
  table: "transactions.meter_readings",
  stage: [
    { name: "asset_id", type: "uuid" },
    { name: "market_unit_id", type: "uuid" },
    { name: "meter_reference", type: "text" },
    { name: "provider_id", type: "uuid" },
    { name: "interval_start", type: "timestamptz" },
    { name: "interval_end", type: "timestamptz" },
    { name: "granularity", type: "text" },
    { name: "active_import_wh", type: "bigint" },
    { name: "active_export_wh", type: "bigint" },
    { name: "quality", type: "text" },
  ],
  compare: [
    "asset_id",
    "market_unit_id",
    "meter_reference",
    "provider_id",
    "interval_start",
    "interval_end",
    "granularity",
    "active_import_wh",
    "active_export_wh",
    "quality",
  ],
  owner: "provider_id",
  touched: "received_at",
  adapters: { generic: genericMeterReadings },
  async resolve(rows, { identity, references }) {
    const meterOnly = (v: MeterReadingRow) => (v.assetId === null && v.marketUnitId === null ? v.meterReference : null);
    const [assets, units, meters] = await Promise.all([
      ownersOf(
        references,
        "Asset",
        rows.flatMap((r) => (r.value.assetId ? [r.value.assetId] : [])),
      ),
      ownersOf(
        references,
        "MarketUnit",
        rows.flatMap((r) => (r.value.marketUnitId ? [r.value.marketUnitId] : [])),
      ),
      // One call for the chunk's meter references, as for its assets and units.
      meterPointsOf(
        references,
        rows.flatMap((r) => meterOnly(r.value) ?? []),
      ),
    ]);
    const admin = seesEveryOrganisation(identity);
    const fspOrg = identity.roles.includes("FSP") ? identity.organisationId : null;
    return rows.map(({ row, externalId, value: v }): Resolved => {
      let owner: string | null = null;
      let assetId = v.assetId;
      // The owners answer what the caller may see: to an FSP, another's asset and a missing one look alike, and
      // either is a row it may not write (FORBIDDEN); an administrator sees every one, so unknown is unknown.
      const unknown = (field: string, what: string): Resolved => ({
        row,
        error: admin
          ? refusal(row, field, "UNKNOWN_REFERENCE", `${what} does not exist`)
          : forbiddenRow(row, field, `${what} is not one of your organisation's (or does not exist)`),
      });
      if (v.assetId) {
        owner = assets.get(v.assetId) ?? null;
        if (!owner) return unknown("assetId", `Asset ${v.assetId}`);
      }
      if (v.marketUnitId) {
        const unitOwner = units.get(v.marketUnitId) ?? null;
        if (!unitOwner) return unknown("marketUnitId", `Market unit ${v.marketUnitId}`);
        if (owner && owner !== unitOwner) {
          return {
            row,
            error: refusal(row, "marketUnitId", "OWNER_MISMATCH", "The asset and the market unit belong to different organisations"),
          };
        }
        owner = unitOwner;
      }
      const reference = meterOnly(v);
      if (reference !== null) {
        const meter = meters.get(reference) ?? "unknown";
        if (meter === "unknown") {
          return {
            row,
            error: refusal(row, "meterReference", "UNKNOWN_METER", `No asset is registered with meter point ${quote(reference)}`),
          };
        }
        if (meter === "registered") {
          return { row, error: forbiddenRow(row, "meterReference", `Meter point ${quote(reference)} is another organisation's asset's`) };
        }
        assetId = meter.assetId;
        owner = meter.ownerId;
      }
      if (!owner) return { row, error: refusal(row, "assetId", "MISSING_VALUE", "Name the asset, market unit or meter point") };
      if (!admin && owner !== fspOrg) {
        return {
          row,
          error: forbiddenRow(
            row,
            v.assetId ? "assetId" : v.marketUnitId ? "marketUnitId" : "meterReference",
            "Only the FSP that owns the asset or unit may ingest its meter readings",
          ),
        };
      }
      return {
        row,
        externalId,
        values: [assetId, v.marketUnitId, v.meterReference, owner, v.start, v.end, v.granularity, v.importWh, v.exportWh, v.quality],
      };
    });
  },
};

// ------------------------------------------------------------------------------------------ dispatch instructions

export interface DispatchRow {
  productCode: UkpnProductCode;
  unitReference: string;
  direction: string;
  setPointMw: number;
  start: string;
  end: string;
  /** The utilisation requested (MWh) and its price (£/MWh), exact, and how it was sent (UKPN `dispatch_method`). */
  energyMwh: string;
  priceGbpPerMwh: string;
  dispatchMethod: string | null;
  details: Record<string, unknown>;
}

/** What a dispatch instruction takes of one adapted UKPN row (the JS adapter's, or the SQL fast path's: ukpn-fast.ts). */
export type UkpnRecord = Omit<DispatchRecord, "source" | "row" | "settlementPeriods">;

/** An adapted UKPN row as the instruction staged: its key and values. */
export function dispatchRowOf(d: UkpnRecord): { externalId: string; value: DispatchRow } {
  return {
    externalId: d.sourceRecordId,
    value: {
      productCode: d.product,
      unitReference: d.flexibleUnitId,
      direction: d.direction,
      setPointMw: ukpnSetPointMw(d),
      start: d.start.toISOString(),
      end: d.end.toISOString(),
      energyMwh: String(d.utilisationMwh),
      priceGbpPerMwh: d.utilisationPrice,
      dispatchMethod: d.dispatchMethod,
      details: ukpnDispatchDetails(d),
    },
  };
}

export const ukpnDispatches: Adapter<DispatchRow> = {
  source: UKPN_DISPATCH_SOURCE,
  requiredColumns: ["fu_id", "product", "start_time_utc", "end_time_utc", "utilisation_mw_req", "dispatch_type"],
  read(record, row) {
    const adapted = adaptUkpnDispatch(record, row);
    return adapted.ok ? { ok: true, row, value: dispatchRowOf(adapted.value) } : adapted;
  },
};

/**
 * Dispatch instructions (D.3) from a UK Power Networks flexibility dispatch export: the system operator that owns
 * the hub product each row is for (named per product code by the request) writes them (or a hub administrator).
 * The unit dispatched is kept as the source names it (`fu_id`).
 */
export const dispatchInstructionsSpec: EntitySpec<DispatchRow> = {
  entity: "DISPATCH_INSTRUCTION",
  path: "dispatch-instructions",
  entityType: "DispatchInstruction",
  table: "transactions.dispatch_instructions",
  stage: [
    { name: "unit_reference", type: "text" },
    { name: "product_id", type: "uuid" },
    { name: "issued_by_id", type: "uuid" },
    { name: "buyer_id", type: "uuid" },
    { name: "direction", type: "text" },
    { name: "set_point_mw", type: "double precision" },
    { name: "start_at", type: "timestamptz" },
    { name: "end_at", type: "timestamptz" },
    { name: "energy_mwh", type: "numeric(16, 6)" },
    { name: "price_gbp_per_mwh", type: PRICE },
    { name: "dispatch_method", type: "text" },
    { name: "details", type: "jsonb" },
    { name: "asset_id", type: "uuid" },
    { name: "provider_id", type: "uuid" },
  ],
  compare: [
    "unit_reference",
    "product_id",
    "buyer_id",
    "direction",
    "set_point_mw",
    "start_at",
    "end_at",
    "energy_mwh",
    "price_gbp_per_mwh",
    "dispatch_method",
    "details",
    "asset_id",
    "provider_id",
  ],
  owner: "buyer_id",
  // A past window is a dispatch that happened: recorded COMPLETED; a future one is ISSUED.
  insertOnly: { status: `case when s.end_at <= now() then 'COMPLETED' else 'ISSUED' end` },
  touched: "updated_at",
  adapters: { "ukpn-dispatches": ukpnDispatches },
  async resolve(rows, context) {
    const { identity, params } = context;
    const productIds = new Map<string, string | null>();
    for (const code of new Set(rows.map((r) => r.value.productCode))) productIds.set(code, productIdOf(params, code));
    const owners = await productOwnersFor(context, [
      ...new Set([...productIds.values()].filter((id): id is string => id !== null && isUuid(id))),
    ]);
    const admin = seesEveryOrganisation(identity);
    const soOrg = identity.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null;
    const first = rows.map(({ row, value: v }): { row: number; error: IngestRowError } | { productId: string; owner: string } => {
      const productId = productIds.get(v.productCode) ?? null;
      if (!productId) {
        return {
          row,
          error: refusal(
            row,
            "product",
            "UNMAPPED_PRODUCT",
            `No hub product is named for ${v.productCode}: add product.${v.productCode}=<product id> (or productId=) to the request`,
          ),
        };
      }
      const owner = owners.get(productId) ?? null;
      if (!owner) return { row, error: refusal(row, "product", "UNKNOWN_REFERENCE", `Product ${quote(productId)} does not exist`) };
      if (!admin && owner !== soOrg) {
        return {
          row,
          error: forbiddenRow(row, "product", "Only the system operator that owns the product may ingest its dispatch instructions"),
        };
      }
      return { productId, owner };
    });
    // The unit's asset, the issuing SO's service area and the market rules: batched over the rows that got this far.
    const candidates = rows.flatMap(({ row, value: v }, i) => {
      const f = first[i]!;
      return "error" in f
        ? []
        : [{ row, unitReference: v.unitReference, productId: f.productId, issuerId: f.owner, setPointMw: v.setPointMw, start: v.start }];
    });
    const checks = await checkDispatches(context, candidates);
    const checkOf = new Map(candidates.map((c, i) => [c.row, checks[i]!]));
    return rows.map(({ row, externalId, value: v }, i): Resolved => {
      const f = first[i]!;
      if ("error" in f) return { row, error: f.error };
      const check = checkOf.get(row)!;
      if ("error" in check) return { row, error: check.error };
      const unit = check.unit;
      return {
        row,
        externalId,
        ...(check.warnings.length > 0 && { warnings: check.warnings, notify: [f.owner, unit?.providerId ?? null] }),
        values: [
          v.unitReference,
          f.productId,
          f.owner,
          f.owner,
          v.direction,
          String(v.setPointMw),
          v.start,
          v.end,
          v.energyMwh,
          v.priceGbpPerMwh,
          v.dispatchMethod,
          JSON.stringify(v.details),
          unit?.assetId ?? null,
          unit?.providerId ?? null,
        ],
      };
    });
  },
};

/** Every entity POST /ingest/<path> takes, by path. */
export const ENTITY_SPECS: Readonly<Record<string, EntitySpec<any>>> = {
  [meterReadingsSpec.path]: meterReadingsSpec,
  [dispatchInstructionsSpec.path]: dispatchInstructionsSpec,
  [bidsSpec.path]: bidsSpec,
  [awardsSpec.path]: awardsSpec,
  [clearingResultsSpec.path]: clearingResultsSpec,
  [availabilityDeclarationsSpec.path]: availabilityDeclarationsSpec,
  [unavailabilityNoticesSpec.path]: unavailabilityNoticesSpec,
};

export { UKPN_PRODUCT_ALIASES };
