import type { SubjectKind } from "../../db/schema.js";

/** The type of one fact: what an expression may compare it with. */
export type FactType = "number" | "string" | "boolean" | "string[]";

export interface FactField {
  type: FactType;
  description: string;
}

export const SUBJECT_KINDS: readonly SubjectKind[] = [
  "BID",
  "QUALIFICATION_APPLICATION",
  "AWARD",
  "AVAILABILITY_DECLARATION",
  "DISPATCH_INSTRUCTION",
  "ASSET_CHANGE",
  "MARKET_UNIT",
];

const n = (description: string): FactField => ({ type: "number", description });
const s = (description: string): FactField => ({ type: "string", description });
const b = (description: string): FactField => ({ type: "boolean", description });
const list = (description: string): FactField => ({ type: "string[]", description });

/** Facts every subject kind has: which products it concerns and when. */
const common = {
  productCodes: list("Codes of the products evaluated together (e.g. DCL, NESO-QR)"),
  technology: s("The unit's or asset's technology (e.g. BATTERY, HEAT_PUMP)"),
};

/**
 * The declared facts per subject kind (domain §8): the only names an expression may read (`{"var": "capacityMw"}`),
 * besides its own parameters (`{"var": "params.minimumMw"}`). A rule is checked against these when saved; the caller
 * of an evaluation sends the facts it knows, and a rule reading a fact that was not sent is NOT_APPLICABLE.
 * Units in names (Mw, Kw, Seconds, Minutes, Pct, GbpPerMwh), export-positive.
 */
export const FACT_SCHEMAS: Record<SubjectKind, Record<string, FactField>> = {
  BID: {
    ...common,
    capacityMw: n("MW offered in the product's direction"),
    direction: s("UP or DOWN"),
    priceGbpPerMwh: n("Utilisation price offered, £/MWh"),
    availabilityPriceGbpPerMwh: n("Availability price offered, £/MW/h"),
    ceilingPriceGbpPerMwh: n("The product's or CMZ's ceiling price, £/MWh"),
    unitCapacityMw: n("The unit's capability in the product's direction"),
    fullDeliverySeconds: n("The unit's declared time to full delivery"),
    energyMwh: n("The unit's usable energy (energy-limited units)"),
    requiredDurationMinutes: n("How long the product requires delivery to be sustained"),
    qualified: b("The (unit, product) qualification is QUALIFIED and valid to the delivery end (R-ELG-7)"),
    counterpartyQualified: b("The FSP has signed the SO's agreement and its commercial qualification is current (R-ELG-8)"),
    baselineSubmitted: b("A nominated baseline exists before the cut-off, where the product requires one (R-ELG-9)"),
    withinGateWindow: b("Submitted between gate opening and gate closure (R-ELG-11)"),
    overlappingCommittedMw: n("MW of the unit already committed in overlapping windows (R-STK-1)"),
    committedMwSameDirection: n("Σ MW committed in the same direction over the window, this bid included (R-STK-2)"),
    oppositeDirectionCommitted: b("The unit holds a commitment in the opposite direction over the window (R-STK-3)"),
    coDeliveryAllowed: b("The product pair allows co-delivery of the same MW"),
  },
  QUALIFICATION_APPLICATION: {
    ...common,
    unitCapacityMw: n("The unit's capability in the product's direction"),
    fullDeliverySeconds: n("The unit's declared time to full delivery (R-ELG-2)"),
    productFullDeliverySeconds: n("The product's required time to full delivery"),
    productTechnologies: list("The product's eligible technologies (empty: any) (R-ELG-5)"),
    halfHourlyMetered: b("The unit is half-hourly metered (R-ELG-6)"),
    memberGspGroupCount: n("How many GSP groups the unit's members are in (R-MU-2)"),
    memberCmzCount: n("How many CMZs the unit's members are in (R-MU-2)"),
    withinRequirementCmz: b("Every member is inside the requirement's CMZ (R-ELG-4)"),
  },
  AWARD: {
    ...common,
    awardedMw: n("MW awarded"),
    unitCapacityMw: n("The unit's capability in the award's direction"),
    committedMwSameDirection: n("Σ MW committed in the same direction over the window, this award included (R-STK-2)"),
    oppositeDirectionCommitted: b("The unit holds a commitment in the opposite direction over the window (R-STK-3)"),
    bidirectionalProduct: b("The product is explicitly bidirectional"),
  },
  AVAILABILITY_DECLARATION: {
    ...common,
    declaredMw: n("MW declared available"),
    awardedMw: n("MW awarded for the window"),
    unitCapacityMw: n("The unit's capability"),
  },
  DISPATCH_INSTRUCTION: {
    ...common,
    instructedMw: n("MW instructed"),
    awardedMw: n("MW awarded for the window (R-DSP-1)"),
    withinAwardedWindow: b("The instruction falls within an awarded window (R-DSP-1)"),
    acknowledgementMinutes: n("Minutes from issue to acknowledgement (R-DSP-2)"),
    acknowledgementDeadlineMinutes: n("The product's acknowledgement deadline (R-DSP-2)"),
    afterBmGateClosure: b("Issued after BM gate closure for its settlement period (R-STK-6)"),
    missingMeterPeriods: n("Settlement periods of the event window with no meter reading (R-VER-1)"),
  },
  ASSET_CHANGE: {
    ...common,
    previousCapacityKw: n("The asset's capacity before the change"),
    newCapacityKw: n("The asset's capacity after the change"),
    capacityChangePct: n("|new − previous| / previous × 100 (R-AST-7)"),
    energyLimited: b("The asset is energy-limited (a battery, say) (R-AST-4)"),
    energyCapacityKwh: n("Usable energy (R-AST-4)"),
    exportKw: n("Declared export (R-AST-5)"),
    connectionLimitKw: n("Connection (GICM/ANM) export limit (R-AST-5)"),
  },
  MARKET_UNIT: {
    ...common,
    memberCount: n("Active member assets (R-MU-1)"),
    accountingPointCount: n("Distinct accounting points of the members (R-MU-1)"),
    unitType: s("SPU or SPG"),
    memberGspGroupCount: n("How many GSP groups the members are in (R-MU-2)"),
    memberCmzCount: n("How many CMZs the members are in (R-MU-2)"),
    aggregationScope: s("The product's aggregation scope: GSP_GROUP, CMZ or NONE (R-MU-2)"),
    sharedMemberOverlappingCommitments: b("A member is in another unit with overlapping commitments (R-MU-3)"),
  },
};

/** A fact value of `type`? (numbers finite; lists of strings). */
export function isFactValue(type: FactType, value: unknown): boolean {
  switch (type) {
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "string[]":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
  }
}
