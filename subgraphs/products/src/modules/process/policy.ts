import type { Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts } from "../../policy.js";

/** The process catalogue is market information, like the product catalogue: anyone signed in reads it. */
export const policy: Policy<Context> = {
  "Query.processSteps": readProducts,
  "Query.processStep": readProducts,
};
