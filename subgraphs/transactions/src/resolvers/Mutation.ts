import { conflict, type EntityReferences, notFound, requireReferences, requireUuid } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";
import {
  deliveryWindow,
  dispatchTarget,
  optionalUuid,
  prices,
  provenance,
  requireAll,
  requireAwardOfBid,
  requirePositive,
  setPoint,
} from "../validation.js";

/** A second record with the same provenance: re-ingesting is refused, never duplicated. */
const alreadyRecorded = (entity: string, { source, externalId }: { source: string; externalId: string | null }) =>
  conflict(`A ${entity} from ${source} with externalId ${JSON.stringify(externalId)} is already recorded`, {
    entity,
    source,
    externalId,
  });

export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async submitBid(_, { input }, { identity }) {
    const values = {
      assetId: requireUuid(input.assetId, "assetId"),
      productId: requireUuid(input.productId, "productId"),
      bidderId: requireUuid(input.bidderId, "bidderId"),
      direction: input.direction,
      quantityMw: requirePositive(input.quantityMw, "quantityMw"),
      ...prices(input),
      ...deliveryWindow(input.start, input.end),
      ...provenance(input),
    };
    await requireAll([
      requireReferences(references, "Asset", [values.assetId], "assetId"),
      requireReferences(references, "Product", [values.productId], "productId"),
      requireReferences(references, "Organisation", [values.bidderId], "bidderId"),
    ]);
    const bid = await repos.bids.create(values, identity);
    if (!bid) throw alreadyRecorded("Bid", values);
    return { bid };
  },

  async recordAward(_, { input }, { identity, loaders }) {
    const values = {
      bidId: optionalUuid(input.bidId, "bidId"),
      assetId: requireUuid(input.assetId, "assetId"),
      productId: requireUuid(input.productId, "productId"),
      awardedMw: requirePositive(input.awardedMw, "awardedMw"),
      ...prices(input),
      ...deliveryWindow(input.start, input.end),
      ...provenance(input),
    };
    const { bidId } = values;
    if (bidId) requireAwardOfBid(await loaders.bid.load(bidId), { ...values, bidId });
    await requireAll([
      requireReferences(references, "Asset", [values.assetId], "assetId"),
      requireReferences(references, "Product", [values.productId], "productId"),
    ]);
    const award = await repos.awards.create(values, identity);
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
    await requireAll([
      values.assetId ? requireReferences(references, "Asset", [values.assetId], "assetId") : Promise.resolve(),
      requireReferences(references, "Product", [values.productId], "productId"),
      requireReferences(references, "Organisation", [values.issuedById], "issuedById"),
    ]);
    const dispatchInstruction = await repos.dispatches.create(values, identity);
    if (!dispatchInstruction) throw alreadyRecorded("DispatchInstruction", values);
    return { dispatchInstruction };
  },

  async updateBidStatus(_, { input }, { identity }) {
    const bid = await repos.bids.updateStatus(requireUuid(input.id, "id"), input.status, identity);
    if (!bid) throw notFound("Bid", input.id);
    return { bid };
  },

  async updateAwardStatus(_, { input }, { identity }) {
    const award = await repos.awards.updateStatus(requireUuid(input.id, "id"), input.status, identity);
    if (!award) throw notFound("Award", input.id);
    return { award };
  },

  async updateDispatchStatus(_, { input }, { identity }) {
    const dispatchInstruction = await repos.dispatches.updateStatus(requireUuid(input.id, "id"), input.status, identity);
    if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
    return { dispatchInstruction };
  },
});
