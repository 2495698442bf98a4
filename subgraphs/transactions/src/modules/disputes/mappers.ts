import type { DisputeRow } from "./repository.js";
import type { StoredCorrection } from "./tables.js";

/** Row types the disputes module's resolvers return; codegen maps the GraphQL types onto them. */
export type DisputeMapper = DisputeRow;
export type DisputeCorrectionMapper = StoredCorrection;
