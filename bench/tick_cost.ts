/**
 * Server CPU per client tick, in-process: a `DatagramMultiplayerPeer` server and `clients` client
 * peers on in-memory carriers (the UDP peer's host, connection, driver and peer API, minus the
 * socket), each tick one 64 B `UNRELIABLE_ORDERED` input up per client and one 128 B snapshot
 * broadcast down, as in the crowd scenario. Only the server's work is timed: its receive path per
 * datagram (with the end-of-turn flush and the app's `poll()` wake that the UDP carrier's receive
 * loop lets run after each one), its timers, the broadcast and the flush that sends it. The
 * clients and the carriers run outside the timed sections.
 *
 * Next to it, the socket floor of one client tick measured in the same process: one
 * `Deno.DatagramConn.receive` of a 64 B datagram plus one `send` of a 128 B one on loopback,
 * the least a UDP server pays per client per tick before any protocol work.
 *
 * With `--encrypted` every session is encrypted as the UDP peer's `encryption: true` sets it up
 * (key exchange in the handshake, ChaCha20-Poly1305 per datagram), on the same carriers.
 *
 * Run alone: `deno run --allow-net --unstable-net --v8-flags=--expose-gc bench/tick_cost.ts
 * [clients] [ticks] [--encrypted]` (without the flag the server's heap per peer is not measured).
 * `run.ts` runs it as a child (`{"role":"tick-cost",...}` argument) through {@link tickCost}.
 *
 * @module
 */
import { emit, hardDeadline } from "./lib/child_io.ts";
import { processCpuUs } from "./lib/cpu.ts";
import { spawnChild } from "./lib/proc.ts";
import { median } from "./lib/stats.ts";
import {
  type DatagramHandler,
  DatagramMultiplayerPeer,
  type DatagramTransport,
  type PeerAddress,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  TransferMode,
} from "../mod.ts";
import { TimerQueue } from "../transport/time/timer_queue.ts";
import { VirtualClock } from "../transport/time/virtual_clock.ts";
import { startMemoryClient, startMemoryServer } from "./lib/memory_peers.ts";
import { generateServerIdentity } from "../transport/secure/channel.ts";

const TICK_MS = 50;
/** Clients send in this many groups per tick (5 ms apart), as the crowd's clients do. */
const GROUPS = 10;
const INPUT_BYTES = 64;
const SNAPSHOT_BYTES = 128;

/**
 * What {@link measureTickCost} found.
 *
 * @example
 * ```ts
 * import type { TickCostResult } from "./tick_cost.ts";
 * const show = (r: TickCostResult) => `${r.usPerClientTick} us (floor ${r.floorUsPerClientTick} us)`;
 * ```
 */
export interface TickCostResult {
  /** Median over the measured ticks of the server's time per client tick, in microseconds. */
  readonly usPerClientTick: number;
  /** The same from process CPU time (includes V8's helper threads, e.g. concurrent GC). */
  readonly cpuUsPerClientTick: number;
  /** Socket floor per client tick: one 64 B receive plus one 128 B send, in microseconds. */
  readonly floorUsPerClientTick: number;
  /** Floor parts: microseconds per receive and per send. */
  readonly floorReceiveUs: number;
  /** Floor parts: microseconds per send. */
  readonly floorSendUs: number;
  /** Clients connected. */
  readonly clients: number;
  /** Ticks measured. */
  readonly ticks: number;
  /** Inputs the server application read in the measured ticks (should be clients x ticks). */
  readonly inputsRead: number;
  /** Snapshots the clients read in the measured ticks (should be clients x ticks). */
  readonly snapshotsRead: number;
  /** Server datagrams sent per client tick (1 = every snapshot carried its acks). */
  readonly serverDatagramsPerClientTick: number;
  /**
   * The server's live heap per client after a forced GC (the clients gone, the server still
   * holding every session) over the empty server, in bytes: includes fixed costs such as the
   * code compiled meanwhile. NaN without `--v8-flags=--expose-gc`.
   */
  readonly serverHeapPerPeer: number;
  /** The same for memory outside the JS heap (typed array backing stores). */
  readonly serverExternalPerPeer: number;
  /**
   * Live heap per session as the slope between `clients` and `2 * clients` sessions (a second
   * wave of as many clients joins, plays 5 ticks and leaves the same way): fixed costs cancel
   * out, as the crowd figures define it. NaN without `--v8-flags=--expose-gc`.
   */
  readonly serverHeapSlopePerPeer: number;
  /** The same slope for memory outside the JS heap. */
  readonly serverExternalSlopePerPeer: number;
}

