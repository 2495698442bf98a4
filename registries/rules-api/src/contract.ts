/**
 * The SO rules API contract (CONTRACT.md): the market rules a system operator keeps in its own system
 * (AO.UC5 option 2), read by the hub to evaluate them with its own.
 */
export interface ExternalRule {
  /** The SO's rule id, unique in its API, e.g. UKPN-SAOU-MIN-50KW. */
  ruleId: string;
  title: string;
  /** BID, QUALIFICATION_APPLICATION, AWARD, AVAILABILITY_DECLARATION, DISPATCH_INSTRUCTION, ASSET_CHANGE or MARKET_UNIT. */
  subjectKind: string;
  /** JSONLogic over the subject kind's facts and `params.<key>`. */
  expression: unknown;
  parameters: Record<string, unknown>;
  severity: "INFO" | "WARN" | "BLOCK";
  mode: "NOTIFY_ONLY" | "BLOCKING";
  version: number;
  /** The hub ids of the SO's products it applies to (the SO registered them in the hub). */
  productIds: string[];
  effectiveFrom: string;
  effectiveTo: string | null;
  documentRef: string | null;
}
