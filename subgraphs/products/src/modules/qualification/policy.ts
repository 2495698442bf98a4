import { allow, type Policy, type Rule, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts, writeProducts } from "../../policy.js";

/**
 * Requirements are market information: whoever reads the product reads them; its system operator declares them.
 * Applications are the applicant's: an FSP sees and changes its organisation's only (SQL filters, repository.ts
 * Viewer). Assessments are seen by the applicant and by the product's system operator, decided by that system
 * operator only (another one's are NOT_FOUND); hub administrators see and may do everything.
 */
const fspWrites: Rule = allow.all(allow.scope("products", "write"), allow.roles("FSP"));
const soWrites: Rule = allow.all(allow.scope("products", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN"));

export const policy: Policy<Context> = {
  "Query.qualificationApplication": readProducts,
  "Query.qualificationApplications": readProducts,
  "Query.qualificationAssessments": readProducts,
  "Query.qualificationStatus": readProducts,
  "ProductVersion.prequalificationRequirements": readProducts,
  // The system operator assesses its product's part: the whole application (other products' answers) is the applicant's.
  "QualificationAssessment.application": (identity, { parent }) =>
    seesEveryOrganisation(identity) || identity?.organisationId === parent.applicantId ? null : "hide",
  "Mutation.declarePrequalificationRequirement": writeProducts,
  "Mutation.applyForQualification": fspWrites,
  "Mutation.answerQualificationRequirements": fspWrites,
  "Mutation.submitQualificationApplication": fspWrites,
  "Mutation.assessQualification": soWrites,
};
