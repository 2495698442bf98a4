import { allow, type FieldRule, type Identity, notFound, type Policy, type Rule, requireUuid, type SfeError } from "@sfe/kit";
import type DataLoader from "dataloader";
import type { IssueDispatchInstructionInput, SubmitBidInput } from "./__generated__/resolvers-types.js";
import {
  awardStatusRefusal,
  bidStatusRefusal,
  bidderRefusal,
  dispatchIssuerRefusal,
  dispatchProviderRefusal,
  dispatchStatusRefusal,
  issuerRefusal,
  readsRationale,
} from "./access.js";
import type { Context, VisibleLoaders } from "./loaders.js";
import { bidValues, dispatchValues } from "./validation.js";

/**
 * Who may call each operation of the transactions subgraph, on the kit's policy model (kit/src/policy.ts).
 * Which records each caller sees (an FSP the records of its own assets, an SO those of its own products) is
 * filtered in SQL (access.ts, repositories/visibility.ts): single lookups and entity references of records
 * the caller may not see answer null, lists leave them out. Writes: who may write in whose name here; whether
 * the asset or product named is the caller's is decided once its owner is known (resolvers/Mutation.ts).
 */

/** Anyone signed in; an API key needs transactions:read (or :write). */
const signedIn: Rule = allow.all(allow.signedIn(), allow.scope("transactions", "read"));

/**
 * Lists of individual records: the parties to them (FSPs, verified SOs) and hub administrators.
 * Investors and regulators see anonymised aggregates only (`awardStatistics`).
 */
const listRecords: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN"));

const write = (...roles: Parameters<typeof allow.roles>): Rule => allow.all(allow.scope("transactions", "write"), allow.roles(...roles));

/**
 * A write by `roles` in a name the input gives, read as the resolver reads it (BAD_USER_INPUT first when
 * malformed), then refused by `refusal` or allowed.
 */
const writeInName =
  <I>(roles: Parameters<typeof allow.roles>, refusal: (identity: Identity | null, input: I) => SfeError | null): FieldRule<Context> =>
  (identity, { args }) =>
    write(...roles)(identity) ?? refusal(identity, args.input);

/**
 * A status change by `roles` of a record the caller sees: NOT_FOUND when it sees none with the id (as for an
 * unknown one), else `refusal` of the move (FORBIDDEN). Who a record concerns never changes, so reading it
 * before the write is safe; whether its lifecycle allows the move is checked by the repository, with the
 * row locked, in the transaction that writes it.
 */
const statusChange =
  <Row, Status>(
    roles: Parameters<typeof allow.roles>,
    entity: string,
    loader: (loaders: VisibleLoaders) => DataLoader<string, Row | null>,
    refusal: (identity: Identity | null, row: Row, status: Status) => SfeError | null,
  ): FieldRule<Context> =>
  async (identity, { args: { input }, context }) => {
    const refused = write(...roles)(identity);
    if (refused) return refused;
    const row = await loader(context.loaders.visibleTo(identity)).load(requireUuid(input.id, "id"));
    return row ? refusal(identity, row, input.status) : notFound(entity, input.id);
  };

/** A change other than a status (cease, actual start and stop, conflict flag): as `statusChange`, `refusal` of the row. */
const recordChange =
  <Row>(
    roles: Parameters<typeof allow.roles>,
    entity: string,
    loader: (loaders: VisibleLoaders) => DataLoader<string, Row | null>,
    refusal: (identity: Identity | null, row: Row) => SfeError | null,
  ): FieldRule<Context> =>
  async (identity, { args: { input }, context }) => {
    const refused = write(...roles)(identity);
    if (refused) return refused;
    const row = await loader(context.loaders.visibleTo(identity)).load(requireUuid(input.id, "id"));
    return row ? refusal(identity, row) : notFound(entity, input.id);
  };

export const policy: Policy<Context> = {
  // Single lookups: null unless the caller is a party to the record (filtered in SQL).
  "Query.bid": signedIn,
  "Query.award": signedIn,
  "Query.dispatchInstruction": signedIn,
  "Query.bids": listRecords,
  "Query.awards": listRecords,
  "Query.dispatchInstructions": listRecords,
  "Query.awardStatistics": signedIn,
  // Lists this subgraph adds to other subgraphs' entities: filtered to the caller's records (empty for investors).
  "Asset.bids": signedIn,
  "Asset.awards": signedIn,
  "Asset.dispatches": signedIn,
  "Product.awards": signedIn,
  "MarketUnit.bids": signedIn,
  "MarketUnit.awards": signedIn,
  "MarketUnit.dispatches": signedIn,
  // UC22: the SO's reason is for the SO, the FSP it concerns and administrators (null for anyone else).
  "DispatchInstruction.rationale": (identity, { parent }) => (readsRationale(identity, parent) ? null : "hide"),

  // An FSP bids in its own organisation's name, an SO dispatches in its own (ADMIN in anyone's).
  "Mutation.submitBid": writeInName(["FSP", "ADMIN"], (identity, input: SubmitBidInput) =>
    bidderRefusal(identity, bidValues(input).bidderId),
  ),
  "Mutation.recordAward": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.issueDispatchInstruction": writeInName(["SYSTEM_OPERATOR", "ADMIN"], (identity, input: IssueDispatchInstructionInput) =>
    issuerRefusal(identity, dispatchValues(input).issuedById),
  ),
  // The bidder withdraws its bid, the buyer accepts or rejects it; the buyer moves an award; the issuing SO
  // moves an instruction, its provider acknowledges or rejects it.
  "Mutation.updateBidStatus": statusChange(["FSP", "SYSTEM_OPERATOR", "ADMIN"], "Bid", (loaders) => loaders.bid, bidStatusRefusal),
  "Mutation.updateAwardStatus": statusChange(["SYSTEM_OPERATOR", "ADMIN"], "Award", (loaders) => loaders.award, awardStatusRefusal),
  "Mutation.updateDispatchStatus": statusChange(
    ["FSP", "SYSTEM_OPERATOR", "ADMIN"],
    "DispatchInstruction",
    (loaders) => loaders.dispatch,
    dispatchStatusRefusal,
  ),
  "Mutation.ceaseDispatchInstruction": recordChange(
    ["SYSTEM_OPERATOR", "ADMIN"],
    "DispatchInstruction",
    (loaders) => loaders.dispatch,
    dispatchIssuerRefusal,
  ),
  "Mutation.setDispatchInConflict": recordChange(
    ["SYSTEM_OPERATOR", "ADMIN"],
    "DispatchInstruction",
    (loaders) => loaders.dispatch,
    dispatchIssuerRefusal,
  ),
  "Mutation.recordActualStartStop": recordChange(
    ["FSP", "ADMIN"],
    "DispatchInstruction",
    (loaders) => loaders.dispatch,
    dispatchProviderRefusal,
  ),
};
