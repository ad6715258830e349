// The JS reference server for `cargo xtask bench`: automerge-repo 2.5.6 as its own
// sync-server package runs it (a Repo with the Node WebSocket server adapter on an HTTP
// server's upgrade, file storage, sharePolicy false: it answers what it is asked, announces
// nothing), without the Express page.
//
//   node js-sync-server.mjs <data-dir> [port]
//
// Listens on 127.0.0.1 (port 0 or none: a free one) and prints `listening on 127.0.0.1:PORT`
// as its first line of standard output, as our sync-server does. SIGTERM stops it.
import http from "node:http";
import os from "node:os";
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

const [dataDir, portArg] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write("usage: node js-sync-server.mjs <data-dir> [port]\n");
  process.exit(2);
}

const wsServer = new WebSocketServer({ noServer: true });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end("automerge-repo sync server\n");
});
server.on("upgrade", (request, socket, head) => {
  wsServer.handleUpgrade(request, socket, head, (ws) => {
    wsServer.emit("connection", ws, request);
  });
});

const repo = new Repo({
  network: [new NodeWSServerAdapter(wsServer)],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: `storage-server-${os.hostname()}`,
  // Do not announce documents to peers; answer requests only.
  sharePolicy: async () => false,
});

// The Repo attaches its adapter to the WebSocket server only once its storage id is read;
// a client connecting before that would be lost, so listen only after.
while (wsServer.listenerCount("connection") === 0) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
server.listen(Number(portArg ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});

process.on("SIGTERM", async () => {
  wsServer.close();
  server.close();
  try {
    await repo.shutdown();
  } catch (error) {
    // automerge-repo 2.5.6 throws flushing a document it was asked for and never had.
    process.stderr.write(`js-sync-server: shutdown: ${error.message}\n`);
  }
  process.exit(0);
});
