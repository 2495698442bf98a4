import { type BreakerState, createRegistryClient, loaderByKey, type RegistryClient, type RegistryClientSettings } from "@sfe/kit";
import type DataLoader from "dataloader";
import type { ExternalProduct, SoProductAdapter } from "./adapters/adapter.js";
import { dsoAdapter } from "./adapters/dso.js";
import { nesoAdapter } from "./adapters/neso.js";
import type { ExternalProductRecord } from "./mappers.js";
import type { ExternalProductRepository, ExternalProductRow } from "./repository.js";

/** The adapter per contract: adding an SO's API is configuration (kind, URL, operator), never code per query. */
export const ADAPTERS = { neso: nesoAdapter, dso: dsoAdapter } satisfies Record<string, SoProductAdapter>;

export interface SoProductApiConfig {
  name: string;
  kind: keyof typeof ADAPTERS;
  operatorId: string;
  url: string;
}

/** One configured API with its registry client (timeout, retries, breaker, cache, batching: the kit's). */
export interface SoProductApi extends SoProductApiConfig {
  adapter: SoProductAdapter;
  client: RegistryClient<ExternalProduct>;
}

export interface SoProductApisOptions extends Omit<RegistryClientSettings, "baseUrl" | "batchSize"> {
  apis: readonly SoProductApiConfig[];
  mappings: ExternalProductRepository;
}

/** What one GraphQL request reads of the SO product APIs, batched and cached per request. */
export interface SoProductsRequest {
  /** The APIs configured, optionally only those of one operator. */
  apis(operatorId?: string | null): SoProductApi[];
  /** Every product `api` publishes (one listing and one batch read per API and request, at most; both cached), discovering unseen ones. */
  list(api: SoProductApi): Promise<ExternalProductRecord[]>;
  /** The mapping row of a hub id, or null when it is not an external product. */
  mapping(id: string): Promise<ExternalProductRow | null>;
  /** The external product with this hub id; null when there is none (or its API is no longer configured). */
  byId(id: string): Promise<ExternalProductRecord | null>;
}

export interface SoProductApis {
  apis: readonly SoProductApi[];
  forRequest(): SoProductsRequest;
  /** For /readyz and Query.soProductApis. */
  state(): { name: string; breaker: BreakerState }[];
  close(): Promise<void>;
}

export function createSoProductApis({ apis: configured, mappings, ...settings }: SoProductApisOptions): SoProductApis {
  const apis: SoProductApi[] = configured.map((config) => {
    const adapter = ADAPTERS[config.kind];
    return {
      ...config,
      adapter,
      client: createRegistryClient<ExternalProduct>({
        ...settings,
        registry: config.name,
        title: `${adapter.title} (${config.name})`,
        baseUrl: config.url,
        batchSize: adapter.batchSize,
        fetchBatch: adapter.fetchBatch,
        keyOf: (product) => product.externalId,
      }),
    };
  });
  const byName = new Map(apis.map((api) => [api.name, api]));

  // The API's one state of the product as the hub's version 1 (mappers.ts): what the API does not carry is null or empty.
  const toProduct = (api: SoProductApi, row: ExternalProductRow, { externalId, ...product }: ExternalProduct): ExternalProductRecord => ({
    ...product,
    id: row.id,
    ownerId: row.operatorId,
    subMarketId: null,
    versionId: row.id,
    version: 1,
    effectiveFrom: null,
    supersedesId: null,
    publishedAt: null,
    supersededAt: null,
    needType: null,
    faultTiming: null,
    maximumCapacityKw: null,
    noticeMinutes: null,
    aggregationScope: null,
    efaBlocks: [],
    procurement: null,
    availabilityUnit: null,
    utilisationUnit: null,
    metering: null,
    baselineMethods: [],
    stackingRulesRef: null,
    agreementVersion: null,
    dispatchMethod: null,
    createdAt: row.createdAt,
    externalId,
    source: { kind: "SO_PRODUCT_API", name: api.name, adapter: api.kind, url: api.url },
  });

  return {
    apis,
    forRequest() {
      const mapping: DataLoader<string, ExternalProductRow | null> = loaderByKey(
        (ids: readonly string[]) => mappings.byIds(ids),
        (row) => row.id,
      );
      const records = new Map(apis.map((api) => [api.name, api.client.loader()]));
      // One listing per API and request, however many fields ask (products, each Organisation.products).
      const listed = new Map<string, Promise<ExternalProductRecord[]>>();
      async function list(api: SoProductApi): Promise<ExternalProductRecord[]> {
        const externalIds = await api.client.read("listing", api.adapter.list);
        const rows = await mappings.register(api.name, api.operatorId, externalIds);
        const found = await api.client.byKeys(rows.map((row) => row.externalId));
        for (const row of rows) mapping.prime(row.id, row);
        return rows.flatMap((row, i) => (found[i] ? [toProduct(api, row, found[i])] : []));
      }
      return {
        apis: (operatorId) => apis.filter((api) => operatorId == null || api.operatorId === operatorId),
        list(api) {
          const pending = listed.get(api.name) ?? list(api);
          listed.set(api.name, pending);
          return pending;
        },
        mapping: (id) => mapping.load(id),
        async byId(id) {
          const row = await mapping.load(id);
          const api = row && byName.get(row.api);
          if (!row || !api) return null;
          const product = await records.get(api.name)!.load(row.externalId);
          return product && toProduct(api, row, product);
        },
      };
    },
    state: () => apis.map((api) => ({ name: api.name, breaker: api.client.state().breaker })),
    close: async () => {
      await Promise.all(apis.map((api) => api.client.close()));
    },
  };
}
