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
