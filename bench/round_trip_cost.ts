/**
 * CPU per reliable round trip of the whole stack without sockets: a `DatagramMultiplayerPeer`
 * client puts one 32 B reliable message, the server echoes it from `poll()`, the client reads the
 * echo, as the ping-pong benchmark does over UDP, on in-memory carriers (host, connection, driver
 * and peer API as over UDP). Each side's steps are timed apart on the wall clock of this one
 * thread (a CPU-time read is an operation of its own, ~3 us here, several times the cost of
 * `performance.now()`).
 *
 * With `--evict <MiB>` the harness writes one byte per cache line of a buffer that large before
 * every step, so each step starts with the caches holding other data, as they do when a process
 * wakes for one datagram after the kernel and another process ran: the difference to the hot run
 * is what our code pays for touching its state cold, which a socket ping-pong pays on both ends.
 *
 * Run: `deno run --allow-net --unstable-net bench/round_trip_cost.ts [rounds] [--evict MiB]`
 *
 * @module
 */
import { CacheEvictor } from "./lib/cache_evict.ts";
import { TransferMode } from "../mod.ts";
import { connectMemoryPair, type MemoryCarrier, startMemoryPair } from "./lib/memory_peers.ts";
import { median } from "./lib/stats.ts";

/**
 * What {@link measureRoundTripCost} found.
 *
 * @example
 * ```ts
 * import type { RoundTripCost } from "./round_trip_cost.ts";
 * const show = (c: RoundTripCost) => `${c.clientUs} + ${c.serverUs} us per round trip`;
 * ```
 */
export interface RoundTripCost {
  /** Client time per round trip (put and flush; then the echo's datagram handled and read), us. */
  readonly clientUs: number;
  /** Server time per round trip (the datagram handled, read from `poll()`, echoed, flushed), us. */
  readonly serverUs: number;
  /** Round trips measured. */
  readonly rounds: number;
  /** Echoes that did not carry their request's sequence (must be 0). */
  readonly mismatches: number;
}

const settle = async () => {
  for (let i = 0; i < 4; i++) await undefined;
};

/**
 * Runs `rounds` round trips after `rounds / 10` warm-up ones; with `evictMiB` > 0 the caches are
 * filled with other data before each step (see the module doc).
 *
 * @example
 * ```ts ignore
 * import { measureRoundTripCost } from "./round_trip_cost.ts";
 * console.log(await measureRoundTripCost(20_000, 0));
 * ```
 */
export async function measureRoundTripCost(
  rounds: number,
  evictMiB: number,
): Promise<RoundTripCost> {
  const pair = await startMemoryPair(4, undefined);
  const { server, client, serverCarrier: a, clientCarrier: b, serverClock, clientClock } = pair;
  // each datagram arrives in fresh memory, owned by the receiver, as UdpTransport delivers it
  const move = (from: MemoryCarrier, to: MemoryCarrier) => {
    const out = from.out;
    from.out = [];
    for (const d of out) to.handler!(d.slice(), from.localAddress, true);
  };
  let now = await connectMemoryPair(pair, move, false);
  const caches = new CacheEvictor(evictMiB);
  // one step of one side: the caches filled with other data first (with --evict), then timed
  // until everything the step queued has run
  const timed = async (step: () => Promise<void> | void): Promise<number> => {
    caches.evict();
    const t0 = performance.now();
    const pending = step();
    if (pending) await pending;
    await settle();
    return performance.now() - t0;
  };
  client.transferMode = TransferMode.RELIABLE;
  client.setTargetPeer(1);
  const warmup = Math.ceil(rounds / 10);
  const clientTimes: number[] = [], serverTimes: number[] = [];
  let mismatches = 0, echoed = -1;
  for (let i = 1; i <= warmup + rounds; i++) {
    now += 0.1; // a round trip's worth of time: timers (ack delay, probes) come due as over UDP
    serverClock.advanceTo(now);
    clientClock.advanceTo(now);
    const put = await timed(() => {
      const payload = new Uint8Array(32);
      payload[0] = i >>> 24, payload[1] = i >>> 16, payload[2] = i >>> 8, payload[3] = i;
      client.putPacket(payload);
    });
    const serverTime = await timed(async () => {
      move(b, a);
      await server.poll(0);
      while (server.getAvailablePacketCount() > 0) {
        const from = server.getPacketPeer();
        const p = server.getPacket()!;
        server.setTargetPeer(from);
        server.transferMode = TransferMode.RELIABLE;
        server.putPacket(p);
      }
    });
    const read = await timed(async () => {
      move(a, b);
      await client.poll(0);
      while (client.getAvailablePacketCount() > 0) {
        const p = client.getPacket()!;
        echoed = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
      }
    });
    if (echoed !== i) mismatches++;
    if (i > warmup) {
      clientTimes.push((put + read) * 1000);
      serverTimes.push(serverTime * 1000);
    }
  }
  await client.close();
  await server.close();
  return { clientUs: median(clientTimes), serverUs: median(serverTimes), rounds, mismatches };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--evict");
  const evictMiB = at >= 0 ? Number(Deno.args[at + 1]) : 0;
  const rest = Deno.args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  const rounds = Number(rest[0] ?? 20_000);
  if (!(evictMiB >= 0) || !(rounds > 0)) {
    throw new RangeError("usage: round_trip_cost.ts [rounds] [--evict MiB]");
  }
  const r = await measureRoundTripCost(rounds, evictMiB);
  console.log(
    `reliable 32 B round trip${evictMiB ? `, ${evictMiB} MiB evicted before each step` : ""}: ` +
      `client ${r.clientUs.toFixed(2)} us, server ${r.serverUs.toFixed(2)} us (medians of ` +
      `${r.rounds}), ${r.mismatches} mismatched echoes`,
  );
}
