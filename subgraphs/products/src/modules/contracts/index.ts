import {
  type Database,
  type EntityReferences,
  gatewayCaller,
  type HttpRoute,
  type Identity,
  type IdentityVerifier,
  isUuid,
  type SchemaModule,
  sendError,
  setScopeIdentity,
} from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { createProductRepository } from "../../repositories/products.js";
import { renderContractHtml } from "./document.js";
import { moduleLoaders } from "./loaders.js";
import { policy, readContracts, visibleContracts } from "./policy.js";
import { createContractRepository, type IssueOutcome, issueFromTemplate } from "./repository.js";
import { resolvers } from "./resolvers.js";

/** The products subgraph's route the gateway's `GET /documents/contracts/<id>.html` forwards to. */
export const CONTRACT_DOCUMENT_PATH = "/internal/contracts/document";

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

  /**
   * `GET /internal/contracts/document?id=<contract id>`: the contract as HTML, for a caller who may see it (the
   * gateway's identity token says who). Anything else, unknown or not theirs, is the same 404.
   */
  const documentRoute: HttpRoute = {
    method: "GET",
    path: CONTRACT_DOCUMENT_PATH,
    async handle(req, res, url) {
      const caller = await gatewayCaller(deps.verifier, req, res);
      if (!caller) return;
      const { identity } = caller;
      if (!identity) return sendError(res, 401, "UNAUTHENTICATED", "Sign in first");
      const id = url.searchParams.get("id") ?? "";
      const [contract] = !readContracts(identity) && isUuid(id) ? await contracts.byIds([id], visibleContracts(identity)) : [];
      if (!contract) return sendError(res, 404, "NOT_FOUND", "There is no such contract you may see");
      // The parties' names are the users subgraph's, looked up as this caller.
      setScopeIdentity(identity);
      const [names, [product], callOffs] = await Promise.all([
        deps.references
          .lookup<{ name?: string }>("Organisation", [contract.companyId, contract.providerId], "name")
          .catch(() => [null, null] as const),
        deps.products.byIds([contract.productId], { everything: true }),
        contracts.callOffsByContractIds([contract.id]),
      ]);
      const html = renderContractHtml(contract, callOffs, {
        companyName: names[0]?.name ?? null,
        providerName: names[1]?.name ?? null,
        productName: product ? `${product.name} (${product.code})` : null,
      });
      res.statusCode = 200;
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.setHeader("content-disposition", `inline; filename="contract-${contract.id}.html"`);
      res.setHeader("cache-control", "private, no-store");
      // A page of text: no scripts, no requests of its own, whatever a user wrote into it.
      res.setHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
      res.setHeader("x-content-type-options", "nosniff");
      res.end(html);
    },
  };

  return {
    name: "contracts",
    resolvers: resolvers({ contracts, products: deps.products, references: deps.references, loaders }),
    policy,
    routes: [documentRoute],
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
