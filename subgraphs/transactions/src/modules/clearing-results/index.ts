import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { Repositories } from "../../repositories/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Clearing results (C.3, domain §4.10): the market clearing report, linked to its buy requirement when there is one. */
export const createClearingResultsModule = (deps: { repos: Repositories; references: EntityReferences }): SchemaModule<Context> => ({
  name: "clearing-results",
  resolvers: resolvers(deps),
  policy,
});
