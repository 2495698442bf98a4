import { AsyncLocalStorage } from "node:async_hooks";
import type { Identity } from "./identity.js";

/**
 * Per-request state reachable from anywhere the request's work runs. It carries the caller's identity
 * to the entity lookups a subgraph makes of other subgraphs (references.ts), so a lookup can never
 * see more than the caller could: no call site has to remember to pass it.
 */
interface RequestScope {
  identity: Identity | null;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs one HTTP request's work in a fresh scope (kit/http.ts does this for every request). */
export const runInRequestScope = <T>(work: () => Promise<T>): Promise<T> => storage.run({ identity: null }, work);

/** Records who is calling, once the request's context has established it. */
export function setScopeIdentity(identity: Identity | null): void {
  const scope = storage.getStore();
  if (scope) scope.identity = identity;
}

/** The identity of the request being served here, or null outside a request. */
export const scopeIdentity = (): Identity | null => storage.getStore()?.identity ?? null;
