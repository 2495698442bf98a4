import type { Database, EntityReferences, HttpRoute, Identity, IdentityVerifier, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { createProductRepository } from "../../repositories/products.js";
import { documentRoute } from "./document.js";
import { moduleLoaders } from "./loaders.js";
import { policy } from "./policy.js";
import { createContractRepository, type IssueOutcome, issueFromTemplate } from "./repository.js";
import { resolvers } from "./resolvers.js";

export { CONTRACT_DOCUMENT_PATH } from "./document.js";

/**
 * Contracts (UC14, domain §4.9): templates per product, overarching agreements issued from them, signatures,
 * variations and call-offs per award; and the contract's printable document, on a route only the gateway calls.
 */
export function createContractsModule(deps: {
  db: Database;
  products: ReturnType<typeof createProductRepository>;
  references: EntityReferences;
  verifier?: IdentityVerifier | undefined;
}): SchemaModule<Context> & { routes: HttpRoute[]; entityTypes: string[] } {
  const contracts = createContractRepository(deps.db);
  const loaders = moduleLoaders(contracts);

  return {
    name: "contracts",
    resolvers: resolvers({ contracts, products: deps.products, references: deps.references, loaders }),
    policy,
    routes: [documentRoute({ contracts, products: deps.products, references: deps.references, verifier: deps.verifier })],
    entityTypes: ["ContractTemplate", "Contract"],
  };
}

/**
 * For pre-qualification's QUALIFIED transition (its `onQualified` hook): issues the provider an overarching agreement
 * for the product from the product's template, in `db` (the caller's transaction, if it passes one; no other
 * subgraph is called). Idempotent: a provider with a standing (DRAFT, ISSUED, SIGNED or ACTIVE) agreement with the
 * product's SO gets none more (`created: false`, that agreement). Null when the product has no template yet (the SO
 * issues one later with issueContract): a qualification never fails for want of a template.
 */
export const issueAgreementOnQualification = (
  db: Database,
  request: { productId: string; providerOrganisationId: string; qualificationId: string },
  actor: Identity | null = null,
): Promise<IssueOutcome> =>
  issueFromTemplate(
    db,
    {
      productId: request.productId,
      providerId: request.providerOrganisationId,
      qualificationId: request.qualificationId,
      status: "ISSUED",
    },
    actor,
  );
