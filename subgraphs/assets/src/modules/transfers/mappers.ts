import type { TransferRow } from "./repository.js";

export type AssetTransferMapper = TransferRow;
/** User is owned by the users subgraph: here it is only a reference by id. */
export type UserMapper = { __typename?: "User"; id: string };
