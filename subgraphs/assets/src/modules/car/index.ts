import type { SchemaModule } from "@sfe/kit";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** The Central Asset Register: an asset's CAR record, and registering an asset from it (the client is src/clients/car.ts). */
export const createCarModule = (deps: ModuleDeps): SchemaModule<Context> => ({ name: "car", resolvers: resolvers(deps), policy });
