import { type FieldRule, type Policy, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts } from "../../policy.js";

/** Where the hub reaches an API is its configuration, not market information: only an administrator reads it. */
const configurationOnly: FieldRule<Context> = (identity) => (seesEveryOrganisation(identity) ? null : "hide");

/** Which SO product APIs the hub reads is market information, like the catalogue they feed. */
export const policy: Policy<Context> = {
  "Query.soProductApis": readProducts,
  "ProductSource.url": configurationOnly,
  "SoProductApi.url": configurationOnly,
};
