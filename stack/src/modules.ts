import { assetsModule } from "@sfe/assets";
import { productsModule } from "@sfe/products";
import { rulesModule } from "@sfe/rules";
import { transactionsModule } from "@sfe/transactions";
import { usersModule } from "@sfe/users";

/** The hub's own subgraphs, in composition order. */
export const SUBGRAPH_MODULES = [usersModule, assetsModule, productsModule, transactionsModule, rulesModule];
