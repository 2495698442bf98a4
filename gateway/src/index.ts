import { createHttpServer, exitWith, identitySigningKey, listen, loadIdentityKey, onShutdown, parseConfig, port, z } from "@sfe/kit";
import { createGateway } from "./gateway.js";
import { extraSubgraphSettings, extraSubgraphsOf, subgraphUrlsFromEnv } from "./config.js";

try {
  const config = parseConfig(
    {
      PORT: port(4000),
      HOST: z.string().min(1).default("127.0.0.1"),
      NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
      ...extraSubgraphSettings,
      IDENTITY_SIGNING_KEY: identitySigningKey,
      SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
      SFE_APOLLO_TELEMETRY: z.enum(["on", "off"]).default("off"),
    },
    process.env,
  );
  const gateway = createGateway({
    subgraphUrls: subgraphUrlsFromEnv(process.env),
    extraSubgraphs: () => extraSubgraphsOf(config),
    pollIntervalMs: config.POLL_INTERVAL_MS,
    identityKey: config.IDENTITY_SIGNING_KEY ? loadIdentityKey(config.IDENTITY_SIGNING_KEY) : undefined,
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    production: config.NODE_ENV === "production",
    apolloTelemetry: config.SFE_APOLLO_TELEMETRY === "on",
  });
  await gateway.apollo.start();
  const server = createHttpServer(gateway.apollo, { context: gateway.context, routes: gateway.routes });
  const url = await listen(server, config.PORT, config.HOST);
  console.log(`SFE Hub gateway ready at ${url}/graphql`);
  onShutdown(async () => {
    await new Promise((resolve) => server.close(resolve));
    await gateway.stop();
  });
} catch (error) {
  exitWith(error);
}
