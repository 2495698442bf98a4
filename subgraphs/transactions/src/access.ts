import { ANONYMITY_RULE, allow, forbidden, type Identity, type SfeError, seesEveryOrganisation } from "@sfe/kit";
import type { BidStatus, DispatchStatus } from "./db/schema.js";

/**
 * Row-level access to market transactions. Every record keeps who it concerns (written with it, see
 * db/schema.ts): the provider FSP (`providerId`, the asset's owner) and the buyer SO (`buyerId`, the
 * product's owner). Which operations a caller may call at all is in `policy.ts`.
 */

/**
 * The records a caller may read, as a repository filter (applied in SQL): every record (ADMIN), or those
 * its organisation provides (as an FSP) or buys (as a verified SO). Neither: nothing at all (investors,
 * regulators, anonymous callers, API keys without transactions:read).
 */
export interface Visibility {
  everything: boolean;
  /** Records this FSP organisation provides (bids also made by it). */
  providerId: string | null;
  /** Records this SO organisation buys (dispatch instructions also issued by it). */
  buyerId: string | null;
}

const NOTHING: Visibility = { everything: false, providerId: null, buyerId: null };

export function visibleTransactions(identity: Identity | null): Visibility {
  if (!identity || allow.scope("transactions", "read")(identity)) return NOTHING;
  if (seesEveryOrganisation(identity)) return { everything: true, providerId: null, buyerId: null };
  return { everything: false, providerId: providerOrg(identity), buyerId: buyerOrg(identity) };
}

export const seesNothing = (visible: Visibility) => !visible.everything && visible.providerId === null && visible.buyerId === null;

/** A key per distinct filter, so loaders for the same filter are shared within a request. */
export const visibilityKey = (visible: Visibility) => (visible.everything ? "*" : `${visible.providerId ?? ""}|${visible.buyerId ?? ""}`);

/** The organisation the caller acts for as a provider (FSP), or null. */
const providerOrg = (identity: Identity | null) => (identity?.roles.includes("FSP") ? identity.organisationId : null);
/** The organisation the caller acts for as a buyer (verified SO: an unverified one holds no SYSTEM_OPERATOR), or null. */
const buyerOrg = (identity: Identity | null) => (identity?.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null);

interface Parties {
  providerId: string | null;
  buyerId: string;
}

// The same conditions as the SQL filters in repositories/visibility.ts, for one row already read.
const providesBid = (identity: Identity | null, row: Parties & { bidderId: string }) => {
  const org = providerOrg(identity);
  return org !== null && row.providerId === org && row.bidderId === org;
};
const provides = (identity: Identity | null, row: Parties) => {
  const org = providerOrg(identity);
  return org !== null && row.providerId === org;
};
const buys = (identity: Identity | null, row: Parties) => {
  const org = buyerOrg(identity);
  return org !== null && row.buyerId === org;
};
const buysAndIssued = (identity: Identity | null, row: Parties & { issuedById: string }) =>
  buys(identity, row) && row.issuedById === identity?.organisationId;

// ------------------------------------------------------------------------------------------ writes

/** submitBid, before any lookup: an FSP bids in its own organisation's name (`bidderId`), or ADMIN (policy.ts). */
export function bidderRefusal(identity: Identity | null, bidderId: string): SfeError | null {
  if (seesEveryOrganisation(identity) || (providerOrg(identity) !== null && bidderId === providerOrg(identity))) return null;
  return forbidden("An FSP may bid only in its own organisation's name (bidderId)");
}

/** submitBid, once the unit's or asset's owner is known: an FSP bids only with market units or assets its organisation owns. */
export function assetOwnerRefusal(
  identity: Identity | null,
  owner: string,
  typename: "Asset" | "MarketUnit" | "Product" = "Asset",
): SfeError | null {
  if (seesEveryOrganisation(identity) || owner === providerOrg(identity)) return null;
  return forbidden(
    typename === "MarketUnit"
      ? "An FSP may bid only with market units its organisation owns"
      : "An FSP may bid only with assets its organisation owns",
  );
}

/** recordAward, once the product's owner is known: the SO that owns the product (the buyer), or ADMIN. */
export function awardRefusal(identity: Identity | null, productOwner: string): SfeError | null {
  if (seesEveryOrganisation(identity) || buyerOrg(identity) === productOwner) return null;
  return forbidden("Only the system operator that owns the product may record its awards");
}

