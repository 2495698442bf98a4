import type { EntityReferences, IdentityVerifier, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import type { OnQualified, QualificationRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";
import { qualificationRoutes } from "./routes.js";

export type { OnQualified };

/** Until the contracts module is wired in: becoming QUALIFIED issues nothing. */
export const noQualifiedHook: OnQualified = async () => {};

/**
 * Pre-qualification (UC15, domain §4.8): product versions' requirements, FSPs' applications and answers (shared by
 * commonKey), each product's assessment by its system operator; expiry read, unit recomposition pushed in by assets.
 * `onQualified` runs when an assessment becomes QUALIFIED (the contracts module issues the agreement there).
 */
export function createQualificationModule(deps: {
  qualification: QualificationRepository;
  references: EntityReferences;
  verifier?: IdentityVerifier | undefined;
  onQualified?: OnQualified;
}): SchemaModule<Context> & { routes: ReturnType<typeof qualificationRoutes> } {
  return {
    name: "qualification",
    resolvers: resolvers({ ...deps, onQualified: deps.onQualified ?? noQualifiedHook }),
    policy,
    routes: qualificationRoutes(deps),
  };
}
