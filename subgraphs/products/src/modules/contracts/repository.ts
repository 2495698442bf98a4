import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, desc, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import {
  auditEvents,
  type ContractStatus,
  contractCallOffs,
  contractLifecycle,
  contracts,
  contractTemplates,
  products,
  STANDING_CONTRACT_STATUSES,
} from "../../db/schema.js";
import type { ContractVisibility } from "./policy.js";

export type ContractTemplateRow = typeof contractTemplates.$inferSelect;
export type ContractRow = typeof contracts.$inferSelect;
export type ContractCallOffRow = typeof contractCallOffs.$inferSelect;
/** What a template's owner sets; the product, owner and version are the repository's. */
export type TemplateValues = Pick<
  typeof contractTemplates.$inferInsert,
  "agreementVersion" | "serviceTermsRef" | "procurementRulesRef" | "referencedRules" | "liabilityCapPence" | "clauses" | "callOffFields"
>;
export type ContractChanges = Partial<Pick<typeof contracts.$inferInsert, "status" | "signatures" | "variations">>;
export type NewCallOff = Omit<typeof contractCallOffs.$inferInsert, "id" | "contractId" | "createdAt">;

/** The SQL condition for the contracts `visible` admits (undefined: every contract). */
function visibleWhere(visible: ContractVisibility): SQL | undefined {
  if (visible.everything) return undefined;
  const sides = [
    visible.companyOf != null && isUuid(visible.companyOf) ? eq(contracts.companyId, visible.companyOf) : undefined,
    visible.providerOf != null && isUuid(visible.providerOf) ? eq(contracts.providerId, visible.providerOf) : undefined,
  ].filter((condition) => condition !== undefined);
  return sides.length > 0 ? or(...sides) : sql`false`;
}

