import { allow, type Policy } from "@sfe/kit";
import { readRules } from "../../access.js";
import type { Context } from "../../loaders.js";

/** The rules library is public market information (rules:read); the market facilitator's (hub administrators') to write. */
const writeLibrary = allow.all(allow.scope("rules", "write"), allow.roles("ADMIN"));

export const policy: Policy<Context> = {
  "Query.ruleDocuments": readRules,
  "Query.ruleDocument": readRules,
  "Query.applicableRules": readRules,
  "RuleDocument.__resolveReference": readRules,
  "Mutation.createRuleDocument": writeLibrary,
  "Mutation.addRuleDocumentVersion": writeLibrary,
};
