import { exitWith, onShutdown, parseConfig, port, z } from "@sfe/kit";
import { createSoSubgraph } from "./server.js";

/** Runs the example SO subgraph on its own: `npm start -w @sfe/so-subgraph`. */
try {
  const config = parseConfig(
    {
      SO_SUBGRAPH_NAME: z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/, "must be a subgraph name (lower case letters, digits, _), as given to the gateway")
        .default("so_example"),
      PORT: port(4200),
      HOST: z.string().min(1).default("127.0.0.1"),
      GATEWAY_JWKS_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:4000/.well-known/jwks.json"),
    },
    process.env,
  );
  const subgraph = await createSoSubgraph({
    name: config.SO_SUBGRAPH_NAME,
    port: config.PORT,
    host: config.HOST,
    jwks: new URL(config.GATEWAY_JWKS_URL),
  });
  console.log(`Example SO subgraph "${subgraph.name}" (ILLUSTRATIVE data) ready at ${subgraph.url}
  verifying identity tokens for audience "${subgraph.name}" against ${config.GATEWAY_JWKS_URL}
  register it with the gateway: EXTRA_SUBGRAPHS="${subgraph.name}=${subgraph.url}"`);
  onShutdown(() => subgraph.stop());
} catch (error) {
  exitWith(error);
}
