import type { subMarkets } from "../../db/schema.js";

/** The row a SubMarket resolves from. */
export type SubMarketMapper = typeof subMarkets.$inferSelect;
