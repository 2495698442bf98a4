import { conflict, type EntityReferences, notFound, page, requireReferences, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { enforce, readProducts } from "../../policy.js";
import { requireMayChangeZone } from "./policy.js";
import type { ZoneChanges, ZoneRepository } from "./repository.js";
import { gspGroups, licenceArea, normaliseGspGroup, zoneCode, zoneName } from "./validation.js";

export const resolvers = ({ zones, references }: { zones: ZoneRepository; references: EntityReferences }): Resolvers => ({
  Query: {
    constraintManagedZones: (_, { operatorId, gspGroup, first, offset }) => {
      const limits = page(first, offset, 1000);
      if (gspGroup == null) return zones.list({ operatorId, ...limits });
      const group = normaliseGspGroup(gspGroup);
      return group ? zones.list({ operatorId, gspGroup: group, ...limits }) : []; // not a GSP group: no zone lies in it
    },
    constraintManagedZone: (_, { code }) => zones.byCode(code.trim().toUpperCase()),
  },

  Mutation: {
    async createConstraintManagedZone(_, { input }, { identity }) {
      // Who may create it for this operator: policy.ts.
      const values = {
        operatorId: requireUuid(input.operatorId, "operatorId"),
        code: zoneCode(input.code),
        name: zoneName(input.name),
        licenceArea: licenceArea(input.licenceArea),
        gspGroups: gspGroups(input.gspGroups),
      };
      await requireReferences(references, "Organisation", [values.operatorId], "operatorId");
      const constraintManagedZone = await zones.create(values, identity);
      if (!constraintManagedZone) throw conflict(`Constraint managed zone ${values.code} already exists`, { code: values.code });
      return { constraintManagedZone };
    },

    async updateConstraintManagedZone(_, { input }, { identity }) {
      const changes: ZoneChanges = {
        ...(input.name != null && { name: zoneName(input.name) }),
        ...(input.licenceArea != null && { licenceArea: licenceArea(input.licenceArea) }),
        ...(input.gspGroups != null && { gspGroups: gspGroups(input.gspGroups) }),
      };
      const constraintManagedZone = await zones.update(requireUuid(input.id, "id"), changes, identity, (before) =>
        requireMayChangeZone(identity, before.operatorId),
      );
      if (!constraintManagedZone) throw notFound("ConstraintManagedZone", input.id);
      return { constraintManagedZone };
    },
  },

  ConstraintManagedZone: {
    // The same rule as the queries; a refusal answers each representation with an error (see products' policy.ts).
    __resolveReference: async ({ id }, { identity, loaders }) => {
      enforce(readProducts, identity);
      return loaders.zone.load(id);
    },
    operator: ({ operatorId }) => ({ __typename: "Organisation", id: operatorId }),
  },
});
