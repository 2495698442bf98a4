import { forbidden, type Identity, notFound, type SfeError, seesEveryOrganisation } from "@sfe/kit";
import type { ProductStatus, products } from "./db/schema.js";

type ProductRow = typeof products.$inferSelect;

/**
 * Which products a caller sees, as a repository filter (applied in SQL): every product (ADMIN), or
 * every product that is not a DRAFT plus the drafts `draftsOf` owns (a verified system operator).
 */
export type ProductVisibility = { everything: true } | { everything: false; draftsOf: string | null };

/** Owning a product means acting for its owner organisation as a verified system operator. */
const actsAsOwner = (identity: Identity | null, ownerId: string) =>
  identity?.roles.includes("SYSTEM_OPERATOR") === true && identity.organisationId === ownerId;

export function visibleProducts(identity: Identity | null): ProductVisibility {
  if (seesEveryOrganisation(identity)) return { everything: true };
  const draftsOf = identity?.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null;
  return { everything: false, draftsOf };
}

export const canSeeProduct = (identity: Identity | null, row: Pick<ProductRow, "ownerId" | "status">) =>
  row.status !== "DRAFT" || seesEveryOrganisation(identity) || actsAsOwner(identity, row.ownerId);

export const canChangeProduct = (identity: Identity | null, row: Pick<ProductRow, "ownerId">) =>
  seesEveryOrganisation(identity) || actsAsOwner(identity, row.ownerId);

/** "SO proposes, administrator publishes": only a hub administrator may make a product PUBLISHED. */
export const publishRefusal = (identity: Identity | null, status: ProductStatus): SfeError | null =>
  status === "PUBLISHED" && !seesEveryOrganisation(identity)
    ? forbidden("Only a hub administrator may publish a product; a system operator proposes it (IN_CONSULTATION)")
    : null;

/**
 * Run against the locked row before an update: NOT_FOUND when the caller cannot see the product
 * (existence is not revealed), FORBIDDEN when it sees but may not change it, or may not publish it.
 */
export function requireMayUpdate(identity: Identity | null, before: ProductRow, status: ProductStatus | undefined): void {
  if (!canSeeProduct(identity, before)) throw notFound("Product", before.id);
  if (!canChangeProduct(identity, before)) {
    throw forbidden("Only the system operator that owns a product, or a hub administrator, may change it");
  }
  const refusal = status && status !== before.status ? publishRefusal(identity, status) : null;
  if (refusal) throw refusal;
}
