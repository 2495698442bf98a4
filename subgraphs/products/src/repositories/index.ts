import type { Database } from "@sfe/kit";
import { createConsultationRepository } from "../modules/consultations/repository.js";
import { createCounterpartyQualificationRepository } from "../modules/counterparty-qualification/repository.js";
import { createQualificationRepository } from "../modules/qualification/repository.js";
import { createSubMarketRepository } from "../modules/sub-markets/repository.js";
import { createZoneRepository } from "../modules/zones/repository.js";
import { createProductRepository } from "./products.js";

export function createRepositories(db: Database) {
  const counterparty = createCounterpartyQualificationRepository(db);
  return {
    products: createProductRepository(db),
    zones: createZoneRepository(db),
    subMarkets: createSubMarketRepository(db),
    consultations: createConsultationRepository(db),
    counterparty,
    qualification: createQualificationRepository(db, counterparty),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
