import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import type { ZoneRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

/** Constraint Managed Zones (domain §4.7): code, name, operator, licence area, GSP groups. */
export const createZonesModule = (deps: { zones: ZoneRepository; references: EntityReferences }): SchemaModule<Context> => ({
  name: "zones",
  resolvers: resolvers(deps),
  policy,
});
