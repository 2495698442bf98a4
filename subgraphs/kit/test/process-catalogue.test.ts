import { parse } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import {
  createSubgraph,
  PROCESS_OPERATIONS_PATH,
  PROCESS_STEPS,
  PROCESS_STEP_DIRECTIVE_SDL,
  processOperations,
  processStepByCode,
  type RunningSubgraph,
  startSubgraph,
} from "../src/index.js";
import { testGateway, testIdentity } from "../src/testing.js";

const sdl = (fields: string) => parse(`type Query { ${fields} }\n${PROCESS_STEP_DIRECTIVE_SDL}`);

describe("the process catalogue", () => {
  it("holds the toolkit v2.0's 28 building blocks, in order, codes unique, v3.2's renumbering noted", () => {
    expect(PROCESS_STEPS).toHaveLength(28);
    expect(new Set(PROCESS_STEPS.map((step) => step.code)).size).toBe(28);
    const perPhase: Record<string, number> = {};
    for (const step of PROCESS_STEPS) perPhase[step.phase] = (perPhase[step.phase] ?? 0) + 1;
    expect(perPhase).toEqual({
      EXPLORATION: 4,
      QUALIFICATION: 8,
      COMPETITION: 3,
      SCHEDULE_DISPATCH: 6,
      VERIFICATION: 5,
      SETTLEMENT: 2,
    });
    expect(PROCESS_STEPS[0]).toEqual({
      code: "E.1",
      phase: "EXPLORATION",
      name: "Define Sub-Market",
      toolkitVersion: "2.0",
      v32Code: "E.1",
    });
    expect(PROCESS_STEPS.at(-1)?.code).toBe("S.2");
    expect(PROCESS_STEPS.filter((step) => step.v32Code !== step.code).map((step) => [step.code, step.v32Code])).toEqual([
      ["V.4", "V.5"],
      ["V.5", "V.6"],
    ]);
    expect(processStepByCode(" q.4 ")?.name).toBe("Register Assets");
    expect(processStepByCode("Q.9")).toBeUndefined(); // v3.2 only
  });

  it("reads each Query and Mutation field's tags from the SDL (one code or a list), untagged fields with none", () => {
    const typeDefs = parse(`
      type Query { a: Int @processStep(codes: ["Q.4", "Q.5"]) b: Int }
      extend type Mutation { c: Int @processStep(codes: "C.2") }
      type Other { d: Int @processStep(codes: ["E.1"]) }
      ${PROCESS_STEP_DIRECTIVE_SDL}`);
    expect(processOperations("assets", typeDefs)).toEqual([
      { operation: "Query.a", subgraph: "assets", codes: ["Q.4", "Q.5"] },
      { operation: "Query.b", subgraph: "assets", codes: [] },
      { operation: "Mutation.c", subgraph: "assets", codes: ["C.2"] },
    ]);
  });

  it("createSubgraph refuses a field tagged with an unknown code or with none, naming them", () => {
    const build = (fields: string) => () => createSubgraph({ name: "t", typeDefs: sdl(fields), resolvers: {}, createLoaders: () => ({}) });
    expect(build(`a: Int @processStep(codes: ["Q.4"]) b: Int`)).not.toThrow();
    expect(build(`a: Int @processStep(codes: ["Q.4", "Z.1"]) b: Int @processStep(codes: ["Q.9"])`)).toThrow(
      /Query\.a names Z\.1; Query\.b names Q\.9/,
    );
    expect(build(`a: Int @processStep(codes: [])`)).toThrow(/Query\.a names no step/);
  });
});

describe("POST /internal/process-operations", () => {
  const running: RunningSubgraph[] = [];
  afterAll(async () => {
    for (const subgraph of running) await subgraph.stop();
  });
  const start = async (verifier?: ReturnType<typeof testGateway.verifier>) => {
    const subgraph = createSubgraph({
      name: "assets",
      typeDefs: sdl(`asset: Int @processStep(codes: ["Q.4"])`),
      resolvers: {},
      createLoaders: () => ({}),
    });
    const started = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier });
    running.push(started);
    return started;
  };
  const post = (subgraph: RunningSubgraph, headers: Record<string, string> = {}) =>
    fetch(subgraph.url.replace(/\/graphql$/, PROCESS_OPERATIONS_PATH), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: "{}",
    });

  it("answers the gateway's signed-in caller the subgraph's tags; 401 for no token or an anonymous caller; 404 without a key", async () => {
    const guarded = await start(testGateway.verifier("assets"));
    const ok = await post(guarded, await testGateway.headers("assets", testIdentity({ roles: ["INVESTOR"] })));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ subgraph: "assets", operations: [{ operation: "Query.asset", subgraph: "assets", codes: ["Q.4"] }] });
    const anonymous = await post(guarded, await testGateway.headers("assets", null));
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect((await post(guarded)).status).toBe(401);
    // A token for another audience (what an SO's own subgraph receives) is worth nothing here.
    expect((await post(guarded, await testGateway.headers("so_example", testIdentity({ roles: ["FSP"] })))).status).toBe(401);
    expect(guarded.routeRequestCount(PROCESS_OPERATIONS_PATH)).toBe(4);
    expect((await post(await start())).status).toBe(404);
  });
});
