import { forbidden, notFound, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { requireMayUpdate, visibleProducts } from "../../access.js";
import { type Context, EVERYTHING } from "../../loaders.js";
import { enforce, readProducts } from "../../policy.js";
import type { Repositories } from "../../repositories/index.js";
import { seesAllResponses } from "./policy.js";
import type { ConsultationRow } from "./repository.js";
import { answers, closesAt, feedbackComment, indicativeMw, summary } from "./validation.js";

/** The consultation, if the caller may see its product version (else null: its existence is not revealed). */
async function visibleConsultation(id: string, { identity, loaders }: Context): Promise<ConsultationRow | null> {
  const consultation = await loaders.consultation.load(id);
  if (!consultation) return null;
  const version = await loaders.productVersion(visibleProducts(identity)).load(consultation.productVersionId);
  return version ? consultation : null;
}

/** The consulting product's owner and its version's status (the caller already saw the consultation). */
async function contextOf(consultation: ConsultationRow, { loaders }: Context) {
  const version = await loaders.productVersion(EVERYTHING).load(consultation.productVersionId);
  const product = version && (await loaders.product(EVERYTHING).load(version.productId));
  if (!version || !product) throw new Error(`consultation ${consultation.id} has no product version`);
  return { version, product };
}

export const resolvers = ({ repos }: { repos: Repositories }): Resolvers => ({
  Query: {
    consultation: (_, { id }, context) => visibleConsultation(id, context),
  },

  Mutation: {
    async openConsultation(_, { input }, { identity }) {
      const productId = requireUuid(input.productId, "productId");
      const closing = closesAt(input.closesAt);
      let consultation: ConsultationRow | undefined;
      // One transaction: the version goes IN_CONSULTATION (lifecycle-checked, row locked) and its consultation opens.
      const updated = await repos.products.updateVersion(
        { productId },
        { status: "IN_CONSULTATION" },
        identity,
        visibleProducts(identity),
        (product, version) => requireMayUpdate(identity, product, version, "IN_CONSULTATION"),
        async (tx, version) => {
          consultation = await repos.consultations.openFor(tx, version.id, closing, identity);
        },
      );
      if (!updated || !consultation) throw notFound("Product", input.productId);
      return { consultation };
    },

    async submitProductFeedback(_, { input }, context) {
      const { identity } = context;
      const id = requireUuid(input.consultationId, "consultationId");
      const values = {
        answers: answers(input.answers),
        wouldParticipate: input.wouldParticipate ?? null,
        indicativeMw: indicativeMw(input.indicativeMw),
        comment: feedbackComment(input.comment),
      };
      const consultation = await visibleConsultation(id, context);
      if (!consultation || !identity) throw notFound("Consultation", input.consultationId);
      const { product } = await contextOf(consultation, context);
      if (!identity.organisationId) throw forbidden("Answer a consultation as a member of an organisation");
      if (product.ownerId === identity.organisationId) {
        throw forbidden("A product's own system operator runs its consultation; it does not answer it");
      }
      const feedback = await repos.consultations.submit(id, identity.organisationId, values, identity);
      if (!feedback) throw notFound("Consultation", input.consultationId);
      return { feedback };
    },

    async publishConsultationSummary(_, { input }, context) {
      const { identity } = context;
      const id = requireUuid(input.consultationId, "consultationId");
      const text = summary(input.summary);
      const consultation = await visibleConsultation(id, context);
      if (!consultation) throw notFound("Consultation", input.consultationId);
      const { product } = await contextOf(consultation, context);
      const published = await repos.consultations.publishSummary(id, text, identity, () => {
        if (!seesAllResponses(identity, product.ownerId)) {
          throw forbidden("Only the system operator that owns the product, or a hub administrator, may publish the summary");
        }
      });
      if (!published) throw notFound("Consultation", input.consultationId);
      return { consultation: published };
    },
  },

  Consultation: {
    // The read rule, then null where the caller may not see the version consulted on.
    __resolveReference: async ({ id }, context) => {
      enforce(readProducts, context.identity);
      return visibleConsultation(id, context);
    },
    productVersion: async (consultation, _, context) => (await contextOf(consultation, context)).version,
    open: async (consultation, _, context) => {
      const { version } = await contextOf(consultation, context);
      return version.status === "IN_CONSULTATION" && consultation.closesAt.getTime() > Date.now();
    },
    responses: async (consultation, _, context) => {
      const { product } = await contextOf(consultation, context);
      const { identity } = context;
      if (seesAllResponses(identity, product.ownerId)) return repos.consultations.responses(consultation.id, null);
      return identity ? repos.consultations.responses(consultation.id, identity.organisationId) : [];
    },
    aggregate: async (consultation, _, context) => {
      const { product } = await contextOf(consultation, context);
      return seesAllResponses(context.identity, product.ownerId) ? repos.consultations.aggregate(consultation.id) : null;
    },
  },

  ProductVersion: {
    consultation: ({ id }, _, { loaders }) => loaders.consultationOfVersion.load(id),
  },

  ProductFeedback: {
    consultation: async ({ consultationId }, _, { loaders }) => {
      const consultation = await loaders.consultation.load(consultationId);
      if (!consultation) throw new Error(`consultation ${consultationId} vanished`);
      return consultation;
    },
    author: ({ authorOrgId }) => ({ __typename: "Organisation", id: authorOrgId }),
  },
});
