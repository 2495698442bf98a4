import { badInput, requireNonEmpty, requireText } from "@sfe/kit";

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
