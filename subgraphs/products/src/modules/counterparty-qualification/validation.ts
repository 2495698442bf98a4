import { badInput, requireText } from "@sfe/kit";
import type { CommercialCheck, CommercialCheckKind, CounterpartyQualificationStatus } from "../../db/schema.js";

const KINDS: readonly CommercialCheckKind[] = ["COMPANY", "CREDIT", "INSURANCE"];

/** What a QUALIFIED, FAILED or REVOKED decision writes, checked. */
export interface CommercialDecision {
  status: Exclude<CounterpartyQualificationStatus, "UNDER_ASSESSMENT">;
  checks?: CommercialCheck[];
  validFrom?: Date | null;
  validTo?: Date | null;
  reason?: string | null;
}

export function commercialDecision(input: {
  status: string;
  checks?: readonly { kind: CommercialCheckKind; passed: boolean; evidenceRef: string }[] | null;
  validFrom?: Date | null;
  validTo?: Date | null;
  reason?: string | null;
}): CommercialDecision {
  const checks = (input.checks ?? []).map((check, i) => ({
    kind: check.kind,
    passed: check.passed,
    evidenceRef: requireText(check.evidenceRef, `checks[${i}].evidenceRef`, 500),
  }));
  const kinds = checks.map((c) => c.kind);
  if (new Set(kinds).size !== kinds.length) throw badInput("checks must list each kind at most once", "checks");
  switch (input.status) {
    case "QUALIFIED": {
      const missing = KINDS.filter((kind) => !checks.some((c) => c.kind === kind && c.passed));
      if (missing.length > 0) throw badInput(`checks: QUALIFIED needs a passed ${missing.join(", ")} check with evidence`, "checks");
      const { validFrom, validTo } = input;
      if (!validFrom || !validTo) throw badInput("QUALIFIED needs validFrom and validTo", "validTo");
      if (validFrom.getTime() >= validTo.getTime()) throw badInput("validTo must be after validFrom", "validTo");
      return { status: "QUALIFIED", checks, validFrom, validTo, reason: null };
    }
    case "FAILED":
    case "REVOKED":
      if (input.reason == null) throw badInput(`${input.status} needs a reason`, "reason");
      return { status: input.status, reason: requireText(input.reason, "reason", 1000), ...(checks.length > 0 && { checks }) };
    default:
      throw badInput(`status must be QUALIFIED, FAILED or REVOKED, got ${input.status}`, "status");
  }
}
