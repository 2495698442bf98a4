import { runSubgraph } from "@sfe/kit";
import { transactionsModule } from "./server.js";

await runSubgraph(transactionsModule);
