import type { OrganisationRow } from "./repository.js";

/** Row types this module's resolvers return; codegen maps the GraphQL types onto them. */
export type OrganisationMapper = OrganisationRow;
