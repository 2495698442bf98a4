import { type EntityReferences, requireReferences, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import type { CounterpartyQualificationRepository } from "./repository.js";
import { commercialDecision, requireActiveOrganisation } from "./validation.js";

export const resolvers = ({
  counterparty,
  references,
}: {
  counterparty: CounterpartyQualificationRepository;
  references: EntityReferences;
}): Resolvers => ({
  Query: {
    commercialQualification: (_, { organisationId }, { loaders }) => loaders.commercialQualification.load(organisationId),
  },

  Mutation: {
    async requestCommercialQualification(_, { input }, { identity }) {
      const organisationId = requireUuid(input.organisationId, "organisationId");
      await requireReferences(references, "Organisation", [organisationId], "organisationId");
      return { commercialQualification: await counterparty.request(organisationId, identity) };
    },
    async assessCommercialQualification(_, { input }, { identity }) {
      const organisationId = requireUuid(input.organisationId, "organisationId");
      const decision = commercialDecision(input);
      // Qualifying needs a verified organisation (Q.1 before Q.2); failing or revoking only one that exists.
      if (decision.status === "QUALIFIED") await requireActiveOrganisation(references, organisationId, "organisationId");
      else await requireReferences(references, "Organisation", [organisationId], "organisationId");
      return { commercialQualification: await counterparty.assess(organisationId, decision, identity) };
    },
  },

  CommercialQualification: {
    organisation: ({ organisationId }) => ({ __typename: "Organisation", id: organisationId }),
    // Expiry is read, not written by a job: QUALIFIED past validTo answers EXPIRED.
    status: (row) => (row.status === "QUALIFIED" && row.validTo && row.validTo <= new Date() ? "EXPIRED" : row.status),
  },

  Organisation: {
    commercialQualification: ({ id }, _, { loaders }) => loaders.commercialQualification.load(id),
  },
});
