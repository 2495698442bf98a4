import type { AssetMapper, MarketUnitMapper, OrganisationMapper, ProductMapper } from "../../mappers.js";

export type PositionItemKind = "AWARD" | "AVAILABILITY_DECLARATION" | "UNAVAILABILITY_NOTICE" | "DISPATCH_INSTRUCTION" | "DELIVERED_ENERGY";

/** One item as the resolvers answer it (references already made). */
export interface PositionItemMapper {
  kind: PositionItemKind;
  id: string;
  soOrganisation: OrganisationMapper | null;
  product: ProductMapper | null;
  direction: "DEMAND_TURN_DOWN" | "DEMAND_TURN_UP" | "GENERATION_TURN_UP" | "GENERATION_TURN_DOWN" | null;
  mw: number | null;
  start: Date;
  end: Date;
  status: string | null;
  availabilityPriceGbpPerMwH: string | null;
  utilisationPriceGbpPerMwh: string | null;
  energyMwh: string | null;
}

export interface PositionMapper {
  asset: AssetMapper | null;
  marketUnit: MarketUnitMapper | null;
  gspGroup: string | null;
  from: Date;
  to: Date;
  items: PositionItemMapper[];
}
