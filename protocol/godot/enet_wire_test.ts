import assert from "node:assert/strict";
import { Host } from "../host/host.ts";
import { SeededRandom } from "../random.ts";
import { TransferMode } from "../constants.ts";
import type { PeerAddress } from "../address.ts";
import { godotEnetWire } from "./enet_wire.ts";

const noNative = () => {
  throw new Error("no native clients here");
};

// Two hosts on a lossless 1 ms link, stepped by hand.
function pair(maxInboundPacketsPerPeer: number) {
  const server = new Host({
    role: "server",
    channelCount: 2,
    maxInboundPacketsPerPeer,
    random: new SeededRandom(1),
    createConnection: noNative,
    wires: { udp: godotEnetWire({ channelCount: 3 }) },
  });
  const client = new Host({
    role: "client",
    channelCount: 2,
    random: new SeededRandom(2),
    createConnection: noNative,
    wires: { udp: godotEnetWire({ channelCount: 3 }) },
  });
  const at: Record<string, PeerAddress> = {
    server: { hostname: "10.0.0.1", port: 7000 },
    client: { hostname: "10.0.0.2", port: 5000 },
  };
  let flight: { at: number; to: Host; from: PeerAddress; bytes: Uint8Array }[] = [];
  const step = (now: number) => {
    const due = flight.filter((f) => f.at <= now);
    flight = flight.filter((f) => f.at > now);
    for (const f of due) f.to.handleDatagram(f.bytes, f.from, now);
    for (
      const [host, from, to] of [[server, at.server, client], [client, at.client, server]] as const
    ) {
      const t = host.pollTimeout();
      if (t !== undefined && t <= now) host.handleTimeout(now);
      for (let tx = host.pollTransmit(now); tx; tx = host.pollTransmit(now)) {
        flight.push({ at: now + 1, to, from, bytes: tx.bytes.slice() });
      }
    }
  };
  client.connect(at.server, 0);
  return { server, client, step };
}

Deno.test("godot enet wire: reliable packets a full inbound queue refused wait, none is lost", () => {
  const { server, client, step } = pair(64);
  let now = 0;
  for (; client.status !== 2 && now < 1000; now++) step(now);
  assert.equal(client.status, 2);
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const p = new Uint8Array(32);
    new DataView(p.buffer).setUint32(0, i, true);
    client.send(1, p, TransferMode.RELIABLE, 0, now);
  }
  // the application reads nothing for a while: 64 packets fit, the rest must wait
  for (const end = now + 200; now < end; now++) step(now);
  assert.equal(server.inboundCount, 64);
  const got: number[] = [];
  for (const end = now + 5000; now < end && got.length < n; now++) {
    step(now);
    for (let d = server.pollPacketData(); d; d = server.pollPacketData()) {
      got.push(new DataView(d.buffer, d.byteOffset).getUint32(0, true));
    }
  }
  assert.equal(got.length, n);
  assert.ok(got.every((v, i) => v === i), "exactly once, in order");
});
