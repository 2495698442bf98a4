import { allow, type FieldRule, forbidden, notFound, type Policy, type Rule, requireUuid, seesEveryOrganisation } from "@sfe/kit";
import type { CreateMarketRuleInput } from "./__generated__/resolvers-types.js";
import { conflictMoves, readRules, visibleConflictScope } from "./access.js";
import type { Context } from "./loaders.js";
import { marketRuleValues } from "./validation.js";

/**
 * Who may call each operation of the rules subgraph, on the kit's policy model (kit/src/policy.ts). Market rules
 * are public to every signed-in caller; a conflict is seen only by hub administrators and its parties, filtered
 * in SQL (access.ts visibleConflictScope), and callers who are party to none see none. Whose products an SO may
 * write rules for, and who may record a conflict, are decided once the other subgraphs have answered who owns
 * what (resolvers/Mutation.ts, access.ts canWriteRulesOf, canRecordConflict).
 */

/**
 * Lists of conflicts: hub administrators, and the organisations that take part in conflicts (FSPs own
 * the assets, system operators issue the instructions). Investors, regulators and an unverified SO
 * (no effective role) are refused; a single conflict answers null for them instead.
 */
const readConflictLists = allow.all(readRules, allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR"));

/** Writing rules and recording conflicts: hub administrators and verified system operators (rules:write). */
const writeAsOperator = allow.all(allow.scope("rules", "write"), allow.roles("ADMIN", "SYSTEM_OPERATOR"));

/** `rule`, then: a caller party to no conflict sees none (null, or an empty list), without an error. */
const seesConflicts =
  (rule: Rule): FieldRule<Context> =>
  (identity) =>
    rule(identity) ?? (visibleConflictScope(identity) !== null || "hide");

export const policy: Policy<Context> = {
  "Query.marketRule": readRules,
  "Query.marketRules": readRules,
  "Product.rules": readRules,
  "MarketRule.__resolveReference": readRules,
  "Query.conflict": seesConflicts(readRules),
  "Query.conflicts": seesConflicts(readConflictLists),
  "Asset.conflicts": seesConflicts(readConflictLists),
  "Conflict.__resolveReference": seesConflicts(readRules),

  // A market-wide rule is a hub administrator's (the input read as the resolver reads it, BAD_USER_INPUT first);
  // an SO's rule names one of its products, checked once the products subgraph has said who owns it.
  "Mutation.createMarketRule": (identity, { args }) =>
    writeAsOperator(identity) ??
    (marketRuleValues(args.input as CreateMarketRuleInput).productId !== null ||
      seesEveryOrganisation(identity) ||
      forbidden("Only a hub administrator may create a market-wide rule; a system operator names one of its products (productId)")),
  // An SO only for its own products' rules: resolvers/Mutation.ts, once the rule's product's owner is known.
  "Mutation.updateMarketRule": writeAsOperator,
  // An SO only when it issued one of the instructions: resolvers/Mutation.ts, once their issuers are known.
  "Mutation.recordConflict": writeAsOperator,
  // A party only (NOT_FOUND for anyone else, as for an unknown conflict); an FSP party may only acknowledge. Its
  // parties never change, so reading it first is safe; the move itself is checked against the locked row.
  "Mutation.updateConflictStatus": async (identity, { args: { input }, context }) => {
    const refusal = allow.all(allow.scope("rules", "write"), allow.roles("ADMIN", "SYSTEM_OPERATOR", "FSP"))(identity);
    if (refusal) return refusal;
    const id = requireUuid(input.id, "id");
    const scope = visibleConflictScope(identity);
    if (!scope || !(await context.loaders.conflict(scope).load(id))) return notFound("Conflict", input.id);
    if (conflictMoves(identity) === "acknowledge" && input.status !== "ACKNOWLEDGED") {
      return forbidden("An FSP may only acknowledge a conflict (ACKNOWLEDGED); its system operator settles it");
    }
    return true;
  },
};
