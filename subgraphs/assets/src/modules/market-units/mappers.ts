import type { RuleWarning } from "@sfe/kit";
import type { MarketUnitRow, MembershipRow } from "./repository.js";

export type MarketUnitMapper = MarketUnitRow;
export type MarketUnitMembershipMapper = MembershipRow;
/** A unit write's unit and, from addMarketUnitMembers, its market rules' NOTIFY findings (none elsewhere). */
export type MarketUnitPayloadMapper = { marketUnit: MarketUnitMapper; warnings?: RuleWarning[] };
