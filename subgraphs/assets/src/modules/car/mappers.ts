import type { CarAsset } from "../../clients/car.js";

/** What the Central Asset Register answers for an asset. */
export type CarRecordMapper = CarAsset;
