import { type EntityReferences, PROCESS_CATALOGUE_SOURCE, PROCESS_STEPS, processStepByCode } from "@sfe/kit";
import type { DocumentNode } from "graphql";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { createOperationsGatherer } from "./operations.js";

export const resolvers = (deps: { typeDefs: DocumentNode; references: EntityReferences }): Resolvers => {
  const operationsFor = createOperationsGatherer(deps);
  return {
    Query: {
      processSteps: (_, { phase }) => (phase == null ? [...PROCESS_STEPS] : PROCESS_STEPS.filter((step) => step.phase === phase)),
      // An unknown code is a lookup of nothing: null, as for any one thing that does not exist.
      processStep: (_, { code }) => processStepByCode(code) ?? null,
    },
    ProcessStep: {
      source: () => PROCESS_CATALOGUE_SOURCE,
      operations: async ({ code }, _, context) =>
        (await operationsFor(context))
          .filter((operation) => operation.codes.includes(code))
          .map(({ subgraph, operation, codes }) => ({ subgraph, field: operation, codes })),
    },
  };
};
