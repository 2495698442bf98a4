import type { ServerResponse } from "node:http";
import { sendJson } from "@sfe/kit";
import { listParam, type StandIn, startStandIn } from "@sfe/kit/stand-in";
import { type DsoProduct, type DsoProductSummary, MAX_BATCH, MAX_PAGE_SIZE } from "./contract.js";
import { demoProducts } from "./data.js";

export * from "./contract.js";
export { demoProducts } from "./data.js";

export interface DsoProductsOptions {
  /** The products published; the demo catalogue (data.ts) when omitted. */
  products?: DsoProduct[];
  /** Delay before every /api/v2 answer (slowness injection). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** A running stand-in DSO product API, with the kit's stand-in knobs (request log, latency, down, failNext). */
export interface DsoProductsApi extends StandIn {
  /** Publishes a product, or replaces it (by product_id). */
  put(product: DsoProduct): void;
}

const PATH = "/api/v2/flexibility-products";

/**
 * Starts the stand-in DSO-like product API on node:http, speaking CONTRACT.md:
 * GET /api/v2/flexibility-products?page=&page_size=, GET …/batch?product_id=a,b, GET …/{product_id}, GET /healthz.
 */
export async function createDsoProductsApi(options: DsoProductsOptions = {}): Promise<DsoProductsApi> {
  const products = new Map<string, DsoProduct>();
  const put = (product: DsoProduct) => void products.set(product.product_id, product);
  for (const product of options.products ?? demoProducts()) put(product);

  function answer(url: URL, res: ServerResponse) {
    if (url.pathname === PATH) return list(url, res);
    if (url.pathname === `${PATH}/batch`) return batch(url, res);
    const one = new RegExp(`^${PATH}/([^/]+)$`).exec(url.pathname);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      const product = products.get(id);
      return product ? sendJson(res, 200, { data: product }) : sendJson(res, 404, { error: `No product ${id}` });
    }
    sendJson(res, 404, { error: "not found" });
  }

  function list(url: URL, res: ServerResponse) {
    const page = whole(url.searchParams.get("page") ?? "1");
    const pageSize = whole(url.searchParams.get("page_size") ?? "20");
    if (page === null || page < 1) return sendJson(res, 400, { error: "page must be a whole number from 1" });
    if (pageSize === null || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      return sendJson(res, 400, { error: `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
    const all = [...products.values()].sort((a, b) => (a.product_id < b.product_id ? -1 : 1));
    const data: DsoProductSummary[] = all
      .slice((page - 1) * pageSize, page * pageSize)
      .map(({ product_id, product_name, status, updated_at }) => ({ product_id, product_name, status, updated_at }));
    sendJson(res, 200, {
      data,
      meta: { page, page_size: pageSize, total_pages: Math.max(1, Math.ceil(all.length / pageSize)), total_records: all.length },
    });
  }

  function batch(url: URL, res: ServerResponse) {
    const ids = listParam(url, "product_id");
    if (!ids || ids.length === 0) return sendJson(res, 400, { error: "Give at least one product_id" });
    if (ids.length > MAX_BATCH) return sendJson(res, 400, { error: `At most ${MAX_BATCH} product_id per request, got ${ids.length}` });
    const found = new Map<string, DsoProduct>();
    for (const id of ids) {
      const product = products.get(id);
      if (product) found.set(id, product);
    }
    sendJson(res, 200, { data: [...found.values()] });
  }

  const standIn = await startStandIn({
    title: "The DSO product API",
    methods: ["GET"],
    prefix: "/api/v2/",
    answer: ({ url }, res) => answer(url, res),
    latencyMs: options.latencyMs,
    port: options.port,
    host: options.host,
  });
  return { ...standIn, put };
}

const whole = (value: string) => (/^\d{1,6}$/.test(value) ? Number(value) : null);
