import type { ProcessStep } from "@sfe/kit";

/** A ProcessStep resolves from the kit's catalogue entry (kit/src/process-catalogue.ts). */
export type ProcessStepMapper = ProcessStep;
