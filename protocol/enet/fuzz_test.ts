import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import { craft } from "./_craft.ts";
import type { EnetPeer } from "./peer.ts";
import { SimNet } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

function invariants(p: EnetPeer, where: string): void {
  const s = p.stats();
  for (
    const key of [
      "queuedBytes",
      "inboundBytes",
      "heldBytes",
      "reassemblyBytes",
      "bytesInFlight",
    ] as const
  ) {
    assert.ok(s[key] >= 0, `${where}: ${key} = ${s[key]}`);
  }
  assert.ok(s.reassemblyBytes <= 16 * 1024 * 1024 + 8 * 1024 * 1024, where);
}

function setup(seed: number) {
  const net = new SimNet(seed);
  const server = net.add(S, { autoAccept: true });
  const client = net.add(C);
  const peer = client.host.connect(S, 3, 0, 0);
  assert.ok(net.run(2000, () => peer.connected && server.of("connect").length === 1));
  // real traffic to mutate
  const recorded: Uint8Array[] = [];
  net.tap = (from, _to, bytes) => from === C && recorded.push(bytes.slice());
  for (let i = 0; i < 20; i++) {
    peer.send(i % 3, new Uint8Array(50 + i * 150).fill(i), [0, 1, 2, 8][i % 4], net.now);
    net.run(net.now + 5);
  }
  net.tap = () => {};
  return { net, server, client, peer, remote: server.of("connect")[0].peer, recorded };
}

Deno.test("fuzz: random datagrams from strangers change nothing and never throw", () => {
  const { net, server, remote } = setup(1);
  const rng = new SeededRandom(99);
  const receivedBefore = server.of("receive").length;
  for (let i = 0; i < 3000; i++) {
    const bytes = rng.fill(new Uint8Array(Math.floor(rng.next() * 1500)));
    if (i % 3 === 0 && bytes.length >= 2) bytes[1] = remote.incomingPeerId; // aim at the live slot
    if (i % 3 === 0) bytes[0] &= 0xf0;
    net.inject({ hostname: `203.0.113.${i % 200}`, port: 1 + (i % 7) }, S, bytes);
  }
  net.run(net.now + 50);
  assert.equal(remote.state, "connected");
  assert.equal(server.of("receive").length, receivedBefore);
  assert.ok(server.host.peers.length <= 17, "random CONNECT-looking junk stays bounded");
  invariants(remote, "strangers");
});

Deno.test("fuzz: mutated and random commands from the peer's own address never throw", () => {
  for (let seed = 1; seed <= 6; seed++) {
    const { net, server, remote, peer, recorded } = setup(seed);
    const rng = new SeededRandom(seed * 7919);
    const start = performance.now();
    for (let i = 0; i < 1500; i++) {
      let bytes: Uint8Array;
      const pick = rng.nextU32() % 4;
      if (pick === 0) {
        // a real datagram with a few bytes changed (header kept so it reaches the commands)
        bytes = recorded[rng.nextU32() % recorded.length].slice();
        for (let k = 0; k < 1 + (rng.nextU32() % 4); k++) {
          const at = 2 + (rng.nextU32() % Math.max(1, bytes.length - 2));
          bytes[at] = rng.nextU32() & 255;
        }
      } else if (pick === 1) {
        // truncated real datagram
        const real = recorded[rng.nextU32() % recorded.length];
        bytes = real.slice(0, rng.nextU32() % (real.length + 1));
      } else {
        // well-formed header, random well-sized commands with random fields
        const cmds = [];
        for (let k = 0; k < 1 + (rng.nextU32() % 5); k++) {
          cmds.push({
            command: 1 + (rng.nextU32() % 12),
            flags: [0, 0x80, 0x40][rng.nextU32() % 3],
            channelId: [0, 1, 2, 3, 0xff, rng.nextU32() & 255][rng.nextU32() % 6],
            reliableSeq: rng.nextU32() & 0xffff,
            receivedReliableSeq: rng.nextU32() & 0xffff,
            receivedSentTime: rng.nextU32() & 0xffff,
            unreliableSeq: rng.nextU32() & 0xffff,
            unsequencedGroup: rng.nextU32() & 0xffff,
            startSeq: rng.nextU32() & 0xffff,
            fragmentCount: rng.nextU32() % 8,
            fragmentNumber: rng.nextU32() % 8,
            totalLength: rng.nextU32() % 20000,
            fragmentOffset: rng.nextU32() % 20000,
            incomingBandwidth: rng.nextU32(),
            outgoingBandwidth: rng.nextU32(),
            data: rng.nextU32(),
            throttleInterval: 5000,
            throttleAcceleration: 2,
            throttleDeceleration: 2,
            payload: rng.fill(new Uint8Array(rng.nextU32() % 300)),
          });
        }
        if (rng.next() < 0.9) {
          for (const c of cmds) {
            if (c.command === EnetCommand.DISCONNECT) c.command = EnetCommand.PING;
          }
        }
        bytes = craft(
          peer.outgoingPeerId,
          0,
          rng.next() < 0.8 ? rng.nextU32() & 0xffff : undefined,
          cmds,
        );
      }
      net.inject(C, S, bytes);
      if (i % 50 === 0) {
        net.run(net.now + 2);
        invariants(remote, `seed ${seed} step ${i}`);
        if (remote.connected && i % 200 === 0) {
          remote.send(1, new Uint8Array(10), EnetPacketFlag.RELIABLE, net.now);
        }
      }
    }
    net.run(net.now + 100);
    invariants(remote, `seed ${seed}`);
    assert.ok(performance.now() - start < 5000, `seed ${seed} took too long`);
    assert.ok(server.host.peers.length <= 1);
  }
});
