import { badInput, requireNonEmpty, requireText, requireUuid } from "@sfe/kit";
import type { ConflictStatus } from "./db/schema.js";

/** Rule codes: an upper-case letter, then 1–39 upper-case letters, digits, `_` or `-` (e.g. UKPN-NO-OVERLAP). */
const RULE_CODE = /^[A-Z][A-Z0-9_-]{1,39}$/;

export function ruleCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!RULE_CODE.test(code)) {
    throw badInput("code must be 2–40 characters: a letter, then letters, digits, '_' or '-' (e.g. UKPN-NO-OVERLAP)", "code");
  }
  return code;
}

export const ruleName = (value: string) => requireText(value, "name");

const MAX_PARAMETER_KEYS = 50;

/** A plain JSON object of at most 50 keys (the scalar already refuses arrays and primitives; this guards the rest). */
export function parameters(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badInput("parameters must be a JSON object", "parameters");
  }
  if (Object.keys(value).length > MAX_PARAMETER_KEYS) {
    throw badInput(`parameters must have at most ${MAX_PARAMETER_KEYS} keys`, "parameters");
  }
  // A JSON round trip: objects parsed from a query literal have no prototype, which drizzle cannot insert.
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** A de-duplicated list of well-formed ids; `required` lists must name at least one. */
export function idList(values: readonly string[] | null | undefined, field: string, required: boolean): string[] {
  const list = values ?? [];
  if (required) requireNonEmpty(list, field);
  return [...new Set(list.map((id) => requireUuid(id, field)))];
}

export const optionalText = (value: string | null | undefined, field: string, max = 2000): string | null =>
  value == null || value.trim() === "" ? null : requireText(value, field, max);

/** Which statuses a conflict may move to from each status; RESOLVED and DISMISSED are final. */
const TRANSITIONS: Record<ConflictStatus, readonly ConflictStatus[]> = {
  OPEN: ["NOTIFIED", "ACKNOWLEDGED", "RESOLVED", "ESCALATED", "DISMISSED"],
  NOTIFIED: ["ACKNOWLEDGED", "RESOLVED", "ESCALATED", "DISMISSED"],
  ACKNOWLEDGED: ["RESOLVED", "ESCALATED", "DISMISSED"],
  ESCALATED: ["RESOLVED", "DISMISSED"],
  RESOLVED: [],
  DISMISSED: [],
};

export function requireTransition(from: ConflictStatus, to: ConflictStatus): void {
  if (!TRANSITIONS[from].includes(to)) {
    throw badInput(`A conflict cannot move from ${from} to ${to}`, "status");
  }
}

/** The resolution note: required (non-empty) to resolve a conflict, optional otherwise. */
export function resolution(status: ConflictStatus, value: string | null | undefined): string | null {
  if (status === "RESOLVED" && (value == null || value.trim() === "")) {
    throw badInput("resolution is required to resolve a conflict", "resolution");
  }
  return optionalText(value, "resolution");
}
