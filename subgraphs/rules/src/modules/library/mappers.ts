import type { RuleDocumentRecord, RuleDocumentVersionRow } from "./repository.js";

export type RuleDocumentMapper = RuleDocumentRecord;
export type RuleDocumentVersionMapper = RuleDocumentVersionRow;
/** Applicable rules: resolved fully by Query.applicableRules. */
export type ApplicableRulesMapper = {
  on: Date;
  rules: import("../../mappers.js").MarketRuleMapper[];
  documents: RuleDocumentRecord[];
};
