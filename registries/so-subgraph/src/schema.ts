/**
 * What this SO subgraph adds to the hub's graph. It extends two hub entities by their key and owns only
 * the fields it declares; it never redefines a hub field (composition would refuse it).
 */
export const SO_SUBGRAPH_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  "What the System Operator currently requires of providers of a product (ILLUSTRATIVE example data)."
  type SoRequirements {
    "Free text from the SO's control room."
    notes: String!
    "Availability a provider must hold over the delivery window, in percent."
    minimumAvailabilityPct: Float!
    "Longest time from instruction to full response, in seconds."
    maxResponseSeconds: Int!
    "When the SO last revised these requirements (ISO 8601)."
    updatedAt: String!
  }

  "An operational limit the System Operator's network places on an asset (ILLUSTRATIVE example data)."
  type NetworkConstraint {
    "Most the asset may export at its connection point, in kW."
    maxExportKw: Float!
    "Why the limit applies."
    reason: String!
  }

  type Product @key(fields: "id") {
    id: ID!
    "The SO's live requirements for this product; refused (UNAUTHENTICATED) to anonymous callers."
    soRequirements: SoRequirements
  }

  type Asset @key(fields: "id") {
    id: ID!
    "The SO's network constraint on this asset; refused (UNAUTHENTICATED) to anonymous callers."
    networkConstraint: NetworkConstraint
  }
`;
