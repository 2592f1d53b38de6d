/**
 * Property: whatever the traffic shape (long one-way phases in either direction, idle, bursts,
 * unreliable-only, then replies), every packet put leaves within a bounded time and every number
 * of the congestion, pacing and RTT state stays finite. Random shapes on the virtual network.
 * Replay one seed with
 * `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_liveness_property_test.ts`
 */
import { ConnectionStatus, TransferMode } from "../protocol/constants.ts";
import { SeededRandom } from "../protocol/random.ts";
import type { LinkOptions } from "../transport/sim/link_simulator.ts";
import { type SimNode, Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";

const FILE = "tests/sim_liveness_property_test.ts";
/** Longest a reliable packet may wait for delivery on these (within-capacity) loads. */
const MAX_RELIABLE_WAIT_MS = 6_000;
const CHECK_EVERY_MS = 250;

type Direction = "up" | "down" | "both";
interface Phase {
  readonly kind: "stream" | "burst" | "idle";
  readonly direction: Direction;
  readonly mode: TransferMode;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly perTick: number;
  readonly size: number;
}

const LINKS: LinkOptions[] = [
  { latencyMs: 1 },
  { latencyMs: 20, jitterMs: 5 },
  { latencyMs: 30, loss: 0.05 },
  { latencyMs: 15, jitterMs: 15, jitterReorders: true, loss: 0.02, duplicate: 0.05 },
];
const SIZES = [8, 32, 200, 1000, 3000];

function randomPhase(rng: SeededRandom): Phase {
  const r = rng.next();
  const kind = r < 0.6 ? "stream" : r < 0.8 ? "burst" : "idle";
  const dirs: Direction[] = ["up", "down", "both"];
  const modes = [TransferMode.RELIABLE, TransferMode.UNRELIABLE, TransferMode.UNRELIABLE_ORDERED];
  const size = SIZES[Math.floor(rng.next() * SIZES.length)];
  // offered load stays well within what every link carries (100 kB/s), so a bounded wait is a
  // fair demand
  const intervalMs = Math.max([5, 16, 50][Math.floor(rng.next() * 3)], Math.ceil(size / 100));
  const perTick = Math.max(1, Math.min(8, Math.floor((100 * intervalMs) / size)));
  return {
    kind,
    direction: dirs[Math.floor(rng.next() * dirs.length)],
    mode: modes[Math.floor(rng.next() * modes.length)],
    durationMs: kind === "burst" ? 0 : 500 + Math.floor(rng.next() * 25_000),
    intervalMs,
    perTick: kind === "burst" ? 50 + Math.floor(rng.next() * 400) : perTick,
    size: kind === "burst" ? Math.min(size, 1000) : size,
  };
}

/** Reliable puts waiting for delivery, per direction (FIFO: one channel, delivered in order). */
class Pending {
  readonly putAt: number[] = [];
  head = 0;
  get oldest(): number | undefined {
    return this.head < this.putAt.length ? this.putAt[this.head] : undefined;
  }
}

function finiteState(sim: Simulation, node: SimNode, peer: number): string | undefined {
  const conn = node.host.peerConnection(peer);
  if (!conn?.peerStats) return undefined;
  const s = conn.peerStats(sim.now);
  for (const [k, v] of Object.entries(s)) {
    if (typeof v !== "number" || Number.isNaN(v) || v < 0) return `${k} = ${v}`;
    if (k !== "pacingRateBytesPerSec" && !Number.isFinite(v)) return `${k} = ${v}`;
  }
  if (s.lossRate > 1) return `lossRate = ${s.lossRate}`;
  if (s.congestionWindow <= 0) return `congestionWindow = ${s.congestionWindow}`;
  if (s.rttMs > 0 && !Number.isFinite(s.pacingRateBytesPerSec) && s.bytesInFlight > 0) {
    return `pacing rate ${s.pacingRateBytesPerSec} with an RTT estimate and data in flight`;
  }
  return undefined;
}

Deno.test("property: every put packet leaves within a bounded time, state stays finite", async (t) => {
  for (const seed of simSeeds(24, 700)) {
    await t.step(`seed ${seed}`, () => {
      const rng = new SeededRandom(seed);
      const link = LINKS[seed % LINKS.length];
      const sim = new Simulation({ seed, clients: 1, file: FILE, link });
      sim.connectAll(5_000);
      const [client] = sim.clients;
      const server = sim.server, clientId = client.host.uniqueId;
      const pending = { up: new Pending(), down: new Pending() };
      const unreliablePut = { up: 0, down: 0 }, unreliableGot = { up: 0, down: 0 };
      const log: string[] = [];
      const onPacket = (dir: "up" | "down") => (p: { mode: TransferMode }) => {
        if (p.mode !== TransferMode.RELIABLE) {
          unreliableGot[dir]++;
          return;
        }
        const q = pending[dir];
        sim.check(q.oldest !== undefined, `${dir}: reliable packet nobody put`);
        q.head++;
      };
      server.onPacket = onPacket("up");
      client.onPacket = onPacket("down");
      const put = (dir: "up" | "down", mode: TransferMode, size: number) => {
        const [from, to] = dir === "up" ? [client, 1] : [server, clientId];
        sim.send(from, to, new Uint8Array(size), mode, 0);
        if (mode === TransferMode.RELIABLE) pending[dir].putAt.push(sim.now);
        else unreliablePut[dir]++;
      };
      const check = () => {
        sim.check(
          client.host.status === ConnectionStatus.CONNECTED && server.host.peerIds().length === 1,
          () => `session lost (link ${JSON.stringify(link)}); phases: ${log.join(" | ")}`,
        );
        for (const dir of ["up", "down"] as const) {
          const oldest = pending[dir].oldest;
          sim.check(
            oldest === undefined || sim.now - oldest <= MAX_RELIABLE_WAIT_MS,
            () =>
              `${dir}: a reliable packet put at ${oldest?.toFixed(0)} ms is still undelivered ` +
              `(${pending[dir].putAt.length - pending[dir].head} waiting); phases: ${
                log.join(" | ")
              }`,
          );
        }
        for (const [node, peer] of [[client, 1], [server, clientId]] as const) {
          const bad = finiteState(sim, node, peer);
          sim.check(bad === undefined, () => `node ${node.index}: ${bad}; ${log.join(" | ")}`);
        }
      };
      sim.every(CHECK_EVERY_MS, () => {
        check();
        return true;
      });
      const phases = Array.from({ length: 6 + Math.floor(rng.next() * 5) }, () => randomPhase(rng));
      // every shape ends with replies both ways, the step that froze sessions
      phases.push({
        kind: "burst",
        direction: "both",
        mode: TransferMode.RELIABLE,
        durationMs: 0,
        intervalMs: 16,
        perTick: 5,
        size: 32,
      });
      for (const ph of phases) {
        log.push(
          `${ph.kind} ${ph.direction} m${ph.mode} ${ph.size}B x${ph.perTick}/${ph.intervalMs}ms ` +
            `${ph.durationMs}ms @${sim.now.toFixed(0)}`,
        );
        const dirs: ("up" | "down")[] = ph.direction === "both" ? ["up", "down"] : [ph.direction];
        if (ph.kind === "burst") {
          for (const d of dirs) for (let i = 0; i < ph.perTick; i++) put(d, ph.mode, ph.size);
          sim.runFor(500);
        } else if (ph.kind === "idle") {
          sim.runFor(ph.durationMs);
        } else {
          const end = sim.now + ph.durationMs;
          sim.every(ph.intervalMs, () => {
            if (sim.now >= end) return false;
            for (const d of dirs) for (let i = 0; i < ph.perTick; i++) put(d, ph.mode, ph.size);
          });
          sim.runUntil(end + ph.intervalMs);
        }
      }
      const drained = sim.runFor(
        MAX_RELIABLE_WAIT_MS,
        () => pending.up.oldest === undefined && pending.down.oldest === undefined,
      );
      check();
      sim.check(drained, () => `reliable data never drained; phases: ${log.join(" | ")}`);
      if (!link.loss && !link.duplicate) {
        for (const dir of ["up", "down"] as const) {
          const conn = (dir === "up" ? client : server).host.peerConnection(
            dir === "up" ? 1 : clientId,
          );
          const shed = conn?.peerStats?.(sim.now).unreliableDropped ?? 0;
          sim.check(
            unreliableGot[dir] + shed === unreliablePut[dir],
            () =>
              `${dir}: ${unreliablePut[dir]} unreliable put, ${unreliableGot[dir]} arrived, ` +
              `${shed} shed on a loss-free link; phases: ${log.join(" | ")}`,
          );
        }
      }
    });
  }
});
