import { type EntityReferences, notFound, page, requireReferences, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { visibleProducts } from "../../access.js";
import { enforce, readProducts } from "../../policy.js";
import type { Repositories } from "../../repositories/index.js";
import { requireOwnLocations } from "../../validation.js";
import { requireMayChangeSubMarket } from "./policy.js";
import type { SubMarketChanges } from "./repository.js";
import { geography, objective, ruleDocumentRefs, subMarketName, timingProfile } from "./validation.js";

export const resolvers = ({ repos, references }: { repos: Repositories; references: EntityReferences }): Resolvers => {
  /** The geography's zones must exist and be the operator's (domain §7.4 step 2, as for product locations). */
  const ownGeography = (values: readonly string[], operatorId: string) =>
    requireOwnLocations(geography(values), operatorId, (codes) => repos.zones.byCodes(codes));

  return {
    Query: {
      subMarkets: (_, { operatorId, first, offset }) => repos.subMarkets.list({ operatorId, ...page(first, offset, 500) }),
      subMarket: (_, { id }, { loaders }) => loaders.subMarket.load(id),
    },

    Mutation: {
      async createSubMarket(_, { input }, { identity }) {
        // Who may create it for this operator: policy.ts.
        const operatorId = requireUuid(input.operatorId, "operatorId");
        const procurerId = input.procurerId == null ? operatorId : requireUuid(input.procurerId, "procurerId");
        const values = {
          operatorId,
          procurerId,
          name: subMarketName(input.name),
          needType: input.needType,
          geography: await ownGeography(input.geography, operatorId),
          objective: objective(input.objective),
          ruleDocumentRefs: ruleDocumentRefs(input.ruleDocumentRefs),
          timingProfile: timingProfile(input.timingProfile),
        };
        await requireReferences(references, "Organisation", [...new Set([operatorId, procurerId])], "operatorId/procurerId");
        return { subMarket: await repos.subMarkets.create(values, identity) };
      },

      async updateSubMarket(_, { input }, { identity }) {
        const id = requireUuid(input.id, "id");
        const [current] = await repos.subMarkets.byIds([id]);
        if (!current) throw notFound("SubMarket", input.id);
        const changes: SubMarketChanges = {
          ...(input.name != null && { name: subMarketName(input.name) }),
          ...(input.procurerId != null && { procurerId: requireUuid(input.procurerId, "procurerId") }),
          ...(input.needType != null && { needType: input.needType }),
          // The operator never changes, so the geography is checked against the one read.
          ...(input.geography != null && { geography: await ownGeography(input.geography, current.operatorId) }),
          ...(input.objective !== undefined && { objective: objective(input.objective) }),
          ...(input.ruleDocumentRefs != null && { ruleDocumentRefs: ruleDocumentRefs(input.ruleDocumentRefs) }),
          ...(input.timingProfile !== undefined && { timingProfile: timingProfile(input.timingProfile) }),
        };
        if (changes.procurerId) await requireReferences(references, "Organisation", [changes.procurerId], "procurerId");
        const subMarket = await repos.subMarkets.update(id, changes, identity, (before) =>
          requireMayChangeSubMarket(identity, before.operatorId),
        );
        if (!subMarket) throw notFound("SubMarket", input.id);
        return { subMarket };
      },
    },

    SubMarket: {
      // The same rule as the queries; a refusal answers each representation with an error (see products' policy.ts).
      __resolveReference: async ({ id }, { identity, loaders }) => {
        enforce(readProducts, identity);
        return loaders.subMarket.load(id);
      },
      operator: ({ operatorId }) => ({ __typename: "Organisation", id: operatorId }),
      procurer: ({ procurerId }) => ({ __typename: "Organisation", id: procurerId }),
      products: ({ id }, _, { identity, loaders }) => loaders.productsOfSubMarket(visibleProducts(identity)).load(id),
    },
  };
};