/** issueDispatchInstruction, before any lookup: a verified SO in its own name (`issuedById`), or ADMIN (policy.ts). */
export function issuerRefusal(identity: Identity | null, issuedById: string): SfeError | null {
  if (seesEveryOrganisation(identity) || (buyerOrg(identity) !== null && issuedById === buyerOrg(identity))) return null;
  return forbidden("A system operator may dispatch only in its own organisation's name (issuedById)");
}

/** issueDispatchInstruction, once the product's owner is known: only for products the SO owns (R-USR-2). */
export function dispatchProductRefusal(identity: Identity | null, productOwner: string): SfeError | null {
  if (seesEveryOrganisation(identity) || buyerOrg(identity) === productOwner) return null;
  return forbidden("A system operator may dispatch only for products it owns");
}

const BUYER_BID_STATUSES: readonly BidStatus[] = ["VALIDATED", "REJECTED_VALIDATION", "ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED"];
const BIDDER_BID_STATUSES: readonly BidStatus[] = ["SUBMITTED", "WITHDRAWN"];
const PROVIDER_DISPATCH_STATUSES: readonly DispatchStatus[] = ["ACKNOWLEDGED", "REJECTED"];

/**
 * Status changes of a record the caller can see (one it cannot see is NOT_FOUND before this is asked).
 * The provider withdraws its bid; the buyer accepts or rejects it. Answers the refusal, or null.
 */
export function bidStatusRefusal(identity: Identity | null, row: Parties & { bidderId: string }, status: BidStatus): SfeError | null {
  if (seesEveryOrganisation(identity)) return null;
  if (providesBid(identity, row) && BIDDER_BID_STATUSES.includes(status)) return null;
  if (buys(identity, row) && BUYER_BID_STATUSES.includes(status)) return null;
  return forbidden(
    "The bidder may only submit its draft or withdraw a bid (SUBMITTED, WITHDRAWN); the buyer may validate, accept or reject it",
  );
}

/** Awards change status by their buyer (the product's SO) or ADMIN. */
export function awardStatusRefusal(identity: Identity | null, row: Parties): SfeError | null {
  if (seesEveryOrganisation(identity) || buys(identity, row)) return null;
  return forbidden("Only the system operator that bought the award may change its status");
}

/** The issuing SO sets any status; the provider FSP acknowledges or rejects the instruction. */
export function dispatchStatusRefusal(
  identity: Identity | null,
  row: Parties & { issuedById: string },
  status: DispatchStatus,
): SfeError | null {
  if (seesEveryOrganisation(identity) || buysAndIssued(identity, row)) return null;
  if (provides(identity, row) && PROVIDER_DISPATCH_STATUSES.includes(status)) return null;
  return forbidden("The provider may only acknowledge or reject an instruction (ACKNOWLEDGED, REJECTED)");
}

/** Ceasing an instruction, or flagging it in conflict: the issuing SO (for its product) or ADMIN. */
export function dispatchIssuerRefusal(identity: Identity | null, row: Parties & { issuedById: string }): SfeError | null {
  if (seesEveryOrganisation(identity) || buysAndIssued(identity, row)) return null;
  return forbidden("Only the system operator that issued an instruction may do this");
}

/** Recording the actual start and stop: the provider FSP the instruction concerns, or ADMIN. */
export function dispatchProviderRefusal(identity: Identity | null, row: Parties): SfeError | null {
  if (seesEveryOrganisation(identity) || provides(identity, row)) return null;
  return forbidden("Only the FSP an instruction concerns may record its actual start and stop");
}

/**
 * UC22: an instruction's rationale is for the issuing SO, the FSP it concerns and administrators only, whoever
 * else may some day see the instruction (positions, conflicts).
 */
export const readsRationale = (identity: Identity | null, row: Parties & { issuedById: string }) =>
  seesEveryOrganisation(identity) || provides(identity, row) || buysAndIssued(identity, row);

// ------------------------------------------------------------------------------------------ aggregates

/**
 * The anonymisation rule of `awardStatistics` (kit/anonymity.ts, stated in schema.graphql): a product-month is
 * reported only when, without the caller's organisation's awards, its awards went to at least 3 distinct
 * providers and no provider holds more than 50% of its awarded MW or of its MW-weighted availability or
 * utilisation amounts.
 */
export const AWARD_STATISTICS_RULE = ANONYMITY_RULE;
/** Distinct providers (besides the caller's organisation) every reported product-month has. */
export const MIN_PROVIDERS_PER_STATISTIC = AWARD_STATISTICS_RULE.minOwners;

/** The organisation whose awards `awardStatistics` leaves out of the rule for `identity`: its own. */
export const statisticsCaller = (identity: Identity | null): string | null => identity?.organisationId?.toLowerCase() ?? null;
