import type { AssetsModule, ModuleDeps } from "../../deps.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** An asset's life after registration: its transfer to another FSP, its de-registration and reinstatement. */
export const createTransfersModule = (deps: ModuleDeps): AssetsModule => ({ name: "transfers", resolvers: resolvers(deps), policy });
