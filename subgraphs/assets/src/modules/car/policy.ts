import type { Policy } from "@sfe/kit";
import { fspOrAdminWrite } from "../../policy.js";

export const policy: Policy = {
  "Mutation.importAssetFromCar": fspOrAdminWrite,
};
