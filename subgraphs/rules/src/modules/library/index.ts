import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { MarketRuleRepository } from "../../repositories/marketRules.js";
import { policy } from "./policy.js";
import type { RuleDocumentRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

export { createRuleDocumentRepository, type RuleDocumentRepository } from "./repository.js";

/**
 * The rules library (UC7): rule documents with versions, sources and tags, full-text searched with Postgres text
 * search (a generated tsvector, GIN-indexed), and "what applies to my asset type in this market on this date".
 */
export const createLibraryModule = (deps: {
  documents: RuleDocumentRepository;
  marketRules: MarketRuleRepository;
}): SchemaModule<Context> => ({
  name: "library",
  resolvers: resolvers(deps),
  policy,
});
