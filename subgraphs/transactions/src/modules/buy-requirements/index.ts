import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { Repositories } from "../../repositories/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Buy requirements (C.1, domain §4.10): an SO's public call for offers, with its gate, windows, MW range and ceilings. */
export const createBuyRequirementsModule = (deps: { repos: Repositories; references: EntityReferences }): SchemaModule<Context> => ({
  name: "buy-requirements",
  resolvers: resolvers(deps),
  policy,
});
