import type { Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts } from "../../policy.js";

/** Which SO product APIs the hub reads is market information, like the catalogue they feed. */
export const policy: Policy<Context> = {
  "Query.soProductApis": readProducts,
};
