import type { constraintManagedZones } from "../../db/schema.js";

/** The row a ConstraintManagedZone resolves from. */
export type ConstraintManagedZoneMapper = typeof constraintManagedZones.$inferSelect;
