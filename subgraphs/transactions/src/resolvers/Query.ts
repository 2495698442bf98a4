import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import { AWARD_STATISTICS_RULE, statisticsCaller, visibleTransactions } from "../access.js";
import type { Repositories } from "../repositories/index.js";
import { listWindow, optionalUuid, wholeMonths } from "../validation.js";

const MAX_PAGE = 500;

export const Query = (repos: Repositories): QueryResolvers => ({
  bid: (_, { id }, { identity, loaders }) => loaders.visibleTo(identity).bid.load(id),
  award: (_, { id }, { identity, loaders }) => loaders.visibleTo(identity).award.load(id),
  dispatchInstruction: (_, { id }, { identity, loaders }) => loaders.visibleTo(identity).dispatch.load(id),

  bids: (_, { assetId, marketUnitId, productId, buyRequirementId, bidderId, from, to, first, offset }, { identity }) =>
    repos.bids.list({
      assetId: optionalUuid(assetId, "assetId"),
      marketUnitId: optionalUuid(marketUnitId, "marketUnitId"),
      productId: optionalUuid(productId, "productId"),
      buyRequirementId: optionalUuid(buyRequirementId, "buyRequirementId"),
      bidderId: optionalUuid(bidderId, "bidderId"),
      ...listWindow(from, to),
      ...page(first, offset, MAX_PAGE),
      visible: visibleTransactions(identity),
    }),

  awards: (_, { assetId, marketUnitId, productId, from, to, first, offset }, { identity }) =>
    repos.awards.list({
      assetId: optionalUuid(assetId, "assetId"),
      marketUnitId: optionalUuid(marketUnitId, "marketUnitId"),
      productId: optionalUuid(productId, "productId"),
      ...listWindow(from, to),
      ...page(first, offset, MAX_PAGE),
      visible: visibleTransactions(identity),
    }),

  dispatchInstructions: (_, { assetId, marketUnitId, productId, issuedById, from, to, first, offset }, { identity }) =>
    repos.dispatches.list({
      assetId: optionalUuid(assetId, "assetId"),
      marketUnitId: optionalUuid(marketUnitId, "marketUnitId"),
      productId: optionalUuid(productId, "productId"),
      issuedById: optionalUuid(issuedById, "issuedById"),
      ...listWindow(from, to),
      ...page(first, offset, MAX_PAGE),
      visible: visibleTransactions(identity),
    }),

  awardStatistics: (_, { productId, from, to }, { identity }) =>
    repos.awards.statistics({
      productId: optionalUuid(productId, "productId"),
      ...wholeMonths(from, to),
      rule: AWARD_STATISTICS_RULE,
      callerOrganisationId: statisticsCaller(identity),
    }),
});
