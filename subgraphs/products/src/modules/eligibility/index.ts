import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { CatalogueDeps } from "./catalogue.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Eligibility discovery (UC9, domain §7.5 step 1): Asset.eligibility and MarketUnit.eligibility, indicative verdicts. */
export const createEligibilityModule = (deps: CatalogueDeps): SchemaModule<Context> => ({
  name: "eligibility",
  resolvers: resolvers(deps),
  policy,
});
