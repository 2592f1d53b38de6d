/**
 * Per-peer statistics against the simulator's truth, and per-peer timeouts (issue 3 "Must
 * show"). Failures print a replay command:
 * `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_stats_test.ts`
 */
import { TransferMode } from "../protocol/constants.ts";
import { DisconnectReason } from "../protocol/errors.ts";
import { Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";

const FILE = "tests/sim_stats_test.ts";
const R = TransferMode.RELIABLE;

function plausible(seed: number, latencyMs: number, loss: number): void {
  const sim = new Simulation({
    seed,
    clients: 1,
    file: FILE,
    link: { latencyMs, jitterMs: latencyMs / 10 },
    host: { connectTimeoutMs: 20_000 },
  });
  sim.connectAll(20_000);
  const client = sim.clients[0], server = sim.server;
  const up = client.transport.localAddress, down = server.transport.localAddress;
  sim.net.setLink(up, down, { loss }, true);
  const upLink = sim.net.link(up, down);
  const offeredBefore = upLink.stats.offered, lostBefore = upLink.stats.droppedLoss;
  // 100 reliable messages/s each way for 60 s (a game's event traffic)
  sim.every(10, () => {
    if (sim.now > 60_000) return false;
    sim.send(client, 1, new Uint8Array(200), R, 0);
    sim.send(server, client.host.uniqueId, new Uint8Array(200), R, 0);
  });
  sim.runUntil(60_000);
  const s = client.host.peerStats(1, sim.now);
  const truth = sim.net.linkTruth(up, down);
  const offered = upLink.stats.offered - offeredBefore;
  const trueLoss = (upLink.stats.droppedLoss - lostBefore) / offered;
  sim.check(
    Math.abs(s.rttMs - truth.rttMs) <= 0.2 * truth.rttMs,
    `RTT ${s.rttMs.toFixed(1)} ms vs configured ${truth.rttMs} ms (> 20% off)`,
  );
  sim.check(
    Math.abs(s.lossRate - trueLoss) <= 0.05,
    `loss estimate ${(s.lossRate * 100).toFixed(1)}% vs true ${(trueLoss * 100).toFixed(1)}%`,
  );
  sim.check(s.packetsSent >= offered && s.packetsSent <= offered + 50, `packetsSent vs link`);
  sim.check(loss === 0 || s.retransmits > 0, "retransmits counted");
  sim.check(s.rttVarianceMs >= 0 && s.rttVarianceMs < truth.rttMs, `rttvar ${s.rttVarianceMs}`);
  const rate = s.sendRateBytesPerSec;
  sim.check(rate > 15_000 && rate < 40_000, `send rate ${rate.toFixed(0)} B/s for ~23 kB/s`);
}

Deno.test("sim stats: RTT within 20% and loss within 5 points of the simulator's truth", async (t) => {
  const cases = [[25, 0], [40, 0.05], [75, 0.15], [15, 0.3]] as const;
  let i = 0;
  for (const seed of simSeeds(4, 31)) {
    const [latency, loss] = cases[i++ % cases.length];
    await t.step(
      `seed ${seed}: RTT ${2 * latency} ms, ${loss * 100}% loss`,
      () => plausible(seed, latency, loss),
    );
  }
});

Deno.test("sim timeouts: setPeerTimeout drops a dead peer within its timeout, once", () => {
  const sim = new Simulation({
    seed: simSeeds(1, 9)[0],
    clients: 3,
    file: FILE,
    link: { latencyMs: 20 },
    host: { timeoutMs: 10_000 },
  });
  sim.connectAll(3_000);
  const dead = sim.clients[2], id = dead.host.uniqueId;
  sim.server.host.setPeerTimeout(id, 1500, 1000, 5000);
  sim.check(sim.server.host.peerStats(id, sim.now).timeoutMs === 1500, "timeout in effect");
  const cutAt = sim.now;
  sim.net.setHostLinks(dead.transport.localAddress, { loss: 1 });
  const gone = sim.runFor(5_000, () => sim.server.host.peerIds().length === 2);
  sim.check(gone, "dead peer not dropped");
  const after = sim.now - cutAt;
  sim.check(after >= 1400 && after <= 1500 + 100, `dropped after ${after.toFixed(0)} ms`);
  sim.runFor(12_000); // the default 10 s timeout of the others must not fire: they keep talking
  const drops = sim.server.eventsOf("peer_disconnected");
  sim.check(
    drops.length === 1 && drops[0].id === id && drops[0].reason === DisconnectReason.TIMEOUT,
    () => `server saw ${JSON.stringify(drops)}`,
  );
  for (const c of sim.clients.slice(0, 2)) {
    const seen = c.eventsOf("peer_disconnected").filter((e) => e.id === id);
    sim.check(seen.length === 1, () => `client ${c.index} saw ${seen.length} peer_disconnected`);
  }
});
