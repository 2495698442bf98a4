import type { SchemaModule } from "@sfe/kit";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** The asset taxonomy: categories, their attributes, and the assets a change of them leaves needing attention. */
export const createCategoriesModule = (deps: ModuleDeps): SchemaModule<Context> => ({
  name: "categories",
  resolvers: resolvers(deps),
  policy,
});
