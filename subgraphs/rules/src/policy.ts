import { allow, type Policy } from "@sfe/kit";

/**
 * Who may call each operation of the rules subgraph (the access model: kit/src/policy.ts). Row-level
 * limits — which conflicts a caller sees, whose products an SO may write rules for, who may move a
 * conflict — live in access.ts and are applied by the resolvers.
 */

/** Market rules are public market information: anyone signed in (API keys: rules:read). */
export const readRules = allow.scope("rules", "read");

/**
 * Lists of conflicts: hub administrators, and the organisations that take part in conflicts (FSPs own
 * the assets, system operators issue the instructions). Investors, regulators and an unverified SO
 * (no effective role) are refused; a single conflict answers null for them instead.
 */
export const readConflictLists = allow.all(readRules, allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR"));

/** Writing rules and recording conflicts: hub administrators and verified system operators (rules:write). */
const writeAsOperator = allow.all(allow.scope("rules", "write"), allow.roles("ADMIN", "SYSTEM_OPERATOR"));

export const policy: Policy = {
  "Query.marketRule": readRules,
  "Query.marketRules": readRules,
  "Product.rules": readRules,
  // Null unless the caller is a party (or ADMIN): resolvers/Query.ts, access.ts.
  "Query.conflict": readRules,
  "Query.conflicts": readConflictLists,
  "Asset.conflicts": readConflictLists,
  // An SO only for products it owns: access.ts canWriteRulesOf.
  "Mutation.createMarketRule": writeAsOperator,
  "Mutation.updateMarketRule": writeAsOperator,
  // An SO only when it issued one of the instructions: access.ts canRecordConflict.
  "Mutation.recordConflict": writeAsOperator,
  // A party only; an FSP party may only acknowledge: access.ts conflictMoves.
  "Mutation.updateConflictStatus": allow.all(allow.scope("rules", "write"), allow.roles("ADMIN", "SYSTEM_OPERATOR", "FSP")),
};
