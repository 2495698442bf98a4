import { badInput, conflict, type EntityReferences, notFound, page, quote, requireUuid, SfeError } from "@sfe/kit";
import type {
  AvailabilityDeclarationResolvers,
  MutationResolvers,
  QueryResolvers,
  UnavailabilityNoticeResolvers,
} from "../../__generated__/resolvers-types.js";
import type { Context } from "../../loaders.js";
import { assetRef, organisationRef, productRef } from "../../mappers.js";
import { marketUnitRef } from "../../mappers.js";
import { callerArea, type serviceAreaLoader } from "../positions/service-area.js";
import { declarationFacts, enforce, newSubjectId } from "../../rule-checks.js";
import { availabilityVisibility, ownerRefusal } from "./policy.js";
import type { AvailabilityDeclarationRow, AvailabilityRepository, UnavailabilityNoticeRow } from "./repository.js";
import type { moduleLoaders } from "./loaders.js";
import { declarationValues, listWindow, noticeValues, replacementValues, requireUnlocked, type Target } from "./validation.js";

const MAX_LIST = 500;

interface Deps {
  availability: AvailabilityRepository;
  references: EntityReferences;
  areas: ReturnType<typeof serviceAreaLoader>;
  loaders: ReturnType<typeof moduleLoaders>;
}

/** A record made again from the same source record: refused, never duplicated. */
const alreadyRecorded = (entity: string, { source, externalId }: { source: string; externalId: string | null }) =>
  conflict(`An ${entity} from ${source} with externalId ${quote(externalId)} is already recorded`, { entity, source, externalId });

const field = (t: Target) => (t.typename === "Asset" ? "assetId" : "marketUnitId");
const what = (t: Target) => (t.typename === "Asset" ? "asset" : "market unit");

/**
 * The unit or asset and the product, asked of their subgraphs as the caller (one lookup each): who owns them and
 * where the asset or unit lies. BAD_USER_INPUT naming the field when the caller cannot see one.
 */
async function lookupTarget(references: EntityReferences, target: Target) {
  const selection = target.typename === "Asset" ? "owner { id } location { gspGroup }" : "owner { id } gspGroups";
  const [found] = await references.lookup<{
    owner?: { id: string } | null;
    location?: { gspGroup?: string | null } | null;
    gspGroups?: string[];
  }>(target.typename, [target.id], selection);
  if (!found) throw badInput(`${field(target)}: ${target.typename} ${target.id} does not exist`, field(target));
  const owner = found.owner?.id;
  if (!owner)
    throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns ${target.typename} ${target.id}`, { entity: target.typename });
  const gspGroups = target.typename === "Asset" ? [found.location?.gspGroup].filter((g): g is string => !!g) : (found.gspGroups ?? []);
  return { owner, gspGroups };
}

async function productOwner(references: EntityReferences, productId: string) {
  const [product] = await references.lookup<{ owner?: { id: string } | null }>("Product", [productId], "owner { id }");
  if (!product) throw badInput(`productId: Product ${productId} does not exist`, "productId");
  if (!product.owner?.id) throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot tell who owns Product ${productId}`, { entity: "Product" });
  return product.owner.id;
}

