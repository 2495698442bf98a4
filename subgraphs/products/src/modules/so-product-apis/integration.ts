import { page, reportPartialFailure, SfeError } from "@sfe/kit";
import type { GraphQLResolveInfo } from "graphql";
import { canSeeProduct } from "../../access.js";
import type { ProductStatus } from "../../db/schema.js";
import type { Context } from "../../loaders.js";
import type { ProductMapper, ProductVersionMapper } from "../../mappers.js";
import { type ExternalProductRecord, externalVersionOf } from "./mappers.js";

/**
 * What the products resolvers call to answer hub and SO product API products together (AO.UC4 option 2b).
 * Kept here, apart from the catalogue's own resolvers, so the hub's product code calls it in one line each.
 */

/** Hub products by code, then id (the repository's order), so a page of the merged list is stable. */
const byCodeThenId = (a: ProductMapper, b: ProductMapper) =>
  a.code < b.code ? -1 : a.code > b.code ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * `Query.products`: the hub's page merged with every configured API's products (of `ownerId`, in `status`).
 * An API that fails contributes nothing and adds an error naming it (UPSTREAM_UNAVAILABLE, `registry`),
 * within its client's time bound; the hub's products and the other APIs' still come back.
 */
export async function listWithSoProducts(
  context: Context,
  info: Pick<GraphQLResolveInfo, "path">,
  args: { ownerId?: string | null; status?: ProductStatus | null; first?: number | null; offset?: number | null },
  hubList: (limits: { limit: number; offset: number }) => Promise<ProductMapper[]>,
): Promise<ProductMapper[]> {
  const { limit, offset } = page(args.first, args.offset, 500);
  const soProducts = context.loaders.soProducts;
  const apis = soProducts.apis(args.ownerId);
  if (apis.length === 0) return hubList({ limit, offset });
  const [hub, ...external] = await Promise.all([
    // Enough of the hub's list to cut the merged page from.
    hubList({ limit: offset + limit, offset: 0 }),
    ...apis.map((api) => orNothing(context, info, soProducts.list(api))),
  ]);
  const wanted = visible(context, external.flat()).filter((product) => args.status == null || product.status === args.status);
  return [...hub, ...wanted].sort(byCodeThenId).slice(offset, offset + limit);
}

/**
 * `Organisation.products`: the organisation's hub products and those of the APIs it publishes through, by
 * code; a failed API adds an error naming it, as in `products`.
 */
export async function ownerProductsWithSoProducts(
  context: Context,
  info: Pick<GraphQLResolveInfo, "path">,
  ownerId: string,
  hubProducts: () => Promise<ProductMapper[]>,
): Promise<ProductMapper[]> {
  const soProducts = context.loaders.soProducts;
  const apis = soProducts.apis(ownerId);
  if (apis.length === 0) return hubProducts();
  const [hub, ...external] = await Promise.all([hubProducts(), ...apis.map((api) => orNothing(context, info, soProducts.list(api)))]);
  return [...hub, ...visible(context, external.flat())].sort(byCodeThenId);
}

/** The external products the caller may see, by the hub's rule (access.ts): an investor sees PUBLISHED ones only. */
function visible(context: Context, products: ProductMapper[]): ProductMapper[] {
  return products.filter((product) => canSeeProduct(context.identity, product));
}

/** An API's products, or none when it is unavailable (the failure reported with the field's answer). */
function orNothing(context: Context, info: Pick<GraphQLResolveInfo, "path">, products: Promise<ProductMapper[]>): Promise<ProductMapper[]> {
  return products.catch((error: unknown) => {
    if (!(error instanceof SfeError && error.extensions.code === "UPSTREAM_UNAVAILABLE")) throw error;
    reportPartialFailure(context, info, error);
    return [];
  });
}

/** `Query.product` and `Product.__resolveReference`: the hub's product, else the external product with that hub id. */
export async function productWithSoProducts(
  context: Context,
  id: string,
  hubProduct: () => Promise<ProductMapper | null>,
): Promise<ProductMapper | null> {
  const hub = await hubProduct();
  if (hub) return hub;
  const external = await context.loaders.soProducts.byId(id);
  return external && canSeeProduct(context.identity, external) ? external : null;
}

/**
 * `Query.productVersion` and `ProductVersion.__resolveReference`: the hub's version, else the one version of the
 * external product with that hub id (an external product's version shares its id).
 */
export async function versionWithSoProducts(
  context: Context,
  id: string,
  hubVersion: () => Promise<ProductVersionMapper | null>,
): Promise<ProductVersionMapper | null> {
  const version = await hubVersion();
  if (version) return version;
  const external = await context.loaders.soProducts.byId(id);
  return external && canSeeProduct(context.identity, external) ? externalVersionOf(external) : null;
}

/** `Product.currentVersion` and `versions` of an SO product API's product: its one synthesised version; null for a hub product. */
export function externalVersions(product: ProductMapper): [ProductVersionMapper] | null {
  return product.source?.kind === "SO_PRODUCT_API" && product.externalId != null
    ? [externalVersionOf(product as ExternalProductRecord)]
    : null;
}

/** Before a hub write: an external product is read-only in the hub (FORBIDDEN naming its API). */
export async function requireHubProduct(context: Context, id: string): Promise<void> {
  const mapping = await context.loaders.soProducts.mapping(id);
  if (mapping) {
    throw new SfeError(
      "FORBIDDEN",
      `Product ${id} is published by the SO product API ${mapping.api} (as ${mapping.externalId}) and is read-only in the hub: change it there`,
      { registry: mapping.api, externalId: mapping.externalId },
    );
  }
}
