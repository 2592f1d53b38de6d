import assert from "node:assert/strict";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import { craft } from "./_craft.ts";
import { SimNet } from "./_sim.ts";
import { deriveFragmentSize } from "./_incoming.ts";
import { DecodedCommand } from "./codec.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

function setup(seed: number, serverOptions = {}) {
  const net = new SimNet(seed);
  const server = net.add(S, { autoAccept: true, ...serverOptions });
  const client = net.add(C);
  const peer = client.host.connect(S, 3, 0, 0);
  assert.ok(net.run(2000, () => peer.connected && server.of("connect").length === 1));
  const remote = server.of("connect")[0].peer;
  /** Sends crafted commands to the server as if from the client (first session on a slot: 0). */
  const inject = (cmds: Parameters<typeof craft>[3], sentTime: number | undefined = 1) =>
    net.inject(C, S, craft(peer.outgoingPeerId, 0, sentTime, cmds));
  return { net, server, client, peer, remote, inject };
}

const pattern = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (seed + i * 13) & 255);

Deno.test("fragments: 5000 B reliable and 3000 B unreliable (both kinds) arrive whole", () => {
  const { net, server, peer } = setup(1);
  const now = net.now;
  peer.send(1, pattern(5000, 1), EnetPacketFlag.RELIABLE, now);
  peer.send(2, pattern(3000, 2), EnetPacketFlag.UNRELIABLE_FRAGMENT, now);
  peer.send(2, pattern(3000, 3), 0, now);
  peer.send(0, pattern(1372, 4), 0, now); // exactly one fragment's worth: not fragmented
  assert.ok(net.run(now + 500, () => server.of("receive").length === 4));
  const got = server.of("receive");
  assert.deepEqual(got.map((e) => [e.channel, e.flags, e.data.length]), [
    [1, 1, 5000],
    [2, 8, 3000],
    [2, 1, 3000],
    [0, 0, 1372],
  ]);
  assert.deepEqual(got[0].data, pattern(5000, 1));
  assert.deepEqual(got[1].data, pattern(3000, 2));
  assert.deepEqual(got[2].data, pattern(3000, 3));
});

Deno.test("fragments: fragment size is mtu - 28 and big packets survive loss and reordering", () => {
  const net = new SimNet(2);
  net.profile = { delay: 10, jitter: 20, loss: 0.2, duplicate: 0.1 };
  const server = net.add(S, { autoAccept: true });
  const client = net.add(C, { mtu: 1000 });
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(20_000, () => peer.connected && server.of("connect").length === 1));
  assert.equal(peer.mtu, 1000);
  const sizes: number[] = [];
  net.tap = (from, _to, bytes) => from === C && sizes.push(bytes.length);
  const big = pattern(200_000, 5);
  peer.send(1, big, EnetPacketFlag.RELIABLE, net.now);
  assert.ok(net.run(net.now + 60_000, () => server.of("receive").length === 1));
  assert.deepEqual(server.of("receive")[0].data, big);
  assert.ok(Math.max(...sizes) <= 1000, `largest datagram ${Math.max(...sizes)}`);
});

