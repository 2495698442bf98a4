import { badInput, type EntityReferences, requireUuid, requireWindow } from "@sfe/kit";
import type { QueryResolvers } from "../../__generated__/resolvers-types.js";
import { assetOwnerRefusal } from "../../access.js";
import { bidFacts, evaluate, newSubjectId, type RuleCheckResult } from "../../rule-checks.js";
import { bidValues, lookupOwned, requireAll, requireBiddable, unitOrAsset } from "../../validation.js";

const MAX_PRODUCTS = 20;

const answer = (productId: string, subjectId: string, result: RuleCheckResult) => ({
  productId,
  subjectId,
  evaluationId: result.evaluationId,
  decision: result.decision,
  outcomes: result.outcomes,
});

/**
 * Dry runs: the rules engine's answer on a bid as submitBid would build it, or on what is known of a unit before it
 * bids. Nothing is written here; the rules subgraph records the evaluation under subject type DryRun, a new id.
 */
export const resolvers = ({ references }: { references: EntityReferences }): { Query: QueryResolvers } => ({
  Query: {
    async checkBid(_, { input }, { identity }) {
      const values = bidValues(input);
      const [target, product] = await requireAll([
        values.marketUnitId
          ? lookupOwned(references, "MarketUnit", values.marketUnitId, "marketUnitId")
          : lookupOwned(references, "Asset", values.assetId as string, "assetId"),
        lookupOwned(references, "Product", values.productId, "productId"),
      ]);
      const refusal = assetOwnerRefusal(identity, target.owner, target.typename);
      if (refusal) throw refusal;
      requireBiddable(target, product);
      const subjectId = newSubjectId();
      const result = await evaluate(references, {
        subjectKind: "BID",
        subject: { type: "DryRun", id: subjectId },
        facts: await bidFacts(references, { ...values, target }),
        productIds: [values.productId],
        partyIds: [target.owner, product.owner],
        at: values.start,
      });
      return answer(values.productId, subjectId, result);
    },

    async checkParticipation(_, args, { identity }) {
      const { marketUnitId, assetId } = unitOrAsset(args.marketUnitId, args.assetId);
      requireWindow(args.start, args.end);
      const productIds = [...new Set(args.productIds.map((id) => requireUuid(id, "productIds")))];
      if (productIds.length === 0 || productIds.length > MAX_PRODUCTS) {
        throw badInput(`productIds must name 1 to ${MAX_PRODUCTS} products`, "productIds");
      }
      const [target, ...products] = await requireAll([
        marketUnitId
          ? lookupOwned(references, "MarketUnit", marketUnitId, "marketUnitId")
          : lookupOwned(references, "Asset", assetId as string, "assetId"),
        ...productIds.map((id) => lookupOwned(references, "Product", id, "productIds")),
      ]);
      const refusal = assetOwnerRefusal(identity, target.owner, target.typename);
      if (refusal) throw refusal;
      // One evaluation per product: each answer names the rules of its product (and the market-wide ones).
      return Promise.all(
        products.map(async (product) => {
          const subjectId = newSubjectId();
          const facts = await bidFacts(references, {
            target,
            productId: product.id,
            direction: "",
            quantityMw: Number.NaN,
            start: args.start,
          });
          const { capacityMw: _mw, direction: _direction, ...known } = facts;
          const result = await evaluate(references, {
            subjectKind: "BID",
            subject: { type: "DryRun", id: subjectId },
            facts: known,
            productIds: [product.id],
            partyIds: [target.owner, product.owner],
            at: args.start,
          });
          return answer(product.id, subjectId, result);
        }),
      );
    },
  },
});
