import type { products } from "./db/schema.js";
import type { ExternalProductRecord } from "./modules/so-product-apis/mappers.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */

/** A hub product row, or an SO product API's product in the same shape (which says where it comes from). */
export type ProductMapper = typeof products.$inferSelect & Partial<Pick<ExternalProductRecord, "source" | "externalId">>;
/** Organisation is owned by the users subgraph: here it is only a reference. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
