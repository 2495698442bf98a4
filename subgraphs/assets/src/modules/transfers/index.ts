import type { SchemaModule } from "@sfe/kit";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** An asset's life after registration: its transfer to another FSP, its de-registration and reinstatement. */
export const createTransfersModule = (deps: ModuleDeps): SchemaModule<Context> => ({
  name: "transfers",
  resolvers: resolvers(deps),
  policy,
});
