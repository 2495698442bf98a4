import type { AssetTransferResolvers } from "../__generated__/resolvers-types.js";
import { canSeeTransferredAsset } from "../access.js";

const user = (id: string | null) => (id ? { __typename: "User" as const, id } : null); // a reference: the users subgraph resolves it

export const AssetTransfer: AssetTransferResolvers = {
  // The receiver sees the asset it is offered while the transfer is PENDING: the exception access.ts spells out.
  asset: async (transfer, _, { identity, loaders }) => {
    const asset = await loaders.asset.load(transfer.assetId);
    return asset && canSeeTransferredAsset(identity, transfer, asset) ? asset : null;
  },
  fromOrganisation: ({ fromOrganisationId }) => ({ __typename: "Organisation", id: fromOrganisationId }),
  toOrganisation: ({ toOrganisationId }) => ({ __typename: "Organisation", id: toOrganisationId }),
  requestedBy: ({ requestedBy }) => user(requestedBy),
  decidedBy: ({ decidedBy }) => user(decidedBy),
};
