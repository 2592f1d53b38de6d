/**
 * Reordering is not loss (virtual network): with no loss but jitter that reorders, losses that
 * prove spurious are taken back (the window is restored), the loss thresholds adapt, and a
 * transfer takes about as long as on a path with the same mean delay and no reordering. Replay
 * one seed with `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_reorder_test.ts`
 */
import { TransferMode } from "../protocol/constants.ts";
import type { LinkOptions } from "../transport/sim/link_simulator.ts";
import { Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";

const FILE = "tests/sim_reorder_test.ts";
const MESSAGES = 2000;

function transfer(seed: number, link: LinkOptions) {
  const sim = new Simulation({ seed, clients: 1, file: FILE, link });
  sim.connectAll(5_000);
  const [client] = sim.clients;
  let got = 0, next = 0;
  sim.server.onPacket = (p) => {
    const n = new DataView(p.data.buffer, p.data.byteOffset).getUint32(0);
    sim.check(n === next++, `message ${n} out of order (expected ${next - 1})`);
    got++;
  };
  const start = sim.now;
  for (let i = 0; i < MESSAGES; i++) {
    const b = new Uint8Array(1000);
    new DataView(b.buffer).setUint32(0, i);
    sim.send(client, 1, b, TransferMode.RELIABLE);
  }
  sim.runFor(60_000, () => got === MESSAGES);
  sim.check(got === MESSAGES, `${got} of ${MESSAGES} arrived`);
  return { sim, ms: sim.now - start, stats: client.host.peerStats(1, sim.now) };
}

Deno.test("reordering without loss: spurious losses undone, thresholds adapt, no slowdown", async (t) => {
  for (const seed of simSeeds(3, 80)) {
    await t.step(`seed ${seed}`, () => {
      const plain = transfer(seed, { latencyMs: 30 });
      const { sim, ms, stats } = transfer(seed, {
        latencyMs: 20,
        jitterMs: 20, // the same 30 ms mean, but datagrams overtake each other
        jitterReorders: true,
      });
      sim.check(stats.lossRate < 0.05, `lossRate ${stats.lossRate.toFixed(3)} on a loss-free path`);
      sim.check(
        stats.retransmits < MESSAGES * 0.2,
        `${stats.retransmits} retransmits of ${MESSAGES} messages`,
      );
      sim.check(stats.congestionWindow > 32 * 1024, `window ${stats.congestionWindow.toFixed(0)}`);
      sim.check(
        ms <= 1.5 * plain.ms,
        `took ${ms.toFixed(0)} ms, ${(ms / plain.ms).toFixed(2)}x the ${plain.ms.toFixed(0)} ms ` +
          "without reordering",
      );
    });
  }
});

Deno.test("real loss is still loss: 5% loss with reordering keeps retransmitting", () => {
  const { sim, stats } = transfer(90, {
    latencyMs: 20,
    jitterMs: 20,
    jitterReorders: true,
    loss: 0.05,
  });
  sim.check(stats.lossRate > 0.02 && stats.lossRate < 0.15, `lossRate ${stats.lossRate}`);
  sim.check(stats.retransmits >= MESSAGES * 0.04, `${stats.retransmits} retransmits`);
});
