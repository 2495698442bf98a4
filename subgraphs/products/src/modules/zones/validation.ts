import { badInput, GSP_GROUPS, quote, requireNonEmpty, requireText } from "@sfe/kit";

/** NGED's format (CMZ_T7B_SWA_0012) and the hub's codes for zones that have none (UKPN_HENDON_WAY). */
const ZONE_CODE = /^[A-Z][A-Z0-9_-]{2,63}$/;

/** Trimmed and upper-cased, e.g. " cmz_t7b_swa_0012 " → "CMZ_T7B_SWA_0012". */
export function zoneCode(value: string, field = "code"): string {
  const code = value.trim().toUpperCase();
  if (!ZONE_CODE.test(code)) {
    throw badInput(
      `${field} must be 3–64 upper-case letters, digits, '_' or '-', starting with a letter (e.g. CMZ_T7B_SWA_0012), got ${quote(value)}`,
      field,
    );
  }
  return code;
}

export const zoneName = (value: string) => requireText(value, "name");
export const licenceArea = (value: string) => requireText(value, "licenceArea", 100);

/** A GSP group `_A`…`_P` (also accepted: `A`, `_a`); null when not a GB GSP group. */
export function normaliseGspGroup(value: string): string | null {
  const group = `_${value.trim().toUpperCase().replace(/^_/, "")}`;
  return GSP_GROUPS.has(group) ? group : null;
}

/** At least one GB GSP group, normalised, de-duplicated and sorted. */
export function gspGroups(values: readonly string[], field = "gspGroups"): string[] {
  const groups = requireNonEmpty(values, field).map((value) => {
    const group = normaliseGspGroup(value);
    if (!group) throw badInput(`${field} must hold GB GSP groups (_A to _P, e.g. _C), got ${quote(value)}`, field);
    return group;
  });
  return [...new Set(groups)].sort();
}
