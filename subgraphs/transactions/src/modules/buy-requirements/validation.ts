import { badInput, conflict, forbidden, quote, requireText, requireUuid, requireWindow } from "@sfe/kit";
import type { CreateBuyRequirementInput } from "../../__generated__/resolvers-types.js";
import { compare, decimal } from "../../calculations/index.js";
import type { Direction } from "../../db/schema.js";
import { megawatts, optionalText, optionalUuid, price, provenance, windowList } from "../../validation.js";
import type { BuyRequirementMapper as BuyRequirementRow } from "./mappers.js";

const MAX_ELIGIBLE = 500;

/** A requirement as created, every field checked (BAD_USER_INPUT naming the first that is not). */
export function requirementValues(input: CreateBuyRequirementInput) {
  requireWindow(input.gateOpen, input.gateClose, "gateClose");
  const windows = windowList(input.windows, "windows");
  if (windows.length === 0) throw badInput("windows must hold at least one delivery window", "windows");
  const maxMw = megawatts(input.maxMw, "maxMw");
  const minMw = input.minMw == null ? 0 : input.minMw;
  if (!Number.isFinite(minMw) || minMw < 0 || minMw > maxMw) {
    throw badInput(`minMw must be ≥ 0 and at most maxMw (${maxMw} MW), got ${quote(minMw)}`, "minMw");
  }
  const eligible = input.eligibleParticipantIds == null ? null : [...new Set(input.eligibleParticipantIds)];
  if (eligible && (eligible.length === 0 || eligible.length > MAX_ELIGIBLE)) {
    throw badInput(`eligibleParticipantIds must hold 1 to ${MAX_ELIGIBLE} organisations (omit it for all)`, "eligibleParticipantIds");
  }
  return {
    name: requireText(input.name, "name", 200),
    productId: requireUuid(input.productId, "productId"),
    cmzId: optionalUuid(input.cmzId, "cmzId"),
    cmzCode: optionalText(input.cmzCode, "cmzCode", 64),
    requiredService: input.requiredService,
    gateOpen: input.gateOpen,
    gateClose: input.gateClose,
    windows,
    start: new Date(windows[0]!.start),
    end: new Date(Math.max(...windows.map((window) => Date.parse(window.end)))),
    minMw,
    maxMw,
    availabilityCeilingGbpPerMwH: price(input.availabilityCeilingGbpPerMwH, "availabilityCeilingGbpPerMwH", "£/MW/h"),
    utilisationCeilingGbpPerMwh: price(input.utilisationCeilingGbpPerMwh, "utilisationCeilingGbpPerMwh", "£/MWh"),
    requirementType: input.requirementType ?? "LIVE",
    guaranteedAcceptancePriceGbpPerMwh: price(input.guaranteedAcceptancePriceGbpPerMwh, "guaranteedAcceptancePriceGbpPerMwh", "£/MWh"),
    eligibleParticipantIds: eligible?.map((id) => requireUuid(id, "eligibleParticipantIds")) ?? null,
    ...provenance(input),
  };
}

/** What of a bid is compared with the requirement it answers. */
export interface BidAgainstRequirement {
  productId: string;
  direction: Direction;
  quantityMw: number;
  availabilityPriceGbpPerMwH: string | null;
  utilisationPriceGbpPerMwh: string | null;
  start: Date;
  end: Date;
  periods: { start: string; end: string }[];
}

const above = (value: string | null, ceiling: string | null) =>
  value !== null && ceiling !== null && compare(decimal(value), decimal(ceiling)) > 0;

/**
 * A bid into a requirement: it must be OPEN and its gate open at `now` (CONFLICT); the provider eligible
 * (FORBIDDEN); the same product and direction, each period (or the span) within one of its windows, the MW within
 * its range and the prices at most its ceilings (BAD_USER_INPUT naming the field). Prices compared exactly.
 */
export function requireBidFits(requirement: BuyRequirementRow, bid: BidAgainstRequirement, providerId: string, now: Date): void {
  const name = `BuyRequirement ${requirement.id}`;
  if (requirement.status !== "OPEN") {
    throw conflict(`buyRequirementId: ${name} is ${requirement.status}: bids are taken only while it is OPEN`, {
      field: "buyRequirementId",
      currentStatus: requirement.status,
    });
  }
  if (now < requirement.gateOpen || now >= requirement.gateClose) {
    throw conflict(
      `buyRequirementId: ${name} takes bids from ${requirement.gateOpen.toISOString()} until ${requirement.gateClose.toISOString()}: its gate is ${now < requirement.gateOpen ? "not yet open" : "closed"}`,
      { field: "buyRequirementId", gateOpen: requirement.gateOpen.toISOString(), gateClose: requirement.gateClose.toISOString() },
    );
  }
  if (requirement.eligibleParticipantIds && !requirement.eligibleParticipantIds.includes(providerId)) {
    throw forbidden(`${name} takes bids only from its eligible participants`);
  }
  if (bid.productId !== requirement.productId) {
    throw badInput(`productId: ${name} is for product ${requirement.productId}, not ${bid.productId}`, "productId");
  }
  if (bid.direction !== requirement.requiredService) {
    throw badInput(`direction: ${name} requires ${requirement.requiredService}, not ${bid.direction}`, "direction");
  }
  const periods = bid.periods.length > 0 ? bid.periods : [{ start: bid.start.toISOString(), end: bid.end.toISOString() }];
  for (const period of periods) {
    const [start, end] = [Date.parse(period.start), Date.parse(period.end)];
    const inside = requirement.windows.some((window) => Date.parse(window.start) <= start && end <= Date.parse(window.end));
    if (!inside) {
      const field = bid.periods.length > 0 ? "periods" : "start";
      throw badInput(`${field}: ${period.start}–${period.end} is outside ${name}'s delivery windows`, field);
    }
  }
  if (bid.quantityMw > requirement.maxMw || bid.quantityMw < requirement.minMw) {
    throw badInput(
      `quantityMw must be within ${name}'s range ${requirement.minMw}–${requirement.maxMw} MW, got ${bid.quantityMw}`,
      "quantityMw",
    );
  }
  if (above(bid.availabilityPriceGbpPerMwH, requirement.availabilityCeilingGbpPerMwH)) {
    throw badInput(
      `availabilityPriceGbpPerMwH ${bid.availabilityPriceGbpPerMwH} is above ${name}'s ceiling of ${requirement.availabilityCeilingGbpPerMwH} £/MW/h`,
      "availabilityPriceGbpPerMwH",
    );
  }
  if (above(bid.utilisationPriceGbpPerMwh, requirement.utilisationCeilingGbpPerMwh)) {
    throw badInput(
      `utilisationPriceGbpPerMwh ${bid.utilisationPriceGbpPerMwh} is above ${name}'s ceiling of ${requirement.utilisationCeilingGbpPerMwh} £/MWh`,
      "utilisationPriceGbpPerMwh",
    );
  }
}