Deno.test("fragments: inconsistent, overlapping or out-of-range fragments are refused (no ack)", () => {
  const { net, server, remote, inject } = setup(3);
  const base = {
    command: EnetCommand.SEND_FRAGMENT,
    flags: 0x80,
    channelId: 1,
    startSeq: 1,
    fragmentCount: 3,
    totalLength: 2500,
  };
  const bad = [
    { ...base, reliableSeq: 1, fragmentNumber: 3, fragmentOffset: 0, payload: pattern(1000, 0) }, // number >= count
    { ...base, reliableSeq: 1, fragmentNumber: 0, fragmentOffset: 2500, payload: pattern(10, 0) }, // offset >= total
    { ...base, reliableSeq: 1, fragmentNumber: 0, fragmentOffset: 2000, payload: pattern(1000, 0) }, // overruns total
    { ...base, reliableSeq: 2, fragmentNumber: 0, fragmentOffset: 0, payload: pattern(1000, 0) }, // seq != start + number
    { ...base, reliableSeq: 1, fragmentNumber: 0, fragmentOffset: 0, payload: pattern(0, 0) }, // empty
    { ...base, reliableSeq: 1, fragmentNumber: 0, fragmentOffset: 0, payload: pattern(500, 0) }, // 3 x 500 < 2500
    {
      ...base,
      reliableSeq: 1,
      fragmentNumber: 0,
      fragmentOffset: 0,
      fragmentCount: 1 << 21,
      totalLength: 1 << 22,
      payload: pattern(4, 0),
    },
    {
      ...base,
      reliableSeq: 1,
      fragmentNumber: 0,
      fragmentOffset: 0,
      totalLength: 9 << 20,
      payload: pattern(1000, 0),
    }, // > maxPacketSize
  ];
  const dropsBefore = remote.stats().commandsDropped;
  for (const cmd of bad) inject([cmd]);
  net.run(net.now + 50);
  assert.equal(remote.stats().commandsDropped - dropsBefore, bad.length);
  assert.equal(server.of("receive").length, 0);
  // a valid group; then a fragment contradicting it (other total / other layout) is refused
  inject([{
    ...base,
    reliableSeq: 1,
    fragmentNumber: 0,
    fragmentOffset: 0,
    payload: pattern(1000, 1),
  }]);
  inject([{
    ...base,
    reliableSeq: 2,
    fragmentNumber: 1,
    fragmentOffset: 1000,
    totalLength: 2600,
    payload: pattern(1000, 1),
  }]);
  inject([{
    ...base,
    reliableSeq: 2,
    fragmentNumber: 1,
    fragmentOffset: 900,
    payload: pattern(1000, 1),
  }]);
  net.run(net.now + 50);
  assert.equal(remote.stats().commandsDropped - dropsBefore, bad.length + 2);
  assert.ok(remote.stats().reassemblyBytes >= 2500);
  const whole = pattern(2500, 7);
  inject([
    {
      ...base,
      reliableSeq: 2,
      fragmentNumber: 1,
      fragmentOffset: 1000,
      payload: whole.slice(1000, 2000),
    },
    {
      ...base,
      reliableSeq: 3,
      fragmentNumber: 2,
      fragmentOffset: 2000,
      payload: whole.slice(2000),
    },
    {
      ...base,
      reliableSeq: 1,
      fragmentNumber: 0,
      fragmentOffset: 0,
      payload: whole.slice(0, 1000),
    },
  ]);
  net.run(net.now + 50);
  assert.equal(server.of("receive").length, 1);
  // fragment 0 came first (pattern seed 1), its duplicate later is ignored: the group keeps the first copy
  assert.deepEqual(server.of("receive")[0].data.slice(1000), whole.slice(1000));
  assert.equal(remote.stats().reassemblyBytes, 0);
});

Deno.test("fragments: reassembly bytes are bounded per peer; unreliable ones expire", () => {
  const { net, server, remote, inject } = setup(4, {
    maxReassemblyBytes: 10_000,
    unreliableFragmentTimeoutMs: 1000,
  });
  const frag = (
    seq: number,
    start: number,
    total: number,
    cmd: number = EnetCommand.SEND_FRAGMENT,
  ) => ({
    command: cmd,
    flags: cmd === EnetCommand.SEND_FRAGMENT ? 0x80 : 0,
    channelId: 1,
    reliableSeq: seq,
    startSeq: start,
    fragmentCount: 2,
    fragmentNumber: 0,
    fragmentOffset: 0,
    totalLength: total,
    payload: pattern(Math.ceil(total / 2), 0),
  });
  // out-of-order groups (start 3, 5, 7) fill the bound; the next is refused
  inject([frag(3, 3, 4000)]);
  inject([frag(5, 5, 4000)]);
  inject([frag(7, 7, 4000)]);
  net.run(net.now + 20);
  assert.equal(remote.stats().reassemblyBytes, 8000);
  // the in-order group (start 1) may exceed the per-peer bound: it unblocks delivery
  inject([frag(1, 1, 4000)]);
  net.run(net.now + 20);
  assert.equal(remote.stats().reassemblyBytes, 12000);
  // unreliable fragments: dropped when over the bound, expire after the timeout
  const { net: net2, remote: remote2, inject: inject2 } = setup(5, {
    unreliableFragmentTimeoutMs: 1000,
  });
  inject2([frag(0, 1, 3000, EnetCommand.SEND_UNRELIABLE_FRAGMENT)]);
  net2.run(net2.now + 20);
  assert.equal(remote2.stats().reassemblyBytes, 3000);
  net2.run(net2.now + 1500);
  assert.equal(remote2.stats().reassemblyBytes, 0);
  assert.equal(server.of("receive").length, 0);
});

Deno.test("fragments: the fragment size is derived from whichever fragment comes first", () => {
  const c = new DecodedCommand();
  Object.assign(c, {
    fragmentCount: 4,
    totalLength: 5000,
    fragmentNumber: 3,
    fragmentOffset: 4116,
    dataLength: 884,
  });
  assert.equal(deriveFragmentSize(c), 1372);
  Object.assign(c, { fragmentNumber: 1, fragmentOffset: 1372, dataLength: 1372 });
  assert.equal(deriveFragmentSize(c), 1372);
  Object.assign(c, { fragmentNumber: 1, fragmentOffset: 1000, dataLength: 1372 });
  assert.equal(deriveFragmentSize(c), 0);
  Object.assign(c, { fragmentNumber: 3, fragmentOffset: 4116, dataLength: 800 });
  assert.equal(deriveFragmentSize(c), 0, "last fragment too short");
});
