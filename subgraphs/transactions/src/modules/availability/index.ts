import type { Database, EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { serviceAreaLoader } from "../positions/service-area.js";
import { moduleLoaders } from "./loaders.js";
import { policy } from "./policy.js";
import { createAvailabilityRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

export { availabilityDeclarations, unavailabilityNotices } from "./tables.js";
export { unavailableHoursFromNotices } from "./unavailable-hours.js";

/**
 * Availability declarations and unavailability notices (D.1, domain §4.11): an FSP's declared MW per product and
 * window, locked at the product's lock time and versioned before it, and notices of reduced capability.
 */
export function createAvailabilityModule(deps: { db: Database; references: EntityReferences }): SchemaModule<Context> & {
  entityTypes: string[];
} {
  const availability = createAvailabilityRepository(deps.db);
  return {
    name: "availability",
    resolvers: resolvers({
      availability,
      references: deps.references,
      areas: serviceAreaLoader(deps.references),
      loaders: moduleLoaders(availability),
    }),
    policy,
    entityTypes: ["AvailabilityDeclaration", "UnavailabilityNotice"],
  };
}
