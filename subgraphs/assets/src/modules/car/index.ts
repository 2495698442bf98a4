import type { AssetsModule, ModuleDeps } from "../../deps.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** The Central Asset Register: an asset's CAR record, and registering an asset from it (the client is src/clients/car.ts). */
export const createCarModule = (deps: ModuleDeps): AssetsModule => ({ name: "car", resolvers: resolvers(deps), policy });
