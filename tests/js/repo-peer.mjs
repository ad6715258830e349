// A real npm automerge-repo client, driven by the Rust interop tests.
//
//   node repo-peer.mjs create <ws-url> <json-object>   -> prints {"url", "heads"} once the server has it
//   node repo-peer.mjs fetch  <ws-url> <automerge-url> -> prints {"heads", "doc"}; exit 2 if unavailable
//   node repo-peer.mjs edit   <ws-url> <automerge-url> <key> <value> -> prints {"heads"} once synced
//
// Heads are printed as hex change hashes, as the Rust automerge crate shows them.
// REPO_PEER_ID, when set, is the peer id the client joins with (a tab that reconnects keeps
// its own); otherwise automerge-repo picks a random one.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import * as A from "@automerge/automerge";

const [command, wsUrl, ...args] = process.argv.slice(2);
const TIMEOUT_MS = 15000;

function fail(message, code = 1) {
  process.stderr.write(`repo-peer ${command}: ${message}\n`);
  process.exit(code);
}

setTimeout(() => fail(`timed out after ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();

const adapter = new WebSocketClientAdapter(wsUrl, 500);
const repo = new Repo({ network: [adapter], peerId: process.env.REPO_PEER_ID || undefined });

async function serverStorageId() {
  for (;;) {
    for (const meta of Object.values(repo.peerMetadataByPeerId)) {
      if (meta.storageId) return meta.storageId;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Resolves once the server has told us, through sync, that it holds exactly our heads.
async function whenServerHas(handle) {
  const storageId = await serverStorageId();
  for (;;) {
    const info = handle.getSyncInfo(storageId);
    const mine = handle.heads();
    if (info && info.lastHeads.length === mine.length && mine.every((h) => info.lastHeads.includes(h))) {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const hexHeads = (handle) => A.getHeads(handle.doc()).sort();

function done(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

if (command === "create") {
  const initial = JSON.parse(args[0] ?? "{}");
  const handle = repo.create(initial);
  handle.change((d) => {
    d.createdBy = "npm automerge-repo";
  });
  await whenServerHas(handle);
  done({ url: handle.url, heads: hexHeads(handle) });
} else if (command === "fetch") {
  let handle;
  try {
    handle = await repo.find(args[0]);
  } catch (e) {
    fail(`unavailable: ${e.message}`, 2);
  }
  done({ heads: hexHeads(handle), doc: handle.doc() });
} else if (command === "edit") {
  const [url, key, value] = args;
  const handle = await repo.find(url);
  handle.change((d) => {
    d[key] = value;
  });
  await whenServerHas(handle);
  done({ heads: hexHeads(handle), doc: handle.doc() });
} else {
  fail(`unknown command ${command}`);
}
