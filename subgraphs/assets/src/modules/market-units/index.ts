import type { SchemaModule } from "@sfe/kit";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Market units (SPU, SPG): groups of an FSP's assets, their members and membership history. */
export const createMarketUnitsModule = (deps: ModuleDeps): SchemaModule<Context> => ({
  name: "market-units",
  resolvers: resolvers(deps),
  policy,
});
