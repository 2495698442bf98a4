import { notFound, requireReferences, requireUuid, type EntityReferences } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import { requireMayUpdate, visibleProducts } from "../access.js";
import { requireHubProduct } from "../modules/so-product-apis/index.js";
import type { Repositories } from "../repositories/index.js";
import {
  directions,
  durationMinutes,
  eligibleTechnologies,
  initialStatus,
  locations,
  minimumCapacityKw,
  productCode,
  productName,
  responseTimeSeconds,
  serviceWindows,
} from "../validation.js";

export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async createProduct(_, { input }, { identity }) {
    // Who may create it for this owner and in this status: policy.ts.
    const values = {
      ownerId: requireUuid(input.ownerId, "ownerId"),
      code: productCode(input.code),
      name: productName(input.name),
      serviceType: input.serviceType,
      directions: directions(input.directions),
      minimumCapacityKw: minimumCapacityKw(input.minimumCapacityKw),
      responseTimeSeconds: responseTimeSeconds(input.responseTimeSeconds),
      durationMinutes: durationMinutes(input.durationMinutes),
      serviceWindows: serviceWindows(input.serviceWindows),
      eligibleTechnologies: eligibleTechnologies(input.eligibleTechnologies),
      locations: locations(input.locations),
      status: initialStatus(input.status),
    };
    await requireReferences(references, "Organisation", [values.ownerId], "ownerId");
    const product = await repos.products.create(values, identity);
    return { product };
  },

  async updateProduct(_, { input }, context) {
    const { identity } = context;
    await requireHubProduct(context, input.id); // an SO product API's product is read-only here
    const changes = {
      ...(input.name != null && { name: productName(input.name) }),
      ...(input.minimumCapacityKw != null && { minimumCapacityKw: minimumCapacityKw(input.minimumCapacityKw) }),
      ...(input.responseTimeSeconds !== undefined && { responseTimeSeconds: responseTimeSeconds(input.responseTimeSeconds) }),
      ...(input.durationMinutes !== undefined && { durationMinutes: durationMinutes(input.durationMinutes) }),
      ...(input.serviceWindows != null && { serviceWindows: serviceWindows(input.serviceWindows) }),
      ...(input.eligibleTechnologies != null && { eligibleTechnologies: eligibleTechnologies(input.eligibleTechnologies) }),
      ...(input.locations != null && { locations: locations(input.locations) }),
      ...(input.status != null && { status: input.status }),
    };
    const product = await repos.products.update(requireUuid(input.id, "id"), changes, identity, visibleProducts(identity), (before) =>
      requireMayUpdate(identity, before, changes.status),
    );
    if (!product) throw notFound("Product", input.id);
    return { product };
  },
});
