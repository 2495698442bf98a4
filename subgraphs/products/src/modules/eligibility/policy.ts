import type { Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts } from "../../policy.js";

/**
 * Eligibility compares an asset or unit with the product catalogue. Who may see the asset or unit is the assets
 * subgraph's to decide: the gateway asks products only for the entities assets answered the caller (an FSP its
 * own, a system operator those in its area, an administrator all). Here the caller needs what reading the
 * catalogue needs: signed in, or an API key with products:read.
 */
export const policy: Policy<Context> = {
  "Asset.eligibility": readProducts,
  "MarketUnit.eligibility": readProducts,
};
