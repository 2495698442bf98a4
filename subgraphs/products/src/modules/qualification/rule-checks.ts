import { type EntityReferences, enforce, knownFacts, type RuleWarning } from "@sfe/kit";
import type { QualificationSubjectType } from "../../db/schema.js";

/**
 * The market rules of a pre-qualification application (issue 11 item 2), evaluated once when it is submitted, through
 * the kit's rule-check client: the products' ELIGIBILITY / QUALIFICATION rules held for subject kind
 * QUALIFICATION_APPLICATION (e.g. R-ELG-1-QA-DCL, a unit of at least 1 MW to pre-qualify for DCL). BLOCK: RULE_VIOLATION
 * naming each failed rule, nothing written; NOTIFY: submitted, with the warnings; the rules subgraph unreachable:
 * UPSTREAM_UNAVAILABLE (fail closed).
 */
export interface ApplicationSubject {
  id: string;
  applicantId: string;
  subjectType: QualificationSubjectType;
  subjectId: string;
}

type SubjectFields = { importCapacityKw?: number; exportCapacityKw?: number; gspGroup?: string | null; gspGroups?: string[] };

const mw = (kw: unknown) => (typeof kw === "number" && Number.isFinite(kw) ? kw / 1000 : null);

/**
 * The application's facts (QUALIFICATION_APPLICATION schema) that hold whichever product is applied for:
 * productCodes, and for an asset or unit its capability (max of import and export, MW) and for a unit how many
 * GSP groups its members are in. Facts not known are left out, so a rule reading one is NOT_APPLICABLE.
 */
export async function applicationFacts(
  references: EntityReferences,
  application: ApplicationSubject,
  productCodes: string[],
): Promise<Record<string, unknown>> {
  if (application.subjectType === "ORGANISATION") return knownFacts({ productCodes });
  const unit = application.subjectType === "MARKET_UNIT";
  const [subject] = await references.lookup<SubjectFields>(
    unit ? "MarketUnit" : "Asset",
    [application.subjectId],
    unit ? "importCapacityKw exportCapacityKw gspGroups" : "importCapacityKw exportCapacityKw",
  );
  const [importMw, exportMw] = [mw(subject?.importCapacityKw), mw(subject?.exportCapacityKw)];
  return knownFacts({
    productCodes,
    unitCapacityMw: importMw === null && exportMw === null ? null : Math.max(importMw ?? 0, exportMw ?? 0),
    memberGspGroupCount: unit && Array.isArray(subject?.gspGroups) ? new Set(subject.gspGroups).size : null,
  });
}

/** Evaluates the application's rules for its products: RULE_VIOLATION on BLOCK, else the warnings to submit with. */
export async function enforceApplicationRules(
  references: EntityReferences,
  application: ApplicationSubject,
  products: { id: string; code: string; ownerId: string | null }[],
): Promise<RuleWarning[]> {
  return enforce(references, {
    subjectKind: "QUALIFICATION_APPLICATION",
    subject: { type: "QualificationApplication", id: application.id },
    facts: await applicationFacts(
      references,
      application,
      products.map((p) => p.code),
    ),
    productIds: products.map((p) => p.id),
    partyIds: [application.applicantId, ...products.map((p) => p.ownerId)],
  });
}
