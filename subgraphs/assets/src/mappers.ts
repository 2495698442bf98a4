/** Row types resolvers return; codegen maps the GraphQL types onto them (each module's mappers.ts maps its own). */

/** Organisation is owned by the users subgraph: here it is only a reference by id. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
