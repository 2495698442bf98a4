import { badInput } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import type { ModuleDeps } from "../../deps.js";
import { createRegister } from "../assets/register.js";
import { carId as carIdOf } from "./validation.js";

export const resolvers = (deps: ModuleDeps): Resolvers => {
  const { car } = deps;
  const register = createRegister(deps);
  return {
    Mutation: {
      async importAssetFromCar(_, { input }, context) {
        const id = carIdOf(input.carId) as string;
        // The CAR is the system of record: what it holds is registered as it is (a CAR outage writes nothing).
        const [record] = await car.byIds([id]);
        if (!record) throw badInput(`carId: ${id} is not in the Central Asset Register`, "carId");
        if (record.commissioningStatus === "DECOMMISSIONED")
          throw badInput(`carId: ${id} is decommissioned in the Central Asset Register`, "carId");
        return register(
          {
            ownerId: input.ownerId,
            name: input.name ?? record.carId,
            categoryCode: record.technology,
            importCapacityKw: record.ratedImportKw,
            exportCapacityKw: record.ratedExportKw,
            energyCapacityKwh: record.energyCapacityKwh,
            postcode: record.postcode,
            meterPointId: record.meterPointId,
            carId: record.carId,
            attributes: input.attributes,
          },
          context,
        );
      },
    },

    Asset: {
      // Resolved from the CAR on demand; a CAR failure fails only this field (nullable), naming the registry.
      carRecord: ({ carId, meterPointId }, _, { loaders }) =>
        carId ? loaders.carRecord.load(carId) : meterPointId ? loaders.carRecordByMeterPoint.load(meterPointId) : null,
    },
  };
};
