import type { Database, EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { positionLoaders } from "./loaders.js";
import { policy } from "./policy.js";
import { createPositionRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

export { fetchServiceAreas, requireCoveredBy, SERVICE_AREAS_PATH, type ServiceArea } from "./service-area.js";

/**
 * Positions (UC18, D.2, issue 10 item 3): `Asset.position`, `MarketUnit.position` and the SO control-room view
 * `positionsInArea`, over awards, availability declarations, unavailability notices, dispatch instructions and
 * metered energy. `requireCoveredBy` lets a write check an SO's service area (OUTSIDE_SERVICE_AREA).
 */
export function createPositionsModule(deps: { db: Database; references: EntityReferences }): SchemaModule<Context> {
  const positions = createPositionRepository(deps.db);
  return {
    name: "positions",
    resolvers: resolvers({ positions, references: deps.references, loaders: positionLoaders({ positions, references: deps.references }) }),
    policy,
  };
}
