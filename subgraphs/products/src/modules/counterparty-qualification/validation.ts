import { badInput, type EntityReferences, requireText, SfeError } from "@sfe/kit";
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

/**
 * The organisation exists and is ACTIVE (verified, not suspended) in the users subgraph, asked as the caller:
 * an unverified or suspended organisation is neither qualified nor applies. BAD_USER_INPUT naming `field` when
 * there is no such organisation, RULE_VIOLATION (reason ORGANISATION_NOT_ACTIVE) when it is not ACTIVE.
 */
export async function requireActiveOrganisation(references: EntityReferences, organisationId: string, field: string): Promise<void> {
  const [organisation] = await references.lookup<{ status?: string }>("Organisation", [organisationId], "status");
  if (!organisation) throw badInput(`${field}: Organisation ${organisationId} does not exist`, field);
  if (organisation.status !== "ACTIVE") {
    throw new SfeError(
      "RULE_VIOLATION",
      `Organisation ${organisationId} is ${organisation.status ?? "not verified"}: only an ACTIVE (verified) organisation qualifies`,
      {
        reason: "ORGANISATION_NOT_ACTIVE",
        organisationStatus: organisation.status ?? null,
      },
    );
  }
}
