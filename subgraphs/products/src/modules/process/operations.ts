import {
  type EntityReferences,
  HUB_SUBGRAPHS,
  perRequest,
  PROCESS_OPERATIONS_PATH,
  type ProcessOperation,
  processOperations,
  SfeError,
} from "@sfe/kit";
import type { DocumentNode } from "graphql";

/**
 * Every hub subgraph's Query and Mutation fields with their steps, asked once per request: the tags live in each
 * subgraph's own SDL (the directive is not composed into the supergraph), so each is asked at
 * `/internal/process-operations`, as the caller; products' own come from its typeDefs. One memoised promise per
 * request rather than a DataLoader: a DataLoader batches per tick, and `processStep` aliases may resolve in
 * different ticks, while this makes one call per subgraph however many steps a query asks for.
 */
export function createOperationsGatherer({ typeDefs, references }: { typeDefs: DocumentNode; references: EntityReferences }) {
  const own = processOperations("products", typeDefs);
  async function gather(): Promise<ProcessOperation[]> {
    const answers = await Promise.all(
      HUB_SUBGRAPHS.map(async (subgraph) => {
        if (subgraph === "products") return own;
        // In-process tests' static references reach no other subgraph.
        if (!references.call) return [];
        const { status, body } = await references.call<{ operations?: ProcessOperation[] }>(subgraph, PROCESS_OPERATIONS_PATH, {});
        if (status !== 200 || !Array.isArray(body?.operations)) {
          throw new SfeError("UPSTREAM_UNAVAILABLE", `The ${subgraph} subgraph could not list its operations' process steps`, { subgraph });
        }
        return body.operations;
      }),
    );
    return answers.flat();
  }

  /** The operations, for the request whose context this is. */
  return perRequest(gather);
}
