import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { Repositories } from "../../repositories/index.js";
import { policy } from "./policy.js";
import { createAuditResolvers } from "./resolvers.js";

/** Reading audit trails: an organisation's across the hub, or one record's from the subgraph that owns it. */
export const createAuditModule = (repos: Repositories, references: EntityReferences | undefined): SchemaModule<Context> => ({
  name: "audit",
  resolvers: createAuditResolvers(repos, references),
  policy,
});
