import type { ProductRow, ProductVersionRow } from "./repositories/products.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
/** A product with its current version's attributes flattened in (repositories/products.ts). */
export type ProductMapper = ProductRow;
export type ProductVersionMapper = ProductVersionRow;
/** Organisation is owned by the users subgraph: here it is only a reference. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
