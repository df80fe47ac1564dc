import { expect } from "chai";
import { WebSocket } from "ws";
import { RpcServer, type RpcServerOptions, type SubscriptionSink } from "../../../node/rpc/server/index.ts";
import { RpcError, SubstrateErrorCode } from "../../../node/rpc/errors.ts";
import { TestClient } from "./client.ts";

// Expected codes and messages: paritytech/jsonrpsee types/src/error.rs; the unsafe denial:
// paritytech/polkadot-sdk substrate/client/rpc-api/src/policy.rs.

interface Running {
  server: RpcServer;
  url: string;
  httpUrl: string;
  port: number;
}

const running: RpcServer[] = [];
const clients: TestClient[] = [];

async function start(opts: RpcServerOptions = {}, setup?: (s: RpcServer) => void): Promise<Running> {
  const server = new RpcServer({ methods: "unsafe", ...opts });
  server.method("echo", (p) => p.raw ?? null);
  server.method("add", (p) => p.number(0, "a") + p.number(1, "b"), { params: ["a", "b"], aliases: ["sum"] });
  server.method("nothing", () => undefined);
  server.method("boom", () => {
    throw new Error("boom");
  });
  server.method("asyncBoom", async () => {
    throw new TypeError("async boom");
  });
  server.method("poolError", () => {
    throw new RpcError(SubstrateErrorCode.POOL_INVALID_TX, "Invalid Transaction", "Transaction has a bad signature");
  });
  server.method("hex", (p) => p.hex(0).length);
  server.method("delay", (p) => new Promise((r) => setTimeout(() => r(p.at(0)), p.number(1))));
  server.method("dangerous", () => "done", { unsafe: true });
  setup?.(server);
  const { port } = await server.listen("127.0.0.1", 0);
  running.push(server);
  return { server, port, url: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}/` };
}

async function connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
  const c = await TestClient.connect(url, headers);
  clients.push(c);
  return c;
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
}

/** Resolves with the HTTP status of a refused upgrade, or "open". */
function upgradeStatus(url: string, headers?: Record<string, string>): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.close();
      resolve("open");
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once("error", reject);
  });
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of clients.splice(0)) if (c.ws.readyState === WebSocket.OPEN) await c.close();
  for (const s of running.splice(0)) await s.close();
});

describe("RpcServer: calls over WebSocket", () => {
  it("answers a method with its result and the request id", async () => {
    const { url } = await start();
    const c = await connect(url);
    expect(await c.request("echo", [1, "a"])).to.deep.equal({ jsonrpc: "2.0", id: 1, result: [1, "a"] });
    expect(await c.request("nothing")).to.deep.equal({ jsonrpc: "2.0", id: 2, result: null });
    c.sendRaw('{"jsonrpc":"2.0","id":"abc","method":"echo","params":[]}');
    expect(await c.next()).to.deep.equal({ jsonrpc: "2.0", id: "abc", result: [] });
    c.sendRaw('{"jsonrpc":"2.0","id":null,"method":"echo","params":[7]}');
    expect(await c.next()).to.deep.equal({ jsonrpc: "2.0", id: null, result: [7] });
  });

  it("serves aliases and lists only canonical names, sorted", async () => {
    const { url, server } = await start();
    const c = await connect(url);
    expect((await c.request("sum", [2, 3])).result).to.equal(5);
    expect(server.methodNames()).to.deep.equal(["add", "asyncBoom", "boom", "dangerous", "delay", "echo", "hex", "nothing", "poolError"]);
  });

  it("maps named params onto declared positions", async () => {
    const { url } = await start();
    const c = await connect(url);
    expect((await c.request("add", { b: 4, a: 1 })).result).to.equal(5);
    expect((await c.request("add", [1, 4])).result).to.equal(5);
  });

  it("rejects bad params with -32602 Invalid params and a reason", async () => {
    const { url } = await start();
    const c = await connect(url);
    const r = await c.request("add", [1, "x"]);
    expect(r.error.code).to.equal(-32602);
    expect(r.error.message).to.equal("Invalid params");
    expect(r.error.data).to.match(/param 1 \(b\)/);
    expect((await c.request("hex", ["0x0g"])).error.code).to.equal(-32602);
    expect((await c.request("hex", ["0x0102"])).result).to.equal(2);
    expect((await c.request("hex", [""])).result).to.equal(0);
    c.sendRaw('{"jsonrpc":"2.0","id":9,"method":"add","params":"nope"}');
    expect((await c.next()).error.code).to.equal(-32602);
  });

  it("answers an unknown method with -32601 Method not found", async () => {
    const { url } = await start();
    const c = await connect(url);
    expect(await c.request("nope")).to.deep.equal({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found" } });
  });

  it("answers malformed JSON with -32700 Parse error and id null", async () => {
    const { url } = await start();
    const c = await connect(url);
    const parseError = { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } };
    c.sendRaw('{"jsonrpc":"2.0","id":1,');
    expect(await c.next()).to.deep.equal(parseError);
    c.sendRaw("hello");
    expect(await c.next()).to.deep.equal(parseError);
    c.sendRaw("[1, 2");
    expect(await c.next()).to.deep.equal(parseError);
    // No readable id: jsonrpsee reports a parse error too.
    c.sendRaw('{"foo":1}');
    expect(await c.next()).to.deep.equal(parseError);
    expect((await c.request("echo", [1])).result).to.deep.equal([1]);
  });

  it("answers an invalid request with -32600 and its id", async () => {
    const { url } = await start();
    const c = await connect(url);
    c.sendRaw('{"jsonrpc":"1.0","id":5,"method":"echo"}');
    expect(await c.next()).to.deep.equal({ jsonrpc: "2.0", id: 5, error: { code: -32600, message: "Invalid request" } });
    c.sendRaw('{"jsonrpc":"2.0","id":6,"method":42}');
    expect(await c.next()).to.deep.equal({ jsonrpc: "2.0", id: 6, error: { code: -32600, message: "Invalid request" } });
  });

  it("does not answer notifications (no id)", async () => {
    let calls = 0;
    const { url } = await start({}, (s) => s.method("count", () => ++calls));
    const c = await connect(url);
    c.sendRaw('{"jsonrpc":"2.0","method":"count","params":[]}');
    c.sendRaw('{"jsonrpc":"2.0","method":"nope"}');
    expect((await c.request("echo", ["after"])).result).to.deep.equal(["after"]);
    await tick();
    expect(c.pending).to.have.length(0);
    expect(calls).to.equal(0); // jsonrpsee does not run notifications
  });

  it("turns a thrown Error into -32603 Internal error with its message, and keeps serving", async () => {
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void logged.push(m) };
    const { url } = await start({ logger });
    const c = await connect(url);
    expect((await c.request("boom")).error).to.deep.equal({ code: -32603, message: "Internal error", data: "boom" });
    expect((await c.request("asyncBoom")).error).to.deep.equal({ code: -32603, message: "Internal error", data: "async boom" });
    expect(logged).to.have.length(2);
    expect((await c.request("echo", [1])).result).to.deep.equal([1]);
  });

  it("passes an RpcError through unchanged (Substrate 1010)", async () => {
    const { url } = await start();
    const c = await connect(url);
    expect((await c.request("poolError")).error).to.deep.equal({
      code: 1010,
      message: "Invalid Transaction",
      data: "Transaction has a bad signature",
    });
  });

  it("answers an oversized request with -32007 and keeps the connection", async () => {
    const { url } = await start({ maxRequestSize: 1024 });
    const c = await connect(url);
    c.sendRaw(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "echo", params: ["x".repeat(2000)] }));
    expect(await c.next()).to.deep.equal({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32007, message: "Request is too big", data: "Exceeded max limit of 1024" },
    });
    expect((await c.request("echo", ["ok"])).result).to.deep.equal(["ok"]);
  });

  it("answers an oversized response with -32008", async () => {
    const { url } = await start({ maxResponseSize: 1000 }, (s) => s.method("big", () => "é".repeat(600)));
    const c = await connect(url);
    expect((await c.request("big")).error).to.deep.equal({ code: -32008, message: "Response is too big", data: "Exceeded max limit of 1000" });
    expect((await c.request("echo", ["small"])).result).to.deep.equal(["small"]);
  });

  it("lets a slow handler not block later requests (responses out of order)", async () => {
    const { url } = await start();
    const c = await connect(url);
    const slow = c.request("delay", ["slow", 100]);
    const fast = c.request("delay", ["fast", 1]);
    const order: string[] = [];
    await Promise.all([slow.then((r) => order.push(r.result)), fast.then((r) => order.push(r.result))]);
    expect(order).to.deep.equal(["fast", "slow"]);
  });

  it("completes 100 pipelined requests", async () => {
    const { url } = await start();
    const c = await connect(url);
    const all = [];
    for (let i = 0; i < 100; i++) all.push(i % 2 === 0 ? c.request("delay", [i, (i * 7) % 13]) : c.request("echo", [i]));
    const res = await Promise.all(all);
    res.forEach((r, i) => expect(r.result, `request ${i}`).to.deep.equal(i % 2 === 0 ? i : [i]));
  });
});

describe("RpcServer: batches", () => {
  it("answers each element in order, with per-element errors, skipping notifications", async () => {
    const { url } = await start();
    const c = await connect(url);
    c.sendRaw(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "echo", params: [1] },
        { jsonrpc: "2.0", id: 2, method: "nope" },
        { jsonrpc: "2.0", method: "echo", params: [3] },
        1,
        { jsonrpc: "2.0", id: 5, method: "delay", params: ["late", 5] },
        { id: 6 },
      ]),
    );
    expect(await c.next()).to.deep.equal([
      { jsonrpc: "2.0", id: 1, result: [1] },
      { jsonrpc: "2.0", id: 2, error: { code: -32601, message: "Method not found" } },
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid request" } },
      { jsonrpc: "2.0", id: 5, result: "late" },
      { jsonrpc: "2.0", id: 6, error: { code: -32600, message: "Invalid request" } },
    ]);
  });

  it("answers an empty batch with a single -32600", async () => {
    const { url } = await start();
    const c = await connect(url);
    c.sendRaw("[]");
    expect(await c.next()).to.deep.equal({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid request" } });
  });

  it("sends nothing for a batch of notifications", async () => {
    const { url } = await start();
    const c = await connect(url);
    c.sendRaw('[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"echo"}]');
    expect((await c.request("echo", [0])).result).to.deep.equal([0]);
    expect(c.pending).to.have.length(0);
  });

  it("refuses a batch above maxBatchSize with -32010", async () => {
    const { url } = await start({ maxBatchSize: 2 });
    const c = await connect(url);
    const call = { jsonrpc: "2.0", id: 1, method: "echo" };
    c.sendRaw(JSON.stringify([call, call]));
    expect(await c.next()).to.have.length(2);
    c.sendRaw(JSON.stringify([call, call, call]));
    expect(await c.next()).to.deep.equal({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32010, message: "The batch request was too large", data: "Exceeded max limit of 2" },
    });
  });

  it("answers -32005 when batches are disabled", async () => {
    const { url } = await start({ batchRequests: false });
    const c = await connect(url);
    c.sendRaw('[{"jsonrpc":"2.0","id":1,"method":"echo"}]');
    expect(await c.next()).to.deep.equal({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32005, message: "Batched requests are not supported by this server" },
    });
  });

  it("answers -32011 when the batch response is too big", async () => {
    const { url } = await start({ maxResponseSize: 200 });
    const c = await connect(url);
    const call = { jsonrpc: "2.0", id: 1, method: "echo", params: ["x".repeat(60)] };
    c.sendRaw(JSON.stringify([call, call, call]));
    expect(await c.next()).to.deep.equal({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32011, message: "The batch response was too large", data: "Exceeded max limit of 200" },
    });
  });
});

describe("RpcServer: subscriptions", () => {
  interface Probe {
    sinks: SubscriptionSink[];
    cleaned: string[];
  }
  function withHeads(probe: Probe, opts: RpcServerOptions = {}) {
    return start(opts, (s) => {
      s.subscription(
        {
          subscribe: "chain_subscribeNewHeads",
          subscribeAliases: ["chain_subscribeNewHead", "subscribe_newHead"],
          notification: "chain_newHead",
          unsubscribe: "chain_unsubscribeNewHeads",
          unsubscribeAliases: ["chain_unsubscribeNewHead", "unsubscribe_newHead"],
        },
        (params, sink) => {
          probe.sinks.push(sink);
          sink.notify({ first: true, params: params.raw ?? null }); // queued behind the subscribe response
          return () => probe.cleaned.push(sink.id);
        },
      );
      s.subscription(
        { subscribe: "state_subscribeRuntimeVersion", notification: "state_runtimeVersion", unsubscribe: "state_unsubscribeRuntimeVersion" },
        async (_p, sink) => {
          await tick(5);
          probe.sinks.push(sink);
          return () => probe.cleaned.push(sink.id);
        },
      );
      s.subscription({ subscribe: "bad_subscribe", notification: "bad_n", unsubscribe: "bad_unsubscribe" }, (p) => {
        p.number(0);
      });
    });
  }

  it("sends the id first, then notifications; unsubscribe returns true then false and runs the cleanup", async () => {
    const probe: Probe = { sinks: [], cleaned: [] };
    const { url, server } = await withHeads(probe);
    const c = await connect(url);
    c.sendRaw('{"jsonrpc":"2.0","id":1,"method":"chain_subscribeNewHead","params":[]}');
    const first = await c.next();
    expect(first).to.include({ jsonrpc: "2.0", id: 1 });
    const subId = (first as Record<string, any>).result;
    expect(subId).to.match(/^[0-9A-Za-z]{16}$/);
    expect(await c.next()).to.deep.equal({
      jsonrpc: "2.0",
      method: "chain_newHead",
      params: { subscription: subId, result: { first: true, params: [] } },
    });
    probe.sinks[0]!.notify({ number: "0x1" });
    expect(await c.next()).to.deep.equal({ jsonrpc: "2.0", method: "chain_newHead", params: { subscription: subId, result: { number: "0x1" } } });
    // Another kind's unsubscribe does not end it.
    expect((await c.request("state_unsubscribeRuntimeVersion", [subId])).result).to.equal(false);
    expect((await c.request("chain_unsubscribeNewHead", [subId])).result).to.equal(true);
    expect(probe.cleaned).to.deep.equal([subId]);
    expect(probe.sinks[0]!.closed).to.equal(true);
    probe.sinks[0]!.notify({ number: "0x2" }); // no-op
    expect((await c.request("chain_unsubscribeNewHeads", [subId])).result).to.equal(false);
    expect((await c.request("chain_unsubscribeNewHeads", [])).result).to.equal(false);
    expect(c.pending).to.have.length(0);
    expect(server.methodNames()).to.include.members(["chain_subscribeNewHeads", "chain_unsubscribeNewHeads"]);
    expect(server.methodNames()).to.not.include("chain_subscribeNewHead");
  });

  it("supports async subscribe handlers and subscriptions inside a batch", async () => {
    const probe: Probe = { sinks: [], cleaned: [] };
    const { url } = await withHeads(probe);
    const c = await connect(url);
    c.sendRaw(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "state_subscribeRuntimeVersion", params: [] },
        { jsonrpc: "2.0", id: 2, method: "chain_subscribeNewHeads", params: [] },
      ]),
    );
    const batch = (await c.next()) as any[];
    expect(batch.map((r) => r.id)).to.deep.equal([1, 2]);
    const headsId = batch[1].result;
    const n = (await c.next()) as Record<string, any>;
    expect(n.method).to.equal("chain_newHead");
    expect(n.params.subscription).to.equal(headsId);
    probe.sinks.find((s) => s.id === batch[0].result)!.notify({ specVersion: 1 });
    expect(((await c.next()) as Record<string, any>).params).to.deep.equal({ subscription: batch[0].result, result: { specVersion: 1 } });
  });

  it("ends a subscription from the server side with sink.close()", async () => {
    const probe: Probe = { sinks: [], cleaned: [] };
    const { url } = await withHeads(probe);
    const c = await connect(url);
    const id = (await c.request("chain_subscribeNewHeads", [])).result;
    await c.next();
    probe.sinks[0]!.close();
    probe.sinks[0]!.close();
    expect(probe.cleaned).to.deep.equal([id]);
    expect((await c.request("chain_unsubscribeNewHeads", [id])).result).to.equal(false);
  });

  it("reports subscribe-handler errors and frees the slot", async () => {
    const probe: Probe = { sinks: [], cleaned: [] };
    const { url } = await withHeads(probe, { maxSubscriptionsPerConnection: 1 });
    const c = await connect(url);
    expect((await c.request("bad_subscribe", ["x"])).error.code).to.equal(-32602);
    expect((await c.request("chain_subscribeNewHeads", [])).result).to.be.a("string");
  });

  it("runs every cleanup when the connection closes", async () => {
    const probe: Probe = { sinks: [], cleaned: [] };
    const { url, server } = await withHeads(probe);
    const c = await connect(url);
    const a = (await c.request("chain_subscribeNewHeads", [])).result;
    const b = (await c.request("state_subscribeRuntimeVersion", [])).result;
    await c.close();
    for (let i = 0; i < 50 && probe.cleaned.length < 2; i++) await tick(5);
    expect(probe.cleaned.sort()).to.deep.equal([a, b].sort());
    expect(server.connectionCount).to.equal(0);
  });

  it("runs the cleanup of an async subscribe that finishes after the disconnect", async () => {
    const cleaned: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { url } = await start({}, (s) =>
      s.subscription({ subscribe: "slow_sub", notification: "slow_n", unsubscribe: "slow_unsub" }, async (_p, sink) => {
        await gate;
        return () => cleaned.push(sink.id);
      }),
    );
    const c = await connect(url);
    c.sendRaw('{"jsonrpc":"2.0","id":1,"method":"slow_sub"}');
    await tick();
    await c.close();
    await tick();
    release();
    await tick();
    expect(cleaned).to.have.length(1);
  });

  it("refuses subscriptions above the per-connection limit with -32006", async () => {
    const probe: Probe = { sinks: [], cleaned: [] };
    const { url } = await withHeads(probe, { maxSubscriptionsPerConnection: 2 });
    const c = await connect(url);
    const a = (await c.request("chain_subscribeNewHeads", [])).result;
    await c.request("chain_subscribeNewHeads", []);
    expect((await c.request("chain_subscribeNewHeads", [])).error).to.deep.equal({
      code: -32006,
      message: "Too many subscriptions on the connection",
      data: "Exceeded max limit of 2",
    });
    // The limit is per connection, and unsubscribing frees a slot.
    const d = await connect(url);
    expect((await d.request("chain_subscribeNewHeads", [])).result).to.be.a("string");
    await c.request("chain_unsubscribeNewHeads", [a]);
    expect((await c.request("chain_subscribeNewHeads", [])).result).to.be.a("string");
  });
});

describe("RpcServer: unsafe methods", () => {
  it("denies unsafe methods when methods=safe, with Substrate's -32601 message, and hides them", async () => {
    const { url, server } = await start({ methods: "safe" });
    const c = await connect(url);
    expect((await c.request("dangerous")).error).to.deep.equal({ code: -32601, message: "RPC call is unsafe to be called externally" });
    expect(server.methodNames()).to.not.include("dangerous");
    expect(server.unsafeAllowed).to.equal(false);
  });

  it("allows them when methods=unsafe, and for auto on a loopback address", async () => {
    for (const methods of ["unsafe", "auto"] as const) {
      const { url, server } = await start({ methods });
      const c = await connect(url);
      expect((await c.request("dangerous")).result, methods).to.equal("done");
      expect(server.methodNames(), methods).to.include("dangerous");
    }
  });
});

describe("RpcServer: HTTP", () => {
  it("serves POST calls, batches and notifications", async () => {
    const { httpUrl } = await start();
    let res = await post(httpUrl, '{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}');
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.equal("application/json; charset=utf-8");
    expect(await res.json()).to.deep.equal({ jsonrpc: "2.0", id: 1, result: 3 });
    res = await post(httpUrl, '[{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","id":2,"method":"delay","params":[2,1]}]');
    expect(await res.json()).to.deep.equal([
      { jsonrpc: "2.0", id: 1, result: null },
      { jsonrpc: "2.0", id: 2, result: 2 },
    ]);
    res = await post(httpUrl, '{"jsonrpc":"2.0","method":"echo"}');
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal("");
    res = await post(httpUrl, '{"jsonrpc":"2.0","id":1,', { "content-type": "application/json; charset=utf-8" });
    expect(await res.json()).to.deep.equal({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
  });

  it("refuses subscriptions over HTTP", async () => {
    const { httpUrl } = await start({}, (s) => s.subscription({ subscribe: "s_sub", notification: "s_n", unsubscribe: "s_unsub" }, () => {}));
    const res = await post(httpUrl, '{"jsonrpc":"2.0","id":1,"method":"s_sub","params":[]}');
    const body = (await res.json()) as any;
    expect(body.error.code).to.equal(-32603);
    expect(body.error.data).to.match(/not supported over HTTP/);
  });

  it("answers jsonrpsee's HTTP errors: 405, 415, 400, 413", async () => {
    const { httpUrl } = await start({ maxRequestSize: 100 });
    expect((await fetch(httpUrl)).status).to.equal(405);
    expect((await post(httpUrl, "{}", { "content-type": "text/plain" })).status).to.equal(415);
    const bad = await post(httpUrl, "hello");
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as any).error.code).to.equal(-32700);
    const big = await post(httpUrl, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "echo", params: ["x".repeat(200)] }));
    expect(big.status).to.equal(413);
    expect(((await big.json()) as any).error).to.deep.equal({ code: -32007, message: "Request is too big", data: "Exceeded max limit of 100" });
  });

  it("proxies GET /health to system_health", async () => {
    const { httpUrl } = await start({}, (s) => s.method("system_health", () => ({ peers: 0, isSyncing: false, shouldHavePeers: true })));
    const res = await fetch(httpUrl + "health");
    expect(await res.json()).to.deep.equal({ peers: 0, isSyncing: false, shouldHavePeers: true });
    expect((await fetch(httpUrl + "health/readiness")).status).to.equal(500);
  });
});

describe("RpcServer: CORS", () => {
  it("with a list: allows listed origins and origin-less clients, refuses others (WS and HTTP)", async () => {
    const { url, httpUrl } = await start({ cors: ["https://good.example", "http://localhost:*"] });
    expect(await upgradeStatus(url, { origin: "https://good.example" })).to.equal("open");
    expect(await upgradeStatus(url, { origin: "http://localhost:3000" })).to.equal("open");
    expect(await upgradeStatus(url)).to.equal("open");
    expect(await upgradeStatus(url, { origin: "https://evil.example" })).to.equal(403);
    expect(await upgradeStatus(url, { origin: "http://localhost.evil:3000" })).to.equal(403);

    const ok = await post(httpUrl, '{"jsonrpc":"2.0","id":1,"method":"echo"}', { origin: "https://good.example" });
    expect(ok.status).to.equal(200);
    expect(ok.headers.get("access-control-allow-origin")).to.equal("https://good.example");
    const denied = await post(httpUrl, '{"jsonrpc":"2.0","id":1,"method":"echo"}', { origin: "https://evil.example" });
    expect(denied.status).to.equal(403);

    const pre = await fetch(httpUrl, {
      method: "OPTIONS",
      headers: { origin: "https://good.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(pre.status).to.equal(200);
    expect(pre.headers.get("access-control-allow-origin")).to.equal("https://good.example");
    expect(pre.headers.get("access-control-allow-methods")).to.contain("POST");
    expect(pre.headers.get("access-control-allow-headers")).to.equal("content-type");
  });

  it("with all: allows any origin and answers *", async () => {
    const { url, httpUrl } = await start({ cors: "all" });
    expect(await upgradeStatus(url, { origin: "https://anything.example" })).to.equal("open");
    const res = await post(httpUrl, '{"jsonrpc":"2.0","id":1,"method":"echo"}', { origin: "https://anything.example" });
    expect(res.headers.get("access-control-allow-origin")).to.equal("*");
  });

  it("with null: refuses browser origins", async () => {
    const { url } = await start({ cors: null });
    expect(await upgradeStatus(url, { origin: "https://anything.example" })).to.equal(403);
    expect(await upgradeStatus(url)).to.equal("open");
  });
});

describe("RpcServer: connections", () => {
  it("refuses connections above maxConnections with HTTP 429", async () => {
    const { url, httpUrl, server } = await start({ maxConnections: 2 });
    await connect(url);
    await connect(url);
    expect(await upgradeStatus(url)).to.equal(429);
    expect((await post(httpUrl, '{"jsonrpc":"2.0","id":1,"method":"echo"}')).status).to.equal(429);
    expect(server.connectionCount).to.equal(2);
  });

  it("close() ends connections, runs cleanups and frees the port", async () => {
    const cleaned: string[] = [];
    const { url, server, port } = await start({}, (s) =>
      s.subscription({ subscribe: "x_sub", notification: "x_n", unsubscribe: "x_unsub" }, (_p, sink) => () => cleaned.push(sink.id)),
    );
    const c = await connect(url);
    await c.request("x_sub", []);
    await server.close();
    await c.closed;
    expect(cleaned).to.have.length(1);
    const again = new RpcServer();
    running.push(again);
    expect((await again.listen("127.0.0.1", port)).port).to.equal(port);
  });

  it("throws on duplicate method names", async () => {
    const s = new RpcServer();
    s.method("a", () => 1, { aliases: ["b"] });
    expect(() => s.method("b", () => 2)).to.throw(/already registered/);
    expect(() => s.subscription({ subscribe: "a", notification: "n", unsubscribe: "u" }, () => {})).to.throw(/already registered/);
  });
});
