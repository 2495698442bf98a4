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

export const personName = (value: string) => requireText(value, "name");

/**
 * At least 12 characters (at most 1024, so hashing stays cheap) from at least two character classes:
 * lower case, upper case, digits, anything else. "aaaaaaaaaaaa" and "123456789012" are refused.
 */
export function password(value: string, field = "password"): string {
  if (value.length < 12) throw badInput(`${field} must have at least 12 characters`, field);
  if (value.length > 1024) throw badInput(`${field} must have at most 1024 characters`, field);
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(value)).length;
  if (classes < 2) {
    throw badInput(`${field} must mix at least two of: lower case, upper case, digits, other characters`, field);
  }
  return value;
}

/** Roles a person may claim at sign-up or be given in an invitation: never ADMIN. */
export function claimedRole<R extends string>(value: R, field = "role"): R {
  if (value === "ADMIN") throw badInput(`${field} cannot be ADMIN: hub administrators are appointed, not self-registered`, field);
  return value;
}

export const API_KEY_AREAS = ["users", "assets", "products", "transactions", "rules"] as const;
const SCOPE = new RegExp(`^(${API_KEY_AREAS.join("|")}):(read|write)$`);

/** `<area>:<read|write>`, at least one, duplicates dropped. */
export function apiKeyScopes(values: readonly string[]): string[] {
  const scopes = [...new Set(requireNonEmpty(values, "scopes").map((s) => s.trim()))];
  const wrong = scopes.filter((s) => !SCOPE.test(s));
  if (wrong.length > 0) {
    throw badInput(`scopes must look like <area>:<read|write> with area ${API_KEY_AREAS.join(", ")}; got ${wrong.join(", ")}`, "scopes");
  }
  return scopes.sort();
}

export const apiKeyName = (value: string) => requireText(value, "name", 100);

/** GB GSP groups (_A … _P, no _I or _O), or "*" for a national system operator. */
const AREA = /^(\*|_[A-HJ-NP])$/;

export function soAreas(values: readonly string[], roles: readonly string[]): string[] {
  const areas = [...new Set(values.map((v) => v.trim().toUpperCase()))];
  const wrong = areas.filter((a) => !AREA.test(a));
  if (wrong.length > 0) throw badInput(`areas must be GSP groups (_A … _P) or "*"; got ${wrong.join(", ")}`, "areas");
  if (areas.length > 0 && !roles.includes("SYSTEM_OPERATOR")) throw badInput("Only a system operator has areas", "areas");
  return areas.includes("*") ? ["*"] : areas.sort();
}
