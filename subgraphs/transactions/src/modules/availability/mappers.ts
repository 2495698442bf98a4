import type { AvailabilityDeclarationRow, UnavailabilityNoticeRow } from "./repository.js";

export type AvailabilityDeclarationMapper = AvailabilityDeclarationRow;
export type UnavailabilityNoticeMapper = UnavailabilityNoticeRow;
