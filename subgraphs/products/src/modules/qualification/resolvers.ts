import {
  badInput,
  conflict,
  type EntityReferences,
  forbidden,
  notFound,
  page,
  type RuleWarning,
  requireUuid,
  ruleWarningEvent,
} from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { canChangeProduct, canSeeProduct, visibleProducts } from "../../access.js";
import { type Context, EVERYTHING } from "../../loaders.js";
import { requireActiveOrganisation } from "../counterparty-qualification/validation.js";
import { requireHubProduct } from "../so-product-apis/index.js";
import type { ApplicationRequirementMapper, PrequalificationRequirementMapper as RequirementRow } from "./mappers.js";
import { effectiveStatus, type OnQualified, type QualificationRepository, viewerOf } from "./repository.js";
import { enforceApplicationRules } from "./rule-checks.js";
import { assessmentDecision, mergeRequirements, productIdList, requirementValues } from "./validation.js";
import type { ProductStatus, QualificationSubjectType } from "../../db/schema.js";

const TYPENAME: Record<Exclude<QualificationSubjectType, "ORGANISATION">, string> = { ASSET: "Asset", MARKET_UNIT: "MarketUnit" };

/** The merged lines of `rows` for an application's subject, with the application whose answers they show. */
const lines = (rows: RequirementRow[], subjectType: QualificationSubjectType, applicationId: string): ApplicationRequirementMapper[] =>
  mergeRequirements(rows, subjectType).map((line) => ({ ...line, applicationId }));

const requirementsOfVersion = (loaders: Context["loaders"], productVersionId: string) =>
  loaders.qualification.requirementsOfVersion.load(productVersionId);

/** A published version is immutable (the versions model): its requirements are declared while it is a draft. */
const EDITABLE: readonly ProductStatus[] = ["DRAFT", "IN_CONSULTATION"];

