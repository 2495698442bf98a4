import type { clearingResults } from "./tables.js";

/** The row a ClearingResult resolves from. */
export type ClearingResultMapper = typeof clearingResults.$inferSelect;
