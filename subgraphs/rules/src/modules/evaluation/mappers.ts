import type { RuleOutcomeValue } from "./engine.js";
import type { RuleEvaluationRow } from "./repository.js";

export type RuleOutcomeResultMapper = RuleOutcomeValue;
export type RuleEvaluationMapper = RuleEvaluationRow;
