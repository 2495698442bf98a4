import { badInput, quote, requireBounded, requireText } from "@sfe/kit";
import type { FeedbackAnswer } from "../../db/schema.js";

/**
 * The ProductVersion attributes a respondent may answer about (schema.graphql's ProductVersion fields that
 * describe the service; a test checks each is one). Bookkeeping fields (id, version, status, dates) are not asked.
 */
export const FEEDBACK_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "needType",
  "faultTiming",
  "serviceType",
  "directions",
  "minimumCapacityKw",
  "maximumCapacityKw",
  "responseTimeSeconds",
  "durationMinutes",
  "noticeMinutes",
  "aggregationScope",
  "locations",
  "serviceWindows",
  "efaBlocks",
  "procurement",
  "pricingUnits",
  "metering",
  "baselineMethods",
  "stackingRulesRef",
  "eligibleTechnologies",
  "agreementVersion",
  "dispatchMethod",
  "effectiveFrom",
]);

/** A consultation runs for at most a year. */
const MAX_CONSULTATION_MS = 366 * 24 * 3600 * 1000;
/** Indicative MW a respondent may state: 2 GW, as a product's largest capacity. */
export const MAX_INDICATIVE_MW = 2_000;

/** In the future and at most a year ahead. */
export function closesAt(value: Date, now = new Date()): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw badInput("closesAt must be a date-time", "closesAt");
  if (value.getTime() <= now.getTime()) throw badInput("closesAt must be in the future", "closesAt");
  if (value.getTime() - now.getTime() > MAX_CONSULTATION_MS) throw badInput("closesAt must be at most a year ahead", "closesAt");
  return value;
}

export interface FeedbackAnswerInput {
  attribute: string;
  verdict: FeedbackAnswer["verdict"];
  suggestedValue?: string | null;
  comment?: string | null;
}

/** At most 50 answers, one per attribute, each about an attribute a product version has. */
export function answers(values: readonly FeedbackAnswerInput[]): FeedbackAnswer[] {
  if (values.length > 50) throw badInput("answers must list at most 50 answers", "answers");
  const seen = new Set<string>();
  return values.map((answer, i) => {
    const attribute = answer.attribute.trim();
    if (!FEEDBACK_ATTRIBUTES.has(attribute)) {
      throw badInput(
        `answers[${i}].attribute: a product version has no attribute ${quote(answer.attribute)} (e.g. minimumCapacityKw, serviceWindows)`,
        `answers[${i}].attribute`,
      );
    }
    if (seen.has(attribute)) throw badInput(`answers: ${attribute} is answered twice`, `answers[${i}].attribute`);
    seen.add(attribute);
    return {
      attribute,
      verdict: answer.verdict,
      suggestedValue: answer.suggestedValue == null ? null : requireText(answer.suggestedValue, `answers[${i}].suggestedValue`, 500),
      comment: answer.comment == null ? null : requireText(answer.comment, `answers[${i}].comment`, 2000),
    };
  });
}

export const indicativeMw = (value: number | null | undefined) =>
  value == null ? null : requireBounded(value, "indicativeMw", MAX_INDICATIVE_MW, "MW (2 GW)");
export const feedbackComment = (value: string | null | undefined) => (value == null ? null : requireText(value, "comment", 2000));
export const summary = (value: string) => requireText(value, "summary", 10_000);
