import {
  badInput,
  conflict,
  type EntityReferences,
  forbidden,
  type Identity,
  notFound,
  page,
  requireUuid,
  requireWindow,
  seesEveryOrganisation,
} from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import type { Context } from "../../loaders.js";
import { visibleProducts } from "../../access.js";
import type { ContractSignature, ContractStatus, ContractVariation } from "../../db/schema.js";
import type { createProductRepository, ProductRow } from "../../repositories/products.js";
import { serviceWindows } from "../../validation.js";
import { requireHubProduct } from "../so-product-apis/index.js";
import type { moduleLoaders } from "./loaders.js";
import { mayActForProductOwner, requireMayMoveContract, requireSigningSide, sideOf, visibleContracts } from "./policy.js";
import type { ContractRepository, ContractRow } from "./repository.js";
import * as check from "./validation.js";

export interface ContractsDeps {
  contracts: ContractRepository;
  products: ReturnType<typeof createProductRepository>;
  references: EntityReferences;
  loaders: ReturnType<typeof moduleLoaders>;
}

/** Where the gateway serves a contract's document. */
export const documentPath = (id: string) => `/documents/contracts/${id}.html`;

/** What addCallOff reads of the award (transactions subgraph), as the caller may see it. */
interface AwardFacts {
  id: string;
  awardedMw: number;
  availabilityPriceGbpPerMwH: string | null;
  utilisationPriceGbpPerMwh: string | null;
  start: string;
  end: string;
  status: string;
  product: { id: string } | null;
  provider: { id: string } | null;
}

const CALLED_OFF_STATUSES: readonly ContractStatus[] = ["SIGNED", "ACTIVE"];
const VARIED_STATUSES: readonly ContractStatus[] = ["ISSUED", "SIGNED", "ACTIVE"];

const organisation = (id: string) => ({ __typename: "Organisation" as const, id });
const user = (id: string) => ({ __typename: "User" as const, id });

/** What the gateway sends for Invoice/SettlementStatement.contract (its @requires). */
interface Settled {
  product?: { id: string } | null;
  provider?: { id: string } | null;
}

