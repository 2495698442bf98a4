import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type { Repositories } from "./repositories/index.js";

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    organisation: loaderByKey(repos.organisations.byIds, (row) => row.id),
    user: loaderByKey(repos.users.byIds, (row) => row.id),
    usersByOrganisation: loaderOfLists(repos.users.byOrganisationIds, (row) => row.organisationId),
    apiKey: loaderByKey(repos.apiKeys.byIds, (row) => row.id),
    /** Not a loader: this request's state (one password attempt per request, services/password-attempts.ts). */
    request: { passwordAttempted: false },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
