/**
 * Congestion and flow control on the deterministic simulator (issue 3 "Must show"): a bulk
 * transfer through a 200 KB/s bottleneck with a competing 20 Hz unreliable stream, a 3 s outage
 * under load, a receiver that stops reading, and bandwidth caps. Failures print a replay command:
 * `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_congestion_test.ts`
 */
import { TransferMode } from "../protocol/constants.ts";
import type { InboundPacket } from "../protocol/host/types.ts";
import { type SimNode, Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";

const FILE = "tests/sim_congestion_test.ts";
const R = TransferMode.RELIABLE, U = TransferMode.UNRELIABLE;
const CAP = 200_000; // bytes/s

function stamp(size: number, value: number): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setFloat64(0, value);
  return b;
}
function readStamp(p: InboundPacket): number {
  return new DataView(p.data.buffer, p.data.byteOffset).getFloat64(0);
}

/** Keeps `node`'s reliable queue to the server topped up with `size`-byte messages. */
function bulk(sim: Simulation, node: SimNode, size: number, backlog: number, stop: () => boolean) {
  sim.every(5, () => {
    if (stop()) return false;
    const conn = node.host.peerConnection(1)!;
    while (conn.queuedBytes < backlog) sim.send(node, 1, new Uint8Array(size), R, 0);
  });
}

/** Sends a timestamped 100-byte unreliable message every 50 ms (a 20 Hz game state stream). */
function stream(sim: Simulation, node: SimNode, stop: () => boolean): { sent: number } {
  const s = { sent: 0 };
  sim.every(50, () => {
    if (stop()) return false;
    sim.send(node, 1, stamp(100, sim.now), U, 1);
    s.sent++;
  });
  return s;
}

function bottleneck(seed: number): void {
  const sim = new Simulation({
    seed,
    clients: 1,
    file: FILE,
    link: { latencyMs: 25, jitterMs: 2 },
    host: { channelCount: 2 },
  });
  sim.connectAll(2_000);
  const client = sim.clients[0], server = sim.server;
  const up = client.transport.localAddress, down = server.transport.localAddress;
  // a 200 KB/s bottleneck with a deep (250 ms) buffer, the kind that bloats RTT if overfilled
  sim.net.setLink(up, down, { bandwidthBytesPerSec: CAP, queueBytes: 50_000 });
  const start = sim.now, measureFrom = start + 5_000, end = start + 25_000;
  let goodput = 0, streamGot = 0, worstStream = 0;
  server.onPacket = (p) => {
    if (p.mode === R) {
      if (sim.now >= measureFrom) goodput += p.data.length;
    } else {
      streamGot++;
      worstStream = Math.max(worstStream, sim.now - readStamp(p));
    }
  };
  const over = () => sim.now >= end;
  bulk(sim, client, 1000, 256 * 1024, over);
  const s = stream(sim, client, over);
  let maxRtt = 0, maxQueue = 0;
  sim.every(100, () => {
    if (over()) return false;
    if (sim.now < measureFrom) return;
    maxRtt = Math.max(maxRtt, client.host.peerStats(1, sim.now).rttMs);
    maxQueue = Math.max(maxQueue, sim.net.link(up, down).queuedBytes(sim.now));
  });
  sim.runUntil(end);
  const rate = goodput / ((end - measureFrom) / 1000);
  sim.check(rate >= 0.8 * CAP, `goodput ${(rate / 1000).toFixed(1)} kB/s < 80% of 200 kB/s`);
  // base RTT 50 ms; the controller targets ~25 ms of queue plus a jitter allowance
  sim.check(maxRtt < 150, `smoothed RTT grew to ${maxRtt.toFixed(1)} ms (queue not bounded)`);
  sim.check(maxQueue < 30_000, `bottleneck queue reached ${maxQueue.toFixed(0)} bytes`);
  sim.check(streamGot >= s.sent - 3, `unreliable stream: ${streamGot} of ${s.sent} arrived`);
  // the peak comes in the bulk's slow start (~0.7 s in), when the queue is at its largest
  sim.check(worstStream < 300, `unreliable stream latency up to ${worstStream.toFixed(1)} ms`);
  const stats = client.host.peerStats(1, sim.now);
  sim.check(
    stats.sendRateBytesPerSec > 0.8 * CAP && stats.sendRateBytesPerSec < 1.3 * CAP,
    `send rate ${stats.sendRateBytesPerSec.toFixed(0)} B/s is not near the 200 kB/s cap`,
  );
}

Deno.test("sim congestion: 200 KB/s bottleneck, 50 ms RTT: goodput >= 80%, bounded delay, stream flows", async (t) => {
  for (const seed of simSeeds(3)) await t.step(`seed ${seed}`, () => bottleneck(seed));
});

