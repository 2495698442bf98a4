import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ModuleDeps } from "../../services/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** API keys for third-party platforms: creation (the secret shown once), listing, revocation, verification. */
export const createApiKeysModule = (deps: ModuleDeps): SchemaModule<Context> => ({ name: "api-keys", resolvers: resolvers(deps), policy });
