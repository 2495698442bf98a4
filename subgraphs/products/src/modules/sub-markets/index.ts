import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { Repositories } from "../../repositories/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Sub-markets (domain §4.7, toolkit E.1): operator, procurer, need, geography, rule documents, timing. */
export const createSubMarketsModule = (deps: { repos: Repositories; references: EntityReferences }): SchemaModule<Context> => ({
  name: "sub-markets",
  resolvers: resolvers(deps),
  policy,
});
