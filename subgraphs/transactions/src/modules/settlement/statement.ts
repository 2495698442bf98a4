// S.1: a provider's statement for one product and month, from the rows the repository reads. Pure: no database.
// Every amount comes from the calculation library (src/calculations: availabilityLine, utilisationLine, penaltyLine),
// so lines are exact until each is rounded once to the penny, and the total is the sum of the rounded lines.
import {
  add,
  availabilityLine,
  decimal,
  ONE,
  penaltyLine,
  type Ratio,
  ratio,
  type StatementLine,
  sub,
  toFixed,
  type UtilisationScale,
  utilisationLine,
  ZERO,
  div,
  compare,
  min,
  mul,
} from "../../calculations/index.js";
import type { HeldOut, StatementLineType, TermsSnapshot } from "./tables.js";

/** An interval [from, to). */
export interface Interval {
  from: Date;
  to: Date;
}

/** An unavailable interval: the share of the award's MW it takes away (1, the whole award, when not given). */
export interface UnavailableInterval extends Interval {
  share?: Ratio;
}

export interface AwardInput {
  id: string;
  assetId: string | null;
  marketUnitId: string | null;
  awardedMw: number;
  availabilityPriceGbpPerMwH: string | null;
  utilisationPriceGbpPerMwh: string | null;
  start: Date;
  end: Date;
}

export interface AssessmentInput {
  id: string;
  awardId: string | null;
  assetId: string | null;
  /** Set for a market unit's assessment (its assetId is null). */
  marketUnitId?: string | null;
  start: Date;
  end: Date;
  deliveredWh: bigint;
  instructedWh: bigint;
  status: string;
}

export interface PenaltyInput {
  id: string;
  assessmentId: string;
  type: "NON_DELIVERY" | "TECHNICAL_UNAVAILABILITY" | "COMMERCIAL_UNAVAILABILITY" | "LATE_DATA";
  amountPence: bigint;
  basis: string;
  waivedByConflictId: string | null;
}

/** A computed line, before it is stored: `key` names what it settles, stable when the statement is recomputed. */
export interface LineDraft {
  type: StatementLineType;
  key: string;
  period: string;
  quantity: Ratio;
  unitPriceGbp: Ratio;
  factor: Ratio;
  amountPence: bigint;
  assessmentId: string | null;
  penaltyId: string | null;
  awardIds: string[];
  basis: string | null;
}

export interface StatementInputs {
  /** The UTC calendar month: [start, end) and its "YYYY-MM" label. */
  month: { label: string; start: Date; end: Date };
  terms: TermsSnapshot;
  /** The provider's awards of the product overlapping the month. */
  awards: readonly AwardInput[];
  /** Awards an assessment names, whether or not they overlap the month (for its utilisation price). */
  awardsById: ReadonlyMap<string, AwardInput>;
  /** Unavailable intervals per award id (from notices and entered windows, possibly overlapping). */
  unavailable: ReadonlyMap<string, readonly UnavailableInterval[]>;
  /** The provider's assessments of the product starting in the month. */
  assessments: readonly AssessmentInput[];
  penalties: readonly PenaltyInput[];
  adjustments: readonly { amountPence: bigint; description: string }[];
}

export interface ComputedStatement {
  lines: LineDraft[];
  heldOut: HeldOut[];
  totalPence: bigint;
}

const HOUR_MS = 3_600_000n;
const hoursBetween = (from: Date, to: Date): Ratio => ratio(BigInt(to.getTime() - from.getTime()), HOUR_MS);

/**
 * The award's unavailable hours within `within`, weighted by the share of its MW taken away: at each instant the shares
 * of the intervals covering it add up, to at most the whole award (so whole-award intervals count their union once, and
 * two notices taking away 0.2 MW each of a 1 MW award for an hour are 0.4 h). Exact.
 */
export function coveredHours(intervals: readonly UnavailableInterval[], within: Interval): Ratio {
  const edges = new Map<number, Ratio>(); // instant → change in the share unavailable from then on
  for (const { from, to, share = ONE } of intervals) {
    const start = Math.max(from.getTime(), within.from.getTime());
    const end = Math.min(to.getTime(), within.to.getTime());
    if (end <= start || compare(share, ZERO) <= 0) continue;
    edges.set(start, add(edges.get(start) ?? ZERO, share));
    edges.set(end, sub(edges.get(end) ?? ZERO, share));
  }
  const instants = [...edges.keys()].sort((a, b) => a - b);
  let total = ZERO;
  let level = ZERO;
  for (const [i, instant] of instants.entries()) {
    level = add(level, edges.get(instant) ?? ZERO);
    const next = instants[i + 1];
    if (next !== undefined) total = add(total, mul(min(level, ONE), ratio(BigInt(next - instant), HOUR_MS)));
  }
  return total;
}

