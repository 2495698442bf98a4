import { badInput, quote, requireText } from "@sfe/kit";
import type { ContractClause } from "../../db/schema.js";

/** The agreement version a template follows unless its SO names another: the ENA Standard Agreement v3.0 (domain §11). */
export const DEFAULT_AGREEMENT_VERSION = "ENA-SA-3.0";

/**
 * The overarching agreement's sections a template starts with: the boilerplate of the Standard Agreement
 * (domain §4.9, §11), each summarised in the hub's own words — not the agreement's text, which the SO's
 * service terms and the ENA documents hold. An SO replaces or extends them in its template.
 */
export const STANDARD_CLAUSES: readonly ContractClause[] = [
  {
    number: "1",
    heading: "Scope and document stack",
    text: "This agreement sets the general terms between the Company and the Provider. The Service Terms of each service, the Procurement Rules and the documents they refer to apply as they stand at the time of each Call-Off; service-specific details such as service windows are set in each Call-Off.",
  },
  {
    number: "2",
    heading: "Duplicate registration",
    text: "The Provider does not register an asset for the same service, for the same time, more than once.",
  },
  {
    number: "3",
    heading: "Records and audit rights",
    text: "Each party keeps accurate records of the service delivered and of the data behind every payment, and lets the other party inspect them on reasonable notice.",
  },
  {
    number: "4",
    heading: "Payment terms",
    text: "The Company pays for availability and utilisation as each Call-Off sets out, by the calculation in the Service Terms, against a statement issued after each settlement period.",
  },
  {
    number: "5",
    heading: "Liabilities",
    text: "Each party's total liability under this agreement is capped at the amount stated as the liability cap, except where the law does not allow a cap.",
  },
  {
    number: "6",
    heading: "Confidentiality",
    text: "Each party keeps the other's confidential information confidential and uses it only for this agreement, unless the law or a regulator requires otherwise.",
  },
  {
    number: "7",
    heading: "Data protection",
    text: "Each party processes personal data it receives under this agreement lawfully, only for the service, and keeps it secure.",
  },
  {
    number: "8",
    heading: "Modern slavery",
    text: "Each party takes reasonable steps to ensure that there is no slavery or human trafficking in its business or supply chain.",
  },
  {
    number: "9",
    heading: "Termination",
    text: "Either party may end this agreement for a material breach the other has not remedied in time, and the Company may end it if a new owner of the Provider fails due diligence. Call-Offs already made end with it unless the parties agree otherwise.",
  },
  {
    number: "10",
    heading: "Variations",
    text: "A variation initiated by the Company is referred to the Market Facilitator before it is made, one driven by the Provider may be referred after; every variation is recorded and shared with all signatories within six months.",
  },
];

/** What each call-off (contract award notification) carries (domain §4.9). */
export const STANDARD_CALL_OFF_FIELDS: readonly string[] = [
  "productId",
  "cmzId",
  "windows",
  "contractedMw",
  "availabilityPrice £/MW/h",
  "utilisationPrice £/MWh",
  "baselineMethod",
  "meteringPoint",
  "start",
  "end",
];

export const agreementVersion = (value: string | null | undefined) =>
  requireText(value ?? DEFAULT_AGREEMENT_VERSION, "agreementVersion", 50);
export const documentRef = (value: string, field: string) => requireText(value, field, 500);

/** Up to 50 references, each 1–500 characters, de-duplicated in order. */
export function referencedRules(values: readonly string[] | null | undefined): string[] {
  const rules = (values ?? []).map((value, i) => requireText(value, `referencedRules[${i}]`, 500));
  if (rules.length > 50) throw badInput("referencedRules must list at most 50 documents", "referencedRules");
  return [...new Set(rules)];
}

/** The largest liability cap taken: £1bn, far above any flexibility agreement's. */
export const MAX_LIABILITY_CAP_PENCE = 100_000_000_000;
const POUNDS = /^\d{1,10}(\.\d{1,2})?$/;

/** "£" amount as a decimal string of at most 2 decimal places → whole pence, exactly (no float arithmetic). */
export function liabilityCapPence(value: string, field = "liabilityCapGbp"): number {
  const text = value.trim();
  if (!POUNDS.test(text))
    throw badInput(`${field} must be an amount in pounds with at most 2 decimal places (e.g. "1000000.00"), got ${quote(value)}`, field);
  const [pounds = "0", pence = ""] = text.split(".");
  const total = Number(pounds) * 100 + Number(pence.padEnd(2, "0"));
  if (total <= 0 || total > MAX_LIABILITY_CAP_PENCE) throw badInput(`${field} must be more than £0 and at most £1,000,000,000`, field);
  return total;
}

/** Whole pence → "1234.50". */
export const pounds = (pence: number) => `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, "0")}`;

/** 1–100 clauses with unique numbers; the standard set when none are given. */
export function clauses(values: readonly ContractClause[] | null | undefined): ContractClause[] {
  if (values == null) return STANDARD_CLAUSES.map((clause) => ({ ...clause }));
  if (values.length === 0 || values.length > 100) throw badInput("clauses must list 1 to 100 sections", "clauses");
  const result = values.map((clause, i) => ({
    number: requireText(clause.number, `clauses[${i}].number`, 20),
    heading: requireText(clause.heading, `clauses[${i}].heading`),
    text: requireText(clause.text, `clauses[${i}].text`, 20_000),
  }));
  const numbers = new Set(result.map((clause) => clause.number));
  if (numbers.size !== result.length) throw badInput("clauses must have distinct numbers", "clauses");
  return result;
}

/** 1–30 field names; the standard list when none are given. */
export function callOffFields(values: readonly string[] | null | undefined): string[] {
  if (values == null) return [...STANDARD_CALL_OFF_FIELDS];
  if (values.length === 0 || values.length > 30) throw badInput("callOffFields must list 1 to 30 fields", "callOffFields");
  return [...new Set(values.map((value, i) => requireText(value, `callOffFields[${i}]`, 100)))];
}

export const clauseNumber = (value: string) => requireText(value, "clause", 20);
export const variationText = (value: string) => requireText(value, "text", 20_000);
export const optionalText = (value: string | null | undefined, field: string) => (value == null ? null : requireText(value, field));

/** A date-time that is not in the future (when something was reported). */
export function notInFuture(value: Date | null | undefined, field: string, now = new Date()): Date | null {
  if (value == null) return null;
  if (value.getTime() > now.getTime()) throw badInput(`${field} must not be in the future`, field);
  return value;
}
