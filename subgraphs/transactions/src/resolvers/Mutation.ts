import { conflict, type EntityReferences, notFound, quote, requireReferences, requireUuid } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import { assetOwnerRefusal, awardRefusal, dispatchProductRefusal } from "../access.js";
import type { Repositories } from "../repositories/index.js";
import {
  bidValues,
  deliveryWindow,
  dispatchValues,
  lookupOwned,
  megawatts,
  optionalUuid,
  prices,
  provenance,
  requireAll,
  requireAwardable,
  requireAwardOfBid,
  requireBiddable,
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
 * the assets and products subgraphs. Who may write in whose name, and who may change a record's status, is
 * policy.ts; that the asset or product named is the caller's is checked here once its owner is known
 * (access.ts). Refusals write nothing.
 */
export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async submitBid(_, { input }, { identity }) {
    const values = bidValues(input);
    const [asset, product] = await requireAll([
      lookupOwned(references, "Asset", values.assetId, "assetId"),
      lookupOwned(references, "Product", values.productId, "productId"),
      requireReferences(references, "Organisation", [values.bidderId], "bidderId"),
    ]);
    const [providerId, buyerId] = [asset.owner, product.owner];
    refuse(assetOwnerRefusal(identity, providerId));
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
    refuse(awardRefusal(identity, buyerId));
    requireAwardable(asset);
    // A bid the caller cannot see is, to it, a bid that does not exist.
    const { bidId } = values;
    if (bidId) requireAwardOfBid(await loaders.visibleTo(identity).bid.load(bidId), { ...values, bidId });
    const award = await repos.awards.create({ ...values, providerId, buyerId }, identity);
    if (!award) throw alreadyRecorded("Award", values);
    return { award };
  },

  async issueDispatchInstruction(_, { input }, { identity }) {
    const values = dispatchValues(input);
    const [asset, product] = await requireAll([
      values.assetId ? lookupOwned(references, "Asset", values.assetId, "assetId") : Promise.resolve(null),
      lookupOwned(references, "Product", values.productId, "productId"),
      requireReferences(references, "Organisation", [values.issuedById], "issuedById"),
    ]);
    const [providerId, buyerId] = [asset?.owner ?? null, product.owner];
    refuse(dispatchProductRefusal(identity, buyerId));
    const dispatchInstruction = await repos.dispatches.create({ ...values, providerId, buyerId }, identity);
    if (!dispatchInstruction) throw alreadyRecorded("DispatchInstruction", values);
    return { dispatchInstruction };
  },

  // Status changes the policy allowed (it answered NOT_FOUND for a record the caller cannot see, FORBIDDEN for a
  // move it may not make). Whether the lifecycle allows the change (CONFLICT if not; the same status again is a
  // no-op) is checked by the repository, with the row locked, in the transaction that writes it.
  async updateBidStatus(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const bid = await repos.bids.updateStatus(id, input.status, identity);
    if (!bid) throw notFound("Bid", input.id);
    loaders.visibleTo(identity).bid.clear(id).prime(id, bid);
    return { bid };
  },

  async updateAwardStatus(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const award = await repos.awards.updateStatus(id, input.status, identity);
    if (!award) throw notFound("Award", input.id);
    loaders.visibleTo(identity).award.clear(id).prime(id, award);
    return { award };
  },

  async updateDispatchStatus(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const dispatchInstruction = await repos.dispatches.updateStatus(id, input.status, identity);
    if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
    loaders.visibleTo(identity).dispatch.clear(id).prime(id, dispatchInstruction);
    return { dispatchInstruction };
  },
});