export function scaleOf(terms: TermsSnapshot): UtilisationScale {
  if (terms.utilisationScale === "FLAT") return { kind: "FLAT" };
  return { kind: "SLIDING", floorRatio: decimal(terms.floorRatio ?? "0"), fullRatio: decimal(terms.fullRatio ?? "1") };
}

/** MW are stored as floats (awards.awarded_mw); their shortest decimal form is the value the user typed. */
const megawatts = (mw: number): Ratio => decimal(String(mw));
const windowLabel = ({ start, end }: { start: Date; end: Date }) => `${start.toISOString()}/${end.toISOString()}`;

export function computeStatement(inputs: StatementInputs): ComputedStatement {
  const { month, terms } = inputs;
  const lines: LineDraft[] = [];

  // AVAILABILITY: one line per (MW, price) group of awards, hours = the awards' windows within the month, factor =
  // paid hours / hours (PRO_RATA: less the unavailable hours, each weighted by the share of the MW unavailable;
  // ZERO_WHEN_WHOLLY_UNAVAILABLE: 0 for a window wholly unavailable, all of its MW all of its time, R-SET-1).
  const groups = new Map<string, { mw: Ratio; price: Ratio; hours: Ratio; paid: Ratio; awardIds: string[] }>();
  for (const award of inputs.awards) {
    if (award.availabilityPriceGbpPerMwH === null) continue;
    const within = {
      from: new Date(Math.max(award.start.getTime(), month.start.getTime())),
      to: new Date(Math.min(award.end.getTime(), month.end.getTime())),
    };
    if (within.to <= within.from) continue;
    const hours = hoursBetween(within.from, within.to);
    const unavailable = coveredHours(inputs.unavailable.get(award.id) ?? [], within);
    const paid = terms.availabilityRule === "PRO_RATA" ? sub(hours, unavailable) : compare(unavailable, hours) >= 0 ? ZERO : hours;
    const mw = megawatts(award.awardedMw);
    const price = decimal(award.availabilityPriceGbpPerMwH);
    const key = `AVAILABILITY:${toFixed(mw, 6)}:${toFixed(price, 4)}`;
    const group = groups.get(key) ?? { mw, price, hours: ZERO, paid: ZERO, awardIds: [] };
    group.hours = add(group.hours, hours);
    group.paid = add(group.paid, paid);
    group.awardIds.push(award.id);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    const factor = group.hours.num === 0n ? ZERO : div(group.paid, group.hours);
    const line = availabilityLine({
      period: month.label,
      contractedMw: group.mw,
      priceGbpPerMwPerH: group.price,
      hours: group.hours,
      availabilityFactor: factor,
    });
    lines.push(draft(line, key, { awardIds: group.awardIds, basis: `${group.awardIds.length} award window(s)` }));
  }

  // UTILISATION (R-SET-3: FINAL assessments only; the rest are held out and listed) and their PENALTY lines.
  const heldOut: HeldOut[] = [];
  const scale = scaleOf(terms);
  const finals = new Set<string>();
  const sorted = [...inputs.assessments].sort((a, b) => a.start.getTime() - b.start.getTime() || a.id.localeCompare(b.id));
  for (const assessment of sorted) {
    if (assessment.status !== "FINAL") {
      heldOut.push({ assessmentId: assessment.id, status: assessment.status, reason: "NOT_FINAL" });
      continue;
    }
    finals.add(assessment.id);
    if (assessment.instructedWh <= 0n) continue; // an availability assessment: nothing to utilise
    const award = awardOf(assessment, inputs);
    if (!award?.utilisationPriceGbpPerMwh) {
      heldOut.push({ assessmentId: assessment.id, status: assessment.status, reason: "NO_UTILISATION_PRICE" });
      continue;
    }
    const line = utilisationLine(
      {
        period: windowLabel(assessment),
        deliveredWh: assessment.deliveredWh,
        instructedWh: assessment.instructedWh,
        priceGbpPerMwh: decimal(award.utilisationPriceGbpPerMwh),
      },
      scale,
    );
    lines.push(draft(line, `UTILISATION:${assessment.id}`, { assessmentId: assessment.id, awardIds: [award.id] }));
  }
  const assessmentsById = new Map(inputs.assessments.map((a) => [a.id, a]));
  for (const penalty of inputs.penalties) {
    // R-SET-4: a penalty waived by a conflict record is not charged.
    if (!finals.has(penalty.assessmentId) || penalty.waivedByConflictId !== null) continue;
    const assessment = assessmentsById.get(penalty.assessmentId);
    const line = penaltyLine({
      period: assessment ? windowLabel(assessment) : month.label,
      type: penalty.type,
      amountGbp: ratio(penalty.amountPence, 100n),
      basis: penalty.basis,
    });
    lines.push(draft(line, `PENALTY:${penalty.id}`, { assessmentId: penalty.assessmentId, penaltyId: penalty.id }));
  }

  inputs.adjustments.forEach((adjustment, index) => {
    lines.push(adjustmentLine(`ADJUSTMENT:${index}`, month.label, adjustment.amountPence, adjustment.description));
  });

  return { lines, heldOut, totalPence: lines.reduce((sum, line) => sum + line.amountPence, 0n) };
}

