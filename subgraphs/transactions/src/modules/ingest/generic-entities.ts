// Clearing results, availability declarations and unavailability notices from any SO's or FSP's file, through the
// generic mapping (adapters/generic.ts): CSV columns (or NDJSON keys) named as the GraphQL input's fields. Each row is
// checked by the same functions the mutation uses (validation.ts), a chunk's references are resolved in one batched
// lookup per entity type, and what is held already (a lifecycle, an overlapping declaration) in one read per chunk.
// Naive timestamps are London time unless the request says timezone=UTC; with Z or an offset, as written.
import { type Database, SfeError, aliasTable, isUuid, quote, requireText, seesEveryOrganisation } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { type AdapterResult, type CsvRecord, type RowError, type RowProblem, mapRow } from "../../adapters/index.js";
import { deliveryWindow, megawatts, optionalText, price } from "../../validation.js";
import { type Target, declarationValues, noticeValues } from "../availability/validation.js";
import { type RuleCandidate, withRules } from "./commitment-checks.js";
import type { Adapter, EntitySpec, IngestContext, ReadRow, Resolved } from "./entities.js";
import { PRICE, forbiddenRow, ownersOf, refusal } from "./shared.js";
import type { IngestRowError } from "./tables.js";

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
const zone = (params: URLSearchParams) => (params.get("timezone") === "UTC" ? "UTC" : "Europe/London");
const sourceOf = (params: URLSearchParams) => params.get("source") ?? "";
const inList = (values: readonly string[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

/**
 * Runs a mutation's own checks on one row: a kit BAD_USER_INPUT (or CONFLICT) becomes the row's error, its reason the
 * error's (INVALID_VALUE when it gives none: a value out of range, a missing one of two).
 */
function checked<T>(row: number, build: () => T): AdapterResult<T> {
  try {
    return { ok: true, row, value: build() };
  } catch (error) {
    if (!(error instanceof SfeError) || error.extensions.code !== "BAD_USER_INPUT") throw error;
    const reason = (error.extensions.reason as RowProblem | undefined) ?? ("INVALID_VALUE" as RowProblem);
    const err: RowError = {
      row,
      field: (error.extensions.field as string | undefined) ?? "",
      code: "BAD_USER_INPUT",
      reason,
      message: error.message,
    };
    return { ok: false, row, error: err };
  }
}

const num = (text: string) => Number(text);
const optionalDate = (value: { utc: Date } | null) => value?.utc ?? null;

/** Targets (assets, market units) → owner, and optionally where they lie: one lookup per entity type. */
async function targetsOf(
  context: IngestContext,
  targets: readonly Target[],
  withArea: boolean,
): Promise<Map<string, { owner: string; gspGroups: string[] } | null>> {
  const out = new Map<string, { owner: string; gspGroups: string[] } | null>();
  await Promise.all(
    (["Asset", "MarketUnit"] as const).map(async (typename) => {
      const ids = [...new Set(targets.filter((t) => t.typename === typename).map((t) => t.id))];
      if (ids.length === 0) return;
      const selection = !withArea ? "owner { id }" : typename === "Asset" ? "owner { id } location { gspGroup }" : "owner { id } gspGroups";
      const found = await context.references.lookup<{
        owner?: { id: string } | null;
        location?: { gspGroup?: string | null } | null;
        gspGroups?: string[] | null;
      }>(typename, ids, selection);
      ids.forEach((id, i) => {
        const f = found[i];
        const gspGroups = typename === "Asset" ? [f?.location?.gspGroup].filter((g): g is string => !!g) : (f?.gspGroups ?? []);
        out.set(`${typename}:${id}`, f?.owner?.id ? { owner: f.owner.id, gspGroups } : null);
      });
    }),
  );
  return out;
}

const targetField = (t: Target) => (t.typename === "Asset" ? "assetId" : "marketUnitId");

/** The FSP that owns the unit or asset writes its declarations and notices (or an administrator): submitUnavailabilityNotice's rule. */
function ownerCheck(
  context: IngestContext,
  row: number,
  target: Target,
  found: { owner: string } | null | undefined,
): IngestRowError | string {
  const admin = seesEveryOrganisation(context.identity);
  const what = target.typename === "Asset" ? "Asset" : "Market unit";
  if (!found) {
    return admin
      ? refusal(row, targetField(target), "UNKNOWN_REFERENCE", `${what} ${target.id} does not exist`)
      : forbiddenRow(row, targetField(target), `${what} ${target.id} is not one of your organisation's (or does not exist)`);
  }
  const fsp = context.identity.roles.includes("FSP") ? context.identity.organisationId : null;
  if (!admin && found.owner !== fsp) {
    return forbiddenRow(row, targetField(target), `Only the FSP that owns the ${what.toLowerCase()} may ingest its records`);
  }
  return found.owner;
}

/** Held records under (source, external id): `columns` as text, one read per chunk. */
async function held(db: Database | undefined, table: string, source: string, keys: string[], columns: string) {
  if (!db) throw new Error("this ingest needs the database in its context");
  if (keys.length === 0) return new Map<string, Record<string, string | null>>();
  const found = rowsOf<Record<string, string | null> & { external_id: string }>(
    await db.execute(
      sql`select external_id, ${sql.raw(columns)} from ${sql.raw(table)} where source = ${source} and external_id in (${inList(keys)})`,
    ),
  );
  return new Map(found.map((f) => [f.external_id, f]));
}

/** A held record's status, MW and window (as epoch milliseconds: no session timezone in the way) for a lifecycle check. */
const EPOCHS = (mw: string, start: string, end: string) =>
  `status, ${mw}::text as mw, (extract(epoch from ${start}) * 1000)::bigint::text as s, (extract(epoch from ${end}) * 1000)::bigint::text as e`;

const lifecycleRefusal = (row: number, field: string, message: string): IngestRowError => ({
  ...refusal(row, field, "LIFECYCLE", message),
  code: "CONFLICT",
});

// ------------------------------------------------------------------------------------------ clearing results

const METHOD_ALIASES = aliasTable("clearing method", {
  PAY_AS_CLEAR: ["pay as clear", "PAC", "pay-as-clear"],
  PAY_AS_BID: ["pay as bid", "PAB", "pay-as-bid"],
});

const clearingMapping = (timezone: "UTC" | "Europe/London") =>
  ({
    auctionRef: { kind: "text", column: "auctionRef", optional: true },
    productId: { kind: "text", column: "productId" },
    serviceType: { kind: "text", column: "serviceType" },
    deliveryStart: { kind: "timestamp", column: "deliveryStart", timezone },
    deliveryEnd: { kind: "timestamp", column: "deliveryEnd", timezone },
    clearedVolumeMw: { kind: "decimal", column: "clearedVolumeMw", nonNegative: true },
    clearingPrice: { kind: "decimal", column: "clearingPrice" },
    method: { kind: "alias", column: "method", table: METHOD_ALIASES },
    publish: { kind: "text", column: "publish", optional: true },
    externalId: { kind: "text", column: "externalId", optional: true },
  }) as const;
const CLEARING = { UTC: clearingMapping("UTC"), "Europe/London": clearingMapping("Europe/London") };

export interface ClearingRow {
  auctionRef: string | null;
  productId: string;
  serviceType: string;
  start: string;
  end: string;
  clearedVolumeMw: number;
  clearingPrice: string;
  method: string;
  publishedAt: string | null;
}

const uuidField = (value: string, field: string, row: number): AdapterResult<string> =>
  isUuid(value)
    ? { ok: true, row, value }
    : {
        ok: false,
        row,
        error: {
          row,
          field,
          code: "BAD_USER_INPUT",
          reason: "NOT_AN_ID" as RowProblem,
          message: `${field} must be an id (UUID), got ${quote(value)}`,
        },
      };

const genericClearing: Adapter<ClearingRow, null> = {
  source: null,
  requiredColumns: ["productId", "serviceType", "deliveryStart", "deliveryEnd", "clearedVolumeMw", "clearingPrice", "method"],
  read(record: CsvRecord, row, { params }) {
    const mapped = mapRow(CLEARING[zone(params)], record, row);
    if (!mapped.ok) return mapped;
    const m = mapped.value;
    const id = uuidField(m.productId, "productId", row);
    if (!id.ok) return id;
    // recordClearingResult's checks
    return checked(row, () => {
      const window = deliveryWindow(m.deliveryStart.utc, m.deliveryEnd.utc);
      const volume = num(m.clearedVolumeMw);
      const value: ClearingRow = {
        auctionRef: optionalText(m.auctionRef, "auctionRef", 100),
        productId: m.productId,
        serviceType: requireText(m.serviceType, "serviceType", 64),
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        clearedVolumeMw: volume === 0 ? 0 : megawatts(volume, "clearedVolumeMw"),
        clearingPrice: price(m.clearingPrice, "clearingPrice", "£") as string,
        method: m.method,
        publishedAt: m.publish && /^(true|yes|1)$/i.test(m.publish) ? new Date().toISOString() : null,
      };
      return {
        externalId: m.externalId ?? `${m.productId}|${value.auctionRef ?? ""}|${value.serviceType}|${value.start}`,
        value,
      };
    });
  },
};

/**
 * Clearing results (C.3): the SO that owns the product writes them (or a hub administrator). `publish=true` publishes
 * a new one at once (set on insert only: a replay never moves its publication). Tied to no buy requirement: a file
 * does not close a requirement (recordClearingResult with buyRequirementId does).
 */
export const clearingResultsSpec: EntitySpec<ClearingRow> = {
  entity: "CLEARING_RESULT",
  path: "clearing-results",
  entityType: "ClearingResult",
  table: "transactions.clearing_results",
  stage: [
    { name: "auction_ref", type: "text" },
    { name: "product_id", type: "uuid" },
    { name: "buyer_id", type: "uuid" },
    { name: "service_type", type: "text" },
    { name: "delivery_start", type: "timestamptz" },
    { name: "delivery_end", type: "timestamptz" },
    { name: "cleared_volume_mw", type: "double precision" },
    { name: "clearing_price", type: PRICE },
    { name: "method", type: "text" },
    { name: "published_at", type: "timestamptz" },
  ],
  compare: [
    "auction_ref",
    "product_id",
    "buyer_id",
    "service_type",
    "delivery_start",
    "delivery_end",
    "cleared_volume_mw",
    "clearing_price",
    "method",
  ],
  owner: "buyer_id",
  touched: "updated_at",
  adapters: { generic: genericClearing },
  async resolve(rows, { identity, references }) {
    const owners = await ownersOf(
      references,
      "Product",
      rows.map((r) => r.value.productId),
    );
    const admin = seesEveryOrganisation(identity);
    const so = identity.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null;
    return rows.map(({ row, externalId, value: v }): Resolved => {
      const owner = owners.get(v.productId) ?? null;
      if (!owner) return { row, error: refusal(row, "productId", "UNKNOWN_REFERENCE", `Product ${v.productId} does not exist`) };
      if (!admin && owner !== so) {
        return {
          row,
          error: forbiddenRow(row, "productId", "Only the system operator that owns the product may record its clearing results"),
        };
      }
      return {
        row,
        externalId,
        values: [
          v.auctionRef,
          v.productId,
          owner,
          v.serviceType,
          v.start,
          v.end,
          String(v.clearedVolumeMw),
          v.clearingPrice,
          v.method,
          v.publishedAt,
        ],
      };
    });
  },
};

// ------------------------------------------------------------------------------------------ availability declarations

const declarationMapping = (timezone: "UTC" | "Europe/London") =>
  ({
    marketUnitId: { kind: "text", column: "marketUnitId", optional: true },
    assetId: { kind: "text", column: "assetId", optional: true },
    productId: { kind: "text", column: "productId" },
    awardId: { kind: "text", column: "awardId", optional: true },
    start: { kind: "timestamp", column: "start", timezone },
    end: { kind: "timestamp", column: "end", timezone },
    declaredMw: { kind: "decimal", column: "declaredMw", nonNegative: true },
    lockedAt: { kind: "timestamp", column: "lockedAt", timezone, optional: true },
    reason: { kind: "text", column: "reason", optional: true },
    externalId: { kind: "text", column: "externalId", optional: true },
  }) as const;
const DECLARATION = { UTC: declarationMapping("UTC"), "Europe/London": declarationMapping("Europe/London") };

export interface DeclarationRow {
  target: Target;
  productId: string;
  awardId: string | null;
  start: string;
  end: string;
  declaredMw: number;
  lockedAt: string;
  reason: string | null;
}

const genericDeclarations: Adapter<DeclarationRow, null> = {
  source: null,
  requiredColumns: ["productId", "start", "end", "declaredMw"],
  read(record, row, { params }) {
    const mapped = mapRow(DECLARATION[zone(params)], record, row);
    if (!mapped.ok) return mapped;
    const m = mapped.value;
    // declareAvailability's checks (an ingested declaration records what the source says, even past its lock)
    return checked(row, () => {
      const { target, values } = declarationValues({
        ...m,
        start: m.start.utc,
        end: m.end.utc,
        lockedAt: optionalDate(m.lockedAt),
        declaredMw: num(m.declaredMw),
        source: sourceOf(params) || "file",
      });
      const value: DeclarationRow = {
        target,
        productId: values.productId,
        awardId: values.awardId,
        start: values.start.toISOString(),
        end: values.end.toISOString(),
        declaredMw: values.declaredMw,
        lockedAt: values.lockedAt.toISOString(),
        reason: values.reason,
      };
      return { externalId: m.externalId ?? `${target.id}|${values.productId}|${value.start}`, value };
    });
  },
};

const overlaps = (a: { start: string; end: string }, b: { start: string; end: string }) =>
  Date.parse(a.start) < Date.parse(b.end) && Date.parse(b.start) < Date.parse(a.end);

/**
 * Availability declarations (D.1) by the FSP owning the unit or asset (or an administrator): an award named must be
 * the FSP's of the same asset and product; a window overlapping another standing declaration of the same unit and
 * product is CONFLICT (OVERLAPPING), in the file or held; a held SUPERSEDED or WITHDRAWN one cannot change (LIFECYCLE).
 */
export const availabilityDeclarationsSpec: EntitySpec<DeclarationRow> = {
  entity: "AVAILABILITY_DECLARATION",
  path: "availability-declarations",
  entityType: "AvailabilityDeclaration",
  table: "transactions.availability_declarations",
  stage: [
    { name: "asset_id", type: "uuid" },
    { name: "market_unit_id", type: "uuid" },
    { name: "product_id", type: "uuid" },
    { name: "award_id", type: "uuid" },
    { name: "provider_id", type: "uuid" },
    { name: "buyer_id", type: "uuid" },
    { name: "start_at", type: "timestamptz" },
    { name: "end_at", type: "timestamptz" },
    { name: "declared_mw", type: "double precision" },
    { name: "locked_at", type: "timestamptz" },
    { name: "reason", type: "text" },
  ],
  compare: [
    "asset_id",
    "market_unit_id",
    "product_id",
    "award_id",
    "provider_id",
    "buyer_id",
    "start_at",
    "end_at",
    "declared_mw",
    "locked_at",
    "reason",
  ],
  owner: "provider_id",
  touched: "updated_at",
  adapters: { generic: genericDeclarations },
  async resolve(rows, context) {
    const { db, params, references } = context;
    if (!db) throw new Error("this ingest needs the database in its context");
    const source = sourceOf(params);
    const keys = rows.map((r) => r.externalId);
    const awardIds = [...new Set(rows.flatMap((r) => (r.value.awardId ? [r.value.awardId] : [])))];
    const productIds = [...new Set(rows.map((r) => r.value.productId))];
    const starts = rows.map((r) => Date.parse(r.value.start));
    const ends = rows.map((r) => Date.parse(r.value.end));
    const [targets, products, before, awards, standing] = await Promise.all([
      targetsOf(
        context,
        rows.map((r) => r.value.target),
        false,
      ),
      ownersOf(references, "Product", productIds),
      held(db, "transactions.availability_declarations", source, keys, EPOCHS("declared_mw", "start_at", "end_at")),
      awardIds.length === 0
        ? Promise.resolve([])
        : db
            .execute(
              sql`select id::text, provider_id::text, asset_id::text, market_unit_id::text, product_id::text, awarded_mw from transactions.awards where id in (${inList(awardIds)})`,
            )
            .then((r) =>
              rowsOf<{
                id: string;
                provider_id: string;
                asset_id: string | null;
                market_unit_id: string | null;
                product_id: string;
                awarded_mw: number;
              }>(r),
            ),
      rows.length === 0
        ? Promise.resolve([])
        : db
            .execute(
              sql`select source, external_id, coalesce(asset_id, market_unit_id)::text as target, product_id::text, start_at, end_at
                  from transactions.availability_declarations
                  where status = 'DECLARED' and product_id in (${inList(productIds)})
                    and start_at < ${new Date(Math.max(...ends)).toISOString()}::timestamptz
                    and end_at > ${new Date(Math.min(...starts)).toISOString()}::timestamptz`,
            )
            .then((r) =>
              rowsOf<{
                source: string;
                external_id: string | null;
                target: string;
                product_id: string;
                start_at: string | Date;
                end_at: string | Date;
              }>(r).map((d) => ({ ...d, start: new Date(d.start_at).toISOString(), end: new Date(d.end_at).toISOString() })),
            ),
    ]);
    const awardOf = new Map(awards.map((a) => [a.id, a]));
    const accepted: (DeclarationRow & { externalId: string })[] = [];
    const candidates: (RuleCandidate | null)[] = rows.map(() => null);
    const resolved = rows.map(({ row, externalId, value: v }, i): Resolved => {
      const owner = ownerCheck(context, row, v.target, targets.get(`${v.target.typename}:${v.target.id}`));
      if (typeof owner !== "string") return { row, error: owner };
      const buyer = products.get(v.productId) ?? null;
      if (!buyer) return { row, error: refusal(row, "productId", "UNKNOWN_REFERENCE", `Product ${v.productId} does not exist`) };
      if (v.awardId) {
        const award = awardOf.get(v.awardId);
        // An award the FSP is not party to is, to it, one that does not exist.
        if (!award || award.provider_id !== owner) {
          return { row, error: refusal(row, "awardId", "UNKNOWN_REFERENCE", `Award ${v.awardId} does not exist`) };
        }
        const [assetId, unitId] = v.target.typename === "Asset" ? [v.target.id, null] : [null, v.target.id];
        if (award.asset_id !== assetId || award.market_unit_id !== unitId || award.product_id !== v.productId) {
          return { row, error: refusal(row, "awardId", "AWARD_MISMATCH", `Award ${v.awardId} is for another asset or product`) };
        }
      }
      const was = before.get(externalId);
      if (was && was.status !== "DECLARED") {
        const same = Number(was.mw) === v.declaredMw && Number(was.s) === Date.parse(v.start) && Number(was.e) === Date.parse(v.end);
        if (!same)
          return { row, error: lifecycleRefusal(row, "declaredMw", `Declaration ${quote(externalId)} is ${was.status}: it cannot change`) };
      }
      const clash =
        standing.find(
          (d) =>
            d.target === v.target.id &&
            d.product_id === v.productId &&
            !(d.source === source && d.external_id === externalId) &&
            overlaps(d, v),
        ) ??
        accepted.find((d) => d.target.id === v.target.id && d.productId === v.productId && d.externalId !== externalId && overlaps(d, v));
      if (clash) {
        return {
          row,
          error: {
            ...refusal(
              row,
              "start",
              "OVERLAPPING",
              "A standing declaration of the same unit or asset for the product overlaps this window",
            ),
            code: "CONFLICT",
          },
        };
      }
      accepted.push({ ...v, externalId });
      const [assetId, unitId] = v.target.typename === "Asset" ? [v.target.id, null] : [null, v.target.id];
      candidates[i] = {
        kind: "AVAILABILITY_DECLARATION",
        target: v.target,
        productId: v.productId,
        partyIds: [owner, buyer],
        at: v.start,
        facts: { declaredMw: v.declaredMw, awardedMw: v.awardId ? (awardOf.get(v.awardId)?.awarded_mw ?? null) : null },
      };
      return {
        row,
        externalId,
        values: [assetId, unitId, v.productId, v.awardId, owner, buyer, v.start, v.end, String(v.declaredMw), v.lockedAt, v.reason],
      };
    });
    return withRules(context, resolved, candidates);
  },
};

// ------------------------------------------------------------------------------------------ unavailability notices

const noticeMapping = (timezone: "UTC" | "Europe/London") =>
  ({
    marketUnitId: { kind: "text", column: "marketUnitId", optional: true },
    assetId: { kind: "text", column: "assetId", optional: true },
    from: { kind: "timestamp", column: "from", timezone },
    to: { kind: "timestamp", column: "to", timezone },
    reducedMw: { kind: "decimal", column: "reducedMw", nonNegative: true },
    reason: { kind: "text", column: "reason" },
    conflictId: { kind: "text", column: "conflictId", optional: true },
    externalId: { kind: "text", column: "externalId", optional: true },
  }) as const;
const NOTICE = { UTC: noticeMapping("UTC"), "Europe/London": noticeMapping("Europe/London") };

export interface NoticeRow {
  target: Target;
  from: string;
  to: string;
  reducedMw: number;
  reason: string;
  conflictId: string | null;
}

const genericNotices: Adapter<NoticeRow, null> = {
  source: null,
  requiredColumns: ["from", "to", "reducedMw", "reason"],
  read(record, row, { params }) {
    const mapped = mapRow(NOTICE[zone(params)], record, row);
    if (!mapped.ok) return mapped;
    const m = mapped.value;
    // submitUnavailabilityNotice's checks
    return checked(row, () => {
      const { target, values } = noticeValues({
        ...m,
        from: m.from.utc,
        to: m.to.utc,
        reducedMw: num(m.reducedMw),
        source: sourceOf(params) || "file",
      });
      const value: NoticeRow = {
        target,
        from: values.from.toISOString(),
        to: values.to.toISOString(),
        reducedMw: values.reducedMw,
        reason: values.reason,
        conflictId: values.conflictId,
      };
      return { externalId: m.externalId ?? `${target.id}|${value.from}|${value.to}`, value };
    });
  },
};

/**
 * Unavailability notices (D.1) by the FSP owning the unit or asset (or an administrator), with the asset's (or unit's)
 * GSP groups when written, so every SO whose area holds it sees it. A held WITHDRAWN notice cannot change (LIFECYCLE).
 */
export const unavailabilityNoticesSpec: EntitySpec<NoticeRow> = {
  entity: "UNAVAILABILITY_NOTICE",
  path: "unavailability-notices",
  entityType: "UnavailabilityNotice",
  table: "transactions.unavailability_notices",
  stage: [
    { name: "asset_id", type: "uuid" },
    { name: "market_unit_id", type: "uuid" },
    { name: "provider_id", type: "uuid" },
    { name: "gsp_groups", type: "text[]" },
    { name: "from_at", type: "timestamptz" },
    { name: "to_at", type: "timestamptz" },
    { name: "reduced_mw", type: "double precision" },
    { name: "reason", type: "text" },
    { name: "conflict_id", type: "uuid" },
  ],
  compare: ["asset_id", "market_unit_id", "provider_id", "gsp_groups", "from_at", "to_at", "reduced_mw", "reason", "conflict_id"],
  owner: "provider_id",
  touched: "updated_at",
  adapters: { generic: genericNotices },
  async resolve(rows: readonly ReadRow<NoticeRow>[], context) {
    const [targets, before] = await Promise.all([
      targetsOf(
        context,
        rows.map((r) => r.value.target),
        true,
      ),
      held(
        context.db,
        "transactions.unavailability_notices",
        sourceOf(context.params),
        rows.map((r) => r.externalId),
        `${EPOCHS("reduced_mw", "from_at", "to_at")}, reason`,
      ),
    ]);
    return rows.map(({ row, externalId, value: v }): Resolved => {
      const found = targets.get(`${v.target.typename}:${v.target.id}`);
      const owner = ownerCheck(context, row, v.target, found);
      if (typeof owner !== "string") return { row, error: owner };
      const was = before.get(externalId);
      if (was && was.status === "WITHDRAWN") {
        const same =
          Number(was.mw) === v.reducedMw &&
          Number(was.s) === Date.parse(v.from) &&
          Number(was.e) === Date.parse(v.to) &&
          was.reason === v.reason;
        if (!same) return { row, error: lifecycleRefusal(row, "reducedMw", `Notice ${quote(externalId)} is WITHDRAWN: it cannot change`) };
      }
      const [assetId, unitId] = v.target.typename === "Asset" ? [v.target.id, null] : [null, v.target.id];
      // COPY's text form of a text[]: {"_C","_K"}
      const groups = `{${(found?.gspGroups ?? []).map((g) => `"${g.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
      return {
        row,
        externalId,
        values: [assetId, unitId, owner, groups, v.from, v.to, String(v.reducedMw), v.reason, v.conflictId],
      };
    });
  },
};
