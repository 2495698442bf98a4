import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { Repositories } from "../../repositories/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Market testing (UC13, domain §4.17): a consultation per product version, its responses, aggregate and summary. */
export const createConsultationsModule = (deps: { repos: Repositories }): SchemaModule<Context> => ({
  name: "consultations",
  resolvers: resolvers(deps),
  policy,
});
