import type { Database, EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { moduleLoaders } from "./loaders.js";
import { policy } from "./policy.js";
import { createVerificationRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

/**
 * Verification (V.1–V.5, domain §4.12–4.14, §7.8): meter readings, registered baselines, performance assessments of
 * dispatch instructions computed with src/calculations, penalty notices, the service-delivery report.
 */
export function createVerificationModule(deps: { db: Database; references: EntityReferences }): SchemaModule<Context> & {
  entityTypes: string[];
} {
  const repo = createVerificationRepository(deps.db);
  return {
    name: "verification",
    resolvers: resolvers({ repo, references: deps.references, loadersOf: moduleLoaders(repo) }),
    policy,
    entityTypes: ["MeterReading", "Baseline", "PerformanceAssessment", "Penalty"],
  };
}
