import { appendAudit, conflict, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, getTableColumns, inArray, isNotNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { ProductVisibility } from "../access.js";
import { auditEvents, PUBLISHED_STATUSES, type ProductStatus, productLifecycle, products, productVersions } from "../db/schema.js";

export type ProductVersionRow = typeof productVersions.$inferSelect;
/** A version's attributes: what a revision may change. */
export type VersionAttributes = Omit<
  typeof productVersions.$inferInsert,
  "id" | "productId" | "version" | "status" | "supersedesId" | "publishedAt" | "supersededAt" | "createdAt" | "updatedAt"
>;

/**
 * A product as the catalogue answers it: the product (id, owner, code, sub-market) with its current version's
 * status and attributes flattened in, so `Product.status`, `Product.minimumCapacityKw` … (and other subgraphs'
 * checks of them) read the version in force. `versionId` is that version's id.
 */
export type ProductRow = typeof products.$inferSelect &
  Omit<ProductVersionRow, "id" | "productId" | "createdAt" | "updatedAt"> & { versionId: string };

/** What createProduct writes: the product and its version 1. */
export type NewProduct = Pick<typeof products.$inferInsert, "id" | "ownerId" | "code" | "subMarketId"> &
  VersionAttributes & { status?: ProductStatus | undefined };
export type ProductChanges = Partial<VersionAttributes> & {
  status?: ProductStatus | undefined;
  /** The product's sub-market: not versioned (it classifies the product), so it changes in place. */
  subMarketId?: string | null | undefined;
};

const published = sql.raw(`(${PUBLISHED_STATUSES.map((s) => `'${s}'`).join(", ")})`);

/**
 * The current version of the product in the outer query: the latest version that was ever published (a pending
 * revision does not replace it until it is published), else the only one there is (a new product's draft).
 */
const currentVersionOf = (productId: SQL | typeof products.id) =>
  sql`(select v.id from ${productVersions} v where v.product_id = ${productId}
        order by (v.status in ${published}) desc, v.version desc limit 1)`;

const {
  id: versionId,
  productId: _productId,
  createdAt: _created,
  updatedAt: versionUpdatedAt,
  ...versionColumns
} = getTableColumns(productVersions);

/** The flattened row's columns; `updatedAt` is the later of the product's and its current version's. */
const rowColumns = {
  ...getTableColumns(products),
  ...versionColumns,
  versionId,
  updatedAt: sql<Date>`greatest(${products.updatedAt}, ${versionUpdatedAt})`.mapWith(products.updatedAt),
};

/** The SQL condition for the products `visible` admits (undefined: every product), on the current version. */
function visibleWhere(visible: ProductVisibility): SQL | undefined {
  if (visible.everything) return undefined;
  if (visible.publishedOnly) return eq(productVersions.status, "PUBLISHED");
  const notDraft = ne(productVersions.status, "DRAFT");
  return visible.draftsOf != null && isUuid(visible.draftsOf) ? or(notDraft, eq(products.ownerId, visible.draftsOf)) : notDraft;
}

/** Which versions a caller sees: drafts only of its own products (or all, for an administrator). */
function visibleVersionsWhere(visible: ProductVisibility): SQL | undefined {
  if (visible.everything) return undefined;
  if (visible.publishedOnly) return isNotNull(productVersions.publishedAt);
  const notDraft = ne(productVersions.status, "DRAFT");
  if (visible.draftsOf == null || !isUuid(visible.draftsOf)) return notDraft;
  return or(notDraft, sql`${productVersions.productId} in (select p.id from ${products} p where p.owner_id = ${visible.draftsOf})`);
}

export function createProductRepository(db: Database) {
  const catalogue = (tx: Database = db) =>
    tx
      .select(rowColumns)
      .from(products)
      .innerJoin(productVersions, eq(productVersions.id, currentVersionOf(products.id)));

  /** The product as it now is (no visibility filter: the caller already passed it). */
  const reread = async (tx: Database, id: string) => {
    const [row] = await catalogue(tx).where(eq(products.id, id));
    if (!row) throw new Error(`product ${id} vanished`);
    return row;
  };

  return {
    /** Rows for the ids that exist and are `visible`, in any order (the loader orders them). */
    async byIds(ids: readonly string[], visible: ProductVisibility): Promise<ProductRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return catalogue().where(and(inArray(products.id, valid), visibleWhere(visible)));
    },

    /** Every `visible` product of each owner, by code. */
    async byOwnerIds(ownerIds: readonly string[], visible: ProductVisibility): Promise<ProductRow[]> {
      const valid = ownerIds.filter(isUuid);
      if (valid.length === 0) return [];
      return catalogue()
        .where(and(inArray(products.ownerId, valid), visibleWhere(visible)))
        .orderBy(asc(products.code), asc(products.id));
    },

    /** Every `visible` product of each sub-market, by code. */
    async bySubMarketIds(subMarketIds: readonly string[], visible: ProductVisibility): Promise<ProductRow[]> {
      const valid = subMarketIds.filter(isUuid);
      if (valid.length === 0) return [];
      return catalogue()
        .where(and(inArray(products.subMarketId, valid), visibleWhere(visible)))
        .orderBy(asc(products.code), asc(products.id));
    },

    /** `status` filters on the current version's status. */
    async list(filter: {
      ownerId?: string | null;
      status?: ProductStatus | null;
      subMarketId?: string | null;
      visible: ProductVisibility;
      limit: number;
      offset: number;
    }): Promise<ProductRow[]> {
      if (filter.ownerId != null && !isUuid(filter.ownerId)) return []; // a malformed id owns nothing
      if (filter.subMarketId != null && !isUuid(filter.subMarketId)) return [];
      return catalogue()
        .where(
          and(
            visibleWhere(filter.visible),
            filter.ownerId != null ? eq(products.ownerId, filter.ownerId) : undefined,
            filter.status != null ? eq(productVersions.status, filter.status) : undefined,
            filter.subMarketId != null ? eq(products.subMarketId, filter.subMarketId) : undefined,
          ),
        )
        .orderBy(asc(products.code), asc(products.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Versions by id that exist and are `visible`. */
    async versionsByIds(ids: readonly string[], visible: ProductVisibility): Promise<ProductVersionRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(productVersions)
        .where(and(inArray(productVersions.id, valid), visibleVersionsWhere(visible)));
    },

    /** Each product's `visible` versions, oldest first. */
    async versionsOfProducts(productIds: readonly string[], visible: ProductVisibility): Promise<ProductVersionRow[]> {
      const valid = productIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(productVersions)
        .where(and(inArray(productVersions.productId, valid), visibleVersionsWhere(visible)))
        .orderBy(asc(productVersions.productId), asc(productVersions.version));
    },

    /** The product and its version 1, audited; CONFLICT (by the unique index) when the owner has the code. */
    async create(values: NewProduct, actor: Identity | null): Promise<ProductRow> {
      const { id, ownerId, code, subMarketId, status = "DRAFT", ...attributes } = values;
      return db.transaction(async (tx) => {
        const [product] = await tx.insert(products).values({ id, ownerId, code, subMarketId }).returning();
        if (!product) throw new Error("insert returned no row");
        const publishedAt = PUBLISHED_STATUSES.includes(status) ? new Date() : null;
        const [version] = await tx
          .insert(productVersions)
          .values({ ...attributes, productId: product.id, version: 1, status, publishedAt })
          .returning();
        if (!version) throw new Error("insert returned no row");
        const row = await reread(tx, product.id);
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Product", entityId: row.id, after: row });
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "ProductVersion", entityId: version.id, after: version });
        return row;
      });
    },

    /**
     * Applies `changes` to version `versionId` of a product `visible` admits (null when there is none), with the
     * product and the version locked. `authorize` runs first against the locked product and version and throws to
     * refuse (nothing is written). A published version is immutable: changing an attribute is CONFLICT
     * (`reason: VERSION_PUBLISHED`); only its status moves. A status change must follow `productLifecycle`
     * (CONFLICT otherwise); publishing a version that supersedes another marks that one superseded.
     */
    async updateVersion(
      target: { productId: string } | { versionId: string },
      changes: ProductChanges,
      actor: Identity | null,
      visible: ProductVisibility,
      authorize: (product: ProductRow, version: ProductVersionRow) => void,
      /** Runs in the same transaction after the change, e.g. to open the version's consultation. */
      andThen?: (tx: Database, version: ProductVersionRow) => Promise<void>,
    ): Promise<{ product: ProductRow; version: ProductVersionRow } | null> {
      const productId = "productId" in target ? target.productId : await productOfVersion(db, target.versionId);
      if (!productId || !isUuid(productId)) return null;
      return db.transaction(async (tx) => {
        // The product first, then its versions: every change of a product's versions takes locks in this order.
        const [locked] = await tx.select({ id: products.id }).from(products).where(eq(products.id, productId)).for("update");
        if (!locked) return null;
        const [product] = await catalogue(tx).where(and(eq(products.id, productId), visibleWhere(visible)));
        if (!product) return null;
        // Which version: the one named, or the product's latest (its pending revision, else its current one).
        const [chosen] = await tx
          .select()
          .from(productVersions)
          .where(
            "versionId" in target
              ? eq(productVersions.id, target.versionId)
              : and(
                  eq(productVersions.productId, productId),
                  sql`${productVersions.version} = (select max(v.version) from ${productVersions} v where v.product_id = ${productId})`,
                ),
          );
        if (!chosen) return null;
        const { status, subMarketId, ...attributes } = changes;
        const version = await guardedUpdate(tx, {
          table: productVersions,
          audit: auditEvents,
          lifecycle: productLifecycle,
          id: chosen.id,
          actor,
          change: (before) => {
            authorize(product, before);
            const changed = Object.fromEntries(
              Object.entries(attributes).filter(
                ([key, value]) => value !== undefined && JSON.stringify(value) !== JSON.stringify(before[key as keyof ProductVersionRow]),
              ),
            );
            if (Object.keys(changed).length > 0 && PUBLISHED_STATUSES.includes(before.status)) {
              throw conflict(
                `Version ${before.version} of product ${product.code} is ${before.status}: a published version cannot change; revise the product (reviseProduct) to make version ${before.version + 1}`,
                { reason: "VERSION_PUBLISHED", versionId: before.id, version: before.version },
              );
            }
            const publishing = status === "PUBLISHED" && before.publishedAt == null;
            return { ...changed, status, ...(publishing && { publishedAt: new Date() }) };
          },
        });
        if (!version) return null;
        if (subMarketId !== undefined && subMarketId !== product.subMarketId) {
          await guardedUpdate(tx, {
            table: products,
            audit: auditEvents,
            entityType: "Product",
            id: productId,
            actor,
            change: () => ({ subMarketId }),
          });
        }
        if (version.status === "PUBLISHED" && version.supersedesId) {
          // The version it replaces stays as it is (qualifications against it stay valid); it is only marked.
          await tx
            .update(productVersions)
            .set({ supersededAt: sql`coalesce(${productVersions.supersededAt}, now())` })
            .where(eq(productVersions.id, version.supersedesId));
        }
        await andThen?.(tx, version);
        return { product: await reread(tx, productId), version };
      });
    },

    /**
     * Makes the next version of a product whose latest version is published: a DRAFT copying it, with `changes`,
     * that `supersedes` it. CONFLICT when the latest version is not published (edit that one instead). `authorize`
     * runs first against the locked product and its latest version.
     */
    async revise(
      productId: string,
      changes: Partial<VersionAttributes>,
      effectiveFrom: Date | null,
      actor: Identity | null,
      visible: ProductVisibility,
      authorize: (product: ProductRow, latest: ProductVersionRow) => void,
    ): Promise<{ product: ProductRow; version: ProductVersionRow } | null> {
      if (!isUuid(productId)) return null;
      return db.transaction(async (tx) => {
        const [locked] = await tx.select({ id: products.id }).from(products).where(eq(products.id, productId)).for("update");
        if (!locked) return null;
        const [product] = await catalogue(tx).where(and(eq(products.id, productId), visibleWhere(visible)));
        if (!product) return null;
        const [latest] = await tx
          .select()
          .from(productVersions)
          .where(eq(productVersions.productId, productId))
          .orderBy(sql`${productVersions.version} desc`)
          .limit(1);
        if (!latest) return null;
        authorize(product, latest);
        if (!PUBLISHED_STATUSES.includes(latest.status) || latest.status === "RETIRED") {
          throw conflict(
            latest.status === "RETIRED"
              ? `Product ${product.code} is RETIRED: it has no next version`
              : `Version ${latest.version} of product ${product.code} is ${latest.status}: change it (updateProduct) rather than revising it`,
            { reason: "VERSION_NOT_PUBLISHED", versionId: latest.id, currentStatus: latest.status },
          );
        }
        const { id: _id, version, createdAt: _c, updatedAt: _u, publishedAt: _p, supersededAt: _s, status: _st, ...copied } = latest;
        const [next] = await tx
          .insert(productVersions)
          .values({
            ...copied,
            ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
            version: version + 1,
            status: "DRAFT",
            supersedesId: latest.id,
            effectiveFrom,
          })
          .returning();
        if (!next) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "ProductVersion", entityId: next.id, after: next });
        return { product: await reread(tx, productId), version: next };
      });
    },
  };
}

async function productOfVersion(db: Database, versionId: string): Promise<string | null> {
  if (!isUuid(versionId)) return null;
  const [row] = await db.select({ productId: productVersions.productId }).from(productVersions).where(eq(productVersions.id, versionId));
  return row?.productId ?? null;
}

export type ProductRepository = ReturnType<typeof createProductRepository>;
