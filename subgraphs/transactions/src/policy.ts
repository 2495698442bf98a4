import { allow, type Policy, type Rule } from "@sfe/kit";

/**
 * Who may call each operation of the transactions subgraph. Row-level limits (an FSP sees only the
 * records of its own assets, an SO those of its own products) live in `access.ts`; single lookups and
 * entity references of records the caller may not see answer null, lists leave them out.
 */

/** Anyone signed in; an API key needs transactions:read (or :write). */
const signedIn: Rule = allow.all(allow.signedIn(), allow.scope("transactions", "read"));

/**
 * Lists of individual records: the parties to them (FSPs, verified SOs) and hub administrators.
 * Investors and regulators see anonymised aggregates only (`awardStatistics`).
 */
const listRecords: Rule = allow.all(allow.scope("transactions", "read"), allow.roles("FSP", "SYSTEM_OPERATOR", "ADMIN"));

const write = (...roles: Parameters<typeof allow.roles>): Rule => allow.all(allow.scope("transactions", "write"), allow.roles(...roles));

export const policy: Policy = {
  // Single lookups: null unless the caller is a party to the record (access.ts).
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
  // Which records each caller may write or change: access.ts.
  "Mutation.submitBid": write("FSP", "ADMIN"),
  "Mutation.recordAward": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.issueDispatchInstruction": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.updateBidStatus": write("FSP", "SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.updateAwardStatus": write("SYSTEM_OPERATOR", "ADMIN"),
  "Mutation.updateDispatchStatus": write("FSP", "SYSTEM_OPERATOR", "ADMIN"),
};
