import type { consultations, productFeedback } from "../../db/schema.js";

/** The row a Consultation resolves from. */
export type ConsultationMapper = typeof consultations.$inferSelect;
/** The row a ProductFeedback resolves from. */
export type ProductFeedbackMapper = typeof productFeedback.$inferSelect;
