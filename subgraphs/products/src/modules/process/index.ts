import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { DocumentNode } from "graphql";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/**
 * The process catalogue (toolkit v2.0 building blocks E.1 … S.2, domain §9.2) and, for each step, the hub's
 * operations that serve it. `typeDefs` are products' own (its tags); the other subgraphs are asked for theirs.
 */
export const createProcessModule = (deps: { typeDefs: DocumentNode; references: EntityReferences }): SchemaModule<Context> => ({
  name: "process",
  resolvers: resolvers(deps),
  policy,
});