/** A carrier that only collects what is sent; the harness moves datagrams between carriers. */
class MemoryCarrier implements DatagramTransport {
  readonly maxDatagramSize = 1200;
  readonly reliable = false;
  readonly localAddress: PeerAddress;
  handler?: DatagramHandler;
  outBytes: Uint8Array[] = [];
  outTo: PeerAddress[] = [];
  sent = 0;

  constructor(localAddress: PeerAddress) {
    this.localAddress = localAddress;
  }
  listen(handler: DatagramHandler): void {
    this.handler = handler;
  }
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    this.outBytes.push(bytes);
    this.outTo.push(to);
    this.sent++;
    return true;
  }
  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }
}

/** Lets queued microtasks (flushes, poll wake-ups) run. */
async function settle(turns = 4): Promise<void> {
  for (let i = 0; i < turns; i++) await undefined;
}

/**
 * Runs the measurement in this process.
 *
 * @example
 * ```ts ignore
 * import { measureTickCost } from "./tick_cost.ts";
 * const r = await measureTickCost(100, 20, 10);
 * console.log(r.usPerClientTick);
 * ```
 */
export async function measureTickCost(
  clients: number,
  ticks: number,
  warmupTicks: number,
  encrypted = false,
): Promise<TickCostResult> {
  const identity = encrypted ? await generateServerIdentity() : undefined;
  const serverClock = new VirtualClock(), clientClock = new VirtualClock();
  const serverTimers = new TimerQueue(serverClock), clientTimers = new TimerQueue(clientClock);
  const serverCarrier = new MemoryCarrier({ hostname: "server", port: 1, transport: "mem" });
  const server = new DatagramMultiplayerPeer();
  server.serverRelay = false;
  const byHost = new Map<string, { carrier: MemoryCarrier; index: number }>();
  const carriers: MemoryCarrier[] = [], peers: (DatagramMultiplayerPeer | undefined)[] = [];
  // the harness's carriers for both waves exist before the baseline: only the server's state
  // for each session counts
  for (let i = 0; i < 2 * clients; i++) {
    const carrier = new MemoryCarrier({ hostname: `c${i}`, port: 1, transport: "mem" });
    carriers.push(carrier);
    byHost.set(carrier.localAddress.hostname, { carrier, index: i });
  }
  const heap0 = liveMemory();
  await startMemoryServer(server, serverCarrier, serverTimers, 2 * clients + 16, identity);
  // server -> clients (untimed): each client sees a fresh copy in its own receive buffer
  const clientRx = new Uint8Array(2048);
  const toClients = async () => {
    const bytes = serverCarrier.outBytes, to = serverCarrier.outTo;
    serverCarrier.outBytes = [];
    serverCarrier.outTo = [];
    for (let k = 0; k < bytes.length; k++) {
      const dest = byHost.get(to[k].hostname);
      if (!dest?.carrier.handler) continue;
      clientRx.set(bytes[k]);
      dest.carrier.handler(clientRx.subarray(0, bytes[k].length), serverCarrier.localAddress);
    }
    await settle();
  };
  // clients -> server: copied into per-datagram receive buffers first (the kernel's work), then
  // handed to the server one by one inside the timed section
  let pendingBytes: Uint8Array[] = [], pendingFrom: PeerAddress[] = [];
  const collect = (carrier: MemoryCarrier) => {
    for (let k = 0; k < carrier.outBytes.length; k++) {
      pendingBytes.push(carrier.outBytes[k].slice());
      pendingFrom.push({ ...carrier.localAddress });
    }
    carrier.outBytes.length = 0;
    carrier.outTo.length = 0;
  };
  let timed = 0;
  let cpuTimed = 0;
  const serverTurn = async (at: number) => {
    const bytes = pendingBytes, from = pendingFrom;
    pendingBytes = [];
    pendingFrom = [];
    const handler = serverCarrier.handler!;
    const c0 = processCpuUs();
    const t0 = performance.now();
    serverClock.advanceTo(at);
    for (let k = 0; k < bytes.length; k++) {
      handler(bytes[k], from[k]);
      await undefined; // what the UDP receive loop does after each datagram
    }
    await settle(2);
    timed += performance.now() - t0;
    cpuTimed += processCpuUs() - c0;
  };
  const clientTurn = async (at: number, from: number, to: number) => {
    clientClock.advanceTo(at);
    await settle();
    for (let k = from; k < to; k++) collect(carriers[k]);
  };

  let now = 0;
  // the key agreements of encrypted handshakes run in WebCrypto, outside the microtask queue
  const cryptoTurn = () =>
    identity ? new Promise<void>((resolve) => setTimeout(resolve, 0)) : Promise.resolve();
  // connects `carriers[from..to)` (50 at a time, virtual time moving so retransmissions and
  // limits behave)
  const connect = async (from: number, to: number) => {
    const wave: DatagramMultiplayerPeer[] = [];
    for (let i = from; i < to; i += 50) {
      for (let k = i; k < Math.min(to, i + 50); k++) {
        const p = new DatagramMultiplayerPeer();
        await startMemoryClient(
          p,
          carriers[k],
          serverCarrier.localAddress,
          clientTimers,
          k + 2,
          identity,
        );
        peers[k] = p;
        wave.push(p);
      }
      for (let round = 0; round < 6; round++) {
        await cryptoTurn();
        await clientTurn(now, from, to);
        await serverTurn(now);
        await toClients();
        now += 10;
      }
    }
    const rounds = identity ? 200 : 20;
    for (
      let round = 0;
      round < rounds && wave.some((p) => p.getConnectionStatus() !== 2);
      round++
    ) {
      await cryptoTurn();
      for (const p of wave) await p.poll(0);
      await clientTurn(now, from, to);
      await serverTurn(now);
      await toClients();
      now += 10;
    }
    for (const p of wave) await p.poll(0);
    const connected = wave.filter((p) => p.getConnectionStatus() === 2).length;
    if (connected !== to - from) {
      throw new Error(`only ${connected} of ${to - from} clients connected`);
    }
  };
  // the clients of `peers[from..to)` leave without a word (their goodbyes are not delivered):
  // what stays is the server's state for every session
  const leave = async (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      await peers[k]!.close();
      peers[k] = undefined;
      // their goodbyes stay undelivered, and must not count as the server's memory
      carriers[k].outBytes.length = 0;
      carriers[k].outTo.length = 0;
    }
    pendingBytes = [];
    pendingFrom = [];
    serverCarrier.outBytes = [];
    serverCarrier.outTo = [];
  };

  // the server application: the crowd server's loop (reads every input)
  let inputsRead = 0, snapshotsRead = 0, running = true;
  const serverApp = (async () => {
    while (running) {
      await server.poll(1_000);
      while (server.getAvailablePacketCount() > 0) {
        const packet = server.getPacket()!;
        if (packet.length === INPUT_BYTES) inputsRead++;
      }
    }
  })();
  const snapshot = new Uint8Array(SNAPSHOT_BYTES);
  const input = new Uint8Array(INPUT_BYTES);
  const perTick: number[] = [];
  // ticks of the clients `peers[from..to)`: one input up per client, one broadcast down
  const runTicks = async (from: number, to: number, count: number, measure: boolean) => {
    for (let tick = 0; tick < count; tick++) {
      const before = timed;
      for (let g = 0; g < GROUPS; g++) {
        const at = now + g * (TICK_MS / GROUPS);
        for (let i = from + g; i < to; i += GROUPS) {
          const p = peers[i]!;
          p.transferMode = TransferMode.UNRELIABLE_ORDERED;
          p.setTargetPeer(TARGET_PEER_SERVER);
          p.putPacket(input.slice());
        }
        await clientTurn(at, from, to);
        await serverTurn(at);
        if (g === 0) {
          // the snapshot broadcast, timed with the server's turn
          const t0 = performance.now(), c0 = processCpuUs();
          server.transferMode = TransferMode.UNRELIABLE_ORDERED;
          server.setTargetPeer(TARGET_PEER_BROADCAST);
          server.putPacket(snapshot.slice());
          await settle(2);
          timed += performance.now() - t0;
          cpuTimed += processCpuUs() - c0;
        }
        await toClients();
        for (let k = from; k < to; k++) {
          const p = peers[k]!;
          await p.poll(0);
          while (p.getAvailablePacketCount() > 0) {
            if (p.getPacket()!.length === SNAPSHOT_BYTES && measure) snapshotsRead++;
          }
        }
      }
      if (measure) perTick.push((timed - before) * 1000 / (to - from));
      now += TICK_MS;
    }
  };

  await connect(0, clients);
  await runTicks(0, clients, warmupTicks, false);
  inputsRead = 0;
  timed = cpuTimed = 0;
  const serverSentBefore = serverCarrier.sent;
  await runTicks(0, clients, ticks, true);
  const inputsMeasured = inputsRead;
  const serverDatagrams = serverCarrier.sent - serverSentBefore;
  await leave(0, clients);
  const heap1 = liveMemory();
  // memory per peer is the slope between `clients` and twice that many sessions (fixed costs
  // such as compiled code cancel out): a second wave joins, plays a few ticks and leaves too
  await connect(clients, 2 * clients);
  await runTicks(clients, 2 * clients, 5, false);
  await leave(clients, 2 * clients);
  const heap2 = liveMemory();
  running = false;
  await server.close();
  await serverApp;
  const floor = await socketFloor();
  return {
    usPerClientTick: median(perTick),
    cpuUsPerClientTick: cpuTimed / (clients * ticks),
    floorUsPerClientTick: floor.receiveUs + floor.sendUs,
    floorReceiveUs: floor.receiveUs,
    floorSendUs: floor.sendUs,
    clients,
    ticks,
    inputsRead: inputsMeasured,
    snapshotsRead,
    serverDatagramsPerClientTick: serverDatagrams / (clients * ticks),
    serverHeapPerPeer: (heap1.heapUsed - heap0.heapUsed) / clients,
    serverExternalPerPeer: (heap1.external - heap0.external) / clients,
    serverHeapSlopePerPeer: (heap2.heapUsed - heap1.heapUsed) / clients,
    serverExternalSlopePerPeer: (heap2.external - heap1.external) / clients,
  };
}

