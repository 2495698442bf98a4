import { exitWith, onShutdown, parseConfig, port, z } from "@sfe/kit";
import { createDsoProductsApi } from "./server.js";

/** Runs the stand-in DSO product API (UKPN) on its own: `npm start -w @sfe/dso-products-registry`. */
try {
  const config = parseConfig(
    {
      PORT: port(4102),
      HOST: z.string().min(1).default("127.0.0.1"),
      DSO_PRODUCTS_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    },
    process.env,
  );
  const api = await createDsoProductsApi({ port: config.PORT, host: config.HOST, latencyMs: config.DSO_PRODUCTS_LATENCY_MS });
  console.log(`DSO product API (UKPN) (stand-in, ILLUSTRATIVE records) ready at ${api.url}/api/v2/flexibility-products`);
  onShutdown(() => api.stop());
} catch (error) {
  exitWith(error);
}
