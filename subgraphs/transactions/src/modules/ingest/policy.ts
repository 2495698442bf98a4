import { allow, type Identity, type Policy, type Rule, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { EntitySpec } from "./entities.js";

/** Reading batches: the parties that ingest (FSPs, verified SOs) and hub administrators; investors and regulators not. */
const readBatches: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN"));

/** Who may send a file of each entity at all (each row is then checked against its own asset, unit or product). */
export const mayIngest: Readonly<Record<string, Rule>> = {
  "meter-readings": allow.all(allow.scope("transactions", "write"), allow.roles("FSP", "ADMIN")),
  "dispatch-instructions": allow.all(allow.scope("transactions", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN")),
  // NESO's published masterdata is the buyer's record of the bids (their outcomes): its SO ingests it.
  bids: allow.all(allow.scope("transactions", "write"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN")),
  awards: allow.all(allow.scope("transactions", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN")),
  "clearing-results": allow.all(allow.scope("transactions", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN")),
  "availability-declarations": allow.all(allow.scope("transactions", "write"), allow.roles("FSP", "ADMIN")),
  "unavailability-notices": allow.all(allow.scope("transactions", "write"), allow.roles("FSP", "ADMIN")),
};
export const ingestRule = (spec: EntitySpec<unknown>): Rule => mayIngest[spec.path] ?? (() => null);

/** The batches a caller sees: its organisation's, or all (ADMIN). undefined: none. */
export function batchOrganisation(identity: Identity | null): string | null | undefined {
  if (seesEveryOrganisation(identity)) return null;
  return identity?.organisationId ?? undefined;
}

export const policy: Policy<Context> = {
  "Query.ingestBatch": readBatches,
  "Query.ingestBatches": readBatches,
};
