import assert from "node:assert/strict";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import { decodeDatagram } from "./codec.ts";
import { craft, type CraftedCommand } from "./_craft.ts";
import { UnsequencedWindow } from "./_incoming.ts";
import { SimNet } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

function setup(seed: number) {
  const net = new SimNet(seed);
  const server = net.add(S, { autoAccept: true });
  const client = net.add(C);
  const peer = client.host.connect(S, 3, 0, 0);
  assert.ok(net.run(2000, () => peer.connected && server.of("connect").length === 1));
  const inject = (cmds: CraftedCommand[]) => {
    net.inject(C, S, craft(peer.outgoingPeerId, 0, 1, cmds));
    net.run(net.now + 5);
  };
  const got = () => server.of("receive").map((e) => e.data[0]);
  return { net, server, client, peer, inject, got };
}

const unrel = (r: number, u: number, tag: number): CraftedCommand => ({
  command: EnetCommand.SEND_UNRELIABLE,
  channelId: 1,
  reliableSeq: r,
  unreliableSeq: u,
  payload: new Uint8Array([tag]),
});
const rel = (seq: number, tag: number): CraftedCommand => ({
  command: EnetCommand.SEND_RELIABLE,
  flags: 0x80,
  channelId: 1,
  reliableSeq: seq,
  payload: new Uint8Array([tag]),
});
const unseq = (group: number, tag: number): CraftedCommand => ({
  command: EnetCommand.SEND_UNSEQUENCED,
  flags: 0x40,
  channelId: 2,
  unsequencedGroup: group,
  payload: new Uint8Array([tag]),
});

Deno.test("delivery: unreliable sequenced data never goes backwards and waits for its reliable predecessor", () => {
  const { inject, got, server } = setup(1);
  inject([unrel(0, 5, 1)]);
  inject([unrel(0, 3, 2)]); // older: dropped
  inject([unrel(0, 5, 3)]); // duplicate: dropped
  inject([unrel(1, 1, 4)]); // needs reliable 1: held
  inject([unrel(1, 2, 5)]);
  assert.deepEqual(got(), [1]);
  inject([rel(1, 6)]);
  assert.deepEqual(got(), [1, 6, 4, 5]);
  inject([unrel(0, 9, 7)]); // from before reliable 1: stale
  inject([unrel(1, 2, 8)]); // already delivered
  inject([unrel(1, 7, 9)]);
  assert.deepEqual(got(), [1, 6, 4, 5, 9]);
  assert.deepEqual(server.of("receive").map((e) => e.flags), [0, 1, 0, 0, 0]);
});

Deno.test("delivery: reliable data is delivered once, in order, whatever the arrival order", () => {
  const { inject, got } = setup(2);
  inject([rel(3, 3), rel(2, 2)]);
  assert.deepEqual(got(), []);
  inject([rel(2, 2), rel(1, 1)]);
  assert.deepEqual(got(), [1, 2, 3]);
  inject([rel(1, 1), rel(3, 3), rel(4, 4)]);
  assert.deepEqual(got(), [1, 2, 3, 4]);
  inject([rel(7 * 4096 + 4, 99)]); // beyond the receive window: ignored
  inject([rel(5, 5)]);
  assert.deepEqual(got(), [1, 2, 3, 4, 5]);
});

Deno.test("delivery: unsequenced packets: duplicates and groups too far ahead are dropped", () => {
  const { inject, server } = setup(3);
  const tags = () => server.of("receive").filter((e) => e.channel === 2).map((e) => e.data[0]);
  inject([unseq(1, 1), unseq(1, 2), unseq(3, 3), unseq(2, 4)]);
  assert.deepEqual(tags(), [1, 3, 4]);
  inject([unseq(1025, 5)]); // the next 1024-window: it moves
  inject([unseq(3, 6)]); // behind the window now: dropped
  inject([unseq(1024 + 32 * 1024, 7)]); // 32 windows ahead: dropped
  inject([unseq(1025, 8), unseq(1030, 9)]);
  assert.deepEqual(tags(), [1, 3, 4, 5, 9]);
  assert.ok(
    server.of("receive").every((e) => e.channel !== 2 || e.flags === EnetPacketFlag.UNSEQUENCED),
  );
});

Deno.test("delivery: the unsequenced window itself", () => {
  const w = new UnsequencedWindow();
  assert.equal(w.accept(0), true);
  assert.equal(w.accept(0), false);
  assert.equal(w.accept(1023), true);
  assert.equal(w.accept(65535), false, "more than 32 windows ahead of 0 (wrapped)");
  assert.equal(w.accept(32767), true, "31 windows ahead");
  assert.equal(w.base, 31 * 1024);
  assert.equal(w.accept(100), false, "behind");
});

Deno.test("delivery: an unreliable packet whose sequence would pass 0xFFFF goes reliable", () => {
  const { net, server, peer } = setup(4);
  const kinds: number[] = [];
  net.tap = (from, _to, bytes) => {
    if (from !== C) return;
    for (const c of decodeDatagram(bytes)!.commands) if (c.channelId === 1) kinds.push(c.command);
  };
  for (let i = 0; i < 0xffff + 2; i++) {
    peer.send(1, new Uint8Array(1), 0, net.now);
    if (i % 1000 === 999) net.run(net.now + 2);
  }
  assert.ok(net.run(net.now + 2000, () => server.of("receive").length === 0xffff + 2));
  assert.equal(kinds.filter((k) => k === EnetCommand.SEND_UNRELIABLE).length, 0xffff + 1);
  assert.equal(kinds[0xffff], EnetCommand.SEND_RELIABLE);
  assert.equal(
    kinds[0xffff + 1],
    EnetCommand.SEND_UNRELIABLE,
    "the count restarts after a reliable one",
  );
});

Deno.test("delivery: an owner that stops reading applies backpressure; nothing is lost or reordered", () => {
  const net = new SimNet(5);
  const server = net.add(S, { autoAccept: true, maxInboundBytes: 20_000 });
  const client = net.add(C);
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(2000, () => peer.connected && server.of("connect").length === 1));
  server.polling = false;
  for (let i = 0; i < 200; i++) {
    peer.send(1, new Uint8Array(1000).fill(i & 255), EnetPacketFlag.RELIABLE, net.now);
  }
  net.run(net.now + 3000);
  const remote = server.of("connect")[0].peer;
  assert.ok(remote.stats().inboundBytes <= 20_000 + 1100, `${remote.stats().inboundBytes} waiting`);
  assert.ok(remote.stats().commandsDropped > 0, "refused while full");
  server.polling = true;
  assert.ok(net.run(net.now + 30_000, () => server.of("receive").length === 200));
  assert.deepEqual(server.of("receive").map((e) => e.data[0]), [...Array(200).keys()]);
  assert.equal(peer.state, "connected");
});
