/**
 * A flood of fresh connect requests cannot crowd real clients out (virtual network): 9 400
 * REQUESTs per second from 1 500 spoofed sources, while real clients with a 2 s connect timeout
 * join. Sources that are quiet (real clients, and clients retrying) and clients that already hold
 * a cookie are favoured. Replay one seed with
 * `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_connect_flood_test.ts`
 */
import { ConnectionStatus } from "../protocol/constants.ts";
import { SeededRandom } from "../protocol/random.ts";
import { encodeRequest } from "../protocol/wire/handshake.ts";
import { Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";

const FILE = "tests/sim_connect_flood_test.ts";
const SOURCES = 1500;
const PER_TICK = 9.4 / 4; // 9 400 requests/s, every quarter millisecond

Deno.test("connect flood: real clients with a 2 s timeout still get in", async (t) => {
  for (const seed of simSeeds(3, 110)) {
    await t.step(`seed ${seed}`, () => {
      const sim = new Simulation({
        seed,
        clients: 0,
        file: FILE,
        link: { latencyMs: 2, jitterMs: 1 },
        host: { connectTimeoutMs: 2000 },
      });
      const rng = new SeededRandom(seed);
      const server = sim.server;
      let carry = 0, sent = 0;
      sim.every(0.25, () => {
        carry += PER_TICK;
        for (; carry >= 1; carry--) {
          const i = Math.floor(rng.next() * SOURCES);
          const from = { hostname: `10.9.${i >> 8}.${i & 255}`, port: 40000 + i };
          server.host.handleDatagram(encodeRequest(rng.nextU32()), from, sim.now);
          sent++;
        }
        sim.touch(server);
        return sim.now < 8000;
      });
      sim.runFor(3000); // the flood is in full swing
      const clients = [0, 1, 2].map(() => sim.addClient());
      sim.runFor(4000, () => clients.every((c) => c.host.status !== ConnectionStatus.CONNECTING));
      const failed = clients.filter((c) => c.host.status !== ConnectionStatus.CONNECTED);
      sim.check(
        failed.length === 0,
        () =>
          `${failed.length} of 3 real clients failed during a flood of ${sent} requests: ` +
          JSON.stringify(failed.map((c) => c.events)),
      );
    });
  }
});
