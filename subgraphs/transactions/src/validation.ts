import { badInput, conflict, type EntityReferences, quote, requireText, requireUuid, requireWindow, SfeError } from "@sfe/kit";
import type { IssueDispatchInstructionInput, SubmitBidInput } from "./__generated__/resolvers-types.js";
import { formatMwh, mwh } from "./calculations/index.js";
import type { StoredWindow } from "./db/schema.js";

// Physical bounds (stated in schema.graphql). A value beyond them is a unit or typing error, never a market fact.

/**
 * MW of one bid, award or instruction: 10 GW, several times the largest single unit or aggregation in GB
 * (the biggest units are about 1.3 GW, DFS requirements 500 MW); a kW figure typed as MW is caught.
 */
export const MAX_MW = 10_000;
/**
 * £/MWh or £/MW/h, either sign: £100,000, well above the dearest recorded flexibility prices (UKPN peak
 * events up to £40,000/MWh, DFS guaranteed acceptance price £3,000/MWh).
 */
export const MAX_PRICE_GBP = 100_000;

/** £ amounts as exact decimals with at most 4 decimal places; may be negative. */
const PRICE = /^-?\d{1,8}(\.\d{1,4})?$/;

/** A price: a decimal string of at most 4 decimal places within ±MAX_PRICE_GBP, in `unit`. */
export function price(value: string | null | undefined, field: string, unit: string): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (!PRICE.test(text)) {
    throw badInput(`${field} must be a decimal with at most 4 decimal places (e.g. "15.03"), got ${quote(value)}`, field);
  }
  // Exact enough: at most 12 significant digits, so the comparison is not blurred by rounding.
  if (Math.abs(Number(text)) > MAX_PRICE_GBP) {
    throw badInput(`${field} must be between -${MAX_PRICE_GBP} and ${MAX_PRICE_GBP} ${unit}, got ${quote(value)}`, field);
  }
  return text;
}

interface PriceInput {
  availabilityPriceGbpPerMwH?: string | null | undefined;
  utilisationPriceGbpPerMwh?: string | null | undefined;
}

/** Both prices validated; bids and awards carry at least one. */
export function prices(input: PriceInput) {
  const availabilityPriceGbpPerMwH = price(input.availabilityPriceGbpPerMwH, "availabilityPriceGbpPerMwH", "£/MW/h");
  const utilisationPriceGbpPerMwh = price(input.utilisationPriceGbpPerMwh, "utilisationPriceGbpPerMwh", "£/MWh");
  if (availabilityPriceGbpPerMwH === null && utilisationPriceGbpPerMwh === null) {
    throw badInput("Give availabilityPriceGbpPerMwH, utilisationPriceGbpPerMwh or both", "availabilityPriceGbpPerMwH");
  }
  return { availabilityPriceGbpPerMwH, utilisationPriceGbpPerMwh };
}

/**
 * MW of one record: finite, at most MAX_MW, and > 0 (quantities offered or awarded) or ≥ 0 (a set point,
 * where 0 means "hold at zero").
 */
export function megawatts(value: number, field: string, { zero = false }: { zero?: boolean } = {}): number {
  const low = zero ? "≥ 0" : "> 0";
  if (!Number.isFinite(value) || (zero ? value < 0 : value <= 0) || value > MAX_MW) {
    throw badInput(`${field} must be a number ${low} and at most ${MAX_MW} MW, got ${quote(value)}`, field);
  }
  return value;
}

export const setPoint = (value: number) => megawatts(value, "setPointMw", { zero: true });

/** The delivery window [start, end): start before end. */
export function deliveryWindow(start: Date, end: Date) {
  requireWindow(start, end);
  return { start, end };
}

/** Where a record came from: `source` defaults to API; `externalId` is the source's own id, if any. */
export function provenance(input: { source?: string | null | undefined; externalId?: string | null | undefined }) {
  return {
    source: requireText(input.source ?? "API", "source", 64),
    externalId: input.externalId == null ? null : requireText(input.externalId, "externalId", 200),
  };
}

export const optionalUuid = (value: string | null | undefined, field: string) => (value == null ? null : requireUuid(value, field));