/** What issuing needs: the product's template, copied into the contract. */
export interface IssueRequest {
  productId: string;
  providerId: string;
  status: Extract<ContractStatus, "DRAFT" | "ISSUED">;
  qualificationId?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

/** How issuing went: the new contract, or the provider's standing agreement (`created: false`), or no template (null). */
export type IssueOutcome = { contract: ContractRow; created: boolean } | null;

/**
 * Issues an overarching agreement from the product's template, copying its text (so later template changes never
 * alter it). Idempotent: when the provider already has a standing agreement with the company for the product, that
 * one is answered (`created: false`) and nothing is written. Null when the product has no template. Works inside a
 * caller's transaction (`db` may be one): it makes no call to another subgraph.
 */
export async function issueFromTemplate(db: Database, request: IssueRequest, actor: Identity | null): Promise<IssueOutcome> {
  const [template] = await db.select().from(contractTemplates).where(eq(contractTemplates.productId, request.productId));
  if (!template) return null;
  const [product] = await db.select({ ownerId: products.ownerId }).from(products).where(eq(products.id, request.productId));
  if (!product) return null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(contracts)
      .values({
        type: "OVERARCHING_AGREEMENT",
        companyId: product.ownerId,
        providerId: request.providerId,
        productId: request.productId,
        templateId: template.id,
        templateVersion: template.version,
        qualificationId: request.qualificationId ?? null,
        status: request.status,
        agreementVersion: template.agreementVersion,
        serviceTermsRef: template.serviceTermsRef,
        procurementRulesRef: template.procurementRulesRef,
        referencedRules: template.referencedRules,
        liabilityCapPence: template.liabilityCapPence,
        clauses: template.clauses,
        callOffFields: template.callOffFields,
        startsAt: request.startsAt ?? null,
        endsAt: request.endsAt ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (row) {
      await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Contract", entityId: row.id, after: row });
      return { contract: row, created: true };
    }
    const [standing] = await tx
      .select()
      .from(contracts)
      .where(
        and(
          eq(contracts.type, "OVERARCHING_AGREEMENT"),
          eq(contracts.companyId, product.ownerId),
          eq(contracts.productId, request.productId),
          eq(contracts.providerId, request.providerId),
          inArray(contracts.status, [...STANDING_CONTRACT_STATUSES]),
        ),
      );
    if (!standing) throw new Error("contract insert conflicted, but no standing agreement was found");
    return { contract: standing, created: false };
  });
}

export function createContractRepository(db: Database) {
  return {
    issue: (request: IssueRequest, actor: Identity | null) => issueFromTemplate(db, request, actor),

    async templatesByIds(ids: readonly string[]): Promise<ContractTemplateRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(contractTemplates).where(inArray(contractTemplates.id, valid));
    },

    async templateByProduct(productId: string): Promise<ContractTemplateRow | null> {
      if (!isUuid(productId)) return null;
      const [row] = await db.select().from(contractTemplates).where(eq(contractTemplates.productId, productId));
      return row ?? null;
    },

    /**
     * Creates the product's template (version 1) or changes it (version + 1), audited. The template row is locked
     * while it changes, so two racing saves make two versions, never one lost.
     */
    async saveTemplate(productId: string, ownerId: string, values: TemplateValues, actor: Identity | null): Promise<ContractTemplateRow> {
      const existing = await this.templateByProduct(productId);
      if (!existing) {
        const created = await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(contractTemplates)
            .values({ ...values, productId, ownerId })
            .onConflictDoNothing()
            .returning();
          if (row)
            await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "ContractTemplate", entityId: row.id, after: row });
          return row;
        });
        if (created) return created;
      }
      const current = existing ?? (await this.templateByProduct(productId));
      if (!current) throw new Error("contract template vanished while saving");
      const saved = await guardedUpdate(db, {
        table: contractTemplates,
        audit: auditEvents,
        actor,
        entityType: "ContractTemplate",
        id: current.id,
        change: (before) => {
          const changed = Object.entries(values).some(
            ([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof TemplateValues]),
          );
          return changed ? { ...values, version: before.version + 1 } : {};
        },
      });
      if (!saved) throw new Error("contract template vanished while saving");
      return saved;
    },

    /** Rows for the ids that exist and are `visible`, in any order (the loader orders them). */
    async byIds(ids: readonly string[], visible: ContractVisibility): Promise<ContractRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(contracts)
        .where(and(inArray(contracts.id, valid), visibleWhere(visible)));
    },

    async list(filter: {
      productId?: string | null;
      providerId?: string | null;
      status?: ContractStatus | null;
      visible: ContractVisibility;
      limit: number;
      offset: number;
    }): Promise<ContractRow[]> {
      if ((filter.productId != null && !isUuid(filter.productId)) || (filter.providerId != null && !isUuid(filter.providerId))) return [];
      return db
        .select()
        .from(contracts)
        .where(
          and(
            visibleWhere(filter.visible),
            filter.productId != null ? eq(contracts.productId, filter.productId) : undefined,
            filter.providerId != null ? eq(contracts.providerId, filter.providerId) : undefined,
            filter.status != null ? eq(contracts.status, filter.status) : undefined,
          ),
        )
        .orderBy(desc(contracts.createdAt), asc(contracts.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * The agreement of each (product, provider) pair, keyed "productId|providerId": a standing one (ACTIVE, SIGNED,
     * ISSUED) before an ended one (TERMINATED, EXPIRED), the newest first; drafts are no agreement. One query.
     */
    async agreementsByProductProvider(keys: readonly string[], visible: ContractVisibility): Promise<Map<string, ContractRow>> {
      const pairs = keys
        .map((key) => key.split("|") as [string, string])
        .filter(([product, provider]) => isUuid(product) && isUuid(provider));
      const found = new Map<string, ContractRow>();
      if (pairs.length === 0) return found;
      const rows = await db
        .select()
        .from(contracts)
        .where(
          and(
            or(...pairs.map(([product, provider]) => and(eq(contracts.productId, product), eq(contracts.providerId, provider)))),
            inArray(contracts.status, ["ACTIVE", "SIGNED", "ISSUED", "TERMINATED", "EXPIRED"]),
            visibleWhere(visible),
          ),
        )
        .orderBy(
          sql`case when ${contracts.status} in ('ACTIVE', 'SIGNED', 'ISSUED') then 0 else 1 end`,
          desc(contracts.createdAt),
          asc(contracts.id),
        );
      for (const row of rows) {
        const key = `${row.productId}|${row.providerId}`;
        if (!found.has(key)) found.set(key, row);
      }
      return found;
    },

    /** Every call-off of each contract, by start. */
    async callOffsByContractIds(ids: readonly string[]): Promise<ContractCallOffRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(contractCallOffs)
        .where(inArray(contractCallOffs.contractId, valid))
        .orderBy(asc(contractCallOffs.start), asc(contractCallOffs.id));
    },

    /**
     * Changes contract `id` among those `visible`: `change` sees the locked row, throws to refuse and answers the
     * values (a status change must follow `contractLifecycle`). Null when the caller sees no such contract.
     */
    update: (id: string, visible: ContractVisibility, actor: Identity | null, change: (before: ContractRow) => ContractChanges) =>
      guardedUpdate(db, {
        table: contracts,
        audit: auditEvents,
        actor,
        id,
        visible: visibleWhere(visible),
        lifecycle: contractLifecycle,
        change,
      }),

    /**
     * Adds a call-off to contract `contractId` among those `visible`, with the contract row locked: `authorize` sees
     * it and throws to refuse. Null when the caller sees no such contract; `duplicate` when the award already has one.
     */
    async addCallOff(
      contractId: string,
      visible: ContractVisibility,
      values: NewCallOff,
      actor: Identity | null,
      authorize: (contract: ContractRow) => void,
    ): Promise<ContractRow | "duplicate" | null> {
      if (!isUuid(contractId)) return null;
      return db.transaction(async (tx) => {
        const [contract] = await tx
          .select()
          .from(contracts)
          .where(and(eq(contracts.id, contractId), visibleWhere(visible)))
          .for("update");
        if (!contract) return null;
        authorize(contract);
        const [row] = await tx
          .insert(contractCallOffs)
          .values({ ...values, contractId })
          .onConflictDoNothing()
          .returning();
        if (!row) return "duplicate";
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "ContractCallOff", entityId: row.id, after: row });
        return contract;
      });
    },
  };
}

export type ContractRepository = ReturnType<typeof createContractRepository>;
