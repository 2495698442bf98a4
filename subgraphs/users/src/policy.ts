import { allow, type FieldRule, type Policy, type RowRule } from "@sfe/kit";
import { canRead, canSeeUser, isHubAdmin, isMember, isOrgAdmin, isPerson } from "./identity.js";
import type { Context } from "./loaders.js";
import type { UserRow } from "./repositories/users.js";

/**
 * Who may call what in the users subgraph, in one table next to the schema (the kit's policy model,
 * subgraphs/kit/src/policy.ts): every Query and Mutation field has a rule, or the build fails. Rules see the
 * identity, the arguments, the parent and (row rules) the row; `false` is UNAUTHENTICATED for anonymous
 * callers and FORBIDDEN for others, `"hide"` answers null.
 */

type Rule = FieldRule<Context>;

const anyone = allow.anyone();
/** Any person, or an API key with users:read (or users:write). */
const readUsers = allow.all(allow.signedIn(), allow.scope("users", "read"));
/** A signed-in person (not an API key). */
const person: Rule = (identity) => isPerson(identity);
const hubAdmin: Rule = (identity) => isHubAdmin(identity);
/** The administrator of the organisation `orgId` names (or, with `orHubAdmin`, a hub administrator). */
const orgAdminOf =
  (orgId: (args: Record<string, any>) => string | undefined, orHubAdmin = false): Rule =>
  (identity, { args }) => {
    const id = orgId(args);
    return (id !== undefined && isOrgAdmin(identity, id)) || (orHubAdmin && isHubAdmin(identity));
  };
/** Any person, or an API key with a users scope (for entity references: a refusal is null there). */
const mayRead: Rule = (identity) => canRead(identity);
/** Users you may not see are null (yourself, your organisation's members; hub administrators see everyone). */
const seesUser: RowRule<Context, UserRow> = (identity, user) => canSeeUser(identity, user) || "hide";

export const policy: Policy<Context> = {
  // A public directory for anyone signed in: names, roles and status of organisations.
  "Query.organisation": readUsers,
  "Query.organisations": readUsers,
  "Query.user": { call: readUsers, row: seesUser },
  "Query.me": person,
  "Query.apiKeys": orgAdminOf((args) => args.organisationId, true),
  "Query.auditEvents": (identity, { args }) => isMember(identity, args.organisationId) || isHubAdmin(identity),

  "Organisation.users": (identity, { parent }) => isMember(identity, parent.id) || isHubAdmin(identity),
  // Every other field of an organisation, however it is reached (a query, `asset.owner` through
  // `_entities`, `user.organisation`), needs the same read rule as the queries; its key `id` resolves for
  // anyone, so federation and other subgraphs' existence checks keep working. Anonymous callers see one
  // only in a mutation's payload: the way in (sign-up, sign-in, accepting an invitation) shows their own.
  "Organisation.*": (identity, { info }) => (identity === null && info?.operation.operation === "mutation") || readUsers(identity),
  "User.__resolveReference": { call: mayRead, row: seesUser },

  // The way in, for anyone.
  "Mutation.signUp": anyone,
  "Mutation.verifyEmail": anyone,
  "Mutation.resendVerification": anyone,
  "Mutation.signIn": anyone,
  "Mutation.signInWithIdToken": anyone,
  "Mutation.refreshSession": anyone,
  "Mutation.signOut": anyone,
  "Mutation.acceptInvitation": anyone,

  "Mutation.changePassword": person,
  "Mutation.registerOrganisation": hubAdmin,
  "Mutation.createUser": hubAdmin,
  "Mutation.verifySystemOperator": hubAdmin,
  "Mutation.reinstateOrganisation": hubAdmin,
  // The organisation's administrators may rename it; its roles, areas and status are the hub's to set.
  "Mutation.updateOrganisation": (identity, { args }) =>
    isHubAdmin(identity) ||
    (isOrgAdmin(identity, args.input.id) && args.input.status == null && args.input.roles == null && args.input.areas == null),
  "Mutation.deregisterOrganisation": orgAdminOf((args) => args.id, true),
  // Yourself: your name; your organisation's administrators: name and role; hub administrators: also status.
  "Mutation.updateUser": async (identity, { args, context }) => {
    if (isHubAdmin(identity)) return true;
    const target = await context.loaders.user.load(args.input.id);
    if (!target || args.input.status != null) return false;
    if (isOrgAdmin(identity, target.organisationId)) return true;
    return isPerson(identity) && identity.userId === target.id && args.input.role == null;
  },
  "Mutation.inviteMember": orgAdminOf((args) => args.input.organisationId),
  "Mutation.changeMemberRole": async (identity, { args, context }) => {
    const target = await context.loaders.user.load(args.input.userId);
    return target !== null && isOrgAdmin(identity, target.organisationId);
  },
  "Mutation.createApiKey": orgAdminOf((args) => args.input.organisationId),
  "Mutation.revokeApiKey": async (identity, { args, context }) => {
    const key = await context.loaders.apiKey.load(args.id);
    return key !== null && (isOrgAdmin(identity, key.organisationId) || isHubAdmin(identity));
  },
};
