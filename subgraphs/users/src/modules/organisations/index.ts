import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ModuleDeps } from "../../services/index.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

/** Organisations: the directory, their registration, changes, de-registration and reinstatement. */
export const createOrganisationsModule = (deps: ModuleDeps): SchemaModule<Context> => ({
  name: "organisations",
  resolvers: resolvers(deps),
  policy,
});