export const resolvers = ({ contracts, products, references, loaders }: ContractsDeps): Resolvers => {
  // The parent is the gateway's representation; the codegen type also allows one without the @requires fields.
  const agreementOf = (parent: object, _: unknown, context: Context) => {
    const { product, provider } = parent as Settled;
    return product?.id && provider?.id
      ? loaders(context).agreement(visibleContracts(context.identity)).load(`${product.id}|${provider.id}`)
      : null;
  };

  /**
   * The product, as the caller sees it, with its owner decided: NOT_FOUND when unseen, FORBIDDEN when not theirs or
   * published by an SO product API (contracted with its SO, not in the hub).
   */
  async function ownProduct(context: Context, productId: string): Promise<ProductRow> {
    const { identity } = context;
    await requireHubProduct(context, requireUuid(productId, "productId"));
    const [product] = await products.byIds([productId], visibleProducts(identity));
    if (!product) throw notFound("Product", productId);
    if (!mayActForProductOwner(identity, product.ownerId)) {
      throw forbidden("Only the system operator that owns the product (or a hub administrator) may do this");
    }
    return product;
  }

  /** The caller's name, as the users subgraph knows it (a person sees themselves). */
  async function nameOf(identity: Identity): Promise<string> {
    if (!identity.userId) throw forbidden("Only a signed-in person may sign or vary a contract");
    const [found] = await references.lookup<{ name?: string }>("User", [identity.userId], "name");
    return found?.name ?? identity.userId;
  }

  const updated = (row: ContractRow | null, id: string) => {
    if (!row) throw notFound("Contract", id);
    return { contract: row };
  };

  return {
    Query: {
      async contractTemplate(_, { productId }, { identity }) {
        const [product] = await products.byIds([productId], visibleProducts(identity));
        if (!product || !mayActForProductOwner(identity, product.ownerId)) return null;
        return contracts.templateByProduct(product.id);
      },
      contract: (_, { id }, context) => loaders(context).contract(visibleContracts(context.identity)).load(id),
      contracts: (_, { productId, providerId, status, first, offset }, { identity }) =>
        contracts.list({ productId, providerId, status, visible: visibleContracts(identity), ...page(first, offset, 500) }),
    },

    Mutation: {
      async saveContractTemplate(_, { input }, context) {
        const { identity } = context;
        const product = await ownProduct(context, input.productId);
        const existing = await contracts.templateByProduct(product.id);
        const values = {
          agreementVersion: check.agreementVersion(input.agreementVersion),
          serviceTermsRef: check.documentRef(input.serviceTermsRef, "serviceTermsRef"),
          procurementRulesRef: check.documentRef(input.procurementRulesRef, "procurementRulesRef"),
          referencedRules: input.referencedRules != null ? check.referencedRules(input.referencedRules) : (existing?.referencedRules ?? []),
          liabilityCapPence: check.liabilityCapPence(input.liabilityCapGbp),
          clauses: input.clauses != null ? check.clauses(input.clauses) : (existing?.clauses ?? check.clauses(null)),
          callOffFields:
            input.callOffFields != null ? check.callOffFields(input.callOffFields) : (existing?.callOffFields ?? check.callOffFields(null)),
        };
        return { contractTemplate: await contracts.saveTemplate(product.id, product.ownerId, values, identity) };
      },

      async issueContract(_, { input }, context) {
        const { identity } = context;
        const product = await ownProduct(context, input.productId);
        if (product.status === "RETIRED") throw conflict(`Product ${product.code} is RETIRED: no new agreements are issued for it`);
        const providerId = requireUuid(input.providerId, "providerId");
        if (providerId === product.ownerId) throw badInput("providerId: a system operator cannot contract with itself", "providerId");
        const startsAt = input.startsAt ?? null;
        const endsAt = input.endsAt ?? null;
        if (startsAt && endsAt) requireWindow(startsAt, endsAt, "endsAt");
        const [provider] = await references.lookup<{ roles?: string[] }>("Organisation", [providerId], "roles");
        if (!provider) throw badInput(`providerId: Organisation ${providerId} does not exist`, "providerId");
        if (!provider.roles?.includes("FSP")) throw badInput("providerId must be an organisation holding the FSP role", "providerId");
        const outcome = await contracts.issue(
          { productId: product.id, providerId, status: input.draft ? "DRAFT" : "ISSUED", startsAt, endsAt },
          identity,
        );
        if (!outcome) throw conflict(`Product ${product.code} has no contract template: save one first (saveContractTemplate)`);
        if (!outcome.created) {
          throw conflict(`The provider already has a ${outcome.contract.status} agreement for ${product.code}`, {
            contractId: outcome.contract.id,
          });
        }
        return { contract: outcome.contract };
      },

      async signContract(_, { input }, { identity }) {
        const id = requireUuid(input.contractId, "contractId");
        const userName = await nameOf(identity as Identity);
        const row = await contracts.update(id, visibleContracts(identity), identity, (before) => {
          const side = requireSigningSide(identity, before);
          if (before.status !== "ISSUED") {
            throw conflict(`Contract ${id} is ${before.status}: only an ISSUED contract is signed`, { currentStatus: before.status });
          }
          if (before.signatures.some((s) => s.side === side)) throw conflict(`Contract ${id} is already signed for the ${side} side`);
          const signature: ContractSignature = {
            side,
            userId: identity?.userId as string,
            userName,
            organisationId: identity?.organisationId as string,
            signedAt: new Date().toISOString(),
          };
          const signatures = [...before.signatures, signature];
          const bothSides = signatures.some((s) => s.side === "SO") && signatures.some((s) => s.side === "FSP");
          return { signatures, ...(bothSides && { status: "SIGNED" as const }) };
        });
        return updated(row, id);
      },

      async updateContractStatus(_, { input }, { identity }) {
        const id = requireUuid(input.id, "id");
        const row = await contracts.update(id, visibleContracts(identity), identity, (before) => {
          requireMayMoveContract(identity, before, input.status);
          return { status: input.status };
        });
        return updated(row, id);
      },

      async recordContractVariation(_, { input }, { identity }) {
        const id = requireUuid(input.contractId, "contractId");
        const clause = check.clauseNumber(input.clause);
        const text = check.variationText(input.text);
        const reportedToMfAt = check.notInFuture(input.reportedToMfAt, "reportedToMfAt");
        const userName = await nameOf(identity as Identity);
        const row = await contracts.update(id, visibleContracts(identity), identity, (before) => {
          const side = requireSigningSide(identity, before);
          if (!VARIED_STATUSES.includes(before.status)) {
            throw conflict(`Contract ${id} is ${before.status}: only an ISSUED, SIGNED or ACTIVE contract is varied`, {
              currentStatus: before.status,
            });
          }
          if (!before.clauses.some((c) => c.number === clause)) throw badInput(`clause: the contract has no clause ${clause}`, "clause");
          // Domain §11: an SO-initiated variation is referred to the Market Facilitator before it is made.
          if (side === "SO" && !reportedToMfAt) {
            throw badInput(
              "reportedToMfAt: a variation the system operator initiates is referred to the Market Facilitator first",
              "reportedToMfAt",
            );
          }
          const now = new Date().toISOString();
          const variation: ContractVariation = {
            id: crypto.randomUUID(),
            clause,
            text,
            initiatedBy: side,
            initiatedByUserId: identity?.userId ?? null,
            initiatedByUserName: userName,
            createdAt: now,
            reportedToMfAt: reportedToMfAt?.toISOString() ?? null,
            // Both signatories see every variation in the graph from the moment it is recorded.
            sharedWithAllAt: now,
          };
          return { variations: [...before.variations, variation] };
        });
        return updated(row, id);
      },

      async addCallOff(_, { input }, { identity }) {
        const contractId = requireUuid(input.contractId, "contractId");
        const awardId = requireUuid(input.awardId, "awardId");
        const visible = visibleContracts(identity);
        // Unseen contracts end here, before the award is looked up.
        const [seen] = await contracts.byIds([contractId], visible);
        if (!seen) throw notFound("Contract", contractId);
        const [award] = await references.lookup<AwardFacts>(
          "Award",
          [awardId],
          "awardedMw availabilityPriceGbpPerMwH utilisationPriceGbpPerMwh start end status product { id } provider { id }",
        );
        if (!award) throw badInput(`awardId: Award ${awardId} does not exist`, "awardId");
        const contractedMw = input.contractedMw ?? award.awardedMw;
        if (!Number.isFinite(contractedMw) || contractedMw <= 0 || contractedMw > award.awardedMw) {
          throw badInput(`contractedMw must be more than 0 and at most the award's ${award.awardedMw} MW`, "contractedMw");
        }
        const [product] = await products.byIds([seen.productId], { everything: true });
        const values = {
          awardId,
          contractedMw,
          availabilityPriceGbpPerMwH: award.availabilityPriceGbpPerMwH,
          utilisationPriceGbpPerMwh: award.utilisationPriceGbpPerMwh,
          serviceWindows: input.serviceWindows != null ? serviceWindows(input.serviceWindows) : (product?.serviceWindows ?? []),
          baselineMethod: check.optionalText(input.baselineMethod, "baselineMethod"),
          meteringPoint: check.optionalText(input.meteringPoint, "meteringPoint"),
          start: new Date(award.start),
          end: new Date(award.end),
        };
        const row = await contracts.addCallOff(contractId, visible, values, identity, (contract) => {
          if (!seesEveryOrganisation(identity) && sideOf(identity, contract) !== "SO") {
            throw forbidden("Only the company's system operator (or a hub administrator) calls off under a contract");
          }
          if (!CALLED_OFF_STATUSES.includes(contract.status)) {
            throw conflict(`Contract ${contractId} is ${contract.status}: call-offs are made under a SIGNED or ACTIVE contract`, {
              currentStatus: contract.status,
            });
          }
          if (award.product?.id !== contract.productId)
            throw badInput("awardId: the award is for another product than the contract's", "awardId");
          if (award.provider?.id !== contract.providerId)
            throw badInput("awardId: the award is to another provider than the contract's", "awardId");
          if (award.status === "CANCELLED" || award.status === "RELEASED")
            throw conflict(`Award ${awardId} is ${award.status}: it cannot be called off`);
        });
        if (row === "duplicate") throw conflict(`Award ${awardId} is already called off`, { awardId });
        return updated(row, contractId);
      },
    },

    ContractTemplate: {
      product: ({ productId }, _, { identity, loaders: shared }) => shared.product(visibleProducts(identity)).load(productId),
      owner: ({ ownerId }) => organisation(ownerId),
      liabilityCapGbp: ({ liabilityCapPence }) => check.pounds(liabilityCapPence),
    },

    Contract: {
      company: ({ companyId }) => organisation(companyId),
      provider: ({ providerId }) => organisation(providerId),
      product: ({ productId }, _, { identity, loaders: shared }) => shared.product(visibleProducts(identity)).load(productId),
      template: ({ templateId, companyId }, _, context) =>
        mayActForProductOwner(context.identity, companyId) ? loaders(context).template.load(templateId) : null,
      liabilityCapGbp: ({ liabilityCapPence }) => check.pounds(liabilityCapPence),
      callOffs: ({ id }, _, context) => loaders(context).callOffs.load(id),
      documentUrl: ({ id }) => documentPath(id),
    },

    ContractSignature: {
      user: ({ userId }) => user(userId),
      organisation: ({ organisationId }) => organisation(organisationId),
      signedAt: ({ signedAt }) => new Date(signedAt),
    },

    ContractVariation: {
      initiatedByUser: ({ initiatedByUserId }) => (initiatedByUserId ? user(initiatedByUserId) : null),
      createdAt: ({ createdAt }) => new Date(createdAt),
      reportedToMfAt: ({ reportedToMfAt }) => (reportedToMfAt ? new Date(reportedToMfAt) : null),
      sharedWithAllAt: ({ sharedWithAllAt }) => (sharedWithAllAt ? new Date(sharedWithAllAt) : null),
    },

    ContractCallOff: {
      award: ({ awardId }) => ({ __typename: "Award", id: awardId }),
    },

    Invoice: { contract: agreementOf },
    SettlementStatement: { contract: agreementOf },
  };
};
