import { runSubgraph } from "@sfe/kit";
import { assetsModule } from "./server.js";

await runSubgraph(assetsModule);
