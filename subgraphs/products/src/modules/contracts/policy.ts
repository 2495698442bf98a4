import { allow, forbidden, type Identity, notFound, type Policy, type Rule, seesEveryOrganisation } from "@sfe/kit";
import type { ContractSide, ContractStatus } from "../../db/schema.js";
import type { Context } from "../../loaders.js";

/**
 * Contracts concern two organisations only: the company (the buying system operator) and the provider (the FSP).
 * Each sees its own, a hub administrator all; nobody else (investors, other FSPs and SOs) sees any: a contract they
 * ask for is null, one they try to change NOT_FOUND. Which rows a caller sees is filtered in SQL (`ContractVisibility`).
 * Templates are the system operator's: its own products', and an administrator's. API keys need products:read to
 * read and products:write to write; only a person signs.
 */

/** Party to contracts at all: a verified system operator, an FSP or a hub administrator. */
export const readContracts: Rule = allow.all(
  allow.signedIn(),
  allow.scope("products", "read"),
  allow.roles("SYSTEM_OPERATOR", "FSP", "ADMIN"),
);
export const writeContracts: Rule = allow.all(
  allow.signedIn(),
  allow.scope("products", "write"),
  allow.roles("SYSTEM_OPERATOR", "FSP", "ADMIN"),
);
/** A template, an issue, an activation, a call-off: the system operator's side. */
export const writeAsSo: Rule = allow.all(allow.signedIn(), allow.scope("products", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN"));
/** A signature or a variation is a person's act, never an API key's. */
const person: Rule = (identity) => (identity?.kind === "user" ? null : forbidden("Only a signed-in person may sign or vary a contract"));

/** The rows a caller sees: every contract, or those whose company or provider it acts for. */
export type ContractVisibility = { everything: true } | { everything: false; companyOf: string | null; providerOf: string | null };

export function visibleContracts(identity: Identity | null): ContractVisibility {
  if (seesEveryOrganisation(identity)) return { everything: true };
  const organisationId = identity?.organisationId ?? null;
  return {
    everything: false,
    companyOf: identity?.roles.includes("SYSTEM_OPERATOR") ? organisationId : null,
    providerOf: identity?.roles.includes("FSP") ? organisationId : null,
  };
}

/** The side the caller acts for on a contract, or null (an administrator or a stranger). */
export function sideOf(identity: Identity | null, row: { companyId: string; providerId: string }): ContractSide | null {
  if (!identity?.organisationId) return null;
  if (identity.roles.includes("SYSTEM_OPERATOR") && identity.organisationId === row.companyId) return "SO";
  if (identity.roles.includes("FSP") && identity.organisationId === row.providerId) return "FSP";
  return null;
}

/** Templates and issuing: the product's owner as a verified system operator, or an administrator. */
export const mayActForProductOwner = (identity: Identity | null, ownerId: string) =>
  seesEveryOrganisation(identity) || (identity?.roles.includes("SYSTEM_OPERATOR") === true && identity.organisationId === ownerId);

/**
 * Run against the locked contract: who may move it to `status`. The company's SO and an administrator make every
 * move but SIGNED (which only signatures make); the provider may only terminate.
 */
export function requireMayMoveContract(identity: Identity | null, row: { companyId: string; providerId: string }, status: ContractStatus) {
  if (status === "SIGNED") throw forbidden("A contract becomes SIGNED when both sides have signed it (signContract)");
  if (seesEveryOrganisation(identity)) return;
  const side = sideOf(identity, row);
  if (side === "SO" || (side === "FSP" && status === "TERMINATED")) return;
  throw forbidden(
    "Only the company's system operator (or a hub administrator) may change this contract's status; the provider may terminate it",
  );
}

/**
 * Run against the locked contract before a signature: the side the caller signs for. Another organisation's contract
 * is FORBIDDEN when the caller sees it (an administrator signs for neither side) and NOT_FOUND otherwise.
 */
export function requireSigningSide(identity: Identity | null, row: { id: string; companyId: string; providerId: string }): ContractSide {
  const side = sideOf(identity, row);
  if (side) return side;
  if (seesEveryOrganisation(identity)) throw forbidden("A hub administrator signs for neither side of a contract");
  throw notFound("Contract", row.id);
}

export const policy: Policy<Context> = {
  "Query.contractTemplate": readContracts,
  "Query.contract": readContracts,
  "Query.contracts": readContracts,
  // The product's owner is read in the resolver (a local table) and decided with mayActForProductOwner.
  "Mutation.saveContractTemplate": writeAsSo,
  "Mutation.issueContract": writeAsSo,
  "Mutation.signContract": allow.all(writeContracts, person),
  "Mutation.updateContractStatus": writeContracts,
  "Mutation.recordContractVariation": allow.all(writeContracts, person),
  "Mutation.addCallOff": writeAsSo,
  // Who may see the invoice is the transactions subgraph's call; the contract itself is filtered to its parties in SQL.
  "Invoice.contract": readContracts,
  "SettlementStatement.contract": readContracts,
};
