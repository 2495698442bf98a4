import type { Policy } from "@sfe/kit";
import { isHubAdmin, isOrgAdmin } from "../../identity.js";
import type { Context } from "../../loaders.js";
import { orgAdminOf } from "../../policy.js";

/** An organisation's administrators (and hub administrators, to list and revoke) manage its keys. */
export const policy: Policy<Context> = {
  "Query.apiKeys": orgAdminOf((args) => args.organisationId, true),
  "Mutation.createApiKey": orgAdminOf((args) => args.input.organisationId),
  "Mutation.revokeApiKey": async (identity, { args, context }) => {
    const key = await context.loaders.apiKey.load(args.id);
    return key !== null && (isOrgAdmin(identity, key.organisationId) || isHubAdmin(identity));
  },
};
