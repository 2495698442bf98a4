import { runSubgraph } from "@sfe/kit";
import { productsModule } from "./server.js";

await runSubgraph(productsModule);