function outageUnderLoad(seed: number): void {
  const sim = new Simulation({
    seed,
    clients: 1,
    file: FILE,
    link: { latencyMs: 25, jitterMs: 5 },
    host: { channelCount: 2, timeoutMs: 10_000 },
  });
  sim.connectAll(2_000);
  const client = sim.clients[0], server = sim.server;
  const up = client.transport.localAddress, down = server.transport.localAddress;
  sim.net.setLink(up, down, { bandwidthBytesPerSec: CAP, queueBytes: 50_000 });
  let next = 0, got = 0;
  server.onPacket = (p) => {
    if (p.mode !== R) return;
    const n = new DataView(p.data.buffer, p.data.byteOffset).getUint32(0);
    sim.check(n === got, `reliable #${n} arrived, expected #${got}`);
    got++;
  };
  const sendUntil = sim.now + 9_000;
  sim.every(10, () => {
    if (sim.now >= sendUntil) return false;
    for (let i = 0; i < 2; i++) { // 2 x 1000 B per 10 ms = 200 KB/s offered
      const b = new Uint8Array(1000);
      new DataView(b.buffer).setUint32(0, next++);
      sim.send(client, 1, b, R, 0);
    }
  });
  const from = sim.now + 2_000, until = from + 3_000;
  sim.net.link(up, down).setOutage(from, until);
  sim.net.link(down, up).setOutage(from, until);
  sim.runUntil(until);
  const during = client.host.peerStats(1, sim.now);
  sim.check(during.queuedBytes > 300_000, `backlog during the outage: ${during.queuedBytes} B`);
  const drained = sim.runFor(20_000, () => sim.now > sendUntil && got === next);
  sim.check(drained, `backlog not drained: ${got} of ${next} delivered`);
  const s = client.host.peerStats(1, sim.now);
  sim.check(s.retransmits > 0 && s.retransmitTimeouts > 0, `stats: ${JSON.stringify(s)}`);
  // at least the path's bandwidth-delay product (200 KB/s x 50 ms = 10 KB) again
  sim.check(s.congestionWindow >= 10_000, `window did not recover: ${s.congestionWindow}`);
  for (const node of sim.nodes) {
    const bad = node.events.filter((e) => e.type.endsWith("disconnected"));
    sim.check(bad.length === 0, () => `node ${node.index}: ${JSON.stringify(bad)}`);
  }
}

Deno.test("sim congestion: 3 s outage under load: no disconnect, backlog drains, window recovers", async (t) => {
  for (const seed of simSeeds(2, 10)) await t.step(`seed ${seed}`, () => outageUnderLoad(seed));
});

Deno.test("sim flow control: a receiver that stops reading bounds the sender's flight", () => {
  const sim = new Simulation({
    seed: simSeeds(1, 77)[0],
    clients: 1,
    file: FILE,
    link: { latencyMs: 20 },
    host: { maxInboundBytesPerPeer: 256 * 1024, maxInboundPacketsPerPeer: 4096 },
  });
  sim.connectAll(2_000);
  const client = sim.clients[0], server = sim.server;
  let got = 0;
  server.onPacket = () => void got++;
  server.paused = true; // the app stops reading
  let sent = 0;
  sim.every(5, () => {
    const conn = client.host.peerConnection(1)!;
    while (conn.queuedBytes < 512 * 1024 && sent < 2000) {
      sim.send(client, 1, new Uint8Array(1000), R, 0);
      sent++;
    }
    return sent < 2000 || got < 2000;
  });
  sim.runFor(5_000);
  const s = client.host.peerStats(1, sim.now);
  sim.check(
    server.host.inboundBytes <= 256 * 1024,
    `inbound queue ${server.host.inboundBytes} B over its bound`,
  );
  // the advertised window (not loss) holds the sender back: few refused datagrams
  sim.check(
    s.bytesInFlight <= 64 * 1024,
    `in flight while the receiver is full: ${s.bytesInFlight}`,
  );
  // only the one-datagram probes of a zero window (with RTO backoff) are refused
  sim.check(s.packetsLost < 80, `${s.packetsLost} datagrams refused/lost while blocked`);
  server.paused = false;
  sim.touch(server);
  const done = sim.runFor(
    20_000,
    () => got === 2000 && client.host.peerConnection(1)!.queuedBytes === 0,
  );
  sim.check(done, `after resuming: ${got} of 2000 delivered`);
});

Deno.test("sim bandwidth caps: the receiver's inBandwidth and the sender's outBandwidth pace it", () => {
  for (const [side, cap] of [["in", 50_000], ["out", 80_000]] as const) {
    const sim = new Simulation({
      seed: simSeeds(1, 5)[0],
      clients: 1,
      file: FILE,
      link: { latencyMs: 10 },
      server: side === "in" ? { inBandwidth: cap } : {},
      host: side === "out" ? { outBandwidth: cap } : {},
    });
    sim.connectAll(2_000);
    const client = sim.clients[0];
    let bytes = 0;
    sim.server.onPacket = (p) => {
      if (sim.now > 2_000) bytes += p.data.length;
    };
    bulk(sim, client, 1000, 128 * 1024, () => sim.now > 12_000);
    sim.runUntil(12_000);
    const rate = bytes / 10;
    sim.check(
      rate > 0.75 * cap && rate <= 1.05 * cap,
      `${side}Bandwidth ${cap}: measured ${rate.toFixed(0)} B/s`,
    );
  }
});
