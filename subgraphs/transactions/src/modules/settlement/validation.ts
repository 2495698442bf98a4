import { badInput, quote, requireText, requireUuid, requireWindow } from "@sfe/kit";
import type { GenerateSettlementStatementInput, RecordPaymentInput, SetSettlementTermsInput } from "../../__generated__/resolvers-types.js";
import { compare, decimal, ONE, ZERO } from "../../calculations/index.js";
import type { TermsSnapshot } from "./tables.js";

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** "YYYY-MM" → the UTC calendar month [start, end). */
export function calendarMonth(value: string, field = "month") {
  const match = MONTH.exec(value.trim());
  if (!match) throw badInput(`${field} must be a calendar month "YYYY-MM", got ${quote(value)}`, field);
  const [year, month] = [Number(match[1]), Number(match[2])];
  return { label: value.trim(), start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

const RATIO = /^\d(\.\d{1,6})?$/;

/** A decimal ratio in [0, 1] with at most 6 places, as a string. */
function unitRatio(value: string | null | undefined, field: string): string {
  const text = (value ?? "").trim();
  if (!RATIO.test(text) || compare(decimal(text), ONE) > 0) {
    throw badInput(`${field} must be a decimal between 0 and 1 with at most 6 places (e.g. "0.5"), got ${quote(value)}`, field);
  }
  return text;
}

function wholeNumber(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(`${field} must be a whole number from ${min} to ${max}, got ${quote(value)}`, field);
  }
  return value;
}

/** The terms as given, checked: a SLIDING scale has floor < full, both in [0, 1]. */
export function termsValues(input: SetSettlementTermsInput): TermsSnapshot & { productId: string } {
  const productId = requireUuid(input.productId, "productId");
  let floorRatio: string | null = null;
  let fullRatio: string | null = null;
  if (input.utilisationScale === "SLIDING") {
    floorRatio = unitRatio(input.floorRatio, "floorRatio");
    fullRatio = unitRatio(input.fullRatio, "fullRatio");
    if (compare(decimal(floorRatio), decimal(fullRatio)) >= 0 || compare(decimal(fullRatio), ZERO) <= 0) {
      throw badInput(`floorRatio (${floorRatio}) must be below fullRatio (${fullRatio})`, "floorRatio");
    }
  } else if (input.floorRatio != null || input.fullRatio != null) {
    throw badInput("floorRatio and fullRatio belong to a SLIDING scale only", "floorRatio");
  }
  return {
    productId,
    utilisationScale: input.utilisationScale,
    floorRatio,
    fullRatio,
    availabilityRule: input.availabilityRule,
    vatRate: unitRatio(input.vatRate, "vatRate"),
    invoiceDay: wholeNumber(input.invoiceDayOfMonth, "invoiceDayOfMonth", 1, 28),
    paymentDays: wholeNumber(input.paymentDays, "paymentDays", 0, 365),
  };
}

const GBP = /^-?\d{1,10}(\.\d{1,2})?$/;

/** £ with at most 2 decimal places → whole pence, exactly. */
export function gbpToPence(value: string, field: string, { positive = false } = {}): bigint {
  const text = value.trim();
  if (!GBP.test(text))
    throw badInput(`${field} must be an amount of pounds with at most 2 decimal places (e.g. "1370.80"), got ${quote(value)}`, field);
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = text.replace("-", "").split(".");
  const pence = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  const signed = negative ? -pence : pence;
  if (positive && signed <= 0n) throw badInput(`${field} must be more than 0, got ${quote(value)}`, field);
  return signed;
}

const MAX_WINDOWS = 1000;
const MAX_ADJUSTMENTS = 100;

/** generateSettlementStatement's input, checked (awards of the windows are checked once the awards are read). */
export function generateValues(input: GenerateSettlementStatementInput) {
  const windows = input.unavailableWindows ?? [];
  const adjustments = input.adjustments ?? [];
  if (windows.length > MAX_WINDOWS) throw badInput(`unavailableWindows: at most ${MAX_WINDOWS}`, "unavailableWindows");
  if (adjustments.length > MAX_ADJUSTMENTS) throw badInput(`adjustments: at most ${MAX_ADJUSTMENTS}`, "adjustments");
  return {
    productId: requireUuid(input.productId, "productId"),
    providerId: requireUuid(input.providerId, "providerId"),
    month: calendarMonth(input.month),
    unavailableWindows: windows.map((window, i) => {
      const field = `unavailableWindows[${i}]`;
      requireWindow(window.from, window.to, `${field}.to`);
      return {
        awardId: requireUuid(window.awardId, `${field}.awardId`),
        from: window.from,
        to: window.to,
        reason: window.reason == null ? null : requireText(window.reason, `${field}.reason`, 500),
      };
    }),
    adjustments: adjustments.map((adjustment, i) => ({
      amountPence: gbpToPence(adjustment.amountGbp, `adjustments[${i}].amountGbp`),
      description: requireText(adjustment.description, `adjustments[${i}].description`, 500),
    })),
  };
}

export function paymentValues(input: RecordPaymentInput) {
  return {
    invoiceId: requireUuid(input.invoiceId, "invoiceId"),
    amountPence: gbpToPence(input.amountGbp, "amountGbp", { positive: true }),
    method: input.method ?? "BACS",
    paidAt: input.paidAt,
    reference: requireText(input.reference, "reference", 200),
  };
}
