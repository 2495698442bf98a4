import type { ContractSignature, ContractVariation, contractCallOffs, contractTemplates, contracts } from "../../db/schema.js";

/** The rows the contracts module's types resolve from. */
export type ContractTemplateMapper = typeof contractTemplates.$inferSelect;
export type ContractMapper = typeof contracts.$inferSelect;
export type ContractCallOffMapper = typeof contractCallOffs.$inferSelect;
export type ContractSignatureMapper = ContractSignature;
export type ContractVariationMapper = ContractVariation;
/** Owned by other subgraphs: references only. */
export type AwardMapper = { __typename?: "Award"; id: string };
export type UserMapper = { __typename?: "User"; id: string };
