import { badInput, requireText } from "@sfe/kit";

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
