import { badInput, type EntityReferences, quote, requireNonNegative, requireText, requireUuid, requireWindow, SfeError } from "@sfe/kit";

/** £ amounts as exact decimals: numeric(12,4), so up to 8 integer digits and 4 decimals; may be negative. */
const PRICE = /^-?\d{1,8}(\.\d{1,4})?$/;

export function price(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (!PRICE.test(text)) {
    throw badInput(`${field} must be a decimal with at most 8 digits and 4 decimal places (e.g. "15.03"), got ${quote(value)}`, field);
  }
  return text;
}

interface PriceInput {
  availabilityPriceGbpPerMwH?: string | null | undefined;
  utilisationPriceGbpPerMwh?: string | null | undefined;
}

/** Both prices validated; bids and awards carry at least one. */
export function prices(input: PriceInput) {
  const availabilityPriceGbpPerMwH = price(input.availabilityPriceGbpPerMwH, "availabilityPriceGbpPerMwH");
  const utilisationPriceGbpPerMwh = price(input.utilisationPriceGbpPerMwh, "utilisationPriceGbpPerMwh");
  if (availabilityPriceGbpPerMwH === null && utilisationPriceGbpPerMwh === null) {
    throw badInput("Give availabilityPriceGbpPerMwH, utilisationPriceGbpPerMwh or both", "availabilityPriceGbpPerMwH");
  }
  return { availabilityPriceGbpPerMwH, utilisationPriceGbpPerMwh };
}

/** A number > 0 (quantities offered or awarded); the kit has only ≥ 0. */
export function requirePositive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw badInput(`${field} must be a number > 0`, field);
  return value;
}

export const setPoint = (value: number) => requireNonNegative(value, "setPointMw");

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

/** An instruction names the asset, the source's unit reference, or both. */
export function dispatchTarget(assetId: string | null | undefined, unitReference: string | null | undefined) {
  const target = {
    assetId: optionalUuid(assetId, "assetId"),
    unitReference: unitReference == null ? null : requireText(unitReference, "unitReference"),
  };
  if (target.assetId === null && target.unitReference === null) throw badInput("Give assetId, unitReference or both", "assetId");
  return target;
}

/** An award of a recorded bid is for the bid's asset and product, and for no more than it offered. */
export function requireAwardOfBid(
  bid: { id: string; assetId: string; productId: string; quantityMw: number } | null,
  award: { bidId: string; assetId: string; productId: string; awardedMw: number },
) {
  if (!bid) throw badInput(`bidId: Bid ${award.bidId} does not exist`, "bidId");
  if (bid.assetId !== award.assetId) throw badInput(`bidId: Bid ${bid.id} is for asset ${bid.assetId}, not ${award.assetId}`, "bidId");
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

/**
 * The organisation that owns an entity another subgraph owns (an asset's FSP, a product's SO), asked
 * of that subgraph when a record is written: BAD_USER_INPUT naming `field` when the entity is unknown.
 */
export async function ownerOf(references: EntityReferences, typename: "Asset" | "Product", id: string, field: string): Promise<string> {
  const [entity] = await references.lookup<{ owner?: { id: string } | null }>(typename, [id], "owner { id }");
  if (!entity) throw badInput(`${field}: ${typename} ${id} does not exist`, field);
  const owner = entity.owner?.id;
  if (!owner) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns ${typename} ${id}`, { entity: typename, id });
  return owner;
}
