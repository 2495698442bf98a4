import { allow, forbidden, type Identity, type Policy, type RowRule } from "@sfe/kit";
import { canAnswerTransfer, canCancelTransfer, canSeeTransferredAsset, visibleTransfer } from "../../access.js";
import type { Context } from "../../loaders.js";
import { both, changesAsset, fspOrAdminWrite, type Rule, read, write } from "../../policy.js";
import type { AssetRow } from "../assets/repository.js";
import type { TransferRow } from "./repository.js";

/**
 * A decision on the transfer `args.id` by the party `may` admits (or a hub administrator), writing: NOT_FOUND for a
 * transfer the caller may not see (as for an unknown id), else FORBIDDEN with `refusal`.
 */
const decides = (may: (identity: Identity | null, transfer: TransferRow) => boolean, refusal: string): Rule =>
  both(
    fspOrAdminWrite,
    async (identity, { args, context }) => may(identity, await visibleTransfer(context, args.id)) || forbidden(refusal),
  );

/** The asset a transfer offers: visible to both parties while it is PENDING (the exception access.ts spells out), else as ever. */
const seesOfferedAsset: RowRule<Context, AssetRow> = (identity, asset, { parent }) =>
  canSeeTransferredAsset(identity, parent as TransferRow, asset) || "hide";

export const policy: Policy<Context> = {
  // Transfers are business between two FSPs: their accounts and hub administrators see them (filtered in SQL: access.ts).
  "Query.assetTransfers": allow.all(allow.signedIn(), read, allow.roles("FSP", "ADMIN")),
  "Asset.pendingTransfer": allow.all(allow.signedIn(), read),
  "AssetTransfer.asset": { row: seesOfferedAsset },
  // The owner (or a hub administrator) requests a transfer and de-registers; the receiver accepts and declines, the
  // sender cancels. What they may not see does not exist for them; checked again on the locked rows inside the writes.
  "Mutation.requestAssetTransfer": changesAsset("assetId", (args) => args.input.assetId),
  "Mutation.acceptAssetTransfer": decides(
    canAnswerTransfer,
    "Only the receiving organisation or a hub administrator may accept a transfer",
  ),
  "Mutation.declineAssetTransfer": decides(
    canAnswerTransfer,
    "Only the receiving organisation or a hub administrator may decline a transfer",
  ),
  "Mutation.cancelAssetTransfer": decides(canCancelTransfer, "Only the sending organisation or a hub administrator may cancel a transfer"),
  "Mutation.deregisterAsset": changesAsset("id", (args) => args.id),
  // Undoing a de-registration: hub administrators only.
  "Mutation.reinstateAsset": allow.all(allow.signedIn(), write, allow.roles("ADMIN")),
};