export const resolvers = (deps: Deps) => {
  const visibility = async (context: Context) => {
    const area = context.identity?.roles.includes("SYSTEM_OPERATOR") ? await callerArea(context.identity, deps.areas(context)) : null;
    return availabilityVisibility(context.identity, area);
  };
  const provider = (row: { providerId: string }) => organisationRef(row.providerId);

  const Query: QueryResolvers = {
    availabilityDeclaration: async (_, { id }, context) =>
      deps
        .loaders(context)
        .declaration(await visibility(context))
        .load(requireUuid(id, "id")),
    availabilityDeclarations: async (_, args, context) =>
      deps.availability.listDeclarations(
        {
          assetId: args.assetId,
          marketUnitId: args.marketUnitId,
          productId: args.productId,
          ...listWindow(args.from, args.to),
          includeHistory: args.includeHistory ?? false,
          ...page(args.first, args.offset, MAX_LIST),
        },
        await visibility(context),
      ),
    unavailabilityNotice: async (_, { id }, context) =>
      deps
        .loaders(context)
        .notice(await visibility(context))
        .load(requireUuid(id, "id")),
    unavailabilityNotices: async (_, args, context) =>
      deps.availability.listNotices(
        {
          assetId: args.assetId,
          marketUnitId: args.marketUnitId,
          ...listWindow(args.from, args.to),
          includeHistory: args.includeHistory ?? false,
          ...page(args.first, args.offset, MAX_LIST),
        },
        await visibility(context),
      ),
  };

  const Mutation: MutationResolvers = {
    async declareAvailability(_, { input }, { identity }) {
      const { target, values } = declarationValues(input);
      const [{ owner }, buyerId] = await Promise.all([
        lookupTarget(deps.references, target),
        productOwner(deps.references, values.productId),
      ]);
      const refusal = ownerRefusal(identity, owner, what(target));
      if (refusal) throw refusal;
      if (values.awardId) {
        const award = await deps.availability.award(values.awardId);
        // An award the FSP is not party to is, to it, one that does not exist.
        if (!award || award.providerId !== owner) throw badInput(`awardId: Award ${values.awardId} does not exist`, "awardId");
        if (award.assetId !== values.assetId || award.marketUnitId !== values.marketUnitId || award.productId !== values.productId) {
          throw badInput(`awardId: Award ${values.awardId} is for another asset or product`, "awardId");
        }
      }
      // Declared through the API after the lock: too late. An ingested declaration records what the source says.
      if (values.source === "API") requireUnlocked({ id: "(new)", lockedAt: values.lockedAt });
      // The market rules, once, on the declaration as it would be written (issue 11; src/rule-checks.ts).
      const id = newSubjectId();
      const warnings = await enforce(deps.references, {
        subjectKind: "AVAILABILITY_DECLARATION",
        subject: { type: "AvailabilityDeclaration", id },
        facts: await declarationFacts(deps.references, {
          target,
          productId: values.productId,
          declaredMw: values.declaredMw,
          awardedMw: null,
        }),
        productIds: [values.productId],
        partyIds: [owner, buyerId],
        at: values.start,
      });
      const row = await deps.availability.declare({ ...values, id, providerId: owner, buyerId }, identity);
      if (!row) throw alreadyRecorded("AvailabilityDeclaration", values);
      return { availabilityDeclaration: row, warnings };
    },

    async replaceAvailabilityDeclaration(_, { input }, context) {
      const id = requireUuid(input.id, "id");
      const changes = replacementValues(input);
      const row = await deps.availability.replace(id, changes, await visibility(context), context.identity, (before) => {
        const refusal = ownerRefusal(context.identity, before.providerId, "declaration's unit or asset");
        if (refusal) throw refusal;
      });
      if (!row) throw notFound("AvailabilityDeclaration", id);
      return { availabilityDeclaration: row, warnings: [] };
    },

    async withdrawAvailabilityDeclaration(_, { input }, context) {
      const id = requireUuid(input.id, "id");
      const row = await deps.availability.withdraw(id, await visibility(context), context.identity, (before) => {
        const refusal = ownerRefusal(context.identity, before.providerId, "declaration's unit or asset");
        if (refusal) throw refusal;
      });
      if (!row) throw notFound("AvailabilityDeclaration", id);
      return { availabilityDeclaration: row, warnings: [] };
    },

    async submitUnavailabilityNotice(_, { input }, { identity }) {
      const { target, values } = noticeValues(input);
      const { owner, gspGroups } = await lookupTarget(deps.references, target);
      const refusal = ownerRefusal(identity, owner, what(target));
      if (refusal) throw refusal;
      const row = await deps.availability.notify({ ...values, providerId: owner, gspGroups }, identity);
      if (!row) throw alreadyRecorded("UnavailabilityNotice", values);
      return { unavailabilityNotice: row };
    },

    async withdrawUnavailabilityNotice(_, { input }, context) {
      const id = requireUuid(input.id, "id");
      const row = await deps.availability.setNoticeStatus(id, "WITHDRAWN", await visibility(context), context.identity, (before) => {
        const refusal = ownerRefusal(context.identity, before.providerId, "notice's unit or asset");
        if (refusal) throw refusal;
      });
      if (!row) throw notFound("UnavailabilityNotice", id);
      return { unavailabilityNotice: row };
    },
  };

  const AvailabilityDeclaration: AvailabilityDeclarationResolvers = {
    asset: (row) => (row.assetId ? assetRef(row.assetId) : null),
    marketUnit: (row) => (row.marketUnitId ? marketUnitRef(row.marketUnitId) : null),
    product: (row) => productRef(row.productId),
    provider,
    buyer: (row) => organisationRef(row.buyerId),
    locked: (row) => row.lockedAt.getTime() <= Date.now(),
    supersedes: async (row, _, context) =>
      row.supersedesId
        ? deps
            .loaders(context)
            .declaration(await visibility(context))
            .load(row.supersedesId)
        : null,
    supersededBy: async (row, _, context) =>
      deps
        .loaders(context)
        .successor(await visibility(context))
        .load(row.id),
  };

  const UnavailabilityNotice: UnavailabilityNoticeResolvers = {
    asset: (row) => (row.assetId ? assetRef(row.assetId) : null),
    marketUnit: (row) => (row.marketUnitId ? marketUnitRef(row.marketUnitId) : null),
    provider,
  };

  return { Query, Mutation, AvailabilityDeclaration, UnavailabilityNotice };
};

export type { AvailabilityDeclarationRow, UnavailabilityNoticeRow };
