import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ModuleDeps } from "../../services/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Sessions: sign-in (password or SSO), refresh, sign-out, password changes, and the password throttle. */
export const createSessionsModule = (deps: ModuleDeps): SchemaModule<Context> => ({ name: "sessions", resolvers: resolvers(deps), policy });
