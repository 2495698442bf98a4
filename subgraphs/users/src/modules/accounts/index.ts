import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ModuleDeps } from "../../services/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Users: sign-up, e-mail and SO verification, invitations and members' roles. */
export const createAccountsModule = (deps: ModuleDeps): SchemaModule<Context> => ({ name: "accounts", resolvers: resolvers(deps), policy });
