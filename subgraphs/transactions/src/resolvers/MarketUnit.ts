import type { MarketUnitResolvers, TimeWindowResolvers } from "../__generated__/resolvers-types.js";
import { marketUnitRef } from "../mappers.js";
import { listWindow } from "../validation.js";

/**
 * The assets subgraph owns MarketUnit; this one adds its market transactions, each list read in one batch
 * and holding only the records the caller may see.
 */
export const MarketUnit: MarketUnitResolvers = {
  __resolveReference: ({ id }) => marketUnitRef(id),
  bids: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).bidsByUnit(listWindow(from, to)).load(id),
  awards: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).awardsByUnit(listWindow(from, to)).load(id),
  dispatches: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).dispatchesByUnit(listWindow(from, to)).load(id),
};

/** Windows stored as ISO strings. */
export const TimeWindow: TimeWindowResolvers = {
  start: ({ start }) => new Date(start),
  end: ({ end }) => new Date(end),
};
