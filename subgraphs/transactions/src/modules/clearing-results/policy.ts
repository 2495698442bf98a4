import type { Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readPublished, writeAsBuyer } from "../buy-requirements/policy.js";

/**
 * The market clearing report: once published anyone signed in reads it, before only its SO and administrators
 * (filtered in SQL). The product's SO records and publishes it (decided once the owner is known), an administrator any.
 */
export const policy: Policy<Context> = {
  "Query.clearingResult": readPublished,
  "Query.clearingResults": readPublished,
  "Mutation.recordClearingResult": writeAsBuyer,
  "Mutation.publishClearingResult": writeAsBuyer,
};
