import { createHash } from "node:crypto";

/**
 * ILLUSTRATIVE data. A real SO would read its requirements and constraints from its own systems; this
 * example derives stable values from the entity id so that any product or asset in the hub has some.
 */
export interface SoRequirements {
  notes: string;
  minimumAvailabilityPct: number;
  maxResponseSeconds: number;
  updatedAt: string;
}

export interface NetworkConstraint {
  maxExportKw: number;
  reason: string;
}

/** Where the example's answers come from: replace these with the SO's own sources. */
export interface SoData {
  requirementsFor(productId: string): SoRequirements | null | Promise<SoRequirements | null>;
  constraintFor(assetId: string): NetworkConstraint | null | Promise<NetworkConstraint | null>;
}

const byte = (id: string, index: number) => createHash("sha256").update(id).digest()[index]!;

export function illustrativeRequirements(productId: string): SoRequirements {
  return {
    notes: "ILLUSTRATIVE: example requirements from the example SO subgraph, not a real SO's",
    minimumAvailabilityPct: [90, 95, 98][byte(productId, 0) % 3]!,
    maxResponseSeconds: [30, 120, 900][byte(productId, 1) % 3]!,
    updatedAt: "2025-01-01T00:00:00.000Z",
  };
}

export function illustrativeConstraint(assetId: string): NetworkConstraint {
  return {
    maxExportKw: 250 * (1 + (byte(assetId, 0) % 8)),
    reason: "ILLUSTRATIVE: thermal limit at the primary substation (example data)",
  };
}

export const ILLUSTRATIVE_DATA: SoData = { requirementsFor: illustrativeRequirements, constraintFor: illustrativeConstraint };
