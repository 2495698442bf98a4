import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type { Repositories } from "./repositories/index.js";

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    organisation: loaderByKey(repos.organisations.byIds, (row) => row.id),
    user: loaderByKey(repos.users.byIds, (row) => row.id),
    usersByOrganisation: loaderOfLists(repos.users.byOrganisationIds, (row) => row.organisationId),
    apiKey: loaderByKey(repos.apiKeys.byIds, (row) => row.id),
    /** Not a loader: this request's state (one password attempt per request, modules/sessions/throttle.ts). */
    request: { passwordAttempted: false },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;

/** The resolver of a row's `organisation` (a user's, a key's, an invitation's): a foreign key guarantees it exists. */
export const organisationOf =
  (what: string) =>
  async ({ organisationId }: { organisationId: string }, _args: unknown, { loaders }: Context) => {
    const organisation = await loaders.organisation.load(organisationId);
    if (!organisation) throw new Error(`${what}'s organisation ${organisationId} is missing`);
    return organisation;
  };
