import { badInput, conflict, quote, requireText, requireUuid } from "@sfe/kit";
import type {
  QualificationStatus,
  QualificationSubjectType,
  RequirementKind,
  RequirementLevel,
  RequirementValueType,
} from "../../db/schema.js";
import type { PrequalificationRequirementMapper as RequirementRow } from "./mappers.js";

const COMMON_KEY = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;

export function commonKey(value: string | null | undefined): string | null {
  if (value == null) return null;
  const key = value.trim();
  if (!COMMON_KEY.test(key) || key.length > 100) {
    throw badInput(
      `commonKey must be lower-case words joined by '.', '_' or '-' (e.g. company.insurance), got ${quote(value)}`,
      "commonKey",
    );
  }
  return key;
}

export function requirementValues(input: {
  productVersionId: string;
  level: RequirementLevel;
  kind: RequirementKind;
  description: string;
  mandatory?: boolean | null;
  canBeDoneOnSfe?: boolean | null;
  commonKey?: string | null;
  valueType?: RequirementValueType | null;
}) {
  if (input.kind === "DATA_FIELD" && input.valueType == null) throw badInput("A DATA_FIELD requirement needs a valueType", "valueType");
  if (input.kind !== "DATA_FIELD" && input.valueType != null) throw badInput("Only a DATA_FIELD requirement has a valueType", "valueType");
  return {
    productVersionId: requireUuid(input.productVersionId, "productVersionId"),
    level: input.level,
    kind: input.kind,
    description: requireText(input.description, "description", 1000),
    mandatory: input.mandatory ?? true,
    canBeDoneOnSfe: input.canBeDoneOnSfe ?? true,
    commonKey: commonKey(input.commonKey),
    valueType: input.valueType ?? null,
  };
}

/** The requirement levels an application for `subject` answers. */
export const LEVELS_OF: Record<QualificationSubjectType, readonly RequirementLevel[]> = {
  ORGANISATION: ["COUNTERPARTY"],
  ASSET: ["COUNTERPARTY", "ASSET"],
  MARKET_UNIT: ["COUNTERPARTY", "ASSET", "UNIT"],
};

/** What an answer is stored under: the commonKey, or the requirement's own id. */
export const answerKeyOf = (row: Pick<RequirementRow, "id" | "commonKey">) => row.commonKey ?? row.id;

export interface MergedRequirement {
  key: string;
  level: RequirementLevel;
  kind: RequirementKind;
  valueType: RequirementValueType | null;
  description: string;
  mandatory: boolean;
  requirements: RequirementRow[];
}

/**
 * The union of the products' requirements an application for `subject` answers, one line per key: requirements sharing
 * a commonKey become one line, mandatory when any of them is. CONFLICT when two products use one key for different
 * kinds or value types: one answer could not serve both.
 */
export function mergeRequirements(rows: readonly RequirementRow[], subject: QualificationSubjectType): MergedRequirement[] {
  const levels = LEVELS_OF[subject];
  const merged = new Map<string, MergedRequirement>();
  for (const row of rows) {
    if (!levels.includes(row.level)) continue;
    const key = answerKeyOf(row);
    const line = merged.get(key);
    if (!line) {
      merged.set(key, {
        key,
        level: row.level,
        kind: row.kind,
        valueType: row.valueType,
        description: row.description,
        mandatory: row.mandatory,
        requirements: [row],
      });
      continue;
    }
    if (line.kind !== row.kind || line.valueType !== row.valueType) {
      throw conflict(
        `Requirements sharing commonKey ${key} disagree on what it is (${line.kind} ${line.valueType ?? ""} vs ${row.kind} ${row.valueType ?? ""})`,
        {
          commonKey: key,
        },
      );
    }
    line.mandatory ||= row.mandatory;
    line.requirements.push(row);
  }
  return [...merged.values()];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One answer, checked against its line: a DATA_FIELD's value of the declared type, any other kind's evidence reference. */
export function answerValues(line: MergedRequirement, answer: { value?: string | null; evidenceRef?: string | null }, field: string) {
  if (line.kind !== "DATA_FIELD") {
    if (answer.value != null) throw badInput(`${field}: ${line.key} is a ${line.kind}: give evidenceRef, not value`, field);
    if (answer.evidenceRef == null) throw badInput(`${field}: ${line.key} is a ${line.kind}: it needs an evidenceRef`, field);
    return { value: null, evidenceRef: requireText(answer.evidenceRef, `${field}.evidenceRef`, 500) };
  }
  if (answer.value == null) throw badInput(`${field}: ${line.key} is a DATA_FIELD of type ${line.valueType}: it needs a value`, field);
  const value = answer.value.trim();
  const wrong = () => badInput(`${field}: ${line.key} must be a ${line.valueType}, got ${quote(answer.value)}`, field);
  switch (line.valueType) {
    case "NUMBER":
      if (value === "" || !Number.isFinite(Number(value))) throw wrong();
      break;
    case "BOOLEAN":
      if (value !== "true" && value !== "false") throw wrong();
      break;
    case "DATE":
      if (
        !DATE.test(value) ||
        Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
        new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
      )
        throw wrong();
      break;
    default:
      requireText(value, `${field}.value`, 2000);
  }
  return { value, evidenceRef: answer.evidenceRef == null ? null : requireText(answer.evidenceRef, `${field}.evidenceRef`, 500) };
}

/** The keys of mandatory lines without an answer. */
export const unanswered = (lines: readonly MergedRequirement[], answered: ReadonlySet<string>) =>
  lines.filter((line) => line.mandatory && !answered.has(line.key)).map((line) => line.key);

export interface AssessmentDecision {
  status: Exclude<QualificationStatus, "REASSESSMENT_REQUIRED">;
  reason: string | null;
  validFrom?: Date;
  validTo?: Date;
}

/** A system operator's decision, checked: what each status needs. */
export function assessmentDecision(input: {
  status: string;
  reason?: string | null;
  validFrom?: Date | null;
  validTo?: Date | null;
}): AssessmentDecision {
  const reason = input.reason == null ? null : requireText(input.reason, "reason", 1000);
  switch (input.status) {
    case "QUALIFIED": {
      const { validFrom, validTo } = input;
      if (!validFrom || !validTo) throw badInput("QUALIFIED needs validFrom and validTo", "validTo");
      if (validFrom.getTime() >= validTo.getTime()) throw badInput("validTo must be after validFrom", "validTo");
      return { status: "QUALIFIED", reason, validFrom, validTo };
    }
    case "INFO_REQUESTED":
    case "FAILED":
    case "REVOKED":
      if (!reason)
        throw badInput(
          `${input.status} needs a reason (${input.status === "INFO_REQUESTED" ? "what the FSP must provide" : "why"})`,
          "reason",
        );
      return { status: input.status, reason };
    case "UNDER_ASSESSMENT":
      return { status: "UNDER_ASSESSMENT", reason };
    default:
      throw badInput(`status must be UNDER_ASSESSMENT, INFO_REQUESTED, QUALIFIED, FAILED or REVOKED, got ${input.status}`, "status");
  }
}

export function productIdList(ids: readonly string[]): string[] {
  if (ids.length === 0 || ids.length > 20) throw badInput("productIds must list 1 to 20 products", "productIds");
  const unique = [...new Set(ids.map((id) => requireUuid(id, "productIds")))];
  return unique;
}
