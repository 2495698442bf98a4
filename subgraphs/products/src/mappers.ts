import type { products } from "./db/schema.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type ProductMapper = typeof products.$inferSelect;
/** Organisation is owned by the users subgraph: here it is only a reference. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
