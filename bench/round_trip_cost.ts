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
import { DatagramMultiplayerPeer, TransferMode } from "../mod.ts";
import { TimerQueue } from "../transport/time/timer_queue.ts";
import { VirtualClock } from "../transport/time/virtual_clock.ts";
import { MemoryCarrier, startMemoryClient, startMemoryServer } from "./lib/memory_peers.ts";
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
  const serverClock = new VirtualClock(), clientClock = new VirtualClock();
  const a = new MemoryCarrier({ hostname: "server", port: 1, transport: "mem" });
  const b = new MemoryCarrier({ hostname: "client", port: 1, transport: "mem" });
  const server = new DatagramMultiplayerPeer(), client = new DatagramMultiplayerPeer();
  await startMemoryServer(server, a, new TimerQueue(serverClock), 4, undefined);
  await startMemoryClient(client, b, a.localAddress, new TimerQueue(clientClock), 2, undefined);
  const junk = new Uint8Array(evictMiB * 1024 * 1024);
  const evict = () => {
    for (let k = 0; k < junk.length; k += 64) junk[k]++;
  };
  // each datagram arrives in fresh memory, owned by the receiver, as UdpTransport delivers it
  const move = (from: MemoryCarrier, to: MemoryCarrier) => {
    const out = from.out;
    from.out = [];
    for (const d of out) to.handler!(d.slice(), from.localAddress, true);
  };
  let now = 0;
  const tick = () => {
    now += 0.1; // a round trip's worth of time: timers (ack delay, probes) come due as over UDP
    serverClock.advanceTo(now);
    clientClock.advanceTo(now);
  };
  for (let i = 0; i < 200 && client.getConnectionStatus() !== 2; i++) {
    await settle();
    move(b, a);
    await settle();
    move(a, b);
    await settle();
    await client.poll(0);
    now += 1;
    tick();
  }
  if (client.getConnectionStatus() !== 2) throw new Error("the client did not connect");
  await server.poll(0);
  client.transferMode = TransferMode.RELIABLE;
  client.setTargetPeer(1);
  const warmup = Math.ceil(rounds / 10);
  const clientTimes: number[] = [], serverTimes: number[] = [];
  let mismatches = 0;
  for (let i = 1; i <= warmup + rounds; i++) {
    tick();
    if (junk.length) evict();
    let t0 = performance.now();
    const payload = new Uint8Array(32);
    payload[0] = i >>> 24, payload[1] = i >>> 16, payload[2] = i >>> 8, payload[3] = i;
    client.putPacket(payload);
    await settle();
    let clientTime = performance.now() - t0;
    if (junk.length) evict();
    t0 = performance.now();
    move(b, a);
    await server.poll(0);
    while (server.getAvailablePacketCount() > 0) {
      const from = server.getPacketPeer();
      const p = server.getPacket()!;
      server.setTargetPeer(from);
      server.transferMode = TransferMode.RELIABLE;
      server.putPacket(p);
    }
    await settle();
    const serverTime = performance.now() - t0;
    if (junk.length) evict();
    t0 = performance.now();
    move(a, b);
    await client.poll(0);
    let echoed = -1;
    while (client.getAvailablePacketCount() > 0) {
      const p = client.getPacket()!;
      echoed = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
    }
    await settle();
    clientTime += performance.now() - t0;
    if (echoed !== i) mismatches++;
    if (i > warmup) {
      clientTimes.push(clientTime * 1000);
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
