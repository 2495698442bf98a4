import { conflict, type EntityReferences, notFound, quote, requireReferences, requireUuid } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import {
  awardStatusRefusal,
  bidStatusRefusal,
  dispatchStatusRefusal,
  requireMayAward,
  requireMayBid,
  requireMayDispatch,
} from "../access.js";
import type { Repositories } from "../repositories/index.js";
import {
  deliveryWindow,
  dispatchTarget,
  lookupOwned,
  megawatts,
  optionalUuid,
  prices,
  provenance,
  requireAll,
  requireAwardable,
  requireAwardOfBid,
  requireBiddable,
  setPoint,
} from "../validation.js";

/** A second record with the same provenance: re-ingesting is refused, never duplicated. */
const alreadyRecorded = (entity: string, { source, externalId }: { source: string; externalId: string | null }) =>
  conflict(`A ${entity} from ${source} with externalId ${quote(externalId)} is already recorded`, {
    entity,
    source,
    externalId,
  });

/** Throws a refusal from access.ts, if any. */
function refuse(refusal: Error | null): void {
  if (refusal) throw refusal;
}

/**
 * Writes record who they concern (the asset's owner as provider, the product's owner as buyer), asked of
 * the assets and products subgraphs; access.ts decides who may write what. Refusals write nothing.
 */
export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async submitBid(_, { input }, { identity }) {
    const values = {
      assetId: requireUuid(input.assetId, "assetId"),
      productId: requireUuid(input.productId, "productId"),
      bidderId: requireUuid(input.bidderId, "bidderId"),
      direction: input.direction,
      quantityMw: megawatts(input.quantityMw, "quantityMw"),
      ...prices(input),
      ...deliveryWindow(input.start, input.end),
      ...provenance(input),
    };
    requireMayBid(identity, values);
    const [asset, product] = await requireAll([
      lookupOwned(references, "Asset", values.assetId, "assetId"),
      lookupOwned(references, "Product", values.productId, "productId"),
      requireReferences(references, "Organisation", [values.bidderId], "bidderId"),
    ]);
    const [providerId, buyerId] = [asset.owner, product.owner];
    requireMayBid(identity, values, providerId);
    requireBiddable(asset, product);
    const bid = await repos.bids.create({ ...values, providerId, buyerId }, identity);
    if (!bid) throw alreadyRecorded("Bid", values);
    return { bid };
  },

  async recordAward(_, { input }, { identity, loaders }) {
    const values = {
      bidId: optionalUuid(input.bidId, "bidId"),
      assetId: requireUuid(input.assetId, "assetId"),
      productId: requireUuid(input.productId, "productId"),
      awardedMw: megawatts(input.awardedMw, "awardedMw"),
      ...prices(input),
      ...deliveryWindow(input.start, input.end),
      ...provenance(input),
    };
    const [asset, product] = await requireAll([
      lookupOwned(references, "Asset", values.assetId, "assetId"),
      lookupOwned(references, "Product", values.productId, "productId"),
    ]);
    const [providerId, buyerId] = [asset.owner, product.owner];
    requireMayAward(identity, buyerId);
    requireAwardable(asset);
    // A bid the caller cannot see is, to it, a bid that does not exist.
    const { bidId } = values;
    if (bidId) requireAwardOfBid(await loaders.visibleTo(identity).bid.load(bidId), { ...values, bidId });
    const award = await repos.awards.create({ ...values, providerId, buyerId }, identity);
    if (!award) throw alreadyRecorded("Award", values);
    return { award };
  },

  async issueDispatchInstruction(_, { input }, { identity }) {
    const values = {
      ...dispatchTarget(input.assetId, input.unitReference),
      productId: requireUuid(input.productId, "productId"),
      issuedById: requireUuid(input.issuedById, "issuedById"),
      direction: input.direction,
      setPointMw: setPoint(input.setPointMw),
      ...deliveryWindow(input.start, input.end),
      ...provenance(input),
    };
    requireMayDispatch(identity, values);
    const [asset, product] = await requireAll([
      values.assetId ? lookupOwned(references, "Asset", values.assetId, "assetId") : Promise.resolve(null),
      lookupOwned(references, "Product", values.productId, "productId"),
      requireReferences(references, "Organisation", [values.issuedById], "issuedById"),
    ]);
    const [providerId, buyerId] = [asset?.owner ?? null, product.owner];
    requireMayDispatch(identity, values, buyerId);
    const dispatchInstruction = await repos.dispatches.create({ ...values, providerId, buyerId }, identity);
    if (!dispatchInstruction) throw alreadyRecorded("DispatchInstruction", values);
    return { dispatchInstruction };
  },

  // Status changes: a record the caller cannot see is NOT_FOUND (as an unknown one), one it sees but may
  // not change so is FORBIDDEN. Who a record concerns never changes, so reading it first is safe. Whether
  // its lifecycle allows the change (CONFLICT if not; the same status again is a no-op) is checked by the
  // repository, with the row locked, in the transaction that writes it.
  async updateBidStatus(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const { bid: loader } = loaders.visibleTo(identity);
    const visible = await loader.load(id);
    if (!visible) throw notFound("Bid", input.id);
    refuse(bidStatusRefusal(identity, visible, input.status));
    const bid = await repos.bids.updateStatus(id, input.status, identity);
    if (!bid) throw notFound("Bid", input.id);
    loader.clear(id).prime(id, bid);
    return { bid };
  },

  async updateAwardStatus(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const { award: loader } = loaders.visibleTo(identity);
    const visible = await loader.load(id);
    if (!visible) throw notFound("Award", input.id);
    refuse(awardStatusRefusal(identity, visible));
    const award = await repos.awards.updateStatus(id, input.status, identity);
    if (!award) throw notFound("Award", input.id);
    loader.clear(id).prime(id, award);
    return { award };
  },

  async updateDispatchStatus(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const { dispatch: loader } = loaders.visibleTo(identity);
    const visible = await loader.load(id);
    if (!visible) throw notFound("DispatchInstruction", input.id);
    refuse(dispatchStatusRefusal(identity, visible, input.status));
    const dispatchInstruction = await repos.dispatches.updateStatus(id, input.status, identity);
    if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
    loader.clear(id).prime(id, dispatchInstruction);
    return { dispatchInstruction };
  },
});
