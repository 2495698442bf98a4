import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Dry runs of the market rules before anything is submitted (issue 11 item 2): checkBid, checkParticipation. */
export const createParticipationModule = (deps: { references: EntityReferences }): SchemaModule<Context> => ({
  name: "participation",
  resolvers: resolvers(deps),
  policy,
});