/** Heap and external bytes after a full collection (NaN when `gc` is not exposed). */
function liveMemory(): { heapUsed: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { heapUsed: NaN, external: NaN };
  gc();
  gc();
  const m = Deno.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external };
}

/**
 * One receive of a 64 B datagram plus one send of a 128 B one on loopback, median over rounds:
 * a batch of datagrams is queued in the receiver's socket buffer first (untimed), then received
 * one by one and as many answers sent (timed).
 */
async function socketFloor(): Promise<{ receiveUs: number; sendUs: number }> {
  const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const toA = a.addr as Deno.NetAddr, toB = b.addr as Deno.NetAddr;
  const batch = 64, rounds = 60;
  const input = new Uint8Array(INPUT_BYTES), reply = new Uint8Array(SNAPSHOT_BYTES);
  const bufA = new Uint8Array(2048), bufB = new Uint8Array(2048);
  const receiveUs: number[] = [], sendUs: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < batch; i++) await b.send(input, toA);
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) await a.receive(bufA);
      const t1 = performance.now();
      for (let i = 0; i < batch; i++) await a.send(reply, toB);
      const t2 = performance.now();
      for (let i = 0; i < batch; i++) await b.receive(bufB);
      if (r >= 10) {
        receiveUs.push((t1 - t0) * 1000 / batch);
        sendUs.push((t2 - t1) * 1000 / batch);
      }
    }
  } finally {
    a.close();
    b.close();
  }
  return { receiveUs: median(receiveUs), sendUs: median(sendUs) };
}

