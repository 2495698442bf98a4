import { type Database, isUuid } from "@sfe/kit";
import { and, arrayOverlaps, desc, eq } from "drizzle-orm";
import { ruleEvaluations } from "./tables.js";

export type RuleEvaluationRow = typeof ruleEvaluations.$inferSelect;
export type NewRuleEvaluation = typeof ruleEvaluations.$inferInsert;

/** Whose evaluations a caller reads: every one (`{}`, an administrator) or those naming its organisation as a party. */
export type EvaluationScope = { partyId?: string };

const RECORD_ROWS = 2_000;

export function createRuleEvaluationRepository(db: Database) {
  return {
    /**
     * Outcomes of one or many evaluations, set-based (append-only: never updated): one insert per 2,000 rows, which
     * keeps a statement's parameters under the protocol's 65,535.
     */
    async record(rows: readonly NewRuleEvaluation[]): Promise<RuleEvaluationRow[]> {
      const written: RuleEvaluationRow[] = [];
      for (let i = 0; i < rows.length; i += RECORD_ROWS) {
        written.push(
          ...(await db
            .insert(ruleEvaluations)
            .values(rows.slice(i, i + RECORD_ROWS))
            .returning()),
        );
      }
      return written;
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
