import { allow, type Policy, type Rule } from "@sfe/kit";
import type { Context } from "../../loaders.js";

/** The parties to a bid (FSPs, SOs) and administrators; investors and regulators FORBIDDEN. Whose unit: resolvers.ts. */
const takesPart: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN"));

export const policy: Policy<Context> = {
  "Query.checkBid": takesPart,
  "Query.checkParticipation": takesPart,
};
