import { conflict, type EntityReferences, forbidden, notFound, page, quote, requireReferences, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { organisationRef, productRef } from "../../mappers.js";
import type { Repositories } from "../../repositories/index.js";
import { listWindow, lookupOwned, optionalUuid, requireAll } from "../../validation.js";
import { ownsAsBuyer, visiblePublished } from "./access.js";
import { requirementValues } from "./validation.js";

const MAX_PAGE = 500;

export const resolvers = ({ repos, references }: { repos: Repositories; references: EntityReferences }): Resolvers => ({
  Query: {
    buyRequirement: (_, { id }, { identity, loaders }) => loaders.published(identity).buyRequirement.load(id),
    buyRequirements: (_, { productId, status, from, to, first, offset }, { identity }) =>
      repos.buyRequirements.list({
        productId: optionalUuid(productId, "productId"),
        status,
        ...listWindow(from, to),
        ...page(first, offset, MAX_PAGE),
        visible: visiblePublished(identity),
      }),
  },

  Mutation: {
    async createBuyRequirement(_, { input }, { identity }) {
      const values = requirementValues(input);
      const [product] = await requireAll([
        lookupOwned(references, "Product", values.productId, "productId"),
        values.eligibleParticipantIds
          ? requireReferences(references, "Organisation", values.eligibleParticipantIds, "eligibleParticipantIds")
          : Promise.resolve(),
      ]);
      if (!ownsAsBuyer(identity, product.owner)) {
        throw forbidden("Only the system operator that owns the product may publish its buy requirements");
      }
      const buyRequirement = await repos.buyRequirements.create({ ...values, buyerId: product.owner }, identity);
      if (!buyRequirement) {
        throw conflict(`A BuyRequirement from ${values.source} with externalId ${quote(values.externalId)} is already recorded`, {
          entity: "BuyRequirement",
          source: values.source,
          externalId: values.externalId,
        });
      }
      return { buyRequirement };
    },

    async updateBuyRequirementStatus(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      const buyRequirement = await repos.buyRequirements.updateStatus(id, input.status, identity, visiblePublished(identity));
      if (!buyRequirement) throw notFound("BuyRequirement", input.id);
      loaders.published(identity).buyRequirement.clear(id).prime(id, buyRequirement);
      return { buyRequirement };
    },
  },

  BuyRequirement: {
    // Null for one the caller may not see (a draft of another SO).
    __resolveReference: ({ id }, { identity, loaders }) => loaders.published(identity).buyRequirement.load(id),
    product: ({ productId }) => productRef(productId),
    buyer: ({ buyerId }) => organisationRef(buyerId),
    eligibleParticipants: ({ eligibleParticipantIds }) => eligibleParticipantIds?.map(organisationRef) ?? null,
    bids: ({ id }, _, { identity, loaders }) => loaders.visibleTo(identity).bidsByRequirement.load(id),
    clearingResults: ({ id }, _, { identity, loaders }) => loaders.published(identity).clearingResultsByRequirement.load(id),
  },
});
