import { runSubgraph } from "@sfe/kit";
import { usersModule } from "./server.js";

await runSubgraph(usersModule);
