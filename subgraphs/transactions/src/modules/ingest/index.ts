import type { Database, EntityReferences, HttpRoute, IdentityVerifier, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { createIngestBatchesRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";
import { ingestRoutes } from "./route.js";

export { ENTITY_SPECS } from "./entities.js";
export { type IngestReport, runIngest } from "./engine.js";
export { INGEST_PATH_PREFIX } from "./route.js";

/**
 * Bulk ingest (issue 10 items 2 and 7): POST /ingest/<entity> streams a CSV or NDJSON file through an adapter into
 * the entity's table, exactly once per (source, source record id); `ingestBatch` / `ingestBatches` read the batches.
 */
export function createIngestModule(deps: {
  db: Database;
  references: EntityReferences;
  verifier?: IdentityVerifier | undefined;
}): SchemaModule<Context> & { routes: HttpRoute[] } {
  const batches = createIngestBatchesRepository(deps.db);
  return {
    name: "ingest",
    resolvers: resolvers({ batches }),
    policy,
    routes: ingestRoutes({ ...deps, batches }),
  };
}
