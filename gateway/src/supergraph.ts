import { compose } from "@apollo/composition";
import { buildSubgraph, Supergraph } from "@apollo/federation-internals";
import type { SupergraphManager } from "@apollo/gateway";
import { postJson } from "@sfe/kit";
import { parse } from "graphql";
import { apiSchemaOf, breakingChanges, hubFieldOwners, ownershipViolation } from "./subgraph-checks.js";

/** A subgraph added by configuration alone: a name and a URL (an SO's own subgraph, say). */
export interface SubgraphRef {
  name: string;
  url: string;
}

export interface CompositionState {
  /** Names of the subgraphs in the supergraph being served. */
  serving: string[];
  /** Why the last attempt to add subgraphs was refused, if it was; the last good supergraph keeps serving. */
  lastError: string | null;
  lastAttemptAt: Date | null;
}

export interface SupergraphSourceOptions {
  /** The committed, pre-composed supergraph: boot never depends on a subgraph being up. */
  baseSupergraphSdl: string;
  /** Extra subgraphs, read afresh at each refresh (environment, or a file an operator edits). */
  extraSubgraphs: () => Promise<SubgraphRef[]> | SubgraphRef[];
  pollIntervalMs?: number;
  /** Headers for a subgraph's SDL fetch (the gateway's identity token for its audience). */
  headers?: (subgraph: string) => Promise<Record<string, string>>;
  log?: (message: string) => void;
}

/**
 * Serves the committed supergraph plus any configured extra subgraphs. Each refresh fetches the extras'
 * SDL, checks each against the hub's ownership policy (no `@override`, no redefining or shadowing a hub
 * subgraph's field), composes them with the base subgraphs, and checks that the result breaks nothing
 * clients can query in the served supergraph's API schema. A refusal names the subgraph and the reason,
 * and the last good supergraph keeps serving.
 */
export function createSupergraphSource(options: SupergraphSourceOptions) {
  const log = options.log ?? ((message: string) => console.log(message));
  const baseSubgraphs = Supergraph.build(options.baseSupergraphSdl).subgraphs();
  const baseNames = baseSubgraphs.names();
  /** The URLs composed into the committed supergraph, by subgraph name. */
  const baseUrls = Object.fromEntries(baseSubgraphs.values().map((s) => [s.name, s.url]));
  /** `Type.field` → the hub subgraph that owns it: what an extra subgraph may not override or shadow. */
  const hubOwners = hubFieldOwners(baseSubgraphs);
  const state: CompositionState = { serving: [...baseNames], lastError: null, lastAttemptAt: null };
  let current = options.baseSupergraphSdl;
  let servingKey = "";
  let update: ((sdl: string) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function fetchSdl(ref: SubgraphRef): Promise<string> {
    const { status, body } = await postJson<{ data?: { _service?: { sdl?: string } } } | null>(
      ref.url,
      { query: "{ _service { sdl } }" },
      {
        upstream: { subgraph: ref.name },
        unavailable: (cause) => `cannot fetch the SDL of subgraph "${ref.name}" at ${ref.url}: ${(cause as Error).message}`,
        headers: await options.headers?.(ref.name),
      },
    );
    const sdl = body?.data?._service?.sdl;
    if (!sdl) throw new Error(`subgraph "${ref.name}" at ${ref.url} did not return its SDL (HTTP ${status})`);
    return sdl;
  }

  /** Recomposes from the base and the configured extras; returns the error when refused. */
  async function refresh(): Promise<{ ok: true; serving: string[] } | { ok: false; error: string }> {
    state.lastAttemptAt = new Date();
    try {
      const extras = await options.extraSubgraphs();
      const clash = extras.find((e) => baseNames.includes(e.name));
      if (clash) throw new Error(`subgraph name "${clash.name}" is already taken by a hub subgraph`);
      let sdl = options.baseSupergraphSdl;
      const fetched: string[] = [];
      if (extras.length > 0) {
        const subgraphs = Supergraph.build(options.baseSupergraphSdl).subgraphs();
        for (const extra of extras) {
          const extraSdl = await fetchSdl(extra);
          fetched.push(extraSdl);
          const subgraph = buildSubgraph(extra.name, extra.url, parse(extraSdl));
          const violation = ownershipViolation(subgraph, hubOwners);
          if (violation) throw new Error(`ownership: ${violation}`);
          subgraphs.add(subgraph);
        }
        const result = compose(subgraphs);
        if (result.errors) {
          throw new Error(`composition failed: ${result.errors.map((e) => e.message).join("; ")}`);
        }
        sdl = result.supergraphSdl;
      }
      // Keyed on the extras' SDL too, so an SO changing its schema at the same URL is checked and picked up.
      const key = JSON.stringify({ extras, fetched });
      if (key !== servingKey && sdl !== current) {
        const breaking = await breakingChanges(apiSchemaOf(current), apiSchemaOf(sdl));
        if (breaking.length > 0) {
          const configured = extras.length > 0 ? extras.map((e) => e.name).join(", ") : "none";
          throw new Error(`breaking change: ${breaking.join("; ")} (extra subgraphs configured: ${configured})`);
        }
      }
      state.lastError = null;
      if (key !== servingKey) {
        servingKey = key;
        current = sdl;
        state.serving = [...baseNames, ...extras.map((e) => e.name)];
        update?.(sdl);
        if (extras.length > 0) log(`supergraph now serves: ${state.serving.join(", ")}`);
      }
      return { ok: true, serving: state.serving };
    } catch (error) {
      const message = `Refused subgraph configuration, still serving ${state.serving.join(", ")}: ${(error as Error).message}`;
      if (message !== state.lastError) log(message);
      state.lastError = message;
      return { ok: false, error: message };
    }
  }

  const manager: SupergraphManager = {
    async initialize({ update: push }) {
      await refresh();
      update = push; // later refreshes push new supergraphs; the first is returned below
      if (options.pollIntervalMs) {
        timer = setInterval(() => void refresh(), options.pollIntervalMs);
        timer.unref();
      }
      return {
        supergraphSdl: current,
        cleanup: async () => {
          if (timer) clearInterval(timer);
        },
      };
    },
  };

  return { manager, refresh, state, baseUrls };
}