/** Optional list filters: ids well-formed and, when both ends are given, from before to. */
export function listWindow(from: Date | null | undefined, to: Date | null | undefined) {
  if (from && to) requireWindow(from, to, "to");
  return { from, to };
}

/**
 * Statistics windows widened to whole UTC calendar months: from the first of `from`'s month to the first
 * of the month after `to`'s (unless `to` is one). A month is never split, so two windows cannot be
 * subtracted to single out a few awards of an otherwise anonymised month.
 */
export function wholeMonths(from: Date | null | undefined, to: Date | null | undefined) {
  listWindow(from, to);
  const monthStart = (date: Date, add = 0) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + add, 1));
  return {
    from: from ? monthStart(from) : null,
    to: to ? (monthStart(to).getTime() === to.getTime() ? to : monthStart(to, 1)) : null,
  };
}

/** An instruction names the asset or the market unit (not both), the source's unit reference, or one of them with it. */
export function dispatchTarget(
  assetId: string | null | undefined,
  unitReference: string | null | undefined,
  marketUnitId: string | null | undefined = null,
) {
  const target = {
    assetId: optionalUuid(assetId, "assetId"),
    marketUnitId: optionalUuid(marketUnitId, "marketUnitId"),
    unitReference: unitReference == null ? null : requireText(unitReference, "unitReference"),
  };
  if (target.assetId !== null && target.marketUnitId !== null) throw badInput("Give assetId or marketUnitId, not both", "marketUnitId");
  if (target.assetId === null && target.marketUnitId === null && target.unitReference === null) {
    throw badInput("Give assetId, marketUnitId or unitReference", "assetId");
  }
  return target;
}

/** A bid or award names exactly one of a market unit and an asset. */
export function unitOrAsset(marketUnitId: string | null | undefined, assetId: string | null | undefined) {
  const target = { marketUnitId: optionalUuid(marketUnitId, "marketUnitId"), assetId: optionalUuid(assetId, "assetId") };
  if (target.marketUnitId !== null && target.assetId !== null) throw badInput("Give marketUnitId or assetId, not both", "marketUnitId");
  if (target.marketUnitId === null && target.assetId === null) throw badInput("Give marketUnitId or assetId", "marketUnitId");
  return target;
}

export const MAX_WINDOWS = 200;

/**
 * A list of delivery windows, each start before end, at most MAX_WINDOWS, sorted by start; `within` (when given)
 * must contain each (BAD_USER_INPUT naming `field`). Stored as ISO strings.
 */
export function windowList(
  list: readonly { start: Date; end: Date }[] | null | undefined,
  field: string,
  within?: { start: Date; end: Date },
): StoredWindow[] {
  if (list == null) return [];
  if (list.length > MAX_WINDOWS) throw badInput(`${field} may hold at most ${MAX_WINDOWS} windows, got ${list.length}`, field);
  const sorted = [...list].sort((a, b) => a.start.getTime() - b.start.getTime());
  for (const [index, window] of sorted.entries()) {
    requireWindow(window.start, window.end, `${field}[${index}].end`);
    if (within && (window.start < within.start || window.end > within.end)) {
      throw badInput(
        `${field}: ${window.start.toISOString()}–${window.end.toISOString()} is outside [start, end) ${within.start.toISOString()}–${within.end.toISOString()}`,
        field,
      );
    }
  }
  return sorted.map((window) => ({ start: window.start.toISOString(), end: window.end.toISOString() }));
}

/** Energy in MWh as an exact decimal string ≥ 0, to the Wh (checked with the calculation library's Wh). */
export function energyMwh(value: string | null | undefined, field = "energyMwh"): string | null {
  if (value == null) return null;
  const wh = mwh(value.trim(), field);
  if (wh < 0n) throw badInput(`${field} must be ≥ 0, got ${quote(value)}`, field);
  if (wh > BigInt(MAX_MW) * 1_000_000n * 24n * 366n) throw badInput(`${field} is beyond a year at ${MAX_MW} MW`, field);
  return formatMwh(wh, 6);
}

/** Free text of at most `max` characters, or null. */
export const optionalText = (value: string | null | undefined, field: string, max = 200) =>
  value == null ? null : requireText(value, field, max);

