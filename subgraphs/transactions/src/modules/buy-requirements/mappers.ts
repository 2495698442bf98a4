import type { buyRequirements } from "./tables.js";

/** The row a BuyRequirement resolves from. */
export type BuyRequirementMapper = typeof buyRequirements.$inferSelect;
