import type { Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { both, fspOrAdminWrite, registersFor } from "../../policy.js";
import { carId } from "./validation.js";

const registersForOwner = registersFor((args) => args.input.ownerId);

export const policy: Policy<Context> = {
  // As registerAsset, for the owner it names; a malformed CAR id is refused before the owner is looked at.
  "Mutation.importAssetFromCar": both(fspOrAdminWrite, (identity, call) => {
    carId(call.args.input.carId);
    return registersForOwner(identity, call);
  }),
};
