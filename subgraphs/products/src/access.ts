import { forbidden, type Identity, notFound, type SfeError, seesEveryOrganisation } from "@sfe/kit";
import type { ProductStatus } from "./db/schema.js";

/**
 * Which products a caller sees, as a repository filter (applied in SQL): every product (ADMIN), or
 * every product whose current version is not a DRAFT plus the drafts `draftsOf` owns (a verified system
 * operator). The same filter applies to versions: another's draft version (a pending revision) stays hidden.
 * A market observer (`publishedOnly`: an investor, who neither sells, buys, serves sellers nor regulates) sees
 * only products whose current version is PUBLISHED, and of their versions those that were published:
 * consultations are for market participants.
 */
export type ProductVisibility = { everything: true } | { everything: false; draftsOf: string | null; publishedOnly: boolean };

/** The roles that take part in (or oversee) the market before a product is published. */
const PARTICIPANT_ROLES = ["FSP", "SYSTEM_OPERATOR", "THIRD_PARTY", "REGULATOR"] as const;
const isObserver = (identity: Identity | null) => !PARTICIPANT_ROLES.some((role) => identity?.roles.includes(role));

/** Owning a product means acting for its owner organisation as a verified system operator. */
export const actsAsOwner = (identity: Identity | null, ownerId: string) =>
  identity?.roles.includes("SYSTEM_OPERATOR") === true && identity.organisationId === ownerId;

export function visibleProducts(identity: Identity | null): ProductVisibility {
  if (seesEveryOrganisation(identity)) return { everything: true };
  const draftsOf = identity?.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null;
  return { everything: false, draftsOf, publishedOnly: isObserver(identity) };
}

/** `status`: the product's current version's, or the version's in question. */
export const canSeeProduct = (identity: Identity | null, row: { ownerId: string; status: ProductStatus }) =>
  seesEveryOrganisation(identity) ||
  actsAsOwner(identity, row.ownerId) ||
  (isObserver(identity) ? row.status === "PUBLISHED" : row.status !== "DRAFT");

export const canChangeProduct = (identity: Identity | null, row: { ownerId: string }) =>
  seesEveryOrganisation(identity) || actsAsOwner(identity, row.ownerId);

/** "SO proposes, administrator publishes": only a hub administrator may make a product PUBLISHED. */
export const publishRefusal = (identity: Identity | null, status: ProductStatus): SfeError | null =>
  status === "PUBLISHED" && !seesEveryOrganisation(identity)
    ? forbidden("Only a hub administrator may publish a product; a system operator proposes it (IN_CONSULTATION)")
    : null;

/**
 * Run against the locked product and version before a change: NOT_FOUND when the caller cannot see the version
 * (existence is not revealed), FORBIDDEN when it sees but may not change it, or may not publish it.
 */
export function requireMayUpdate(
  identity: Identity | null,
  product: { id: string; ownerId: string },
  version: { status: ProductStatus },
  status: ProductStatus | undefined,
): void {
  if (!canSeeProduct(identity, { ownerId: product.ownerId, status: version.status })) throw notFound("Product", product.id);
  if (!canChangeProduct(identity, product)) {
    throw forbidden("Only the system operator that owns a product, or a hub administrator, may change it");
  }
  const refusal = status && status !== version.status ? publishRefusal(identity, status) : null;
  if (refusal) throw refusal;
}