/**
 * Options of {@link tickCost}.
 *
 * @example
 * ```ts
 * import type { TickCostOptions } from "./tick_cost.ts";
 * const o: TickCostOptions = { clients: 1000, ticks: 40 };
 * ```
 */
export interface TickCostOptions {
  /** Clients (default 1000). */
  readonly clients?: number;
  /** Measured ticks (default 40; 10 more warm up first). */
  readonly ticks?: number;
  /** Every session encrypted, as the UDP peer's `encryption: true` sets it up (default false). */
  readonly encrypted?: boolean;
  /** Extra `deno run` flags (profiling). */
  readonly denoFlags?: readonly string[];
}

/**
 * Runs the measurement in a child process (its own heap) and returns its values, the shape
 * `run.ts` collects.
 *
 * @example
 * ```ts ignore
 * import { tickCost } from "./tick_cost.ts";
 * const { values } = await tickCost({ clients: 200, ticks: 10 });
 * console.log(values.us, values.floorUs);
 * ```
 */
export async function tickCost(
  options: TickCostOptions = {},
): Promise<{ values: Record<string, number>; error?: string }> {
  const clients = options.clients ?? 1000, ticks = options.ticks ?? 40;
  const encrypted = options.encrypted === true;
  const config = { role: "tick-cost", clients, ticks, encrypted };
  const child = spawnChild(new URL(import.meta.url), config, {
    label: encrypted ? "tick cost, encrypted" : "tick cost",
    denoFlags: ["--v8-flags=--expose-gc", ...(options.denoFlags ?? [])],
  });
  try {
    const r = await child.next("tick-cost", 180_000) as unknown as TickCostResult;
    const expected = r.clients * r.ticks;
    const error = r.inputsRead !== expected || r.snapshotsRead !== expected
      ? `inputs read ${r.inputsRead}, snapshots read ${r.snapshotsRead}, expected ${expected} each`
      : undefined;
    return {
      values: {
        us: r.usPerClientTick,
        cpuUs: r.cpuUsPerClientTick,
        floorUs: r.floorUsPerClientTick,
        floorReceiveUs: r.floorReceiveUs,
        floorSendUs: r.floorSendUs,
        datagramsPerClientTick: r.serverDatagramsPerClientTick,
        heapPerPeer: r.serverHeapPerPeer,
        externalPerPeer: r.serverExternalPerPeer,
        heapSlope: r.serverHeapSlopePerPeer,
        externalSlope: r.serverExternalSlopePerPeer,
      },
      ...(error ? { error } : {}),
    };
  } finally {
    await child.close();
  }
}

