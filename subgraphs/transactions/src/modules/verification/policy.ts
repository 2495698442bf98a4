import { allow, forbidden, type Identity, type Policy, type Rule, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";

/**
 * Who may call each verification operation (the kit's policy model). Which rows each caller sees is filtered in SQL
 * (repository.ts, on access.ts's Visibility): an FSP its own assets' readings, assessments and penalties, a system
 * operator those of its own products and instructions, an administrator all. Investors and regulators see no record
 * (lists refuse them FORBIDDEN); a regulator reads the service-delivery report, anonymised.
 */
const signedIn: Rule = allow.all(allow.signedIn(), allow.scope("transactions", "read"));
const listRecords: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN"));
const report: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN", "REGULATOR"));
const write = (...roles: Parameters<typeof allow.roles>): Rule => allow.all(allow.scope("transactions", "write"), allow.roles(...roles));

/** The organisation the caller acts for with `role`, or null. */
export const orgAs = (identity: Identity | null, role: "FSP" | "SYSTEM_OPERATOR") =>
  identity?.roles.includes(role) ? identity.organisationId : null;

/** An FSP writes readings of its own organisation's assets and units only. */
export function readingOwnerRefusal(identity: Identity | null, owner: string, row: number) {
  if (seesEveryOrganisation(identity) || orgAs(identity, "FSP") === owner) return null;
  return forbidden(`readings[${row}]: an FSP may record readings only of its own organisation's assets and units`);
}

/** The system operator that bought (and, for an instruction, issued) the record, or an administrator. */
export function buyerRefusal(identity: Identity | null, buyerId: string, what: string) {
  if (seesEveryOrganisation(identity) || orgAs(identity, "SYSTEM_OPERATOR") === buyerId) return null;
  return forbidden(`Only the system operator that bought ${what}, or a hub administrator, may do this`);
}

export const policy: Policy<Context> = {
  "Query.meterReadings": listRecords,
  "Query.baseline": signedIn,
  "Query.baselines": listRecords,
  "Query.performanceAssessment": signedIn,
  "Query.performanceAssessments": listRecords,
  "Query.serviceDeliveryReport": report,
  "Asset.meterReadings": listRecords,
  "MarketUnit.meterReadings": listRecords,
  "Asset.performanceAssessments": listRecords,
  "MarketUnit.performanceAssessments": listRecords,

  "Mutation.recordMeterReadings": write("FSP", "ADMIN"),
  "Mutation.registerBaseline": write("FSP", "SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.assessDispatch": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.publishAssessment": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.finaliseAssessment": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.issuePenalty": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.setPenaltyWaiver": write("SYSTEM_OPERATOR", "ADMIN"),
};
