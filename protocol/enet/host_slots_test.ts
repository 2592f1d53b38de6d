import assert from "node:assert/strict";
import { EnetPacketFlag } from "./constants.ts";
import type { EnetPeer } from "./peer.ts";
import { SimNet } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 1 };

Deno.test("host slots: peers joining and leaving a 1100-slot table all keep being served", () => {
  const net = new SimNet(11);
  const server = net.add(S, { autoAccept: true, peerLimit: 1100 });
  // the server echoes every packet to its sender
  server.onEvent = (e, now) => {
    if (e.type === "receive") e.peer.send(1, e.data, EnetPacketFlag.RELIABLE, now);
  };
  const clients = new Map<number, { peer: EnetPeer; node: ReturnType<SimNet["add"]> }>();
  const join = (n: number) => {
    const node = net.add({ hostname: "10.1.0." + n, port: 1000 + n });
    const peer = node.host.connect(S, 2, n, net.now);
    clients.set(n, { peer, node });
  };
  for (let n = 0; n < 20; n++) join(n);
  assert.ok(net.run(net.now + 5000, () => server.of("connect").length === 20));
  // every other one leaves (its slot is freed once the server took the disconnect event)
  for (let n = 0; n < 20; n += 2) {
    clients.get(n)!.peer.disconnect(0, net.now);
    clients.delete(n);
  }
  assert.ok(net.run(net.now + 5000, () => server.of("disconnect").length === 10));
  net.run(net.now + 100);
  assert.equal(server.host.peers.length, 10);
  assert.equal(server.host.connectedPeers, 10);
  for (let n = 20; n < 26; n++) join(n);
  assert.ok(net.run(net.now + 5000, () => server.of("connect").length === 26));
  assert.equal(server.host.peers.length, 16);
  // freed slots are reused, lowest first
  const slots = server.of("connect").slice(20).map((e) => e.peer.incomingPeerId);
  assert.deepEqual(slots, [0, 2, 4, 6, 8, 10]);
  for (const [n, c] of clients) {
    c.peer.send(1, new Uint8Array([n]), EnetPacketFlag.RELIABLE, net.now);
  }
  assert.ok(
    net.run(net.now + 2000, () => [...clients.values()].every((c) => c.node.of("receive").length)),
  );
  for (const [n, c] of clients) assert.deepEqual([...c.node.of("receive")[0].data], [n]);
  // idle: the server's next timer is one of its peers' (a ping), not a stale slot's
  const next = server.host.pollTimeout();
  assert.ok(next > net.now && next <= net.now + 500, `next timer ${next - net.now} ms ahead`);
});