/** An ADJUSTMENT line of a whole-pence amount. */
export function adjustmentLine(
  key: string,
  period: string,
  amountPence: bigint,
  basis: string,
  assessmentId: string | null = null,
): LineDraft {
  return {
    type: "ADJUSTMENT",
    key,
    period,
    quantity: ONE,
    unitPriceGbp: ratio(amountPence, 100n),
    factor: ONE,
    amountPence,
    assessmentId,
    penaltyId: null,
    awardIds: [],
    basis,
  };
}

function awardOf(assessment: AssessmentInput, inputs: StatementInputs): AwardInput | undefined {
  if (assessment.awardId) return inputs.awardsById.get(assessment.awardId);
  // Without an award id: the provider's award of the same asset (or unit) whose window holds the assessment's start.
  return inputs.awards.find(
    (award) =>
      (assessment.assetId
        ? award.assetId === assessment.assetId
        : award.assetId === null && award.marketUnitId === (assessment.marketUnitId ?? null)) &&
      award.start.getTime() <= assessment.start.getTime() &&
      assessment.start.getTime() < award.end.getTime(),
  );
}

function draft(
  line: StatementLine,
  key: string,
  extra: { assessmentId?: string; penaltyId?: string; awardIds?: string[]; basis?: string },
): LineDraft {
  return {
    type: line.type,
    key,
    period: line.period,
    quantity: line.quantity,
    unitPriceGbp: line.unitPriceGbp,
    factor: line.factor,
    amountPence: line.amountPence,
    assessmentId: extra.assessmentId ?? null,
    penaltyId: extra.penaltyId ?? null,
    awardIds: extra.awardIds ?? [],
    basis: line.basis ?? extra.basis ?? null,
  };
}

/**
 * A credit note's lines: for each key, what `recomputed` says less what the original and its earlier credit notes
 * already said (`settled`, summed per key); only the keys whose amount differs.
 */
export function differenceLines(recomputed: readonly LineDraft[], settled: ReadonlyMap<string, bigint>): LineDraft[] {
  const out: LineDraft[] = [];
  const seen = new Set<string>();
  for (const line of recomputed) {
    seen.add(line.key);
    const before = settled.get(line.key) ?? 0n;
    const difference = line.amountPence - before;
    if (difference === 0n) continue;
    out.push({ ...line, amountPence: difference, basis: `corrects ${penceText(before)} to ${penceText(line.amountPence)}` });
  }
  for (const [key, before] of settled) {
    if (seen.has(key) || before === 0n) continue;
    const [type] = key.split(":") as [StatementLineType];
    out.push({ ...adjustmentLine(key, "", -before, `withdraws ${penceText(before)}`), type });
  }
  return out;
}

/** Whole pence as an exact decimal string of pounds: 137080n → "1370.80", −2500n → "-25.00". */
export const penceText = (pence: bigint): string => toFixed(ratio(pence, 100n), 2);
