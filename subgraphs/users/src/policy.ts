import { allow, type FieldRule, type RowRule } from "@sfe/kit";
import { canRead, canSeeUser, isHubAdmin, isOrgAdmin, isPerson } from "./identity.js";
import type { Context } from "./loaders.js";
import type { UserRow } from "./modules/accounts/repository.js";

/**
 * The rules the users modules' policy tables (src/modules/<aggregate>/policy.ts) are made of, on the kit's policy
 * model (subgraphs/kit/src/policy.ts): every Query and Mutation field has a rule, or the build fails. Rules see
 * the identity, the arguments, the parent and (row rules) the row; `false` is UNAUTHENTICATED for anonymous
 * callers and FORBIDDEN for others, `"hide"` answers null.
 */

export type Rule = FieldRule<Context>;

export const anyone = allow.anyone();
/** Any person, or an API key with users:read (or users:write). */
export const readUsers = allow.all(allow.signedIn(), allow.scope("users", "read"));
/** A signed-in person (not an API key). */
export const person: Rule = (identity) => isPerson(identity);
export const hubAdmin: Rule = (identity) => isHubAdmin(identity);
/** The administrator of the organisation `orgId` names (or, with `orHubAdmin`, a hub administrator). */
export const orgAdminOf =
  (orgId: (args: Record<string, any>) => string | undefined, orHubAdmin = false): Rule =>
  (identity, { args }) => {
    const id = orgId(args);
    return (id !== undefined && isOrgAdmin(identity, id)) || (orHubAdmin && isHubAdmin(identity));
  };
/** Any person, or an API key with a users scope (for entity references: a refusal is null there). */
export const mayRead: Rule = (identity) => canRead(identity);
/** Users you may not see are null (yourself, your organisation's members; hub administrators see everyone). */
export const seesUser: RowRule<Context, UserRow> = (identity, user) => canSeeUser(identity, user) || "hide";
