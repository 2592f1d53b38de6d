// WebSocket clients that fail without a goodbye: silent with the socket open (dropped after
// timeoutMs, like a crashed UDP client), or with the socket gone (dropped at once).
import assert from "node:assert/strict";
import { DisconnectReason, type MultiplayerPeerBase } from "../mod.ts";
import { SilentWsClient } from "./helpers/faulty_clients.ts";
import { closeAll, pumpUntil, record, type Recorded } from "./helpers/udp_session.ts";
import { count, expectSilentDropped } from "./helpers/timeout_checks.ts";
import { startWsSession } from "./helpers/ws_session.ts";

type R = Recorded<MultiplayerPeerBase>;

async function joinSilent(all: R[], port: number, timeoutMs: number) {
  const a = record(new SilentWsClient());
  a.peer.timeoutMs = timeoutMs;
  await a.peer.connect(`ws://127.0.0.1:${port}/`);
  const others = all.length; // the server and the other clients
  await pumpUntil(
    [...all, a],
    () => count(a, "peer_connected") === others && count(all[1], "peer_connected") === others,
    5000,
    "a joins and is announced",
  );
  return a;
}

Deno.test("ws: a client that goes silent with its socket open is dropped after timeoutMs", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws"], timeoutMs: 800 });
  const a = await joinSilent(all, server.peer.localPort, 800);
  try {
    await expectSilentDropped({
      server,
      other: clients[0],
      silent: a,
      all,
      timeoutMs: 800,
      silence: () => a.peer.silent = true,
    });
  } finally {
    await closeAll([...all, a]);
  }
});

Deno.test("ws: a client whose socket closes without a goodbye is dropped at once", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws"], timeoutMs: 10_000 });
  const a = await joinSilent(all, server.peer.localPort, 10_000);
  try {
    const [b] = clients;
    const ida = a.peer.getUniqueId();
    const t0 = performance.now();
    await a.peer.dropSocket(); // no DISCONNECT: only the carrier knows
    await pumpUntil(all, () => count(b, "peer_disconnected") === 1, 3000, "b told");
    assert.ok(performance.now() - t0 < 2000, "well before timeoutMs");
    assert.deepEqual(
      server.events.filter((e) => e.type === "peer_disconnected"),
      [{ type: "peer_disconnected", id: ida, reason: DisconnectReason.CLOSED }],
    );
    assert.equal(b.events.find((e) => e.type === "peer_disconnected")!.id, ida);
  } finally {
    await closeAll([...all, a]);
  }
});
