import type { ExternalProductRecord } from "./modules/so-product-apis/mappers.js";
import type { ProductRow, ProductVersionRow } from "./repositories/products.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
/**
 * A product with its current version's attributes flattened in (repositories/products.ts), or an SO product API's
 * product in the same shape (which says where it comes from: modules/so-product-apis).
 */
export type ProductMapper = ProductRow & Partial<Pick<ExternalProductRecord, "source" | "externalId">>;
export type ProductVersionMapper = ProductVersionRow;
/** Organisation is owned by the users subgraph: here it is only a reference. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
