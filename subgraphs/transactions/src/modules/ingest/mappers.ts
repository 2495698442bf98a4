import type { IngestBatchRow } from "./repository.js";

export type IngestBatchMapper = IngestBatchRow;
