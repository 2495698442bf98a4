import type { SchemaModule } from "@sfe/kit";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** The asset register: an asset, its owner's assets, anonymised statistics, registering and changing an asset. */
export const createAssetsModule = (deps: ModuleDeps): SchemaModule<Context> => ({ name: "assets", resolvers: resolvers(deps), policy });
