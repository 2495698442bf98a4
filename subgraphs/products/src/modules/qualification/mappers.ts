import type {
  prequalificationRequirements,
  qualificationAnswers,
  qualificationApplications,
  qualificationAssessments,
} from "../../db/schema.js";
import type { MergedRequirement } from "./validation.js";

export type PrequalificationRequirementMapper = typeof prequalificationRequirements.$inferSelect;
export type QualificationApplicationMapper = typeof qualificationApplications.$inferSelect;
/** Its status is read as EXPIRED past validTo. */
export type QualificationAssessmentMapper = typeof qualificationAssessments.$inferSelect;
export type QualificationAnswerMapper = typeof qualificationAnswers.$inferSelect;

/** Requirements sharing a key, merged (validation.ts mergeRequirements), and the application whose answer it shows. */
export type ApplicationRequirementMapper = MergedRequirement & { applicationId: string };

export type QualificationCheckMapper = {
  subjectId: string;
  productId: string;
  at: Date;
  qualified: boolean;
  counterpartyQualified: boolean;
  assessment: QualificationAssessmentMapper | null;
};
