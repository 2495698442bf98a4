import { runSubgraph } from "@sfe/kit";
import { rulesModule } from "./server.js";

await runSubgraph(rulesModule);
