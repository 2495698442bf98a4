import { allow, type Policy, type Rule } from "@sfe/kit";
import type { Context } from "../../loaders.js";

/**
 * Positions are individual records: for the parties to the market (FSPs, verified SOs, third-party platforms
 * within their key's transactions:read scope) and hub administrators. Investors and regulators see aggregates only:
 * FORBIDDEN. Which records each sees is loaders.ts.
 */
const seesPositions: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "THIRD_PARTY", "ADMIN"));

export const policy: Policy<Context> = {
  "Asset.position": seesPositions,
  "MarketUnit.position": seesPositions,
  // The caller's own area: a verified SO's (from its zones and products) or, for an administrator, the whole of GB.
  "Query.positionsInArea": allow.all(allow.scope("transactions", "read"), allow.roles("SYSTEM_OPERATOR", "ADMIN")),
};
