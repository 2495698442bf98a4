import { badInput, type Identity, seesEveryOrganisation } from "@sfe/kit";
import { organisationRef, productRef } from "../../mappers.js";
import type { PositionItemMapper } from "./mappers.js";
import { MAX_ROWS_PER_TABLE, type PositionRows, type PositionWindow } from "./repository.js";

/** A position's window: both ends, from before to, at most 31 days (a control-room view, not a history export). */
export const MAX_WINDOW_DAYS = 31;

export function positionWindow(from: Date, to: Date): PositionWindow {
  if (!(from.getTime() < to.getTime())) throw badInput("to must be after from", "to");
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
    throw badInput(`to must be at most ${MAX_WINDOW_DAYS} days after from`, "to");
  }
  return { from, to };
}

const GSP_GROUP = /^_[A-P]$/;

/** GSP groups _A … _P (also accepted: A, _a), de-duplicated. */
export function gspGroupsFilter(values: readonly string[] | null | undefined): string[] | null {
  if (values == null) return null;
  const groups = [
    ...new Set(
      values.map((value) =>
        value
          .trim()
          .toUpperCase()
          .replace(/^([A-P])$/, "_$1"),
      ),
    ),
  ];
  const wrong = groups.find((group) => !GSP_GROUP.test(group));
  if (wrong !== undefined) throw badInput(`gspGroups must be GSP groups _A … _P, got ${JSON.stringify(wrong.slice(0, 40))}`, "gspGroups");
  return groups;
}

/** BAD_USER_INPUT when a read hit its cap: the answer would be cut short, so it is refused whole. */
export function requireComplete(rows: PositionRows): void {
  const full = Object.values(rows).some((list: unknown[]) => list.length > MAX_ROWS_PER_TABLE);
  if (full)
    throw badInput(`More than ${MAX_ROWS_PER_TABLE.toLocaleString("en-GB")} records in the window: narrow from/to or gspGroups`, "to");
}

/** Prices of a record: for its buyer, its FSP and administrators only. */
const seesPrices = (identity: Identity | null, record: { providerId: string | null; buyerId: string }) =>
  seesEveryOrganisation(identity) ||
  (identity?.organisationId != null && (record.providerId === identity.organisationId || record.buyerId === identity.organisationId));

/** Wh (a decimal integer string, may be negative) as MWh with 6 decimals, exactly. */
export function whToMwh(wh: string): string {
  const value = BigInt(wh);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

const HALF_HOUR_MS = 1_800_000;

/** Where a row belongs: `asset:<id>` or `unit:<id>`. */
export const keyOf = (row: { assetId: string | null; marketUnitId?: string | null }) =>
  row.assetId ? `asset:${row.assetId}` : `unit:${row.marketUnitId}`;

/**
 * The rows as position items, grouped by asset or unit (`keyOf`), each group by start then kind. Prices only
 * where the caller may see them.
 */
export function itemsByTarget(rows: PositionRows, identity: Identity | null): Map<string, PositionItemMapper[]> {
  const groups = new Map<string, PositionItemMapper[]>();
  const add = (key: string, item: PositionItemMapper) => {
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  };
  const none = { availabilityPriceGbpPerMwH: null, utilisationPriceGbpPerMwh: null, energyMwh: null };
  for (const award of rows.awards) {
    const prices = seesPrices(identity, award);
    add(keyOf(award), {
      kind: "AWARD",
      id: award.id,
      soOrganisation: organisationRef(award.buyerId),
      product: productRef(award.productId),
      direction: null,
      mw: award.awardedMw,
      start: award.start,
      end: award.end,
      status: award.status,
      availabilityPriceGbpPerMwH: prices ? award.availabilityPriceGbpPerMwH : null,
      utilisationPriceGbpPerMwh: prices ? award.utilisationPriceGbpPerMwh : null,
      energyMwh: null,
    });
  }
  for (const instruction of rows.dispatches) {
    add(keyOf(instruction), {
      ...none,
      kind: "DISPATCH_INSTRUCTION",
      id: instruction.id,
      soOrganisation: organisationRef(instruction.issuedById),
      product: productRef(instruction.productId),
      direction: instruction.direction,
      mw: instruction.setPointMw,
      start: instruction.start,
      end: instruction.end,
      status: instruction.status,
    });
  }
  for (const declaration of rows.declarations) {
    add(keyOf(declaration), {
      ...none,
      kind: "AVAILABILITY_DECLARATION",
      id: declaration.id,
      soOrganisation: organisationRef(declaration.buyerId),
      product: productRef(declaration.productId),
      direction: null,
      mw: declaration.declaredMw,
      start: declaration.start,
      end: declaration.end,
      status: declaration.status,
    });
  }
  for (const notice of rows.notices) {
    add(keyOf(notice), {
      ...none,
      kind: "UNAVAILABILITY_NOTICE",
      id: notice.id,
      soOrganisation: null,
      product: null,
      direction: null,
      mw: notice.reducedMw,
      start: notice.from,
      end: notice.to,
      status: notice.status,
    });
  }
  for (const period of rows.delivered) {
    const key = keyOf(period);
    const energyMwh = whToMwh(period.netWh);
    add(key, {
      ...none,
      kind: "DELIVERED_ENERGY",
      id: `${key.slice(key.indexOf(":") + 1)}@${period.periodStart.toISOString()}`,
      soOrganisation: null,
      product: null,
      direction: null,
      // Mean MW over the half hour: MWh × 2.
      mw: Number(energyMwh) * 2,
      start: period.periodStart,
      end: new Date(period.periodStart.getTime() + HALF_HOUR_MS),
      status: null,
      energyMwh,
    });
  }
  // By start, then kind, then the system operator, then id: a stable order for the same data.
  const order = ["AWARD", "AVAILABILITY_DECLARATION", "UNAVAILABILITY_NOTICE", "DISPATCH_INSTRUCTION", "DELIVERED_ENERGY"];
  for (const list of groups.values()) {
    list.sort(
      (a, b) =>
        a.start.getTime() - b.start.getTime() ||
        order.indexOf(a.kind) - order.indexOf(b.kind) ||
        (a.soOrganisation?.id ?? "").localeCompare(b.soOrganisation?.id ?? "") ||
        (a.id < b.id ? -1 : 1),
    );
  }
  return groups;
}
