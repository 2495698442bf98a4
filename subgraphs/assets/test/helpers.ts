import type { TestableSubgraph } from "@sfe/kit/testing";
import { assetsModule, createAssetsSubgraph, createRepositories } from "../src/server.js";

/**
 * Shared by the assets tests. The MPAN builder is an oracle written apart from src/modules/assets/validation.ts on
 * purpose: a mistake in the validator cannot make the tests agree with it.
 */

/** A valid 13-digit MPAN core for a distributor id (10–23): prime-weighted check digit. */
export function mpan(distributor: number, serial: number): string {
  const body = `${distributor}${String(serial).padStart(10, "0")}`;
  const primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * primes[i]!, 0);
  return `${body}${(sum % 11) % 10}`;
}

/** The assets subgraph as the kit's `setUpSubgraph` builds it for a test file. */
export const assetsSubgraph: TestableSubgraph<ReturnType<typeof createRepositories>, ReturnType<typeof createAssetsSubgraph>> = {
  module: assetsModule,
  createRepositories,
  createSubgraph: createAssetsSubgraph,
};
