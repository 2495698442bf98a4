import { allow, forbidden, type Identity, type Policy, type Rule, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ServiceArea } from "../positions/service-area.js";
import type { AvailabilityVisibility } from "./repository.js";

/**
 * Availability declarations and unavailability notices (D.1). Single lookups: anyone signed in (null unless the
 * caller may see the record, filtered in SQL); lists: the parties to the market and administrators (investors and
 * regulators FORBIDDEN); writes: the FSP that owns the unit or asset (checked once its owner is known, in the
 * resolver) or an administrator.
 */
const signedIn: Rule = allow.all(allow.signedIn(), allow.scope("transactions", "read"));
const listRecords: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "THIRD_PARTY", "ADMIN"));
const write: Rule = allow.all(allow.scope("transactions", "write"), allow.roles("FSP", "ADMIN"));

export const policy: Policy<Context> = {
  "Query.availabilityDeclaration": signedIn,
  "Query.availabilityDeclarations": listRecords,
  "Query.unavailabilityNotice": signedIn,
  "Query.unavailabilityNotices": listRecords,
  "Mutation.declareAvailability": write,
  "Mutation.replaceAvailabilityDeclaration": write,
  "Mutation.withdrawAvailabilityDeclaration": write,
  "Mutation.submitUnavailabilityNotice": write,
  "Mutation.withdrawUnavailabilityNotice": write,
};

/** The records `identity` reads, given its service area as an SO (null when it acts as none). */
export function availabilityVisibility(identity: Identity | null, area: ServiceArea | null): AvailabilityVisibility {
  if (!identity || allow.scope("transactions", "read")(identity)) return { everything: false, providerId: null, buyerId: null, area: null };
  if (seesEveryOrganisation(identity)) return { everything: true, providerId: null, buyerId: null, area: null };
  const so = identity.roles.includes("SYSTEM_OPERATOR");
  return {
    everything: false,
    providerId: identity.roles.includes("FSP") ? identity.organisationId : null,
    buyerId: so ? identity.organisationId : null,
    area: so ? area : null,
  };
}

/** Whether the caller may write for a unit or asset owned by `owner`: its own FSP, or an administrator. */
export function ownerRefusal(identity: Identity | null, owner: string, what: string) {
  if (seesEveryOrganisation(identity) || (identity?.roles.includes("FSP") && identity.organisationId === owner)) return null;
  return forbidden(`Only the FSP that owns the ${what} (or a hub administrator) may do this`);
}
