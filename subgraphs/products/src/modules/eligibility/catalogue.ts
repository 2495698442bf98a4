import { perRequest } from "@sfe/kit";
import { visibleProducts } from "../../access.js";
import type { Context } from "../../loaders.js";
import type { ProductRepository, ProductRow } from "../../repositories/products.js";
import type { ZoneRepository } from "../zones/repository.js";
import { type ZoneIndex, zoneIndex } from "./rules.js";

/** The most published products one question compares (by code); name `productIds` to choose among more. */
export const MAX_CATALOGUE = 1000;

export interface Catalogue {
  products: ProductRow[];
  zones: ZoneIndex;
}

export interface CatalogueDeps {
  products: ProductRepository;
  zones: ZoneRepository;
}

/**
 * The published products a question compares and the zones their locations name: one SQL query each per request,
 * however many assets and units the gateway's one `_entities` call carries. Kept per request beside the module (on
 * the request's loaders object, which the kit makes fresh for each request) rather than in the shared loaders.ts.
 */
const cacheOf = perRequest(() => new Map<string, Promise<Catalogue>>());

export function catalogueFor(deps: CatalogueDeps, context: Context, productIds: string[] | null): Promise<Catalogue> {
  const cache = cacheOf(context.loaders);
  const key = productIds == null ? "*" : [...productIds].sort().join(",");
  let catalogue = cache.get(key);
  if (!catalogue) {
    catalogue = read(deps, context, productIds);
    cache.set(key, catalogue);
  }
  return catalogue;
}

async function read(deps: CatalogueDeps, { identity }: Context, productIds: string[] | null): Promise<Catalogue> {
  const visible = visibleProducts(identity);
  const rows =
    productIds == null
      ? await deps.products.list({ status: "PUBLISHED", visible, limit: MAX_CATALOGUE, offset: 0 })
      : (await deps.products.byIds(productIds, visible)).filter((row) => row.status === "PUBLISHED");
  const products = rows.sort((a, b) => a.code.localeCompare(b.code) || a.id.localeCompare(b.id));
  const names = [...new Set(products.flatMap((row) => row.locations))];
  return { products, zones: zoneIndex(await deps.zones.byCodesOrNames(names)) };
}
