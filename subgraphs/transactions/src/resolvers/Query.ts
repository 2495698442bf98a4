import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";
import { listWindow, optionalUuid } from "../validation.js";

const MAX_PAGE = 500;

export const Query = (repos: Repositories): QueryResolvers => ({
  bid: (_, { id }, { loaders }) => loaders.bid.load(id),
  award: (_, { id }, { loaders }) => loaders.award.load(id),
  dispatchInstruction: (_, { id }, { loaders }) => loaders.dispatch.load(id),

  bids: (_, { assetId, productId, bidderId, from, to, first, offset }) =>
    repos.bids.list({
      assetId: optionalUuid(assetId, "assetId"),
      productId: optionalUuid(productId, "productId"),
      bidderId: optionalUuid(bidderId, "bidderId"),
      ...listWindow(from, to),
      ...page(first, offset, MAX_PAGE),
    }),

  awards: (_, { assetId, productId, from, to, first, offset }) =>
    repos.awards.list({
      assetId: optionalUuid(assetId, "assetId"),
      productId: optionalUuid(productId, "productId"),
      ...listWindow(from, to),
      ...page(first, offset, MAX_PAGE),
    }),

  dispatchInstructions: (_, { assetId, productId, issuedById, from, to, first, offset }) =>
    repos.dispatches.list({
      assetId: optionalUuid(assetId, "assetId"),
      productId: optionalUuid(productId, "productId"),
      issuedById: optionalUuid(issuedById, "issuedById"),
      ...listWindow(from, to),
      ...page(first, offset, MAX_PAGE),
    }),
});
