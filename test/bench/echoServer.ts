/** A bare WebSocket JSON-RPC echo server (JSON.parse + stringify), the limit for RPC benchmarks. */
import { WebSocketServer } from "ws";

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("message", (d) => {
    const m = JSON.parse(String(d));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: m.params }));
  });
});
wss.on("listening", () => process.send!({ port: (wss.address() as { port: number }).port }));
