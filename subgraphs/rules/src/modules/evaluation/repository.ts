import { type Database, isUuid } from "@sfe/kit";
import { and, arrayOverlaps, desc, eq } from "drizzle-orm";
import { ruleEvaluations } from "./tables.js";

export type RuleEvaluationRow = typeof ruleEvaluations.$inferSelect;
export type NewRuleEvaluation = typeof ruleEvaluations.$inferInsert;

/** Whose evaluations a caller reads: every one (`{}`, an administrator) or those naming its organisation as a party. */
export type EvaluationScope = { partyId?: string };

export function createRuleEvaluationRepository(db: Database) {
  return {
    /** One evaluation's outcomes, in one set-based insert (append-only: never updated). */
    async record(rows: readonly NewRuleEvaluation[]): Promise<RuleEvaluationRow[]> {
      if (rows.length === 0) return [];
      return db
        .insert(ruleEvaluations)
        .values([...rows])
        .returning();
    },

    /** The evaluations of a subject within `scope`, newest first. */
    async bySubject(subjectId: string, scope: EvaluationScope, limit: number, offset: number): Promise<RuleEvaluationRow[]> {
      if (scope.partyId !== undefined && !isUuid(scope.partyId)) return [];
      return db
        .select()
        .from(ruleEvaluations)
        .where(
          and(
            eq(ruleEvaluations.subjectId, subjectId),
            scope.partyId === undefined ? undefined : arrayOverlaps(ruleEvaluations.partyIds, [scope.partyId]),
          ),
        )
        .orderBy(desc(ruleEvaluations.evaluatedAt), ruleEvaluations.ruleCode)
        .limit(limit)
        .offset(offset);
    },
  };
}

export type RuleEvaluationRepository = ReturnType<typeof createRuleEvaluationRepository>;
