import { waiveLosingSide } from "../modules/conflicts/sweep.js";
import { badInput, type EntityReferences, forbidden, notFound, requireUuid, requireWindow, seesEveryOrganisation } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import { canRecordConflict, canWriteRulesOf, visibleConflictScope } from "../access.js";
import { conflictLifecycle } from "../db/schema.js";
import type { ConflictRow } from "../repositories/conflicts.js";
import type { Repositories } from "../repositories/index.js";
import {
  effectiveWindow,
  idList,
  marketRuleValues,
  optionalText,
  parameters,
  resolution,
  ruleExpression,
  requireExclusiveScope,
  ruleName,
  ruleScope,
} from "../validation.js";

/** Who an entity another subgraph owns belongs to, as `lookup` answers it: e.g. { owner: { id } }. */
type Owned<K extends string> = { [key in K]?: { id: string } | null };

/**
 * The organisation in `field` of each of `ids` (entities of `typename`, owned by another subgraph), in
 * order, from one batched lookup; `missing` lists the ids that do not exist.
 */
async function organisationsOf<K extends string>(references: EntityReferences, typename: string, ids: readonly string[], field: K) {
  const found = ids.length === 0 ? [] : await references.lookup<Owned<K>>(typename, ids, `${field} { id }`);
  return {
    organisationIds: found.flatMap((entity) => entity?.[field]?.id ?? []),
    missing: ids.filter((_, i) => !found[i]),
  };
}

function requireFound(typename: string, missing: readonly string[], field: string): void {
  if (missing.length > 0) throw badInput(`${field}: ${typename} ${missing.join(", ")} does not exist`, field);
}

/** The product's owner; null for no product (a market-wide rule) or, when `mustExist` is false, an unknown one. */
async function productOf(
  references: EntityReferences,
  productId: string | null,
  mustExist: boolean,
): Promise<{ ownerId: string | null } | null> {
  if (!productId) return null;
  const { organisationIds, missing } = await organisationsOf(references, "Product", [productId], "owner");
  if (mustExist) requireFound("Product", missing, "productId");
  return missing.length > 0 ? null : { ownerId: organisationIds[0] ?? null };
}

export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async createMarketRule(_, { input }, { identity }) {
    const values = marketRuleValues(input);
    // A market-wide rule (no product) is a hub administrator's: policy.ts.
    const product = await productOf(references, values.productId, true);
    if (values.productId && !canWriteRulesOf(identity, product)) {
      throw forbidden("Only the system operator that owns the product (or a hub administrator) may set its rules");
    }
    // Its owner: the product's SO; a market-wide rule the (administrator's) organisation that wrote it.
    const ownerOrgId = product?.ownerId ?? identity?.organisationId ?? null;
    const marketRule = await repos.marketRules.create({ ...values, ownerOrgId }, identity);
    return { marketRule };
  },

  async updateMarketRule(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const changes = {
      ...(input.name != null && { name: ruleName(input.name) }),
      ...(input.parameters != null && { parameters: parameters(input.parameters) }),
      ...(input.mode != null && { mode: input.mode }),
      ...(input.status != null && { status: input.status }),
      ...(input.severity != null && { severity: input.severity }),
      ...(input.scope != null && { scope: ruleScope(input.scope) }),
      ...(input.documentRef !== undefined && { documentRef: optionalText(input.documentRef, "documentRef", 500) }),
      ...(input.effectiveFrom != null && { effectiveFrom: input.effectiveFrom }),
      ...(input.effectiveTo !== undefined && { effectiveTo: input.effectiveTo }),
    };
    const rule = await loaders.marketRule.load(id);
    if (!rule) throw notFound("MarketRule", input.id);
    // A rule's product never changes, so its owner can be checked before the write (ADMIN needs no lookup).
    if (!seesEveryOrganisation(identity) && !canWriteRulesOf(identity, await productOf(references, rule.productId, false))) {
      throw forbidden("Only the system operator that owns the rule's product (or a hub administrator) may change it");
    }
    // Decided against the locked rule: the expression is checked against its subject kind and the parameters it will have.
    const marketRule = await repos.marketRules.update(
      id,
      (before) => {
        effectiveWindow(changes.effectiveFrom ?? before.effectiveFrom, changes.effectiveTo ?? before.effectiveTo);
        if (changes.scope) requireExclusiveScope(changes.scope, before.kind, before.productId);
        const params = changes.parameters ?? before.parameters;
        const expression = input.expression ?? (changes.parameters && before.expression != null ? before.expression : null);
        return { ...changes, ...(expression != null && { expression: ruleExpression(expression, before.subjectKind, params) }) };
      },
      identity,
    );
    if (!marketRule) throw notFound("MarketRule", input.id);
    return { marketRule };
  },

  async recordConflict(_, { input }, { identity, loaders }) {
    const assetIds = idList(input.assetIds, "assetIds", true);
    const instructionIds = idList(input.instructionIds, "instructionIds", false);
    requireWindow(input.overlapStart, input.overlapEnd, "overlapEnd");
    const ruleId = input.ruleId == null ? null : requireUuid(input.ruleId, "ruleId");
    const description = optionalText(input.description, "description");
    if (ruleId && !(await loaders.marketRule.load(ruleId))) throw badInput(`MarketRule ${ruleId} does not exist`, "ruleId");
    // Its parties: the issuers of its instructions and the owners of its assets (one lookup per type, in parallel).
    const [issuers, owners] = await Promise.all([
      organisationsOf(references, "DispatchInstruction", instructionIds, "issuedBy"),
      organisationsOf(references, "Asset", assetIds, "owner"),
    ]);
    requireFound("DispatchInstruction", issuers.missing, "instructionIds");
    if (!canRecordConflict(identity, issuers.organisationIds)) {
      throw forbidden("Only a hub administrator, or a system operator that issued one of the instructions, may record a conflict");
    }
    requireFound("Asset", owners.missing, "assetIds");
    const partyIds = [...issuers.organisationIds, ...owners.organisationIds];
    const conflict = await repos.conflicts.record(
      { kind: input.kind, overlapStart: input.overlapStart, overlapEnd: input.overlapEnd, ruleId, description },
      { assetIds, instructionIds, partyIds },
      identity,
    );
    return { conflict };
  },

  async updateConflictStatus(_, { input }, { identity }) {
    const id = requireUuid(input.id, "id");
    /**
     * Decides the change against the locked conflict (who may move it so is policy.ts): whether the lifecycle
     * lets it, then its note (CONFLICT first); the status it has changes nothing, its note neither.
     */
    const decide = (before: ConflictRow) => {
      if (!conflictLifecycle.check(id, before.status, input.status)) return {};
      const note = resolution(input.status, input.resolution);
      return { status: input.status, ...(note !== null && { resolution: note }) };
    };
    const conflict = await repos.conflicts.updateStatus(id, visibleConflictScope(identity), decide, identity);
    // Not a party (or no such conflict): its existence is not revealed.
    if (!conflict) throw notFound("Conflict", input.id);
    // R-SET-4: the losing side of a resolved conflict is not penalised (its penalties carry the record).
    await waiveLosingSide(references, conflict);
    return { conflict };
  },
});
