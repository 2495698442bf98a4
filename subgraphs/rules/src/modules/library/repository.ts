import { appendAudit, type Database, type Identity, isUuid } from "@sfe/kit";
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { auditEvents } from "../../db/schema.js";
import { ruleDocuments, ruleDocumentVersions } from "./tables.js";

export type RuleDocumentRow = typeof ruleDocuments.$inferSelect;
export type NewRuleDocument = typeof ruleDocuments.$inferInsert;
export type RuleDocumentVersionRow = Omit<typeof ruleDocumentVersions.$inferSelect, "search">;
export type NewRuleDocumentVersion = Omit<typeof ruleDocumentVersions.$inferInsert, "search">;
/** A document with the version answered (in force on the date asked, or the latest) and its search rank. */
export type RuleDocumentRecord = RuleDocumentRow & { current: RuleDocumentVersionRow; rank: number | null };

const { search: _search, ...versionColumns } = getTableColumns(ruleDocumentVersions);

/** `tag` among the array column's values, or the column empty (an untagged document concerns everything). */
const taggedOrAll = (column: AnyPgColumn, tag: string | null | undefined, cast: "uuid" | "text") =>
  tag == null ? undefined : sql`(cardinality(${column}) = 0 or ${tag}::${sql.raw(cast)} = any(${column}))`;

const inForce = (on: Date) =>
  and(lte(ruleDocumentVersions.effectiveFrom, on), or(isNull(ruleDocumentVersions.effectiveTo), gt(ruleDocumentVersions.effectiveTo, on)));

export function createRuleDocumentRepository(db: Database) {
  return {
    /**
     * Documents with a version in force `on`, matching `search` (websearch_to_tsquery over the generated tsvector,
     * GIN-indexed) and the tags, best rank first, then code.
     */
    async search(filter: {
      search?: string | null;
      productId?: string | null;
      technologies?: readonly string[];
      phase?: string | null;
      kind?: RuleDocumentRow["kind"] | null;
      on: Date;
      limit: number;
      offset: number;
    }): Promise<RuleDocumentRecord[]> {
      if (filter.productId != null && !isUuid(filter.productId)) return [];
      const query = filter.search ? sql`websearch_to_tsquery('english', ${filter.search})` : null;
      const technologies = filter.technologies ?? [];
      const rows = await db
        .select({
          document: ruleDocuments,
          current: versionColumns,
          rank: query ? sql<number>`ts_rank(${ruleDocumentVersions.search}, ${query})` : sql<null>`null`,
        })
        .from(ruleDocuments)
        .innerJoin(ruleDocumentVersions, eq(ruleDocumentVersions.documentId, ruleDocuments.id))
        .where(
          and(
            inForce(filter.on),
            query ? sql`${ruleDocumentVersions.search} @@ ${query}` : undefined,
            taggedOrAll(ruleDocuments.productIds, filter.productId, "uuid"),
            technologies.length === 0
              ? undefined
              : sql`(cardinality(${ruleDocuments.technologies}) = 0 or ${ruleDocuments.technologies} && ${sql`array[${sql.join(
                  technologies.map((t) => sql`${t}`),
                  sql`, `,
                )}]::text[]`})`,
            taggedOrAll(ruleDocuments.phases, filter.phase, "text"),
            filter.kind ? eq(ruleDocuments.kind, filter.kind) : undefined,
          ),
        )
        .orderBy(query ? sql`4 desc` : asc(ruleDocuments.code), asc(ruleDocuments.code))
        .limit(filter.limit)
        .offset(filter.offset);
      return rows.map(({ document, current, rank }) => ({ ...document, current, rank: rank == null ? null : Number(rank) }));
    },

    /** A document with its version in force `on` (the latest version when `on` is null); null when none. */
    async byId(id: string, on: Date | null): Promise<RuleDocumentRecord | null> {
      if (!isUuid(id)) return null;
      const [row] = await db
        .select({ document: ruleDocuments, current: versionColumns })
        .from(ruleDocuments)
        .innerJoin(ruleDocumentVersions, eq(ruleDocumentVersions.documentId, ruleDocuments.id))
        .where(and(eq(ruleDocuments.id, id), on ? inForce(on) : undefined))
        .orderBy(desc(ruleDocumentVersions.version))
        .limit(1);
      return row ? { ...row.document, current: row.current, rank: null } : null;
    },

    /** Every version of each document, newest first (one read for a batch). */
    async versionsOf(documentIds: readonly string[]): Promise<RuleDocumentVersionRow[]> {
      const valid = documentIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select(versionColumns)
        .from(ruleDocumentVersions)
        .where(inArray(ruleDocumentVersions.documentId, valid))
        .orderBy(desc(ruleDocumentVersions.version));
    },

    /** A document and its first version, audited, in one transaction. */
    async create(document: NewRuleDocument, first: Omit<NewRuleDocumentVersion, "documentId" | "version">, actor: Identity | null) {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(ruleDocuments).values(document).returning();
        if (!row) throw new Error("insert returned no row");
        const [version] = await tx
          .insert(ruleDocumentVersions)
          .values({ ...first, documentId: row.id, version: 1 })
          .returning(versionColumns);
        await appendAudit(tx, auditEvents, actor, {
          action: "CREATE",
          entityType: "RuleDocument",
          entityId: row.id,
          after: { ...row, version },
        });
        return { ...row, current: version!, rank: null } satisfies RuleDocumentRecord;
      });
    },

    /**
     * The next version of a document, with the document locked: `decide` sees the latest version and may refuse
     * (throwing); an open-ended latest version ends where the new one starts. Null when there is no such document.
     */
    async addVersion(
      documentId: string,
      next: Omit<NewRuleDocumentVersion, "documentId" | "version">,
      decide: (latest: RuleDocumentVersionRow) => void,
      actor: Identity | null,
    ): Promise<RuleDocumentRecord | null> {
      if (!isUuid(documentId)) return null;
      return db.transaction(async (tx) => {
        const [document] = await tx.select().from(ruleDocuments).where(eq(ruleDocuments.id, documentId)).for("update");
        if (!document) return null;
        const [latest] = await tx
          .select(versionColumns)
          .from(ruleDocumentVersions)
          .where(eq(ruleDocumentVersions.documentId, documentId))
          .orderBy(desc(ruleDocumentVersions.version))
          .limit(1);
        decide(latest!);
        if (latest!.effectiveTo == null) {
          await tx.update(ruleDocumentVersions).set({ effectiveTo: next.effectiveFrom }).where(eq(ruleDocumentVersions.id, latest!.id));
        }
        const [version] = await tx
          .insert(ruleDocumentVersions)
          .values({ ...next, documentId, version: latest!.version + 1 })
          .returning(versionColumns);
        await appendAudit(tx, auditEvents, actor, {
          action: "UPDATE",
          entityType: "RuleDocument",
          entityId: documentId,
          before: { ...document, version: latest },
          after: { ...document, version },
        });
        return { ...document, current: version!, rank: null };
      });
    },
  };
}

export type RuleDocumentRepository = ReturnType<typeof createRuleDocumentRepository>;
