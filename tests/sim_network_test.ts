/**
 * Congestion and statistics on the virtual network (issue 3 "Must show"): a bulk sender behind
 * a 200 KB/s bottleneck, and stats checked against the simulator's truth. Replay one seed with
 * `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_network_test.ts`
 */
import { TransferMode } from "../protocol/constants.ts";
import { Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";
import { probeStats } from "./sim/stats_probe.ts";

const FILE = "tests/sim_network_test.ts";
const CAP = 200_000; // bytes per second
const BULK = 1000; // bytes per bulk packet

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function stamp(data: Uint8Array, at: number): void {
  new DataView(data.buffer, data.byteOffset).setFloat64(0, at);
}

function stampOf(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(0);
}

Deno.test("sim bottleneck: 200 KB/s, 50 ms RTT: goodput >= 80%, bounded delay, 20 Hz stream flows", async (t) => {
  for (const seed of simSeeds(3, 300)) {
    await t.step(`seed ${seed}`, () => {
      const sim = new Simulation({ seed, clients: 1, file: FILE, link: { latencyMs: 25 } });
      const [client] = sim.clients;
      const up = sim.net.link(client.transport.localAddress, sim.server.transport.localAddress);
      up.configure({ bandwidthBytesPerSec: CAP });
      sim.connectAll(5_000);
      const from = sim.now + 10_000, until = from + 20_000;
      let bulkBytes = 0, streamSent = 0;
      const streamDelays: number[] = [], rtts: number[] = [];
      sim.server.onPacket = (p) => {
        if (p.channel === 0 && sim.now >= from && sim.now < until) bulkBytes += p.data.length;
        if (p.channel === 1) {
          const sentAt = stampOf(p.data);
          if (sentAt >= from && sentAt < until) streamDelays.push(sim.now - sentAt);
        }
      };
      // the bulk sender keeps 128 KiB queued: as much as the protocol lets it have
      sim.every(2, () => {
        const conn = client.host.peerConnection(1);
        if (!conn) return false;
        for (let i = 0; i < 64 && conn.queuedBytes < 128 * 1024; i++) {
          sim.send(client, 1, new Uint8Array(BULK), TransferMode.RELIABLE, 0);
        }
        return sim.now < until;
      });
      sim.every(50, () => {
        const data = new Uint8Array(64);
        stamp(data, sim.now);
        if (sim.now >= from && sim.now < until) streamSent++;
        sim.send(client, 1, data, TransferMode.UNRELIABLE_ORDERED, 1);
        return sim.now < until;
      });
      sim.every(100, () => {
        if (sim.now >= from && sim.now < until) {
          rtts.push(probeStats(client.host, 1, sim.now)!.rttMs);
        }
        return sim.now < until;
      });
      sim.runUntil(until + 2_000);
      const goodput = bulkBytes / ((until - from) / 1000);
      const rttP95 = percentile(rtts, 0.95), streamP95 = percentile(streamDelays, 0.95);
      const summary = `goodput ${(goodput / 1000).toFixed(1)} kB/s of ${CAP / 1000}, ` +
        `rtt p95 ${rttP95.toFixed(0)} ms, stream ${streamDelays.length}/${streamSent} ` +
        `p95 ${streamP95.toFixed(0)} ms, link queue drops ${up.stats.droppedQueue}`;
      sim.check(goodput >= 0.8 * CAP, `goodput below 80% of the cap: ${summary}`);
      sim.check(rttP95 <= 250, `queueing delay not bounded (RTT p95 > 250 ms): ${summary}`);
      sim.check(streamDelays.length >= 0.9 * streamSent, `20 Hz stream starved: ${summary}`);
      sim.check(streamP95 <= 250, `20 Hz stream delayed: ${summary}`);
    });
  }
});

Deno.test("sim stats: RTT within 20% and loss within 5 points of the simulator's truth", async (t) => {
  for (const seed of simSeeds(3, 400)) {
    await t.step(`seed ${seed}`, () => {
      const sim = new Simulation({
        seed,
        clients: 1,
        file: FILE,
        link: { latencyMs: 40, jitterMs: 4, loss: 0.1 },
      });
      sim.connectAll(10_000);
      const [client] = sim.clients;
      const id = client.host.uniqueId;
      sim.every(10, () => {
        sim.send(client, 1, new Uint8Array(200), TransferMode.RELIABLE, 0);
        sim.send(sim.server, id, new Uint8Array(200), TransferMode.RELIABLE, 0);
      });
      sim.runFor(60_000);
      const truth = sim.net.linkTruth(
        client.transport.localAddress,
        sim.server.transport.localAddress,
      );
      for (
        const [node, peer, lossTruth] of [
          [client, 1, truth.lossRatio],
          [sim.server, id, truth.reverseLossRatio],
        ] as const
      ) {
        const s = probeStats(node.host, peer, sim.now)!;
        const what = `node ${node.index}: rtt ${s.rttMs.toFixed(1)} vs ${truth.rttMs}, loss ` +
          `${((s.lossRate ?? NaN) * 100).toFixed(1)}% vs ${(lossTruth * 100).toFixed(1)}%`;
        sim.check(Math.abs(s.rttMs - truth.rttMs) <= 0.2 * truth.rttMs, `RTT off: ${what}`);
        sim.check(s.lossRate !== undefined, `no lossRate in stats: ${what}`);
        sim.check(Math.abs(s.lossRate! - lossTruth) <= 0.05, `loss estimate off: ${what}`);
      }
    });
  }
});
