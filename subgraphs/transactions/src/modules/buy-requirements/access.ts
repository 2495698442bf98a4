import { allow, type Identity, seesEveryOrganisation } from "@sfe/kit";
import { isNotNull, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { eq } from "drizzle-orm";

/**
 * Market information published by a system operator (buy requirements, clearing results): once published, every
 * signed-in caller (an API key with transactions:read) sees it; before, only the SO that owns it and
 * administrators.
 */
export interface PublishedVisibility {
  everything: boolean;
  /** Published records (everyone signed in). */
  published: boolean;
  /** The SO organisation whose unpublished records it also sees. */
  buyerId: string | null;
}

export function visiblePublished(identity: Identity | null): PublishedVisibility {
  if (!identity || allow.scope("transactions", "read")(identity)) return { everything: false, published: false, buyerId: null };
  if (seesEveryOrganisation(identity)) return { everything: true, published: true, buyerId: null };
  return { everything: false, published: true, buyerId: identity.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null };
}

export const publishedKey = (visible: PublishedVisibility) =>
  visible.everything ? "*" : `${visible.published ? "p" : ""}|${visible.buyerId ?? ""}`;

/** As SQL: undefined for everything, `false` for nothing. */
export function publishedRows(visible: PublishedVisibility, columns: { publishedAt: PgColumn; buyerId: PgColumn }): SQL | undefined {
  if (visible.everything) return undefined;
  const conditions = [
    visible.published ? isNotNull(columns.publishedAt) : undefined,
    visible.buyerId ? eq(columns.buyerId, visible.buyerId) : undefined,
  ].filter((condition): condition is SQL => !!condition);
  return conditions.length > 0 ? or(...conditions) : sql`false`;
}

/** The SO that owns the record (as a verified SO), or an administrator. */
export const ownsAsBuyer = (identity: Identity | null, buyerId: string) =>
  seesEveryOrganisation(identity) || (identity?.roles.includes("SYSTEM_OPERATOR") === true && identity.organisationId === buyerId);
