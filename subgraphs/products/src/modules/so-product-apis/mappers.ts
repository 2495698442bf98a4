import type { products } from "../../db/schema.js";

/** `Product.source`: where a product's record lives. */
export interface ProductSourceValue {
  kind: "HUB" | "SO_PRODUCT_API";
  name: string;
  adapter: string | null;
  url: string | null;
}

export const HUB_SOURCE: ProductSourceValue = { kind: "HUB", name: "hub", adapter: null, url: null };

/** An external product as resolvers return it: a hub product row's shape, plus where it comes from. */
export type ExternalProductRecord = typeof products.$inferSelect & { source: ProductSourceValue; externalId: string };

/** A configured API as `Query.soProductApis` answers it. */
export type SoProductApiMapper = { name: string; kind: string; url: string; operatorId: string; breaker: "CLOSED" | "OPEN" | "HALF_OPEN" };
