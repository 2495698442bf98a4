import { isUuid, page } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { organisationRef } from "../../mappers.js";
import { batchOrganisation } from "./policy.js";
import type { IngestBatchesRepository } from "./repository.js";

export const resolvers = ({ batches }: { batches: IngestBatchesRepository }): Resolvers => ({
  Query: {
    async ingestBatch(_, { id }, { identity }) {
      const organisationId = batchOrganisation(identity);
      if (organisationId === undefined || !isUuid(id)) return null;
      const batch = await batches.byId(id);
      return batch && (organisationId === null || batch.organisationId === organisationId) ? batch : null;
    },
    async ingestBatches(_, { first, offset }, { identity }) {
      const limits = page(first, offset, 1000);
      const organisationId = batchOrganisation(identity);
      if (organisationId === undefined) return [];
      return batches.list(organisationId, limits.limit, limits.offset);
    },
  },
  IngestBatch: {
    organisation: (batch) => (batch.organisationId ? organisationRef(batch.organisationId) : null),
  },
});
