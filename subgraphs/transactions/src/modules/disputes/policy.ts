import { allow, forbidden, type Identity, type Policy, type Rule, type SfeError, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { sideOf } from "../settlement/policy.js";
import type { DisputeStatus } from "./tables.js";

/**
 * Disputes (§4.18, §7.10): raised by a party to the subject (its provider FSP or its system operator), seen by those
 * two and hub administrators only (anyone else: null, or NOT_FOUND for a write). The raiser withdraws; the other party
 * (or an administrator) acknowledges, investigates, asks for information and resolves; either party answers a
 * request for information (AWAITING_INFO → UNDER_INVESTIGATION).
 */
const signedIn: Rule = allow.all(allow.signedIn(), allow.scope("transactions", "read"));
const participants: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN"));
const write = (...roles: Parameters<typeof allow.roles>): Rule => allow.all(allow.scope("transactions", "write"), allow.roles(...roles));

export const policy: Policy<Context> = {
  "Query.dispute": signedIn,
  "Query.disputes": participants,
  "Dispute.__resolveReference": signedIn,
  "Mutation.raiseDispute": write("FSP", "SYSTEM_OPERATOR"),
  "Mutation.updateDisputeStatus": write("FSP", "SYSTEM_OPERATOR", "ADMIN"),
};

interface DisputeParties {
  providerId: string;
  buyerId: string;
  raisedByOrgId: string;
}

export function disputeMoveRefusal(
  identity: Identity | null,
  row: DisputeParties,
  from: DisputeStatus,
  to: DisputeStatus,
): SfeError | null {
  if (seesEveryOrganisation(identity)) return null;
  const side = sideOf(identity, row);
  if (side === null) return forbidden("Only the parties to a dispute may move it");
  const raiser = identity?.organisationId === row.raisedByOrgId;
  if (to === "WITHDRAWN") return raiser ? null : forbidden("Only the party that raised a dispute may withdraw it");
  if (from === "AWAITING_INFO" && to === "UNDER_INVESTIGATION") return null;
  if (raiser)
    return forbidden("The other party (or a hub administrator) acknowledges, investigates and resolves a dispute, not its raiser");
  return null;
}
