import { badInput, conflict, type EntityReferences, forbidden, notFound, page, quote, requireText, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { organisationRef, productRef } from "../../mappers.js";
import type { Repositories } from "../../repositories/index.js";
import { deliveryWindow, listWindow, lookupOwned, megawatts, optionalText, optionalUuid, price, provenance } from "../../validation.js";
import { ownsAsBuyer, visiblePublished } from "../buy-requirements/access.js";

const MAX_PAGE = 500;

export const resolvers = ({ repos, references }: { repos: Repositories; references: EntityReferences }): Resolvers => ({
  Query: {
    clearingResult: (_, { id }, { identity, loaders }) => loaders.published(identity).clearingResult.load(id),
    clearingResults: (_, { productId, buyRequirementId, from, to, first, offset }, { identity }) =>
      repos.clearingResults.list({
        productId: optionalUuid(productId, "productId"),
        buyRequirementId: optionalUuid(buyRequirementId, "buyRequirementId"),
        ...listWindow(from, to),
        ...page(first, offset, MAX_PAGE),
        visible: visiblePublished(identity),
      }),
  },

  Mutation: {
    async recordClearingResult(_, { input }, { identity, loaders }) {
      const window = deliveryWindow(input.deliveryStart, input.deliveryEnd);
      const clearingPrice = price(input.clearingPrice, "clearingPrice", "£");
      const values = {
        buyRequirementId: optionalUuid(input.buyRequirementId, "buyRequirementId"),
        auctionRef: optionalText(input.auctionRef, "auctionRef", 100),
        productId: requireUuid(input.productId, "productId"),
        serviceType: requireText(input.serviceType, "serviceType", 64),
        deliveryStart: window.start,
        deliveryEnd: window.end,
        clearedVolumeMw: input.clearedVolumeMw === 0 ? 0 : megawatts(input.clearedVolumeMw, "clearedVolumeMw"),
        clearingPrice: clearingPrice as string,
        method: input.method,
        publishedAt: input.publish ? new Date() : null,
        ...provenance(input),
      };
      const product = await lookupOwned(references, "Product", values.productId, "productId");
      if (!ownsAsBuyer(identity, product.owner)) {
        throw forbidden("Only the system operator that owns the product may record its clearing results");
      }
      if (values.buyRequirementId) {
        const requirement = await loaders.published(identity).buyRequirement.load(values.buyRequirementId);
        if (!requirement) throw badInput(`buyRequirementId: BuyRequirement ${values.buyRequirementId} does not exist`, "buyRequirementId");
        if (requirement.productId !== values.productId) {
          throw badInput(`buyRequirementId: BuyRequirement ${requirement.id} is for product ${requirement.productId}`, "buyRequirementId");
        }
      }
      const clearingResult = await repos.clearingResults.create({ ...values, buyerId: product.owner }, identity);
      if (!clearingResult) {
        throw conflict(`A ClearingResult from ${values.source} with externalId ${quote(values.externalId)} is already recorded`, {
          entity: "ClearingResult",
          source: values.source,
          externalId: values.externalId,
        });
      }
      if (values.buyRequirementId) loaders.published(identity).buyRequirement.clear(values.buyRequirementId);
      return { clearingResult };
    },

    async publishClearingResult(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      const clearingResult = await repos.clearingResults.publish(id, identity, visiblePublished(identity));
      if (!clearingResult) throw notFound("ClearingResult", input.id);
      const published = loaders.published(identity);
      published.clearingResult.clear(id).prime(id, clearingResult);
      if (clearingResult.buyRequirementId) published.buyRequirement.clear(clearingResult.buyRequirementId);
      return { clearingResult };
    },
  },

  ClearingResult: {
    // Null for one the caller may not see (unpublished, of another SO).
    __resolveReference: ({ id }, { identity, loaders }) => loaders.published(identity).clearingResult.load(id),
    buyRequirement: ({ buyRequirementId }, _, { identity, loaders }) =>
      buyRequirementId ? loaders.published(identity).buyRequirement.load(buyRequirementId) : null,
    product: ({ productId }) => productRef(productId),
    buyer: ({ buyerId }) => organisationRef(buyerId),
  },
});
