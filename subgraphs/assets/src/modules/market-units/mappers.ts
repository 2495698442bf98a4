import type { MarketUnitRow, MembershipRow } from "./repository.js";

export type MarketUnitMapper = MarketUnitRow;
export type MarketUnitMembershipMapper = MembershipRow;