export const resolvers = ({
  qualification,
  references,
  onQualified,
}: {
  qualification: QualificationRepository;
  references: EntityReferences;
  onQualified: OnQualified;
}): Resolvers => ({
  Query: {
    qualificationApplication: (_, { id }, { identity, loaders }) => loaders.qualification.application(viewerOf(identity)).load(id),
    qualificationApplications: (_, { first, offset }, { identity }) => {
      const { limit, offset: skip } = page(first, offset, 500);
      return qualification.listApplications(viewerOf(identity), limit, skip);
    },
    qualificationAssessments: (_, { status, productId, needsReassessment, first, offset }, { identity }) =>
      qualification.listAssessments(viewerOf(identity), { status, productId, needsReassessment, ...page(first, offset, 500) }),
    qualificationStatus: async (_, { subjectId, productId, at }, { identity }) => {
      const [check] = await qualification.checks([{ subjectId, productId, at: at ?? new Date() }], viewerOf(identity));
      if (!check) throw new Error("no check answered");
      return check;
    },
  },

  Mutation: {
    async declarePrequalificationRequirement(_, { input }, context) {
      const { identity, loaders } = context;
      const values = requirementValues(input);
      await requireHubProduct(context, values.productVersionId); // an external product's one version has the product's id
      const version = await loaders.productVersion(visibleProducts(identity)).load(values.productVersionId);
      const product = version && (await loaders.product(EVERYTHING).load(version.productId));
      if (!version || !product || !canSeeProduct(identity, { ...product, status: version.status })) {
        throw notFound("ProductVersion", values.productVersionId);
      }
      if (!canChangeProduct(identity, product)) throw forbidden("Only the product's system operator declares its requirements");
      if (!EDITABLE.includes(version.status)) {
        throw conflict(
          `Version ${version.version} of ${product.code} is ${version.status}: requirements are declared while a version is a draft`,
          {
            reason: "VERSION_PUBLISHED",
            currentStatus: version.status,
          },
        );
      }
      return { requirement: await qualification.declareRequirement({ ...values, productId: version.productId }, identity) };
    },

    async applyForQualification(_, { input }, context) {
      const { identity, loaders } = context;
      const applicantId = identity?.organisationId ?? "";
      const subjectId = requireUuid(input.subjectId, "subjectId");
      const productIds = productIdList(input.productIds);
      // An SO product API's product is qualified for with its SO (FORBIDDEN naming the API), not in the hub.
      await Promise.all(productIds.map((productId) => requireHubProduct(context, productId)));
      if (input.subjectType === "ORGANISATION") {
        if (subjectId !== applicantId) throw badInput("subjectId: an FSP applies for its own organisation only", "subjectId");
      } else {
        // The owner answers as the caller may see it: an asset or unit of another organisation is as unknown.
        const typename = TYPENAME[input.subjectType];
        const [subject] = await references.lookup<{ owner?: { id: string } | null }>(typename, [subjectId], "owner { id }");
        if (subject?.owner?.id !== applicantId)
          throw badInput(`subjectId: ${subjectId} is not a ${typename} of your organisation`, "subjectId");
      }
      await requireActiveOrganisation(references, applicantId, "subjectId");
      // Each product at its version in force (checked PUBLISHED again, locked, when the application is written).
      const rows = await loaders.product(visibleProducts(identity)).loadMany(productIds);
      const unknown = productIds.filter((_, i) => !rows[i] || rows[i] instanceof Error);
      if (unknown.length > 0) throw badInput(`productIds: ${unknown.join(", ")} is not a product`, "productIds");
      const products = rows.flatMap((row) =>
        row && !(row instanceof Error) ? [{ productId: row.id, productVersionId: row.versionId }] : [],
      );
      const application = await qualification.apply({ applicantId, subjectType: input.subjectType, subjectId, products }, identity);
      return { application, warnings: [] };
    },

    async answerQualificationRequirements(_, { input }, { identity }) {
      const application = await qualification.answer(
        requireUuid(input.applicationId, "applicationId"),
        viewerOf(identity),
        input.answers,
        identity,
      );
      if (!application) throw notFound("QualificationApplication", input.applicationId);
      return { application, warnings: [] };
    },

    async submitQualificationApplication(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.applicationId, "applicationId");
      const viewer = viewerOf(identity);
      const draft = await loaders.qualification.application(viewer).load(id);
      if (!draft) throw notFound("QualificationApplication", input.applicationId);
      // The market rules, once, before anything is written (rule-checks.ts); a submitted one is CONFLICT in submit.
      let warnings: RuleWarning[] = [];
      if (draft.status === "DRAFT") {
        const refs = await loaders.qualification.productsOfApplication.load(id);
        const rows = await loaders.product(EVERYTHING).loadMany(refs.map((ref) => ref.productId));
        const products = rows.flatMap((row) =>
          row && !(row instanceof Error) ? [{ id: row.id, code: row.code, ownerId: row.ownerId }] : [],
        );
        warnings = await enforceApplicationRules(references, draft, products);
      }
      const subject = { type: "QualificationApplication", id };
      const application = await qualification.submit(id, viewer, identity, ruleWarningEvent(subject, [draft.applicantId], warnings));
      if (!application) throw notFound("QualificationApplication", input.applicationId);
      return { application, warnings };
    },

    async assessQualification(_, { input }, { identity }) {
      const id = requireUuid(input.assessmentId, "assessmentId");
      const assessment = await qualification.assess(id, viewerOf(identity), assessmentDecision(input), identity, onQualified);
      if (!assessment) throw notFound("QualificationAssessment", input.assessmentId);
      return { assessment };
    },
  },

  ProductVersion: {
    prequalificationRequirements: ({ id }, _, { loaders }) => requirementsOfVersion(loaders, id),
  },

  PrequalificationRequirement: {
    product: ({ productId }, _, { identity, loaders }) => loaders.product(visibleProducts(identity)).load(productId),
    productVersion: ({ productVersionId }, _, { identity, loaders }) =>
      loaders.productVersion(visibleProducts(identity)).load(productVersionId),
  },

  QualificationApplication: {
    applicant: ({ applicantId }) => ({ __typename: "Organisation", id: applicantId }),
    products: async ({ id }, _, { identity, loaders }) => {
      const refs = await loaders.qualification.productsOfApplication.load(id);
      return loaders.product(visibleProducts(identity)).loadMany(refs.map((ref) => ref.productId)) as never;
    },
    requirements: async ({ id, subjectType }, _, { loaders }) => {
      const refs = await loaders.qualification.productsOfApplication.load(id);
      const rows = await Promise.all(refs.map((ref) => requirementsOfVersion(loaders, ref.productVersionId)));
      return lines(rows.flat(), subjectType, id);
    },
    answers: ({ id }, _, { loaders }) => loaders.qualification.answersOfApplication.load(id),
    assessments: ({ id }, _, { identity, loaders }) => loaders.qualification.assessmentsOfApplication(viewerOf(identity)).load(id),
  },

  QualificationAssessment: {
    application: ({ applicationId }, _, { identity, loaders }) => loaders.qualification.application(viewerOf(identity)).load(applicationId),
    applicant: ({ applicantId }) => ({ __typename: "Organisation", id: applicantId }),
    assessor: ({ soOrgId }) => ({ __typename: "Organisation", id: soOrgId }),
    product: ({ productId }, _, { identity, loaders }) => loaders.product(visibleProducts(identity)).load(productId),
    productVersion: ({ productVersionId }, _, { identity, loaders }) =>
      loaders.productVersion(visibleProducts(identity)).load(productVersionId),
    status: (row) => effectiveStatus(row),
    requirements: async ({ applicationId, productVersionId, subjectType }, _, { loaders }) =>
      lines(await requirementsOfVersion(loaders, productVersionId), subjectType, applicationId),
  },

  ApplicationRequirement: {
    answer: async ({ key, applicationId }, _, { loaders }) =>
      (await loaders.qualification.answersOfApplication.load(applicationId)).find((answer) => answer.answerKey === key) ?? null,
  },

  QualificationAnswer: {
    key: ({ answerKey }) => answerKey,
  },
});
