import { badInput, conflict, requireText, requireUuid, requireWindow } from "@sfe/kit";
import { MAX_MW, megawatts, provenance } from "../../validation.js";

export { MAX_MW };

/** What a declaration or notice is for: a market unit or a single asset, exactly one. */
export type Target = { typename: "Asset"; id: string } | { typename: "MarketUnit"; id: string };

export function target(input: { assetId?: string | null | undefined; marketUnitId?: string | null | undefined }): Target {
  const assetId = input.assetId == null ? null : requireUuid(input.assetId, "assetId");
  const unitId = input.marketUnitId == null ? null : requireUuid(input.marketUnitId, "marketUnitId");
  if ((assetId === null) === (unitId === null)) throw badInput("Give exactly one of marketUnitId and assetId", "marketUnitId");
  return assetId ? { typename: "Asset", id: assetId } : { typename: "MarketUnit", id: unitId! };
}

export const targetColumns = (t: Target) =>
  t.typename === "Asset" ? { assetId: t.id, marketUnitId: null } : { assetId: null, marketUnitId: t.id };

const reason = (value: string | null | undefined, field = "reason") => (value == null ? null : requireText(value, field, 2000));

interface DeclareInput {
  assetId?: string | null | undefined;
  marketUnitId?: string | null | undefined;
  productId: string;
  awardId?: string | null | undefined;
  start: Date;
  end: Date;
  declaredMw: number;
  lockedAt?: Date | null | undefined;
  reason?: string | null | undefined;
  source?: string | null | undefined;
  externalId?: string | null | undefined;
}

/** A declaration as made, every field checked (BAD_USER_INPUT naming the first that is not). */
export function declarationValues(input: DeclareInput) {
  const to = target(input);
  const productId = requireUuid(input.productId, "productId");
  const awardId = input.awardId == null ? null : requireUuid(input.awardId, "awardId");
  requireWindow(input.start, input.end);
  const declaredMw = megawatts(input.declaredMw, "declaredMw", { zero: true });
  // The lock the SO gave for the product, else the window's start; never after the window starts.
  const lockedAt = input.lockedAt ?? input.start;
  if (lockedAt.getTime() > input.start.getTime()) throw badInput("lockedAt must not be after the window's start", "lockedAt");
  return {
    target: to,
    values: {
      ...targetColumns(to),
      productId,
      awardId,
      start: input.start,
      end: input.end,
      declaredMw,
      lockedAt,
      reason: reason(input.reason),
      ...provenance(input),
    },
  };
}

/** A replacement's new MW and reason. */
export const replacementValues = (input: { declaredMw: number; reason?: string | null | undefined }) => ({
  declaredMw: megawatts(input.declaredMw, "declaredMw", { zero: true }),
  reason: reason(input.reason),
});

interface NoticeInput {
  assetId?: string | null | undefined;
  marketUnitId?: string | null | undefined;
  from: Date;
  to: Date;
  reducedMw: number;
  reason: string;
  conflictId?: string | null | undefined;
  source?: string | null | undefined;
  externalId?: string | null | undefined;
}

export function noticeValues(input: NoticeInput) {
  const to = target(input);
  requireWindow(input.from, input.to, "to");
  return {
    target: to,
    values: {
      ...targetColumns(to),
      from: input.from,
      to: input.to,
      reducedMw: megawatts(input.reducedMw, "reducedMw", { zero: true }),
      reason: requireText(input.reason, "reason", 2000),
      conflictId: input.conflictId == null ? null : requireUuid(input.conflictId, "conflictId"),
      ...provenance(input),
    },
  };
}

/** CONFLICT (reason LOCKED): a declaration is not changed after its lock time. */
export function requireUnlocked(row: { id: string; lockedAt: Date }, now = new Date()): void {
  if (row.lockedAt.getTime() <= now.getTime()) {
    throw conflict(`Availability declaration ${row.id} locked at ${row.lockedAt.toISOString()}: it can no longer change`, {
      reason: "LOCKED",
      lockedAt: row.lockedAt.toISOString(),
    });
  }
}

/** Optional list filters: when both ends are given, from before to. */
export function listWindow(from: Date | null | undefined, to: Date | null | undefined) {
  if (from && to) requireWindow(from, to, "to");
  return { from, to };
}
