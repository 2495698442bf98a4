import {
  badInput,
  bankHolidaysFor,
  conflict,
  type EntityReferences,
  type Identity,
  notFound,
  page,
  quote,
  requireUuid,
  SfeError,
  toLondonLocal,
} from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { AWARD_STATISTICS_RULE, statisticsCaller, visibleTransactions as visibleOf } from "../../access.js";
import { formatMwh, ratio, toFixed } from "../../calculations/index.js";
import type { Context } from "../../loaders.js";
import { assetRef, marketUnitRef, organisationRef, productRef } from "../../mappers.js";
import { listWindow, optionalUuid } from "../../validation.js";
import { assessInstruction, assessSlots, type BaselineChoice, combinedSlots, HISTORY_DAYS, halfHourSlots } from "./assess.js";
import type { VerificationLoaders } from "./loaders.js";
import { meterPointsOf } from "./meter-points.js";
import { buyerRefusal, orgAs, readingOwnerRefusal } from "./policy.js";
import type { AssessmentRow, BaselineRow, VerificationRepository } from "./repository.js";
import type { BaselineMethodName } from "./tables.js";
import { baselineValues, penaltyValues, readingBatch, readingWindow, reportWindow } from "./validation.js";

const DAY_MS = 86_400_000;
const MAX_READINGS_PAGE = 5_000;
const MAX_PAGE = 500;
const COMPUTED: readonly BaselineMethodName[] = [
  "HISTORICAL_X_OF_Y",
  "HISTORICAL_X_OF_Y_WITH_INDAY_ADJ",
  "NOMINATED",
  "FIXED_REFERENCE",
  "ZERO",
];

const kwhText = (wh: bigint) => toFixed(ratio(wh, 1_000n), 3);
const mwhText = (wh: bigint | string | null) => (wh === null ? null : formatMwh(BigInt(wh), 6));
const gbpText = (pence: bigint | string) => toFixed(ratio(BigInt(pence), 100n), 2);

function refuse(refusal: SfeError | null): void {
  if (refusal) throw refusal;
}

interface ProductTerms {
  owner: { id: string } | null;
  currentVersion: { baselineMethods: string[] | null } | null;
}

/** The product's owner and baseline methods, asked of the products subgraph (one call). */
async function productTerms(references: EntityReferences, productId: string, field: string) {
  const [product] = await references.lookup<Partial<ProductTerms>>(
    "Product",
    [productId],
    "owner { id } currentVersion { baselineMethods }",
  );
  if (!product) throw badInput(`${field}: Product ${productId} does not exist`, field);
  const owner = product.owner?.id;
  if (!owner) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns Product ${productId}`, { entity: "Product", id: productId });
  return { owner, methods: product.currentVersion?.baselineMethods ?? [] };
}

/** The baseline an instruction is assessed with (see Baseline in schema.graphql). */
function chooseBaseline(registered: BaselineRow | null, productMethods: readonly string[]): BaselineChoice {
  if (registered) {
    const { method, parameters, profileWh, derCount, version } = registered;
    return { method, parameters, profileWh, derCount, version };
  }
  const method = productMethods.find((m): m is BaselineMethodName => (COMPUTED as readonly string[]).includes(m));
  if (!method) {
    throw conflict(`Cannot assess: the product names no baseline method the hub computes (${productMethods.join(", ") || "none"})`, {
      reason: "UNSUPPORTED_BASELINE_METHOD",
    });
  }
  if (method === "NOMINATED" || method === "FIXED_REFERENCE") {
    throw conflict(`Cannot assess: the product's ${method} baseline needs a registered baseline (registerBaseline) before the event`, {
      reason: "NO_BASELINE_REGISTERED",
    });
  }
  return { method, parameters: {}, profileWh: {}, derCount: null, version: null };
}

/** What assessDispatch asks of a market unit: its GSP groups (bank holidays) and its memberships. */
interface UnitMembers {
  gspGroups?: string[] | null;
  membershipHistory?: { asset?: { id: string } | null; addedAt: string; removedAt: string | null }[] | null;
}

