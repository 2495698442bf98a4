import type { Policy } from "@sfe/kit";
import { isHubAdmin, isMember, isOrgAdmin } from "../../identity.js";
import type { Context } from "../../loaders.js";
import { hubAdmin, orgAdminOf, readUsers } from "../../policy.js";

export const policy: Policy<Context> = {
  // A public directory for anyone signed in: names, roles and status of organisations.
  "Query.organisation": readUsers,
  "Query.organisations": readUsers,

  "Organisation.users": (identity, { parent }) => isMember(identity, parent.id) || isHubAdmin(identity),
  // Every other field of an organisation, however it is reached (a query, `asset.owner` through
  // `_entities`, `user.organisation`), needs the same read rule as the queries; its key `id` resolves for
  // anyone, so federation and other subgraphs' existence checks keep working. Anonymous callers see one
  // only in a mutation's payload: the way in (sign-up, sign-in, accepting an invitation) shows their own.
  "Organisation.*": (identity, { info }) => (identity === null && info?.operation.operation === "mutation") || readUsers(identity),

  "Mutation.registerOrganisation": hubAdmin,
  // The organisation's administrators may rename it; its roles, areas and status are the hub's to set.
  "Mutation.updateOrganisation": (identity, { args }) =>
    isHubAdmin(identity) ||
    (isOrgAdmin(identity, args.input.id) && args.input.status == null && args.input.roles == null && args.input.areas == null),
  "Mutation.deregisterOrganisation": orgAdminOf((args) => args.id, true),
  "Mutation.reinstateOrganisation": hubAdmin,
};
