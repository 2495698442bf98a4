import { allow, type Identity, isUuid, seesEveryOrganisation } from "@sfe/kit";
import type { ConflictScope } from "./repositories/conflicts.js";

/**
 * Row visibility in the rules subgraph. Market rules are public to every signed-in caller; a conflict
 * is seen only by hub administrators and its parties (the owners of its assets, the issuers of its
 * instructions), as FSP or verified SYSTEM_OPERATOR.
 */

/** Market rules are public market information: anyone signed in (API keys: rules:read). */
export const readRules = allow.scope("rules", "read");

/** Whether the caller may create or change a rule of `product` (null: a market-wide rule): ADMIN any, a verified SO its own products. */
export function canWriteRulesOf(identity: Identity | null, product: { ownerId: string | null } | null): boolean {
  if (seesEveryOrganisation(identity)) return true;
  if (!identity?.roles.includes("SYSTEM_OPERATOR") || !identity.organisationId || !product) return false;
  return product.ownerId === identity.organisationId;
}

/**
 * The repository scope of the conflicts the caller may see: every one (ADMIN), its organisation's, or none (null:
 * the policy hides conflicts from such callers, and the repository reads nothing for it).
 */
export function visibleConflictScope(identity: Identity | null): ConflictScope | null {
  if (!identity || readRules(identity) !== null) return null;
  if (seesEveryOrganisation(identity)) return {};
  const organisationId = identity.organisationId;
  const takesPart = identity.roles.includes("FSP") || identity.roles.includes("SYSTEM_OPERATOR");
  return takesPart && organisationId && isUuid(organisationId) ? { partyId: organisationId } : null;
}

/**
 * How the caller may move a conflict within its `visibleConflictScope` (the repository locks only those):
 * any valid move (ADMIN, or a verified SO among its parties), only to ACKNOWLEDGED (an FSP party), or none
 * (no scope).
 */
export function conflictMoves(identity: Identity | null): "any" | "acknowledge" | "none" {
  if (!identity || visibleConflictScope(identity) === null) return "none";
  if (seesEveryOrganisation(identity) || identity.roles.includes("SYSTEM_OPERATOR")) return "any";
  return identity.roles.includes("FSP") ? "acknowledge" : "none";
}

/**
 * Whether the caller may record a conflict whose dispatch instructions were issued by `issuerIds`:
 * ADMIN, or a verified SO that issued one of them (so it is among the conflict's parties).
 */
export function canRecordConflict(identity: Identity | null, issuerIds: readonly string[]): boolean {
  if (seesEveryOrganisation(identity)) return true;
  if (!identity?.roles.includes("SYSTEM_OPERATOR") || !identity.organisationId) return false;
  return issuerIds.includes(identity.organisationId);
}
