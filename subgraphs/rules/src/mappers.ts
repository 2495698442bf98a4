import type { marketRules } from "./db/schema.js";
import type { ConflictRecord } from "./repositories/conflicts.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type MarketRuleMapper = typeof marketRules.$inferSelect;
/** A conflict row with the ids of its assets and dispatch instructions, read in the same query. */
export type ConflictMapper = ConflictRecord;
/** Entities other subgraphs own: this subgraph knows only their ids. */
export type AssetMapper = { id: string };
export type ProductMapper = { id: string };
