import type { InvoiceRow, LineRow, PaymentRow, SettlementTermsRow, StatementRow } from "./repository.js";
import type { HeldOut, StoredUnavailableWindow } from "./tables.js";

/** Row types the settlement module's resolvers return; codegen maps the GraphQL types onto them. */
export type SettlementTermsMapper = SettlementTermsRow;
export type SettlementStatementMapper = StatementRow;
export type SettlementLineMapper = LineRow;
export type InvoiceMapper = InvoiceRow;
export type PaymentMapper = PaymentRow;
export type HeldOutAssessmentMapper = HeldOut;
export type UnavailableWindowMapper = StoredUnavailableWindow;