/** A bid as submitted, every field checked (BAD_USER_INPUT naming the first that is not): policy.ts and the resolver read it alike. */
export const bidValues = (input: SubmitBidInput) => {
  const quantityMw = megawatts(input.quantityMw, "quantityMw");
  const minQuantityMw = input.minQuantityMw == null ? null : megawatts(input.minQuantityMw, "minQuantityMw");
  if (minQuantityMw !== null && minQuantityMw > quantityMw) {
    throw badInput(`minQuantityMw must not exceed quantityMw (${quantityMw} MW), got ${minQuantityMw}`, "minQuantityMw");
  }
  const span = deliveryWindow(input.start, input.end);
  return {
    ...unitOrAsset(input.marketUnitId, input.assetId),
    productId: requireUuid(input.productId, "productId"),
    buyRequirementId: optionalUuid(input.buyRequirementId, "buyRequirementId"),
    bidderId: requireUuid(input.bidderId, "bidderId"),
    direction: input.direction,
    quantityMw,
    minQuantityMw,
    ...prices(input),
    ...span,
    periods: windowList(input.periods, "periods", span),
    basketId: optionalText(input.basketId, "basketId", 100),
    parentBidId: optionalUuid(input.parentBidId, "parentBidId"),
    loopedWithBidId: optionalUuid(input.loopedWithBidId, "loopedWithBidId"),
    status: input.draft ? ("DRAFT" as const) : ("SUBMITTED" as const),
    ...provenance(input),
  };
};

/** A dispatch instruction as issued, every field checked (BAD_USER_INPUT naming the first that is not): policy.ts and the resolver read it alike. */
export const dispatchValues = (input: IssueDispatchInstructionInput) => {
  const issuedAt = input.issuedAt ?? new Date();
  const minutes = input.acknowledgeWithinMinutes ?? 60;
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 10_080) {
    throw badInput(`acknowledgeWithinMinutes must be a whole number from 0 to 10,080, got ${quote(minutes)}`, "acknowledgeWithinMinutes");
  }
  return {
    ...dispatchTarget(input.assetId, input.unitReference, input.marketUnitId),
    productId: requireUuid(input.productId, "productId"),
    awardId: optionalUuid(input.awardId, "awardId"),
    issuedById: requireUuid(input.issuedById, "issuedById"),
    direction: input.direction,
    setPointMw: setPoint(input.setPointMw),
    ...deliveryWindow(input.start, input.end),
    energyMwh: energyMwh(input.energyMwh),
    priceGbpPerMwh: price(input.priceGbpPerMwh, "priceGbpPerMwh", "£/MWh"),
    dispatchMethod: optionalText(input.dispatchMethod, "dispatchMethod", 64),
    rampStart: input.rampStart ?? null,
    ceaseRampEnd: input.ceaseRampEnd ?? null,
    issuedAt,
    acknowledgeBy: new Date(issuedAt.getTime() + minutes * 60_000),
    rationale: optionalText(input.rationale, "rationale", 2000),
    ...provenance(input),
  };
};

/** An award of a recorded bid is for the bid's asset (or unit) and product, and for no more than it offered. */
export function requireAwardOfBid(
  bid: { id: string; assetId: string | null; marketUnitId: string | null; productId: string; quantityMw: number } | null,
  award: { bidId: string; assetId: string | null; marketUnitId: string | null; productId: string; awardedMw: number },
) {
  if (!bid) throw badInput(`bidId: Bid ${award.bidId} does not exist`, "bidId");
  if (bid.assetId !== award.assetId) throw badInput(`bidId: Bid ${bid.id} is for asset ${bid.assetId}, not ${award.assetId}`, "bidId");
  if (bid.marketUnitId !== award.marketUnitId) {
    throw badInput(`bidId: Bid ${bid.id} is for market unit ${bid.marketUnitId}, not ${award.marketUnitId}`, "bidId");
  }
  if (bid.productId !== award.productId) {
    throw badInput(`bidId: Bid ${bid.id} is for product ${bid.productId}, not ${award.productId}`, "bidId");
  }
  if (award.awardedMw > bid.quantityMw) throw badInput(`awardedMw must not exceed the bid's ${bid.quantityMw} MW`, "awardedMw");
}

/**
 * Runs the reference checks and lookups (one batched call per entity type) concurrently, and throws the
 * first failure in the order given, so the error a client sees does not depend on which subgraph
 * answered first. Answers each check's value, in order.
 */
