import type { counterpartyQualifications } from "../../db/schema.js";

/** The row a CommercialQualification resolves from (its status is read as EXPIRED past validTo). */
export type CommercialQualificationMapper = typeof counterpartyQualifications.$inferSelect;
