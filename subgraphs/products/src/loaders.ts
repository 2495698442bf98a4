import type DataLoader from "dataloader";
import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type { ProductVisibility } from "./access.js";
import { createQualificationLoaders } from "./modules/qualification/repository.js";
import type { Repositories } from "./repositories/index.js";

/** What every caller sees: for hops from a row the caller was already allowed to see. */
export const EVERYTHING: ProductVisibility = { everything: true };

/**
 * Built fresh for every request, so batching and caching never cross requests. Each loader is made
 * per visibility filter (a request has one caller, so in practice one filter and one batch per field).
 */
export function createLoaders(repos: Repositories) {
  return {
    /** Products by id (with their current version's attributes), null where missing or not visible. */
    product: perVisibility((visible) =>
      loaderByKey(
        (ids: readonly string[]) => repos.products.byIds(ids, visible),
        (row) => row.id,
      ),
    ),
    /** Each owner's visible products, by code. */
    productsByOwner: perVisibility((visible) =>
      loaderOfLists(
        (ids: readonly string[]) => repos.products.byOwnerIds(ids, visible),
        (row) => row.ownerId,
      ),
    ),
    /** Each sub-market's visible products, by code. */
    productsOfSubMarket: perVisibility((visible) =>
      loaderOfLists(
        (ids: readonly string[]) => repos.products.bySubMarketIds(ids, visible),
        (row) => row.subMarketId ?? "",
      ),
    ),
    /** Product versions by id, null where missing or not visible (drafts of others' products). */
    productVersion: perVisibility((visible) =>
      loaderByKey(
        (ids: readonly string[]) => repos.products.versionsByIds(ids, visible),
        (row) => row.id,
      ),
    ),
    /** Each product's visible versions, oldest first. */
    versionsOfProduct: perVisibility((visible) =>
      loaderOfLists(
        (ids: readonly string[]) => repos.products.versionsOfProducts(ids, visible),
        (row) => row.productId,
      ),
    ),
    /** Constraint managed zones by id, null where missing (every zone is visible to whoever may read them). */
    zone: loaderByKey(
      (ids: readonly string[]) => repos.zones.byIds(ids),
      (row) => row.id,
    ),
    /** Constraint managed zones by code, null where missing. */
    zoneByCode: loaderByKey(
      (codes: readonly string[]) => repos.zones.byCodes(codes),
      (row) => row.code,
    ),
    /** Sub-markets by id, null where missing. */
    subMarket: loaderByKey(
      (ids: readonly string[]) => repos.subMarkets.byIds(ids),
      (row) => row.id,
    ),
    /** Consultations by id, null where missing (the caller checks it may see the version). */
    consultation: loaderByKey(
      (ids: readonly string[]) => repos.consultations.byIds(ids),
      (row) => row.id,
    ),
    /** Consultations by product version id, null where none was opened. */
    consultationOfVersion: loaderByKey(
      (ids: readonly string[]) => repos.consultations.byVersionIds(ids),
      (row) => row.productVersionId,
    ),
    /** Organisations' commercial qualifications, by organisation id. */
    commercialQualification: loaderByKey(
      (ids: readonly string[]) => repos.counterparty.byOrganisationIds(ids),
      (row) => row.organisationId,
    ),
    qualification: createQualificationLoaders(repos.qualification),
  };
}

/** One loader per distinct filter, made on first use. */
function perVisibility<L extends DataLoader<string, unknown>>(make: (visible: ProductVisibility) => L): (visible: ProductVisibility) => L {
  const loaders = new Map<string, L>();
  return (visible) => {
    const key = JSON.stringify(visible);
    const loader = loaders.get(key) ?? make(visible);
    loaders.set(key, loader);
    return loader;
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
