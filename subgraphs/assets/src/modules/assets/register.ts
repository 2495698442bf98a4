import { badInput, conflict, isUniqueViolation, requireReferences } from "@sfe/kit";
import type { RegisterAssetInput } from "../../__generated__/resolvers-types.js";
import { canSeeAsset } from "../../access.js";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { requireCarRecordMatches } from "../car/validation.js";
import { duplicateRejection, registrationValues } from "./registration.js";

/**
 * Registers one asset, checked like every registration (category, attributes, MPAN, CAR id; whether the caller may
 * register for the owner is the operation's policy rule).
 * There is one entry per physical asset: the meter point, the CAR id and the external id are unique, so
 * even two racing registrations end as one asset and one CONFLICT, which names the existing asset when
 * the caller may see it.
 */
export const createRegister =
  ({ repos, references, car }: ModuleDeps) =>
  async (input: RegisterAssetInput, { identity, loaders }: Context) => {
    const category = await loaders.category.load(input.categoryCode.trim().toUpperCase());
    const values = registrationValues(input, () => category ?? undefined);
    const ownerId = values.ownerId;
    await requireReferences(references, "Organisation", [ownerId], "ownerId");
    if (values.carId) {
      const [record] = await car.byIds([values.carId]);
      if (!record) throw badInput(`carId: ${values.carId} is not in the Central Asset Register`, "carId");
      requireCarRecordMatches(values, record);
    }
    try {
      return { asset: await repos.assets.create(values, identity) };
    } catch (error) {
      const existing = isUniqueViolation(error) ? await repos.assets.findDuplicate(values) : null;
      if (!existing) throw error;
      const { message } = duplicateRejection(values, existing, identity);
      throw conflict(message, canSeeAsset(identity, existing) ? { existingAssetId: existing.id } : {});
    }
  };
