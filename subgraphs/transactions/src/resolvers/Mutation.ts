import { badInput, conflict, type EntityReferences, notFound, quote, requireReferences, requireUuid, requireWindow } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import { assetOwnerRefusal, awardRefusal, dispatchProductRefusal } from "../access.js";
import { requireBidFits } from "../modules/buy-requirements/validation.js";
import { covers, requireCoveredBy, serviceAreaLoader } from "../modules/positions/service-area.js";
import type { Repositories } from "../repositories/index.js";
import { awardFacts, type BidFactsInput, bidFacts, dispatchFacts, enforce, newSubjectId } from "../rule-checks.js";
import { awardedWindowWarnings, lateAcknowledgementWarnings, type RuleWarning } from "../warnings.js";
import {
  bidValues,
  deliveryWindow,
  dispatchValues,
  lookupOwned,
  megawatts,
  optionalUuid,
  prices,
  provenance,
  requireAll,
  requireAwardable,
  requireAwardOfBid,
  requireBiddable,
  unitOrAsset,
  windowList,
} from "../validation.js";

/** A second record with the same provenance: re-ingesting is refused, never duplicated. */
const alreadyRecorded = (entity: string, { source, externalId }: { source: string; externalId: string | null }) =>
  conflict(`A ${entity} from ${source} with externalId ${quote(externalId)} is already recorded`, {
    entity,
    source,
    externalId,
  });

/** A bid's market rules, once (src/rule-checks.ts): RULE_VIOLATION on BLOCK, else the warnings. */
const bidRules = async (
  references: EntityReferences,
  bid: BidFactsInput & { id: string; productId: string; providerId: string | null; buyerId: string | null },
) =>
  enforce(references, {
    subjectKind: "BID",
    subject: { type: "Bid", id: bid.id },
    facts: await bidFacts(references, bid),
    productIds: [bid.productId],
    partyIds: [bid.providerId, bid.buyerId],
    at: bid.start,
  });

/** Throws a refusal from access.ts, if any. */
function refuse(refusal: Error | null): void {
  if (refusal) throw refusal;
}

/**
 * Writes record who they concern (the asset's owner as provider, the product's owner as buyer), asked of
 * the assets and products subgraphs. Who may write in whose name, and who may change a record's status, is
 * policy.ts; that the asset or product named is the caller's is checked here once its owner is known
 * (access.ts). Refusals write nothing.
 */
