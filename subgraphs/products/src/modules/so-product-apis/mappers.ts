import type { ProductRow, ProductVersionRow } from "../../repositories/products.js";

/** `Product.source`: where a product's record lives. */
export interface ProductSourceValue {
  kind: "HUB" | "SO_PRODUCT_API";
  name: string;
  adapter: string | null;
  url: string | null;
}

export const HUB_SOURCE: ProductSourceValue = { kind: "HUB", name: "hub", adapter: null, url: null };

/**
 * An external product as resolvers return it: a hub product row's shape (the product with its current version's
 * attributes flattened in), plus where it comes from. An SO product API publishes one state of a product, not
 * versions: the hub answers it as version 1, whose id is the product's own hub id (`versionId === id`), with no
 * sub-market and the attributes the API does not carry null or empty.
 */
export type ExternalProductRecord = ProductRow & { source: ProductSourceValue; externalId: string };

/**
 * The one version an external product answers (`Product.currentVersion`, `versions`, `productVersion(id)`):
 * synthesised from what the API says now, read-only, with the product's hub id and status.
 */
export function externalVersionOf(product: ExternalProductRecord): ProductVersionRow {
  const {
    source: _source,
    externalId: _externalId,
    ownerId: _ownerId,
    code: _code,
    subMarketId: _subMarketId,
    versionId,
    ...version
  } = product;
  return { ...version, id: versionId, productId: product.id };
}

/** A configured API as `Query.soProductApis` answers it. */
export type SoProductApiMapper = { name: string; kind: string; url: string; operatorId: string; breaker: "CLOSED" | "OPEN" | "HALF_OPEN" };
