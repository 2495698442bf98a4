import type { Policy } from "@sfe/kit";
import { isHubAdmin, isOrgAdmin, isPerson } from "../../identity.js";
import type { Context } from "../../loaders.js";
import { anyone, hubAdmin, mayRead, orgAdminOf, person, readUsers, seesUser } from "../../policy.js";

export const policy: Policy<Context> = {
  // A user you may not see is null, asked for by id or by reference.
  "Query.user": { call: readUsers, row: seesUser },
  "Query.me": person,
  "User.__resolveReference": { call: mayRead, row: seesUser },

  // The way in, for anyone.
  "Mutation.signUp": anyone,
  "Mutation.verifyEmail": anyone,
  "Mutation.resendVerification": anyone,
  "Mutation.acceptInvitation": anyone,

  "Mutation.createUser": hubAdmin,
  "Mutation.verifySystemOperator": hubAdmin,
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
};
