import { badInput, conflict, isUniqueViolation, notFound, page } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import type { MarketRuleRepository } from "../../repositories/marketRules.js";
import type { RuleDocumentRepository } from "./repository.js";
import { documentValues, searchText, tag, versionValues } from "./validation.js";

export const resolvers = (deps: { documents: RuleDocumentRepository; marketRules: MarketRuleRepository }): Resolvers => ({
  Query: {
    ruleDocuments: (_, { search, productId, technology, phase, kind, on, first, offset }) => {
      const technologyTag = tag(technology, "technology");
      return deps.documents.search({
        search: searchText(search),
        productId,
        technologies: technologyTag ? [technologyTag] : [],
        phase: tag(phase, "phase"),
        kind,
        on: on ?? new Date(),
        ...page(first, offset, 200),
      });
    },
    ruleDocument: (_, { id, on }) => deps.documents.byId(id, on ?? null),
    async applicableRules(_, { technology, assetCategory, productId, subMarketId, on }) {
      const when = on ?? new Date();
      const kinds = [tag(technology, "technology"), tag(assetCategory, "assetCategory")].flatMap((t) => t ?? []);
      const [rules, documents] = await Promise.all([
        deps.marketRules.inForce(when, productId ?? null),
        deps.documents.search({ productId, technologies: kinds, on: when, limit: 200, offset: 0 }),
      ]);
      const applicable = rules.filter(({ scope, productId: ruleProduct }) => {
        if (kinds.length > 0 && scope.technologies.length > 0 && !scope.technologies.some((t) => kinds.includes(t))) return false;
        // A rule of one product applies to that product's market only; sub-market rules to that sub-market.
        if (productId == null && ruleProduct != null) return false;
        if (scope.subMarketIds.length > 0) return subMarketId != null && scope.subMarketIds.includes(subMarketId);
        return true;
      });
      return { on: when, rules: applicable, documents };
    },
  },
  Mutation: {
    async createRuleDocument(_, { input }, { identity }) {
      const { document, first } = documentValues(input);
      try {
        return { ruleDocument: await deps.documents.create(document, first, identity) };
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`A rule document ${document.code} already exists`, { field: "code" });
        throw error;
      }
    },
    async addRuleDocumentVersion(_, { input }, { identity }) {
      const { documentId, next } = versionValues(input);
      const ruleDocument = await deps.documents.addVersion(
        documentId,
        next,
        (latest) => {
          if (next.effectiveFrom.getTime() <= latest.effectiveFrom.getTime()) {
            throw badInput(
              `effectiveFrom must be after version ${latest.version}'s (${latest.effectiveFrom.toISOString()})`,
              "effectiveFrom",
            );
          }
        },
        identity,
      );
      if (!ruleDocument) throw notFound("RuleDocument", input.documentId);
      return { ruleDocument };
    },
  },
  RuleDocument: {
    __resolveReference: ({ id }) => deps.documents.byId(id, null),
    title: ({ current }) => current.title,
    version: ({ current }) => current,
    versions: ({ id }, _, { loaders }) => loaders.documentVersions.load(id),
    products: ({ productIds }) => productIds.map((id) => ({ __typename: "Product" as const, id })),
  },
});
