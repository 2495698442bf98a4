import { badInput, type EntityReferences, notFound, requireReferences, requireUuid } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import { requireMayUpdate, visibleProducts } from "../access.js";
import type { ProductStatus } from "../db/schema.js";
import { EVERYTHING } from "../loaders.js";
import type { Repositories } from "../repositories/index.js";
import type { ProductChanges, ProductVersionRow } from "../repositories/products.js";
import {
  directions,
  initialStatus,
  minimumCapacityKw,
  productCode,
  productName,
  requireConsistentVersion,
  requireOwnLocations,
  type VersionAttributesInput,
  versionChanges,
} from "../validation.js";

export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => {
  /** Locations as stored: GB, GSP groups, and codes of `ownerId`'s zones (BAD_USER_INPUT otherwise). */
  const ownLocations = (values: readonly string[], ownerId: string) =>
    requireOwnLocations(values, ownerId, (codes) => repos.zones.byCodes(codes));

  /** A sub-market the owner operates or procures in (BAD_USER_INPUT otherwise); null clears. */
  async function ownSubMarket(id: string | null | undefined, ownerId: string): Promise<string | null | undefined> {
    if (id == null) return id;
    const [subMarket] = await repos.subMarkets.byIds([requireUuid(id, "subMarketId")]);
    if (!subMarket) throw badInput(`subMarketId: sub-market ${id} does not exist`, "subMarketId");
    if (subMarket.operatorId !== ownerId && subMarket.procurerId !== ownerId) {
      throw badInput(`subMarketId: the product's owner neither operates nor procures in sub-market ${subMarket.name}`, "subMarketId");
    }
    return id;
  }

  /** The validated changes of an update or a revision; the owner is read first (it never changes). */
  async function changesFor(productId: string, input: VersionAttributesInput & { subMarketId?: string | null }) {
    const changes: ProductChanges = versionChanges(input);
    if (changes.locations === undefined && input.subMarketId === undefined) return changes;
    const [product] = await repos.products.byIds([productId], EVERYTHING);
    if (!product) return changes; // the update answers NOT_FOUND
    if (changes.locations) changes.locations = await ownLocations(changes.locations, product.ownerId);
    const subMarketId = await ownSubMarket(input.subMarketId, product.ownerId);
    return { ...changes, ...(subMarketId !== undefined && { subMarketId }) };
  }

  /** The checks of every change of a version, against the locked rows. */
  const authorizeChange =
    (identity: Parameters<typeof requireMayUpdate>[0], changes: ProductChanges, status: ProductStatus | undefined) =>
    (product: { id: string; ownerId: string }, version: ProductVersionRow) => {
      requireMayUpdate(identity, product, version, status);
      requireConsistentVersion({ ...version, ...changes });
    };

  return {
    async createProduct(_, { input }, { identity }) {
      // Who may create it for this owner and in this status: policy.ts.
      const ownerId = requireUuid(input.ownerId, "ownerId");
      const attributes = versionChanges(input);
      const values = {
        ...attributes,
        ownerId,
        code: productCode(input.code),
        name: productName(input.name),
        serviceType: input.serviceType,
        directions: directions(input.directions),
        minimumCapacityKw: minimumCapacityKw(input.minimumCapacityKw),
        effectiveFrom: input.effectiveFrom ?? null,
        status: initialStatus(input.status),
      };
      requireConsistentVersion(values);
      await requireReferences(references, "Organisation", [ownerId], "ownerId");
      values.locations = await ownLocations(values.locations ?? [], ownerId);
      const subMarketId = await ownSubMarket(input.subMarketId, ownerId);
      const product = await repos.products.create({ ...values, subMarketId: subMarketId ?? null }, identity);
      return { product };
    },

    async updateProduct(_, { input }, { identity }) {
      const id = requireUuid(input.id, "id");
      const changes = { ...(await changesFor(id, input)), ...(input.status != null && { status: input.status }) };
      const updated = await repos.products.updateVersion(
        { productId: id },
        changes,
        identity,
        visibleProducts(identity),
        authorizeChange(identity, changes, changes.status),
      );
      if (!updated) throw notFound("Product", input.id);
      return { product: updated.product };
    },

    async reviseProduct(_, { input }, { identity }) {
      const id = requireUuid(input.productId, "productId");
      const { subMarketId: _ignored, ...changes } = await changesFor(id, input);
      const revised = await repos.products.revise(
        id,
        changes,
        input.effectiveFrom ?? null,
        identity,
        visibleProducts(identity),
        (product, latest) => {
          // Seen as the catalogue shows it (its current version): a pending draft does not hide it from another SO.
          requireMayUpdate(identity, product, product, undefined);
          requireConsistentVersion({ ...latest, ...changes });
        },
      );
      if (!revised) throw notFound("Product", input.productId);
      return revised;
    },

    async setProductVersionStatus(_, { input }, { identity }) {
      const id = requireUuid(input.id, "id");
      const changes = { status: input.status };
      const updated = await repos.products.updateVersion(
        { versionId: id },
        changes,
        identity,
        visibleProducts(identity),
        authorizeChange(identity, changes, input.status),
      );
      if (!updated) throw notFound("ProductVersion", input.id);
      return updated;
    },
  };
};