if (import.meta.main) {
  const arg = Deno.args[0];
  if (arg?.startsWith("{")) {
    const config = JSON.parse(arg) as { clients: number; ticks: number; encrypted?: boolean };
    hardDeadline(170_000, "tick cost");
    const r = await measureTickCost(config.clients, config.ticks, 10, config.encrypted === true);
    emit("tick-cost", { ...r });
    Deno.exit(0);
  }
  const numbers = Deno.args.filter((a) => a !== "--encrypted");
  const clients = Number(numbers[0] ?? 1000), ticks = Number(numbers[1] ?? 40);
  const r = await measureTickCost(clients, ticks, 10, Deno.args.includes("--encrypted"));
  console.log(
    `server per client tick: ${r.usPerClientTick.toFixed(2)} us (cpu ${
      r.cpuUsPerClientTick.toFixed(2)
    } us); socket floor ${r.floorUsPerClientTick.toFixed(2)} us (receive ${
      r.floorReceiveUs.toFixed(2)
    } + send ${r.floorSendUs.toFixed(2)}); ${r.clients} clients x ${r.ticks} ticks; ` +
      `inputs read ${r.inputsRead}, snapshots read ${r.snapshotsRead}, ` +
      `server datagrams per client tick ${r.serverDatagramsPerClientTick.toFixed(2)}; ` +
      `server heap per peer ${(r.serverHeapSlopePerPeer / 1024).toFixed(2)} KiB (slope ${clients}-${
        2 * clients
      }; ${(r.serverHeapPerPeer / 1024).toFixed(2)} over the empty server), external ${
        (r.serverExternalSlopePerPeer / 1024).toFixed(2)
      } KiB`,
  );
}
