// Records the frames the real npm automerge-repo client and server exchange, as CBOR files,
// so the Rust codec is tested against bytes the JS implementation really writes.
//
//   node capture-wire-fixtures.mjs <out-dir>
//
// Run by hand when upgrading @automerge/automerge-repo; the output is committed under
// shared-model/tests/fixtures/wire/.
import { mkdirSync, writeFileSync } from "node:fs";
import { WebSocketServer, WebSocket } from "ws";
import { Repo, cbor } from "@automerge/automerge-repo";
import { WebSocketClientAdapter, NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";

const outDir = process.argv[2];
mkdirSync(outDir, { recursive: true });
const seen = new Set();
function record(direction, bytes) {
  const buf = Buffer.from(bytes);
  const type = cbor.decode(new Uint8Array(buf)).type;
  const name = `${direction}-${type}`;
  if (seen.has(name)) return;
  seen.add(name);
  writeFileSync(`${outDir}/${name}.cbor`, buf);
}

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (socket) => {
  socket.on("message", (data) => record("client", data));
  const send = socket.send.bind(socket);
  socket.send = (data, ...rest) => {
    record("server", data);
    return send(data, ...rest);
  };
});
await new Promise((r) => wss.on("listening", r));
const url = `ws://127.0.0.1:${wss.address().port}`;
const server = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  peerId: "storage-server-fixture",
  sharePolicy: async () => false,
});

const client = new Repo({ network: [new WebSocketClientAdapter(url, 200)], peerId: "client-fixture" });
const handle = client.create({ reception_number: "12" });
handle.change((d) => (d.applicant = { name: "高崎 花子" }));
await new Promise((r) => setTimeout(r, 500));
handle.broadcast({ cursor: 3 });
try {
  await client.find("automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ");
} catch {}
await new Promise((r) => setTimeout(r, 300));

// A join that speaks only an unknown version gets the error message.
const raw = new WebSocket(url);
await new Promise((r) => raw.on("open", r));
raw.send(cbor.encode({ type: "join", senderId: "future-client", peerMetadata: {}, supportedProtocolVersions: ["2"] }));
await new Promise((r) => setTimeout(r, 300));

console.log([...seen].sort().join("\n"));
process.exit(0);
