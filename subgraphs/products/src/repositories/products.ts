import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, inArray, ne, or, type SQL } from "drizzle-orm";
import type { ProductVisibility } from "../access.js";
import { auditEvents, type ProductStatus, productLifecycle, products } from "../db/schema.js";

export type ProductRow = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;
export type ProductChanges = Partial<Omit<NewProduct, "id" | "ownerId" | "code" | "createdAt" | "updatedAt">>;

/** The SQL condition for the products `visible` admits (undefined: every product). */
function visibleWhere(visible: ProductVisibility): SQL | undefined {
  if (visible.everything) return undefined;
  const notDraft = ne(products.status, "DRAFT");
  return visible.draftsOf != null && isUuid(visible.draftsOf) ? or(notDraft, eq(products.ownerId, visible.draftsOf)) : notDraft;
}

export function createProductRepository(db: Database) {
  return {
    /** Rows for the ids that exist and are `visible`, in any order (the loader orders them). */
    async byIds(ids: readonly string[], visible: ProductVisibility): Promise<ProductRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(products)
        .where(and(inArray(products.id, valid), visibleWhere(visible)));
    },

    /** Every `visible` product of each owner, by code. */
    async byOwnerIds(ownerIds: readonly string[], visible: ProductVisibility): Promise<ProductRow[]> {
      const valid = ownerIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(products)
        .where(and(inArray(products.ownerId, valid), visibleWhere(visible)))
        .orderBy(asc(products.code), asc(products.id));
    },

    async list(filter: {
      ownerId?: string | null;
      status?: ProductStatus | null;
      visible: ProductVisibility;
      limit: number;
      offset: number;
    }): Promise<ProductRow[]> {
      if (filter.ownerId != null && !isUuid(filter.ownerId)) return []; // a malformed id owns nothing
      return db
        .select()
        .from(products)
        .where(
          and(
            visibleWhere(filter.visible),
            filter.ownerId != null ? eq(products.ownerId, filter.ownerId) : undefined,
            filter.status != null ? eq(products.status, filter.status) : undefined,
          ),
        )
        .orderBy(asc(products.code), asc(products.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    async create(values: NewProduct, actor: Identity | null): Promise<ProductRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(products).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Product", entityId: row.id, after: row });
        return row;
      });
    },

    /**
     * Applies `changes` to a product `visible` admits; null when there is none. `authorize` runs first
     * against the locked row and throws to refuse (nothing is written). A status change must follow
     * `productLifecycle` (CONFLICT otherwise, checked with the row locked, so concurrent changes cannot
     * skip a step); the status the product already has changes nothing.
     */
    update: (
      id: string,
      changes: ProductChanges,
      actor: Identity | null,
      visible: ProductVisibility,
      authorize: (before: ProductRow) => void,
    ): Promise<ProductRow | null> =>
      guardedUpdate(db, {
        table: products,
        audit: auditEvents,
        lifecycle: productLifecycle,
        id,
        actor,
        visible: visibleWhere(visible),
        change: (before) => {
          authorize(before);
          return changes;
        },
      }),
  };
}

export type ProductRepository = ReturnType<typeof createProductRepository>;
