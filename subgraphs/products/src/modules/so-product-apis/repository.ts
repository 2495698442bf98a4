import { type Database, isUuid } from "@sfe/kit";
import { and, eq, inArray } from "drizzle-orm";
import { externalProducts } from "../../db/schema.js";

export type ExternalProductRow = typeof externalProducts.$inferSelect;

/** The hub's mapping of SO product APIs' external ids to hub ids: all it stores of an external product. */
export function createExternalProductRepository(db: Database) {
  async function ofApi(api: string, externalIds: readonly string[]): Promise<ExternalProductRow[]> {
    if (externalIds.length === 0) return [];
    return db
      .select()
      .from(externalProducts)
      .where(and(eq(externalProducts.api, api), inArray(externalProducts.externalId, [...externalIds])));
  }

  return {
    /** Rows for the hub ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<ExternalProductRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(externalProducts).where(inArray(externalProducts.id, valid));
    },

    /**
     * The rows of `externalIds` in `api`, registering the ones not seen before (discovery): one read when
     * every id is known, else an insert of the unseen (a concurrent discovery of the same id keeps one row).
     */
    async register(api: string, operatorId: string, externalIds: readonly string[]): Promise<ExternalProductRow[]> {
      const unique = [...new Set(externalIds)];
      const known = await ofApi(api, unique);
      const seen = new Set(known.map((row) => row.externalId));
      const unseen = unique.filter((id) => !seen.has(id));
      if (unseen.length === 0) return known;
      await db
        .insert(externalProducts)
        .values(unseen.map((externalId) => ({ api, externalId, operatorId })))
        .onConflictDoNothing({ target: [externalProducts.api, externalProducts.externalId] });
      return [...known, ...(await ofApi(api, unseen))];
    },
  };
}

export type ExternalProductRepository = ReturnType<typeof createExternalProductRepository>;