export async function requireAll<T extends readonly unknown[]>(checks: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(checks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** An entity another subgraph owns, as a write needs it: who owns it and where it is in its lifecycle. */
export interface Owned {
  typename: "Asset" | "Product" | "MarketUnit";
  id: string;
  field: string;
  /** The organisation that owns it (an asset's FSP, a product's SO). */
  owner: string;
  /** Its status in the owning subgraph (AssetStatus, ProductStatus); null if the answer lacked it. */
  status: string | null;
  /** An asset's GSP group, when asked for (`withLocation`): for a service-area check. */
  gspGroup?: string | null;
}

/**
 * An entity another subgraph owns, asked of that subgraph when a record is written, with its owner and
 * status in the one batched lookup per owning subgraph: BAD_USER_INPUT naming `field` when the entity is
 * unknown (or invisible to the caller), UPSTREAM_UNAVAILABLE when the answer lacks its owner.
 */
export async function lookupOwned(
  references: EntityReferences,
  typename: Owned["typename"],
  id: string,
  field: string,
  withLocation = false,
): Promise<Owned> {
  const [entity] = await references.lookup<{
    owner?: { id: string } | null;
    status?: string | null;
    location?: { gspGroup?: string | null } | null;
  }>(typename, [id], withLocation ? "owner { id } status location { gspGroup }" : "owner { id } status");
  if (!entity) throw badInput(`${field}: ${typename} ${id} does not exist`, field);
  const owner = entity.owner?.id;
  if (!owner) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns ${typename} ${id}`, { entity: typename, id });
  return {
    typename,
    id,
    field,
    owner,
    status: entity.status ?? null,
    ...(withLocation && { gspGroup: entity.location?.gspGroup ?? null }),
  };
}

/** CONFLICT unless `entity` is in one of `allowed`: it exists, but where it is in its lifecycle forbids the write. */
function requireStatus(entity: Owned, allowed: readonly string[], refusal: string): void {
  if (entity.status === null) {
    throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell the status of ${entity.typename} ${entity.id}`, {
      entity: entity.typename,
      id: entity.id,
    });
  }
  if (allowed.includes(entity.status)) return;
  throw conflict(`${entity.field}: ${entity.typename} ${entity.id} is ${entity.status}: ${refusal}`, {
    field: entity.field,
    entity: entity.typename,
    status: entity.status,
  });
}

/**
 * A bid is for a product on the market (PUBLISHED: not DRAFT, IN_CONSULTATION, SUSPENDED or RETIRED) with
 * an asset in service (REGISTERED: not DRAFT, PENDING_VALIDATION, SUSPENDED or DEREGISTERED). Allow-lists,
 * so a status added later is refused until someone decides otherwise.
 */
export function requireBiddable(target: Owned, product: Owned): void {
  requireStatus(product, ["PUBLISHED"], "bids are taken only while it is PUBLISHED");
  if (target.typename === "MarketUnit") requireUnitBiddable(target);
  else requireStatus(target, ["REGISTERED"], "only a REGISTERED asset may bid");
}

/**
 * An award records a market outcome reached elsewhere (often ingested later), so the product's status is
 * not checked; but a DEREGISTERED asset has left the market (it is de-registered only without active
 * awards), so no new award may name it.
 */
export function requireAwardable(asset: Owned): void {
  if (asset.typename === "MarketUnit") {
    requireStatus(asset, ["DRAFT", "ACTIVE", "REASSESSMENT_REQUIRED"], "a SUSPENDED or DEREGISTERED market unit cannot be awarded");
    return;
  }
  requireStatus(asset, ["DRAFT", "PENDING_VALIDATION", "REGISTERED", "SUSPENDED"], "it cannot be awarded");
}

/** A market unit bids while in service: ACTIVE, or REASSESSMENT_REQUIRED (its members changed); not DRAFT, SUSPENDED, DEREGISTERED. */
export function requireUnitBiddable(unit: Owned): void {
  requireStatus(unit, ["ACTIVE", "REASSESSMENT_REQUIRED"], "only an ACTIVE (or REASSESSMENT_REQUIRED) market unit may bid");
}
