import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSubgraph, type SubgraphDeps, type SubgraphModule } from "@sfe/kit";
import { parse } from "graphql";
import { createLoaders } from "./loaders.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { Mutation } from "./resolvers/Mutation.js";
import { Organisation } from "./resolvers/Organisation.js";
import { Query } from "./resolvers/Query.js";
import { User } from "./resolvers/User.js";

export const typeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

/** Builds the users subgraph: schema, resolvers, per-request loaders. No environment, no listening. */
export function createUsersSubgraph({ db, repos = createRepositories(db) }: Pick<SubgraphDeps, "db"> & { repos?: Repositories }) {
  return createSubgraph({
    name: "users",
    typeDefs,
    resolvers: { Query: Query(repos), Mutation: Mutation(repos), Organisation, User },
    createLoaders: () => createLoaders(repos),
  });
}

export const usersModule: SubgraphModule = {
  name: "users",
  defaultPort: 4001,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  create: createUsersSubgraph,
};

export { createRepositories };