export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => {
  const serviceAreas = serviceAreaLoader(references);
  return {
    async submitBid(_, { input }, { identity, loaders }) {
      const values = bidValues(input);
      const [target, product] = await requireAll([
        values.marketUnitId
          ? lookupOwned(references, "MarketUnit", values.marketUnitId, "marketUnitId")
          : lookupOwned(references, "Asset", values.assetId as string, "assetId"),
        lookupOwned(references, "Product", values.productId, "productId"),
        requireReferences(references, "Organisation", [values.bidderId], "bidderId"),
      ]);
      const [providerId, buyerId] = [target.owner, product.owner];
      refuse(assetOwnerRefusal(identity, providerId, target.typename));
      requireBiddable(target, product);
      // Related bids the bidder can see; one it cannot see is, to it, a bid that does not exist.
      const visible = loaders.visibleTo(identity);
      for (const field of ["parentBidId", "loopedWithBidId"] as const) {
        const id = values[field];
        if (id && !(await visible.bid.load(id))) throw badInput(`${field}: Bid ${id} does not exist`, field);
      }
      if (values.buyRequirementId) {
        const requirement = await loaders.published(identity).buyRequirement.load(values.buyRequirementId);
        if (!requirement) throw badInput(`buyRequirementId: BuyRequirement ${values.buyRequirementId} does not exist`, "buyRequirementId");
        // A draft is checked against the requirement when its bidder submits it.
        if (values.status === "SUBMITTED") requireBidFits(requirement, values, providerId, new Date());
      }
      // The market rules, once, on the bid as it would be written (its id chosen now: the evaluation's subject); a
      // draft is checked when its bidder submits it (updateBidStatus).
      const id = newSubjectId();
      const warnings = values.status === "SUBMITTED" ? await bidRules(references, { ...values, id, target, providerId, buyerId }) : [];
      const bid = await repos.bids.create({ ...values, id, providerId, buyerId }, identity);
      if (!bid) throw alreadyRecorded("Bid", values);
      return { bid, warnings };
    },

    async recordAward(_, { input }, { identity, loaders }) {
      const span = deliveryWindow(input.start, input.end);
      const values = {
        bidId: optionalUuid(input.bidId, "bidId"),
        ...unitOrAsset(input.marketUnitId, input.assetId),
        productId: requireUuid(input.productId, "productId"),
        buyRequirementId: optionalUuid(input.buyRequirementId, "buyRequirementId"),
        clearingResultId: optionalUuid(input.clearingResultId, "clearingResultId"),
        cmzId: optionalUuid(input.cmzId, "cmzId"),
        awardedMw: megawatts(input.awardedMw, "awardedMw"),
        ...prices(input),
        ...span,
        windows: windowList(input.windows, "windows", span),
        awardedAt: input.awardedAt ?? new Date(),
        ...provenance(input),
      };
      const [target, product] = await requireAll([
        values.marketUnitId
          ? lookupOwned(references, "MarketUnit", values.marketUnitId, "marketUnitId")
          : lookupOwned(references, "Asset", values.assetId as string, "assetId"),
        lookupOwned(references, "Product", values.productId, "productId"),
      ]);
      const [providerId, buyerId] = [target.owner, product.owner];
      refuse(awardRefusal(identity, buyerId));
      requireAwardable(target);
      // A bid, requirement or clearing result the caller cannot see is, to it, one that does not exist.
      const { bidId } = values;
      if (bidId) requireAwardOfBid(await loaders.visibleTo(identity).bid.load(bidId), { ...values, bidId });
      const published = loaders.published(identity);
      const linked = [
        ["buyRequirementId", "BuyRequirement", values.buyRequirementId && (await published.buyRequirement.load(values.buyRequirementId))],
        ["clearingResultId", "ClearingResult", values.clearingResultId && (await published.clearingResult.load(values.clearingResultId))],
      ] as const;
      for (const [field, entity, row] of linked) {
        const id = values[field];
        if (!id) continue;
        if (!row) throw badInput(`${field}: ${entity} ${id} does not exist`, field);
        if (row.productId !== values.productId)
          throw badInput(`${field}: ${entity} ${id} is for product ${row.productId}, not ${values.productId}`, field);
      }
      const id = newSubjectId();
      const warnings = await enforce(references, {
        subjectKind: "AWARD",
        subject: { type: "Award", id },
        facts: await awardFacts(references, { target, productId: values.productId, awardedMw: values.awardedMw }),
        productIds: [values.productId],
        partyIds: [providerId, buyerId],
        at: values.start,
      });
      const award = await repos.awards.create({ ...values, id, providerId, buyerId }, identity);
      if (!award) throw alreadyRecorded("Award", values);
      return { award, warnings };
    },

    async issueDispatchInstruction(_, { input }, context) {
      const { identity, loaders } = context;
      const values = dispatchValues(input);
      const [target, product] = await requireAll([
        values.assetId
          ? lookupOwned(references, "Asset", values.assetId, "assetId", true)
          : values.marketUnitId
            ? lookupOwned(references, "MarketUnit", values.marketUnitId, "marketUnitId")
            : Promise.resolve(null),
        lookupOwned(references, "Product", values.productId, "productId"),
        requireReferences(references, "Organisation", [values.issuedById], "issuedById"),
      ]);
      const [providerId, buyerId] = [target?.owner ?? null, product.owner];
      refuse(dispatchProductRefusal(identity, buyerId));
      // The asset must lie in the issuing SO's service area (BAD_USER_INPUT, reason OUTSIDE_SERVICE_AREA). In-process
      // tests' static references reach no products subgraph: nothing to ask (as rule-checks' evaluate).
      // The area once per request (a mutation issuing 100 instructions asks once), the asset's group from its lookup.
      if (values.assetId && references.call) {
        const area = await serviceAreas(context).load(values.issuedById);
        const asset = { id: values.assetId, gspGroup: target?.gspGroup ?? null };
        if (!covers(area, asset.gspGroup)) await requireCoveredBy(references, values.issuedById, [asset]);
      }
      const warnings: RuleWarning[] = [];
      if (values.awardId) {
        // An award the caller cannot see is, to it, one that does not exist.
        const award = await loaders.visibleTo(identity).award.load(values.awardId);
        if (!award) throw badInput(`awardId: Award ${values.awardId} does not exist`, "awardId");
        if (award.productId !== values.productId) {
          throw badInput(`awardId: Award ${award.id} is for product ${award.productId}, not ${values.productId}`, "awardId");
        }
        for (const field of ["assetId", "marketUnitId"] as const) {
          if (values[field] && award[field] && values[field] !== award[field]) {
            throw badInput(`awardId: Award ${award.id} is for ${field} ${award[field]}, not ${values[field]}`, "awardId");
          }
        }
        warnings.push(...awardedWindowWarnings(values, award));
      }
      const id = newSubjectId();
      warnings.push(
        ...(await enforce(references, {
          subjectKind: "DISPATCH_INSTRUCTION",
          subject: { type: "DispatchInstruction", id },
          facts: await dispatchFacts(references, values),
          productIds: [values.productId],
          partyIds: [providerId, buyerId],
          at: values.start,
        })),
      );
      const dispatchInstruction = await repos.dispatches.create({ ...values, id, providerId, buyerId }, identity);
      if (!dispatchInstruction) throw alreadyRecorded("DispatchInstruction", values);
      return { dispatchInstruction, warnings };
    },

    // Status changes the policy allowed (it answered NOT_FOUND for a record the caller cannot see, FORBIDDEN for a
    // move it may not make). Whether the lifecycle allows the change (CONFLICT if not; the same status again is a
    // no-op) is checked by the repository, with the row locked, in the transaction that writes it.
    async updateBidStatus(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      if (input.status === "SUBMITTED") {
        // A draft into a requirement is submitted only while the requirement takes it (as submitBid checks).
        const draft = await loaders.visibleTo(identity).bid.load(id);
        if (draft?.status === "DRAFT" && draft.buyRequirementId) {
          const requirement = await loaders.published(identity).buyRequirement.load(draft.buyRequirementId);
          if (!requirement) throw badInput(`buyRequirementId: BuyRequirement ${draft.buyRequirementId} does not exist`, "buyRequirementId");
          requireBidFits(requirement, draft, draft.providerId, new Date());
        }
      }
      // A draft submitted meets the market rules now, as submitBid would have checked it.
      const draft = input.status === "SUBMITTED" ? await loaders.visibleTo(identity).bid.load(id) : null;
      const warnings =
        draft?.status === "DRAFT"
          ? await bidRules(references, {
              ...draft,
              target: draft.marketUnitId
                ? { typename: "MarketUnit", id: draft.marketUnitId }
                : { typename: "Asset", id: draft.assetId ?? "" },
            })
          : [];
      const bid = await repos.bids.updateStatus(id, input.status, identity);
      if (!bid) throw notFound("Bid", input.id);
      loaders.visibleTo(identity).bid.clear(id).prime(id, bid);
      return { bid, warnings };
    },

    async updateAwardStatus(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      const award = await repos.awards.updateStatus(id, input.status, identity);
      if (!award) throw notFound("Award", input.id);
      loaders.visibleTo(identity).award.clear(id).prime(id, award);
      return { award, warnings: [] };
    },

    async updateDispatchStatus(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      const dispatchInstruction = await repos.dispatches.updateStatus(id, input.status, identity);
      if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
      loaders.visibleTo(identity).dispatch.clear(id).prime(id, dispatchInstruction);
      const warnings = input.status === "ACKNOWLEDGED" ? lateAcknowledgementWarnings(dispatchInstruction) : [];
      return { dispatchInstruction, warnings };
    },

    // Who may cease, record the actual start and stop, or flag a conflict: policy.ts (NOT_FOUND, FORBIDDEN).
    async ceaseDispatchInstruction(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      const dispatchInstruction = await repos.dispatches.updateStatus(id, "CEASED", identity, input.ceasedAt ?? new Date());
      if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
      loaders.visibleTo(identity).dispatch.clear(id).prime(id, dispatchInstruction);
      return { dispatchInstruction, warnings: [] };
    },

    async recordActualStartStop(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      if (input.actualStart == null && input.actualStop == null) throw badInput("Give actualStart, actualStop or both", "actualStart");
      const dispatchInstruction = await repos.dispatches.update(
        id,
        { actualStart: input.actualStart ?? undefined, actualStop: input.actualStop ?? undefined },
        identity,
        (before) => {
          const [start, stop] = [input.actualStart ?? before.actualStart, input.actualStop ?? before.actualStop];
          if (start && stop) requireWindow(start, stop, "actualStop");
        },
      );
      if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
      loaders.visibleTo(identity).dispatch.clear(id).prime(id, dispatchInstruction);
      return { dispatchInstruction, warnings: [] };
    },

    async setDispatchInConflict(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      const dispatchInstruction = await repos.dispatches.update(id, { inConflict: input.inConflict }, identity);
      if (!dispatchInstruction) throw notFound("DispatchInstruction", input.id);
      loaders.visibleTo(identity).dispatch.clear(id).prime(id, dispatchInstruction);
      return { dispatchInstruction, warnings: [] };
    },
  };
};
