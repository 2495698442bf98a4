import type { Policy } from "@sfe/kit";
import { isHubAdmin, isMember } from "../../identity.js";
import type { Context } from "../../loaders.js";

/**
 * An organisation's trail: its members and hub administrators. A record's trail: anyone signed in, since the
 * subgraph that owns the record answers only what the caller may see of it.
 */
export const policy: Policy<Context> = {
  "Query.auditEvents": (identity, { args }) =>
    args.organisationId != null ? isMember(identity, args.organisationId) || isHubAdmin(identity) : identity !== null,
};
