import { badInput, requireNonEmpty, requireText } from "@sfe/kit";

/** Companies House numbers: 8 digits, or a 2-letter prefix (SC, NI, OC, …) and 6 digits. */
const COMPANY_NUMBER = /^(\d{8}|[A-Z]{2}\d{6})$/;

export function companyNumber(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const normalised = value.trim().toUpperCase();
  if (!COMPANY_NUMBER.test(normalised)) {
    throw badInput("companyNumber must be 8 digits, or 2 letters and 6 digits (e.g. 11014226, SC123456)", "companyNumber");
  }
  return normalised;
}

export const organisationName = (value: string) => requireText(value, "name");
export const roles = <T>(value: readonly T[]) => [...new Set(requireNonEmpty(value, "roles"))];

/** GB GSP groups (_A … _P, no _I or _O), or "*" for a national system operator. */
const AREA = /^(\*|_[A-HJ-NP])$/;

export function soAreas(values: readonly string[], roles: readonly string[]): string[] {
  const areas = [...new Set(values.map((v) => v.trim().toUpperCase()))];
  const wrong = areas.filter((a) => !AREA.test(a));
  if (wrong.length > 0) throw badInput(`areas must be GSP groups (_A … _P) or "*"; got ${wrong.join(", ")}`, "areas");
  if (areas.length > 0 && !roles.includes("SYSTEM_OPERATOR")) throw badInput("Only a system operator has areas", "areas");
  return areas.includes("*") ? ["*"] : areas.sort();
}