/**
 * The unit's members when the instruction was issued: the unit as the system operator dispatched it (an instruction
 * recorded after the event, as an ingested one is, still names the unit as it was then composed), each once.
 */
function membersAt(unit: UnitMembers, at: Date): string[] {
  const ids = new Set<string>();
  for (const membership of unit.membershipHistory ?? []) {
    const added = new Date(membership.addedAt).getTime();
    const removed = membership.removedAt === null ? Number.POSITIVE_INFINITY : new Date(membership.removedAt).getTime();
    if (membership.asset && added <= at.getTime() && removed > at.getTime()) ids.add(membership.asset.id);
  }
  return [...ids];
}

/** Local dates an instruction's window touches. */
const localDates = (start: Date, end: Date) => {
  const dates = new Set<string>();
  for (let t = start.getTime(); t < end.getTime(); t += 30 * 60_000) dates.add(toLocalDate(new Date(t)));
  return [...dates];
};
const toLocalDate = (instant: Date) => toLondonLocal(instant).slice(0, 10);

export const resolvers = ({
  repo,
  references,
  loadersOf,
}: {
  repo: VerificationRepository;
  references: EntityReferences;
  loadersOf: (context: object, identity: Identity | null) => VerificationLoaders;
}): Resolvers => {
  const mine = (context: Context) => loadersOf(context, context.identity);
  /** An assessment the caller may see, else NOT_FOUND. */
  async function visibleAssessment(context: Context, id: string): Promise<AssessmentRow> {
    const row = await mine(context).assessment.load(requireUuid(id, "id"));
    if (!row) throw notFound("PerformanceAssessment", id);
    return row;
  }

  return {
    Query: {
      meterReadings: (_, { assetId, marketUnitId, from, to, first, offset }, { identity }) => {
        if (!assetId && !marketUnitId) throw badInput("Give assetId or marketUnitId", "assetId");
        return repo.listReadings({
          assetId: optionalUuid(assetId, "assetId"),
          marketUnitId: optionalUuid(marketUnitId, "marketUnitId"),
          ...readingWindow(from, to),
          ...page(first, offset, MAX_READINGS_PAGE),
          visible: visibleOf(identity),
        });
      },
      baseline: (_, { id }, context) => mine(context).baseline.load(id),
      baselines: (_, { assetId, marketUnitId, productId }, { identity }) => {
        const subject = { assetId: optionalUuid(assetId, "assetId"), marketUnitId: optionalUuid(marketUnitId, "marketUnitId") };
        if (!subject.assetId === !subject.marketUnitId) throw badInput("Give assetId or marketUnitId (one of them)", "assetId");
        return repo.listBaselines(subject, optionalUuid(productId, "productId"), visibleOf(identity));
      },
      performanceAssessment: (_, { id }, context) => mine(context).assessment.load(id),
      performanceAssessments: (_, { assetId, marketUnitId, productId, status, from, to, first, offset }, { identity }) =>
        repo.listAssessments({
          assetId: optionalUuid(assetId, "assetId"),
          marketUnitId: optionalUuid(marketUnitId, "marketUnitId"),
          productId: optionalUuid(productId, "productId"),
          status: status ?? null,
          ...listWindow(from, to),
          ...page(first, offset, MAX_PAGE),
          visible: visibleOf(identity),
        }),
      serviceDeliveryReport: (_, { productId, from, to }, { identity }) => {
        const window = reportWindow(from, to);
        const admin = identity?.roles.includes("ADMIN") === true;
        const so = orgAs(identity, "SYSTEM_OPERATOR");
        const fsp = orgAs(identity, "FSP");
        const regulator = !admin && !so && !fsp && identity?.roles.includes("REGULATOR") === true;
        return repo.serviceDelivery({
          productId: optionalUuid(productId, "productId"),
          ...window,
          scope: admin || regulator ? null : so ? { buyerId: so } : { providerId: fsp ?? "" },
          anonymise: regulator ? { rule: AWARD_STATISTICS_RULE, callerOrganisationId: statisticsCaller(identity) } : null,
        });
      },
    },

    Mutation: {
      async recordMeterReadings(_, { input }, { identity }) {
        const values = readingBatch(input.readings);
        const assetIds = [...new Set(values.flatMap((v) => (v.assetId ? [v.assetId] : [])))];
        const unitIds = [...new Set(values.flatMap((v) => (v.marketUnitId ? [v.marketUnitId] : [])))];
        const meterOnly = (v: (typeof values)[number]) => (!v.assetId && !v.marketUnitId ? v.meterReference : null);
        const [assets, units, meters] = await Promise.all([
          assetIds.length ? references.lookup<{ owner?: { id: string } | null }>("Asset", assetIds, "owner { id }") : [],
          unitIds.length ? references.lookup<{ owner?: { id: string } | null }>("MarketUnit", unitIds, "owner { id }") : [],
          // A reading naming only its meter (MPAN) is the asset's registered with that meter point: one call for the batch.
          meterPointsOf(
            references,
            values.flatMap((v) => meterOnly(v) ?? []),
          ),
        ]);
        const owners = new Map<string, string | null>();
        for (const [i, id] of assetIds.entries()) owners.set(id, assets[i] ? (assets[i]?.owner?.id ?? null) : "?");
        for (const [i, id] of unitIds.entries()) owners.set(id, units[i] ? (units[i]?.owner?.id ?? null) : "?");
        const withOwners = values.map((value, row) => {
          const reference = meterOnly(value);
          if (reference !== null) {
            const meter = meters.get(reference) ?? "unknown";
            const field = `readings[${row}].meterReference`;
            if (meter === "unknown") {
              throw new SfeError("BAD_USER_INPUT", `${field}: no asset is registered with meter point ${quote(reference)}`, {
                field,
                row,
                reason: "UNKNOWN_METER",
              });
            }
            if (meter === "registered") {
              throw new SfeError("FORBIDDEN", `${field}: meter point ${quote(reference)} is another organisation's asset's`, {
                field,
                row,
                reason: "NOT_YOURS",
              });
            }
            refuse(readingOwnerRefusal(identity, meter.ownerId, row));
            return { ...value, assetId: meter.assetId, providerId: meter.ownerId };
          }
          const field = value.assetId ? "assetId" : "marketUnitId";
          const id = (value.assetId ?? value.marketUnitId) as string;
          const owner = owners.get(id);
          if (owner === "?") {
            throw new SfeError(
              "BAD_USER_INPUT",
              `readings[${row}].${field}: ${value.assetId ? "Asset" : "MarketUnit"} ${id} does not exist`,
              {
                field: `readings[${row}].${field}`,
                row,
                reason: "UNKNOWN_TARGET",
              },
            );
          }
          if (!owner) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns ${id}`, { id });
          refuse(readingOwnerRefusal(identity, owner, row));
          return { ...value, providerId: owner };
        });
        return repo.recordReadings(withOwners, identity);
      },

      async registerBaseline(_, { input }, { identity }) {
        const values = baselineValues(input);
        // An asset's baseline, or a market unit's (assessed from the unit's metered data).
        const [type, field, subjectId] = values.assetId
          ? (["Asset", "assetId", values.assetId] as const)
          : (["MarketUnit", "marketUnitId", values.marketUnitId as string] as const);
        const [[subject], product] = await Promise.all([
          references.lookup<{ owner?: { id: string } | null }>(type, [subjectId], "owner { id }"),
          productTerms(references, values.productId, "productId"),
        ]);
        if (!subject) throw badInput(`${field}: ${type} ${subjectId} does not exist`, field);
        const providerId = subject.owner?.id;
        if (!providerId) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns ${type} ${subjectId}`, { id: subjectId });
        const admin = identity?.roles.includes("ADMIN") === true;
        if (!admin) {
          if (values.method === "NOMINATED" && orgAs(identity, "FSP") !== providerId) {
            throw new SfeError("FORBIDDEN", "A NOMINATED baseline is submitted by the asset's (or unit's) own FSP");
          }
          if (values.method !== "NOMINATED" && orgAs(identity, "SYSTEM_OPERATOR") !== product.owner) {
            throw new SfeError("FORBIDDEN", `A ${values.method} baseline is set by the product's system operator`);
          }
        }
        if (!product.methods.includes(values.method)) {
          throw conflict(`method: the product's baseline methods are ${product.methods.join(", ") || "none"}, not ${values.method}`, {
            field: "method",
            reason: "METHOD_NOT_OFFERED",
          });
        }
        const baseline = await repo.registerBaseline({ ...values, providerId, buyerId: product.owner }, identity);
        return { baseline };
      },

      async assessDispatch(_, { input }, context) {
        const { identity } = context;
        const id = requireUuid(input.dispatchInstructionId, "dispatchInstructionId");
        const instruction = await repo.instruction(id);
        const admin = identity?.roles.includes("ADMIN") === true;
        const so = orgAs(identity, "SYSTEM_OPERATOR");
        if (!instruction || (!admin && (instruction.buyerId !== so || instruction.issuedById !== so))) {
          // Another SO's instruction does not exist for this caller (as dispatchInstruction answers null).
          throw notFound("DispatchInstruction", input.dispatchInstructionId);
        }
        if (instruction.status === "REJECTED" || instruction.status === "SUPERSEDED") {
          throw conflict(`DispatchInstruction ${id} is ${instruction.status}: there is nothing to assess`, {
            currentStatus: instruction.status,
          });
        }
        const { assetId, marketUnitId, providerId } = instruction;
        if ((!assetId && !marketUnitId) || !providerId) {
          throw conflict(
            `DispatchInstruction ${id} names no asset or market unit the hub knows (unit ${quote(instruction.unitReference)})`,
            { reason: "NO_ASSET" },
          );
        }
        const historyFrom = new Date(instruction.start.getTime() - (HISTORY_DAYS + 1) * DAY_MS);
        const eventDaysOf = (others: readonly { start: Date; end: Date }[]) => [
          ...new Set(others.flatMap((other) => localDates(other.start, other.end))),
        ];
        let figures: ReturnType<typeof assessInstruction>;
        if (assetId) {
          const [product, registered, [asset]] = await Promise.all([
            productTerms(references, instruction.productId, "productId"),
            repo.governingBaseline({ assetId, marketUnitId: null }, instruction.productId, instruction.start),
            references.lookup<{ location?: { gspGroup?: string | null } | null }>("Asset", [assetId], "location { gspGroup }"),
          ]);
          const choice = chooseBaseline(registered, product.methods);
          const { readings, others } = await repo.assessmentInputs({ ...instruction, assetId }, historyFrom);
          figures = assessInstruction(instruction, choice, readings, eventDaysOf(others), bankHolidaysFor(asset?.location?.gspGroup));
        } else {
          // A market unit: its own readings, else the sum of its members' over the window (members from one lookup).
          const unitId = marketUnitId as string;
          const [product, registered, [unit]] = await Promise.all([
            productTerms(references, instruction.productId, "productId"),
            repo.governingBaseline({ assetId: null, marketUnitId: unitId }, instruction.productId, instruction.start),
            references.lookup<UnitMembers>("MarketUnit", [unitId], "gspGroups membershipHistory { asset { id } addedAt removedAt }"),
          ]);
          if (!unit) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot read the members of MarketUnit ${unitId}`, { id: unitId });
          const memberIds = membersAt(unit, instruction.issuedAt);
          const choice = chooseBaseline(registered, product.methods);
          const { readings, members, others } = await repo.unitAssessmentInputs(
            { ...instruction, marketUnitId: unitId },
            memberIds,
            historyFrom,
          );
          const slots = members
            ? combinedSlots(memberIds.map((member) => readings.filter((reading) => reading.assetId === member)))
            : halfHourSlots(readings);
          figures = assessSlots(instruction, choice, slots, eventDaysOf(others), bankHolidaysFor(unit.gspGroups?.[0]));
        }
        const performanceAssessment = await repo.saveAssessment({ ...instruction, providerId }, figures, identity);
        mine(context).assessment.clear(performanceAssessment.id).prime(performanceAssessment.id, performanceAssessment);
        return { performanceAssessment };
      },

      async publishAssessment(_, { input }, context) {
        const row = await visibleAssessment(context, input.id);
        refuse(buyerRefusal(context.identity, row.buyerId, "the assessed instruction"));
        const performanceAssessment = await repo.updateAssessmentStatus(row.id, "PUBLISHED", context.identity, (before) => {
          if (before.status === "DISPUTED") {
            throw conflict("A DISPUTED assessment is published again only by resolving its dispute", {
              currentStatus: before.status,
              requestedStatus: "PUBLISHED",
            });
          }
          if (before.status === "PROVISIONAL" && before.lateData.length > 0) {
            throw conflict(`Meter data is missing for ${before.lateData.length} settlement period(s): re-assess once it is in (R-VER-1)`, {
              ruleId: "R-VER-1",
              lateDataPeriods: before.lateData,
            });
          }
        });
        if (!performanceAssessment) throw notFound("PerformanceAssessment", input.id);
        mine(context).assessment.clear(row.id).prime(row.id, performanceAssessment);
        return { performanceAssessment };
      },

      async finaliseAssessment(_, { input }, context) {
        const row = await visibleAssessment(context, input.id);
        refuse(buyerRefusal(context.identity, row.buyerId, "the assessed instruction"));
        const performanceAssessment = await repo.updateAssessmentStatus(row.id, "FINAL", context.identity, (before) => {
          if (before.status === "DISPUTED") {
            throw conflict("A DISPUTED assessment becomes FINAL by resolving its dispute", {
              currentStatus: before.status,
              requestedStatus: "FINAL",
            });
          }
        });
        if (!performanceAssessment) throw notFound("PerformanceAssessment", input.id);
        mine(context).assessment.clear(row.id).prime(row.id, performanceAssessment);
        return { performanceAssessment };
      },

      async issuePenalty(_, { input }, context) {
        const values = penaltyValues(input);
        const assessment = await mine(context).assessment.load(values.assessmentId);
        if (!assessment) throw notFound("PerformanceAssessment", input.assessmentId);
        refuse(buyerRefusal(context.identity, assessment.buyerId, "the assessed instruction"));
        if (assessment.status === "PROVISIONAL" && values.type !== "LATE_DATA") {
          throw conflict("Publish the assessment before penalising it (only LATE_DATA applies to a PROVISIONAL one)", {
            currentStatus: assessment.status,
          });
        }
        const penalty = await repo.createPenalty(values, context.identity);
        return { penalty };
      },

      async setPenaltyWaiver(_, { input }, context) {
        const id = requireUuid(input.penaltyId, "penaltyId");
        const waivedByConflictId = optionalUuid(input.waivedByConflictId, "waivedByConflictId");
        const held = await mine(context).penalty.load(id);
        if (!held) throw notFound("Penalty", input.penaltyId);
        const assessment = await mine(context).assessment.load(held.assessmentId);
        refuse(buyerRefusal(context.identity, assessment?.buyerId ?? "", "the penalised instruction"));
        const penalty = await repo.setPenaltyWaiver(id, waivedByConflictId, context.identity);
        if (!penalty) throw notFound("Penalty", input.penaltyId);
        return { penalty };
      },
    },

    MeterReading: {
      __resolveReference: ({ id }, context) => mine(context as Context).reading.load(id),
      asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
      marketUnit: ({ marketUnitId }) => (marketUnitId ? { __typename: "MarketUnit", id: marketUnitId } : null),
      provider: ({ providerId }) => organisationRef(providerId),
      activeImportKwh: ({ activeImportWh }) => kwhText(activeImportWh),
      activeExportKwh: ({ activeExportWh }) => kwhText(activeExportWh),
      netExportKwh: ({ activeImportWh, activeExportWh }) => kwhText(activeExportWh - activeImportWh),
      externalId: ({ externalId, assetId, marketUnitId, intervalStart }) =>
        externalId ?? `${assetId ?? marketUnitId}/${intervalStart.toISOString()}`,
    },

    Baseline: {
      __resolveReference: ({ id }, context) => mine(context as Context).baseline.load(id),
      asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
      marketUnit: ({ marketUnitId }) => (marketUnitId ? marketUnitRef(marketUnitId) : null),
      product: ({ productId }) => productRef(productId),
      provider: ({ providerId }) => organisationRef(providerId),
      buyer: ({ buyerId }) => organisationRef(buyerId),
      selection: ({ parameters }) => parameters.selection ?? null,
      keep: ({ parameters }) => parameters.keep ?? null,
      of: ({ parameters }) => parameters.of ?? null,
      dayPool: ({ parameters }) => parameters.dayPool ?? null,
      excludeEventDays: ({ parameters }) => parameters.excludeEventDays ?? null,
      profile: ({ profileWh }) =>
        Object.entries(profileWh)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([period, wh]) => ({ period, netExportKwh: kwhText(BigInt(wh)) })),
    },

    PerformanceAssessment: {
      __resolveReference: ({ id }, context) => mine(context as Context).assessment.load(id),
      dispatchInstruction: ({ dispatchInstructionId }, _, { identity, loaders }) =>
        dispatchInstructionId ? loaders.visibleTo(identity).dispatch.load(dispatchInstructionId) : null,
      asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
      marketUnit: ({ marketUnitId }) => (marketUnitId ? marketUnitRef(marketUnitId) : null),
      product: ({ productId }) => productRef(productId),
      provider: ({ providerId }) => organisationRef(providerId),
      buyer: ({ buyerId }) => organisationRef(buyerId),
      baselineMwh: ({ baselineWh }) => formatMwh(baselineWh, 6),
      meteredMwh: ({ meteredWh }) => formatMwh(meteredWh, 6),
      deliveredMwh: ({ deliveredWh }) => formatMwh(deliveredWh, 6),
      instructedMwh: ({ instructedWh }) => formatMwh(instructedWh, 6),
      creditedMwh: ({ creditedWh }) => formatMwh(creditedWh, 6),
      lateDataPeriods: ({ lateData }) => lateData.map((start) => new Date(start)),
      periods: ({ periods }) => periods as never,
      penalties: ({ id }, _, context) => mine(context).penaltiesByAssessment.load(id),
    },

    AssessmentPeriod: {
      start: ({ start }) => new Date(start),
      end: ({ end }) => new Date(end),
      baselineMwh: ({ baselineWh }) => formatMwh(BigInt(baselineWh), 6),
      meteredMwh: ({ meteredWh }) => mwhText(meteredWh),
      deliveredMwh: ({ deliveredWh }) => mwhText(deliveredWh),
      instructedMwh: ({ instructedWh }) => formatMwh(BigInt(instructedWh), 6),
      creditedMwh: ({ creditedWh }) => mwhText(creditedWh),
    },

    Penalty: {
      __resolveReference: ({ id }, context) => mine(context as Context).penalty.load(id),
      assessment: ({ assessmentId }, _, context) => mine(context).assessment.load(assessmentId),
      amountGbp: ({ amountPence }) => gbpText(amountPence),
    },

    ServiceDeliveryStatistic: {
      product: ({ productId }) => productRef(productId),
      instructedMwh: ({ instructedWh }) => formatMwh(BigInt(instructedWh), 6),
      deliveredMwh: ({ deliveredWh }) => formatMwh(BigInt(deliveredWh), 6),
      creditedMwh: ({ creditedWh }) => formatMwh(BigInt(creditedWh), 6),
      penaltiesGbp: ({ penaltiesPence }) => gbpText(penaltiesPence),
    },

    Asset: {
      meterReadings: ({ id }, { from, to }, context) => mine(context).readingsOf("asset", readingWindow(from, to)).load(id),
      performanceAssessments: ({ id }, { from, to }, context) => mine(context).assessmentsOf("asset", listWindow(from, to)).load(id),
    },

    MarketUnit: {
      meterReadings: ({ id }, { from, to }, context) => mine(context).readingsOf("unit", readingWindow(from, to)).load(id),
      performanceAssessments: ({ id }, { from, to }, context) => mine(context).assessmentsOf("unit", listWindow(from, to)).load(id),
    },

    DispatchInstruction: {
      performanceAssessment: ({ id }, _, context) => mine(context).assessmentByInstruction.load(id),
    },
  };
};
