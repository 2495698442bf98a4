import { badInput } from "@sfe/kit";
import type { MemberFacts, Subject } from "./rules.js";

/**
 * The facts in a representation the gateway sends (the fields `@requires` names, fetched from the assets
 * subgraph), as the rules read them. A representation without them cannot come from the gateway's plan, so it is
 * refused rather than judged on zeros.
 */
type AssetFields = {
  category?: { code?: unknown } | null;
  location?: { gspGroup?: unknown } | null;
  attributes?: Record<string, unknown> | null;
};
type Capacities = { importCapacityKw?: unknown; exportCapacityKw?: unknown; energyCapacityKwh?: unknown };

const kw = (value: unknown, field: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value)) throw badInput(`${field} is missing from the representation`, field);
  return value;
};
const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const finite = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function memberFacts(asset: AssetFields): MemberFacts {
  return {
    categoryCode: text(asset.category?.code),
    gspGroup: text(asset.location?.gspGroup),
    // No asset field records it yet: a category that defines this attribute (an administrator may add it) gives it.
    responseTimeSeconds: finite(asset.attributes?.responseTimeSeconds),
  };
}

function capacities(entity: Capacities) {
  return {
    importCapacityKw: kw(entity.importCapacityKw, "importCapacityKw"),
    exportCapacityKw: kw(entity.exportCapacityKw, "exportCapacityKw"),
    energyCapacityKwh: finite(entity.energyCapacityKwh),
  };
}

/** An Asset representation (its generated type admits one without the required fields: checked here). */
export function assetSubject(representation: object): Subject {
  const asset = representation as AssetFields & Capacities;
  const member = memberFacts(asset);
  return { kind: "asset", ...capacities(asset), gspGroups: member.gspGroup ? [member.gspGroup] : [], members: [member] };
}

/** A MarketUnit representation, its members as the assets subgraph answers them (those the caller may see). */
export function unitSubject(representation: object): Subject {
  const unit = representation as Capacities & { gspGroups?: unknown; members?: unknown };
  const members = Array.isArray(unit.members) ? (unit.members as (AssetFields | null)[]).filter((m) => m != null).map(memberFacts) : [];
  const gspGroups = Array.isArray(unit.gspGroups) ? unit.gspGroups.filter((g): g is string => typeof g === "string") : [];
  return { kind: "unit", ...capacities(unit), gspGroups, members };
}
