import { allow, type Policy } from "@sfe/kit";
import { readRules } from "../../access.js";
import type { Context } from "../../loaders.js";

/** The organisations rules are evaluated for (FSPs, SOs) and administrators; investors and regulators see aggregates only. */
const takesPart = allow.all(readRules, allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR"));

export const policy: Policy<Context> = {
  "Query.checkRules": takesPart,
  // Rows are filtered to the caller's organisation's subjects in SQL (resolvers.ts).
  "Query.ruleEvaluations": takesPart,
  "Query.ruleFactSchemas": readRules,
};
