import { createTestDatabase } from "@sfe/kit/testing";
import { type StackOptions, startStack } from "@sfe/stack";

export interface GraphQLResponse<T = any> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** POSTs one operation over real HTTP. */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Like `gql`, but fails the test on any error. */
export async function gqlOk<T = any>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await gql<T>(url, query, variables);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** The whole hub on free ports over a fresh database of its own. */
export async function startTestStack(options: Omit<StackOptions, "database" | "port"> = {}) {
  const database = await createTestDatabase();
  const stack = await startStack({ ...options, database, port: 0 });
  return {
    ...stack,
    /** GraphQL requests each subgraph has received so far. */
    requestCounts: () => Object.fromEntries([...stack.subgraphs].map(([name, s]) => [name, s.requestCount()])),
    async stop() {
      await stack.stop();
      await database.close();
    },
  };
}

export const codes = (result: GraphQLResponse) => (result.errors ?? []).map((e) => e.extensions?.code);

/** A valid 13-digit MPAN core for a distributor id (10–23): prime-weighted check digit. */
export function mpan(distributor: number, serial: number): string {
  const body = `${distributor}${String(serial).padStart(10, "0")}`;
  const primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * primes[i]!, 0);
  return `${body}${(sum % 11) % 10}`;
}
