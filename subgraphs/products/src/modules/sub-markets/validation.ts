import { badInput, quote, requireNonEmpty, requireText } from "@sfe/kit";
import { NATIONAL } from "../../validation.js";
import { normaliseGspGroup, zoneCode } from "../zones/validation.js";

export const subMarketName = (value: string) => requireText(value, "name");
export const objective = (value: string | null | undefined) => (value == null ? null : requireText(value, "objective", 2000));
export const timingProfile = (value: string | null | undefined) => (value == null ? null : requireText(value, "timingProfile", 500));

/** At most 50 references (URLs or document ids), each 1–500 characters, de-duplicated. */
export function ruleDocumentRefs(values: readonly string[] | null | undefined): string[] {
  const refs = (values ?? []).map((value) => requireText(value, "ruleDocumentRefs", 500));
  if (refs.length > 50) throw badInput("ruleDocumentRefs must list at most 50 references", "ruleDocumentRefs");
  return [...new Set(refs)];
}

/**
 * GB, GSP groups (normalised to _A … _P) or zone codes (upper-cased), at least one, de-duplicated. Whether the
 * zones exist and are the operator's is checked against the database (`requireOwnLocations`).
 */
export function geography(values: readonly string[]): string[] {
  return [
    ...new Set(
      requireNonEmpty(values, "geography").map((value) => {
        const text = value.trim().toUpperCase();
        if (text === NATIONAL) return NATIONAL;
        const group = text.length <= 2 ? normaliseGspGroup(text) : null;
        if (group) return group;
        if (text === "") throw badInput(`geography: ${quote(value)} is neither GB, a GSP group nor a zone code`, "geography");
        return zoneCode(text, "geography");
      }),
    ),
  ];
}
