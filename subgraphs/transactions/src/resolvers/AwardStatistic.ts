import type { AwardStatisticResolvers } from "../__generated__/resolvers-types.js";
import { productRef } from "../mappers.js";

export const AwardStatistic: AwardStatisticResolvers = {
  product: ({ productId }) => productRef(productId),
  averageAvailabilityPriceGbpPerMwH: ({ averageAvailabilityPrice }) => averageAvailabilityPrice,
  minimumAvailabilityPriceGbpPerMwH: ({ minimumAvailabilityPrice }) => minimumAvailabilityPrice,
  maximumAvailabilityPriceGbpPerMwH: ({ maximumAvailabilityPrice }) => maximumAvailabilityPrice,
  averageUtilisationPriceGbpPerMwh: ({ averageUtilisationPrice }) => averageUtilisationPrice,
};
