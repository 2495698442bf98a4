import { allow, forbidden, type Policy, type Rule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { read, seesRecords, write } from "../../policy.js";

/** A signed-in person: API keys (platforms and services) never maintain the taxonomy, whatever their scopes. */
const person: Rule = (identity) => (identity?.kind === "apiKey" ? forbidden("API keys may not maintain the asset taxonomy") : null);

/** The taxonomy is public; hub administrators maintain it, in person. */
export const policy: Policy<Context> = {
  "Query.assetCategories": allow.anyone(),
  "Query.assetsNeedingAttention": allow.all(allow.signedIn(), read, seesRecords),
  "Mutation.createAssetCategory": allow.all(allow.signedIn(), person, write, allow.roles("ADMIN")),
  "Mutation.updateAssetCategory": allow.all(allow.signedIn(), person, write, allow.roles("ADMIN")),
};
