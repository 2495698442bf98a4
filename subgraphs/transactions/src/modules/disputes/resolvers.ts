import { forbidden, loaderByKey, notFound, page, perRequest, requireUuid } from "@sfe/kit";
import type { Identity } from "@sfe/kit";
import type DataLoader from "dataloader";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { visibilityKey, visibleTransactions } from "../../access.js";
import { organisationRef } from "../../mappers.js";
import { sideOf } from "../settlement/policy.js";
import type { SettlementRepository } from "../settlement/repository.js";
import { penceText } from "../settlement/statement.js";
import { disputeMoveRefusal } from "./policy.js";
import type { DisputeRepository, DisputeRow } from "./repository.js";
import { raiseValues, updateValues } from "./validation.js";

const MAX_PAGE = 500;

export function resolvers({ repo, settlement }: { repo: DisputeRepository; settlement: SettlementRepository }): Resolvers {
  const loadersOf = perRequest(() => {
    const byFilter = new Map<string, DataLoader<string, DisputeRow | null>>();
    return {
      visibleTo(identity: Identity | null) {
        const visible = visibleTransactions(identity);
        const key = visibilityKey(visible);
        let dispute = byFilter.get(key);
        if (!dispute) {
          dispute = loaderByKey(
            (ids: readonly string[]) => repo.byIds(ids, visible),
            (row) => row.id,
          );
          byFilter.set(key, dispute);
        }
        return { dispute, visible };
      },
    };
  });
  const visibleDispute = (id: string, context: { identity: Identity | null }) =>
    loadersOf(context).visibleTo(context.identity).dispute.load(id);

  return {
    Query: {
      dispute: (_, { id }, context) => visibleDispute(id, context),
      disputes: (_, args, context) => {
        const { limit, offset } = page(args.first, args.offset, MAX_PAGE);
        return repo.list({
          status: args.status ?? null,
          subjectId: args.subjectId == null ? null : requireUuid(args.subjectId, "subjectId"),
          limit,
          offset,
          visible: loadersOf(context).visibleTo(context.identity).visible,
        });
      },
    },

    Mutation: {
      async raiseDispute(_, { input }, context) {
        const { identity } = context;
        const values = raiseValues(input);
        const { visible } = loadersOf(context).visibleTo(identity);
        const dispute = await repo.raise(values, identity, visible, (subject) =>
          sideOf(identity, subject) !== null
            ? null
            : forbidden("Only a party to the subject (its FSP or its system operator) may dispute it"),
        );
        if (!dispute) throw notFound(subjectEntity(values.subjectType), input.subject.entityId);
        return { dispute };
      },

      async updateDisputeStatus(_, { input }, context) {
        const { identity } = context;
        const id = requireUuid(input.id, "id");
        const loaders = loadersOf(context).visibleTo(identity);
        const current = await loaders.dispute.load(id);
        if (!current) throw notFound("Dispute", input.id);
        const extras = updateValues(input, current.subjectType);
        const dispute = await repo.move(id, input.status, extras, identity, loaders.visible, (row) =>
          disputeMoveRefusal(identity, row, row.status, input.status),
        );
        if (!dispute) throw notFound("Dispute", input.id);
        loaders.dispute.clear(id).prime(id, dispute);
        return { dispute };
      },
    },

    Dispute: {
      __resolveReference: ({ id }, context) => visibleDispute(id, context),
      raisedBy: (row) => organisationRef(row.raisedByOrgId),
      provider: (row) => organisationRef(row.providerId),
      buyer: (row) => organisationRef(row.buyerId),
      subject: (row) => ({ entityType: row.subjectType, entityId: row.subjectId }),
      creditNotes: async (row, _, context) => {
        if (row.creditNoteIds.length === 0) return [];
        const visible = loadersOf(context).visibleTo(context.identity).visible;
        const notes = await settlement.invoicesByIds(row.creditNoteIds, visible);
        return row.creditNoteIds.map((noteId) => notes.find((note) => note.id === noteId)).filter((note) => note !== undefined);
      },
    },

    DisputeCorrection: {
      deliveredWh: (row) => row.deliveredWh ?? null,
      adjustmentGbp: (row) => (row.adjustmentPence === undefined ? null : penceText(BigInt(row.adjustmentPence))),
    },
  };
}

const subjectEntity = (type: string) =>
  type === "PERFORMANCE_ASSESSMENT" ? "PerformanceAssessment" : type === "PENALTY" ? "Penalty" : "Invoice";
