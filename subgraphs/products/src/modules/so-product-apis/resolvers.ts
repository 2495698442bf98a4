import type { Resolvers } from "../../__generated__/resolvers-types.js";
import type { SoProductApis } from "./catalogue.js";
import { HUB_SOURCE } from "./mappers.js";

export const resolvers = ({ soProductApis }: { soProductApis: SoProductApis }): Resolvers => ({
  Query: {
    soProductApis: () => soProductApis.apis.map((api) => ({ ...api, breaker: api.client.state().breaker })),
  },
  Product: {
    // Hub rows carry no source: they are the hub's own.
    source: (product) => product.source ?? HUB_SOURCE,
    externalId: (product) => product.externalId ?? null,
  },
  SoProductApi: {
    adapter: (api) => api.kind,
    operator: (api) => ({ __typename: "Organisation", id: api.operatorId }),
  },
});
