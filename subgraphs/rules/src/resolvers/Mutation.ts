import { badInput, type EntityReferences, notFound, requireReferences, requireUuid, requireWindow } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";
import { idList, optionalText, parameters, requireTransition, resolution, ruleCode, ruleName } from "../validation.js";

export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async createMarketRule(_, { input }, { identity }) {
    const values = {
      code: ruleCode(input.code),
      name: ruleName(input.name),
      productId: input.productId == null ? null : requireUuid(input.productId, "productId"),
      kind: input.kind,
      parameters: parameters(input.parameters),
      mode: input.mode,
      ...(input.effectiveFrom != null && { effectiveFrom: input.effectiveFrom }),
    };
    if (values.productId) await requireReferences(references, "Product", [values.productId], "productId");
    const marketRule = await repos.marketRules.create(values, identity);
    return { marketRule };
  },

  async updateMarketRule(_, { input }, { identity }) {
    const changes = {
      ...(input.name != null && { name: ruleName(input.name) }),
      ...(input.parameters != null && { parameters: parameters(input.parameters) }),
      ...(input.mode != null && { mode: input.mode }),
      ...(input.status != null && { status: input.status }),
    };
    const marketRule = await repos.marketRules.update(requireUuid(input.id, "id"), changes, identity);
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
    await requireReferences(references, "Asset", assetIds, "assetIds");
    if (instructionIds.length > 0) await requireReferences(references, "DispatchInstruction", instructionIds, "instructionIds");
    const conflict = await repos.conflicts.record(
      { kind: input.kind, overlapStart: input.overlapStart, overlapEnd: input.overlapEnd, ruleId, description },
      { assetIds, instructionIds },
      identity,
    );
    return { conflict };
  },

  async updateConflictStatus(_, { input }, { identity }) {
    const conflict = await repos.conflicts.updateStatus(
      requireUuid(input.id, "id"),
      (before) => {
        requireTransition(before.status, input.status);
        const note = resolution(input.status, input.resolution);
        return { status: input.status, ...(note !== null && { resolution: note }) };
      },
      identity,
    );
    if (!conflict) throw notFound("Conflict", input.id);
    return { conflict };
  },
});
